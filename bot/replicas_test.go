package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/bot/fakeslack/schema"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// Several bots in one process, sharing one store and one fake Slack, stand
// in for replicas here (cmd/jobdesc tests real processes on etcd): their
// locks and caches are their own, so only the store keeps them from doing
// work twice.

// runBots starts n bots on store against fs until the test ends.
func runBots(t *testing.T, fs *fakeslack.Server, store Store, cfg Config, n int) {
	t.Helper()
	cat, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.AppToken, cfg.BotToken, cfg.APIURL = fs.AppToken(), fs.BotToken(), fs.APIURL()
	for i := range n {
		logs := &lockedBuffer{}
		b, err := New(cfg, store, cat, slog.New(slog.NewTextHandler(logs, nil)), nil)
		if err != nil {
			t.Fatal(err)
		}
		connects := fs.Connects()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("bot %d: Run returned %v, want nil", i, err)
			}
			if t.Failed() {
				t.Logf("bot %d log:\n%s", i, logs.String())
			}
		})
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = fs.WaitConnected(wctx, connects+b.cfg.Connections)
		wcancel()
		if err != nil {
			t.Fatalf("bot %d did not connect: %v", i, err)
		}
	}
}

func newFake(t *testing.T) *fakeslack.Server {
	t.Helper()
	fs, err := fakeslack.Start(fakeslack.Options{Logf: t.Logf, Schema: schema.Load})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs
}

func sharedStore(t *testing.T) *drafts.Store {
	t.Helper()
	s, err := drafts.Open(filepath.Join(t.TempDir(), "jobdesc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// saveUnposted saves a draft as a replica that died before posting leaves
// it: in the outbox.
func saveUnposted(t *testing.T, ctx context.Context, s Store, author string) drafts.Draft {
	t.Helper()
	cat, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	role, _ := cat.Role("account-manager")
	d, err := s.Create(ctx, drafts.NewDraft{Team: fakeslack.TeamID, Channel: fakeslack.ChannelHiring, Author: author,
		Role: role.ID, Prefix: role.Prefix, Values: role.Normalize(role.Example())})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// reviewPosts counts the review messages of id in #hiring.
func reviewPosts(fs *fakeslack.Server, id string) int {
	n := 0
	for _, m := range fs.Messages(fakeslack.ChannelHiring) {
		if m.ThreadTS == "" && strings.Contains(string(m.Blocks), "*"+id+"*") {
			n++
		}
	}
	return n
}

// waitFor polls cond, which reads the store (the fake's waits wake only on
// the fake's own changes), until it holds or ctx ends.
func waitFor(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

func waitPosted(t *testing.T, ctx context.Context, fs *fakeslack.Server, s Store, d drafts.Draft) drafts.Draft {
	t.Helper()
	var got drafts.Draft
	err := waitFor(ctx, func() bool {
		var err error
		got, err = s.Get(ctx, d.Team, d.ID)
		return err == nil && got.Message.TS != "" && reviewPosts(fs, d.ID) > 0
	})
	if err != nil {
		t.Fatalf("%s never posted: %v", d.ID, err)
	}
	return got
}

// countingStore counts the outbox reads (Pending), one per outbox round.
type countingStore struct {
	*drafts.Store
	pendings atomic.Int64
}

func (s *countingStore) Pending(ctx context.Context) ([]drafts.Draft, error) {
	s.pendings.Add(1)
	return s.Store.Pending(ctx)
}

func TestOutboxPostsOnceAcrossReplicas(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := &countingStore{Store: sharedStore(t)}
	fs := newFake(t)
	var ds []drafts.Draft
	for range 4 { // left by a replica that died before posting
		ds = append(ds, saveUnposted(t, ctx, store, "U0ALICE"))
	}
	runBots(t, fs, store, Config{OutboxInterval: 100 * time.Millisecond, PostClaimTTL: 2 * time.Second}, 3)
	for range 4 { // saved while the replicas run, by one that dies at once
		ds = append(ds, saveUnposted(t, ctx, store, "U0BOB"))
	}
	for _, d := range ds {
		waitPosted(t, ctx, fs, store, d)
	}
	// Several more outbox rounds by every replica must post nothing again.
	rounds := store.pendings.Load() + 3*3
	if err := waitFor(ctx, func() bool { return store.pendings.Load() >= rounds }); err != nil {
		t.Fatalf("the outbox stopped running: %v", err)
	}
	for _, d := range ds {
		if n := reviewPosts(fs, d.ID); n != 1 {
			t.Errorf("%s posted %d times by 3 replicas, want 1", d.ID, n)
		}
		got, err := store.Get(ctx, d.Team, d.ID)
		if err != nil || got.PostPending || got.Status != drafts.StatusInReview {
			t.Errorf("%s after posting: pending %t status %s, %v; want posted and in review", d.ID, got.PostPending, got.Status, err)
		}
	}
}

// statusLine is the review message's status block text.
func statusLine(m fakeslack.Message) string {
	var blocks []struct {
		BlockID string `json:"block_id"`
		Text    struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	_ = json.Unmarshal(m.Blocks, &blocks)
	for _, b := range blocks {
		if b.BlockID == "draft.status" {
			return b.Text.Text
		}
	}
	return ""
}

// wantShown fails unless the review message of d shows status label and
// mentions every user in users.
func wantShown(t *testing.T, fs *fakeslack.Server, d drafts.Draft, label string, users ...string) {
	t.Helper()
	m, ok := fs.Message(d.Message.Channel, d.Message.TS)
	line := statusLine(m)
	if !ok || !strings.Contains(line, "*"+label+"*") {
		t.Errorf("%s shows %q, want %s", d.ID, line, label)
	}
	for _, u := range users {
		if !strings.Contains(line, "<@"+u+">") {
			t.Errorf("%s shows %q, without %s", d.ID, line, u)
		}
	}
}

func TestConcurrentReviewsThroughReplicasAllShow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := sharedStore(t)
	fs := newFake(t)
	runBots(t, fs, store, Config{ApprovalsRequired: 2, OutboxInterval: 100 * time.Millisecond}, 2)
	reviewers := []string{"U0BOB", "U0CAROL"}
	for round := range 8 {
		d := waitPosted(t, ctx, fs, store, saveUnposted(t, ctx, store, "U0ALICE"))
		// Both reviewers react at the same instant; the fake spreads the
		// events over the replicas' sockets.
		var wg sync.WaitGroup
		for _, u := range reviewers {
			wg.Go(func() {
				del, err := fs.React(ctx, u, d.Message.Channel, d.Message.TS, "white_check_mark")
				if err != nil {
					t.Errorf("round %d: react: %v", round, err)
					return
				}
				if _, err := del.WaitAck(ctx); err != nil {
					t.Errorf("round %d: ack: %v", round, err)
				}
			})
		}
		wg.Wait()
		// Reactions update the message before their ack: once both are
		// acked, it shows both approvals.
		got, err := store.Get(ctx, d.Team, d.ID)
		if err != nil || len(got.Approvals) != 2 || got.Status != drafts.StatusApproved {
			t.Fatalf("round %d: stored %d approvals, status %s, %v; want 2, approved", round, len(got.Approvals), got.Status, err)
		}
		wantShown(t, fs, got, "Approved", reviewers...)
	}
}

// staleStore serves, once after each review, the draft as it was before
// the review, as a replica reading just before another's write would.
type staleStore struct {
	*drafts.Store
	mu     sync.Mutex
	before map[string]drafts.Draft
}

func (s *staleStore) ReviewOnce(ctx context.Context, key, team, id, user string, kind drafts.ReviewKind, required int) (drafts.Draft, bool, bool, error) {
	old, err := s.Store.Get(ctx, team, id)
	if err != nil {
		return drafts.Draft{}, false, false, err
	}
	s.mu.Lock()
	s.before[team+"/"+id] = old
	s.mu.Unlock()
	return s.Store.ReviewOnce(ctx, key, team, id, user, kind, required)
}

func (s *staleStore) Get(ctx context.Context, team, id string) (drafts.Draft, error) {
	s.mu.Lock()
	d, ok := s.before[team+"/"+id]
	delete(s.before, team+"/"+id)
	s.mu.Unlock()
	if ok {
		return d, nil
	}
	return s.Store.Get(ctx, team, id)
}

func TestReviewMessageRerenderedAfterAStaleRead(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := &staleStore{Store: sharedStore(t), before: map[string]drafts.Draft{}}
	fs := newFake(t)
	runBots(t, fs, store, Config{OutboxInterval: 100 * time.Millisecond}, 1)
	d := waitPosted(t, ctx, fs, store, saveUnposted(t, ctx, store, "U0ALICE"))
	tests := []struct {
		user, reaction string
		add            bool
		label          string
	}{
		{"U0BOB", "white_check_mark", true, "Approved"},
		{"U0CAROL", "x", true, "Changes requested"},
		{"U0CAROL", "x", false, "Approved"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d %s %s", i, tt.user, tt.reaction), func(t *testing.T) {
			react := fs.React
			if !tt.add {
				react = fs.Unreact
			}
			del, err := react(ctx, tt.user, d.Message.Channel, d.Message.TS, tt.reaction)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := del.WaitAck(ctx); err != nil {
				t.Fatal(err)
			}
			// The first render used the stale read; the re-read fixed it
			// before the ack.
			wantShown(t, fs, d, tt.label)
		})
	}
}

// TestOutboxUpdatesAMessageAnEditLeftBehind: a replica saved an edit (and
// acknowledged it) but died before updating the review message; the
// outbox of another brings the message up to date.
func TestOutboxUpdatesAMessageAnEditLeftBehind(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := sharedStore(t)
	fs := newFake(t)
	runBots(t, fs, store, Config{OutboxInterval: 100 * time.Millisecond}, 2)
	d := waitPosted(t, ctx, fs, store, saveUnposted(t, ctx, store, "U0ALICE"))
	values := maps.Clone(d.Values)
	values["company_name"] = "Globex Replica"
	if _, err := store.Revise(ctx, d.Team, d.ID, d.Revision, "U0ALICE", values); err != nil {
		t.Fatal(err)
	}
	err := waitFor(ctx, func() bool {
		m, ok := fs.Message(d.Message.Channel, d.Message.TS)
		return ok && strings.Contains(string(m.Blocks), "Globex Replica") && strings.Contains(string(m.Blocks), "revision 2")
	})
	if err != nil {
		t.Fatalf("the review message never showed the edit: %v", err)
	}
	if err := waitFor(ctx, func() bool { ds, err := store.ToRefresh(ctx); return err == nil && len(ds) == 0 }); err != nil {
		t.Errorf("the draft stayed in ToRefresh: %v", err)
	}
}
