package templates

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The wording mini-language.
//
// A line of text is literal words with placeholders:
//
//	{field}             the field's value (choices show their labels, several
//	                    choices read "a, b and c", numbers get thousands commas)
//	{field|filter|...}  the value passed through filters (see filters below)
//	[[ words ]]         optional words: dropped, and only they, when a
//	                    placeholder inside them is empty
//	{{ and }}           a literal brace
//
// A placeholder that is empty outside any [[ ]] drops the whole line, so a
// bullet or sentence about an empty optional field disappears with it.
// Single square brackets are refused so that a "[X]" placeholder pasted from
// an article cannot slip into a posting.

// filters lists the filters a placeholder may use, with what they do.
var filterDocs = map[string]string{
	"lower":   "lower-cases the value",
	"value":   "uses the choice values instead of their labels",
	"or":      "joins several choices with \"or\" instead of \"and\"",
	"a":       "puts \"a\" or \"an\" in front of the value",
	"nonzero": "treats the number 0 as empty",
}

// node is one piece of a parsed line: literal text, a placeholder or an
// optional group.
type node struct {
	text    string
	field   string
	filters []string
	group   []node
	isGroup bool
	// For a placeholder of a loaded role (see bindText): fi is the
	// field's position in Role.Fields (-1 for none) and slot numbers its
	// field and filters among the role's placeholders, for the render
	// cache.
	fi, slot int
}

// dropMark marks where an optional group was removed, so spacing around it
// can be repaired. Values never contain it: control characters are stripped.
const dropMark = '\x00'

// parseLine parses one line of the mini-language. The error says what is
// wrong and at which character.
func parseLine(s string) ([]node, error) {
	p := &lineParser{src: s}
	nodes, err := p.parse(false)
	if err != nil {
		return nil, err
	}
	return nodes, nil
}

type lineParser struct {
	src string
	pos int
}

func (p *lineParser) errorf(at int, format string, args ...any) error {
	col := utf8.RuneCountInString(p.src[:at]) + 1
	return fmt.Errorf("%s (at character %d of %q)", fmt.Sprintf(format, args...), col, p.src)
}

func (p *lineParser) parse(inGroup bool) ([]node, error) {
	var nodes []node
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			nodes = append(nodes, node{text: lit.String()})
			lit.Reset()
		}
	}
	for p.pos < len(p.src) {
		rest := p.src[p.pos:]
		switch {
		case strings.HasPrefix(rest, "{{"):
			lit.WriteByte('{')
			p.pos += 2
		case strings.HasPrefix(rest, "}}"):
			lit.WriteByte('}')
			p.pos += 2
		case strings.HasPrefix(rest, "[["):
			flush()
			open := p.pos
			p.pos += 2
			inner, err := p.parse(true)
			if err != nil {
				return nil, err
			}
			if !strings.HasPrefix(p.src[p.pos:], "]]") {
				return nil, p.errorf(open, "optional part \"[[\" is never closed with \"]]\"")
			}
			p.pos += 2
			if !hasPlaceholder(inner) {
				return nil, p.errorf(open, "optional part \"[[...]]\" refers to no field, so nothing could ever remove it")
			}
			nodes = append(nodes, node{group: inner, isGroup: true})
		case strings.HasPrefix(rest, "]]"):
			if !inGroup {
				return nil, p.errorf(p.pos, "\"]]\" closes no optional part")
			}
			flush()
			return nodes, nil
		case rest[0] == '[' || rest[0] == ']':
			return nil, p.errorf(p.pos, "single %q: write optional words as [[ ... ]], and leave no [X]-style placeholders", rest[0])
		case rest[0] == '}':
			return nil, p.errorf(p.pos, "\"}\" closes no placeholder (write }} for a literal brace)")
		case rest[0] == '{':
			flush()
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, p.errorf(p.pos, "placeholder \"{\" is never closed with \"}\"")
			}
			body := rest[1:end]
			parts := strings.Split(body, "|")
			n := node{field: strings.TrimSpace(parts[0])}
			if n.field == "" {
				return nil, p.errorf(p.pos, "empty placeholder {}")
			}
			for _, f := range parts[1:] {
				f = strings.TrimSpace(f)
				if _, ok := filterDocs[f]; !ok {
					return nil, p.errorf(p.pos, "unknown filter %q in {%s} (known: a, lower, nonzero, or, value)", f, body)
				}
				n.filters = append(n.filters, f)
			}
			nodes = append(nodes, n)
			p.pos += end + 1
		default:
			r, size := utf8.DecodeRuneInString(rest)
			lit.WriteRune(r)
			p.pos += size
		}
	}
	// An unclosed group is reported by the caller, which knows where it opened.
	flush()
	return nodes, nil
}

func hasPlaceholder(nodes []node) bool {
	for _, n := range nodes {
		if n.field != "" || (n.isGroup && hasPlaceholder(n.group)) {
			return true
		}
	}
	return false
}

// fieldRefs calls fn for every placeholder in nodes.
func fieldRefs(nodes []node, fn func(n node)) {
	for _, n := range nodes {
		switch {
		case n.isGroup:
			fieldRefs(n.group, fn)
		case n.field != "":
			fn(n)
		}
	}
}

// valueSource gives a placeholder's text; "" means empty.
type valueSource interface {
	value(n *node) string
}

// renderLine renders nodes; ok is false when a placeholder outside any
// optional group is empty, meaning the whole line must be dropped.
func renderLine(nodes []node, vs valueSource) (string, bool) {
	b, ok := appendNodes(nil, nodes, vs, "")
	if !ok {
		return "", false
	}
	b = tidy(b, 0)
	return string(b), len(b) > 0
}

// appendNodes appends nodes to b; follow is the literal text after them.
// ok is false when a placeholder outside any optional group is empty; b
// then holds part of the line.
func appendNodes(b []byte, nodes []node, vs valueSource, follow string) (_ []byte, ok bool) {
	for i := range nodes {
		n := &nodes[i]
		next := follow
		if i+1 < len(nodes) {
			next = nextText(nodes[i+1:])
		}
		switch {
		case n.isGroup:
			start := len(b)
			if b, ok = appendNodes(b, n.group, vs, next); !ok {
				b = append(b[:start], dropMark)
			}
		case n.field != "":
			v := vs.value(n)
			// "Acme Inc." followed by a full stop in the text: keep one.
			if strings.HasPrefix(next, ".") {
				v = strings.TrimRight(v, ".")
			}
			if v == "" {
				return b, false
			}
			b = append(b, v...)
		default:
			b = append(b, n.text...)
		}
	}
	return b, true
}

// nextText returns the literal text at the start of nodes, if any.
func nextText(nodes []node) string {
	if len(nodes) == 0 || nodes[0].isGroup || nodes[0].field != "" {
		return ""
	}
	return nodes[0].text
}

// tidy repairs, in place, the spacing of the line b[from:] where optional
// groups were dropped, and collapses its runs of white space: "in [[{x}
// ]]Paris" and "work[[ in {x}]]." both read cleanly whether or not x is
// set. It returns b cut to the tidied line's end.
func tidy(b []byte, from int) []byte {
	line := b[from:]
	if bytes.IndexByte(line, dropMark) >= 0 {
		w := 0 // line[:w] is the result so far; w never passes i
		for i := 0; i < len(line); i++ {
			if line[i] != dropMark {
				line[w] = line[i]
				w++
				continue
			}
			// Skip the mark and any spaces or marks after it; if punctuation
			// or the end follows, the spaces before the mark go too.
			j := i + 1
			for j < len(line) && (line[j] == ' ' || line[j] == dropMark) {
				j++
			}
			if j == len(line) || strings.IndexByte(".,;:!?)", line[j]) >= 0 {
				for w > 0 && line[w-1] == ' ' {
					w--
				}
				i = j - 1
			}
			// Otherwise the mark just goes; the collapse below merges the
			// spaces.
		}
		line = line[:w]
	}
	return b[:from+len(collapseInPlace(line))]
}

// collapseInPlace does collapseSpace's work on b in place and returns the
// result, a prefix of b.
func collapseInPlace(b []byte) []byte {
	// The usual line needs no change: skip, without writing, the part that
	// is words with single spaces between them.
	w, prevSpace := 0, true
	for w < len(b) {
		if w+8 <= len(b) {
			// Eight ASCII bytes at a time: no white space but single
			// spaces, and none of those after a space.
			if x := binary.LittleEndian.Uint64(b[w:]); x&highs == 0 {
				if ok, endSpace := singleSpaced(x, prevSpace); ok {
					prevSpace = endSpace
					w += 8
					continue
				}
			}
		}
		c := b[w]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(b[w:])
			if unicode.IsSpace(r) {
				break
			}
			prevSpace = false
			w += size
			continue
		}
		sp := asciiSpace(c)
		if sp && (prevSpace || c != ' ') {
			break
		}
		prevSpace = sp
		w++
	}
	if w == len(b) && !prevSpace {
		return b
	}
	// b[:w] is the result so far, but for a space it ends with, which
	// counts as white space skipped; w never passes i.
	gap := false
	if w > 0 && prevSpace {
		w, gap = w-1, true
	}
	for i := w + btoi(gap); i < len(b); {
		c, size := rune(b[i]), 1
		var sp bool
		if c < utf8.RuneSelf {
			sp = asciiSpace(byte(c))
		} else {
			c, size = utf8.DecodeRune(b[i:])
			sp = unicode.IsSpace(c)
		}
		if sp {
			gap = true
			i += size
			continue
		}
		if gap && w > 0 {
			b[w] = ' '
			w++
		}
		gap = false
		w += copy(b[w:], b[i:i+size])
		i += size
	}
	return b[:w]
}

// singleSpaced reports whether the eight ASCII bytes x hold no white space
// but single spaces, none of them right after a space (prevSpace says
// whether the byte before x is one), and whether x ends in a space.
func singleSpaced(x uint64, prevSpace bool) (ok, endSpace bool) {
	sp := asciiEqual(x, ' ')
	ctl := (x + (0x80-'\t')*ones) &^ (x + (0x80-'\r'-1)*ones) & highs // \t to \r
	ok = ctl == 0 && sp&(sp<<8) == 0 && !(prevSpace && sp&0x80 != 0)
	return ok, sp>>63 != 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// asciiSpace reports whether c is white space to strings.Fields.
func asciiSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// collapseSpace trims s and turns every run of white space into one space.
func collapseSpace(s string) string {
	if !needsCollapse(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func needsCollapse(s string) bool {
	if s == "" {
		return false
	}
	prevSpace := true // a leading space needs trimming
	for i := 0; i < len(s); i++ {
		if i+8 <= len(s) {
			if x := le64(s[i:]); x&highs == 0 {
				if ok, endSpace := singleSpaced(x, prevSpace); ok {
					prevSpace = endSpace
					i += 7
					continue
				}
			}
		}
		c := s[i]
		if c >= utf8.RuneSelf {
			return needsCollapseSlow(s)
		}
		sp := c == ' ' || (c >= '\t' && c <= '\r')
		if sp && (prevSpace || c != ' ') {
			return true
		}
		prevSpace = sp
	}
	return prevSpace
}

// needsCollapseSlow is needsCollapse for text with non-ASCII characters,
// which may include other white space (no-break space and the like).
func needsCollapseSlow(s string) bool {
	prevSpace := true
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			return true
		}
		prevSpace = sp
	}
	return prevSpace
}

// article returns "a" or "an" for the word starting s.
func article(s string) string {
	w := strings.ToLower(s)
	for _, p := range []string{"uni", "use", "usu", "eu", "one", "once", "ubiq"} {
		if strings.HasPrefix(w, p) {
			return "a"
		}
	}
	for _, p := range []string{"hour", "honest", "honor", "honour", "heir"} {
		if strings.HasPrefix(w, p) {
			return "an"
		}
	}
	// Initialisms read letter by letter: "an SEO specialist", "an MBA".
	if word, _, _ := strings.Cut(s, " "); len(word) > 1 && isUpperWord(word) {
		if strings.ContainsRune("AEFHILMNORSX", rune(word[0])) {
			return "an"
		}
		return "a"
	}
	if r, _ := utf8.DecodeRuneInString(w); strings.ContainsRune("aeiou", r) {
		return "an"
	}
	return "a"
}

func isUpperWord(w string) bool {
	for _, r := range w {
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// joinList joins items as "a", "a and b" or "a, b and c" (conj "or" likewise).
func joinList(items []string, conj string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
