// Package templates holds the role catalogue (job-description wording kept as
// YAML data) and renders a role's description from form values into Slack
// Block Kit blocks, Markdown and plain text.
//
// Built-in roles live in roles/*.yaml, embedded in the binary; a folder of
// role files given to Load replaces or adds roles by id. The wording uses a
// small mini-language described in roles/README.md.
package templates

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidRole is wrapped by every error Load returns for a broken role
// file; errors.As with *FileError gives the file and line.
var ErrInvalidRole = errors.New("invalid role file")

// SlackTextLimit is the most characters a Slack text input or section takes;
// a text field with MaxLength 0 is limited to it.
const SlackTextLimit = 3000

// MaxFields is the most fields a role may have, so that its modal stays well
// inside Slack's 100-block limit.
const MaxFields = 24

// Kind is the input kind of a field.
type Kind string

// Field kinds.
const (
	ShortText    Kind = "short_text"
	LongText     Kind = "long_text"
	Number       Kind = "number"
	SingleChoice Kind = "choice"
	MultiChoice  Kind = "multi_choice"
)

// Choice is one option of a choice or multi_choice field. Value is what
// Values holds; Label is what people see.
type Choice struct {
	Value string
	Label string
}

// Field describes one input of a role's form.
type Field struct {
	ID, Label, Hint, Placeholder string
	Kind                         Kind
	Required                     bool
	MaxLength                    int // text kinds; 0 means SlackTextLimit
	Min, Max                     int // number kind (whole numbers)
	Choices                      []Choice
	Default                      string // multi_choice: values joined with ","
	Group                        string // heading the modal shows the field under
}

// Limit returns the most characters a text field takes: MaxLength, or
// SlackTextLimit when MaxLength is 0.
func (f Field) Limit() int {
	if f.MaxLength > 0 {
		return f.MaxLength
	}
	return SlackTextLimit
}

// Values maps field id to value. A multi_choice value is its choice values
// joined with ","; a number is its decimal digits.
type Values map[string]string

// Role is one job role: its form fields and its description wording.
// A Role from a Catalog is shared and must not be modified.
type Role struct {
	ID      string // e.g. "account-manager"
	Name    string // e.g. "Account Manager"
	Summary string // one line for help texts
	Prefix  string // draft-id prefix, e.g. "AM"
	Fields  []Field

	text    roleText
	checks  []check
	example Values
	file    string
}

// check is a rule between two number fields: Field must not be above NotAbove.
type check struct {
	field, notAbove, message string
}

// Field returns the field with the given id, or false when there is none.
func (r *Role) Field(id string) (Field, bool) {
	for _, f := range r.Fields {
		if f.ID == id {
			return f, true
		}
	}
	return Field{}, false
}

// fieldIndex returns the position in r.Fields of the field with the given
// id, as Field finds it, or -1 when there is none.
func (r *Role) fieldIndex(id string) int {
	for i := range r.Fields {
		if r.Fields[i].ID == id {
			return i
		}
	}
	return -1
}

// Validate checks v against the field definitions and the role's rules and
// returns field id → a message ready to show beside that input, or nil when
// v is valid. A missing key counts as the field's default; unknown keys are
// ignored. Validate does not modify v.
func (r *Role) Validate(v Values) map[string]string {
	var errs map[string]string
	add := func(id, msg string) {
		if errs == nil {
			errs = make(map[string]string)
		}
		if _, ok := errs[id]; !ok {
			errs[id] = msg
		}
	}
	for _, f := range r.Fields {
		raw, ok := v[f.ID]
		if !ok {
			raw = f.Default
		}
		if msg := validateValue(f, raw); msg != "" {
			add(f.ID, msg)
		}
	}
	for _, c := range r.checks {
		if _, bad := errs[c.field]; bad {
			continue
		}
		if _, bad := errs[c.notAbove]; bad {
			continue
		}
		a, okA := parseWhole(effective(r, v, c.field))
		b, okB := parseWhole(effective(r, v, c.notAbove))
		if okA && okB && a > b {
			add(c.field, c.message)
		}
	}
	return errs
}

// effective returns v's value for id, or the field's default when missing.
func effective(r *Role, v Values, id string) string {
	if s, ok := v[id]; ok {
		return s
	}
	f, _ := r.Field(id)
	return f.Default
}

// validateValue returns the message for one field's value, or "".
func validateValue(f Field, raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		if f.Required {
			return f.Label + " is required"
		}
		return ""
	}
	switch f.Kind {
	case ShortText, LongText:
		if n := utf8.RuneCountInString(s); n > f.Limit() {
			return fmt.Sprintf("%s must be %s characters or fewer (it has %s)", f.Label, group(int64(f.Limit())), group(int64(n)))
		}
	case Number:
		n, ok := parseWhole(s)
		if !ok || n < int64(f.Min) || n > int64(f.Max) {
			return fmt.Sprintf("%s must be a whole number from %s to %s", f.Label, group(int64(f.Min)), group(int64(f.Max)))
		}
	case SingleChoice:
		if _, ok := matchChoice(f, s); !ok {
			return fmt.Sprintf("%s must be one of %s", f.Label, joinList(choiceLabels(f), "or"))
		}
	case MultiChoice:
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			if _, ok := matchChoice(f, part); !ok {
				return fmt.Sprintf("%s can only include %s", f.Label, joinList(choiceLabels(f), "or"))
			}
		}
	}
	return ""
}

func choiceLabels(f Field) []string {
	out := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		out[i] = c.Label
	}
	return out
}

// matchChoice finds the choice whose value or label equals s, ignoring case.
func matchChoice(f Field, s string) (Choice, bool) {
	for _, c := range f.Choices {
		if c.Value == s {
			return c, true
		}
	}
	for _, c := range f.Choices {
		if strings.EqualFold(c.Value, s) || strings.EqualFold(c.Label, s) {
			return c, true
		}
	}
	return Choice{}, false
}

// Normalize returns a new Values holding every field of the role: spaces
// trimmed, missing fields set to their defaults, numbers written as plain
// digits ("60,000" → "60000"), choices written as their values (a label or a
// different case is accepted), multi_choice values de-duplicated in the
// role's order, and unknown keys dropped. Values it cannot make sense of are
// kept as typed, for Validate to report.
func (r *Role) Normalize(v Values) Values {
	out := make(Values, len(r.Fields))
	for _, f := range r.Fields {
		raw, ok := v[f.ID]
		if !ok {
			raw = f.Default
		}
		out[f.ID] = normalizeValue(f, raw)
	}
	return out
}

func normalizeValue(f Field, raw string) string {
	s := strings.TrimSpace(raw)
	switch f.Kind {
	case LongText:
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	case Number:
		if n, ok := parseWhole(s); ok {
			s = strconv.FormatInt(n, 10)
		}
	case SingleChoice:
		if c, ok := matchChoice(f, s); ok {
			s = c.Value
		}
	case MultiChoice:
		picked, seen := make(map[string]bool), make(map[string]bool)
		var unknown []string
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			if c, ok := matchChoice(f, part); ok {
				picked[c.Value] = true
			} else if !seen[part] {
				seen[part] = true // unknown values are kept once each
				unknown = append(unknown, part)
			}
		}
		var vals []string
		for _, c := range f.Choices {
			if picked[c.Value] {
				vals = append(vals, c.Value)
			}
		}
		s = strings.Join(append(vals, unknown...), ",")
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Example returns a copy of the role's built-in sample values, normalised.
func (r *Role) Example() Values {
	return r.Normalize(r.example)
}

// parseWhole parses a whole number, allowing thousands separators
// ("60,000", "60 000", "60_000"). ok is false for anything else.
func parseWhole(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	plain := true
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case (r == '-' || r == '+') && i == 0:
		case r == ',' || r == '_' || r == ' ' || r == '\u00a0' || r == '\u202f':
			plain = false
		default:
			return 0, false
		}
	}
	if !plain {
		s = strings.Map(func(r rune) rune {
			if (r >= '0' && r <= '9') || r == '-' || r == '+' {
				return r
			}
			return -1 // a separator
		}, s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// group writes n with thousands commas: 60000 → "60,000".
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Render renders the description for v (normalised first, so raw form
// values are fine). Empty optional fields remove exactly the words that
// depend on them. It returns an error only when the role's text cannot be
// executed, which Load's checks rule out.
func (r *Role) Render(v Values) (out Rendered, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = Rendered{}, fmt.Errorf("render role %q: %v: %w", r.ID, p, ErrRender)
		}
	}()
	return newRenderContext(r, v).render(), nil
}

// ErrRender is wrapped by Render's errors.
var ErrRender = errors.New("cannot render description")

// renderContext supplies field values to the mini-language for one Render
// and collects the description's texts.
type renderContext struct {
	role *Role
	vals []string // the normalised value of each of role.Fields (see Normalize)
	// shown[k] is the text of placeholder slot k (see bindText) once
	// known[k] is set: a field such as serves appears in many lines.
	shown []string
	known []bool
	// out holds every text of the description one after another; render
	// cuts the texts from it rather than allocating each. Lines are
	// rendered in line, and a section's heading in heading, until they
	// are known to be kept.
	out           strings.Builder
	line, heading []byte
}

// span is where one text lies in renderContext.out.
type span struct{ start, end int }

func newRenderContext(r *Role, v Values) *renderContext {
	c := &renderContext{
		role:  r,
		vals:  make([]string, len(r.Fields)),
		shown: make([]string, r.text.slots),
		known: make([]bool, r.text.slots),
	}
	size := r.text.size / 2 // most lines are for another level
	for i := range r.Fields {
		f := &r.Fields[i]
		raw, ok := v[f.ID]
		if !ok {
			raw = f.Default
		}
		c.vals[i] = normalizeValue(*f, raw)
		size += 2 * len(c.vals[i])
	}
	c.out.Grow(size)
	c.line, c.heading = make([]byte, 0, 512), make([]byte, 0, 128)
	return c
}

// sectionSpans is a kept section: its heading and where its paragraphs
// and then its bullets lie in the list of items.
type sectionSpans struct {
	heading               span
	first, paras, bullets int
}

func (c *renderContext) render() Rendered {
	t := &c.role.text
	title, ok := c.text(t.title)
	if !ok {
		title = c.add(c.role.Name)
	}
	intro := c.sentences(t.intro)
	secs := make([]sectionSpans, 0, len(t.sections))
	items := make([]span, 0, t.items)
	for _, st := range t.sections {
		var heading []byte
		if c.when(st.heading.when) {
			c.heading, ok = c.renderInto(c.heading, st.heading.nodes)
			if ok {
				heading = c.heading
			}
		}
		first := len(items)
		items = c.items(items, st.paragraphs)
		paras := len(items) - first
		items = c.items(items, st.bullets)
		if len(items) == first {
			continue
		}
		secs = append(secs, sectionSpans{c.write(heading), first, paras, len(items) - first - paras})
	}

	all := c.out.String()
	text := func(s span) string { return all[s.start:s.end] }
	out := Rendered{Title: text(title), Intro: text(intro)}
	if len(secs) == 0 {
		return out
	}
	texts := make([]string, len(items))
	for i, s := range items {
		texts[i] = text(s)
	}
	out.Sections = make([]Section, len(secs))
	for i, s := range secs {
		sec := &out.Sections[i]
		sec.Heading = text(s.heading)
		if s.paras > 0 {
			sec.Paragraphs = texts[s.first : s.first+s.paras : s.first+s.paras]
		}
		if s.bullets > 0 {
			end := s.first + s.paras + s.bullets
			sec.Bullets = texts[s.first+s.paras : end : end]
		}
	}
	return out
}

// add appends s to out as a text of its own.
func (c *renderContext) add(s string) span {
	start := c.out.Len()
	c.out.WriteString(s)
	return span{start, c.out.Len()}
}

// write appends b to out as a text of its own.
func (c *renderContext) write(b []byte) span {
	start := c.out.Len()
	c.out.Write(b)
	return span{start, c.out.Len()}
}

// renderInto renders a line's nodes (see renderLine) into buf[:0] and returns
// the result, or false when the line is dropped or empty.
func (c *renderContext) renderInto(buf []byte, nodes []node) ([]byte, bool) {
	b, ok := appendNodes(buf[:0], nodes, c, "")
	if ok {
		b = tidy(b, 0)
	}
	return b, ok && len(b) > 0
}

// text renders one line into out, or reports false when it is dropped or
// empty.
func (c *renderContext) text(l textLine) (span, bool) {
	if !c.when(l.when) {
		return span{}, false
	}
	return c.nodes(l.nodes)
}

// nodes renders a line's nodes into out, or reports false when the line
// is dropped or empty.
func (c *renderContext) nodes(nodes []node) (span, bool) {
	var ok bool
	if c.line, ok = c.renderInto(c.line, nodes); !ok {
		return span{}, false
	}
	return c.write(c.line), true
}

// sentences renders lines into out, joining the kept ones with spaces.
func (c *renderContext) sentences(lines []textLine) span {
	start := c.out.Len()
	for _, l := range lines {
		if !c.when(l.when) {
			continue
		}
		var ok bool
		if c.line, ok = c.renderInto(c.line, l.nodes); ok {
			if c.out.Len() > start {
				c.out.WriteByte(' ')
			}
			c.out.Write(c.line)
		}
	}
	return span{start, c.out.Len()}
}

// items renders paragraph or bullet items into out, appending them to dst.
func (c *renderContext) items(dst []span, lines []textLine) []span {
	for _, l := range lines {
		switch {
		case !c.when(l.when):
		case l.eachLine != "":
			eachLine(c.fieldValue(l.eachFi), func(item string) { dst = append(dst, c.add(item)) })
		case l.sentences != nil:
			if s := c.sentences(l.sentences); s.end > s.start {
				dst = append(dst, s)
			}
		default:
			if s, ok := c.nodes(l.nodes); ok {
				dst = append(dst, s)
			}
		}
	}
	return dst
}

// fieldValue returns the normalised value of field number fi, or "" for -1.
func (c *renderContext) fieldValue(fi int) string {
	if fi < 0 {
		return ""
	}
	return c.vals[fi]
}

// when reports whether every condition holds.
func (c *renderContext) when(conds []condition) bool {
	for i := range conds {
		if !c.holds(&conds[i]) {
			return false
		}
	}
	return true
}

func (c *renderContext) holds(cond *condition) bool {
	raw := c.fieldValue(cond.fi)
	var n int64
	parsed, nOK := false, false
	for k, alt := range cond.alts {
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
		switch cond.kind {
		case Number:
			if !parsed {
				n, nOK = parseWhole(raw)
				parsed = true
			}
			if a := cond.nums[k]; a.ok && nOK && a.n == n {
				return true
			}
		case MultiChoice:
			for part := range strings.SplitSeq(raw, ",") {
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

// value implements valueSource, remembering each placeholder's text.
func (c *renderContext) value(n *node) string {
	if !c.known[n.slot] {
		c.shown[n.slot], c.known[n.slot] = c.displayValue(n.fi, n.filters), true
	}
	return c.shown[n.slot]
}

// display returns the text of field id through filters, as a placeholder
// shows it, or "" for an unknown field.
func (c *renderContext) display(id string, filters []string) string {
	return c.displayValue(c.role.fieldIndex(id), filters)
}

// displayValue returns the text of field number fi (-1 for none) through
// filters.
func (c *renderContext) displayValue(fi int, filters []string) string {
	if fi < 0 {
		return ""
	}
	f := &c.role.Fields[fi]
	raw := c.vals[fi]
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
		if n, ok := parseWhole(raw); ok {
			s = group(n)
			if n == 0 && contains(filters, "nonzero") {
				s = ""
			}
		} else {
			s = cleanInline(raw)
		}
	case SingleChoice, MultiChoice:
		var items []string
		for part := range strings.SplitSeq(raw, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			if ch, ok := matchChoice(*f, part); ok && !useValue {
				part = ch.Label
			}
			if part = cleanInline(part); part != "" {
				items = append(items, part)
			}
		}
		s = joinList(items, conj)
	default:
		s = cleanInline(raw)
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

// cleanInline strips control characters and collapses white space, so a
// value fits on one line.
func cleanInline(s string) string {
	return collapseSpace(stripControl(s, false))
}

// stripControl removes control and format characters (keeping newlines when
// keepNewlines), so no value can smuggle in markers or odd layout.
func stripControl(s string, keepNewlines bool) string {
	if !hasBadRune(s, keepNewlines) {
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

// hasBadRune reports whether s has a rune badRune reports. It reads
// eight bytes at a time while they are ASCII.
func hasBadRune(s string, keepNewlines bool) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := le64(s[i:])
		if x&highs != 0 {
			break // s[:i] is ASCII, so s[i:] starts a character
		}
		bad := ^(x+(0x80-' ')*ones)&highs | asciiEqual(x, 0x7f) // controls and DEL
		if keepNewlines {
			bad &^= asciiEqual(x, '\n')
		}
		if bad != 0 {
			return true
		}
	}
	for _, r := range s[i:] {
		if badRune(r, keepNewlines) {
			return true
		}
	}
	return false
}

func badRune(r rune, keepNewlines bool) bool {
	if r == '\n' {
		return !keepNewlines
	}
	if r < utf8.RuneSelf {
		return r < ' ' || r == 0x7f // the ASCII controls; no format characters
	}
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// splitLines turns a long text into items, one per non-empty line, without
// the bullet marks people type ("- ", "* ", "• ", "1. ").
func splitLines(s string) []string {
	var out []string
	eachLine(s, func(l string) { out = append(out, l) })
	return out
}

// eachLine calls fn with each item splitLines returns, in order.
func eachLine(s string, fn func(string)) {
	for l := range strings.SplitSeq(stripControl(s, true), "\n") {
		l = collapseSpace(l)
		l = strings.TrimSpace(strings.TrimLeft(l, "-*•·–—+ "))
		if i := strings.IndexAny(l, ".)"); i > 0 && i <= 3 && isDigits(l[:i]) && len(l) > i+1 && l[i+1] == ' ' {
			l = strings.TrimSpace(l[i+1:])
		}
		if l != "" {
			fn(l)
		}
	}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Catalog is an immutable set of roles, safe for concurrent use.
type Catalog struct {
	roles map[string]*Role
}

// Role returns the role with the given id, or false when there is none.
func (c *Catalog) Role(id string) (*Role, bool) {
	r, ok := c.roles[id]
	return r, ok
}

// Roles returns all roles sorted by id.
func (c *Catalog) Roles() []*Role {
	out := make([]*Role, 0, len(c.roles))
	for _, r := range c.roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Closest returns the id of the role nearest to id — a typo, a different
// case, spaces for hyphens, a prefix or the role's name — or "" when no role
// is close enough to suggest.
func (c *Catalog) Closest(id string) string {
	q := strings.ToLower(strings.TrimSpace(id))
	q = strings.Join(strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), "-")
	if q == "" {
		return ""
	}
	ids := make([]string, 0, len(c.roles))
	for rid := range c.roles {
		ids = append(ids, rid)
	}
	sort.Strings(ids)
	for _, rid := range ids {
		name := strings.ToLower(strings.Join(strings.Fields(c.roles[rid].Name), "-"))
		if rid == q || name == q {
			return rid
		}
	}
	if len(q) >= 2 {
		var hit string
		for _, rid := range ids {
			if strings.HasPrefix(rid, q) {
				if hit != "" {
					hit = "" // ambiguous prefix: fall through to edit distance
					break
				}
				hit = rid
			}
		}
		if hit != "" {
			return hit
		}
	}
	return closest(q, ids)
}

// closest returns the candidate within a sensible edit distance of s
// (about a third of its length, at least 1, at most 3), or "".
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	limit := min(max(utf8.RuneCountInString(s)/3, 1), 3)
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 200 || len(rb) > 200 {
		return 1 << 20
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
