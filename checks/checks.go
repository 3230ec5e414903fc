// Package checks reviews a rendered job posting before reviewers see it:
// pay-transparency laws, gender-coded and exclusionary wording, leftover
// placeholders, and the posting's shape (requirement count, length,
// readability, salary range).
//
// Its data are embedded files beside this source: paylaws.yaml (the
// pay-transparency table), wording.yaml (exclusionary phrases and neutral
// alternatives) and gender-coded-en.json (word stems from Gaucher, Friesen &
// Kay 2011, MIT-licensed, see LICENSE-gender-decoder).
package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/jobdesc/jobdesc/templates"
)

// Severity says how much a finding matters.
type Severity string

// Severities, from most to least serious.
const (
	// Blocker findings must be fixed before the posting goes out.
	Blocker Severity = "blocker"
	// Warning findings should be fixed but do not stop the posting.
	Warning Severity = "warning"
	// Tip findings are advice.
	Tip Severity = "tip"
)

func (s Severity) rank() int {
	switch s {
	case Blocker:
		return 0
	case Warning:
		return 1
	}
	return 2
}

// Rule names, the values of Finding.Rule, in the order findings of the same
// severity are listed.
const (
	RulePayTransparency = "pay_transparency"
	RuleSalaryRange     = "salary_range"
	RuleExclusionary    = "exclusionary"
	RuleGenderCoded     = "gender_coded"
	RuleLeftover        = "leftover"
	RuleRequirements    = "requirements"
	RuleLength          = "length"
	RuleReadability     = "readability"
	// RuleData is used only if the embedded check data cannot be read,
	// which the package's tests rule out for a released build.
	RuleData = "checks_data"
)

var ruleOrder = []string{
	RulePayTransparency, RuleSalaryRange, RuleExclusionary, RuleGenderCoded,
	RuleLeftover, RuleRequirements, RuleLength, RuleReadability, RuleData,
}

// Finding is one thing the checks noticed about a posting.
type Finding struct {
	Rule       string   // one of the Rule constants
	Severity   Severity // Blocker, Warning or Tip
	Field      string   // id of the field concerned; "" for the posting as a whole or the template's own wording
	Message    string   // what is wrong, in plain words
	Suggestion string   // what to do instead; "" when there is nothing specific
}

// String formats the finding on one line, e.g.
// "blocker [salary_min] pay_transparency: Postings for roles in … Suggestion: …".
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(string(f.Severity))
	if f.Field != "" {
		b.WriteString(" [" + f.Field + "]")
	}
	b.WriteString(" " + f.Rule + ": " + f.Message)
	if f.Suggestion != "" {
		b.WriteString(" Suggestion: " + f.Suggestion)
	}
	return b.String()
}

// Check runs every check on a posting: role is its role (nil is allowed:
// fields are then taken from v in key order), v the form values and r the
// rendered description. It returns blockers first, then warnings, then
// tips; within a severity by rule, then by the field's place in the form
// (whole-posting findings last), then by message, so the same input always
// gives the same list. It returns nil when it finds nothing. Check never
// fails: malformed values (a salary that is not a number, minimum above
// maximum) are left to validation. A Checker gives the same results for
// less work when it checks many postings (see New).
func Check(role *templates.Role, v templates.Values, r templates.Rendered) []Finding {
	d, err := loadData()
	if err != nil {
		return []Finding{{
			Rule: RuleData, Severity: Warning,
			Message: "The posting checks could not run: " + err.Error(),
		}}
	}
	return d.check(role, v, r)
}

// check is Check, reading the posting's text as a whole.
func (d *data) check(role *templates.Role, v templates.Values, r templates.Rendered) []Finding {
	text, prose := postingLines(r)
	tfs := textFields(role, v)
	posting, docs := prepareDocs(text, tfs, d)
	p := d.postingFacts(posting, prose)
	// The fields' coded words matter only when the posting leans one way.
	var want wanted
	if verdict(codedBalance(p.coded)) != VerdictNeutral {
		want = wantCoded
	}
	fields := make([]fieldFacts, len(docs))
	facts := make([]textFacts, len(docs))
	for i, doc := range docs {
		want := want
		if tfs[i].long { // only their reading ease counts
			want |= wantCount
		}
		d.setTextFacts(&facts[i], tfs[i].text, doc, want)
		fields[i] = fieldFacts{id: tfs[i].id, long: tfs[i].long, raw: tfs[i].text, textFacts: &facts[i]}
	}
	return d.findings(role, v, r, &p, requirementSections(r), fields)
}

// findings runs every check given the facts of the posting and of its
// fields (in form order), and requirement, which says for each section
// whether it lists requirements; see Check.
func (d *data) findings(role *templates.Role, v templates.Values, r templates.Rendered, posting *postingFacts, requirement []bool, fields []fieldFacts) []Finding {
	var fs []Finding
	fs = append(fs, d.payFindings(role, v)...)
	fs = append(fs, salaryFindings(v)...)
	fs = append(fs, d.exclusionaryFindings(posting.phrases, fields)...)
	fs = append(fs, d.genderFindings(posting.coded, fields)...)
	fs = append(fs, leftoverFindings(r, posting, fields)...)
	fs = append(fs, requirementFindings(r, requirement, fields)...)
	fs = append(fs, lengthFindings(posting.words)...)
	fs = append(fs, readabilityFindings(posting.prose, fields)...)
	sortFindings(fs, role)
	return fs
}

// sortFindings orders fs by severity, rule, field position and message.
func sortFindings(fs []Finding, role *templates.Role) {
	fieldRank := func(id string) (int, string) {
		if id == "" {
			return 1 << 30, ""
		}
		if role != nil {
			for i := len(role.Fields) - 1; i >= 0; i-- { // the last field with that id
				if role.Fields[i].ID == id {
					return i, ""
				}
			}
		}
		return 1<<30 - 1, id // not in the form: after the form's fields, by id
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(a.Severity.rank(), b.Severity.rank()); c != 0 {
			return c
		}
		if c := cmp.Compare(slices.Index(ruleOrder, a.Rule), slices.Index(ruleOrder, b.Rule)); c != 0 {
			return c
		}
		ai, as := fieldRank(a.Field)
		bi, bs := fieldRank(b.Field)
		if c := cmp.Compare(ai, bi); c != 0 {
			return c
		}
		if c := cmp.Compare(as, bs); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Message, b.Message); c != 0 {
			return c
		}
		return cmp.Compare(a.Suggestion, b.Suggestion)
	})
}

// Blockers returns the findings of fs with severity Blocker, in order, or
// nil when there are none.
func Blockers(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == Blocker {
			out = append(out, f)
		}
	}
	return out
}

// Summary counts fs by severity in words, e.g. "1 blocker, 2 warnings,
// 1 tip", leaving out severities with none. It returns "No issues found"
// for an empty list.
func Summary(fs []Finding) string {
	var n [3]int
	for _, f := range fs {
		n[f.Severity.rank()]++
	}
	var parts []string
	for i, word := range []string{"blocker", "warning", "tip"} {
		switch {
		case n[i] == 1:
			parts = append(parts, "1 "+word)
		case n[i] > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n[i], word))
		}
	}
	if len(parts) == 0 {
		return "No issues found"
	}
	return strings.Join(parts, ", ")
}

// PayLawsReviewed returns the date the pay-transparency table was last
// reviewed, as YYYY-MM-DD (e.g. "2026-11-27"), or "" if the embedded table
// cannot be read.
func PayLawsReviewed() string {
	d, err := loadData()
	if err != nil {
		return ""
	}
	return d.reviewed
}

// quoteList writes items as `"a"`, `"a" and "b"` or `"a", "b" and "c"`.
func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = `"` + s + `"`
	}
	return joinAnd(q)
}

// joinAnd joins items as "a", "a and b" or "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// thousands formats n with comma separators: 85000 → "85,000".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
