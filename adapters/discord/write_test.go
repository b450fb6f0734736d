package discordadapter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// refusingStore is a real store that refuses, as invalid, any batch holding a
// message whose text is "BAD", and fails the next outage writes as a store that
// cannot be reached does.
type refusingStore struct {
	store.Store
	mu     sync.Mutex
	outage int
}

func (s *refusingStore) Append(ctx context.Context, evs ...feedbackbot.Event) (int, error) {
	for _, ev := range evs {
		if ev.Message.Text == "BAD" {
			return 0, feedbackbot.Errorf(feedbackbot.EINVALID, "a bad event")
		}
	}
	s.mu.Lock()
	down := s.outage > 0
	if down {
		s.outage--
	}
	s.mu.Unlock()
	if down {
		return 0, errors.New("dial tcp 127.0.0.1:6379: connection refused")
	}
	return s.Store.Append(ctx, evs...)
}

// TestRefusedBatchKeepsItsGoodEvents: a batch the store refuses for one bad event
// is written event by event; while the store is also briefly unreachable, each good
// event is retried until it is stored (each was tried once, and lost).
func TestRefusedBatchKeepsItsGoodEvents(t *testing.T) {
	st := boltFor(t)
	sink := &refusingStore{Store: st}
	a, err := New(testConfig(), sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	put := func(id, text string) feedbackbot.Event {
		return feedbackbot.Event{Kind: feedbackbot.EventPut, Message: feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord,
			Workspace: guild, Channel: chGeneral, Author: userAlice, Role: feedbackbot.RoleCustomer, Text: text, Time: at}}
	}
	sink.outage = 2 // once the batch is refused
	a.write(context.Background(), []feedbackbot.Event{put("500000000000000001", "the sync fails"), put("500000000000000002", "BAD"), put("500000000000000003", "still failing")})
	for _, id := range []string{"500000000000000001", "500000000000000003"} {
		m := feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord, Workspace: guild}
		if _, found, err := st.Newest(context.Background(), m.Key()); err != nil || !found {
			t.Errorf("the good event %s was not stored (%v)", id, err)
		}
	}
	if n, _ := st.Backlog(context.Background()); n != 2 {
		t.Errorf("the log holds %d entries, want the 2 good ones", n)
	}
}

// TestShutdownDrainEndsWhileTheStoreIsDown: at shutdown the capture loop retried
// queued events against an unreachable store for ever, so SIGTERM never finished
// (until the process was killed, losing them anyway; a review's find). The retries
// end captureDrainGrace into the shutdown, with an error that says so.
func TestShutdownDrainEndsWhileTheStoreIsDown(t *testing.T) {
	defer func(g time.Duration) { captureDrainGrace = g }(captureDrainGrace)
	captureDrainGrace = 300 * time.Millisecond
	st := boltFor(t)
	sink := &refusingStore{Store: st, outage: 1 << 30}
	a, err := New(testConfig(), sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.stopBase() // shutting down
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.write(context.Background(), []feedbackbot.Event{{Kind: feedbackbot.EventPut, Message: feedbackbot.Message{ID: "500000000000000001", Platform: feedbackbot.PlatformDiscord,
			Workspace: guild, Channel: chGeneral, Author: userAlice, Role: feedbackbot.RoleCustomer, Text: "hello", Time: time.Now()}}})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the capture drain was still retrying 10 s into the shutdown")
	}
}

// hangingStore is a real store whose appends hang until their context ends: a
// store partitioned away, which neither answers nor refuses.
type hangingStore struct {
	store.Store
	calls atomic.Int32
}

func (s *hangingStore) Append(ctx context.Context, evs ...feedbackbot.Event) (int, error) {
	s.calls.Add(1)
	<-ctx.Done()
	return 0, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store unreachable: %v", ctx.Err())
}

// TestShutdownDrainEndsWhileTheStoreHangs: a shutdown with a queue of several
// batches and a store that hangs rather than refusing ends about the drain's
// grace after it began: no attempt outlasts the grace, and once one has failed
// past it the rest are given up untried. Each batch got its own 10 s attempt
// after the grace, some 26 minutes for a full queue (a review's find).
func TestShutdownDrainEndsWhileTheStoreHangs(t *testing.T) {
	defer func(g time.Duration) { captureDrainGrace = g }(captureDrainGrace)
	captureDrainGrace = 300 * time.Millisecond
	sink := &hangingStore{Store: boltFor(t)}
	start := time.Now()
	drainAtShutdown(t, sink, 130, 8*time.Second) // three batches of 64 at most
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the drain took %v; want about the grace (300ms) and an attempt", took)
	}
	if n := sink.calls.Load(); n >= 10 {
		t.Errorf("%d attempts; want the batches after the first failure past the grace given up untried", n)
	}
}

// slowStore is a real store whose appends take delay, then succeed.
type slowStore struct {
	store.Store
	delay time.Duration
}

func (s *slowStore) Append(ctx context.Context, evs ...feedbackbot.Event) (int, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return 0, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store unreachable: %v", ctx.Err())
	}
	return s.Store.Append(ctx, evs...)
}

// TestShutdownDrainTakesTheQueueOfASlowStore: a store that answers slowly
// (350 ms a batch) still takes the whole queue at shutdown, past the drain's
// grace: the bound on a hanging store's drain gave up the queue behind the
// first batch its grace cut short (a review's find).
func TestShutdownDrainTakesTheQueueOfASlowStore(t *testing.T) {
	defer func(g time.Duration) { captureDrainGrace = g }(captureDrainGrace)
	captureDrainGrace = time.Second
	st := boltFor(t)
	drainAtShutdown(t, &slowStore{Store: st, delay: 350 * time.Millisecond}, 320, 20*time.Second) // five batches of 64
	if n, err := st.Backlog(context.Background()); err != nil || n != 320 {
		t.Errorf("the log holds %d events (%v), want all 320", n, err)
	}
}

// boltFor is an embedded store in a temporary directory, closed when t ends.
func boltFor(t *testing.T) store.Store {
	t.Helper()
	st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// drainAtShutdown queues n customer messages in an adapter over sink that is
// shutting down and drains them with its capture loop, failing t when the
// drain has not ended within limit.
func drainAtShutdown(t *testing.T, sink Sink, n int, limit time.Duration) {
	t.Helper()
	a, err := New(testConfig(), sink, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.stopBase() // shutting down
	for i := range n {
		a.queue <- feedbackbot.Event{Kind: feedbackbot.EventPut, Message: feedbackbot.Message{ID: fmt.Sprintf("50000000000000%05d", i), Platform: feedbackbot.PlatformDiscord,
			Workspace: guild, Channel: chGeneral, Author: userAlice, Role: feedbackbot.RoleCustomer, Text: "hello", Time: time.Now()}}
	}
	close(a.queue)
	go a.captureLoop(context.Background())
	select {
	case <-a.captureDone:
	case <-time.After(limit):
		t.Fatalf("the capture drain was still retrying %v into the shutdown", limit)
	}
}
