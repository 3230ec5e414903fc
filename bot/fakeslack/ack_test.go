package fakeslack

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// postDraft posts a bot message in #hiring and returns it.
func postDraft(t *testing.T, s *Server, api *slack.Client) Message {
	t.Helper()
	_, ts, err := api.PostMessage(ChannelHiring, slack.MsgOptionText("draft", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("review", slack.NewButtonBlockElement("approve", "d1", text("Approve")))))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	m, ok := s.Message(ChannelHiring, ts)
	if !ok {
		t.Fatalf("Message(%s) not found", ts)
	}
	return m
}

func TestLateAck(t *testing.T) {
	// Any real ack takes longer than a nanosecond: every ack is late.
	s := newServer(t, Options{AckDeadline: time.Nanosecond})
	ctx := testContext(t)
	c := connect(t, s)
	newTrigger(t, ctx, s, c, UserAlice)
	late := s.LateAcks()
	if len(late) != 1 || late[0].Type != "slash_commands" || !late[0].Late {
		t.Fatalf("LateAcks() = %+v, want the slash command ack", late)
	}
	if p := strings.Join(s.Problems(), "\n"); !strings.Contains(p, "acked late") {
		t.Errorf("Problems() = %q, want the late ack", p)
	}
}

func TestLateSubmissionIsIgnored(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	resp, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), simpleModal())
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	v, _ := s.View(resp.View.ID)
	// Shorten the deadline now: the submission's ack will be late.
	s.SetAckDeadline(time.Nanosecond)
	d, err := s.SubmitView(ctx, UserAlice, v, map[string]any{"company": "Acme"})
	if err != nil {
		t.Fatalf("SubmitView: %v", err)
	}
	c.ack(t, c.next(t, ctx, socketmode.EventTypeInteractive))
	if a := waitAck(t, ctx, d); !a.Late {
		t.Fatalf("ack latency %v not late", a.Latency)
	}
	if v, _ := s.View(resp.View.ID); v.Closed {
		t.Errorf("a late empty ack closed the view, want it open (Slack ignores late acks)")
	}
}

func TestTriggerExpiresWhileBotIsSlow(t *testing.T) {
	clock := newClock()
	s := newServer(t, Options{Now: clock.Now})
	ctx := testContext(t)
	c := connect(t, s)
	d, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	evt := c.next(t, ctx, socketmode.EventTypeSlashCommand)
	c.ack(t, evt)
	waitAck(t, ctx, d)
	clock.Advance(4 * time.Second)
	_, err = c.api.OpenViewContext(ctx, evt.Data.(slack.SlashCommand).TriggerID, simpleModal())
	if got := slackErr(err); got != "expired_trigger_id" {
		t.Errorf("OpenView 4 s later: %q, want expired_trigger_id", got)
	}
}

func TestRedelivery(t *testing.T) {
	s := newServer(t, Options{Redeliver: true, AckDeadline: 200 * time.Millisecond})
	ctx := testContext(t)
	c := connect(t, s)
	m := postDraft(t, s, c.api)
	first, err := s.React(ctx, UserBob, ChannelHiring, m.TS, "white_check_mark")
	if err != nil {
		t.Fatalf("React: %v", err)
	}
	// Do not ack the first delivery; ack the redelivery.
	e1 := c.next(t, ctx, socketmode.EventTypeEventsAPI)
	e2 := c.next(t, ctx, socketmode.EventTypeEventsAPI)
	c.ack(t, e2)
	id := func(e socketmode.Event) string {
		return e.Data.(slackevents.EventsAPIEvent).Data.(*slackevents.EventsAPICallbackEvent).EventID
	}
	if e1.Request.EnvelopeID != first.EnvelopeID || e1.Request.EnvelopeID == e2.Request.EnvelopeID {
		t.Errorf("envelope ids %s then %s, want %s then a new one", e1.Request.EnvelopeID, e2.Request.EnvelopeID, first.EnvelopeID)
	}
	if id(e1) != id(e2) || id(e1) != first.EventID {
		t.Errorf("event ids %q and %q, want both %q", id(e1), id(e2), first.EventID)
	}
	if e2.Request.RetryAttempt != 1 || e2.Request.RetryReason != "timeout" {
		t.Errorf("redelivery retry_attempt %d reason %q, want 1 timeout", e2.Request.RetryAttempt, e2.Request.RetryReason)
	}
	if err := s.WaitUntil(ctx, func() bool { return len(s.Acks()) == 1 }); err != nil {
		t.Fatalf("waiting for the ack: %v", err)
	}
	unacked := map[string]bool{}
	for _, d := range s.Unacked() {
		unacked[d.EnvelopeID] = true
	}
	if !unacked[first.EnvelopeID] || unacked[e2.Request.EnvelopeID] {
		t.Errorf("Unacked() = %v, want the first delivery and not the acked redelivery", unacked)
	}

	manual, err := s.Redeliver(ctx, first)
	if err != nil {
		t.Fatalf("Redeliver: %v", err)
	}
	for {
		e := c.next(t, ctx, socketmode.EventTypeEventsAPI)
		c.ack(t, e)
		if e.Request.EnvelopeID == manual.EnvelopeID {
			if manual.RetryAttempt != 1 || e.Request.RetryAttempt != 1 || id(e) != first.EventID {
				t.Errorf("manual redelivery attempt %d/%d event %q, want 1 %q", manual.RetryAttempt, e.Request.RetryAttempt, id(e), first.EventID)
			}
			break
		}
	}
}

func TestSubmissionResponseActions(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	second := simpleModal()
	second.Title = text("Step two")
	bad := simpleModal()
	bad.Title = text(strings.Repeat("x", 30))

	tests := []struct {
		name      string
		ack       any
		wantOpen  []string // titles of the user's open stack after the ack
		wantError bool     // a validation failure recorded
	}{
		{"none closes the view", nil, nil, false},
		{"errors keeps it open", slack.NewErrorsViewSubmissionResponse(map[string]string{"company": "Required"}), []string{"Account Manager"}, false},
		{"errors on a non-input block", slack.NewErrorsViewSubmissionResponse(map[string]string{"nope": "x"}), []string{"Account Manager"}, true},
		{"update replaces it", slack.NewUpdateViewSubmissionResponse(&second), []string{"Step two"}, false},
		{"push stacks a view", slack.NewPushViewSubmissionResponse(&second), []string{"Account Manager", "Step two"}, false},
		{"clear closes all", slack.NewClearViewSubmissionResponse(), nil, false},
		{"invalid update view", slack.NewUpdateViewSubmissionResponse(&bad), []string{"Account Manager"}, true},
		{"unknown response_action", map[string]string{"response_action": "explode"}, []string{"Account Manager"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.ValidationFailures())
			resp, err := c.api.OpenViewContext(ctx, newTrigger(t, ctx, s, c, UserAlice), simpleModal())
			if err != nil {
				t.Fatalf("OpenView: %v", err)
			}
			v, _ := s.View(resp.View.ID)
			d, err := s.SubmitView(ctx, UserAlice, v, map[string]any{"company": "Acme"})
			if err != nil {
				t.Fatalf("SubmitView: %v", err)
			}
			evt := c.next(t, ctx, socketmode.EventTypeInteractive)
			if tt.ack == nil {
				c.ack(t, evt)
			} else {
				c.ack(t, evt, tt.ack)
			}
			waitAck(t, ctx, d)
			var got []string
			for _, ov := range s.OpenViews(UserAlice) {
				got = append(got, ov.Title)
			}
			if strings.Join(got, "|") != strings.Join(tt.wantOpen, "|") {
				t.Errorf("open views = %q, want %q", got, tt.wantOpen)
			}
			if gotErr := len(s.ValidationFailures()) > before; gotErr != tt.wantError {
				t.Errorf("validation failure recorded = %v, want %v (%v)", gotErr, tt.wantError, s.ValidationFailures())
			}
		})
	}
	if f := s.ValidationFailures(); len(f) == 0 || f[0].Method != "ack" {
		t.Errorf("ValidationFailures()[0] = %+v, want method ack", f)
	}
}

func TestSlashCommandAckPayload(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	tests := []struct {
		name      string
		payload   any
		ephemeral bool
		inChannel bool
	}{
		{"text is ephemeral", map[string]any{"text": "Opening the form…"}, true, false},
		{"in_channel is public", map[string]any{"text": "Drafting", "response_type": "in_channel"}, false, true},
		{"blocks", map[string]any{"blocks": []any{map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*hi*"}}}}, true, false},
		{"no payload shows nothing", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eph, pub := len(s.Ephemerals(ChannelHiring, UserCarol)), len(s.Messages(ChannelHiring))
			d, err := s.SlashCommand(ctx, UserCarol, ChannelHiring, "jobdesc", "help")
			if err != nil {
				t.Fatalf("SlashCommand: %v", err)
			}
			evt := c.next(t, ctx, socketmode.EventTypeSlashCommand)
			if tt.payload == nil {
				c.ack(t, evt)
			} else {
				c.ack(t, evt, tt.payload)
			}
			a := waitAck(t, ctx, d)
			if tt.payload != nil && !json.Valid(a.Payload) {
				t.Errorf("ack payload %q is not JSON", a.Payload)
			}
			if got := len(s.Ephemerals(ChannelHiring, UserCarol)) - eph; got != b2i(tt.ephemeral) {
				t.Errorf("%d new ephemeral messages, want %d", got, b2i(tt.ephemeral))
			}
			if got := len(s.Messages(ChannelHiring)) - pub; got != b2i(tt.inChannel) {
				t.Errorf("%d new channel messages, want %d", got, b2i(tt.inChannel))
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestStrayFrames(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	if err := c.sm.Ack(socketmode.Request{EnvelopeID: "not-an-envelope"}); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if err := s.WaitUntil(ctx, func() bool { return len(s.Problems()) > 0 }); err != nil {
		t.Fatalf("waiting for a problem: %v", err)
	}
	if p := s.Problems(); !strings.Contains(p[0], "unknown envelope not-an-envelope") {
		t.Errorf("Problems() = %q, want the unknown envelope", p)
	}
}

func TestDuplicateAck(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	d, err := s.OpenHome(ctx, UserAlice)
	if err != nil {
		t.Fatalf("OpenHome: %v", err)
	}
	evt := c.next(t, ctx, socketmode.EventTypeEventsAPI)
	c.ack(t, evt)
	c.ack(t, evt)
	waitAck(t, ctx, d)
	if err := s.WaitUntil(ctx, func() bool { return len(s.Problems()) > 0 }); err != nil {
		t.Fatalf("waiting for a problem: %v", err)
	}
	if p := s.Problems(); !strings.Contains(p[0], "twice") {
		t.Errorf("Problems() = %q, want the duplicate ack", p)
	}
	if !d.Acked() {
		t.Errorf("Acked() = false, want true")
	}
}
