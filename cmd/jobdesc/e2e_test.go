package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/bot"
	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/bot/fakeslack/schema"
	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// End-to-end tests: the real bot, started by run() as main does, with the
// real slack-go client over HTTP and a websocket, against the fake Slack on
// 127.0.0.1, and the real bbolt store in a temp dir.

const (
	alice, bob, carol, dave = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"
	hiring                  = "C0HIRING"
	outside                 = "C0OUTSIDE"
	archived                = "C0ARCHIVED"
	approve                 = "white_check_mark"
	changes                 = "x"
)

// harness is one fake workspace with a bot running against it.
type harness struct {
	t     *testing.T
	slack *fakeslack.Server
	cfg   Config
	logs  *syncBuffer
	stop  func() error // stops the bot, returns run's error
}

// syncBuffer collects a bot's log while tests read it.
type syncBuffer = lockedWriter

// newSlack starts a fake Slack for one test, validating against Slack's
// JSON schema unless opts say otherwise.
func newSlack(t *testing.T, opts fakeslack.Options) *fakeslack.Server {
	t.Helper()
	opts.Logf = t.Logf
	if opts.Schema == nil {
		opts.Schema = schema.Load
	}
	s, err := fakeslack.Start(opts)
	if err != nil {
		t.Fatalf("start fake slack: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			var b bytes.Buffer
			_ = s.WriteTranscript(&b)
			t.Logf("transcript:\n%s", b.String())
		}
		s.Close()
	})
	return s
}

// testConfig is the Config main would build for this fake and database.
func testConfig(s *fakeslack.Server, db string) Config {
	return Config{
		AppToken: s.AppToken(), BotToken: s.BotToken(), APIURL: s.APIURL(),
		DBPath: db, ApproveReaction: approve, ChangesReaction: changes,
		ApprovalsRequired: 1, LogLevel: "debug", BackupInterval: 24 * time.Hour, Connections: 2,
	}
}

// startBot runs the bot with cfg against s until the test ends, and waits
// until it has connected.
func startBot(t *testing.T, s *fakeslack.Server, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, slack: s, cfg: cfg, logs: &syncBuffer{w: &bytes.Buffer{}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	connects := s.Connects()
	go func() { done <- run(ctx, cfg, io.Discard, h.logs) }()
	var once sync.Once
	var runErr error
	h.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(20 * time.Second):
				runErr = errors.New("run did not return within 20 s of cancellation")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("run returned %v, want nil", err)
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", h.logs.String())
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := s.WaitConnected(wctx, connects+1); err != nil {
		t.Fatalf("bot did not connect: %v\nlog:\n%s", err, h.logs.String())
	}
	return h
}

// newHarness is a fresh fake, a fresh database and a running bot.
func newHarness(t *testing.T, edit func(*Config)) *harness {
	t.Helper()
	s := newSlack(t, fakeslack.Options{})
	cfg := testConfig(s, filepath.Join(t.TempDir(), "jobdesc.db"))
	if edit != nil {
		edit(&cfg)
	}
	return startBot(t, s, cfg)
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkSlackRules fails the test if the bot sent anything Slack would
// reject, called a method the fake doesn't know, or acked late.
func (h *harness) checkSlackRules() {
	h.t.Helper()
	for _, c := range h.slack.ValidationFailures() {
		h.t.Errorf("Slack would reject %s: %s %v", c.Method, c.Error, c.Messages)
	}
	for _, m := range h.slack.UnknownMethods() {
		h.t.Errorf("bot called unknown method %s", m)
	}
	for _, a := range h.slack.LateAcks() {
		h.t.Errorf("envelope %s (%s) acked late, after %s", a.EnvelopeID, a.Type, a.Latency)
	}
}

// openModal runs the slash command and returns the modal it opened.
func (h *harness) openModal(ctx context.Context, user, channel, text string) fakeslack.View {
	h.t.Helper()
	mark := h.slack.Mark()
	d, err := h.slack.SlashCommand(ctx, user, channel, bot.Command, text)
	if err != nil {
		h.t.Fatalf("slash command: %v", err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		h.t.Fatalf("slash command ack: %v", err)
	}
	call, err := h.slack.WaitForCallAfter(ctx, mark, "views.open", func(c fakeslack.Call) bool { return c.OK })
	if err != nil {
		h.t.Fatalf("no modal opened: %v", err)
	}
	return h.viewFromCall(ctx, call)
}

func (h *harness) viewFromCall(ctx context.Context, call fakeslack.Call) fakeslack.View {
	h.t.Helper()
	var resp struct {
		View struct {
			ID string `json:"id"`
		} `json:"view"`
	}
	if err := json.Unmarshal(call.Response, &resp); err != nil || resp.View.ID == "" {
		h.t.Fatalf("views.open answered %s", call.Response)
	}
	v, ok := h.slack.View(resp.View.ID)
	if !ok {
		h.t.Fatalf("view %s unknown to the fake", resp.View.ID)
	}
	return v
}

// exampleValues is the role's sample values as SubmitView wants them.
func exampleValues(t *testing.T, roleID string, edit map[string]any) map[string]any {
	t.Helper()
	cat, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	role, ok := cat.Role(roleID)
	if !ok {
		t.Fatalf("no role %s", roleID)
	}
	values := bot.SubmissionValues(role, role.Normalize(role.Example()))
	for k, v := range edit {
		values[k] = v
	}
	return values
}

// submit submits the modal and returns the ack.
func (h *harness) submit(ctx context.Context, user string, v fakeslack.View, values map[string]any) fakeslack.Ack {
	h.t.Helper()
	d, err := h.slack.SubmitView(ctx, user, v, values)
	if err != nil {
		h.t.Fatalf("submit view: %v", err)
	}
	ack, err := d.WaitAck(ctx)
	if err != nil {
		h.t.Fatalf("submission ack: %v", err)
	}
	return ack
}

// newDraft drafts the example posting as user in channel and returns the
// review message the bot posted.
func (h *harness) newDraft(ctx context.Context, user, channel string, edit map[string]any) fakeslack.Message {
	h.t.Helper()
	v := h.openModal(ctx, user, channel, "account-manager")
	mark := h.slack.Mark()
	ack := h.submit(ctx, user, v, exampleValues(h.t, "account-manager", edit))
	if ack.ResponseAction() == "update" {
		// The posting checks found warnings or tips: post it anyway.
		ack = h.confirmChecks(ctx, user, v.ID)
	}
	if got := ack.ResponseAction(); got != "clear" {
		h.t.Fatalf("submission ack: response_action %q (%s), want clear", got, ack.Payload)
	}
	call, err := h.slack.WaitForCallAfter(ctx, mark, "chat.postMessage", func(c fakeslack.Call) bool { return c.OK && c.Param("channel") == channel })
	if err != nil {
		h.t.Fatalf("review message not posted: %v", err)
	}
	var resp struct{ TS string }
	_ = json.Unmarshal(call.Response, &resp)
	m, ok := h.slack.Message(channel, resp.TS)
	if !ok {
		h.t.Fatalf("posted message %s not in the fake", resp.TS)
	}
	return m
}

// confirmChecks presses "Post for review" on the "Check before posting"
// view the modal turned into.
func (h *harness) confirmChecks(ctx context.Context, user, viewID string) fakeslack.Ack {
	h.t.Helper()
	cv, ok := h.slack.View(viewID)
	if !ok || cv.CallbackID != "jobdesc.check" {
		h.t.Fatalf("view %s is %q, want the check view", viewID, cv.CallbackID)
	}
	return h.submit(ctx, user, cv, nil)
}

// clickEdit presses Edit on a review message and returns the modal it opened.
func (h *harness) clickEdit(ctx context.Context, user, channel, ts string) fakeslack.View {
	h.t.Helper()
	mark := h.slack.Mark()
	d, err := h.slack.ClickButton(ctx, user, mustMessage(h.t, h.slack, channel, ts), "draft.edit")
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		h.t.Fatal(err)
	}
	call, err := h.slack.WaitForCallAfter(ctx, mark, "views.open", func(c fakeslack.Call) bool { return c.OK })
	if err != nil {
		h.t.Fatalf("edit did not open the modal: %v", err)
	}
	return h.viewFromCall(ctx, call)
}

// waitStatus waits until the review message's status line contains want.
func (h *harness) waitStatus(ctx context.Context, channel, ts, want string) fakeslack.Message {
	h.t.Helper()
	var last string
	err := h.slack.WaitUntil(ctx, func() bool {
		m, ok := h.slack.Message(channel, ts)
		last = statusLines(m.Blocks)
		return ok && strings.Contains(last, want)
	})
	if err != nil {
		h.t.Fatalf("status never showed %q; last %q", want, last)
	}
	m, _ := h.slack.Message(channel, ts)
	return m
}

// waitReply waits for a thread reply under ts containing want.
func (h *harness) waitReply(ctx context.Context, channel, ts, want string) fakeslack.Message {
	h.t.Helper()
	m, err := h.slack.WaitForMessage(ctx, channel, func(m fakeslack.Message) bool {
		return m.ThreadTS == ts && strings.Contains(m.Text, want)
	})
	if err != nil {
		h.t.Fatalf("no thread reply containing %q: %v", want, err)
	}
	return m
}

func (h *harness) waitEphemeral(ctx context.Context, channel, user, want string) fakeslack.Message {
	h.t.Helper()
	m, err := h.slack.WaitForEphemeral(ctx, channel, user, func(m fakeslack.Message) bool {
		return strings.Contains(m.Text, want) || strings.Contains(jsonText(m.Blocks), want)
	})
	if err != nil {
		h.t.Fatalf("no ephemeral for %s containing %q: %v", user, want, err)
	}
	return m
}

// react reacts and waits for the bot to ack the event.
func (h *harness) react(ctx context.Context, user, channel, ts, name string, added bool) *fakeslack.Delivery {
	h.t.Helper()
	var d *fakeslack.Delivery
	var err error
	if added {
		d, err = h.slack.React(ctx, user, channel, ts, name)
	} else {
		d, err = h.slack.Unreact(ctx, user, channel, ts, name)
	}
	if err != nil {
		h.t.Fatalf("react: %v", err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		h.t.Fatalf("reaction ack: %v", err)
	}
	return d
}

// openStore opens the bot's database after the bot stopped.
func openStore(t *testing.T, path string) *drafts.Store {
	t.Helper()
	s, err := drafts.Open(path)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func draftIDOf(t *testing.T, m fakeslack.Message) string {
	t.Helper()
	var blocks []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(m.Blocks, &blocks)
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.ActionID == "draft.edit" {
				return e.Value
			}
		}
	}
	t.Fatalf("review message has no Edit button: %s", m.Blocks)
	return ""
}

// jsonText is JSON as text with encoding/json's HTML escapes undone, so
// tests can look for Slack markup such as <@U1>.
func jsonText(b []byte) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}
