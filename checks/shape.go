package checks

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jobdesc/jobdesc/templates"
)

// Shape limits.
const (
	maxRequirements = 8   // more requirement bullets than this gets a tip
	minWords        = 300 // shorter postings get a tip
	maxWords        = 900 // longer postings get a tip
	hardToRead      = 30  // Flesch reading ease below this gets a tip
	minProseWords   = 100 // posting prose shorter than this is not scored
	minFieldWords   = 40  // field values shorter than this are not scored
)

// requirementHeadings mark a section listing what candidates need;
// optionalHeadings mark one listing what is merely welcome.
var (
	requirementHeadings = []string{
		"what you bring", "what you'll bring", "what you will bring",
		"requirement", "qualification", "who you are",
		"what we're looking for", "what we are looking for", "what we look for",
		"what you need", "what you'll need", "what you will need",
		"you have", "you'll have", "about you", "must have", "must-have",
		"skills", "experience", "what it takes",
	}
	optionalHeadings = []string{
		"nice to have", "nice-to-have", "bonus", "preferred", "plus",
		"desirable", "optional", "would be great", "benefits", "what we offer", "perks",
	}
)

// isRequirementHeading reports whether a section heading introduces the
// must-have requirements, e.g. "What you bring", "Requirements",
// "Who you are:"; "Nice to have" and "Bonus points" do not count.
func isRequirementHeading(h string) bool {
	h = strings.ToLower(normalizeQuotes(strings.TrimSpace(h)))
	for _, o := range optionalHeadings {
		if strings.Contains(h, o) {
			return false
		}
	}
	for _, r := range requirementHeadings {
		if strings.Contains(h, r) {
			return true
		}
	}
	return false
}

// requirementFindings gives a tip when the requirement sections list more
// than maxRequirements bullets; requirement[i] says whether section i of r
// lists requirements (see isRequirementHeading). The finding belongs to the
// first field whose lines appear among those bullets (the author's own
// additions) when they are what takes the count over the limit, else to
// the posting.
func requirementFindings(r templates.Rendered, requirement []bool, fields []fieldFacts) []Finding {
	n := 0
	for i, s := range r.Sections {
		if requirement[i] {
			for _, b := range s.Bullets {
				if hasWord(b) {
					n++
				}
			}
		}
	}
	if n <= maxRequirements {
		return nil
	}
	bullets := make([]string, 0, n)
	for i, s := range r.Sections {
		if requirement[i] {
			for _, b := range s.Bullets {
				if hasWord(b) {
					bullets = append(bullets, comparable(b))
				}
			}
		}
	}
	// The finding belongs to the field whose lines push the count over the
	// limit; if the template's own bullets already exceed it, to the posting.
	field, fromFields := "", 0
	for _, f := range fields {
		lines, _ := bulletLines(f.docText())
		matched := 0
		for _, l := range lines {
			if slices.Contains(bullets, comparable(l)) {
				matched++
			}
		}
		if matched > 0 && field == "" {
			field = f.id
		}
		fromFields += matched
	}
	if n-fromFields > maxRequirements {
		field = ""
	}
	return []Finding{{
		Rule:     RuleRequirements,
		Severity: Tip,
		Field:    field,
		Message: fmt.Sprintf("The posting lists %d requirements. People who meet most but not all of a long list often do not apply, "+
			"and women are reported to hold back more often than men.", n),
		Suggestion: fmt.Sprintf("Keep the must-haves to %d or fewer; move the rest under \"Nice to have\", or drop them.", maxRequirements),
	}}
}

// requirementSections returns, for each section of r, whether its heading
// introduces requirements (see isRequirementHeading).
func requirementSections(r templates.Rendered) []bool {
	out := make([]bool, len(r.Sections))
	for i, s := range r.Sections {
		out[i] = isRequirementHeading(s.Heading)
	}
	return out
}

// comparable normalises a bullet for comparison with a field's line.
func comparable(s string) string {
	return strings.ToLower(strings.TrimRight(strings.Join(strings.Fields(normalizeQuotes(s)), " "), ".;"))
}

// lengthFindings gives a tip when the posting, of n words, is far from
// 300–900 words.
func lengthFindings(n int) []Finding {
	switch {
	case n < minWords:
		return []Finding{{
			Rule: RuleLength, Severity: Tip,
			Message: fmt.Sprintf("The posting is %s words. Postings of roughly %d–%d words give candidates enough to decide.",
				thousands(int64(n)), minWords, maxWords),
			Suggestion: "Say more about the work, the team and what the first months look like.",
		}}
	case n > maxWords:
		return []Finding{{
			Rule: RuleLength, Severity: Tip,
			Message: fmt.Sprintf("The posting is %s words. Candidates skim, and postings over roughly %d words lose them.",
				thousands(int64(n)), maxWords),
			Suggestion: "Cut repetition and keep the requirements to the essentials.",
		}}
	}
	return nil
}

// readabilityFindings gives a tip when the posting's running text, whose
// counts are prose, or a long free-text field, is hard to read (Flesch
// reading ease below 30).
func readabilityFindings(prose proseCount, fields []fieldFacts) []Finding {
	var fs []Finding
	if ease := prose.ease(); prose.words >= minProseWords && ease < hardToRead {
		fs = append(fs, Finding{
			Rule: RuleReadability, Severity: Tip,
			Message: fmt.Sprintf("The posting is hard to read: Flesch reading ease %.0f (below %d reads like an academic paper).",
				math.Floor(ease), hardToRead),
			Suggestion: "Use shorter sentences and plainer words; aim for 50 or more.",
		})
	}
	for _, f := range fields {
		if !f.long || f.count.words < minFieldWords {
			continue
		}
		if ease := f.count.ease(); ease < hardToRead {
			fs = append(fs, Finding{
				Rule: RuleReadability, Severity: Tip, Field: f.id,
				Message:    fmt.Sprintf("This text is hard to read: Flesch reading ease %.0f.", math.Floor(ease)),
				Suggestion: "Split long sentences and prefer short, common words.",
			})
		}
	}
	return fs
}

// proseCount is the words, sentences and syllables of some running text,
// which its reading ease is worked out from.
type proseCount struct{ words, sentences, syllables int }

// add adds the counts of more text, whose sentences are apart from these.
func (p *proseCount) add(q proseCount) {
	p.words += q.words
	p.sentences += q.sentences
	p.syllables += q.syllables
}

// ease returns the Flesch reading ease of the text counted (see
// ReadingEase), or 0 when it has no words.
func (p proseCount) ease() float64 {
	if p.words == 0 {
		return 0
	}
	return flesch(p.words, p.sentences, p.syllables)
}

// proseEase returns the number of words of the posting's running text,
// the lines prose marks, and its reading ease (see proseCounts).
func proseEase(posting *doc, prose []bool) (nWords int, ease float64) {
	c := proseCounts(posting, prose)
	return c.words, c.ease()
}

// proseCounts returns the counts of the posting's running text, the lines
// prose marks. They are what ReadingEase counts in that text alone: no
// word or sentence spans a line, and the blanks the posting's text has
// collapsed neither make nor join words nor end sentences.
func proseCounts(posting *doc, prose []bool) proseCount {
	ws := posting.words()
	text := ws.text
	var c proseCount
	next := 0 // first token not yet passed
	for line, start := 0, 0; start < len(text); line++ {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		first := next
		for next < ws.count() {
			if start, _ := ws.span(next); start >= end {
				break
			}
			next++
		}
		if line < len(prose) && prose[line] {
			c.words += next - first
			for k := first; k < next; k++ {
				c.syllables += ws.syllables(k)
			}
			c.sentences += sentences(ws, first, next)
		}
		start = end + 1
	}
	return c
}

// flesch returns the Flesch reading ease of a text of words words in
// sentences sentences with syllables syllables; words must not be 0.
func flesch(words, sentences, syllables int) float64 {
	return 206.835 - 1.015*float64(words)/float64(sentences) - 84.6*float64(syllables)/float64(words)
}

// ReadingEase returns the Flesch reading ease of text:
// 206.835 − 1.015 × words per sentence − 84.6 × syllables per word. Higher
// is easier: 60–70 is plain English, below 30 is hard. Sentences end at
// ".", "!" or "?" followed by a space, and at line ends (so each bullet is a
// sentence). Syllables are estimated by our own rules (vowel groups, silent
// "e", "-ed" and "-es" endings). It returns 0 for text with no words.
func ReadingEase(text string) float64 {
	return readingEase(words(normalizeQuotes(text)))
}

// readingEase returns the reading ease of a text given its words.
func readingEase(ws *wordList) float64 { return textCounts(ws).ease() }

// textCounts returns the counts of a whole text given its words, every
// line running text: they add up to what proseCounts gives for each of
// its lines, as every line's first word but the text's starts a sentence.
func textCounts(ws *wordList) proseCount {
	n := ws.count()
	if n == 0 {
		return proseCount{}
	}
	nSyllables := 0
	for i := range n {
		nSyllables += ws.syllables(i)
	}
	return proseCount{words: n, sentences: sentences(ws, 0, n), syllables: nSyllables}
}

// sentences counts the sentences of the text of ws, from word from to
// word to (not included), that have words. Each line is split at ".", "!"
// or "?" (or a run of them) followed by a space, a tab or the end of the line. No word contains such
// a split, or ends with one of those marks, so the first word starts a
// sentence, and each later one does when the gap before it holds a line
// break or a split.
func sentences(ws *wordList, from, to int) int {
	if from >= to {
		return 0
	}
	n := 1
	if ws.info != nil { // the splits were found while splitting the words
		for _, info := range ws.info[from+1 : to] {
			if info&infoSplit != 0 {
				n++
			}
		}
		return n
	}
	_, prevEnd := ws.span(from)
	for k := from + 1; k < to; k++ {
		start, end := ws.span(k)
		// Most gaps are one space, which does not split.
		if (start-prevEnd != 1 || ws.text[prevEnd] != ' ') && splits(ws.text[prevEnd:start]) {
			n++
		}
		prevEnd = end
	}
	return n
}

// splits reports whether the gap between two words ends a sentence: it
// holds a line break, or a run of ".", "!" or "?" followed by a space or a
// tab (a gap is followed by a word, not by the end of a line).
func splits(gap string) bool {
	for i := 0; i < len(gap); i++ {
		switch gap[i] {
		case '\n':
			return true
		case '.', '!', '?':
			j := i
			for j+1 < len(gap) && isSentenceEnd(gap[j+1]) {
				j++
			}
			if j+1 < len(gap) && isGapBlank(gap[j+1]) {
				return true
			}
			i = j
		}
	}
	return false
}

func isSentenceEnd(c byte) bool { return c == '.' || c == '!' || c == '?' }

// isGapBlank reports whether c, after a sentence end, splits: a space, a
// tab or a line break.
func isGapBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

// syllables estimates the syllables of a lower-case word: vowel groups
// (y counts as a vowel after the first letter), less a silent final "e",
// "-es" or "-ed"; at least 1. Parts of hyphenated words count separately;
// numbers count as one.
func syllables(w string) int {
	if len(w) <= 3 && strings.IndexByte(w, '-') < 0 {
		return 1 // at most three letters
	}
	// One pass over the letters a–z of w (others are skipped).
	var c syllableCounter
	for i := 0; i < len(w); i++ {
		ch := w[i]
		if ch-'a' > 'z'-'a' {
			if ch == '-' {
				return hyphenSyllables(w)
			}
			continue
		}
		c = c.letter(ch)
	}
	return c.count()
}

// syllableCounter counts the syllables of a word without hyphens, fed its
// letters a–z one by one (other characters are skipped): vowel groups,
// keeping the last four letters for the endings.
type syllableCounter struct {
	groups, letters int
	prevVowel       uint8  // 1 when the last letter is a vowel
	last            uint32 // the last four letters, the latest in the low byte
}

// letter returns the counter with the next letter, a–z, added. (A value
// method, so that the counter can live in registers.)
func (s syllableCounter) letter(c byte) syllableCounter {
	// Without branches on the letters (vowels and consonants alternate
	// unpredictably): a group starts at a vowel after a consonant.
	v := uint8(uint32(vowels)>>(c-'a')) & 1
	if c == 'y' && s.letters == 0 {
		v = 0
	}
	s.groups += int(v &^ s.prevVowel)
	s.prevVowel = v
	s.last = s.last<<8 | uint32(c)
	s.letters++
	return s
}

// readRun adds the letters of the run of letters and digits that starts
// at s[i] (in lower case), and returns the counter and where the run ends.
// (Apart from tokenizeASCII's other state, so that the loop keeps the
// counter in registers.)
func (c syllableCounter) readRun(s string, i int) (syllableCounter, int) {
	for ; i < len(s); i++ {
		ch := s[i]
		if ch-'a' <= 'z'-'a' {
			c = c.letter(ch)
		} else if ch-'0' > '9'-'0' {
			break
		}
	}
	return c, i
}

// count returns the syllables of the letters added.
func (s syllableCounter) count() int {
	if s.letters <= 3 {
		return 1 // small enough to inline for short words
	}
	return s.countLong()
}

// countLong is count for four letters or more.
func (s syllableCounter) countLong() int {
	n := s.groups
	// c1 is the last letter, c2 the one before, …; c2 and c3 are not the
	// first letter, so "y" counts as a vowel there.
	c1, c2, c3, c4 := byte(s.last), byte(s.last>>8), byte(s.last>>16), byte(s.last>>24)
	switch {
	case c1 == 'e' && !isVowel(c2) && !(c2 == 'l' && !isVowel(c3)):
		n-- // silent e: "make"; but "table" keeps it
	case c1 == 'd' && c2 == 'e' && !isVowel(c3) && c3 != 't' && c3 != 'd':
		n-- // "jumped", but "wanted", "needed"
	case c1 == 's' && c2 == 'e' && !isVowel(c3) && !strings.ContainsRune("sxzcg", rune(c3)) && !(c3 == 'h' && (c4 == 's' || c4 == 'c')):
		n-- // "makes", but "boxes", "changes", "wishes"
	}
	return max(n, 1)
}

// hyphenSyllables counts the parts of a hyphenated word separately.
func hyphenSyllables(w string) int {
	n := 0
	for p := range strings.SplitSeq(w, "-") {
		if p != "" {
			n += syllables(p)
		}
	}
	return max(n, 1)
}

// vowels has bit c-'a' set for each vowel c (see isVowel).
const vowels = 1<<('a'-'a') | 1<<('e'-'a') | 1<<('i'-'a') | 1<<('o'-'a') | 1<<('u'-'a') | 1<<('y'-'a')

// isVowel reports whether c is a, e, i, o, u or y.
func isVowel(c byte) bool {
	return c >= 'a' && c <= 'z' && vowels>>(c-'a')&1 != 0
}
