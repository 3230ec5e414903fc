package checks

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// The data files, embedded so the binary needs nothing beside it.
var (
	//go:embed paylaws.yaml
	payLawsFile []byte
	//go:embed wording.yaml
	wordingFile []byte
	//go:embed gender-coded-en.json
	genderFile []byte
)

// ErrData is wrapped by every error about an embedded data file.
var ErrData = errors.New("invalid checks data")

// loadData parses and compiles the embedded data once; the result is never
// modified afterwards, so sharing it between goroutines is safe.
var loadData = sync.OnceValues(func() (*data, error) {
	return parseData(payLawsFile, wordingFile, genderFile)
})

// data is everything the checks need from the embedded files.
type data struct {
	reviewed      string
	jurisdictions []jurisdiction
	anywhere      remoteAnywhere
	remoteWords   map[string]bool
	aliases       []alias // longest first
	// aliasesByFirst and codesByFirst list, in order, the indexes in
	// aliases of the names (lower case) and of the codes (as written)
	// whose first token is the key.
	aliasesByFirst      map[string][]int
	codesByFirst        map[string][]int
	phrases             []phrase
	feminine            []string
	masculine           []string
	hyphenated          []string // coded stems containing a hyphen
	stems               stemTable
	alternatives        map[string]string
	placeholderMatchers []matcher
	index               *wordIndex // the words of every matcher's literals (see indexWords)
	// lineLocal says every matcher's matches lie within one line (see
	// lineLocal), so a posting's placeholders and phrases are those of its
	// pieces (see Checker).
	lineLocal bool
}

// payLaws is the layout of paylaws.yaml.
type payLaws struct {
	Reviewed       string         `yaml:"reviewed"`
	Jurisdictions  []jurisdiction `yaml:"jurisdictions"`
	RemoteAnywhere remoteAnywhere `yaml:"remote_anywhere"`
	Elsewhere      []elsewhere    `yaml:"elsewhere"`
}

// jurisdiction is one place whose law requires pay in job postings.
type jurisdiction struct {
	ID         string   `yaml:"id"`
	Name       string   `yaml:"name"`
	Country    string   `yaml:"country"`
	Law        string   `yaml:"law"`
	Since      string   `yaml:"since"`
	Note       string   `yaml:"note"`
	Within     string   `yaml:"within"`
	RemoteOnly bool     `yaml:"remote_only"`
	Message    string   `yaml:"message"`
	Regions    []string `yaml:"regions"`
	Codes      []string `yaml:"codes"`
	Cities     []string `yaml:"cities"`
}

// remoteAnywhere is the entry for remote roles that name no place.
type remoteAnywhere struct {
	Law     string   `yaml:"law"`
	Message string   `yaml:"message"`
	Words   []string `yaml:"words"`
}

// elsewhere lists place names that only tell the country.
type elsewhere struct {
	Country string   `yaml:"country"`
	Regions []string `yaml:"regions"`
	Codes   []string `yaml:"codes"`
}

// alias is one way of writing a place, as tokens.
type alias struct {
	tokens  []string // lower case, or as written for codes
	code    bool     // match case-sensitively
	region  bool     // a state, province or country (not a city)
	j       int      // index in jurisdictions; -1 for an elsewhere place
	country string
}

// wording is the layout of wording.yaml.
type wording struct {
	Exclusionary []phraseEntry     `yaml:"exclusionary"`
	Alternatives map[string]string `yaml:"gender_alternatives"`
}

// phraseEntry is one exclusionary phrase as written in wording.yaml.
type phraseEntry struct {
	ID          string   `yaml:"id"`
	Severity    Severity `yaml:"severity"`
	Patterns    []string `yaml:"patterns"`
	Unless      []string `yaml:"unless"`
	Reason      string   `yaml:"reason"`
	Alternative string   `yaml:"alternative"`
	Examples    []string `yaml:"examples"`
	Not         []string `yaml:"not"`
}

// phrase is a compiled exclusionary phrase.
type phrase struct {
	phraseEntry
	patterns []matcher
	unless   []matcher
	// needs, when set, has a bit for each word in index one of which every
	// match of every pattern contains (the union of the patterns' first
	// needs): a text with none of these words has no match.
	index *wordIndex
	needs []uint64
}

// genderList is the layout of gender-coded-en.json.
type genderList struct {
	Feminine  []string `json:"feminine_coded_stems"`
	Masculine []string `json:"masculine_coded_stems"`
}

// validID reports whether id is lower-case letters, digits and hyphens,
// starting with a letter.
func validID(id string) bool {
	if id == "" || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for _, c := range id {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// parseData parses and checks the three data files. The error names the
// file and entry at fault and wraps ErrData.
func parseData(payFile, wordFile, genderJSON []byte) (*data, error) {
	d := &data{}
	if err := d.parsePayLaws(payFile); err != nil {
		return nil, fmt.Errorf("paylaws.yaml: %w: %w", ErrData, err)
	}
	if err := d.parseGender(genderJSON); err != nil {
		return nil, fmt.Errorf("gender-coded-en.json: %w: %w", ErrData, err)
	}
	if err := d.parseWording(wordFile); err != nil {
		return nil, fmt.Errorf("wording.yaml: %w: %w", ErrData, err)
	}
	for _, src := range placeholderPatterns {
		m, err := newMatcher(src, false)
		if err != nil {
			return nil, fmt.Errorf("placeholder pattern %q: %w: %w", src, ErrData, err)
		}
		d.placeholderMatchers = append(d.placeholderMatchers, m)
	}
	var ms []*matcher
	for i := range d.phrases {
		p := &d.phrases[i]
		for k := range p.patterns {
			ms = append(ms, &p.patterns[k])
		}
		for k := range p.unless {
			ms = append(ms, &p.unless[k])
		}
	}
	for k := range d.placeholderMatchers {
		ms = append(ms, &d.placeholderMatchers[k])
	}
	d.index = indexWords(ms)
	d.lineLocal = !slices.ContainsFunc(ms, func(m *matcher) bool { return !m.local })
	for i := range d.phrases {
		d.phrases[i].setNeeds(d.index)
	}
	return d, nil
}

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func (d *data) parsePayLaws(b []byte) error {
	var p payLaws
	if err := decodeStrict(b, &p); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, p.Reviewed); err != nil {
		return fmt.Errorf("reviewed %q is not a YYYY-MM-DD date", p.Reviewed)
	}
	if len(p.Jurisdictions) == 0 {
		return errors.New("no jurisdictions")
	}
	d.reviewed = p.Reviewed
	d.jurisdictions = p.Jurisdictions
	d.anywhere = p.RemoteAnywhere
	if d.anywhere.Message == "" || d.anywhere.Law == "" {
		return errors.New("remote_anywhere needs a law and a message")
	}
	d.remoteWords = map[string]bool{}
	for _, w := range p.RemoteAnywhere.Words {
		d.remoteWords[strings.ToLower(w)] = true
	}
	ids := map[string]bool{}
	for _, j := range p.Jurisdictions {
		if !validID(j.ID) || ids[j.ID] {
			return fmt.Errorf("jurisdiction id %q is empty, badly formed or used twice", j.ID)
		}
		ids[j.ID] = true
	}
	seen := map[string]string{} // alias key → jurisdiction id, to refuse clashes
	add := func(names []string, code, region bool, j int, country, owner string) error {
		for _, n := range names {
			toks := placeTokens(n)
			if len(toks) == 0 {
				return fmt.Errorf("%s: empty place name %q", owner, n)
			}
			a := alias{code: code, region: region, j: j, country: country}
			for _, t := range toks {
				if code {
					a.tokens = append(a.tokens, t.text)
				} else {
					a.tokens = append(a.tokens, t.lower)
				}
			}
			key := fmt.Sprint(code, a.tokens)
			if prev, ok := seen[key]; ok {
				return fmt.Errorf("%s: place %q is also listed under %s", owner, n, prev)
			}
			seen[key] = owner
			d.aliases = append(d.aliases, a)
		}
		return nil
	}
	for i, j := range p.Jurisdictions {
		switch {
		case j.Name == "" || j.Law == "":
			return fmt.Errorf("jurisdiction %s: name and law are required", j.ID)
		case j.Country == "":
			return fmt.Errorf("jurisdiction %s: country is required", j.ID)
		case len(j.Regions)+len(j.Codes)+len(j.Cities) == 0:
			return fmt.Errorf("jurisdiction %s: no place names", j.ID)
		case j.Within != "" && !ids[j.Within]:
			return fmt.Errorf("jurisdiction %s: within %q names no jurisdiction", j.ID, j.Within)
		}
		if _, err := time.Parse("2006-01", j.Since); err != nil {
			return fmt.Errorf("jurisdiction %s: since %q is not a YYYY-MM month", j.ID, j.Since)
		}
		for _, c := range j.Codes {
			if c != strings.ToUpper(c) {
				return fmt.Errorf("jurisdiction %s: code %q is not in capitals", j.ID, c)
			}
		}
		for _, err := range []error{
			add(j.Regions, false, true, i, j.Country, j.ID),
			add(j.Codes, true, true, i, j.Country, j.ID),
			add(j.Cities, false, false, i, j.Country, j.ID),
		} {
			if err != nil {
				return err
			}
		}
	}
	for _, e := range p.Elsewhere {
		owner := "elsewhere " + e.Country
		if err := add(e.Regions, false, true, -1, e.Country, owner); err != nil {
			return err
		}
		if err := add(e.Codes, true, true, -1, e.Country, owner); err != nil {
			return err
		}
	}
	slices.SortStableFunc(d.aliases, func(a, b alias) int { return len(b.tokens) - len(a.tokens) })
	d.aliasesByFirst = map[string][]int{}
	d.codesByFirst = map[string][]int{}
	for i, a := range d.aliases {
		by := d.aliasesByFirst
		if a.code {
			by = d.codesByFirst
		}
		by[a.tokens[0]] = append(by[a.tokens[0]], i)
	}
	return nil
}

func (d *data) parseGender(b []byte) error {
	var g genderList
	if err := json.Unmarshal(b, &g); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if len(g.Feminine) == 0 || len(g.Masculine) == 0 {
		return errors.New("a stem list is empty")
	}
	for _, list := range [][]string{g.Feminine, g.Masculine} {
		for _, s := range list {
			s = strings.ToLower(s)
			if s == "" {
				return errors.New("empty stem")
			}
			if strings.Contains(s, "-") {
				d.hyphenated = append(d.hyphenated, s)
			}
		}
	}
	d.feminine = lowerAll(g.Feminine)
	d.masculine = lowerAll(g.Masculine)
	for _, s := range d.feminine {
		d.stems.add(s, false)
	}
	for _, s := range d.masculine {
		d.stems.add(s, true)
	}
	return nil
}

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func (d *data) parseWording(b []byte) error {
	var w wording
	if err := decodeStrict(b, &w); err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, e := range w.Exclusionary {
		if !validID(e.ID) || ids[e.ID] {
			return fmt.Errorf("phrase id %q is empty, badly formed or used twice", e.ID)
		}
		ids[e.ID] = true
		if e.Severity != Warning && e.Severity != Tip {
			return fmt.Errorf("phrase %s: severity must be warning or tip, got %q", e.ID, e.Severity)
		}
		if len(e.Patterns) == 0 || e.Reason == "" || e.Alternative == "" {
			return fmt.Errorf("phrase %s: patterns, reason and alternative are required", e.ID)
		}
		p := phrase{phraseEntry: e}
		for _, src := range e.Patterns {
			m, err := newMatcher(src, true)
			if err != nil {
				return fmt.Errorf("phrase %s: pattern %q: %w", e.ID, src, err)
			}
			p.patterns = append(p.patterns, m)
		}
		for _, src := range e.Unless {
			m, err := newMatcher(src, true)
			if err != nil {
				return fmt.Errorf("phrase %s: unless %q: %w", e.ID, src, err)
			}
			p.unless = append(p.unless, m)
		}
		d.phrases = append(d.phrases, p)
	}
	d.alternatives = map[string]string{}
	for stem, alt := range w.Alternatives {
		stem = strings.ToLower(stem)
		if !slices.Contains(d.feminine, stem) && !slices.Contains(d.masculine, stem) {
			return fmt.Errorf("gender_alternatives: %q is not a stem of gender-coded-en.json", stem)
		}
		d.alternatives[stem] = alt
	}
	return nil
}
