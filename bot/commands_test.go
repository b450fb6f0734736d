package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestAccountNothingToAssess: /feedback account on an account Risk has nothing to
// assess of (SkipSilent's notion: no message in the windows health reads, no survey
// answer) says so, with no score, and why; its older messages are still listed and
// the lookup is audited. It answered "health 100/100, At risk: no", as if healthy.
// An account with something to assess, a survey answer alone included, shows its
// health as before.
func TestAccountNothingToAssess(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			msg := func(id, account, text string, age time.Duration) feedbackbot.Message {
				return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C" + account, Author: "U" + account,
					Role: feedbackbot.RoleCustomer, Account: account, AccountName: strings.ToUpper(account), Text: text, Time: now.Add(-age)}
			}
			captured(t, st,
				msg("C1:1", "active", "the export is broken since the release", 48*time.Hour),
				msg("C2:1", "longgone", "thanks, all good with the invoices", 120*24*time.Hour),
				// an account that first wrote after the moment asked of (a past --as-of)
				msg("C3:1", "newcomer", "hello, just signed up", -24*time.Hour),
				// staff's messages alone (an outreach; or what is left once its only
				// customer is forgotten): it read "health 100/100", as if healthy
				feedbackbot.Message{ID: "C4:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C4", Author: "USTAFF",
					Role: feedbackbot.RoleStaff, Account: "outreach", AccountName: "OUTREACH", Text: "hi team, checking in on the rollout", Time: now.Add(-24 * time.Hour)})
			if err := bot.PutSurveyAnswer(ctx, st, "T1", bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 4, Account: "rated", User: "UR", Time: now.Add(-72 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Accounts: map[string]feedbackbot.Account{
				"empty": {ID: "empty", Name: "Empty Co"}, "rated": {ID: "rated", Name: "Rated Co"}}}
			for _, c := range []struct {
				account string
				want    []string
				not     []string
			}{
				{"longgone", []string{"LONGGONE — nothing to assess", "Nothing to assess as of 2026-11-30 09:00 UTC: no customer message in the last 56 days (what account health reads) and no survey answer in the last 14 days",
					"Its newest message is of 2026-08-02", "*Latest messages*", "thanks, all good with the invoices"},
					[]string{"/100", "At risk", "holds no message"}},
				{"empty", []string{"Empty Co — nothing to assess", "no survey answer", "The store holds no message of it any more"},
					[]string{"/100", "At risk", "Latest messages"}},
				{"newcomer", []string{"NEWCOMER — nothing to assess", "It has no message before that moment: its messages come after it"},
					[]string{"/100", "holds no message", "Latest messages"}},
				{"outreach", []string{"OUTREACH — nothing to assess"}, []string{"/100", "At risk"}},
				{"rated", []string{"Rated Co — health ", "/100", "At risk"}, []string{"nothing to assess"}},
				{"active", []string{"ACTIVE — health ", "/100", "At risk", "the export is broken"}, []string{"nothing to assess"}},
			} {
				before := len(audits(t, st))
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: "account " + c.account})
				if err != nil {
					t.Fatalf("account %s: %v", c.account, err)
				}
				got := docText(doc)
				for _, w := range c.want {
					if !strings.Contains(got, w) {
						t.Errorf("account %s: no %q in\n%s", c.account, w, got)
					}
				}
				for _, w := range c.not {
					if strings.Contains(got, w) {
						t.Errorf("account %s: %q in\n%s", c.account, w, got)
					}
				}
				if after := audits(t, st); len(after) != before+1 {
					t.Errorf("account %s: %d audit entries written, want 1", c.account, len(after)-before)
				}
			}
		})
	}
}

// docText is a reply as people read it: its fallback, then each block's text and
// fields.
func docText(d feedbackbot.Document) string {
	var sb strings.Builder
	sb.WriteString(d.Fallback)
	for _, bl := range d.Blocks {
		sb.WriteString("\n" + bl.Text)
		for _, f := range bl.Fields {
			sb.WriteString("\n" + f.Label + ": " + f.Value)
		}
	}
	return sb.String()
}
