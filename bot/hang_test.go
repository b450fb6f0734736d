package bot_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot/bot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// hangProxy forwards TCP to Redis and can hang: while held it accepts and reads
// but forwards nothing, as a Redis that stopped answering (or a network that drops
// packets) does; release cuts the connections so that clients reconnect.
type hangProxy struct {
	ln      net.Listener
	target  string
	holding atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
}

func newHangProxy(t *testing.T, target string) *hangProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &hangProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.release() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
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
	return p
}

// pipe copies src to dst, dropping what it reads while the proxy is held.
func (p *hangProxy) pipe(dst, src net.Conn) {
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

func (p *hangProxy) hold() { p.holding.Store(true) }

func (p *hangProxy) release() {
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.holding.Store(false)
}

// TestCaptureGivesUpByItsDeadlineOnAHungStore: with Redis hanging (connections
// accepted, nothing answered), Capture.Append fails by its MaxWait rather than after
// the client's read timeout (3 s, Slack's whole acknowledgement budget), so the
// platform is answered, unacknowledged, in time; once Redis answers again the
// redelivery is stored, once.
func TestCaptureGivesUpByItsDeadlineOnAHungStore(t *testing.T) {
	direct, prefix := redistest.Client(t)
	c, ok := direct.(*redis.Client)
	if !ok {
		t.Skip("the hang test needs a single-node Redis")
	}
	p := newHangProxy(t, c.Options().Addr)
	opts := *c.Options()
	// as redisstore.ParseURL configures every client: go-redis's default read timeout,
	// with context deadlines honoured
	opts.Addr, opts.ReadTimeout, opts.ContextTimeoutEnabled = p.ln.Addr().String(), 3*time.Second, true
	viaProxy := redis.NewClient(&opts)
	t.Cleanup(func() { viaProxy.Close() })
	st := redisstore.New(viaProxy, redisstore.Options{Prefix: prefix})
	ctx := context.Background()
	evs := messages("T1", 3, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	if _, err := st.Append(ctx, evs[0]); err != nil { // the connection is up
		t.Fatal(err)
	}
	const maxWait = 700 * time.Millisecond
	stats := new(bot.CaptureStats)
	capture := &bot.Capture{Log: st, MaxWait: maxWait, Stats: stats}

	p.hold()
	start := time.Now()
	if _, err := capture.Append(ctx, evs[1:]...); err == nil {
		t.Fatal("capture succeeded against a hung Redis")
	}
	if took := time.Since(start); took > maxWait+time.Second {
		t.Errorf("capture gave up after %v, want by about its MaxWait %v (the platform's retry comes at 3 s)", took, maxWait)
	}
	p.release()
	n, err := capture.Append(ctx, evs[1:]...)
	if err != nil {
		t.Fatalf("capture after the hang: %v", err)
	}
	if again, err := capture.Append(ctx, evs[1:]...); err != nil || again != 0 {
		t.Errorf("a second redelivery appended %d (%v), want 0", again, err)
	}
	if n != len(evs)-1 { // the proxy dropped the hung attempt's bytes: nothing of it landed
		t.Errorf("the redelivery appended %d of %d", n, len(evs)-1)
	}
	if b, err := st.Backlog(ctx); err != nil || b != int64(len(evs)) {
		t.Errorf("log holds %d entries (%v), want %d: each message once", b, err, len(evs))
	}
}
