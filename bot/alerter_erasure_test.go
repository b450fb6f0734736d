package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestRetentionReachesAMessageARepeatReplaced: the first message quotes an old
// message by U1; a repeat without that quote replaces it (it stays in the
// channel among the alert's earlier messages); retention then expires the old
// message: the alert's QuotedFrom says a message shows a quote that old, and the
// re-render takes it out of the first message too (retention looked in the
// alert's reasons alone, a review found).
func TestRetentionReachesAMessageARepeatReplaced(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	const quoteOld = "this is the worst support we have ever had, cancelling"
	risky := func(score int, e ...feedbackbot.Evidence) feedbackbot.Health {
		return feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: score, AtRisk: true,
			Reasons: []feedbackbot.Reason{{Code: health.ReasonSentimentLow, Text: "sentiment low", Impact: -40, Evidence: e}}}
	}
	old := feedbackbot.Evidence{MessageKey: "slack/T1/C1/1", Author: "U1", Quote: quoteOld, Time: t0.Add(-time.Hour)}
	u2 := feedbackbot.Evidence{MessageKey: "slack/T1/C1/2", Author: "U2", Quote: "the export has been broken for a week now", Time: t0.Add(24 * time.Hour)}
	ctx := context.Background()
	_, direct, _ := redisBehindProxy(t)
	p := &refPoster{docs: map[string]feedbackbot.Document{}}
	a := &bot.Alerter{Store: direct, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
	if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(30, old)}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(30, u2)}, t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	res, err := bot.ExpireOld(ctx, direct.(bot.RetentionStore), "T1", t0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("expired: %+v", res)
	for i := 1; i <= 2; i++ {
		if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(30, u2)}, t0.Add(25*time.Hour+time.Duration(i)*10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for ref, doc := range p.docs {
		if strings.Contains(docText(doc), quoteOld) {
			t.Errorf("message %s still quotes the expired message (retention before %s):\n%s", ref, t0, docText(doc))
		}
	}
}

// TestRerenderedQuoteIsNoted: a snoozed alert's evidence moves on quietly (its
// message is not edited); a redaction then re-renders its message with the
// current evidence, quoting U2; U2's quote leaves the evidence; U2 is forgotten:
// the re-render noted U2 among whom the messages quote, so the erasure edits the
// message (it was left quoting U2, a review found).
func TestRerenderedQuoteIsNoted(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	const quoteU2 = "the export has been broken for a week now"
	ev := func(key, author, quote string) feedbackbot.Evidence {
		return feedbackbot.Evidence{MessageKey: key, Author: author, Quote: quote, Time: t0.Add(-time.Hour)}
	}
	risky := func(e ...feedbackbot.Evidence) feedbackbot.Health {
		return feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 30, AtRisk: true,
			Reasons: []feedbackbot.Reason{{Code: health.ReasonSentimentLow, Text: "sentiment low", Impact: -40, Evidence: e}}}
	}
	u1 := ev("slack/T1/C1/1", "U1", "this is the worst support we have ever had")
	u2 := ev("slack/T1/C1/2", "U2", quoteU2)
	u3 := ev("slack/T1/C1/3", "U3", "still no answer on the invoice")
	ctx := context.Background()
	_, direct, _ := redisBehindProxy(t)
	p := &refPoster{docs: map[string]feedbackbot.Document{}}
	a := &bot.Alerter{Store: direct, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
	if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(u1)}, t0); err != nil {
		t.Fatal(err)
	}
	// staff snooze it for a week (as the Snooze button stores it)
	docs, err := direct.ListDocs(ctx, "T1", bot.DocAlert)
	if err != nil || len(docs) != 1 {
		t.Fatalf("%d alerts, %v", len(docs), err)
	}
	for id, raw := range docs {
		var al feedbackbot.Alert
		if err := json.Unmarshal(raw, &al); err != nil {
			t.Fatal(err)
		}
		al.Status, al.SnoozedUntil = feedbackbot.AlertSnoozed, t0.Add(7*24*time.Hour)
		al.MarkAnswered(t0.Add(time.Minute))
		al.AckedBy = "USTAFF"
		b, _ := json.Marshal(al)
		if err := direct.PutDoc(ctx, "T1", bot.DocAlert, id, b); err != nil {
			t.Fatal(err)
		}
	}
	step := func(at time.Duration, e ...feedbackbot.Evidence) {
		t.Helper()
		if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(e...)}, t0.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	step(time.Hour, u1, u2) // snoozed: saved quietly, U2's quote not in the channel yet
	if _, err := bot.ForgetPerson(ctx, direct.(bot.PrivacyStore), "T1", "U1"); err != nil {
		t.Fatal(err)
	}
	step(2*time.Hour, u2) // re-renders the message: it now quotes U2
	quotedU2 := false
	for _, doc := range p.docs {
		quotedU2 = quotedU2 || strings.Contains(docText(doc), quoteU2)
	}
	if !quotedU2 {
		t.Fatal("set-up: the re-rendered message does not quote U2")
	}
	step(3*time.Hour, u3) // U2's quote leaves the evidence (snoozed: saved quietly)
	if _, err := bot.ForgetPerson(ctx, direct.(bot.PrivacyStore), "T1", "U2"); err != nil {
		t.Fatal(err)
	}
	step(4*time.Hour, u3)
	step(5*time.Hour, u3)
	for ref, doc := range p.docs {
		if strings.Contains(docText(doc), quoteU2) {
			t.Errorf("message %s still quotes U2, forgotten two passes ago:\n%s", ref, docText(doc))
		}
	}
	raw, _ := direct.ListDocs(ctx, "T1", bot.DocAlert)
	for id, r := range raw {
		t.Logf("%s: %s", id, r)
	}
}

// TestForgetDuringARaisingPass: a pass read health (quoting UDANA) before UDANA
// was forgotten, and raises a new alert: the erasure, running while the alert was
// posted, found no stored alert to clean. Every save reads whether the alert's
// people are forgotten, so the saved alert drops UDANA's quote and its message is
// edited (both kept it, a review found).
func TestForgetDuringARaisingPass(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, p := pressAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			withQuotes := func(score int, ev ...feedbackbot.Evidence) feedbackbot.Health {
				h := atRisk("acme", score, health.ReasonSentimentLow)
				h.Reasons[0].Evidence = ev
				return h
			}
			dana := feedbackbot.Evidence{MessageKey: "k1", Author: "UDANA", Quote: "dana says the export is broken"}
			lee := feedbackbot.Evidence{MessageKey: "k2", Author: "ULEE", Quote: "lee says so too"}
			fp := bot.AlertFor("T1", withQuotes(40, dana, lee), t0).Fingerprint
			p.press = func() {
				if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "UDANA"); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{withQuotes(40, dana, lee)}, t0); err != nil {
				t.Fatal(err)
			}
			// staff snooze it (as the button stores it)
			got := readAlert(t, st, fp)
			got.Status, got.SnoozedUntil = feedbackbot.AlertSnoozed, t0.Add(7*24*time.Hour)
			got.MarkAnswered(t0.Add(time.Minute))
			raw, _ := json.Marshal(got)
			if err := st.PutDoc(ctx, "T1", bot.DocAlert, fp, raw); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 3; i++ { // health without UDANA now
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{withQuotes(40, lee)}, t0.Add(time.Duration(i)*10*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			got = readAlert(t, st, fp)
			b, _ := json.Marshal(got)
			if strings.Contains(string(b), "UDANA") {
				t.Errorf("stored alert still names UDANA, forgotten 3 passes ago: %s", b)
			}
			for ref, doc := range p.docs {
				if strings.Contains(docText(doc), dana.Quote) {
					t.Errorf("message %s still quotes UDANA, forgotten 3 passes ago", ref)
				}
			}
		})
	}
}

// TestErasureReachesAnEarlierEpisodesReplacedMessage: an alert quoting a person is
// re-sent (the repeat replaces its first message, which stays in the channel
// unedited), recovers, and is raised again quoting someone else. Forgetting the
// person, or retention expiring their message, edits the first message too: the
// new episode began with none of the earlier messages' quoted people, so neither
// found the alert, and the quote stayed in the chat (a review's find).
func TestErasureReachesAnEarlierEpisodesReplacedMessage(t *testing.T) {
	for _, how := range []string{"forget", "retention"} {
		for name, open := range backends(t) {
			t.Run(how+"/"+name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				al, p := refAlerter(st)
				t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
				h := atRisk("acme", 30, health.ReasonUnanswered)
				h.Reasons[0].Evidence = []feedbackbot.Evidence{{MessageKey: "slack/T1/C1:1.000100", Author: "XDANA", Quote: "call me on 555-0199, nobody answers", Time: t0.Add(-100 * 24 * time.Hour)}}
				lee := atRisk("acme", 30, health.ReasonUnanswered)
				lee.Reasons[0].Evidence = []feedbackbot.Evidence{{MessageKey: "slack/T1/C1:2.000100", Author: "XLEE", Quote: "lee says the export fails", Time: t0}}
				for _, s := range []struct {
					at time.Duration
					hs []feedbackbot.Health
				}{{0, []feedbackbot.Health{h}}, {25 * time.Hour, []feedbackbot.Health{h}}, {26 * time.Hour, nil}, {27 * time.Hour, []feedbackbot.Health{lee}}} {
					if _, err := al.Evaluate(ctx, "T1", s.hs, t0.Add(s.at)); err != nil {
						t.Fatal(err)
					}
				}
				if !strings.Contains(docText(p.docs["1"]), "555-0199") {
					t.Fatalf("the first message, before: %s", docText(p.docs["1"]))
				}
				switch how {
				case "forget":
					if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "XDANA"); err != nil {
						t.Fatal(err)
					}
				default:
					if _, err := bot.ExpireOld(ctx, st.(bot.RetentionStore), "T1", t0.Add(-90*24*time.Hour)); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{lee}, t0.Add(28*time.Hour)); err != nil {
					t.Fatal(err)
				}
				for id, doc := range p.docs {
					if strings.Contains(docText(doc), "555-0199") {
						t.Errorf("after %s, message %s still quotes XDANA: %s", how, id, docText(doc))
					}
				}
			})
		}
	}
}

// updateFailing is a poster whose edits of the messages in fail are refused (the
// platform answering 503).
type updateFailing struct {
	refPoster
	fail map[string]bool
}

func (p *updateFailing) Update(ctx context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error {
	if p.fail[ref.ID] {
		return errors.New("503 from the platform")
	}
	return p.refPoster.Update(ctx, ref, doc)
}

// TestPendingRedactionSurvivesANewEpisode: a replaced message quotes XDANA, the
// alert recovers, XDANA is forgotten, and the pass that should edit the message
// cannot (the platform refuses) while it raises the account's new episode. The
// edit stayed owed by the old episode alone: the new one began not Redacted, and
// with XDANA out of Quoted nothing looked for the quote again.
func TestPendingRedactionSurvivesANewEpisode(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			p := &updateFailing{refPoster: refPoster{docs: map[string]feedbackbot.Document{}}, fail: map[string]bool{}}
			al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			h := atRisk("acme", 30, health.ReasonUnanswered)
			h.Reasons[0].Evidence = []feedbackbot.Evidence{{MessageKey: "slack/T1/C1:1.000100", Author: "XDANA", Quote: "call me on 555-0199, nobody answers", Time: t0}}
			lee := atRisk("acme", 30, health.ReasonUnanswered)
			lee.Reasons[0].Evidence = []feedbackbot.Evidence{{MessageKey: "slack/T1/C1:2.000100", Author: "XLEE", Quote: "lee says the export fails", Time: t0}}
			for _, s := range []struct {
				at time.Duration
				hs []feedbackbot.Health
			}{{0, []feedbackbot.Health{h}}, {25 * time.Hour, []feedbackbot.Health{h}}, {26 * time.Hour, nil}} {
				if _, err := al.Evaluate(ctx, "T1", s.hs, t0.Add(s.at)); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.Contains(docText(p.docs["1"]), "555-0199") {
				t.Fatalf("the first message, before: %s", docText(p.docs["1"]))
			}
			if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "XDANA"); err != nil {
				t.Fatal(err)
			}
			p.fail["1"] = true
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{lee}, t0.Add(27*time.Hour)); err != nil {
				t.Fatal(err)
			}
			p.fail["1"] = false
			for i := 28; i < 31; i++ {
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{lee}, t0.Add(time.Duration(i)*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			for id, doc := range p.docs {
				if strings.Contains(docText(doc), "555-0199") {
					t.Errorf("message %s still quotes the forgotten XDANA after the edit could be made again: %s", id, docText(doc))
				}
			}
		})
	}
}

// TestExpiredSnoozeIsNotShownAfterAnErasure: an alert snoozed by maria eases to
// a warning (below MinSeverity: not repeated when the snooze runs out); her snooze
// runs out, and a quoted customer is forgotten, so the next pass edits the message
// before it opens the alert again: it said "Snoozed by maria until" a day gone by
// on an open alert, and nothing edited it again.
func TestExpiredSnoozeIsNotShownAfterAnErasure(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, p := refAlerter(st)
			al.MinSeverity = feedbackbot.SeverityCritical
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			mk := func(score int, dana bool) feedbackbot.Health {
				h := atRisk("acme", score, health.ReasonSentimentLow)
				h.Reasons[0].Evidence = []feedbackbot.Evidence{{MessageKey: "slack/T1/C1:2.000100", Author: "XLEE", Quote: "lee: export fails", Time: t0}}
				if dana {
					h.Reasons[0].Evidence = append(h.Reasons[0].Evidence, feedbackbot.Evidence{MessageKey: "slack/T1/C1:1.000100", Author: "XDANA", Quote: "dana: 555-0199", Time: t0})
				}
				return h
			}
			if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{mk(20, true)}, t0); err != nil || out.Raised != 1 {
				t.Fatalf("raise: %+v %v", out, err)
			}
			fp := bot.AlertFor("T1", mk(20, true), t0).Fingerprint
			p.docs["1"] = pressAlertButton(t, st, t0.Add(time.Hour), "UMARIA", "maria", "alert.snooze "+fp)
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{mk(35, true)}, t0.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "XDANA"); err != nil {
				t.Fatal(err)
			}
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{mk(35, false)}, t0.Add(8*24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if p.n != 1 {
				t.Fatalf("%d posts; the test wants the alert left quiet", p.n)
			}
			if got := readAlert(t, st, fp); got.Status != feedbackbot.AlertOpen || strings.Contains(docText(p.docs["1"]), "Snoozed by") {
				t.Errorf("the alert is %s, its snooze run out; its message says:\n%s", got.Status, docText(p.docs["1"]))
			}
		})
	}
}
