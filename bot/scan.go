package bot

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner walks JSON without building values. What it reads or skips it
// checks as encoding/json's own scanner does (strings, numbers, literals,
// commas and colons), so a value it accepts is one encoding/json accepts.
// It does not check the rest of the input: its callers read up to the end
// and check that (end) before trusting what they read.
type scanner struct {
	b []byte
	i int
}

// maxSkipDepth is how deeply skip follows nested containers; deeper ones
// it reports as unreadable (encoding/json, which the callers fall back
// on, allows 10000).
const maxSkipDepth = 64

func (s *scanner) space() {
	if s.i < len(s.b) && s.b[s.i] > ' ' { // (Slack sends no space)
		return
	}
	s.spaces()
}

func (s *scanner) spaces() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips space and then c, reporting whether c was there.
func (s *scanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only space is left.
func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// literal moves past lit if the input holds it at s.i.
func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// boolean reads true or false.
func (s *scanner) boolean() (v, ok bool) {
	switch {
	case s.literal("true"):
		return true, true
	case s.literal("false"):
		return false, true
	}
	return false, false
}

// null skips space and then null, reporting whether it was there.
func (s *scanner) null() bool {
	s.space()
	return s.literal("null")
}

// str reads a string.
func (s *scanner) str() (string, bool) {
	s.space()
	raw, plain, ok := s.scanString()
	if !ok {
		return "", false
	}
	if plain {
		return string(raw), true
	}
	return unquote(raw), true
}

// bytes reads a string as encoding/json would decode it. The bytes are
// the input's unless the string holds escapes or is not UTF-8 (which
// Slack's keys and ids don't): copy them to keep them past the input.
func (s *scanner) bytes() ([]byte, bool) {
	s.space()
	raw, plain, ok := s.scanString()
	if !ok {
		return nil, false
	}
	if plain {
		return raw, true
	}
	return []byte(unquote(raw)), true
}

// key reads an object's key and the colon after it (bytes).
func (s *scanner) key() ([]byte, bool) {
	k, ok := s.bytes()
	return k, ok && s.consume(':')
}

// enterObject skips space and an object's opening brace, and the closing
// one if the object is empty: more reports whether fields follow.
func (s *scanner) enterObject() (more, ok bool) {
	if !s.consume('{') {
		return false, false
	}
	return !s.consume('}'), true
}

// nextField moves past the comma after an object's field, reporting more,
// or past the closing brace.
func (s *scanner) nextField() (more, ok bool) {
	return s.after('}')
}

// enterArray is enterObject for an array.
func (s *scanner) enterArray() (more, ok bool) {
	if !s.consume('[') {
		return false, false
	}
	return !s.consume(']'), true
}

// nextElem is nextField for an array.
func (s *scanner) nextElem() (more, ok bool) {
	return s.after(']')
}

// after moves past the comma after a container's member (more) or its
// closing bracket.
func (s *scanner) after(closing byte) (more, ok bool) {
	s.space()
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',':
			s.i++
			return true, true
		case closing:
			s.i++
			return false, true
		}
	}
	return false, false
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special marks the bytes of x that end a plain run in a string: a quote,
// a backslash or a control character. Its lowest set bit is exact.
func special(x uint64) uint64 {
	quote := x ^ (lsb * '"')
	backslash := x ^ (lsb * '\\')
	return ((quote-lsb)&^quote | (backslash-lsb)&^backslash | (x-lsb*0x20)&^x) & msb
}

// scanString moves past the string at s.i, checking it as encoding/json
// does. raw is what is between the quotes; plain reports that it holds
// no escapes and is UTF-8, so that raw is the string's value.
func (s *scanner) scanString() (raw []byte, plain, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false, false
	}
	end, escaped, ok := skipString(s.b, s.i+1)
	if !ok {
		return nil, false, false
	}
	raw = s.b[s.i+1 : end-1]
	s.i = end
	return raw, !escaped && (ascii(raw) || utf8.Valid(raw)), true
}

// ascii reports whether b is ASCII (for strings of Slack's names and ids,
// sooner than utf8.Valid).
func ascii(b []byte) bool {
	var high uint64
	for len(b) >= 8 {
		high |= binary.LittleEndian.Uint64(b)
		b = b[8:]
	}
	for _, c := range b {
		high |= uint64(c)
	}
	return high&msb == 0
}

// skipString returns the index after the string whose first byte after
// the opening quote is at i, and whether it holds escapes; ok is false
// when there is no valid string there (encoding/json's rules: no control
// characters, only JSON's escapes).
func skipString(b []byte, i int) (end int, escaped, ok bool) {
	for {
		// Eight bytes at a time, up to the first quote, backslash or
		// control character.
		for i+8 <= len(b) {
			if m := special(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto stop
			}
			i += 8
		}
		for i < len(b) && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20 {
			i++
		}
	stop:
		if i >= len(b) {
			return 0, false, false
		}
		switch b[i] {
		case '"':
			return i + 1, escaped, true
		case '\\':
			escaped = true
			if i+1 >= len(b) {
				return 0, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || hex4(b[i+2:i+6]) < 0 {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		default: // a control character
			return 0, false, false
		}
	}
}

// hex4 is the value of four hex digits, or -1.
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unquote is the value of the string whose checked contents (scanString)
// are raw, as encoding/json decodes it: escapes replaced, a lone surrogate
// and each byte that is not UTF-8 as U+FFFD.
func unquote(raw []byte) string {
	var b strings.Builder // (whose String does not copy)
	b.Grow(len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			switch e := raw[i+1]; e {
			case 'u':
				r := hex4(raw[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if d := utf16.DecodeRune(r, hex4(raw[i+2:])); d != utf8.RuneError {
							b.WriteRune(d)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b.WriteRune(r)
				continue
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			default: // '"', '\\', '/'
				c = e
			}
			b.WriteByte(c)
			i += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			b.WriteRune(r)
			i += n
		}
	}
	return b.String()
}

// number moves past the number at s.i, checking it as encoding/json does.
func (s *scanner) number() bool {
	end, ok := skipNumber(s.b, s.i)
	if ok {
		s.i = end
	}
	return ok
}

// skipNumber returns the index after the number at i, or false if there
// is none there.
func skipNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, false
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// digits returns the index of the first byte from i on that is not a
// digit.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// integer reads a number as encoding/json reads one into an int: ok is
// false for a fraction, an exponent or one out of range.
func (s *scanner) integer() (int, bool) {
	start := s.i
	if !s.number() {
		return 0, false
	}
	d := s.b[start:s.i]
	neg := d[0] == '-'
	if neg {
		d = d[1:]
	}
	if len(d) > 18 { // might not fit: rare enough to leave to encoding/json
		return 0, false
	}
	n := 0
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// skip moves past one value, checking it as encoding/json does.
func (s *scanner) skip() bool {
	end, ok := skipValue(s.b, s.i)
	if ok {
		s.i = end
	}
	return ok
}

// skipValue returns the index after the value at i (after space), or
// false if there is no valid value there.
func skipValue(b []byte, i int) (int, bool) {
	var objects uint64 // bit d: the container at depth d is an object
	depth := 0
	var ok bool
	for {
		// A value.
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		switch c := b[i]; c {
		case '"':
			if i, _, ok = skipString(b, i+1); !ok {
				return 0, false
			}
		case '{', '[':
			i++
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i < len(b) && b[i] == c+2 { // '}' or ']': empty
				i++
				break
			}
			if depth == maxSkipDepth {
				return 0, false
			}
			if c == '{' {
				objects |= 1 << depth
				depth++
				if i, ok = skipKey(b, i); !ok {
					return 0, false
				}
			} else {
				objects &^= 1 << depth
				depth++
			}
			continue
		case 't':
			if i, ok = skipLiteral(b, i, "true"); !ok {
				return 0, false
			}
		case 'f':
			if i, ok = skipLiteral(b, i, "false"); !ok {
				return 0, false
			}
		case 'n':
			if i, ok = skipLiteral(b, i, "null"); !ok {
				return 0, false
			}
		default:
			if i, ok = skipNumber(b, i); !ok {
				return 0, false
			}
		}
		// After a value: a comma, or the end of containers.
		for {
			if depth == 0 {
				return i, true
			}
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i >= len(b) {
				return 0, false
			}
			inObject := objects&(1<<(depth-1)) != 0
			switch c := b[i]; {
			case c == ',':
				i++
				if inObject {
					for i < len(b) && isSpace(b[i]) {
						i++
					}
					if i, ok = skipKey(b, i); !ok {
						return 0, false
					}
				}
			case c == '}' && inObject, c == ']' && !inObject:
				i++
				depth--
				continue
			default:
				return 0, false
			}
			break
		}
	}
}

func isSpace(c byte) bool {
	return c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r')
}

// skipKey returns the index after the key at i and its colon (and the
// space after it).
func skipKey(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	i, _, ok := skipString(b, i+1)
	if !ok {
		return 0, false
	}
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i >= len(b) || b[i] != ':' {
		return 0, false
	}
	return i + 1, true
}

// skipLiteral returns the index after lit if b holds it at i.
func skipLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return 0, false
}
