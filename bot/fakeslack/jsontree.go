package fakeslack

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// The fake validates every block list an app sends. Decoding one into
// maps (decodeArray) and encoding it back with sorted keys cost most of a
// chat.postMessage: a map, and often a string, per JSON object. A
// jsonTree holds the same values in one flat array of nodes over the JSON
// text: strings without escapes are slices of the text, the few with
// escapes are decoded into one shared string, and an object is its
// members in order. The checker reads it (jv); appendBlocks encodes it
// as appendJSON would encode the decoded value.

// jkind is the type of a jsonTree node.
type jkind uint8

const (
	jNull jkind = iota
	jFalse
	jTrue
	jNum    // x holds the value's bits
	jStr    // src[a:b]
	jStrDec // dec[a:b] (the string had escapes or invalid UTF-8); x holds where it is in src
	jArr    // nodes[a:a+b] are the elements
	jObj    // nodes[a:a+2b] are the members: key, value, key, value…
)

// jnode is one value of a jsonTree.
type jnode struct {
	kind jkind
	// verbatim marks a string that encodes as its source text (with its
	// quotes): appendJSONString writes what it decodes to as it is.
	verbatim bool
	a, b     int32
	// x is a jNum's float64 bits, and where a jStrDec is in src (see
	// srcSpan).
	x uint64
}

// srcSpan returns where a string's text (quotes excluded) is in src.
func (n *jnode) srcSpan() (start, end int) {
	if n.kind == jStr {
		return int(n.a), int(n.b)
	}
	return int(n.x >> 32), int(uint32(n.x))
}

// jsonTree is a JSON text parsed as json.Unmarshal into an any would read
// it (see parseJSONTree).
type jsonTree struct {
	src   string
	dec   string
	nodes []jnode
	root  int32
}

// parseJSONTree parses src. It accepts exactly what decodeJSONFast
// accepts: ok is false for invalid JSON, numbers out of float64's range
// and nesting deeper than encoding/json allows, and the caller then asks
// encoding/json for its error.
func parseJSONTree(src string) (*jsonTree, bool) {
	t, _, ok := parseTree(src, false)
	return t, ok
}

// span is where a value's text is in the source: src[start:end].
type span struct{ start, end int }

// parseJSONObject is parseJSONTree for a JSON object, which also returns
// where each member's value is in src, in order; ok is false when src is
// anything else.
func parseJSONObject(src string) (t *jsonTree, values []span, ok bool) {
	return parseJSONObjectInto(src, nil)
}

// parseJSONObjectInto is parseJSONObject that reads the nodes into buf's
// array when it has room for them.
func parseJSONObjectInto(src string, buf []jnode) (t *jsonTree, values []span, ok bool) {
	t, values, ok = parseTree(src, true, buf)
	if ok && !t.rootValue().isObj() {
		return nil, nil, false
	}
	return t, values, ok
}

func parseTree(src string, spans bool, buf ...[]jnode) (*jsonTree, []span, bool) {
	p := treeParser{src: src, ok: true, spans: spans}
	if n := nodeGuess(src); len(buf) > 0 && cap(buf[0]) >= n {
		p.nodes = buf[0][:0]
	} else {
		p.nodes = make([]jnode, 0, n)
	}
	var stack [64]jnode // enough for Block Kit's nesting, else it grows
	p.stack = stack[:0]
	root := p.value()
	p.space()
	if !p.ok || p.pos != len(src) {
		return nil, nil, false
	}
	p.nodes = append(p.nodes, root)
	// p.dec is never written again: the tree's strings can share it.
	return &jsonTree{src: src, dec: unsafe.String(unsafe.SliceData(p.dec), len(p.dec)), nodes: p.nodes, root: int32(len(p.nodes) - 1)}, p.top, true
}

// nodeGuess guesses how many nodes a tree of src holds, a little over
// rather than under (growing the nodes would copy them): a node per
// string (keys too) and per object or array, and some for other values.
func nodeGuess(src string) int {
	return strings.Count(src, `"`)/2 + strings.Count(src, "{") + strings.Count(src, "[") + len(src)/64 + 8
}

type treeParser struct {
	src   string
	pos   int
	depth int
	ok    bool
	nodes []jnode // finished nodes; a container's children are contiguous
	stack []jnode // children of the containers being read
	dec   []byte
	spans bool   // record where the root object's member values are
	top   []span // where they are, when spans
}

func (p *treeParser) fail() { p.ok = false; p.pos = len(p.src) }

func (p *treeParser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value reads a value; a container's children go to p.nodes.
func (p *treeParser) value() jnode {
	p.space()
	if p.pos >= len(p.src) {
		p.fail()
		return jnode{}
	}
	switch c := p.src[p.pos]; {
	case c == '{' || c == '[':
		if p.depth++; p.depth > maxJSONDepth {
			p.fail()
			return jnode{}
		}
		p.pos++
		mark := len(p.stack)
		closing, kind := byte(']'), jArr
		if c == '{' {
			closing, kind = '}', jObj
		}
		p.space()
		if p.pos < len(p.src) && p.src[p.pos] == closing {
			p.pos++
		} else {
			for p.ok {
				if kind == jObj {
					p.space()
					if p.pos >= len(p.src) || p.src[p.pos] != '"' {
						p.fail()
						break
					}
					p.stack = append(p.stack, p.str())
					p.space()
					if p.pos >= len(p.src) || p.src[p.pos] != ':' {
						p.fail()
						break
					}
					p.pos++
				}
				// value reads before the append: it grows p.stack itself.
				if p.spans && p.depth == 1 && kind == jObj {
					p.space()
					start := p.pos
					v := p.value()
					p.stack = append(p.stack, v)
					p.top = append(p.top, span{start, p.pos})
				} else {
					v := p.value()
					p.stack = append(p.stack, v)
				}
				p.space()
				if p.pos >= len(p.src) {
					p.fail()
					break
				}
				next := p.src[p.pos]
				p.pos++
				if next == closing {
					break
				}
				if next != ',' {
					p.fail()
				}
			}
		}
		p.depth--
		first, n := len(p.nodes), len(p.stack)-mark
		p.nodes = append(p.nodes, p.stack[mark:]...)
		p.stack = p.stack[:mark]
		if kind == jObj {
			n /= 2
		}
		return jnode{kind: kind, a: int32(first), b: int32(n)}
	case c == '"':
		return p.str()
	case c == 't':
		return p.literal("true", jTrue)
	case c == 'f':
		return p.literal("false", jFalse)
	case c == 'n':
		return p.literal("null", jNull)
	case c == '-' || c >= '0' && c <= '9':
		end := numberEnd(p.src, p.pos)
		if end < 0 {
			p.fail()
			return jnode{}
		}
		f, err := strconv.ParseFloat(p.src[p.pos:end], 64)
		if err != nil {
			p.fail()
			return jnode{}
		}
		p.pos = end
		return jnode{kind: jNum, x: math.Float64bits(f)}
	}
	p.fail()
	return jnode{}
}

func (p *treeParser) literal(word string, kind jkind) jnode {
	if !strings.HasPrefix(p.src[p.pos:], word) {
		p.fail()
		return jnode{}
	}
	p.pos += len(word)
	return jnode{kind: kind}
}

// str reads a string: a slice of src when it holds nothing to decode,
// else decoded into dec as encoding/json decodes it.
func (p *treeParser) str() jnode {
	start := p.pos + 1
	verbatim := true
	for i := start; i < len(p.src); {
		for i < len(p.src) && jsonSafe[p.src[i]] { // the usual bytes, in bulk
			i++
		}
		if i >= len(p.src) {
			break
		}
		c := p.src[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return jnode{kind: jStr, verbatim: verbatim, a: int32(start), b: int32(i)}
		case c == '\\':
			return p.escapedStr(start, i, verbatim)
		case c < 0x20:
			p.fail()
			return jnode{}
		case c < utf8.RuneSelf: // <, > or &, which appendJSONString escapes
			verbatim = false
			i++
		default:
			r, size := utf8.DecodeRuneInString(p.src[i:])
			if r == utf8.RuneError && size == 1 {
				return p.escapedStr(start, i, verbatim)
			}
			if r == '\u2028' || r == '\u2029' {
				verbatim = false
			}
			i += size
		}
	}
	p.fail()
	return jnode{}
}

// escapedStr continues str from i, the first byte not copied as is (a
// backslash or invalid UTF-8), decoding into dec; verbatim says whether
// src[start:i] is as appendJSONString writes it.
func (p *treeParser) escapedStr(start, i int, verbatim bool) jnode {
	if p.dec == nil {
		// One buffer for every decoded string: what is left of the text
		// holds them unless invalid UTF-8 (3 bytes for 1) overflows it.
		p.dec = make([]byte, 0, len(p.src)-start)
	}
	from := len(p.dec)
	dec, end, ok, canonical := appendUnescaped(append(p.dec, p.src[start:i]...), p.src, i)
	if !ok {
		p.fail()
		return jnode{}
	}
	p.dec, p.pos = dec, end
	return jnode{kind: jStrDec, verbatim: verbatim && canonical, a: int32(from), b: int32(len(p.dec)), x: uint64(start)<<32 | uint64(end-1)}
}

// jv is a value of a jsonTree; the zero jv is an absent value (no type).
type jv struct {
	t *jsonTree
	i int32
}

func (t *jsonTree) rootValue() jv { return jv{t, t.root} }

func (v jv) node() *jnode { return &v.t.nodes[v.i] }

// present reports whether v is a value (JSON null included).
func (v jv) present() bool { return v.t != nil }

// isNull reports whether v is absent or JSON null, as a nil any.
func (v jv) isNull() bool { return v.t == nil || v.node().kind == jNull }

func (v jv) isObj() bool { return v.t != nil && v.node().kind == jObj }

// quoted returns a verbatim string's source text, quotes included (what
// appendJSONString writes for it), else "".
func (t *jsonTree) quoted(n *jnode) string {
	if !n.verbatim {
		return ""
	}
	start, end := n.srcSpan()
	return t.src[start-1 : end+1]
}

func (t *jsonTree) strOf(n *jnode) string {
	if n.kind == jStr {
		return t.src[n.a:n.b]
	}
	return t.dec[n.a:n.b]
}

// str returns v's value when it is a string.
func (v jv) str() (string, bool) {
	if v.t == nil {
		return "", false
	}
	n := v.node()
	if n.kind != jStr && n.kind != jStrDec {
		return "", false
	}
	return v.t.strOf(n), true
}

// strIs reports whether v is the string want.
func (v jv) strIs(want string) bool {
	s, ok := v.str()
	return ok && s == want
}

// num returns v's value when it is a number.
func (v jv) num() (float64, bool) {
	if v.t == nil || v.node().kind != jNum {
		return 0, false
	}
	return math.Float64frombits(v.node().x), true
}

// isBool reports whether v is true or false.
func (v jv) isBool() bool {
	return v.t != nil && (v.node().kind == jTrue || v.node().kind == jFalse)
}

// arr returns the length of v when it is an array.
func (v jv) arr() (int, bool) {
	if v.t == nil || v.node().kind != jArr {
		return 0, false
	}
	return int(v.node().b), true
}

// at returns element i of an array.
func (v jv) at(i int) jv { return jv{v.t, v.node().a + int32(i)} }

// get returns an object's member: the last one of that key, as
// json.Unmarshal keeps it. ok is false when v is no object or has none.
func (v jv) get(key string) (jv, bool) {
	if v.t == nil {
		return jv{}, false
	}
	n := v.node()
	if n.kind != jObj {
		return jv{}, false
	}
	for k := n.a + 2*(n.b-1); k >= n.a; k -= 2 {
		if v.t.strOf(&v.t.nodes[k]) == key {
			return jv{v.t, k + 1}, true
		}
	}
	return jv{}, false
}

// member is an object member to encode: small, as appendObject sorts an
// array of them for every object.
type member struct {
	key string
	// k is the key's node, or -1 for the member appendObject sets.
	k   int32
	val int32 // the value's node
}

// quotedKey returns the key encoded, when its source text is (see
// jnode.verbatim), else "".
func (m member) quotedKey(t *jsonTree) string {
	if m.k < 0 {
		return ""
	}
	return t.quoted(&t.nodes[m.k])
}

// sortedMembers returns an object's members sorted by key, one per key
// (the last, as json.Unmarshal keeps it), with member setKey, when not
// "", replaced by one whose val is -1 (the caller's value).
func (t *jsonTree) sortedMembers(buf []member, n *jnode, setKey string) []member {
	ms := buf[:0]
	for k := n.a; k < n.a+2*n.b; k += 2 {
		kn := &t.nodes[k]
		key := t.strOf(kn)
		if setKey != "" && key == setKey {
			continue
		}
		ms = append(ms, member{key: key, k: k, val: k + 1})
	}
	if setKey != "" {
		ms = append(ms, member{key: setKey, k: -1, val: -1})
	}
	sortByKey(ms, func(m member) string { return m.key })
	out := ms[:0]
	for i, m := range ms { // equal keys are in order: keep the last
		if i+1 < len(ms) && ms[i+1].key == m.key {
			continue
		}
		out = append(out, m)
	}
	return out
}

// appendValue appends node i encoded as appendJSON encodes the value
// json.Unmarshal decodes from it.
func (t *jsonTree) appendValue(b []byte, i int32) []byte {
	n := &t.nodes[i]
	switch n.kind {
	case jNull:
		return append(b, "null"...)
	case jFalse:
		return append(b, "false"...)
	case jTrue:
		return append(b, "true"...)
	case jNum:
		return appendJSON(b, math.Float64frombits(n.x))
	case jStr, jStrDec:
		if q := t.quoted(n); q != "" {
			return append(b, q...)
		}
		return appendJSONString(b, t.strOf(n))
	case jArr:
		b = append(b, '[')
		for k := n.a; k < n.a+n.b; k++ {
			if k > n.a {
				b = append(b, ',')
			}
			b = t.appendValue(b, k)
		}
		return append(b, ']')
	}
	return t.appendObject(b, i, "", "", nil)
}

// appendObject appends object i with keys sorted, member setKey (when not
// "") set to the string setVal, and each member's value appended by
// child (nil: appendValue).
func (t *jsonTree) appendObject(b []byte, i int32, setKey, setVal string, child func(b []byte, key string, val int32) []byte) []byte {
	var small [16]member
	ms := t.sortedMembers(small[:0], &t.nodes[i], setKey)
	b = append(b, '{')
	for k, m := range ms {
		if k > 0 {
			b = append(b, ',')
		}
		if q := m.quotedKey(t); q != "" {
			b = append(b, q...)
		} else {
			b = appendJSONString(b, m.key)
		}
		b = append(b, ':')
		switch {
		case m.val < 0:
			b = appendJSONString(b, setVal)
		case child != nil:
			b = child(b, m.key, m.val)
		default:
			b = t.appendValue(b, m.val)
		}
	}
	return append(b, '}')
}

// appendBlocks appends the block array v as normalizeBlocks and then
// appendJSON would: every block object gets a block_id and every
// interactive element (see blockElements) an action_id when it has no
// non-empty one, drawn at random.
func (t *jsonTree) appendBlocks(b []byte, v jv) []byte {
	n, _ := v.arr()
	b = append(b, '[')
	for k := range n {
		if k > 0 {
			b = append(b, ',')
		}
		blk := v.at(k)
		if !blk.isObj() {
			b = t.appendValue(b, blk.i)
			continue
		}
		setVal := ""
		if id, _ := blk.get("block_id"); !nonEmptyStr(id) {
			setVal = randomString(5, alnum)
		}
		typ, _ := blk.get("type")
		var elemKey string // the member holding the block's elements
		switch {
		case typ.strIs("actions"):
			elemKey = "elements"
		case typ.strIs("section"):
			elemKey = "accessory"
		case typ.strIs("input"):
			elemKey = "element"
		}
		setKey := ""
		if setVal != "" {
			setKey = "block_id"
		}
		b = t.appendObject(b, blk.i, setKey, setVal, func(b []byte, key string, val int32) []byte {
			if key != elemKey {
				return t.appendValue(b, val)
			}
			e := jv{t, val}
			if elemKey != "elements" {
				return t.appendElement(b, e)
			}
			m, ok := e.arr()
			if !ok {
				return t.appendValue(b, val)
			}
			b = append(b, '[')
			for j := range m {
				if j > 0 {
					b = append(b, ',')
				}
				b = t.appendElement(b, e.at(j))
			}
			return append(b, ']')
		})
	}
	return append(b, ']')
}

// appendElement appends a block element, with an action_id drawn when
// it is an object (not an image) without a non-empty one.
func (t *jsonTree) appendElement(b []byte, e jv) []byte {
	if !e.isObj() {
		return t.appendValue(b, e.i)
	}
	if typ, _ := e.get("type"); typ.strIs("image") {
		return t.appendValue(b, e.i)
	}
	if id, _ := e.get("action_id"); nonEmptyStr(id) {
		return t.appendValue(b, e.i)
	}
	return t.appendObject(b, e.i, "action_id", randomActionID(), nil)
}

func nonEmptyStr(v jv) bool {
	s, ok := v.str()
	return ok && s != ""
}
