package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// schemaDir returns ../shared/slack-schemas found above the working
// directory, skipping the test (with the reason) when there is none.
func schemaDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		cand := filepath.Join(dir, "shared", "slack-schemas")
		if _, err := os.Stat(filepath.Join(cand, FileName)); err == nil {
			return cand
		}
		if filepath.Dir(dir) == dir {
			t.Skip("skipping: ../shared/slack-schemas not found beside the repository, so the schema can't be loaded here")
		}
	}
}

func TestLoadRefusesAFolderWithoutTheSchema(t *testing.T) {
	if v, err := Load(t.TempDir()); err == nil {
		t.Errorf("Load(empty folder) = %v, nil, want an error", v)
	}
}

func TestChecks(t *testing.T) {
	v, err := Load(schemaDir(t))
	if err != nil {
		t.Fatal(err)
	}
	modal := func(block string) []byte {
		return []byte(fmt.Sprintf(`{"type":"modal","title":{"type":"plain_text","text":"T"},"blocks":[%s]}`, block))
	}
	for _, tc := range []struct {
		name    string
		check   func() []string
		wantPtr string // "" means valid
	}{
		{"valid modal", func() []string {
			return v.CheckView(modal(`{"type":"divider"}`), "modal", "/view")
		}, ""},
		{"misspelt key in a modal", func() []string {
			return v.CheckView(modal(`{"type":"divider","colour":"red"}`), "modal", "/view")
		}, "[json-pointer:/view/blocks/0]"},
		{"unknown block type", func() []string {
			return v.CheckView(modal(`{"type":"sektion"}`), "modal", "/view")
		}, "[json-pointer:/view/blocks/0/type]"},
		{"valid home", func() []string {
			return v.CheckView([]byte(`{"type":"home","blocks":[{"type":"divider"}]}`), "home", "/view")
		}, ""},
		{"valid blocks", func() []string {
			return v.CheckBlocks([]byte(`[{"type":"section","text":{"type":"mrkdwn","text":"*hi*"}}]`), "/blocks")
		}, ""},
		{"header with mrkdwn", func() []string {
			return v.CheckBlocks([]byte(`[{"type":"header","text":{"type":"mrkdwn","text":"H"}}]`), "/blocks")
		}, "[json-pointer:/blocks/0/text"},
		{"not JSON", func() []string { return v.CheckBlocks([]byte(`[{`), "/blocks") }, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := tc.check()
			if tc.wantPtr == "" {
				if len(msgs) != 0 {
					t.Errorf("got %q, want no messages", msgs)
				}
				return
			}
			if len(msgs) == 0 {
				t.Fatalf("got no messages, want one naming %s", tc.wantPtr)
			}
			for _, m := range msgs {
				if !strings.HasPrefix(m, "[ERROR] ") {
					t.Errorf("got %q, want it to start with [ERROR]", m)
				}
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.wantPtr) {
				t.Errorf("got %q, want one containing %s", msgs, tc.wantPtr)
			}
		})
	}
}
