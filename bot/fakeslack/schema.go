package fakeslack

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
)

// SchemaFileName is the Block Kit JSON schema the fake validates against.
const SchemaFileName = "block-kit.schema.json"

// maxSchemaMessages caps the messages reported for one payload.
const maxSchemaMessages = 20

// schemaSet holds the compiled Block Kit schemas.
type schemaSet struct {
	file                string
	modal, home, blocks *jsonschema.Schema
	printer             *xmessage.Printer
}

// ecmaRegexp runs JSON-schema patterns as ECMAScript regular expressions.
type ecmaRegexp regexp2.Regexp

// MatchString reports a match; a regexp2 timeout counts as no match.
func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

// String returns the pattern.
func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

// loadSchemas compiles the Block Kit schema found in dir.
func loadSchemas(dir string) (*schemaSet, error) {
	file, err := filepath.Abs(filepath.Join(dir, SchemaFileName))
	if err != nil {
		return nil, fmt.Errorf("resolve schema path: %w", err)
	}
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("find schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return (*ecmaRegexp)(re), nil
	})
	ss := &schemaSet{file: file, printer: xmessage.NewPrinter(language.English)}
	for _, x := range []struct {
		dst  **jsonschema.Schema
		frag string
	}{{&ss.modal, "#/$defs/modal_view"}, {&ss.home, "#/$defs/home_view"}, {&ss.blocks, ""}} {
		sch, err := c.Compile(file + x.frag)
		if err != nil {
			return nil, fmt.Errorf("compile %s%s: %w", SchemaFileName, x.frag, err)
		}
		*x.dst = sch
	}
	return ss, nil
}

// findSchemaDir looks for shared/slack-schemas next to the module root and
// in every folder above the working directory (so ../shared/slack-schemas
// relative to the module root is found from any package). It returns ""
// when there is none.
func findSchemaDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; {
		cand := filepath.Join(dir, "shared", "slack-schemas")
		if st, err := os.Stat(filepath.Join(cand, SchemaFileName)); err == nil && !st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func (ss *schemaSet) checkView(raw []byte, surface, ptr string) []string {
	sch := ss.modal
	if surface == surfaceHome {
		sch = ss.home
	}
	return ss.check(sch, raw, ptr)
}

func (ss *schemaSet) checkBlocks(raw []byte, ptr string) []string {
	return ss.check(ss.blocks, raw, ptr)
}

// check validates raw JSON and turns failures into Slack-style messages.
func (ss *schemaSet) check(sch *jsonschema.Schema, raw []byte, ptr string) []string {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []string{fmt.Sprintf("[ERROR] invalid JSON: %v [json-pointer:%s]", err, ptr)}
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{fmt.Sprintf("[ERROR] %v [json-pointer:%s]", err, ptr)}
	}
	var out []string
	ss.collect(ve, ptr, &out)
	if len(out) > maxSchemaMessages {
		out = append(out[:maxSchemaMessages], fmt.Sprintf("[ERROR] … and %d more schema errors", len(out)-maxSchemaMessages))
	}
	return out
}

// collect appends the leaf errors of e. At a oneOf/anyOf it follows only
// the branches whose "type" matched, so a bad section block reports the
// section rule it broke rather than every other block type's.
func (ss *schemaSet) collect(e *jsonschema.ValidationError, ptr string, out *[]string) {
	if len(e.Causes) == 0 {
		msg := fmt.Sprintf("[ERROR] %s [json-pointer:%s%s]", e.ErrorKind.LocalizedString(ss.printer), ptr, pointer(e.InstanceLocation))
		*out = appendUnique(*out, msg)
		return
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		var matched []*jsonschema.ValidationError
		for _, c := range e.Causes {
			if !typeMismatch(c, e.InstanceLocation) {
				matched = append(matched, c)
			}
		}
		if len(matched) == 0 {
			msg := fmt.Sprintf("[ERROR] unsupported type: no block or element of this type is allowed here [json-pointer:%s%s/type]", ptr, pointer(e.InstanceLocation))
			*out = appendUnique(*out, msg)
			return
		}
		for _, c := range matched {
			ss.collect(c, ptr, out)
		}
	default:
		for _, c := range e.Causes {
			ss.collect(c, ptr, out)
		}
	}
}

// typeMismatch reports whether a branch failed because the object's "type"
// property has another value.
func typeMismatch(e *jsonschema.ValidationError, base []string) bool {
	switch e.ErrorKind.(type) {
	case *kind.Const, *kind.Enum:
		loc := e.InstanceLocation
		if len(loc) == len(base)+1 && loc[len(loc)-1] == "type" && equalPath(loc[:len(base)], base) {
			return true
		}
	}
	for _, c := range e.Causes {
		if len(c.InstanceLocation) <= len(base)+1 && typeMismatch(c, base) {
			return true
		}
	}
	return false
}

func equalPath(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func pointer(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
