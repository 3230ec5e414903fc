package fakeslack

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// TestArrivalConn is in a file of its own because arrivalConn exists only
// on Linux: elsewhere connections are not stamped (arrival_other.go).
func TestArrivalConn(t *testing.T) {
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
