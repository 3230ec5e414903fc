package drafts

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a fake time source: every reading is 1ms after the previous one,
// so events are ordered and distinct.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openStore opens a store on a new file in t.TempDir(), with a fake clock.
func openStore(t testing.TB) (*Store, *clock, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jobdesc.db")
	c := newClock()
	return openPath(t, path, c), c, path
}

// openPath opens the store at path with clock c (nil: real time); cleanup
// closes it (closing twice is harmless).
func openPath(t testing.TB, path string, c *clock) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	if c != nil {
		s.Now = c.Now
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func mustClose(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newDraft(team, author string) NewDraft {
	return NewDraft{
		Team: team, Channel: "C-review", Author: author, Role: "account-manager", Prefix: "AM",
		Values: map[string]string{"title": "Account Manager", "summary": "Own the book."},
	}
}

func mustCreate(t testing.TB, s *Store, n NewDraft) Draft {
	t.Helper()
	d, err := s.Create(ctxT(t), n)
	if err != nil {
		t.Fatalf("Create(%+v): %v", n, err)
	}
	return d
}

func mustGet(t testing.TB, s *Store, team, id string) Draft {
	t.Helper()
	d, err := s.Get(ctxT(t), team, id)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", team, id, err)
	}
	return d
}

func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: got error %v, want nil", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func eventKinds(d Draft) []EventKind {
	var ks []EventKind
	for _, e := range d.Events {
		ks = append(ks, e.Kind)
	}
	return ks
}

func reviewUsers(rs []Review) []string {
	var us []string
	for _, r := range rs {
		us = append(us, r.User)
	}
	return us
}
