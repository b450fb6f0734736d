package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// killedPassReplicas makes replica A's alerter, holding the alerts lease and
// posting through a hookedPost over ch (its message in the channel before the
// hook where landFirst), and B's, posting to ch. takeOver, for A's hook, lets
// A's leases run out and gives B the alerts lease.
func killedPassReplicas(t *testing.T, st store.Store, expire func(), ch *markedChannel, landFirst bool) (a, b *bot.Alerter, pa *hookedPost, takeOver func() error) {
	t.Helper()
	ctx := t.Context()
	pa = &hookedPost{markedChannel: ch, landFirst: landFirst}
	a = &bot.Alerter{Store: st, Poster: pa, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
	b = &bot.Alerter{Store: st, Poster: ch, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
	if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || !ok {
		t.Fatalf("alerts lease: %v %v", ok, err)
	}
	takeOver = func() error {
		expire()
		if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
			return errors.Join(err, errors.New("B did not get the alerts lease"))
		}
		return nil
	}
	return a, b, pa, takeOver
}

// acct1AtRisk is the killed-pass tests' account at risk for churn signals as
// of t0 (the first pass), and its alert's fingerprint; changedCause is the same
// account at risk for another cause (another alert).
func acct1AtRisk() (t0 time.Time, hs []feedbackbot.Health, fp string) {
	t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs = []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	return t0, hs, bot.AlertFor("T1", hs[0], t0).Fingerprint
}

var changedCause = []feedbackbot.Health{atRisk("acct1", 20, health.ReasonUnanswered, "k-acct1")}

// onlyMessage is the id of the one message posted to c so far.
func (c *markedChannel) onlyMessage() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.marks {
		return id
	}
	return ""
}

// isShown says whether message id is in the channel.
func (c *markedChannel) isShown(id string) bool {
	c.channelLog.mu.Lock()
	defer c.channelLog.mu.Unlock()
	return c.shown[id]
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
	t0, hs, fp := acct1AtRisk()
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
				a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, tc.landFirst)
				var outB bot.AlertOutcome
				var errB error
				var postedB, shownB int
				tries := 1
				if tc.findErr != nil {
					tries = 5
				}
				pa.hook = func() {
					if errB = takeOver(); errB != nil {
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
				oneAlertMessage(t, st, ch.channelLog, fp, tc.wantPosted)
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
			st, expire := open(t)
			ch := newMarkedChannel()
			_, outA, errA := passPausedBeforeItsSave(t, st, expire, hs, t0, t0.Add(time.Minute),
				func(landed func()) bot.AlertPoster {
					return &hookedPost{markedChannel: ch, landFirst: true, hook: landed}
				}, ch)
			if errA != nil {
				t.Errorf("A's pass: %v", errA)
			}
			if outA.Raised != 0 || outA.Elsewhere != 1 {
				t.Errorf("A's pass raised %d alerts and left %d to B, want 0 and 1 (%+v)", outA.Raised, outA.Elsewhere, outA)
			}
			oneAlertMessage(t, st, ch.channelLog, bot.AlertFor("T1", hs[0], t0).Fingerprint, 1)
		})
	}
}

// TestAlertFoundInTheChannelThatCannotBeEdited: B's pass finds the message A's
// pass posted and did not save, and its edit (into B's evidence: A's may quote
// someone forgotten since) fails. The alert is saved with A's message all the
// same, marked for the next pass's edit, which makes it; a message found deleted
// in the chat since is posted anew instead, and one in a channel refused since
// (shared with customers) is deleted there before the alert is posted anew: it
// stayed in view, named by no alert. Where that deletion fails, the alert waits
// for the next pass, which finds the message again and deletes it.
func TestAlertFoundInTheChannelThatCannotBeEdited(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	for name, open := range pausedPassStores() {
		refused := feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "slack channel CALERTS is shared with another workspace")
		for _, tc := range []struct {
			name        string
			editErr     error
			wantPosted  int
			adopted     bool
			failDeletes int // B's passes whose deletion of A's message fails
		}{
			{"the edit fails", errors.New("slack chat.update: internal_error"), 1, true, 0},
			{"the message was deleted since", feedbackbot.Errorf(feedbackbot.ENOTFOUND, "message_not_found"), 2, false, 0},
			{"the channel is refused since", refused, 2, false, 0},
			{"the channel is refused since, and a deletion fails", refused, 2, false, 1},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ctx := t.Context()
				st, expire := open(t)
				ch := newMarkedChannel()
				var posted feedbackbot.PostRef
				a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
				var errB error
				pa.hook = func() {
					ch.mu.Lock()
					for id := range ch.marks {
						posted = feedbackbot.PostRef{Platform: "test", Destination: "CALERTS", ID: id}
					}
					ch.editErrs = slices.Repeat([]error{tc.editErr}, 1+tc.failDeletes)
					ch.mu.Unlock()
					ch.failNextDeletes(tc.failDeletes)
					if errB = takeOver(); errB != nil {
						return
					}
					var out bot.AlertOutcome
					for range tc.failDeletes {
						out, err := b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute))
						if err == nil || !strings.Contains(err.Error(), "could not be deleted") || out.Raised != 0 {
							errB = fmt.Errorf("B's pass, A's message not deleted: %+v, %v; want the alert held back", out, err)
							return
						}
						if p, _ := ch.counts(); p != 1 {
							errB = fmt.Errorf("B's pass posted though A's message could not be deleted (%d posted)", p)
							return
						}
					}
					if out, errB = b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute)); errB == nil && out.Raised != 1 {
						errB = fmt.Errorf("B's pass raised %d alerts, want 1 (%+v)", out.Raised, out)
					}
					// (checked before A goes on: a replica that died never deletes
					// its message, as A, going on, does with a copy)
					if shownA := ch.isShown(posted.ID); errB == nil && shownA != tc.adopted {
						errB = fmt.Errorf("after B's pass A's message is in the channel: %v, want %v", shownA, tc.adopted)
					}
				}
				if _, err := a.Evaluate(ctx, "T1", hs, t0); err != nil {
					t.Errorf("A's pass, gone on: %v", err)
				}
				if errB != nil {
					t.Fatalf("B's pass: %v", errB)
				}
				got := readAlert(t, st, fp)
				if len(got.Posts) != 1 || (got.Posts[0] == posted) != tc.adopted {
					t.Fatalf("the stored alert names %+v; A posted %+v (want it named: %v)", got.Posts, posted, tc.adopted)
				}
				if tc.adopted {
					if !got.Redacted {
						t.Errorf("the alert saved with a message whose edit failed is not marked for the next pass's edit")
					}
					// B's next pass edits it
					if _, err := b.Evaluate(ctx, "T1", hs, t0.Add(2*time.Minute)); err != nil {
						t.Fatalf("B's next pass: %v", err)
					}
					ch.mu.Lock()
					edits := slices.Clone(ch.edits)
					ch.mu.Unlock()
					if !slices.Contains(edits, posted.ID) {
						t.Errorf("the message found was never edited (edits %q)", edits)
					}
					if readAlert(t, st, fp).Redacted {
						t.Errorf("the alert is still marked for an edit after the next pass")
					}
				}
				if p, shown := ch.counts(); p != tc.wantPosted || shown != 1 {
					t.Errorf("the alert was posted %d times and %d copies are in the channel, want %d and 1", p, shown, tc.wantPosted)
				}
			})
		}
	}
}

// TestAlertSearchThatFailsHoldsThatAlertAlone: B's pass cannot search the
// channel for the message A's pass posted for acct1 and did not save: acct1's
// alert waits for the next pass, and acct2's is raised meanwhile. The next pass,
// the channel searchable again, finds A's message and saves it.
func TestAlertSearchThatFailsHoldsThatAlertAlone(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1"), atRisk("acct2", 25, health.ReasonChurnSignal, "k-acct2")}
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, expire := open(t)
			ch := newMarkedChannel()
			a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
			var first, second bot.AlertOutcome
			var errFirst, errSecond error
			pa.hook = func() {
				if errFirst = takeOver(); errFirst != nil {
					return
				}
				ch.mu.Lock()
				ch.findErr = errors.New("slack conversations.history: ratelimited")
				ch.mu.Unlock()
				first, errFirst = b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute))
				ch.mu.Lock()
				ch.findErr = nil
				ch.mu.Unlock()
				second, errSecond = b.Evaluate(ctx, "T1", hs, t0.Add(2*time.Minute))
			}
			a.Evaluate(ctx, "T1", hs, t0) // (A goes on at the end; its second alert is B's by then)
			if errFirst == nil || !strings.Contains(errFirst.Error(), "could not be searched") {
				t.Errorf("B's first pass: %v; want acct1's alert held back, the search having failed", errFirst)
			}
			if first.Raised != 1 {
				t.Errorf("B's first pass raised %d alerts, want 1: acct2's (%+v)", first.Raised, first)
			}
			if errSecond != nil || second.Raised != 1 {
				t.Errorf("B's next pass: %+v, %v; want acct1's alert raised, A's message found", second, errSecond)
			}
			if posted, shown := ch.counts(); posted != 2 || shown != 2 {
				t.Errorf("%d posted, %d in the channel; want 2 and 2: one message an account", posted, shown)
			}
		})
	}
}

// TestAlertRepeatIsNotTakenForItsRaise: an alert raised and saved leaves the
// announcement of its raise behind. Its repeat a day later follows another
// telling, so it is announced and posted anew: the raise's message, still in
// the channel with the raise's mark, is not taken for it.
func TestAlertRepeatIsNotTakenForItsRaise(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, _ := open(t)
			ch := newMarkedChannel()
			a := &bot.Alerter{Store: st, Poster: ch, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			if out, err := a.Evaluate(ctx, "T1", hs, t0); err != nil || out.Raised != 1 {
				t.Fatalf("the raise: %+v, %v", out, err)
			}
			raised := readAlert(t, st, fp).Posts
			if out, err := a.Evaluate(ctx, "T1", hs, t0.Add(25*time.Hour)); err != nil || out.Repeated != 1 {
				t.Fatalf("the repeat: %+v, %v", out, err)
			}
			if posted, _ := ch.counts(); posted != 2 {
				t.Errorf("%d messages posted, want 2: the raise and the repeat", posted)
			}
			got := readAlert(t, st, fp)
			if len(got.Posts) != 1 || slices.Equal(got.Posts, raised) || !slices.Contains(got.Earlier, raised[0]) {
				t.Errorf("after the repeat the alert names %+v (earlier %+v); want a new message, the raise's among the earlier", got.Posts, got.Earlier)
			}
			ch.mu.Lock()
			finds := ch.finds
			ch.mu.Unlock()
			if finds != 0 {
				t.Errorf("the channel was searched %d times, want 0 (the announcement left is the raise's)", finds)
			}
		})
	}
}

// stalledFinder is a channel whose searches hang, while stalled, until their
// context ends: a connection to the platform that stalls.
type stalledFinder struct {
	*markedChannel
	stalled atomic.Bool
}

func (s *stalledFinder) FindPost(ctx context.Context, channel, mark string, since time.Time) (feedbackbot.PostRef, error) {
	if s.stalled.Load() {
		<-ctx.Done()
		return feedbackbot.PostRef{}, fmt.Errorf("slack conversations.history: %w", ctx.Err())
	}
	return s.markedChannel.FindPost(ctx, channel, mark, since)
}

// TestAlertSearchThatStallsHoldsThatAlertAlone: B's search for the message A's
// pass posted for acct1 and did not save stalls. It is cut off at the search's
// own timeout and counted as a failed search: acct1's alert waits, acct2's is
// raised, and after maxFindFails such passes acct1's is posted (perhaps again).
// A stalled search cut off by the post's deadline instead ended the whole pass
// uncounted, so acct1's alert and every other account's waited for as long as
// the platform stalled (a review's find).
func TestAlertSearchThatStallsHoldsThatAlertAlone(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1"), atRisk("acct2", 25, health.ReasonChurnSignal, "k-acct2")}
	st, expire := pausedPassStores()["bolt"](t)
	ch := newMarkedChannel()
	a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
	sf := &stalledFinder{markedChannel: ch}
	b.Poster = sf
	bot.SetSearchTimeout(b, 20*time.Millisecond)
	var errB error
	pa.hook = func() {
		if errB = takeOver(); errB != nil {
			return
		}
		sf.stalled.Store(true)
		for i := 1; i <= 5; i++ { // (maxFindFails)
			out, err := b.Evaluate(t.Context(), "T1", hs, t0.Add(time.Duration(i)*time.Minute))
			want := 0
			if i == 1 || i == 5 {
				want = 1 // acct2's at the first pass; acct1's at the fifth, its searches given up
			}
			if out.Raised != want || (i < 5) != (err != nil && strings.Contains(err.Error(), "could not be searched")) {
				errB = fmt.Errorf("B's pass %d, its search stalled: raised %d, err %v; want %d raised and acct1's held back until the fifth", i, out.Raised, err, want)
				return
			}
		}
	}
	a.Evaluate(t.Context(), "T1", hs, t0)
	if errB != nil {
		t.Fatal(errB)
	}
}

// TestAlertOfAPassKilledAfterItsPostIsSweptWhenNotToldAgain: replica A's pass
// posts an alert for acct1 and dies before saving it; no pass tells that alert
// again, so no post of it finds A's message. Once A's announcement is older
// than the alerts lease and the post's grace, B's pass looks for the message
// anyway: named by no alert, it is deleted (it stayed in the channel for good,
// out of every erasure's reach, and beside the new alert where acct1's cause
// changed: a review's find); one a stored alert names is kept. Either way the
// announcement goes.
func TestAlertOfAPassKilledAfterItsPostIsSweptWhenNotToldAgain(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	changed := changedCause
	for name, open := range pausedPassStores() {
		for _, tc := range []struct {
			name       string
			hs         []feedbackbot.Health // at B's passes
			wantRaised int
		}{
			{"the account recovered", nil, 0},
			{"its top cause changed", changed, 1},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ctx := t.Context()
				st, expire := open(t)
				ch := newMarkedChannel()
				a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
				var errB error
				pa.hook = func() { // (A is dead from here: checked before it goes on)
					posted := ch.onlyMessage()
					if errB = takeOver(); errB != nil {
						return
					}
					shown := func() bool { return ch.isShown(posted) }
					// Too soon: A's pass may still be posting it.
					out, err := b.Evaluate(ctx, "T1", tc.hs, t0.Add(time.Minute))
					if err != nil || out.Swept != 0 || out.Raised != tc.wantRaised || !shown() {
						errB = fmt.Errorf("B's pass a minute on: %+v, %v, A's message shown %v; want it left alone, %d raised", out, err, shown(), tc.wantRaised)
						return
					}
					out, err = b.Evaluate(ctx, "T1", tc.hs, t0.Add(bot.StaleNotice+time.Minute))
					if err != nil || out.Swept != 1 || shown() {
						errB = fmt.Errorf("B's pass once A's announcement is stale: %+v, %v, A's message shown %v; want it deleted", out, err, shown())
						return
					}
					if _, err := st.GetDoc(ctx, "T1", bot.DocAlertPosting, fp); !feedbackbot.IsNotFound(err) {
						errB = fmt.Errorf("A's announcement is still there after the sweep (%v)", err)
						return
					}
					if _, shownNow := ch.counts(); shownNow != tc.wantRaised {
						errB = fmt.Errorf("%d messages in the channel, want %d", shownNow, tc.wantRaised)
					}
				}
				a.Evaluate(ctx, "T1", hs, t0)
				if errB != nil {
					t.Fatal(errB)
				}
			})
		}
	}
}

// TestAlertSavedIsNotSwept: an alert saved with its message leaves no
// announcement behind (the repeat a day later searches nothing); one left all
// the same (its deletion failed) is swept once stale: its message, which the
// alert names, is kept.
func TestAlertSavedIsNotSwept(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, _ := open(t)
			ch := newMarkedChannel()
			a := &bot.Alerter{Store: st, Poster: ch, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			if out, err := a.Evaluate(ctx, "T1", hs, t0); err != nil || out.Raised != 1 {
				t.Fatalf("the raise: %+v, %v", out, err)
			}
			if _, err := st.GetDoc(ctx, "T1", bot.DocAlertPosting, fp); !feedbackbot.IsNotFound(err) {
				t.Fatalf("the raise, saved, left its announcement (%v)", err)
			}
			// as a failed deletion leaves it
			raw, _ := json.Marshal(map[string]any{"holder": "replica-a", "at": t0, "mark": bot.AlertMark(readAlert(t, st, fp), time.Time{})})
			if err := st.PutDoc(ctx, "T1", bot.DocAlertPosting, fp, raw); err != nil {
				t.Fatal(err)
			}
			out, err := a.Evaluate(ctx, "T1", hs, t0.Add(bot.StaleNotice+time.Minute))
			if err != nil || out.Swept != 0 {
				t.Fatalf("the pass once the announcement is stale: %+v, %v; want nothing swept", out, err)
			}
			ch.mu.Lock()
			finds := ch.finds
			ch.mu.Unlock()
			if finds != 1 {
				t.Errorf("the channel was searched %d times, want 1", finds)
			}
			if _, err := st.GetDoc(ctx, "T1", bot.DocAlertPosting, fp); !feedbackbot.IsNotFound(err) {
				t.Errorf("the announcement is still there after the sweep (%v)", err)
			}
			oneAlertMessage(t, st, ch.channelLog, fp, 1)
		})
	}
}

// alertSavesFail is a store whose writes of alerts fail while failing is set
// (Redis away for this replica alone, a partition), the rest going on.
type alertSavesFail struct {
	store.Store
	failing atomic.Bool
}

func (s *alertSavesFail) PutDoc(ctx context.Context, ws, kind, id string, data []byte) error {
	if kind == bot.DocAlert && s.failing.Load() {
		return feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis: connection refused")
	}
	return s.Store.PutDoc(ctx, ws, kind, id, data)
}

func (s *alertSavesFail) CreateDoc(ctx context.Context, ws, kind, id string, data []byte) (bool, error) {
	if kind == bot.DocAlert && s.failing.Load() {
		return false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis: connection refused")
	}
	return s.Store.CreateDoc(ctx, ws, kind, id, data)
}

// TestSweptAlertIsNotSavedByThePassThatPostedIt: replica A's pass posts acct1's
// alert and, before it saves it, is paused past its leases (or cannot reach
// the store, keeping the alert to save later), for longer than its
// announcement takes to go stale. B's passes, holding the alerts lease, raise
// acct1's other cause and sweep A's message up, deleting it as named by no
// alert. When A goes on (or saves what it kept), it finds its announcement
// gone and saves nothing: saved, the alert named a message no longer in the
// channel, the account's open alert, and closed B's as merged into it (a
// review's find).
func TestSweptAlertIsNotSavedByThePassThatPostedIt(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	changed := changedCause
	for name, open := range pausedPassStores() {
		for _, unsaved := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/kept unsaved %v", name, unsaved), func(t *testing.T) {
				ctx := t.Context()
				st, expire := open(t)
				ch := newMarkedChannel()
				a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
				sa := &alertSavesFail{Store: st}
				a.Store = sa
				sa.failing.Store(unsaved)
				var errB error
				bPasses := func() {
					if errB = takeOver(); errB != nil {
						return
					}
					if _, errB = b.Evaluate(ctx, "T1", changed, t0.Add(time.Minute)); errB != nil {
						return
					}
					if out, err := b.Evaluate(ctx, "T1", changed, t0.Add(bot.StaleNotice+time.Minute)); err != nil || out.Swept != 1 {
						errB = fmt.Errorf("B's pass once A's announcement is stale: %+v, %v; want A's message swept", out, err)
					}
				}
				if unsaved {
					pa.hook = func() {}
					a.Evaluate(ctx, "T1", hs, t0) // (its save fails: kept)
					bPasses()
					sa.failing.Store(false)
					if left, err := a.SaveUnsaved(ctx); err != nil || left != 0 {
						t.Errorf("A's SaveUnsaved: %d left, %v", left, err)
					}
				} else {
					pa.hook = bPasses             // (A paused inside its post, its message in the channel)
					a.Evaluate(ctx, "T1", hs, t0) // A goes on
				}
				if errB != nil {
					t.Fatal(errB)
				}
				raw, err := st.GetDoc(ctx, "T1", bot.DocAlert, fp)
				if err == nil {
					var got feedbackbot.Alert
					if err := json.Unmarshal(raw, &got); err != nil {
						t.Fatal(err)
					}
					ch.channelLog.mu.Lock()
					for _, ref := range got.Posts {
						if !ch.shown[ref.ID] {
							t.Errorf("alert %s (%s) names message %s, which the sweep deleted", fp, got.Status, ref.ID)
						}
					}
					ch.channelLog.mu.Unlock()
				} else if !feedbackbot.IsNotFound(err) {
					t.Fatal(err)
				}
				if _, shown := ch.counts(); shown != 1 {
					t.Errorf("%d messages in the channel, want 1: B's alert", shown)
				}
			})
		}
	}
}

// TestAlertSearchedInThePassIsNotSweptToo: B's passes, the channel rate-limiting
// its searches, hold acct1's alert back while A's stale announcement of it is
// looked for; the sweep leaves it to the post's search rather than searching
// for it a second time a pass (which counted two failures a pass: the alert was
// posted unsearched at the third pass, not the fifth; a review's find).
func TestAlertSearchedInThePassIsNotSweptToo(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{atRisk("acct1", 20, health.ReasonChurnSignal, "k-acct1")}
	st, expire := pausedPassStores()["bolt"](t)
	ch := newMarkedChannel()
	a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
	var errB error
	pa.hook = func() {
		if errB = takeOver(); errB != nil {
			return
		}
		ch.mu.Lock()
		ch.findErr = errors.New("slack conversations.history: ratelimited")
		ch.mu.Unlock()
		for i := 1; i <= 5; i++ {
			out, err := b.Evaluate(t.Context(), "T1", hs, t0.Add(bot.StaleNotice+time.Duration(i*5)*time.Minute))
			if (out.Raised != 0) != (i == 5) || out.Swept != 0 {
				errB = fmt.Errorf("B's pass %d, the channel unsearchable: %+v, %v; want acct1's alert held back until the fifth, nothing swept", i, out, err)
				return
			}
		}
		ch.mu.Lock()
		finds := ch.finds
		ch.mu.Unlock()
		if finds != 5 {
			errB = fmt.Errorf("the channel was searched %d times in 5 passes, want 5", finds)
		}
	}
	a.Evaluate(t.Context(), "T1", hs, t0)
	if errB != nil {
		t.Fatal(errB)
	}
}

// deleteHooked is a channel that runs hook once, just before its first deletion.
type deleteHooked struct {
	*markedChannel
	once sync.Once
	hook func()
}

func (d *deleteHooked) Delete(ctx context.Context, ref feedbackbot.PostRef) error {
	d.once.Do(d.hook)
	return d.markedChannel.Delete(ctx, ref)
}

// TestSweepAndALateSaveOfTheSameAlertTakeTurns: replica A posted acct1's alert
// and could not save it (the store away for it alone), keeping it; B's pass,
// holding the alerts lease, sweeps A's stale announcement up and, just as it
// deletes A's message, A's partition heals and its SaveUnsaved runs. The two take
// the alert's lease in turn, and the announcement goes before the deletion: A
// saves nothing. A's check, made before the sweep's deletion without that lease,
// saved the alert naming the message deleted just after (a review's find).
func TestSweepAndALateSaveOfTheSameAlertTakeTurns(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	changed := changedCause
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, expire := open(t)
			ch := newMarkedChannel()
			a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
			sa := &alertSavesFail{Store: st}
			a.Store = sa
			sa.failing.Store(true)
			pa.hook = func() {}
			a.Evaluate(ctx, "T1", hs, t0) // (its save fails: kept)
			if err := takeOver(); err != nil {
				t.Fatal(err)
			}
			b.Poster = &deleteHooked{markedChannel: ch, hook: func() {
				sa.failing.Store(false)
				if left, err := a.SaveUnsaved(ctx); err != nil || left != 0 {
					t.Errorf("A's SaveUnsaved as B deletes: %d left, %v", left, err)
				}
			}}
			if _, err := b.Evaluate(ctx, "T1", changed, t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			// (A's SaveUnsaved, finding its announcement the sweep's, deletes its
			// message itself: B's deletion finds it gone, and counts nothing)
			if out, err := b.Evaluate(ctx, "T1", changed, t0.Add(bot.StaleNotice+time.Minute)); err != nil || out.Swept != 0 {
				t.Fatalf("B's pass once A's announcement is stale: %+v, %v; want A's message found gone as B deletes it", out, err)
			}
			if _, err := st.GetDoc(ctx, "T1", bot.DocAlert, fp); !feedbackbot.IsNotFound(err) {
				t.Errorf("A's alert was saved (%v); want nothing saved, its message swept", err)
			}
			if _, shown := ch.counts(); shown != 1 {
				t.Errorf("%d messages in the channel, want 1: B's alert", shown)
			}
		})
	}
}

// TestSweptCopyWhoseDeletionFailsIsDeletedLater: replica A's pass, paused
// inside its post past its leases, goes on while B's pass is posting the same
// alert under its own announcement: A's announcement is taken, so its message
// is a copy, and its deletion fails. It cannot be announced again (B's
// announcement is there), so A keeps it unsaved, and A's next SaveUnsaved, B's
// alert saved by then, deletes it: it stayed in the channel, found by no
// search (a review's find).
func TestSweptCopyWhoseDeletionFailsIsDeletedLater(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, expire := open(t)
			ch := newMarkedChannel()
			a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
			bPosting, bResume, bDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			b.Poster = &hookedPost{markedChannel: ch, landFirst: true, hook: func() { close(bPosting); <-bResume }}
			pa.hook = func() { // A paused inside its post, its message in the channel
				if err := takeOver(); err != nil {
					bDone <- err
					close(bPosting)
					return
				}
				go func() {
					// (B finds A's announcement but not A's message: A's own
					// search sees its message gone from the fake's marks)
					ch.mu.Lock()
					for id := range ch.marks {
						ch.marks[id] = "hidden from B's search"
					}
					ch.mu.Unlock()
					out, err := b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute))
					if err == nil && out.Raised != 1 {
						err = fmt.Errorf("B's pass: %+v, want acct1's alert raised", out)
					}
					bDone <- err
				}()
				<-bPosting
				ch.failNextDeletes(1)
			}
			a.Evaluate(ctx, "T1", hs, t0) // A goes on: its announcement is B's now
			if _, shown := ch.counts(); shown != 2 {
				t.Fatalf("%d messages in the channel after A's pass, want 2: A's, whose deletion failed, and B's", shown)
			}
			close(bResume)
			if err := <-bDone; err != nil {
				t.Fatal(err)
			}
			if left, err := a.SaveUnsaved(ctx); err != nil || left != 0 {
				t.Errorf("A's SaveUnsaved: %d left, %v", left, err)
			}
			oneAlertMessage(t, st, ch.channelLog, fp, 2)
		})
	}
}

// deleteStopsPass is a channel whose first deletion stops the pass making it
// (SIGTERM as the request is in flight) and fails with the pass's end.
type deleteStopsPass struct {
	*markedChannel
	stop  context.CancelFunc
	fired bool
}

func (d *deleteStopsPass) Delete(ctx context.Context, ref feedbackbot.PostRef) error {
	if !d.fired {
		d.fired = true
		d.stop()
		return fmt.Errorf("slack chat.delete: %w", context.Canceled)
	}
	return d.markedChannel.Delete(ctx, ref)
}

// TestSweepStoppedBeforeItsDeletionIsTakenUpAgain: B's pass sweeps up the
// announcement a dead pass of A's left, and is stopped as it deletes the
// message: the announcement, made the sweep's, stays, and B's next pass deletes
// the message. Dropped before the deletion, the announcement left the message
// in the channel for good, named by no alert and found by no sweep (a
// review's find).
func TestSweepStoppedBeforeItsDeletionIsTakenUpAgain(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			st, expire := open(t)
			ch := newMarkedChannel()
			a, b, pa, takeOver := killedPassReplicas(t, st, expire, ch, true)
			var errB error
			pa.hook = func() { // (A is dead from here: checked before it goes on)
				posted := ch.onlyMessage()
				if errB = takeOver(); errB != nil {
					return
				}
				stopped, stop := context.WithCancel(t.Context())
				b.Poster = &deleteStopsPass{markedChannel: ch, stop: stop}
				if out, err := b.Evaluate(stopped, "T1", nil, t0.Add(bot.StaleNotice+time.Minute)); err == nil || out.Swept != 0 {
					errB = fmt.Errorf("B's pass stopped as it deleted: %+v, %v; want an error, nothing swept", out, err)
					return
				}
				if _, err := st.GetDoc(t.Context(), "T1", bot.DocAlertPosting, fp); err != nil {
					errB = fmt.Errorf("the announcement after the stopped sweep: %v; want it kept for the next pass", err)
					return
				}
				out, err := b.Evaluate(t.Context(), "T1", nil, t0.Add(bot.StaleNotice+2*time.Minute))
				shown := ch.isShown(posted)
				if err != nil || out.Swept != 1 || shown {
					errB = fmt.Errorf("B's next pass: %+v, %v, A's message shown %v; want it deleted", out, err, shown)
					return
				}
				if _, err := st.GetDoc(t.Context(), "T1", bot.DocAlertPosting, fp); !feedbackbot.IsNotFound(err) {
					errB = fmt.Errorf("the announcement after the sweep: %v; want it dropped", err)
				}
			}
			a.Evaluate(t.Context(), "T1", hs, t0)
			if errB != nil {
				t.Fatal(errB)
			}
		})
	}
}

// alertReadFails is a store whose next read of an alert fails once armed (a
// Redis blip), the rest going on.
type alertReadFails struct {
	store.Store
	armed atomic.Bool
}

func (s *alertReadFails) GetDoc(ctx context.Context, ws, kind, id string) ([]byte, error) {
	if kind == bot.DocAlert && s.armed.CompareAndSwap(true, false) {
		return nil, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "redis: i/o timeout")
	}
	return s.Store.GetDoc(ctx, ws, kind, id)
}

// TestAdoptedMessageKeptThoughItsAlertCannotBeReadThen: replica A's pass posts
// an alert, reads it untold, and is paused before its save; B's pass finds A's
// message, saves it as the alert's and drops A's announcement. A resumes, finds
// its announcement gone, and the read of the stored alert that would say B
// saved its message fails: A keeps the alert unsaved rather than deleting the
// message as swept (it took a read that failed for "named by no alert", and
// deleted the message B's alert names: a review's find); its SaveUnsaved then
// finds it saved.
func TestAdoptedMessageKeptThoughItsAlertCannotBeReadThen(t *testing.T) {
	t0, hs, fp := acct1AtRisk()
	for name, open := range pausedPassStores() {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st, expire := open(t)
			ch := newMarkedChannel()
			var landed atomic.Bool
			fa := &alertReadFails{Store: st}
			sa := &pauseAfterLook{Store: fa, kind: bot.DocAlert, armed: &landed, paused: make(chan struct{}), resume: make(chan struct{})}
			a := &bot.Alerter{Store: sa, Poster: &hookedPost{markedChannel: ch, landFirst: true, hook: func() { landed.Store(true) }},
				Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
			b := &bot.Alerter{Store: st, Poster: ch, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-b"}
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("alerts lease: %v %v", ok, err)
			}
			doneA := make(chan error, 1)
			go func() { _, err := a.Evaluate(ctx, "T1", hs, t0); doneA <- err }()
			select {
			case <-sa.paused: // (A read the alert untold after its post)
			case err := <-doneA:
				t.Fatalf("A's pass ended (%v) before its look after posting", err)
			case <-time.After(20 * time.Second):
				t.Fatal("A never posted")
			}
			expire()
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("B's alerts lease: %v %v", ok, err)
			}
			if out, err := b.Evaluate(ctx, "T1", hs, t0.Add(time.Minute)); err != nil || out.Raised != 1 {
				t.Fatalf("B's pass: %+v, %v; want A's message found and saved", out, err)
			}
			fa.armed.Store(true)
			close(sa.resume)
			if err := <-doneA; err == nil {
				t.Error("A's pass said nothing of the alert it could not save")
			}
			if left, err := a.SaveUnsaved(ctx); err != nil || left != 0 {
				t.Errorf("A's SaveUnsaved: %d left, %v", left, err)
			}
			oneAlertMessage(t, st, ch.channelLog, fp, 1)
		})
	}
}
