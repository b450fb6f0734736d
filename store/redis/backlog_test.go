package redisstore_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestBacklogAfterForgetIsRedisLagSetRight: a forgotten person's undelivered
// entry (XDEL) that the group then reads past leaves Redis 7.0's lag counting it
// (its entries-read misses the deleted entry). Backlog counts the log once and
// sets the group's entries-read right, so Redis's own lag is right again and later
// calls read it instead of paging the log (a review's find: every call after one
// forget paged every undelivered entry).
func TestBacklogAfterForgetIsRedisLagSetRight(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	var evs []feedbackbot.Event
	for i := range 8 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "hello", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Minute))
		m.Author = "bob"
		if i == 4 {
			m.Author = "alice"
		}
		evs = append(evs, storetest.Put(m))
	}
	if _, err := s.Append(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	read := func(n int) {
		t.Helper()
		es, err := s.Read(ctx, "c1", n, 0)
		if err != nil || len(es) != n {
			t.Fatalf("read %d: %d %v", n, len(es), err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
	}
	read(4)
	if _, err := s.Forget(ctx, "W1", "alice"); err != nil { // her entry, the fifth, was not delivered
		t.Fatal(err)
	}
	read(2) // past her deleted entry: one entry left
	redisLag := func() int64 {
		t.Helper()
		gs, err := client.XInfoGroups(ctx, prefix+":{W1}:log").Result()
		if err != nil || len(gs) != 1 {
			t.Fatalf("groups: %v %v", gs, err)
		}
		return gs[0].Lag
	}
	if got := redisLag(); got != 2 {
		t.Logf("Redis reports a lag of %d before Backlog (7.0 reports 2 for 1)", got)
	}
	for range 2 {
		if n, err := s.Backlog(ctx); err != nil || n != 1 {
			t.Fatalf("Backlog = %d, %v; want 1", n, err)
		}
	}
	if got := redisLag(); got != 1 {
		t.Errorf("Redis's lag after Backlog = %d, want 1: entries-read set right", got)
	}
	// Redis's lag carries on right: one more appended, one read.
	m := storetest.Msg("W1", "m8", "hello", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base.Add(time.Hour))
	m.Author = "bob"
	if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Backlog(ctx); err != nil || n != 2 || redisLag() != 2 {
		t.Fatalf("Backlog = %d, %v (Redis's lag %d); want 2", n, err, redisLag())
	}
	read(1)
	if n, err := s.Backlog(ctx); err != nil || n != 1 {
		t.Fatalf("Backlog = %d, %v; want 1", n, err)
	}
	read(1)
	if n, err := s.Backlog(ctx); err != nil || n != 0 {
		t.Fatalf("Backlog = %d, %v; want 0", n, err)
	}
}

// TestBacklogCountsALongLogInChunks: with a deleted entry after the group's cursor
// Redis cannot tell the lag, and Backlog counts it, in chunks of 5,000 (one script
// over a long backlog held every other client: 0.39 s at 300,000, a review found):
// 12,000 entries waiting, across three chunks, are counted exactly.
func TestBacklogCountsALongLogInChunks(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	var evs []feedbackbot.Event
	for i := range 12_001 {
		m := storetest.Msg("W1", fmt.Sprintf("m%05d", i), "hello", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Second))
		m.Author = "bob"
		if i == 6000 {
			m.Author = "alice"
		}
		evs = append(evs, storetest.Put(m))
	}
	for chunk := range slices.Chunk(evs, 2000) {
		if _, err := s.Append(ctx, chunk...); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.Read(ctx, "c1", 1, 0) // the group exists, its cursor at the first entry
	if err != nil || len(es) != 1 {
		t.Fatal(err, len(es))
	}
	if err := s.Ack(ctx, es...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Forget(ctx, "W1", "alice"); err != nil { // a deleted entry after the cursor
		t.Fatal(err)
	}
	for range 2 {
		if n, err := s.Backlog(ctx); err != nil || n != 11_999 {
			t.Fatalf("Backlog = %d, %v; want 11,999", n, err)
		}
	}
}
