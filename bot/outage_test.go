package bot_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWorkerSurvivesRedisOutage: Redis goes away while messages are being analysed;
// the worker retries with backoff and says so in the log; when Redis returns, every
// message is counted exactly once.
func TestWorkerSurvivesRedisOutage(t *testing.T) {
	direct, prefix := redistest.Client(t)
	c, ok := direct.(*redis.Client)
	if !ok {
		t.Skip("outage test needs a single-node Redis")
	}
	p := redistest.NewProxy(t, c.Options().Addr)
	opts := *c.Options()
	opts.Addr, opts.MaxRetries, opts.DialTimeout, opts.ReadTimeout = p.Addr(), -1, 200*time.Millisecond, 500*time.Millisecond
	viaProxy := redis.NewClient(&opts)
	t.Cleanup(func() { viaProxy.Close() })
	st := redisstore.New(viaProxy, redisstore.Options{Prefix: prefix})
	ctx := context.Background()
	a := analyzer(t)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	evs := messages("T1", 200, t0)
	if _, err := st.Append(ctx, evs[:100]...); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	w := &bot.Worker{Store: st, Analyzer: a, Consumer: "w1", Batch: 20, Wait: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Stats: new(bot.WorkerStats),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()

	time.Sleep(100 * time.Millisecond)
	p.Down()
	// Down until the worker has met the outage (700 ms, or longer on a loaded
	// machine: a fixed 700 ms could end before the worker's next call).
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		if w.Stats.Retries.Load() > 0 && strings.Contains(logs.String(), "retrying") {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	// Capture during the outage would fail; the rest arrives once Redis is back.
	p.Up()
	if _, err := st.Append(ctx, evs[100:]...); err != nil {
		t.Fatalf("append after recovery: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := st.Backlog(ctx)
		if err == nil && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backlog not drained after the outage: %d, %v\nlogs:\n%s", n, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rs, err := st.Rollups(ctx, "T1", t0.Add(-time.Hour), t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := feedbackbot.Totals(rs)[feedbackbot.CntMessages]; got != 200 {
		t.Fatalf("messages counted %d times, want 200", got)
	}
	if !strings.Contains(logs.String(), "retrying") || w.Stats.Retries.Load() == 0 {
		t.Errorf("the outage should be visible in logs and stats; retries=%d logs:\n%s", w.Stats.Retries.Load(), logs.String())
	}
	t.Logf("retries during the outage: %d", w.Stats.Retries.Load())
}
