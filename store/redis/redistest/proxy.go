package redistest

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy forwards TCP to a Redis server so that a test can make the server go
// away and come back: Down closes its listener and cuts every connection (a
// restart, a failover), Up listens again on the same address, and Hold makes it
// hang (connections stay open, what they carry is read and dropped: a Redis that
// stopped answering, a network that drops packets) until Release.
type Proxy struct {
	t       testing.TB
	addr    string
	target  string
	holding atomic.Bool
	mu      sync.Mutex
	ln      net.Listener
	conns   []net.Conn
}

// NewProxy starts a proxy to target on a free loopback port; it is taken down
// when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{t: t, addr: "127.0.0.1:0", target: target}
	p.Up()
	t.Cleanup(p.Down)
	return p
}

// Addr is the address clients dial, the same after every Up.
func (p *Proxy) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// Up listens (again) on the proxy's address, retrying for up to 2 s while the
// port is still being released.
func (p *Proxy) Up() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", p.Addr()); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go p.pipe(up, c)
			go p.pipe(c, up)
		}
	}()
}

// pipe copies src to dst, dropping what it reads while the proxy is held, and
// closes dst when src ends.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.holding.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

// Down closes the listener and cuts every connection.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	p.cut()
}

// Hold makes the proxy hang: connections stay open, nothing is forwarded.
func (p *Proxy) Hold() { p.holding.Store(true) }

// Release cuts the connections a hold left half-written, so that clients
// reconnect, and forwards again.
func (p *Proxy) Release() {
	p.mu.Lock()
	p.cut()
	p.mu.Unlock()
	p.holding.Store(false)
}

// cut closes every connection (p.mu held).
func (p *Proxy) cut() {
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
