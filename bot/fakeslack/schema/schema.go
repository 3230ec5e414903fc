// Package schema validates Block Kit JSON against Slack's JSON schema
// (block-kit.schema.json, from ../shared/slack-schemas beside the module)
// for the fake Slack: pass Load as fakeslack.Options.Schema.
//
// It lives apart from package fakeslack so that a program embedding the
// fake without schema validation (jobdesc demo) does not link the
// JSON-schema library: it, its ECMAScript regexp engine and x/text cost
// the binary about 1.2 MB, and the library compiles its meta-schemas at
// start-up, about 1.7 MB of heap in every process that links it.
package schema

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
)

// FileName is the Block Kit schema Load reads from its folder.
const FileName = "block-kit.schema.json"

// maxMessages caps the messages reported for one payload.
const maxMessages = 20

// Validator is what Load returns. It is the same type as
// fakeslack.Validator (an alias of one unnamed interface) so that Load
// fits fakeslack.Options.Schema without this package importing fakeslack,
// whose own tests import this package.
type Validator = interface {
	CheckView(raw []byte, surface, ptr string) []string
	CheckBlocks(raw []byte, ptr string) []string
}

// set holds the compiled Block Kit schemas.
type set struct {
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

// Load compiles dir/block-kit.schema.json: its modal_view and home_view
// definitions for views, the whole schema for blocks arrays. It returns an
// error when the file is missing or does not compile.
func Load(dir string) (Validator, error) {
	file, err := filepath.Abs(filepath.Join(dir, FileName))
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
	ss := &set{printer: xmessage.NewPrinter(language.English)}
	for _, x := range []struct {
		dst  **jsonschema.Schema
		frag string
	}{{&ss.modal, "#/$defs/modal_view"}, {&ss.home, "#/$defs/home_view"}, {&ss.blocks, ""}} {
		sch, err := c.Compile(file + x.frag)
		if err != nil {
			return nil, fmt.Errorf("compile %s%s: %w", FileName, x.frag, err)
		}
		*x.dst = sch
	}
	return ss, nil
}

// CheckView validates a view of the given surface ("home", else a modal)
// and returns Slack-style messages ("[ERROR] … [json-pointer:ptr…]"), nil
// when it is valid.
func (ss *set) CheckView(raw []byte, surface, ptr string) []string {
	sch := ss.modal
	if surface == "home" {
		sch = ss.home
	}
	return ss.check(sch, raw, ptr)
}

// CheckBlocks validates a blocks array like CheckView.
func (ss *set) CheckBlocks(raw []byte, ptr string) []string {
	return ss.check(ss.blocks, raw, ptr)
}

// check validates raw JSON and turns failures into Slack-style messages.
func (ss *set) check(sch *jsonschema.Schema, raw []byte, ptr string) []string {
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
	if len(out) > maxMessages {
		out = append(out[:maxMessages], fmt.Sprintf("[ERROR] … and %d more schema errors", len(out)-maxMessages))
	}
	return out
}

// collect appends the leaf errors of e. At a oneOf/anyOf it follows only
// the branches whose "type" matched, so a bad section block reports the
// section rule it broke rather than every other block type's.
func (ss *set) collect(e *jsonschema.ValidationError, ptr string, out *[]string) {
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
		if len(loc) == len(base)+1 && loc[len(loc)-1] == "type" && slices.Equal(loc[:len(base)], base) {
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

func pointer(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// appendUnique appends the messages of more not yet in dst.
func appendUnique(dst []string, more ...string) []string {
	for _, m := range more {
		if !slices.Contains(dst, m) {
			dst = append(dst, m)
		}
	}
	return dst
}
