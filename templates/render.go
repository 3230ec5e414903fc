package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack limits the Blocks form keeps.
const (
	// MaxBlocks is the most blocks Blocks returns, leaving room under
	// Slack's 50 for the bot's footer, context and buttons.
	MaxBlocks = 40
	// MaxHeader is the most characters of a header block's text.
	MaxHeader = 150
	// MaxSectionText is the most characters of a section block's text.
	MaxSectionText = 3000
)

// Section is one titled part of a rendered description. All text is raw:
// unescaped and without markup.
type Section struct {
	Heading    string
	Paragraphs []string
	Bullets    []string
}

// Rendered is a rendered description in raw text, from which Markdown, Text
// and Blocks produce each output form. No field is ever multi-line.
type Rendered struct {
	Title    string
	Intro    string
	Sections []Section
}

// Markdown returns the description as CommonMark: a level-1 title, level-2
// section headings, paragraphs and "-" bullet lists, with every character
// that would change the formatting escaped.
func (r Rendered) Markdown() string {
	var b strings.Builder
	b.Grow(r.size() + 256)
	b.WriteString("# ")
	b.WriteString(mdEscape(r.Title))
	b.WriteString("\n")
	if r.Intro != "" {
		b.WriteString("\n")
		b.WriteString(mdEscape(r.Intro))
		b.WriteString("\n")
	}
	for _, s := range r.Sections {
		if s.Heading != "" {
			b.WriteString("\n## ")
			b.WriteString(mdEscape(s.Heading))
			b.WriteString("\n")
		}
		for _, p := range s.Paragraphs {
			b.WriteString("\n")
			b.WriteString(mdEscape(p))
			b.WriteString("\n")
		}
		if len(s.Bullets) > 0 {
			b.WriteString("\n")
			for _, it := range s.Bullets {
				b.WriteString("- ")
				b.WriteString(mdEscape(it))
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// Text returns the description as plain text: the title, then each section
// heading on its own line followed by its paragraphs and "- " bullets,
// with blank lines between parts. Nothing is escaped.
func (r Rendered) Text() string {
	parts := make([]string, 0, 2+4*len(r.Sections))
	parts = append(parts, r.Title)
	if r.Intro != "" {
		parts = append(parts, r.Intro)
	}
	for _, s := range r.Sections {
		if s.Heading != "" {
			parts = append(parts, s.Heading)
		}
		parts = append(parts, s.Paragraphs...)
		if len(s.Bullets) > 0 {
			parts = append(parts, "- "+strings.Join(s.Bullets, "\n- "))
		}
	}
	return strings.Join(parts, "\n\n") + "\n"
}

// Words returns the number of words in the description's text.
func (r Rendered) Words() int {
	n := len(strings.Fields(r.Title)) + len(strings.Fields(r.Intro))
	for _, s := range r.Sections {
		n += len(strings.Fields(s.Heading))
		for _, p := range s.Paragraphs {
			n += len(strings.Fields(p))
		}
		for _, it := range s.Bullets {
			n += len(strings.Fields(it))
		}
	}
	return n
}

func (r Rendered) size() int {
	n := len(r.Title) + len(r.Intro)
	for _, s := range r.Sections {
		n += len(s.Heading) + 8
		for _, p := range s.Paragraphs {
			n += len(p) + 2
		}
		for _, it := range s.Bullets {
			n += len(it) + 3
		}
	}
	return n
}

// Blocks returns the description as Slack blocks: a header with the title
// (cut to 150 characters), a section with the intro, and one or more mrkdwn
// sections per part, each under 3000 characters and split between
// paragraphs or bullets (inside one only when a single one is too long).
// Text is escaped for mrkdwn ("&", "<", ">"), so nothing typed in a field
// can mention, link or ping. It returns at most MaxBlocks blocks; if the
// text needs more, the last is a context block saying the rest is left out.
func (r Rendered) Blocks() []slack.Block {
	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = "Job description"
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, truncate(title, MaxHeader), true, false)),
	}
	var texts []string
	if r.Intro != "" {
		texts = append(texts, packSection(nil, []string{mrkdwnEscape(r.Intro)})...)
	}
	for _, s := range r.Sections {
		if len(texts) >= MaxBlocks {
			break // more than fit already: the rest is left out below
		}
		var pieces []string
		for _, p := range s.Paragraphs {
			pieces = append(pieces, mrkdwnEscape(p))
		}
		bulletStart := len(pieces)
		for _, it := range s.Bullets {
			pieces = append(pieces, "• "+mrkdwnEscape(it))
		}
		var heading []string
		if s.Heading != "" {
			heading = []string{"*" + mrkdwnEscape(truncate(s.Heading, 200)) + "*"}
		}
		texts = append(texts, packSectionWithBullets(heading, pieces, bulletStart)...)
	}
	for i, t := range texts {
		if len(blocks) == MaxBlocks-1 && i < len(texts)-1 {
			note := slack.NewTextBlockObject(slack.MarkdownType, "_This description is too long to show in full in Slack; the rest is left out here._", false, false)
			blocks = append(blocks, slack.NewContextBlock("", note))
			break
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, t, false, false), nil, nil))
	}
	return blocks
}

// BlocksJSON returns Blocks as an indented JSON array, the form a message's
// "blocks" carries, without a trailing newline and without escaping "&",
// "<" and ">" as \u0026 and the like (so the mrkdwn escapes read as Slack
// receives them), or an error if encoding fails.
func (r Rendered) BlocksJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r.Blocks()); err != nil {
		return nil, fmt.Errorf("encode blocks: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// packSection packs pieces (already escaped) into texts of at most
// MaxSectionText characters, separated by blank lines.
func packSection(heading, pieces []string) []string {
	return packSectionWithBullets(heading, pieces, len(pieces))
}

// packSectionWithBullets packs a heading and pieces into section texts.
// Pieces before bulletStart are paragraphs (blank line between them); the
// rest are bullets (one per line). A piece too long for one text is cut at
// spaces.
func packSectionWithBullets(heading, pieces []string, bulletStart int) []string {
	var texts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if curLen > 0 {
			texts = append(texts, cur.String())
			cur.Reset()
			curLen = 0
		}
	}
	add := func(piece, sep string) {
		n := utf8.RuneCountInString(piece)
		if curLen > 0 && curLen+utf8.RuneCountInString(sep)+n <= MaxSectionText {
			cur.WriteString(sep)
			cur.WriteString(piece)
			curLen += utf8.RuneCountInString(sep) + n
			return
		}
		flush()
		for _, part := range cutText(piece, MaxSectionText) {
			flush()
			cur.WriteString(part)
			curLen = utf8.RuneCountInString(part)
		}
	}
	for _, h := range heading {
		add(h, "\n")
	}
	for i, p := range pieces {
		sep := "\n\n"
		if i > bulletStart || (i == 0 && len(heading) > 0) {
			sep = "\n"
		}
		add(p, sep)
	}
	flush()
	return texts
}

// cutText cuts s into parts of at most limit characters, at spaces where it
// can and never inside an escape such as "&amp;".
func cutText(s string, limit int) []string {
	var parts []string
	for {
		cut := runeOffset(s, limit) // s[:cut] holds at most limit characters
		if cut == len(s) {
			break
		}
		at := strings.LastIndexByte(s[:cut+1], ' ')
		if at < cut/2 {
			at = cut
			if amp := strings.LastIndexByte(s[:cut], '&'); amp > 0 && cut-amp < 5 && !strings.Contains(s[amp:cut], ";") {
				at = amp
			}
		}
		parts = append(parts, strings.TrimRight(s[:at], " "))
		s = strings.TrimLeft(s[at:], " ")
	}
	if s != "" {
		parts = append(parts, s)
	}
	return parts
}

// runeOffset returns the byte offset of the n-th character of s (0-based),
// or len(s) when s is shorter.
func runeOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// truncate cuts s to at most limit characters, ending with "…" when cut.
func truncate(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		n++
	}
	return s
}

// mrkdwnEscape escapes the three characters Slack's mrkdwn treats as markup.
var mrkdwnReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func mrkdwnEscape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnReplacer.Replace(s)
}

// mdEscape escapes s, one line of text, so Markdown shows it literally.
func mdEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	// Line starts that would make a heading, list, quote or rule.
	switch {
	case s == "":
		return ""
	case strings.ContainsRune("#+-=", rune(s[0])):
		b.WriteByte('\\')
	default:
		i := 0
		for i < len(s) && i < 9 && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i > 0 && i < len(s) && (s[i] == '.' || s[i] == ')') {
			b.WriteString(s[:i])
			b.WriteByte('\\')
			s = s[i:]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '~':
			b.WriteByte('\\')
		case '&':
			if isEntity(s[i:]) {
				b.WriteByte('\\')
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isEntity reports whether s starts with an HTML entity such as "&amp;".
func isEntity(s string) bool {
	end := strings.IndexByte(s[:min(len(s), 34)], ';')
	if end < 2 {
		return false
	}
	body := s[1:end]
	if body[0] == '#' {
		body = body[1:]
		if body != "" && (body[0] == 'x' || body[0] == 'X') {
			body = body[1:]
		}
	}
	if body == "" {
		return false
	}
	for _, r := range body {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
