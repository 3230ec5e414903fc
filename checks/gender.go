package checks

import (
	"fmt"
	"strings"
)

// Gender-coding verdicts, from the bands of gender-coded-en.json.
const (
	VerdictStronglyFeminine  = "strongly feminine-coded"
	VerdictFeminine          = "feminine-coded"
	VerdictNeutral           = "neutral"
	VerdictMasculine         = "masculine-coded"
	VerdictStronglyMasculine = "strongly masculine-coded"
)

// Coding is the gender coding of a text: the coded words found and the
// verdict on their balance.
type Coding struct {
	Feminine  []string // feminine-coded words, lower case, one entry per occurrence, in text order
	Masculine []string // masculine-coded words, likewise
	Verdict   string   // one of the Verdict constants
}

// Balance returns the feminine-coded count minus the masculine-coded count:
// above 0 leans feminine, below 0 masculine.
func (c Coding) Balance() int { return len(c.Feminine) - len(c.Masculine) }

// GenderCoding finds the gender-coded words in text (Gaucher, Friesen & Kay
// 2011): a word is coded when it starts with one of the list's stems,
// ignoring case, so "Lead" and "leadership" both count and "misleading"
// does not. Hyphenated words are split unless they start with a hyphenated
// stem ("data-driven" counts "driven"). A word matching several stems of a
// list counts once. The verdict follows the list's bands: balance above 3
// strongly feminine-coded, above 0 feminine-coded, 0 neutral (also with no
// coded words), below 0 masculine-coded, below -3 strongly masculine-coded.
// If the embedded list cannot be read it returns a neutral Coding.
func GenderCoding(text string) Coding {
	d, err := loadData()
	if err != nil {
		return Coding{Verdict: VerdictNeutral}
	}
	c, _ := d.genderCoding(newDoc("", text))
	return c
}

// codedWord is one coded word found, with the stem it matched.
type codedWord struct {
	word, stem string
	masculine  bool
}

// genderCoding returns the coding of text and the coded words in order.
func (d *data) genderCoding(doc *doc) (Coding, []codedWord) {
	var c Coding
	var found []codedWord
	code := func(w string) {
		fem, masc := d.stems.longest(w)
		if fem != "" {
			c.Feminine = append(c.Feminine, w)
			found = append(found, codedWord{word: w, stem: fem})
		}
		if masc != "" {
			c.Masculine = append(c.Masculine, w)
			found = append(found, codedWord{word: w, stem: masc, masculine: true})
		}
	}
	// Words are split the way the gender-decoder does: hyphenated words are
	// split unless they start with a hyphenated stem, and a trailing "'s"
	// is kept (it does not stop a stem matching).
	ws := doc.words()
	for i := range ws.count() {
		if !ws.mayBeCoded(i) {
			continue
		}
		w := ws.lowerWord(i)
		if strings.IndexByte(w, '-') < 0 || longestStem(w, d.hyphenated) != "" {
			code(w)
			continue
		}
		for part := range strings.SplitSeq(w, "-") {
			if part != "" {
				code(part)
			}
		}
	}
	c.Verdict = verdict(c.Balance())
	return c, found
}

// stemTable finds the coded stems a word starts with. Most words start
// with two letters a–z: only the few stems starting with the same two are
// tried.
type stemTable struct {
	byStart [26 * 26][]codedStem // stems by their first two letters a–z
	other   []codedStem          // stems that do not start with two such letters
	// starts has bit startsKey(…) set for the first three bytes of each
	// stem: checked for every word, so a bit set (512 bytes) that rules
	// out most words. loose says some stem is shorter than three bytes, so
	// starts cannot rule words out.
	starts [startsKeys / 64]uint64
	loose  bool
}

type codedStem struct {
	s         string // lower case
	masculine bool
}

// startKey returns the bucket of words starting with the letters a and b,
// or -1 unless both are a–z.
func startKey(a, b byte) int {
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
		return -1
	}
	return int(a-'a')*26 + int(b-'a')
}

// add adds a lower-case stem.
func (t *stemTable) add(s string, masculine bool) {
	st := codedStem{s, masculine}
	if len(s) >= 3 {
		k := startsKey(s[0], s[1], s[2])
		t.starts[k/64] |= 1 << (k % 64)
	} else {
		t.loose = true
	}
	if len(s) >= 2 {
		if k := startKey(s[0], s[1]); k >= 0 {
			t.byStart[k] = append(t.byStart[k], st)
			return
		}
	}
	t.other = append(t.other, st)
}

// mayStart reports whether a stem may start s[p:], lower case: false when
// none can, judging by its first three bytes.
func (t *stemTable) mayStart(s string, p int) bool {
	if p+2 >= len(s) {
		return t.loose // only a stem shorter than three bytes could
	}
	k := startsKey(s[p], s[p+1], s[p+2])
	return t.loose || t.starts[k/64]&(1<<(k%64)) != 0
}

// startsKey hashes three bytes into [0, startsKeys).
func startsKey(a, b, c byte) uint32 {
	return (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 0x9E3779B1 >> (32 - 12)
}

// startsKeys is the number of keys startsKey makes.
const startsKeys = 1 << 12

// longest returns the longest feminine-coded and masculine-coded stems w
// starts with ("" for none).
func (t *stemTable) longest(w string) (fem, masc string) {
	try := func(stems []codedStem) {
		for _, st := range stems {
			best := &fem
			if st.masculine {
				best = &masc
			}
			if len(st.s) > len(*best) && strings.HasPrefix(w, st.s) {
				*best = st.s
			}
		}
	}
	if len(w) >= 2 {
		if k := startKey(w[0], w[1]); k >= 0 {
			try(t.byStart[k])
		}
	}
	try(t.other)
	return fem, masc
}

// codedBalance returns the Balance of the Coding whose coded words are
// found.
func codedBalance(found []codedWord) int {
	n := 0
	for _, w := range found {
		if w.masculine {
			n--
		} else {
			n++
		}
	}
	return n
}

func verdict(balance int) string {
	switch {
	case balance > 3:
		return VerdictStronglyFeminine
	case balance > 0:
		return VerdictFeminine
	case balance < -3:
		return VerdictStronglyMasculine
	case balance < 0:
		return VerdictMasculine
	}
	return VerdictNeutral
}

// longestStem returns the longest stem that w starts with, or "".
func longestStem(w string, stems []string) string {
	best := ""
	for _, s := range stems {
		if len(s) > len(best) && strings.HasPrefix(w, s) {
			best = s
		}
	}
	return best
}

// genderFindings reports a posting that leans one way, given its coded
// words in order: a finding for the posting as a whole, and one for each
// field whose value uses words coded that way (the author can change
// those). Strongly coded postings get warnings, mildly coded ones tips.
func (d *data) genderFindings(found []codedWord, fields []fieldFacts) []Finding {
	v := verdict(codedBalance(found))
	if v == VerdictNeutral {
		return nil
	}
	nMasc := 0
	for _, w := range found {
		if w.masculine {
			nMasc++
		}
	}
	nFem := len(found) - nMasc
	masc := nFem-nMasc < 0
	sev := Tip
	if v == VerdictStronglyMasculine || v == VerdictStronglyFeminine {
		sev = Warning
	}
	lean, other := "masculine", "feminine"
	if !masc {
		lean, other = other, lean
	}
	var leaning []codedWord
	for _, w := range found {
		if w.masculine == masc {
			leaning = append(leaning, w)
		}
	}
	nLean, nOther := nMasc, nFem
	if !masc {
		nLean, nOther = nOther, nLean
	}
	fs := []Finding{{
		Rule:     RuleGenderCoded,
		Severity: sev,
		Message: fmt.Sprintf("The posting reads %s: %d %s-coded %s (%s) against %d %s-coded. "+
			"Wording that leans one way makes the job look less open to other genders.",
			v, nLean, lean, plural(nLean, "word", "words"), countedList(leaning), nOther, other),
		Suggestion: d.genderSuggestion(leaning, other),
	}}
	for _, f := range fields {
		var mine []codedWord
		for _, w := range f.coded {
			if w.masculine == masc {
				mine = append(mine, w)
			}
		}
		if len(mine) == 0 {
			continue
		}
		fs = append(fs, Finding{
			Rule:     RuleGenderCoded,
			Severity: sev,
			Field:    f.id,
			Message: fmt.Sprintf("This field uses %s-coded %s (%s), and the posting as a whole reads %s.",
				lean, plural(len(distinctWords(mine)), "word", "words"), countedList(mine), v),
			Suggestion: d.genderSuggestion(mine, other),
		})
	}
	return fs
}

// genderSuggestion proposes neutral words for the most frequent coded
// stems that have one, at most four.
func (d *data) genderSuggestion(ws []codedWord, other string) string {
	counts := map[string]int{}
	var order []codedWord
	for _, w := range ws {
		if _, ok := d.alternatives[w.stem]; !ok {
			continue
		}
		if counts[w.word] == 0 {
			order = append(order, w)
		}
		counts[w.word]++
	}
	// Most frequent first; ties keep text order.
	for i := 1; i < len(order); i++ {
		for k := i; k > 0 && counts[order[k].word] > counts[order[k-1].word]; k-- {
			order[k], order[k-1] = order[k-1], order[k]
		}
	}
	var alts []string
	stems := map[string]bool{}
	for _, w := range order {
		if len(alts) == 4 {
			break
		}
		if stems[w.stem] {
			continue
		}
		stems[w.stem] = true
		alts = append(alts, fmt.Sprintf("%q → %s", w.word, d.alternatives[w.stem]))
	}
	base := fmt.Sprintf("Swap some for neutral words, or add %s-coded ones where they are true of the job", other)
	if len(alts) == 0 {
		return base + "."
	}
	return base + ": " + strings.Join(alts, "; ") + "."
}

// countedList lists distinct words in order of first use, with a count when
// a word occurs more than once: "lead ×3, driven".
func countedList(ws []codedWord) string {
	counts := map[string]int{}
	for _, w := range ws {
		counts[w.word]++
	}
	var parts []string
	for _, w := range distinctWords(ws) {
		if n := counts[w]; n > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", w, n))
		} else {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, ", ")
}

func distinctWords(ws []codedWord) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range ws {
		if !seen[w.word] {
			seen[w.word] = true
			out = append(out, w.word)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
