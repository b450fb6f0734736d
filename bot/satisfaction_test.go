package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestSatisfactionIndexPerAccount: an account with CSAT answers in the period (at
// least bot.MinCSATForSatisfaction of them: four here) gets its satisfaction from
// them ((mean-3)/2); one without gets its sentiment index.
func TestSatisfactionIndexPerAccount(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			var msgs []feedbackbot.Message
			for i, acct := range []string{"acme", "acme", "kestrel", "kestrel"} {
				msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", now.Add(-time.Duration(i+1)*time.Hour).Unix()), Platform: feedbackbot.PlatformSlack,
					Workspace: "T1", Channel: "C1", Author: "X" + acct, Role: feedbackbot.RoleCustomer, Account: acct,
					Text: "the export is broken again, very frustrating", Time: now.Add(-time.Duration(i+1) * time.Hour)})
			}
			captured(t, st, msgs...)
			for i, score := range []int{5, 4, 5, 4} {
				raw, _ := json.Marshal(bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: score, Account: "acme", User: fmt.Sprint("U", i), Time: now.Add(-30 * time.Minute)})
				if err := st.PutDoc(ctx, "T1", bot.DocSurveyAnswer, fmt.Sprint("a", i), raw); err != nil {
					t.Fatal(err)
				}
			}
			d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: now.Add(-7 * 24 * time.Hour), To: now, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]feedbackbot.GroupStat{}
			for _, a := range d.Accounts {
				got[a.ID] = a
			}
			if a := got["acme"]; a.SatisfactionFrom != "csat" || a.Satisfaction == nil || math.Abs(*a.Satisfaction-0.75) > 1e-9 {
				t.Errorf("acme: %+v", a)
			}
			if k := got["kestrel"]; k.SatisfactionFrom != "sentiment" || k.Satisfaction == nil || k.Index == nil || *k.Satisfaction != *k.Index {
				t.Errorf("kestrel: %+v", k)
			}
		})
	}
}
