package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jobdesc/jobdesc/checks"
	"github.com/jobdesc/jobdesc/templates"
)

// errBlockers means render --check found blockers: exit status 1.
var errBlockers = errors.New("blockers found")

// renderCmd previews a role's description without Slack:
//
//	jobdesc render ROLE [--example | --values FILE] [--format md|text|blocks] [--check]
func renderCmd(args []string, templatesDir string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	valuesPath := fs.String("values", "", "JSON file of field values: {\"company_name\": \"Acme\", …}")
	example := fs.Bool("example", false, "use the role's built-in sample values")
	format := fs.String("format", "md", "output format: md, text or blocks (the JSON array of Block Kit blocks)")
	check := fs.Bool("check", false, "also print the posting checks; exit status 1 when any is a blocker")
	dir := fs.String("templates", templatesDir, "folder of role files overriding the built-in ones (default $JOBDESC_TEMPLATES_DIR)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: jobdesc render ROLE [--example | --values FILE] [--format md|text|blocks] [--check]")
		fs.PrintDefaults()
	}
	// Accept the role before or after the flags.
	var role string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		role, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError("render: %v", err)
	}
	if role == "" && fs.NArg() > 0 {
		role = fs.Arg(0)
	}
	if role == "" {
		return usageError("render: name a role, e.g. jobdesc render account-manager --example")
	}
	if *example == (*valuesPath != "") {
		return usageError("render: give exactly one of --example or --values FILE")
	}
	catalog, err := templates.Load(*dir)
	if err != nil {
		return fmt.Errorf("load templates: %w", err)
	}
	r, ok := catalog.Role(role)
	if !ok {
		msg := fmt.Sprintf("render: no role %q", role)
		if c := catalog.Closest(role); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		return usageError("%s", msg)
	}
	values := r.Example()
	if *valuesPath != "" {
		values, err = readValues(*valuesPath)
		if err != nil {
			return usageError("render: %v", err)
		}
	}
	values = r.Normalize(values)
	if errs := r.Validate(values); len(errs) > 0 {
		var b strings.Builder
		for _, f := range r.Fields {
			if msg, ok := errs[f.ID]; ok {
				fmt.Fprintf(&b, "\n  %s (%s): %s", f.Label, f.ID, msg)
			}
		}
		return usageError("render: the values don't fit %s:%s", role, b.String())
	}
	rendered, err := r.Render(values)
	if err != nil {
		return fmt.Errorf("render %s: %w", role, err)
	}
	switch *format {
	case "md", "markdown":
		fmt.Fprint(stdout, ensureNewline(rendered.Markdown()))
	case "text", "txt":
		fmt.Fprint(stdout, ensureNewline(rendered.Text()))
	case "blocks", "json":
		b, err := rendered.BlocksJSON()
		if err != nil {
			return fmt.Errorf("encode blocks: %w", err)
		}
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			return fmt.Errorf("encode blocks: %w", err)
		}
		out.WriteByte('\n')
		if _, err := out.WriteTo(stdout); err != nil {
			return fmt.Errorf("write blocks: %w", err)
		}
	default:
		return usageError("render: --format must be md, text or blocks, got %q", *format)
	}
	if !*check {
		return nil
	}
	findings := checks.Check(r, values, rendered)
	fmt.Fprintf(stderr, "\nPosting checks: %s\n", checks.Summary(findings))
	for _, f := range findings {
		field := ""
		if f.Field != "" {
			field = " [" + f.Field + "]"
		}
		fmt.Fprintf(stderr, "  %-8s %s%s: %s", f.Severity, f.Rule, field, f.Message)
		if f.Suggestion != "" {
			fmt.Fprintf(stderr, " Suggestion: %s", f.Suggestion)
		}
		fmt.Fprintln(stderr)
	}
	if len(checks.Blockers(findings)) > 0 {
		return errBlockers
	}
	return nil
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// readValues reads a JSON object of field values. Numbers and lists (for
// multiple choices) are accepted as well as strings.
func readValues(path string) (templates.Values, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read values: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object of field values: %w", path, err)
	}
	v := templates.Values{}
	for k, x := range raw {
		switch x := x.(type) {
		case nil:
		case string:
			v[k] = x
		case float64:
			v[k] = strings.TrimSuffix(fmt.Sprintf("%f", x), ".000000")
		case bool:
			v[k] = fmt.Sprint(x)
		case []any:
			parts := make([]string, 0, len(x))
			for _, p := range x {
				parts = append(parts, fmt.Sprint(p))
			}
			v[k] = strings.Join(parts, ",")
		default:
			return nil, fmt.Errorf("%s: field %q must be a string, number or list", path, k)
		}
	}
	return v, nil
}
