package fakeslack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Unix(1700000000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func text(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// simpleModal is a valid modal with one text input (block "company").
func simpleModal() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  text("Account Manager"),
		Submit: text("Draft"),
		Close:  text("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("company", text("Company"), nil, slack.NewPlainTextInputBlockElement(nil, "company_input")),
		}},
		CallbackID: "jobdesc",
	}
}

// openModal opens m for UserAlice with a fresh trigger_id.
func openModal(t *testing.T, ctx context.Context, s *Server, c *socketClient, m slack.ModalViewRequest) *slack.ViewResponse {
	t.Helper()
	resp, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), m)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	return resp
}

// newTrigger sends a slash command (acked) and returns its trigger_id.
func newTrigger(t *testing.T, ctx context.Context, s *Server, c *socketClient, user string) string {
	t.Helper()
	d, err := s.SlashCommand(ctx, user, ChannelHiring, "/jobdesc", "")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	c.ack(t, c.next(t, ctx, socketmode.EventTypeSlashCommand))
	waitAck(t, ctx, d)
	return d.TriggerID
}

func TestTriggerRules(t *testing.T) {
	clock := newClock()
	s := newServer(t, Options{Now: clock.Now})
	ctx := testContext(t)
	c := connect(t, s)

	tests := []struct {
		name    string
		prepare func(trig string) string
		want    string
	}{
		{"fresh trigger", func(trig string) string { return trig }, ""},
		{"exactly 3 s old", func(trig string) string { clock.Advance(TriggerTTL); return trig }, ""},
		{"expired after 3 s", func(trig string) string { clock.Advance(TriggerTTL + time.Millisecond); return trig }, "expired_trigger_id"},
		{"used twice", func(trig string) string {
			if _, err := c.api.OpenViewContext(ctx, trig, simpleModal()); err != nil {
				t.Fatalf("first OpenView: %v", err)
			}
			return trig
		}, "exchanged_trigger_id"},
		{"unknown", func(string) string { return "1.2.3" }, "invalid_trigger_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trig := tt.prepare(newTrigger(t, ctx, s, c, UserAlice))
			_, err := c.api.OpenViewContext(ctx, trig, simpleModal())
			if got := slackErr(err); got != tt.want {
				t.Errorf("views.open error = %q, want %q", got, tt.want)
			}
			_, err = c.api.PushViewContext(ctx, trig, simpleModal())
			if tt.want != "" && slackErr(err) != tt.want {
				t.Errorf("views.push error = %q, want %q", slackErr(err), tt.want)
			}
		})
	}
}

func TestViewMethods(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)

	open := func(t *testing.T, m slack.ModalViewRequest) *slack.ViewResponse {
		t.Helper()
		return openModal(t, ctx, s, c, m)
	}

	t.Run("update by id with the current hash", func(t *testing.T) {
		v := open(t, simpleModal())
		m := simpleModal()
		m.Title = text("Updated")
		resp, err := c.api.UpdateViewContext(ctx, m, "", v.View.Hash, v.View.ID)
		if err != nil {
			t.Fatalf("UpdateView: %v", err)
		}
		if resp.View.ID != v.View.ID || resp.View.Hash == v.View.Hash || resp.View.Title.Text != "Updated" {
			t.Errorf("updated view id %q hash %q title %q, want same id, new hash, Updated", resp.View.ID, resp.View.Hash, resp.View.Title.Text)
		}
		if _, err := c.api.UpdateViewContext(ctx, m, "", v.View.Hash, v.View.ID); slackErr(err) != "hash_conflict" {
			t.Errorf("update with the stale hash: %v, want hash_conflict", err)
		}
		if got, _ := s.View(v.View.ID); got.Version != 1 || got.Title != "Updated" {
			t.Errorf("stored view version %d title %q, want 1 Updated", got.Version, got.Title)
		}
	})
	t.Run("update by external_id", func(t *testing.T) {
		m := simpleModal()
		m.ExternalID = "draft-42"
		v := open(t, m)
		m.Title = text("By external id")
		resp, err := c.api.UpdateViewContext(ctx, m, "draft-42", "", "")
		if err != nil || resp.View.ID != v.View.ID {
			t.Fatalf("UpdateView by external_id = %v, %v, want view %s", resp, err, v.View.ID)
		}
		if _, err := c.api.UpdateViewContext(ctx, m, "nope", "", ""); slackErr(err) != "not_found" {
			t.Errorf("unknown external_id: %v, want not_found", err)
		}
	})
	t.Run("duplicate external_id", func(t *testing.T) {
		m := simpleModal()
		m.ExternalID = "dup"
		open(t, m)
		_, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserBob), m)
		if slackErr(err) != "duplicate_external_id" {
			t.Errorf("second open with external_id dup: %v, want duplicate_external_id", err)
		}
	})
	t.Run("closed view is not_found", func(t *testing.T) {
		v := open(t, simpleModal())
		sv, _ := s.View(v.View.ID)
		if _, err := s.CloseView(ctx, UserAlice, sv); !errors.Is(err, ErrNoEnvelope) {
			t.Fatalf("CloseView without notify_on_close: %v, want ErrNoEnvelope", err)
		}
		if _, err := c.api.UpdateViewContext(ctx, simpleModal(), "", "", v.View.ID); slackErr(err) != "not_found" {
			t.Errorf("update of a closed view: %v, want not_found", err)
		}
	})
	t.Run("push up to three views", func(t *testing.T) {
		root := open(t, simpleModal())
		for i := 2; i <= MaxViewStack+1; i++ {
			_, err := c.api.PushViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), simpleModal())
			want := ""
			if i > MaxViewStack {
				want = "push_limit_reached"
			}
			if got := slackErr(err); got != want {
				t.Fatalf("push %d: %q, want %q", i, got, want)
			}
		}
		stack := s.OpenViews(UserAlice)
		if len(stack) != MaxViewStack || stack[2].PreviousViewID != stack[1].ID || stack[2].RootViewID != root.View.ID {
			t.Errorf("stack = %d views (prev %q root %q), want 3 chained to the root", len(stack), stack[len(stack)-1].PreviousViewID, stack[len(stack)-1].RootViewID)
		}
	})
	t.Run("publish keeps one home view per user", func(t *testing.T) {
		first, err := c.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: UserCarol, View: homeView("one")})
		if err != nil {
			t.Fatalf("PublishView: %v", err)
		}
		stale := first.View.Hash
		second, err := c.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: UserCarol, View: homeView("two"), Hash: &stale})
		if err != nil || second.View.ID != first.View.ID {
			t.Fatalf("second PublishView = %v, %v, want the same view id", second, err)
		}
		if _, err := c.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: UserCarol, View: homeView("three"), Hash: &stale}); slackErr(err) != "hash_conflict" {
			t.Errorf("publish with a stale hash: %v, want hash_conflict", err)
		}
		h, ok := s.HomeView(UserCarol)
		if !ok || !strings.Contains(string(h.Blocks), "two") {
			t.Errorf("HomeView = %s, want the second view", h.Blocks)
		}
		if _, err := c.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U0NOBODY", View: homeView("x")}); slackErr(err) != "user_not_found" {
			t.Errorf("publish for an unknown user: %v, want user_not_found", err)
		}
	})
	t.Run("missing ids are filled in", func(t *testing.T) {
		m := simpleModal()
		m.Blocks.BlockSet = append(m.Blocks.BlockSet, slack.NewActionBlock("", slack.NewButtonBlockElement("", "v", text("Go"))))
		v := open(t, m)
		last := v.View.Blocks.BlockSet[1].(*slack.ActionBlock)
		if last.BlockID == "" || last.Elements.ElementSet[0].(*slack.ButtonBlockElement).ActionID == "" {
			t.Errorf("block_id %q / action_id empty, want Slack-style generated ids", last.BlockID)
		}
	})
}

func TestWaitForView(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	trig := newTrigger(t, ctx, s, c, UserDave)
	done := make(chan View, 1)
	go func() {
		v, err := s.WaitForView(ctx, func(v View) bool { return v.User == UserDave && v.CallbackID == "jobdesc" })
		if err != nil {
			t.Errorf("WaitForView: %v", err)
		}
		done <- v
	}()
	if _, err := c.api.OpenViewContext(ctx, trig, simpleModal()); err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	if v := <-done; v.Type != "modal" || v.Title != "Account Manager" {
		t.Errorf("WaitForView = %+v, want dave's modal", v)
	}
}

// TestSameViewOpenedAgain: a view sent again as it was is parsed once, and
// still opens as a view of its own; one whose blocks lack ids draws new
// ids each time, as Slack does.
func TestSameViewOpenedAgain(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	open := func(t *testing.T, m slack.ModalViewRequest) *slack.ViewResponse {
		t.Helper()
		return openModal(t, ctx, s, c, m)
	}
	header := func(id string) slack.ModalViewRequest {
		m := simpleModal()
		h := slack.NewHeaderBlock(text("The role"))
		h.BlockID = id
		m.Blocks.BlockSet = append([]slack.Block{h}, m.Blocks.BlockSet...)
		return m
	}
	t.Run("every id given", func(t *testing.T) {
		a, b := open(t, header("group.1")), open(t, header("group.1"))
		if a.View.ID == b.View.ID || a.View.Hash == b.View.Hash {
			t.Errorf("got views %s/%s and %s/%s, want two views", a.View.ID, a.View.Hash, b.View.ID, b.View.Hash)
		}
		s.mu.Lock()
		same := s.views[a.View.ID].body == s.views[b.View.ID].body
		s.mu.Unlock()
		if !same {
			t.Error("the same view was parsed twice")
		}
		for _, v := range []*slack.ViewResponse{a, b} {
			if got := v.View.Blocks.BlockSet[0].ID(); got != "group.1" {
				t.Errorf("header block id %q, want group.1", got)
			}
		}
	})
	t.Run("a block without an id", func(t *testing.T) {
		a, b := open(t, header("")), open(t, header(""))
		ida, idb := a.View.Blocks.BlockSet[0].ID(), b.View.Blocks.BlockSet[0].ID()
		if ida == "" || ida == idb {
			t.Errorf("drawn header ids %q and %q, want two different ids", ida, idb)
		}
	})
	t.Run("invalid twice", func(t *testing.T) {
		m := header("group.1")
		m.Title = text(strings.Repeat("x", 30))
		for range 2 {
			if _, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), m); slackErr(err) != "invalid_arguments" {
				t.Errorf("got %v, want invalid_arguments", err)
			}
		}
	})
}
