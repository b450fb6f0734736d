package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestDigestFollowsUpAlerts: the alerter raises two alerts in a week, staff
// acknowledge one 40 minutes later with the button, and its account recovers three
// days after; the week's digest says so (raised, answered and how soon, still open
// and not acknowledged, recovered and in how long, from what health to what), on
// a busy and on a quiet week. An Acknowledge pressed on the recovered alert's
// older message then changes nothing: the alert stays resolved and no second
// "Recovered" is posted (it reopened the alert, whose next pass posted one).
func TestDigestFollowsUpAlerts(t *testing.T) {
	from := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	end := from.Add(7 * 24 * time.Hour)
	msg := feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", from.Add(time.Hour).Unix()), Platform: feedbackbot.PlatformSlack,
		Workspace: "T1", Channel: "C1", Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme",
		Text: "the export is broken again", Time: from.Add(time.Hour)}
	for name, open := range backends(t) {
		for _, busy := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/busy=%v", name, busy), func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				if busy {
					captured(t, st, msg)
				}
				al, posts := refAlerter(st)
				acme := atRisk("acme", 30, health.ReasonSentimentLow, "k1")
				cobalt := atRisk("cobalt", 20, health.ReasonChurnSignal, "k2")
				raised := from.Add(2 * time.Hour)
				if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{acme, cobalt}, raised); err != nil || out.Raised != 2 {
					t.Fatalf("raise: %+v, %v", out, err)
				}
				now := raised.Add(40 * time.Minute)
				b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
				fp := bot.AlertFor("T1", acme, raised).Fingerprint
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U9", UserName: "maria", Staff: true, Button: true, Text: "alert.ack " + fp}); err != nil {
					t.Fatal(err)
				}
				healthy := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 72, RecentMessages: 4, LastCustomerAt: raised.Add(time.Hour)}
				if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{healthy, cobalt}, raised.Add(72*time.Hour)); err != nil || out.Resolved != 1 {
					t.Fatalf("recover: %+v, %v", out, err)
				}
				d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: from, To: end, Now: end})
				if err != nil {
					t.Fatal(err)
				}
				f := d.FollowUp
				if f == nil || f.Raised != 2 || f.Answered != 1 || f.AnsweredMinutes == nil || *f.AnsweredMinutes != 40 ||
					f.OpenCount != 1 || f.Unanswered != 1 || len(f.Open) != 1 || f.Open[0].AccountID != "cobalt" ||
					len(f.Recovered) != 1 || f.Recovered[0].AccountID != "acme" || f.RecoveredMinutes == nil || *f.RecoveredMinutes != 72*60 {
					t.Fatalf("follow-up %+v", f)
				}
				doc := bot.DigestDocument(d, nil)
				for _, want := range []string{
					"Alert follow-up",
					"2 raised this period; 1 acknowledged or snoozed, a median 40 min after",
					"1 still open at the end of the period, 1 not acknowledged",
					"cobalt: raised 7 days ago, health 20, *not acknowledged*",
					"1 recovered, a median 3.0 days after the alert",
					"acme in 3.0 days (health 30 → 72)",
				} {
					if !containsText(doc, want) {
						t.Errorf("the digest does not say %q: %+v", want, doc.Blocks)
					}
				}
				// The acknowledged alert's button, pressed again once it recovered.
				n := posts.n
				reply, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U9", UserName: "maria", Staff: true, Button: true, Text: "alert.ack " + fp})
				if err != nil {
					t.Fatal(err)
				}
				if !containsText(reply, "Nothing to do: this alert was resolved") {
					t.Errorf("reply to a resolved alert's button: %+v", reply.Blocks)
				}
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{healthy, cobalt}, raised.Add(80*time.Hour)); err != nil {
					t.Fatal(err)
				}
				if posts.n != n {
					t.Errorf("%d more posts after a resolved alert's button was pressed; want none", posts.n-n)
				}
				d, err = bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: from, To: end, Now: end})
				if err != nil {
					t.Fatal(err)
				}
				if f := d.FollowUp; f == nil || len(f.Recovered) != 1 || f.OpenCount != 1 {
					t.Errorf("after the button: follow-up %+v", f)
				}
			})
		}
	}
}

// pressingPoster presses a button on an alert while the alerter posts: a staff
// member answering while a pass runs.
type pressingPoster struct {
	refPoster
	press func()
}

// pressAlertButton presses an alert's button (text "alert.ack FP", "alert.snooze
// FP") in workspace T1 as staff member user, shown as name, at the time at, and
// returns the answer (which replaces the pressed message on the platform).
func pressAlertButton(t *testing.T, st store.Store, at time.Time, user, name, text string) feedbackbot.Document {
	t.Helper()
	b := &bot.Bot{Store: st, Now: func() time.Time { return at }}
	doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: user, UserName: name, Staff: true, Button: true, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// pressAlerter is an alerter whose poster runs a press set on it while it posts.
func pressAlerter(st store.Store) (*bot.Alerter, *pressingPoster) {
	p := &pressingPoster{refPoster: refPoster{docs: map[string]feedbackbot.Document{}}}
	return &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}, p
}

// raisedAlert is an alerter (pressAlerter's) whose pass raised acme's alert (health
// 40, low sentiment, quoting k1) at t0, 2026-11-02 09:00 UTC: its poster, t0, the
// health it was raised on and the alert's fingerprint.
func raisedAlert(t *testing.T, st store.Store) (al *bot.Alerter, p *pressingPoster, t0 time.Time, h feedbackbot.Health, fp string) {
	t.Helper()
	al, p = pressAlerter(st)
	t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	h = atRisk("acme", 40, health.ReasonSentimentLow, "k1")
	if _, err := al.Evaluate(t.Context(), "T1", []feedbackbot.Health{h}, t0); err != nil {
		t.Fatal(err)
	}
	return al, p, t0, h, bot.AlertFor("T1", h, t0).Fingerprint
}

func (p *pressingPoster) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	if p.press != nil {
		p.press()
		p.press = nil
	}
	return p.refPoster.Post(ctx, channel, doc)
}

// TestAlertPressedDuringAPassIsKept: an acknowledged alert gets worse, so a pass
// opens it again and posts it; a staff member acknowledges it again while the
// pass posts. The pass's save keeps that answer (it saved its own copy over it:
// the alert open, unanswered, repeated at the next interval). And an alert left
// open after its episode was resolved (a press written after a pass resolved it,
// before presses took the alert's lease) is closed again without a second
// "Recovered".
func TestAlertPressedDuringAPassIsKept(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, p, t0, _, fp := raisedAlert(t, st)
			press := func(at time.Time, who string) { pressAlertButton(t, st, at, "U"+who, who, "alert.ack "+fp) }
			press(t0.Add(time.Hour), "maria")
			p.press = func() { press(t0.Add(2*time.Hour), "sam") }
			if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 20, health.ReasonSentimentLow, "k1")}, t0.Add(2*time.Hour)); err != nil || out.Repeated != 1 {
				t.Fatalf("worse: %+v, %v", out, err)
			}
			got := readAlert(t, st, fp)
			if got.Status != feedbackbot.AlertAcknowledged || got.AckedBy != "sam" || !got.AnsweredAt.Equal(t0.Add(2*time.Hour)) || !got.AckedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("after a press during the pass: status %s by %q, answered %v, first %v; want acknowledged by sam at +2h, first at +1h",
					got.Status, got.AckedBy, got.AnsweredAt, got.AckedAt)
			}
			// Opened again by the pass, answered again by the press.
			if want := []feedbackbot.AlertSpan{{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}, {From: t0.Add(2 * time.Hour)}}; !reflect.DeepEqual(got.Answered, want) {
				t.Errorf("answered %+v, want %+v", got.Answered, want)
			}
			// Resolved, then left acknowledged by a press the old code wrote after it.
			if _, err := al.Evaluate(ctx, "T1", nil, t0.Add(3*time.Hour)); err != nil {
				t.Fatal(err)
			}
			got = readAlert(t, st, fp)
			got.Status = feedbackbot.AlertAcknowledged
			raw, _ := json.Marshal(got)
			if err := st.PutDoc(ctx, "T1", bot.DocAlert, fp, raw); err != nil {
				t.Fatal(err)
			}
			n := p.n
			if out, err := al.Evaluate(ctx, "T1", nil, t0.Add(4*time.Hour)); err != nil || out.Resolved != 0 || p.n != n {
				t.Errorf("an alert resolved in this episode already: %+v, %d posts, %v; want no second recovery", out, p.n-n, err)
			}
			if got := readAlert(t, st, fp); got.Status != feedbackbot.AlertResolved || !got.ResolvedAt.Equal(t0.Add(3*time.Hour)) {
				t.Errorf("status %s resolved %v; want resolved at +3h", got.Status, got.ResolvedAt)
			}
		})
	}
}

func readAlert(t *testing.T, st interface {
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
}, fp string) feedbackbot.Alert {
	t.Helper()
	raw, err := st.GetDoc(t.Context(), "T1", bot.DocAlert, fp)
	if err != nil {
		t.Fatal(err)
	}
	var a feedbackbot.Alert
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestForgetDuringAPassStaysForgotten: a person is forgotten while an alerter's
// pass runs (its health read before their messages were erased, so it quotes
// them); the pass's save keeps them out of the stored alert and leaves it marked
// for its posted messages to be edited. It wrote its own copy over the redaction:
// the quote back in the store, Redacted cleared, so a snoozed alert's message kept
// quoting them.
func TestForgetDuringAPassStaysForgotten(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, p := pressAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			withQuotes := func(score int) feedbackbot.Health {
				h := atRisk("acme", score, health.ReasonSentimentLow)
				h.Reasons[0].Evidence = []feedbackbot.Evidence{
					{MessageKey: "k1", Author: "UDANA", Quote: "dana says the export is broken"},
					{MessageKey: "k2", Author: "ULEE", Quote: "lee says so too"}}
				return h
			}
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{withQuotes(40)}, t0); err != nil {
				t.Fatal(err)
			}
			fp := bot.AlertFor("T1", withQuotes(40), t0).Fingerprint
			p.press = func() {
				if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "UDANA"); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{withQuotes(20)}, t0.Add(time.Hour)); err != nil || out.Repeated != 1 {
				t.Fatalf("worse: %+v, %v", out, err)
			}
			got := readAlert(t, st, fp)
			var authors []string
			for _, r := range got.Reasons {
				for _, e := range r.Evidence {
					authors = append(authors, e.Author)
				}
			}
			if !got.Redacted || len(authors) != 1 || authors[0] != "ULEE" {
				t.Errorf("after a forget during the pass: redacted %v, evidence by %v; want redacted, by ULEE only", got.Redacted, authors)
			}
			// nor their id among whom the messages quoted (the repeat noted it again)
			if slices.Contains(got.Quoted, "UDANA") {
				t.Errorf("the alert's quoted still names UDANA after the erasure: %v", got.Quoted)
			}
		})
	}
}

// TestAlertLifecycleForTheFollowUp drives alerts through what the follow-up
// reads, with the alerter and the buttons: an acknowledged alert that gets worse
// is opened again and unanswered; a snooze that runs out opens it again too; a
// press made while the pass closes the alert is kept, the alert closed; an alert
// recovered and raised again keeps its first episode, which the week's digest
// follows up with the second.
func TestAlertLifecycleForTheFollowUp(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, p := pressAlerter(st)
			t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			h := func(score int) feedbackbot.Health { return atRisk("acme", score, health.ReasonSentimentLow, "k1") }
			fp := bot.AlertFor("T1", h(40), t0).Fingerprint
			pass := func(at time.Duration, hs ...feedbackbot.Health) bot.AlertOutcome {
				t.Helper()
				out, err := al.Evaluate(ctx, "T1", hs, t0.Add(at))
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			press := func(at time.Duration, action string) {
				t.Helper()
				b := &bot.Bot{Store: st, Now: func() time.Time { return t0.Add(at) }}
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U9", UserName: "maria", Staff: true, Button: true, Text: action + " " + fp}); err != nil {
					t.Fatal(err)
				}
			}
			state := func(step string, status feedbackbot.AlertStatus, answered bool) feedbackbot.Alert {
				t.Helper()
				got := readAlert(t, st, fp)
				if got.Status != status || got.AnsweredAt.IsZero() == answered {
					t.Errorf("%s: status %s, answered at %v; want %s, answered %v", step, got.Status, got.AnsweredAt, status, answered)
				}
				return got
			}
			pass(0, h(40))
			press(time.Hour, "alert.ack")
			state("acknowledged", feedbackbot.AlertAcknowledged, true)
			pass(2*time.Hour, h(20)) // worse: opened again
			state("worse", feedbackbot.AlertOpen, false)
			press(3*time.Hour, "alert.snooze")
			state("snoozed", feedbackbot.AlertSnoozed, true)
			pass(8*24*time.Hour, h(20)) // the snooze ran out
			if got := state("snooze over", feedbackbot.AlertOpen, false); !got.AckedAt.Equal(t0.Add(time.Hour)) {
				t.Errorf("first answer %v, want the first press's", got.AckedAt)
			}
			// Recovered, with a press made while the pass posts the notice.
			p.press = func() { press(8*24*time.Hour+time.Hour, "alert.ack") }
			healthy := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 75, RecentMessages: 2, LastCustomerAt: t0.Add(8 * 24 * time.Hour)}
			if out := pass(8*24*time.Hour+time.Hour, healthy); out.Resolved != 1 {
				t.Fatalf("recover: %+v", out)
			}
			if got := state("closed during a press", feedbackbot.AlertResolved, true); got.AckedBy != "maria" || !got.Recovered {
				t.Errorf("closed: acked by %q, recovered %v", got.AckedBy, got.Recovered)
			}
			// Raised again, in the same week as the recovery: both episodes followed up.
			pass(9*24*time.Hour, h(30))
			got := readAlert(t, st, fp)
			if len(got.Episodes) != 1 || !got.Episodes[0].Recovered || !got.Episodes[0].RaisedAt.Equal(t0) {
				t.Fatalf("episodes %+v; want the first, recovered", got.Episodes)
			}
			from, to := t0.Add(7*24*time.Hour), t0.Add(14*24*time.Hour)
			d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: from, To: to, Now: to})
			if err != nil {
				t.Fatal(err)
			}
			if f := d.FollowUp; f == nil || f.Raised != 1 || len(f.Recovered) != 1 || f.OpenCount != 1 || f.Unanswered != 1 {
				t.Errorf("the week's follow-up %+v; want the new alert raised, open, unanswered, and the first recovered", f)
			}
		})
	}
}
