package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestReadmeDocumentsEveryVariable keeps the README's configuration table
// in step with Config (jobdesc -h prints Config itself).
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		key := f.Tag.Get("envconfig")
		row := "| `" + key + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README has no table row for %s", key)
			continue
		}
		if def := f.Tag.Get("default"); def != "" {
			line := readme[strings.Index(readme, row):]
			line = line[:strings.Index(line, "\n")]
			if !strings.Contains(line, "`"+def+"`") {
				t.Errorf("README row for %s does not show the default %q: %s", key, def, line)
			}
		}
	}
	for _, cmd := range []string{"go run ./cmd/jobdesc demo", "go test ./..."} {
		if !strings.Contains(readme, cmd) {
			t.Errorf("README lacks the command %q", cmd)
		}
	}
}
