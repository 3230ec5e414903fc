package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

//go:embed roles/*.yaml
var builtinRoles embed.FS

// FileError is one problem in a role file. Load's error wraps one or more
// of them (errors.As finds the first) and ErrInvalidRole.
type FileError struct {
	File string // path as given to Load, or roles/NAME.yaml for a built-in
	Line int    // 1-based; 0 when the problem concerns the whole file
	Msg  string
}

// Error returns "file:line: problem".
func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Unwrap returns ErrInvalidRole.
func (e *FileError) Unwrap() error { return ErrInvalidRole }

// maxProblems caps how many problems one file reports.
const maxProblems = 10

// Load returns a catalogue of the built-in roles, with every *.yaml or
// *.yml file in dir ("" for none) replacing the built-in role with the same
// id or adding a new one. Any problem — an unreadable folder, a broken or
// inconsistent file, two files with one id — fails the whole load: the
// error lists each problem as "file:line: problem" (see FileError) and the
// catalogue is nil, never half-loaded.
func Load(dir string) (*Catalog, error) {
	roles := make(map[string]*Role)
	names, err := fs.Glob(builtinRoles, "roles/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list built-in roles: %w", err)
	}
	for _, name := range names {
		data, err := builtinRoles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read built-in role %s: %w", name, err)
		}
		r, err := parseRole(name, data)
		if err != nil {
			return nil, err
		}
		if prev, ok := roles[r.ID]; ok {
			return nil, &FileError{File: name, Msg: fmt.Sprintf("role id %q is already defined in %s", r.ID, prev.file)}
		}
		roles[r.ID] = r
	}
	if dir == "" {
		return &Catalog{roles: roles}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read templates folder %s: %w", dir, err)
	}
	overrides := make(map[string]*Role)
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read role file: %w", err)
		}
		r, err := parseRole(file, data)
		if err != nil {
			return nil, err
		}
		if prev, ok := overrides[r.ID]; ok {
			return nil, &FileError{File: file, Msg: fmt.Sprintf("role id %q is already defined in %s", r.ID, prev.file)}
		}
		overrides[r.ID] = r
	}
	for id, r := range overrides {
		roles[id] = r
	}
	return &Catalog{roles: roles}, nil
}

// ---- the YAML shape of a role file ----

type roleFile struct {
	ID      string     `yaml:"id"`
	Name    string     `yaml:"name"`
	Summary string     `yaml:"summary"`
	Prefix  string     `yaml:"prefix"`
	Fields  []fieldDef `yaml:"fields"`
	Checks  []checkDef `yaml:"checks"`
	Example exampleDef `yaml:"example"`
	Text    textDef    `yaml:"text"`
}

type fieldDef struct {
	line        int
	ID          string      `yaml:"id"`
	Label       string      `yaml:"label"`
	Hint        string      `yaml:"hint"`
	Placeholder string      `yaml:"placeholder"`
	Kind        string      `yaml:"kind"`
	Required    bool        `yaml:"required"`
	MaxLength   int         `yaml:"max_length"`
	Min         *int        `yaml:"min"`
	Max         *int        `yaml:"max"`
	Choices     []choiceDef `yaml:"choices"`
	Default     string      `yaml:"default"`
	Group       string      `yaml:"group"`
}

func (f *fieldDef) UnmarshalYAML(n *yaml.Node) error {
	type plain fieldDef
	f.line = n.Line
	return decodeStrict(n, "field", (*plain)(f))
}

type choiceDef struct {
	line  int
	Value string `yaml:"value"`
	Label string `yaml:"label"`
}

func (c *choiceDef) UnmarshalYAML(n *yaml.Node) error {
	type plain choiceDef
	c.line = n.Line
	return decodeStrict(n, "choice", (*plain)(c))
}

type checkDef struct {
	line     int
	Field    string `yaml:"field"`
	NotAbove string `yaml:"not_above"`
	Message  string `yaml:"message"`
}

func (c *checkDef) UnmarshalYAML(n *yaml.Node) error {
	type plain checkDef
	c.line = n.Line
	return decodeStrict(n, "check", (*plain)(c))
}

// exampleDef is a mapping of field id to value; a list becomes a
// multi_choice value joined with ",".
type exampleDef struct {
	line   int
	values Values
	lines  map[string]int
	order  []string
}

func (e *exampleDef) UnmarshalYAML(n *yaml.Node) error {
	e.line = n.Line
	if n.Kind != yaml.MappingNode {
		return typeErr(n.Line, "example must map field ids to sample values")
	}
	e.values, e.lines = make(Values), make(map[string]int)
	var problems []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		s, err := scalarOrList(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: example %q: %v", v.Line, k.Value, err))
			continue
		}
		e.values[k.Value] = s
		e.lines[k.Value] = k.Line
		e.order = append(e.order, k.Value)
	}
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	return nil
}

// scalarOrList returns a scalar's value, or a list of scalars joined by ",".
func scalarOrList(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "", nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return "", errors.New("want a value or a list of values")
			}
			parts = append(parts, c.Value)
		}
		return strings.Join(parts, ","), nil
	}
	return "", errors.New("want a value or a list of values")
}

type textDef struct {
	line     int
	Title    lineDef      `yaml:"title"`
	Intro    []lineDef    `yaml:"intro"`
	Sections []sectionDef `yaml:"sections"`
}

func (t *textDef) UnmarshalYAML(n *yaml.Node) error {
	type plain textDef
	t.line = n.Line
	return decodeStrict(n, "text", (*plain)(t))
}

type sectionDef struct {
	line       int
	Heading    lineDef   `yaml:"heading"`
	Paragraphs []lineDef `yaml:"paragraphs"`
	Bullets    []lineDef `yaml:"bullets"`
}

func (s *sectionDef) UnmarshalYAML(n *yaml.Node) error {
	type plain sectionDef
	s.line = n.Line
	return decodeStrict(n, "section", (*plain)(s))
}

// lineDef is a line of text: a plain string, or a mapping with exactly one
// of text, each_line or sentences, and an optional when.
type lineDef struct {
	line      int
	set       bool
	Text      *string   `yaml:"text"`
	EachLine  string    `yaml:"each_line"`
	Sentences []lineDef `yaml:"sentences"`
	When      whenDef   `yaml:"when"`
}

func (l *lineDef) UnmarshalYAML(n *yaml.Node) error {
	l.line, l.set = n.Line, true
	if n.Kind == yaml.ScalarNode {
		s := n.Value
		l.Text = &s
		return nil
	}
	type plain lineDef
	err := decodeStrict(n, "line of text (a string, or text/each_line/sentences with when)", (*plain)(l))
	l.line, l.set = n.Line, true
	return err
}

// whenDef maps field ids to accepted values: a comma-separated string or a
// list; "empty" and "set" test for an empty or non-empty field.
type whenDef struct {
	line  int
	conds []condition
	lines []int
}

func (w *whenDef) UnmarshalYAML(n *yaml.Node) error {
	w.line = n.Line
	if n.Kind != yaml.MappingNode {
		return typeErr(n.Line, "when must map field ids to values, e.g. when: {level: senior}")
	}
	var problems []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		s, err := scalarOrList(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: when %q: %v", v.Line, k.Value, err))
			continue
		}
		var alts []string
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				alts = append(alts, a)
			}
		}
		w.conds = append(w.conds, condition{field: k.Value, alts: alts})
		w.lines = append(w.lines, k.Line)
	}
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	return nil
}

// decodeStrict decodes a mapping node into out (a pointer to a struct),
// refusing keys the struct does not have — yaml's KnownFields does not
// reach inside custom unmarshalers.
func decodeStrict(n *yaml.Node, what string, out any) error {
	if n.Kind != yaml.MappingNode {
		return typeErr(n.Line, "%s must be a mapping of keys to values", what)
	}
	known := yamlKeys(reflect.TypeOf(out).Elem())
	var problems []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if contains(known, k.Value) {
			continue
		}
		msg := fmt.Sprintf("line %d: unknown key %q in %s", k.Line, k.Value, what)
		if s := closest(k.Value, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			msg += fmt.Sprintf(" (known keys: %s)", strings.Join(known, ", "))
		}
		problems = append(problems, msg)
	}
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	return n.Decode(out)
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}

func typeErr(line int, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)}}
}

// ---- compiled wording ----

// roleText is a role's compiled wording.
type roleText struct {
	title    textLine
	intro    []textLine
	sections []sectionText
	slots    int // distinct placeholders (see bindText)
	size     int // bytes of literal text in all lines
	items    int // room for the items of most renders: lines are mostly for one level
}

type sectionText struct {
	heading    textLine
	paragraphs []textLine
	bullets    []textLine
}

// textLine is a compiled line: nodes to render, or every line of a field
// (eachLine), or sentences joined into one paragraph; shown only when
// every condition holds.
type textLine struct {
	nodes     []node
	eachLine  string
	eachFi    int // eachLine's position in Role.Fields (see bindText)
	sentences []textLine
	when      []condition
}

// condition holds when the field's value is one of alts.
type condition struct {
	field string
	alts  []string
	// Set by bindText: the field's position in Role.Fields (-1 for none),
	// its kind, and for a number field each alt as a number.
	fi   int
	kind Kind
	nums []wholeNumber
}

// wholeNumber is what parseWhole gives for a string.
type wholeNumber struct {
	n  int64
	ok bool
}

// Keywords a condition may use instead of a value.
const (
	condEmpty = "empty"
	condSet   = "set"
)

// ---- parsing and checking a role file ----

var (
	roleIDPattern  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	fieldIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	prefixPattern  = regexp.MustCompile(`^[A-Z]{1,6}$`)
	yamlLineRe     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
)

// problems collects a file's problems with their lines.
type problems struct {
	file string
	list []*FileError
}

func (p *problems) add(line int, format string, args ...any) {
	p.list = append(p.list, &FileError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Line < p.list[j].Line })
	list := p.list
	var more int
	if len(list) > maxProblems {
		more = len(list) - maxProblems
		list = list[:maxProblems]
	}
	errs := make([]error, 0, len(list)+1)
	for _, e := range list {
		errs = append(errs, e)
	}
	if more > 0 {
		errs = append(errs, &FileError{File: p.file, Msg: fmt.Sprintf("and %d more problems", more)})
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// addYAML turns a yaml error into problems with lines.
func (p *problems) addYAML(err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, s := range te.Errors {
			p.addYAMLText(s)
		}
		return
	}
	p.addYAMLText(err.Error())
}

func (p *problems) addYAMLText(s string) {
	m := yamlLineRe.FindStringSubmatch(s)
	if m == nil {
		p.add(0, "%s", strings.TrimPrefix(s, "yaml: "))
		return
	}
	line, _ := strconv.Atoi(m[1])
	if strings.HasPrefix(s, "yaml: ") {
		// A syntax error: the parser names the line where the construct it
		// was reading began, which can be a line or two before the mistake.
		p.add(line, "YAML syntax error at or just after this line: %s", m[2])
		return
	}
	p.add(line, "%s", m[2])
}

// parseRole decodes and checks one role file.
func parseRole(file string, data []byte) (*Role, error) {
	p := &problems{file: file}
	if !utf8.Valid(data) {
		p.add(0, "file is not UTF-8 text")
		return nil, p.err()
	}
	var rf roleFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		if errors.Is(err, io.EOF) {
			p.add(0, "file is empty")
		} else {
			p.addYAML(err)
		}
		return nil, p.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		p.add(extra.Line, "a role file holds one role: remove the second YAML document")
		return nil, p.err()
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		p.addYAML(err)
		return nil, p.err()
	}
	keyLines := topKeyLines(&root)
	r := compileRole(&rf, keyLines, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	r.file = file
	return r, nil
}

// topKeyLines maps each top-level key to its line.
func topKeyLines(root *yaml.Node) map[string]int {
	lines := make(map[string]int)
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return lines
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		lines[n.Content[i].Value] = n.Content[i].Line
	}
	return lines
}

func compileRole(rf *roleFile, keyLines map[string]int, p *problems) *Role {
	r := &Role{
		ID:      strings.TrimSpace(rf.ID),
		Name:    strings.TrimSpace(rf.Name),
		Summary: strings.TrimSpace(rf.Summary),
		Prefix:  strings.TrimSpace(rf.Prefix),
	}
	need := func(key, val, pattern string, re *regexp.Regexp) {
		switch {
		case val == "":
			p.add(keyLines[key], "%s is missing", key)
		case re != nil && !re.MatchString(val):
			p.add(keyLines[key], "%s %q must be %s", key, val, pattern)
		}
	}
	need("id", r.ID, "lower-case letters, digits and single hyphens, e.g. account-manager", roleIDPattern)
	if len(r.ID) > 50 {
		p.add(keyLines["id"], "id must be 50 characters or fewer")
	}
	need("name", r.Name, "", nil)
	need("summary", r.Summary, "", nil)
	need("prefix", r.Prefix, "1 to 6 capital letters, e.g. AM", prefixPattern)
	if utf8.RuneCountInString(r.Summary) > 200 {
		p.add(keyLines["summary"], "summary must be 200 characters or fewer")
	}

	fieldLines := compileFields(r, rf.Fields, keyLines, p)
	compileChecks(r, rf.Checks, p)
	compileText(r, &rf.Text, keyLines, fieldLines, p)

	// The example must be valid, so `--example` and the goldens show a
	// complete description.
	r.example = make(Values)
	for _, id := range rf.Example.order {
		if _, ok := r.Field(id); !ok {
			p.add(rf.Example.lines[id], "example sets unknown field %q", id)
			continue
		}
		r.example[id] = rf.Example.values[id]
	}
	if len(p.list) == 0 {
		msgs := r.Validate(r.example)
		ids := make([]string, 0, len(msgs))
		for id := range msgs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			line := rf.Example.lines[id]
			if line == 0 {
				line = max(rf.Example.line, keyLines["example"])
			}
			p.add(line, "example value for %q is not valid: %s", id, msgs[id])
		}
	}
	return r
}

// compileFields checks and adds the fields, returning each id's line.
func compileFields(r *Role, defs []fieldDef, keyLines map[string]int, p *problems) map[string]int {
	if len(defs) == 0 {
		p.add(keyLines["fields"], "a role needs at least one field")
	}
	if len(defs) > MaxFields {
		p.add(keyLines["fields"], "a role has at most %d fields (a Slack modal holds 100 blocks); this one has %d", MaxFields, len(defs))
	}
	seen := make(map[string]int)
	lines := make(map[string]int)
	groupSeen := make(map[string]bool)
	prevGroup := ""
	for _, d := range defs {
		f := Field{
			ID:          strings.TrimSpace(d.ID),
			Label:       strings.TrimSpace(d.Label),
			Hint:        strings.TrimSpace(d.Hint),
			Placeholder: strings.TrimSpace(d.Placeholder),
			Kind:        Kind(strings.TrimSpace(d.Kind)),
			Required:    d.Required,
			MaxLength:   d.MaxLength,
			Default:     strings.TrimSpace(d.Default),
			Group:       strings.TrimSpace(d.Group),
		}
		switch {
		case f.ID == "":
			p.add(d.line, "field has no id")
		case !fieldIDPattern.MatchString(f.ID) || len(f.ID) > 50:
			p.add(d.line, "field id %q must start with a letter and hold only lower-case letters, digits and _ (at most 50)", f.ID)
		case seen[f.ID] > 0:
			p.add(d.line, "duplicate field id %q (first defined at line %d)", f.ID, seen[f.ID])
		default:
			seen[f.ID] = d.line
		}
		if _, dup := lines[f.ID]; !dup {
			lines[f.ID] = d.line
		}
		name := f.ID
		if f.Label == "" {
			p.add(d.line, "field %q has no label", name)
		}
		for _, lim := range []struct {
			what, val string
			max       int
		}{{"label", f.Label, 2000}, {"hint", f.Hint, 2000}, {"placeholder", f.Placeholder, 150}} {
			if n := utf8.RuneCountInString(lim.val); n > lim.max {
				p.add(d.line, "field %q: %s must be %d characters or fewer for Slack (it has %d)", name, lim.what, lim.max, n)
			}
		}
		text := f.Kind == ShortText || f.Kind == LongText
		choice := f.Kind == SingleChoice || f.Kind == MultiChoice
		if !validKind(f.Kind) {
			if f.Kind == "" {
				p.add(d.line, "field %q has no kind (want short_text, long_text, number, choice or multi_choice)", name)
			} else {
				p.add(d.line, "field %q has unknown kind %q (want short_text, long_text, number, choice or multi_choice)", name, f.Kind)
			}
			r.Fields = append(r.Fields, f) // keep the id known; skip kind-specific checks
			continue
		}
		if d.MaxLength != 0 && (!text || d.MaxLength < 1 || d.MaxLength > SlackTextLimit) {
			p.add(d.line, "field %q: max_length is for text fields, from 1 to %d", name, SlackTextLimit)
		}
		if f.Kind == Number {
			if d.Max == nil {
				p.add(d.line, "number field %q needs a max", name)
			} else {
				f.Max = *d.Max
			}
			if d.Min != nil {
				f.Min = *d.Min
			}
			if d.Max != nil && f.Min >= f.Max {
				p.add(d.line, "number field %q: min (%d) must be below max (%d)", name, f.Min, f.Max)
			}
		} else if d.Min != nil || d.Max != nil {
			p.add(d.line, "field %q: min and max are for number fields", name)
		}
		if choice {
			f.Choices = compileChoices(name, f.Kind, d, p)
		} else if len(d.Choices) > 0 {
			p.add(d.line, "field %q: choices are for choice and multi_choice fields", name)
		}
		if f.Default != "" {
			if msg := validateValue(f, f.Default); msg != "" {
				p.add(d.line, "field %q: default %q is not valid: %s", name, f.Default, msg)
			} else {
				f.Default = normalizeValue(f, f.Default)
			}
		}
		if f.Group != prevGroup {
			if f.Group != "" && groupSeen[f.Group] {
				p.add(d.line, "field %q: group %q must list its fields together, not split by other groups", name, f.Group)
			}
			groupSeen[f.Group] = true
			prevGroup = f.Group
		}
		r.Fields = append(r.Fields, f)
	}
	return lines
}

func validKind(k Kind) bool {
	switch k {
	case ShortText, LongText, Number, SingleChoice, MultiChoice:
		return true
	}
	return false
}

func compileChoices(name string, kind Kind, d fieldDef, p *problems) []Choice {
	limit := 100
	if kind == MultiChoice {
		limit = 10 // Slack checkboxes hold 10 options
	}
	switch {
	case len(d.Choices) == 0:
		p.add(d.line, "%s field %q needs choices", kind, name)
	case len(d.Choices) > limit:
		p.add(d.line, "%s field %q has %d choices; Slack allows %d", kind, name, len(d.Choices), limit)
	}
	var out []Choice
	var seen []Choice
	for _, cd := range d.Choices {
		c := Choice{Value: strings.TrimSpace(cd.Value), Label: strings.TrimSpace(cd.Label)}
		switch {
		case c.Value == "":
			p.add(cd.line, "field %q: a choice has no value", name)
		case len(c.Value) > 150 || strings.ContainsAny(c.Value, ",\n"):
			p.add(cd.line, "field %q: choice value %q must be at most 150 characters with no commas", name, c.Value)
		case c.Value == condEmpty || c.Value == condSet:
			p.add(cd.line, "field %q: %q cannot be a choice value: it is a keyword in when", name, c.Value)
		}
		if c.Label == "" {
			p.add(cd.line, "field %q: choice %q has no label", name, c.Value)
		} else if utf8.RuneCountInString(c.Label) > 75 {
			p.add(cd.line, "field %q: choice label %q must be 75 characters or fewer for Slack", name, c.Label)
		}
		for _, s := range seen {
			if strings.EqualFold(s.Value, c.Value) || strings.EqualFold(s.Label, c.Label) ||
				strings.EqualFold(s.Value, c.Label) || strings.EqualFold(s.Label, c.Value) {
				p.add(cd.line, "field %q: choice %q repeats or clashes with choice %q", name, c.Value, s.Value)
				break
			}
		}
		seen = append(seen, c)
		out = append(out, c)
	}
	return out
}

func compileChecks(r *Role, defs []checkDef, p *problems) {
	for _, d := range defs {
		for _, id := range []string{d.Field, d.NotAbove} {
			f, ok := r.Field(id)
			switch {
			case id == "":
				p.add(d.line, "check needs field and not_above")
			case !ok:
				p.add(d.line, "check refers to unknown field %q", id)
			case f.Kind != Number:
				p.add(d.line, "check compares numbers, but field %q is %s", id, f.Kind)
			}
		}
		if strings.TrimSpace(d.Message) == "" {
			p.add(d.line, "check needs a message to show people")
		}
		r.checks = append(r.checks, check{field: d.Field, notAbove: d.NotAbove, message: strings.TrimSpace(d.Message)})
	}
}

// textCompiler compiles wording and records which fields it uses.
type textCompiler struct {
	r    *Role
	p    *problems
	used map[string]bool
}

func compileText(r *Role, t *textDef, keyLines, fieldLines map[string]int, p *problems) {
	c := &textCompiler{r: r, p: p, used: make(map[string]bool)}
	if !t.Title.set {
		p.add(max(t.line, keyLines["text"]), "text needs a title")
	}
	r.text.title = c.line(t.Title, "title", false)
	for _, l := range t.Intro {
		r.text.intro = append(r.text.intro, c.line(l, "intro", false))
	}
	if len(t.Sections) == 0 {
		p.add(max(t.line, keyLines["text"]), "text needs at least one section")
	}
	for _, sd := range t.Sections {
		var st sectionText
		if sd.Heading.set {
			st.heading = c.line(sd.Heading, "heading", false)
		}
		if len(sd.Paragraphs) == 0 && len(sd.Bullets) == 0 {
			p.add(sd.line, "section has neither paragraphs nor bullets")
		}
		for _, l := range sd.Paragraphs {
			st.paragraphs = append(st.paragraphs, c.line(l, "paragraph", true))
		}
		for _, l := range sd.Bullets {
			st.bullets = append(st.bullets, c.line(l, "bullet", true))
		}
		r.text.sections = append(r.text.sections, st)
	}
	bindText(r)
	if len(p.list) > 0 {
		return // unknown-field reports would only repeat earlier problems
	}
	for _, f := range r.Fields {
		if !c.used[f.ID] {
			p.add(fieldLines[f.ID], "field %q is never used in the text: use it or remove it", f.ID)
		}
	}
}

// bindText prepares r's compiled text for rendering: it resolves every
// field a placeholder, condition or each_line names to its position in
// r.Fields (-1 for none), parses number conditions' values, numbers the
// distinct placeholders (field and filters) so a render can cache their
// text by number, and adds up the text's literal bytes.
func bindText(r *Role) {
	slots := map[string]int{}
	var bindNodes func(ns []node)
	bindNodes = func(ns []node) {
		for i := range ns {
			n := &ns[i]
			switch {
			case n.isGroup:
				bindNodes(n.group)
			case n.field != "":
				n.fi = r.fieldIndex(n.field)
				key := n.field + "|" + strings.Join(n.filters, "|")
				slot, ok := slots[key]
				if !ok {
					slot = len(slots)
					slots[key] = slot
				}
				n.slot = slot
			default:
				r.text.size += len(n.text)
			}
		}
	}
	var bindLine func(l *textLine)
	bindLine = func(l *textLine) {
		bindNodes(l.nodes)
		l.eachFi = r.fieldIndex(l.eachLine)
		for i := range l.when {
			cond := &l.when[i]
			cond.fi = r.fieldIndex(cond.field)
			if cond.fi >= 0 {
				cond.kind = r.Fields[cond.fi].Kind
			}
			if cond.kind == Number {
				cond.nums = make([]wholeNumber, len(cond.alts))
				for k, alt := range cond.alts {
					cond.nums[k].n, cond.nums[k].ok = parseWhole(alt)
				}
			}
		}
		for i := range l.sentences {
			bindLine(&l.sentences[i])
		}
	}
	t := &r.text
	bindLine(&t.title)
	for i := range t.intro {
		bindLine(&t.intro[i])
	}
	for i := range t.sections {
		st := &t.sections[i]
		bindLine(&st.heading)
		for k := range st.paragraphs {
			bindLine(&st.paragraphs[k])
		}
		for k := range st.bullets {
			bindLine(&st.bullets[k])
		}
		t.items += len(st.paragraphs) + len(st.bullets)
	}
	t.slots = len(slots)
	t.items = t.items/2 + 8
}

// line compiles one line; items allows each_line and sentences.
func (c *textCompiler) line(l lineDef, what string, items bool) textLine {
	var out textLine
	kinds := 0
	if l.Text != nil {
		kinds++
	}
	if l.EachLine != "" {
		kinds++
	}
	if l.Sentences != nil {
		kinds++
	}
	switch {
	case kinds != 1:
		c.p.add(l.line, "%s needs exactly one of text, each_line or sentences", what)
		return out
	case !items && (l.EachLine != "" || l.Sentences != nil):
		c.p.add(l.line, "%s takes text only (each_line and sentences are for paragraphs and bullets)", what)
		return out
	case what == "heading" || what == "title":
		if len(l.When.conds) > 0 {
			c.p.add(l.line, "%s cannot have when", what)
		}
	}
	out.when = c.when(l.When)
	switch {
	case l.Text != nil:
		text := strings.TrimSpace(*l.Text)
		if text == "" {
			c.p.add(l.line, "%s is empty", what)
			return out
		}
		if strings.ContainsAny(text, "\n\r") {
			c.p.add(l.line, "%s must be one line (use several lines or sentences instead)", what)
			return out
		}
		nodes, err := parseLine(text)
		if err != nil {
			c.p.add(l.line, "%s: %v", what, err)
			return out
		}
		fieldRefs(nodes, func(n node) {
			f, ok := c.r.Field(n.field)
			if !ok {
				msg := fmt.Sprintf("%s refers to unknown field {%s}", what, n.field)
				if s := closest(n.field, c.fieldIDs()); s != "" {
					msg += fmt.Sprintf(" (did you mean {%s}?)", s)
				}
				c.p.add(l.line, "%s", msg)
				return
			}
			c.used[f.ID] = true
			for _, fl := range n.filters {
				if (fl == "value" || fl == "or") && f.Kind != SingleChoice && f.Kind != MultiChoice {
					c.p.add(l.line, "filter %q is for choice fields, but {%s} is %s", fl, f.ID, f.Kind)
				}
				if fl == "nonzero" && f.Kind != Number {
					c.p.add(l.line, "filter %q is for number fields, but {%s} is %s", fl, f.ID, f.Kind)
				}
			}
		})
		out.nodes = nodes
	case l.EachLine != "":
		f, ok := c.r.Field(l.EachLine)
		switch {
		case !ok:
			c.p.add(l.line, "each_line refers to unknown field %q", l.EachLine)
		case f.Kind != LongText && f.Kind != ShortText:
			c.p.add(l.line, "each_line needs a text field, but %q is %s", f.ID, f.Kind)
		}
		c.used[l.EachLine] = true
		out.eachLine = l.EachLine
	default:
		if len(l.Sentences) == 0 {
			c.p.add(l.line, "sentences is empty")
		}
		for _, s := range l.Sentences {
			out.sentences = append(out.sentences, c.line(s, "sentence", false))
		}
		if out.sentences == nil {
			out.sentences = []textLine{}
		}
	}
	return out
}

func (c *textCompiler) fieldIDs() []string {
	ids := make([]string, len(c.r.Fields))
	for i, f := range c.r.Fields {
		ids[i] = f.ID
	}
	return ids
}

// when compiles conditions, checking fields and values.
func (c *textCompiler) when(w whenDef) []condition {
	var out []condition
	for i, cond := range w.conds {
		line := w.lines[i]
		f, ok := c.r.Field(cond.field)
		if !ok {
			c.p.add(line, "when refers to unknown field %q", cond.field)
			continue
		}
		if len(cond.alts) == 0 {
			c.p.add(line, "when %q lists no values", cond.field)
		}
		c.used[f.ID] = true
		for _, alt := range cond.alts {
			if alt == condEmpty || alt == condSet || !validKind(f.Kind) {
				continue
			}
			switch f.Kind {
			case SingleChoice, MultiChoice:
				if !choiceHasValue(f, alt) {
					c.p.add(line, "when %s: %q is not one of its choice values (%s)", f.ID, alt, strings.Join(choiceValues(f), ", "))
				}
			case Number:
				if _, ok := parseWhole(alt); !ok {
					c.p.add(line, "when %s: %q is not a whole number", f.ID, alt)
				}
			default:
				c.p.add(line, "when %s: a text field can only be tested with empty or set, not %q", f.ID, alt)
			}
		}
		out = append(out, cond)
	}
	return out
}

func choiceHasValue(f Field, v string) bool {
	for _, c := range f.Choices {
		if c.Value == v {
			return true
		}
	}
	return false
}

func choiceValues(f Field) []string {
	out := make([]string, len(f.Choices))
	for i, c := range f.Choices {
		out[i] = c.Value
	}
	return out
}
