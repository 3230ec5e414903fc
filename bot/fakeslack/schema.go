package fakeslack

import (
	"fmt"
	"os"
	"path/filepath"
)

// SchemaFileName is the Block Kit JSON schema the fake validates against.
const SchemaFileName = "block-kit.schema.json"

// Validator checks Block Kit JSON against Slack's schema: each method
// returns Slack-style messages ("[ERROR] … [json-pointer:ptr…]") for raw,
// nil when it is valid. CheckView gets the view's surface, "modal" or
// "home". Package bot/fakeslack/schema implements it; the type is an alias
// of an unnamed interface so that package need not import this one.
type Validator = interface {
	CheckView(raw []byte, surface, ptr string) []string
	CheckBlocks(raw []byte, ptr string) []string
}

// SchemaLoader compiles the Block Kit schema in dir (the folder holding
// SchemaFileName), or returns an error. schema.Load (package
// bot/fakeslack/schema) is one.
type SchemaLoader func(dir string) (Validator, error)

// schemaSet is the loaded schema and the file it came from.
type schemaSet struct {
	file string
	v    Validator
}

func (ss *schemaSet) checkView(raw []byte, surface, ptr string) []string {
	return ss.v.CheckView(raw, surface, ptr)
}

func (ss *schemaSet) checkBlocks(raw []byte, ptr string) []string {
	return ss.v.CheckBlocks(raw, ptr)
}

// loadSchemas sets up JSON-schema validation as opts ask (see
// Options.Schema): it returns nil when validation is off or skipped, and
// an error when SchemaDir names a folder but Schema is nil, or the schema
// there does not load.
func (s *Server) loadSchemas(opts Options) (*schemaSet, error) {
	dir := opts.SchemaDir
	switch {
	case dir == "-":
		s.logf("fakeslack: JSON-schema validation disabled (Options.SchemaDir is %q)", "-")
		return nil, nil
	case opts.Schema == nil && dir != "":
		return nil, fmt.Errorf("fakeslack: SchemaDir is %q but Schema is nil: pass schema.Load (bot/fakeslack/schema) to validate", dir)
	case opts.Schema == nil:
		s.announce("fakeslack: Options.Schema is nil: Block Kit JSON-schema validation is skipped (built-in checks still run); pass schema.Load from bot/fakeslack/schema")
		return nil, nil
	case dir == "":
		if dir = findSchemaDir(); dir == "" {
			s.announce("fakeslack: ../shared/slack-schemas not found: Block Kit JSON-schema validation is skipped (built-in checks still run)")
			return nil, nil
		}
	}
	file, err := filepath.Abs(filepath.Join(dir, SchemaFileName))
	if err != nil {
		return nil, fmt.Errorf("resolve schema path: %w", err)
	}
	v, err := opts.Schema(dir)
	if err != nil {
		return nil, fmt.Errorf("load slack schemas from %s: %w", dir, err)
	}
	s.logf("fakeslack: validating views and blocks against %s", file)
	return &schemaSet{file: file, v: v}, nil
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
