package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// outagePoster is a refPoster that runs after once a message is posted (the test
// takes the store away there: the message is in the channel, its save fails).
type outagePoster struct {
	*refPoster
	after func()
}

func (p *outagePoster) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	ref, err := p.refPoster.Post(ctx, channel, doc)
	if p.after != nil {
		p.after()
	}
	return ref, err
}

// TestUnsavedAlertSavedAsErasureLeftIt: an alert's message (a raise, a repeat with
// new evidence) goes out quoting a person, its save fails (Redis away), and the
// person is forgotten before the next pass (the command line, or another replica,
// which still reaches Redis): the erasure finds no stored alert quoting them. The
// next pass saves the alert as the erasure would have left it (their quotes out;
// an alert about an account that is the person closed, without their name) and
// edits its posted messages. It saved their id and quote, not marked redacted,
// and the message quoting them stayed in the channel as posted (a review's find).
// When another replica's pass told the channel since, the unsaved message is a
// copy: it is deleted, and the other pass's message is the alert's.
func TestUnsavedAlertSavedAsErasureLeftIt(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	const (
		quoteU1 = "this is the worst support we have ever had, cancelling"
		quoteU2 = "the export has been broken for a week now"
		quoteM1 = "I am done with this community, nobody helps"
	)
	ev := func(key, author, quote string) feedbackbot.Evidence {
		return feedbackbot.Evidence{MessageKey: key, Author: author, Quote: quote, Time: t0.Add(-time.Hour)}
	}
	risky := func(acct, name string, evidence ...feedbackbot.Evidence) feedbackbot.Health {
		return feedbackbot.Health{Account: feedbackbot.Account{ID: acct, Name: name}, Score: 30, AtRisk: true,
			Reasons: []feedbackbot.Reason{{Code: health.ReasonSentimentLow, Text: "sentiment low", Impact: -40, Evidence: evidence}}}
	}
	recovered := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 90, RecentMessages: 3, LastCustomerAt: t0.Add(5 * time.Minute)}
	type pass struct {
		at time.Duration
		hs []feedbackbot.Health
	}
	for _, tc := range []struct {
		name    string
		saved   []pass // passes before, saved
		failed  pass   // the pass whose message lands and whose save fails
		replica *pass  // another replica's pass meanwhile (its message saved)
		forget  string
		next    []feedbackbot.Health // the pass after the erasure
		gone    []string             // what no stored alert nor posted message may show
		kept    []string             // what the alert's messages still show
		status  feedbackbot.AlertStatus
		closed  string
	}{
		{name: "raised, still at risk", failed: pass{0, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/1", "U1", quoteU1))}},
			forget: "U1", next: []feedbackbot.Health{risky("acme", "acme")}, gone: []string{quoteU1, `"U1"`}, status: feedbackbot.AlertOpen},
		{name: "raised, recovered", failed: pass{0, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/1", "U1", quoteU1))}},
			forget: "U1", next: []feedbackbot.Health{recovered}, gone: []string{quoteU1, `"U1"`}, status: feedbackbot.AlertResolved},
		{name: "repeat with new evidence", saved: []pass{{0, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2))}}},
			failed: pass{25 * time.Hour, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2), ev("slack/T1/C1/1", "U1", quoteU1))}},
			forget: "U1", next: []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2))},
			gone: []string{quoteU1, `"U1"`}, kept: []string{quoteU2}, status: feedbackbot.AlertOpen},
		{name: "repeat with new evidence, recovered", saved: []pass{{0, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2))}}},
			failed: pass{25 * time.Hour, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2), ev("slack/T1/C1/1", "U1", quoteU1))}},
			forget: "U1", next: []feedbackbot.Health{recovered}, gone: []string{quoteU1, `"U1"`}, status: feedbackbot.AlertResolved},
		{name: "repeat, another replica's since", saved: []pass{{0, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2))}}},
			failed:  pass{25 * time.Hour, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2), ev("slack/T1/C1/1", "U1", quoteU1))}},
			replica: &pass{25*time.Hour + time.Minute, []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2))}},
			forget:  "U1", next: []feedbackbot.Health{risky("acme", "acme", ev("slack/T1/C1/2", "U2", quoteU2))},
			gone: []string{quoteU1, `"U1"`}, kept: []string{quoteU2}, status: feedbackbot.AlertOpen},
		{name: "the account is the person", failed: pass{0, []feedbackbot.Health{risky("M1", "Dana", ev("discord/G1/C1/1", "M1", quoteM1))}},
			forget: "M1", gone: []string{quoteM1, "Dana"}, status: feedbackbot.AlertResolved, closed: bot.ClosedForgotten},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			st, direct, px := redisBehindProxy(t)
			p := &outagePoster{refPoster: &refPoster{docs: map[string]feedbackbot.Document{}}}
			a := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			for _, ps := range tc.saved {
				if _, err := a.Evaluate(ctx, "T1", ps.hs, t0.Add(ps.at)); err != nil {
					t.Fatal(err)
				}
			}
			p.after = px.Down
			if _, err := a.Evaluate(ctx, "T1", tc.failed.hs, t0.Add(tc.failed.at)); err == nil {
				t.Fatal("set-up: the save should have failed")
			}
			p.after = nil
			px.Up()
			if tc.replica != nil {
				b := &bot.Alerter{Store: direct, Poster: p, Channel: "CALERTS", RepeatInterval: time.Minute}
				if _, err := b.Evaluate(ctx, "T1", tc.replica.hs, t0.Add(tc.replica.at)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := bot.ForgetPerson(ctx, direct, "T1", tc.forget); err != nil {
				t.Fatal(err)
			}
			posted := len(p.docs)
			if _, err := a.Evaluate(ctx, "T1", tc.next, t0.Add(tc.failed.at+10*time.Minute)); err != nil {
				t.Fatal(err)
			}
			docs, err := direct.ListDocs(ctx, "T1", bot.DocAlert)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 {
				t.Fatalf("%d alerts stored, want 1", len(docs))
			}
			var stored feedbackbot.Alert
			for id, raw := range docs {
				for _, g := range tc.gone {
					if strings.Contains(string(raw), g) {
						t.Errorf("alert %s, stored after %s was forgotten, holds %s: %s", id, tc.forget, g, raw)
					}
				}
				var al feedbackbot.Alert
				if err := json.Unmarshal(raw, &al); err != nil {
					t.Fatal(err)
				}
				if al.Status != tc.status || al.ClosedReason != tc.closed {
					t.Errorf("alert %s: status %q closed %q, want %q %q", id, al.Status, al.ClosedReason, tc.status, tc.closed)
				}
				if al.Redacted {
					t.Errorf("alert %s is still marked redacted: this pass did not edit its messages", id)
				}
				stored = al
			}
			unsaved := fmt.Sprint(len(tc.saved) + 1)
			copies := 0
			if tc.replica != nil {
				copies = 1
			}
			if _, shown := p.docs[unsaved]; shown != (copies == 0) {
				t.Errorf("the unsaved message is in the channel: %v; want it deleted only as a copy of another replica's (%v)", shown, copies == 1)
			}
			if len(p.docs) < posted-copies {
				t.Errorf("%d of the alert's messages deleted, want them edited", posted-copies-len(p.docs))
			}
			// Every message the alert posted, the one that was not saved first.
			for ref, doc := range p.docs {
				text := docText(doc)
				for _, g := range tc.gone {
					if strings.Contains(text, strings.Trim(g, `"`)) {
						t.Errorf("message %s in the channel still shows %s after %s was forgotten:\n%s", ref, g, tc.forget, text)
					}
				}
			}
			if tc.kept != nil {
				// (the unsaved message, or the other replica's that replaced it)
				if len(stored.Posts) != 1 {
					t.Fatalf("the alert names %d messages, want 1: %v", len(stored.Posts), stored.Posts)
				}
				text := docText(p.docs[stored.Posts[0].ID])
				for _, k := range tc.kept {
					if !strings.Contains(text, k) {
						t.Errorf("the alert's message lost %q, which nobody erased:\n%s", k, text)
					}
				}
			}
		})
	}
}
