package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestSlashPayload(t *testing.T) {
	for _, p := range []slashPayload{
		{channelID: ChannelHiring, channelName: "hiring", userID: UserAlice, userName: "alice", command: "/jobdesc", text: "account-manager", responseURL: "http://127.0.0.1:1/response/T0TEAM/x", triggerID: "1.2.abc"},
		{channelID: "DALICE", channelName: "directmessage", userID: UserAlice, userName: "alice", command: "/jobdesc", text: `<@U0BOB> & "x" é` + "\u2028\n"},
		{},
	} {
		t.Run(p.text, func(t *testing.T) {
			want := encodeJSON(map[string]any{
				"token": VerificationToken, "team_id": TeamID, "team_domain": TeamDomain,
				"channel_id": p.channelID, "channel_name": p.channelName, "user_id": p.userID, "user_name": p.userName,
				"command": p.command, "text": p.text, "api_app_id": AppID, "is_enterprise_install": "false",
				"response_url": p.responseURL, "trigger_id": p.triggerID,
			})
			if got := encodeJSON(p); !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestEnvelopeFrame(t *testing.T) {
	payload := map[string]any{"type": "event_callback", "event": map[string]any{"type": "reaction_added"}}
	encoded := encodeJSON(payload)
	for _, tt := range []struct {
		name string
		env  outEnvelope
	}{
		{"map payload", outEnvelope{typ: "interactive", payload: payload, accepts: true}},
		{"raw payload", outEnvelope{typ: "interactive", raw: encoded, accepts: true}},
		{"appender payload", outEnvelope{typ: "slash_commands", payload: slashPayload{text: "<x>"}, accepts: true}},
		{"events_api", outEnvelope{typ: "events_api", payload: payload, retryAttempt: 2, retryReason: "timeout"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			frame, start, end := envelopeFrame("e-1", tt.env)
			var p any = tt.env.payload
			if tt.env.raw != nil {
				p = tt.env.raw
			}
			want := map[string]any{"envelope_id": "e-1", "type": tt.env.typ, "accepts_response_payload": tt.env.accepts, "payload": p}
			if tt.env.typ == "events_api" {
				want["retry_attempt"], want["retry_reason"] = tt.env.retryAttempt, tt.env.retryReason
			}
			w, err := json.Marshal(want)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !bytes.Equal(frame, w) {
				t.Errorf("frame %s\nwant  %s", frame, w)
			}
			if got, wantPayload := frame[start:end], encodeJSON(p); !bytes.Equal(got, wantPayload) {
				t.Errorf("payload at [%d:%d] = %s, want %s", start, end, got, wantPayload)
			}
		})
	}
}

func TestRandomIDs(t *testing.T) {
	t.Run("uuid", func(t *testing.T) {
		re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`)
		seen := map[string]bool{}
		for range 100 {
			u := newUUID()
			if !re.MatchString(u) || seen[u] {
				t.Fatalf("newUUID() = %q (seen before: %v), want a new version 4 UUID", u, seen[u])
			}
			seen[u] = true
		}
	})
	t.Run("trigger", func(t *testing.T) {
		s := &Server{triggers: map[string]*trigger{}, opts: Options{Now: newClock().Now}}
		if id := s.newTriggerLocked(UserAlice, ""); !regexp.MustCompile(`^1000000001\.8000000007\.[0-9a-f]{32}$`).MatchString(id) {
			t.Errorf("newTriggerLocked() = %q, want 1000000001.8000000007.<32 hex digits>", id)
		}
	})
	t.Run("event_id", func(t *testing.T) {
		for _, n := range []int{0, 1, 9, 10, 99, 100, 12345, 9999999, 10000000, 12345678, 123456789} {
			id := eventIDOf(n)
			if want := fmt.Sprintf("Ev%08d", n); !strings.HasPrefix(id, want) || len(id) != len(want)+3 || !strings.ContainsAny(id[len(want):], upperNum) {
				t.Errorf("eventIDOf(%d) = %q, want %s and 3 of %s", n, id, want, upperNum)
			}
		}
	})
	for _, alphabet := range []string{digits, hexDigits, alnum, upperNum} {
		t.Run(alphabet, func(t *testing.T) {
			var all strings.Builder
			for n := range 200 {
				s := randomString(n%40, alphabet)
				if len(s) != n%40 {
					t.Fatalf("randomString(%d) = %q, want %d characters", n%40, s, n%40)
				}
				all.WriteString(s)
			}
			for _, c := range all.String() {
				if !strings.ContainsRune(alphabet, c) {
					t.Fatalf("randomString drew %q, not in %q", c, alphabet)
				}
			}
			for _, c := range alphabet { // 3900 draws: every character comes up
				if !strings.ContainsRune(all.String(), c) {
					t.Errorf("randomString never drew %q of %q", c, alphabet)
				}
			}
		})
	}
}

// TestPreparedFrame: a frame built ahead is sent as built, with its
// envelope_id written in, once; a second send of it copies the payload
// into a frame of its own.
func TestPreparedFrame(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	ctx := testContext(t)
	ws := rawSocket(t, s)
	payload := map[string]any{"type": "view_submission", "view": rawJSON(`{"id":"V1","state":{"values":{}}}`)}
	env := prepareFrame(outEnvelope{typ: "interactive", payloadType: "view_submission", payload: payload, accepts: true,
		summary: func() string { return "prepared" }})
	var sent []*Delivery
	for range 2 {
		d, err := s.send(ctx, env)
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		_, frame, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("read envelope: %v", err)
		}
		if !bytes.Equal(frame, d.Frame) {
			t.Errorf("wrote %s, want the delivery's frame %s", frame, d.Frame)
		}
		sent = append(sent, d)
	}
	for i, d := range sent {
		want, start, end := envelopeFrame(d.EnvelopeID, outEnvelope{typ: "interactive", payload: payload, accepts: true})
		if !bytes.Equal(d.Frame, want) || !bytes.Equal(d.Payload, want[start:end]) {
			t.Errorf("delivery %d frame %s payload %s, want %s", i, d.Frame, d.Payload, want)
		}
	}
	if sent[0].EnvelopeID == sent[1].EnvelopeID || &sent[0].Frame[0] == &sent[1].Frame[0] {
		t.Errorf("both sends share envelope_id %s or a frame, want their own", sent[0].EnvelopeID)
	}
}
