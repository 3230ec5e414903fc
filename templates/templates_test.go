package templates

import (
	"maps"
	"reflect"
	"strings"
	"testing"
)

// loadBuiltin returns the built-in catalogue and its account-manager role.
func loadBuiltin(t testing.TB) (*Catalog, *Role) {
	t.Helper()
	c, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\"): %v", err)
	}
	r, ok := c.Role("account-manager")
	if !ok {
		t.Fatal("built-in catalogue has no account-manager role")
	}
	return c, r
}

// with returns a copy of v with the given keys set.
func with(v Values, kv ...string) Values {
	out := maps.Clone(v)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestAccountManagerFields(t *testing.T) {
	_, r := loadBuiltin(t)
	if r.Name != "Account Manager" || r.Prefix != "AM" || r.Summary == "" {
		t.Errorf("got name %q prefix %q summary %q, want Account Manager, AM and a summary", r.Name, r.Prefix, r.Summary)
	}
	if len(r.Fields) > MaxFields {
		t.Errorf("got %d fields, want at most %d", len(r.Fields), MaxFields)
	}
	// The ids the bot and other packages rely on.
	tests := []struct {
		id       string
		kind     Kind
		required bool
		def      string
		choices  []string
	}{
		{"job_title", ShortText, true, "Account Manager", nil},
		{"level", SingleChoice, true, "mid", []string{"entry", "mid", "senior"}},
		{"company_name", ShortText, true, "", nil},
		{"company_bio", LongText, false, "", nil},
		{"serves", MultiChoice, true, "clients", []string{"clients", "customers", "partners"}},
		{"product", ShortText, false, "", nil},
		{"partner_teams", ShortText, false, "", nil},
		{"field_of_study", ShortText, false, "", nil},
		{"years_experience", Number, false, "", nil},
		{"industry", ShortText, false, "", nil},
		{"platforms", ShortText, false, "", nil},
		{"reports_to", ShortText, false, "", nil},
		{"location", ShortText, false, "", nil},
		{"work_arrangement", SingleChoice, false, "", []string{"onsite", "hybrid", "remote"}},
		{"salary_min", Number, false, "", nil},
		{"salary_max", Number, false, "", nil},
		{"salary_currency", SingleChoice, false, "USD", nil},
		{"salary_period", SingleChoice, false, "year", []string{"year", "month", "hour"}},
		{"extra_responsibilities", LongText, false, "", nil},
		{"extra_qualifications", LongText, false, "", nil},
		{"how_to_apply", LongText, false, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			f, ok := r.Field(tt.id)
			if !ok {
				t.Fatalf("Field(%q): not found", tt.id)
			}
			if f.Kind != tt.kind || f.Required != tt.required || f.Default != tt.def {
				t.Errorf("got kind %s required %v default %q, want %s %v %q", f.Kind, f.Required, f.Default, tt.kind, tt.required, tt.def)
			}
			if f.Label == "" || f.Group == "" {
				t.Errorf("got label %q group %q, want both set", f.Label, f.Group)
			}
			if tt.choices != nil {
				if got := choiceValues(f); !reflect.DeepEqual(got, tt.choices) {
					t.Errorf("got choices %v, want %v", got, tt.choices)
				}
			}
		})
	}
	if _, ok := r.Field("nope"); ok {
		t.Error("Field(\"nope\"): got ok, want not found")
	}
}

func TestValidate(t *testing.T) {
	_, r := loadBuiltin(t)
	ok := r.Example()
	tests := []struct {
		name string
		in   Values
		want map[string]string
	}{
		{"example is valid", ok, nil},
		{"only the required field without default", Values{"company_name": "Acme"}, nil},
		{"missing company name", Values{}, map[string]string{"company_name": "Company name is required"}},
		{"blank company name", with(ok, "company_name", "   "), map[string]string{"company_name": "Company name is required"}},
		{"cleared job title", with(ok, "job_title", ""), map[string]string{"job_title": "Job title is required"}},
		{"years not a number", with(ok, "years_experience", "three"), map[string]string{"years_experience": "Years of experience must be a whole number from 0 to 50"}},
		{"years fraction", with(ok, "years_experience", "2.5"), map[string]string{"years_experience": "Years of experience must be a whole number from 0 to 50"}},
		{"years too many", with(ok, "years_experience", "51"), map[string]string{"years_experience": "Years of experience must be a whole number from 0 to 50"}},
		{"years negative", with(ok, "years_experience", "-1"), map[string]string{"years_experience": "Years of experience must be a whole number from 0 to 50"}},
		{"years huge", with(ok, "years_experience", "99999999999999999999999"), map[string]string{"years_experience": "Years of experience must be a whole number from 0 to 50"}},
		{"years zero is fine", with(ok, "years_experience", "0"), nil},
		{"salary with commas is fine", with(ok, "salary_min", "60,000", "salary_max", "80 000"), nil},
		{"salary min above max", with(ok, "salary_min", "90000", "salary_max", "80000"), map[string]string{"salary_min": "Minimum salary is above the maximum"}},
		{"salary min equal max", with(ok, "salary_min", "80000", "salary_max", "80000"), nil},
		{"salary only min", with(ok, "salary_max", ""), nil},
		{"salary max bad: no cross check", with(ok, "salary_max", "lots"), map[string]string{"salary_max": "Maximum salary must be a whole number from 0 to 10,000,000"}},
		{"unknown level", with(ok, "level", "principal"), map[string]string{"level": "Level must be one of Entry level, Mid level or Senior"}},
		{"level by label and case", with(ok, "level", "SENIOR"), nil},
		{"unknown serves", with(ok, "serves", "clients,investors"), map[string]string{"serves": "Who the role serves can only include Clients, Customers or Partners"}},
		{"serves empty", with(ok, "serves", ""), map[string]string{"serves": "Who the role serves is required"}},
		{"title too long", with(ok, "job_title", strings.Repeat("é", 101)), map[string]string{"job_title": "Job title must be 100 characters or fewer (it has 101)"}},
		{"title at the limit", with(ok, "job_title", strings.Repeat("é", 100)), nil},
		{"unknown keys ignored", with(ok, "favourite_colour", "blue"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := maps.Clone(tt.in)
			got := r.Validate(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate: got %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(before, tt.in) {
				t.Errorf("Validate changed its input: got %v, want %v", tt.in, before)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	_, r := loadBuiltin(t)
	tests := []struct {
		name string
		in   Values
		want Values // only these keys are compared
	}{
		{"defaults fill missing fields", Values{"company_name": "Acme"},
			Values{"job_title": "Account Manager", "level": "mid", "serves": "clients", "salary_currency": "USD", "salary_period": "year", "location": ""}},
		{"explicit empty stays empty", Values{"job_title": "", "serves": ""}, Values{"job_title": "", "serves": ""}},
		{"spaces trimmed", Values{"company_name": "  Acme  ", "company_bio": "\n Hi there \n"}, Values{"company_name": "Acme", "company_bio": "Hi there"}},
		{"numbers as digits", Values{"salary_min": " 60,000 ", "salary_max": "80 000", "years_experience": "+3"},
			Values{"salary_min": "60000", "salary_max": "80000", "years_experience": "3"}},
		{"bad numbers kept for Validate", Values{"years_experience": "three"}, Values{"years_experience": "three"}},
		{"choices by label and case", Values{"level": "Senior", "work_arrangement": "ON-SITE", "salary_period": "per hour"},
			Values{"level": "senior", "work_arrangement": "onsite", "salary_period": "hour"}},
		{"multi choice ordered and deduplicated", Values{"serves": "Partners, clients,partners,,"}, Values{"serves": "clients,partners"}},
		{"multi choice unknown kept last", Values{"serves": "investors, customers"}, Values{"serves": "customers,investors"}},
		{"line endings", Values{"extra_qualifications": "a\r\nb\rc"}, Values{"extra_qualifications": "a\nb\nc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Normalize(tt.in)
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("Normalize()[%q]: got %q, want %q", k, got[k], want)
				}
			}
			if len(got) != len(r.Fields) {
				t.Errorf("got %d keys, want one per field (%d)", len(got), len(r.Fields))
			}
		})
	}
	t.Run("unknown keys dropped", func(t *testing.T) {
		if got := r.Normalize(Values{"nope": "x"}); got["nope"] != "" {
			t.Errorf("got nope=%q, want dropped", got["nope"])
		}
		if _, ok := r.Normalize(Values{"nope": "x"})["nope"]; ok {
			t.Error("got key nope, want dropped")
		}
	})
	t.Run("idempotent", func(t *testing.T) {
		once := r.Normalize(Values{"serves": "Partners,clients", "salary_min": "1,000", "company_name": " A "})
		if twice := r.Normalize(once); !reflect.DeepEqual(once, twice) {
			t.Errorf("got %v after a second Normalize, want %v", twice, once)
		}
	})
}

func TestExample(t *testing.T) {
	_, r := loadBuiltin(t)
	ex := r.Example()
	if msgs := r.Validate(ex); msgs != nil {
		t.Errorf("Validate(Example()): got %v, want nil", msgs)
	}
	for _, f := range r.Fields {
		if ex[f.ID] == "" {
			t.Errorf("Example()[%q] is empty, want every field filled so previews show everything", f.ID)
		}
	}
	ex["company_name"] = "changed"
	if r.Example()["company_name"] == "changed" {
		t.Error("Example returned shared state: a change leaked into the next call")
	}
}

func TestCatalog(t *testing.T) {
	c, _ := loadBuiltin(t)
	roles := c.Roles()
	if len(roles) == 0 || roles[0].ID != "account-manager" {
		t.Fatalf("Roles(): got %d roles, want account-manager first", len(roles))
	}
	if _, ok := c.Role("nope"); ok {
		t.Error("Role(\"nope\"): got ok, want not found")
	}
	tests := []struct{ in, want string }{
		{"account-manager", "account-manager"},
		{"acount-manager", "account-manager"},
		{"account-manger", "account-manager"},
		{"Account Manager", "account-manager"},
		{"account_manager", "account-manager"},
		{"account", "account-manager"},
		{"acc", "account-manager"},
		{"a", ""},
		{"", ""},
		{"   ", ""},
		{"software-engineer", ""},
		{"xyz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := c.Closest(tt.in); got != tt.want {
				t.Errorf("Closest(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"same", "same", 0}, {"héllo", "hello", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"/"+tt.b, func(t *testing.T) {
			if got := editDistance(tt.a, tt.b); got != tt.want {
				t.Errorf("editDistance(%q, %q): got %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
}
