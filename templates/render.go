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
	var p packer
	p.b.Grow(r.packedSize())
	if r.Intro != "" {
		p.add("", r.Intro, "", 0, "\n\n")
		p.flush()
	}
	for _, s := range r.Sections {
		if p.full() {
			break // more than fit already: the rest is left out below
		}
		p.section(s)
	}

	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = "Job description"
	}
	header := &headerBlock{emoji: true}
	header.text = slack.TextBlockObject{Type: slack.PlainTextType, Text: truncate(title, MaxHeader), Emoji: &header.emoji}
	header.block = slack.HeaderBlock{Type: slack.MBTHeader, Text: &header.text}

	shown, cut := p.n, false
	if p.n >= MaxBlocks {
		shown, cut = MaxBlocks-2, true
	}
	blocks := make([]slack.Block, 0, 1+shown+1)
	blocks = append(blocks, &header.block)
	sections := make([]sectionBlock, shown)
	for i := range sections {
		s := &sections[i]
		s.text = slack.TextBlockObject{Type: slack.MarkdownType, Text: p.texts[i]}
		s.block = slack.SectionBlock{Type: slack.MBTSection, Text: &s.text}
		blocks = append(blocks, &s.block)
	}
	if cut {
		note := slack.NewTextBlockObject(slack.MarkdownType, "_This description is too long to show in full in Slack; the rest is left out here._", false, false)
		blocks = append(blocks, slack.NewContextBlock("", note))
	}
	return blocks
}

// headerBlock holds a header block with its text and emoji flag, so one
// allocation makes all three.
type headerBlock struct {
	block slack.HeaderBlock
	text  slack.TextBlockObject
	emoji bool
}

// sectionBlock holds a section block with its text, so one slice of them
// makes every section of a description.
type sectionBlock struct {
	block slack.SectionBlock
	text  slack.TextBlockObject
}

// packedSize estimates the bytes Blocks' section texts take: the text and
// separators without escapes (escapes make the builder grow), at most
// what MaxBlocks full texts of ASCII can hold.
func (r Rendered) packedSize() int {
	n := len(r.Intro)
	for _, s := range r.Sections {
		n += min(len(s.Heading), 4*200) + 4
		for _, p := range s.Paragraphs {
			n += len(p) + 2
		}
		for _, it := range s.Bullets {
			n += len(it) + 5
		}
	}
	return min(n+64, MaxBlocks*MaxSectionText)
}

// packer packs a description's escaped pieces into section texts of at
// most MaxSectionText characters, all in one builder, keeping the first
// MaxBlocks-1 texts and counting the rest up to MaxBlocks.
type packer struct {
	b      strings.Builder
	start  int // where the current text starts in b
	curLen int // characters in the current text
	n      int // texts so far
	texts  [MaxBlocks - 1]string
}

// full reports whether there are already more texts than Blocks shows, so
// packing more cannot change its result.
func (p *packer) full() bool { return p.n >= MaxBlocks }

// keep records b[start:end] as the next text.
func (p *packer) keep(start, end int) {
	if p.n < len(p.texts) {
		p.texts[p.n] = p.b.String()[start:end]
	}
	p.n++
}

// flush ends the current text, if it has any characters.
func (p *packer) flush() {
	if p.curLen > 0 {
		p.keep(p.start, p.b.Len())
		p.start = p.b.Len()
		p.curLen = 0
	}
}

// section packs a section: its heading in bold, then its paragraphs (blank
// line between them) and its bullets (one per line), starting a new text.
func (p *packer) section(s Section) {
	first := "\n\n"
	if s.Heading != "" {
		p.add("*", truncate(s.Heading, 200), "*", 1, "\n")
		first = "\n"
	}
	sep := first
	for _, para := range s.Paragraphs {
		if p.full() {
			return
		}
		p.add("", para, "", 0, sep)
		sep = "\n\n"
	}
	for i, it := range s.Bullets {
		if p.full() {
			return
		}
		if i > 0 {
			sep = "\n"
		}
		p.add("• ", it, "", 2, sep)
	}
	p.flush()
}

// add adds the piece prefix+mrkdwnEscape(body)+suffix, where prefix has
// prefixLen characters and suffix is ASCII, to the current text after sep
// (ASCII) if it fits, or else starts a new text with it, cutting the piece
// at spaces when it is too long for one text.
func (p *packer) add(prefix, body, suffix string, prefixLen int, sep string) {
	runes, extra := measureMrkdwn(body)
	n := prefixLen + runes + extra + len(suffix)
	if p.curLen > 0 && p.curLen+len(sep)+n <= MaxSectionText {
		p.b.WriteString(sep)
		p.write(prefix, body, suffix, extra)
		p.curLen += len(sep) + n
		return
	}
	p.flush()
	if n == 0 {
		return
	}
	p.write(prefix, body, suffix, extra)
	if n <= MaxSectionText {
		p.curLen = n
		return
	}
	// Too long for one text: every part but the last is a text of its
	// own; the last, the tail of the piece, starts the current text.
	at := p.start
	s := p.b.String()[at:]
	for {
		part, rest := cutOne(s, MaxSectionText)
		if rest == "" {
			if len(part) < len(s) {
				// Cut before trailing spaces: copy the part to the end.
				at = p.b.Len()
				p.b.WriteString(part)
			}
			p.start = at
			p.curLen = utf8.RuneCountInString(part)
			return
		}
		if part != "" {
			p.keep(at, at+len(part))
			if p.full() {
				p.start, p.curLen = p.b.Len(), 0
				return
			}
		}
		at += len(s) - len(rest)
		s = rest
	}
}

// write writes prefix, body escaped for mrkdwn and suffix; extra is how
// many bytes escaping adds to body.
func (p *packer) write(prefix, body, suffix string, extra int) {
	if prefix != "" {
		p.b.WriteString(prefix)
	}
	if extra == 0 {
		p.b.WriteString(body)
	} else {
		last := 0
		for i := 0; i < len(body); i++ {
			var esc string
			switch body[i] {
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			default:
				continue
			}
			p.b.WriteString(body[last:i])
			p.b.WriteString(esc)
			last = i + 1
		}
		p.b.WriteString(body[last:])
	}
	if suffix != "" {
		p.b.WriteString(suffix)
	}
}

// measureMrkdwn returns the characters in s (as range counts them) and the
// bytes (also characters) that escaping "&", "<" and ">" for mrkdwn adds.
// It reads sixteen or eight bytes at a time while they are ASCII without
// those three, and the rest one character at a time.
func measureMrkdwn(s string) (runes, extra int) {
	for len(s) > 0 {
		if len(s) >= 16 && plain2(le64(s), le64(s[8:])) {
			runes += 16
			s = s[16:]
			continue
		}
		if len(s) >= 8 && plain2(le64(s), 0) {
			runes += 8
			s = s[8:]
			continue
		}
		// Byte by byte (or character by character) through the next eight.
		for n := min(len(s), 8); n > 0; {
			size := 1
			switch c := s[0]; {
			case c == '&':
				extra += 4
			case c == '<' || c == '>':
				extra += 3
			case c >= utf8.RuneSelf:
				_, size = utf8.DecodeRuneInString(s)
			}
			runes++
			s = s[size:]
			n -= size
		}
	}
	return runes, extra
}

// plain2 reports whether the sixteen bytes of a and b are all ASCII and
// none is "&", "<" or ">". It spots those as zero bytes in a^"&&&&&&&&"
// and, with bit 1 set ("<" is ">" without it), in (a|0x02…)^">>>>>>>>".
func plain2(a, b uint64) bool {
	amp1, amp2 := a^('&'*ones), b^('&'*ones)
	ang1, ang2 := (a|0x02*ones)^('>'*ones), (b|0x02*ones)^('>'*ones)
	zero := (amp1-ones)&^amp1 | (amp2-ones)&^amp2 | (ang1-ones)&^ang1 | (ang2-ones)&^ang2
	return (a|b|zero)&highs == 0
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

// cutText cuts s into parts of at most limit characters, at spaces where it
// can and never inside an escape such as "&amp;".
func cutText(s string, limit int) []string {
	var parts []string
	for s != "" {
		var part string
		part, s = cutOne(s, limit)
		parts = append(parts, part)
	}
	return parts
}

// cutOne returns s's first part as cutText cuts it (a prefix of s, which
// may be empty when s starts with many spaces) and the rest of s after
// it and the spaces there; s itself and "" when s has at most limit
// characters.
func cutOne(s string, limit int) (part, rest string) {
	cut := runeOffset(s, limit) // s[:cut] holds at most limit characters
	if cut == len(s) {
		return s, ""
	}
	at := strings.LastIndexByte(s[:cut+1], ' ')
	if at < cut/2 {
		at = cut
		if amp := strings.LastIndexByte(s[:cut], '&'); amp > 0 && cut-amp < 5 && !strings.Contains(s[amp:cut], ";") {
			at = amp
		}
	}
	return strings.TrimRight(s[:at], " "), strings.TrimLeft(s[at:], " ")
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
