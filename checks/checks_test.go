package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

func TestCheckCleanSample(t *testing.T) {
	fs := Check(testRole(t), sampleValues(), samplePosting())
	for _, f := range fs {
		t.Errorf("got finding %v, want none for the clean sample", f)
	}
	if got, want := Summary(fs), "No issues found"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}

// messyPosting returns the sample with a blocker, warnings and tips.
func messyPosting(t testing.TB) (*templates.Role, templates.Values, templates.Rendered) {
	t.Helper()
	v := change(sampleValues(),
		"location", "Denver, CO", "salary_min", "", "salary_max", "",
		"job_title", "Account Manager Rockstar",
		"company_bio", "We are a young team of [number] driven, competitive, dominant people who lead the market.",
	)
	r := samplePosting()
	r.Title = "Account Manager Rockstar at Northwind Traders"
	r.Intro = v["company_bio"] + " " + r.Intro
	r.Sections[2].Bullets = append(r.Sections[2].Bullets, "A strong culture fit", "TBD", "Calm under pressure", "")
	return testRole(t), v, r
}

func TestCheckOrderIsSeverityThenRuleThenField(t *testing.T) {
	role, v, r := messyPosting(t)
	fs := Check(role, v, r)
	if len(fs) < 5 {
		t.Fatalf("got %d findings, want at least 5: %v", len(fs), fs)
	}
	if fs[0].Severity != Blocker || fs[0].Rule != RulePayTransparency {
		t.Errorf("first finding = %v, want the pay-transparency blocker", fs[0])
	}
	pos := map[string]int{"": 1 << 30}
	for i, f := range role.Fields {
		pos[f.ID] = i
	}
	for i := 1; i < len(fs); i++ {
		a, b := fs[i-1], fs[i]
		ka := []int{a.Severity.rank(), slices.Index(ruleOrder, a.Rule), pos[a.Field]}
		kb := []int{b.Severity.rank(), slices.Index(ruleOrder, b.Rule), pos[b.Field]}
		if slices.Compare(ka, kb) > 0 {
			t.Errorf("finding %d (%v) sorts before %d (%v), want severity, rule, field order", i-1, a, i, b)
		}
	}
}

func TestCheckIsDeterministic(t *testing.T) {
	role, v, r := messyPosting(t)
	want := Check(role, v, r)
	for i := range 20 {
		if got := Check(role, v, r); !slices.Equal(got, want) {
			t.Fatalf("run %d: got %v, want %v", i, got, want)
		}
	}
}

// oddInputCase is one case of TestCheckOddInputsDoNotFail; the golden corpus reuses it.
type oddInputCase struct {
	name string
	role *templates.Role
	v    templates.Values
	r    templates.Rendered
}

func oddInputCases() []oddInputCase {
	return []oddInputCase{
		{"all empty", nil, nil, templates.Rendered{}},
		{"nil role with values", nil, sampleValues(), samplePosting()},
		{"role with no fields", &templates.Role{ID: "x"}, sampleValues(), samplePosting()},
		{"salary not numbers", nil, templates.Values{"salary_min": "lots", "salary_max": "-", "location": "Denver"}, templates.Rendered{}},
		{"min above max", nil, templates.Values{"salary_min": "90000", "salary_max": "10", "location": "Denver"}, templates.Rendered{}},
		{"odd unicode", nil, templates.Values{"company_bio": "\x00\xff\u2019[\u00a0]"}, templates.Rendered{Title: "\xff", Sections: []templates.Section{{Bullets: []string{"-", "\u2014"}}}}},
	}
}

func TestCheckOddInputsDoNotFail(t *testing.T) {
	for _, tt := range oddInputCases() {
		t.Run(tt.name, func(t *testing.T) {
			fs := Check(tt.role, tt.v, tt.r)
			for _, f := range fs {
				if f.Rule == "" || f.Message == "" || f.Severity.rank() > 2 {
					t.Errorf("got malformed finding %#v", f)
				}
			}
		})
	}
}

func TestCheckWithoutRoleUsesValueKeys(t *testing.T) {
	v := change(sampleValues(), "company_bio", "We want a rockstar.")
	fs := ofRule(Check(nil, v, samplePosting()), RuleExclusionary)
	if len(fs) != 1 || fs[0].Field != "company_bio" {
		t.Errorf("got %v, want one exclusionary finding for company_bio", fs)
	}
}

func TestSummary(t *testing.T) {
	b := Finding{Severity: Blocker}
	w := Finding{Severity: Warning}
	tp := Finding{Severity: Tip}
	tests := []struct {
		name string
		fs   []Finding
		want string
	}{
		{"none", nil, "No issues found"},
		{"one of each", []Finding{b, w, tp}, "1 blocker, 1 warning, 1 tip"},
		{"plurals", []Finding{w, tp, w, tp, tp}, "2 warnings, 3 tips"},
		{"blockers only", []Finding{b, b}, "2 blockers"},
		{"spec example", []Finding{b, w, w, tp}, "1 blocker, 2 warnings, 1 tip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summary(tt.fs); got != tt.want {
				t.Errorf("Summary = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBlockers(t *testing.T) {
	b1 := Finding{Rule: RulePayTransparency, Severity: Blocker, Message: "one"}
	b2 := Finding{Rule: RulePayTransparency, Severity: Blocker, Message: "two"}
	w := Finding{Rule: RuleLeftover, Severity: Warning}
	tests := []struct {
		name string
		fs   []Finding
		want []Finding
	}{
		{"none", []Finding{w}, nil},
		{"empty", nil, nil},
		{"keeps order", []Finding{b1, w, b2}, []Finding{b1, b2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Blockers(tt.fs); !slices.Equal(got, tt.want) {
				t.Errorf("Blockers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFindingString(t *testing.T) {
	tests := []struct {
		f    Finding
		want string
	}{
		{Finding{Rule: RuleLength, Severity: Tip, Message: "Long."}, "tip length: Long."},
		{Finding{Rule: RulePayTransparency, Severity: Blocker, Field: "salary_min", Message: "Pay.", Suggestion: "Add it."},
			"blocker [salary_min] pay_transparency: Pay. Suggestion: Add it."},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	tests := []struct{ got, want string }{
		{thousands(0), "0"},
		{thousands(999), "999"},
		{thousands(85000), "85,000"},
		{thousands(1234567), "1,234,567"},
		{thousands(-1500), "-1,500"},
		{quoteList([]string{"a"}), `"a"`},
		{quoteList([]string{"a", "b", "c"}), `"a", "b" and "c"`},
		{joinAnd(nil), ""},
		{joinAnd([]string{"x", "y"}), "x and y"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestMessagesArePlainSentences(t *testing.T) {
	role, v, r := messyPosting(t)
	for _, f := range Check(role, v, r) {
		if !strings.HasSuffix(f.Message, ".") {
			t.Errorf("message %q does not end with a full stop", f.Message)
		}
		if f.Suggestion != "" && !strings.HasSuffix(f.Suggestion, ".") {
			t.Errorf("suggestion %q does not end with a full stop", f.Suggestion)
		}
	}
}
