package checks

import (
	"slices"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// jurisdictionCase is one case of TestJurisdictionsFor; the golden corpus reuses it.
type jurisdictionCase struct {
	location string
	remote   bool
	want     []string // jurisdiction ids in table order
}

func jurisdictionCases() []jurisdictionCase {
	return []jurisdictionCase{
		{"Denver, CO", false, []string{"colorado"}},
		{"Colorado Springs", false, []string{"colorado"}},
		{"Colorado Springs, CO", false, []string{"colorado"}},
		{"Boulder, Colorado", false, []string{"colorado"}},
		{"NYC", false, []string{"new-york-city"}},
		{"New York, NY", false, []string{"new-york-city"}},
		{"New York City", false, []string{"new-york-city"}},
		{"Brooklyn, NY", false, []string{"new-york-city", "new-york-state"}},
		{"Buffalo, New York", false, []string{"new-york-state"}},
		{"Long Beach, NY", false, []string{"new-york-state"}}, // not Long Beach, California
		{"Seattle", false, []string{"washington"}},
		{"WA", false, []string{"washington"}},
		{"Washington, D.C.", false, []string{"washington-dc"}},
		{"Washington DC", false, []string{"washington-dc"}},
		{"San Francisco Bay Area", false, []string{"california"}},
		{"Los Angeles, CA", false, []string{"california"}},
		{"Jersey City, NJ", false, []string{"jersey-city", "new-jersey"}},
		{"Honolulu", false, []string{"hawaii"}},
		{"Baltimore, MD", false, []string{"maryland"}},
		{"Chicago, IL", false, []string{"illinois"}},
		{"Minneapolis", false, []string{"minnesota"}},
		{"Burlington, VT", false, []string{"vermont"}},
		{"Boston, MA", false, []string{"massachusetts"}},
		{"Vancouver, BC", false, []string{"british-columbia"}},
		{"Vancouver, WA", false, []string{"washington"}}, // not Vancouver, BC
		{"Toronto, ON", false, []string{"ontario"}},
		{"Remote (EU)", true, []string{"eu"}},
		{"Remote (EU)", false, []string{"eu"}},
		{"Berlin, Germany", false, []string{"eu"}},
		{"München", false, []string{"eu"}},
		{"Dublin, Ireland", false, []string{"eu"}},
		{"Dublin, OH", false, nil}, // Ohio, not Ireland
		{"Paris, TX", false, nil},
		{"Athens, Georgia", false, nil},
		{"Remote (US)", true, []string{"us-remote"}},
		{"Remote - United States", true, []string{"us-remote"}},
		{"U.S.", true, []string{"us-remote"}},
		{"USA", false, nil}, // an on-site role somewhere in the US names no state
		{"Remote (US) or Denver", true, []string{"colorado", "us-remote"}},
		{"Seattle, USA", false, []string{"washington"}},
		{"Remote (US, EU)", true, []string{"eu", "us-remote"}},
		{"Remote (Latin America)", true, nil},
		{"Austin, Texas", false, nil},
		{"London, UK", false, nil},
		{"London, ON", false, []string{"ontario"}},
		{"co-located with the team", false, nil}, // "co" in lower case is not Colorado
		{"", false, nil},
	}
}

func TestJurisdictionsFor(t *testing.T) {
	d := mustData(t)
	for _, tt := range jurisdictionCases() {
		t.Run(tt.location, func(t *testing.T) {
			js, _, _ := d.jurisdictionsFor(tt.location, tt.remote)
			var got []string
			for _, i := range js {
				got = append(got, d.jurisdictions[i].ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("jurisdictionsFor(%q, remote=%v) = %q, want %q", tt.location, tt.remote, got, tt.want)
			}
		})
	}
}

// payCase is one case of TestPayTransparency; the golden corpus reuses it.
type payCase struct {
	name        string
	kv          []string // changes to the sample values
	wantField   string   // "" with wantMessage nil: no finding
	wantMessage []string // substrings of the message
}

func payCases() []payCase {
	return []payCase{
		{"Denver without salary", []string{"location", "Denver, CO", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"Colorado", "Equal Pay for Equal Work Act", "January 2021"}},
		{"Colorado Springs triggers Colorado", []string{"location", "Colorado Springs", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"Colorado Equal Pay for Equal Work Act"}},
		{"zero counts as empty", []string{"location", "NYC", "salary_min", "0", "salary_max", "0"},
			"salary_min", []string{"New York City", "Local Law 32", "November 2022"}},
		{"only the maximum missing", []string{"location", "Seattle", "salary_max", ""},
			"salary_max", []string{"Washington", "RCW 49.58.110"}},
		{"Remote (EU) gives the directive note", []string{"location", "Remote (EU)", "work_arrangement", "remote", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"the EU", "2023/970", "before the interview", "June 2026"}},
		{"Remote (US) names states where candidates may live", []string{"location", "Remote (US)", "work_arrangement", "remote", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"remote role open to US candidates", "states", "may live", "Colorado"}},
		{"remote anywhere", []string{"location", "Remote", "work_arrangement", "remote", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"anywhere", "Colorado", "EU"}},
		{"remote arrangement, no location", []string{"location", "", "work_arrangement", "remote", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"anywhere"}},
		{"fully remote worldwide", []string{"location", "Fully remote, worldwide", "work_arrangement", "hybrid", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"anywhere"}},
		{"two laws in one message", []string{"location", "Jersey City, NJ", "salary_min", "", "salary_max", ""},
			"salary_min", []string{"Jersey City and New Jersey", "ordinance", "P.L. 2024"}},
		{"salary present", []string{"location", "Denver, CO"}, "", nil},
		{"salary with commas", []string{"location", "Denver, CO", "salary_min", "70,000", "salary_max", "90,000"}, "", nil},
		{"place not in the table", []string{"location", "Austin, TX", "salary_min", "", "salary_max", ""}, "", nil},
		{"remote role in a place not in the table", []string{"location", "Remote (UK)", "work_arrangement", "remote", "salary_min", "", "salary_max", ""}, "", nil},
		{"remote role in a US state without a law", []string{"location", "Remote (Texas)", "work_arrangement", "remote", "salary_min", "", "salary_max", ""}, "", nil},
		{"on-site in the US without a state", []string{"location", "United States", "work_arrangement", "onsite", "salary_min", "", "salary_max", ""}, "", nil},
	}
}

func TestPayTransparency(t *testing.T) {
	for _, tt := range payCases() {
		t.Run(tt.name, func(t *testing.T) {
			fs := ofRule(Check(testRole(t), change(sampleValues(), tt.kv...), samplePosting()), RulePayTransparency)
			if tt.wantMessage == nil {
				if len(fs) != 0 {
					t.Errorf("got %v, want no pay-transparency finding", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d pay-transparency findings %v, want 1", len(fs), fs)
			}
			f := fs[0]
			if f.Severity != Blocker {
				t.Errorf("severity = %q, want blocker", f.Severity)
			}
			if f.Field != tt.wantField {
				t.Errorf("field = %q, want %q", f.Field, tt.wantField)
			}
			for _, s := range tt.wantMessage {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q does not contain %q", f.Message, s)
				}
			}
			if f.Suggestion == "" {
				t.Error("suggestion is empty, want one")
			}
		})
	}
}

// payFieldCase is one case of TestPayFieldFollowsTheRole; the golden corpus reuses it.
type payFieldCase struct {
	name      string
	role      *templates.Role
	wantField string
}

func payFieldCases(t testing.TB) []payFieldCase {
	t.Helper()
	noSalary := &templates.Role{ID: "x", Fields: []templates.Field{{ID: "location", Kind: templates.ShortText}}}
	bare := &templates.Role{ID: "y"}
	return []payFieldCase{
		{"no role", nil, "salary_min"},
		{"account manager", testRole(t), "salary_min"},
		{"no salary fields", noSalary, "location"},
		{"no fields at all", bare, ""},
	}
}

func TestPayFieldFollowsTheRole(t *testing.T) {
	v := templates.Values{"location": "Denver, CO"}
	for _, tt := range payFieldCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			fs := Blockers(Check(tt.role, v, templates.Rendered{}))
			if len(fs) != 1 {
				t.Fatalf("got blockers %v, want 1", fs)
			}
			if fs[0].Field != tt.wantField {
				t.Errorf("field = %q, want %q", fs[0].Field, tt.wantField)
			}
		})
	}
}

// salaryCase is one case of TestSalaryRange; the golden corpus reuses it.
type salaryCase struct {
	name         string
	min, max     string
	wantSeverity Severity // "" for no finding
	wantMessage  string
}

func salaryCases() []salaryCase {
	return []salaryCase{
		{"ordinary range", "70000", "90000", "", ""},
		{"exactly double", "50000", "100000", "", ""},
		{"more than double", "50000", "100001", Warning, "more than twice the minimum (50,000 USD)"},
		{"zero width", "80000", "80000", Tip, "both 80,000 USD"},
		{"min above max is validation's job", "90000", "70000", "", ""},
		{"not numbers", "lots", "more", "", ""},
		{"missing max", "70000", "", "", ""},
		{"negative", "-5", "100", "", ""},
	}
}

func TestSalaryRange(t *testing.T) {
	for _, tt := range salaryCases() {
		t.Run(tt.name, func(t *testing.T) {
			v := change(sampleValues(), "salary_min", tt.min, "salary_max", tt.max)
			fs := ofRule(Check(testRole(t), v, samplePosting()), RuleSalaryRange)
			if tt.wantSeverity == "" {
				if len(fs) != 0 {
					t.Errorf("got %v, want no salary-range finding", fs)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %v, want one salary-range finding", fs)
			}
			if fs[0].Severity != tt.wantSeverity || fs[0].Field != "salary_max" {
				t.Errorf("got severity %q field %q, want %q salary_max", fs[0].Severity, fs[0].Field, tt.wantSeverity)
			}
			if !strings.Contains(fs[0].Message, tt.wantMessage) {
				t.Errorf("message %q does not contain %q", fs[0].Message, tt.wantMessage)
			}
		})
	}
}

// amountCase is one case of TestParseAmount; the golden corpus reuses it.
type amountCase struct {
	in     string
	want   float64
	wantOK bool
}

func amountCases() []amountCase {
	return []amountCase{
		{"85000", 85000, true},
		{"85,000", 85000, true},
		{"85 000", 85000, true},
		{"85'000", 85000, true},
		{"12.50", 12.5, true},
		{"", 0, false},
		{"abc", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
	}
}

func TestParseAmount(t *testing.T) {
	for _, tt := range amountCases() {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseAmount(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseAmount(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestEveryJurisdictionIsReachable(t *testing.T) {
	d := mustData(t)
	for i, j := range d.jurisdictions {
		t.Run(j.ID, func(t *testing.T) {
			names := append(append(append([]string{}, j.Regions...), j.Codes...), j.Cities...)
			for _, n := range names {
				js, _, _ := d.jurisdictionsFor(n, true)
				if !slices.Contains(js, i) {
					t.Errorf("location %q does not reach %s (got %v)", n, j.ID, js)
				}
			}
		})
	}
}

func TestMonthYear(t *testing.T) {
	if got, want := monthYear("2021-01"), "January 2021"; got != want {
		t.Errorf("monthYear = %q, want %q", got, want)
	}
	if got, want := monthYear("soon"), "soon"; got != want {
		t.Errorf("monthYear = %q, want %q", got, want)
	}
}

// scanLocate is locate as it was before aliases were indexed by their
// first token: every alias tried, in order.
func scanLocate(d *data, location string) (found []placeMatch, rest []string) {
	toks := placeTokens(location)
	used := make([]bool, len(toks))
	for _, a := range d.aliases {
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

func TestLocateMatchesScanningEveryAlias(t *testing.T) {
	d := mustData(t)
	var locations []string
	for _, tt := range jurisdictionCases() {
		locations = append(locations, tt.location)
	}
	for _, j := range d.jurisdictions {
		for _, n := range append(append(slices.Clone(j.Regions), j.Codes...), j.Cities...) {
			locations = append(locations, n, strings.ToLower(n), "Remote, "+n+" or New York, NY", n+" "+n, "North "+n+" City")
		}
	}
	for _, loc := range locations {
		gotFound, gotRest := d.locate(loc)
		wantFound, wantRest := scanLocate(d, loc)
		if !slices.Equal(gotFound, wantFound) || !slices.Equal(gotRest, wantRest) {
			t.Errorf("locate(%q) = %v, %q; want %v, %q", loc, gotFound, gotRest, wantFound, wantRest)
		}
	}
}
