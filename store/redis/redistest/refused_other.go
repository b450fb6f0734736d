//go:build !linux

package redistest

import (
	"net"
	"testing"
)

// RefusedAddr returns a loopback address (host:port) nothing listens on: the port of
// a listener it closes. (On Linux the port stays bound for the test, so that no
// other process can take it meanwhile; see refused_linux.go.)
func RefusedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
