package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jobdesc/jobdesc/bot"
	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/drafts"
)

func TestRedeliveredEventIsHandledOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)
	d := h.react(ctx, bob, hiring, m.TS, approve, true)
	h.waitReply(ctx, hiring, m.TS, "is approved")
	again, err := h.slack.Redeliver(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.WaitAck(ctx); err != nil {
		t.Fatalf("redelivery not acked: %v", err)
	}
	// Stopping drains in-flight work, so every reply the bot would make is in.
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range h.slack.Replies(hiring, m.TS) {
		if strings.Contains(r.Text, "approved") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %d approval replies after a redelivery, want 1", n)
	}
	h.checkSlackRules()
}

// TestRedeliveredSlashCommandOpensOneModal: a slash command delivered
// twice (to this replica or another) opens one modal and tells the user
// nothing went wrong; Slack refuses the second use of its trigger_id.
func TestRedeliveredSlashCommandOpensOneModal(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	mark := h.slack.Mark()
	d, err := h.slack.SlashCommand(ctx, alice, hiring, bot.Command, "account-manager")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.WaitAck(ctx); err != nil {
		t.Fatalf("slash command not acked: %v", err)
	}
	if _, err := h.slack.WaitForCallAfter(ctx, mark, "views.open", func(c fakeslack.Call) bool { return c.OK }); err != nil {
		t.Fatalf("no modal opened: %v", err)
	}
	again, err := h.slack.Redeliver(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.WaitAck(ctx); err != nil {
		t.Fatalf("redelivery not acked: %v", err)
	}
	if err := h.stop(); err != nil { // drains in-flight work
		t.Fatal(err)
	}
	opened := 0
	for _, c := range h.slack.Calls("views.open") {
		if c.OK {
			opened++
		}
	}
	if opened != 1 {
		t.Errorf("%d modals opened, want 1", opened)
	}
	if n := len(h.slack.OpenViews(alice)); n != 1 {
		t.Errorf("alice has %d modals open, want 1", n)
	}
	for _, p := range h.slack.ResponseURLPosts() {
		t.Errorf("alice was told %s; want nothing after a redelivery", p.Body)
	}
}

func TestReconnectsAfterDisconnectAndDroppedSocket(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	for i, drop := range []func(){
		func() { h.slack.Disconnect("refresh_requested") },
		func() { h.slack.DropSockets() },
		func() { h.slack.Disconnect("warning") },
	} {
		before := h.slack.Connects()
		drop()
		if err := h.slack.WaitConnected(ctx, before+1); err != nil {
			t.Fatalf("round %d: bot did not reconnect: %v", i, err)
		}
		h.openModal(ctx, alice, hiring, "account-manager")
	}
	if got := h.slack.Connects(); got < 4 {
		t.Errorf("got %d connects, want at least 4 (1 + 3 reconnects)", got)
	}
	h.checkSlackRules()
}

func TestWebAPIRetries(t *testing.T) {
	tests := []struct {
		name   string
		method string
		fault  fakeslack.Fault
	}{
		{"429 waits for Retry-After", "views.open", fakeslack.Fault{Status: 429, RetryAfter: 1}},
		{"503 backs off", "chat.postMessage", fakeslack.Fault{Status: 503, Times: 2}},
		{"500 backs off", "chat.update", fakeslack.Fault{Status: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			ctx := testCtx(t)
			h.slack.Inject(tt.method, tt.fault)
			m := h.newDraft(ctx, alice, hiring, nil)
			h.react(ctx, bob, hiring, m.TS, approve, true)
			h.waitStatus(ctx, hiring, m.TS, "Approved")
			calls := h.slack.Calls(tt.method)
			faults := 0
			for _, c := range calls {
				if c.Fault {
					faults++
				}
			}
			if faults == 0 || !calls[len(calls)-1].OK {
				t.Errorf("%s: %d faults injected, last call ok=%v; want a retry that succeeded", tt.method, faults, calls[len(calls)-1].OK)
			}
			h.checkSlackRules()
		})
	}
}

func TestBotNotInChannelKeepsTheDraftAndTellsTheAuthor(t *testing.T) {
	for _, tt := range []struct{ channel, code string }{{outside, "not a member"}, {archived, "is archived"}} {
		t.Run(tt.channel, func(t *testing.T) {
			h := newHarness(t, nil)
			ctx := testCtx(t)
			opened := tt.channel
			if tt.channel == archived {
				// Slack refuses commands in an archived channel: archive it
				// while the modal is open.
				opened = hiring
			}
			v := h.openModal(ctx, alice, opened, "account-manager")
			if tt.channel == archived {
				if err := h.slack.SetChannel(hiring, true, true); err != nil {
					t.Fatal(err)
				}
			}
			ack := h.submit(ctx, alice, v, exampleValues(t, "account-manager", nil))
			if ack.ResponseAction() != "clear" {
				t.Fatalf("ack %s, want clear", ack.Payload)
			}
			dm, err := h.slack.WaitForMessage(ctx, "D"+strings.TrimPrefix(alice, "U"), func(m fakeslack.Message) bool { return strings.Contains(m.Text, tt.code) })
			if err != nil {
				t.Fatalf("author not told: %v", err)
			}
			if !strings.Contains(dm.Text, "/jobdesc post AM-1") {
				t.Errorf("the note %q does not say how to post again", dm.Text)
			}
			if tt.channel != outside {
				return
			}
			// Invite the bot, then post again from that channel.
			if err := h.slack.SetChannel(outside, true, false); err != nil {
				t.Fatal(err)
			}
			d, err := h.slack.SlashCommand(ctx, alice, outside, "/jobdesc", "post AM-1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.WaitAck(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := h.slack.WaitForMessage(ctx, outside, func(m fakeslack.Message) bool { return strings.Contains(jsonText(m.Blocks), "AM-1") }); err != nil {
				t.Fatalf("draft not posted after the invite: %v", err)
			}
			h.checkSlackRules()
		})
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	s := newSlack(t, fakeslack.Options{})
	cfg := testConfig(s, filepath.Join(t.TempDir(), "jobdesc.db"))
	ctx := testCtx(t)
	h := startBot(t, s, cfg)
	m := h.newDraft(ctx, alice, hiring, nil)
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	h2 := startBot(t, s, cfg)
	h2.react(ctx, bob, hiring, m.TS, approve, true)
	h2.waitStatus(ctx, hiring, m.TS, "Approved")
	h2.checkSlackRules()
}

func TestAcksAreFastAndRecorded(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	m := h.newDraft(ctx, alice, hiring, nil)
	h.react(ctx, bob, hiring, m.TS, approve, true)
	acks := h.slack.Acks()
	if len(acks) < 3 {
		t.Fatalf("got %d acks, want at least 3", len(acks))
	}
	for _, a := range acks {
		t.Logf("%-15s acked in %s", a.Type, a.Latency)
		if a.Late {
			t.Errorf("%s acked late (%s), after Slack's 3 s", a.Type, a.Latency)
		}
	}
}

// The binary, built once for the tests that run it as a child process.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jobdesc-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "jobdesc")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// startChild runs the built binary as the bot with cfg in its environment.
func startChild(t *testing.T, cfg Config) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(buildBinary(t))
	cmd.Env = append(os.Environ(),
		"SLACK_APP_TOKEN="+cfg.AppToken, "SLACK_BOT_TOKEN="+cfg.BotToken, "SLACK_API_URL="+cfg.APIURL,
		"JOBDESC_DB_PATH="+cfg.DBPath, "JOBDESC_LOG_LEVEL=debug",
	)
	out := &syncBuffer{w: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("child output:\n%s", out.String())
		}
	})
	return cmd, out
}

func TestBinaryExitsZeroOnSIGTERM(t *testing.T) {
	s := newSlack(t, fakeslack.Options{})
	cfg := testConfig(s, filepath.Join(t.TempDir(), "jobdesc.db"))
	ctx := testCtx(t)
	cmd, out := startChild(t, cfg)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("child did not connect: %v", err)
	}
	// The fake counts a connection when it sends hello; the bot logs one
	// line when it has read it.
	if err := poll(ctx, func() bool { return strings.Contains(out.String(), "connected to Slack") }); err != nil {
		t.Fatalf("no 'connected to Slack' log line: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := waitExit(ctx, cmd)
	if err != nil {
		t.Fatalf("exit after SIGTERM: %v, want status 0", err)
	}
	if strings.Contains(out.String(), cfg.BotToken) || strings.Contains(out.String(), cfg.AppToken) {
		t.Error("a token appears in the output")
	}
}

func waitExit(ctx context.Context, cmd *exec.Cmd) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("process did not exit in time")
	}
}

// TestOutboxPostsOnceAfterSIGKILL kills the bot between saving a draft and
// posting it; the next start posts it exactly once.
func TestOutboxPostsOnceAfterSIGKILL(t *testing.T) {
	s := newSlack(t, fakeslack.Options{})
	cfg := testConfig(s, filepath.Join(t.TempDir(), "jobdesc.db"))
	ctx := testCtx(t)
	// Hold the post back so the process dies before it lands.
	s.Inject("chat.postMessage", fakeslack.Fault{Delay: 5 * time.Second, Error: "internal_error"})
	cmd, _ := startChild(t, cfg)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("child did not connect: %v", err)
	}
	h := &harness{t: t, slack: s, cfg: cfg}
	v := h.openModal(ctx, alice, hiring, "account-manager")
	if ack := h.submit(ctx, alice, v, exampleValues(t, "account-manager", nil)); ack.ResponseAction() != "clear" {
		t.Fatalf("ack %s, want clear", ack.Payload)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = waitExit(ctx, cmd)
	s.ClearFaults()
	if n := countPosts(s, "AM-1"); n != 0 {
		t.Fatalf("draft posted %d times before the restart, want 0", n)
	}

	for round := 1; round <= 2; round++ {
		h := startBot(t, s, cfg)
		if round == 1 {
			if _, err := s.WaitForMessage(ctx, hiring, func(m fakeslack.Message) bool { return strings.Contains(jsonText(m.Blocks), "AM-1") }); err != nil {
				t.Fatalf("outbox did not post the draft: %v", err)
			}
		}
		if err := h.stop(); err != nil {
			t.Fatal(err)
		}
		if n := countPosts(s, "AM-1"); n != 1 {
			t.Fatalf("after start %d: draft posted %d times, want exactly 1", round, n)
		}
	}
	d, err := openStore(t, cfg.DBPath).Get(ctx, "T0TEAM", "AM-1")
	if err != nil || d.PostPending || d.Status != drafts.StatusInReview {
		t.Errorf("stored draft: %+v, %v; want posted and in review", d, err)
	}
}

func countPosts(s *fakeslack.Server, id string) int {
	n := 0
	for _, m := range s.Messages(hiring) {
		if m.ThreadTS == "" && strings.Contains(jsonText(m.Blocks), "*"+id+"*") {
			n++
		}
	}
	return n
}

func TestConfigErrorsAreOneLineNamingTheVariable(t *testing.T) {
	const secret = "xoxb-very-secret-value"
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing app token", map[string]string{"SLACK_BOT_TOKEN": secret}, "SLACK_APP_TOKEN"},
		{"bot token in the app slot", map[string]string{"SLACK_APP_TOKEN": secret, "SLACK_BOT_TOKEN": secret}, "SLACK_APP_TOKEN must be an app-level token"},
		{"app token in the bot slot", map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret", "SLACK_BOT_TOKEN": "xapp-1-secret"}, "SLACK_BOT_TOKEN must be a bot token"},
		{"approvals not a number", map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret", "SLACK_BOT_TOKEN": secret, "JOBDESC_APPROVALS_REQUIRED": "two"}, "JOBDESC_APPROVALS_REQUIRED: want a whole number"},
		{"approvals zero", map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret", "SLACK_BOT_TOKEN": secret, "JOBDESC_APPROVALS_REQUIRED": "0"}, "JOBDESC_APPROVALS_REQUIRED must be from 1 to 20"},
		{"bad log level", map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret", "SLACK_BOT_TOKEN": secret, "JOBDESC_LOG_LEVEL": "loud"}, "JOBDESC_LOG_LEVEL"},
		{"api url without slash", map[string]string{"SLACK_APP_TOKEN": "xapp-1-secret", "SLACK_BOT_TOKEN": secret, "SLACK_API_URL": "http://127.0.0.1/api"}, "SLACK_API_URL must end with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL", "JOBDESC_APPROVALS_REQUIRED", "JOBDESC_LOG_LEVEL"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := cli(context.Background(), nil, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit status %d, want 2", code)
			}
			got := stderr.String()
			if strings.Count(got, "\n") != 1 || !strings.Contains(got, tt.want) {
				t.Errorf("stderr %q: want one line containing %q", got, tt.want)
			}
			if strings.Contains(got, "secret") {
				t.Errorf("stderr shows a token: %q", got)
			}
		})
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, want 0; stderr %s", code, stderr.String())
	}
	for _, v := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_API_URL", "JOBDESC_DB_PATH", "JOBDESC_TEMPLATES_DIR",
		"JOBDESC_APPROVE_REACTION", "JOBDESC_CHANGES_REACTION", "JOBDESC_APPROVALS_REQUIRED", "JOBDESC_APPROVERS", "JOBDESC_LOG_LEVEL",
		"JOBDESC_HTTP_ADDR", "JOBDESC_BACKUP_DIR", "white_check_mark", "jobdesc.db", "demo", "render"} {
		if !strings.Contains(stdout.String(), v) {
			t.Errorf("help lacks %s", v)
		}
	}
}

// TestRepeatedSubmissionIsSavedOnce sends the same modal submission twice
// (as a redelivery, or a second press after a slow ack would): one draft,
// one post; the same for an edit: one revision, one thread reply.
func TestRepeatedSubmissionIsSavedOnce(t *testing.T) {
	h := newHarness(t, nil)
	ctx := testCtx(t)
	v := h.openModal(ctx, alice, hiring, "account-manager")
	d, err := h.slack.SubmitView(ctx, alice, v, exampleValues(t, "account-manager", nil))
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := d.WaitAck(ctx); err != nil || ack.ResponseAction() != "clear" {
		t.Fatalf("first submit: %s, %v", ack.Payload, err)
	}
	again, err := h.slack.Redeliver(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := again.WaitAck(ctx); err != nil || ack.ResponseAction() != "clear" {
		t.Fatalf("repeated submit: %s, %v; want clear", ack.Payload, err)
	}
	m, err := h.slack.WaitForMessage(ctx, hiring, func(m fakeslack.Message) bool {
		return m.ThreadTS == "" && strings.Contains(jsonText(m.Blocks), "AM-1")
	})
	if err != nil {
		t.Fatal(err)
	}

	edit := h.clickEdit(ctx, alice, hiring, m.TS)
	d, err = h.slack.SubmitView(ctx, alice, edit, exampleValues(t, "account-manager", map[string]any{"company_name": "Globex"}))
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := d.WaitAck(ctx); err != nil || ack.ResponseAction() != "clear" {
		t.Fatalf("edit: %s, %v", ack.Payload, err)
	}
	h.waitReply(ctx, hiring, m.TS, "revision 2")
	again, err = h.slack.Redeliver(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if ack, err := again.WaitAck(ctx); err != nil || ack.ResponseAction() != "clear" {
		t.Fatalf("repeated edit: %s, %v; want clear (not a conflict)", ack.Payload, err)
	}
	if err := h.stop(); err != nil { // drains in-flight work
		t.Fatal(err)
	}
	if n := countPosts(h.slack, "AM-1"); n != 1 {
		t.Errorf("draft posted %d times, want 1", n)
	}
	replies := 0
	for _, r := range h.slack.Replies(hiring, m.TS) {
		if strings.Contains(r.Text, "saved revision") {
			replies++
		}
	}
	if replies != 1 {
		t.Errorf("%d revision replies, want 1", replies)
	}
	store := openStore(t, h.cfg.DBPath)
	got, err := store.Get(ctx, "T0TEAM", "AM-1")
	if err != nil || got.Revision != 2 {
		t.Errorf("stored draft at revision %d (%v), want 2", got.Revision, err)
	}
	all, _, err := store.ListByAuthor(ctx, "T0TEAM", alice, drafts.Page{})
	if err != nil || len(all) != 1 {
		t.Errorf("%d drafts (%v), want 1", len(all), err)
	}
	h.checkSlackRules()
}

// TestLostPostAnswerIsNotPostedTwice: Slack takes the review post but its
// answer is lost, so the bot can't tell it worked. It does not retry the
// post blindly; the outbox finds the post by its metadata and adopts it:
// one message, recorded, and reactions on it count.
func TestLostPostAnswerIsNotPostedTwice(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.OutboxInterval = 200 * time.Millisecond
		c.PostClaimTTL = 2 * time.Second
	})
	ctx := testCtx(t)
	h.slack.Inject("chat.postMessage", fakeslack.Fault{LoseAnswer: true})
	v := h.openModal(ctx, alice, hiring, "account-manager")
	if ack := h.submit(ctx, alice, v, exampleValues(t, "account-manager", nil)); ack.ResponseAction() != "clear" {
		t.Fatalf("ack %s, want clear", ack.Payload)
	}
	m, err := h.slack.WaitForMessage(ctx, hiring, func(m fakeslack.Message) bool {
		return m.ThreadTS == "" && strings.Contains(jsonText(m.Blocks), "AM-1")
	})
	if err != nil {
		t.Fatal(err)
	}
	// The outbox adopts the post (chat.update on it) once the claim lapses.
	if _, err := h.slack.WaitForCall(ctx, "chat.update", func(c fakeslack.Call) bool { return c.OK && c.Param("ts") == m.TS }); err != nil {
		t.Fatalf("the earlier post was not adopted: %v", err)
	}
	h.react(ctx, bob, hiring, m.TS, approve, true)
	h.waitStatus(ctx, hiring, m.TS, "Approved")
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := countPosts(h.slack, "AM-1"); n != 1 {
		t.Errorf("draft posted %d times, want 1", n)
	}
	if len(h.slack.Calls("conversations.history")) == 0 {
		t.Error("the outbox did not look for the earlier post")
	}
	h.checkSlackRules()
}

// TestBinaryLeavesOutHeavyPackages keeps what made jobdesc's binary (and
// so its idle memory, which is about the binary's size) half as big from
// creeping back: a linked package leaves its function names in the binary.
func TestBinaryLeavesOutHeavyPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds the jobdesc binary")
	}
	bin, err := os.ReadFile(buildBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, marker string
		want         bool
	}{
		{"bbolt (the scan finds what is linked)", "go.etcd.io/bbolt.(*DB).Update", true},
		{"text/template's executor (envconfig.Usagef, net/http/pprof): every exported method kept, 3 MB", "text/template.(*state).evalCall", false},
		{"net/http/pprof", "net/http/pprof.Index", false},
		{"the etcd gRPC client (drafts/etcd uses the HTTP gateway): 9 MB", "google.golang.org/grpc.(*ClientConn).Invoke", false},
		{"client_golang (metrics writes the text format)", "github.com/prometheus/client_golang/prometheus.(*Registry).Gather", false},
		{"JSON-schema validation (the fake's, tests only)", "github.com/santhosh-tekuri/jsonschema/v6.(*Schema).Validate", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bytes.Contains(bin, []byte(tt.marker)); got != tt.want {
				t.Errorf("binary contains %q: %t, want %t", tt.marker, got, tt.want)
			}
		})
	}
}
