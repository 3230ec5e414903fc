package fakeslack

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/jobdesc/jobdesc/bot/fakeslack/schema"
)

func TestTranscriptOrder(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	d, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "account-manager")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	c.ack(t, c.next(t, ctx, socketmode.EventTypeSlashCommand), map[string]string{"text": "ok"})
	waitAck(t, ctx, d)
	if _, _, err := c.api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText("draft", false)); err != nil {
		t.Fatalf("PostMessage: %v", err)
	}

	var kinds []string
	for _, e := range s.Transcript() {
		if e.Seq != len(kinds)+1 {
			t.Errorf("entry %d has Seq %d, want %d", len(kinds), e.Seq, len(kinds)+1)
		}
		kinds = append(kinds, string(e.Kind)+":"+e.Method)
	}
	want := "call:apps.connections.open connect: envelope: ack: call:chat.postMessage"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("transcript kinds = %q, want %q", got, want)
	}
	acks := s.Acks()
	if len(acks) != 1 || string(acks[0].Payload) != `{"text":"ok"}` || acks[0].Latency <= 0 {
		t.Errorf("Acks() = %+v, want one with its payload and a latency", acks)
	}

	var b strings.Builder
	if err := s.WriteTranscript(&b); err != nil {
		t.Fatalf("WriteTranscript: %v", err)
	}
	for _, want := range []string{"apps.connections.open ok", "slash_commands /jobdesc", "ack ", `chat.postMessage ok channel="C0HIRING"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, b.String())
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteTranscriptError(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	if _, err := newAPI(s, s.BotToken()).AuthTest(); err != nil {
		t.Fatalf("AuthTest: %v", err)
	}
	if err := s.WriteTranscript(failingWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteTranscript error = %v, want the writer's error", err)
	}
}

func TestWaitForCallAfter(t *testing.T) {
	s := newServer(t, Options{SchemaDir: "-"})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	post := func(text string) {
		t.Helper()
		if _, _, err := api.PostMessageContext(ctx, ChannelHiring, slack.MsgOptionText(text, false)); err != nil {
			t.Fatalf("PostMessage: %v", err)
		}
	}
	post("one")
	mark := s.Mark()

	var wg sync.WaitGroup
	var got Call
	var gotErr error
	wg.Go(func() { got, gotErr = s.WaitForCallAfter(ctx, mark, "chat.postMessage", nil) })
	post("two")
	wg.Wait()
	if gotErr != nil || got.Params["text"] != "two" {
		t.Errorf("WaitForCallAfter = %q, %v, want the call after the mark", got.Params["text"], gotErr)
	}
	first, err := s.WaitForCall(ctx, "chat.postMessage", func(c Call) bool { return c.OK })
	if err != nil || first.Params["text"] != "one" {
		t.Errorf("WaitForCall = %q, %v, want the first call (already recorded)", first.Params["text"], err)
	}
	if got := len(s.Calls("chat.postMessage")); got != 2 {
		t.Errorf("Calls(chat.postMessage) has %d calls, want 2", got)
	}
	m, err := s.WaitForMessage(ctx, ChannelHiring, func(m Message) bool { return m.Text == "two" })
	if err != nil || m.User != BotUserID {
		t.Errorf("WaitForMessage = %+v, %v, want the bot's second message", m, err)
	}
}

// skipWithoutSchemas skips a test that needs Slack's JSON schemas when
// ../shared/slack-schemas is not beside the repository (CI has it).
func skipWithoutSchemas(t *testing.T) {
	t.Helper()
	if findSchemaDir() == "" {
		t.Skip("skipping: ../shared/slack-schemas not found beside the repository, so JSON-schema validation can't be tested here")
	}
}

func TestSchemaDiscovery(t *testing.T) {
	t.Run("found from the package folder", func(t *testing.T) {
		skipWithoutSchemas(t)
		s := newServer(t, Options{})
		if !strings.HasSuffix(s.SchemaFile(), filepath.Join("shared", "slack-schemas", SchemaFileName)) {
			t.Errorf("SchemaFile() = %q, want …/shared/slack-schemas/%s", s.SchemaFile(), SchemaFileName)
		}
	})
	t.Run("explicit folder", func(t *testing.T) {
		skipWithoutSchemas(t)
		dir := filepath.Dir(newServer(t, Options{}).SchemaFile())
		s := newServer(t, Options{SchemaDir: dir})
		if got, want := filepath.Dir(s.SchemaFile()), dir; got != want {
			t.Errorf("SchemaFile() in %q, want %q", got, want)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		if got := newServer(t, Options{SchemaDir: "-"}).SchemaFile(); got != "" {
			t.Errorf("SchemaFile() = %q, want \"\"", got)
		}
	})
	t.Run("explicit folder without a schema", func(t *testing.T) {
		if s, err := Start(Options{SchemaDir: t.TempDir(), Schema: schema.Load}); err == nil {
			s.Close()
			t.Errorf("Start with an empty SchemaDir folder succeeded, want an error")
		}
	})
	t.Run("explicit folder without a loader", func(t *testing.T) {
		skipWithoutSchemas(t)
		s, err := Start(Options{SchemaDir: findSchemaDir(), Logf: t.Logf})
		if err == nil {
			s.Close()
			t.Fatalf("Start with SchemaDir but no Schema succeeded, want an error")
		}
		if !strings.Contains(err.Error(), "schema.Load") {
			t.Errorf("got %v, want it to say to pass schema.Load", err)
		}
	})
	t.Run("no loader: said once, checks in code still run", func(t *testing.T) {
		var mu sync.Mutex
		var lines []string
		s, err := Start(Options{Logf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, fmt.Sprintf(format, args...))
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if s.SchemaFile() != "" {
			t.Errorf("SchemaFile() = %q, want \"\" without Options.Schema", s.SchemaFile())
		}
		mu.Lock()
		n := 0
		for _, l := range lines {
			if strings.Contains(l, "Options.Schema is nil") {
				n++
			}
		}
		mu.Unlock()
		if n != 1 {
			t.Errorf("%d announcements logged, want 1: %q", n, lines)
		}
		_, _, err = newAPI(s, s.BotToken()).PostMessage(ChannelHiring, slack.MsgOptionBlocks(repeatBlocks(51, slack.NewDividerBlock()).BlockSet...))
		if slackErr(err) != "invalid_blocks" {
			t.Errorf("51 blocks without the schema: %v, want invalid_blocks", err)
		}
	})
	t.Run("absent: said once, checks in code still run", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		if found := findSchemaDir(); found != "" {
			t.Skipf("skipping: %s sits above the temporary folder %s, so a missing schema can't be staged here", found, dir)
		}
		var mu sync.Mutex
		var lines []string
		s := newServer(t, Options{Logf: func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, fmt.Sprintf(format, args...))
		}})
		if s.SchemaFile() != "" {
			t.Fatalf("SchemaFile() = %q, want \"\" outside the repository", s.SchemaFile())
		}
		mu.Lock()
		n := 0
		for _, l := range lines {
			if strings.Contains(l, "schema validation is skipped") {
				n++
			}
		}
		mu.Unlock()
		if n != 1 {
			t.Errorf("%d announcements logged, want 1: %q", n, lines)
		}
		_, _, err := newAPI(s, s.BotToken()).PostMessage(ChannelHiring, slack.MsgOptionBlocks(repeatBlocks(51, slack.NewDividerBlock()).BlockSet...))
		if slackErr(err) != "invalid_blocks" {
			t.Errorf("51 blocks without the schema: %v, want invalid_blocks", err)
		}
	})
}

func TestCallWaiters(t *testing.T) {
	record := func(s *Server, text string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.recordCallLocked(Call{Method: "chat.postMessage", Params: map[string]string{"text": text}, OK: true})
	}
	byText := func(text string) func(Call) bool { return func(c Call) bool { return c.Param("text") == text } }
	tests := []struct {
		name string
		run  func(t *testing.T, s *Server)
	}{
		{"each waiter gets the call it waits for", func(t *testing.T, s *Server) {
			ctx := testContext(t)
			mark := s.Mark()
			got := make(chan string, 3)
			for _, text := range []string{"a", "b", "c"} {
				go func() {
					c, err := s.WaitForCallAfter(ctx, mark, "chat.postMessage", byText(text))
					if err != nil {
						t.Errorf("WaitForCallAfter(%q): %v", text, err)
					}
					got <- text + "=" + c.Param("text")
				}()
			}
			for _, text := range []string{"c", "x", "a", "b"} {
				record(s, text)
			}
			for range 3 {
				if g := <-got; g[0] != g[2] {
					t.Errorf("got %s, want the waiter's own call", g)
				}
			}
		}},
		{"a call made before the wait is found", func(t *testing.T, s *Server) {
			mark := s.Mark()
			record(s, "early")
			c, err := s.WaitForCallAfter(testContext(t), mark, "", byText("early"))
			if err != nil || c.Param("text") != "early" {
				t.Errorf("got %q, %v, want the early call", c.Param("text"), err)
			}
		}},
		{"a waiter that gives up is forgotten", func(t *testing.T, s *Server) {
			ctx, cancel := context.WithCancel(testContext(t))
			cancel()
			_, err := s.WaitForCallAfter(ctx, 0, "chat.postMessage", byText("never"))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want context.Canceled", err)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if n := len(s.callWaiters); n != 0 {
				t.Errorf("got %d waiters left, want 0", n)
			}
		}},
		{"Close wakes a waiter", func(t *testing.T, s *Server) {
			errs := make(chan error, 1)
			go func() {
				_, err := s.WaitForCallAfter(testContext(t), 0, "chat.postMessage", byText("never"))
				errs <- err
			}()
			s.Close() // before or after the waiter registers: either way it ends

			if err := <-errs; !errors.Is(err, ErrClosed) {
				t.Errorf("got %v, want ErrClosed", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newServer(t, Options{SchemaDir: "-"}))
		})
	}
}

func TestCallAnswerField(t *testing.T) {
	tests := []struct {
		name, answer, field, want string
	}{
		{"string", `{"channel":"C1","message":{"ts":"inner","text":"x"},"ok":true,"ts":"1700000000.000100"}`, "ts", "1700000000.000100"},
		{"escaped string", `{"ok":false,"error":"a\"b\u0041"}`, "error", `a"bA`},
		{"boolean as JSON text", `{"ok":true}`, "ok", "true"},
		{"object as JSON text", `{"ok":true,"view":{"id":"V1"}}`, "view", `{"id":"V1"}`},
		{"nested field is not top-level", `{"message":{"ts":"inner"},"ok":true}`, "ts", ""},
		{"absent", `{"ok":true}`, "ts", ""},
		{"not JSON", `<html></html>`, "ok", ""},
		{"repeated key: the last wins", `{"ts":"1","ts":"2"}`, "ts", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Call{Response: []byte(tt.answer)}).AnswerField(tt.field); got != tt.want {
				t.Errorf("AnswerField(%q) = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}
