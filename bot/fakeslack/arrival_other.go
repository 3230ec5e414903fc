//go:build !linux

package fakeslack

import (
	"net"
	"time"
)

// withArrival returns c: only Linux stamps the packets here (see
// arrival_linux.go).
func withArrival(c net.Conn) net.Conn { return c }

// arrival returns now: without the kernel's stamps, the fake knows when it
// read the bytes, not when they arrived.
func arrival(net.Conn) time.Time { return time.Now() }
