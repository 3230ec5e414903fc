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
// JSON.
func appendUnescaped[S jsonText](dst []byte, s S, i int) (out []byte, end int, ok bool) {
	for i < len(s) {
		j := i
		for j < len(s) && plainByte[s[j]] {
			j++
		}
		dst = append(dst, s[i:j]...)
		if i = j; i >= len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			return dst, i + 1, true
		case c == '\\':
			if i+1 >= len(s) {
				return dst, 0, false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				dst = append(dst, e)
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
					return dst, 0, false
				}
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
				return dst, 0, false
			}
			i += 2
		case c < 0x20:
			return dst, 0, false
		default:
			r, size := decodeRune(s, i)
			dst = utf8.AppendRune(dst, r) // invalid UTF-8 becomes U+FFFD
			i += size
		}
	}
	return dst, 0, false
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
