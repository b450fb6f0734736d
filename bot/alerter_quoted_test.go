package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// forgetAfterRead runs hook once, right after the alerter reads the people
// forgotten: a concurrent erasure landing between saveUnsaved's read of
// DocForgotten and its write.
type forgetAfterRead struct {
	bot.AlertStore
	hook func()
}

func (s *forgetAfterRead) ListDocs(ctx context.Context, ws, kind string) (map[string][]byte, error) {
	r, err := s.AlertStore.ListDocs(ctx, ws, kind)
	if kind == bot.DocForgotten && s.hook != nil {
		h := s.hook
		s.hook = nil
		h()
	}
	return r, err
}

// TestErasureOfAnUnsavedAlertsQuote: a repeat quoting U1 is posted and not saved
// (the store away); another replica's repeat, not quoting U1, is saved meanwhile;
// the next pass saves the unsaved message into the stored alert's earlier ones.
// U1 is forgotten either during that save (after its read of the people
// forgotten, before its write: the erasure found the stored alert without U1's
// quote, and the pass reads the people forgotten again after its write) or after
// it (the alert keeps whom its messages quoted, Alert.Quoted, so the erasure
// finds it). Either way the message is edited: it joined the alert unredacted
// and was never edited, a review found.
func TestErasureOfAnUnsavedAlertsQuote(t *testing.T) {
	for _, during := range []bool{true, false} {
		name := map[bool]string{true: "forgotten during the save", false: "forgotten after it"}[during]
		t.Run(name, func(t *testing.T) {
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			const (
				quoteU1 = "this is the worst support we have ever had, cancelling"
				quoteU2 = "the export has been broken for a week now"
			)
			ev := func(key, author, quote string) feedbackbot.Evidence {
				return feedbackbot.Evidence{MessageKey: key, Author: author, Quote: quote, Time: t0.Add(-time.Hour)}
			}
			risky := func(e ...feedbackbot.Evidence) feedbackbot.Health {
				return feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 30, AtRisk: true,
					Reasons: []feedbackbot.Reason{{Code: health.ReasonSentimentLow, Text: "sentiment low", Impact: -40, Evidence: e}}}
			}
			u2 := ev("slack/T1/C1/2", "U2", quoteU2)
			ctx := context.Background()
			st, direct, px := redisBehindProxy(t)
			p := &outagePoster{refPoster: &refPoster{docs: map[string]feedbackbot.Document{}}}
			a := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
			if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(u2)}, t0); err != nil {
				t.Fatal(err)
			}
			p.after = px.Down
			if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(u2, ev("slack/T1/C1/1", "U1", quoteU1))}, t0.Add(25*time.Hour)); err == nil {
				t.Fatal("set-up: the save should have failed")
			}
			p.after = nil
			px.Up()
			b := &bot.Alerter{Store: direct, Poster: p, Channel: "CALERTS", RepeatInterval: time.Minute}
			if _, err := b.Evaluate(ctx, "T1", []feedbackbot.Health{risky(u2)}, t0.Add(25*time.Hour+time.Minute)); err != nil {
				t.Fatal(err)
			}
			forget := func() {
				if _, err := bot.ForgetPerson(ctx, direct, "T1", "U1"); err != nil {
					t.Error(err)
				}
			}
			forgot := !during
			if during {
				a.Store = &forgetAfterRead{AlertStore: st, hook: func() { forget(); forgot = true }}
			} else {
				if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(u2)}, t0.Add(25*time.Hour+5*time.Minute)); err != nil {
					t.Fatal(err) // saves the unsaved message; nobody forgotten yet
				}
				forget()
			}
			for i := 1; i <= 3; i++ {
				if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(u2)}, t0.Add(25*time.Hour+time.Duration(i)*10*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			if !forgot {
				t.Fatal("set-up: the erasure did not run")
			}
			docs, err := direct.ListDocs(ctx, "T1", bot.DocAlert)
			if err != nil {
				t.Fatal(err)
			}
			for id, raw := range docs {
				if strings.Contains(string(raw), quoteU1) || strings.Contains(string(raw), `"U1"`) {
					t.Errorf("alert %s still holds U1's quote/id: %s", id, raw)
				}
			}
			for ref, doc := range p.docs {
				if strings.Contains(docText(doc), quoteU1) {
					t.Errorf("message %s in the channel still quotes U1, forgotten 3 passes ago:\n%s", ref, docText(doc))
				}
			}
		})
	}
}

// TestErasureReachesAMessageARepeatReplaced: the first message quotes U1; a
// repeat without U1's quote replaces it (it stays in the channel, among the
// alert's earlier messages); U1 is forgotten: the alert's Quoted finds the
// alert, and the first message is edited without the quote (no outage needed:
// the erasure looked for U1 in the evidence alone, a review found).
func TestErasureReachesAMessageARepeatReplaced(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	const quoteU1 = "this is the worst support we have ever had, cancelling"
	ev := func(key, author, quote string) feedbackbot.Evidence {
		return feedbackbot.Evidence{MessageKey: key, Author: author, Quote: quote, Time: t0.Add(-time.Hour)}
	}
	risky := func(score int, e ...feedbackbot.Evidence) feedbackbot.Health {
		return feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: score, AtRisk: true,
			Reasons: []feedbackbot.Reason{{Code: health.ReasonSentimentLow, Text: "sentiment low", Impact: -40, Evidence: e}}}
	}
	u2 := ev("slack/T1/C1/2", "U2", "the export has been broken for a week now")
	ctx := context.Background()
	_, direct, _ := redisBehindProxy(t)
	p := &refPoster{docs: map[string]feedbackbot.Document{}}
	a := &bot.Alerter{Store: direct, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
	if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(30, u2, ev("slack/T1/C1/1", "U1", quoteU1))}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(30, u2)}, t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.ForgetPerson(ctx, direct, "T1", "U1"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := a.Evaluate(ctx, "T1", []feedbackbot.Health{risky(30, u2)}, t0.Add(25*time.Hour+time.Duration(i)*10*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for ref, doc := range p.docs {
		if strings.Contains(docText(doc), quoteU1) {
			t.Errorf("message %s still quotes U1", ref)
		}
	}
	t.Logf("%d messages", len(p.docs))
}
