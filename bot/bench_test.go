package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/jobdesc/jobdesc/drafts"
	"github.com/jobdesc/jobdesc/templates"
)

// benchBot is a bot on a real store whose quick phases can run without a
// connection.
func benchBot(b testing.TB) (*Bot, *templates.Role) {
	b.Helper()
	store, err := drafts.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	cat, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	bot, err := New(Config{AppToken: "xapp-1", BotToken: "xoxb-1"}, store, cat, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		b.Fatal(err)
	}
	role, _ := cat.Role("account-manager")
	return bot, role
}

// submission is a view_submission of the role's modal with its example
// values, as Slack sends it: the view's blocks echoed back, and each
// input's state with its element type and value (an option with its text).
func submission(b testing.TB, role *templates.Role) []byte {
	b.Helper()
	view := draftModal(role, nil, modalMeta{Channel: "C1", Role: role.ID})
	option := func(f templates.Field, v string) map[string]any {
		label := v
		for _, c := range f.Choices {
			if c.Value == v {
				label = c.Label
			}
		}
		return map[string]any{"text": map[string]any{"type": "plain_text", "text": label, "emoji": true}, "value": v}
	}
	state := map[string]any{}
	values := role.Normalize(role.Example())
	for _, f := range role.Fields {
		v := values[f.ID]
		var a map[string]any
		switch f.Kind {
		case templates.SingleChoice:
			a = map[string]any{"type": "static_select", "selected_option": option(f, v)}
		case templates.MultiChoice:
			var opts []map[string]any
			for _, o := range strings.Split(v, ",") {
				opts = append(opts, option(f, o))
			}
			a = map[string]any{"type": "checkboxes", "selected_options": opts}
		case templates.Number:
			a = map[string]any{"type": "number_input", "value": v}
		default:
			a = map[string]any{"type": "plain_text_input", "value": v}
		}
		state[f.ID] = map[string]any{f.ID: a}
	}
	payload := map[string]any{
		"type": "view_submission", "team": map[string]string{"id": "T1"}, "user": map[string]string{"id": "U1"},
		"trigger_id": "1.2.3",
		"view": map[string]any{
			"id": "V1", "hash": "h", "type": "modal", "callback_id": view.CallbackID, "private_metadata": view.PrivateMetadata,
			"blocks": view.Blocks, "state": map[string]any{"values": state},
		},
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// BenchmarkParseSubmission is slack-go's decoding of one view_submission
// payload, which socketmode.Client does on its connection's goroutine (the
// bot no longer uses it: compare BenchmarkDecodeSubmission).
func BenchmarkParseSubmission(b *testing.B) {
	_, role := benchBot(b)
	raw := submission(b, role)
	b.ReportAllocs()
	for b.Loop() {
		var cb slack.InteractionCallback
		if err := json.Unmarshal(raw, &cb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSubmission is the bot's reading of one view_submission
// frame (socket.go, envelope.go): "scanned" as the bot does it, "whole" by
// encoding/json alone.
func BenchmarkDecodeSubmission(b *testing.B) {
	_, role := benchBot(b)
	data, err := json.Marshal(map[string]any{
		"envelope_id": "e1", "type": envelopeInteractive, "accepts_response_payload": true,
		"payload": json.RawMessage(submission(b, role)),
	})
	if err != nil {
		b.Fatal(err)
	}
	benchDecode(b, data, func(req request) error {
		if len(req.form) == 0 || len(req.inputs) == 0 {
			return fmt.Errorf("decoded %+v without state or inputs", req)
		}
		return nil
	})
}

// BenchmarkSubmitQuickPhase is everything before a submission's ack:
// reading the values, validation, rendering, the posting checks, and the
// claim and save on a real store file.
func BenchmarkSubmitQuickPhase(b *testing.B) {
	bot, role := benchBot(b)
	data, err := json.Marshal(map[string]any{"envelope_id": "e1", "type": envelopeInteractive, "payload": json.RawMessage(submission(b, role))})
	if err != nil {
		b.Fatal(err)
	}
	f, err := decodeFrame(data)
	if err != nil {
		b.Fatal(err)
	}
	req, err := decodeRequest(f, data)
	if err != nil {
		b.Fatal(err)
	}
	cb := req.data.(*slack.InteractionCallback)
	first := role.Fields[0].ID
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		cb.View.Hash = strconv.Itoa(i)
		r := bot.submitDraft(ctx, cb, req.form, first)
		if resp, ok := r.ack.(*slack.ViewSubmissionResponse); !ok || resp.ResponseAction != slack.RAClear {
			b.Fatalf("ack %#v, want clear", r.ack)
		}
	}
}

// BenchmarkDraftModal builds the views.open body of the role's modal for a
// slash command: "cached" is how the bot does it (inputs encoded once per
// role), "built" builds and marshals the modal each time.
func BenchmarkDraftModal(b *testing.B) {
	bot, role := benchBot(b)
	meta := modalMeta{Channel: "C1", Role: role.ID}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v := modalView(role, meta, bot.newDraftInputs(role))
			o := newBody(viewSize(v.Blocks.BlockSet) + 128)
			o.value("trigger_id", "T1")
			o.modal("view", v)
			if _, err := o.bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("built", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v := draftModal(role, role.Normalize(nil), meta)
			if _, err := json.Marshal(map[string]any{"trigger_id": "T1", "view": v}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchReview is a bot with the example account manager rendered and
// prepared as revision 1 of a draft in review.
func benchReview(b *testing.B) (*Bot, prepared, drafts.Draft) {
	b.Helper()
	bot, role := benchBot(b)
	r, err := role.Render(role.Normalize(role.Example()))
	if err != nil {
		b.Fatal(err)
	}
	return bot, newPrepared(role, r, nil), drafts.Draft{ID: "AM-1", Revision: 1, Author: "U1", Status: drafts.StatusInReview}
}

// BenchmarkReviewMessage builds the JSON body of a prepared revision's
// review message, as every approval's chat.update does: "body" is how the
// bot does it (encoded blocks copied in), "slack-go" how slack-go's
// UpdateMessage would (blocks marshalled, rescanned and URL-escaped).
func BenchmarkReviewMessage(b *testing.B) {
	bot, p, d := benchReview(b)
	text := reviewText(d, p.rendered)
	b.Run("body", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := updateBody("C1", "1.2", text, reviewMessage(d, p.body, bot.policy(), "")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("slack-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			blocks, err := json.Marshal(reviewMessage(d, p.body, bot.policy(), ""))
			if err != nil {
				b.Fatal(err)
			}
			_ = url.Values{"channel": {"C1"}, "ts": {"1.2"}, "text": {text}, "blocks": {string(blocks)}}.Encode()
		}
	})
}

// BenchmarkDecodeAnswer reads a chat.postMessage answer, which echoes the
// whole review message: "scan" is how the bot reads it, "encoding/json"
// the same fields by encoding/json.
func BenchmarkDecodeAnswer(b *testing.B) {
	bot, p, d := benchReview(b)
	blocks, err := json.Marshal(reviewMessage(d, p.body, bot.policy(), ""))
	if err != nil {
		b.Fatal(err)
	}
	text, _ := json.Marshal(reviewText(d, p.rendered))
	ans := []byte(`{"ok":true,"channel":"C1","ts":"1700000000.000100","message":{"type":"message","user":"U0BOT","text":` + string(text) + `,"blocks":` + string(blocks) + `,"ts":"1700000000.000100"}}`)
	b.Logf("answer: %d bytes", len(ans))
	b.Run("scan", func(b *testing.B) {
		b.SetBytes(int64(len(ans)))
		b.ReportAllocs()
		for b.Loop() {
			if a, err := decodeAnswer(ans); err != nil || a.TS == "" {
				b.Fatal(a, err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(ans)))
		b.ReportAllocs()
		for b.Loop() {
			var a answer
			if err := json.Unmarshal(ans, &a); err != nil || a.TS == "" {
				b.Fatal(a, err)
			}
		}
	})
}

// BenchmarkDecodeReaction is the bot's reading of one reaction_added frame.
func BenchmarkDecodeReaction(b *testing.B) {
	data := []byte(`{"envelope_id":"e5","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"","payload":{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1700000001,"authorizations":[{"enterprise_id":null,"team_id":"T1","user_id":"UBOT","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false,"event_context":"4-abc","event":{"type":"reaction_added","user":"U3","reaction":"white_check_mark","item_user":"UBOT","item":{"type":"message","channel":"C1","ts":"17.1"},"event_ts":"1700000001.000200"}}}`)
	b.ReportAllocs()
	for b.Loop() {
		f, err := decodeFrame(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := decodeRequest(f, data); err != nil {
			b.Fatal(err)
		}
	}
}
