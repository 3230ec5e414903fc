package checks

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// update rewrites the golden files from the current code (and the built-in
// renders from the current templates): go test ./checks -run Golden -update
var update = flag.Bool("update", false, "rewrite checks/testdata golden files from the current code")

const (
	goldenFile   = "testdata/golden.txt"
	builtinsFile = "testdata/builtin-renders.json"
)

// checkInput is one call of Check the golden file records.
type checkInput struct {
	Name     string
	Role     *templates.Role `json:",omitempty"`
	Values   templates.Values
	Rendered templates.Rendered
}

// TestGolden runs every check over a fixed corpus and compares everything
// they report (findings, tokens, gender coding, reading ease, phrases,
// placeholders) with testdata/golden.txt, byte for byte. The file was
// written by the code as it stood before the checks were made faster, so a
// change in any finding shows up here. The corpus: the built-in template
// rendered at every level (a snapshot in testdata/builtin-renders.json, so
// that template edits elsewhere do not move it), every input of the
// package's other tests, and texts with awkward Unicode.
func TestGolden(t *testing.T) {
	got := goldenOutput(t)
	if *update {
		writeFile(t, goldenFile, got)
		return
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatalf("read golden file (create it with -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (%d bytes, want %d):\n%s", goldenFile, len(got), len(want), firstDiff(got, want))
	}
}

// goldenOutput returns the golden text for the whole corpus.
func goldenOutput(t *testing.T) []byte {
	t.Helper()
	d := mustData(t)
	builtins := builtinInputs(t)
	texts := goldenTexts(t, builtins)
	var b bytes.Buffer
	for _, in := range goldenCheckInputs(t, builtins, texts) {
		writeCheck(&b, in)
	}
	for i, text := range texts {
		writeText(&b, d, i, text)
	}
	return b.Bytes()
}

// writeCheck records Check on in, and what the posting-wide measures give.
func writeCheck(b *bytes.Buffer, in checkInput) {
	fs := Check(in.Role, in.Values, in.Rendered)
	fmt.Fprintf(b, "=== check %q: %d findings, %s\n", in.Name, len(fs), Summary(fs))
	for _, f := range fs {
		fmt.Fprintf(b, "%s %s field=%q\n  message: %q\n  suggestion: %q\n", f.Severity, f.Rule, f.Field, f.Message, f.Suggestion)
	}
	posting, prose := postingText(in.Rendered), proseText(in.Rendered)
	c := GenderCoding(posting)
	fmt.Fprintf(b, "posting: %d words; prose: %d words, ease %s; gender %s, feminine %q, masculine %q\n",
		words(posting).count(), words(prose).count(), exactFloat(ReadingEase(prose)), c.Verdict, c.Feminine, c.Masculine)
}

// writeText records what each part of the checks makes of text.
func writeText(b *bytes.Buffer, d *data, i int, text string) {
	fmt.Fprintf(b, "=== text %d %q\n", i, text)
	b.WriteString("tokens:")
	ws := words(text)
	for i := range ws.count() {
		start, _ := ws.span(i)
		// start:word=syllables, with the lower case only when it is not
		// strings.ToLower of the word.
		w, lower := ws.word(i), ws.lowerWord(i)
		fmt.Fprintf(b, " %d:%q", start, w)
		if lower != strings.ToLower(w) {
			fmt.Fprintf(b, "/%q", lower)
		}
		fmt.Fprintf(b, "=%d", syllables(lower))
	}
	b.WriteByte('\n')
	c := GenderCoding(text)
	fmt.Fprintf(b, "gender: %s, feminine %q, masculine %q\n", c.Verdict, c.Feminine, c.Masculine)
	fmt.Fprintf(b, "ease: %s; heading: %v\n", exactFloat(ReadingEase(text)), isRequirementHeading(text))
	doc := newDoc("", text)
	fmt.Fprintf(b, "placeholders: %q; repeated: %q\n", d.placeholders(doc), repeatedWords(doc))
	for k := range d.phrases {
		p := &d.phrases[k]
		if ms := p.find(doc); len(ms) > 0 {
			fmt.Fprintf(b, "phrase %s: %q\n", p.ID, ms)
		}
	}
}

func exactFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// goldenCheckInputs returns the Check calls of the corpus: the built-in
// renders, the inputs of the package's Check tests, and two calls for each
// text.
func goldenCheckInputs(t *testing.T, builtins []checkInput, texts []string) []checkInput {
	t.Helper()
	ins := slices.Clone(builtins)
	sample := func(name string, kv []string, edit func(*templates.Rendered)) checkInput {
		r := samplePosting()
		if edit != nil {
			edit(&r)
		}
		return checkInput{Name: name, Role: testRole(t), Values: change(sampleValues(), kv...), Rendered: r}
	}
	ins = append(ins, sample("sample", nil, nil))
	role, v, r := messyPosting(t)
	ins = append(ins, checkInput{"messy", role, v, r})
	ins = append(ins, checkInput{"without role", nil, change(sampleValues(), "company_bio", "We want a rockstar."), samplePosting()})
	for _, c := range oddInputCases() {
		ins = append(ins, checkInput{"odd input: " + c.name, c.role, c.v, c.r})
	}
	for _, c := range exclusionaryCases() {
		ins = append(ins, sample("exclusionary: "+c.name, c.kv, c.edit))
	}
	for _, c := range genderFindingCases() {
		ins = append(ins, sample("gender: "+c.name, c.kv, c.edit))
	}
	for _, c := range leftoverCases() {
		ins = append(ins, sample("leftover: "+c.name, c.kv, c.edit))
	}
	for _, c := range requirementCases() {
		ins = append(ins, sample("requirements: "+c.name, c.kv, c.edit))
	}
	for _, c := range readabilityCases() {
		ins = append(ins, sample("readability: "+c.name, c.kv, c.edit))
	}
	for _, c := range payCases() {
		ins = append(ins, sample("pay: "+c.name, c.kv, nil))
	}
	for _, c := range salaryCases() {
		ins = append(ins, sample("salary: "+c.name, []string{"salary_min", c.min, "salary_max", c.max}, nil))
	}
	for _, c := range payFieldCases(t) {
		ins = append(ins, checkInput{"pay field: " + c.name, c.role, templates.Values{"location": "Denver, CO"}, templates.Rendered{}})
	}
	for i, text := range texts {
		// The text as the author's own words, inside the sample posting...
		ins = append(ins, sample(fmt.Sprintf("text %d in the sample", i),
			[]string{"company_bio", text, "extra_qualifications", text, "location", text, "salary_min", ""},
			func(r *templates.Rendered) {
				r.Intro = text + " " + r.Intro
				r.Sections[0].Paragraphs = append(r.Sections[0].Paragraphs, text)
				r.Sections[2].Bullets = append(r.Sections[2].Bullets, text)
			}))
		// ...and as a whole posting with no role.
		ins = append(ins, checkInput{
			Name:   fmt.Sprintf("text %d alone", i),
			Values: templates.Values{"location": text, "work_arrangement": "remote", "note": text},
			Rendered: templates.Rendered{Title: text, Intro: text, Sections: []templates.Section{
				{Heading: text, Paragraphs: []string{text}, Bullets: strings.Split(text, "\n")},
			}},
		})
	}
	return ins
}

// builtinInputs returns the built-in template rendered at each level and
// for the places of the issue, from the snapshot file (rewritten from the
// templates with -update).
func builtinInputs(t *testing.T) []checkInput {
	t.Helper()
	if !*update {
		raw, err := os.ReadFile(builtinsFile)
		if err != nil {
			t.Fatalf("read built-in renders (create them with -update): %v", err)
		}
		var snap builtinSnapshot
		if err := json.Unmarshal(raw, &snap); err != nil {
			t.Fatalf("decode %s: %v", builtinsFile, err)
		}
		return snap.inputs()
	}
	role := builtinRole(t)
	snap := builtinSnapshot{RoleID: role.ID}
	for _, f := range role.Fields {
		snap.Fields = append(snap.Fields, snapshotField{f.ID, f.Kind})
	}
	add := func(name string, kv ...string) {
		v := change(role.Example(), kv...)
		snap.Renders = append(snap.Renders, checkInput{Name: "builtin " + name, Values: v, Rendered: render(t, role, v)})
	}
	for _, level := range []string{"entry", "mid", "senior"} {
		add(level, "level", level)
	}
	add("senior in Denver without minimum", "level", "senior", "location", "Denver, CO", "salary_min", "")
	for _, c := range builtinPlaceCases() {
		add(c.name, c.kv...)
	}
	raw, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		t.Fatalf("encode built-in renders: %v", err)
	}
	writeFile(t, builtinsFile, append(raw, '\n'))
	return snap.inputs()
}

// builtinSnapshot is the layout of testdata/builtin-renders.json: the
// role's fields (Check reads only their ids and kinds) and the renders.
type builtinSnapshot struct {
	RoleID  string
	Fields  []snapshotField
	Renders []checkInput
}

type snapshotField struct {
	ID   string
	Kind templates.Kind
}

// inputs returns the renders with the role set.
func (s builtinSnapshot) inputs() []checkInput {
	role := &templates.Role{ID: s.RoleID}
	for _, f := range s.Fields {
		role.Fields = append(role.Fields, templates.Field{ID: f.ID, Kind: f.Kind})
	}
	out := slices.Clone(s.Renders)
	for i := range out {
		out[i].Role = role
	}
	return out
}

// goldenTexts returns the texts of the corpus, each once: every text input
// of the package's tests, the built-in renders as text, and awkward cases.
func goldenTexts(t *testing.T, builtins []checkInput) []string {
	t.Helper()
	texts := corpus(t)
	kvs := [][]string{}
	for _, c := range exclusionaryCases() {
		kvs = append(kvs, c.kv)
	}
	for _, c := range genderFindingCases() {
		kvs = append(kvs, c.kv)
	}
	for _, c := range leftoverCases() {
		kvs = append(kvs, c.kv)
	}
	for _, c := range requirementCases() {
		kvs = append(kvs, c.kv)
	}
	for _, c := range readabilityCases() {
		kvs = append(kvs, c.kv)
	}
	for _, c := range payCases() {
		kvs = append(kvs, c.kv)
	}
	for _, kv := range kvs {
		for i := 1; i < len(kv); i += 2 {
			texts = append(texts, kv[i])
		}
	}
	for _, c := range genderCodingCases() {
		texts = append(texts, c.text)
	}
	for _, c := range placeholderCases() {
		texts = append(texts, c.text)
	}
	for _, c := range repeatedWordCases() {
		texts = append(texts, c.text)
	}
	for _, c := range bulletLineCases() {
		texts = append(texts, c.in)
	}
	for _, c := range headingCases() {
		texts = append(texts, c.heading)
	}
	var syl []string
	for _, c := range syllableCases() {
		syl = append(syl, c.word)
	}
	texts = append(texts, strings.Join(syl, " "))
	for _, c := range readingEaseCases() {
		texts = append(texts, c.text)
	}
	for _, c := range sentenceCases() {
		texts = append(texts, c.in)
	}
	for _, c := range jurisdictionCases() {
		texts = append(texts, c.location)
	}
	for _, c := range amountCases() {
		texts = append(texts, c.in)
	}
	for _, c := range mayMatchCases() {
		texts = append(texts, c.text)
	}
	for _, c := range lengthCases() {
		texts = append(texts, strings.Repeat("word ", c.words))
	}
	texts = append(texts, "Guru, ninja, and another  NINJA, then a rock   star.")
	for _, in := range builtins {
		texts = append(texts, postingText(in.Rendered), proseText(in.Rendered))
	}
	texts = append(texts, awkwardTexts()...)
	var out []string
	for _, s := range texts {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// awkwardTexts are texts that stress the tokenizer and the matchers:
// accents, typographic quotes, emoji, CJK, hyphens, capitals, punctuation
// around words, runes whose lower case has another length, invalid UTF-8.
func awkwardTexts() []string {
	hardField := "Comprehensive organizational responsibilities necessitate extraordinary interdepartmental communication capabilities; " +
		"the Account Manager\u2019s responsibilities encompass sophisticated, data-driven relationship-management methodologies. "
	return []string{
		"Café naïve résumé: Zoë\u2019s coöperative rôle, Ångström-level MÜNCHEN straße STRASSE Ärger",
		"\u201cRockstar\u201d wanted \u2013 he\u2019ll lead \u2018young\u2019 guns \u2014 ninja\u2011level \u201cculture fit\u201d",
		"🚀 Rockstar 🦄 unicorns wanted!!! 💪 Lead👍the team; support🤝trust 🇺🇸 Remote (US) 👩‍💻",
		"我们需要一个 rockstar 日本語のテキスト 한국어 lead 指导。支持！ Ｒｏｃｋｓｔａｒ",
		"data-driven self-confident co-operative well--known -lead- x-ray e-mail 'lead' rock'n'roll O'Neil you''ll don't lead-'s",
		"WE WANT A YOUNG, DRIVEN NINJA. HE WILL LEAD. CULTURE FIT A MUST. TBD. NATIVE ENGLISH SPEAKER. DOMINANT COMPETITIVE FORCE.",
		"(lead),[support];\"driven\"\u2026'trust' {{team}} <Name> lead/support lead.support lead_support _lead_ lead's leaders'",
		"The \u212aelvin sign: \u212aIND and \u212aind, İstanbul İNCLUSİVE, ǅemal, ΣΊΣΥΦΟΣ, ﬁnance ﬂow, ẞTRASSE, ȺȾ, \u2126hm lead",
		"e\u0301lan vi\u0301tal combining marks; zero\u200bwidth; nbsp\u00a0here; soft\u00adhyphen; lead\u200dsupport",
		"Pay 1,000,000.50 USD or 2.5k; 85,000-90,000; v2.0; 3.14.15; 1.,2; 10x 10X; 401(k); 4%; 1st 2nd",
		"Invalid \xff\xfe bytes \xc3 here lead\xffsupport \xe2\x80 young\xe2\x80\x99s he\xc3will",
		"ＬＥＡＤ ｓｕｐｐｏｒｔ １２３ ｈｅ ｗｉｌｌ",
		"٣ سنوات خبرة ١٢٣٤ lead دعم",
		"Tabs\tand  double  spaces\t\tand\r\nCRLF lines\r\nlead\r\n he  will \t be",
		"the the The THE that that had had 555 555 Ninja ninja a\ta lead lead, lead",
		"Line one.\nLine two!\n\n\nWait...what?! Yes. 2.5 times. e.g. this. Mr. Smith.\t Tabbed? end",
		"- bullet\n* star\n• dot\n1. one\n2) two\n-\n—\n· mid\n– en\n10. ten\n",
		"he/she s/he (s)he His/Her HIM himself herself she'll he'll He\u2019ll",
		"Must be able to lift 25 lbs. Must be able to lift heavy boxes. Native English speaker; mother-tongue German; accent-free.",
		"insert name here; Insert Company Name here; lorem IPSUM; XXX xxxx; ???? [Company Name] {company} [apply](https://x.example) <First name>",
		strings.Repeat(hardField, 3),
		strings.Repeat("Lead, support and trust. ", 12),
		"a",
		"I",
		"'",
		"-",
		"x-",
		"-x",
		"''",
		"\n",
		" \t ",
		"Α Ω ǅ Ǆ ǆ ı İ K",
	}
}

// writeFile writes data to the package-relative path name.
func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatalf("create %s: %v", filepath.Dir(name), err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			header := ""
			for k := i; k >= 0; k-- {
				if k < len(w) && strings.HasPrefix(w[k], "=== ") {
					header = w[k]
					break
				}
			}
			return fmt.Sprintf("line %d (in %s):\n got: %s\nwant: %s", i+1, header, gl, wl)
		}
	}
	return "no line differs"
}
