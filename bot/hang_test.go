package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot/bot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

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
	p := redistest.NewProxy(t, c.Options().Addr)
	opts := *c.Options()
	// as redisstore.ParseURL configures every client: go-redis's default read timeout,
	// with context deadlines honoured
	opts.Addr, opts.ReadTimeout, opts.ContextTimeoutEnabled = p.Addr(), 3*time.Second, true
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

	p.Hold()
	start := time.Now()
	if _, err := capture.Append(ctx, evs[1:]...); err == nil {
		t.Fatal("capture succeeded against a hung Redis")
	}
	if took := time.Since(start); took > maxWait+time.Second {
		t.Errorf("capture gave up after %v, want by about its MaxWait %v (the platform's retry comes at 3 s)", took, maxWait)
	}
	p.Release()
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
