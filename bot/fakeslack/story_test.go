package fakeslack

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestResponseURL(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)

	slashURL := func(t *testing.T) string {
		t.Helper()
		d, err := s.SlashCommand(ctx, UserAlice, ChannelOutside, "/jobdesc", "")
		if err != nil {
			t.Fatalf("SlashCommand: %v", err)
		}
		c.ack(t, c.next(t, ctx, socketmode.EventTypeSlashCommand))
		waitAck(t, ctx, d)
		return d.ResponseURL
	}
	t.Run("ephemeral by default, even where the bot is not a member", func(t *testing.T) {
		u := slashURL(t)
		if _, _, err := c.api.PostMessageContext(ctx, "", slack.MsgOptionText("Only you", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral)); err != nil {
			t.Fatalf("post to response_url: %v", err)
		}
		if e := s.Ephemerals(ChannelOutside, UserAlice); len(e) != 1 || e[0].Text != "Only you" || e[0].Via != "response_url" {
			t.Errorf("Ephemerals = %+v, want the response", e)
		}
	})
	t.Run("in_channel", func(t *testing.T) {
		u := slashURL(t)
		if _, _, err := c.api.PostMessageContext(ctx, "", slack.MsgOptionText("Everyone", false), slack.MsgOptionResponseURL(u, slack.ResponseTypeInChannel)); err != nil {
			t.Fatalf("post to response_url: %v", err)
		}
		if m := s.Messages(ChannelOutside); len(m) != 1 || m[0].Text != "Everyone" || m[0].User != BotUserID {
			t.Errorf("Messages = %+v, want the bot's response", m)
		}
	})
	t.Run("invalid blocks", func(t *testing.T) {
		u := slashURL(t)
		_, _, err := c.api.PostMessageContext(ctx, "", slack.MsgOptionBlocks(section(strings.Repeat("a", 3001))), slack.MsgOptionResponseURL(u, slack.ResponseTypeEphemeral))
		if got := slackErr(err); got != "invalid_blocks" {
			t.Errorf("error = %q, want invalid_blocks", got)
		}
		f := s.ValidationFailures()
		if len(f) != 1 || f[0].Method != "response_url" {
			t.Errorf("ValidationFailures() = %+v, want the response_url post", f)
		}
	})
	t.Run("five uses", func(t *testing.T) {
		u := slashURL(t)
		for i := range ResponseURLUses + 1 {
			err := slack.PostWebhookContext(ctx, u, &slack.WebhookMessage{Text: "again"})
			if i < ResponseURLUses && err != nil {
				t.Fatalf("post %d: %v", i+1, err)
			}
			if i == ResponseURLUses {
				if got := s.ResponseURLPosts(); got[len(got)-1].Error != "used_url" {
					t.Errorf("post %d answered %s, want used_url", i+1, got[len(got)-1].Response)
				}
			}
		}
	})

	t.Run("replace and delete the clicked message", func(t *testing.T) {
		m := postDraft(t, s, c.api)
		click := func() string {
			d, err := s.ClickButton(ctx, UserBob, m, "approve")
			if err != nil {
				t.Fatalf("ClickButton: %v", err)
			}
			c.ack(t, c.next(t, ctx, socketmode.EventTypeInteractive))
			waitAck(t, ctx, d)
			return d.ResponseURL
		}
		replaceURL, deleteURL := click(), click()
		if _, _, err := c.api.PostMessageContext(ctx, "", slack.MsgOptionText("Approved by bob", false), slack.MsgOptionReplaceOriginal(replaceURL)); err != nil {
			t.Fatalf("replace_original: %v", err)
		}
		got, ok := s.Message(ChannelHiring, m.TS)
		if !ok || got.Text != "Approved by bob" || !got.Edited || len(got.Blocks) != 0 {
			t.Errorf("after replace_original message = %+v, want the new text without blocks", got)
		}
		if _, _, err := c.api.PostMessageContext(ctx, "", slack.MsgOptionDeleteOriginal(deleteURL)); err != nil {
			t.Fatalf("delete_original: %v", err)
		}
		if _, ok := s.Message(ChannelHiring, m.TS); ok {
			t.Errorf("message still there after delete_original")
		}
	})
}

func TestClickButtonErrors(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	ctx := testContext(t)
	m := postDraft(t, s, newAPI(s, s.BotToken()))
	tests := []struct {
		name string
		msg  Message
		user string
		act  string
		want error
	}{
		{"unknown action", m, UserBob, "reject", ErrNotFound},
		{"unknown message", Message{Channel: ChannelHiring, TS: "1.1"}, UserBob, "approve", ErrNotFound},
		{"unknown user", m, "U0NOBODY", "approve", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.ClickButton(ctx, tt.user, tt.msg, tt.act); !errors.Is(err, tt.want) {
				t.Errorf("ClickButton error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReactErrors(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	m := postDraft(t, s, api)
	s.AddChannel(Channel{ID: "C0QUIET", Name: "quiet"})
	um, err := s.PostUserMessage("C0QUIET", UserDave, "hi")
	if err != nil {
		t.Fatalf("PostUserMessage: %v", err)
	}
	tests := []struct {
		name              string
		user, channel, ts string
		want              error
	}{
		{"unknown message", UserBob, ChannelHiring, "1.1", ErrNotFound},
		{"unknown user", "U0NOBODY", ChannelHiring, m.TS, ErrNotFound},
		{"bot not in the channel", UserBob, "C0QUIET", um.TS, ErrNoEnvelope},
		{"already reacted", UserBob, "C0QUIET", um.TS, ErrInvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.React(ctx, tt.user, tt.channel, tt.ts, "white_check_mark"); !errors.Is(err, tt.want) {
				t.Errorf("React error = %v, want %v", err, tt.want)
			}
		})
	}
	if got, _ := s.Message("C0QUIET", um.TS); len(got.Reactions["white_check_mark"]) != 1 {
		t.Errorf("reactions = %v, want bob's ✅ recorded without an event", got.Reactions)
	}
}

// everyElementModal holds one input of each element type.
const everyElementModal = `{
 "type":"modal","title":{"type":"plain_text","text":"Everything"},"submit":{"type":"plain_text","text":"Save"},
 "blocks":[
  {"type":"input","block_id":"text","label":{"type":"plain_text","text":"T"},"element":{"type":"plain_text_input","action_id":"a","max_length":10}},
  {"type":"input","block_id":"cleared","optional":true,"label":{"type":"plain_text","text":"T"},"element":{"type":"plain_text_input","action_id":"a","initial_value":"old"}},
  {"type":"input","block_id":"initial","label":{"type":"plain_text","text":"T"},"element":{"type":"plain_text_input","action_id":"a","initial_value":"kept"}},
  {"type":"input","block_id":"number","label":{"type":"plain_text","text":"N"},"element":{"type":"number_input","action_id":"a","is_decimal_allowed":false}},
  {"type":"input","block_id":"email","label":{"type":"plain_text","text":"E"},"element":{"type":"email_text_input","action_id":"a"}},
  {"type":"input","block_id":"select","label":{"type":"plain_text","text":"S"},"element":{"type":"static_select","action_id":"a","options":[{"text":{"type":"plain_text","text":"Senior"},"value":"senior"},{"text":{"type":"plain_text","text":"Junior"},"value":"junior"}]}},
  {"type":"input","block_id":"grouped","label":{"type":"plain_text","text":"G"},"element":{"type":"static_select","action_id":"a","option_groups":[{"label":{"type":"plain_text","text":"L"},"options":[{"text":{"type":"plain_text","text":"Remote"},"value":"remote"}]}]}},
  {"type":"input","block_id":"multi","label":{"type":"plain_text","text":"M"},"element":{"type":"multi_static_select","action_id":"a","options":[{"text":{"type":"plain_text","text":"Go"},"value":"go"},{"text":{"type":"plain_text","text":"SQL"},"value":"sql"}]}},
  {"type":"input","block_id":"checks","optional":true,"label":{"type":"plain_text","text":"C"},"element":{"type":"checkboxes","action_id":"a","options":[{"text":{"type":"mrkdwn","text":"*Visa*"},"value":"visa"}]}},
  {"type":"input","block_id":"radio","label":{"type":"plain_text","text":"R"},"element":{"type":"radio_buttons","action_id":"a","options":[{"text":{"type":"plain_text","text":"Yes"},"value":"yes"}]}},
  {"type":"input","block_id":"date","label":{"type":"plain_text","text":"D"},"element":{"type":"datepicker","action_id":"a"}},
  {"type":"input","block_id":"time","label":{"type":"plain_text","text":"T"},"element":{"type":"timepicker","action_id":"a"}},
  {"type":"input","block_id":"user","label":{"type":"plain_text","text":"U"},"element":{"type":"users_select","action_id":"a"}},
  {"type":"input","block_id":"users","label":{"type":"plain_text","text":"U"},"element":{"type":"multi_users_select","action_id":"a"}},
  {"type":"input","block_id":"channel","label":{"type":"plain_text","text":"C"},"element":{"type":"conversations_select","action_id":"a"}},
  {"type":"input","block_id":"when","label":{"type":"plain_text","text":"W"},"element":{"type":"datetimepicker","action_id":"a"}},
  {"type":"actions","block_id":"acts","elements":[{"type":"static_select","action_id":"sort","options":[{"text":{"type":"plain_text","text":"New"},"value":"new"}]},{"type":"button","action_id":"go","text":{"type":"plain_text","text":"Go"}}]}
 ]}`

// openRawModal opens, through slack-go, a modal whose blocks are raw JSON.
func openRawModal(t *testing.T, s *Server, c *socketClient, raw string) View {
	t.Helper()
	ctx := testContext(t)
	var doc struct {
		Title  string            `json:"-"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("modal JSON: %v", err)
	}
	m := slack.ModalViewRequest{Type: slack.VTModal, Title: text("Everything"), Submit: text("Save")}
	for _, b := range doc.Blocks {
		m.Blocks.BlockSet = append(m.Blocks.BlockSet, rawBlock(b))
	}
	resp, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), m)
	if err != nil {
		t.Fatalf("OpenView: %v %v", err, metadata(err))
	}
	v, _ := s.View(resp.View.ID)
	return v
}

func TestSubmitViewStateValues(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	v := openRawModal(t, s, c, everyElementModal)
	d, err := s.SubmitView(ctx, UserAlice, v, map[string]any{
		"text": "Acme", "cleared": nil, "number": "42", "email": "a@acme.test", "select": "senior", "grouped": "remote",
		"multi": []string{"go", "sql"}, "checks": nil, "radio": "yes", "date": "2025-01-31", "time": "09:30",
		"user": UserBob, "users": []string{UserBob, UserCarol}, "channel": ChannelHiring, "when": int64(1700000000),
		"acts/sort": "new",
	})
	if err != nil {
		t.Fatalf("SubmitView: %v", err)
	}
	evt := c.next(t, ctx, socketmode.EventTypeInteractive)
	c.ack(t, evt)
	waitAck(t, ctx, d)
	st := evt.Data.(slack.InteractionCallback).View.State.Values
	tests := []struct {
		block, action string
		got           func(a slack.BlockAction) any
		want          any
	}{
		{"text", "a", func(a slack.BlockAction) any { return a.Value }, "Acme"},
		{"cleared", "a", func(a slack.BlockAction) any { return a.Value }, ""},
		{"initial", "a", func(a slack.BlockAction) any { return a.Value }, "kept"},
		{"number", "a", func(a slack.BlockAction) any { return a.Value }, "42"},
		{"email", "a", func(a slack.BlockAction) any { return a.Value }, "a@acme.test"},
		{"select", "a", func(a slack.BlockAction) any { return a.SelectedOption.Value + "/" + a.SelectedOption.Text.Text }, "senior/Senior"},
		{"grouped", "a", func(a slack.BlockAction) any { return a.SelectedOption.Value }, "remote"},
		{"multi", "a", func(a slack.BlockAction) any { return len(a.SelectedOptions) }, 2},
		{"checks", "a", func(a slack.BlockAction) any { return len(a.SelectedOptions) }, 0},
		{"radio", "a", func(a slack.BlockAction) any { return a.SelectedOption.Value }, "yes"},
		{"date", "a", func(a slack.BlockAction) any { return a.SelectedDate }, "2025-01-31"},
		{"time", "a", func(a slack.BlockAction) any { return a.SelectedTime }, "09:30"},
		{"user", "a", func(a slack.BlockAction) any { return a.SelectedUser }, UserBob},
		{"users", "a", func(a slack.BlockAction) any { return strings.Join(a.SelectedUsers, ",") }, UserBob + "," + UserCarol},
		{"channel", "a", func(a slack.BlockAction) any { return a.SelectedConversation }, ChannelHiring},
		{"when", "a", func(a slack.BlockAction) any { return a.SelectedDateTime }, int64(1700000000)},
		{"acts", "sort", func(a slack.BlockAction) any { return a.SelectedOption.Value }, "new"},
	}
	for _, tt := range tests {
		t.Run(tt.block, func(t *testing.T) {
			a, ok := st[tt.block][tt.action]
			if !ok {
				t.Fatalf("state.values[%s][%s] missing", tt.block, tt.action)
			}
			if got := tt.got(a); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("raw JSON keeps nulls like Slack", func(t *testing.T) {
		var p struct {
			View struct {
				State struct {
					Values map[string]map[string]map[string]json.RawMessage `json:"values"`
				} `json:"state"`
			} `json:"view"`
		}
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			t.Fatalf("payload: %v", err)
		}
		vals := p.View.State.Values
		if got := string(vals["cleared"]["a"]["value"]); got != "null" {
			t.Errorf("cleared value = %s, want null", got)
		}
		if got := string(vals["checks"]["a"]["selected_options"]); got != "[]" {
			t.Errorf("empty checkboxes = %s, want []", got)
		}
		if got := string(vals["text"]["a"]["type"]); got != `"plain_text_input"` {
			t.Errorf("type = %s, want \"plain_text_input\"", got)
		}
		if _, ok := vals["acts"]["go"]; ok {
			t.Errorf("a button has state, want none")
		}
	})
}

func TestSubmitViewRefuses(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	v := openRawModal(t, s, c, everyElementModal)
	full := func(change map[string]any) map[string]any {
		vals := map[string]any{
			"text": "Acme", "number": "1", "email": "a@b.c", "select": "senior", "grouped": "remote", "multi": []string{"go"},
			"radio": "yes", "date": "2025-01-31", "time": "09:30", "user": UserBob, "users": []string{UserBob},
			"channel": ChannelHiring, "when": int64(1),
		}
		for k, x := range change {
			if x == "DELETE" {
				delete(vals, k)
				continue
			}
			vals[k] = x
		}
		return vals
	}
	tests := []struct {
		name   string
		values map[string]any
		want   error
	}{
		{"unknown block", full(map[string]any{"nope": "x"}), ErrNotFound},
		{"required input left empty", full(map[string]any{"text": nil}), ErrInvalidInput},
		{"required input never filled", full(map[string]any{"date": "DELETE"}), ErrInvalidInput},
		{"over max_length", full(map[string]any{"text": strings.Repeat("x", 11)}), ErrInvalidInput},
		{"unknown option", full(map[string]any{"select": "principal"}), ErrInvalidInput},
		{"not a whole number", full(map[string]any{"number": "1.5"}), ErrInvalidInput},
		{"not an email", full(map[string]any{"email": "acme"}), ErrInvalidInput},
		{"bad date", full(map[string]any{"date": "31/01/2025"}), ErrInvalidInput},
		{"unknown user", full(map[string]any{"user": "U0NOBODY"}), ErrInvalidInput},
		{"wrong value type", full(map[string]any{"multi": 3}), ErrInvalidInput},
		{"everything filled", full(nil), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := s.SubmitView(ctx, UserAlice, v, tt.values)
			if !errors.Is(err, tt.want) {
				t.Fatalf("SubmitView error = %v, want %v", err, tt.want)
			}
			if err == nil {
				c.ack(t, c.next(t, ctx, socketmode.EventTypeInteractive), slack.NewErrorsViewSubmissionResponse(map[string]string{"text": "again"}))
				waitAck(t, ctx, d)
			}
		})
	}
	t.Run("another user's view", func(t *testing.T) {
		if _, err := s.SubmitView(ctx, UserBob, v, full(nil)); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("SubmitView by bob: %v, want ErrInvalidInput", err)
		}
	})
}

func TestCloseViewNotifies(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	m := simpleModal()
	m.NotifyOnClose = true
	resp, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), m)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	v, _ := s.View(resp.View.ID)
	d, err := s.CloseView(ctx, UserAlice, v)
	if err != nil {
		t.Fatalf("CloseView: %v", err)
	}
	evt := c.next(t, ctx, socketmode.EventTypeInteractive)
	c.ack(t, evt)
	waitAck(t, ctx, d)
	cb := evt.Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeViewClosed || cb.View.ID != v.ID || cb.IsCleared {
		t.Errorf("got %q for view %q cleared %v, want view_closed for %s, not cleared", cb.Type, cb.View.ID, cb.IsCleared, v.ID)
	}
	if got, _ := s.View(v.ID); !got.Closed {
		t.Errorf("view still open after CloseView")
	}
}

// TestPreparedSubmission checks that a submission built ahead is sent as
// SubmitView would send it, and refused once its view changed.
func TestPreparedSubmission(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	open := func(t *testing.T) View {
		t.Helper()
		resp, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), simpleModal())
		if err != nil {
			t.Fatalf("OpenView: %v", err)
		}
		v, _ := s.View(resp.View.ID)
		return v
	}
	values := map[string]any{"company": "Acme"}

	t.Run("sent as SubmitView sends it", func(t *testing.T) {
		v := open(t)
		sub, err := s.PrepareSubmission(UserAlice, v, values)
		if err != nil {
			t.Fatalf("PrepareSubmission: %v", err)
		}
		d, err := s.Submit(ctx, sub)
		if err != nil {
			t.Fatalf("Submit: %v", err)
		}
		evt := c.next(t, ctx, socketmode.EventTypeInteractive)
		c.ack(t, evt, slack.NewErrorsViewSubmissionResponse(map[string]string{"company": "taken"}))
		waitAck(t, ctx, d)
		cb := evt.Data.(slack.InteractionCallback)
		if got := cb.View.State.Values["company"]["company_input"].Value; cb.Type != slack.InteractionTypeViewSubmission || cb.View.ID != v.ID || got != "Acme" || cb.TriggerID == "" {
			t.Errorf("got %s of view %s with company %q, trigger %q; want a view_submission of %s with Acme and a trigger", cb.Type, cb.View.ID, got, cb.TriggerID, v.ID)
		}

		again, err := s.SubmitView(ctx, UserAlice, v, values)
		if err != nil {
			t.Fatalf("SubmitView: %v", err)
		}
		evt2 := c.next(t, ctx, socketmode.EventTypeInteractive)
		c.ack(t, evt2)
		waitAck(t, ctx, again)
		var p1, p2 map[string]any
		if err := json.Unmarshal(d.Payload, &p1); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again.Payload, &p2); err != nil {
			t.Fatal(err)
		}
		delete(p1, "trigger_id")
		delete(p2, "trigger_id")
		if !reflect.DeepEqual(p1, p2) {
			t.Errorf("prepared payload differs from SubmitView's:\n got %v\nwant %v", p1, p2)
		}
	})

	t.Run("refused once the view closed", func(t *testing.T) {
		v := open(t)
		sub, err := s.PrepareSubmission(UserAlice, v, values)
		if err != nil {
			t.Fatalf("PrepareSubmission: %v", err)
		}
		d, err := s.SubmitView(ctx, UserAlice, v, values)
		if err != nil {
			t.Fatalf("SubmitView: %v", err)
		}
		c.ack(t, c.next(t, ctx, socketmode.EventTypeInteractive)) // closes it
		waitAck(t, ctx, d)
		if _, err := s.Submit(ctx, sub); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Submit after the view closed: got %v, want ErrInvalidInput", err)
		}
	})

	t.Run("refused values", func(t *testing.T) {
		v := open(t)
		if _, err := s.PrepareSubmission(UserAlice, v, map[string]any{"company": "Acme", "nope": "x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("PrepareSubmission with an unknown block: got %v, want ErrNotFound", err)
		}
	})
}
