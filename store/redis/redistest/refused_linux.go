//go:build linux

package redistest

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

// RefusedAddr returns a loopback address (host:port) that refuses connections for
// the rest of the test: a TCP socket bound to it that never listens, so that no
// other process can take the port meanwhile (a listener closed to free its port left
// the port to the next test that asked for one: a test package running beside
// TestOpenUnreachable got it, and Redis's client read an HTTP server's reply).
// Linux answers a connection to a port bound but not listening with a reset
// (refused); macOS drops it, leaving the client to time out, so other systems close
// a listener instead (refused_other.go). The socket is close-on-exec from its
// creation: a process the test starts does not keep the port.
func RefusedAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("a socket for a refused address: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("bind a socket for a refused address: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("the refused address's port: %v", err)
	}
	in, ok := sa.(*syscall.SockaddrInet4)
	if !ok {
		t.Fatalf("the refused address's socket is %T, not IPv4", sa)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(in.Port))
}
