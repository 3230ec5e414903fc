package checks

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jobdesc/jobdesc/templates"
)

// placeMatch is one place found in a location.
type placeMatch struct {
	j       int // jurisdiction index; -1 for an elsewhere place
	region  bool
	country string
}

// locate finds the places a location names, longest name first, and
// returns them with the tokens that named no place (lower case).
func (d *data) locate(location string) (found []placeMatch, rest []string) {
	return d.locateTokens(placeTokens(location))
}

// locateTokens is locate of the location whose placeTokens are toks.
func (d *data) locateTokens(toks []placeToken) (found []placeMatch, rest []string) {
	used := make([]bool, len(toks))
	// Only the aliases whose first token is one of toks can match: those,
	// in the order of d.aliases.
	var room [16]int // on the stack, for the usual few
	candidates := room[:0]
	for _, t := range toks {
		candidates = append(candidates, d.aliasesByFirst[t.lower]...)
		candidates = append(candidates, d.codesByFirst[t.text]...)
	}
	slices.Sort(candidates)
	for ci, ai := range candidates {
		if ci > 0 && candidates[ci-1] == ai {
			continue // already tried
		}
		a := d.aliases[ai]
		n := len(a.tokens)
	scan:
		for i := 0; i+n <= len(toks); i++ {
			for k := range n {
				t := toks[i+k]
				if used[i+k] || (a.code && t.text != a.tokens[k]) || (!a.code && t.lower != a.tokens[k]) {
					continue scan
				}
			}
			for k := range n {
				used[i+k] = true
			}
			found = append(found, placeMatch{j: a.j, region: a.region, country: a.country})
		}
	}
	for i, t := range toks {
		if !used[i] {
			rest = append(rest, t.lower)
		}
	}
	return found, rest
}

// jurisdictionsFor returns the indexes, in table order, of the
// jurisdictions whose law covers location; remote says whether the role is
// remote. A location naming a state, province or country keeps only the
// city names that lie in it: "Dublin, OH" is not Dublin in Ireland and
// "Vancouver, WA" not Vancouver in British Columbia. named reports whether
// the location names any known place at all.
func (d *data) jurisdictionsFor(location string, remote bool) (js []int, named bool, rest []string) {
	return d.jurisdictionsOf(placeTokens(location), remote)
}

// jurisdictionsOf is jurisdictionsFor of the location whose placeTokens
// are toks.
func (d *data) jurisdictionsOf(toks []placeToken, remote bool) (js []int, named bool, rest []string) {
	found, rest := d.locateTokens(toks)
	var regions []placeMatch
	for _, m := range found {
		if m.region {
			regions = append(regions, m)
		}
	}
	keep := func(m placeMatch) bool {
		if m.region || len(regions) == 0 {
			return true
		}
		for _, r := range regions {
			if r.j < 0 {
				continue
			}
			rj := d.jurisdictions[r.j]
			if (rj.RemoteOnly && r.country == m.country) || r.j == m.j || rj.ID == d.jurisdictions[m.j].Within {
				return true
			}
		}
		return false
	}
	hit := make([]bool, len(d.jurisdictions))
	for _, m := range found {
		if !keep(m) {
			continue
		}
		named = true
		if m.j < 0 || (d.jurisdictions[m.j].RemoteOnly && !remote) {
			continue
		}
		hit[m.j] = true
	}
	for i, h := range hit {
		if h {
			js = append(js, i)
		}
	}
	return js, named, rest
}

// isRemote reports whether the role is remote: by its work arrangement, or
// by its location ("Remote (US)", "Anywhere", "WFH").
func isRemote(v templates.Values) bool { return remoteBy(v, placeTokens(v["location"])) }

// remoteBy is isRemote, given the placeTokens of the location.
func remoteBy(v templates.Values, location []placeToken) bool {
	if strings.EqualFold(strings.TrimSpace(v["work_arrangement"]), "remote") {
		return true
	}
	for _, t := range location {
		switch t.lower {
		case "remote", "anywhere", "worldwide", "wfh":
			return true
		}
	}
	return false
}

// hasAmount reports whether a salary value is filled in: not empty and not
// zero. A value that is not a number counts as filled (validation reports it).
func hasAmount(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	n, ok := parseAmount(s)
	return !ok || n != 0
}

// parseAmount reads a salary value such as "85000", "85,000" or "85 000".
func parseAmount(s string) (float64, bool) {
	if s == "" {
		return 0, false // what ParseFloat says, without building its error
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case ',', ' ', '_', '\u00a0', '\'':
			return -1
		}
		return r
	}, s)
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// payFindings returns a blocker when the location falls under a
// pay-transparency law and the salary range is missing.
func (d *data) payFindings(role *templates.Role, v templates.Values) []Finding {
	hasMin, hasMax := hasAmount(v["salary_min"]), hasAmount(v["salary_max"])
	if hasMin && hasMax {
		return nil
	}
	toks := placeTokens(v["location"])
	remote := remoteBy(v, toks)
	js, named, rest := d.jurisdictionsOf(toks, remote)
	var sentences []string
	switch {
	case len(js) > 0:
		var places, laws, notes []string
		for _, i := range js {
			j := d.jurisdictions[i]
			if j.Message != "" {
				sentences = append(sentences, strings.TrimSpace(j.Message))
				continue
			}
			places = append(places, j.Name)
			laws = append(laws, fmt.Sprintf("%s, since %s", j.Law, monthYear(j.Since)))
			if j.Note != "" {
				notes = append(notes, strings.TrimSpace(j.Note))
			}
		}
		if len(places) > 0 {
			s := fmt.Sprintf("Postings for roles in %s must show a pay range (%s).", joinAnd(places), strings.Join(laws, "; "))
			sentences = append([]string{s}, append(sentences, notes...)...)
		}
	case remote && !named && d.namesNoPlace(rest):
		sentences = []string{strings.TrimSpace(d.anywhere.Message)}
	default:
		return nil
	}
	field, suggestion := payField(role, hasMin)
	return []Finding{{
		Rule:       RulePayTransparency,
		Severity:   Blocker,
		Field:      field,
		Message:    strings.Join(sentences, " "),
		Suggestion: suggestion,
	}}
}

// namesNoPlace reports whether every leftover location word just says
// "remote" ("Remote", "Fully remote", "Anywhere"), so the role is open to
// candidates anywhere.
func (d *data) namesNoPlace(rest []string) bool {
	for _, w := range rest {
		if !d.remoteWords[w] {
			return false
		}
	}
	return true
}

// payField says which field a pay finding belongs to and what to do.
func payField(role *templates.Role, hasMin bool) (field, suggestion string) {
	has := func(id string) bool {
		if role == nil {
			return true
		}
		_, ok := role.Field(id)
		return ok
	}
	switch {
	case has("salary_min") && !hasMin:
		return "salary_min", "Fill in the minimum and maximum salary."
	case has("salary_max"):
		return "salary_max", "Fill in the maximum salary as well: the law asks for a range, not a starting figure."
	case has("location"):
		return "location", "This role's template has no salary fields: add a pay range to the template, or post for a place without this requirement."
	}
	return "", "This role's template has no salary fields: add a pay range to the template."
}

// monthYear turns "2021-01" into "January 2021".
func monthYear(ym string) string {
	t, err := time.Parse("2006-01", ym)
	if err != nil {
		return ym
	}
	return t.Format("January 2006")
}

// salaryFindings checks that the range is believable: not more than twice
// as wide as its minimum, and not of zero width. A minimum above the
// maximum, or values that are not numbers, are validation's job.
func salaryFindings(v templates.Values) []Finding {
	lo, ok1 := parseAmount(v["salary_min"])
	hi, ok2 := parseAmount(v["salary_max"])
	if !ok1 || !ok2 || lo <= 0 || hi <= 0 || lo > hi {
		return nil
	}
	cur := strings.TrimSpace(v["salary_currency"])
	amount := func(n float64) string {
		s := thousands(int64(math.Round(n)))
		if cur != "" {
			s += " " + cur
		}
		return s
	}
	switch {
	case hi > 2*lo:
		return []Finding{{
			Rule:     RuleSalaryRange,
			Severity: Warning,
			Field:    "salary_max",
			Message: fmt.Sprintf("The range is very wide: the maximum (%s) is more than twice the minimum (%s). "+
				"Pay-transparency laws expect the range you would really pay, and candidates read a wide range as vague.", amount(hi), amount(lo)),
			Suggestion: "Narrow it to what you would actually offer for this level.",
		}}
	case hi == lo:
		return []Finding{{
			Rule:       RuleSalaryRange,
			Severity:   Tip,
			Field:      "salary_max",
			Message:    fmt.Sprintf("The range has no width: minimum and maximum are both %s.", amount(lo)),
			Suggestion: "If the pay is fixed, that is fine; otherwise give the real range.",
		}}
	}
	return nil
}
