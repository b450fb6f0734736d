package health

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestTopLevelAnswerConfirmedByThanks: a top-level staff message beyond
// answerReach of a question (Friday evening to Monday morning) is its answer,
// counted at the staff message, when the asker's next top-level message thanks
// for it (no ask, positive) within answerReach of it, while the question's is the
// channel's open conversation; without that it answers nothing (it may be an
// announcement: TestStaffAnnouncementIsNoAnswer).
func TestTopLevelAnswerConfirmedByThanks(t *testing.T) {
	hour := 1.0 / 24
	fri := 9.0 + 15.5*hour // a Friday-evening question, days ago
	mon := fri - 63.75*hour
	question := spec{daysAgo: fri, role: feedbackbot.RoleCustomer, score: 0, intent: feedbackbot.IntentQuestion, ask: true,
		text: "How do we export the audit log for last quarter?"}
	staff := spec{daysAgo: mon, role: feedbackbot.RoleStaff, score: 0.1,
		text: "Settings > Audit > Export, pick the date range and it emails a CSV."}
	customer := func(daysAgo, score float64, intent feedbackbot.Intent, ask bool, text string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleCustomer, score: score, intent: intent, ask: ask, text: text}
	}
	thanks := customer(mon-25*hour/60, 0.6, feedbackbot.IntentPraise, false, "thanks, that worked!")
	tests := []struct {
		name     string
		specs    []spec
		other    int // the index of a message written by another customer, -1 for none
		answered bool
	}{
		{"thanks 25 minutes after", []spec{question, staff, thanks}, -1, true},
		{"no thanks", []spec{question, staff}, -1, false},
		{"thanks two days after", []spec{question, staff, customer(mon-2, 0.6, feedbackbot.IntentPraise, false, "thanks!")}, -1, false},
		{"a new question after", []spec{question, staff, customer(mon-hour, 0.2, feedbackbot.IntentQuestion, true, "thanks, and can it be JSON?")}, -1, false},
		{"a neutral message, then thanks", []spec{question, staff,
			customer(mon-hour, 0, feedbackbot.IntentOther, false, "we are on it"), customer(mon-2*hour, 0.6, feedbackbot.IntentPraise, false, "thanks!")}, -1, false},
		{"another customer's thanks", []spec{question, staff, thanks}, 2, false},
		// (their question is no longer the open conversation: the thanks confirmed
		// nothing until 2026-12-07)
		{"a colleague's message, then the asker's thanks", []spec{question, staff,
			customer(mon-10*hour/60, 0, feedbackbot.IntentOther, false, "hello"), thanks}, 2, true},
		{"a colleague's message, then the asker's new question", []spec{question, staff,
			customer(mon-10*hour/60, 0, feedbackbot.IntentOther, false, "hello"),
			customer(mon-25*hour/60, 0.2, feedbackbot.IntentQuestion, true, "and can it be JSON?")}, 2, false},
		{"thanks for a second staff message", []spec{question,
			{daysAgo: mon + hour, role: feedbackbot.RoleStaff, score: 0.1, text: "Heads up: maintenance on Saturday."}, staff, thanks}, -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := build(tc.specs)
			if tc.other >= 0 {
				items[tc.other].Message.Author = "customer2"
			}
			h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
			if waits := slices.Contains(codes(h), ReasonUnanswered); waits == tc.answered {
				t.Errorf("answered %v, yet waits %v: reasons %v", tc.answered, waits, codes(h))
			}
			r := ResponseTimes(items, Params{}, now.Add(-14*24*time.Hour), now)
			waits := slices.ContainsFunc(r.Waiting, func(it *Item) bool { return it.Message.Text == question.text })
			if want := map[bool]int{true: 1}[tc.answered]; r.Answered != want || waits == tc.answered {
				t.Fatalf("response times: %d answered, the question waiting %v; want %d answered", r.Answered, waits, want)
			}
			if want := items[slices.IndexFunc(items, func(it Item) bool { return it.Message.Text == staff.text })].Message.Time.Sub(items[0].Message.Time); tc.answered && r.MedianFirstReply != want {
				t.Errorf("first reply after %s, want %s (at the staff message)", r.MedianFirstReply, want)
			}
		})
	}
}

// TestChurnSignalNeedsALeavingIntent: praise about not cancelling and a question
// about cancelling an export are no churn signals (feedbackbot.ChurnSignal), so
// they neither take points nor put a happy account at risk; a complaint about
// cancelling, or a churn_signal intent, is one.
func TestChurnSignalNeedsALeavingIntent(t *testing.T) {
	var routine []spec
	for d := 50.0; d > 0; d -= 3 {
		routine = append(routine, conv(d, 0.3, 10)...)
	}
	msg := func(daysAgo, score float64, intent feedbackbot.Intent, ask bool, text string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleCustomer, score: score, intent: intent, ask: ask,
			themes: []string{"billing", "cancellation"}, text: text}
	}
	tests := []struct {
		name   string
		extra  []spec
		churn  int // churn signals counted
		atRisk bool
	}{
		{"praise about not cancelling, twice", []spec{
			msg(30, 0.6, feedbackbot.IntentPraise, false, "thanks for helping us avoid cancelling, you saved the renewal"),
			msg(5, 0.6, feedbackbot.IntentPraise, false, "so glad we avoided cancelling")}, 0, false},
		{"questions about cancelling an export", []spec{
			msg(20, 0, feedbackbot.IntentQuestion, true, "how do I cancel a scheduled export?"),
			msg(4, 0, feedbackbot.IntentQuestion, true, "can I cancel an export that is running?")}, 0, false},
		{"positive, of another intent", []spec{
			msg(20, 0.5, feedbackbot.IntentOther, false, "no need to cancel anymore, all good")}, 0, false},
		{"complaints about cancelling", []spec{
			msg(20, -0.5, feedbackbot.IntentComplaint, false, "we are cancelling if this keeps happening"),
			msg(4, -0.4, feedbackbot.IntentComplaint, false, "cancellation is on the table now")}, 2, true},
		{"a churn_signal intent", []spec{
			{daysAgo: 10, role: feedbackbot.RoleCustomer, score: -0.2, intent: feedbackbot.IntentChurnSignal, text: "we will not renew"}}, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := build(append(slices.Clone(routine), tc.extra...))
			h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
			i := slices.IndexFunc(h.Reasons, func(r feedbackbot.Reason) bool { return r.Code == ReasonChurnSignal })
			switch {
			case tc.churn == 0 && i >= 0:
				t.Errorf("churn counted: %+v", h.Reasons[i])
			case tc.churn > 0 && (i < 0 || h.Reasons[i].Text != feedbackbot.Plural(tc.churn, "churn signal")+": cancellation, downgrade, switching vendor or data export"):
				t.Errorf("want %d churn signals: %+v", tc.churn, h.Reasons)
			}
			if h.AtRisk != tc.atRisk {
				t.Errorf("at risk %v, want %v: score %d, reasons %v", h.AtRisk, tc.atRisk, h.Score, codes(h))
			}
		})
	}
}

// TestThanksAfterAColleagueConfirmAndResolve: the asker's thanks confirming a late
// top-level answer after a colleague's "hello" close the conversation, as they do
// with nobody between (it was answered, never resolved: the digest's resolutions
// and "went quiet after a complaint" changed with the colleague's hello).
func TestThanksAfterAColleagueConfirmAndResolve(t *testing.T) {
	hour := 1.0 / 24
	fri := 20.6
	mon := fri - 63.75*hour
	var routine []spec
	for d := 50.0; d > 24; d -= 2 {
		routine = append(routine, conv(d, 0.3, 20)...)
	}
	complaint := spec{daysAgo: fri, role: feedbackbot.RoleCustomer, score: -0.6, intent: feedbackbot.IntentBugReport, ask: true,
		text: "The audit log export fails with a 500 every time, this blocks our audit"}
	answer := spec{daysAgo: mon, role: feedbackbot.RoleStaff, score: 0.1, text: "Exports work again, please retry."}
	hello := spec{daysAgo: mon - 10*hour/60, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, text: "hello"}
	thanks := spec{daysAgo: mon - 25*hour/60, role: feedbackbot.RoleCustomer, score: 0.6, intent: feedbackbot.IntentPraise, text: "thanks, that worked!"}
	type result struct {
		answered, resolved int
		quiet              string
	}
	run := func(specs []spec, colleague int) result {
		items := build(append(slices.Clone(routine), specs...))
		if colleague >= 0 {
			items[len(routine)+colleague].Message.Author = "customer2"
		}
		r := ResponseTimes(items, Params{}, now.Add(-30*24*time.Hour), now)
		h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
		return result{r.Answered, r.Resolved, reasonText(h, ReasonWentQuiet)}
	}
	plain := run([]spec{complaint, answer, thanks}, -1)
	withHello := run([]spec{complaint, answer, hello, thanks}, 2)
	if plain.answered != withHello.answered || plain.resolved != withHello.resolved {
		t.Errorf("response times: answered/resolved %d/%d with the colleague's hello, %d/%d without",
			withHello.answered, withHello.resolved, plain.answered, plain.resolved)
	}
	if strings.Contains(withHello.quiet, "after a complaint") != strings.Contains(plain.quiet, "after a complaint") {
		t.Errorf("went quiet: %q with the colleague's hello, %q without", withHello.quiet, plain.quiet)
	}
}
