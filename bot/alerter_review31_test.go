package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// hookPoster31 records alert posts by account (the ids of accounts, found in the
// message's title) and runs hook, once, during the first post: another replica's
// pass, a lease running out, SIGTERM.
type hookPoster31 struct {
	mu       sync.Mutex
	accounts []string
	byAcc    map[string]int
	posts    []feedbackbot.Document
	updated  []feedbackbot.Document
	hook     func()
	n        int
}

func newHookPoster31(accounts ...string) *hookPoster31 {
	return &hookPoster31{accounts: accounts, byAcc: map[string]int{}}
}

func (p *hookPoster31) Post(_ context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	p.mu.Lock()
	hook := p.hook
	p.hook = nil
	p.mu.Unlock()
	if hook != nil {
		hook()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	p.posts = append(p.posts, doc)
	for _, a := range p.accounts {
		if strings.Contains(doc.Fallback, ": "+a+" (") {
			p.byAcc[a]++
		}
	}
	return feedbackbot.PostRef{Platform: "test", Destination: channel, ID: time.Duration(p.n).String() + "-" + channel}, nil
}

func (p *hookPoster31) Update(_ context.Context, _ feedbackbot.PostRef, doc feedbackbot.Document) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.updated = append(p.updated, doc)
	return nil
}

func (p *hookPoster31) Delete(context.Context, feedbackbot.PostRef) error { return nil }

func (p *hookPoster31) count(acct string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byAcc[acct]
}

func (p *hookPoster31) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// TestAlertToldOnceWhenAnotherReplicaToldItDuringThePass: replica A's pass lists
// the alerts, then, while it posts its first alert, replica B's pass (A's alerts
// lease ran out) tells the channel about another account's alert: raises it,
// repeats it, closes it. A, working from what it listed, reaches that alert next:
// it reads it again before posting, finds B told the channel since, and leaves it
// to B. Before, A posted it a second time.
func TestAlertToldOnceWhenAnotherReplicaToldItDuringThePass(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	type pass struct {
		at time.Duration
		hs []feedbackbot.Health
	}
	h := func(id string, score int) feedbackbot.Health {
		return atRisk(id, score, health.ReasonSentimentLow, "k-"+id)
	}
	for _, tc := range []struct {
		name  string
		setup []pass
		a, b  pass           // A's pass; B's, during A's first post
		want  map[string]int // posts by account, all passes
	}{
		{name: "raise", a: pass{0, []feedbackbot.Health{h("acct1", 30), h("acct2", 30)}}, b: pass{0, []feedbackbot.Health{h("acct2", 30)}},
			want: map[string]int{"acct1": 1, "acct2": 1}},
		{name: "repeat",
			setup: []pass{{0, []feedbackbot.Health{h("acct2", 40)}}, {2 * time.Hour, []feedbackbot.Health{h("acct1", 40), h("acct2", 40)}}},
			// A: acct1 worse (a repeat, during which B runs), acct2 due
			a: pass{25 * time.Hour, []feedbackbot.Health{h("acct1", 20), h("acct2", 40)}},
			// B: acct1 neither worse nor due, acct2 due
			b:    pass{25 * time.Hour, []feedbackbot.Health{h("acct1", 40), h("acct2", 40)}},
			want: map[string]int{"acct1": 2, "acct2": 2}},
		{name: "close",
			setup: []pass{{0, []feedbackbot.Health{h("acct1", 40), h("acct2", 40)}}},
			// A: acct1 worse (B runs during its post); acct2 not listed: closed
			a: pass{time.Hour, []feedbackbot.Health{h("acct1", 20)}},
			// B: acct1 as it was; acct2 not listed: closed by B
			b:    pass{time.Hour, []feedbackbot.Health{h("acct1", 40)}},
			want: map[string]int{"acct1": 2, "acct2": 2}},
	} {
		for name, open := range backends(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				p := newHookPoster31("acct1", "acct2")
				a := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
				b := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
				for _, ps := range tc.setup {
					if _, err := a.Evaluate(ctx, "T1", ps.hs, t0.Add(ps.at)); err != nil {
						t.Fatal(err)
					}
				}
				var outB bot.AlertOutcome
				var errB error
				p.mu.Lock()
				p.hook = func() { outB, errB = b.Evaluate(ctx, "T1", tc.b.hs, t0.Add(tc.b.at)) }
				p.mu.Unlock()
				outA, err := a.Evaluate(ctx, "T1", tc.a.hs, t0.Add(tc.a.at))
				if err != nil || errB != nil {
					t.Fatalf("A: %v; B: %v", err, errB)
				}
				for acct, want := range tc.want {
					if got := p.count(acct); got != want {
						t.Errorf("%s posted %d times, want %d (A %+v, B %+v)", acct, got, want, outA, outB)
					}
				}
				if outA.Elsewhere != 1 {
					t.Errorf("A's pass left %d alerts to B, want 1: %+v", outA.Elsewhere, outA)
				}
				// B's message is acct2's: A saved nothing over it.
				got := readAlert(t, st, bot.AlertFor("T1", h("acct2", 30), t0).Fingerprint)
				if !got.NotifiedAt.Equal(t0.Add(tc.b.at)) {
					t.Errorf("acct2 last notified %v, want B's %v", got.NotifiedAt, t0.Add(tc.b.at))
				}
			})
		}
	}
}

// TestAlertPassEndsWhenItsAlertsLeaseIsLost: a pass runs under the alerts lease
// (Holder); while it posts its first alert the lease passes to another replica
// (it ran out: a slow platform, a paused process). The pass renews the lease
// before each post, finds it held elsewhere and ends there, posting nothing more,
// saving the alert it posted; once the lease is back, the next pass raises the
// rest, each once.
func TestAlertPassEndsWhenItsAlertsLeaseIsLost(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ids := []string{"acct1", "acct2", "acct3"}
	var hs []feedbackbot.Health
	for _, id := range ids {
		hs = append(hs, atRisk(id, 20, health.ReasonChurnSignal, "k-"+id))
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || !ok {
				t.Fatalf("lease: %v %v", ok, err)
			}
			p := newHookPoster31(ids...)
			p.hook = func() {
				if err := st.ReleaseLease(ctx, bot.AlertsLease, "replica-a"); err != nil {
					t.Error(err)
				}
				if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-b", bot.AlertsLeaseTTL); err != nil || !ok {
					t.Errorf("replica b could not take the lease: %v %v", ok, err)
				}
			}
			a := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Holder: "replica-a"}
			out, err := a.Evaluate(ctx, "T1", hs, t0)
			if !errors.Is(err, bot.ErrAlertsLeaseLost) {
				t.Errorf("the pass returned %v, want ErrAlertsLeaseLost", err)
			}
			if p.total() != 1 || out.Raised != 1 {
				t.Fatalf("%d alerts posted after the lease was lost (%+v), want only the one in flight", p.total(), out)
			}
			// The lease stays the other replica's.
			if ok, err := st.AcquireLease(ctx, bot.AlertsLease, "replica-a", bot.AlertsLeaseTTL); err != nil || ok {
				t.Fatalf("replica a took the lease back: %v %v", ok, err)
			}
			// It comes back; the next pass raises the others, each once.
			if err := st.ReleaseLease(ctx, bot.AlertsLease, "replica-b"); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Evaluate(ctx, "T1", hs, t0.Add(5*time.Minute)); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				if n := p.count(id); n != 1 {
					t.Errorf("%s posted %d times, want once", id, n)
				}
			}
		})
	}
}

// TestAlertPassStopsAtShutdownAfterThePostInFlight: SIGTERM (ctx cancelled)
// during a pass's first post: that post finishes and its alert is saved; nothing
// more is posted, whether the pass was raising alerts or closing them; the next
// pass (another replica, or this one restarted) does the rest, without posting
// the first again.
func TestAlertPassStopsAtShutdownAfterThePostInFlight(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ids := []string{"acct1", "acct2", "acct3"}
	var hs []feedbackbot.Health
	for _, id := range ids {
		hs = append(hs, atRisk(id, 20, health.ReasonUnanswered, "k-"+id))
	}
	for _, tc := range []struct {
		name        string
		setup       []feedbackbot.Health // raised before
		hs          []feedbackbot.Health // the stopped pass's, and the next's
		title       string               // of the messages the stopped pass posts
		out         func(bot.AlertOutcome) int
		wantResolve bool
	}{
		{"raising", nil, hs, "Critical at risk", func(o bot.AlertOutcome) int { return o.Raised }, false},
		{"closing", hs, nil, "Closed", func(o bot.AlertOutcome) int { return o.Resolved }, true},
	} {
		for name, open := range backends(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				st := open(t)
				p := newHookPoster31(ids...)
				al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
				if tc.setup != nil {
					if _, err := al.Evaluate(t.Context(), "T1", tc.setup, t0); err != nil {
						t.Fatal(err)
					}
				}
				before := p.total()
				ctx, stop := context.WithCancel(t.Context())
				defer stop()
				p.hook = stop
				out, err := al.Evaluate(ctx, "T1", tc.hs, t0.Add(time.Hour))
				if !errors.Is(err, context.Canceled) {
					t.Errorf("the stopped pass returned %v, want context.Canceled", err)
				}
				if n := p.total() - before; n != 1 || tc.out(out) != 1 {
					t.Fatalf("%d messages posted by the stopped pass (%+v), want only the one in flight", n, out)
				}
				first := p.posts[before]
				if !strings.HasPrefix(first.Fallback, tc.title) {
					t.Fatalf("the stopped pass posted %q", first.Fallback)
				}
				// Recorded: the next pass does not post it again.
				out, err = al.Evaluate(t.Context(), "T1", tc.hs, t0.Add(time.Hour+5*time.Minute))
				if err != nil {
					t.Fatal(err)
				}
				if tc.out(out) != len(ids)-1 {
					t.Errorf("the next pass: %+v, want the %d others", out, len(ids)-1)
				}
				for _, id := range ids {
					if n := p.count(id); n != before/len(ids)+1 {
						t.Errorf("%s: %d messages, want %d", id, n, before/len(ids)+1)
					}
					got := readAlert(t, st, bot.AlertFor("T1", atRisk(id, 20, health.ReasonUnanswered), t0).Fingerprint)
					if (got.Status == feedbackbot.AlertResolved) != tc.wantResolve {
						t.Errorf("%s: status %s", id, got.Status)
					}
				}
			})
		}
	}
}

// churnHealth31 is an account at health score whose reasons are an unanswered
// question and, when keys are given, churn signals quoting those messages.
func churnHealth31(score int, keys ...string) feedbackbot.Health {
	h := atRisk("orbit", score, health.ReasonUnanswered, "kq")
	if len(keys) > 0 {
		r := feedbackbot.Reason{Code: health.ReasonChurnSignal, Text: "churn signals", Impact: -40}
		for _, k := range keys {
			r.Evidence = append(r.Evidence, feedbackbot.Evidence{MessageKey: k, Quote: "we are cancelling (" + k + ")"})
		}
		h.Reasons = append(h.Reasons, r)
	}
	return h
}

// TestChurnSignalOpensAnAnsweredAlertAgain: an alert at health 5 (critical, for
// a question unanswered for days) is acknowledged, or snoozed. The customer then
// says they are cancelling: the score cannot fall 10 more points and the alert is
// critical already, yet that is news. The alert opens again and is posted; the
// same signals are not posted again at the next pass; another cancellation
// message is posted again. Before, the acknowledged alert had the signals edited
// in and the snoozed one kept quiet for a week.
func TestChurnSignalOpensAnAnsweredAlertAgain(t *testing.T) {
	t0 := time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
	for _, action := range []string{"alert.ack", "alert.snooze"} {
		for name, open := range backends(t) {
			t.Run(action+"/"+name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				p := newHookPoster31("orbit")
				al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
				pass := func(at time.Duration, h feedbackbot.Health) bot.AlertOutcome {
					t.Helper()
					out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0.Add(at))
					if err != nil {
						t.Fatal(err)
					}
					return out
				}
				pass(0, churnHealth31(5))
				fp := bot.AlertFor("T1", churnHealth31(5), t0).Fingerprint
				b := &bot.Bot{Store: st, Now: func() time.Time { return t0.Add(time.Hour) }}
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", UserName: "maria", Staff: true, Button: true, Text: action + " " + fp}); err != nil {
					t.Fatal(err)
				}
				// Nothing new: left alone.
				if out := pass(2*time.Hour, churnHealth31(5)); p.total() != 1 || out.Quiet != 1 {
					t.Fatalf("an answered alert with nothing new: %+v, %d posts", out, p.total())
				}
				// The customer says they are cancelling: opened again, posted.
				out := pass(4*time.Hour, churnHealth31(5, "c1", "c2"))
				if p.total() != 2 || out.Repeated != 1 {
					t.Fatalf("after two churn signals: %+v, %d posts; want the alert posted again", out, p.total())
				}
				if got := readAlert(t, st, fp); got.Status != feedbackbot.AlertOpen || !got.AnsweredAt.IsZero() {
					t.Errorf("after two churn signals the alert is %s (answered %v), want open again", got.Status, got.AnsweredAt)
				}
				// The same signals, later: not posted again (updated, or quiet).
				if out := pass(5*time.Hour, churnHealth31(5, "c1", "c2")); p.total() != 2 {
					t.Errorf("the same signals posted again: %+v", out)
				}
				// Answered again, then another cancellation message: posted again.
				b.Now = func() time.Time { return t0.Add(6 * time.Hour) }
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", UserName: "maria", Staff: true, Button: true, Text: action + " " + fp}); err != nil {
					t.Fatal(err)
				}
				if out := pass(7*time.Hour, churnHealth31(5, "c3", "c1", "c2")); p.total() != 3 || out.Repeated != 1 {
					t.Errorf("a third churn signal: %+v, %d posts; want the alert posted again", out, p.total())
				}
			})
		}
	}
}

// TestEditedQuoteEditsThePostedAlert: a customer edits a message an alert quotes
// (taking out a colleague's name and a figure); the next pass edits the posted
// alert in place, open, acknowledged or snoozed, without a new post. Before, the
// quote's message key was the same, so the channel kept showing the old words.
func TestEditedQuoteEditsThePostedAlert(t *testing.T) {
	t0 := time.Date(2026, 11, 12, 9, 0, 0, 0, time.UTC)
	const before = "Jane Doe, our CFO, says this outage cost us $40k. We are furious."
	const after = "This outage was costly for us. We are upset."
	quoting := func(text string) feedbackbot.Health {
		h := atRisk("edit", 30, health.ReasonSentimentLow)
		h.Reasons[0].Evidence = []feedbackbot.Evidence{{MessageKey: "Cedit:1", Author: "UEDIT", Quote: text, Time: t0.Add(-72 * time.Hour)}}
		return h
	}
	for _, action := range []string{"", "alert.ack", "alert.snooze"} {
		for name, open := range backends(t) {
			t.Run(strings.TrimPrefix(action+"/", "/")+name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				p := newHookPoster31("edit")
				al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{quoting(before)}, t0); err != nil {
					t.Fatal(err)
				}
				fp := bot.AlertFor("T1", quoting(before), t0).Fingerprint
				if action != "" {
					b := &bot.Bot{Store: st, Now: func() time.Time { return t0.Add(time.Minute) }}
					if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", UserName: "maria", Staff: true, Button: true, Text: action + " " + fp}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{quoting(after)}, t0.Add(10*time.Minute)); err != nil {
					t.Fatal(err)
				}
				if p.total() != 1 || len(p.updated) != 1 {
					t.Fatalf("after the edit: %d posts, %d edits; want the one message edited", p.total(), len(p.updated))
				}
				shown := docText(p.updated[0])
				if strings.Contains(shown, "Jane Doe") || !strings.Contains(shown, "costly") {
					t.Errorf("the edited alert shows:\n%s", shown)
				}
				// Edited once: the next pass, with the same words, does not edit again.
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{quoting(after)}, t0.Add(15*time.Minute)); err != nil {
					t.Fatal(err)
				}
				if len(p.updated) != 1 {
					t.Errorf("edited %d times, want once", len(p.updated))
				}
			})
		}
	}
}

// TestChurnAlertRecoversOnlyWhenTheStatementIsTakenBack: an alert raised for
// churn signals closes as "Recovered" only on what the customers said after it
// (see churnTakenBack); the signals ageing out of health's window with a single
// polite reply since is not a recovery ("Closed: ... not a recovery"). Other
// alerts close as before.
func TestChurnAlertRecoversOnlyWhenTheStatementIsTakenBack(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	churnAlert := func() feedbackbot.Health {
		h := atRisk("grid", 40, health.ReasonChurnSignal)
		h.Reasons[0].Evidence = []feedbackbot.Evidence{
			{MessageKey: "c2", Quote: "Please send us a full export of all our data.", Time: t0.Add(-19 * time.Hour)},
			{MessageKey: "c1", Quote: "we will most likely move to another tool at renewal", Time: t0.Add(-20 * time.Hour)}}
		return h
	}
	day := 24 * time.Hour
	well := func(recent int, lastSaid time.Duration, reasons ...feedbackbot.Reason) feedbackbot.Health {
		return feedbackbot.Health{Account: feedbackbot.Account{ID: "grid", Name: "grid"}, Score: 80, Reasons: reasons,
			RecentMessages: recent, LastCustomerAt: t0.Add(lastSaid)}
	}
	sentiment := feedbackbot.Reason{Code: health.ReasonSentimentLow, Text: "sentiment", Impact: -15}
	oneSignal := feedbackbot.Reason{Code: health.ReasonChurnSignal, Text: "1 churn signal", Impact: -25}
	for _, tc := range []struct {
		name      string
		raise     feedbackbot.Health
		at        time.Duration // the closing pass, after the raise
		h         feedbackbot.Health
		recovered bool
	}{
		{"signals aged out, one polite reply since", churnAlert(), 57 * day, well(1, 2*day), false},
		{"signals aged out, kept talking, not negative", churnAlert(), 57 * day, well(5, 14*day), true},
		{"signals aged out, kept talking, negative", churnAlert(), 57 * day, well(5, 14*day, sentiment), false},
		// health counts a signal for its 8-week baseline: one gone at 15 days was
		// taken back (an edit, a correction), and one polite reply is enough
		{"signals gone within the baseline, one polite reply since", churnAlert(), 15 * day, well(1, 2*day), true},
		{"a signal still counted", churnAlert(), 15 * day, well(5, 14*day, oneSignal), false},
		{"nothing said since", churnAlert(), 15 * day, well(3, -time.Hour), false},
		{"taken back while recent (tag corrected, message edited)", churnAlert(), day, well(1, 12*time.Hour), true},
		{"not a churn alert: one reply since", atRisk("grid", 40, health.ReasonSentimentLow, "k1"), 15 * day, well(1, 2*day), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, open := range backends(t) {
				t.Run(name, func(t *testing.T) {
					ctx := t.Context()
					st := open(t)
					al, p := recordingAlerter(st)
					if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{tc.raise}, t0); err != nil {
						t.Fatal(err)
					}
					out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{tc.h}, t0.Add(tc.at))
					if err != nil || out.Resolved != 1 {
						t.Fatalf("close: %+v, %v", out, err)
					}
					got := readAlert(t, st, bot.AlertFor("T1", tc.raise, t0).Fingerprint)
					title := p.posts[len(p.posts)-1].Fallback
					if got.Recovered != tc.recovered || strings.HasPrefix(title, "Recovered") != tc.recovered {
						t.Errorf("closed as %q (recovered %v, reason %q), want recovered %v", title, got.Recovered, got.ClosedReason, tc.recovered)
					}
					// not a recovery: silence, or (they wrote since) a churn signal not
					// taken back, each saying so
					want := bot.ClosedSilent
					if tc.h.LastCustomerAt.After(t0) && !tc.h.Silent {
						want = bot.ClosedChurnStands
					}
					if !tc.recovered && (got.ClosedReason != want || !strings.Contains(title, "not a recovery")) {
						t.Errorf("closed as %q, reason %q; want not a recovery (%s)", title, got.ClosedReason, want)
					}
				})
			}
		})
	}
}
