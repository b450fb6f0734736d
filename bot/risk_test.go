package bot_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// fullRead hides a store's account-day counters, as a store with data from before
// them does: bot.Risk then reads every message of the baseline window.
type fullRead struct{ store.Store }

func (fullRead) AccountDays(context.Context, string, string, time.Time, time.Time, ...string) ([]feedbackbot.Rollup, error) {
	return nil, store.ErrAccountDaysMissing
}

// riskHistory is 70 days of several accounts' conversations, each with its own
// pattern, and the tags analysis would give them (scores in hundredths).
func riskHistory(ws string, end time.Time) ([]feedbackbot.Message, map[string]feedbackbot.Tags) {
	var ms []feedbackbot.Message
	tags := map[string]feedbackbot.Tags{}
	n := 0
	add := func(acct string, at time.Time, role feedbackbot.Role, score float64, ask bool, intent feedbackbot.Intent, text string) {
		n++
		m := feedbackbot.Message{ID: fmt.Sprintf("C%s:%d", acct, n), Platform: feedbackbot.PlatformSlack, Workspace: ws,
			Channel: "C" + acct, Author: string(role) + acct, Role: role, Account: acct, AccountName: "Account " + acct,
			Text: text, Time: at}
		_ = m.Normalize()
		ms = append(ms, m)
		tags[m.Key()] = feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: score, Label: feedbackbot.LabelFor(score)},
			NeedsReply: ask, Intent: intent, Analyzer: "test"}
	}
	day := func(d float64) time.Time { return end.Add(-time.Duration(d * float64(24*time.Hour))) }
	for d := 69.0; d > 0; d -= 1.3 { // steady and happy, answered quickly
		add("steady", day(d), feedbackbot.RoleCustomer, math.Round(30+10*math.Sin(d))/100, true, feedbackbot.IntentQuestion, "how do I export?")
		add("steady", day(d).Add(10*time.Minute), feedbackbot.RoleStaff, 0.3, false, "", "here is how")
	}
	for d := 69.0; d > 0; d -= 0.9 { // happy, then unhappy for the last two weeks
		s := 0.45
		if d < 14 {
			s = -0.55
		}
		add("sliding", day(d), feedbackbot.RoleCustomer, s, false, feedbackbot.IntentComplaint, "the sync is slow")
	}
	for d := 60.0; d > 30; d -= 2 { // went quiet a month ago, after a complaint
		add("quiet", day(d), feedbackbot.RoleCustomer, 0.2, false, "", "fine")
	}
	add("quiet", day(29.5), feedbackbot.RoleCustomer, -0.8, true, feedbackbot.IntentComplaint, "this is broken again")
	add("quiet", day(29.4), feedbackbot.RoleStaff, 0, false, "", "looking")
	for d := 50.0; d > 16; d -= 2.5 { // quiet since just before the recent window
		add("margin", day(d), feedbackbot.RoleCustomer, 0.1, false, "", "ok")
	}
	add("margin", day(15.2), feedbackbot.RoleCustomer, -0.6, false, feedbackbot.IntentComplaint, "still failing")
	for d := 55.0; d > 0; d -= 9 { // rare writer
		add("rare", day(d), feedbackbot.RoleCustomer, 0.05, false, "", "hello")
	}
	for d := 40.0; d > 3; d -= 3 { // questions left waiting lately
		add("waiting", day(d), feedbackbot.RoleCustomer, 0.1, true, feedbackbot.IntentQuestion, "any news?")
		if d > 10 {
			add("waiting", day(d).Add(20*time.Minute), feedbackbot.RoleStaff, 0.2, false, "", "yes")
		}
	}
	return ms, tags
}

// TestRiskAccountDaysAgree: on both stores, Risk over account-day counters says
// exactly what the full read of the baseline says, as of several moments.
func TestRiskAccountDaysAgree(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			ms, tags := riskHistory("W1", end)
			evs := make([]feedbackbot.Event, len(ms))
			for i, m := range ms {
				evs[i] = feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}
			}
			storetest.AppendApplyEach(ctx, t, st, evs, func(e store.Entry) feedbackbot.Tags { return tags[e.Event.Message.Key()] })
			flagged := map[string]bool{}
			for _, shift := range []time.Duration{0, 5 * time.Hour, 17 * time.Hour, 2 * 24 * time.Hour} {
				req := bot.RiskRequest{Workspace: "W1", Now: end.Add(-shift), Params: health.Params{}}
				got, err := bot.Risk(ctx, st, req)
				if err != nil {
					t.Fatal(err)
				}
				want, err := bot.Risk(ctx, fullRead{st}, req)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
					t.Errorf("as of %s:\ncounters  %+v\nfull read %+v", req.Now, got, want)
				}
				for _, h := range got {
					if shift == 0 {
						for _, r := range h.Reasons {
							flagged[h.Account.ID+"/"+r.Code] = true
						}
					}
				}
			}
			for _, want := range []string{"sliding/" + health.ReasonSentimentDrop, "quiet/" + health.ReasonWentQuiet,
				"margin/" + health.ReasonWentQuiet, "waiting/" + health.ReasonUnanswered} {
				if !flagged[want] {
					t.Errorf("no %s among %v: the history does not test it", want, flagged)
				}
			}
		})
	}
}

// TestRiskReadsABusyAccountsWholeWindow: account health read one page (1,000) of
// the account's messages of its recent window, so a churn signal ten days ago
// under 1,000 newer routine messages was not there (a review's find). Both stores.
func TestRiskReadsABusyAccountsWholeWindow(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			tags := map[string]feedbackbot.Tags{}
			var evs []feedbackbot.Event
			add := func(i int, at time.Time, role feedbackbot.Role, intent feedbackbot.Intent, score float64, text string) {
				m := feedbackbot.Message{ID: fmt.Sprintf("CBUSY:%d", i), Platform: feedbackbot.PlatformSlack, Workspace: "W1",
					Channel: "CBUSY", Author: string(role) + fmt.Sprint(i%7), Role: role, Account: "busy", Text: text, Time: at}
				_ = m.Normalize()
				evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
				tags[m.Key()] = feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: score, Label: feedbackbot.LabelFor(score)},
					Intent: intent, Analyzer: "test"}
			}
			add(0, end.Add(-10*24*time.Hour), feedbackbot.RoleCustomer, feedbackbot.IntentChurnSignal, -0.6, "we are moving to another vendor next quarter")
			for i := 1; i <= 1000; i++ { // then 1,000 routine messages over 8.3 days
				role := feedbackbot.RoleCustomer
				if i%2 == 0 {
					role = feedbackbot.RoleStaff
				}
				add(i, end.Add(-9*24*time.Hour+time.Duration(i)*12*time.Minute), role, feedbackbot.IntentOther, 0.2, "ok, thanks")
			}
			storetest.AppendApplyEach(ctx, t, st, evs, func(e store.Entry) feedbackbot.Tags { return tags[e.Event.Message.Key()] })
			hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "W1", Only: "busy", Now: end})
			if err != nil {
				t.Fatal(err)
			}
			if len(hs) != 1 || !bot.HasReason(hs[0], health.ReasonChurnSignal) {
				t.Errorf("the busy account's health %+v has no churn signal", hs)
			}
		})
	}
}

// TestRiskManyAccountsAgree: with more accounts than one batch of daily counters
// holds (Redis reads every account's days at once, 500 accounts a command), each
// account's health over the counters is the full read's: every account's baseline
// reaches it, whichever batch it is in. Accounts differ (a sliding one every
// seventh, a quiet one every eleventh), so a day given to the wrong account shows.
func TestRiskManyAccountsAgree(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			tags := map[string]feedbackbot.Tags{}
			var evs []feedbackbot.Event
			add := func(acct int, n int, at time.Time, score float64) {
				m := feedbackbot.Message{ID: fmt.Sprintf("C%d:%d", acct, n), Platform: feedbackbot.PlatformSlack, Workspace: "W1",
					Channel: fmt.Sprintf("C%d", acct), Author: fmt.Sprintf("U%d", acct), Role: feedbackbot.RoleCustomer,
					Account: fmt.Sprintf("acct-%04d", acct), Text: "how is it going", Time: at}
				_ = m.Normalize()
				evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
				tags[m.Key()] = feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: score, Label: feedbackbot.LabelFor(score)}, Analyzer: "test"}
			}
			const accounts = 1203
			for a := range accounts {
				for d := range 6 { // baseline: every four days, weeks before the recent window
					add(a, d, end.Add(-time.Duration(20+4*d+a%3)*24*time.Hour), 0.4)
				}
				switch {
				case a%11 == 0: // went quiet
				case a%7 == 0: // sliding
					for d := range 3 {
						add(a, 9+d, end.Add(-time.Duration(2+d)*24*time.Hour), -0.7)
					}
				default:
					add(a, 9, end.Add(-3*24*time.Hour), 0.4)
				}
			}
			storetest.AppendApplyAll(ctx, t, st, evs, func(i int) feedbackbot.Tags { return tags[evs[i].Message.Key()] })
			req := bot.RiskRequest{Workspace: "W1", Now: end}
			got, err := bot.Risk(ctx, st, req)
			if err != nil {
				t.Fatal(err)
			}
			want, err := bot.Risk(ctx, fullRead{st}, req)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != accounts || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
				t.Fatalf("%d accounts over the counters, %d read in full; they differ:\ncounters  %.600v\nfull read %.600v", len(got), len(want), fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want))
			}
			reasons := map[string]int{}
			for _, h := range got {
				for _, r := range h.Reasons {
					reasons[r.Code]++
				}
			}
			if reasons[health.ReasonSentimentDrop] == 0 || reasons[health.ReasonWentQuiet] == 0 {
				t.Errorf("reasons %v: the history tests no drop or no quiet account", reasons)
			}
		})
	}
}
