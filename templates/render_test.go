package templates

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var levels = []string{"entry", "mid", "senior"}

// levelSample returns the example values adjusted to read naturally for a
// level: the goldens show each level as a hiring manager would fill it.
func levelSample(r *Role, level string) Values {
	v := r.Example()
	v["level"] = level
	switch level {
	case "entry":
		v["years_experience"] = "" // shows the "experience is a plus" line
		v["salary_min"], v["salary_max"] = "48000", "56000"
	case "senior":
		v["job_title"] = "Senior Account Manager"
		v["years_experience"] = "5"
		v["work_arrangement"] = "remote"
		v["location"] = "the United States or Canada"
		v["salary_min"], v["salary_max"] = "95000", "120000"
	}
	return v
}

func render(t testing.TB, r *Role, v Values) Rendered {
	t.Helper()
	out, err := r.Render(v)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return out
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./templates -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./templates -update and review the diff)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	_, r := loadBuiltin(t)
	for _, level := range levels {
		out := render(t, r, levelSample(r, level))
		js, err := out.BlocksJSON()
		if err != nil {
			t.Fatalf("BlocksJSON: %v", err)
		}
		for _, f := range []struct {
			ext string
			got []byte
		}{{"md", []byte(out.Markdown())}, {"txt", []byte(out.Text())}, {"json", append(js, '\n')}} {
			t.Run(level+"."+f.ext, func(t *testing.T) {
				golden(t, "account-manager-"+level+"."+f.ext, f.got)
			})
		}
	}
}

// blockKitSchema compiles the message-blocks schema from a copy of
// /work/shared/slack-schemas (MIT, licence beside it).
func blockKitSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return (*ecmaRegexp)(re), nil
	})
	path, err := filepath.Abs(filepath.Join("testdata", "slack-schemas", "block-kit.schema.json"))
	if err != nil {
		t.Fatalf("schema path: %v", err)
	}
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compile Block Kit schema: %v", err)
	}
	return sch
}

type ecmaRegexp regexp2.Regexp

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}

func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

// checkBlocks asserts Slack's limits and the escaping rules on blocks.
func checkBlocks(t testing.TB, blocks []slack.Block) {
	t.Helper()
	if n := len(blocks); n == 0 || n > MaxBlocks {
		t.Errorf("got %d blocks, want 1 to %d", n, MaxBlocks)
	}
	for i, b := range blocks {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			if i != 0 {
				t.Errorf("block %d: got a header, want it only first", i)
			}
			if n := utf8.RuneCountInString(b.Text.Text); n == 0 || n > MaxHeader {
				t.Errorf("header has %d characters, want 1 to %d", n, MaxHeader)
			}
		case *slack.SectionBlock:
			checkMrkdwn(t, i, b.Text.Text, MaxSectionText)
		case *slack.ContextBlock:
			if i != len(blocks)-1 {
				t.Errorf("block %d: got a context block, want it only last", i)
			}
			for _, e := range b.ContextElements.Elements {
				if to, ok := e.(*slack.TextBlockObject); ok {
					checkMrkdwn(t, i, to.Text, 3000)
				}
			}
		default:
			t.Errorf("block %d: unexpected type %T", i, b)
		}
	}
}

var rawEntity = regexp.MustCompile(`&(?:amp|lt|gt);`)

func checkMrkdwn(t testing.TB, i int, text string, limit int) {
	t.Helper()
	if n := utf8.RuneCountInString(text); n == 0 || n > limit {
		t.Errorf("block %d: text has %d characters, want 1 to %d", i, n, limit)
	}
	if strings.ContainsAny(text, "<>") {
		t.Errorf("block %d: raw < or > reached mrkdwn: %q", i, text)
	}
	if strings.Count(text, "&") != len(rawEntity.FindAllString(text, -1)) {
		t.Errorf("block %d: an & is not part of &amp;, &lt; or &gt;: %q", i, text)
	}
	if strings.TrimSpace(text) != text {
		t.Errorf("block %d: text has leading or trailing space: %q", i, text)
	}
}

// validateSchema checks blocks against the Block Kit JSON schema.
func validateSchema(t testing.TB, sch *jsonschema.Schema, blocks []slack.Block) {
	t.Helper()
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatalf("marshal blocks: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode blocks JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("blocks fail the Block Kit schema: %v", err)
	}
}

func TestBlocksValidForSlack(t *testing.T) {
	_, r := loadBuiltin(t)
	sch := blockKitSchema(t)
	for _, level := range levels {
		t.Run(level, func(t *testing.T) {
			out := render(t, r, levelSample(r, level))
			blocks := out.Blocks()
			checkBlocks(t, blocks)
			validateSchema(t, sch, blocks)
			if got, want := blocks[0].(*slack.HeaderBlock).Text.Text, out.Title; got != want {
				t.Errorf("header: got %q, want %q", got, want)
			}
		})
	}
}

// textProblems reports placeholders, doubled spaces, empty bullets and
// dangling words in a plain-text description.
func textProblems(text string) []string {
	var out []string
	for n, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		report := func(what string) { out = append(out, "line "+itoa(n+1)+": "+what+": "+line) }
		if strings.ContainsAny(line, "[]{}") {
			report("placeholder brackets")
		}
		if strings.Contains(line, "  ") || strings.TrimSpace(line) != line {
			report("doubled or stray spaces")
		}
		if line == "-" || line == "- " || strings.HasPrefix(line, "- ") && strings.TrimSpace(line[2:]) == "" {
			report("empty bullet")
		}
		if w := repeatedWord(line); w != "" {
			report("repeated word " + strconv.Quote(w))
		}
		for _, d := range dangling {
			if d.re.MatchString(line) {
				report(d.what)
			}
		}
	}
	return out
}

var dangling = []struct {
	what string
	re   *regexp.Regexp
}{
	{"word left hanging before punctuation or line end", regexp.MustCompile(`(?i)\b(in|for|with|of|from|at|to|and|or|by|on|as|per|than|the|a|an|our|is|are|including|such as|between|up to|ideally|based|open)\s*([.,;:!?)]|$)`)},
	{"empty parentheses", regexp.MustCompile(`\(\s*\)`)},
	{"space before punctuation", regexp.MustCompile(` [.,;:!?)]`)},
	{"doubled punctuation", regexp.MustCompile(`[.,;:]\s*[.,;:]`)},
	{"line starts with punctuation", regexp.MustCompile(`^(- )?[.,;:!?)]`)},
	{"number sign without number", regexp.MustCompile(`(^|\s)\+ years`)},
	{"currency without amount", regexp.MustCompile(`\b[A-Z]{3} (to|per)\b`)},
}

// repeatedWord returns a word that appears twice in a row ("the the"), or "".
func repeatedWord(line string) string {
	words := strings.Fields(strings.ToLower(line))
	for i := 1; i < len(words); i++ {
		if words[i] == words[i-1] && strings.IndexFunc(words[i], unicode.IsLetter) >= 0 {
			return words[i]
		}
	}
	return ""
}

func itoa(n int) string { return group(int64(n)) }

// everyField fills every field, long texts with several lines and the
// bullet marks people type.
func everyField(r *Role, level string) Values {
	v := r.Example()
	v["level"] = level
	v["serves"] = "clients,customers,partners"
	v["extra_responsibilities"] = "- Run quarterly business reviews.\n\n* Mentor new colleagues.\n1. Keep the CRM up to date."
	v["extra_qualifications"] = "• A driving licence.\n  Fluency in Spanish.  "
	v["how_to_apply"] = "Apply online.\nQuestions? Email jobs@northwind.example."
	return v
}

func TestFillEveryField(t *testing.T) {
	_, r := loadBuiltin(t)
	var all strings.Builder
	for _, level := range levels {
		t.Run(level, func(t *testing.T) {
			v := everyField(r, level)
			if msgs := r.Validate(v); msgs != nil {
				t.Fatalf("sample is invalid: %v", msgs)
			}
			out := render(t, r, v)
			text := out.Text()
			all.WriteString(text)
			for _, p := range textProblems(text) {
				t.Error(p)
			}
			md := out.Markdown()
			if strings.Contains(md, "\n- \n") || strings.Contains(md, "  ") {
				t.Errorf("Markdown has an empty bullet or doubled space:\n%s", md)
			}
			for _, want := range []string{"Run quarterly business reviews.", "Mentor new colleagues.", "Keep the CRM up to date.", "A driving licence.", "Fluency in Spanish."} {
				if !strings.Contains(text, "\n- "+want+"\n") {
					t.Errorf("got no bullet %q", want)
				}
			}
			checkBlocks(t, out.Blocks())
		})
	}
	// Every field shows up in the text of at least one level.
	values := map[string]string{
		"level": "", "serves": "clients, customers and partners", "years_experience": "3+",
		"salary_min": "65,000", "salary_max": "85,000", "salary_period": "per year",
		"work_arrangement": "hybrid role", "extra_responsibilities": "Mentor new colleagues.",
		"extra_qualifications": "Fluency in Spanish.", "how_to_apply": "Apply online.",
		"company_bio": "We are a team of 120 people",
	}
	for _, f := range r.Fields {
		want, ok := values[f.ID]
		if !ok {
			want = r.Example()[f.ID]
		}
		if want != "" && !strings.Contains(all.String(), want) {
			t.Errorf("field %s: value %q appears in no level's text", f.ID, want)
		}
	}
}

func TestEachOptionalFieldEmpty(t *testing.T) {
	_, r := loadBuiltin(t)
	// What must disappear with each field (its sample value as rendered).
	gone := map[string]string{
		"serves": "", "level": "", "job_title": "", "company_name": "",
		"years_experience": "3+", "salary_min": "65,000", "salary_max": "85,000",
		"salary_currency": "USD", "salary_period": "per year", "work_arrangement": "hybrid",
		"company_bio": "mid-sized retailers",
	}
	for _, level := range levels {
		full := everyField(r, level)
		for _, f := range r.Fields {
			if f.Required {
				continue
			}
			for _, empty := range []string{"", "   "} {
				t.Run(level+"/"+f.ID+"/"+strings.ReplaceAll(empty, " ", "_"), func(t *testing.T) {
					v := with(full, f.ID, empty)
					out := render(t, r, v)
					text := out.Text()
					for _, p := range textProblems(text) {
						t.Error(p)
					}
					want, ok := gone[f.ID]
					if !ok {
						want = full[f.ID]
					}
					if want != "" && strings.Contains(text, want) {
						t.Errorf("%q still appears with %s empty", want, f.ID)
					}
					if text == render(t, r, full).Text() {
						t.Errorf("text unchanged with %s empty, want the words about it removed", f.ID)
					}
				})
			}
		}
	}
}

// TestAllOptionalFieldsEmpty renders the least a valid form can give.
func TestAllOptionalFieldsEmpty(t *testing.T) {
	_, r := loadBuiltin(t)
	for _, level := range levels {
		t.Run(level, func(t *testing.T) {
			v := Values{"company_name": "Acme", "level": level}
			for _, f := range r.Fields {
				if !f.Required && f.ID != "level" {
					v[f.ID] = ""
				}
			}
			if msgs := r.Validate(v); msgs != nil {
				t.Fatalf("Validate: got %v, want nil", msgs)
			}
			out := render(t, r, v)
			for _, p := range textProblems(out.Text()) {
				t.Error(p)
			}
			for _, h := range []string{"About the role", "What you'll do", "What you bring"} {
				if !strings.Contains(out.Text(), "\n"+h+"\n") {
					t.Errorf("got no %q section", h)
				}
			}
			for _, h := range []string{"About Acme", "Compensation and location", "How to apply"} {
				if strings.Contains(out.Text(), h) {
					t.Errorf("got section %q with nothing to put in it", h)
				}
			}
			checkBlocks(t, out.Blocks())
		})
	}
}

func TestSalaryAndLocationSentences(t *testing.T) {
	_, r := loadBuiltin(t)
	base := r.Example()
	tests := []struct {
		name string
		kv   []string
		want string
	}{
		{"range", nil, "The pay range for this role is USD 65,000 to USD 85,000 per year."},
		{"min only", []string{"salary_max", ""}, "Pay for this role starts at USD 65,000 per year."},
		{"max only", []string{"salary_min", ""}, "Pay for this role is up to USD 85,000 per year."},
		{"no currency or period", []string{"salary_currency", "", "salary_period", ""}, "The pay range for this role is 65,000 to 85,000."},
		{"hourly in euros", []string{"salary_min", "25", "salary_max", "32", "salary_currency", "eur", "salary_period", "Per hour"}, "The pay range for this role is EUR 25 to EUR 32 per hour."},
		{"on-site", []string{"work_arrangement", "onsite"}, "This is an on-site role in Austin, Texas."},
		{"remote nowhere", []string{"work_arrangement", "remote", "location", ""}, "per year. This is a remote role.\n"},
		{"hybrid nowhere", []string{"work_arrangement", "hybrid", "location", ""}, "This is a hybrid role, with time both in the office and at home."},
		{"place only", []string{"work_arrangement", ""}, "The role is based in Austin, Texas."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := render(t, r, with(base, tt.kv...)).Text()
			if !strings.Contains(text, tt.want) {
				t.Errorf("got text without %q:\n%s", tt.want, text)
			}
		})
	}
}

func TestLevelWording(t *testing.T) {
	_, r := loadBuiltin(t)
	tests := []struct {
		level      string
		want, not  []string
		minBullets int
	}{
		{"entry", []string{"first step into account management", "Help onboard new accounts", "It's a plus, not a requirement"},
			[]string{"Advise the sales and marketing teams", "proven record"}, 8},
		{"mid", []string{"Keep revenue growing", "A proven record", "Present KPIs"},
			[]string{"first step", "Advise the sales and marketing teams"}, 10},
		{"senior", []string{"main point of contact", "Advise the sales and marketing teams", "outside usual business hours"},
			[]string{"first step", "Present KPIs"}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			out := render(t, r, levelSample(r, tt.level))
			text := out.Text()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("got no %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("got %q, which belongs to another level", w)
				}
			}
			for _, s := range out.Sections {
				if s.Heading == "What you'll do" && len(s.Bullets) < tt.minBullets {
					t.Errorf("got %d duties, want at least %d", len(s.Bullets), tt.minBullets)
				}
			}
		})
	}
}

// TestWordingIsNeutral checks the built-in wording (rendered with values
// free of coded words) against the gender-coded word list and a list of
// exclusionary phrases.
func TestWordingIsNeutral(t *testing.T) {
	_, r := loadBuiltin(t)
	data, err := os.ReadFile(filepath.Join("testdata", "wordlists", "gender-coded-en.json"))
	if err != nil {
		t.Fatalf("read word list: %v", err)
	}
	var list struct {
		Feminine  []string `json:"feminine_coded_stems"`
		Masculine []string `json:"masculine_coded_stems"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("decode word list: %v", err)
	}
	exclusionary := regexp.MustCompile(`(?i)\b(rock ?stars?|ninjas?|gurus?|young|youthful|digital natives?|native (english|speaker)|culture fit|recent graduates?|energetic|work hard,? play hard|he|his|him|she|her|manpower|guys)\b`)
	word := regexp.MustCompile(`[A-Za-z][A-Za-z'-]*`)
	for _, level := range levels {
		t.Run(level, func(t *testing.T) {
			text := render(t, r, levelSample(r, level)).Text()
			var fem, masc []string
			for _, w := range word.FindAllString(text, -1) {
				lw := strings.ToLower(w)
				for _, s := range list.Feminine {
					if strings.HasPrefix(lw, s) {
						fem = append(fem, w)
					}
				}
				for _, s := range list.Masculine {
					if strings.HasPrefix(lw, s) {
						masc = append(masc, w)
					}
				}
			}
			if d := len(fem) - len(masc); d < -1 || d > 1 {
				t.Errorf("got %d feminine-coded %v and %d masculine-coded %v words, want a balance within 1", len(fem), fem, len(masc), masc)
			}
			for _, p := range exclusionary.FindAllString(text, -1) {
				t.Errorf("got exclusionary or gendered phrase %q", p)
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	_, r := loadBuiltin(t)
	hostile := "<!channel> & <@U123> <#C42|general> <https://evil.example|click> *bold* _it_ `code` [x](y) ~s~ | \\ &amp;"
	v := r.Example()
	for _, id := range []string{"company_name", "product", "partner_teams", "reports_to", "location", "industry", "platforms"} {
		v[id] = "X " + hostile
	}
	v["company_bio"] = "# not a heading\n> not a quote\n=== not a rule\n" + hostile
	v["extra_qualifications"] = hostile
	out := render(t, r, v)

	t.Run("blocks", func(t *testing.T) {
		blocks := out.Blocks()
		checkBlocks(t, blocks)
		validateSchema(t, blockKitSchema(t), blocks)
		js, err := out.BlocksJSON()
		if err != nil {
			t.Fatalf("BlocksJSON: %v", err)
		}
		for _, want := range []string{"&lt;!channel&gt;", "&lt;@U123&gt;", "&lt;#C42|general&gt;", "&amp;amp;"} {
			if !strings.Contains(string(js), want) {
				t.Errorf("blocks JSON has no %q", want)
			}
		}
		if h := blocks[0].(*slack.HeaderBlock).Text; h.Type != slack.PlainTextType {
			t.Errorf("header type: got %s, want plain_text (which never mentions)", h.Type)
		}
	})
	t.Run("markdown", func(t *testing.T) {
		md := out.Markdown()
		for _, want := range []string{`\<!channel\>`, `\*bold\*`, `\_it\_`, "\\`code\\`", `\[x\](y)`, `\~s\~`, `\|`, `\\`, `\&amp;`,
			"\n\\# not a heading\n", "\n\\> not a quote\n", "\n\\=== not a rule\n"} {
			if !strings.Contains(md, want) {
				t.Errorf("Markdown has no %q", want)
			}
		}
		if strings.Contains(md, "\n# not") || strings.Contains(md, " *bold*") {
			t.Errorf("Markdown let formatting through:\n%s", md)
		}
	})
	t.Run("text", func(t *testing.T) {
		if text := out.Text(); !strings.Contains(text, hostile) {
			t.Errorf("plain text changed the value; want it verbatim: %q", hostile)
		}
	})
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words, and more.", "plain words, and more."},
		{"# hash", `\# hash`},
		{"- dash", `\- dash`},
		{"+ plus", `\+ plus`},
		{"12. twelve", `12\. twelve`},
		{"3) three", `3\) three`},
		{"2024 was good", "2024 was good"},
		{"C# and F#", "C# and F#"},
		{"a_b*c`d", "a\\_b\\*c\\`d"},
		{"<b>", `\<b\>`},
		{"R&D and &copy; and &#169;", `R&D and \&copy; and \&#169;`},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := mdEscape(tt.in); got != tt.want {
				t.Errorf("mdEscape(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBlocksSplitLongSections(t *testing.T) {
	var bullets []string
	for i := 0; i < 60; i++ {
		bullets = append(bullets, "Bullet "+itoa(i)+" "+strings.Repeat("word ", 38)+"end.")
	}
	long := strings.Repeat("paragraph text & more ", 400) // 8,800 characters, escaping adds more
	r := Rendered{
		Title:    strings.Repeat("Very long title ", 20),
		Intro:    "Intro.",
		Sections: []Section{{Heading: "Duties", Paragraphs: []string{"Short.", long}, Bullets: bullets}},
	}
	blocks := r.Blocks()
	checkBlocks(t, blocks)
	validateSchema(t, blockKitSchema(t), blocks)

	header := blocks[0].(*slack.HeaderBlock).Text.Text
	if n := utf8.RuneCountInString(header); n < MaxHeader-1 || n > MaxHeader || !strings.HasSuffix(header, "…") {
		t.Errorf("header: got %d characters %q, want about %d ending in …", n, header, MaxHeader)
	}
	var texts []string
	for _, b := range blocks[2:] {
		texts = append(texts, b.(*slack.SectionBlock).Text.Text)
	}
	if !strings.HasPrefix(texts[0], "*Duties*\nShort.") {
		t.Errorf("first section: got %.40q, want the heading then the first paragraph", texts[0])
	}
	// Every bullet arrives whole, on its own line, in order.
	var got []string
	for _, tx := range texts {
		for _, line := range strings.Split(tx, "\n") {
			if strings.HasPrefix(line, "• ") {
				got = append(got, strings.TrimPrefix(line, "• "))
			}
		}
	}
	if strings.Join(got, "|") != strings.Join(bullets, "|") {
		t.Errorf("bullets were cut or lost: got %d, want %d", len(got), len(bullets))
	}
	// The long paragraph is cut only at spaces: its words survive.
	joined := strings.Join(texts, " ")
	if c := strings.Count(joined, "paragraph text &amp; more"); c != 400 {
		t.Errorf("got %d intact repeats of the long paragraph's phrase, want 400", c)
	}
}

func TestBlocksCapped(t *testing.T) {
	var r Rendered
	r.Title = "T"
	for i := 0; i < 60; i++ {
		r.Sections = append(r.Sections, Section{Heading: "Part " + itoa(i), Paragraphs: []string{"Text."}})
	}
	blocks := r.Blocks()
	checkBlocks(t, blocks)
	if len(blocks) != MaxBlocks {
		t.Fatalf("got %d blocks, want %d", len(blocks), MaxBlocks)
	}
	if _, ok := blocks[MaxBlocks-1].(*slack.ContextBlock); !ok {
		t.Errorf("last block: got %T, want a context block saying the rest is left out", blocks[MaxBlocks-1])
	}
	// Exactly at the cap, nothing is left out.
	r.Sections = r.Sections[:MaxBlocks-1]
	blocks = r.Blocks()
	if _, ok := blocks[len(blocks)-1].(*slack.SectionBlock); !ok || len(blocks) != MaxBlocks {
		t.Errorf("got %d blocks ending in %T, want %d ending in a section", len(blocks), blocks[len(blocks)-1], MaxBlocks)
	}
}

func TestBlocksEmpty(t *testing.T) {
	blocks := Rendered{}.Blocks()
	checkBlocks(t, blocks)
	if len(blocks) != 1 || blocks[0].(*slack.HeaderBlock).Text.Text != "Job description" {
		t.Errorf("got %d blocks, want only a header reading \"Job description\"", len(blocks))
	}
}

func TestCutText(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"no spaces", strings.Repeat("x", 7000)},
		{"entities at the cut", strings.Repeat("&amp;", 1300)},
		{"multibyte", strings.Repeat("é", 6500)},
		{"words", strings.Repeat("abc ", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := cutText(tt.in, MaxSectionText)
			for i, p := range parts {
				if n := utf8.RuneCountInString(p); n == 0 || n > MaxSectionText {
					t.Errorf("part %d has %d characters, want 1 to %d", i, n, MaxSectionText)
				}
				if !utf8.ValidString(p) {
					t.Errorf("part %d is not valid UTF-8", i)
				}
				if strings.Count(p, "&") != strings.Count(p, "&amp;") && strings.Contains(tt.in, "&amp;") {
					t.Errorf("part %d cuts an entity", i)
				}
			}
			if got := strings.ReplaceAll(strings.Join(parts, ""), " ", ""); got != strings.ReplaceAll(tt.in, " ", "") {
				t.Errorf("parts lose or change text")
			}
		})
	}
}

func TestWords(t *testing.T) {
	r := Rendered{Title: "Account Manager", Intro: "One two three.", Sections: []Section{{Heading: "About", Paragraphs: []string{"Four five."}, Bullets: []string{"six", "seven eight"}}}}
	if got := r.Words(); got != 11 {
		t.Errorf("Words: got %d, want 11", got)
	}
}

// BenchmarkRender renders one draft (the example values) to its raw
// form, what the bot does on every modal submission.
func BenchmarkRender(b *testing.B) {
	_, r := loadBuiltin(b)
	v := r.Example()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderAllForms renders one draft (the example values) and
// produces all three forms, as the bot and the render command do.
func BenchmarkRenderAllForms(b *testing.B) {
	_, r := loadBuiltin(b)
	v := r.Example()
	b.ReportAllocs()
	for b.Loop() {
		out, err := r.Render(v)
		if err != nil {
			b.Fatal(err)
		}
		_ = out.Markdown()
		_ = out.Text()
		_ = out.Blocks()
	}
}

// BenchmarkBlocks builds the Slack blocks of one rendered draft (the
// example values), what the bot posts on every modal submission.
func BenchmarkBlocks(b *testing.B) {
	_, r := loadBuiltin(b)
	out := render(b, r, r.Example())
	b.ReportAllocs()
	for b.Loop() {
		_ = out.Blocks()
	}
}

// BenchmarkBlocksJSON adds the JSON encoding of the blocks.
func BenchmarkBlocksJSON(b *testing.B) {
	_, r := loadBuiltin(b)
	out := render(b, r, r.Example())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := out.BlocksJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad parses and checks the built-in catalogue.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(""); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRequirementsShort keeps the built-in must-haves to seven per level,
// leaving room for one extra requirement under the posting checker's
// eight: long lists put off people who meet most but not all of them.
func TestRequirementsShort(t *testing.T) {
	_, r := loadBuiltin(t)
	for _, level := range levels {
		t.Run(level, func(t *testing.T) {
			v := with(everyField(r, level), "extra_qualifications", "", "years_experience", "4")
			for _, s := range render(t, r, v).Sections {
				if s.Heading == "What you bring" && len(s.Bullets) > 7 {
					t.Errorf("got %d must-haves, want at most 7: %q", len(s.Bullets), s.Bullets)
				}
			}
		})
	}
}
