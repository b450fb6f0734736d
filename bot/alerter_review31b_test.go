package bot_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestStalePassKeepsAnotherReplicasAlert: replica A's pass outlives its alerts
// lease while it posts one alert (acct0's raise); replica B takes the lease and
// its pass tells the channel about acct1's alert again (a repeat, worse; or a
// snoozed alert reopened by a churn signal). A's pass goes on with acct1 as it
// read it: it posts nothing for it, so it never checks the lease, and saves (a
// quiet save, a snoozed one, or an edit of the posted message with its stale
// evidence). Its copy must not replace B's: B's message stays the alert's (and
// what it was told at), A does not edit the alert's messages, a press made
// meanwhile stays, and B's next pass does not post acct1 a third time. Before,
// A's stale save dropped B's message and set NotifiedScore back.
func TestStalePassKeepsAnotherReplicasAlert(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	h := func(id string, score int, keys ...string) feedbackbot.Health {
		return atRisk(id, score, health.ReasonSentimentLow, append([]string{"k-" + id}, keys...)...)
	}
	churned := func(score int) feedbackbot.Health {
		x := h("acct1", score)
		x.Reasons = append(x.Reasons, feedbackbot.Reason{Code: health.ReasonChurnSignal, Text: "1 churn signal: cancellation", Impact: -25,
			Evidence: []feedbackbot.Evidence{{MessageKey: "c1", Quote: "we are cancelling", Time: t0.Add(30 * time.Minute)}}})
		return x
	}
	for _, tc := range []struct {
		name   string
		snooze bool               // acct1's alert snoozed before the passes
		a, b   feedbackbot.Health // acct1 as A's pass read it; as B's did
		press  string             // pressed on acct1's alert after B's pass, during A's
		want   feedbackbot.AlertStatus
	}{
		{name: "quiet", a: h("acct1", 40), b: h("acct1", 20), want: feedbackbot.AlertOpen},
		{name: "edited", a: h("acct1", 40, "k-new"), b: h("acct1", 20), want: feedbackbot.AlertOpen},
		{name: "snoozed", snooze: true, a: h("acct1", 40), b: churned(40), want: feedbackbot.AlertOpen},
		{name: "pressed meanwhile", a: h("acct1", 40), b: h("acct1", 20), press: "alert.ack", want: feedbackbot.AlertAcknowledged},
	} {
		for name, open := range backends(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				p := newHookPoster31("acct0", "acct1")
				a := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-A"}
				b := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-B"}
				if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-A", bot.AlertsLeaseTTL); err != nil || !ok {
					t.Fatal(ok, err)
				}
				if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{h("acct1", 40)}, t0); err != nil {
					t.Fatal(err)
				}
				fp := bot.AlertFor("T1", h("acct1", 40), t0).Fingerprint
				press := func(action string, at time.Time) error {
					bb := &bot.Bot{Store: st, Now: func() time.Time { return at }}
					_, err := bb.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", UserName: "maria", Staff: true, Button: true, Text: action + " " + fp})
					return err
				}
				if tc.snooze {
					if err := press("alert.snooze", t0.Add(10*time.Minute)); err != nil {
						t.Fatal(err)
					}
				}
				var errB error
				p.mu.Lock()
				p.hook = func() {
					// A's lease runs out (paused); B takes it and runs its pass.
					if err := st.ReleaseLease(ctx, bot.AlertsLease, "replica-A"); err != nil {
						errB = err
						return
					}
					if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-B", bot.AlertsLeaseTTL); err != nil || !ok {
						errB = errors.Join(err, errors.New("B could not take the lease"))
						return
					}
					if _, errB = b.Evaluate(ctx, "T1", []feedbackbot.Health{tc.b}, t0.Add(time.Hour)); errB != nil || tc.press == "" {
						return
					}
					errB = press(tc.press, t0.Add(time.Hour+time.Minute))
				}
				p.mu.Unlock()
				if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{h("acct0", 30), tc.a}, t0.Add(time.Hour)); err != nil {
					t.Logf("A's pass: %v", err)
				}
				if errB != nil {
					t.Fatalf("B: %v", errB)
				}
				if got := p.count("acct1"); got != 2 {
					t.Fatalf("acct1 posted %d times, want 2 (raise, B's)", got)
				}
				first := feedbackbot.PostRef{Platform: "test", Destination: "CALERTS", ID: "1ns-CALERTS"}
				got := readAlert(t, st, fp)
				if got.NotifiedScore != tc.b.Score || len(got.Posts) != 1 || got.Posts[0] == first || !slices.Contains(got.Earlier, first) {
					t.Errorf("after A's pass: notified at %d, posts %v, earlier %v; want B's (%d, its message, the first among the earlier)",
						got.NotifiedScore, got.Posts, got.Earlier, tc.b.Score)
				}
				if got.Status != tc.want {
					t.Errorf("after A's pass the alert is %s, want %s", got.Status, tc.want)
				}
				if tc.press != "" && got.AckedBy != "maria" {
					t.Errorf("the press made during A's pass was lost: acked by %q", got.AckedBy)
				}
				p.mu.Lock()
				edits := len(p.updated)
				p.mu.Unlock()
				if edits != 0 {
					t.Errorf("A's stale pass edited the alert's messages %d times", edits)
				}
				// B's next pass, the accounts as B last saw them: nothing new.
				if _, err := b.Evaluate(ctx, "T1", []feedbackbot.Health{h("acct0", 30), tc.b}, t0.Add(2*time.Hour)); err != nil {
					t.Fatal(err)
				}
				if got := p.count("acct1"); got != 2 {
					t.Errorf("acct1 posted %d times, want 2 (raise, B's)", got)
				}
			})
		}
	}
}

// churnQuoting31b is an at-risk account whose churn reason counts n signals, as
// health writes it ("n churn signals: ..."; n < 0: a text without the count),
// and quotes keys, newest first, each said at its time (zero: not known).
func churnQuoting31b(n int, quotes ...churnQuote31b) feedbackbot.Health {
	h := atRisk("orbit", 5, health.ReasonUnanswered, "kq")
	r := feedbackbot.Reason{Code: health.ReasonChurnSignal, Text: "churn signals", Impact: -40}
	if n >= 0 {
		r.Text = feedbackbot.Plural(n, "churn signal") + ": cancellation, downgrade, switching vendor or data export"
	}
	for _, q := range quotes {
		r.Evidence = append(r.Evidence, feedbackbot.Evidence{MessageKey: q.key, Quote: "we are cancelling (" + q.key + ")", Time: q.at})
	}
	h.Reasons = append(h.Reasons, r)
	return h
}

type churnQuote31b struct {
	key string
	at  time.Time
}

// TestChurnStatementTakenBackIsNoNewSignal: an account said four times it is
// cancelling; its alert quotes the newest three and is acknowledged (or
// snoozed). When the newest is taken back (deleted, edited, its tag corrected,
// its author forgotten), health counts three and quotes an older one the channel
// was not shown: nothing new was said, and the alert is neither reopened nor
// paged (before, any quote not shown before was "a new churn signal"). A message
// newer than every one shown, or more signals counted, still is news.
func TestChurnStatementTakenBackIsNoNewSignal(t *testing.T) {
	t0 := time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
	at := func(k string, h int) churnQuote31b { return churnQuote31b{k, t0.Add(time.Duration(h-10) * time.Hour)} }
	c1, c2, c3, c4, c5 := at("c1", 1), at("c2", 2), at("c3", 3), at("c4", 4), at("c5", 8)
	untimed := func(qs ...churnQuote31b) []churnQuote31b {
		out := slices.Clone(qs)
		for i := range out {
			out[i].at = time.Time{}
		}
		return out
	}
	for _, tc := range []struct {
		name        string
		shown, then feedbackbot.Health
		paged       bool
	}{
		{"the newest taken back", churnQuoting31b(4, c4, c3, c2), churnQuoting31b(3, c3, c2, c1), false},
		{"the newest taken back, times not known", churnQuoting31b(4, untimed(c4, c3, c2)...), churnQuoting31b(3, untimed(c3, c2, c1)...), false},
		{"the two newest taken back", churnQuoting31b(5, c4, c3, c2), churnQuoting31b(3, c2, c1), false},
		{"a new one as the oldest ages out", churnQuoting31b(4, c4, c3, c2), churnQuoting31b(4, c5, c4, c3), true},
		{"one taken back, a new one said", churnQuoting31b(4, c4, c3, c2), churnQuoting31b(4, c5, c3, c2), true},
		{"one more counted, not quoted", churnQuoting31b(4, c4, c3, c2), churnQuoting31b(5, c4, c3, c2), true},
		{"a new one, times not known", churnQuoting31b(4, untimed(c4, c3, c2)...), churnQuoting31b(4, untimed(c5, c4, c3)...), true},
		{"a new one, no count", churnQuoting31b(-1, untimed(c4, c3, c2)...), churnQuoting31b(-1, untimed(c5, c4, c3)...), true},
	} {
		for _, action := range []string{"alert.ack", "alert.snooze"} {
			for name, open := range backends(t) {
				t.Run(tc.name+"/"+action+"/"+name, func(t *testing.T) {
					ctx := t.Context()
					st := open(t)
					p := newHookPoster31("orbit")
					al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
					if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{tc.shown}, t0); err != nil {
						t.Fatal(err)
					}
					fp := bot.AlertFor("T1", tc.shown, t0).Fingerprint
					b := &bot.Bot{Store: st, Now: func() time.Time { return t0.Add(time.Hour) }}
					if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", UserName: "maria", Staff: true, Button: true, Text: action + " " + fp}); err != nil {
						t.Fatal(err)
					}
					out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{tc.then}, t0.Add(2*time.Hour))
					if err != nil {
						t.Fatal(err)
					}
					got := readAlert(t, st, fp)
					paged := p.total() == 2 && out.Repeated == 1
					if paged != tc.paged || (!paged && p.total() != 1) {
						t.Errorf("%+v, %d posts; want paged again: %v", out, p.total(), tc.paged)
					}
					if reopened := got.Status == feedbackbot.AlertOpen; reopened != tc.paged {
						t.Errorf("the %s alert is %s after the pass; want reopened: %v", action, got.Status, tc.paged)
					}
				})
			}
		}
	}
}
