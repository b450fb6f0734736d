package bot_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestRiskQuietAccountChurnBeyondLastsPage: a busy account went quiet 20 days
// ago after writing 1,100 messages in its last week; health's summary reads that
// week (base.Last) with one page, newest first, so it holds the newest days of it
// whole and the oldest in part. A churn signal in the part it does not hold (on
// an older day, or on the day its page ends in) is read from its day (or counted
// from the counters beyond three such days), as the full read counts and quotes
// it: one account or all of them, on both stores.
func TestRiskQuietAccountChurnBeyondLastsPage(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	day := func(d float64) time.Time { return end.Add(-time.Duration(d * float64(24*time.Hour))) }
	const leave = "we will not renew, please send a full export of our data"
	tests := []struct {
		name      string
		churnDays []float64 // days ago the account sent a churn signal
		text      string    // the churn reason's text
		quote     string    // its newest quote (set below: the newest churn day)
	}{
		{"the day before the busy week", []float64{26.5}, "1 churn signal", ""},
		{"on the day Last's page ends in, before its oldest message", []float64{25.97}, "1 churn signal", ""},
		{"in Last's page", []float64{21}, "1 churn signal", ""},
		{"in Last's page and before it", []float64{40.2, 26.5, 21}, "3 churn signals", ""},
		{"on five days before Last's page", []float64{45.2, 40.2, 35.2, 30.2, 26.5}, "5 churn signals", ""},
	}
	for i := range tests { // (the quotes as written)
		d := tests[i].churnDays[len(tests[i].churnDays)-1]
		tests[i].quote = fmt.Sprintf("%s (%.2f)", leave, d)
	}
	for name, open := range backends(t) {
		for _, tc := range tests {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				tags := map[string]feedbackbot.Tags{}
				var evs []feedbackbot.Event
				n := 0
				add := func(acct string, at time.Time, text string, tg feedbackbot.Tags) {
					n++
					m := feedbackbot.Message{ID: fmt.Sprintf("C%s:%d", acct, n), Platform: feedbackbot.PlatformSlack, Workspace: "W1",
						Channel: "C" + acct, Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, AccountName: "Account " + acct, Text: text, Time: at}
					_ = m.Normalize()
					evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
					tg.Analyzer = "test"
					tags[m.Key()] = tg
				}
				happy := feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0.3, Label: feedbackbot.Positive}}
				for d := 55.0; d > 28; d -= 1.5 {
					add("busy", day(d), "all good, thanks", happy)
				}
				for i := range 1100 { // days 26 .. 20.3: Last's page ends on day 25.5 or so
					add("busy", day(26-float64(i)*5.7/1100), fmt.Sprintf("sync job %d done", i), happy)
				}
				for _, d := range tc.churnDays {
					add("busy", day(d), fmt.Sprintf("%s (%.2f)", leave, d),
						feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: -0.2, Label: feedbackbot.Negative}, Intent: feedbackbot.IntentChurnSignal})
				}
				for d := 50.0; d > 0; d -= 2 { // another account, so that the all-accounts read is a batch
					add("calm", day(d), "fine", happy)
				}
				storetest.AppendApplyAll(ctx, t, st, evs, func(i int) feedbackbot.Tags { return tags[evs[i].Message.Key()] })

				h := readsAgree(t, st, st, "busy", end)
				r := slices.IndexFunc(h.Reasons, func(r feedbackbot.Reason) bool { return r.Code == health.ReasonChurnSignal })
				if r < 0 || h.Reasons[r].Text != tc.text+": cancellation, downgrade, switching vendor or data export" ||
					len(h.Reasons[r].Evidence) == 0 || h.Reasons[r].Evidence[0].Quote != tc.quote {
					t.Fatalf("full read: %+v; want %q quoting %q", h.Reasons, tc.text, tc.quote)
				}
			})
		}
	}
}
