package bot_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

func TestSurveyRoundTrip(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
			staff := feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true}
			staff.Text = "survey csat acme C1:1700000000.000100"
			doc, err := b.HandleCommand(ctx, staff)
			if err != nil || doc.Ephemeral {
				t.Fatalf("survey: %v %+v", err, doc)
			}
			var buttons []feedbackbot.Button
			for _, bl := range doc.Blocks {
				buttons = append(buttons, bl.Buttons...)
			}
			if len(buttons) != 5 {
				t.Fatalf("CSAT has 5 buttons, got %d", len(buttons))
			}
			// Asking again within the cooldown is refused politely.
			again, err := b.HandleCommand(ctx, staff)
			if err != nil || !strings.Contains(again.Fallback, "not asking again") {
				t.Fatalf("cooldown: %v %q", err, again.Fallback)
			}
			// Customers (not staff) answer by pressing buttons: scores 5, 4, 2.
			for i, score := range []int{5, 4, 2} {
				press := feedbackbot.Command{Workspace: "T1", User: "UCUST" + string(rune('A'+i)), Button: true, Text: "survey.answer " + buttons[score-1].Value}
				if doc, err := b.HandleCommand(ctx, press); err != nil || !strings.Contains(doc.Fallback, "Thank you") {
					t.Fatalf("answer: %v %+v", err, doc)
				}
			}
			// Staff pressing a button (to see what the customer sees, or by mistake)
			// are told it is not recorded, and nothing is stored.
			if doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "survey.answer " + buttons[0].Value}); err != nil || !doc.Ephemeral || !strings.Contains(doc.Fallback, "not recorded") {
				t.Fatalf("staff answer: %v %+v", err, doc)
			}
			// A forged button value is refused.
			if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "UX", Button: true, Text: "survey.answer csat|9|acme|x"}); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
				t.Fatalf("out-of-range score: %v", err)
			}
			answers, err := bot.SurveyAnswers(ctx, st, "T1", now.Add(-time.Hour), now.Add(time.Hour), "")
			if err != nil {
				t.Fatal(err)
			}
			s := bot.Summarise(answers, now.Add(-time.Hour), now.Add(time.Hour), "acme")
			if s.CSATAnswers != 3 || math.Abs(*s.CSATMean-11.0/3) > 1e-9 || math.Abs(*s.CSATShare-2.0/3) > 1e-9 {
				t.Fatalf("CSAT summary: %+v", s)
			}
		})
	}
}

func TestNPS(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var as []bot.SurveyAnswer
	for _, s := range []int{10, 9, 9, 8, 7, 6, 3, 10, 0, 10} { // 5 promoters, 3 detractors
		as = append(as, bot.SurveyAnswer{Kind: bot.SurveyNPS, Score: s, Account: "a", Time: now})
	}
	s := bot.Summarise(as, now.Add(-time.Hour), now.Add(time.Hour), "")
	if s.NPSAnswers != 10 || math.Abs(*s.NPS-20) > 1e-9 {
		t.Fatalf("NPS = %+v, want +20", s)
	}
}

// TestSurveyAskedOnceWhenAskedAtOnce: the cooldown was read, then written, and two
// staff asking at the same moment both found none: the customer got every survey.
// Of eight asked at once (either kind), one goes out.
func TestSurveyAskedOnceWhenAskedAtOnce(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
			var sent atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					kind := []string{"csat", "nps"}[i%2]
					doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: fmt.Sprintf("USTAFF%d", i), Staff: true, Text: "survey " + kind + " acme"})
					if err != nil {
						t.Errorf("survey %d: %v", i, err)
					} else if !doc.Ephemeral {
						sent.Add(1)
					}
				})
			}
			wg.Wait()
			if n := sent.Load(); n != 1 {
				t.Fatalf("%d surveys went out to one account asked eight times at once, want 1", n)
			}
		})
	}
}

// TestSurveyNotSentTakesBackTheCooldown: a survey question the adapter could not
// post no longer keeps its account from being asked for 30 days (it did: the
// cooldown was written when the question was made), and other documents, or
// another account's cooldown, are left alone.
func TestSurveyNotSentTakesBackTheCooldown(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}, "globex": {ID: "globex", Name: "Globex"}},
				Now: func() time.Time { return now }}
			ask := func(acct string) feedbackbot.Document {
				t.Helper()
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "survey nps " + acct})
				if err != nil {
					t.Fatal(err)
				}
				return doc
			}
			failed := ask("acme")
			kept := ask("globex")
			if failed.Ephemeral || kept.Ephemeral {
				t.Fatalf("first asks should be questions: %q / %q", failed.Fallback, kept.Fallback)
			}
			// Documents that are not survey questions change nothing.
			for _, other := range []feedbackbot.Document{ask("acme"), {Fallback: "a digest"}} {
				if err := b.SurveyNotSent(ctx, "T1", other); err != nil {
					t.Fatal(err)
				}
			}
			if again := ask("acme"); !strings.Contains(again.Fallback, "not asking again") {
				t.Fatalf("the cooldown should still hold: %q", again.Fallback)
			}
			if err := b.SurveyNotSent(ctx, "T1", failed); err != nil {
				t.Fatal(err)
			}
			if again := ask("acme"); again.Ephemeral {
				t.Fatalf("after a question that was not sent, the account may be asked again: %q", again.Fallback)
			}
			if again := ask("globex"); !strings.Contains(again.Fallback, "not asking again") {
				t.Fatalf("another account's cooldown is kept: %q", again.Fallback)
			}
		})
	}
}
