package health

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestLaterAskAfterAnUnansweredQuestionWaits: a message with a chase phrase and something of its
// own (a topic, a new ask, "bump" or "ping" meaning something else, a greeting
// before a request) is no chaser: staff's answer to the earlier question does not
// answer it (each was taken for a chaser, and disappeared from what waits).
func TestLaterAskAfterAnUnansweredQuestionWaits(t *testing.T) {
	ask := cust("q.1", "", 20*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?")
	for _, c := range []struct {
		intent feedbackbot.Intent
		text   string
	}{
		{feedbackbot.IntentBugReport, "any update on pricing? also the login is broken"},
		{feedbackbot.IntentQuestion, "Can we bump our plan to 50 seats?"},
		{feedbackbot.IntentBugReport, "The ping endpoint returns 503 since this morning"},
		{feedbackbot.IntentQuestion, "hi, refund please?"},
		{feedbackbot.IntentQuestion, "Follow up question: can we export to CSV?"},
		{feedbackbot.IntentQuestion, "Will there be an update for the iOS app?"},
	} {
		t.Run(c.text, func(t *testing.T) {
			items := wbuild(ask, cust("q.2", "", 14*time.Hour, c.intent, c.text),
				staff("s.1", "q.1", 13*time.Hour, "Settings > API > Rotate."))
			r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
			if got := waitingTexts(r, "a1"); len(got) != 1 || got[0] != c.text {
				t.Errorf("digest waiting %q, want [%q] (staff answered only the API-key question)", got, c.text)
			}
			if h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{}); unansweredText(h) == "" {
				t.Errorf("health: nothing waits, reasons %v", codes(h))
			}
		})
	}
	// A fix of the question is no fix of what the later message reported.
	bug := wmsg{id: "q.1", ago: 20 * time.Hour, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentBugReport, ask: true, score: -0.4, text: "Exports fail with a 500"}
	mixed := wmsg{id: "q.2", ago: 14 * time.Hour, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentBugReport, ask: true, score: -0.4, text: "any update? also SSO login is broken for us"}
	later := wmsg{id: "q.3", ago: 2 * time.Hour, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentBugReport, ask: true, score: -0.5, text: "SSO login is still broken"}
	items := wbuild(bug, mixed, staff("s.1", "q.1", 13*time.Hour, "Fixed, exports work again."), later, staff("s.2", "q.3", time.Hour, "Looking into SSO."))
	items[0].Tags.Themes = []string{"export"}
	items[1].Tags.Themes = []string{"sso"}
	items[3].Tags.Themes = []string{"sso"}
	if h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{}); slices.Contains(codes(h), ReasonRecurring) {
		t.Errorf("the export fix is taken for an SSO fix: %q", reasonText(h, ReasonRecurring))
	}
}

// TestGreetingBeforeANewQuestionJoinsNoOldOne: a question nobody answered for
// three days, then "Hi team!" and a new question five minutes later, answered in
// its thread: the old question still waits, and the first reply took five
// minutes (the greeting and the question joined the old question, which the
// answer then answered, 70 hours after it was asked).
func TestGreetingBeforeANewQuestionJoinsNoOldOne(t *testing.T) {
	old := cust("q.1", "", 72*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?")
	hello := wmsg{id: "h.1", ago: 2 * time.Hour, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.3, text: "Hi team!"}
	q := cust("q.2", "", 2*time.Hour-5*time.Minute, feedbackbot.IntentQuestion, "How do I export audit logs to CSV?")
	items := wbuild(old, hello, q, staff("s.1", "q.2", 2*time.Hour-10*time.Minute, "Settings > Audit > Export."))
	r := ResponseTimes(items, Params{}, now.Add(-7*24*time.Hour), now)
	if r.Answered != 1 || r.MedianFirstReply != 5*time.Minute {
		t.Errorf("digest: %d answered, first reply after %v; want 1 answered after 5m (the CSV question)", r.Answered, r.MedianFirstReply)
	}
	if got := waitingTexts(r, "a1"); len(got) != 1 || got[0] != old.text {
		t.Errorf("digest waiting %q, want the API-key question nobody answered", got)
	}
	if h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{}); !strings.Contains(unansweredText(h), "3 days") {
		t.Errorf("health: unanswered %q; want the API-key question waiting 3 days", unansweredText(h))
	}
}
