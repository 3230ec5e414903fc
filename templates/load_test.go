package templates

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRoles writes role files into a fresh folder and returns it.
func writeRoles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	return dir
}

// builtinYAML returns the embedded account-manager file.
func builtinYAML(t *testing.T) string {
	t.Helper()
	b, err := builtinRoles.ReadFile("roles/account-manager.yaml")
	if err != nil {
		t.Fatalf("read built-in role: %v", err)
	}
	return string(b)
}

const smallRole = `id: recruiter
name: Recruiter
summary: Finds and hires people.
prefix: REC
fields:
  - id: company_name
    label: Company name
    kind: short_text
    required: true
  - id: level
    label: Level
    kind: choice
    default: mid
    choices:
      - {value: mid, label: Mid level}
      - {value: senior, label: Senior}
  - id: city
    label: City
    kind: short_text
example:
  company_name: Acme
  city: Lyon
text:
  title: "Recruiter at {company_name}"
  intro:
    - "{company_name} is hiring a recruiter[[ in {city}]]."
  sections:
    - heading: What you'll do
      bullets:
        - "Run interviews."
        - when: {level: senior}
          text: "Coach hiring managers."
`

func TestLoadOverrides(t *testing.T) {
	t.Run("replace the wording", func(t *testing.T) {
		custom := strings.Replace(builtinYAML(t), `title: "{job_title} at {company_name}"`, `title: "Join {company_name} as {job_title|a}"`, 1)
		custom = strings.Replace(custom, "heading: What you'll do", "heading: Your week", 1)
		c, err := Load(writeRoles(t, map[string]string{"account-manager.yaml": custom}))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		r, _ := c.Role("account-manager")
		out := render(t, r, r.Example())
		if want := "Join Northwind Labs as an Account Manager"; out.Title != want {
			t.Errorf("title: got %q, want %q", out.Title, want)
		}
		if !strings.Contains(out.Markdown(), "\n## Your week\n") {
			t.Error("got no overridden heading \"Your week\"")
		}
		if len(c.Roles()) != 1 {
			t.Errorf("got %d roles, want the override to replace, not add", len(c.Roles()))
		}
	})
	t.Run("add a role", func(t *testing.T) {
		c, err := Load(writeRoles(t, map[string]string{"recruiter.yml": smallRole, "notes.txt": "ignored", ".hidden.yaml": "broken: ["}))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		var ids []string
		for _, r := range c.Roles() {
			ids = append(ids, r.ID)
		}
		if got, want := strings.Join(ids, ","), "account-manager,recruiter"; got != want {
			t.Fatalf("Roles: got %s, want %s", got, want)
		}
		r, _ := c.Role("recruiter")
		if r.Prefix != "REC" || r.Name != "Recruiter" {
			t.Errorf("got prefix %q name %q, want REC and Recruiter", r.Prefix, r.Name)
		}
		out := render(t, r, Values{"company_name": "Acme", "level": "senior"})
		if want := "Acme is hiring a recruiter."; out.Intro != want {
			t.Errorf("intro: got %q, want %q", out.Intro, want)
		}
		if got := strings.Join(out.Sections[0].Bullets, "|"); got != "Run interviews.|Coach hiring managers." {
			t.Errorf("bullets: got %q", got)
		}
		if got := c.Closest("recruter"); got != "recruiter" {
			t.Errorf("Closest(recruter): got %q, want recruiter", got)
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		c, err := Load(filepath.Join(t.TempDir(), "nope"))
		if err == nil || c != nil {
			t.Fatalf("got catalogue %v and error %v, want nil and an error", c, err)
		}
		if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("got %v, want a not-exist error naming the folder", err)
		}
	})
	t.Run("two files, one id", func(t *testing.T) {
		dir := writeRoles(t, map[string]string{"a.yaml": smallRole, "b.yaml": smallRole})
		c, err := Load(dir)
		if c != nil || !errors.Is(err, ErrInvalidRole) {
			t.Fatalf("got catalogue %v and error %v, want nil and ErrInvalidRole", c, err)
		}
		if want := filepath.Join(dir, "b.yaml") + `: role id "recruiter" is already defined in ` + filepath.Join(dir, "a.yaml"); err.Error() != want {
			t.Errorf("got %q, want %q", err, want)
		}
	})
}

func TestLoadBrokenFiles(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the error after "FILE:"
	}{
		{"yaml syntax", strings.Replace(smallRole, "  - id: city\n", "  - id: [city\n", 1),
			"16: YAML syntax error at or just after this line: did not find expected ',' or ']'"},
		{"misspelt key at top", strings.Replace(smallRole, "summary:", "sumary:", 1),
			"3: field sumary not found in type templates.roleFile"},
		{"misspelt key in a field", strings.Replace(smallRole, "    required: true", "    requierd: true", 1),
			`9: unknown key "requierd" in field (did you mean "required"?)`},
		{"bad kind", strings.Replace(smallRole, "kind: short_text\n    required", "kind: shorttext\n    required", 1),
			`6: field "company_name" has unknown kind "shorttext" (want short_text, long_text, number, choice or multi_choice)`},
		{"unknown field in the text", strings.Replace(smallRole, "[[ in {city}]]", "[[ in {town}]]", 1),
			`26: intro refers to unknown field {town}`},
		{"duplicate field id", strings.Replace(smallRole, "  - id: city", "  - id: level", 1),
			`17: duplicate field id "level" (first defined at line 10)`},
		{"choice field without choices", strings.Replace(smallRole, "    choices:\n      - {value: mid, label: Mid level}\n      - {value: senior, label: Senior}\n", "", 1),
			`10: choice field "level" needs choices`},
		{"placeholder left in", strings.Replace(smallRole, `"Run interviews."`, `"Run [X] interviews."`, 1),
			`30: bullet: single '[': write optional words as [[ ... ]], and leave no [X]-style placeholders (at character 5 of "Run [X] interviews.")`},
		{"unclosed optional part", strings.Replace(smallRole, "[[ in {city}]]", "[[ in {city}", 1),
			`26: intro: optional part "[[" is never closed with "]]" (at character 37 of "{company_name} is hiring a recruiter[[ in {city}.")`},
		{"when with an unknown value", strings.Replace(smallRole, "{level: senior}", "{level: principal}", 1),
			`31: when level: "principal" is not one of its choice values (mid, senior)`},
		{"invalid default", strings.Replace(smallRole, "default: mid", "default: junior", 1),
			`10: field "level": default "junior" is not valid: Level must be one of Mid level or Senior`},
		{"invalid example", strings.Replace(smallRole, "  city: Lyon", "  city: Lyon\n  level: principal", 1),
			`23: example value for "level" is not valid: Level must be one of Mid level or Senior`},
		{"unused field", strings.Replace(smallRole, "[[ in {city}]]", "", 1),
			`17: field "city" is never used in the text: use it or remove it`},
		{"empty file", "", "file is empty"},
		{"two documents", smallRole + "---\nid: other\n", "33: a role file holds one role: remove the second YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRoles(t, map[string]string{"broken.yaml": tt.body})
			c, err := Load(dir)
			if c != nil {
				t.Error("got a catalogue, want nil (never half-loaded)")
			}
			if !errors.Is(err, ErrInvalidRole) {
				t.Fatalf("got error %v, want one wrapping ErrInvalidRole", err)
			}
			file := filepath.Join(dir, "broken.yaml")
			want := file + ": " + tt.want // a problem with the whole file
			if tt.want[0] >= '0' && tt.want[0] <= '9' {
				want = file + ":" + tt.want // "LINE: problem"
			}
			if got := strings.Split(err.Error(), "\n")[0]; got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != file {
				t.Errorf("errors.As(*FileError): got %+v, want File %s", fe, file)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	body := strings.Replace(smallRole, "prefix: REC", "prefix: rec", 1)
	body = strings.Replace(body, "kind: choice", "kind: choise", 1)
	dir := writeRoles(t, map[string]string{"broken.yaml": body})
	_, err := Load(dir)
	if err == nil {
		t.Fatal("got no error, want two problems")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], ":4: prefix") || !strings.Contains(lines[1], `:10: field "level" has unknown kind "choise"`) {
		t.Errorf("got %q, want the prefix problem (line 4) then the kind problem (line 10)", lines)
	}
}

func TestRoleFileChecks(t *testing.T) {
	// Problems Load must catch beyond the broken-file cases above; each
	// case edits the small role and names a fragment of the expected error.
	tests := []struct{ name, from, to, want string }{
		{"bad role id", "id: recruiter", "id: Recruiter!", `id "Recruiter!" must be lower-case`},
		{"missing name", "name: Recruiter\n", "", "name is missing"},
		{"number without max", "  - id: city\n    label: City\n    kind: short_text", "  - id: city\n    label: City\n    kind: number", `number field "city" needs a max`},
		{"max_length on a choice", "    default: mid\n", "    default: mid\n    max_length: 10\n", "max_length is for text fields"},
		{"min above max", "  - id: city\n    label: City\n    kind: short_text", "  - id: city\n    label: City\n    kind: number\n    min: 5\n    max: 1", "min (5) must be below max (1)"},
		{"choices on text", "  - id: city\n    label: City\n    kind: short_text", "  - id: city\n    label: City\n    kind: short_text\n    choices: [{value: a, label: A}]", "choices are for choice and multi_choice fields"},
		{"duplicate choice", "{value: senior, label: Senior}", "{value: mid, label: Senior}", `choice "mid" repeats`},
		{"keyword as choice", "{value: senior, label: Senior}", "{value: empty, label: Senior}", "it is a keyword in when"},
		{"unknown filter", "{company_name} is", "{company_name|upper} is", `unknown filter "upper"`},
		{"filter on wrong kind", "{company_name} is", "{company_name|nonzero} is", `filter "nonzero" is for number fields`},
		{"when on text with a value", "{level: senior}", "{city: Lyon}", "a text field can only be tested with empty or set"},
		{"each_line on a choice", "        - \"Run interviews.\"", "        - each_line: level", "each_line needs a text field"},
		{"two kinds of line", "        - \"Run interviews.\"", "        - {text: \"Run.\", each_line: city}", "needs exactly one of text, each_line or sentences"},
		{"empty section", "      bullets:\n        - \"Run interviews.\"\n        - when: {level: senior}\n          text: \"Coach hiring managers.\"\n", "      bullets: []\n", "section has neither paragraphs nor bullets"},
		{"no title", "  title: \"Recruiter at {company_name}\"\n", "", "text needs a title"},
		{"optional part without field", "[[ in {city}]]", "[[ here]] {city}", "refers to no field"},
		{"split group", "  - id: city\n    label: City\n    kind: short_text", "  - id: city\n    label: City\n    kind: short_text\n    group: A", ""},
		{"unknown example field", "  city: Lyon", "  city: Lyon\n  town: Lyon", `example sets unknown field "town"`},
		{"check on text", "example:", "checks:\n  - {field: city, not_above: company_name, message: No}\nexample:", "check compares numbers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(smallRole, tt.from) {
				t.Fatalf("test edits %q, which the small role does not contain", tt.from)
			}
			_, err := Load(writeRoles(t, map[string]string{"r.yaml": strings.Replace(smallRole, tt.from, tt.to, 1)}))
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v, want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestGroupsMustBeTogether(t *testing.T) {
	body := strings.Replace(smallRole, "    required: true\n", "    required: true\n    group: A\n", 1)
	body = strings.Replace(body, "    kind: short_text\nexample", "    kind: short_text\n    group: A\nexample", 1)
	body = strings.Replace(body, "    default: mid\n", "    default: mid\n    group: B\n", 1)
	_, err := Load(writeRoles(t, map[string]string{"r.yaml": body}))
	if err == nil || !strings.Contains(err.Error(), `group "A" must list its fields together`) {
		t.Errorf("got %v, want the split group reported", err)
	}
}

func TestTooManyFields(t *testing.T) {
	var b strings.Builder
	b.WriteString("id: big\nname: Big\nsummary: Big.\nprefix: BIG\nfields:\n")
	var refs []string
	for i := 0; i <= MaxFields; i++ {
		id := "f" + itoa(i)
		b.WriteString("  - {id: " + id + ", label: F, kind: short_text}\n")
		refs = append(refs, "{"+id+"}")
	}
	b.WriteString("text:\n  title: \"" + strings.Join(refs, " ") + "\"\n  sections:\n    - paragraphs: [\"x\"]\n")
	_, err := Load(writeRoles(t, map[string]string{"big.yaml": b.String()}))
	if err == nil || !strings.Contains(err.Error(), "big.yaml:5: a role has at most 24 fields") {
		t.Errorf("got %v, want the field count reported at line 5", err)
	}
}

func TestBuiltinRolesLoad(t *testing.T) {
	names, err := builtinRoles.ReadDir("roles")
	if err != nil {
		t.Fatalf("read embedded roles: %v", err)
	}
	for _, n := range names {
		t.Run(n.Name(), func(t *testing.T) {
			data, err := builtinRoles.ReadFile("roles/" + n.Name())
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			r, err := parseRole("roles/"+n.Name(), data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(r.Fields) > MaxFields {
				t.Errorf("got %d fields, want at most %d", len(r.Fields), MaxFields)
			}
		})
	}
}
