package checks

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// genderCodingCase is one case of TestGenderCoding; the golden corpus reuses it.
type genderCodingCase struct {
	name          string
	text          string
	wantFeminine  []string
	wantMasculine []string
	wantVerdict   string
}

func genderCodingCases() []genderCodingCase {
	return []genderCodingCase{
		{"empty", "", nil, nil, VerdictNeutral},
		{"no coded words", "Sell kitchen equipment to restaurants.", nil, nil, VerdictNeutral},
		{"Lead as a heading and leadership in text both count", "Lead\nShow leadership every day.", nil, []string{"lead", "leadership"}, VerdictMasculine},
		{"stem must start the word", "Misleading, pleading, unkind.", nil, nil, VerdictNeutral},
		{"case-insensitive", "SUPPORT Support support", []string{"support", "support", "support"}, nil, VerdictFeminine},
		{"hyphenated word is split", "A data-driven team.", nil, []string{"driven"}, VerdictMasculine},
		{"hyphenated stem kept whole", "A co-operative, self-confident person.", []string{"co-operative"}, []string{"self-confident"}, VerdictNeutral},
		{"word matching two stems counts once", "A dominant player.", nil, []string{"dominant"}, VerdictMasculine},
		{"typographic apostrophe", "Our leader\u2019s team", nil, []string{"leader's"}, VerdictMasculine},
		{"balanced", "Lead and support.", []string{"support"}, []string{"lead"}, VerdictNeutral},
		{"feminine by 4 is strongly feminine", "support trust warm kind", []string{"support", "trust", "warm", "kind"}, nil, VerdictStronglyFeminine},
		{"masculine by 3 is masculine", "lead drive driven compete", nil, []string{"lead", "driven", "compete"}, VerdictMasculine},
		{"masculine by 4 is strongly masculine", "lead driven compete force", nil, []string{"lead", "driven", "compete", "force"}, VerdictStronglyMasculine},
		{"feminine by 1", "collaborative, analytical, committed", []string{"collaborative", "committed"}, []string{"analytical"}, VerdictFeminine},
	}
}

func TestGenderCoding(t *testing.T) {
	for _, tt := range genderCodingCases() {
		t.Run(tt.name, func(t *testing.T) {
			got := GenderCoding(tt.text)
			if !slices.Equal(got.Feminine, tt.wantFeminine) {
				t.Errorf("Feminine = %q, want %q", got.Feminine, tt.wantFeminine)
			}
			if !slices.Equal(got.Masculine, tt.wantMasculine) {
				t.Errorf("Masculine = %q, want %q", got.Masculine, tt.wantMasculine)
			}
			if got.Verdict != tt.wantVerdict {
				t.Errorf("Verdict = %q, want %q", got.Verdict, tt.wantVerdict)
			}
			if b := got.Balance(); b != len(tt.wantFeminine)-len(tt.wantMasculine) {
				t.Errorf("Balance = %d, want %d", b, len(tt.wantFeminine)-len(tt.wantMasculine))
			}
		})
	}
}

// genderFindingCase is one case of TestGenderFindings; the golden corpus reuses it.
type genderFindingCase struct {
	name         string
	kv           []string
	edit         func(*templates.Rendered)
	wantSeverity Severity // "" for no finding
	wantFields   []string // fields of the findings, in order
	wantWords    []string // words the whole-posting message names
}

func genderFindingCases() []genderFindingCase {
	masculineBio := "Northwind Traders is a dominant, competitive force. Driven people lead here."
	return []genderFindingCase{
		{"neutral sample", nil, nil, "", nil, nil},
		{"strongly masculine bio", []string{"company_bio", masculineBio},
			func(r *templates.Rendered) { r.Intro = masculineBio },
			Warning, []string{"company_bio", ""}, []string{"dominant", "competitive", "force", "driven", "lead"}},
		{"mildly masculine template wording", nil,
			func(r *templates.Rendered) { r.Sections[0].Heading = "Lead the account" },
			Tip, []string{""}, []string{"lead"}},
		{"feminine field", []string{"extra_responsibilities", "Support owners and build trust together"},
			func(r *templates.Rendered) {
				r.Sections[1].Bullets[6] = "Support owners and build trust together"
			},
			Tip, []string{"extra_responsibilities", ""}, []string{"support", "trust", "together"}},
	}
}

func TestGenderFindings(t *testing.T) {
	for _, tt := range genderFindingCases() {
		t.Run(tt.name, func(t *testing.T) {
			r := samplePosting()
			if tt.edit != nil {
				tt.edit(&r)
			}
			fs := ofRule(Check(testRole(t), change(sampleValues(), tt.kv...), r), RuleGenderCoded)
			if tt.wantSeverity == "" {
				if len(fs) != 0 {
					t.Errorf("got %v, want no gender finding", fs)
				}
				return
			}
			var fields []string
			for _, f := range fs {
				fields = append(fields, f.Field)
				if f.Severity != tt.wantSeverity {
					t.Errorf("severity of %v = %q, want %q", f, f.Severity, tt.wantSeverity)
				}
				if !strings.Contains(f.Suggestion, "→") {
					t.Errorf("suggestion %q offers no alternative", f.Suggestion)
				}
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Fatalf("fields = %q, want %q", fields, tt.wantFields)
			}
			whole := fs[len(fs)-1].Message
			for _, w := range tt.wantWords {
				if !strings.Contains(whole, w) {
					t.Errorf("message %q does not name %q", whole, w)
				}
			}
		})
	}
}

func TestCountedList(t *testing.T) {
	ws := []codedWord{{word: "lead"}, {word: "driven"}, {word: "lead"}, {word: "lead"}}
	if got, want := countedList(ws), "lead ×3, driven"; got != want {
		t.Errorf("countedList = %q, want %q", got, want)
	}
}

func TestStemListKeepsItsLicence(t *testing.T) {
	if !strings.Contains(string(genderFile), "lovedaybrooke") {
		t.Error("gender-coded-en.json lost its source attribution")
	}
	lic, err := os.ReadFile("LICENSE-gender-decoder")
	if err != nil {
		t.Fatalf("the licence notice must sit beside the embedded list: %v", err)
	}
	if !strings.Contains(string(lic), "MIT License") || !strings.Contains(string(lic), "lovedaybrooke") {
		t.Errorf("LICENSE-gender-decoder = %q, want the MIT notice of lovedaybrooke", lic)
	}
}
