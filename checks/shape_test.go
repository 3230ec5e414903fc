package checks

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// headingCase is one case of TestIsRequirementHeading; the golden corpus reuses it.
type headingCase struct {
	heading string
	want    bool
}

func headingCases() []headingCase {
	return []headingCase{
		{"What you bring", true},
		{"What you\u2019ll bring", true},
		{"WHAT YOU BRING:", true},
		{"Requirements", true},
		{"Minimum qualifications", true},
		{"Who you are", true},
		{"What we're looking for", true},
		{"Skills and experience", true},
		{"About you", true},
		{"Nice to have", false},
		{"Bonus points", false},
		{"Preferred qualifications", false},
		{"What we offer", false},
		{"What you'll do", false},
		{"About the role", false},
		{"", false},
	}
}

func TestIsRequirementHeading(t *testing.T) {
	for _, tt := range headingCases() {
		t.Run(tt.heading, func(t *testing.T) {
			if got := isRequirementHeading(tt.heading); got != tt.want {
				t.Errorf("isRequirementHeading(%q) = %v, want %v", tt.heading, got, tt.want)
			}
		})
	}
}

// requirementCase is one case of TestRequirementFindings; the golden corpus reuses it.
type requirementCase struct {
	name      string
	kv        []string
	edit      func(*templates.Rendered)
	wantCount int // 0: no finding
	wantField string
}

func requirementCases() []requirementCase {
	add := func(n int, heading string) func(*templates.Rendered) {
		return func(r *templates.Rendered) {
			for i := range n {
				b := fmt.Sprintf("Requirement number %d", i+1)
				if heading == "" {
					r.Sections[2].Bullets = append(r.Sections[2].Bullets, b)
					continue
				}
				r.Sections = append(r.Sections, templates.Section{Heading: heading, Bullets: []string{b}})
			}
		}
	}
	return []requirementCase{
		{"six requirements", nil, nil, 0, ""},
		{"eight requirements", nil, add(2, ""), 0, ""},
		{"nine requirements, the field's line takes it over", nil, add(3, ""), 9, "extra_qualifications"},
		{"ten requirements, the template alone is over", nil, add(4, ""), 10, ""},
		{"nice-to-have bullets do not count", nil, add(5, "Nice to have"), 0, ""},
		{"a second requirements section counts", nil, add(4, "Requirements"), 10, ""},
		{"the field's lines take it over", []string{"extra_qualifications", "A driving licence, as most visits are by car\nRequirement number 1\nRequirement number 2\nRequirement number 3."},
			add(3, ""), 9, "extra_qualifications"},
		{"empty bullets do not count", nil, func(r *templates.Rendered) {
			r.Sections[2].Bullets = append(r.Sections[2].Bullets, "", "", "")
		}, 0, ""},
	}
}

func TestRequirementFindings(t *testing.T) {
	// The sample's "What you bring" has 6 bullets, the last one being the
	// extra_qualifications value.
	for _, tt := range requirementCases() {
		t.Run(tt.name, func(t *testing.T) {
			r := samplePosting()
			if tt.edit != nil {
				tt.edit(&r)
			}
			fs := ofRule(Check(testRole(t), change(sampleValues(), tt.kv...), r), RuleRequirements)
			if tt.wantCount == 0 {
				if len(fs) != 0 {
					t.Errorf("got %v, want no requirements finding", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %v, want one requirements finding", fs)
			}
			if fs[0].Severity != Tip || fs[0].Field != tt.wantField {
				t.Errorf("got severity %q field %q, want tip %q", fs[0].Severity, fs[0].Field, tt.wantField)
			}
			if want := fmt.Sprintf("lists %d requirements", tt.wantCount); !strings.Contains(fs[0].Message, want) {
				t.Errorf("message %q does not contain %q", fs[0].Message, want)
			}
		})
	}
}

// lengthCase is one case of TestLengthFindings; the golden corpus reuses it.
type lengthCase struct {
	name        string
	words       int
	wantMessage string // "" for no finding
}

func lengthCases() []lengthCase {
	return []lengthCase{
		{"empty", 0, "0 words"},
		{"short", 299, "299 words"},
		{"lower edge", 300, ""},
		{"upper edge", 900, ""},
		{"long", 1200, "1,200 words"},
	}
}

func TestLengthFindings(t *testing.T) {
	for _, tt := range lengthCases() {
		t.Run(tt.name, func(t *testing.T) {
			fs := lengthFindings(newDoc("", strings.Repeat("word ", tt.words)).words().count())
			if tt.wantMessage == "" {
				if len(fs) != 0 {
					t.Errorf("got %v, want none", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Severity != Tip || fs[0].Field != "" || !strings.Contains(fs[0].Message, tt.wantMessage) {
				t.Errorf("got %v, want one whole-posting tip mentioning %q", fs, tt.wantMessage)
			}
		})
	}
}

// syllableCase is one case of TestSyllables; the golden corpus reuses it.
type syllableCase struct {
	word string
	want int
}

func syllableCases() []syllableCase {
	return []syllableCase{
		{"the", 1}, {"cat", 1}, {"make", 1}, {"makes", 1}, {"table", 2},
		{"jumped", 1}, {"wanted", 2}, {"needed", 2}, {"boxes", 2}, {"changes", 2},
		{"agree", 2}, {"account", 2}, {"manager", 3}, {"restaurant", 3},
		{"responsibility", 6}, {"communication", 5}, {"you'll", 1}, {"data-driven", 4},
		{"2025", 1}, {"yes", 1}, {"every", 3}, {"rhythm", 1},
	}
}

func TestSyllables(t *testing.T) {
	for _, tt := range syllableCases() {
		t.Run(tt.word, func(t *testing.T) {
			if got := syllables(tt.word); got != tt.want {
				t.Errorf("syllables(%q) = %d, want %d", tt.word, got, tt.want)
			}
		})
	}
}

// readingEaseCase is one case of TestReadingEase; the golden corpus reuses it.
type readingEaseCase struct {
	name     string
	text     string
	want     float64 // exact, when above -1000
	min, max float64 // range otherwise
}

func readingEaseCases() []readingEaseCase {
	hard := "Comprehensive organizational responsibilities necessitate extraordinary interdepartmental communication capabilities, " +
		"particularly regarding sophisticated implementation methodologies and administrative documentation."
	return []readingEaseCase{
		{"empty", "", 0, 0, 0},
		{"no words", "... !!", 0, 0, 0},
		// 6 words, 1 sentence, 6 syllables: 206.835 − 1.015×6 − 84.6×1.
		{"simple sentence", "The cat sat on the mat.", 206.835 - 1.015*6 - 84.6, 0, 0},
		// Each line is a sentence: 2 sentences of 3 words.
		{"bullets are sentences", "Sell good food\nMeet new friends", 206.835 - 1.015*3 - 84.6, 0, 0},
		// 7 words in 2 sentences, all of one syllable.
		{"decimal point does not end a sentence", "We grew 2.5 times. We are glad.", 206.835 - 1.015*3.5 - 84.6, 0, 0},
		{"hard text", hard, math.Inf(-1), -400, 30},
	}
}

func TestReadingEase(t *testing.T) {
	for _, tt := range readingEaseCases() {
		t.Run(tt.name, func(t *testing.T) {
			got := ReadingEase(tt.text)
			if !math.IsInf(tt.want, -1) {
				if math.Abs(got-tt.want) > 1e-9 {
					t.Errorf("ReadingEase(%q) = %v, want %v", tt.text, got, tt.want)
				}
				return
			}
			if got < tt.min || got > tt.max {
				t.Errorf("ReadingEase(%q) = %v, want between %v and %v", tt.text, got, tt.min, tt.max)
			}
		})
	}
}

// readabilityCase is one case of TestReadabilityFindings; the golden corpus reuses it.
type readabilityCase struct {
	name       string
	kv         []string
	edit       func(*templates.Rendered)
	wantFields []string // nil: no finding
}

func readabilityCases() []readabilityCase {
	hard := "Comprehensive organizational responsibilities necessitate extraordinary interdepartmental communication capabilities, " +
		"particularly regarding sophisticated implementation methodologies, administrative documentation and institutional accountability considerations."
	return []readabilityCase{
		{"clean sample", nil, nil, nil},
		{"hard posting", nil, func(r *templates.Rendered) {
			for i := range r.Sections {
				r.Sections[i].Paragraphs = []string{hard, hard, hard}
				r.Sections[i].Bullets = nil
			}
			r.Intro = hard
		}, []string{""}},
		{"hard field", []string{"company_bio", strings.Repeat(hard+" ", 3)}, nil, []string{"company_bio"}},
		{"short hard field is not scored", []string{"company_bio", "Comprehensive organizational responsibilities."}, nil, nil},
	}
}

func TestReadabilityFindings(t *testing.T) {
	for _, tt := range readabilityCases() {
		t.Run(tt.name, func(t *testing.T) {
			r := samplePosting()
			if tt.edit != nil {
				tt.edit(&r)
			}
			fs := ofRule(Check(testRole(t), change(sampleValues(), tt.kv...), r), RuleReadability)
			var fields []string
			for _, f := range fs {
				fields = append(fields, f.Field)
				if f.Severity != Tip || !strings.Contains(f.Message, "Flesch reading ease") {
					t.Errorf("got %v, want a readability tip naming the score", f)
				}
			}
			if strings.Join(fields, ",") != strings.Join(tt.wantFields, ",") || len(fields) != len(tt.wantFields) {
				t.Errorf("fields = %q, want %q", fields, tt.wantFields)
			}
		})
	}
}

// sentenceCase is one case of TestSentences; the golden corpus reuses it.
type sentenceCase struct {
	in   string
	want int // sentences with words
}

func sentenceCases() []sentenceCase {
	return []sentenceCase{
		{"One. Two! Three?", 3},
		{"Wait... what?! Yes", 3},
		{"Pay is 2.5k.", 1},
		{"", 0},
	}
}

func TestSentences(t *testing.T) {
	for _, tt := range sentenceCases() {
		t.Run(tt.in, func(t *testing.T) {
			ws := words(tt.in)
			if got := sentences(ws, 0, ws.count()); got != tt.want {
				t.Errorf("sentences(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}
