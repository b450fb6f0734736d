package bot_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// queryLog records the message queries made through it; its optional methods are
// the wrapped store's (bot.Unwrapper), so Risk reads as it reads the store itself.
type queryLog struct {
	store.Store
	mu      sync.Mutex
	queries []store.Query
}

func (q *queryLog) Unwrap() store.Store { return q.Store }

func (q *queryLog) Messages(ctx context.Context, qu store.Query) ([]store.Stored, error) {
	q.mu.Lock()
	q.queries = append(q.queries, qu)
	q.mu.Unlock()
	return q.Store.Messages(ctx, qu)
}

// TestRiskChurnSignalOverTheBaseline: an account that said "we are evaluating other
// vendors" 30 days ago and has written ordinary messages since keeps the churn
// reason, with its quote, when health reads the older baseline as daily counters
// (the summary: one account, every account at once, on both stores), as the full
// read of its messages does; said 60 days ago (before the 8-week baseline) it is not
// listed. The summary reads the messages of at most three days for them, however
// many days hold one (the older counted, not quoted).
func TestRiskChurnSignalOverTheBaseline(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	day := func(d float64) time.Time { return end.Add(-time.Duration(d * float64(24*time.Hour))) }
	const vendors = "we are evaluating other vendors"
	tests := []struct {
		name      string
		churnDays []float64 // days ago the account sent a churn signal
		text      string    // the churn reason's text, "" for none
		quote     string    // its newest quote
		dayReads  int       // the day reads for them, on the summary path
	}{
		{"30 days ago", []float64{30.2}, "1 churn signal", vendors + " (30.2)", 1},
		{"60 days ago, before the baseline", []float64{60.2}, "", "", 0},
		{"in the recent window", []float64{5.2}, "1 churn signal", vendors + " (5.2)", 0},
		{"on five days of the summary", []float64{40.2, 35.2, 30.2, 25.2, 20.2}, "5 churn signals", vendors + " (20.2)", 3},
		{"twice on a day and on two others", []float64{45.2, 33.3, 33.2, 21.2}, "4 churn signals", vendors + " (21.2)", 3},
	}
	for name, open := range backends(t) {
		for _, tc := range tests {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				tags := map[string]feedbackbot.Tags{}
				var evs []feedbackbot.Event
				n := 0
				add := func(acct string, at time.Time, role feedbackbot.Role, text string, tg feedbackbot.Tags) {
					n++
					m := feedbackbot.Message{ID: fmt.Sprintf("C%s:%d", acct, n), Platform: feedbackbot.PlatformSlack, Workspace: "W1",
						Channel: "C" + acct, Author: string(role) + acct, Role: role, Account: acct, AccountName: "Account " + acct, Text: text, Time: at}
					_ = m.Normalize()
					evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
					tg.Analyzer = "test"
					tags[m.Key()] = tg
				}
				happy := feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: 0.3, Label: feedbackbot.Positive}}
				for _, acct := range []string{"vendor", "calm"} {
					for d := 69.0; d > 0; d -= 1.5 { // ordinary talk, before and since
						add(acct, day(d), feedbackbot.RoleCustomer, "all good, thanks", happy)
					}
				}
				for _, d := range tc.churnDays {
					add("vendor", day(d), feedbackbot.RoleCustomer, fmt.Sprintf("%s (%.1f)", vendors, d),
						feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: -0.2, Label: feedbackbot.Negative}, Intent: feedbackbot.IntentChurnSignal})
				}
				storetest.AppendApplyAll(ctx, t, st, evs, func(i int) feedbackbot.Tags { return tags[evs[i].Message.Key()] })

				log := &queryLog{Store: st}
				h := readsAgree(t, st, log, "vendor", end)
				r := slices.IndexFunc(h.Reasons, func(r feedbackbot.Reason) bool { return r.Code == health.ReasonChurnSignal })
				switch {
				case tc.text == "" && r >= 0:
					t.Errorf("a churn signal before the baseline is listed: %+v", h.Reasons[r])
				case tc.text != "" && r < 0:
					t.Errorf("no churn reason: health %d, %+v", h.Score, h.Reasons)
				case r >= 0 && (h.Reasons[r].Text != tc.text+": cancellation, downgrade, switching vendor or data export" ||
					len(h.Reasons[r].Evidence) == 0 || h.Reasons[r].Evidence[0].Quote != tc.quote):
					t.Errorf("churn reason %q, evidence %+v; want %q, newest quote %q", h.Reasons[r].Text, h.Reasons[r].Evidence, tc.text, tc.quote)
				}
				reads := 0
				for _, q := range log.queries {
					if q.To.Sub(q.From) == 24*time.Hour && q.From.Equal(store.DayStart(q.From)) && q.To.Before(day(15)) {
						reads++
					}
				}
				if reads != tc.dayReads {
					t.Errorf("%d day reads for churn signals (%+v), want %d", reads, log.queries, tc.dayReads)
				}
			})
		}
	}
}

// readsAgree reads account id's health as of now three ways: from every message
// (fullRead), alone through one (st, or a wrapper of it that counts the reads),
// and among all the workspace's accounts (the batched read). The two reads over
// the account-day counters must give exactly the full read's health, which it
// returns.
func readsAgree(t *testing.T, st store.Store, one bot.HistoryStore, id string, now time.Time) feedbackbot.Health {
	t.Helper()
	ctx := t.Context()
	req := bot.RiskRequest{Workspace: "W1", Now: now, Only: id}
	full, err := bot.Risk(ctx, fullRead{st}, req)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := bot.Risk(ctx, one, req)
	if err != nil {
		t.Fatal(err)
	}
	req.Only = ""
	all, err := bot.Risk(ctx, st, req)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(all, func(h feedbackbot.Health) bool { return h.Account.ID == id })
	if len(full) != 1 || len(alone) != 1 || i < 0 {
		t.Fatalf("healths of %s: full read %d, one account %d, all accounts %v", id, len(full), len(alone), all)
	}
	for what, h := range map[string]feedbackbot.Health{"one account": alone[0], "all accounts": all[i]} {
		if fmt.Sprintf("%+v", h) != fmt.Sprintf("%+v", full[0]) {
			t.Errorf("%s over the counters:\n%+v\nfull read:\n%+v", what, h, full[0])
		}
	}
	return full[0]
}
