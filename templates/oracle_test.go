package templates

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// This file keeps Render as it was before it was made faster: the fuzz
// target below compares the fast code with it on any input.

// oldRender is the original Render, without the panic recovery.
func oldRender(r *Role, v Values) Rendered {
	c := &oldContext{role: r, vals: r.Normalize(v)}
	return c.render()
}

type oldContext struct {
	role  *Role
	vals  Values
	cache map[string]string
}

func (c *oldContext) render() Rendered {
	t := &c.role.text
	var out Rendered
	if s, ok := c.line(t.title); ok {
		out.Title = s
	} else {
		out.Title = c.role.Name
	}
	out.Intro = c.sentences(t.intro)
	for _, st := range t.sections {
		var sec Section
		if h, ok := c.line(st.heading); ok {
			sec.Heading = h
		}
		sec.Paragraphs = c.items(st.paragraphs)
		sec.Bullets = c.items(st.bullets)
		if len(sec.Paragraphs) == 0 && len(sec.Bullets) == 0 {
			continue
		}
		out.Sections = append(out.Sections, sec)
	}
	return out
}

func (c *oldContext) line(l textLine) (string, bool) {
	if !c.when(l.when) {
		return "", false
	}
	return oldRenderLine(l.nodes, c)
}

func (c *oldContext) sentences(lines []textLine) string {
	var kept []string
	for _, l := range lines {
		if s, ok := c.line(l); ok {
			kept = append(kept, s)
		}
	}
	return strings.Join(kept, " ")
}

func (c *oldContext) items(lines []textLine) []string {
	var out []string
	for _, l := range lines {
		switch {
		case !c.when(l.when):
		case l.eachLine != "":
			out = append(out, oldSplitLines(c.vals[l.eachLine])...)
		case l.sentences != nil:
			if s := c.sentences(l.sentences); s != "" {
				out = append(out, s)
			}
		default:
			if s, ok := oldRenderLine(l.nodes, c); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func (c *oldContext) when(conds []condition) bool {
	for _, cond := range conds {
		if !c.holds(cond) {
			return false
		}
	}
	return true
}

func (c *oldContext) holds(cond condition) bool {
	f, _ := c.role.Field(cond.field)
	raw := c.vals[cond.field]
	for _, alt := range cond.alts {
		switch alt {
		case condEmpty:
			if raw == "" {
				return true
			}
			continue
		case condSet:
			if raw != "" {
				return true
			}
			continue
		}
		switch f.Kind {
		case Number:
			a, okA := oldParseWhole(alt)
			b, okB := oldParseWhole(raw)
			if okA && okB && a == b {
				return true
			}
		case MultiChoice:
			for _, part := range strings.Split(raw, ",") {
				if part == alt {
					return true
				}
			}
		default:
			if raw == alt {
				return true
			}
		}
	}
	return false
}

func (c *oldContext) display(id string, filters []string) string {
	key := id
	if len(filters) > 0 {
		key = id + "|" + strings.Join(filters, "|")
	}
	if s, ok := c.cache[key]; ok {
		return s
	}
	s := c.displayValue(id, filters)
	if c.cache == nil {
		c.cache = make(map[string]string)
	}
	c.cache[key] = s
	return s
}

func (c *oldContext) displayValue(id string, filters []string) string {
	f, ok := c.role.Field(id)
	if !ok {
		return ""
	}
	raw := c.vals[id]
	useValue, conj := false, "and"
	for _, fl := range filters {
		switch fl {
		case "value":
			useValue = true
		case "or":
			conj = "or"
		}
	}
	var s string
	switch f.Kind {
	case Number:
		if n, ok := oldParseWhole(raw); ok {
			s = group(n)
			if n == 0 && contains(filters, "nonzero") {
				s = ""
			}
		} else {
			s = oldCollapseSpace(stripControl(raw, false))
		}
	case SingleChoice, MultiChoice:
		var items []string
		for _, part := range strings.Split(raw, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if ch, ok := matchChoice(f, part); ok && !useValue {
				part = ch.Label
			}
			if part = oldCollapseSpace(stripControl(part, false)); part != "" {
				items = append(items, part)
			}
		}
		s = joinList(items, conj)
	default:
		s = oldCollapseSpace(stripControl(raw, false))
	}
	if s == "" {
		return ""
	}
	for _, fl := range filters {
		switch fl {
		case "lower":
			s = strings.ToLower(s)
		case "a":
			s = article(s) + " " + s
		}
	}
	return s
}

func oldRenderLine(nodes []node, c *oldContext) (string, bool) {
	var b strings.Builder
	if !oldRenderNodes(&b, nodes, c, "") {
		return "", false
	}
	out := oldTidy(b.String())
	return out, out != ""
}

func oldRenderNodes(b *strings.Builder, nodes []node, c *oldContext, follow string) bool {
	for i, n := range nodes {
		next := follow
		if i+1 < len(nodes) {
			next = nextText(nodes[i+1:])
		}
		switch {
		case n.isGroup:
			var g strings.Builder
			if oldRenderNodes(&g, n.group, c, next) {
				b.WriteString(g.String())
			} else {
				b.WriteRune(dropMark)
			}
		case n.field != "":
			v := c.display(n.field, n.filters)
			if strings.HasPrefix(next, ".") {
				v = strings.TrimRight(v, ".")
			}
			if v == "" {
				return false
			}
			b.WriteString(v)
		default:
			b.WriteString(n.text)
		}
	}
	return true
}

func oldTidy(s string) string {
	if strings.ContainsRune(s, dropMark) {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] != dropMark {
				b.WriteByte(s[i])
				continue
			}
			j := i + 1
			for j < len(s) && (s[j] == ' ' || s[j] == dropMark) {
				j++
			}
			if j == len(s) || strings.IndexByte(".,;:!?)", s[j]) >= 0 {
				cur := strings.TrimRight(b.String(), " ")
				b.Reset()
				b.WriteString(cur)
				i = j - 1
			}
		}
		s = b.String()
	}
	return oldCollapseSpace(s)
}

func oldCollapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func oldSplitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(stripControl(s, true), "\n") {
		l = oldCollapseSpace(l)
		l = strings.TrimSpace(strings.TrimLeft(l, "-*•·–—+ "))
		if i := strings.IndexAny(l, ".)"); i > 0 && i <= 3 && isDigits(l[:i]) && len(l) > i+1 && l[i+1] == ' ' {
			l = strings.TrimSpace(l[i+1:])
		}
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func oldParseWhole(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case (r == '-' || r == '+') && i == 0:
			b.WriteRune(r)
		case r == ',' || r == '_' || r == ' ' || r == '\u00a0' || r == '\u202f':
		default:
			return 0, false
		}
	}
	n, err := strconv.ParseInt(b.String(), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// checkSameRender fails unless Render gives for v exactly what the
// original gave.
func checkSameRender(t *testing.T, r *Role, v Values) {
	t.Helper()
	got, err := r.Render(v)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if want := oldRender(r, v); !reflect.DeepEqual(got, want) {
		t.Fatalf("Render(%q) =\n%#v\nwant\n%#v", v, got, want)
	}
}

func TestRenderMatchesTheOriginal(t *testing.T) {
	_, r := loadBuiltin(t)
	for _, level := range append(levels, "", "principal") {
		t.Run(level, func(t *testing.T) {
			checkSameRender(t, r, levelSample(r, level))
			checkSameRender(t, r, everyField(r, level))
			checkSameRender(t, r, Values{"level": level})
		})
	}
}

func FuzzRenderMatchesTheOriginal(f *testing.F) {
	_, r := loadBuiltin(f)
	for _, s := range fuzzSeeds() {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9])
	}
	f.Fuzz(func(t *testing.T, level, serves, company, bio, product, years, salMin, salMax, location, extra string) {
		checkSameRender(t, r, fuzzValues(level, serves, company, bio, product, years, salMin, salMax, location, extra))
	})
}

func FuzzTidyMatchesTheOriginal(f *testing.F) {
	for _, s := range []string{"", " ", "a  b", " a\tb\n", "in \x00Paris", "work\x00 .", "x \x00 \x00, y", "é\u00a0 ü\u2003x ", "\xff \xfe\x00",
		"abcdefg  hijklmnop", "abcdefgh  ijklmnop", "abcdefgh ijklmnop ", " abcdefghijklmnop", "abcdefghijklmno\tp", "abc\rdefghijklmnop",
		"abcdefgh\x0bijklmnop", "abcdefgh\x0eijklmnop", "abcdefgh\x08ijklmnop", "abcdefg\u00a0hijklmnop", "abcd – efgh ijkl – mnop",
		"one two three four five six seven eight nine ten eleven twelve", "abcdefg \x00 hijklmnop", "abcdefgh\x00. ijklmnop"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(tidy([]byte("keep"+s), 4)), "keep"+oldTidy(s); got != want {
			t.Fatalf("tidy(%q) = %q, want %q", s, got[4:], want[4:])
		}
	})
}

// oldStripControl is stripControl before its clean check read eight bytes
// at a time.
func oldStripControl(s string, keepNewlines bool) string {
	clean := true
	for _, r := range s {
		if badRune(r, keepNewlines) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t' || (r == '\n' && !keepNewlines):
			b.WriteByte(' ')
		case badRune(r, keepNewlines):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkSameClean fails unless collapseInPlace, needsCollapse,
// collapseSpace and stripControl do to s what the originals did.
func checkSameClean(t *testing.T, s string) {
	t.Helper()
	want := oldCollapseSpace(s)
	if got := string(collapseInPlace([]byte(s))); got != want {
		t.Fatalf("collapseInPlace(%q) = %q, want %q", s, got, want)
	}
	if got := collapseSpace(s); got != want {
		t.Fatalf("collapseSpace(%q) = %q, want %q", s, got, want)
	}
	if got := needsCollapse(s); got != (want != s) {
		t.Fatalf("needsCollapse(%q) = %v, want %v", s, got, want != s)
	}
	for _, keep := range []bool{false, true} {
		if got, want := stripControl(s, keep), oldStripControl(s, keep); got != want {
			t.Fatalf("stripControl(%q, %v) = %q, want %q", s, keep, got, want)
		}
	}
}

// TestCleanMatchesTheOriginal puts each kind of white space (and a few
// bytes next to it) at every position of lines long enough for
// the eight-byte steps, alone and doubled, and compares the white space
// and control character clean-up with the original.
func TestCleanMatchesTheOriginal(t *testing.T) {
	base := "abcdefghijklmnopqrstuvwxyz0123456789ABCD"
	spaced := "ab cd ef gh ij kl mn op qr st uv wx yz 01 23"
	for _, ins := range []string{" ", "  ", "\t", "\n", "\v", "\f", "\r", "\x00", "\x08", "\x0e", "\x1f", "\x7f", "!", "~",
		"\u00a0", "\u2003", "\u2028", "\u200b", "\u00ad", "–", "é", "\xff", "\x85", "\u0085"} {
		t.Run(fmt.Sprintf("%q", ins), func(t *testing.T) {
			for _, line := range []string{base, spaced} {
				for i := 0; i <= len(line); i++ {
					for _, s := range []string{line[:i] + ins + line[i:], line[:i] + ins, ins + line[i:], line[:i] + ins + ins + line[i:]} {
						checkSameClean(t, s)
					}
				}
			}
		})
	}
}

func FuzzCleanMatchesTheOriginal(f *testing.F) {
	for _, s := range []string{"", " ", "abcdefgh  ijklmnop", "abcdefgh\tijklmnop ", "abcdefgh\x7fijklmnop", "abcdefgh\nijklmnop\u00a0x", "\xff\xfeabcdefghijklmnop\x00"} {
		f.Add(s)
	}
	f.Fuzz(checkSameClean)
}
