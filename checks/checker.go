package checks

import (
	"strings"
	"sync"

	"github.com/jobdesc/jobdesc/templates"
)

// CacheBytes bounds the memory of a Checker's cache: its keys, the facts
// it keeps and its maps' overhead, as the Checker estimates them (the
// estimate runs a little above what the heap shows).
const CacheBytes = 4 << 20

// Checker runs the checks as Check does, with exactly the same results,
// but remembers what it worked out about each text it read: the title,
// intro, headings, paragraphs and bullets of postings, and the form's
// text values. Most of a posting is its role template's own wording, the
// same from one posting to the next, so a Checker reads only the texts
// that are new to it, which makes a check several times cheaper. Make one
// with New and share it: it is safe for concurrent use.
//
// Its cache holds at most CacheBytes, in two generations: when the newer
// is full, the older is dropped, keeping the texts used since it became
// the older. A text over CacheBytes/32 bytes is read every time rather
// than kept. The zero Checker and a nil one run Check, with no cache.
type Checker struct {
	d        *data
	genBytes int // the most a generation of the cache holds (see store)

	mu sync.Mutex
	// The cache, by text (trimmed of spaces at both ends), in two
	// generations: a text found in old moves to cur, and when cur is full
	// it becomes old and the previous old is dropped.
	cur, old map[string]*textFacts
	curBytes int // estimated bytes of cur (see textFacts.size)
}

// New returns a Checker with an empty cache. It returns an error wrapping
// ErrData if the embedded check data cannot be read.
func New() (*Checker, error) {
	d, err := loadData()
	if err != nil {
		return nil, err
	}
	return newChecker(d, CacheBytes), nil
}

// newChecker returns a Checker of d whose cache holds about maxBytes.
func newChecker(d *data, maxBytes int) *Checker {
	return &Checker{d: d, genBytes: maxBytes / 2, cur: map[string]*textFacts{}}
}

// maxShare bounds the share of a generation one text may take: a longer
// text is read each time rather than flush the texts that recur.
const maxShare = 16

// Check runs every check on a posting and returns exactly what the
// function Check returns for the same arguments (see there), never
// failing either.
func (c *Checker) Check(role *templates.Role, v templates.Values, r templates.Rendered) []Finding {
	if c == nil || c.d == nil {
		return Check(role, v, r)
	}
	d := c.d
	if !d.lineLocal {
		return d.check(role, v, r) // the pieces' matches may not add up
	}
	tfs := textFields(role, v)
	ps := c.pieces(tfs, r)
	fields := make([]fieldFacts, len(tfs))
	for i, f := range tfs {
		fields[i] = fieldFacts{id: f.id, long: f.long, raw: f.text, textFacts: ps.refs[i].facts}
	}
	pieces := ps.refs[len(tfs):]
	nCoded := 0
	for _, p := range pieces {
		if !p.facts.valid {
			return d.check(role, v, r) // see postingFacts.addPiece
		}
		nCoded += len(p.facts.coded)
	}
	var posting postingFacts
	if nCoded > 0 {
		posting.coded = make([]codedWord, 0, nCoded)
	}
	for _, p := range pieces {
		posting.addPiece(p.facts, p.prose, len(d.phrases))
	}
	requirement := make([]bool, len(r.Sections))
	for i, k := range ps.headings {
		switch {
		case k < 0: // no heading
		case ps.refs[k].facts.heading:
			requirement[i] = ps.refs[k].facts.requirement
		default: // first read as another piece or a value
			requirement[i] = isRequirementHeading(ps.refs[k].text)
		}
	}
	return d.findings(role, v, r, &posting, requirement, fields)
}

// pieceList is the texts one check reads: the fields' values, then the
// posting's pieces in order (see postingLines), with their facts.
type pieceList struct {
	refs []pieceRef
	// headings[i] is the index in refs of section i's heading, or -1
	// when it is empty.
	headings []int
}

// pieceRef is a text a check reads.
type pieceRef struct {
	text  string // trimmed
	facts *textFacts
	prose bool // a piece of the posting's running text (see postingLines)
}

// add adds a piece of the posting unless it is empty once trimmed, and
// returns its index in refs, or -1.
func (ps *pieceList) add(s string, prose bool) int {
	if s = strings.TrimSpace(s); s == "" {
		return -1
	}
	ps.refs = append(ps.refs, pieceRef{text: s, prose: prose})
	return len(ps.refs) - 1
}

// pieces returns the texts of the fields tfs and of the posting r, with
// their facts: from the cache, or worked out now (all at once) and cached.
func (c *Checker) pieces(tfs []textField, r templates.Rendered) pieceList {
	_, n := renderedSize(r)
	ps := pieceList{
		refs:     make([]pieceRef, 0, len(tfs)+n),
		headings: make([]int, len(r.Sections)),
	}
	for _, f := range tfs {
		ps.refs = append(ps.refs, pieceRef{text: f.text})
	}
	ps.add(r.Title, false)
	ps.add(r.Intro, true)
	for i, s := range r.Sections {
		ps.headings[i] = ps.add(s.Heading, false)
		for _, p := range s.Paragraphs {
			ps.add(p, true)
		}
		for _, b := range s.Bullets {
			ps.add(b, true)
		}
	}
	missing := 0
	c.mu.Lock()
	for i := range ps.refs {
		p := &ps.refs[i]
		if p.facts = c.lookup(p.text); p.facts == nil {
			missing++
		}
	}
	c.mu.Unlock()
	if missing > 0 {
		c.read(ps)
	}
	return ps
}

// read works out the facts of the texts of ps that have none, all at
// once, and caches them.
func (c *Checker) read(ps pieceList) {
	// The new texts, each once.
	var news []textField
	var heading []bool
	at := map[string]int{} // text → index in news
	for _, p := range ps.refs {
		if _, ok := at[p.text]; !ok && p.facts == nil {
			at[p.text] = len(news)
			news = append(news, textField{text: p.text})
			heading = append(heading, false)
		}
	}
	for _, k := range ps.headings {
		if k >= 0 && ps.refs[k].facts == nil {
			heading[at[ps.refs[k].text]] = true
		}
	}
	_, docs := prepareDocs("", news, c.d)
	made := make([]*textFacts, len(news))
	for k, doc := range docs {
		made[k] = new(textFacts) // each its own, so that the cache can drop it alone
		want := wantCount | wantCoded | wantValid
		if heading[k] {
			want |= wantHeading
		}
		c.d.setTextFacts(made[k], news[k].text, doc, want)
		made[k].own()
	}
	for i := range ps.refs {
		if p := &ps.refs[i]; p.facts == nil {
			p.facts = made[at[p.text]]
		}
	}
	c.mu.Lock()
	for k, f := range news {
		c.store(f.text, made[k])
	}
	c.mu.Unlock()
}

// lookup returns the cached facts of s, or nil. c.mu must be held.
func (c *Checker) lookup(s string) *textFacts {
	if t, ok := c.cur[s]; ok {
		return t
	}
	t, ok := c.old[s]
	if ok {
		c.store(s, t) // used again: keep it
	}
	return t
}

// store caches the facts t of s, unless s is already cached in the
// current generation or t is too big. c.mu must be held.
func (c *Checker) store(s string, t *textFacts) {
	if _, ok := c.cur[s]; ok {
		return
	}
	size := t.size(len(s))
	if size > c.genBytes/maxShare {
		return
	}
	if c.curBytes+size > c.genBytes {
		c.old, c.cur, c.curBytes = c.cur, map[string]*textFacts{}, 0
	}
	c.cur[strings.Clone(s)] = t
	c.curBytes += size
}
