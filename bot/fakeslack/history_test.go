package fakeslack

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestConversationsHistoryWithMetadata(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	meta := slack.SlackMetadata{EventType: "jobdesc_review", EventPayload: map[string]any{"draft": "AM-1"}}
	_, first, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("one", false), slack.MsgOptionMetadata(meta))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("reply", false), slack.MsgOptionTS(first)); err != nil {
		t.Fatal(err)
	}
	_, second, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("two", false))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		params   slack.GetConversationHistoryParameters
		wantTS   []string
		wantMeta bool
		wantErr  string
	}{
		{"newest first, no replies", slack.GetConversationHistoryParameters{ChannelID: ChannelHiring}, []string{second, first}, false, ""},
		{"with metadata", slack.GetConversationHistoryParameters{ChannelID: ChannelHiring, IncludeAllMetadata: true}, []string{second, first}, true, ""},
		{"after oldest", slack.GetConversationHistoryParameters{ChannelID: ChannelHiring, Oldest: first}, []string{second}, false, ""},
		{"oldest inclusive", slack.GetConversationHistoryParameters{ChannelID: ChannelHiring, Oldest: first, Inclusive: true}, []string{second, first}, false, ""},
		{"limit", slack.GetConversationHistoryParameters{ChannelID: ChannelHiring, Limit: 1}, []string{second}, false, ""},
		{"not a member", slack.GetConversationHistoryParameters{ChannelID: ChannelOutside}, nil, false, "not_in_channel"},
		{"unknown channel", slack.GetConversationHistoryParameters{ChannelID: "C0NOPE"}, nil, false, "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.params
			resp, err := api.GetConversationHistoryContext(ctx, &p)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range resp.Messages {
				got = append(got, m.Timestamp)
			}
			if len(got) != len(tt.wantTS) {
				t.Fatalf("got %v, want %v", got, tt.wantTS)
			}
			for i := range got {
				if got[i] != tt.wantTS[i] {
					t.Errorf("message %d: got %s, want %s", i, got[i], tt.wantTS[i])
				}
			}
			for _, m := range resp.Messages {
				hasMeta := m.Metadata.EventType == "jobdesc_review" && m.Metadata.EventPayload["draft"] == "AM-1"
				if m.Timestamp == first && hasMeta != tt.wantMeta {
					t.Errorf("metadata shown %v, want %v", hasMeta, tt.wantMeta)
				}
			}
		})
	}
	t.Run("bad metadata is refused", func(t *testing.T) {
		_, _, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("x", false), slack.MsgOptionMetadata(slack.SlackMetadata{}))
		if err == nil || err.Error() != "invalid_metadata_format" {
			t.Errorf("got %v, want invalid_metadata_format", err)
		}
	})
}
