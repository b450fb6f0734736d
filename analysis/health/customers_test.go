package health

import (
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestTopLevelAnswerAfterANudgeAnswersTheQuestion: a customer asks top-level, nudges top-level
// ("any update?") more than ConversationGap later, and staff answer top-level (an
// hour after the nudge, without mentioning or replying to anyone). The customer got
// their answer: nothing of theirs waits. Until 2026-12-07 the answer answered the
// nudge alone, and the question waited until it was two weeks old (a review's
// find).
func TestTopLevelAnswerAfterANudgeAnswersTheQuestion(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "Exports fail with a 500, can someone look?"),
		cust("n.1", "", 2*time.Hour, feedbackbot.IntentQuestion, "any update on this?"),
		staff("s.1", "", 1*time.Hour, "Sorry for the wait: the export bug is fixed now, please retry."),
	)
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonUnanswered) {
		t.Errorf("health: the customer was answered an hour ago, yet %q", unansweredText(h))
	}
	r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
	if len(r.Waiting) != 0 {
		t.Errorf("digest response times: %d conversations, %d answered, %d still waiting (%q); want none waiting",
			r.Conversations, r.Answered, len(r.Waiting), r.Waiting[0].Message.Text)
	}
}

// TestSharedChannelCustomersHaveConversationsOfTheirOwn: in a channel several accounts share
// (a community channel, a shared Slack Connect channel), customer A asks, and ten
// minutes later customer B, of another account, asks something else. Staff answer
// A in A's thread; nobody answers B. README: "A customer's consecutive top-level
// messages and their thread replies are one conversation" -- a customer's, not two
// customers'. B is a conversation of its own, waiting past target; the
// digest's figures (ResponseTimes over the whole workspace) agree with B's
// health (Assess over B's messages), which says B waits. Until 2026-12-07 B's
// report joined A's conversation, answered by A's reply (a review's find).
func TestSharedChannelCustomersHaveConversationsOfTheirOwn(t *testing.T) {
	a := cust("a.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?")
	b := cust("b.1", "", 6*time.Hour-10*time.Minute, feedbackbot.IntentBugReport, "Our dashboard shows no data since this morning")
	b.account = "b1"
	items := wbuild(a, b, staff("s.1", "a.1", 5*time.Hour, "Settings > API > Rotate."))

	var bOnly []Item
	for _, it := range items {
		if it.Message.Account == "b1" {
			bOnly = append(bOnly, it)
		}
	}
	hb := Assess(feedbackbot.Account{ID: "b1"}, bOnly, Baseline{}, now, Params{})
	if !slices.Contains(codes(hb), ReasonUnanswered) {
		t.Fatalf("precondition: B's health says B waits, got %v", codes(hb))
	}
	r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
	if r.Conversations != 2 || r.Answered != 1 || len(r.Waiting) != 1 {
		t.Errorf("digest response times: %d conversations, %d answered, %d waiting; want 2, 1, 1 (B's report is unanswered)",
			r.Conversations, r.Answered, len(r.Waiting))
	}
}

// TestWaitRunsFromTheAskNotTheGreeting: a customer says hello (no ask) and, 20 minutes
// later, within the conversation gap, asks a question. With a 15-minute business
// hours target, staff answer 4 minutes after the question: on target, and a
// minute after the question nothing waits past it. Until 2026-12-07 the wait and
// the first reply were measured from the hello (24 minutes, missed: a review's
// find).
func TestWaitRunsFromTheAskNotTheGreeting(t *testing.T) {
	p := Params{Targets: Targets{Business: 15 * time.Minute, Outside: 2 * time.Hour,
		Hours: BusinessHours{Location: time.UTC, Start: 0, End: 24, Days: [7]bool{true, true, true, true, true, true, true}}}}
	hello := wmsg{id: "h.1", ago: 25 * time.Minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.3, text: "hi team, hope you're well"}
	ask := cust("q.1", "", 5*time.Minute, feedbackbot.IntentQuestion, "how do I add a second admin?")

	// A minute after the question, before any answer: not yet past a 15-minute target.
	h := Assess(feedbackbot.Account{ID: "a1"}, wbuild(hello, ask), Baseline{}, now.Add(-4*time.Minute), p)
	if slices.Contains(codes(h), ReasonUnanswered) {
		t.Errorf("asked a minute ago, yet: %q", unansweredText(h))
	}
	// Answered 4 minutes after the question: within target.
	items := wbuild(hello, ask, staff("s.1", "", time.Minute, "Settings > Admins > Add."))
	r := ResponseTimes(items, p, now.Add(-24*time.Hour), now)
	if r.Answered != 1 || r.WithinTarget != 1 || r.MedianFirstReply != 4*time.Minute {
		t.Errorf("response times: %d answered, %d within target, first reply %v; want 1, 1, 4m", r.Answered, r.WithinTarget, r.MedianFirstReply)
	}
}
