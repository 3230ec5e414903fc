package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// checkParseForm holds parseForm to url.ParseQuery as parseAPIRequest
// uses it: the first value of each field, and a refusal only for what
// parseForm leaves to url.ParseQuery.
func checkParseForm(t *testing.T, body string) {
	t.Helper()
	got := map[string]string{}
	ok := parseForm([]byte(body), got)
	vals, err := url.ParseQuery(body)
	if !ok {
		if len(got) != 0 {
			t.Errorf("parseForm(%q) refused but left params %q, want none", body, got)
		}
		if err == nil && !strings.Contains(body, ";") && strings.Count(body, "&") < maxFastFormFields {
			t.Errorf("parseForm(%q) refused a body url.ParseQuery accepts", body)
		}
		return
	}
	if err != nil {
		t.Fatalf("parseForm(%q) accepted a body url.ParseQuery refuses: %v", body, err)
	}
	want := map[string]string{}
	for k, v := range vals {
		want[k] = v[0]
	}
	if !maps.Equal(got, want) {
		t.Errorf("parseForm(%q) = %q, want %q", body, got, want)
	}
}

func TestParseForm(t *testing.T) {
	blocks := string(benchBody(t, "message-blocks.json"))
	tests := []struct{ name, body string }{
		{"empty", ""},
		{"slack-go's post", url.Values{"channel": {ChannelHiring}, "text": {"a b+c&d=é"}, "blocks": {blocks}}.Encode()},
		{"plus is a space", "text=a+b+&x=%2B"},
		{"first value wins", "a=1&a=2&b=&b=3"},
		{"no equals sign", "flag&x=1"},
		{"empty parts", "&&a=1&&"},
		{"escaped key", "te%78t=y"},
		{"semicolon", "a=1;b=2"},
		{"bad escape", "a=%zz&b=1"},
		{"truncated escape", "a=%4"},
		{"bad escape in key", "%g1=1"},
		{"percent at the end", "a=1%"},
		{"upper and lower hex", "a=%c3%A9%2f"},
		{"too many fields", strings.Repeat("a=1&", maxFastFormFields)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkParseForm(t, tt.body) })
	}
}

func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"", "a=1&b=%20+x", "a=%zz", "a;b", "k&=v&k=w", "%e2%80%a8=%FF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) { checkParseForm(t, body) })
}

// jsonMetadataOf is metadataOf as encoding/json answers it: the oracle
// of its fast check.
func jsonMetadataOf(raw string) bool {
	var m struct {
		EventType    *string        `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	err := json.Unmarshal([]byte(raw), &m)
	return err == nil && m.EventType != nil && *m.EventType != "" && m.EventPayload != nil
}

func checkMetadataOf(t *testing.T, raw string) {
	t.Helper()
	if raw == "" {
		return
	}
	got, e := metadataOf(raw)
	want := jsonMetadataOf(raw)
	switch {
	case want && (e != nil || !bytes.Equal(got, []byte(raw))):
		t.Errorf("metadataOf(%q) = %s, %v, want it accepted as sent", raw, got, e)
	case !want && (e == nil || e.code != "invalid_metadata_format" || got != nil):
		t.Errorf("metadataOf(%q) = %s, %v, want invalid_metadata_format", raw, got, e)
	}
}

func TestMetadataOf(t *testing.T) {
	for _, raw := range []string{
		`{"event_type":"jobdesc_review","event_payload":{"draft":"AM-1"}}`,
		` { "event_payload" : {} , "event_type" : "x" , "other" : [1] } `,
		`{"event_type":"","event_payload":{}}`,
		`{"event_type":"x"}`,
		`{"event_payload":{}}`,
		`{"event_type":"x","event_payload":null}`,
		`{"event_type":null,"event_payload":{}}`,
		`{"event_type":1,"event_payload":{}}`,
		`{"event_type":"x","event_payload":[]}`,
		`{"event_type":"x","event_payload":"{}"}`,
		`{"Event_Type":"x","event_payload":{}}`,
		`{"event_type":"x","EVENT_PAYLOAD":{}}`,
		`{"event_type":"x","event_payload":{},"event_type":""}`,
		`{"event_type":"x","event_payload":{"a":1},"event_payload":{}}`,
		`{"event_type":"x","event_payload":{},"event_payload":null}`,
		`{"event_type":"\u0078","event_payload":{}}`,
		`{"évent_type":"x","event_payload":{}}`,
		`{"event_type":"x","event_payload":{}`,
		`[]`,
		`null`,
		`"x"`,
	} {
		t.Run(raw, func(t *testing.T) { checkMetadataOf(t, raw) })
	}
}

func FuzzMetadataOf(f *testing.F) {
	for _, s := range []string{`{"event_type":"a","event_payload":{}}`, `{"Event_type":"a","event_payload":{}}`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) { checkMetadataOf(t, raw) })
}

func TestIsJSONType(t *testing.T) {
	for _, h := range []string{
		"", "application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8",
		"application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "text/plain", "application/json; =",
		"application/jsonx", "multipart/form-data; boundary=x",
	} {
		t.Run(h, func(t *testing.T) {
			ctype, _, _ := mime.ParseMediaType(h)
			if got, want := isJSONType(h), ctype == "application/json"; got != want {
				t.Errorf("isJSONType(%q) = %v, want %v", h, got, want)
			}
		})
	}
}

// checkTreeMembers holds parseAPIRequest of a JSON body for a method
// that reads blocks (one jsonTree of the body) to what it does for
// another method (scanMembers): the same parameters, fields, body and
// error, and the same blocks read or rejected.
func checkTreeMembers(t *testing.T, s *Server, body string) {
	t.Helper()
	parse := func(method string) (*apiRequest, *apiError) {
		r := httptest.NewRequest(http.MethodPost, "/api/"+method, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		return parseAPIRequest(r, method)
	}
	got, gotErr := parse("chat.postMessage")
	want, wantErr := parse("chat.getPermalink")
	if !reflect.DeepEqual(gotErr, wantErr) {
		t.Fatalf("body %q: error %v, want %v", body, gotErr, wantErr)
	}
	if !maps.Equal(got.params, want.params) || !bytes.Equal(got.body, want.body) || got.token != want.token {
		t.Errorf("body %q: params %q body %q, want %q %q", body, got.params, got.body, want.params, want.body)
	}
	if len(got.members) != len(want.members) {
		t.Fatalf("body %q: %d fields, want %d", body, len(got.members), len(want.members))
	}
	for i, g := range got.members {
		w := want.members[i]
		if g.key != w.key || !bytes.Equal(g.raw, w.raw) || g.str != w.str || g.isStr != w.isStr || (g.text != "" && g.text != string(w.raw)) {
			t.Errorf("body %q: field %d = %+v, want %+v", body, i, g, w)
		}
	}
	if gotErr != nil {
		return
	}
	gc, wc := s.messageContent(got), s.messageContent(want)
	if (gc.blocks == nil) != (wc.blocks == nil) || gc.blocksSet != wc.blocksSet || gc.text != wc.text || !reflect.DeepEqual(gc.err, wc.err) {
		t.Fatalf("body %q: content %q %v %v, want %q %v %v", body, gc.blocks, gc.blocksSet, gc.err, wc.blocks, wc.blocksSet, wc.err)
	}
	if wc.blocks != nil {
		input := want.rawValue("blocks")
		if input == nil {
			input = []byte(want.params["blocks"])
		}
		sameBlocks(t, input, gc.blocks, wc.blocks)
	}
}

func TestTreeMembers(t *testing.T) {
	s := &Server{}
	review := string(benchBody(t, "review-blocks.json"))
	for _, tt := range []struct{ name, body string }{
		{"review message", `{"channel":"C0HIRING","text":"Review","blocks":` + review + `,"metadata":{"event_type":"x","event_payload":{"a":[1,2]}}}`},
		{"blocks as a string", `{"channel":"C0HIRING","blocks":"[{\"type\":\"divider\",\"block_id\":\"d\"}]"}`},
		{"blocks as an object", `{"blocks":{"type":"divider"}}`},
		{"blocks twice, string last", `{"blocks":[{"type":"divider","block_id":"a"}],"blocks":"[]"}`},
		{"blocks twice, array last", `{"blocks":"[]","blocks":[{"type":"divider","block_id":"b"}]}`},
		{"invalid blocks", `{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":""}}]}`},
		{"empty blocks", `{"blocks":[],"text":"t"}`},
		{"null blocks", `{"blocks":null,"text":"t"}`},
		{"number out of range", `{"blocks":[{"type":"divider","block_id":"a"}],"n":1e999}`},
		{"escapes and whitespace", " {\n\"te\\u0078t\" : \"a\\nb\u2028\" , \"blocks\" :\t[ {\"type\":\"divider\",\"block_id\":\"x\\\"y\"} ] , \"f\": 1.50 , \"o\" : { } } "},
		{"token field", `{"token":"xoxb-1","channel":"C1","blocks":[{"type":"divider","block_id":"a"}]}`},
		{"invalid JSON", `{"blocks":[}`},
		{"not an object", `[{"blocks":[]}]`},
		{"empty", ``},
		{"invalid UTF-8", "{\"text\":\"a\xffb\",\"bl\xffocks\":[]}"},
	} {
		t.Run(tt.name, func(t *testing.T) { checkTreeMembers(t, s, tt.body) })
	}
}

func FuzzTreeMembers(f *testing.F) {
	for _, s := range []string{`{"blocks":[{"type":"divider","block_id":"a"}],"text":"x"}`, `{"a":1e999}`, `{"blocks":"[]"}`, ` {"b" : [ 1 , {"c":null} ] } `} {
		f.Add(s)
	}
	s := &Server{}
	f.Fuzz(func(t *testing.T, body string) { checkTreeMembers(t, s, body) })
}

// knownViews are views cached by the server checkKnownView parses with:
// one whose blocks have every id, and jobdesc's modal, whose header the
// fake draws a block_id for.
func knownViews(t testing.TB) []string {
	t.Helper()
	return []string{
		`{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":[{"type":"section","block_id":"b","text":{"type":"mrkdwn","text":"x"}}]}`,
		string(benchBody(t, "modal.json")),
	}
}

// newKnownServer returns a server (not started: only its view cache is
// used) with knownViews cached for modals.
func newKnownServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{}
	for _, v := range knownViews(t) {
		if _, e := s.parseView([]byte(v), surfaceModal, "/view"); e != nil {
			t.Fatalf("parseView(%.40s…): %v", v, e)
		}
	}
	return s
}

// checkKnownView holds parseAPIRequest of a views.open JSON body on a
// server that cached views (which takes a cached view member as it is) to
// parseAPIRequest without the cache: the same parameters, fields, body
// and error, and the same view prepared. It reports whether the view was
// found in the cache.
func checkKnownView(t *testing.T, s *Server, body string) (found bool) {
	t.Helper()
	req := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/views.open", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	got, gotErr := s.parseAPIRequest(req(), "views.open")
	want, wantErr := parseAPIRequest(req(), "views.open")
	if !reflect.DeepEqual(gotErr, wantErr) {
		t.Fatalf("body %.80q: error %v, want %v", body, gotErr, wantErr)
	}
	if !maps.Equal(got.params, want.params) || !bytes.Equal(got.body, want.body) || got.token != want.token {
		t.Errorf("body %.80q: params %.200q body %.80q, want %.200q %.80q", body, got.params, got.body, want.params, want.body)
	}
	if len(got.members) != len(want.members) {
		t.Fatalf("body %.80q: %d fields, want %d", body, len(got.members), len(want.members))
	}
	for i, g := range got.members {
		w := want.members[i]
		if g.key != w.key || !bytes.Equal(g.raw, w.raw) || g.str != w.str || g.isStr != w.isStr || g.text != w.text {
			t.Errorf("body %.80q: field %d = %.80v, want %.80v", body, i, g, w)
		}
	}
	if gotErr != nil {
		return got.found != nil
	}
	if got.found != nil && !bytes.Equal(got.foundRaw, got.rawValue("view")) && !bytes.Contains(got.body, got.foundRaw) {
		t.Errorf("body %.80q: found view %.80q is not in the body", body, got.foundRaw)
	}
	prepare := prepareView(surfaceModal)
	prepare(s, got)
	prepare(&Server{}, want)
	if !reflect.DeepEqual(got.viewErr, want.viewErr) {
		t.Fatalf("body %.80q: view error %v, want %v", body, got.viewErr, want.viewErr)
	}
	if want.view == nil {
		return got.found != nil
	}
	g, w := got.view, want.view
	if got.found != nil && sameBytes(got.foundRaw, got.viewJSON()) && g == got.found && g.drewIDs() {
		t.Errorf("body %.80q: a view whose ids the fake drew was not drawn again", body)
	}
	gb, wb := g.appendBlocksJSON(nil), w.appendBlocksJSON(nil)
	if len(g.drawn) != len(w.drawn) || len(gb) != len(wb) || g.callbackID != w.callbackID || g.privateMetadata != w.privateMetadata || g.titleText != w.titleText {
		t.Errorf("body %.80q: view %.200s, want %.200s", body, gb, wb)
	}
	if len(w.drawn) == 0 && !bytes.Equal(gb, wb) {
		t.Errorf("body %.80q: blocks %.200s, want %.200s", body, gb, wb)
	}
	return got.found != nil
}

// knownViewBodies returns views.open bodies around the knownViews: sent
// as cached, among other fields, twice, cut short, with more after them,
// nested, and with invalid JSON around them.
func knownViewBodies(t testing.TB) map[string]string {
	t.Helper()
	vs := knownViews(t)
	small, modal := vs[0], vs[1]
	return map[string]string{
		"small view":               `{"trigger_id":"1.2.abc","view":` + small + `}`,
		"modal":                    `{"trigger_id":"1.2.abc","view":` + modal + `}`,
		"view first":               `{"view":` + modal + `,"trigger_id":"t"}`,
		"spaces around":            " {\n \"view\" :\t" + small + " , \"n\" : 1 } ",
		"view twice, cached first": `{"view":` + small + `,"view":{"type":"modal","title":{"type":"plain_text","text":"U"},"blocks":[]}}`,
		"view twice, cached last":  `{"view":{"type":"modal"},"view":` + modal + `}`,
		"cached view cut short":    `{"view":` + small[:len(small)-2] + `}`,
		"cached view extended":     `{"view":` + small[:len(small)-1] + `,"callback_id":"cb"}}`,
		"cached view then garbage": `{"view":` + small + `x}`,
		"cached view unclosed":     `{"view":` + small,
		"cached view, trailing":    `{"view":` + small + `} {}`,
		"cached view, other key":   `{"other":` + small + `,"view":` + small + `}`,
		"view in an array":         `{"view":[` + small + `]}`,
		"view as a string":         `{"view":` + strconvQuote(small) + `}`,
		"invalid view":             `{"view":{"type":"modal","blocks":[{"type":"section"}]}}`,
		"token field":              `{"token":"xoxb-1","view":` + small + `}`,
	}
}

// strconvQuote returns s as a JSON string.
func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestKnownView(t *testing.T) {
	s := newKnownServer(t)
	cached := map[string]bool{"small view": true, "modal": true, "view first": true, "spaces around": true, "view twice, cached first": true, "view twice, cached last": true, "token field": true,
		"cached view, other key": true, "cached view then garbage": true, "cached view unclosed": true, "cached view, trailing": true} // found, then the body fails
	for name, body := range knownViewBodies(t) {
		t.Run(name, func(t *testing.T) {
			if got, want := checkKnownView(t, s, body), cached[name]; got != want {
				t.Errorf("view found in the cache: got %v, want %v", got, want)
			}
		})
	}
}

func FuzzKnownView(f *testing.F) {
	for _, body := range knownViewBodies(f) {
		f.Add(body)
	}
	s := newKnownServer(f)
	f.Fuzz(func(t *testing.T, body string) { checkKnownView(t, s, body) })
}

// TestReleaseThenParse parses JSON bodies one after the other, each
// request's tree released (its nodes back in nodePool) before the next is
// parsed: every one reads as a request parsed on its own does.
func TestReleaseThenParse(t *testing.T) {
	s := &Server{}
	review := string(benchBody(t, "review-blocks.json"))
	bodies := []string{
		`{"channel":"C0HIRING","text":"Review","blocks":` + review + `}`,
		`{"channel":"C0HIRING","text":"t","blocks":[{"type":"divider","block_id":"a"}]}`,
		`{"channel":"C0HIRING","text":"Review again","blocks":` + review + `,"metadata":{"event_type":"x","event_payload":{}}}`,
		`{"channel":"C0HIRING","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"a\nb"},"block_id":"s"}]}`,
	}
	parse := func(body string) *apiRequest {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/api/chat.postMessage", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		req, e := parseAPIRequest(r, "chat.postMessage")
		if e != nil {
			t.Fatalf("parseAPIRequest(%.60q): %v", body, e)
		}
		return req
	}
	for round := range 3 {
		for i, body := range bodies {
			t.Run(fmt.Sprintf("round %d body %d", round, i), func(t *testing.T) {
				got := parse(body)
				gc := s.messageContent(got)
				got.release()
				if got.tree != nil || got.nodes != nil {
					t.Errorf("released request still holds its tree")
				}
				fresh := parse(body)
				wc := s.messageContent(fresh)
				if gc.err != nil || wc.err != nil || gc.text != wc.text || len(gc.blocks) != len(wc.blocks) {
					t.Fatalf("content %q %.80s %v, want %q %.80s %v", gc.text, gc.blocks, gc.err, wc.text, wc.blocks, wc.err)
				}
				sameBlocks(t, fresh.rawValue("blocks"), gc.blocks, wc.blocks)
				if !maps.Equal(got.params, fresh.params) {
					t.Errorf("params %.200q, want %.200q", got.params, fresh.params)
				}
				fresh.release()
			})
		}
	}
}
