package drafts_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/drafts/storetest"
)

// openBolt opens a new store file per test in write mode mode; when the
// test ends it closes the file and checks it (drafts.Check), so every
// contract test also proves the file consistent.
func openBolt(mode string) storetest.Opener {
	return func(t *testing.T, now func() time.Time) storetest.Store {
		t.Helper()
		path := filepath.Join(t.TempDir(), "jobdesc.db")
		s, err := drafts.Open(path)
		if err != nil {
			t.Fatalf("Open(%s): %v", path, err)
		}
		s.Now = now
		drafts.SetWriteMode(s, mode)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
				return
			}
			if _, err := drafts.Check(path); err != nil {
				t.Errorf("Check after the test: %v", err)
			}
		})
		return s
	}
}

// TestContract runs the store contract (package storetest) on the bbolt
// store with group commit, its default write mode.
func TestContract(t *testing.T) {
	storetest.Run(t, openBolt("group"))
}

// TestConcurrentWriteModes runs the concurrent part of the contract in the
// two other write modes (one transaction per write, bbolt's Batch).
func TestConcurrentWriteModes(t *testing.T) {
	for _, mode := range []string{"update", "batch"} {
		t.Run(mode, func(t *testing.T) {
			s := openBolt(mode)(t, time.Now)
			storetest.Concurrent(t, []storetest.Store{s}, nil)
		})
	}
}
