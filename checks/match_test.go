package checks

import (
	"cmp"
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		expr string
		want [][]lit // nil: cannot tell
	}{
		{`abc`, [][]lit{{{s: "abc"}}}},
		{`(?i)ABC`, [][]lit{{{s: "abc"}}}},
		{`\bhe (?:will|can)\b`, [][]lit{{{s: "he will", start: true, end: true}, {s: "he can", start: true, end: true}}}},
		{`sales?\d+ years`, [][]lit{{{s: "sales"}, {s: "sale"}}, {{s: " years"}}}},
		{`x*`, nil},
		{`a|b*`, nil},
		{`\d+`, nil},
		{`m[ae]n\b`, [][]lit{{{s: "man", end: true}, {s: "men", end: true}}}},
		{`(?:ab|cd)+z`, [][]lit{{{s: "ab"}, {s: "cd"}}, {{s: "z"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			re, err := syntax.Parse(tt.expr, syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			got := requiredLiterals(re.Simplify())
			if !slices.EqualFunc(got, tt.want, func(a, b []lit) bool { return slices.Equal(a, b) }) {
				t.Errorf("requiredLiterals(%q) = %v, want %v", tt.expr, got, tt.want)
			}
		})
	}
}

// mayMatchCase is one case of TestMayMatchBoundaries; the golden corpus reuses it.
type mayMatchCase struct {
	l    lit
	text string
	want bool
}

func mayMatchCases() []mayMatchCase {
	return []mayMatchCase{
		{lit{s: "his", start: true, end: true}, "this and that", false},
		{lit{s: "his", start: true, end: true}, "with his team", true},
		{lit{s: "his", start: true, end: true}, "His.", true},
		{lit{s: "young", start: true}, "younger staff", true},
		{lit{s: "young", start: true}, "the youngest", true},
		{lit{s: "young", start: true, end: true}, "youngstown", false},
		{lit{s: "man", end: true}, "salesman", true},
		{lit{s: "he will", start: true, end: true}, "the willow", false},
		{lit{s: "(s)he", end: true}, "(s)he will", true},
	}
}

func TestMayMatchBoundaries(t *testing.T) {
	for _, tt := range mayMatchCases() {
		t.Run(tt.l.s+" in "+tt.text, func(t *testing.T) {
			// Without and with the word index, which must not change the answer.
			m := matcher{lits: [][]lit{{tt.l}}}
			if got := m.mayMatch(m.lits[0], newDoc("", tt.text)); got != tt.want {
				t.Errorf("mayMatch(%v, %q) = %v, want %v", tt.l, tt.text, got, tt.want)
			}
			indexWords([]*matcher{&m})
			if got := m.mayMatch(m.lits[0], newDoc("", tt.text)); got != tt.want {
				t.Errorf("with the word index (word %d), mayMatch(%v, %q) = %v, want %v", m.lits[0][0].word, tt.l, tt.text, got, tt.want)
			}
		})
	}
}

// corpus returns texts that exercise the data's patterns: every example and
// counter-example, the sample posting and some awkward cases.
func corpus(t testing.TB) []string {
	t.Helper()
	d := mustData(t)
	texts := []string{postingText(samplePosting()), "", "HE WILL", "His/Her", "x", "xxx XXXX", "[", "{{}}", "<a>"}
	for _, p := range d.phrases {
		texts = append(texts, p.Examples...)
		texts = append(texts, p.Not...)
	}
	return texts
}

// checkPrefilter fails when the literal pre-check changes what a pattern
// finds in text.
func checkPrefilter(t *testing.T, d *data, text string) {
	t.Helper()
	var all []matcher
	for _, p := range d.phrases {
		all = append(all, p.patterns...)
		all = append(all, p.unless...)
	}
	all = append(all, d.placeholderMatchers...)
	doc := newDoc("", text)
	for _, m := range all {
		want := m.re.FindAllStringIndex(doc.text, -1)
		if got := m.findAll(doc); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("pattern %s on %q: pre-check gives %v, the regexp alone %v (literals %v)", m.re, text, got, want, m.lits)
		}
	}
	// A phrase whose words do not occur has no pattern that matches.
	o := doc.occurrences(d.index)
	for _, p := range d.phrases {
		if p.needs == nil || o.hasAny(p.needs) {
			continue
		}
		for _, m := range p.patterns {
			if got := m.re.FindAllStringIndex(doc.text, -1); got != nil {
				t.Errorf("phrase %s on %q: none of its words occurs, but pattern %s matches %v", p.ID, text, m.re, got)
			}
		}
	}
}

func TestPrefilterNeverChangesMatches(t *testing.T) {
	d := mustData(t)
	for _, text := range corpus(t) {
		checkPrefilter(t, d, text)
		checkPrefilter(t, d, strings.ToUpper(text))
	}
}

func FuzzPrefilterNeverChangesMatches(f *testing.F) {
	for _, text := range corpus(f) {
		f.Add(text)
	}
	d := mustData(f)
	f.Fuzz(func(t *testing.T, text string) {
		checkPrefilter(t, d, text)
	})
}

func TestWordIndex(t *testing.T) {
	x := &wordIndex{}
	// "his" and "him" share a key (length and first two bytes).
	words := []string{"his", "him", "he", "a", "in", "culture", "x"}
	for i, w := range words {
		if got := x.add(w); got != i {
			t.Errorf("add(%q) = %d, want %d", w, got, i)
		}
	}
	if got := x.add("him"); got != 1 {
		t.Errorf("adding %q again = %d, want its number 1", "him", got)
	}
	tests := []struct {
		text string
		want map[string][]int32 // word → offsets, in any order
	}{
		{"", nil},
		{"this and that", nil},
		{"him, his and him_self: he said x-ray in a culture", map[string][]int32{
			"him": {0}, "his": {5}, "he": {23}, "x": {31}, "in": {37}, "a": {40}, "culture": {42},
		}},
		{"in in in", map[string][]int32{"in": {0, 3, 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			o := x.find(tt.text)
			for id, w := range words {
				var got []int32
				for _, h := range o.of(id) {
					if int(h.word) != id {
						t.Errorf("occurrences of %q include word %d", w, h.word)
					}
					got = append(got, h.at)
				}
				slices.Sort(got)
				if want := tt.want[w]; !slices.Equal(got, want) {
					t.Errorf("occurrences of %q = %v, want %v", w, got, want)
				}
				if present := o.present[id/64]&(1<<(id%64)) != 0; present != (len(tt.want[w]) > 0) {
					t.Errorf("present(%q) = %v, want %v", w, present, !present)
				}
			}
		})
	}
	if got := x.id("hi"); got != -1 {
		t.Errorf("id(%q) = %d, want -1", "hi", got)
	}
}

func TestOccurrencesSetSortsByWordThenOffset(t *testing.T) {
	for _, n := range []int{0, 1, 2, 30, 64, 65, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			hits := make([]wordHit, n)
			for i := range hits {
				hits[i] = wordHit{word: int32(i * 7919 % 13), at: int32(10 * i)} // in text order
			}
			want := slices.Clone(hits)
			slices.SortFunc(want, func(a, b wordHit) int {
				if c := cmp.Compare(a.word, b.word); c != 0 {
					return c
				}
				return cmp.Compare(a.at, b.at)
			})
			var o occurrences
			o.set(nil, hits)
			if !slices.Equal(o.hits, want) {
				t.Errorf("got %v, want %v", o.hits, want)
			}
		})
	}
}
