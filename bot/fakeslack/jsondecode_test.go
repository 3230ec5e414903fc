package fakeslack

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// jsonDecodeCases are inputs the fast decoder must decode exactly as
// encoding/json does, or leave to it.
var jsonDecodeCases = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `12.5e-3`, `1E+2`, `""`,
	` { "a" : [ 1 , 2.5 , "x" , null , true , false , { } , [ ] ] } `,
	`{"a":1,"a":2}`,
	`{"type":"plain_text","text\"":"type\\","emoji":"input\u0041"}`, `["section","sectio","section\n"]`,
	`{"text":"line\nbreak \"quoted\" back\\slash \/ \t\b\f\r"}`,
	`{"emoji":"✅ résumé — 日本"}`,
	`{"u":"\u00e9\u2028"}`, `{"pair":"\ud83d\ude00"}`, `{"lone":"\ud83d x"}`,
	"{\"bad\":\"\xff\"}", "{\"ctl\":\"a\x01b\"}",
	`{"n":1e999}`, `{"n":01}`, `{"n":-}`, `{"n":1.}`, `{"n":.5}`, `{"n":1e}`,
	`{"a":1,}`, `[1,]`, `{"a" 1}`, `{a:1}`, `[1 2]`, `{"a":1} x`, `{"a":tru}`, `{"a":nul}`, `"open`,
	`{`, `[`, ``, `   `, `{"a":[1,{"b":[]}]`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat("[", 100) + strings.Repeat("]", 100),
	`{"view":{"a":[1,2,{"b":"\u0041"}],"c":{}},"n":1e999,"s":"x\ny","t":true,"z":null,"e":[]}`,
	`{"v":{"a":"\x"}}`, `{"v":["a" "b"]}`, `{"v":{"a":1,}}`, `{"v":{"a" 1}}`, `{"v":{1:2}}`, `{"v":[1,]}`,
	`{"v":"\ud83d"}`, "{\"v\":{\"k\\u00e9\":\"\xff\"}}", `{"v":-01}`, `{"v":[1e5, -0.5E-2, -]}`, `{"v":[tru]}`,
	`{"v":"\u00zz"}`, "{\"v\":[\"a\x01\"]}", `{"v":{"a":[}]}`, `{"v":[1}`, `{"v":{"a":1]}`,
	`{"v":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	`{"v":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat("}", 200) + `}`,
}

func TestDecodeJSONFastMatchesEncodingJSON(t *testing.T) {
	modal, err := os.ReadFile(filepath.Join("testdata", "modal.json"))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	blocks, err := os.ReadFile(filepath.Join("testdata", "message-blocks.json"))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	cases := append([]string{string(modal), string(blocks)}, jsonDecodeCases...)
	for i, in := range cases {
		name := in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			checkFastDecode(t, []byte(in))
		})
		if i < 2 {
			t.Run(name+"/fast path taken", func(t *testing.T) {
				if _, ok := decodeJSONFast([]byte(in)); !ok {
					t.Errorf("got the encoding/json fallback for testdata, want the fast path")
				}
			})
		}
	}
}

// checkFastDecode compares the fast decoders with encoding/json on data.
func checkFastDecode(t *testing.T, data []byte) {
	t.Helper()
	var want any
	wantErr := json.Unmarshal(data, &want)
	got, ok := decodeJSONFast(data)
	if ok && wantErr != nil {
		t.Fatalf("fast decoder accepted %q, encoding/json says %v", data, wantErr)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("fast decoder got %#v, want %#v", got, want)
	}

	var wantObj map[string]any
	wantObjErr := json.Unmarshal(data, &wantObj)
	gotObj, gotObjErr := decodeObject(data)
	if (gotObjErr == nil) != (wantObjErr == nil) || gotObjErr != nil && gotObjErr.Error() != wantObjErr.Error() {
		t.Fatalf("decodeObject error %v, want %v", gotObjErr, wantObjErr)
	}
	if !reflect.DeepEqual(gotObj, wantObj) {
		t.Fatalf("decodeObject got %#v, want %#v", gotObj, wantObj)
	}

	var wantArr []any
	wantArrErr := json.Unmarshal(data, &wantArr)
	gotArr, gotArrErr := decodeArray(data)
	if (gotArrErr == nil) != (wantArrErr == nil) || gotArrErr != nil && gotArrErr.Error() != wantArrErr.Error() {
		t.Fatalf("decodeArray error %v, want %v", gotArrErr, wantArrErr)
	}
	if !reflect.DeepEqual(gotArr, wantArr) {
		t.Fatalf("decodeArray got %#v, want %#v", gotArr, wantArr)
	}

	members, ok := scanMembers(data)
	var wantRaw map[string]json.RawMessage
	wantRawErr := json.Unmarshal(data, &wantRaw)
	if !ok {
		if wantRawErr == nil && wantRaw != nil {
			t.Errorf("scanMembers left %q to encoding/json, which reads it", data)
		}
		return
	}
	if wantRawErr != nil {
		t.Fatalf("scanMembers accepted %q, encoding/json says %v", data, wantRawErr)
	}
	gotRaw, gotStr := map[string]json.RawMessage{}, map[string]string{}
	for _, m := range members { // the last of a repeated key wins, as in a map
		gotRaw[m.key] = m.raw
		delete(gotStr, m.key)
		if m.isStr {
			gotStr[m.key] = m.str
		}
	}
	if len(gotRaw) != len(wantRaw) {
		t.Fatalf("scanMembers got %d fields, want %d", len(gotRaw), len(wantRaw))
	}
	for k, w := range wantRaw {
		if !bytes.Equal(gotRaw[k], w) {
			t.Errorf("scanMembers field %q: got %s, want %s", k, gotRaw[k], w)
		}
		var want string
		if json.Unmarshal(w, &want) == nil && gotStr[k] != want {
			t.Errorf("scanMembers string %q: got %q, want %q", k, gotStr[k], want)
		}
	}
}

func FuzzDecodeJSONFast(f *testing.F) {
	for _, in := range jsonDecodeCases {
		f.Add([]byte(in))
	}
	if modal, err := os.ReadFile(filepath.Join("testdata", "modal.json")); err == nil {
		f.Add(modal)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastDecode(t, data)
	})
}
