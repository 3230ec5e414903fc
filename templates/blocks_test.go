package templates

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkSameBlocks fails unless r.Blocks() is exactly what the original
// Blocks (oldBlocks, in blocks_oracle_test.go) returned for r: the same
// block values and the same JSON bytes.
func checkSameBlocks(t *testing.T, r Rendered) {
	t.Helper()
	got, want := r.Blocks(), oldBlocks(r)
	gotJSON, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("marshal Blocks: %v", err)
	}
	wantJSON, err := json.Marshal(want)
	if err != nil {
		t.Fatalf("marshal original Blocks: %v", err)
	}
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("Blocks(%.200q) =\n%.2000s\nwant\n%.2000s", r, gotJSON, wantJSON)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Blocks(%.200q): same JSON but different values:\n%#v\nwant\n%#v", r, got, want)
	}
}

// roleValueSets returns named value sets for a role: its example, each
// level's sample, every field filled, every field full of mrkdwn
// specials, and every field far too long.
func roleValueSets(r *Role) map[string]Values {
	sets := map[string]Values{
		"example": r.Example(),
		"empty":   {},
	}
	for _, level := range append(levels, "", "principal") {
		sets["sample "+level] = levelSample(r, level)
		sets["every field "+level] = everyField(r, level)
	}
	fill := func(name string, value func(Field) string) {
		v := maps.Clone(r.Example())
		for _, f := range r.Fields {
			if f.Kind == ShortText || f.Kind == LongText {
				v[f.ID] = value(f)
			}
		}
		sets[name] = v
	}
	specials := "*bold* _it_ ~gone~ `code` <!channel> <@U1> & &amp; <https://x|y> > quote"
	fill("specials", func(Field) string { return specials })
	fill("specials lines", func(Field) string { return "- " + specials + "\n* <b>&</b>\n1. a>b<c" })
	fill("long", func(f Field) string { return strings.Repeat("word & <more> ", 1+f.Limit()/14) })
	fill("huge", func(Field) string { return strings.Repeat("- a line of <text> & words\n", 2000) })
	fill("no spaces", func(Field) string { return strings.Repeat("x&y", 4000) })
	fill("less than only", func(Field) string { return "if a<b then b is bigger; a <b and a< b" })
	fill("greater than only", func(Field) string { return "if a>b then a is bigger; a >b and a> b" })
	fill("ampersand only", func(Field) string { return "research & development, R&D, AT&T and &amp; too" })
	fill("unicode", func(Field) string { return strings.Repeat("é日本🙂 <&> ", 500) })
	return sets
}

func TestBlocksMatchTheOriginalOnEveryRole(t *testing.T) {
	c, _ := loadBuiltin(t)
	for _, role := range c.Roles() {
		for name, v := range roleValueSets(role) {
			t.Run(role.ID+"/"+name, func(t *testing.T) {
				checkSameBlocks(t, render(t, role, v))
			})
		}
	}
}

// sectionsOf returns n sections, each with a heading, paragraph and bullet.
func sectionsOf(n int, heading, para, bullet string) []Section {
	out := make([]Section, n)
	for i := range out {
		out[i] = Section{Heading: heading + itoa(i), Paragraphs: []string{para}, Bullets: []string{bullet}}
	}
	return out
}

func TestBlocksMatchTheOriginal(t *testing.T) {
	x := func(n int) string { return strings.Repeat("x", n) }
	words := func(n int) string { return strings.Repeat("word ", n/5) }
	tests := []struct {
		name string
		r    Rendered
	}{
		{"zero", Rendered{}},
		{"blank title", Rendered{Title: " \t "}},
		{"title only", Rendered{Title: "  Account Manager  "}},
		{"title at the header limit", Rendered{Title: x(MaxHeader)}},
		{"title over the header limit", Rendered{Title: x(MaxHeader + 1)}},
		{"title cut at spaces", Rendered{Title: strings.Repeat("a ", MaxHeader)}},
		{"title multibyte", Rendered{Title: strings.Repeat("é", 400)}},
		{"title with specials", Rendered{Title: "<!channel> & *x*"}},
		{"intro only", Rendered{Intro: "Hello & <welcome>."}},
		{"specials everywhere", Rendered{
			Title: "A & B", Intro: "<@U123> & <#C1|x> <!here>",
			Sections: []Section{{Heading: "*Who* _you_ ~are~ `x`", Paragraphs: []string{"a<b", "c>d", "&&&"}, Bullets: []string{"<", ">", "&", "&amp;"}}},
		}},
		{"empty strings", Rendered{Intro: "", Sections: []Section{
			{Heading: "", Paragraphs: []string{"", "a", ""}, Bullets: []string{"", "b", ""}},
			{Heading: "H", Paragraphs: []string{""}},
			{Heading: "H", Bullets: []string{""}},
			{Paragraphs: []string{"", ""}},
			{},
		}}},
		{"spaces only", Rendered{Intro: "   ", Sections: []Section{
			{Heading: " ", Paragraphs: []string{" ", strings.Repeat(" ", 3001)}, Bullets: []string{" "}},
			{Paragraphs: []string{strings.Repeat(" ", 3001) + "x", strings.Repeat(" ", 7000) + "y"}},
		}}},
		{"long pieces ending in spaces", Rendered{Sections: []Section{
			{Paragraphs: []string{x(3001) + "   ", "next"}, Bullets: []string{words(3100) + "  ", "b", strings.Repeat(" ", 3005), "c"}},
			{Heading: "H", Paragraphs: []string{"a " + x(2999) + " " + strings.Repeat(" ", 3000), "d"}},
		}}},
		{"no heading", Rendered{Sections: []Section{{Paragraphs: []string{"p1", "p2"}, Bullets: []string{"b1", "b2"}}}}},
		{"bullets only", Rendered{Sections: []Section{{Heading: "H", Bullets: []string{"b1", "b2"}}, {Bullets: []string{"b1", "b2"}}}}},
		{"long heading", Rendered{Sections: []Section{{Heading: strings.Repeat("<h&> ", 100), Paragraphs: []string{"p"}}}}},
		{"heading of 200 and 201", Rendered{Sections: []Section{{Heading: x(200), Paragraphs: []string{"p"}}, {Heading: x(201), Paragraphs: []string{"p"}}}}},
		{"paragraph at the limit", Rendered{Sections: []Section{{Paragraphs: []string{x(MaxSectionText)}}}}},
		{"paragraph over the limit", Rendered{Sections: []Section{{Paragraphs: []string{x(MaxSectionText + 1)}}}}},
		{"escapes push over the limit", Rendered{Sections: []Section{{Paragraphs: []string{x(MaxSectionText-4) + "&"}}}}},
		{"heading and paragraph at the limit", Rendered{Sections: []Section{{Heading: "H", Paragraphs: []string{x(MaxSectionText - 4)}}}}},
		{"heading and paragraph one over", Rendered{Sections: []Section{{Heading: "H", Paragraphs: []string{x(MaxSectionText - 3)}}}}},
		{"paragraphs filling a text exactly", Rendered{Sections: []Section{{Paragraphs: []string{x(1499), x(1499), "z"}}}}},
		{"bullets filling a text exactly", Rendered{Sections: []Section{{Heading: "H", Bullets: []string{x(1496), x(1495), "z"}}}}},
		{"entities at the cut", Rendered{Intro: strings.Repeat("&", 1000)}},
		{"entity straddling the cut", Rendered{Intro: x(2998) + "&&&&"}},
		{"amp near the cut", Rendered{Intro: x(2997) + "&" + x(10)}},
		{"multibyte long", Rendered{Intro: strings.Repeat("日本語 ", 2000)}},
		{"invalid UTF-8", Rendered{Title: "\xff\xfe", Intro: strings.Repeat("\xe6\x97 ", 2000), Sections: []Section{{Heading: "\xe6", Paragraphs: []string{"\xff<"}, Bullets: []string{"\xc3"}}}}},
		{"long paragraphs and bullets", Rendered{Intro: words(4000), Sections: []Section{{Heading: "Duties", Paragraphs: []string{"Short.", strings.Repeat("paragraph text & more ", 400)}, Bullets: []string{words(2000), words(1500), words(1500), "last"}}}}},
		{"texts just under the cap", Rendered{Title: "T", Sections: sectionsOf(MaxBlocks-1, "Part ", "Text.", "b")}},
		{"texts at the cap", Rendered{Title: "T", Sections: sectionsOf(MaxBlocks, "Part ", "Text.", "b")}},
		{"texts over the cap", Rendered{Title: "T", Sections: sectionsOf(60, "Part ", "Text.", "b")}},
		{"intro and texts at the cap", Rendered{Title: "T", Intro: "I", Sections: sectionsOf(MaxBlocks-2, "Part ", "Text.", "b")}},
		{"one section over the cap", Rendered{Intro: "I", Sections: []Section{{Heading: "H", Paragraphs: []string{words(MaxSectionText * (MaxBlocks + 5))}}}}},
		{"one section at the cap", Rendered{Sections: []Section{{Paragraphs: []string{strings.TrimSpace(words(MaxSectionText * (MaxBlocks - 1)))}}}}},
		{"long sections over the cap", Rendered{Intro: words(9000), Sections: sectionsOf(20, "Part ", words(5000), words(4000))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSameBlocks(t, tt.r)
		})
	}
}

// fuzzRendered builds a Rendered from fuzz input. spec holds sections
// separated by "\x1e"; in each, "\x1f" separates the heading, the
// paragraphs and the bullets, and "\x1d" separates paragraphs or bullets.
// The first paragraph of each section and the intro are repeated rep
// times (so long texts are cut) and the sections copies times (so the
// block cap is reached).
func fuzzRendered(title, intro, spec string, rep, copies uint8) Rendered {
	times := 1 + int(rep)%128
	r := Rendered{Title: title, Intro: strings.Repeat(intro, times)}
	var once []Section
	if spec != "" {
		for _, sec := range strings.Split(spec, "\x1e") {
			parts := strings.SplitN(sec, "\x1f", 3)
			s := Section{Heading: parts[0]}
			if len(parts) > 1 && parts[1] != "" {
				s.Paragraphs = strings.Split(parts[1], "\x1d")
				s.Paragraphs[0] = strings.Repeat(s.Paragraphs[0], times)
			}
			if len(parts) > 2 && parts[2] != "" {
				s.Bullets = strings.Split(parts[2], "\x1d")
			}
			once = append(once, s)
		}
	}
	for range 1 + int(copies)%48 {
		r.Sections = append(r.Sections, once...)
	}
	return r
}

func FuzzBlocksMatchTheOriginal(f *testing.F) {
	f.Add("Account Manager", "We sell & <ship>.", "About\x1fOne.\x1dTwo.\x1fa\x1db\x1eMore\x1f\x1fc", uint8(0), uint8(0))
	f.Add("", "", "", uint8(0), uint8(0))
	f.Add(" ", " ", "\x1f\x1f\x1e\x1f \x1d \x1f ", uint8(3), uint8(2))
	f.Add(strings.Repeat("Title ", 40), "word & word ", "H\x1fpara <x> \x1db\x1fbul", uint8(200), uint8(1))
	f.Add("T", "", "Part\x1fText.\x1fb", uint8(0), uint8(45))
	f.Add("T", "&", "H\x1f&amp;<>\x1f&", uint8(255), uint8(3))
	f.Add("\xff", "é日本🙂 ", "\xe6\x97\x1f\xc3 \x1f\xff", uint8(99), uint8(9))
	f.Add("T", "", strings.Repeat("x", 3000)+"\x1f"+strings.Repeat("y", 2999)+"\x1dz\x1f"+strings.Repeat("w", 2998), uint8(0), uint8(0))
	f.Add("T", "if a<b then b is bigger ", "a<b then b is bigger\x1fif a<b then\x1dc<d or d>c\x1fR&D, AT&T", uint8(130), uint8(0))
	f.Fuzz(func(t *testing.T, title, intro, spec string, rep, copies uint8) {
		checkSameBlocks(t, fuzzRendered(title, intro, spec, rep, copies))
	})
}

// checkMeasure fails unless measureMrkdwn(s) gives what counting the
// characters of s, escaped and not, gives.
func checkMeasure(t *testing.T, s string) {
	t.Helper()
	runes, extra := measureMrkdwn(s)
	wantRunes := utf8.RuneCountInString(s)
	wantExtra := utf8.RuneCountInString(oldMrkdwnEscape(s)) - wantRunes
	if runes != wantRunes || extra != wantExtra {
		t.Errorf("measureMrkdwn(%q): got %d characters and %d more escaped, want %d and %d", s, runes, extra, wantRunes, wantExtra)
	}
}

func TestMeasureMrkdwn(t *testing.T) {
	for _, s := range []string{
		"", "a", "&", "<", ">", "=", "?", ";", "~", "\x00", "\x7f", "\x80", "\xff", "é", "\xe6\x97", "🙂",
		"abcdefgh", "abcdefg&", "<bcdefgh", "abc>efgh", "abcdefgh<", "abcdefghijklmnop=", "ABCDEFG?",
		"if a<b then b is bigger", "if a>b then a is bigger", "research & development",
		"1234567é1234567&", "日本語日本語日本語<", strings.Repeat("x", 63) + "<" + strings.Repeat("y", 64),
		strings.Repeat("\x3c\x3d\x3e\x3f\x26\x27\x24\x06", 3), strings.Repeat("\xbc\xbe\xa6", 9),
	} {
		t.Run(s, func(t *testing.T) { checkMeasure(t, s) })
	}
}

func FuzzMeasureMrkdwn(f *testing.F) {
	for _, s := range []string{"", "abcdefgh<", "1234567é1234567&", "\xbc\xbe\xa6\x3c\x3e\x26abcdefgh"} {
		f.Add(s)
	}
	f.Fuzz(checkMeasure)
}
