package checks

import (
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// textFacts is everything the checks read of one text, a field's value or
// a piece of the posting (its title, intro, a heading, paragraph or
// bullet), worked out from its doc: what the posting-wide checks need of
// it adds up over the pieces (see postingFacts.addPiece). A Checker keeps
// them by text, with every fact worked out, and shares them between
// goroutines, so they are never changed once made; Check leaves out what
// it does not need (see wanted).
type textFacts struct {
	count        proseCount      // every line counted as running text (see textCounts)
	coded        []codedWord     // its gender-coded words, in order (see data.genderCoding)
	repeats      []string        // repeatedWords of it
	placeholders []string        // data.placeholders of it
	phrases      []phraseMatches // the phrases that match it, in data.phrases order
	emptyBullets int             // emptyBullets of its text
	// heading says requirement is set: isRequirementHeading of the text
	// (worked out only for texts first read as a heading).
	heading, requirement bool
	// valid says the text is valid UTF-8: only then do its facts as a
	// piece of the posting add up to the posting's (see Checker.Check).
	valid bool
}

// phraseMatches is what an exclusionary phrase finds in a text.
type phraseMatches struct {
	phrase int      // index in data.phrases
	found  []string // what phrase.find returns, never empty
}

// matches returns what phrase i finds in the text, or nil.
func (t *textFacts) matches(i int) []string {
	for _, m := range t.phrases {
		if m.phrase == i {
			return m.found
		}
	}
	return nil
}

// wanted says which of the facts that not every text needs setTextFacts
// works out.
type wanted uint8

const (
	wantCount   wanted = 1 << iota // count
	wantCoded                      // coded
	wantValid                      // valid
	wantHeading                    // heading and requirement
)

// setTextFacts sets *t, which must be zero, to the facts of raw, a text
// trimmed of spaces at both ends, given its doc (see newDoc): those
// every text needs, and those want asks for.
func (d *data) setTextFacts(t *textFacts, raw string, doc *doc, want wanted) {
	if want&wantCount != 0 {
		t.count = textCounts(doc.words())
	}
	t.repeats = repeatedWords(doc)
	t.placeholders = d.placeholders(doc)
	t.emptyBullets = emptyBullets(doc.text)
	if want&wantCoded != 0 {
		_, t.coded = d.genderCoding(doc)
	}
	if want&wantValid != 0 {
		t.valid = utf8.ValidString(raw)
	}
	if want&wantHeading != 0 {
		t.heading, t.requirement = true, isRequirementHeading(raw)
	}
	for i := range d.phrases {
		if ms := d.phrases[i].find(doc); len(ms) > 0 {
			t.phrases = append(t.phrases, phraseMatches{i, ms})
		}
	}
}

// own makes the strings of t its own, so that keeping t does not keep the
// (larger) texts they were cut from.
func (t *textFacts) own() {
	if len(t.coded) > 0 {
		t.coded = slices.Clone(t.coded)
		for i := range t.coded {
			t.coded[i].word = strings.Clone(t.coded[i].word) // stems are the data's
		}
	}
	cloneAll(t.repeats)
	cloneAll(t.placeholders)
	for _, m := range t.phrases {
		cloneAll(m.found)
	}
}

func cloneAll(ss []string) {
	for i, s := range ss {
		ss[i] = strings.Clone(s)
	}
}

// size estimates the bytes t takes, with a string key of keyLen bytes in
// a map: the struct, its slices and strings, and the map's overhead.
func (t *textFacts) size(keyLen int) int {
	const str = int(unsafe.Sizeof(""))
	n := keyLen + 64 + int(unsafe.Sizeof(*t))
	n += len(t.coded) * int(unsafe.Sizeof(codedWord{}))
	for _, w := range t.coded {
		n += len(w.word)
	}
	for _, ss := range [][]string{t.repeats, t.placeholders} {
		for _, s := range ss {
			n += str + len(s)
		}
	}
	for _, m := range t.phrases {
		n += int(unsafe.Sizeof(m))
		for _, s := range m.found {
			n += str + len(s)
		}
	}
	return n
}

// fieldFacts is a text field's value and its facts.
type fieldFacts struct {
	id   string
	long bool   // a long-text field (see textField.long)
	raw  string // the value, trimmed
	*textFacts
}

// docText returns the value's text as its doc has it (see newDoc).
func (f *fieldFacts) docText() string { return collapseBlanks(normalizeQuotes(f.raw)) }

// postingFacts is what the checks read of the posting's whole text.
type postingFacts struct {
	words        int         // all its words
	prose        proseCount  // the counts of its running text (see proseCounts)
	coded        []codedWord // its gender-coded words, in order
	repeats      []string    // repeatedWords of it
	placeholders []string    // data.placeholders of it
	phrases      [][]string  // by phrase, what it finds (see phrase.find); nil when none finds anything
}

// postingFacts works out the facts of the posting's doc, whose lines of
// running text prose marks (see postingLines).
func (d *data) postingFacts(posting *doc, prose []bool) postingFacts {
	p := postingFacts{
		words:        posting.words().count(),
		prose:        proseCounts(posting, prose),
		repeats:      repeatedWords(posting),
		placeholders: d.placeholders(posting),
	}
	_, p.coded = d.genderCoding(posting)
	for i := range d.phrases {
		if ms := d.phrases[i].find(posting); len(ms) > 0 {
			if p.phrases == nil {
				p.phrases = make([][]string, len(d.phrases))
			}
			p.phrases[i] = ms
		}
	}
	return p
}

// addPiece adds the facts of the next piece of the posting, a line or
// lines of it (of running text if prose is set): a posting's facts are
// its pieces' added up in order. That holds because no word, sentence,
// doubled word, placeholder or phrase spans a line break, so long as the
// text is valid UTF-8 (collapseBlanks and strings.ToLower change invalid
// bytes) and every matcher is line-local (data.lineLocal): the phrases,
// placeholders and doubled words of the whole are those of the pieces, in
// order, each once.
func (p *postingFacts) addPiece(t *textFacts, prose bool, nPhrases int) {
	p.words += t.count.words
	if prose {
		p.prose.add(t.count)
	}
	p.coded = append(p.coded, t.coded...)
	p.repeats = appendNew(p.repeats, t.repeats)
	p.placeholders = appendNew(p.placeholders, t.placeholders)
	for _, m := range t.phrases {
		if p.phrases == nil {
			p.phrases = make([][]string, nPhrases)
		}
		p.phrases[m.phrase] = appendNew(p.phrases[m.phrase], m.found)
	}
}

// appendNew appends to list the items it does not hold yet, in order.
func appendNew(list, items []string) []string {
	for _, s := range items {
		if !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}
