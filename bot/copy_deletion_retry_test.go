package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// takenOverWhilePaused plays replica A paused inside its post of j's run past
// the run's lease while replica B takes the run over, posts and records it; then
// beforeResume runs (when set) and A resumes. It returns both replicas and A's
// tick's error.
func takenOverWhilePaused(t *testing.T, be leaseBackend, ch *channelLog, j bot.Job, now time.Time, beforeResume func()) (a, b *bot.Scheduler, errA error) {
	t.Helper()
	pa := &pausedInPost{channelLog: ch, paused: make(chan struct{}), resume: make(chan struct{})}
	a = &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": pa}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1}
	b = &bot.Scheduler{Store: be.st, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1}
	doneA := make(chan error, 1)
	go func() { _, err := a.Tick(context.Background(), now); doneA <- err }()
	<-pa.paused
	be.expire()
	if _, err := b.Tick(context.Background(), now.Add(30*time.Second)); err != nil {
		t.Fatalf("B's tick: %v", err)
	}
	if beforeResume != nil {
		beforeResume()
	}
	close(pa.resume)
	return a, b, <-doneA
}

// TestDigestCopyWhoseDeletionFailedIsDeletedLater: replica A is paused inside its
// post past the run's lease, B takes the run over, posts and records it; A
// resumes, finds B's record, and its deletion of its copy fails (the platform
// rate-limiting). A's next ticks delete it: the copy used to stay in the
// channel for good, named by no record, out of every erasure's reach (a
// review's find).
func TestDigestCopyWhoseDeletionFailedIsDeletedLater(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range leaseBackends() {
		t.Run(name, func(t *testing.T) {
			be := open(t)
			j := job(t, "0 9 * * *", "UTC")
			ch := &channelLog{}
			a, b, errA := takenOverWhilePaused(t, be, ch, j, now, func() { ch.failNextDeletes(1) })
			if errA == nil {
				t.Error("A's tick reported nothing of the copy it could not delete")
			}
			if posted, shown := ch.counts(); posted != 2 || shown != 2 {
				t.Fatalf("posted %d, %d in the channel, want both: the scenario is not set up", posted, shown)
			}
			for i := 1; i <= 2; i++ { // A's next ticks
				if _, err := a.Tick(context.Background(), now.Add(time.Duration(i)*time.Minute)); err != nil {
					t.Errorf("A's tick %d: %v", i, err)
				}
			}
			oneRecordedCopy(t, be.st, ch, j, now, 2, b)
		})
	}
}

// TestDigestCopyNeverDeletableIsGivenUp: a copy the platform keeps refusing to
// delete (the bot removed from the channel) is tried at A's next ticks, each
// reporting it, and given up on after maxRetracts, with an error in the log
// naming it: the ticks then report nothing more.
func TestDigestCopyNeverDeletableIsGivenUp(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	be := leaseBackends()["bolt"](t)
	j := job(t, "0 9 * * *", "UTC")
	ch := &channelLog{failDeletes: 1000}
	a, _, _ := takenOverWhilePaused(t, be, ch, j, now, nil)
	failed := 0
	for i := 1; i <= 30; i++ {
		if _, err := a.Tick(context.Background(), now.Add(time.Duration(i)*time.Minute)); err != nil {
			failed++
		}
	}
	if failed != bot.MaxRetracts-1 {
		t.Errorf("%d of A's next ticks reported the copy, want %d (the first try was the post's tick)", failed, bot.MaxRetracts-1)
	}
	if posted, shown := ch.counts(); posted != 2 || shown != 2 {
		t.Errorf("posted %d, %d in the channel, want both (the copy could never be deleted)", posted, shown)
	}
}

// TestAlertCopyWhoseDeletionFailedIsDeletedLater: replica A's pass is paused
// inside its post while B's raises the same alert and saves it; A resumes, finds
// the alert told elsewhere, and its deletion of its copy fails. A's SaveUnsaved
// (every alerts tick) then deletes it, the stored alert B's: the copy used to
// stay in the channel, named by no alert (a review's find).
func TestAlertCopyWhoseDeletionFailedIsDeletedLater(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			st, expire := open(t)
			ch := &channelLog{}
			a, _, errA := passPausedInPost(t, st, expire, ch, hs, t0, func() { ch.failNextDeletes(1) })
			if errA == nil {
				t.Error("A's pass reported nothing of the copy it could not delete")
			}
			if posted, shown := ch.counts(); posted != 2 || shown != 2 {
				t.Fatalf("posted %d, %d in the channel, want both: the scenario is not set up", posted, shown)
			}
			if left, err := a.SaveUnsaved(t.Context()); left != 0 || err != nil {
				t.Errorf("A's SaveUnsaved: %d left, %v", left, err)
			}
			oneAlertMessage(t, st, ch, bot.AlertFor("T1", hs[0], t0).Fingerprint, 2)
		})
	}
}

// TestDigestRecordWrittenAtShutdown: a digest posted whose record failed is kept
// in memory to be recorded at the next tick; a replica stopped before that tick
// writes it as Run returns, where it used to be lost with the process (and the
// run posted again by another replica beside this copy: a review's find).
func TestDigestRecordWrittenAtShutdown(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := &failingDocs{Store: open(t), kind: "digest-posted"}
			st.failNext.Store(1) // the post's own record write
			ch := &channelLog{}
			j := job(t, "0 9 * * *", "UTC")
			s := &bot.Scheduler{Store: st, Posters: map[feedbackbot.Platform]bot.Poster{"test": ch}, Jobs: []bot.Job{j}, Holder: "a"}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx, time.Hour, func() time.Time { return now }) }()
			deadline := time.Now().Add(20 * time.Second)
			for posted, _ := ch.counts(); posted == 0; posted, _ = ch.counts() {
				if time.Now().After(deadline) {
					t.Fatal("the digest was never posted")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if _, err := st.GetDoc(context.Background(), j.Workspace, "digest-posted", fmt.Sprintf("%s:%d", j.Name, now.Truncate(time.Hour).Unix())); !feedbackbot.IsNotFound(err) {
				t.Fatalf("the run's record before the shutdown: %v, want none (its write failed): the scenario is not set up", err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			oneRecordedCopy(t, st, ch, j, now, 1)
		})
	}
}
