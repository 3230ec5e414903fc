package templates

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// This file keeps Blocks as it was before it was made faster, with its
// packing, cutting and escaping helpers renamed old…: the tests in
// blocks_test.go compare the fast code with it.

func oldBlocks(r Rendered) []slack.Block {
	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = "Job description"
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, oldTruncate(title, MaxHeader), true, false)),
	}
	var texts []string
	if r.Intro != "" {
		texts = append(texts, oldPackSection(nil, []string{oldMrkdwnEscape(r.Intro)})...)
	}
	for _, s := range r.Sections {
		if len(texts) >= MaxBlocks {
			break // more than fit already: the rest is left out below
		}
		var pieces []string
		for _, p := range s.Paragraphs {
			pieces = append(pieces, oldMrkdwnEscape(p))
		}
		bulletStart := len(pieces)
		for _, it := range s.Bullets {
			pieces = append(pieces, "• "+oldMrkdwnEscape(it))
		}
		var heading []string
		if s.Heading != "" {
			heading = []string{"*" + oldMrkdwnEscape(oldTruncate(s.Heading, 200)) + "*"}
		}
		texts = append(texts, oldPackSectionWithBullets(heading, pieces, bulletStart)...)
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

func oldPackSection(heading, pieces []string) []string {
	return oldPackSectionWithBullets(heading, pieces, len(pieces))
}

func oldPackSectionWithBullets(heading, pieces []string, bulletStart int) []string {
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
		for _, part := range oldCutText(piece, MaxSectionText) {
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

func oldCutText(s string, limit int) []string {
	var parts []string
	for {
		cut := oldRuneOffset(s, limit)
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

func oldRuneOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

func oldTruncate(s string, limit int) string {
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

var oldMrkdwnReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func oldMrkdwnEscape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return oldMrkdwnReplacer.Replace(s)
}
