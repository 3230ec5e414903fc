// Package templates holds the role catalogue (job-description wording kept as
// YAML data) and renders a role's description from form values into Slack
// Block Kit blocks, Markdown and plain text.
package templates

import (
	"embed"
	"encoding/json"
	"errors"

	"github.com/slack-go/slack"
)

//go:embed roles/*.yaml
var builtinRoles embed.FS

// ErrInvalidRole is wrapped by every error Load returns for a broken role file.
var ErrInvalidRole = errors.New("invalid role file")

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

// Choice is one option of a choice or multi_choice field.
type Choice struct {
	Value string
	Label string
}

// Field describes one input of a role's form.
type Field struct {
	ID, Label, Hint, Placeholder string
	Kind                         Kind
	Required                     bool
	MaxLength                    int // text kinds; 0 means Slack's 3000
	Min, Max                     int // number kind (whole numbers)
	Choices                      []Choice
	Default                      string // multi_choice: values joined with ","
	Group                        string // heading the modal shows the field under
}

// Values maps field id to value; multi_choice values are joined with ",".
type Values map[string]string

// Role is one job role: its form fields and its description wording.
type Role struct {
	ID, Name, Summary, Prefix string
	Fields                    []Field
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

// Validate checks v against the field definitions and returns field id →
// message, or nil when v is valid. It does not modify v.
func (r *Role) Validate(v Values) map[string]string { return nil }

// Normalize returns a copy of v with spaces trimmed, defaults filled in for
// missing fields and unknown keys dropped.
func (r *Role) Normalize(v Values) Values { return Values{} }

// Example returns the role's built-in sample values.
func (r *Role) Example() Values { return Values{} }

// Render renders the description for v. It returns an error only when the
// role's template fails to execute.
func (r *Role) Render(v Values) (Rendered, error) { return Rendered{}, nil }

// Section is one titled part of a rendered description, in raw text.
type Section struct {
	Heading    string
	Paragraphs []string
	Bullets    []string
}

// Rendered is a rendered description in raw (unescaped) text.
type Rendered struct {
	Title    string
	Intro    string
	Sections []Section
}

// Markdown returns the description as Markdown.
func (r Rendered) Markdown() string { return "" }

// Text returns the description as plain text.
func (r Rendered) Text() string { return "" }

// Blocks returns the description as at most 40 Slack blocks.
func (r Rendered) Blocks() []slack.Block { return nil }

// BlocksJSON returns Blocks as a JSON array, or an error if encoding fails.
func (r Rendered) BlocksJSON() ([]byte, error) { return json.Marshal(r.Blocks()) }

// Words returns the number of words in the description.
func (r Rendered) Words() int { return 0 }

// Catalog is an immutable set of roles.
type Catalog struct {
	roles map[string]*Role
}

// Load returns the built-in roles, with the role files in dir ("" for none)
// replacing or adding roles by id. On error it returns nil and an error
// naming the file and line.
func Load(dir string) (*Catalog, error) { return &Catalog{roles: map[string]*Role{}}, nil }

// Role returns the role with the given id, or false when there is none.
func (c *Catalog) Role(id string) (*Role, bool) { r, ok := c.roles[id]; return r, ok }

// Roles returns all roles sorted by id.
func (c *Catalog) Roles() []*Role { return nil }

// Closest returns the role id nearest to id, or "" when none is close.
func (c *Catalog) Closest(id string) string { return "" }
