package health

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestChaserJoinsTheQuestionItChases: a customer asks, nobody answers, and hours
// later they chase top-level ("any update on this?"); staff then answer in the
// question's thread, or in the chaser's. An answer to either answers both, so
// nothing waits (the chaser waited on as a question of its own after the answer,
// in health and the digest). Unanswered, they are one wait, the question's, counted
// from the question; a message with something new to ask, or a chaser after staff
// replied, still waits.
func TestChaserJoinsTheQuestionItChases(t *testing.T) {
	const q = "How do I rotate an API key?"
	ask := cust("q.1", "", 20*time.Hour, feedbackbot.IntentQuestion, q)
	chaser := cust("q.2", "", 14*time.Hour, feedbackbot.IntentQuestion, "Hi team, any update on this? :pray:")
	nothingWaits(t, wbuild(ask, chaser, staff("s.1", "q.1", 13*time.Hour, "Settings > API > Rotate.")), 24*time.Hour,
		"staff answered the question in its thread after the chaser")
	nothingWaits(t, wbuild(ask, chaser, staff("s.1", "q.2", 13*time.Hour, "Settings > API > Rotate.")), 24*time.Hour,
		"staff answered in the chaser's thread")

	for _, c := range []struct {
		name  string
		items []Item
		want  []string
	}{
		{"a new question hours later", wbuild(ask, cust("q.2", "", 14*time.Hour, feedbackbot.IntentQuestion, "Is there a way to export audit logs?"),
			staff("s.1", "q.1", 13*time.Hour, "Settings > API > Rotate.")), []string{"Is there a way to export audit logs?"}},
		{"a chaser after a holding reply", wbuild(ask, staff("s.1", "q.1", 19*time.Hour, "Looking into it."),
			cust("q.2", "", 14*time.Hour, feedbackbot.IntentQuestion, "any update?")), []string{"any update?"}},
		{"a chaser nobody answered", wbuild(ask, chaser), []string{q}}, // (one wait: the question's)
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ResponseTimes(c.items, Params{}, now.Add(-24*time.Hour), now)
			got := waitingTexts(r, "a1")
			if len(got) != len(c.want) || len(got) > 0 && got[0] != c.want[0] {
				t.Errorf("waiting %q, want %q", got, c.want)
			}
		})
	}
	// Waiting since the question, 20 hours, not since the chaser.
	h := Assess(feedbackbot.Account{ID: "a1"}, wbuild(ask, chaser), Baseline{}, now, Params{})
	if text := unansweredText(h); text == "" || !strings.Contains(text, "20 hours") {
		t.Errorf("unanswered: %q; want the wait from the question, 20 hours", text)
	}
}

func TestChases(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"any update?", true},
		{"Any updates on this? <@U123>", true},
		{"Hi team, any news on this?", true},
		{"Hi team, any news on the export issue?", false}, // (a topic: maybe a new ask)
		{"Hi team!", false},
		{"any update on pricing? also the login is broken", false},
		{"Can we bump our plan to 50 seats?", false},
		{"The ping endpoint returns 503 since this morning", false},
		{"hi, refund please?", false},
		{"Follow up question: can we export to CSV?", false},
		{"Will there be an update for the iOS app?", false},
		{"Following up on my question from Tuesday", true},
		{"bump", true},
		{"hello??", true},
		{"anyone there?", true},
		{"We’re still waiting on a reply :angry:", true},
		{"hello, how do I reset my password?", false},
		{"Is there a way to export audit logs?", false},
		{"following up on our call: we want to add twenty seats, how do we do that?", false},
		{"the update broke our SSO login", false},
		{"", false},
	} {
		if got := chases(c.text); got != c.want {
			t.Errorf("chases(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// TestChaserIsNothingButAChase: a message with a chase phrase and something of its
// own (a topic, a new ask, "bump" or "ping" meaning something else, a greeting
// before a request) is no chaser: staff's answer to the earlier question does not
// answer it (each was taken for a chaser, and disappeared from what waits).
func TestChaserIsNothingButAChase(t *testing.T) {
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
	// A fix of the question is no fix of what a false chaser reported.
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

// TestGreetingBeforeANewQuestionChasesNothing: a question nobody answered for
// three days, then "Hi team!" and a new question five minutes later, answered in
// its thread: the old question still waits, and the first reply took five
// minutes (the greeting and the question joined the old question, which the
// answer then answered, 70 hours after it was asked).
func TestGreetingBeforeANewQuestionChasesNothing(t *testing.T) {
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

// TestChaserOfAnOldQuestionSummaryAgrees: a chaser of a question older than what
// a summary read holds (the counters' path) chases nothing: the full read and the
// summary read agree (joined to a question twenty days old, the full read said it
// waited twenty days, or nothing waited once staff answered the old question's
// thread, where the summary read saw the chaser alone, waiting five hours).
func TestChaserOfAnOldQuestionSummaryAgrees(t *testing.T) {
	p := Params{}.WithDefaults()
	var routine []wmsg
	for d := 50; d > 22; d -= 3 {
		at := time.Duration(d) * 24 * time.Hour
		id := fmt.Sprintf("r%d", d)
		routine = append(routine, cust(id+".1", "", at, feedbackbot.IntentQuestion, "routine question"),
			staff(id+".2", id+".1", at-20*time.Minute, "routine answer"))
	}
	old := cust("q.1", "", 20*24*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?")
	chaser := cust("q.2", "", 5*time.Hour, feedbackbot.IntentQuestion, "any update on this?")
	for _, c := range []struct {
		name string
		ms   []wmsg
	}{
		{"nobody answered", []wmsg{old, chaser}},
		{"answered in the old question's thread", []wmsg{old, chaser, staff("s.1", "q.1", 4*time.Hour, "Settings > API > Rotate.")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			items := wbuild(append(slices.Clone(routine), c.ms...)...)
			full := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, p)
			to := now.Add(-p.Recent - 24*time.Hour).UTC().Truncate(24 * time.Hour)
			rest, base := summarize(items, to, now, p)
			if d := sameHealth(Assess(feedbackbot.Account{ID: "a1"}, rest, base, now, p), full); d != "" {
				t.Errorf("summary read %s", d)
			}
		})
	}
}

// TestChasedQuestionResolvedByThanks: a question on Friday, the asker's chaser an
// hour later, a top-level answer on Monday (beyond a day) and the asker's thanks
// at once: the thanks join the chaser's conversation, and resolve the question it
// chases (the digest counted it answered, never resolved).
func TestChasedQuestionResolvedByThanks(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 63*time.Hour, feedbackbot.IntentQuestion, "Exports fail with a 500, can someone look?"),
		cust("n.1", "", 62*time.Hour, feedbackbot.IntentQuestion, "any update on this?"),
		staff("s.1", "", 30*time.Minute, "Sorry for the wait: retry now, it works again."),
		wmsg{id: "t.1", ago: 25 * time.Minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.6, text: "thanks, that worked!"},
	)
	r := ResponseTimes(items, Params{}, now.Add(-72*time.Hour), now)
	if r.Conversations != 1 || r.Answered != 1 || r.Resolved != 1 || len(r.Waiting) != 0 {
		t.Errorf("digest: %d conversations, %d answered, %d resolved, %d waiting; want the question, answered and resolved",
			r.Conversations, r.Answered, r.Resolved, len(r.Waiting))
	}
}
