package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// wantParamsText renders a call's parameters as its transcript line shows
// them: sorted, each value cut at 60 bytes and quoted.
func wantParamsText(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := params[k]
		if len(v) > 60 {
			v = v[:60] + "…"
		}
		fmt.Fprintf(&b, " %s=%q", k, v)
	}
	return b.String()
}

// wantCallText is a call's transcript line: method, outcome, parameters
// and Slack's messages, one per line.
func wantCallText(c Call) string {
	out := c.Method
	if c.OK {
		out += " ok"
	} else {
		out += " error=" + c.Error
	}
	if c.Fault {
		out += " (injected)"
	}
	out += wantParamsText(c.Params)
	for _, m := range c.Messages {
		out += "\n      " + m
	}
	return out
}

// rawSocket opens a Socket Mode websocket to s without a client library
// and reads its hello, so a test controls every frame the app writes.
func rawSocket(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	ctx := testContext(t)
	_, link, err := newAPI(s, s.BotToken()).StartSocketModeContext(ctx)
	if err != nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, link, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	if err := ws.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatalf("set read deadline: %v", err)
	}
	if _, hello, err := ws.ReadMessage(); err != nil || !strings.Contains(string(hello), `"type":"hello"`) {
		t.Fatalf("read hello: %q, %v", hello, err)
	}
	if err := s.WaitConnected(ctx, 1); err != nil { // the connection is recorded
		t.Fatalf("WaitConnected: %v", err)
	}
	return ws
}

// writeFrame writes a text frame as the app, failing the test on error.
func writeFrame(t *testing.T, ws *websocket.Conn, frame string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatalf("write frame: %v", err)
	}
}

// readEnvelope reads the next envelope the fake wrote to ws.
func readEnvelope(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	if _, _, err := ws.ReadMessage(); err != nil {
		t.Fatalf("read envelope: %v", err)
	}
}

// TestTranscriptText holds every transcript line the fake writes for
// calls, envelopes and acks to its documented form, whatever the fake
// does to build it.
func TestTranscriptText(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	ctx := testContext(t)
	ws := rawSocket(t, s)
	api := newAPI(s, s.BotToken())

	// wantDelivery is the envelope line of d with the given summary, and
	// wantAck the ack line of d's ack.
	wantDelivery := func(d *Delivery, summary string) string {
		text := fmt.Sprintf("socket %d ← %s %s", d.Conn, d.Type, summary)
		if d.RetryAttempt > 0 {
			text += fmt.Sprintf(" (retry_attempt %d)", d.RetryAttempt)
		}
		return text + " envelope_id=" + d.EnvelopeID
	}
	wantAck := func(d *Delivery, late bool) string {
		t.Helper()
		a := waitAck(t, ctx, d)
		if a.Late != late {
			t.Fatalf("ack of %s late = %v, want %v", d.EnvelopeID, a.Late, late)
		}
		text := fmt.Sprintf("socket %d → ack %s (%s %s) after %v", d.Conn, d.EnvelopeID, d.Type, d.PayloadType, a.Latency.Round(time.Microsecond))
		if late {
			text += " LATE"
		}
		return text
	}
	slash := func(text string) *Delivery {
		t.Helper()
		d, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", text)
		if err != nil {
			t.Fatalf("SlashCommand: %v", err)
		}
		readEnvelope(t, ws)
		return d
	}
	var ts string

	for _, step := range []struct {
		name string
		// do runs the step and returns the lines of the entries it adds
		// that are not calls (calls are checked against Calls).
		do func(t *testing.T) []string
	}{
		{"slash command acked with a payload", func(t *testing.T) []string {
			d := slash(`say "hi" ünïcode`)
			writeFrame(t, ws, `{"envelope_id":"`+d.EnvelopeID+`","payload":{"text":"ok"}}`)
			return []string{wantDelivery(d, `/jobdesc "say \"hi\" ünïcode" by U0ALICE in C0HIRING`), wantAck(d, false)}
		}},
		{"ack without payload, then twice", func(t *testing.T) []string {
			d := slash("")
			ack := `{"envelope_id":"` + d.EnvelopeID + `"}`
			writeFrame(t, ws, ack)
			want := []string{wantDelivery(d, `/jobdesc "" by U0ALICE in C0HIRING`), wantAck(d, false)}
			writeFrame(t, ws, ack)
			if err := s.WaitUntil(ctx, func() bool { return len(s.Problems()) > 0 }); err != nil {
				t.Fatalf("waiting for the duplicate: %v", err)
			}
			return append(want, "duplicate ack")
		}},
		{"frames that are no acks", func(t *testing.T) []string {
			n := len(s.Problems())
			writeFrame(t, ws, `{"envelope_id":"nope"}`)
			writeFrame(t, ws, `not json`)
			if err := s.WaitUntil(ctx, func() bool { return len(s.Problems()) >= n+2 }); err != nil {
				t.Fatalf("waiting for the problems: %v", err)
			}
			return []string{"ack of unknown envelope", "socket 1: frame is not an ack"}
		}},
		{"web API calls", func(t *testing.T) []string {
			long := strings.Repeat("é", 40) + ` "quoted" \ and more`
			quoted, err := json.Marshal(long)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			body := `{"channel":"C0HIRING","text":` + string(quoted) + `,"blocks":[{"type":"section","text":{"type":"mrkdwn","text":""}}]}`
			if got := rawPost(t, ctx, s, "chat.postMessage", "application/json", s.BotToken(), body); got["error"] != "invalid_blocks" {
				t.Fatalf("chat.postMessage answered %v, want invalid_blocks", got)
			}
			form := url.Values{"channel": {ChannelHiring}, "text": {"draft\nline two"}, "unfurl_links": {"false"}}
			answer := rawPost(t, ctx, s, "chat.postMessage", "application/x-www-form-urlencoded", s.BotToken(), form.Encode())
			ts, _ = answer["ts"].(string)
			rawPost(t, ctx, s, "nope.method", "application/x-www-form-urlencoded", s.BotToken(), "a=b")
			rawPost(t, ctx, s, "auth.test", "application/x-www-form-urlencoded", "", "")
			s.Inject("chat.update", Fault{Error: "ratelimited"})
			rawPost(t, ctx, s, "chat.update", "application/x-www-form-urlencoded", s.BotToken(), "channel=C0HIRING&ts="+ts+"&text=x")
			s.Inject("chat.update", Fault{Status: http.StatusTooManyRequests})
			if _, _, _, err := api.UpdateMessageContext(ctx, ChannelHiring, ts, slack.MsgOptionText("y", false)); err == nil {
				t.Fatalf("chat.update with a 429 fault succeeded")
			}
			rawPost(t, ctx, s, "chat.update", "application/json; charset=utf-8", s.BotToken(), `{"channel":"C0HIRING","ts":"`+ts+`","text":"approved","metadata":{"event_type":"x","event_payload":{}}}`)
			return nil
		}},
		{"reaction, redelivered", func(t *testing.T) []string {
			d, err := s.React(ctx, UserBob, ChannelHiring, ts, ":eyes:")
			if err != nil {
				t.Fatalf("React: %v", err)
			}
			readEnvelope(t, ws)
			r, err := s.Redeliver(ctx, d)
			if err != nil {
				t.Fatalf("Redeliver: %v", err)
			}
			readEnvelope(t, ws)
			writeFrame(t, ws, `{"envelope_id":"`+r.EnvelopeID+`"}`)
			writeFrame(t, ws, `{"envelope_id":"`+d.EnvelopeID+`"}`)
			return []string{
				wantDelivery(d, "reaction_added :eyes: by U0BOB on C0HIRING/"+ts),
				wantDelivery(r, "reaction_added (redelivery)"),
				wantAck(r, false),
				wantAck(d, false),
			}
		}},
		{"late ack", func(t *testing.T) []string {
			s.SetAckDeadline(time.Nanosecond)
			defer s.SetAckDeadline(0)
			d := slash("late")
			if err := s.WaitUntil(ctx, func() bool { return strings.Contains(strings.Join(s.Problems(), "\n"), d.EnvelopeID) }); err != nil {
				t.Fatalf("waiting for the timeout: %v", err)
			}
			writeFrame(t, ws, `{"envelope_id":"`+d.EnvelopeID+`","payload":null}`)
			return []string{
				wantDelivery(d, `/jobdesc "late" by U0ALICE in C0HIRING`),
				"no ack for slash_commands /jobdesc within 1ns",
				wantAck(d, true),
			}
		}},
	} {
		t.Run(step.name, func(t *testing.T) {
			mark := s.Mark()
			want := step.do(t)
			entries := s.Transcript()[mark:]
			calls := map[int]Call{}
			for _, c := range s.Calls("") {
				calls[c.Seq] = c
			}
			var got []string
			for _, e := range entries {
				if e.Kind != KindCall {
					got = append(got, e.Text)
					continue
				}
				c, ok := calls[e.Seq]
				if !ok {
					t.Errorf("call entry %d %q has no call", e.Seq, e.Text)
				}
				if w := wantCallText(c); e.Text != w {
					t.Errorf("call entry %d = %q, want %q", e.Seq, e.Text, w)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("entries other than calls =\n%q\nwant\n%q", got, want)
			}
		})
	}
	if n := len(s.Calls("")); n < 8 {
		t.Errorf("%d calls recorded, want at least 8", n)
	}
	var b strings.Builder
	if err := s.WriteTranscript(&b); err != nil {
		t.Fatalf("WriteTranscript: %v", err)
	}
	for _, e := range s.Transcript() {
		if !strings.Contains(b.String(), e.Text) {
			t.Errorf("WriteTranscript lacks %q", e.Text)
		}
	}
}
