package checks

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// matcher is a compiled pattern with a cheap pre-check: groups of
// literals, every match containing one literal of each group. Most postings contain none of them, so
// most patterns never run (running them all made Check ten times slower).
type matcher struct {
	re   *regexp.Regexp
	lits [][]lit // each group must have a literal in the text; nil: always run re
}

// newMatcher compiles expr (case-insensitive when fold is set).
func newMatcher(expr string, fold bool) (matcher, error) {
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return matcher{}, err
	}
	m := matcher{re: re}
	if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
		m.lits = requiredLiterals(tree.Simplify())
	}
	return m, nil
}

// lit is a string every match of a pattern contains, lower case; start
// and end say the pattern puts a word boundary (\b) right before or after
// it.
type lit struct {
	s          string
	start, end bool
}

// findAll returns the match positions of m in d.text.
func (m matcher) findAll(d *doc) [][]int {
	for _, g := range m.lits {
		if !mayMatch(g, d) {
			return nil
		}
	}
	return m.re.FindAllStringIndex(d.text, -1)
}

// mayMatch reports whether one of lits occurs in d's lower-case text with
// its word boundaries (ASCII word characters, as \b uses).
func mayMatch(lits []lit, d *doc) bool {
	lower := d.lower
	for _, l := range lits {
		// A literal starting at a word boundary begins with a whole word
		// when the literal goes on past that word or ends at a boundary:
		// a map lookup rules most literals out without scanning.
		if l.start && isASCIIWord(l.s[0]) {
			n := 0
			for n < len(l.s) && isASCIIWord(l.s[n]) {
				n++
			}
			if (n < len(l.s) || l.end) && !d.hasASCIIWord(l.s[:n]) {
				continue
			}
		}
		for from := 0; ; {
			i := strings.Index(lower[from:], l.s)
			if i < 0 {
				break
			}
			i += from
			j := i + len(l.s)
			okStart := !l.start || !isASCIIWord(l.s[0]) || i == 0 || !isASCIIWord(lower[i-1])
			okEnd := !l.end || !isASCIIWord(l.s[len(l.s)-1]) || j == len(lower) || !isASCIIWord(lower[j])
			if okStart && okEnd {
				return true
			}
			from = i + 1
		}
	}
	return false
}

func isASCIIWord(c byte) bool {
	return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// maxExact bounds the strings an exact set may hold.
const maxExact = 64

// exact returns every string re can match, lower case, when they are few
// (a literal, a small class, alternations and concatenations of them).
func exact(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if s := strings.ToLower(string(r)); !slices.Contains(out, s) {
					out = append(out, s)
				}
				if len(out) > 8 {
					return nil, false
				}
			}
		}
		return out, len(out) > 0
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := exact(re.Sub[0])
		if !ok || slices.Contains(sub, "") {
			return sub, ok
		}
		return append(sub, ""), true
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub, ok := exact(s)
			if !ok || len(out)+len(sub) > maxExact {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			sub, ok := exact(s)
			if !ok {
				return nil, false
			}
			if out = cross(out, sub); out == nil {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// cross returns every a+b, or nil when there would be more than maxExact.
func cross(as, bs []string) []string {
	if len(as)*len(bs) > maxExact {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	return out
}

// requiredLiterals returns groups of literals such that every match of re
// contains one literal of each group, or nil when it cannot tell.
func requiredLiterals(re *syntax.Regexp) [][]lit {
	if set, ok := exact(re); ok {
		return group(toLits(set, false, false))
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		// Every part is required. Runs of exact parts give whole strings
		// ("he" + " " + "will"); other parts give their own groups.
		var out [][]lit
		subs := re.Sub
		for i := 0; i < len(subs); {
			set, ok := exact(subs[i])
			if !ok {
				out = append(out, requiredLiterals(subs[i])...)
				i++
				continue
			}
			j := i + 1
			for j < len(subs) {
				next, ok := exact(subs[j])
				if !ok {
					break
				}
				joined := cross(set, next)
				if joined == nil {
					break
				}
				set = joined
				j++
			}
			start := i > 0 && subs[i-1].Op == syntax.OpWordBoundary
			end := j < len(subs) && subs[j].Op == syntax.OpWordBoundary
			out = append(out, group(toLits(set, start, end))...)
			i = j
		}
		return out
	case syntax.OpAlternate:
		// One branch matches: its most selective group joins the union.
		var union []lit
		for _, s := range re.Sub {
			best := bestGroup(requiredLiterals(s))
			if best == nil {
				return nil
			}
			union = append(union, best...)
		}
		return [][]lit{union}
	}
	return nil
}

// group wraps a non-nil literal set as a single group.
func group(ls []lit) [][]lit {
	if ls == nil {
		return nil
	}
	return [][]lit{ls}
}

// bestGroup returns the group whose shortest literal is longest.
func bestGroup(groups [][]lit) []lit {
	var best []lit
	for _, g := range groups {
		if best == nil || shortest(g) > shortest(best) {
			best = g
		}
	}
	return best
}

// toLits turns an exact set into literals; nil if one is empty (then the
// pattern may match without any of them).
func toLits(set []string, start, end bool) []lit {
	out := make([]lit, 0, len(set))
	for _, s := range set {
		if s == "" {
			return nil
		}
		out = append(out, lit{s: s, start: start, end: end})
	}
	return out
}

func shortest(ls []lit) int {
	n := -1
	for _, l := range ls {
		if n < 0 || len(l.s) < n {
			n = len(l.s)
		}
	}
	return n
}
