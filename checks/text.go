package checks

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jobdesc/jobdesc/templates"
)

// token is one word of a text: its byte offsets. It holds no pointers, so
// a text's tokens cost the garbage collector nothing to scan, and its
// offsets are 32-bit, so they take half the memory (and cache) of ints:
// every text Check sees is far shorter than 2 GiB. Longer texts have
// wideTokens instead.
type token struct{ start, end int32 }

// wideToken is a token of a text longer than math.MaxInt32 bytes.
type wideToken struct{ start, end int }

// wordList is the words of a text (see words).
type wordList struct {
	text  string
	lower string // strings.ToLower(text)
	// toks are the words' offsets; wide holds them instead when text is
	// too long for 32-bit offsets (see needsWide). Use span and count.
	toks []token
	wide []wideToken
	// lowers holds the lower case of each word when lower does not line
	// up with text (see linesUp); when it is nil, the lower case of word i
	// is lower[start:end] of its span.
	lowers []string
	// info holds what was worked out about each word while splitting the
	// text, when the text was split by tokenizeASCII; nil otherwise.
	info []wordInfo
}

// wordInfo is what tokenizeASCII works out about a word as it reads it,
// in one byte (a posting has about a thousand words):
//   - the low five bits hold syllables of the word's lower case, or 0
//     when that is more than fits;
//   - infoCoded is clear when neither the word's lower case nor any part
//     of it after a hyphen starts with a gender-coded stem (see
//     stemTable.mayStart), so gender coding can pass it by;
//   - infoRepeats is set when the word's lower case is the previous
//     word's;
//   - infoSplit is set when the gap before the word ends a sentence (see
//     splits).
type wordInfo uint8

const (
	infoSyllables wordInfo = 1<<5 - 1
	infoCoded     wordInfo = 1 << 5
	infoRepeats   wordInfo = 1 << 6
	infoSplit     wordInfo = 1 << 7
)

// newWordInfo packs a word's syllables and flags.
func newWordInfo(syllables int, coded, repeats, split bool) wordInfo {
	var w wordInfo
	if syllables <= int(infoSyllables) {
		w = wordInfo(syllables)
	}
	if coded {
		w |= infoCoded
	}
	if repeats {
		w |= infoRepeats
	}
	if split {
		w |= infoSplit
	}
	return w
}

// mayBeCoded reports whether word i or a part of it may start with a
// gender-coded stem; false only when it cannot.
func (l *wordList) mayBeCoded(i int) bool { return l.info == nil || l.info[i]&infoCoded != 0 }

// mayRepeat reports whether word i, in lower case, may be word i-1;
// false only when it is not.
func (l *wordList) mayRepeat(i int) bool { return l.info == nil || l.info[i]&infoRepeats != 0 }

// syllables returns syllables(l.lowerWord(i)), counted while splitting
// the text when it could be.
func (l *wordList) syllables(i int) int {
	if l.info != nil {
		if n := l.info[i] & infoSyllables; n > 0 {
			return int(n)
		}
	}
	return syllables(l.lowerWord(i))
}

// needsWide reports whether the words of s need wideTokens.
func needsWide(s string) bool { return len(s) > math.MaxInt32 }

// count returns the number of words.
func (l *wordList) count() int { return len(l.toks) + len(l.wide) }

// span returns the byte offsets of word i.
func (l *wordList) span(i int) (start, end int) {
	if l.wide != nil {
		return l.wide[i].start, l.wide[i].end
	}
	return int(l.toks[i].start), int(l.toks[i].end)
}

// add appends a word's offsets.
func (l *wordList) add(start, end int, wide bool) {
	if wide {
		l.wide = append(l.wide, wideToken{start, end})
		return
	}
	l.toks = append(l.toks, token{int32(start), int32(end)})
}

// word returns word i as written.
func (l *wordList) word(i int) string {
	start, end := l.span(i)
	return l.text[start:end]
}

// lowerWord returns the lower case of word i.
func (l *wordList) lowerWord(i int) string {
	if l.lowers != nil {
		return l.lowers[i]
	}
	start, end := l.span(i)
	return l.lower[start:end]
}

// normalizeQuotes turns typographic apostrophes and quotes into ASCII ones
// so patterns need only one spelling. It keeps byte offsets meaningful for
// the result, not for s.
func normalizeQuotes(s string) string {
	if isASCII(s) || !strings.ContainsAny(s, "\u2018\u2019\u201c\u201d\u2013\u2014\u00a0") {
		return s
	}
	return strings.NewReplacer(
		"\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`,
		"\u2013", "-", "\u2014", "-", "\u00a0", " ",
	).Replace(s)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIILetterOrDigit(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isASCIILetterOrDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// runeAt returns the size of the rune at s[i] (1 for an invalid byte, 0
// past the end) and whether it is a letter or a digit, and a digit.
func runeAt(s string, i int) (size int, word, digit bool) {
	if i >= len(s) {
		return 0, false, false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return 1, isASCIILetterOrDigit(c), c >= '0' && c <= '9'
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	digit = unicode.IsDigit(r)
	return size, digit || unicode.IsLetter(r), digit
}

// words splits s into words: runs of letters and digits, joined by single
// inner apostrophes or hyphens ("you'll", "data-driven") and, between
// digits, by "." or "," ("85,000", "2.5").
func words(s string) *wordList {
	lower, aligned := lowerCase(s)
	l := tokenize(nil, s, lower, aligned)
	return &l
}

// lowerCase returns strings.ToLower(s) and whether it lines up with s (see
// linesUp). ASCII text, the usual case, lines up and is lowered byte by
// byte.
func lowerCase(s string) (lower string, aligned bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			lower = strings.ToLower(s)
			return lower, linesUp(s, lower)
		}
		upper = upper || c-'A' <= 'Z'-'A'
	}
	if !upper {
		return s, true
	}
	b := []byte(s)
	for i, c := range b {
		if c-'A' <= 'Z'-'A' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b), true
}

// linesUp reports whether lower, which is strings.ToLower(s), lines up
// with s byte for byte: each rune of s has a lower case of the same length,
// so lower[i:j] is the lower case of the runes s[i:j]. It is false when s
// is not valid UTF-8 (strings.ToLower turns a bad byte into three).
func linesUp(s, lower string) bool {
	if len(lower) != len(s) {
		return false
	}
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || utf8.RuneLen(unicode.ToLower(r)) != size {
			return false
		}
		i += size
	}
	return true
}

// tokenize returns the words of s (see words); lower is
// strings.ToLower(s) and aligned says whether the two line up byte for byte
// (see linesUp). Each word's lower case is a slice of lower when they do,
// else it is worked out word by word. The tokens are appended to spare[:0],
// in its spare capacity when it suffices; nil spare allocates.
func tokenize(spare []token, s, lower string, aligned bool) wordList {
	return tokenizeWidth(spare, s, lower, aligned, needsWide(s))
}

// tokenizeWidth is tokenize, with wideTokens when wide is set (spare is
// then not used).
func tokenizeWidth(spare []token, s, lower string, aligned, wide bool) wordList {
	if spare == nil && !wide {
		spare = make([]token, 0, tokenEstimate(s))
	}
	l := wordList{text: s, lower: lower, toks: spare[:0]}
	i := 0
	for i < len(s) {
		// Skip to the next letter or digit.
		c := s[i]
		if c < utf8.RuneSelf && !isASCIILetterOrDigit(c) {
			i++
			continue
		}
		size, word, prevDigit := runeAt(s, i)
		if !word {
			i += size
			continue
		}
		start := i
		i += size
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if isASCIILetterOrDigit(c) {
					prevDigit = c <= '9'
					i++
					continue
				}
				if c == '\'' || c == '-' || ((c == '.' || c == ',') && prevDigit) {
					nsize, nword, ndigit := runeAt(s, i+1)
					if nword && (c == '\'' || c == '-' || ndigit) {
						i += 1 + nsize
						prevDigit = ndigit
						continue
					}
				}
				break
			}
			size, word, digit := runeAt(s, i)
			if !word {
				break
			}
			prevDigit = digit
			i += size
		}
		l.add(start, i, wide)
		if !aligned {
			l.lowers = append(l.lowers, strings.ToLower(s[start:i]))
		}
	}
	l.toks = l.toks[:len(l.toks):len(l.toks)]
	if wide {
		l.toks = nil
	}
	return l
}

// tokenEstimate is room for the words of s in most texts.
func tokenEstimate(s string) int { return len(s)/6 + 4 }

// placeToken is one word of a place name, as written and in lower case.
type placeToken struct{ text, lower string }

// placeTokens splits a place as written into tokens: dots are dropped
// ("D.C." reads "DC") and anything but letters and digits separates.
func placeTokens(s string) []placeToken {
	s = strings.ReplaceAll(normalizeQuotes(s), ".", "")
	// Each token's lower case is cut from the whole's when they line up.
	lower, aligned := lowerCase(s)
	n := 0
	eachWordRun(s, func(int, int) { n++ })
	if n == 0 {
		return nil
	}
	out := make([]placeToken, 0, n)
	eachWordRun(s, func(start, end int) {
		t := placeToken{text: s[start:end]}
		if aligned {
			t.lower = lower[start:end]
		} else {
			t.lower = strings.ToLower(t.text)
		}
		out = append(out, t)
	})
	return out
}

// eachWordRun calls fn with the offsets of each run of letters and digits
// of s, in order: the fields strings.FieldsFunc(s, not isWordRune) gives.
func eachWordRun(s string, fn func(start, end int)) {
	start := -1 // of the current run, or -1 between runs
	for i := 0; i < len(s); {
		c, size := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, size = utf8.DecodeRuneInString(s[i:])
		}
		if isWordRune(c) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			fn(start, i)
			start = -1
		}
		i += size
	}
	if start >= 0 {
		fn(start, len(s))
	}
}

// postingLines returns the whole description as text, one title, heading,
// paragraph or bullet a line, and for each line whether it is running text
// (intro, paragraph or bullet) rather than the title or a heading. A value
// with line breaks gives several lines.
func postingLines(r templates.Rendered) (text string, prose []bool) {
	var b strings.Builder
	size, lines := renderedSize(r)
	b.Grow(size)
	prose = make([]bool, 0, lines)
	line := func(s string, isProse bool) {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
			for range strings.Count(s, "\n") + 1 {
				prose = append(prose, isProse)
			}
		}
	}
	line(r.Title, false)
	line(r.Intro, true)
	for _, s := range r.Sections {
		line(s.Heading, false)
		for _, p := range s.Paragraphs {
			line(p, true)
		}
		for _, bl := range s.Bullets {
			line(bl, true)
		}
	}
	return normalizeQuotes(b.String()), prose
}

// renderedSize returns the bytes of r's texts, with a line break each,
// and the number of texts.
func renderedSize(r templates.Rendered) (size, texts int) {
	size, texts = len(r.Title)+len(r.Intro)+2, 2
	for _, s := range r.Sections {
		size += len(s.Heading) + 1
		texts += 1 + len(s.Paragraphs) + len(s.Bullets)
		for _, p := range s.Paragraphs {
			size += len(p) + 1
		}
		for _, bl := range s.Bullets {
			size += len(bl) + 1
		}
	}
	return size, texts
}

// doc is one text the checks read: a field's value or the whole posting.
// Its words are worked out once, on first use (or all at once by
// prepareDocs); a doc belongs to one Check call.
type doc struct {
	field string   // "" for the posting
	text  string   // typographic quotes made ASCII, runs of blanks made one space
	lower string   // strings.ToLower(text)
	list  wordList // its words, once split is set

	// Flags, side by side so that they take one word.
	long bool // a long-text field (see textField.long)
	// aligned says lower lines up with text byte for byte (see linesUp).
	aligned bool
	ascii   bool // text is ASCII (set by prepareDocs only)
	split   bool

	// found lists where the words of index occur in lower as whole ASCII
	// words; set on first use.
	index *wordIndex
	found *occurrences
}

// newDoc prepares raw text for the checks.
func newDoc(field, raw string) *doc {
	t := collapseBlanks(normalizeQuotes(raw))
	lower, aligned := lowerCase(t)
	return &doc{field: field, text: t, lower: lower, aligned: aligned}
}

// words returns the words of the text (see words).
func (d *doc) words() *wordList {
	if !d.split {
		d.list, d.split = tokenize(nil, d.text, d.lower, d.aligned), true
	}
	return &d.list
}

// occurrences returns where the words of x occur in the lower-case text as
// whole words in the sense of \b: runs of ASCII letters, digits and "_".
func (d *doc) occurrences(x *wordIndex) *occurrences {
	if d.index != x {
		d.index, d.found = x, x.find(d.lower)
	}
	return d.found
}

// prepareDocs makes the docs of one Check call, the posting's text and the
// fields', and works out at once, for every doc, its lower case, its words
// (with their wordInfo) and where the words of cd's index occur, keeping
// each kind in one allocation shared by the docs rather than a few per
// doc.
func prepareDocs(posting string, fields []textField, cd *data) (*doc, []*doc) {
	x, stems := cd.index, &cd.stems
	all := make([]doc, 1+len(fields))
	ptrs := make([]*doc, len(fields))
	all[0].text = collapseBlanks(posting)
	for i, f := range fields {
		all[1+i] = doc{field: f.id, long: f.long, text: collapseBlanks(normalizeQuotes(f.text))}
		ptrs[i] = &all[1+i]
	}
	// Lower case: ASCII texts with capitals are lowered into one string.
	raise, nTokens := 0, 0
	for i := range all {
		d := &all[i]
		nTokens += tokenEstimate(d.text)
		ascii, upper := asciiCase(d.text)
		d.ascii = ascii
		switch {
		case !ascii:
			d.lower, d.aligned = lowerCase(d.text)
		case upper:
			raise += len(d.text)
		default:
			d.lower, d.aligned = d.text, true
		}
	}
	if raise > 0 {
		var b strings.Builder
		b.Grow(raise)
		for i := range all {
			if d := &all[i]; d.lower == "" && d.text != "" {
				writeLower(&b, d.text)
			}
		}
		lowered, at := b.String(), 0
		for i := range all {
			if d := &all[i]; d.lower == "" && d.text != "" {
				d.lower, d.aligned = lowered[at:at+len(d.text)], true
				at += len(d.text)
			}
		}
	}
	// Words, and where the index's words occur.
	spare := make([]token, 0, nTokens)
	var infos []wordInfo
	var found []occurrences
	var sets []uint64
	var hits []wordHit
	if x != nil {
		found = make([]occurrences, len(all))
		sets = make([]uint64, x.setLen()*len(all))
		hits = make([]wordHit, 0, nTokens/16+2*len(all)) // most words are not in the index
		infos = make([]wordInfo, 0, nTokens)
	}
	for i := range all {
		d := &all[i]
		var o *occurrences
		var present []uint64
		if x != nil && len(d.lower) <= math.MaxInt32 {
			o, present = &found[i], sets[i*x.setLen():(i+1)*x.setLen()]
		}
		if d.ascii && o != nil && strings.IndexByte(d.lower, '_') < 0 {
			d.list = tokenizeASCII(spare, d.text, d.lower, x, o, present, hits, stems, infos)
			infos = rest(infos, len(d.list.info))
		} else {
			d.list = tokenize(spare, d.text, d.lower, d.aligned)
			if o != nil {
				x.findInto(o, d.lower, present, hits)
			}
		}
		d.split = true
		spare = rest(spare, len(d.list.toks))
		if x != nil {
			d.index, d.found = x, o // nil found: the matchers run unfiltered
			if o != nil {
				hits = rest(hits, len(o.hits))
			}
		}
	}
	return &all[0], ptrs
}

// tokenizeASCII is tokenize for ASCII text without "_", s in lower case
// being lower, which also sets o to where x's words occur in lower, as
// findInto does with present and spare: in such text the whole words \b
// sees are the runs of letters and digits that words are made of. It also
// counts each word's syllables (see wordList.syllables) as it reads its
// letters, and notes whether it may be gender-coded by stems, whether it
// repeats the previous word and whether a sentence ends before it; the
// words' infos are appended to spare3.
func tokenizeASCII(spare []token, s, lower string, x *wordIndex, o *occurrences, present []uint64, spare2 []wordHit, stems *stemTable, spare3 []wordInfo) wordList {
	toks, hits, infos := spare[:0], spare2[:0], spare3[:0]
	// o.marks, kept in registers while the loop runs: a shift by 64 or
	// more gives 0, so each byte c sets its bit in only one of the two.
	var marksLow, marksHigh uint64
	prev := ""     // the previous word, lower case
	split := false // the gap before the next word ends a sentence
	n := len(lower)
	for i := 0; i < n; {
		if c := lower[i]; !isASCIILetterOrDigit(c) {
			marksLow |= 1 << c
			marksHigh |= 1 << (c - 64)
			// As splits decides: a line break, or a ".", "!" or "?"
			// followed by a blank (the end of a run of them).
			if c == '\n' || (isSentenceEnd(c) && i+1 < n && isGapBlank(lower[i+1])) {
				split = true
			}
			i++
			continue
		}
		start := i
		syl := 0                 // syllables of the word's parts before a hyphen
		var part syllableCounter // the current part's
		coded := stems.mayStart(lower, i)
		for {
			run := i
			part, i = part.readRun(lower, i)
			if w := lower[run:i]; x.mayHave(w) {
				if id := x.id(w); id >= 0 {
					present[id/64] |= 1 << (id % 64)
					hits = append(hits, wordHit{int32(id), int32(run)})
				}
			}
			// A single apostrophe or hyphen joins letters and digits; a
			// "." or "," joins digits. A hyphen starts a new part.
			if i+1 < n && isASCIILetterOrDigit(lower[i+1]) {
				if c := lower[i]; c == '\'' || c == '-' || ((c == '.' || c == ',') && isDigit(lower[i-1]) && isDigit(lower[i+1])) {
					marksLow |= 1 << c
					marksHigh |= 1 << (c - 64)
					if c == '-' {
						syl += part.count()
						part = syllableCounter{}
						coded = coded || stems.mayStart(lower, i+1)
					}
					i++
					continue
				}
			}
			break
		}
		w := lower[start:i]
		toks = append(toks, token{int32(start), int32(i)})
		infos = append(infos, newWordInfo(syl+part.count(), coded, w == prev, split))
		prev, split = w, false
	}
	o.marks = [2]uint64{marksLow, marksHigh}
	o.set(present, hits)
	return wordList{text: s, lower: lower, toks: toks[:len(toks):len(toks)], info: infos[:len(infos):len(infos)]}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// rest returns the spare capacity of s after its first n elements, or s
// itself when n is beyond it (the n elements went elsewhere).
func rest[T any](s []T, n int) []T {
	if n > cap(s) {
		return s[:0]
	}
	return s[n:n]
}

// asciiCase reports whether s is ASCII and, when it is, whether it has
// capitals A–Z. It reads s eight bytes at a time (see upperBytes).
func asciiCase(s string) (ascii, upper bool) {
	var or, up uint64 // or of the bytes; the capitals' 0x80 bits (valid for ASCII s)
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := load64(s[i:])
		or |= w
		up |= upperBytes(w)
	}
	for ; i < len(s); i++ {
		c := s[i]
		or |= uint64(c)
		if c-'A' <= 'Z'-'A' {
			up = 1
		}
	}
	return or&highBits == 0, up != 0
}

// isASCII reports whether s is ASCII, reading it eight bytes at a time.
func isASCII(s string) bool {
	var or uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		or |= load64(s[i:])
	}
	for ; i < len(s); i++ {
		or |= uint64(s[i])
	}
	return or&highBits == 0
}

// writeLower writes the lower case of ASCII s to b, eight bytes at a time
// (see upperBytes), through a buffer on the stack.
func writeLower(b *strings.Builder, s string) {
	var buf [512]byte
	n, i := 0, 0
	for ; i+8 <= len(s); i += 8 {
		w := load64(s[i:])
		binary.LittleEndian.PutUint64(buf[n:], w|upperBytes(w)>>2) // 0x80>>2 is 'a'-'A'
		if n += 8; n == len(buf) {
			b.Write(buf[:])
			n = 0
		}
	}
	b.Write(buf[:n])
	for ; i < len(s); i++ {
		c := s[i]
		if c-'A' <= 'Z'-'A' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
}

// hasBlankRun reports whether s has a tab or two spaces in a row, reading
// it eight bytes at a time (strings.Contains(s, "  ") stops at every
// space).
func hasBlankRun(s string) bool {
	var prevSpace uint64 // 0x80 when the byte before the chunk is a space
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := load64(s[i:])
		spaces := equalBytes(w, ' ')
		// A space whose previous byte (one byte lower) is a space too.
		if equalBytes(w, '\t') != 0 || spaces&(spaces<<8|prevSpace) != 0 {
			return true
		}
		prevSpace = spaces >> 56
	}
	for ; i < len(s); i++ {
		switch {
		case s[i] == '\t':
			return true
		case s[i] == ' ':
			if prevSpace != 0 {
				return true
			}
			prevSpace = 0x80
		default:
			prevSpace = 0
		}
	}
	return false
}

// equalBytes returns 0x80 in each byte of w that is c, and 0 in the
// others: x has a zero byte where w has c; adding 0x7f to the low seven
// bits of a byte of x sets its top bit unless they are all zero, and no
// sum carries into the next byte.
func equalBytes(w uint64, c byte) uint64 {
	x := w ^ uint64(c)*oneBytes
	nonzero := (x&^highBits + 0x7f*oneBytes) | x // top bit set in each byte that is not c
	return ^nonzero & highBits
}

// Eight bytes in a uint64: a 1 in each, and the top bit of each.
const (
	oneBytes = 0x0101010101010101
	highBits = 0x8080808080808080
)

// load64 returns the first eight bytes of s, the first in the low byte.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// upperBytes returns 0x80 in each byte of w that is a capital A–Z, and 0
// in the others, when all eight bytes of w are ASCII: adding 0x80-'A' to
// a byte sets its top bit when it is 'A' or above, adding 0x80-'Z'-1 when
// it is above 'Z', and no sum carries into the next byte.
func upperBytes(w uint64) uint64 {
	return (w + (0x80-'A')*oneBytes) &^ (w + (0x80-'Z'-1)*oneBytes) & highBits
}

// collapseBlanks turns runs of spaces and tabs into one space.
func collapseBlanks(s string) string {
	if !hasBlankRun(s) {
		return s
	}
	var b strings.Builder
	blank := false
	for _, r := range s {
		if r == ' ' || r == '\t' {
			if !blank {
				b.WriteByte(' ')
			}
			blank = true
			continue
		}
		blank = false
		b.WriteRune(r)
	}
	return b.String()
}

// textField is the value of one of a role's text fields.
type textField struct {
	id, text string
	// long says the field is long text, so its readability counts: the
	// role's field with that id is a long_text one, or there is no role.
	long bool
}

// textFields returns the non-empty values of the role's text fields in form
// order, trimmed; with no role, every non-empty value in key order.
func textFields(role *templates.Role, v templates.Values) []textField {
	if role == nil {
		var out []textField
		for _, k := range sortedKeys(v) {
			if t := strings.TrimSpace(v[k]); t != "" {
				out = append(out, textField{id: k, text: t, long: true})
			}
		}
		return out
	}
	out := make([]textField, 0, len(role.Fields))
	for i := range role.Fields {
		f := &role.Fields[i]
		if f.Kind != templates.ShortText && f.Kind != templates.LongText && f.Kind != "" {
			continue
		}
		if t := strings.TrimSpace(v[f.ID]); t != "" {
			out = append(out, textField{id: f.ID, text: t, long: kindOf(role, f.ID) == templates.LongText})
		}
	}
	return out
}

// kindOf returns the kind of the role's first field with that id, as
// role.Field finds it.
func kindOf(role *templates.Role, id string) templates.Kind {
	for i := range role.Fields {
		if role.Fields[i].ID == id {
			return role.Fields[i].Kind
		}
	}
	return ""
}

func sortedKeys(v templates.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// bulletLines returns the lines of a value with any leading bullet marker
// ("-", "*", "•", "1.") removed; empty reports lines that had a marker and
// nothing else.
func bulletLines(s string) (lines []string, empty int) {
	empty = eachBulletLine(s, func(l string) { lines = append(lines, l) })
	return lines, empty
}

// emptyBullets returns the number of lines of a value that have a bullet
// marker and nothing else (see bulletLines).
func emptyBullets(s string) (empty int) {
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || !mayStartMarker(l[0]) {
			continue // most lines: no marker, so not an empty bullet
		}
		if rest, marked := trimBulletMarker(l); marked && !hasWord(rest) {
			empty++
		}
	}
	return empty
}

// mayStartMarker reports whether a line starting with the byte c may
// start with a bullet marker (see trimBulletMarker): "-", "*", a digit or
// a non-ASCII one ("•", "·", "–", "—").
func mayStartMarker(c byte) bool {
	return c == '-' || c == '*' || isDigit(c) || c >= utf8.RuneSelf
}

// eachBulletLine calls fn with each line bulletLines returns, in order, and
// returns the number of empty bullets.
func eachBulletLine(s string, fn func(string)) (empty int) {
	for l := range strings.SplitSeq(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		rest, marked := trimBulletMarker(l)
		if marked && !hasWord(rest) {
			empty++
			continue
		}
		fn(rest)
	}
	return empty
}

func trimBulletMarker(l string) (string, bool) {
	for _, m := range []string{"- ", "* ", "• ", "· ", "– ", "— "} {
		if strings.HasPrefix(l, m) {
			return strings.TrimSpace(l[len(m):]), true
		}
	}
	switch l {
	case "-", "*", "•", "·", "–", "—":
		return "", true
	}
	// "1." or "1)" numbering
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	if i > 0 && i < len(l) && (l[i] == '.' || l[i] == ')') && (i+1 == len(l) || l[i+1] == ' ') {
		return strings.TrimSpace(l[i+1:]), true
	}
	return l, false
}

func hasWord(s string) bool {
	return strings.IndexFunc(s, isWordRune) >= 0
}
