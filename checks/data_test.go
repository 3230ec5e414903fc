package checks

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// mustData returns the embedded data, failing the test if it cannot load.
func mustData(t testing.TB) *data {
	t.Helper()
	d, err := loadData()
	if err != nil {
		t.Fatalf("loadData: %v", err)
	}
	return d
}

func TestEmbeddedDataLoads(t *testing.T) {
	d := mustData(t)
	if len(d.jurisdictions) < 15 {
		t.Errorf("got %d jurisdictions, want at least 15", len(d.jurisdictions))
	}
	if len(d.phrases) == 0 || len(d.feminine) == 0 || len(d.masculine) == 0 {
		t.Errorf("got %d phrases, %d feminine and %d masculine stems, want all non-zero",
			len(d.phrases), len(d.feminine), len(d.masculine))
	}
}

func TestPayLawsReviewed(t *testing.T) {
	got := PayLawsReviewed()
	if _, err := time.Parse(time.DateOnly, got); err != nil {
		t.Errorf("PayLawsReviewed() = %q, want a YYYY-MM-DD date", got)
	}
}

// TestPhraseExamples runs every exclusionary phrase in wording.yaml against
// the examples and counter-examples listed with it.
func TestPhraseExamples(t *testing.T) {
	d := mustData(t)
	for i := range d.phrases {
		p := &d.phrases[i]
		t.Run(p.ID, func(t *testing.T) {
			if len(p.Examples) == 0 {
				t.Errorf("phrase %s has no examples", p.ID)
			}
			for _, ex := range p.Examples {
				if got := p.find(newDoc("", ex)); len(got) == 0 {
					t.Errorf("find(%q) = nothing, want a match", ex)
				}
			}
			for _, ex := range p.Not {
				if got := p.find(newDoc("", ex)); len(got) != 0 {
					t.Errorf("find(%q) = %q, want no match", ex, got)
				}
			}
		})
	}
}

func TestParseDataRejectsBrokenFiles(t *testing.T) {
	tests := []struct {
		name          string
		pay, wording  string
		gender        string
		wantInMessage string
	}{
		{name: "bad reviewed date", pay: strings.Replace(string(payLawsFile), `reviewed: "2026-11-27"`, `reviewed: "soon"`, 1), wantInMessage: "reviewed"},
		{name: "unknown key", pay: strings.Replace(string(payLawsFile), "    since: \"2021-01\"\n", "    since: \"2021-01\"\n    sinse: x\n", 1), wantInMessage: "sinse"},
		{name: "bad since", pay: strings.Replace(string(payLawsFile), `since: "2021-01"`, `since: "Jan 2021"`, 1), wantInMessage: "since"},
		{name: "lower-case code", pay: strings.Replace(string(payLawsFile), "codes: [CO]", "codes: [co]", 1), wantInMessage: "capitals"},
		{name: "place listed twice", pay: strings.Replace(string(payLawsFile), "cities: [Denver,", "cities: [Seattle, Denver,", 1), wantInMessage: "also listed"},
		{name: "bad within", pay: strings.Replace(string(payLawsFile), "within: new-jersey", "within: atlantis", 1), wantInMessage: "atlantis"},
		{name: "bad regexp", wording: strings.Replace(string(wordingFile), `'\bwork hard,? play hard\b'`, `'work (hard'`, 1), wantInMessage: "work-hard-play-hard"},
		{name: "bad severity", wording: strings.Replace(string(wordingFile), "severity: tip", "severity: blocker", 1), wantInMessage: "severity"},
		{name: "alternative for unknown stem", wording: strings.Replace(string(wordingFile), "  warm: friendly", "  wombat: friendly", 1), wantInMessage: "wombat"},
		{name: "bad gender json", gender: "{", wantInMessage: "gender-coded-en.json"},
		{name: "empty stem list", gender: `{"feminine_coded_stems": [], "masculine_coded_stems": ["lead"]}`, wantInMessage: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pay, wording, gender := string(payLawsFile), string(wordingFile), string(genderFile)
			if tt.pay != "" {
				if tt.pay == pay {
					t.Fatal("test did not change paylaws.yaml")
				}
				pay = tt.pay
			}
			if tt.wording != "" {
				if tt.wording == wording {
					t.Fatal("test did not change wording.yaml")
				}
				wording = tt.wording
			}
			if tt.gender != "" {
				gender = tt.gender
			}
			_, err := parseData([]byte(pay), []byte(wording), []byte(gender))
			if !errors.Is(err, ErrData) {
				t.Fatalf("parseData error = %v, want one wrapping ErrData", err)
			}
			if !strings.Contains(err.Error(), tt.wantInMessage) {
				t.Errorf("parseData error = %q, want it to mention %q", err, tt.wantInMessage)
			}
		})
	}
}

// BenchmarkParseData measures loading the embedded data, done once per
// process (loadData).
func BenchmarkParseData(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseData(payLawsFile, wordingFile, genderFile); err != nil {
			b.Fatal(err)
		}
	}
}
