package main

import (
	"context"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// slowBacklog is a real Redis store whose backlog takes as long as a count of
// millions of entries after deletions does (past the probe's 2 s).
type slowBacklog struct{ *redisstore.Store }

func (s slowBacklog) Backlog(ctx context.Context) (int64, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// TestReadinessDoesNotCountTheBacklog: /readyz asks the store whether it answers,
// not how many entries wait: a Redis store counts those one by one once entries were
// deleted (forget, retention), and past a million or two the count outlasted the
// probe, so every replica reported not ready with Redis answering PING in 0.2 ms (a
// review's find). The backlog gauge reads the last background count, so a scrape
// never waits for one either.
func TestReadinessDoesNotCountTheBacklog(t *testing.T) {
	client, prefix := redistest.Client(t)
	real := redisstore.New(client, redisstore.Options{Prefix: prefix})
	var st store.Store = slowBacklog{real}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := readiness(st)(ctx); err != nil || time.Since(start) > time.Second {
		t.Errorf("readiness = %v after %v, want ready at once", err, time.Since(start))
	}
	// The gauge: the background count of the real store.
	for _, id := range []string{"m1", "m2", "m3"} {
		if _, err := real.Append(t.Context(), storetest.Put(storetest.Msg("W1", id, "x", "", "", "C1", storetest.Base))); err != nil {
			t.Fatal(err)
		}
	}
	s := &server{st: real}
	wctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); s.watchBacklog(wctx, time.Hour) }()
	deadline := time.Now().Add(5 * time.Second)
	for s.backlog.Load() != 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if n := s.backlog.Load(); n != 3 {
		t.Errorf("backlog gauge = %d, want 3", n)
	}
}
