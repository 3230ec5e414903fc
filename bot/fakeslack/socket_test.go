package fakeslack

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestConnectHello(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)

	evt := c.next(t, ctx, socketmode.EventTypeHello)
	if got, want := evt.Request.NumConnections, 1; got != want {
		t.Errorf("hello num_connections = %d, want %d", got, want)
	}
	if got, want := evt.Request.ConnectionInfo.AppID, AppID; got != want {
		t.Errorf("hello connection_info.app_id = %q, want %q", got, want)
	}
	if evt.Request.DebugInfo.Host == "" {
		t.Errorf("hello debug_info.host is empty, want a host")
	}
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	if got, want := s.Connections(), 1; got != want {
		t.Errorf("Connections() = %d, want %d", got, want)
	}
	open, err := s.WaitForCall(ctx, "apps.connections.open", nil)
	if err != nil {
		t.Fatalf("WaitForCall: %v", err)
	}
	if !open.OK || !strings.Contains(string(open.Response), `"url":"ws://127.0.0.1:`) {
		t.Errorf("apps.connections.open answered %s, want ok with a ws://127.0.0.1 url", open.Response)
	}
}

func TestPingsAreAnswered(t *testing.T) {
	s := newServer(t, Options{PingInterval: 10 * time.Millisecond})
	ctx := testContext(t)
	connect(t, s)
	if err := s.WaitUntil(ctx, func() bool { return s.Pongs() >= 3 }); err != nil {
		t.Fatalf("waiting for 3 pongs: %v (got %d)", err, s.Pongs())
	}
}

// TestEnvelopesRoundTrip sends every envelope type and checks slack-go
// parses it into the right event type and the ack is recorded.
func TestEnvelopesRoundTrip(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	_, _, err := c.api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("draft", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("review", slack.NewButtonBlockElement("approve", "draft-1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)))))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	msgs := s.Messages(ChannelHiring)
	if len(msgs) != 1 {
		t.Fatalf("Messages(hiring) has %d messages, want 1", len(msgs))
	}
	msg := msgs[0]
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewActionBlock("home-actions", slack.NewButtonBlockElement("new-draft", "x", slack.NewTextBlockObject(slack.PlainTextType, "New", false, false))),
	}}}
	if _, err := c.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: UserAlice, View: home}); err != nil {
		t.Fatalf("PublishView: %v", err)
	}

	tests := []struct {
		name    string
		send    func() (*Delivery, error)
		check   func(t *testing.T, evt socketmode.Event)
		evtType socketmode.EventType
	}{
		{
			name: "slash command",
			send: func() (*Delivery, error) {
				return s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "account-manager")
			},
			evtType: socketmode.EventTypeSlashCommand,
			check: func(t *testing.T, evt socketmode.Event) {
				cmd, ok := evt.Data.(slack.SlashCommand)
				if !ok {
					t.Fatalf("data is %T, want slack.SlashCommand", evt.Data)
				}
				if cmd.Command != "/jobdesc" || cmd.Text != "account-manager" || cmd.UserID != UserAlice || cmd.ChannelID != ChannelHiring {
					t.Errorf("got command %q text %q user %q channel %q, want /jobdesc account-manager %s %s", cmd.Command, cmd.Text, cmd.UserID, cmd.ChannelID, UserAlice, ChannelHiring)
				}
				if cmd.TriggerID == "" || cmd.ResponseURL == "" || cmd.UserName != "alice" || cmd.TeamID != TeamID || cmd.APIAppID != AppID {
					t.Errorf("got trigger %q response_url %q user_name %q team %q app %q, want all set", cmd.TriggerID, cmd.ResponseURL, cmd.UserName, cmd.TeamID, cmd.APIAppID)
				}
				if !evt.Request.AcceptsResponsePayload {
					t.Errorf("accepts_response_payload = false, want true")
				}
			},
		},
		{
			name:    "button in a message",
			send:    func() (*Delivery, error) { return s.ClickButton(ctx, UserBob, msg, "approve") },
			evtType: socketmode.EventTypeInteractive,
			check: func(t *testing.T, evt socketmode.Event) {
				cb, ok := evt.Data.(slack.InteractionCallback)
				if !ok {
					t.Fatalf("data is %T, want slack.InteractionCallback", evt.Data)
				}
				if cb.Type != slack.InteractionTypeBlockActions {
					t.Fatalf("type = %q, want block_actions", cb.Type)
				}
				if len(cb.ActionCallback.BlockActions) != 1 {
					t.Fatalf("got %d block actions, want 1", len(cb.ActionCallback.BlockActions))
				}
				a := cb.ActionCallback.BlockActions[0]
				if a.ActionID != "approve" || a.BlockID != "review" || a.Value != "draft-1" {
					t.Errorf("action = %q/%q/%q, want approve/review/draft-1", a.ActionID, a.BlockID, a.Value)
				}
				if cb.Container.MessageTs != msg.TS || cb.Channel.ID != ChannelHiring || cb.Message.Timestamp != msg.TS || cb.User.ID != UserBob {
					t.Errorf("container ts %q channel %q message ts %q user %q, want %s %s %s %s", cb.Container.MessageTs, cb.Channel.ID, cb.Message.Timestamp, cb.User.ID, msg.TS, ChannelHiring, msg.TS, UserBob)
				}
				if cb.ResponseURL == "" || cb.TriggerID == "" {
					t.Errorf("response_url %q trigger_id %q, want both", cb.ResponseURL, cb.TriggerID)
				}
			},
		},
		{
			name: "button in the home tab",
			send: func() (*Delivery, error) {
				v, _ := s.HomeView(UserAlice)
				return s.ClickViewButton(ctx, UserAlice, v, "new-draft")
			},
			evtType: socketmode.EventTypeInteractive,
			check: func(t *testing.T, evt socketmode.Event) {
				cb := evt.Data.(slack.InteractionCallback)
				if cb.Type != slack.InteractionTypeBlockActions || cb.View.Type != slack.VTHomeTab || cb.Container.Type != "view" {
					t.Errorf("type %q view type %q container %q, want block_actions home view", cb.Type, cb.View.Type, cb.Container.Type)
				}
				if len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].BlockID != "home-actions" {
					t.Errorf("actions = %+v, want one with block_id home-actions", cb.ActionCallback.BlockActions)
				}
			},
		},
		{
			name:    "reaction added",
			send:    func() (*Delivery, error) { return s.React(ctx, UserCarol, ChannelHiring, msg.TS, "white_check_mark") },
			evtType: socketmode.EventTypeEventsAPI,
			check: func(t *testing.T, evt socketmode.Event) {
				ev := evt.Data.(slackevents.EventsAPIEvent)
				cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
				if !ok || cb.EventID == "" {
					t.Fatalf("outer data = %T with event_id %v, want *EventsAPICallbackEvent with one", ev.Data, cb)
				}
				ra, ok := ev.InnerEvent.Data.(*slackevents.ReactionAddedEvent)
				if !ok {
					t.Fatalf("inner = %T, want *ReactionAddedEvent", ev.InnerEvent.Data)
				}
				if ra.User != UserCarol || ra.Reaction != "white_check_mark" || ra.Item.Channel != ChannelHiring || ra.Item.Timestamp != msg.TS || ra.ItemUser != BotUserID {
					t.Errorf("reaction_added = %+v, want carol ✅ on %s/%s by item_user %s", ra, ChannelHiring, msg.TS, BotUserID)
				}
				if evt.Request.AcceptsResponsePayload || evt.Request.RetryAttempt != 0 {
					t.Errorf("accepts_response_payload %v retry_attempt %d, want false 0", evt.Request.AcceptsResponsePayload, evt.Request.RetryAttempt)
				}
			},
		},
		{
			name:    "reaction removed",
			send:    func() (*Delivery, error) { return s.Unreact(ctx, UserCarol, ChannelHiring, msg.TS, "white_check_mark") },
			evtType: socketmode.EventTypeEventsAPI,
			check: func(t *testing.T, evt socketmode.Event) {
				ev := evt.Data.(slackevents.EventsAPIEvent)
				if _, ok := ev.InnerEvent.Data.(*slackevents.ReactionRemovedEvent); !ok {
					t.Fatalf("inner = %T, want *ReactionRemovedEvent", ev.InnerEvent.Data)
				}
			},
		},
		{
			name:    "app home opened",
			send:    func() (*Delivery, error) { return s.OpenHome(ctx, UserAlice) },
			evtType: socketmode.EventTypeEventsAPI,
			check: func(t *testing.T, evt socketmode.Event) {
				ev := evt.Data.(slackevents.EventsAPIEvent)
				h, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
				if !ok {
					t.Fatalf("inner = %T, want *AppHomeOpenedEvent", ev.InnerEvent.Data)
				}
				if h.User != UserAlice || h.Tab != "home" || h.View == nil || h.View.Type != slack.VTHomeTab {
					t.Errorf("app_home_opened = %+v, want alice's home tab with its view", h)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.send()
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			evt := c.next(t, ctx, tt.evtType)
			if evt.Request.EnvelopeID != d.EnvelopeID {
				t.Fatalf("envelope_id = %q, want %q", evt.Request.EnvelopeID, d.EnvelopeID)
			}
			tt.check(t, evt)
			c.ack(t, evt)
			a := waitAck(t, ctx, d)
			if a.EnvelopeID != d.EnvelopeID || a.Late || a.Payload != nil {
				t.Errorf("ack = %+v, want on time without payload for %s", a, d.EnvelopeID)
			}
		})
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %q, want none", p)
	}
}

func TestModalLifecycle(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)

	d, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "account-manager")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	evt := c.next(t, ctx, socketmode.EventTypeSlashCommand)
	cmd := evt.Data.(slack.SlashCommand)
	c.ack(t, evt)
	modal := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Account Manager", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Draft", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		CallbackID:      "jobdesc_modal",
		PrivateMetadata: `{"channel":"C0HIRING"}`,
		NotifyOnClose:   true,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("company", slack.NewTextBlockObject(slack.PlainTextType, "Company", false, false), nil,
				slack.NewPlainTextInputBlockElement(nil, "company_input")),
		}},
	}
	resp, err := c.api.OpenViewContext(ctx, cmd.TriggerID, modal)
	if err != nil {
		t.Fatalf("OpenView: %v (%+v)", err, err)
	}
	if resp.View.ID == "" || resp.View.Hash == "" || resp.View.CallbackID != "jobdesc_modal" || resp.View.State == nil {
		t.Fatalf("OpenView view = %+v, want id, hash, callback_id and state", resp.View)
	}
	waitAck(t, ctx, d)

	v, ok := s.View(resp.View.ID)
	if !ok {
		t.Fatalf("View(%s) not found", resp.View.ID)
	}
	sub, err := s.SubmitView(ctx, UserAlice, v, map[string]any{"company": "Acme"})
	if err != nil {
		t.Fatalf("SubmitView: %v", err)
	}
	evt = c.next(t, ctx, socketmode.EventTypeInteractive)
	cb := evt.Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeViewSubmission {
		t.Fatalf("type = %q, want view_submission", cb.Type)
	}
	if got := cb.View.State.Values["company"]["company_input"].Value; got != "Acme" {
		t.Errorf("state value = %q, want Acme", got)
	}
	if cb.View.PrivateMetadata != `{"channel":"C0HIRING"}` || cb.View.Hash != resp.View.Hash {
		t.Errorf("private_metadata %q hash %q, want the opened view's", cb.View.PrivateMetadata, cb.View.Hash)
	}
	c.ack(t, evt, slack.NewErrorsViewSubmissionResponse(map[string]string{"company": "Too short"}))
	a := waitAck(t, ctx, sub)
	if got := a.ResponseAction(); got != "errors" {
		t.Errorf("ack response_action = %q, want errors", got)
	}
	if v, _ := s.View(resp.View.ID); v.Closed || v.Errors["company"] != "Too short" {
		t.Errorf("after errors ack: closed=%v errors=%v, want open with the error", v.Closed, v.Errors)
	}

	sub, err = s.SubmitView(ctx, UserAlice, v, map[string]any{"company": "Acme Corporation"})
	if err != nil {
		t.Fatalf("SubmitView: %v", err)
	}
	c.ack(t, c.next(t, ctx, socketmode.EventTypeInteractive))
	waitAck(t, ctx, sub)
	if v, _ := s.View(resp.View.ID); !v.Closed {
		t.Errorf("after an empty ack the view is open, want closed")
	}
	if _, err := s.CloseView(ctx, UserAlice, v); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("CloseView of a closed view: err = %v, want ErrInvalidInput", err)
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %q, want none", p)
	}
	_ = json.Valid
}
