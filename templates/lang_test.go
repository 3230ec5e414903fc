package templates

import (
	"strings"
	"testing"
)

// mapSource is a valueSource over plain strings; filters are ignored
// except "lower".
type mapSource map[string]string

func (m mapSource) value(n *node) string {
	v := m[n.field]
	for _, f := range n.filters {
		if f == "lower" {
			v = strings.ToLower(v)
		}
	}
	return v
}

func TestRenderLine(t *testing.T) {
	tests := []struct {
		name, line string
		vals       mapSource
		want       string
		dropped    bool
	}{
		{"plain", "Hello.", nil, "Hello.", false},
		{"value", "Work in {city}.", mapSource{"city": "Lyon"}, "Work in Lyon.", false},
		{"empty value drops the line", "Work in {city}.", nil, "", true},
		{"optional words kept", "Work[[ in {city}]].", mapSource{"city": "Lyon"}, "Work in Lyon.", false},
		{"optional words dropped before a full stop", "Work[[ in {city}]].", nil, "Work.", false},
		{"space inside at the end", "Work [[in {city} ]]today.", nil, "Work today.", false},
		{"dropped before a comma", "A degree[[ in {subject}]], or experience.", nil, "A degree, or experience.", false},
		{"dropped with spaces either side", "Grow [[{x} and ]] our tools.", nil, "Grow our tools.", false},
		{"dropped at the start", "[[{x} ]]Teams grow.", nil, "Teams grow.", false},
		{"nested, inner empty", "Pay[[ is {min}[[ to {max}]]]].", mapSource{"min": "1"}, "Pay is 1.", false},
		{"nested, outer empty", "Pay[[ is {min}[[ to {max}]]]].", mapSource{"max": "2"}, "Pay.", false},
		{"several optional parts", "Role[[ in {a}]][[ for {b}]].", mapSource{"b": "us"}, "Role for us.", false},
		{"value ending in a full stop", "Join {company}.", mapSource{"company": "Acme Inc."}, "Join Acme Inc.", false},
		{"full stop inside an optional part", "Join us[[ at {company}]].", mapSource{"company": "Acme Inc."}, "Join us at Acme Inc.", false},
		{"value of only full stops", "Join {company}.", mapSource{"company": "..."}, "", true},
		{"literal braces", "Use {{braces}}.", nil, "Use {braces}.", false},
		{"filter", "{x|lower} here", mapSource{"x": "ABC"}, "abc here", false},
		{"spaces collapse", "  a   b  ", nil, "a b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes, err := parseLine(tt.line)
			if err != nil {
				t.Fatalf("parseLine(%q): %v", tt.line, err)
			}
			got, ok := renderLine(nodes, tt.vals)
			if got != tt.want || ok == tt.dropped {
				t.Errorf("renderLine(%q): got %q kept=%v, want %q kept=%v", tt.line, got, ok, tt.want, !tt.dropped)
			}
		})
	}
}

func TestParseLineErrors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"Fill in [X] here", `single '['`},
		{"Odd ] bracket", `single ']'`},
		{"Open [[ {x} forever", `optional part "[[" is never closed with "]]" (at character 6`},
		{"Close ]] alone", `"]]" closes no optional part`},
		{"Constant [[words]] only", `refers to no field`},
		{"Unclosed {x", `placeholder "{" is never closed`},
		{"Empty {} here", `empty placeholder {}`},
		{"Bad {x|shout}", `unknown filter "shout"`},
		{"Stray } brace", `"}" closes no placeholder`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := parseLine(tt.line)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseLine(%q): got %v, want an error containing %q", tt.line, err, tt.want)
			}
		})
	}
}

func TestArticle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Account Manager", "an"}, {"Senior Account Manager", "a"}, {"Entry-level Account Manager", "an"},
		{"Unicorn wrangler", "a"}, {"Hourly lead", "an"}, {"SEO specialist", "an"}, {"CRM admin", "a"},
		{"European manager", "a"}, {"useful person", "a"}, {"MBA graduate", "an"}, {"", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := article(tt.in); got != tt.want {
				t.Errorf("article(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestJoinList(t *testing.T) {
	tests := []struct {
		in   []string
		conj string
		want string
	}{
		{nil, "and", ""}, {[]string{"a"}, "and", "a"}, {[]string{"a", "b"}, "and", "a and b"}, {[]string{"a", "b", "c"}, "or", "a, b or c"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := joinList(tt.in, tt.conj); got != tt.want {
				t.Errorf("joinList(%q, %q): got %q, want %q", tt.in, tt.conj, got, tt.want)
			}
		})
	}
}

func TestSplitLines(t *testing.T) {
	in := "- one\n\n* two  words\n• three\n1. four\n12) five\n2024 was good\n   \n\tsix\x00"
	want := []string{"one", "two words", "three", "four", "five", "2024 was good", "six"}
	if got := splitLines(in); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitLines: got %q, want %q", got, want)
	}
}

func TestDisplayValues(t *testing.T) {
	_, r := loadBuiltin(t)
	ctx := newRenderContext(r, Values{
		"serves": "clients,customers,partners", "salary_min": "1234567", "years_experience": "0",
		"salary_currency": "EUR", "work_arrangement": "onsite", "job_title": "Account\tManager\u200b",
	})
	tests := []struct {
		field   string
		filters []string
		want    string
	}{
		{"serves", nil, "Clients, Customers and Partners"},
		{"serves", []string{"lower"}, "clients, customers and partners"},
		{"serves", []string{"or", "value"}, "clients, customers or partners"},
		{"salary_min", nil, "1,234,567"},
		{"years_experience", nil, "0"},
		{"years_experience", []string{"nonzero"}, ""},
		{"salary_currency", nil, "EUR – euro"},
		{"salary_currency", []string{"value"}, "EUR"},
		{"work_arrangement", []string{"lower"}, "on-site"},
		{"job_title", []string{"a"}, "an Account Manager"},
		{"no_such_field", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.field+"|"+strings.Join(tt.filters, "|"), func(t *testing.T) {
			if got := ctx.display(tt.field, tt.filters); got != tt.want {
				t.Errorf("display(%s, %v): got %q, want %q", tt.field, tt.filters, got, tt.want)
			}
		})
	}
}
