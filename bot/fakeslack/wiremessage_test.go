package fakeslack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// mapWire is a message as Slack's API shows it, built as a map the way
// the fake built it before appendWire: the oracle appendWire is held to.
func mapWire(m *message, withMeta bool) map[string]any {
	out := map[string]any{
		"type": "message",
		"text": m.Text,
		"ts":   m.TS,
		"team": TeamID,
	}
	if m.User != "" {
		out["user"] = m.User
	}
	if m.BotID != "" {
		out["bot_id"] = m.BotID
		out["app_id"] = AppID
		out["bot_profile"] = map[string]any{"id": m.BotID, "app_id": AppID, "name": BotUserName, "team_id": TeamID, "deleted": false}
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = rawJSON(m.Blocks)
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Edited {
		out["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	if len(m.reactionOrder) > 0 {
		var rs []map[string]any
		for _, name := range m.reactionOrder {
			users := m.Reactions[name]
			rs = append(rs, map[string]any{"name": name, "users": users, "count": len(users)})
		}
		out["reactions"] = rs
	}
	if withMeta && len(m.Metadata) > 0 {
		out["metadata"] = rawJSON(m.Metadata)
	}
	return out
}

func TestAppendWireMatchesMap(t *testing.T) {
	reacted := &message{Message: Message{Channel: ChannelHiring, TS: "1700000000.000200", User: BotUserID, BotID: BotID, Text: "draft"}}
	reacted.Reactions = map[string][]string{}
	reacted.addReaction("white_check_mark", UserAlice)
	reacted.addReaction("eyes", UserBob)
	reacted.addReaction("white_check_mark", UserBob)
	tests := []struct {
		name string
		m    *message
	}{
		{"user message", &message{Message: Message{Channel: ChannelHiring, TS: "1700000000.000100", User: UserAlice, Text: "hi <@U0BOB> & \"you\""}}},
		{"no user", &message{Message: Message{Channel: ChannelHiring, TS: "1.2", Text: ""}}},
		{"bot message with blocks and metadata", &message{Message: Message{
			Channel: ChannelHiring, TS: "1700000000.000300", User: BotUserID, BotID: BotID, Text: "Account Manager ✅",
			Blocks:   json.RawMessage(`[{"block_id":"a","text":{"text":"x","type":"mrkdwn"},"type":"section"}]`),
			Metadata: json.RawMessage(`{"event_type":"jobdesc_review","event_payload":{"draft":"AM-1"}}`),
		}}},
		{"thread reply, edited", &message{Message: Message{Channel: ChannelHiring, TS: "1700000000.000400", ThreadTS: "1700000000.000300", User: BotUserID, BotID: BotID, Text: "t", Edited: true}}},
		{"edited without user", &message{Message: Message{Channel: ChannelHiring, TS: "1700000000.000500", Text: "t", Edited: true}}},
		{"reactions", reacted},
	}
	for _, tt := range tests {
		for _, withMeta := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/metadata %v", tt.name, withMeta), func(t *testing.T) {
				want := encodeJSON(mapWire(tt.m, withMeta))
				if got := tt.m.appendWire([]byte("x"), withMeta); !bytes.Equal(got[1:], want) || got[0] != 'x' {
					t.Errorf("appendWire(withMeta %v) =\n%s\nwant\n%s", withMeta, got, want)
				}
				if got, err := json.Marshal(map[string]any{"message": wireJSON{m: tt.m, withMeta: withMeta}}); err != nil || !bytes.Equal(got, []byte(`{"message":`+string(want)+`}`)) {
					t.Errorf("json.Marshal of wireJSON = %s, %v, want the same message", got, err)
				}
			})
		}
	}
}

func TestAPIAnswer(t *testing.T) {
	tests := []struct {
		name string
		resp map[string]any
		e    *apiError
		want string
	}{
		{"empty", map[string]any{}, nil, `{"ok":true}`},
		{"nil", nil, nil, `{"ok":true}`},
		{"sorted around ok", map[string]any{"ts": "1.2", "channel": "C1", "message_ts": "3"}, nil, `{"channel":"C1","message_ts":"3","ok":true,"ts":"1.2"}`},
		{"ok given is overridden", map[string]any{"ok": false, "a": 1}, nil, `{"a":1,"ok":true}`},
		{"raw view", map[string]any{"view": rawJSON(`{"id":"V1"}`)}, nil, `{"ok":true,"view":{"id":"V1"}}`},
		{"error", nil, errCode("not_authed"), `{"error":"not_authed","ok":false}`},
		{"error with messages", nil, &apiError{code: "invalid_blocks", messages: []string{"[ERROR] x <y>"}}, `{"error":"invalid_blocks","ok":false,"response_metadata":{"messages":["[ERROR] x \u003cy\u003e"]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apiAnswer(tt.resp, tt.e); string(got) != tt.want {
				t.Errorf("apiAnswer = %s, want %s", got, tt.want)
			}
		})
	}
}
