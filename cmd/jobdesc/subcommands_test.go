package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRender(t *testing.T) {
	dir := t.TempDir()
	values := filepath.Join(dir, "values.json")
	if err := os.WriteFile(values, []byte(`{"company_name": "Acme & Co", "level": "senior", "years_experience": 8, "serves": ["clients", "partners"], "salary_min": 90000, "salary_max": 120000, "salary_currency": "USD", "salary_period": "year", "location": "Denver, CO"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"company_name": "Acme", "salary_min": 9, "salary_max": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{"markdown example", []string{"render", "account-manager", "--example"}, 0, []string{"# Account Manager", "## What you'll do"}, nil},
		{"text from values", []string{"render", "account-manager", "--values", values, "--format", "text"}, 0, []string{"Acme & Co", "8+ years"}, nil},
		{"blocks are JSON", []string{"render", "account-manager", "--example", "--format", "blocks"}, 0, []string{`"type": "header"`}, nil},
		{"check prints findings", []string{"render", "account-manager", "--example", "--check"}, 0, nil, []string{"Posting checks:"}},
		{"unknown role suggests", []string{"render", "acount-manager", "--example"}, 2, nil, []string{`no role "acount-manager"`, "account-manager"}},
		{"values that don't fit", []string{"render", "account-manager", "--values", bad}, 2, nil, []string{"salary_min"}},
		{"both sources", []string{"render", "account-manager", "--example", "--values", values}, 2, nil, []string{"exactly one of"}},
		{"bad format", []string{"render", "account-manager", "--example", "--format", "pdf"}, 2, nil, []string{"--format must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d; stderr %s", code, tt.wantCode, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
	t.Run("blocks parse as a JSON array", func(t *testing.T) {
		_, out, _ := runCLI(t, "render", "account-manager", "--example", "--format", "blocks")
		var blocks []map[string]any
		if err := json.Unmarshal([]byte(out), &blocks); err != nil || len(blocks) == 0 {
			t.Errorf("got %d blocks, %v", len(blocks), err)
		}
	})
	t.Run("check exits 1 on a blocker", func(t *testing.T) {
		noPay := filepath.Join(dir, "nopay.json")
		if err := os.WriteFile(noPay, []byte(`{"company_name": "Acme", "location": "Denver, CO"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runCLI(t, "render", "account-manager", "--values", noPay, "--check")
		if code != 1 || !strings.Contains(errOut, "blocker") {
			t.Errorf("exit %d, stderr %s; want 1 and a blocker naming the pay law", code, errOut)
		}
	})
}

func TestDemoRunsTwiceOnOneDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	for run := 1; run <= 2; run++ {
		code, out, errOut := runCLI(t, "demo", "--db", db)
		if code != 0 {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", run, code, out, errOut)
		}
		for _, want := range []string{"/jobdesc account-manager", "A modal opens", "Company name", "What you'll do", "Approved", "approved by @bob"} {
			if !strings.Contains(out, want) {
				t.Errorf("run %d: output lacks %q", run, want)
			}
		}
		if run == 2 && !strings.Contains(out, "already holds 1 drafts") {
			t.Errorf("second run does not show the first run's draft:\n%s", out)
		}
	}
}

func TestBackupAndCheck(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	if code, _, errOut := runCLI(t, "demo", "--db", src); code != 0 {
		t.Fatalf("demo: %s", errOut)
	}
	out := filepath.Join(dir, "copy.db")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"backup", []string{"backup", "--db", src, "--out", out}, 0, "backed up"},
		{"backup refuses to overwrite", []string{"backup", "--db", src, "--out", out}, 2, "exists"},
		{"backup needs --out", []string{"backup", "--db", src}, 2, "--out FILE is required"},
		{"backup of a missing file", []string{"backup", "--db", filepath.Join(dir, "nope.db"), "--out", filepath.Join(dir, "x.db")}, 2, "nope.db"},
		{"check the copy", []string{"check", out}, 0, "1 drafts"},
		{"check a missing file", []string{"check", filepath.Join(dir, "nope.db")}, 2, "nope.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("exit %d, output %q; want %d and %q", code, stdout+stderr, tt.wantCode, tt.want)
			}
		})
	}
	t.Run("check a file that is not a database", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.db")
		if err := os.WriteFile(junk, bytes.Repeat([]byte("not bolt"), 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI(t, "check", junk)
		if code != 1 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("exit %d, stderr %q; want 1 and one line", code, stderr)
		}
	})
}
