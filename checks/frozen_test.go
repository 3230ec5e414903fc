package checks

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jobdesc/jobdesc/templates"
)

// This file freezes Check as it stood before Checker and its per-piece
// cache were added (commit 2e88138): frozenCheck and the functions it
// calls that the cache work touched, copied verbatim with a "frozen"
// prefix. The tests of checker_test.go require Check and
// Checker.Check to give exactly what frozenCheck gives. The tokenizer,
// matchers and gender stems it shares with the package have oracles of
// their own (oracle_test.go, fast_test.go, match_test.go).

func (d *data) frozenGenderCoding(doc *doc) (Coding, []codedWord) {
	var c Coding
	var found []codedWord
	code := func(w string) {
		fem, masc := d.stems.longest(w)
		if fem != "" {
			c.Feminine = append(c.Feminine, w)
			found = append(found, codedWord{word: w, stem: fem})
		}
		if masc != "" {
			c.Masculine = append(c.Masculine, w)
			found = append(found, codedWord{word: w, stem: masc, masculine: true})
		}
	}

	ws := doc.words()
	for i := range ws.count() {
		if !ws.mayBeCoded(i) {
			continue
		}
		w := ws.lowerWord(i)
		if strings.IndexByte(w, '-') < 0 || longestStem(w, d.hyphenated) != "" {
			code(w)
			continue
		}
		for part := range strings.SplitSeq(w, "-") {
			if part != "" {
				code(part)
			}
		}
	}
	c.Verdict = verdict(c.Balance())
	return c, found
}

func (d *data) frozenGenderFindings(posting *doc, fields []*doc) []Finding {
	c, found := d.frozenGenderCoding(posting)
	if c.Verdict == VerdictNeutral {
		return nil
	}
	masc := c.Balance() < 0
	sev := Tip
	if c.Verdict == VerdictStronglyMasculine || c.Verdict == VerdictStronglyFeminine {
		sev = Warning
	}
	lean, other := "masculine", "feminine"
	if !masc {
		lean, other = other, lean
	}
	var leaning []codedWord
	for _, w := range found {
		if w.masculine == masc {
			leaning = append(leaning, w)
		}
	}
	nLean, nOther := len(c.Masculine), len(c.Feminine)
	if !masc {
		nLean, nOther = nOther, nLean
	}
	fs := []Finding{{
		Rule:     RuleGenderCoded,
		Severity: sev,
		Message: fmt.Sprintf("The posting reads %s: %d %s-coded %s (%s) against %d %s-coded. "+
			"Wording that leans one way makes the job look less open to other genders.",
			c.Verdict, nLean, lean, plural(nLean, "word", "words"), frozenCountedList(leaning), nOther, other),
		Suggestion: d.frozenGenderSuggestion(leaning, other),
	}}
	for _, f := range fields {
		fc, ffound := d.frozenGenderCoding(f)
		if len(fc.Masculine)+len(fc.Feminine) == 0 {
			continue
		}
		var mine []codedWord
		for _, w := range ffound {
			if w.masculine == masc {
				mine = append(mine, w)
			}
		}
		if len(mine) == 0 {
			continue
		}
		fs = append(fs, Finding{
			Rule:     RuleGenderCoded,
			Severity: sev,
			Field:    f.field,
			Message: fmt.Sprintf("This field uses %s-coded %s (%s), and the posting as a whole reads %s.",
				lean, plural(len(frozenDistinctWords(mine)), "word", "words"), frozenCountedList(mine), c.Verdict),
			Suggestion: d.frozenGenderSuggestion(mine, other),
		})
	}
	return fs
}

func (d *data) frozenGenderSuggestion(ws []codedWord, other string) string {
	counts := map[string]int{}
	var order []codedWord
	for _, w := range ws {
		if _, ok := d.alternatives[w.stem]; !ok {
			continue
		}
		if counts[w.word] == 0 {
			order = append(order, w)
		}
		counts[w.word]++
	}

	for i := 1; i < len(order); i++ {
		for k := i; k > 0 && counts[order[k].word] > counts[order[k-1].word]; k-- {
			order[k], order[k-1] = order[k-1], order[k]
		}
	}
	var alts []string
	stems := map[string]bool{}
	for _, w := range order {
		if len(alts) == 4 {
			break
		}
		if stems[w.stem] {
			continue
		}
		stems[w.stem] = true
		alts = append(alts, fmt.Sprintf("%q → %s", w.word, d.alternatives[w.stem]))
	}
	base := fmt.Sprintf("Swap some for neutral words, or add %s-coded ones where they are true of the job", other)
	if len(alts) == 0 {
		return base + "."
	}
	return base + ": " + strings.Join(alts, "; ") + "."
}

func frozenCountedList(ws []codedWord) string {
	counts := map[string]int{}
	for _, w := range ws {
		counts[w.word]++
	}
	var parts []string
	for _, w := range frozenDistinctWords(ws) {
		if n := counts[w]; n > 1 {
			parts = append(parts, fmt.Sprintf("%s ×%d", w, n))
		} else {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, ", ")
}

func frozenDistinctWords(ws []codedWord) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range ws {
		if !seen[w.word] {
			seen[w.word] = true
			out = append(out, w.word)
		}
	}
	return out
}

func frozenRequirementFindings(r templates.Rendered, fields []*doc) []Finding {
	n := 0
	for _, s := range r.Sections {
		if isRequirementHeading(s.Heading) {
			for _, b := range s.Bullets {
				if hasWord(b) {
					n++
				}
			}
		}
	}
	if n <= maxRequirements {
		return nil
	}
	bullets := make([]string, 0, n)
	for _, s := range r.Sections {
		if isRequirementHeading(s.Heading) {
			for _, b := range s.Bullets {
				if hasWord(b) {
					bullets = append(bullets, comparable(b))
				}
			}
		}
	}

	field, fromFields := "", 0
	for _, f := range fields {
		lines, _ := bulletLines(f.text)
		matched := 0
		for _, l := range lines {
			if slices.Contains(bullets, comparable(l)) {
				matched++
			}
		}
		if matched > 0 && field == "" {
			field = f.field
		}
		fromFields += matched
	}
	if n-fromFields > maxRequirements {
		field = ""
	}
	return []Finding{{
		Rule:     RuleRequirements,
		Severity: Tip,
		Field:    field,
		Message: fmt.Sprintf("The posting lists %d requirements. People who meet most but not all of a long list often do not apply, "+
			"and women are reported to hold back more often than men.", n),
		Suggestion: fmt.Sprintf("Keep the must-haves to %d or fewer; move the rest under \"Nice to have\", or drop them.", maxRequirements),
	}}
}

func frozenLengthFindings(posting *doc) []Finding {
	n := posting.words().count()
	switch {
	case n < minWords:
		return []Finding{{
			Rule: RuleLength, Severity: Tip,
			Message: fmt.Sprintf("The posting is %s words. Postings of roughly %d–%d words give candidates enough to decide.",
				thousands(int64(n)), minWords, maxWords),
			Suggestion: "Say more about the work, the team and what the first months look like.",
		}}
	case n > maxWords:
		return []Finding{{
			Rule: RuleLength, Severity: Tip,
			Message: fmt.Sprintf("The posting is %s words. Candidates skim, and postings over roughly %d words lose them.",
				thousands(int64(n)), maxWords),
			Suggestion: "Cut repetition and keep the requirements to the essentials.",
		}}
	}
	return nil
}

func frozenReadabilityFindings(posting *doc, prose []bool, fields []*doc) []Finding {
	var fs []Finding
	if n, ease := frozenProseEase(posting, prose); n >= minProseWords && ease < hardToRead {
		fs = append(fs, Finding{
			Rule: RuleReadability, Severity: Tip,
			Message: fmt.Sprintf("The posting is hard to read: Flesch reading ease %.0f (below %d reads like an academic paper).",
				math.Floor(ease), hardToRead),
			Suggestion: "Use shorter sentences and plainer words; aim for 50 or more.",
		})
	}
	for _, f := range fields {
		if !f.long || f.words().count() < minFieldWords {
			continue
		}
		if ease := frozenReadingEase(f.words()); ease < hardToRead {
			fs = append(fs, Finding{
				Rule: RuleReadability, Severity: Tip, Field: f.field,
				Message:    fmt.Sprintf("This text is hard to read: Flesch reading ease %.0f.", math.Floor(ease)),
				Suggestion: "Split long sentences and prefer short, common words.",
			})
		}
	}
	return fs
}

func frozenProseEase(posting *doc, prose []bool) (nWords int, ease float64) {
	ws := posting.words()
	text := ws.text
	nSentences, nSyllables := 0, 0
	next := 0
	for line, start := 0, 0; start < len(text); line++ {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		first := next
		for next < ws.count() {
			if start, _ := ws.span(next); start >= end {
				break
			}
			next++
		}
		if line < len(prose) && prose[line] {
			nWords += next - first
			for k := first; k < next; k++ {
				nSyllables += ws.syllables(k)
			}
			nSentences += frozenSentences(ws, first, next)
		}
		start = end + 1
	}
	if nWords == 0 {
		return 0, 0
	}
	return nWords, flesch(nWords, nSentences, nSyllables)
}

func frozenReadingEase(ws *wordList) float64 {
	n := ws.count()
	if n == 0 {
		return 0
	}
	nSyllables := 0
	for i := range n {
		nSyllables += ws.syllables(i)
	}
	return flesch(n, frozenSentences(ws, 0, n), nSyllables)
}

func frozenSentences(ws *wordList, from, to int) int {
	if from >= to {
		return 0
	}
	n := 1
	if ws.info != nil {
		for _, info := range ws.info[from+1 : to] {
			if info&infoSplit != 0 {
				n++
			}
		}
		return n
	}
	_, prevEnd := ws.span(from)
	for k := from + 1; k < to; k++ {
		start, end := ws.span(k)

		if (start-prevEnd != 1 || ws.text[prevEnd] != ' ') && splits(ws.text[prevEnd:start]) {
			n++
		}
		prevEnd = end
	}
	return n
}

func frozenCheck(role *templates.Role, v templates.Values, r templates.Rendered) []Finding {
	d, err := loadData()
	if err != nil {
		return []Finding{{
			Rule: RuleData, Severity: Warning,
			Message: "The posting checks could not run: " + err.Error(),
		}}
	}
	return d.frozenCheckData(role, v, r)
}

// frozenCheckData is frozenCheck with data d (the one change to the
// frozen code: a split, so that tests can give other data).
func (d *data) frozenCheckData(role *templates.Role, v templates.Values, r templates.Rendered) []Finding {
	text, prose := frozenPostingLines(r)
	posting, fields := frozenPrepareDocs(text, frozenTextFields(role, v), d)
	var fs []Finding
	fs = append(fs, d.frozenPayFindings(role, v)...)
	fs = append(fs, salaryFindings(v)...)
	fs = append(fs, d.frozenExclusionaryFindings(posting, fields)...)
	fs = append(fs, d.frozenGenderFindings(posting, fields)...)
	fs = append(fs, d.frozenLeftoverFindings(r, posting, fields)...)
	fs = append(fs, frozenRequirementFindings(r, fields)...)
	fs = append(fs, frozenLengthFindings(posting)...)
	fs = append(fs, frozenReadabilityFindings(posting, prose, fields)...)
	frozenSortFindings(fs, role)
	return fs
}

func frozenSortFindings(fs []Finding, role *templates.Role) {
	fieldRank := func(id string) (int, string) {
		if id == "" {
			return 1 << 30, ""
		}
		if role != nil {
			for i := len(role.Fields) - 1; i >= 0; i-- {
				if role.Fields[i].ID == id {
					return i, ""
				}
			}
		}
		return 1<<30 - 1, id
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(a.Severity.rank(), b.Severity.rank()); c != 0 {
			return c
		}
		if c := cmp.Compare(slices.Index(ruleOrder, a.Rule), slices.Index(ruleOrder, b.Rule)); c != 0 {
			return c
		}
		ai, as := fieldRank(a.Field)
		bi, bs := fieldRank(b.Field)
		if c := cmp.Compare(ai, bi); c != 0 {
			return c
		}
		if c := cmp.Compare(as, bs); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Message, b.Message); c != 0 {
			return c
		}
		return cmp.Compare(a.Suggestion, b.Suggestion)
	})
}

func (d *data) frozenPlaceholders(doc *doc) []string {
	s := doc.text
	type hit struct {
		at   int
		text string
	}
	var hits []hit
	for i := range d.placeholderMatchers {
		for _, loc := range d.placeholderMatchers[i].findAll(doc) {
			if s[loc[0]] == '[' && strings.HasPrefix(s[loc[1]:], "(") {
				continue
			}
			hits = append(hits, hit{loc[0], s[loc[0]:loc[1]]})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return a.at - b.at })
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.text) {
			out = append(out, h.text)
		}
	}
	return out
}

func frozenRepeatedWords(d *doc) []string {
	s, ws := d.text, d.words()
	var out []string
	n := ws.count()
	if n == 0 {
		return nil
	}
	for i := 1; i < n; i++ {
		if !ws.mayRepeat(i) {
			continue
		}
		a, b := ws.lowerWord(i-1), ws.lowerWord(i)
		if a != b || repeatsAllowed[a] || !isLetters(a) {
			continue
		}
		_, end := ws.span(i - 1)
		start, _ := ws.span(i)
		if strings.Trim(s[end:start], " \t") != "" {
			continue
		}
		if rep := a + " " + b; !slices.Contains(out, rep) {
			out = append(out, rep)
		}
	}
	return out
}

func (d *data) frozenLeftoverFindings(r templates.Rendered, posting *doc, fields []*doc) []Finding {
	var fs []Finding
	kinds := []struct {
		find       func(*doc) []string
		message    func([]string) string
		suggestion string
	}{
		{d.frozenPlaceholders, func(ms []string) string {
			return "Leftover placeholder text: " + quoteList(ms) + "."
		}, "Replace it with the real text, or remove it."},
		{frozenRepeatedWords, func(ms []string) string {
			return plural(len(ms), "Repeated word: ", "Repeated words: ") + quoteList(ms) + "."
		}, "Remove the extra word."},
	}
	for _, k := range kinds {
		inFields := map[string]bool{}
		for _, f := range fields {
			ms := k.find(f)
			if len(ms) == 0 {
				continue
			}
			for _, m := range ms {
				inFields[m] = true
			}
			fs = append(fs, Finding{Rule: RuleLeftover, Severity: Warning, Field: f.field, Message: k.message(ms), Suggestion: k.suggestion})
		}
		var rest []string
		for _, m := range k.find(posting) {
			if !inFields[m] {
				rest = append(rest, m)
			}
		}
		if len(rest) > 0 {
			fs = append(fs, Finding{Rule: RuleLeftover, Severity: Warning, Message: k.message(rest), Suggestion: k.suggestion})
		}
	}

	fieldEmpty := false
	for _, f := range fields {
		if n := emptyBullets(f.text); n > 0 {
			fieldEmpty = true
			fs = append(fs, Finding{
				Rule: RuleLeftover, Severity: Warning, Field: f.field,
				Message:    fmt.Sprintf("This field has %d empty bullet %s.", n, plural(n, "point", "points")),
				Suggestion: "Finish or remove the empty lines.",
			})
		}
	}
	for _, s := range r.Sections {
		heading := strings.TrimSpace(s.Heading)
		empty := 0
		for _, b := range s.Bullets {
			if !hasWord(b) {
				empty++
			}
		}
		if empty > 0 && !fieldEmpty {
			fs = append(fs, Finding{
				Rule: RuleLeftover, Severity: Warning,
				Message:    fmt.Sprintf("The section %q has %d empty bullet %s.", heading, empty, plural(empty, "point", "points")),
				Suggestion: "Finish or remove the empty bullets.",
			})
		}
		if heading != "" && !slices.ContainsFunc(s.Paragraphs, hasWord) && !slices.ContainsFunc(s.Bullets, hasWord) {
			fs = append(fs, Finding{
				Rule: RuleLeftover, Severity: Warning,
				Message:    fmt.Sprintf("The section %q is empty.", heading),
				Suggestion: "Fill it in, or remove the heading.",
			})
		}
	}
	return fs
}

func (p *phrase) frozenFind(d *doc) []string {
	text := d.text
	var excuses [][]int
	excused := false
	type hit struct {
		at   int
		text string
	}
	var hits []hit
	if o := d.occurrences(p.index); o != nil && p.needs != nil && !o.hasAny(p.needs) {
		return nil
	}
	for i := range p.patterns {
	next:
		for _, loc := range p.patterns[i].findAll(d) {
			if !excused {
				for k := range p.unless {
					excuses = append(excuses, p.unless[k].findAll(d)...)
				}
				excused = true
			}
			for _, u := range excuses {
				if u[0] < loc[1] && loc[0] < u[1] {
					continue next
				}
			}
			hits = append(hits, hit{loc[0], strings.Join(strings.Fields(strings.ToLower(text[loc[0]:loc[1]])), " ")})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(a.at, b.at) })
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.text) {
			out = append(out, h.text)
		}
	}
	return out
}

func (d *data) frozenExclusionaryFindings(posting *doc, fields []*doc) []Finding {
	var fs []Finding
	for i := range d.phrases {
		p := &d.phrases[i]
		inFields := map[string]bool{}
		for _, f := range fields {
			ms := p.frozenFind(f)
			if len(ms) == 0 {
				continue
			}
			for _, m := range ms {
				inFields[m] = true
			}
			fs = append(fs, p.frozenFinding(f.field, ms))
		}
		var rest []string
		for _, m := range p.frozenFind(posting) {
			if !inFields[m] {
				rest = append(rest, m)
			}
		}
		if len(rest) > 0 {
			fs = append(fs, p.frozenFinding("", rest))
		}
	}
	return fs
}

func (p *phrase) frozenFinding(field string, found []string) Finding {
	return Finding{
		Rule:       RuleExclusionary,
		Severity:   p.Severity,
		Field:      field,
		Message:    "Avoid " + quoteList(found) + ". " + strings.TrimSpace(p.Reason),
		Suggestion: strings.TrimSpace(p.Alternative),
	}
}

func frozenPostingLines(r templates.Rendered) (text string, prose []bool) {
	var b strings.Builder
	size, lines := frozenRenderedSize(r)
	b.Grow(size)
	prose = make([]bool, 0, lines)
	line := func(s string, isProse bool) {
		if s = strings.TrimSpace(s); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
			for range strings.Count(s, "\n") + 1 {
				prose = append(prose, isProse)
			}
		}
	}
	line(r.Title, false)
	line(r.Intro, true)
	for _, s := range r.Sections {
		line(s.Heading, false)
		for _, p := range s.Paragraphs {
			line(p, true)
		}
		for _, bl := range s.Bullets {
			line(bl, true)
		}
	}
	return normalizeQuotes(b.String()), prose
}

func frozenRenderedSize(r templates.Rendered) (size, texts int) {
	size, texts = len(r.Title)+len(r.Intro)+2, 2
	for _, s := range r.Sections {
		size += len(s.Heading) + 1
		texts += 1 + len(s.Paragraphs) + len(s.Bullets)
		for _, p := range s.Paragraphs {
			size += len(p) + 1
		}
		for _, bl := range s.Bullets {
			size += len(bl) + 1
		}
	}
	return size, texts
}

func frozenPrepareDocs(posting string, fields []textField, cd *data) (*doc, []*doc) {
	x, stems := cd.index, &cd.stems
	all := make([]doc, 1+len(fields))
	ptrs := make([]*doc, len(fields))
	all[0].text = collapseBlanks(posting)
	for i, f := range fields {
		all[1+i] = doc{field: f.id, long: f.long, text: collapseBlanks(normalizeQuotes(f.text))}
		ptrs[i] = &all[1+i]
	}

	raise, nTokens := 0, 0
	for i := range all {
		d := &all[i]
		nTokens += tokenEstimate(d.text)
		ascii, upper := asciiCase(d.text)
		d.ascii = ascii
		switch {
		case !ascii:
			d.lower, d.aligned = lowerCase(d.text)
		case upper:
			raise += len(d.text)
		default:
			d.lower, d.aligned = d.text, true
		}
	}
	if raise > 0 {
		var b strings.Builder
		b.Grow(raise)
		for i := range all {
			if d := &all[i]; d.lower == "" && d.text != "" {
				writeLower(&b, d.text)
			}
		}
		lowered, at := b.String(), 0
		for i := range all {
			if d := &all[i]; d.lower == "" && d.text != "" {
				d.lower, d.aligned = lowered[at:at+len(d.text)], true
				at += len(d.text)
			}
		}
	}

	spare := make([]token, 0, nTokens)
	var infos []wordInfo
	var found []occurrences
	var sets []uint64
	var hits []wordHit
	if x != nil {
		found = make([]occurrences, len(all))
		sets = make([]uint64, x.setLen()*len(all))
		hits = make([]wordHit, 0, nTokens/16+2*len(all))
		infos = make([]wordInfo, 0, nTokens)
	}
	for i := range all {
		d := &all[i]
		var o *occurrences
		var present []uint64
		if x != nil && len(d.lower) <= math.MaxInt32 {
			o, present = &found[i], sets[i*x.setLen():(i+1)*x.setLen()]
		}
		if d.ascii && o != nil && strings.IndexByte(d.lower, '_') < 0 {
			d.list = tokenizeASCII(spare, d.text, d.lower, x, o, present, hits, stems, infos)
			infos = rest(infos, len(d.list.info))
		} else {
			d.list = tokenize(spare, d.text, d.lower, d.aligned)
			if o != nil {
				x.findInto(o, d.lower, present, hits)
			}
		}
		d.split = true
		spare = rest(spare, len(d.list.toks))
		if x != nil {
			d.index, d.found = x, o
			if o != nil {
				hits = rest(hits, len(o.hits))
			}
		}
	}
	return &all[0], ptrs
}

func frozenTextFields(role *templates.Role, v templates.Values) []textField {
	if role == nil {
		var out []textField
		for _, k := range sortedKeys(v) {
			if t := strings.TrimSpace(v[k]); t != "" {
				out = append(out, textField{id: k, text: t, long: true})
			}
		}
		return out
	}
	out := make([]textField, 0, len(role.Fields))
	for i := range role.Fields {
		f := &role.Fields[i]
		if f.Kind != templates.ShortText && f.Kind != templates.LongText && f.Kind != "" {
			continue
		}
		if t := strings.TrimSpace(v[f.ID]); t != "" {
			out = append(out, textField{id: f.ID, text: t, long: kindOf(role, f.ID) == templates.LongText})
		}
	}
	return out
}
func frozenPlaceTokens(s string) []placeToken {
	s = strings.ReplaceAll(normalizeQuotes(s), ".", "")
	var out []placeToken
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) }) {
		out = append(out, placeToken{text: f, lower: strings.ToLower(f)})
	}
	return out
}

func (d *data) frozenLocate(location string) (found []placeMatch, rest []string) {
	toks := frozenPlaceTokens(location)
	used := make([]bool, len(toks))
	// Only the aliases whose first token is one of toks can match: those,
	// in the order of d.aliases.
	var room [16]int // on the stack, for the usual few
	candidates := room[:0]
	for _, t := range toks {
		candidates = append(candidates, d.aliasesByFirst[t.lower]...)
		candidates = append(candidates, d.codesByFirst[t.text]...)
	}
	slices.Sort(candidates)
	for ci, ai := range candidates {
		if ci > 0 && candidates[ci-1] == ai {
			continue
		}
		a := d.aliases[ai]
		n := len(a.tokens)
	scan:
		for i := 0; i+n <= len(toks); i++ {
			for k := range n {
				t := toks[i+k]
				if used[i+k] || (a.code && t.text != a.tokens[k]) || (!a.code && t.lower != a.tokens[k]) {
					continue scan
				}
			}
			for k := range n {
				used[i+k] = true
			}
			found = append(found, placeMatch{j: a.j, region: a.region, country: a.country})
		}
	}
	for i, t := range toks {
		if !used[i] {
			rest = append(rest, t.lower)
		}
	}
	return found, rest
}

func (d *data) frozenJurisdictionsFor(location string, remote bool) (js []int, named bool, rest []string) {
	found, rest := d.frozenLocate(location)
	var regions []placeMatch
	for _, m := range found {
		if m.region {
			regions = append(regions, m)
		}
	}
	keep := func(m placeMatch) bool {
		if m.region || len(regions) == 0 {
			return true
		}
		for _, r := range regions {
			if r.j < 0 {
				continue
			}
			rj := d.jurisdictions[r.j]
			if (rj.RemoteOnly && r.country == m.country) || r.j == m.j || rj.ID == d.jurisdictions[m.j].Within {
				return true
			}
		}
		return false
	}
	hit := make([]bool, len(d.jurisdictions))
	for _, m := range found {
		if !keep(m) {
			continue
		}
		named = true
		if m.j < 0 || (d.jurisdictions[m.j].RemoteOnly && !remote) {
			continue
		}
		hit[m.j] = true
	}
	for i, h := range hit {
		if h {
			js = append(js, i)
		}
	}
	return js, named, rest
}

func frozenIsRemote(v templates.Values) bool {
	if strings.EqualFold(strings.TrimSpace(v["work_arrangement"]), "remote") {
		return true
	}
	for _, t := range frozenPlaceTokens(v["location"]) {
		switch t.lower {
		case "remote", "anywhere", "worldwide", "wfh":
			return true
		}
	}
	return false
}

func (d *data) frozenPayFindings(role *templates.Role, v templates.Values) []Finding {
	hasMin, hasMax := hasAmount(v["salary_min"]), hasAmount(v["salary_max"])
	if hasMin && hasMax {
		return nil
	}
	remote := frozenIsRemote(v)
	js, named, rest := d.frozenJurisdictionsFor(v["location"], remote)
	var sentences []string
	switch {
	case len(js) > 0:
		var places, laws, notes []string
		for _, i := range js {
			j := d.jurisdictions[i]
			if j.Message != "" {
				sentences = append(sentences, strings.TrimSpace(j.Message))
				continue
			}
			places = append(places, j.Name)
			laws = append(laws, fmt.Sprintf("%s, since %s", j.Law, monthYear(j.Since)))
			if j.Note != "" {
				notes = append(notes, strings.TrimSpace(j.Note))
			}
		}
		if len(places) > 0 {
			s := fmt.Sprintf("Postings for roles in %s must show a pay range (%s).", joinAnd(places), strings.Join(laws, "; "))
			sentences = append([]string{s}, append(sentences, notes...)...)
		}
	case remote && !named && d.namesNoPlace(rest):
		sentences = []string{strings.TrimSpace(d.anywhere.Message)}
	default:
		return nil
	}
	field, suggestion := payField(role, hasMin)
	return []Finding{{
		Rule:       RulePayTransparency,
		Severity:   Blocker,
		Field:      field,
		Message:    strings.Join(sentences, " "),
		Suggestion: suggestion,
	}}
}
