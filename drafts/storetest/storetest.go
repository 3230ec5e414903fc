// Package storetest is the drafts store contract as a test suite, run
// unchanged against every backend: the bbolt store in package drafts and
// the etcd store in drafts/etcd each call Run with a function that opens a
// new, empty store.
//
// The suite covers what the bot and jobdesc's commands rely on: creating,
// reading and listing drafts (with pagination), revisions and conflicts,
// idempotent reviews, team isolation, the outbox (Pending, Requeue, Hold,
// ClaimPost), review messages to refresh (MarkShown, ToRefresh), seen-records (Claim, ReviewOnce, Sweep), counts, Walk and
// concurrent writers. Backend-specific behaviour (files, locks, schemas,
// corrupt records, clusters) is tested next to each backend.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/drafts"
)

// Store is what the bot and jobdesc's commands use of a drafts store; see
// package drafts for the contract of each method.
type Store interface {
	Create(ctx context.Context, n drafts.NewDraft) (drafts.Draft, error)
	Get(ctx context.Context, team, id string) (drafts.Draft, error)
	Current(ctx context.Context, team, id string) (drafts.Draft, int, error)
	FindByMessage(ctx context.Context, team, channel, ts string) (drafts.Draft, error)
	ListByAuthor(ctx context.Context, team, user string, p drafts.Page) ([]drafts.Draft, string, error)
	ListByChannel(ctx context.Context, team, channel string, p drafts.Page) ([]drafts.Draft, string, error)
	Revise(ctx context.Context, team, id string, base int, editor string, values map[string]string) (drafts.Draft, error)
	Approve(ctx context.Context, team, id, user string, required int) (drafts.Draft, bool, error)
	Withdraw(ctx context.Context, team, id, user string, required int) (drafts.Draft, bool, error)
	RequestChanges(ctx context.Context, team, id, user string) (drafts.Draft, bool, error)
	WithdrawChangeRequest(ctx context.Context, team, id, user string, required int) (drafts.Draft, bool, error)
	ReviewOnce(ctx context.Context, key, team, id, user string, kind drafts.ReviewKind, required int) (drafts.Draft, bool, bool, error)
	MarkPosted(ctx context.Context, team, id string, m drafts.Message) (drafts.Draft, error)
	MarkPostFailed(ctx context.Context, team, id, reason string) (drafts.Draft, error)
	Requeue(ctx context.Context, team, id, channel string) (drafts.Draft, error)
	Pending(ctx context.Context) ([]drafts.Draft, error)
	ClaimPost(ctx context.Context, team, id string, ttl time.Duration) (bool, error)
	MarkShown(ctx context.Context, team, id string, events int) (bool, error)
	ToRefresh(ctx context.Context) ([]drafts.Draft, error)
	RecordExport(ctx context.Context, team, id, user string) error
	Claim(ctx context.Context, key string) (bool, error)
	Sweep(ctx context.Context) (int, error)
	CountByStatus(ctx context.Context) (map[drafts.Status]int, error)
	Walk(ctx context.Context, fn func(drafts.Draft) error) error
	Ping(ctx context.Context) error
}

// Opener opens a new, empty store for one test, whose clock is now (a fake
// clock the tests move forward; expiry of Claim records follows it), and
// closes it when the test ends (t.Cleanup). It may check the store's
// consistency after closing it. Post claims (ClaimPost) may expire by the
// backend's own clock: the tests wait for them.
type Opener func(t *testing.T, now func() time.Time) Store

// Run runs the whole suite, each part as a subtest.
func Run(t *testing.T, open Opener) {
	t.Run("Create", func(t *testing.T) { testCreate(t, open) })
	t.Run("GetAndTeamIsolation", func(t *testing.T) { testGetAndTeamIsolation(t, open) })
	t.Run("Current", func(t *testing.T) { testCurrent(t, open) })
	t.Run("Revise", func(t *testing.T) { testRevise(t, open) })
	t.Run("Reviews", func(t *testing.T) { testReviews(t, open) })
	t.Run("ReviewOnce", func(t *testing.T) { testReviewOnce(t, open) })
	t.Run("PostingAndOutbox", func(t *testing.T) { testPostingAndOutbox(t, open) })
	t.Run("ClaimPost", func(t *testing.T) { testClaimPost(t, open) })
	t.Run("Refresh", func(t *testing.T) { testRefresh(t, open) })
	t.Run("List", func(t *testing.T) { testList(t, open) })
	t.Run("ClaimAndSweep", func(t *testing.T) { testClaimAndSweep(t, open) })
	t.Run("RecordExportAndCounts", func(t *testing.T) { testRecordExportAndCounts(t, open) })
	t.Run("Walk", func(t *testing.T) { testWalk(t, open) })
	t.Run("Concurrent", func(t *testing.T) {
		s, _ := openStore(t, open)
		Concurrent(t, []Store{s}, nil)
	})
}

// Clock is a fake time source: every reading is 1ms after the previous one,
// so events are ordered and distinct. The zero Clock starts at 2026-03-01
// 09:00 UTC.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the next reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	}
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	}
	c.t = c.t.Add(d)
}

// openStore opens a new store with a fresh fake clock.
func openStore(t *testing.T, open Opener) (Store, *Clock) {
	t.Helper()
	c := &Clock{}
	return open(t, c.Now), c
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newDraft(team, author string) drafts.NewDraft {
	return drafts.NewDraft{
		Team: team, Channel: "C-review", Author: author, Role: "account-manager", Prefix: "AM",
		Values: map[string]string{"title": "Account Manager", "summary": "Own the book."},
	}
}

func mustCreate(t testing.TB, s Store, n drafts.NewDraft) drafts.Draft {
	t.Helper()
	d, err := s.Create(ctxT(t), n)
	if err != nil {
		t.Fatalf("Create(%+v): %v", n, err)
	}
	return d
}

func mustGet(t testing.TB, s Store, team, id string) drafts.Draft {
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

func eventKinds(d drafts.Draft) []drafts.EventKind {
	var ks []drafts.EventKind
	for _, e := range d.Events {
		ks = append(ks, e.Kind)
	}
	return ks
}

func reviewUsers(rs []drafts.Review) []string {
	var us []string
	for _, r := range rs {
		us = append(us, r.User)
	}
	return us
}
