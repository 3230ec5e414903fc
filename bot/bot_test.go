package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
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

// troubledStore is the real store on a temp file with troubles a test can
// switch on: a panic in the next Claim or Create, and Creates that wait for
// a channel, as a store stuck behind a long write would.
type troubledStore struct {
	*drafts.Store
	panicNextList   atomic.Bool
	panicNextCreate atomic.Bool
	failNextCreate  atomic.Bool
	holdCreate      chan struct{} // nil: no hold
	createEntered   chan struct{} // nil: not told; else gets a value as Create starts
	holdReview      chan struct{} // nil: no hold on ReviewOnce
	reviewEntered   chan struct{} // nil: not told; else gets a value as ReviewOnce starts
}

func (s *troubledStore) ReviewOnce(ctx context.Context, key, team, id, user string, kind drafts.ReviewKind, required int) (drafts.Draft, bool, bool, error) {
	if s.reviewEntered != nil {
		s.reviewEntered <- struct{}{}
	}
	if s.holdReview != nil {
		select {
		case <-s.holdReview:
		case <-ctx.Done():
			return drafts.Draft{}, false, false, ctx.Err()
		}
	}
	return s.Store.ReviewOnce(ctx, key, team, id, user, kind, required)
}

func (s *troubledStore) ListByAuthor(ctx context.Context, team, user string, p drafts.Page) ([]drafts.Draft, string, error) {
	if s.panicNextList.CompareAndSwap(true, false) {
		var m map[string]int
		m["boom"]++ // a real nil-map panic
	}
	return s.Store.ListByAuthor(ctx, team, user, p)
}

func (s *troubledStore) Create(ctx context.Context, n drafts.NewDraft) (drafts.Draft, error) {
	if s.panicNextCreate.CompareAndSwap(true, false) {
		var m map[string]int
		m["boom"]++
	}
	if s.failNextCreate.CompareAndSwap(true, false) {
		return drafts.Draft{}, errors.New("disk full")
	}
	if s.createEntered != nil {
		s.createEntered <- struct{}{}
	}
	if s.holdCreate != nil {
		<-s.holdCreate
	}
	return s.Store.Create(ctx, n)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startBot runs a bot on store against a fresh fake Slack until the test ends.
func startBot(t *testing.T, store Store, cfg Config) (*fakeslack.Server, *lockedBuffer) {
	t.Helper()
	return startBotWith(t, store, cfg, fakeslack.Options{Schema: schema.Load})
}

// startBotWith is startBot against a fake Slack started with opts.
func startBotWith(t *testing.T, store Store, cfg Config, opts fakeslack.Options) (*fakeslack.Server, *lockedBuffer) {
	t.Helper()
	opts.Logf = t.Logf
	fs, err := fakeslack.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	cat, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	cfg.AppToken, cfg.BotToken, cfg.APIURL = fs.AppToken(), fs.BotToken(), fs.APIURL()
	b, err := New(cfg, store, cat, slog.New(slog.NewTextHandler(logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := fs.WaitConnected(wctx, 1); err != nil {
		t.Fatal(err)
	}
	return fs, logs
}

func openTroubledStore(t *testing.T) *troubledStore {
	t.Helper()
	s, err := drafts.Open(filepath.Join(t.TempDir(), "jobdesc.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &troubledStore{Store: s}
}

func exampleSubmission(t *testing.T) map[string]any {
	t.Helper()
	cat, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	role, _ := cat.Role("account-manager")
	return SubmissionValues(role, role.Normalize(role.Example()))
}

func openModal(t *testing.T, ctx context.Context, fs *fakeslack.Server) fakeslack.View {
	t.Helper()
	mark := fs.Mark()
	d, err := fs.SlashCommand(ctx, "U0ALICE", "C0HIRING", Command, "account-manager")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		t.Fatal(err)
	}
	call, err := fs.WaitForCallAfter(ctx, mark, "views.open", func(c fakeslack.Call) bool { return c.OK })
	if err != nil {
		t.Fatalf("no modal: %v", err)
	}
	var resp struct {
		View struct{ ID string } `json:"view"`
	}
	_ = json.Unmarshal(call.Response, &resp)
	v, ok := fs.View(resp.View.ID)
	if !ok {
		t.Fatalf("view %q unknown", resp.View.ID)
	}
	return v
}

func TestPanicInAHandlerIsRecoveredAndTheBotKeepsServing(t *testing.T) {
	store := openTroubledStore(t)
	fs, logs := startBot(t, store, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	// After the ack: "/jobdesc list" reading the drafts panics.
	store.panicNextList.Store(true)
	d, err := fs.SlashCommand(ctx, "U0ALICE", "C0HIRING", Command, "list")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		t.Fatalf("envelope not acked: %v", err)
	}
	if err := fs.WaitUntil(ctx, func() bool { return strings.Contains(logs.String(), "handler panicked") }); err != nil {
		t.Fatalf("panic not logged: %v", err)
	}

	// Before the ack: the submission's Create panics; the modal stays open.
	v := openModal(t, ctx, fs)
	store.panicNextCreate.Store(true)
	d, err = fs.SubmitView(ctx, "U0ALICE", v, exampleSubmission(t))
	if err != nil {
		t.Fatal(err)
	}
	ack, err := d.WaitAck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ack.ResponseAction() != "errors" {
		t.Errorf("ack after a panic: %s, want errors so the user keeps the form", ack.Payload)
	}
	// The same form submitted again goes through.
	d, err = fs.SubmitView(ctx, "U0ALICE", v, exampleSubmission(t))
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := d.WaitAck(ctx); err != nil || ack.ResponseAction() != "clear" {
		t.Fatalf("second submit: %s, %v; want clear", ack.Payload, err)
	}
	if _, err := fs.WaitForCall(ctx, "chat.postMessage", func(c fakeslack.Call) bool { return c.OK }); err != nil {
		t.Fatalf("draft not posted after the panic: %v", err)
	}
}

func TestSlowStoreStillAcksInTimeAndSavesOnce(t *testing.T) {
	store := openTroubledStore(t)
	store.holdCreate = make(chan struct{})
	fs, _ := startBot(t, store, Config{AckBudget: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	v := openModal(t, ctx, fs)
	d, err := fs.SubmitView(ctx, "U0ALICE", v, exampleSubmission(t))
	if err != nil {
		t.Fatal(err)
	}
	ack, err := d.WaitAck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Late || ack.ResponseAction() != "errors" || !strings.Contains(jsonText(ack.Payload), "busy") {
		t.Errorf("ack while the store is stuck: %s (late %v); want an in-time errors ack saying jobdesc is busy", ack.Payload, ack.Late)
	}
	close(store.holdCreate) // the store recovers; the save completes and is posted
	if _, err := fs.WaitForCall(ctx, "chat.postMessage", func(c fakeslack.Call) bool { return c.OK }); err != nil {
		t.Fatalf("draft not posted once the store recovered: %v", err)
	}
	// The user presses the button again: the same submission is not saved twice.
	d, err = fs.SubmitView(ctx, "U0ALICE", v, exampleSubmission(t))
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := d.WaitAck(ctx); err != nil || ack.ResponseAction() != "clear" {
		t.Fatalf("second submit: %s, %v; want clear", ack.Payload, err)
	}
	ds, _, err := store.ListByAuthor(ctx, fakeslack.TeamID, "U0ALICE", drafts.Page{})
	if err != nil || len(ds) != 1 {
		t.Errorf("got %d drafts (%v), want 1", len(ds), err)
	}
}

// TestSlowReviewIsLeftForSlackToDeliverAgain: a reaction whose review the
// store cannot record within the ack budget is not acked with a fallback
// (which would lose the approval if this process died before recording it)
// but left for Slack to deliver again; once the store recovers, the
// approval counts once and the first delivery is acked, late.
func TestSlowReviewIsLeftForSlackToDeliverAgain(t *testing.T) {
	store := openTroubledStore(t)
	fs, logs := startBotWith(t, store, Config{AckBudget: 100 * time.Millisecond, OutboxInterval: 50 * time.Millisecond},
		fakeslack.Options{Schema: schema.Load, AckDeadline: 400 * time.Millisecond, Redeliver: true})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	d := waitPosted(t, ctx, fs, store, saveUnposted(t, ctx, store, "U0ALICE"))

	store.reviewEntered = make(chan struct{}, fakeslack.MaxRetries+1)
	store.holdReview = make(chan struct{})
	var recoverOnce sync.Once
	recovered := func() { recoverOnce.Do(func() { close(store.holdReview) }) }
	t.Cleanup(recovered) // before the bot stops, so a failed test does not leave it waiting
	first, err := fs.React(ctx, "U0BOB", d.Message.Channel, d.Message.TS, "white_check_mark")
	if err != nil {
		t.Fatal(err)
	}
	// Slack delivers the event again only if the first delivery went
	// unacknowledged past its deadline; the bot starts on it too.
	for n := range 2 {
		select {
		case <-store.reviewEntered:
		case <-ctx.Done():
			t.Fatalf("delivery %d never reached the store:\n%s", n+1, logs.String())
		}
	}
	if first.Acked() {
		t.Errorf("the first delivery was acked while its review was still unrecorded")
	}
	recovered()
	ack, err := first.WaitAck(ctx)
	if err != nil {
		t.Fatalf("the first delivery was never acked: %v", err)
	}
	if !ack.Late {
		t.Errorf("the first delivery's ack came in time, want it after its handler (late)")
	}
	err = waitFor(ctx, func() bool {
		for _, dl := range fs.Deliveries() {
			if !dl.Acked() {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("deliveries left unacknowledged: %v", err)
	}
	got, err := store.Get(ctx, d.Team, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Approvals) != 1 || got.Approvals[0].User != "U0BOB" {
		t.Errorf("approvals %+v, want U0BOB's once", got.Approvals)
	}
	if log := logs.String(); !strings.Contains(log, "leaving the event for Slack to deliver again") || strings.Contains(log, "acked with a fallback") {
		t.Errorf("log does not say the event was left for Slack, or says it was acked with a fallback:\n%s", log)
	}
}

// TestAckOutlivesASlackRefresh: Slack refreshes connections every few
// hours, asking the app to disconnect and closing the socket a little
// later. A submission being saved at that moment is still acknowledged on
// the connection it came on, while a new connection takes the next ones.
func TestAckOutlivesASlackRefresh(t *testing.T) {
	store := openTroubledStore(t)
	fs, logs := startBot(t, store, Config{Connections: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	v := openModal(t, ctx, fs)
	store.holdCreate = make(chan struct{})
	store.createEntered = make(chan struct{}, 1)
	before := fs.Connects()
	d, err := fs.SubmitView(ctx, "U0ALICE", v, exampleSubmission(t))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-store.createEntered:
	case <-ctx.Done():
		t.Fatal("the submission never reached the store")
	}
	fs.Disconnect("refresh_requested")
	if err := fs.WaitConnected(ctx, before+1); err != nil {
		t.Fatalf("no new connection while the old one finishes: %v", err)
	}
	close(store.holdCreate)
	ack, err := d.WaitAck(ctx)
	if err != nil {
		t.Fatalf("submission not acked across the refresh: %v\n%s", err, logs.String())
	}
	if ack.Late || ack.ResponseAction() != "clear" {
		t.Errorf("ack %s (late %v), want an in-time clear", ack.Payload, ack.Late)
	}
	if strings.Contains(logs.String(), "ack failed") {
		t.Errorf("the log reports a failed ack:\n%s", logs.String())
	}
}

func jsonText(b []byte) string { return unescapeJSON(b) }

// TestFailedSaveCanBeRetried: a submission whose save failed keeps the form
// open, and pressing the button again saves it (the failed attempt claimed
// nothing).
func TestFailedSaveCanBeRetried(t *testing.T) {
	store := openTroubledStore(t)
	fs, _ := startBot(t, store, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	v := openModal(t, ctx, fs)
	store.failNextCreate.Store(true)
	d, err := fs.SubmitView(ctx, "U0ALICE", v, exampleSubmission(t))
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := d.WaitAck(ctx); err != nil || ack.ResponseAction() != "errors" {
		t.Fatalf("failed save: %s, %v; want errors so the form stays open", ack.Payload, err)
	}
	d, err = fs.SubmitView(ctx, "U0ALICE", v, exampleSubmission(t))
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := d.WaitAck(ctx); err != nil || ack.ResponseAction() != "clear" {
		t.Fatalf("second press: %s, %v; want clear", ack.Payload, err)
	}
	ds, _, err := store.ListByAuthor(ctx, fakeslack.TeamID, "U0ALICE", drafts.Page{})
	if err != nil || len(ds) != 1 {
		t.Errorf("got %d drafts (%v), want the retried one", len(ds), err)
	}
}
