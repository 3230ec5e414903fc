package checks

import (
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// builtinRole returns the built-in account-manager role.
func builtinRole(t testing.TB) *templates.Role {
	t.Helper()
	c, err := templates.Load("")
	if err != nil {
		t.Fatalf("templates.Load: %v", err)
	}
	r, ok := c.Role("account-manager")
	if !ok {
		t.Fatal("templates.Load(\"\") has no account-manager role")
	}
	return r
}

// render renders role with v, failing the test on error.
func render(t testing.TB, role *templates.Role, v templates.Values) templates.Rendered {
	t.Helper()
	out, err := role.Render(v)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return out
}

// TestBuiltinTemplatePasses is the issue's acceptance test: the built-in
// account-manager role filled with its example values has no blocker and
// no exclusionary phrase at any level, and is not strongly gender-coded.
// It logs the gender balance and coded words for the template's author.
func TestBuiltinTemplatePasses(t *testing.T) {
	role := builtinRole(t)
	for _, level := range []string{"entry", "mid", "senior"} {
		t.Run(level, func(t *testing.T) {
			v := change(role.Example(), "level", level)
			r := render(t, role, v)
			fs := Check(role, v, r)
			for _, f := range Blockers(fs) {
				t.Errorf("got blocker %v, want none", f)
			}
			for _, f := range ofRule(fs, RuleExclusionary) {
				t.Errorf("got exclusionary phrase %v, want none", f)
			}
			c := GenderCoding(postingText(r))
			t.Logf("level %s: %s, balance %+d; feminine-coded %d %q; masculine-coded %d %q",
				level, c.Verdict, c.Balance(), len(c.Feminine), c.Feminine, len(c.Masculine), c.Masculine)
			if c.Verdict == VerdictStronglyMasculine || c.Verdict == VerdictStronglyFeminine {
				t.Errorf("the built-in template reads %s at level %s: rebalance its wording", c.Verdict, level)
			}
			t.Logf("level %s: %d words, reading ease %.0f, %s", level, words(postingText(r)).count(), ReadingEase(proseText(r)), Summary(fs))
			for _, f := range fs {
				t.Logf("  %v", f)
			}
		})
	}
}

// TestBuiltinTemplateHasRequirementSection guards the heading match: if the
// template renames its requirements section, the requirement count must
// still find it.
func TestBuiltinTemplateHasRequirementSection(t *testing.T) {
	role := builtinRole(t)
	r := render(t, role, role.Example())
	var headings []string
	for _, s := range r.Sections {
		headings = append(headings, s.Heading)
		if isRequirementHeading(s.Heading) && len(s.Bullets) > 0 {
			return
		}
	}
	t.Errorf("no requirements section among headings %q", headings)
}

// TestBuiltinTemplateThroughThePlacesOfTheIssue renders the real template
// for the three places the issue names and checks the pay finding.
// builtinPlaceCase is one case of TestBuiltinTemplateThroughThePlacesOfTheIssue; the golden corpus reuses it.
type builtinPlaceCase struct {
	name        string
	kv          []string
	wantBlocker string // "" for none
}

func builtinPlaceCases() []builtinPlaceCase {
	return []builtinPlaceCase{
		{"Denver without salary", []string{"location", "Denver, CO", "work_arrangement", "onsite", "salary_min", "", "salary_max", ""}, "Colorado Equal Pay for Equal Work Act"},
		{"Colorado Springs without salary", []string{"location", "Colorado Springs", "salary_min", "", "salary_max", ""}, "Colorado"},
		{"Remote (EU) without salary", []string{"location", "Remote (EU)", "work_arrangement", "remote", "salary_min", "", "salary_max", ""}, "2023/970"},
		{"Remote (US) without salary", []string{"location", "Remote (US)", "work_arrangement", "remote", "salary_min", "", "salary_max", ""}, "may live"},
		{"Denver with salary", []string{"location", "Denver, CO"}, ""},
		{"Austin without salary", []string{"location", "Austin, TX", "salary_min", "", "salary_max", ""}, ""},
	}
}

func TestBuiltinTemplateThroughThePlacesOfTheIssue(t *testing.T) {
	role := builtinRole(t)
	for _, tt := range builtinPlaceCases() {
		t.Run(tt.name, func(t *testing.T) {
			v := change(role.Example(), tt.kv...)
			bs := Blockers(Check(role, v, render(t, role, v)))
			if tt.wantBlocker == "" {
				if len(bs) != 0 {
					t.Errorf("got blockers %v, want none", bs)
				}
				return
			}
			if len(bs) != 1 || bs[0].Field != "salary_min" || !strings.Contains(bs[0].Message, tt.wantBlocker) {
				t.Errorf("got blockers %v, want one on salary_min naming %q", bs, tt.wantBlocker)
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) { benchCheck(b, Check) }

// benchCheck runs check on the sample posting and on the built-in role's
// senior posting (BenchmarkCheck, BenchmarkFrozenCheck).
func benchCheck(b *testing.B, check func(*templates.Role, templates.Values, templates.Rendered) []Finding) {
	b.Run("sample", func(b *testing.B) {
		role, v, r := testRole(b), sampleValues(), samplePosting()
		b.ReportAllocs()
		for b.Loop() {
			check(role, v, r)
		}
	})
	b.Run("builtin-senior", func(b *testing.B) {
		role := builtinRole(b)
		v := change(role.Example(), "level", "senior", "location", "Denver, CO", "salary_min", "")
		r := render(b, role, v)
		b.ReportAllocs()
		for b.Loop() {
			check(role, v, r)
		}
	})
}
