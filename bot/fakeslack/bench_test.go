package fakeslack

import (
	"context"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func benchServer(b *testing.B, opts Options) *Server {
	b.Helper()
	s, err := Start(opts)
	if err != nil {
		b.Fatalf("Start: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkPostMessage measures one chat.postMessage with blocks through
// slack-go, with and without JSON-schema validation.
func BenchmarkPostMessage(b *testing.B) {
	for _, bc := range []struct {
		name      string
		schemaDir string
	}{{"schema", ""}, {"code-rules-only", "-"}} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchServer(b, Options{SchemaDir: bc.schemaDir})
			api := newAPI(s, s.BotToken())
			blocks := slack.MsgOptionBlocks(
				slack.NewHeaderBlock(text("Account Manager")),
				section("*Role*: manage key accounts"),
				slack.NewActionBlock("review", slack.NewButtonBlockElement("approve", "d1", text("Approve"))),
			)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if _, _, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("draft", false), blocks); err != nil {
					b.Fatalf("PostMessage: %v", err)
				}
			}
		})
	}
}

// BenchmarkEnvelopeRoundTrip measures a slash command envelope sent to a
// slack-go Socket Mode client and its ack coming back.
func BenchmarkEnvelopeRoundTrip(b *testing.B) {
	s := benchServer(b, Options{SchemaDir: "-"})
	api := newAPI(s, s.BotToken())
	sm := socketmode.New(api)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sm.RunContext(ctx) }()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				if evt.Request != nil && evt.Type == socketmode.EventTypeSlashCommand {
					_ = sm.Ack(*evt.Request)
				}
			}
		}
	}()
	if err := s.WaitConnected(ctx, 1); err != nil {
		b.Fatalf("WaitConnected: %v", err)
	}
	b.ResetTimer()
	for b.Loop() {
		d, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "account-manager")
		if err != nil {
			b.Fatalf("SlashCommand: %v", err)
		}
		if _, err := d.WaitAck(ctx); err != nil {
			b.Fatalf("WaitAck: %v", err)
		}
	}
}
