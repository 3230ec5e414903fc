package checks

import (
	"cmp"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// matcher is a compiled pattern with a cheap pre-check: groups of
// literals, every match containing one literal of each group. Most postings contain none of them, so
// most patterns never run (running them all made Check ten times slower).
type matcher struct {
	re    *regexp.Regexp
	lits  [][]lit    // each group must have a literal in the text; nil: always run re
	index *wordIndex // numbers the words of lits[…][…].word; nil: none are numbered
	// needs[g], when set, has a bit for the word of each literal of group
	// g, all of which have one: a text with none of these words cannot
	// match.
	needs [][]uint64
	// local says every match lies within one line (see lineLocal).
	local bool
}

// newMatcher compiles expr (case-insensitive when fold is set).
func newMatcher(expr string, fold bool) (matcher, error) {
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return matcher{}, err
	}
	m := matcher{re: re, local: lineLocal(expr, false)}
	if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
		m.lits = requiredLiterals(tree.Simplify())
	}
	return m, nil
}

// lit is a string every match of a pattern contains, lower case; start
// and end say the pattern puts a word boundary (\b) right before or after
// it.
type lit struct {
	s          string
	start, end bool
	// word is 1 + the number, in the matcher's wordIndex, of the whole
	// ASCII word every occurrence of s starts with (s starts at a word
	// boundary, and the word ends inside s or at a boundary), or 0. A text
	// without that word cannot contain the literal.
	word int
}

// findAll returns the match positions of m in d.text.
func (m *matcher) findAll(d *doc) [][]int {
	o := d.occurrences(m.index)
	for g, lits := range m.lits {
		if o != nil && g < len(m.needs) && m.needs[g] != nil && !o.hasAny(m.needs[g]) {
			return nil
		}
		if !m.mayMatch(lits, d) {
			return nil
		}
	}
	return m.re.FindAllStringIndex(d.text, -1)
}

// mayMatch reports whether one of lits occurs in d's lower-case text with
// its word boundaries (ASCII word characters, as \b uses).
func (m *matcher) mayMatch(lits []lit, d *doc) bool {
	lower := d.lower
	o := d.occurrences(m.index)
	for _, l := range lits {
		if l.word > 0 && o != nil {
			// The literal can only start where its first word does.
			if !o.has(l.word - 1) {
				continue
			}
			for _, h := range o.of(l.word - 1) {
				i := int(h.at)
				if strings.HasPrefix(lower[i:], l.s) && endsWell(l, lower, i+len(l.s)) {
					return true
				}
			}
			continue
		}
		if o != nil && !o.mayHaveByte(l.s[0]) {
			continue
		}
		for from := 0; ; {
			i := strings.Index(lower[from:], l.s)
			if i < 0 {
				break
			}
			i += from
			okStart := !l.start || !isASCIIWord(l.s[0]) || i == 0 || !isASCIIWord(lower[i-1])
			if okStart && endsWell(l, lower, i+len(l.s)) {
				return true
			}
			from = i + 1
		}
	}
	return false
}

// endsWell reports whether an occurrence of l ending at j in lower meets
// its word boundary, if it has one.
func endsWell(l lit, lower string, j int) bool {
	return !l.end || !isASCIIWord(l.s[len(l.s)-1]) || j == len(lower) || !isASCIIWord(lower[j])
}

// wordIndex numbers the words that literals start with (see lit.word):
// words[id] is word id. It is a hash table on wordKey: maybe has bit k set
// when some word has key k, which rules most words of a text out at once,
// and heads[k] is 1 + the first such word, chained by next.
type wordIndex struct {
	words []string
	next  []int32
	maybe [wordKeys / 64]uint64
	heads [wordKeys]int32
}

const wordKeys = 1 << 12

// wordKey hashes a word's length and first two bytes into [0, wordKeys).
func wordKey(w string) int {
	h := uint(len(w))*0x9E37 + uint(w[0])*0x2F1
	if len(w) > 1 {
		h += uint(w[1]) * 0x65
	}
	return int(h % wordKeys)
}

// add returns the number of w, numbering it if new.
func (x *wordIndex) add(w string) int {
	if id := x.id(w); id >= 0 {
		return id
	}
	id, k := len(x.words), wordKey(w)
	x.words = append(x.words, w)
	x.next = append(x.next, x.heads[k])
	x.heads[k] = int32(id + 1)
	x.maybe[k/64] |= 1 << (k % 64)
	return id
}

// mayHave reports whether w may be one of x's words: false rules it out
// at the cost of a hash and a bit test, small enough to inline.
func (x *wordIndex) mayHave(w string) bool {
	k := wordKey(w)
	return x.maybe[k/64]&(1<<(k%64)) != 0
}

// id returns the number of w, or -1.
func (x *wordIndex) id(w string) int {
	if !x.mayHave(w) {
		return -1
	}
	k := wordKey(w)
	for e := x.heads[k]; e > 0; e = x.next[e-1] {
		if x.words[e-1] == w {
			return int(e - 1)
		}
	}
	return -1
}

// occurrences lists where the words of a wordIndex occur in a text.
// present has bit id set when word id occurs; hits holds every occurrence,
// sorted by word and then by offset.
type occurrences struct {
	present []uint64
	hits    []wordHit
	// marks has bit c set when the ASCII byte c, not a letter, a digit or
	// "_", occurs in the text (see mayHaveByte).
	marks [2]uint64
}

// mark notes that the ASCII byte c, not a letter, digit or "_", occurs.
func (o *occurrences) mark(c byte) { o.marks[c/64&1] |= 1 << (c % 64) }

// mayHaveByte reports whether c may occur in the text: false only for an
// ASCII byte other than a letter, a digit or "_" that does not.
func (o *occurrences) mayHaveByte(c byte) bool {
	return c >= utf8.RuneSelf || isASCIIWord(c) || o.marks[c/64]&(1<<(c%64)) != 0
}

// wordHit is one occurrence of a numbered word: its number and byte offset.
type wordHit struct{ word, at int32 }

// of returns the occurrences of word id, in text order.
func (o *occurrences) of(id int) []wordHit {
	i, _ := slices.BinarySearchFunc(o.hits, int32(id), func(h wordHit, id int32) int { return cmp.Compare(h.word, id) })
	j := i
	for j < len(o.hits) && o.hits[j].word == int32(id) {
		j++
	}
	return o.hits[i:j]
}

// has reports whether word id occurs.
func (o *occurrences) has(id int) bool { return o.present[id/64]&(1<<(id%64)) != 0 }

// hasAny reports whether one of the words whose bits are set in words
// occurs.
func (o *occurrences) hasAny(words []uint64) bool {
	for i, w := range words {
		if o.present[i]&w != 0 {
			return true
		}
	}
	return false
}

// find returns where x's words occur in lower as whole words (runs of
// ASCII letters, digits and "_"), or nil when x is nil or lower too long
// for 32-bit offsets.
func (x *wordIndex) find(lower string) *occurrences {
	if x == nil || len(lower) > math.MaxInt32 {
		return nil
	}
	o := &occurrences{}
	x.findInto(o, lower, make([]uint64, x.setLen()), nil)
	return o
}

// findInto sets o, which must be zero, to the occurrences of x's words in lower, which must fit
// 32-bit offsets. present must be a zeroed bit set of x's words (see
// setLen); hits are appended to spare, whose spare capacity they use when
// it suffices.
func (x *wordIndex) findInto(o *occurrences, lower string, present []uint64, spare []wordHit) {
	hits := spare[:0]
	for i := 0; i < len(lower); {
		if c := lower[i]; !isASCIIWord(c) {
			if c < utf8.RuneSelf {
				o.mark(c)
			}
			i++
			continue
		}
		j := i + 1
		for j < len(lower) && isASCIIWord(lower[j]) {
			j++
		}
		if id := x.id(lower[i:j]); id >= 0 {
			present[id/64] |= 1 << (id % 64)
			hits = append(hits, wordHit{int32(id), int32(i)})
		}
		i = j
	}
	o.set(present, hits)
}

// set sets o to the bit set present and to hits, which must be in text
// order and which it sorts by word and then by offset.
func (o *occurrences) set(present []uint64, hits []wordHit) {
	if len(hits) <= 64 {
		// A text has a few dozen at most: sort them by insertion, which
		// keeps the offsets of a word in order as they come.
		for i := 1; i < len(hits); i++ {
			for j := i; j > 0 && hits[j].word < hits[j-1].word; j-- {
				hits[j], hits[j-1] = hits[j-1], hits[j]
			}
		}
	} else {
		slices.SortFunc(hits, func(a, b wordHit) int {
			if c := cmp.Compare(a.word, b.word); c != 0 {
				return c
			}
			return cmp.Compare(a.at, b.at)
		})
	}
	o.present, o.hits = present, hits[:len(hits):len(hits)]
}

// setLen returns the length of a bit set of x's words.
func (x *wordIndex) setLen() int { return (len(x.words) + 63) / 64 }

// indexWords numbers, in one wordIndex shared by ms, the words their
// literals start with, puts first the groups whose literals all have one,
// and gives those groups their bit sets of words (matcher.needs). It
// returns the index.
func indexWords(ms []*matcher) *wordIndex {
	x := &wordIndex{}
	for _, m := range ms {
		m.index = x
		for _, g := range m.lits {
			for k := range g {
				l := &g[k]
				if !l.start || !isASCIIWord(l.s[0]) {
					continue
				}
				n := 1
				for n < len(l.s) && isASCIIWord(l.s[n]) {
					n++
				}
				if n < len(l.s) || l.end {
					l.word = 1 + x.add(l.s[:n])
				}
			}
		}
		slices.SortStableFunc(m.lits, func(a, b []lit) int {
			return cmp.Compare(numbered(b), numbered(a))
		})
	}
	// The bit sets, now that every word has its number.
	for _, m := range ms {
		m.needs = make([][]uint64, len(m.lits))
		for g, lits := range m.lits {
			if numbered(lits) == 0 {
				continue
			}
			m.needs[g] = make([]uint64, x.setLen())
			for _, l := range lits {
				id := l.word - 1
				m.needs[g][id/64] |= 1 << (id % 64)
			}
		}
	}
	return x
}

// numbered is 1 when every literal of g has a numbered word.
func numbered(g []lit) int {
	for _, l := range g {
		if l.word == 0 {
			return 0
		}
	}
	return 1
}

func isASCIIWord(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// maxExact bounds the strings an exact set may hold.
const maxExact = 64

// exact returns every string re can match, lower case, when they are few
// (a literal, a small class, alternations and concatenations of them).
func exact(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if s := strings.ToLower(string(r)); !slices.Contains(out, s) {
					out = append(out, s)
				}
				if len(out) > 8 {
					return nil, false
				}
			}
		}
		return out, len(out) > 0
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := exact(re.Sub[0])
		if !ok || slices.Contains(sub, "") {
			return sub, ok
		}
		return append(sub, ""), true
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub, ok := exact(s)
			if !ok || len(out)+len(sub) > maxExact {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			sub, ok := exact(s)
			if !ok {
				return nil, false
			}
			if out = cross(out, sub); out == nil {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// cross returns every a+b, or nil when there would be more than maxExact.
func cross(as, bs []string) []string {
	if len(as)*len(bs) > maxExact {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	return out
}

// requiredLiterals returns groups of literals such that every match of re
// contains one literal of each group, or nil when it cannot tell.
func requiredLiterals(re *syntax.Regexp) [][]lit {
	if set, ok := exact(re); ok {
		return group(toLits(set, false, false))
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		// Every part is required. Runs of exact parts give whole strings
		// ("he" + " " + "will"); other parts give their own groups.
		var out [][]lit
		subs := re.Sub
		for i := 0; i < len(subs); {
			set, ok := exact(subs[i])
			if !ok {
				out = append(out, requiredLiterals(subs[i])...)
				i++
				continue
			}
			j := i + 1
			for j < len(subs) {
				next, ok := exact(subs[j])
				if !ok {
					break
				}
				joined := cross(set, next)
				if joined == nil {
					break
				}
				set = joined
				j++
			}
			start := i > 0 && subs[i-1].Op == syntax.OpWordBoundary
			end := j < len(subs) && subs[j].Op == syntax.OpWordBoundary
			out = append(out, group(toLits(set, start, end))...)
			i = j
		}
		return out
	case syntax.OpAlternate:
		// One branch matches: its most selective group joins the union.
		var union []lit
		for _, s := range re.Sub {
			best := bestGroup(requiredLiterals(s))
			if best == nil {
				return nil
			}
			union = append(union, best...)
		}
		return [][]lit{union}
	}
	return nil
}

// group wraps a non-nil literal set as a single group.
func group(ls []lit) [][]lit {
	if ls == nil {
		return nil
	}
	return [][]lit{ls}
}

// bestGroup returns the group whose shortest literal is longest.
func bestGroup(groups [][]lit) []lit {
	var best []lit
	for _, g := range groups {
		if best == nil || shortest(g) > shortest(best) {
			best = g
		}
	}
	return best
}

// toLits turns an exact set into literals; nil if one is empty (then the
// pattern may match without any of them).
func toLits(set []string, start, end bool) []lit {
	out := make([]lit, 0, len(set))
	for _, s := range set {
		if s == "" {
			return nil
		}
		out = append(out, lit{s: s, start: start, end: end})
	}
	return out
}

func shortest(ls []lit) int {
	n := -1
	for _, l := range ls {
		if n < 0 || len(l.s) < n {
			n = len(l.s)
		}
	}
	return n
}

// lineLocal reports whether every match of the pattern src (compiled as
// newMatcher compiles it) lies within one line and is not empty, and
// whether what it matches at a place depends only on that line: it can
// match no line break (no "\s", "(?s).", class or literal holding one),
// has no "^", "$", "\A" or "\z" that tell the text's ends from a line's,
// and matches at least one character. Word boundaries are line-local, as a
// line break and a text's end are both non-word. For such a pattern, the
// matches in lines joined by line breaks are the matches in each line, so
// the matches of a posting's pieces can be found piece by piece. It
// returns false when src does not parse.
func lineLocal(src string, fold bool) bool {
	if fold {
		src = "(?i)" + src
	}
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return false
	}
	return noLineBreak(re) && minLen(re) > 0
}

// noLineBreak reports whether re can match no line break and has no
// assertion about the ends of the text (see lineLocal).
func noLineBreak(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpNoMatch, syntax.OpEmptyMatch, syntax.OpAnyCharNotNL,
		syntax.OpBeginLine, syntax.OpEndLine, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		return !slices.Contains(re.Rune, '\n')
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= '\n' && '\n' <= re.Rune[i+1] {
				return false
			}
		}
		return true
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat,
		syntax.OpConcat, syntax.OpAlternate:
		for _, s := range re.Sub {
			if !noLineBreak(s) {
				return false
			}
		}
		return true
	}
	return false // OpAnyChar, OpBeginText, OpEndText and anything new
}

// minLen returns the fewest runes re can match (at most 1<<20).
func minLen(re *syntax.Regexp) int {
	const most = 1 << 20
	switch re.Op {
	case syntax.OpLiteral:
		return min(len(re.Rune), most)
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return 1
	case syntax.OpNoMatch:
		return most // matches nothing, so no empty match either
	case syntax.OpCapture, syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return min(re.Min*minLen(re.Sub[0]), most)
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n = min(n+minLen(s), most)
		}
		return n
	case syntax.OpAlternate:
		n := most
		for _, s := range re.Sub {
			n = min(n, minLen(s))
		}
		return n
	}
	return 0 // empty match, star, quest, assertions
}
