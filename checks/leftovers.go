package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jobdesc/jobdesc/templates"
)

// placeholderPatterns find text left over from drafting: bracketed or
// braced placeholders, "TBD", "lorem ipsum", "XXX", "???", "insert … here".
// parseData compiles them.
var placeholderPatterns = []string{
	`\[[^\[\]\n]{0,40}\]`,
	`\{\{?[^{}\n]{0,40}\}\}?`,
	`<[A-Za-z][A-Za-z _-]{0,39}>`,
	`(?i)\b(?:TBD|TBC|TBA|TODO|FIXME|lorem|ipsum)\b`,
	`(?i)\bx{3,}\b`,
	`\?{3,}`,
	`(?i)\binsert [a-z' ]{1,30}? here\b`,
}

// placeholders returns the distinct leftover placeholders in s, in text
// order.
func (d *data) placeholders(doc *doc) []string {
	s := doc.text
	type hit struct {
		at   int
		text string
	}
	var hits []hit
	for i := range d.placeholderMatchers {
		for _, loc := range d.placeholderMatchers[i].findAll(doc) {
			if s[loc[0]] == '[' && strings.HasPrefix(s[loc[1]:], "(") {
				continue // a Markdown link, "[apply here](https://…)"
			}
			hits = append(hits, hit{loc[0], s[loc[0]:loc[1]]})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.at - b.at })
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.text) {
			out = append(out, h.text)
		}
	}
	return out
}

// repeatsAllowed are words that may correctly appear twice in a row.
var repeatsAllowed = map[string]bool{"that": true, "had": true}

// repeatedWords returns the distinct doubled words in s ("the the"), lower
// case. Only words separated by spaces count: "no. No" is not a repeat.
func repeatedWords(d *doc) []string {
	s, ws := d.text, d.words()
	var out []string
	n := ws.count()
	if n == 0 {
		return nil
	}
	for i := 1; i < n; i++ {
		if !ws.mayRepeat(i) {
			continue
		}
		a, b := ws.lowerWord(i-1), ws.lowerWord(i)
		if a != b || repeatsAllowed[a] || !isLetters(a) {
			continue
		}
		_, end := ws.span(i - 1)
		start, _ := ws.span(i)
		if strings.Trim(s[end:start], " \t") != "" {
			continue
		}
		if rep := a + " " + b; !slices.Contains(out, rep) {
			out = append(out, rep)
		}
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if !isWordRune(r) || (r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// leftoverFindings reports placeholders, doubled words, empty bullets and
// empty sections. As for phrases, what is in a field's value is reported
// against that field and the rest against the posting.
func leftoverFindings(r templates.Rendered, posting *postingFacts, fields []fieldFacts) []Finding {
	var fs []Finding
	kinds := [...]struct {
		inPosting  []string
		find       func(*fieldFacts) []string
		message    func([]string) string
		suggestion string
	}{
		{posting.placeholders, func(f *fieldFacts) []string { return f.placeholders }, func(ms []string) string {
			return "Leftover placeholder text: " + quoteList(ms) + "."
		}, "Replace it with the real text, or remove it."},
		{posting.repeats, func(f *fieldFacts) []string { return f.repeats }, func(ms []string) string {
			return plural(len(ms), "Repeated word: ", "Repeated words: ") + quoteList(ms) + "."
		}, "Remove the extra word."},
	}
	for _, k := range kinds {
		var inFields map[string]bool
		for i := range fields {
			f := &fields[i]
			ms := k.find(f)
			if len(ms) == 0 {
				continue
			}
			if inFields == nil {
				inFields = map[string]bool{}
			}
			for _, m := range ms {
				inFields[m] = true
			}
			fs = append(fs, Finding{Rule: RuleLeftover, Severity: Warning, Field: f.id, Message: k.message(ms), Suggestion: k.suggestion})
		}
		var rest []string
		for _, m := range k.inPosting {
			if !inFields[m] {
				rest = append(rest, m)
			}
		}
		if len(rest) > 0 {
			fs = append(fs, Finding{Rule: RuleLeftover, Severity: Warning, Message: k.message(rest), Suggestion: k.suggestion})
		}
	}

	fieldEmpty := false
	for _, f := range fields {
		if n := f.emptyBullets; n > 0 {
			fieldEmpty = true
			fs = append(fs, Finding{
				Rule: RuleLeftover, Severity: Warning, Field: f.id,
				Message:    fmt.Sprintf("This field has %d empty bullet %s.", n, plural(n, "point", "points")),
				Suggestion: "Finish or remove the empty lines.",
			})
		}
	}
	for _, s := range r.Sections {
		heading := strings.TrimSpace(s.Heading)
		empty := 0
		for _, b := range s.Bullets {
			if !hasWord(b) {
				empty++
			}
		}
		if empty > 0 && !fieldEmpty {
			fs = append(fs, Finding{
				Rule: RuleLeftover, Severity: Warning,
				Message:    fmt.Sprintf("The section %q has %d empty bullet %s.", heading, empty, plural(empty, "point", "points")),
				Suggestion: "Finish or remove the empty bullets.",
			})
		}
		if heading != "" && !slices.ContainsFunc(s.Paragraphs, hasWord) && !slices.ContainsFunc(s.Bullets, hasWord) {
			fs = append(fs, Finding{
				Rule: RuleLeftover, Severity: Warning,
				Message:    fmt.Sprintf("The section %q is empty.", heading),
				Suggestion: "Fill it in, or remove the heading.",
			})
		}
	}
	return fs
}
