package redisstore_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
)

// TestParseURLContextTimeouts: every form ParseURL accepts enables go-redis's
// ContextTimeoutEnabled, and it survives the conversion to the single-node, cluster
// and failover options that NewUniversalClient makes.
func TestParseURLContextTimeouts(t *testing.T) {
	for _, raw := range []string{
		"redis://127.0.0.1:6379/0",
		"127.0.0.1:6379",
		"h1:7000,h2:7001",
		"redis://h1:7000,redis://h2:7001",
		"redis+cluster://h1:7000",
		"rediss+cluster://:p@h1:7000,h2:7001",
		"redis+sentinel://s1:26379/mymaster",
	} {
		o, err := redisstore.ParseURL(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if !o.ContextTimeoutEnabled {
			t.Errorf("%s: ContextTimeoutEnabled is off", raw)
		}
		if !o.Simple().ContextTimeoutEnabled || !o.Cluster().ContextTimeoutEnabled || !o.Failover().ContextTimeoutEnabled {
			t.Errorf("%s: ContextTimeoutEnabled lost in the single/cluster/failover options", raw)
		}
	}
}

// TestContextDeadlineBoundsACommand: against a server that accepts connections and
// never answers (a hung Redis, or a stalled network path), a command whose context
// has a 200 ms deadline returns by then, for a single-node and a cluster client.
// Without ContextTimeoutEnabled it waits out read_timeout (5 s by default).
func TestContextDeadlineBoundsACommand(t *testing.T) {
	addr := silentServer(t)
	for _, raw := range []string{"redis://" + addr + "/0", "redis+cluster://" + addr} {
		t.Run(raw, func(t *testing.T) {
			o, err := redisstore.ParseURL(raw)
			if err != nil {
				t.Fatal(err)
			}
			o.MaxRetries = -1
			c := redis.NewUniversalClient(o)
			defer c.Close()
			const limit = 200 * time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), limit)
			defer cancel()
			start := time.Now()
			err = c.Set(ctx, "fbtest:ctx-timeout", "x", time.Second).Err()
			took := time.Since(start)
			t.Logf("a command to a silent server returned after %v: %v", took.Round(time.Millisecond), err)
			if err == nil {
				t.Fatal("a silent server answered")
			}
			var ne net.Error
			if !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &ne) && ne.Timeout()) {
				t.Errorf("err = %v, want a timeout", err)
			}
			if took > limit+time.Second {
				t.Errorf("the command took %v with a %v deadline: the deadline does not bound it", took, limit)
			}
		})
	}
}

// silentServer listens on loopback, reads whatever clients send and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { _, _ = io.Copy(io.Discard, c) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}
