package fakeslack

import (
	"encoding/json"
	"testing"
)

// FuzzAppendUnescaped holds the string decoding both JSON readers share to
// encoding/json, read from []byte and from a string.
func FuzzAppendUnescaped(f *testing.F) {
	for _, s := range []string{`plain`, `a\"b\\c\/d`, `\b\f\n\r\t`, `\u00e9\ud83d\ude00`, `\ud800x`, "caf\xc3\xa9 \xff", `\u12`} {
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
		got, end, ok := appendUnescaped(nil, q, 1)
		check("string", got, end, ok)
		got, end, ok = appendUnescaped(nil, []byte(q), 1)
		check("[]byte", got, end, ok)
	})
}
