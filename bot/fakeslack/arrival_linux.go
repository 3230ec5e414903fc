//go:build linux

package fakeslack

import (
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// arrivalConn is an accepted connection that knows when the bytes it read
// arrived: the kernel stamps each packet as it is received
// (SO_TIMESTAMPNS) and recvmsg returns the stamp of the newest packet it
// read from. So the fake can say when the app's ack or API call reached
// it, rather than when one of its own goroutines got round to reading it,
// which on a machine the app and the fake saturate together can be many
// milliseconds later and would be counted against the app.
type arrivalConn struct {
	*net.TCPConn
	raw  syscall.RawConn
	last atomic.Int64 // Unix nanoseconds of the newest data read; 0 before any
}

// withArrival wraps an accepted connection; one it cannot stamp is
// returned as it is (arrival then falls back to the time it is asked).
func withArrival(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return c
	}
	return &arrivalConn{TCPConn: tc, raw: raw}
}

func (c *arrivalConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var (
		n, oobn int
		err     error
		oob     [64]byte
	)
	rerr := c.raw.Read(func(fd uintptr) bool {
		for {
			n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, oob[:], syscall.MSG_DONTWAIT)
			if err != syscall.EINTR {
				return err != syscall.EAGAIN // false: wait until readable
			}
		}
	})
	if rerr == nil && err != nil {
		rerr = os.NewSyscallError("recvmsg", err)
	}
	if rerr != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: rerr}
	}
	if n == 0 {
		return 0, io.EOF
	}
	if at := stamp(oob[:oobn]); at > 0 {
		c.last.Store(at)
	}
	return n, nil
}

// stamp returns the SCM_TIMESTAMPNS time in control messages, in Unix
// nanoseconds, or 0.
func stamp(oob []byte) int64 {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SO_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
			return (*syscall.Timespec)(unsafe.Pointer(&m.Data[0])).Nano()
		}
	}
	return 0
}

// arrival returns when the newest bytes read from c arrived, or now when c
// does not know.
func arrival(c net.Conn) time.Time {
	if ac, ok := c.(*arrivalConn); ok {
		if ns := ac.last.Load(); ns > 0 {
			return time.Unix(0, ns)
		}
	}
	return time.Now()
}
