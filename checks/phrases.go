package checks

import (
	"cmp"
	"slices"
	"strings"
)

// find returns the distinct phrases (lower case, spaces collapsed) that p
// matches in text, in text order, leaving out matches an unless pattern
// excuses. Runs of spaces and tabs count as one space.
func (p *phrase) find(d *doc) []string {
	text := d.text
	var excuses [][]int
	excused := false
	type hit struct {
		at   int
		text string
	}
	var hits []hit
	if o := d.occurrences(p.index); o != nil && p.needs != nil && !o.hasAny(p.needs) {
		return nil
	}
	for i := range p.patterns {
	next:
		for _, loc := range p.patterns[i].findAll(d) {
			if !excused {
				for k := range p.unless {
					excuses = append(excuses, p.unless[k].findAll(d)...)
				}
				excused = true
			}
			for _, u := range excuses {
				if u[0] < loc[1] && loc[0] < u[1] {
					continue next
				}
			}
			hits = append(hits, hit{loc[0], strings.Join(strings.Fields(strings.ToLower(text[loc[0]:loc[1]])), " ")})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.at, b.at) })
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.text) {
			out = append(out, h.text)
		}
	}
	return out
}

// setNeeds sets p.needs from its patterns, whose words x numbers, when
// every pattern has a first group of numbered words (see indexWords).
func (p *phrase) setNeeds(x *wordIndex) {
	p.index, p.needs = x, make([]uint64, x.setLen())
	for i := range p.patterns {
		m := &p.patterns[i]
		if m.index != x || len(m.needs) == 0 || m.needs[0] == nil {
			p.needs = nil
			return
		}
		for k, w := range m.needs[0] {
			p.needs[k] |= w
		}
	}
}

// exclusionaryFindings reports the exclusionary phrases of the posting,
// given what each phrase finds in the posting's text (nil when none finds
// anything): a phrase found in a field's value is reported against that
// field; one found only in the posting comes from the template's own
// wording and is reported with no field.
func (d *data) exclusionaryFindings(inPosting [][]string, fields []fieldFacts) []Finding {
	if inPosting == nil && !slices.ContainsFunc(fields, func(f fieldFacts) bool { return f.phrases != nil }) {
		return nil // the usual case: no phrase anywhere
	}
	var fs []Finding
	for i := range d.phrases {
		p := &d.phrases[i]
		var inFields map[string]bool
		for _, f := range fields {
			ms := f.matches(i)
			if len(ms) == 0 {
				continue
			}
			if inFields == nil {
				inFields = map[string]bool{}
			}
			for _, m := range ms {
				inFields[m] = true
			}
			fs = append(fs, p.finding(f.id, ms))
		}
		if inPosting == nil {
			continue
		}
		var rest []string
		for _, m := range inPosting[i] {
			if !inFields[m] {
				rest = append(rest, m)
			}
		}
		if len(rest) > 0 {
			fs = append(fs, p.finding("", rest))
		}
	}
	return fs
}

func (p *phrase) finding(field string, found []string) Finding {
	return Finding{
		Rule:       RuleExclusionary,
		Severity:   p.Severity,
		Field:      field,
		Message:    "Avoid " + quoteList(found) + ". " + strings.TrimSpace(p.Reason),
		Suggestion: strings.TrimSpace(p.Alternative),
	}
}
