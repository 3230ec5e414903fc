package fakeslack

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// What the fake's two JSON readers share: jsonDecoder (values as maps, on
// []byte) and treeParser (a flat tree over a string).

// jsonText is the text a JSON reader reads.
type jsonText interface{ ~string | ~[]byte }

// appendUnescaped appends to dst the string that continues at i of s (i is
// the first byte not taken as is: a backslash or invalid UTF-8), decoded
// as encoding/json decodes it, up to its closing quote. It returns dst and
// the position after the quote, or ok false for a string that is not
// JSON. canonical says whether s[i:end-1] is what appendJSONString writes
// for what it decodes to: escapes only where appendJSONString escapes,
// written as it writes them.
func appendUnescaped[S jsonText](dst []byte, s S, i int) (out []byte, end int, ok, canonical bool) {
	canonical = true
	for i < len(s) {
		j := i
		for j < len(s) && jsonSafe[s[j]] {
			j++
		}
		dst = append(dst, s[i:j]...)
		if i = j; i >= len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			return dst, i + 1, true, canonical
		case c == '<' || c == '>' || c == '&': // kept, but appendJSONString escapes them
			dst = append(dst, c)
			canonical = false
			i++
			continue
		case c == '\\':
			if i+1 >= len(s) {
				return dst, 0, false, false
			}
			switch e := s[i+1]; e {
			case '"', '\\':
				dst = append(dst, e)
			case '/':
				dst = append(dst, e)
				canonical = false
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := getu4(s[i:])
				if r < 0 {
					return dst, 0, false, false
				}
				canonical = canonical && canonicalU(s[i:i+6], r)
				i += 6
				if utf16.IsSurrogate(r) {
					if dec := utf16.DecodeRune(r, getu4(s[i:])); dec != unicode.ReplacementChar {
						r = dec
						i += 6
					} else {
						r = unicode.ReplacementChar
					}
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default:
				return dst, 0, false, false
			}
			i += 2
		case c < 0x20:
			return dst, 0, false, false
		default:
			r, size := decodeRune(s, i)
			dst = utf8.AppendRune(dst, r) // invalid UTF-8 becomes U+FFFD
			if size == 1 || r == '\u2028' || r == '\u2029' {
				canonical = false // appendJSONString writes U+FFFD or an escape
			}
			i += size
		}
	}
	return dst, 0, false, false
}

// canonicalU reports whether the escape esc (\uXXXX, of r) is how
// appendJSONString writes r: a control character without a short escape,
// <, >, &, U+2028 or U+2029, in lower-case hex.
func canonicalU[S jsonText](esc S, r rune) bool {
	switch {
	case r == '\b' || r == '\f' || r == '\n' || r == '\r' || r == '\t':
		return false
	case r < 0x20, r == '<', r == '>', r == '&', r == '\u2028', r == '\u2029':
	default:
		return false
	}
	for k := 2; k < 6; k++ {
		if c := esc[k]; 'A' <= c && c <= 'F' {
			return false
		}
	}
	return true
}

// decodeRune is utf8.DecodeRune of s from i.
func decodeRune[S jsonText](s S, i int) (rune, int) {
	var b [utf8.UTFMax]byte
	n := 0
	for ; n < len(b) && i+n < len(s); n++ {
		b[n] = s[i+n]
	}
	return utf8.DecodeRune(b[:n])
}

// plainByte marks the bytes a JSON string holds as they are: ASCII but
// the quote, the backslash and control characters.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// getu4 decodes \uXXXX at the start of s, or returns -1.
func getu4[S jsonText](s S) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for i := 2; i < 6; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// numberEnd returns the end of the number at i of s, read with JSON's
// grammar, or -1 when there is none.
func numberEnd[S jsonText](s S, i int) int {
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return -1
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return -1
		}
	}
	return i
}
