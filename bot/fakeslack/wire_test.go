package fakeslack

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestAppendJSONMatchesMarshal(t *testing.T) {
	modal, err := os.ReadFile(filepath.Join("testdata", "modal.json"))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	var decoded any
	if err := json.Unmarshal(modal, &decoded); err != nil {
		t.Fatalf("decode testdata: %v", err)
	}
	tests := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"plain string", "Account Manager"},
		{"empty string", ""},
		{"html characters", `<@U1> & "quotes" \ back`},
		{"control characters", "tab\there\nnewline\x01\b\f\r\x1f\x7f"},
		{"non-ASCII", "✅ résumé — 日本"},
		{"line separators", "a\u2028b\u2029c"},
		{"invalid UTF-8", "bad \xff byte"},
		{"booleans", []any{true, false}},
		{"integers", []any{0, -7, int64(1 << 40)}},
		{"whole floats", []any{0.0, 100.0, -3.0, 1e20}},
		{"fractional and huge floats", []any{0.5, 1e-7, 1e21, -2.25}},
		{"nested map sorted", map[string]any{"z": 1, "a": map[string]any{"y": nil, "b": []string{"x", "<"}}}},
		{"nil map and slices", []any{map[string]any(nil), []any(nil), []string(nil), []map[string]any(nil)}},
		{"empty map and slices", []any{map[string]any{}, []any{}, []string{}, []map[string]any{}}},
		{"slice of maps", []map[string]any{{"name": "white_check_mark", "count": 1}}},
		{"other types", map[string]any{"s": map[string]string{"b": "1", "a": "2"}, "n": uint8(3)}},
		{"the account-manager modal", decoded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			if got := encodeJSON(tt.v); !bytes.Equal(got, want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestAppendJSONRaw(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"raw copied as is", map[string]any{"view": rawJSON(`{"id":"V1"}`), "ok": true}, `{"ok":true,"view":{"id":"V1"}}`},
		{"empty raw is null", map[string]any{"blocks": rawJSON(nil)}, `{"blocks":null}`},
		{"unencodable is null", map[string]any{"c": make(chan int)}, `{"c":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(encodeJSON(tt.v)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if m, err := json.Marshal(tt.v); err == nil && string(m) != tt.want {
				t.Errorf("json.Marshal gives %s, want %s", m, tt.want)
			}
		})
	}
}

// checkCanonical fails unless data is what json.Marshal makes of its own
// decoding: keys sorted, compact, escaped like encoding/json — the bytes the
// fake produced before it encoded JSON itself.
func checkCanonical(t *testing.T, what string, data []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s is not JSON: %v", what, err)
	}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, data, want)
	}
}

func TestEncodedJSONIsCanonical(t *testing.T) {
	modal, err := os.ReadFile(filepath.Join("testdata", "modal.json"))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	messageBlocks, err := os.ReadFile(filepath.Join("testdata", "message-blocks.json"))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)

	tests := []struct {
		name   string
		view   func() View
		values map[string]any
	}{
		{"every element", func() View { return openRawModal(t, s, c, everyElementModal) }, map[string]any{
			"text": "Acme <&>", "cleared": nil, "number": "42", "email": "a@acme.test", "select": "senior", "grouped": "remote",
			"multi": []string{"go", "sql"}, "checks": nil, "radio": "yes", "date": "2025-01-31", "time": "09:30",
			"user": UserBob, "users": []string{UserBob, UserCarol}, "channel": ChannelHiring, "when": int64(1700000000),
			"acts/sort": "new",
		}},
		{"jobdesc's modal", func() View {
			trig := newTrigger(t, ctx, s, c, UserAlice)
			resp, err := c.api.OpenViewContext(ctx, trig, slackModalFromJSON(t, modal))
			if err != nil {
				t.Fatalf("OpenView: %v %v", err, metadata(err))
			}
			checkCanonical(t, "views.open answer", s.Calls("views.open")[len(s.Calls("views.open"))-1].Response)
			v, _ := s.View(resp.View.ID)
			return v
		}, map[string]any{"company_name": "Acme & Sons ✅"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.view()
			checkCanonical(t, "View.Raw", v.Raw)
			checkCanonical(t, "View.Blocks", v.Blocks)
			d, err := s.SubmitView(ctx, UserAlice, v, tt.values)
			if err != nil {
				t.Fatalf("SubmitView: %v", err)
			}
			checkCanonical(t, "view_submission payload", d.Payload)
			checkCanonical(t, "envelope frame", d.Frame)
			c.ack(t, c.next(t, ctx, socketmode.EventTypeInteractive))
			waitAck(t, ctx, d)
		})
	}

	t.Run("chat.postMessage", func(t *testing.T) {
		var blocks slack.Blocks
		if err := json.Unmarshal(messageBlocks, &blocks); err != nil {
			t.Fatalf("decode testdata blocks: %v", err)
		}
		_, ts, err := c.api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("draft <1>", false), slack.MsgOptionBlocks(blocks.BlockSet...))
		if err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
		calls := s.Calls("chat.postMessage")
		checkCanonical(t, "chat.postMessage answer", calls[len(calls)-1].Response)
		m, ok := s.Message(ChannelHiring, ts)
		if !ok {
			t.Fatalf("Message(%s) not found", ts)
		}
		checkCanonical(t, "Message.Blocks", m.Blocks)
		d, err := s.React(ctx, UserBob, ChannelHiring, ts, "white_check_mark")
		if err != nil {
			t.Fatalf("React: %v", err)
		}
		checkCanonical(t, "reaction_added frame", d.Frame)
	})
}

// slackModalFromJSON turns a modal's JSON into the slack-go request that
// sends the same blocks.
func slackModalFromJSON(t *testing.T, raw []byte) slack.ModalViewRequest {
	t.Helper()
	var m slack.ModalViewRequest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode modal: %v", err)
	}
	return m
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `<a href="x">&</a>`, "\u2028\u2029", "bad \xff", "tab\t\b\f\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("got %s, want %s", got, want)
		}
	})
}
