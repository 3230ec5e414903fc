package checks

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// requireFrozen fails unless got is exactly, nil-ness included, what the
// frozen Check gave (want).
func requireFrozen(t *testing.T, what string, got, want []Finding) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s =\n%s\nwant, as the frozen Check gives,\n%s", what, listFindings(got), listFindings(want))
	}
}

// listFindings formats fs one a line, quoted, with nil told from empty.
func listFindings(fs []Finding) string {
	if fs == nil {
		return "  (nil)"
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %q\n", f.String())
	}
	return b.String()
}

// hasMessage reports whether a finding's message of fs contains s.
func hasMessage(fs []Finding, s string) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return strings.Contains(f.Message, s) })
}

// liveBuiltinInputs renders the built-in roles of templates (the real
// ones, not the snapshot the golden test uses) with several sets of
// values: every level, places with and without pay, and free-text values
// that trip every check.
func liveBuiltinInputs(t *testing.T) []checkInput {
	t.Helper()
	c, err := templates.Load("")
	if err != nil {
		t.Fatalf("templates.Load: %v", err)
	}
	sets := []struct {
		name string
		kv   []string
	}{
		{"example", nil},
		{"Denver without salary", []string{"location", "Denver, CO", "salary_min", "", "salary_max", ""}},
		{"remote EU without maximum", []string{"location", "Remote (EU)", "work_arrangement", "remote", "salary_max", ""}},
		{"wide range", []string{"salary_min", "40000", "salary_max", "140000"}},
		{"tripping text", []string{
			"company_bio", "We are a young, driven team of rockstar ninjas [number] who lead the the market.\nHe will be a dominant, competitive force. TBD",
			"extra_responsibilities", "- Lead\tthe  team\n-\n- Support  our \u201cculture fit\u201d",
			"extra_qualifications", "- Native English speaker\n- Recent graduate\n- Able to lift heavy boxes\n- A driving licence\n- Excel\n- SQL\n- Python",
			"how_to_apply", "Send your CV to {email} \u2013 insert address here.",
		}},
		{"typographic and foreign text", []string{
			"company_bio", "Caf\u00e9 na\u00efve r\u00e9sum\u00e9: Zo\u00eb\u2019s co\u00f6perative r\u00f4le \u2014 M\u00dcNCHEN stra\u00dfe. \u6211\u4eec\u9700\u8981 lead",
			"company_name", "\u00c5ngstr\u00f6m & S\u00f6hne",
		}},
		{"hard to read", []string{"extra_responsibilities", strings.Repeat("Comprehensive organizational responsibilities necessitate extraordinary interdepartmental communication capabilities, ", 6)}},
		{"empty extras", []string{"extra_responsibilities", "", "extra_qualifications", "", "company_bio", ""}},
	}
	var out []checkInput
	for _, role := range c.Roles() {
		levels := []string{""}
		if f, ok := role.Field("level"); ok {
			levels = nil
			for _, ch := range f.Choices {
				levels = append(levels, ch.Value)
			}
		}
		for _, level := range levels {
			for _, set := range sets {
				kv := set.kv
				if level != "" {
					kv = append([]string{"level", level}, kv...)
				}
				v := change(role.Example(), kv...)
				out = append(out, checkInput{
					Name:     fmt.Sprintf("%s %s %s", role.ID, level, set.name),
					Role:     role,
					Values:   v,
					Rendered: render(t, role, v),
				})
			}
		}
	}
	return out
}

// checkerCorpus returns the Check calls the Checker is compared on: the
// live built-in renders and the golden corpus's calls.
func checkerCorpus(t *testing.T) []checkInput {
	t.Helper()
	builtins := builtinInputs(t)
	return append(liveBuiltinInputs(t), goldenCheckInputs(t, builtins, goldenTexts(t, builtins))...)
}

func TestCheckerMatchesFrozenCheck(t *testing.T) {
	d := mustData(t)
	shared := newChecker(d, CacheBytes) // fills up over the corpus
	tiny := newChecker(d, 16<<10)       // drops texts all the time
	for _, in := range checkerCorpus(t) {
		t.Run(in.Name, func(t *testing.T) {
			want := frozenCheck(in.Role, in.Values, in.Rendered)
			requireFrozen(t, "Check", Check(in.Role, in.Values, in.Rendered), want)
			fresh := newChecker(d, CacheBytes)
			for _, c := range []struct {
				name string
				c    *Checker
			}{{"new Checker", fresh}, {"shared Checker", shared}, {"shared Checker again", shared}, {"tiny Checker", tiny}} {
				requireFrozen(t, c.name, c.c.Check(in.Role, in.Values, in.Rendered), want)
			}
		})
	}
}

// cloneRendered returns a copy of r that shares no slice with it.
func cloneRendered(r templates.Rendered) templates.Rendered {
	r.Sections = slices.Clone(r.Sections)
	for i := range r.Sections {
		r.Sections[i].Paragraphs = slices.Clone(r.Sections[i].Paragraphs)
		r.Sections[i].Bullets = slices.Clone(r.Sections[i].Bullets)
	}
	return r
}

// editSnippets are what randomEdit puts into postings and values: what
// each check looks for, and text that stresses how pieces join up.
func editSnippets(t *testing.T) []string {
	t.Helper()
	s := []string{
		"rockstar", "Rock star", "ninja", "he will", "He\u2019ll", "culture fit", "young", "digital native",
		"lead", "LEAD", "support", "driven", "data-driven", "competitive", "dominant", "committed", "yield",
		"[Company]", "{name}", "<First name>", "TBD", "lorem ipsum", "XXX", "???", "insert name here",
		"the the", "a a", "that that", "the", "the\nthe", "work hard, play hard", "work hard", "play hard",
		"able to lift", "able to lift 25 lbs", "native", "English speaker", "no more than 5 years experience",
		".", "!", "?", ". ", "\n", "\n\n", "\t", "  ", "-", "- ", "* ", "1. ", "\u2022 ", "\u00a0", "\u2019", "\u201c", "\u2014",
		"e.g.", "Mr. Smith.", "2.5", "85,000", "_", "x-", "-x", "'", "Caf\u00e9", "\u212aelvin", "\u0130stanbul", "\U0001F680",
		"\xff", "\xe2\x80", "Nice to have", "Requirements", "What you bring", "what  you bring",
		strings.Repeat("Comprehensive organizational responsibilities. ", 8),
	}
	return append(s, corpus(t)...)
}

// randomEdit returns a copy of in with one to four random edits to the
// rendered posting or to the values of its text fields.
func randomEdit(rng *rand.Rand, in checkInput, snippets []string) checkInput {
	out := in
	out.Values = maps.Clone(in.Values)
	out.Rendered = cloneRendered(in.Rendered)
	r := &out.Rendered
	// The posting's texts and the values, as pointers to edit.
	var texts []*string
	texts = append(texts, &r.Title, &r.Intro)
	for i := range r.Sections {
		s := &r.Sections[i]
		texts = append(texts, &s.Heading)
		for k := range s.Paragraphs {
			texts = append(texts, &s.Paragraphs[k])
		}
		for k := range s.Bullets {
			texts = append(texts, &s.Bullets[k])
		}
	}
	keys := slices.Sorted(maps.Keys(out.Values))
	for range 1 + rng.IntN(4) {
		snip := snippets[rng.IntN(len(snippets))]
		var value string
		key, target := "", &value
		switch {
		case len(keys) > 0 && rng.IntN(4) == 0:
			key = keys[rng.IntN(len(keys))]
			value = out.Values[key]
		case len(texts) > 0:
			target = texts[rng.IntN(len(texts))]
		default:
			r.Intro = snip
			continue
		}
		switch rng.IntN(6) {
		case 0: // insert at any byte, even inside a rune
			at := rng.IntN(len(*target) + 1)
			*target = (*target)[:at] + snip + (*target)[at:]
		case 1: // insert at a space
			at := strings.IndexByte(*target, ' ')
			if at < 0 {
				at = len(*target)
			}
			*target = (*target)[:at] + " " + snip + (*target)[at:]
		case 2:
			*target = snip
		case 3:
			*target += "\n" + snip
		case 4: // a value rendered into a bullet, as templates do
			*target = snip
			if len(r.Sections) > 0 {
				s := &r.Sections[rng.IntN(len(r.Sections))]
				s.Bullets = append(s.Bullets, snip)
			}
		case 5: // a new section
			r.Sections = append(r.Sections, templates.Section{Heading: snip, Bullets: []string{*target, snip}})
		}
		if key != "" {
			out.Values[key] = value
		}
	}
	return out
}

func TestCheckerMatchesFrozenCheckOnRandomEdits(t *testing.T) {
	d := mustData(t)
	role, v, r := messyPosting(t)
	bases := []checkInput{
		{Name: "sample", Role: testRole(t), Values: sampleValues(), Rendered: samplePosting()},
		{Name: "messy", Role: role, Values: v, Rendered: r},
		{Name: "no role", Values: sampleValues(), Rendered: samplePosting()},
	}
	bases = append(bases, liveBuiltinInputs(t)[:3]...)
	snippets := editSnippets(t)
	for _, size := range []int{CacheBytes, 16 << 10} {
		t.Run(fmt.Sprintf("cache of %d bytes", size), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(size), 27))
			c := newChecker(d, size)
			for i := range 150 {
				in := randomEdit(rng, bases[i%len(bases)], snippets)
				want := frozenCheck(in.Role, in.Values, in.Rendered)
				what := fmt.Sprintf("edit %d of %s: Checker.Check(%#v, %#v)", i, in.Name, in.Values, in.Rendered)
				requireFrozen(t, what, c.Check(in.Role, in.Values, in.Rendered), want)
				requireFrozen(t, "again: "+what, c.Check(in.Role, in.Values, in.Rendered), want)
				if i%10 == 0 {
					requireFrozen(t, fmt.Sprintf("edit %d of %s: Check", i, in.Name), Check(in.Role, in.Values, in.Rendered), want)
				}
			}
		})
	}
}

func FuzzCheckerMatchesFrozenCheck(f *testing.F) {
	for i, s := range fastSeeds(f) {
		f.Add(s, "Lead the team.", uint16(i))
	}
	role := testRole(f)
	c := newChecker(mustData(f), 64<<10)
	f.Fuzz(func(t *testing.T, a, b string, at uint16) {
		r := cloneRendered(samplePosting())
		p := int(at) % (len(r.Intro) + 1)
		r.Intro = r.Intro[:p] + a + r.Intro[p:]
		r.Sections[1].Bullets[int(at)%len(r.Sections[1].Bullets)] = b
		r.Sections[2].Bullets = append(r.Sections[2].Bullets, a, b+"\n"+a)
		r.Sections = append(r.Sections, templates.Section{Heading: b, Paragraphs: []string{a}})
		v := change(sampleValues(), "company_bio", a+"\n"+b, "extra_qualifications", b, "location", a)
		want := frozenCheck(role, v, r)
		requireFrozen(t, "Checker.Check", c.Check(role, v, r), want)
		requireFrozen(t, "Checker.Check again", c.Check(role, v, r), want)
		requireFrozen(t, "Check", Check(role, v, r), want)
	})
}

func TestCheckerIsSafeForConcurrentUse(t *testing.T) {
	ins := liveBuiltinInputs(t)
	want := make([][]Finding, len(ins))
	for i, in := range ins {
		want[i] = frozenCheck(in.Role, in.Values, in.Rendered)
	}
	c := newChecker(mustData(t), 32<<10) // small, so that goroutines evict each other's texts
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 3 * len(ins) {
				i := (k + g*7) % len(ins)
				if got := c.Check(ins[i].Role, ins[i].Values, ins[i].Rendered); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("goroutine %d: Check of %s =\n%s\nwant\n%s", g, ins[i].Name, listFindings(got), listFindings(want[i]))
					return
				}
			}
		})
	}
	wg.Wait()
}

// pieceTexts returns the texts a Checker looks up for a check.
func pieceTexts(role *templates.Role, v templates.Values, r templates.Rendered) []string {
	var out []string
	for _, f := range textFields(role, v) {
		out = append(out, f.text)
	}
	var ps pieceList
	ps.add(r.Title, false)
	ps.add(r.Intro, true)
	for _, s := range r.Sections {
		ps.add(s.Heading, false)
		for _, p := range s.Paragraphs {
			ps.add(p, true)
		}
		for _, b := range s.Bullets {
			ps.add(b, true)
		}
	}
	for _, p := range ps.refs {
		out = append(out, p.text)
	}
	return out
}

func TestCheckerCachesEveryText(t *testing.T) {
	in := liveBuiltinInputs(t)[0]
	c := newChecker(mustData(t), CacheBytes)
	c.Check(in.Role, in.Values, in.Rendered)
	texts := pieceTexts(in.Role, in.Values, in.Rendered)
	cached := map[string]*textFacts{}
	for _, s := range texts {
		f, ok := c.cur[s]
		if !ok {
			t.Fatalf("text %q is not cached after a check", s)
		}
		cached[s] = f
	}
	// Checking again reads nothing anew: the same facts, no more texts.
	n := len(c.cur)
	c.Check(in.Role, in.Values, in.Rendered)
	if len(c.cur) != n {
		t.Errorf("got %d cached texts after checking again, want %d", len(c.cur), n)
	}
	for s, f := range cached {
		if c.cur[s] != f {
			t.Errorf("text %q was read again", s)
		}
	}
	// A changed value reads only the texts it changed.
	v := change(in.Values, "company_bio", "A new bio.")
	r := cloneRendered(in.Rendered)
	r.Sections[0].Paragraphs = []string{"A new bio."}
	c.Check(in.Role, v, r)
	if got, want := len(c.cur), n+1; got != want {
		t.Errorf("got %d cached texts after a check with one new text, want %d", got, want)
	}
}

// cachedBytes returns the estimated bytes of a generation of the cache.
func cachedBytes(m map[string]*textFacts) int {
	n := 0
	for s, f := range m {
		n += f.size(len(s))
	}
	return n
}

func TestCheckerCacheStaysWithinItsBound(t *testing.T) {
	d := mustData(t)
	const bound = 48 << 10
	c := newChecker(d, bound)
	in := liveBuiltinInputs(t)[0]
	rng := rand.New(rand.NewPCG(3, 4))
	snippets := editSnippets(t)
	for i := range 200 {
		e := randomEdit(rng, in, snippets)
		e.Rendered.Intro += " " + strconv.Itoa(i) // new every time
		c.Check(e.Role, e.Values, e.Rendered)
		if cur, old := cachedBytes(c.cur), cachedBytes(c.old); cur != c.curBytes || cur > bound/2 || old > bound/2 {
			t.Fatalf("check %d: cache holds %d+%d bytes (counted %d), want each generation within %d", i, cur, old, c.curBytes, bound/2)
		}
	}
	if c.old == nil {
		t.Fatalf("the cache never dropped a generation: the test does not fill it")
	}
	// The template's own texts, used by every check, stay.
	for _, s := range pieceTexts(in.Role, in.Values, in.Rendered)[5:10] {
		if c.cur[s] == nil && c.old[s] == nil {
			t.Errorf("recurring text %q was dropped", s)
		}
	}
	// A text too big for its share is read, not kept.
	big := strings.Repeat("Lead the team. ", bound/maxShare/15+1)
	c.Check(nil, templates.Values{"note": big}, templates.Rendered{})
	if c.cur[big] != nil {
		t.Errorf("a text of %d bytes was cached, want texts over %d bytes left out", len(big), bound/2/maxShare)
	}
}

func TestNilAndZeroCheckersRunCheck(t *testing.T) {
	role, v, r := messyPosting(t)
	want := frozenCheck(role, v, r)
	for _, tt := range []struct {
		name string
		c    *Checker
	}{{"nil", nil}, {"zero", &Checker{}}} {
		t.Run(tt.name, func(t *testing.T) {
			requireFrozen(t, "Check", tt.c.Check(role, v, r), want)
		})
	}
}

func TestNew(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	role, v, r := messyPosting(t)
	if got := c.Check(role, v, r); len(got) == 0 {
		t.Errorf("New().Check of the messy posting found nothing, want findings")
	}
}

// TestCheckerFallsBackOnInvalidUTF8 covers the one way the pieces of a
// valid posting can differ from the whole: a tab anywhere makes the
// posting's text be rewritten rune by rune, which turns invalid bytes
// elsewhere into U+FFFD.
func TestCheckerFallsBackOnInvalidUTF8(t *testing.T) {
	r := cloneRendered(samplePosting())
	r.Sections[1].Bullets = append(r.Sections[1].Bullets, "Call [\xff] now", "Tabs\t\there")
	v := sampleValues()
	want := frozenCheck(testRole(t), v, r)
	if !hasMessage(want, "\"[\ufffd]\"") {
		t.Fatalf("the frozen Check gives\n%s\nwant a placeholder [\ufffd]: the test no longer covers the fallback", listFindings(want))
	}
	requireFrozen(t, "Checker.Check", newChecker(mustData(t), CacheBytes).Check(testRole(t), v, r), want)
}

func TestCheckerFallsBackWhenPatternsSpanLines(t *testing.T) {
	wording := []byte(`
exclusionary:
  - id: spans
    severity: warning
    patterns: ['\bwork\s+hard\b']
    reason: Test reason.
    alternative: Test alternative.
gender_alternatives: {}
`)
	d, err := parseData(payLawsFile, wording, genderFile)
	if err != nil {
		t.Fatalf("parseData: %v", err)
	}
	if d.lineLocal {
		t.Fatalf("data with pattern \\s+ is line-local, want not")
	}
	r := cloneRendered(samplePosting())
	r.Sections[1].Bullets = append(r.Sections[1].Bullets, "We work", "hard")
	v := sampleValues()
	want := d.frozenCheckData(testRole(t), v, r)
	if !hasMessage(want, "\"work hard\"") {
		t.Fatalf("the frozen Check gives\n%s\nwant the phrase across two bullets: the test no longer covers the fallback", listFindings(want))
	}
	requireFrozen(t, "Checker.Check", newChecker(d, CacheBytes).Check(testRole(t), v, r), want)
}

func TestEmbeddedPatternsAreLineLocal(t *testing.T) {
	d := mustData(t)
	if d.lineLocal {
		return
	}
	for _, p := range d.phrases {
		for _, src := range append(slices.Clone(p.Patterns), p.Unless...) {
			if !lineLocal(src, true) {
				t.Errorf("phrase %s: pattern %q may match across lines, so Checker reads whole postings", p.ID, src)
			}
		}
	}
	for _, src := range placeholderPatterns {
		if !lineLocal(src, false) {
			t.Errorf("placeholder pattern %q may match across lines, so Checker reads whole postings", src)
		}
	}
}

func TestLineLocal(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want bool
	}{
		{`\bninja\b`, true},
		{`\bwork hard,? play hard\b`, true},
		{`[^.!?\n]*?\d+ ?kg`, true},
		{`a.b`, true},
		{`(?m)^lead$`, true},
		{`\w+ \d{2,}`, true},
		{`\bx{3,}\b`, true},
		{`\bwork\s+hard\b`, false},
		{`a\nb`, false},
		{`[^.]+x`, false},
		{`(?s)a.b`, false},
		{`^lead`, false},
		{`lead$`, false},
		{`\Alead`, false},
		{`lead\z`, false},
		{`x*`, false},
		{`\b`, false},
		{`(?:ab)?`, false},
		{`a|b*`, false},
		{`(`, false},
	} {
		t.Run(tt.src, func(t *testing.T) {
			if got := lineLocal(tt.src, true); got != tt.want {
				t.Errorf("lineLocal(%q) = %v, want %v", tt.src, got, tt.want)
			}
		})
	}
}

func BenchmarkChecker(b *testing.B) {
	d := mustData(b)
	b.Run("sample", func(b *testing.B) {
		role, v, r := testRole(b), sampleValues(), samplePosting()
		c := newChecker(d, CacheBytes)
		b.ReportAllocs()
		for b.Loop() {
			c.Check(role, v, r)
		}
	})
	role := builtinRole(b)
	v := change(role.Example(), "level", "senior", "location", "Denver, CO", "salary_min", "")
	r := render(b, role, v)
	b.Run("builtin-senior", func(b *testing.B) {
		c := newChecker(d, CacheBytes)
		b.ReportAllocs()
		for b.Loop() {
			c.Check(role, v, r)
		}
	})
	// Every check a new company name, as in cmd/loadtest: the title, the
	// intro, a heading and every paragraph or value naming the company
	// are new to the cache.
	b.Run("builtin-senior-new-company", func(b *testing.B) {
		c := newChecker(d, CacheBytes)
		c.Check(role, v, r)
		const batch = 256
		vs, rs := make([]templates.Values, batch), make([]templates.Rendered, batch)
		b.ReportAllocs()
		for i := range b.N {
			if i%batch == 0 {
				b.StopTimer()
				for k := range batch {
					vs[k] = change(v, "company_name", fmt.Sprintf("Loadtest Company %d", i+k))
					rs[k] = render(b, role, vs[k])
				}
				b.StartTimer()
			}
			c.Check(role, vs[i%batch], rs[i%batch])
		}
	})
}

// BenchmarkFrozenCheck is BenchmarkCheck of the frozen Check, the code as
// it was before Checker: the baseline, measured alongside.
func BenchmarkFrozenCheck(b *testing.B) { benchCheck(b, frozenCheck) }

func TestCheckerHeadingFirstReadAsAnotherText(t *testing.T) {
	role := testRole(t)
	bullets := strings.Split("SQL,Excel,Python,Go,Rust,Java,Ruby,Perl,Lua", ",")
	withHeading := func(h string) templates.Rendered {
		r := cloneRendered(samplePosting())
		r.Sections = append(r.Sections, templates.Section{Heading: h, Bullets: bullets})
		return r
	}
	for _, tt := range []struct {
		name  string
		first templates.Rendered // read before the heading is
		v     templates.Values
	}{
		{"as a bullet", func() templates.Rendered {
			r := cloneRendered(samplePosting())
			r.Sections[1].Bullets = append(r.Sections[1].Bullets, "Requirements")
			return r
		}(), sampleValues()},
		{"as a value", samplePosting(), change(sampleValues(), "extra_qualifications", "Requirements")},
		{"as a heading", withHeading("Requirements"), sampleValues()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(mustData(t), CacheBytes)
			requireFrozen(t, "first check", c.Check(role, tt.v, tt.first), frozenCheck(role, tt.v, tt.first))
			r := withHeading("Requirements")
			want := frozenCheck(role, sampleValues(), r)
			if len(ofRule(want, RuleRequirements)) != 1 {
				t.Fatalf("the frozen Check gives\n%s\nwant a requirements tip: the test no longer covers headings", listFindings(want))
			}
			requireFrozen(t, "check with the heading", c.Check(role, sampleValues(), r), want)
		})
	}
}

// checkPlaceTokens fails unless placeTokens(s) is what the frozen one gave,
// nil-ness included.
func checkPlaceTokens(t *testing.T, s string) {
	t.Helper()
	if got, want := placeTokens(s), frozenPlaceTokens(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("placeTokens(%q) = %q, want %q", s, got, want)
	}
}

func TestPlaceTokensMatchFrozen(t *testing.T) {
	d := mustData(t)
	texts := fastSeeds(t)
	for _, j := range d.jurisdictions {
		texts = append(texts, j.Regions...)
		texts = append(texts, j.Codes...)
		texts = append(texts, j.Cities...)
	}
	for _, c := range jurisdictionCases() {
		texts = append(texts, c.location)
	}
	for _, s := range texts {
		checkPlaceTokens(t, s)
		checkPlaceTokens(t, strings.ToUpper(s))
	}
}

func FuzzPlaceTokens(f *testing.F) {
	for _, s := range fastSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkPlaceTokens(t, s)
	})
}
