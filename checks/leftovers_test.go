package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// placeholderCase is one case of TestPlaceholders; the golden corpus reuses it.
type placeholderCase struct {
	text string
	want []string
}

func placeholderCases() []placeholderCase {
	return []placeholderCase{
		{"Join [Company] today", []string{"[Company]"}},
		{"Salary: […]", []string{"[…]"}},
		{"Starts TBD, pay tbc", []string{"TBD", "tbc"}},
		{"Lorem ipsum dolor", []string{"Lorem", "ipsum"}},
		{"Hello {company_name} and {{ team }}", []string{"{company_name}", "{{ team }}"}},
		{"Contact <hiring manager>", []string{"<hiring manager>"}},
		{"Call XXX or ???", []string{"XXX", "???"}},
		{"insert benefits here", []string{"insert benefits here"}},
		{"Apply [here](https://example.com/jobs)", nil},
		{"A 401(k) match and 25 days off", nil},
		{"Our TBDX product", nil},
		{"", nil},
	}
}

func TestPlaceholders(t *testing.T) {
	d := mustData(t)
	for _, tt := range placeholderCases() {
		t.Run(tt.text, func(t *testing.T) {
			if got := d.placeholders(newDoc("", tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("placeholders(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// repeatedWordCase is one case of TestRepeatedWords; the golden corpus reuses it.
type repeatedWordCase struct {
	text string
	want []string
}

func repeatedWordCases() []repeatedWordCase {
	return []repeatedWordCase{
		{"Join the the team", []string{"the the"}},
		{"Join The the team and and", []string{"the the", "and and"}},
		{"We know that that matters", nil},
		{"No. No surprises", nil},
		{"one\none", nil},
		{"Call 555 555", nil},
		{"the team, the team", nil},
	}
}

func TestRepeatedWords(t *testing.T) {
	for _, tt := range repeatedWordCases() {
		t.Run(tt.text, func(t *testing.T) {
			if got := repeatedWords(newDoc("", tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("repeatedWords(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// leftoverWant is a finding a leftoverCase expects.
type leftoverWant struct {
	field   string
	message string
}

// leftoverCase is one case of TestLeftoverFindings; the golden corpus reuses it.
type leftoverCase struct {
	name string
	kv   []string
	edit func(*templates.Rendered)
	want []leftoverWant
}

func leftoverCases() []leftoverCase {
	return []leftoverCase{
		{"clean sample", nil, nil, nil},
		{"placeholder in a field", []string{"company_bio", "We sell to [number] restaurants."}, nil,
			[]leftoverWant{{"company_bio", `"[number]"`}}},
		{"TBD in the template", nil,
			func(r *templates.Rendered) { r.Sections[3].Paragraphs[0] = "Salary TBD." },
			[]leftoverWant{{"", `"TBD"`}}},
		{"repeated word in a field", []string{"how_to_apply", "Send us a a short note."}, nil,
			[]leftoverWant{{"how_to_apply", `"a a"`}}},
		{"empty bullet in the posting", nil,
			func(r *templates.Rendered) { r.Sections[1].Bullets = append(r.Sections[1].Bullets, " ") },
			[]leftoverWant{{"", `"What you'll do" has 1 empty bullet point`}}},
		{"empty bullet in a field", []string{"extra_responsibilities", "- Visit restaurants\n-\n- "}, nil,
			[]leftoverWant{{"extra_responsibilities", "2 empty bullet points"}}},
		{"empty section", nil,
			func(r *templates.Rendered) {
				r.Sections = append(r.Sections, templates.Section{Heading: "Benefits"})
			},
			[]leftoverWant{{"", `"Benefits" is empty`}}},
	}
}

func TestLeftoverFindings(t *testing.T) {
	for _, tt := range leftoverCases() {
		t.Run(tt.name, func(t *testing.T) {
			r := samplePosting()
			if tt.edit != nil {
				tt.edit(&r)
			}
			fs := ofRule(Check(testRole(t), change(sampleValues(), tt.kv...), r), RuleLeftover)
			if len(fs) != len(tt.want) {
				t.Fatalf("got %d findings %v, want %d", len(fs), fs, len(tt.want))
			}
			for i, w := range tt.want {
				if fs[i].Field != w.field || fs[i].Severity != Warning {
					t.Errorf("finding %d = field %q severity %q, want %q warning", i, fs[i].Field, fs[i].Severity, w.field)
				}
				if !strings.Contains(fs[i].Message, w.message) {
					t.Errorf("message %q does not contain %q", fs[i].Message, w.message)
				}
			}
		})
	}
}

// bulletLineCase is one case of TestBulletLines; the golden corpus reuses it.
type bulletLineCase struct {
	in        string
	wantLines []string
	wantEmpty int
}

func bulletLineCases() []bulletLineCase {
	return []bulletLineCase{
		{"one\ntwo", []string{"one", "two"}, 0},
		{"- one\n* two\n• three\n1. four\n2) five", []string{"one", "two", "three", "four", "five"}, 0},
		{"- one\n-\n- \n* ", []string{"one"}, 3},
		{"\n\n", nil, 0},
		{"-5% churn", []string{"-5% churn"}, 0},
	}
}

func TestBulletLines(t *testing.T) {
	for _, tt := range bulletLineCases() {
		t.Run(tt.in, func(t *testing.T) {
			lines, empty := bulletLines(tt.in)
			if !slices.Equal(lines, tt.wantLines) || empty != tt.wantEmpty {
				t.Errorf("bulletLines(%q) = %q, %d; want %q, %d", tt.in, lines, empty, tt.wantLines, tt.wantEmpty)
			}
			if got := emptyBullets(tt.in); got != tt.wantEmpty {
				t.Errorf("emptyBullets(%q) = %d, want %d", tt.in, got, tt.wantEmpty)
			}
		})
	}
}

func TestEmptyBulletsOfEveryMarker(t *testing.T) {
	// Not among bulletLineCases, which the golden corpus reuses.
	for _, in := range []string{"•", "· ", "–", "— ", "3.", "4)", "  * ", "-", "- ."} {
		t.Run(in, func(t *testing.T) {
			if got := emptyBullets(in + "\nword"); got != 1 {
				t.Errorf("emptyBullets(%q) = %d, want 1", in+"\nword", got)
			}
		})
	}
}
