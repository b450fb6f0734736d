package bot_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// allShortLeases is the Redis store with every lease lasting ttl, the alert's
// 10-second posting lease too.
type allShortLeases struct {
	*redisstore.Store
	ttl time.Duration
}

func (s allShortLeases) AcquireLease(ctx context.Context, name, holder string, _ time.Duration) (bool, error) {
	return s.Store.AcquireLease(ctx, name, holder, s.ttl)
}

// alertChannel is the alerts channel: what is in it (channelLog), and a hook run
// once inside the first post, its message already in the channel.
type alertChannel struct {
	*channelLog
	once sync.Once
	hook func()
}

func (c *alertChannel) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	ref, err := c.channelLog.Post(ctx, channel, doc)
	if c.hook != nil {
		c.once.Do(c.hook)
	}
	return ref, err
}

func (c *alertChannel) Update(context.Context, feedbackbot.PostRef, feedbackbot.Document) error {
	return nil
}

// TestAlertPausedInsideItsPostIsNotLeftTwice: replica A's pass posts an alert
// and is paused inside the post call past its leases; meanwhile replica B's pass
// raises the same alert and saves it. When A resumes, the alert is B's: A deletes
// its copy and saves nothing over B's, so the channel shows one message, the one
// the stored alert names (its erasures and edits reach it).
func TestAlertPausedInsideItsPostIsNotLeftTwice(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	opens := map[string]func(t *testing.T) (store.Store, func()){
		"bolt": func(t *testing.T) (store.Store, func()) {
			var skew atomic.Int64
			st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{ClaimIdle: storetest.ClaimIdle,
				Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, func() { skew.Add(int64(11 * time.Minute)) }
		},
		"redis": func(t *testing.T) (store.Store, func()) {
			client, prefix := redistest.Client(t)
			const ttl = 150 * time.Millisecond
			st := allShortLeases{redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle}), ttl}
			return st, func() { time.Sleep(ttl + 100*time.Millisecond) }
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, expire := open(t)
			ch := &channelLog{}
			pa := &alertChannel{channelLog: ch}
			a := &bot.Alerter{Store: st, Poster: pa, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
			b := &bot.Alerter{Store: st, Poster: &alertChannel{channelLog: ch}, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("alerts lease: %v %v", ok, err)
			}
			var outB bot.AlertOutcome
			var errB error
			pa.hook = func() {
				expire()
				if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
					errB = err
					return
				}
				outB, errB = b.Evaluate(ctx, "T1", hs, t0)
			}
			outA, errA := a.Evaluate(ctx, "T1", hs, t0)
			if errB != nil {
				t.Fatalf("B's pass: %v", errB)
			}
			if outB.Raised != 1 {
				t.Fatalf("B raised %d alerts, want 1: the scenario is not set up (%+v)", outB.Raised, outB)
			}
			if errA != nil {
				t.Errorf("A's pass: %v", errA)
			}
			if outA.Elsewhere != 1 || outA.Raised != 0 {
				t.Errorf("A's pass raised %d and left %d to B, want 0 and 1", outA.Raised, outA.Elsewhere)
			}
			posted, shown := ch.counts()
			if posted != 2 || shown != 1 {
				t.Errorf("acct1's alert was posted %d times and %d copies are in the channel, want 2 and 1 (A %+v, %v)", posted, shown, outA, errA)
			}
			got := readAlert(t, st, bot.AlertFor("T1", hs[0], t0).Fingerprint)
			if len(got.Posts) != 1 {
				t.Fatalf("the stored alert names %d messages, want 1: %+v", len(got.Posts), got.Posts)
			}
			ch.mu.Lock()
			inChannel := ch.shown[got.Posts[0].ID]
			ch.mu.Unlock()
			if !inChannel {
				t.Errorf("the stored alert names message %q, which is not the one left in the channel", got.Posts[0].ID)
			}
		})
	}
}

// pauseAfterPostedCheck is a replica's store that pauses the replica at its first
// read of a stored alert after its poster has posted (posted is set), as a
// SIGSTOP does between that read and what follows it.
type pauseAfterPostedCheck struct {
	store.Store
	posted atomic.Bool
	once   sync.Once
	paused chan struct{}
	resume chan struct{}
}

func (s *pauseAfterPostedCheck) GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error) {
	raw, err := s.Store.GetDoc(ctx, workspace, kind, id)
	if kind == bot.DocAlert && s.posted.Load() {
		s.once.Do(func() {
			close(s.paused)
			<-s.resume
		})
	}
	return raw, err
}

// TestAlertPostRaceKeepsOneMessage: replica A's pass posts an alert and reads it
// untold after its post, and is paused there, past its leases; meanwhile B's pass
// raises the same alert, posts it and saves it. When A resumes, the post that
// follows the alert's state as both read it is B's (it claimed it first): A deletes
// its copy, so the channel shows one message, the one the stored alert names.
func TestAlertPostRaceKeepsOneMessage(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	for name, open := range map[string]func(t *testing.T) (store.Store, func()){
		"bolt": func(t *testing.T) (store.Store, func()) {
			var skew atomic.Int64
			st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{ClaimIdle: storetest.ClaimIdle,
				Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, func() { skew.Add(int64(11 * time.Minute)) }
		},
		"redis": func(t *testing.T) (store.Store, func()) {
			client, prefix := redistest.Client(t)
			const ttl = 150 * time.Millisecond
			st := allShortLeases{redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle}), ttl}
			return st, func() { time.Sleep(ttl + 100*time.Millisecond) }
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, expire := open(t)
			ch := &channelLog{}
			sa := &pauseAfterPostedCheck{Store: st, paused: make(chan struct{}), resume: make(chan struct{})}
			pa := &alertChannel{channelLog: ch, hook: func() { sa.posted.Store(true) }}
			a := &bot.Alerter{Store: sa, Poster: pa, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
			b := &bot.Alerter{Store: st, Poster: &alertChannel{channelLog: ch}, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("alerts lease: %v %v", ok, err)
			}
			type outcome struct {
				out bot.AlertOutcome
				err error
			}
			doneA := make(chan outcome, 1)
			go func() { o, err := a.Evaluate(ctx, "T1", hs, t0); doneA <- outcome{o, err} }()
			select {
			case <-sa.paused:
			case o := <-doneA:
				t.Fatalf("A's pass ended (%+v, %v) before its read after posting", o.out, o.err)
			case <-time.After(20 * time.Second):
				t.Fatal("A never posted")
			}
			expire()
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("B's alerts lease: %v %v", ok, err)
			}
			outB, err := b.Evaluate(ctx, "T1", hs, t0)
			if err != nil || outB.Raised != 1 {
				t.Fatalf("B's pass: %+v, %v; want the alert raised: the scenario is not set up", outB, err)
			}
			close(sa.resume)
			oa := <-doneA
			if oa.err != nil {
				t.Errorf("A's pass: %v", oa.err)
			}
			if oa.out.Raised != 0 || oa.out.Elsewhere != 1 {
				t.Errorf("A's pass raised %d alerts and left %d to B, want 0 and 1: B's post is the alert's (%+v)", oa.out.Raised, oa.out.Elsewhere, oa.out)
			}
			posted, shown := ch.counts()
			if posted != 2 || shown != 1 {
				t.Errorf("acct1's alert was posted %d times and %d copies are in the channel, want 2 and 1 (A %+v)", posted, shown, oa.out)
			}
			got := readAlert(t, st, bot.AlertFor("T1", hs[0], t0).Fingerprint)
			if len(got.Posts) != 1 {
				t.Fatalf("the stored alert names %d messages, want 1: %+v", len(got.Posts), got.Posts)
			}
			ch.mu.Lock()
			inChannel := ch.shown[got.Posts[0].ID]
			ch.mu.Unlock()
			if !inChannel {
				t.Errorf("the stored alert names message %q, which is not the one left in the channel", got.Posts[0].ID)
			}
		})
	}
}

// failAlertSave is a replica's store whose writes of alerts fail, and whose once
// markers last at most onceTTL (0: as asked).
type failAlertSave struct {
	store.Store
	fail    bool
	onceTTL time.Duration
}

func (s failAlertSave) PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error {
	if s.fail && kind == bot.DocAlert {
		return feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "the store went away")
	}
	return s.Store.PutDoc(ctx, workspace, kind, id, data)
}

func (s failAlertSave) Once(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if s.onceTTL > 0 {
		ttl = s.onceTTL
	}
	return s.Store.Once(ctx, name, ttl)
}

// TestAlertClaimOfADeadReplicaEnds: replica A's pass posts an alert and claims
// the post, and A dies before its save. B's passes find the claim while it lasts
// and delete their posts; once it has ended, B's pass posts the alert and saves
// it. The dead replica's message stays beside it (nothing names it).
func TestAlertClaimOfADeadReplicaEnds(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	for name, open := range map[string]func(t *testing.T) (store.Store, time.Duration, func()){
		"bolt": func(t *testing.T) (store.Store, time.Duration, func()) {
			var skew atomic.Int64
			st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{ClaimIdle: storetest.ClaimIdle,
				Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st, 0, func() { skew.Add(int64(11 * time.Minute)) }
		},
		"redis": func(t *testing.T) (store.Store, time.Duration, func()) {
			client, prefix := redistest.Client(t)
			// (the claim lasts long enough for B's first pass to start within it,
			// under the race detector on a busy machine too)
			const claim = 2 * time.Second
			st := allShortLeases{redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle}), 150 * time.Millisecond}
			return st, claim, func() { time.Sleep(claim + 200*time.Millisecond) }
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, onceTTL, expire := open(t)
			ch := &channelLog{}
			a := &bot.Alerter{Store: failAlertSave{Store: st, fail: true, onceTTL: onceTTL}, Poster: &alertChannel{channelLog: ch}, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("alerts lease: %v %v", ok, err)
			}
			if _, err := a.Evaluate(ctx, "T1", hs, t0); err == nil {
				t.Fatal("A's pass saved its alert: the scenario is not set up")
			}
			if posted, _ := ch.counts(); posted != 1 {
				t.Fatalf("A posted %d messages, want 1", posted)
			}
			// A is gone (its alerts lease with it). B's first pass, while A's claim
			// lasts (4 minutes; 2 s here):
			if err := st.ReleaseLease(ctx, bot.AlertsLease, "replica-a"); err != nil {
				t.Fatal(err)
			}
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("B's alerts lease: %v %v", ok, err)
			}
			b := &bot.Alerter{Store: failAlertSave{Store: st, onceTTL: onceTTL}, Poster: &alertChannel{channelLog: ch}, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
			out, err := b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute))
			if err != nil || out.Raised != 0 || out.Elsewhere != 1 {
				t.Errorf("B's pass while A's claim lasts: %+v, %v; want the alert left to A's claim", out, err)
			}
			if posted, shown := ch.counts(); posted != 2 || shown != 1 {
				t.Errorf("after B's first pass: %d posts, %d in the channel, want 2 and 1", posted, shown)
			}
			expire() // the claim ends
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("B's alerts lease: %v %v", ok, err)
			}
			out, err = b.Evaluate(ctx, "T1", hs, t0.Add(2*time.Minute))
			if err != nil || out.Raised != 1 {
				t.Errorf("B's pass once the claim ended: %+v, %v; want the alert raised", out, err)
			}
			if posted, shown := ch.counts(); posted != 3 || shown != 2 {
				t.Errorf("after B's second pass: %d posts, %d in the channel, want 3 and 2 (A's, unsaved, and B's)", posted, shown)
			}
			got := readAlert(t, st, bot.AlertFor("T1", hs[0], t0).Fingerprint)
			if len(got.Posts) != 1 || got.NotifiedAt.IsZero() {
				t.Errorf("the stored alert: %d messages, notified %v; want B's message saved", len(got.Posts), got.NotifiedAt)
			}
		})
	}
}
