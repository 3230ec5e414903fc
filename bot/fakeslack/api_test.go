package fakeslack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// rawPost sends a raw Web API request and returns the decoded answer.
func rawPost(t *testing.T, ctx context.Context, s *Server, method, contentType, auth string, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.APIURL()+method, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post %s: %v", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post %s: status %d, want 200", method, resp.StatusCode)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer %s is not JSON: %v", b, err)
	}
	return out
}

func TestTokenRules(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"bot token on a bot method", func() error { _, err := newAPI(s, s.BotToken()).AuthTestContext(ctx); return err }, ""},
		{"missing token", func() error { _, err := newAPI(s, "").AuthTestContext(ctx); return err }, "not_authed"},
		{"unknown token", func() error { _, err := newAPI(s, "xoxb-1-wrong").AuthTestContext(ctx); return err }, "invalid_auth"},
		{"app token on a bot method", func() error { _, err := newAPI(s, s.AppToken()).AuthTestContext(ctx); return err }, "not_allowed_token_type"},
		{"app token on apps.connections.open", func() error {
			_, _, err := newAPI(s, s.BotToken()).StartSocketModeContext(ctx)
			return err
		}, ""},
		{"bot token on apps.connections.open", func() error {
			_, _, err := newAPI(s, s.BotToken(), slack.OptionAppLevelToken(s.BotToken())).StartSocketModeContext(ctx)
			return err
		}, "not_allowed_token_type"},
		{"missing app token", func() error {
			_, _, err := newAPI(s, s.BotToken(), slack.OptionAppLevelToken("")).StartSocketModeContext(ctx)
			return err
		}, "not_authed"},
		{"bearer bot token on a JSON method", func() error {
			_, err := newAPI(s, s.BotToken()).PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: UserAlice, View: homeView("x")})
			return err
		}, ""},
		{"bearer unknown token on a JSON method", func() error {
			_, err := newAPI(s, "xoxb-nope").PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: UserAlice, View: homeView("x")})
			return err
		}, "invalid_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackErr(tt.call()); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("tokens never reach the transcript", func(t *testing.T) {
		out := s.String()
		for _, tok := range []string{s.BotToken(), s.AppToken()} {
			if strings.Contains(out, tok) {
				t.Errorf("transcript contains a token")
			}
		}
		for _, c := range s.Calls("") {
			if _, ok := c.Params["token"]; ok || bytes.Contains(c.Body, []byte("xoxb-")) {
				t.Errorf("call %s kept the token in its params or body", c.Method)
			}
		}
	})
}

func homeView(text string) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
	}}}
}

func TestUnknownMethod(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	_, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: ChannelHiring, Timestamp: "1.2"})
	if got, want := slackErr(err), "unknown_method"; got != want {
		t.Errorf("conversations.replies error = %q, want %q", got, want)
	}
	if got := s.UnknownMethods(); len(got) != 1 || got[0] != "conversations.replies" {
		t.Errorf("UnknownMethods() = %q, want [conversations.replies]", got)
	}
	if got := s.Problems(); len(got) != 1 || !strings.Contains(got[0], "conversations.replies") {
		t.Errorf("Problems() = %q, want one naming conversations.replies", got)
	}
}

func TestRawRequests(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	tests := []struct {
		name, method, ctype, auth, body, wantErr string
	}{
		{"form token", "auth.test", "application/x-www-form-urlencoded", "", "token=" + url.QueryEscape(s.BotToken()), ""},
		{"bearer with form", "auth.test", "application/x-www-form-urlencoded", s.BotToken(), "", ""},
		{"JSON body", "chat.postMessage", "application/json", s.BotToken(), `{"channel":"C0HIRING","text":"hi","blocks":[{"type":"divider"}]}`, ""},
		{"malformed JSON", "chat.postMessage", "application/json", s.BotToken(), `{"channel":`, "invalid_json"},
		{"blocks not JSON", "chat.postMessage", "application/x-www-form-urlencoded", s.BotToken(), "channel=C0HIRING&text=x&blocks=%5Bnope", "invalid_blocks_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := rawPost(t, ctx, s, tt.method, tt.ctype, tt.auth, tt.body)
			gotErr, _ := out["error"].(string)
			if gotErr != tt.wantErr || (tt.wantErr == "") != (out["ok"] == true) {
				t.Errorf("answer = %v, want ok=%v error %q", out, tt.wantErr == "", tt.wantErr)
			}
		})
	}
	c, err := s.WaitForCall(ctx, "chat.postMessage", func(c Call) bool { return c.OK })
	if err != nil {
		t.Fatalf("WaitForCall: %v", err)
	}
	if got, want := c.Params["blocks"], `[{"type":"divider"}]`; got != want {
		t.Errorf("JSON params[blocks] = %q, want the raw JSON %q", got, want)
	}
	if got, want := c.Params["channel"], ChannelHiring; got != want {
		t.Errorf("JSON params[channel] = %q, want the unquoted %q", got, want)
	}
}

func TestChatMethods(t *testing.T) {
	s := newServer(t, Options{NoBotEcho: true})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	text := slack.MsgOptionText("Account Manager draft", false)

	ch, ts1, err := api.PostMessageContext(ctx, ChannelHiring, text,
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Draft*", false, false), nil, nil)))
	if err != nil || ch != ChannelHiring || ts1 == "" {
		t.Fatalf("PostMessage = %q %q %v, want hiring, a ts, no error", ch, ts1, err)
	}
	_, ts2, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts1))
	if err != nil {
		t.Fatalf("PostMessage reply: %v", err)
	}
	if ts2 <= ts1 {
		t.Errorf("reply ts %q is not after %q", ts2, ts1)
	}
	if r := s.Replies(ChannelHiring, ts1); len(r) != 1 || r[0].TS != ts2 || r[0].ThreadTS != ts1 {
		t.Errorf("Replies = %+v, want the reply in the thread", r)
	}

	t.Run("postMessage errors", func(t *testing.T) {
		tests := []struct {
			name    string
			channel string
			opts    []slack.MsgOption
			want    string
		}{
			{"bot not in channel", ChannelOutside, []slack.MsgOption{text}, "not_in_channel"},
			{"archived channel", ChannelArchived, []slack.MsgOption{text}, "is_archived"},
			{"unknown channel", "C0NOPE", []slack.MsgOption{text}, "channel_not_found"},
			{"no text and no blocks", ChannelHiring, nil, "no_text"},
			{"text too long", ChannelHiring, []slack.MsgOption{slack.MsgOptionText(strings.Repeat("x", MaxMessageText+1), false)}, "msg_too_long"},
			{"direct message to a user", UserBob, []slack.MsgOption{text}, ""},
			{"channel by name", "#hiring", []slack.MsgOption{text}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := api.PostMessageContext(ctx, tt.channel, tt.opts...)
				if got := slackErr(err); got != tt.want {
					t.Errorf("error = %q, want %q", got, tt.want)
				}
			})
		}
	})

	t.Run("update keeps blocks", func(t *testing.T) {
		_, _, _, err := api.UpdateMessageContext(ctx, ChannelHiring, ts1, slack.MsgOptionText("Approved", false))
		if err != nil {
			t.Fatalf("UpdateMessage: %v", err)
		}
		m, ok := s.Message(ChannelHiring, ts1)
		if !ok || m.Text != "Approved" || !m.Edited || !strings.Contains(string(m.Blocks), "*Draft*") {
			t.Errorf("updated message = %+v, want text Approved, edited, old blocks kept", m)
		}
	})
	t.Run("update errors", func(t *testing.T) {
		um, err := s.PostUserMessage(ChannelHiring, UserAlice, "hello")
		if err != nil {
			t.Fatalf("PostUserMessage: %v", err)
		}
		for _, tt := range []struct{ name, ts, want string }{
			{"unknown ts", "1.000001", "message_not_found"},
			{"someone else's message", um.TS, "cant_update_message"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, _, _, err := api.UpdateMessageContext(ctx, ChannelHiring, tt.ts, text)
				if got := slackErr(err); got != tt.want {
					t.Errorf("error = %q, want %q", got, tt.want)
				}
			})
		}
	})

	t.Run("ephemeral", func(t *testing.T) {
		ts, err := api.PostEphemeralContext(ctx, ChannelHiring, UserAlice, slack.MsgOptionText("only you", false))
		if err != nil || ts == "" {
			t.Fatalf("PostEphemeral = %q, %v, want a message_ts", ts, err)
		}
		e := s.Ephemerals(ChannelHiring, UserAlice)
		if len(e) != 1 || e[0].TS != ts || e[0].Text != "only you" {
			t.Errorf("Ephemerals = %+v, want the message", e)
		}
		if _, ok := s.Message(ChannelHiring, ts); ok {
			t.Errorf("Message(%s) found an ephemeral message, want it hidden from the channel", ts)
		}
		if _, err := api.PostEphemeralContext(ctx, ChannelHiring, "U0NOBODY", text); slackErr(err) != "user_not_found" {
			t.Errorf("ephemeral to an unknown user: %v, want user_not_found", err)
		}
	})

	t.Run("permalink", func(t *testing.T) {
		link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: ChannelHiring, Ts: ts1})
		if err != nil {
			t.Fatalf("GetPermalink: %v", err)
		}
		if want := "https://acme.slack.com/archives/C0HIRING/p" + strings.ReplaceAll(ts1, ".", ""); link != want {
			t.Errorf("permalink = %q, want %q", link, want)
		}
		if _, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: ChannelHiring, Ts: "1.1"}); slackErr(err) != "message_not_found" {
			t.Errorf("permalink of unknown ts: %v, want message_not_found", err)
		}
	})

	t.Run("reactions", func(t *testing.T) {
		ref := slack.NewRefToMessage(ChannelHiring, ts1)
		if err := api.AddReactionContext(ctx, "eyes", ref); err != nil {
			t.Fatalf("AddReaction: %v", err)
		}
		if err := api.AddReactionContext(ctx, "eyes", ref); slackErr(err) != "already_reacted" {
			t.Errorf("second AddReaction: %v, want already_reacted", err)
		}
		if m, _ := s.Message(ChannelHiring, ts1); len(m.Reactions["eyes"]) != 1 || m.Reactions["eyes"][0] != BotUserID {
			t.Errorf("reactions = %v, want eyes by the bot", m.Reactions)
		}
		if err := api.RemoveReactionContext(ctx, "eyes", ref); err != nil {
			t.Errorf("RemoveReaction: %v", err)
		}
		if err := api.RemoveReactionContext(ctx, "eyes", ref); slackErr(err) != "no_reaction" {
			t.Errorf("second RemoveReaction: %v, want no_reaction", err)
		}
		if err := api.AddReactionContext(ctx, "eyes", slack.NewRefToMessage(ChannelHiring, "1.2")); slackErr(err) != "message_not_found" {
			t.Errorf("reaction on unknown message: %v, want message_not_found", err)
		}
		if d := s.Deliveries(); len(d) != 0 {
			t.Errorf("with NoBotEcho %d envelopes were sent, want none", len(d))
		}
	})

	t.Run("users.info", func(t *testing.T) {
		u, err := api.GetUserInfoContext(ctx, UserAlice)
		if err != nil {
			t.Fatalf("GetUserInfo: %v", err)
		}
		if u.Name != "alice" || u.RealName != "Alice Archer" || u.TZ != "Europe/London" || u.Profile.DisplayName != "alice" {
			t.Errorf("user = %q %q %q %q, want alice, Alice Archer, Europe/London", u.Name, u.RealName, u.TZ, u.Profile.DisplayName)
		}
		if _, err := api.GetUserInfoContext(ctx, "U0NOBODY"); slackErr(err) != "user_not_found" {
			t.Errorf("unknown user: %v, want user_not_found", err)
		}
	})

	t.Run("conversations.info", func(t *testing.T) {
		for _, tt := range []struct {
			id               string
			member, archived bool
		}{{ChannelHiring, true, false}, {ChannelOutside, false, false}, {ChannelArchived, true, true}} {
			c, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: tt.id})
			if err != nil {
				t.Fatalf("GetConversationInfo(%s): %v", tt.id, err)
			}
			if c.ID != tt.id || c.IsMember != tt.member || c.IsArchived != tt.archived {
				t.Errorf("%s: is_member %v is_archived %v, want %v %v", tt.id, c.IsMember, c.IsArchived, tt.member, tt.archived)
			}
		}
		im, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: dmChannelID(UserBob)})
		if err != nil || !im.IsIM || im.User != UserBob {
			t.Errorf("direct-message channel info = %+v, %v, want bob's IM", im, err)
		}
		if _, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: "C0NOPE"}); slackErr(err) != "channel_not_found" {
			t.Errorf("unknown channel: %v, want channel_not_found", err)
		}
	})
}

func TestBotReactionIsEchoed(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	_, ts, err := c.api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("draft", false))
	if err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	if err := c.api.AddReactionContext(ctx, "white_check_mark", slack.NewRefToMessage(ChannelHiring, ts)); err != nil {
		t.Fatalf("AddReaction: %v", err)
	}
	evt := c.next(t, ctx, socketmode.EventTypeEventsAPI)
	c.ack(t, evt)
	if got := string(evt.Request.Payload); !strings.Contains(got, `"user":"U0BOT"`) || !strings.Contains(got, `"reaction_added"`) {
		t.Errorf("payload = %s, want reaction_added by U0BOT", got)
	}
}

func TestFaults(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	post := func() error {
		_, _, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("x", false))
		return err
	}

	t.Run("429 becomes RateLimitedError", func(t *testing.T) {
		s.Inject("chat.postMessage", Fault{Status: http.StatusTooManyRequests, RetryAfter: 2})
		err := post()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
			t.Fatalf("error = %v, want *slack.RateLimitedError retrying after 2s", err)
		}
		if err := post(); err != nil {
			t.Errorf("call after the fault: %v, want success", err)
		}
	})
	t.Run("503 becomes StatusCodeError", func(t *testing.T) {
		s.Inject("chat.postMessage", Fault{Status: http.StatusServiceUnavailable})
		var sc slack.StatusCodeError
		if err := post(); !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
			t.Errorf("error = %v, want StatusCodeError 503", err)
		}
	})
	t.Run("ok false error, twice", func(t *testing.T) {
		s.Inject("chat.postMessage", Fault{Error: "channel_not_found", Times: 2})
		for i := range 2 {
			if got := slackErr(post()); got != "channel_not_found" {
				t.Errorf("call %d error = %q, want channel_not_found", i, got)
			}
		}
		if err := post(); err != nil {
			t.Errorf("third call: %v, want success", err)
		}
	})
	t.Run("any method", func(t *testing.T) {
		s.Inject("*", Fault{Error: "fatal_error"})
		if _, err := api.AuthTestContext(ctx); slackErr(err) != "fatal_error" {
			t.Errorf("auth.test error = %v, want fatal_error", err)
		}
	})
	t.Run("slow answer honours the client's deadline", func(t *testing.T) {
		s.Inject("auth.test", Fault{Delay: time.Hour})
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if _, err := api.AuthTestContext(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want context.DeadlineExceeded", err)
		}
		s.ClearFaults()
	})
	t.Run("faults are recorded", func(t *testing.T) {
		var n int
		for _, c := range s.Calls("chat.postMessage") {
			if c.Fault {
				n++
			}
		}
		if n != 4 {
			t.Errorf("%d faulted chat.postMessage calls recorded, want 4", n)
		}
	})
	t.Run("forever until cleared", func(t *testing.T) {
		s.Inject("auth.test", Fault{Error: "team_access_not_granted", Times: -1})
		for range 3 {
			if _, err := api.AuthTestContext(ctx); slackErr(err) != "team_access_not_granted" {
				t.Fatalf("error = %v, want team_access_not_granted", err)
			}
		}
		s.ClearFaults()
		if _, err := api.AuthTestContext(ctx); err != nil {
			t.Errorf("after ClearFaults: %v, want success", err)
		}
	})
}

func TestRateLimitedConnectRetries(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	s.Inject("apps.connections.open", Fault{Status: http.StatusInternalServerError})
	connect(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("WaitConnected after a 500 on apps.connections.open: %v", err)
	}
	if got := len(s.Calls("apps.connections.open")); got != 2 {
		t.Errorf("apps.connections.open called %d times, want 2", got)
	}
}
