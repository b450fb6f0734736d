package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// hookedPost is a replica's alerts poster that runs hook once inside its first
// post, before or after its message is in the channel (a replica killed there,
// whose successor's pass the hook plays).
type hookedPost struct {
	*markedChannel
	landFirst bool
	once      sync.Once
	hook      func()
}

func (p *hookedPost) Post(ctx context.Context, channel string, doc feedbackbot.Document) (ref feedbackbot.PostRef, err error) {
	if p.landFirst {
		ref, err = p.markedChannel.Post(ctx, channel, doc)
	}
	first := false
	p.once.Do(func() { first = true; p.hook() })
	if !p.landFirst || !first {
		ref, err = p.markedChannel.Post(ctx, channel, doc)
	}
	return ref, err
}

// TestAlertOfAPassKilledAfterItsPostIsNotPostedAgain: replica A's pass posts
// an alert and dies before saving it. B's pass, holding the alerts lease once
// A's has expired, finds the alert untold and A's announcement of its post: it
// searches the channel for the post's mark, finds A's message, edits it into
// its own document and saves it as the alert's, posting nothing. Where A died
// before its message went out, or the channel cannot be searched, B posts. At
// the end A goes on, as a pass that was only paused does: the channel keeps one
// message, the one the stored alert names.
func TestAlertOfAPassKilledAfterItsPostIsNotPostedAgain(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	fp := bot.AlertFor("T1", hs[0], t0).Fingerprint
	for name, open := range pausedPassStores() {
		for _, tc := range []struct {
			name       string
			landFirst  bool
			findErr    error
			wantPosted int // once A has gone on
			bPosts     bool
		}{
			{name: "its message is in the channel", landFirst: true, wantPosted: 1},
			{name: "it died before its message went out", wantPosted: 2, bPosts: true},
			{name: "the channel cannot be searched", landFirst: true, findErr: errors.New("missing_scope"), wantPosted: 2, bPosts: true},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ctx := t.Context()
				st, expire := open(t)
				ch := newMarkedChannel()
				ch.findErr = tc.findErr
				pa := &hookedPost{markedChannel: ch, landFirst: tc.landFirst}
				a := &bot.Alerter{Store: st, Poster: pa, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
				b := &bot.Alerter{Store: st, Poster: ch, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
				if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || !ok {
					t.Fatalf("alerts lease: %v %v", ok, err)
				}
				var outB bot.AlertOutcome
				var errB error
				var postedB, shownB int
				tries := 1
				if tc.findErr != nil {
					tries = 5
				}
				pa.hook = func() {
					expire()
					if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
						errB = errors.Join(err, errors.New("B did not get the alerts lease"))
						return
					}
					// (a search that fails says nothing: B's next passes try again, and
					// the fifth posts)
					for i := 1; i <= tries; i++ {
						outB, errB = b.Evaluate(ctx, "T1", hs, t0.Add(time.Duration(i)*time.Minute))
						if p, _ := ch.counts(); i < tries {
							if errB == nil || outB.Raised != 0 || p != 1 {
								errB = fmt.Errorf("B's pass %d, the channel unsearchable: %+v, %d posted, err %v; want an error and nothing posted", i, outB, p, errB)
								return
							}
							errB = nil
						}
					}
					postedB, shownB = ch.counts()
				}
				outA, errA := a.Evaluate(ctx, "T1", hs, t0)
				if errB != nil {
					t.Fatalf("B's pass: %v", errB)
				}
				if outB.Raised != 1 {
					t.Errorf("B's pass raised %d alerts, want 1 (%+v)", outB.Raised, outB)
				}
				wantB := 0
				if tc.landFirst {
					wantB++
				}
				if tc.bPosts {
					wantB++
				}
				if postedB != wantB || shownB != wantB {
					t.Errorf("after B's pass: %d posted, %d in the channel, want %d and %d", postedB, shownB, wantB, wantB)
				}
				ch.mu.Lock()
				finds, edits := ch.finds, len(ch.edits)
				ch.mu.Unlock()
				if finds != tries {
					t.Errorf("B searched the channel %d times, want %d (A announced its post)", finds, tries)
				}
				if wantEdits := map[bool]int{true: 0, false: 1}[tc.bPosts]; edits != wantEdits {
					t.Errorf("%d messages edited, want %d (the one found, into B's alert)", edits, wantEdits)
				}
				if errA != nil {
					t.Errorf("A's pass, gone on: %v", errA)
				}
				if outA.Raised != 0 || outA.Elsewhere != 1 {
					t.Errorf("A's pass, gone on, raised %d and left %d to B, want 0 and 1", outA.Raised, outA.Elsewhere)
				}
				posted, shown := ch.counts()
				if posted != tc.wantPosted || shown != 1 {
					t.Errorf("the alert was posted %d times and %d copies are in the channel, want %d and 1", posted, shown, tc.wantPosted)
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
			})
		}
	}
}

// TestAlertFoundByAnotherPassBeforeItsSaveIsKept: replica A's pass posts an
// alert, reads it untold after its post, and is paused before its save past its
// leases; B's pass finds A's message by its mark and saves it as the alert's.
// When A resumes, its save finds the alert told since, by B, with A's own
// message: A keeps it (deleting it as a copy would leave the alert naming a
// message no longer in the channel).
func TestAlertFoundByAnotherPassBeforeItsSaveIsKept(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, expire := open(t)
			ch := newMarkedChannel()
			var postLanded atomic.Bool
			sa := &pauseAfterLook{Store: st, kind: bot.DocAlert, armed: &postLanded, paused: make(chan struct{}), resume: make(chan struct{})}
			pa := &hookedPost{markedChannel: ch, landFirst: true, hook: func() { postLanded.Store(true) }}
			a := &bot.Alerter{Store: sa, Poster: pa, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
			b := &bot.Alerter{Store: st, Poster: ch, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
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
			outB, err := b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute))
			if err != nil || outB.Raised != 1 {
				t.Fatalf("B's pass: %+v, %v; want the alert raised", outB, err)
			}
			close(sa.resume)
			oa := <-doneA
			if oa.err != nil {
				t.Errorf("A's pass: %v", oa.err)
			}
			if oa.out.Raised != 0 || oa.out.Elsewhere != 1 {
				t.Errorf("A's pass raised %d alerts and left %d to B, want 0 and 1 (%+v)", oa.out.Raised, oa.out.Elsewhere, oa.out)
			}
			if posted, shown := ch.counts(); posted != 1 || shown != 1 {
				t.Errorf("the alert was posted %d times and %d copies are in the channel, want 1 and 1", posted, shown)
			}
			got := readAlert(t, st, bot.AlertFor("T1", hs[0], t0).Fingerprint)
			ch.mu.Lock()
			inChannel := len(got.Posts) == 1 && ch.shown[got.Posts[0].ID]
			ch.mu.Unlock()
			if !inChannel {
				t.Errorf("the stored alert names %+v, not the message in the channel", got.Posts)
			}
		})
	}
}
