package fakeslack

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// rawJSON is JSON the fake already encoded: compact and valid. appendJSON
// copies it as is, where encoding/json would scan and compact it again.
type rawJSON []byte

// MarshalJSON returns r, so a rawJSON inside a value given to json.Marshal
// still encodes correctly (only more slowly).
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// encodeJSON renders v as appendJSON does.
func encodeJSON(v any) []byte { return appendJSON(nil, v) }

// encodeJSONSize renders v as appendJSON does into a buffer of size bytes
// to start with (a guess at the result's length saves regrowing it).
func encodeJSONSize(v any, size int) []byte { return appendJSON(make([]byte, 0, size), v) }

// jsonAppender is a value that encodes itself for appendJSON.
type jsonAppender interface {
	appendTo(b []byte) []byte
	sizeHint() int // a guess at its encoded length
}

// sizeHint guesses the encoded length of m for encodeJSONSize: its rawJSON
// values' lengths plus some for every other field.
func sizeHint(m map[string]any) int {
	n := 2
	for k, v := range m {
		n += len(k) + 4
		switch x := v.(type) {
		case rawJSON:
			n += len(x)
		case jsonAppender:
			n += x.sizeHint()
		default:
			n += 64
		}
	}
	return n
}

// appendJSON appends v encoded exactly as json.Marshal encodes it (object
// keys sorted, HTML characters escaped), but without reflection for the
// types the fake builds payloads from — maps, slices, strings, numbers,
// booleans — and without re-scanning rawJSON. Other types go through
// json.Marshal; a value json.Marshal cannot encode becomes null.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case rawJSON:
		if len(x) == 0 {
			return append(b, "null"...)
		}
		return append(b, x...)
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e21 {
			return strconv.AppendFloat(b, x, 'f', -1, 64)
		}
	case jsonAppender:
		return x.appendTo(b)
	case map[string]any:
		if x == nil {
			return append(b, "null"...)
		}
		return appendObject(b, x, "", nil)
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case []string:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, e)
		}
		return append(b, ']')
	case []map[string]any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

// appendObject appends m encoded, keys sorted, with the member extraKey
// (when not "") set to extra.
func appendObject(b []byte, m map[string]any, extraKey string, extra any) []byte {
	var small [16]field
	fields := small[:0]
	for k, v := range m {
		if k != extraKey || extraKey == "" {
			fields = append(fields, field{k, v})
		}
	}
	if extraKey != "" {
		fields = append(fields, field{extraKey, extra})
	}
	sortByKey(fields, func(f field) string { return f.key })
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		b = appendJSON(b, f.value)
	}
	return append(b, '}')
}

// field is an object member to encode.
type field struct {
	key   string
	value any
}

// sortByKey sorts s by key, keeping equal keys in order: by insertion for
// the few keys of a Block Kit object, else with slices.SortStableFunc.
func sortByKey[T any](s []T, key func(T) string) {
	if len(s) > 16 {
		slices.SortStableFunc(s, func(a, b T) int { return strings.Compare(key(a), key(b)) })
		return
	}
	for i := 1; i < len(s); i++ {
		x := s[i]
		k := key(x)
		j := i
		for ; j > 0 && key(s[j-1]) > k; j-- {
			s[j] = s[j-1]
		}
		s[j] = x
	}
}

// jsonSafe marks the ASCII bytes a JSON string holds as they are.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string, escaped as json.Marshal
// escapes it (HTML characters, U+2028 and U+2029 included; invalid UTF-8
// becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && jsonSafe[s[i]] { // the usual bytes, in bulk
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters and <, >, &
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
