package fakeslack

import (
	"net"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// acceptPair returns a connection accepted through arrivalListener and the
// client end of it.
func acceptPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := arrivalListener{ln}.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close() })
	return server, client
}

func TestArrivalTimes(t *testing.T) {
	s := newServer(t, Options{})
	ctx := testContext(t)
	c := connect(t, s)
	d, err := s.SlashCommand(ctx, UserAlice, ChannelHiring, "/jobdesc", "")
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	c.ack(t, c.next(t, ctx, socketmode.EventTypeSlashCommand))
	a := waitAck(t, ctx, d)
	if a.At.Before(d.SentAt) || a.Noticed.Before(a.At) || a.Latency != a.At.Sub(d.SentAt) {
		t.Errorf("ack: sent %s, got At %s, Noticed %s, Latency %s; want sent ≤ At ≤ Noticed and Latency = At − sent",
			d.SentAt.Format(time.StampNano), a.At.Format(time.StampNano), a.Noticed.Format(time.StampNano), a.Latency)
	}
	before := time.Now()
	api := newAPI(s, s.BotToken())
	if _, _, err := api.PostMessage(ChannelHiring, slack.MsgOptionText("hello", false)); err != nil {
		t.Fatalf("PostMessage: %v", err)
	}
	calls := s.Calls("chat.postMessage")
	if len(calls) != 1 {
		t.Fatalf("got %d chat.postMessage calls, want 1", len(calls))
	}
	if call := calls[0]; call.At.Before(before) || call.Noticed.Before(call.At) {
		t.Errorf("call: made after %s, got At %s, Noticed %s; want made ≤ At ≤ Noticed",
			before.Format(time.StampNano), call.At.Format(time.StampNano), call.Noticed.Format(time.StampNano))
	}
}
