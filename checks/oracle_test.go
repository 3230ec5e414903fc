package checks

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jobdesc/jobdesc/templates"
)

// This file keeps the first, simple implementations of the tokenizer,
// reading ease, gender coding and the posting's running text, as they were
// before Check was made faster. The fuzz targets of fast_test.go compare the fast code with them
// on any input.

// oldToken is the original token: one word of a text with its byte
// offsets.
type oldToken struct {
	text       string // as written
	lower      string
	start, end int
}

// oldWords is the original words.
func oldWords(s string) []oldToken {
	var out []oldToken
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}
		start := i
		prevDigit := unicode.IsDigit(r)
		i += size
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				prevDigit = unicode.IsDigit(r)
				i += size
				continue
			}
			if r == '\'' || r == '-' || ((r == '.' || r == ',') && prevDigit) {
				next, nsize := utf8.DecodeRuneInString(s[i+size:])
				if i+size < len(s) && isWordRune(next) && (r == '\'' || r == '-' || unicode.IsDigit(next)) {
					i += size + nsize
					prevDigit = unicode.IsDigit(next)
					continue
				}
			}
			break
		}
		w := s[start:i]
		out = append(out, oldToken{text: w, lower: strings.ToLower(w), start: start, end: i})
	}
	return out
}

// oldReadingEase is the original ReadingEase.
func oldReadingEase(text string) float64 {
	var nWords, nSentences, nSyllables int
	for _, line := range strings.Split(normalizeQuotes(text), "\n") {
		for _, sentence := range oldSplitSentences(line) {
			ws := oldWords(sentence)
			if len(ws) == 0 {
				continue
			}
			nSentences++
			nWords += len(ws)
			for _, w := range ws {
				nSyllables += oldSyllables(w.lower)
			}
		}
	}
	if nWords == 0 {
		return 0
	}
	return 206.835 - 1.015*float64(nWords)/float64(nSentences) - 84.6*float64(nSyllables)/float64(nWords)
}

// oldSplitSentences is the original splitSentences.
func oldSplitSentences(line string) []string {
	var out []string
	start := 0
	for i := 0; i < len(line); i++ {
		if !strings.ContainsRune(".!?", rune(line[i])) {
			continue
		}
		j := i
		for j+1 < len(line) && strings.ContainsRune(".!?", rune(line[j+1])) {
			j++
		}
		if j+1 == len(line) || line[j+1] == ' ' || line[j+1] == '\t' {
			out = append(out, line[start:j+1])
			start = j + 1
		}
		i = j
	}
	if start < len(line) {
		out = append(out, line[start:])
	}
	return out
}

// oldSyllables is the original syllables.
func oldSyllables(w string) int {
	if strings.Contains(w, "-") {
		n := 0
		for _, p := range strings.Split(w, "-") {
			if p != "" {
				n += oldSyllables(p)
			}
		}
		return max(n, 1)
	}
	var b []byte
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 'a' && c <= 'z' {
			b = append(b, c)
		}
	}
	if len(b) <= 3 {
		return 1
	}
	isVowel := func(i int) bool {
		switch b[i] {
		case 'a', 'e', 'i', 'o', 'u':
			return true
		case 'y':
			return i > 0
		}
		return false
	}
	n := 0
	for i := range b {
		if isVowel(i) && (i == 0 || !isVowel(i-1)) {
			n++
		}
	}
	l := len(b)
	switch {
	case b[l-1] == 'e' && !isVowel(l-2) && !(b[l-2] == 'l' && !isVowel(l-3)):
		n--
	case b[l-1] == 'd' && b[l-2] == 'e' && !isVowel(l-3) && b[l-3] != 't' && b[l-3] != 'd':
		n--
	case b[l-1] == 's' && b[l-2] == 'e' && !isVowel(l-3) && !strings.ContainsRune("sxzcg", rune(b[l-3])) && !(b[l-3] == 'h' && (b[l-4] == 's' || b[l-4] == 'c')):
		n--
	}
	return max(n, 1)
}

// oldGenderCoding is the original genderCoding, on raw text.
func oldGenderCoding(d *data, text string) (Coding, []codedWord) {
	var c Coding
	var found []codedWord
	for _, w := range oldGenderWords(d, oldWords(collapseBlanks(normalizeQuotes(text)))) {
		if stem := oldLongestStem(w, d.feminine); stem != "" {
			c.Feminine = append(c.Feminine, w)
			found = append(found, codedWord{word: w, stem: stem})
		}
		if stem := oldLongestStem(w, d.masculine); stem != "" {
			c.Masculine = append(c.Masculine, w)
			found = append(found, codedWord{word: w, stem: stem, masculine: true})
		}
	}
	c.Verdict = verdict(c.Balance())
	return c, found
}

func oldGenderWords(d *data, toks []oldToken) []string {
	var out []string
	for _, t := range toks {
		w := t.lower
		if !strings.Contains(w, "-") || oldLongestStem(w, d.hyphenated) != "" {
			out = append(out, w)
			continue
		}
		for _, part := range strings.Split(w, "-") {
			if part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func oldLongestStem(w string, stems []string) string {
	best := ""
	for _, s := range stems {
		if len(s) > len(best) && strings.HasPrefix(w, s) {
			best = s
		}
	}
	return best
}

// proseText is the original text readability scored: the description's
// running text (intro, paragraphs and bullets, one a line), without the
// title and headings.
func proseText(r templates.Rendered) string {
	var b strings.Builder
	line := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	line(r.Intro)
	for _, s := range r.Sections {
		for _, p := range s.Paragraphs {
			line(p)
		}
		for _, bl := range s.Bullets {
			line(bl)
		}
	}
	return normalizeQuotes(b.String())
}
