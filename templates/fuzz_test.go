package templates

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/slack-go/slack"
)

// fuzzSeeds returns the seed inputs of the render fuzz targets (see
// fuzzValues).
func fuzzSeeds() [][10]string {
	return [][10]string{
		{"mid", "clients", "Acme", "We sell things.", "Acme Cloud", "3", "60000", "80000", "Paris", "- Do more."},
		{"entry", "", "", "", "", "", "", "", "", ""},
		{"senior", "partners,customers,clients,investors", "<!channel>", "<@U123> & <#C1|x>\n<!here>", "<https://evil|x>", "0", "-5", "abc", "&amp;", "*bold* _it_ `c` [x](y)"},
		{"principal", ",,,", "   ", "\n\n\n", "{company_name}", "99999999999999999999", "1,000", "1_000", "[[x]]", "{{ }}"},
		{"SENIOR", "Clients", strings.Repeat("A", 300), strings.Repeat("word ", 1000), strings.Repeat("&", 3000), "50", "10000000", "0", strings.Repeat("<", 200), strings.Repeat("line\n", 600)},
		{"mid", "clients", "Acme Inc.", "# heading\n> quote\n1. list\n+ plus\n===", "it.", "1", "", "", "...", "\x00\x01\u200b\u2028\r\n\t"},
		{"entry", "customers", "\xff\xfe invalid", "é\u0301 ünïcödé 日本語 🙂", "Ωmega", " 7 ", "", "90000", "São Paulo", "•  ·  –"},
	}
}

// fuzzValues spreads a fuzz target's strings over the built-in role's fields.
func fuzzValues(level, serves, company, bio, product, years, salMin, salMax, location, extra string) Values {
	return Values{
		"level": level, "serves": serves, "company_name": company, "company_bio": bio, "product": product,
		"years_experience": years, "salary_min": salMin, "salary_max": salMax, "location": location,
		"extra_responsibilities": extra, "extra_qualifications": bio, "partner_teams": product,
		"reports_to": company, "how_to_apply": extra, "work_arrangement": level, "job_title": product,
	}
}

// FuzzRender renders arbitrary field values and checks that the renderer
// never fails or panics, that Slack's limits hold, and that nothing typed
// reaches mrkdwn or Markdown unescaped. Without -fuzz it runs the seeds.
func FuzzRender(f *testing.F) {
	_, r := loadBuiltin(f)
	for _, s := range fuzzSeeds() {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9])
	}
	f.Fuzz(func(t *testing.T, level, serves, company, bio, product, years, salMin, salMax, location, extra string) {
		v := fuzzValues(level, serves, company, bio, product, years, salMin, salMax, location, extra)
		_ = r.Validate(v)
		out, err := r.Render(v)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		blocks := out.Blocks()
		checkBlocks(t, blocks)
		if _, err := json.Marshal(blocks); err != nil {
			t.Fatalf("marshal blocks: %v", err)
		}
		if len(blocks) > 0 {
			if h, ok := blocks[0].(*slack.HeaderBlock); !ok || h.Text.Type != slack.PlainTextType {
				t.Errorf("first block: got %T, want a plain_text header", blocks[0])
			}
		}
		checkMarkdownEscaped(t, out.Markdown())
		text := out.Text()
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, "  ") {
				t.Errorf("doubled space in text line %q", line)
			}
			if strings.IndexFunc(line, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0 {
				t.Errorf("control or format character in text line %q", line)
			}
		}
	})
}

// checkMarkdownEscaped asserts that every formatting character in md is
// backslash-escaped; the built-in wording uses none itself.
func checkMarkdownEscaped(t *testing.T, md string) {
	t.Helper()
	for _, line := range strings.Split(md, "\n") {
		body := line
		for _, p := range []string{"## ", "# ", "- "} {
			if strings.HasPrefix(line, p) {
				body = line[len(p):]
				break
			}
		}
		backslashes := 0
		for i := 0; i < len(body); i++ {
			c := body[i]
			if strings.IndexByte("*_[]<>`|~", c) >= 0 && backslashes%2 == 0 {
				t.Errorf("unescaped %q in Markdown line %q", c, line)
				return
			}
			if c == '\\' {
				backslashes++
			} else {
				backslashes = 0
			}
		}
		if backslashes%2 == 1 {
			t.Errorf("Markdown line ends in a lone backslash: %q", line)
		}
		if body != "" && strings.IndexByte("#+-=", body[0]) >= 0 && line == body {
			t.Errorf("Markdown paragraph starts with %q unescaped: %q", body[0], line)
		}
	}
}

// TestRenderHugeValues fills every field with far more than any limit
// allows (Render does not enforce limits): the output must still fit Slack.
func TestRenderHugeValues(t *testing.T) {
	_, r := loadBuiltin(t)
	for _, unit := range []string{"&", "<!channel> ", "- item\n", "clients,", "é ", "0"} {
		t.Run(strings.TrimSpace(unit), func(t *testing.T) {
			big := strings.Repeat(unit, 50000/len(unit))
			v := Values{}
			for _, f := range r.Fields {
				v[f.ID] = big
			}
			if msgs := r.Validate(v); len(msgs) == 0 {
				t.Error("Validate: got no problems, want limits reported")
			}
			out, err := r.Render(v)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			checkBlocks(t, out.Blocks())
			checkMarkdownEscaped(t, out.Markdown())
		})
	}
}
