package checks

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// fastSeeds returns the seed texts of the fuzz targets below: the golden
// corpus's awkward texts and every phrase example.
func fastSeeds(t testing.TB) []string {
	t.Helper()
	return append(corpus(t), awkwardTexts()...)
}

// checkTokens fails unless words(s) gives what the original tokenizer gave
// and keeps the tokenizer's invariants: tokens in order, not overlapping,
// text the slice of s they cover, lower its lower case.
func checkTokens(t *testing.T, s string) {
	t.Helper()
	if lower, aligned := lowerCase(s); lower != strings.ToLower(s) || aligned != linesUp(s, strings.ToLower(s)) {
		t.Fatalf("lowerCase(%q) = %q, %v; want %q, %v", s, lower, aligned, strings.ToLower(s), linesUp(s, strings.ToLower(s)))
	}
	got, want := asOld(words(s)), oldWords(s)
	if !slices.Equal(got, want) {
		t.Fatalf("words(%q) =\n%v\nwant\n%v", s, got, want)
	}
	prev := 0
	for _, tok := range got {
		if tok.start < prev || tok.end <= tok.start {
			t.Fatalf("words(%q): token %+v out of order", s, tok)
		}
		if tok.lower != strings.ToLower(tok.text) {
			t.Fatalf("words(%q): token %+v: lower is not strings.ToLower(text)", s, tok)
		}
		prev = tok.end
	}
	// So does tokenizing with wide offsets, as for texts over 2 GiB.
	lower, aligned := lowerCase(s)
	wide := tokenizeWidth(nil, s, lower, aligned, true)
	if got := asOld(&wide); !slices.Equal(got, want) || wide.toks != nil {
		t.Fatalf("tokenizeWidth(%q, wide) =\n%v (%d narrow tokens)\nwant\n%v", s, got, len(wide.toks), want)
	}
	// A doc's tokens are the same.
	d := newDoc("", s)
	if got, want := asOld(d.words()), oldWords(d.text); !slices.Equal(got, want) {
		t.Fatalf("newDoc(%q).words() =\n%v\nwant\n%v", s, got, want)
	}
	checkPrepared(t, s)
	if got, want := hasBlankRun(s), strings.Contains(s, "  ") || strings.Contains(s, "\t"); got != want {
		t.Fatalf("hasBlankRun(%q) = %v, want %v", s, got, want)
	}
	if _, want := bulletLines(s); emptyBullets(s) != want {
		t.Fatalf("emptyBullets(%q) = %d, want %d as bulletLines counts", s, emptyBullets(s), want)
	}
}

// checkPrepared fails unless the docs prepareDocs makes of s, as the
// posting and as a field, have the tokens of the original tokenizer and
// the occurrences find gives.
func checkPrepared(t *testing.T, s string) {
	t.Helper()
	data := mustData(t)
	x := data.index
	posting, fields := prepareDocs(normalizeQuotes(s), []textField{{id: "f", text: s}, {id: "g", text: strings.ToUpper(s)}}, data)
	for _, d := range append([]*doc{posting}, fields...) {
		if got, want := asOld(d.words()), oldWords(d.text); !slices.Equal(got, want) {
			t.Fatalf("prepareDocs(%q): doc %q words =\n%v\nwant\n%v", s, d.field, got, want)
		}
		if d.lower != strings.ToLower(d.text) {
			t.Fatalf("prepareDocs(%q): doc %q lower = %q, want %q", s, d.field, d.lower, strings.ToLower(d.text))
		}
		ws := d.words()
		for i := range ws.count() {
			if got, want := ws.syllables(i), oldSyllables(ws.lowerWord(i)); got != want {
				t.Fatalf("prepareDocs(%q): doc %q word %q: %d syllables, want %d", s, d.field, ws.lowerWord(i), got, want)
			}
			if i > 0 && ws.info != nil {
				_, prevEnd := ws.span(i - 1)
				start, _ := ws.span(i)
				if got, want := ws.info[i]&infoSplit != 0, splits(ws.text[prevEnd:start]); got != want {
					t.Fatalf("prepareDocs(%q): doc %q word %d %q: split before it %v, want %v", s, d.field, i, ws.lowerWord(i), got, want)
				}
			}
			if i > 0 && ws.lowerWord(i) == ws.lowerWord(i-1) && !ws.mayRepeat(i) {
				t.Fatalf("prepareDocs(%q): doc %q word %d %q repeats the one before, but mayRepeat is false", s, d.field, i, ws.lowerWord(i))
			}
		}
		got, want := d.occurrences(x), x.find(d.lower)
		if !slices.Equal(got.present, want.present) || !slices.Equal(got.hits, want.hits) || got.marks != want.marks {
			t.Fatalf("prepareDocs(%q): doc %q occurrences = %+v, want %+v", s, d.field, *got, *want)
		}
	}
}

// asOld returns the words of l as the original tokenizer gave them.
func asOld(l *wordList) []oldToken {
	var out []oldToken
	for i := range l.count() {
		start, end := l.span(i)
		out = append(out, oldToken{text: l.word(i), lower: l.lowerWord(i), start: start, end: end})
	}
	return out
}

func TestPreparedSyllablesOfLongWords(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("ba", 31) + " x", // 31 syllables fit a wordInfo
		strings.Repeat("ba", 32) + " x", // too many: counted again
		strings.Repeat("ba", 256) + " x",
		strings.Repeat("ba", 300) + "-" + strings.Repeat("ab", 300),
		strings.Repeat("Ba", 300) + "'s",
	} {
		t.Run(s[:8], func(t *testing.T) {
			checkPrepared(t, s)
		})
	}
}

func TestTokensMatchTheOriginalTokenizer(t *testing.T) {
	for _, s := range fastSeeds(t) {
		checkTokens(t, s)
		checkTokens(t, strings.ToUpper(s))
	}
}

func FuzzTokens(f *testing.F) {
	for _, s := range fastSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTokens(t, s)
	})
}

// checkEase fails unless ReadingEase(s) is, bit for bit, what the original
// gave, and syllables agrees with the original on every word.
func checkEase(t *testing.T, s string) {
	t.Helper()
	got, want := ReadingEase(s), oldReadingEase(s)
	if math.Float64bits(got) != math.Float64bits(want) {
		t.Fatalf("ReadingEase(%q) = %v, want %v", s, got, want)
	}
	for _, w := range append([]string{s, strings.ToLower(s)}, strings.Fields(strings.ToLower(s))...) {
		if got, want := syllables(w), oldSyllables(w); got != want {
			t.Fatalf("syllables(%q) = %d, want %d", w, got, want)
		}
	}
}

func TestReadingEaseMatchesTheOriginal(t *testing.T) {
	for _, s := range fastSeeds(t) {
		checkEase(t, s)
	}
}

func FuzzReadingEase(f *testing.F) {
	for _, s := range fastSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkEase(t, s)
	})
}

// checkCoding fails unless the gender coding of s, and the stems found,
// are what the original gave.
func checkCoding(t *testing.T, d *data, s string) {
	t.Helper()
	want, wantFound := oldGenderCoding(d, s)
	// The same text as newDoc makes it, and as prepareDocs makes it for
	// the posting and for a field.
	posting, fields := prepareDocs(normalizeQuotes(s), []textField{{id: "f", text: s}}, d)
	for _, in := range []*doc{newDoc("", s), posting, fields[0]} {
		got, gotFound := d.genderCoding(in)
		if !slices.Equal(got.Feminine, want.Feminine) || !slices.Equal(got.Masculine, want.Masculine) || got.Verdict != want.Verdict {
			t.Fatalf("genderCoding(%q) of doc %q = %+v, want %+v", s, in.field, got, want)
		}
		if !slices.Equal(gotFound, wantFound) {
			t.Fatalf("genderCoding(%q) of doc %q found %+v, want %+v", s, in.field, gotFound, wantFound)
		}
	}
}

func TestGenderCodingMatchesTheOriginal(t *testing.T) {
	d := mustData(t)
	for _, s := range fastSeeds(t) {
		checkCoding(t, d, s)
		checkCoding(t, d, strings.ToUpper(s))
	}
	// Every stem, alone and in the places of a word the prefilter of
	// prepareDocs looks at.
	for _, stem := range append(slices.Clone(d.feminine), d.masculine...) {
		for _, s := range []string{stem, stem + "ing", "data-" + stem, stem + "-driven", stem + "'s", "x " + strings.ToUpper(stem) + "-" + stem + "."} {
			checkCoding(t, d, s)
		}
	}
}

func FuzzGenderCoding(f *testing.F) {
	for _, s := range fastSeeds(f) {
		f.Add(s)
	}
	d := mustData(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkCoding(t, d, s)
	})
}

// checkProse fails unless the reading ease Check works out from the
// posting's lines is, bit for bit, ReadingEase of the running text alone,
// with the same word count.
func checkProse(t *testing.T, r templates.Rendered) {
	t.Helper()
	text, prose := postingLines(r)
	p := proseText(r)
	wantWords, want := len(oldWords(p)), oldReadingEase(p)
	prepared, _ := prepareDocs(text, nil, mustData(t))
	for _, posting := range []*doc{newDoc("", text), prepared} {
		gotWords, got := proseEase(posting, prose)
		if gotWords != wantWords || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("proseEase of %#v = %d words, ease %v; want %d words, ease %v", r, gotWords, got, wantWords, want)
		}
	}
}

func TestProseEaseMatchesReadingEaseOfTheProse(t *testing.T) {
	builtins := builtinInputs(t)
	for _, in := range goldenCheckInputs(t, builtins, goldenTexts(t, builtins)) {
		t.Run(in.Name, func(t *testing.T) {
			checkProse(t, in.Rendered)
		})
	}
}

func FuzzProseEase(f *testing.F) {
	for _, s := range fastSeeds(f) {
		f.Add(s, "Heading", s, "- a bullet\n"+s)
	}
	f.Fuzz(func(t *testing.T, intro, heading, paragraph, bullet string) {
		checkProse(t, templates.Rendered{
			Title: heading + " title",
			Intro: intro,
			Sections: []templates.Section{
				{Heading: heading, Paragraphs: []string{paragraph, intro}, Bullets: []string{bullet, "\t" + paragraph + "\t"}},
				{Heading: paragraph, Bullets: []string{heading}},
			},
		})
	})
}

func TestASCIICaseAndWriteLowerAtEveryByteAndPlace(t *testing.T) {
	for _, fill := range []string{"aZ~", "a~0@[", "a b", " x", "\t"} {
		for _, n := range []int{1, 7, 8, 9, 17, 70} {
			for p := range n {
				for c := range 256 {
					checkASCIICase(t, fill, n, p, byte(c))
				}
			}
		}
	}
}

// checkASCIICase checks asciiCase and writeLower on n bytes of fill
// repeated, with c at p.
func checkASCIICase(t *testing.T, fill string, n, p int, c byte) {
	t.Helper()
	b := []byte(strings.Repeat(fill, n)[:n])
	b[p] = c
	s := string(b)
	wantASCII := c < 0x80
	wantUpper := strings.ContainsFunc(s, func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if got, want := hasBlankRun(s), strings.Contains(s, "  ") || strings.Contains(s, "\t"); got != want {
		t.Fatalf("hasBlankRun(%q) = %v, want %v", s, got, want)
	}
	ascii, upper := asciiCase(s)
	if isASCII(s) != wantASCII {
		t.Fatalf("isASCII(%q) = %v, want %v", s, !wantASCII, wantASCII)
	}
	if ascii != wantASCII || (ascii && upper != wantUpper) {
		t.Fatalf("asciiCase(%q) = %v, %v; want %v, %v", s, ascii, upper, wantASCII, wantUpper)
	}
	if !ascii {
		return
	}
	var lb strings.Builder
	writeLower(&lb, s)
	if got, want := lb.String(), strings.ToLower(s); got != want {
		t.Fatalf("writeLower(%q) = %q, want %q", s, got, want)
	}
}
