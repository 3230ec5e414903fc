package fakeslack

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/socketmode"
)

func TestReconnect(t *testing.T) {
	tests := []struct {
		name string
		cut  func(s *Server)
	}{
		{"disconnect refresh_requested", func(s *Server) { s.Disconnect("refresh_requested") }},
		{"disconnect warning", func(s *Server) { s.Disconnect("warning") }},
		{"disconnect link_disabled", func(s *Server) { s.Disconnect("link_disabled") }},
		{"dropped socket", func(s *Server) { s.DropSockets() }},
		{"socket dropped by a fault", func(s *Server) {
			s.Inject("auth.test", Fault{DropSockets: true})
			_, _ = newAPI(s, s.BotToken()).AuthTest()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, Options{})
			ctx := testContext(t)
			c := connect(t, s)
			if err := s.WaitConnected(ctx, 1); err != nil {
				t.Fatalf("WaitConnected: %v", err)
			}
			tt.cut(s)
			if err := s.WaitConnected(ctx, 2); err != nil {
				t.Fatalf("no reconnect: %v", err)
			}
			if got := len(s.Calls("apps.connections.open")); got != 2 {
				t.Errorf("apps.connections.open called %d times, want 2", got)
			}
			// The new socket carries envelopes.
			d, err := s.OpenHome(ctx, UserAlice)
			if err != nil {
				t.Fatalf("OpenHome: %v", err)
			}
			c.ack(t, c.next(t, ctx, socketmode.EventTypeEventsAPI))
			waitAck(t, ctx, d)
			if err := s.WaitUntil(ctx, func() bool { return s.Connections() == 1 }); err != nil {
				t.Errorf("Connections() = %d, want 1 after the old socket closed: %v", s.Connections(), err)
			}
		})
	}
}

func TestTwoConnections(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	a := connect(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("WaitConnected: %v", err)
	}
	b := connect(t, s)
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatalf("WaitConnected(2): %v", err)
	}
	if h := b.next(t, ctx, socketmode.EventTypeHello); h.Request.NumConnections != 2 {
		t.Errorf("second hello num_connections = %d, want 2", h.Request.NumConnections)
	}
	seen := map[int]bool{}
	for range 4 {
		d, err := s.OpenHome(ctx, UserAlice)
		if err != nil {
			t.Fatalf("OpenHome: %v", err)
		}
		seen[d.Conn] = true
		// Each envelope goes to exactly one socket; ack it there.
		for acked := false; !acked; {
			select {
			case evt := <-a.events:
				if evt.Type == socketmode.EventTypeEventsAPI {
					a.ack(t, evt)
					acked = true
				}
			case evt := <-b.events:
				if evt.Type == socketmode.EventTypeEventsAPI {
					b.ack(t, evt)
					acked = true
				}
			case <-ctx.Done():
				t.Fatalf("no event: %v", ctx.Err())
			}
		}
		waitAck(t, ctx, d)
	}
	if len(seen) != 2 {
		t.Errorf("envelopes went to sockets %v, want both", seen)
	}
}

func TestTicketRules(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	_, u, err := api.StartSocketModeContext(ctx)
	if err != nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	if !strings.HasPrefix(u, "ws://127.0.0.1:") || !strings.Contains(u, "app_id="+AppID) {
		t.Errorf("url = %q, want ws://127.0.0.1:… with app_id", u)
	}
	hdr := http.Header{"Origin": {"https://api.slack.com"}}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, u, hdr)
	if err != nil {
		t.Fatalf("dial with Slack's Origin: %v", err)
	}
	defer conn.Close()
	if _, _, err := websocket.DefaultDialer.DialContext(ctx, u, hdr); err == nil {
		t.Errorf("second dial with the same ticket succeeded, want refused")
	}
	if _, _, err := websocket.DefaultDialer.DialContext(ctx, strings.Split(u, "?")[0]+"?ticket=forged", hdr); err == nil {
		t.Errorf("dial with a forged ticket succeeded, want refused")
	}
}

func TestTooManyConnections(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	api := newAPI(s, s.BotToken())
	for i := range MaxConnections {
		_, u, err := api.StartSocketModeContext(ctx)
		if err != nil {
			t.Fatalf("apps.connections.open %d: %v", i, err)
		}
		conn, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		t.Cleanup(func() { conn.Close() })
	}
	if err := s.WaitUntil(ctx, func() bool { return s.Connections() == MaxConnections }); err != nil {
		t.Fatalf("waiting for %d sockets: %v (have %d)", MaxConnections, err, s.Connections())
	}
	if _, _, err := api.StartSocketModeContext(ctx); slackErr(err) != "too_many_websockets" {
		t.Errorf("connection %d: %v, want too_many_websockets", MaxConnections+1, err)
	}
}

func TestClose(t *testing.T) {
	s, err := Start(Options{SchemaDir: "-", Logf: t.Logf})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	ctx := testContext(t)
	errc := make(chan error, 1)
	go func() {
		_, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "")
		errc <- err
	}()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("SlashCommand waiting for a socket: %v, want ErrClosed", err)
	}
	if _, err := s.WaitForCall(ctx, "auth.test", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitForCall after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	short, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.WaitConnected(short, 1); err == nil {
		t.Errorf("WaitConnected after Close succeeded")
	}
}
