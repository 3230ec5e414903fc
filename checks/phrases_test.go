package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// exclusionaryWant is a finding an exclusionaryCase expects.
type exclusionaryWant struct {
	field    string
	phrase   string // quoted in the message
	severity Severity
}

// exclusionaryCase is one case of TestExclusionaryFindings; the golden corpus reuses it.
type exclusionaryCase struct {
	name string
	kv   []string
	edit func(*templates.Rendered)
	want []exclusionaryWant
}

func exclusionaryCases() []exclusionaryCase {
	return []exclusionaryCase{
		{"clean sample", nil, nil, nil},
		{"rockstar in the job title, rendered twice", []string{"job_title", "Account Manager Rockstar"},
			func(r *templates.Rendered) {
				r.Title = "Account Manager Rockstar at Northwind Traders"
				r.Intro += " Our Account Manager Rockstar is key."
			},
			[]exclusionaryWant{{"job_title", "rockstar", Warning}}},
		{"ninja and guru in one field", []string{"company_bio", "A team of sales ninjas and CRM gurus."}, nil,
			[]exclusionaryWant{{"company_bio", `"ninjas" and "gurus"`, Warning}}},
		{"culture fit in template wording", nil,
			func(r *templates.Rendered) { r.Sections[2].Bullets[3] = "A strong culture fit" },
			[]exclusionaryWant{{"", "culture fit", Warning}}},
		{"he will for the candidate", nil,
			func(r *templates.Rendered) { r.Sections[0].Paragraphs[0] = "He will be the person owners call first." },
			[]exclusionaryWant{{"", "he will", Warning}}},
		{"his in a field", []string{"extra_responsibilities", "Help each owner with his renewals"}, nil,
			[]exclusionaryWant{{"extra_responsibilities", "his", Warning}}},
		{"young in a value", []string{"company_bio", "We are a young, fun team."}, nil,
			[]exclusionaryWant{{"company_bio", "young", Warning}}},
		{"young company is fine", []string{"company_bio", "We are a young company with old-fashioned service."}, nil, nil},
		{"digital native", []string{"extra_qualifications", "A digital native"}, nil,
			[]exclusionaryWant{{"extra_qualifications", "digital native", Warning}}},
		{"recent graduate", []string{"extra_qualifications", "Recent graduates welcome"}, nil,
			[]exclusionaryWant{{"extra_qualifications", "recent graduates", Warning}}},
		{"native English speaker", []string{"extra_qualifications", "Native English speaker"}, nil,
			[]exclusionaryWant{{"extra_qualifications", "native english speaker", Warning}}},
		{"able-bodied", []string{"extra_qualifications", "Able-bodied and energetic"}, nil,
			[]exclusionaryWant{{"extra_qualifications", "able-bodied", Warning}}},
		{"lifting without context", []string{"extra_qualifications", "Must be able to lift heavy boxes"}, nil,
			[]exclusionaryWant{{"extra_qualifications", "must lift", Warning}}},
		{"lifting with context", []string{"extra_qualifications", "Must be able to lift sample cases of up to 10 kg, with reasonable accommodation"}, nil, nil},
		{"casual ableism is a tip", []string{"company_bio", "We grew like crazy last year."}, nil,
			[]exclusionaryWant{{"company_bio", "crazy", Tip}}},
		{"in a field and the template", []string{"company_bio", "We hire rockstars."},
			func(r *templates.Rendered) { r.Sections[0].Paragraphs[1] += " Be a rockstar." },
			[]exclusionaryWant{{"company_bio", "rockstars", Warning}, {"", "rockstar", Warning}}},
	}
}

func TestExclusionaryFindings(t *testing.T) {
	for _, tt := range exclusionaryCases() {
		t.Run(tt.name, func(t *testing.T) {
			r := samplePosting()
			if tt.edit != nil {
				tt.edit(&r)
			}
			fs := ofRule(Check(testRole(t), change(sampleValues(), tt.kv...), r), RuleExclusionary)
			if len(fs) != len(tt.want) {
				t.Fatalf("got %d findings %v, want %d", len(fs), fs, len(tt.want))
			}
			for i, w := range tt.want {
				f := fs[i]
				if f.Field != w.field || f.Severity != w.severity {
					t.Errorf("finding %d = field %q severity %q, want %q %q", i, f.Field, f.Severity, w.field, w.severity)
				}
				if w.phrase != "must lift" && !strings.Contains(strings.ToLower(f.Message), strings.ToLower(w.phrase)) {
					t.Errorf("message %q does not name %q", f.Message, w.phrase)
				}
				if f.Suggestion == "" {
					t.Errorf("finding %v has no alternative", f)
				}
			}
		})
	}
}

func TestPhraseFindOrderAndDedup(t *testing.T) {
	d := mustData(t)
	i := slices.IndexFunc(d.phrases, func(p phrase) bool { return p.ID == "jargon" })
	if i < 0 {
		t.Fatal("no jargon phrase")
	}
	got := d.phrases[i].find(newDoc("", "Guru, ninja, and another  NINJA, then a rock   star."))
	want := []string{"guru", "ninja", "rock star"}
	if !slices.Equal(got, want) {
		t.Errorf("find = %q, want %q", got, want)
	}
}
