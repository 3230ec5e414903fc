package fakeslack

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// mapCheckMessageBlocks is checkMessageBlocks as it was: blocks decoded
// into maps, checked by mapChecker, normalised and encoded by appendJSON.
func mapCheckMessageBlocks(raw []byte, ptr string) (json.RawMessage, *apiError) {
	blocks, err := decodeArray(raw)
	if err != nil {
		return nil, &apiError{code: "invalid_blocks_format", messages: []string{"[ERROR] blocks must be a JSON array of block objects: " + err.Error()}}
	}
	if msgs := mapCheckBlocks(blocks, ptr, surfaceMessage); len(msgs) > 0 {
		return nil, &apiError{code: "invalid_blocks", messages: msgs}
	}
	normalizeBlocks(blocks)
	return encodeJSON(blocks), nil
}

// sameBlocks fails unless got and want, block lists checkMessageBlocks
// returned for input, are equal but for the ids each drew at random.
func sameBlocks(t *testing.T, input, got, want []byte) {
	t.Helper()
	gotV, err := decodeArray(got)
	if err != nil {
		t.Fatalf("output %s does not decode: %v", got, err)
	}
	if canon := encodeJSON(gotV); !bytes.Equal(canon, got) {
		t.Fatalf("got %s, want it as appendJSON encodes it: %s", got, canon)
	}
	wantV, _ := decodeArray(want)
	inV, _ := decodeArray(input)
	if len(gotV) != len(wantV) || len(inV) != len(wantV) {
		t.Fatalf("got %d blocks, want %d (input %d)", len(gotV), len(wantV), len(inV))
	}
	// drawn blanks an id drawn in both outputs, after checking its form.
	drawn := func(key string, in, g, w map[string]any, n int) {
		if id, _ := in[key].(string); id != "" {
			return
		}
		gs, _ := g[key].(string)
		ws, _ := w[key].(string)
		if len(gs) != n || len(ws) != n {
			t.Fatalf("drawn %s: got %q, want %d characters like %q", key, gs, n, ws)
		}
		g[key], w[key] = "*", "*"
	}
	for i := range inV {
		in, isObj := inV[i].(map[string]any)
		if !isObj {
			continue
		}
		g, w := gotV[i].(map[string]any), wantV[i].(map[string]any)
		drawn("block_id", in, g, w, 5)
		ins, gs, ws := blockElements(in), blockElements(g), blockElements(w)
		if len(ins) != len(gs) || len(ins) != len(ws) {
			t.Fatalf("block %d: got %d elements, want %d", i, len(gs), len(ws))
		}
		for j := range ins {
			if ins[j]["type"] != "image" {
				drawn("action_id", ins[j], gs[j], ws[j], 4)
			}
		}
	}
	if g, w := encodeJSON(gotV), encodeJSON(wantV); !bytes.Equal(g, w) {
		t.Fatalf("got  %s\nwant %s", g, w)
	}
}

// compareCheck runs the message blocks raw through checkMessageBlocks and
// mapCheckMessageBlocks and fails unless both answer alike.
func compareCheck(t *testing.T, s *Server, raw []byte) {
	t.Helper()
	got, gotErr := s.checkMessageBlocks(raw, "/blocks")
	want, wantErr := mapCheckMessageBlocks(raw, "/blocks")
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("blocks %.300s: got error %v, want %v", raw, gotErr, wantErr)
	}
	if wantErr != nil {
		if gotErr.code != wantErr.code || !slices.Equal(gotErr.messages, wantErr.messages) {
			t.Fatalf("blocks %.300s:\ngot  %s %q\nwant %s %q", raw, gotErr.code, gotErr.messages, wantErr.code, wantErr.messages)
		}
		return
	}
	sameBlocks(t, raw, got, want)
}

// mutants returns copies of the decoded JSON value v each changed in one
// place: a member removed or set to one of values, an element replaced by
// one of the first values, or one of extra's members added to an object.
func mutants(t *testing.T, v any, values []any, extra map[string]any) [][]byte {
	t.Helper()
	var out [][]byte
	// emit adds a copy of v changed at path (each step a key or an index).
	var walk func(path []any, x any)
	emit := func(path []any, change func(parent any, step any)) {
		c, _ := decodeJSONFast(encodeJSON(v))
		var parent any = c
		for _, step := range path {
			switch p := parent.(type) {
			case map[string]any:
				parent = p[step.(string)]
			case []any:
				parent = p[step.(int)]
			}
		}
		change(parent, nil)
		out = append(out, encodeJSON(c))
	}
	walk = func(path []any, x any) {
		path = slices.Clip(path)
		switch x := x.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				emit(path, func(p any, _ any) { delete(p.(map[string]any), k) })
				for _, val := range values {
					emit(path, func(p any, _ any) { p.(map[string]any)[k] = val })
				}
				walk(append(path, k), x[k])
			}
			for _, k := range slices.Sorted(maps.Keys(extra)) {
				emit(path, func(p any, _ any) { p.(map[string]any)[k] = extra[k] })
			}
		case []any:
			for i := range x {
				for _, val := range values[:min(len(values), 4)] {
					emit(path, func(p any, _ any) { p.([]any)[i] = val })
				}
				walk(append(path, i), x[i])
			}
		}
	}
	walk(nil, v)
	return out
}

// mutationValues are the values mutants puts in place of a member.
func mutationValues() []any {
	return []any{
		nil, 7.0, 1.5, "", strings.Repeat("é", 3001), true,
		map[string]any{}, []any{}, "image", "button", "plain_text", "mrkdwn", "file_input", "primary",
		map[string]any{"type": "plain_text", "text": "hi"},
		[]any{map[string]any{"type": "mrkdwn", "text": "a"}, map[string]any{"type": "image", "image_url": "http://x/y.png"}},
	}
}

// mutationExtras are the members mutants adds to every object.
func mutationExtras() map[string]any {
	return map[string]any{
		"emoji": true, "verbatim": false, "block_id": "draft.status", "action_id": "draft.edit", "style": "loud",
		"accessory":          map[string]any{"type": "button", "text": map[string]any{"type": "plain_text", "text": "Go"}, "action_id": "draft.edit"},
		"fields":             []any{map[string]any{"type": "mrkdwn", "text": "f"}},
		"element":            map[string]any{"type": "file_input"},
		"max_length":         0.0,
		"is_decimal_allowed": "no",
		"initial_date":       "2020-1-1",
		"options":            []any{map[string]any{"text": map[string]any{"type": "mrkdwn", "text": "o"}, "value": "v"}},
	}
}

// TestCheckMessageBlocksMatchesMaps checks that checkMessageBlocks, which
// reads blocks as a jsonTree, answers as the checker on decoded maps did:
// the same errors, and the same blocks stored (but for random ids), for
// jobdesc's messages and thousands of variants of them.
func TestCheckMessageBlocksMatchesMaps(t *testing.T) {
	s := &Server{}
	for _, name := range []string{"review-blocks.json", "message-blocks.json"} {
		t.Run(name, func(t *testing.T) {
			raw := benchBody(t, name)
			compareCheck(t, s, raw)
			v, err := decodeArray(raw)
			if err != nil {
				t.Fatalf("decode %s: %v", name, err)
			}
			ms := mutants(t, v, mutationValues(), mutationExtras())
			if len(ms) < 1000 {
				t.Fatalf("got %d variants, want at least 1000", len(ms))
			}
			for _, m := range ms {
				compareCheck(t, s, m)
			}
		})
	}
	t.Run("modal blocks", func(t *testing.T) {
		var view struct{ Blocks json.RawMessage }
		if err := json.Unmarshal(benchBody(t, "modal.json"), &view); err != nil {
			t.Fatalf("decode modal: %v", err)
		}
		compareCheck(t, s, view.Blocks)
		v, _ := decodeArray(view.Blocks)
		for _, m := range mutants(t, v, mutationValues()[:1], nil) {
			compareCheck(t, s, m)
		}
	})
	for _, tc := range []struct{ name, raw string }{
		{"empty array", `[]`},
		{"object", `{"type":"divider"}`},
		{"string", `"[]"`},
		{"invalid JSON", `[{"type":"divider"]`},
		{"trailing text", `[] x`},
		{"number out of range", `[{"type":"divider","x":1e999}]`},
		{"numbers", `[{"type":"divider","a":-0,"b":1.5e3,"c":1e21,"d":-12.25,"e":0.000001}]`},
		{"whitespace", " \n[ {\t\"type\" : \"divider\" } ,{\"type\":\"divider\"}]\r\n"},
		{"duplicate keys", `[{"type":"actions","type":"divider","block_id":"a","block_id":"b"},{"type":"section","text":{"type":"mrkdwn","text":""},"text":{"type":"mrkdwn","text":"ok"}}]`},
		{"duplicate block ids", `[{"type":"divider","block_id":"a"},{"type":"divider","block_id":"a"}]`},
		{"escaped keys", `[{"typ\u0065":"divider","block\u005fid":"x\ny"}]`},
		{"escapes", `[{"type":"section","text":{"type":"mrkdwn","text":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud800x<&>\u2028"}}]`},
		{"escapes as written", `[{"type":"section","text":{"type":"mrkdwn","text":"a\nb \u003cx\u003e \"q\" \\ \u0001\t\u2028"},"k\n\u0026":1,"k2":"\u003C\/"}]`},
		{"characters escaped on output", "[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"a<b>&c\u2028d\u2029é\"},\"<k&>\":\"\u2028\",\"\u2029\":\"x\"}]"},
		{"invalid UTF-8", "[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"a\xffb\xc3\"},\"bl\xffock\":1}]"},
		{"bad escape", `[{"type":"divider","x":"\q"}]`},
		{"control character", "[{\"type\":\"divider\",\"x\":\"a\x01\"}]"},
		{"deep", strings.Repeat("[", 10001) + strings.Repeat("]", 10001)},
		{"null block id", `[{"type":"divider","block_id":null},{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"b"},"action_id":null},7,{"type":"button","text":{"type":"plain_text","text":"c"},"action_id":""}]}]`},
		{"accessory image", `[{"type":"section","text":{"type":"mrkdwn","text":"t"},"accessory":{"type":"image","image_url":"http://x/y.png","alt_text":"y"}}]`},
		{"input in message", `[{"type":"input","label":{"type":"plain_text","text":"l"},"element":{"type":"plain_text_input","max_length":3000.5}}]`},
		{"many keys", `[{"type":"divider","k01":1,"k02":2,"k03":3,"k04":4,"k05":5,"k06":6,"k07":7,"k08":8,"k09":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k05":"again"}]`},
		{"non-object blocks", `[null,1,"x",[],true]`},
	} {
		t.Run(tc.name, func(t *testing.T) { compareCheck(t, s, []byte(tc.raw)) })
	}
}

// TestCheckViewMatchesMaps checks that checkView on a jsonTree reports what
// the checker on decoded maps reported, for the account-manager modal and
// variants of it, as modal and as Home tab.
func TestCheckViewMatchesMaps(t *testing.T) {
	raw := benchBody(t, "modal.json")
	v, err := decodeObject(raw)
	if err != nil {
		t.Fatalf("decode modal: %v", err)
	}
	views := append([][]byte{raw}, mutants(t, v, mutationValues()[:1], nil)...)
	for _, surface := range []string{surfaceModal, surfaceHome} {
		t.Run(surface, func(t *testing.T) {
			for _, view := range views {
				decoded, err := decodeObject(view)
				if err != nil {
					t.Fatalf("decode variant: %v", err)
				}
				want := mapCheckView(decoded, len(view), surface, "/view")
				tree, ok := parseJSONTree(string(view))
				if !ok {
					t.Fatalf("parseJSONTree(%.200s) failed", view)
				}
				if got := checkView(tree.rootValue(), len(view), surface, "/view"); !slices.Equal(got, want) {
					t.Fatalf("view %.300s:\ngot  %q\nwant %q", view, got, want)
				}
			}
		})
	}
}
