package templates

// Helpers for scanning text eight bytes at a time: the hot loops of Render
// and Blocks first check, a uint64 at a time, that a run of bytes is the
// usual plain ASCII that needs no work, and go byte by byte only where it
// is not.

// ones has 1 in each of its eight bytes, highs the top bit of each: the
// masks of the tests that look at eight bytes at a time.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// le64 returns s's first eight bytes as a little-endian number.
func le64(s string) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// asciiEqual returns, for eight ASCII bytes x, the top bit of each byte
// that equals c (an ASCII byte).
func asciiEqual(x uint64, c byte) uint64 {
	t := x ^ uint64(c)*ones // a zero byte where x has c; all below 0x80
	return ^(t + 0x7f*ones) & highs
}
