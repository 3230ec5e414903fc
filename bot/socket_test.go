package bot

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/jobdesc/jobdesc/bot/fakeslack"
	"github.com/jobdesc/jobdesc/templates"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		frame   string
		check   func(t *testing.T, r request)
		wantErr string
	}{
		{
			name:  "slash command",
			frame: `{"envelope_id":"e1","type":"slash_commands","accepts_response_payload":true,"payload":{"token":"x","team_id":"T1","team_domain":"acme","channel_id":"C1","channel_name":"hiring","user_id":"U2","user_name":"alice","command":"/jobdesc","text":"account-manager","api_app_id":"A1","is_enterprise_install":"false","response_url":"http://x/commands/1","trigger_id":"111.222"}}`,
			check: func(t *testing.T, r request) {
				want := slack.SlashCommand{TeamID: "T1", TeamDomain: "acme", ChannelID: "C1", ChannelName: "hiring", UserID: "U2", UserName: "alice",
					Command: "/jobdesc", Text: "account-manager", APIAppID: "A1", ResponseURL: "http://x/commands/1", TriggerID: "111.222"}
				if got, ok := r.data.(slack.SlashCommand); !ok || got != want {
					t.Errorf("got %#v, want %#v", r.data, want)
				}
			},
		},
		{
			name: "view submission",
			frame: `{"envelope_id":"e2","type":"interactive","payload":{"type":"view_submission","team":{"id":"T1","domain":"acme"},"user":{"id":"U2","name":"alice"},"api_app_id":"A1","trigger_id":"1.2",
				"view":{"id":"V1","team_id":"T1","type":"modal","callback_id":"cb","private_metadata":"{\"c\":\"C1\"}","hash":"h1","root_view_id":"V1",
				"blocks":[{"type":"header","text":{"type":"plain_text","text":"The role"}},{"type":"input","block_id":"company","label":{"type":"plain_text","text":"Company"},"element":{"type":"plain_text_input","action_id":"company"}},{"type":"divider"},{"type":"input","block_id":"level","element":{"type":"static_select","action_id":"level","options":[{"text":{"type":"plain_text","text":"Mid"},"value":"mid"}]}}],
				"state":{"values":{"company":{"company":{"type":"plain_text_input","value":"Acme <&>"}},"level":{"level":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"Mid"},"value":"mid"}}},"serves":{"serves":{"type":"checkboxes","selected_options":[{"value":"clients"},{"value":"partners"}]}},"bio":{"bio":{"type":"plain_text_input","value":null}}}}},
				"response_urls":[]}}`,
			check: func(t *testing.T, r request) {
				cb, ok := r.data.(*slack.InteractionCallback)
				if !ok {
					t.Fatalf("got %T, want *slack.InteractionCallback", r.data)
				}
				if cb.Type != slack.InteractionTypeViewSubmission || cb.User.ID != "U2" || cb.Team.ID != "T1" || cb.TriggerID != "1.2" {
					t.Errorf("got type %q user %q team %q trigger %q", cb.Type, cb.User.ID, cb.Team.ID, cb.TriggerID)
				}
				v := cb.View
				if v.ID != "V1" || v.Hash != "h1" || v.CallbackID != "cb" || v.PrivateMetadata != `{"c":"C1"}` || v.RootViewID != "V1" {
					t.Errorf("got view %+v", v)
				}
				if got, want := strings.Join(r.inputs, ","), "company,level"; got != want {
					t.Errorf("inputs %s, want %s (in the view's order)", got, want)
				}
				if len(v.Blocks.BlockSet) != 0 {
					t.Errorf("got %d blocks, want none (the echo is not decoded)", len(v.Blocks.BlockSet))
				}
				role := &templates.Role{Fields: []templates.Field{
					{ID: "company", Kind: templates.ShortText}, {ID: "level", Kind: templates.SingleChoice},
					{ID: "serves", Kind: templates.MultiChoice}, {ID: "bio", Kind: templates.LongText},
				}}
				got := submittedValues(role, r.form)
				want := templates.Values{"company": "Acme <&>", "level": "mid", "serves": "clients,partners", "bio": ""}
				for k, w := range want {
					if got[k] != w {
						t.Errorf("value %s = %q, want %q", k, got[k], w)
					}
				}
			},
		},
		{
			name:  "button click",
			frame: `{"envelope_id":"e3","type":"interactive","payload":{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U3"},"trigger_id":"3.4","container":{"type":"message","message_ts":"17.1","channel_id":"C1"},"channel":{"id":"C1","name":"hiring"},"message":{"ts":"17.1","blocks":[{"type":"divider"}]},"actions":[{"action_id":"draft.edit","block_id":"draft.actions","value":"AM-1","type":"button","action_ts":"1"}]}}`,
			check: func(t *testing.T, r request) {
				cb := r.data.(*slack.InteractionCallback)
				if cb.Type != slack.InteractionTypeBlockActions || cb.Channel.ID != "C1" || cb.Container.MessageTs != "17.1" || cb.TriggerID != "3.4" {
					t.Errorf("got %q channel %q container %+v", cb.Type, cb.Channel.ID, cb.Container)
				}
				if as := cb.ActionCallback.BlockActions; len(as) != 1 || as[0].ActionID != "draft.edit" || as[0].Value != "AM-1" || as[0].BlockID != "draft.actions" {
					t.Errorf("got actions %+v", as)
				}
			},
		},
		{
			name:  "reaction",
			frame: `{"envelope_id":"e5","type":"events_api","accepts_response_payload":false,"retry_attempt":1,"retry_reason":"timeout","payload":{"team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1700000001,"event":{"type":"reaction_added","user":"U3","reaction":"white_check_mark","item_user":"UBOT","item":{"type":"message","channel":"C1","ts":"17.1"},"event_ts":"1700000001.000200"}}}`,
			check: func(t *testing.T, r request) {
				ev, ok := r.data.(slackevents.EventsAPIEvent)
				if !ok {
					t.Fatalf("got %T, want slackevents.EventsAPIEvent", r.data)
				}
				cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
				ra, _ := ev.InnerEvent.Data.(*slackevents.ReactionAddedEvent)
				if ev.TeamID != "T1" || cb == nil || cb.EventID != "Ev1" || ra == nil || ra.Reaction != "white_check_mark" || ra.Item.Timestamp != "17.1" {
					t.Errorf("got %+v / %+v / %+v", ev, cb, ra)
				}
			},
		},
		{name: "unknown envelope type", frame: `{"envelope_id":"e6","type":"shortcut","payload":{}}`, wantErr: `unknown envelope type "shortcut"`},
		{name: "slash command without a command", frame: `{"envelope_id":"e7","type":"slash_commands","payload":{"text":"x"}}`, wantErr: "without a command"},
		{name: "interaction without a type", frame: `{"envelope_id":"e8","type":"interactive","payload":{"user":{"id":"U1"}}}`, wantErr: "without a type"},
		{name: "event slack-go does not know", frame: `{"envelope_id":"e9","type":"events_api","payload":{"type":"event_callback","event_id":"Ev2","event":{"type":"no_such_event"}}}`, wantErr: "decode events api event"},
	}
	for _, tt := range tests {
		// Each frame is read as the bot reads it (its view's blocks cut
		// out by the scanner) and whole, by encoding/json alone.
		for _, decode := range []struct {
			name string
			f    func([]byte) (*frame, error)
		}{{"scanned", decodeFrame}, {"whole", decodeWholeFrame}} {
			t.Run(tt.name+"/"+decode.name, func(t *testing.T) {
				data := []byte(tt.frame)
				f, err := decode.f(data)
				if err != nil {
					t.Fatalf("frame: %v", err)
				}
				r, err := decodeRequest(f, data)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, r)
			})
		}
	}
}

func TestFrameFieldsOfTheEnvelope(t *testing.T) {
	var f frame
	if err := json.Unmarshal([]byte(`{"envelope_id":"e5","type":"events_api","accepts_response_payload":true,"retry_attempt":2,"retry_reason":"timeout","payload":{}}`), &f); err != nil {
		t.Fatal(err)
	}
	if f.EnvelopeID != "e5" || f.Type != envelopeEventsAPI || !f.AcceptsResponsePayload || f.RetryAttempt != 2 || f.RetryReason != "timeout" {
		t.Errorf("got %+v", f)
	}
	if err := json.Unmarshal([]byte(`{"type":"disconnect","reason":"refresh_requested"}`), &f); err != nil || f.Reason != "refresh_requested" {
		t.Errorf("disconnect reason %q, err %v", f.Reason, err)
	}
}

func TestAckRefusesWhatSlackWouldDrop(t *testing.T) {
	c := &wsConn{} // no socket: an oversized ack must fail before writing
	err := c.ack("e1", map[string]string{"text": strings.Repeat("x", maxAckSize)})
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("got %v, want an error about Slack's limit", err)
	}
}

func TestTokenRejected(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{slack.SlackErrorResponse{Err: "invalid_auth"}, true},
		{slack.SlackErrorResponse{Err: "token_revoked"}, true},
		{slack.SlackErrorResponse{Err: "missing_scope"}, false},
		{slack.StatusCodeError{Code: 404, Status: "404 Not Found"}, true},
		{slack.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}, false},
		{errors.New("connection refused"), false},
	}
	for _, tt := range tests {
		if got := tokenRejected(tt.err); got != tt.want {
			t.Errorf("tokenRejected(%v) = %t, want %t", tt.err, got, tt.want)
		}
	}
}

// TestSilentConnectionIsReplaced: a connection Slack stops pinging is dead
// (a half-open TCP connection looks just like an idle one): the bot opens a
// new one once PingInterval passes without a ping.
func TestSilentConnectionIsReplaced(t *testing.T) {
	fs, logs := startBotWith(t, openTroubledStore(t), Config{PingInterval: 300 * time.Millisecond, Connections: 1},
		fakeslack.Options{PingInterval: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fs.WaitConnected(ctx, 2); err != nil {
		t.Fatalf("no new connection after the pings stopped: %v", err)
	}
	if err := fs.WaitUntil(ctx, func() bool { return strings.Contains(logs.String(), "no ping from slack") }); err != nil {
		t.Errorf("the log does not say why the connection was replaced: %v", err)
	}
}

// TestConnectedIsLoggedOnce: hellos on several connections arrive
// together; the bot says it is connected once, whichever comes first.
func TestConnectedIsLoggedOnce(t *testing.T) {
	fs, logs := startBotWith(t, openTroubledStore(t), Config{Connections: 4}, fakeslack.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fs.WaitConnected(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if err := fs.WaitUntil(ctx, func() bool { return strings.Contains(logs.String(), "connected to Slack") }); err != nil {
		t.Fatalf("no 'connected to Slack' line: %v\n%s", err, logs.String())
	}
	if n := strings.Count(logs.String(), "connected to Slack"); n != 1 {
		t.Errorf("got %d 'connected to Slack' lines, want 1:\n%s", n, logs.String())
	}
}

// FuzzDecodeFrame holds the scanner to encoding/json: a frame encoding/json
// reads whole, decodeFrame reads the same (the same envelope, payload,
// input ids and form values).
func FuzzDecodeFrame(f *testing.F) {
	f.Add([]byte(`{"envelope_id":"e2","type":"interactive","payload":{"type":"view_submission","view":{"id":"V1","blocks":[{"type":"input","block_id":"a"},{"type":"section","text":{"type":"mrkdwn","text":"}]\""}}],"state":{"values":{"a":{"a":{"type":"plain_text_input","value":"x"}},"b":{"b":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"T"},"value":"t"}}},"c":{"c":{"type":"checkboxes","selected_options":[{"value":"1"},{"value":"2"}]}},"d":{"d":{"type":"plain_text_input","value":null}}}}}}}`))
	f.Add([]byte(`{"type":"interactive","payload":{"view":{"state":{"values":{}},"blocks":[]}},"envelope_id":"e"}`))
	f.Add([]byte(`{"envelope_id":"e1","type":"slash_commands","payload":{"command":"/jobdesc","text":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, err := decodeWholeFrame(data)
		if err != nil {
			return
		}
		got, err := decodeFrame(data)
		if err != nil {
			t.Fatalf("decodeFrame: %v; encoding/json reads it", err)
		}
		if len(got.inputs) == 0 && len(want.inputs) == 0 {
			got.inputs, want.inputs = nil, nil
		}
		sortForm := func(f formState) formState {
			f = slices.Clone(f)
			slices.SortFunc(f, func(a, b formInput) int { return strings.Compare(a.Block+"\x00"+a.Action, b.Block+"\x00"+b.Action) })
			return f
		}
		got.form, want.form = sortForm(got.form), sortForm(want.form)
		if len(got.form) == 0 && len(want.form) == 0 {
			got.form, want.form = nil, nil
		}
		// The scanner's frame has no blocks or state left to decode.
		got.Payload.View.Blocks, want.Payload.View.Blocks = nil, nil
		got.Payload.View.State, want.Payload.View.State = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("decodeFrame(%q)\n got %+v\nwant %+v", data, got, want)
		}
	})
}

// TestReactionEventsReadOnce: a reaction read with its envelope is what
// slackevents would make of it, in every field the bot reads.
func TestReactionEventsReadOnce(t *testing.T) {
	frames := map[string]string{
		"added":            `{"envelope_id":"e5","type":"events_api","payload":{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1700000001,"authorizations":[{"team_id":"T1","user_id":"UBOT","is_bot":true}],"event":{"type":"reaction_added","user":"U3","reaction":"white_check_mark","item_user":"UBOT","item":{"type":"message","channel":"C1","ts":"17.1"},"event_ts":"1700000001.000200"}}}`,
		"removed":          `{"envelope_id":"e6","type":"events_api","payload":{"team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev2","event_time":1700000002,"event":{"type":"reaction_removed","user":"U3","reaction":"x","item":{"type":"message","channel":"C1","ts":"17.1"},"event_ts":"1700000002.000100"}}}`,
		"on a file":        `{"envelope_id":"e7","type":"events_api","payload":{"team_id":"T1","type":"event_callback","event_id":"Ev3","event":{"type":"reaction_added","user":"U3","reaction":"x","item":{"type":"file","file":"F1"},"event_ts":"1.2"}}}`,
		"not a reaction":   `{"envelope_id":"e8","type":"events_api","payload":{"team_id":"T1","type":"event_callback","event_id":"Ev4","event":{"type":"app_home_opened","user":"U3","channel":"D1","tab":"home"}}}`,
		"url_verification": `{"envelope_id":"e9","type":"events_api","payload":{"type":"url_verification","challenge":"c"}}`,
	}
	for name, raw := range frames {
		t.Run(name, func(t *testing.T) {
			data := []byte(raw)
			f, err := decodeFrame(data)
			if err != nil {
				t.Fatal(err)
			}
			var env struct {
				Payload json.RawMessage `json:"payload"`
			}
			if err := json.Unmarshal(data, &env); err != nil {
				t.Fatal(err)
			}
			want, werr := slackevents.ParseEvent(env.Payload, slackevents.OptionNoVerifyToken())
			r, err := decodeRequest(f, data)
			if werr != nil {
				// (slack-go reads a reaction to a file, whose item.file
				// is a string, as an error: so does the bot.)
				if err == nil {
					t.Errorf("got %+v, want slackevents' error %v", r.data, werr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := r.data.(slackevents.EventsAPIEvent)
			if got.TeamID != want.TeamID || got.Type != want.Type || got.APIAppID != want.APIAppID || got.InnerEvent.Type != want.InnerEvent.Type {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if !reflect.DeepEqual(got.InnerEvent.Data, want.InnerEvent.Data) {
				t.Errorf("inner event: got %#v, want %#v", got.InnerEvent.Data, want.InnerEvent.Data)
			}
			gcb, _ := got.Data.(*slackevents.EventsAPICallbackEvent)
			wcb, _ := want.Data.(*slackevents.EventsAPICallbackEvent)
			if (gcb == nil) != (wcb == nil) || gcb != nil && (gcb.EventID != wcb.EventID || gcb.EventTime != wcb.EventTime || gcb.TeamID != wcb.TeamID) {
				t.Errorf("callback: got %+v, want %+v", gcb, wcb)
			}
		})
	}
}
