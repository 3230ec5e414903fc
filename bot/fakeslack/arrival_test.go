package fakeslack

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
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

func TestArrivalConn(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("packet receive times are read on linux only, not %s", runtime.GOOS)
	}
	server, client := acceptPair(t)
	if _, ok := server.(*arrivalConn); !ok {
		t.Fatalf("accepted a %T, want *arrivalConn", server)
	}

	t.Run("stamp is the packet's arrival", func(t *testing.T) {
		wrote := time.Now()
		if _, err := client.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 16)
		n, err := server.Read(buf)
		read := time.Now()
		if err != nil || string(buf[:n]) != "hello" {
			t.Fatalf("Read: got %q, %v, want hello", buf[:n], err)
		}
		// The kernel's stamp and time.Now read the clock differently
		// (here they were seen 0.1 µs apart, either way): allow for it.
		const skew = 100 * time.Microsecond
		at := arrival(server)
		if at.Before(wrote.Add(-skew)) || at.After(read.Add(skew)) {
			t.Errorf("got arrival %s, want between the write (%s) and the read's return (%s)", at.Format(time.StampNano), wrote.Format(time.StampNano), read.Format(time.StampNano))
		}
	})

	t.Run("deadline is a timeout", func(t *testing.T) {
		if err := server.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		_, err := server.Read(make([]byte, 1))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("got %v, want a net.Error that is a timeout", err)
		}
		if err := server.SetReadDeadline(time.Time{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("peer closed is EOF", func(t *testing.T) {
		client.Close()
		if _, err := server.Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("got %v, want io.EOF", err)
		}
	})
}

// TestArrivalTimes checks that acks and Web API calls are timed to their
// arrival: after the envelope or before the fake noticed them.
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
