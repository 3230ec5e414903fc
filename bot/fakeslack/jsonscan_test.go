package fakeslack

import (
	"encoding/json"
	"testing"
)

// FuzzAppendUnescaped holds the string decoding both JSON readers share to
// encoding/json, read from []byte and from a string.
func FuzzAppendUnescaped(f *testing.F) {
	for _, s := range []string{`plain`, `a\"b\\c\/d`, `\b\f\n\r\t`, `\u00e9\ud83d\ude00`, `\ud800x`, "caf\xc3\xa9 \xff", `\u12`,
		`a\n\u003c\u003e\u0026\u2028\u2029\u0001\u001f`, `\u003C`, `<&>`, "\u2028", `\u000a`, "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		q := `"` + body + `"`
		var want string
		wantOK := json.Unmarshal([]byte(q), &want) == nil
		check := func(name string, got []byte, end int, ok bool) {
			t.Helper()
			if !wantOK {
				// encoding/json refuses it: so must the reader, or stop
				// before the end (a quote inside what was wrapped).
				if ok && end == len(q) {
					t.Errorf("%s: read %q whole, encoding/json refuses it", name, q)
				}
				return
			}
			if !ok || end != len(q) || string(got) != want {
				t.Errorf("%s(%q) = %q, end %d, ok %t; want %q, end %d", name, q, got, end, ok, want, len(q))
			}
		}
		got, end, ok, canonical := appendUnescaped(nil, q, 1)
		check("string", got, end, ok)
		// canonical: appendJSONString writes what was decoded as it was read.
		if enc := appendJSONString(nil, string(got)); ok && canonical != (string(enc) == q[:end]) {
			t.Errorf("%q: canonical %v, but appendJSONString writes %s", q[:end], canonical, enc)
		}
		got, end, ok, _ = appendUnescaped(nil, []byte(q), 1)
		check("[]byte", got, end, ok)
	})
}
