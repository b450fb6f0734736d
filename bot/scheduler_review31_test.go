package bot_test

import (
	"cmp"
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// shortLeases is the Redis store with every lease of a minute or more (the
// scheduler's, a digest run's 15 minutes) lasting ttl, so that a replica can
// outlive its leases in a test.
type shortLeases struct {
	*redisstore.Store
	ttl time.Duration
}

func (s shortLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if ttl >= time.Minute {
		ttl = s.ttl
	}
	return s.Store.AcquireLease(ctx, name, holder, ttl)
}

// leaseBackend is a store shared by replicas and a way to make the leases taken
// so far run out, as they do when their holder is paused for longer.
type leaseBackend struct {
	st     store.Store // what the replicas use
	expire func()      // the leases taken so far run out
}

// leaseBackends are the embedded store, whose clock the test moves on (16
// minutes: past a run's lease), and Redis, whose long leases last 150 ms.
func leaseBackends() map[string]func(t *testing.T) leaseBackend {
	return map[string]func(t *testing.T) leaseBackend{
		"bolt": func(t *testing.T) leaseBackend {
			var skew atomic.Int64
			st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{ClaimIdle: storetest.ClaimIdle,
				Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return leaseBackend{st: st, expire: func() { skew.Add(int64(16 * time.Minute)) }}
		},
		"redis": func(t *testing.T) leaseBackend {
			client, prefix := redistest.Client(t)
			st := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
			const ttl = 150 * time.Millisecond
			return leaseBackend{st: shortLeases{st, ttl}, expire: func() { time.Sleep(ttl + 100*time.Millisecond) }}
		},
	}
}

// pauseAfterLook is a replica's store that pauses the replica right after its
// at-th look at a document of kind (the first when at is 0; a run's "posted"
// record, bot's docPosted, when kind is empty: a run's third look is the one
// after its post), counting only the looks once armed is set (always, when it
// is nil), as a SIGSTOP, a frozen VM or a long digest build does: the replica
// goes on building and posting when resume closes.
type pauseAfterLook struct {
	store.Store
	kind   string
	at     int
	armed  *atomic.Bool
	seen   atomic.Int64
	once   sync.Once
	paused chan struct{}
	resume chan struct{}
}

func (s *pauseAfterLook) GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error) {
	raw, err := s.Store.GetDoc(ctx, workspace, kind, id)
	if kind == cmp.Or(s.kind, "digest-posted") && (s.armed == nil || s.armed.Load()) && s.seen.Add(1) >= int64(max(s.at, 1)) {
		s.once.Do(func() {
			close(s.paused)
			<-s.resume
		})
	}
	return raw, err
}

// TestDigestNotPostedTwiceByAReplicaPausedPastItsRunLease: replica A takes a run,
// finds it not posted and is paused (here: right after that look) for longer
// than the run's lease. When it resumes, it posts only if the run is still its
// own and still not posted: not when B took the run over and posted it, nor
// when B took it over and is building it; and it does post when the lease ran
// out with no one taking the run (a digest is never dropped).
func TestDigestNotPostedTwiceByAReplicaPausedPastItsRunLease(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	// What replica B does while A is paused and A's leases run out.
	const (
		bPosts   = iota // ticks: takes the run over and posts it
		bBuilds         // ticks up to its own look at the record, and waits there until A's tick ends
		bNothing        // does not tick
	)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				b     int
				wantA int // A's posts (and B's: the rest of one)
			}{
				{"another replica posted it meanwhile", bPosts, 0},
				{"another replica is building it", bBuilds, 0},
				{"the lease ran out and no one took the run", bNothing, 1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					be := open(t)
					j := job(t, "0 9 * * *", "UTC")
					pa, pb := &recordingPoster{}, &recordingPoster{}
					sa := &pauseAfterLook{Store: be.st, paused: make(chan struct{}), resume: make(chan struct{})}
					sb := &pauseAfterLook{Store: be.st, paused: make(chan struct{}), resume: make(chan struct{})}
					if tc.b != bBuilds {
						sb.once.Do(func() {}) // B does not pause
					}
					a := &bot.Scheduler{Store: sa, Posters: map[feedbackbot.Platform]bot.Poster{"test": pa}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
					b := &bot.Scheduler{Store: sb, Posters: map[feedbackbot.Platform]bot.Poster{"test": pb}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1}
					tick := func(who string, s *bot.Scheduler, at time.Time, ps *pauseAfterLook) <-chan error {
						done := make(chan error, 1)
						go func() { _, err := s.Tick(context.Background(), at); done <- err }()
						if ps == nil {
							return done
						}
						select {
						case <-ps.paused:
						case err := <-done:
							t.Fatalf("%s's tick ended (%v) without looking at the run's record", who, err)
						case <-time.After(20 * time.Second):
							t.Fatalf("%s never looked at the run's record", who)
						}
						return done
					}

					doneA := tick("A", a, now, sa)
					be.expire()
					var doneB <-chan error
					switch tc.b {
					case bPosts:
						if err := <-tick("B", b, now.Add(30*time.Second), nil); err != nil {
							t.Fatalf("B's tick: %v", err)
						}
						if pb.count() != 1 {
							t.Fatalf("B posted %d times, want once: the scenario is not set up", pb.count())
						}
					case bBuilds:
						doneB = tick("B", b, now.Add(30*time.Second), sb)
					}
					close(sa.resume)
					if err := <-doneA; err != nil {
						t.Errorf("A's tick: %v", err)
					}
					if doneB != nil {
						close(sb.resume)
						if err := <-doneB; err != nil {
							t.Errorf("B's tick: %v", err)
						}
					}
					if got := pa.count() + pb.count(); got != 1 || pa.count() != tc.wantA {
						t.Errorf("the 09:00 digest was posted %d times (A %d, B %d), want once (A %d)", got, pa.count(), pb.count(), tc.wantA)
					}
				})
			}
		})
	}
}
