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

// pausedPassStores opens the stores a paused pass is tried on, each with a
// function that lets every lease taken so far run out (the embedded store's
// clock moved on; short leases waited out on Redis).
func pausedPassStores() map[string]func(t *testing.T) (store.Store, func()) {
	return map[string]func(t *testing.T) (store.Store, func()){
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
}

// oneAlertMessage checks that the alert fp was posted wantPosted times (twice
// where two replicas each posted it) and that one copy is left in the channel,
// the one the stored alert names (its erasures and edits reach it); it returns
// the stored alert.
func oneAlertMessage(t *testing.T, st store.Store, ch *channelLog, fp string, wantPosted int) feedbackbot.Alert {
	t.Helper()
	if posted, shown := ch.counts(); posted != wantPosted || shown != 1 {
		t.Errorf("the alert was posted %d times and %d copies are in the channel, want %d and 1", posted, shown, wantPosted)
	}
	got := readAlert(t, st, fp)
	if len(got.Posts) != 1 {
		t.Fatalf("the stored alert names %d messages, want 1: %+v", len(got.Posts), got.Posts)
	}
	ch.mu.Lock()
	inChannel := ch.shown[got.Posts[0].ID]
	ch.mu.Unlock()
	if !inChannel {
		t.Errorf("the stored alert names message %q, which is not the one left in the channel", got.Posts[0].ID)
	}
	return got
}

// passPausedInPost plays replica A's alert pass on hs, paused inside its post
// past its leases while replica B's pass, holding the alerts lease then, raises
// the same alert and saves it; then beforeResume runs (when set) and A resumes.
// It fails the test unless B raised the alert, and returns A's alerter and its
// pass's outcome.
func passPausedInPost(t *testing.T, st store.Store, expire func(), ch *channelLog, hs []feedbackbot.Health, t0 time.Time, beforeResume func()) (*bot.Alerter, bot.AlertOutcome, error) {
	t.Helper()
	ctx := t.Context()
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
		if beforeResume != nil {
			beforeResume()
		}
	}
	outA, errA := a.Evaluate(ctx, "T1", hs, t0)
	if errB != nil {
		t.Fatalf("B's pass: %v", errB)
	}
	if outB.Raised != 1 {
		t.Fatalf("B raised %d alerts, want 1: the scenario is not set up (%+v)", outB.Raised, outB)
	}
	return a, outA, errA
}

// passPausedBeforeItsSave plays replica A's alert pass on hs at t0, paused right
// after its first read of the alert once its message is in the channel (the
// read after its post, which found it untold), past its leases, while replica
// B's pass, holding the alerts lease then, raises the alert at bAt; then A
// resumes. A posts with what posterA makes of the function its post calls once
// its message is in the channel, B with posterB. It fails the test unless B
// raised the alert, and returns B's alerter and A's pass's outcome.
func passPausedBeforeItsSave(t *testing.T, st store.Store, expire func(), hs []feedbackbot.Health, t0, bAt time.Time,
	posterA func(landed func()) bot.AlertPoster, posterB bot.AlertPoster) (b *bot.Alerter, outA bot.AlertOutcome, errA error) {
	t.Helper()
	ctx := t.Context()
	var postLanded atomic.Bool
	sa := &pauseAfterLook{Store: st, kind: bot.DocAlert, armed: &postLanded, paused: make(chan struct{}), resume: make(chan struct{})}
	a := &bot.Alerter{Store: sa, Poster: posterA(func() { postLanded.Store(true) }), Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
	b = &bot.Alerter{Store: st, Poster: posterB, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
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
	outB, err := b.Evaluate(ctx, "T1", hs, bAt)
	if err != nil || outB.Raised != 1 {
		t.Fatalf("B's pass: %+v, %v; want the alert raised: the scenario is not set up", outB, err)
	}
	close(sa.resume)
	oa := <-doneA
	return b, oa.out, oa.err
}

// TestAlertPausedInsideItsPostIsNotLeftTwice: replica A's pass posts an alert
// and is paused inside the post call past its leases; meanwhile replica B's pass
// raises the same alert and saves it. When A resumes, the alert is B's: A deletes
// its copy and saves nothing over B's, so the channel shows one message, the one
// the stored alert names (its erasures and edits reach it).
func TestAlertPausedInsideItsPostIsNotLeftTwice(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			st, expire := open(t)
			ch := &channelLog{}
			_, outA, errA := passPausedInPost(t, st, expire, ch, hs, t0, nil)
			if errA != nil {
				t.Errorf("A's pass: %v", errA)
			}
			if outA.Elsewhere != 1 || outA.Raised != 0 {
				t.Errorf("A's pass raised %d and left %d to B, want 0 and 1", outA.Raised, outA.Elsewhere)
			}
			oneAlertMessage(t, st, ch, bot.AlertFor("T1", hs[0], t0).Fingerprint, 2)
		})
	}
}

// TestAlertPostRaceKeepsOneMessage: replica A's pass posts an alert, reads it
// untold after its post, and is paused before its save, past its leases;
// meanwhile B's pass raises the same alert, posts it and saves it. When A
// resumes, its save finds the alert told since it read it (B's): A deletes its
// copy and keeps B's alert, so the channel shows one message, the one the stored
// alert names. Two replicas' clocks may read the same instant: B's pass at A's
// time is told from A's by the message the stored alert names.
func TestAlertPostRaceKeepsOneMessage(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	for _, clocks := range []struct {
		name  string
		bLate time.Duration // how much later B's pass's clock reads than A's
	}{{"B a second later", time.Second}, {"the same instant", 0}} {
		for name, open := range pausedPassStores() {
			t.Run(clocks.name+"/"+name, func(t *testing.T) {
				ctx := t.Context()
				st, expire := open(t)
				ch := &channelLog{}
				b, outA, errA := passPausedBeforeItsSave(t, st, expire, hs, t0, t0.Add(clocks.bLate),
					func(landed func()) bot.AlertPoster { return &alertChannel{channelLog: ch, hook: landed} }, &alertChannel{channelLog: ch})
				if errA != nil {
					t.Errorf("A's pass: %v", errA)
				}
				if outA.Raised != 0 || outA.Elsewhere != 1 {
					t.Errorf("A's pass raised %d alerts and left %d to B, want 0 and 1: B's post is the alert's (%+v)", outA.Raised, outA.Elsewhere, outA)
				}
				got := oneAlertMessage(t, st, ch, bot.AlertFor("T1", hs[0], t0).Fingerprint, 2)
				if !got.NotifiedAt.Equal(t0.Add(clocks.bLate)) {
					t.Errorf("the stored alert was told at %v, want B's %v", got.NotifiedAt, t0.Add(clocks.bLate))
				}
				// The next pass (B's, holding the alerts lease) sees nothing to tell:
				// the alert is told, and nothing is posted again.
				next, err := b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute))
				if err != nil || next.Raised+next.Repeated != 0 {
					t.Errorf("the next pass: %+v, %v; want nothing posted", next, err)
				}
				if posted, shown := ch.counts(); posted != 2 || shown != 1 {
					t.Errorf("after the next pass: %d posted, %d in the channel; want 2 and 1", posted, shown)
				}
			})
		}
	}
}
