package health

import (
	"cmp"
	"fmt"
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
	nothingWaits(t, items, 24*time.Hour, "the customer was answered an hour ago")
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

	bOnly := accountItems(items, "b1")
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

// Reviews of the change above (2026-12-07) found the five cases below, each failing
// on it: a conversation a new ask started right after a reply was not the
// customer's latest, a top-level answer went to whoever wrote last in a shared
// channel, the earlier questions it answered depended on other customers'
// messages, and a fix that answered them did not count for the recurring reason.

// TestSecondAskAfterAnAnswerJoinsItsConversation: a customer asks, staff answer
// top-level, and within the conversation gap the customer asks again ("thanks --
// and how do I export?") and adds a detail five minutes later. Staff answer that
// top-level. Nothing waits: the second question and its detail are one
// conversation, answered.
func TestSecondAskAfterAnAnswerJoinsItsConversation(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 8*time.Hour, feedbackbot.IntentQuestion, "How do I add a second admin?"),
		staff("s.1", "", 8*time.Hour-5*time.Minute, "Settings > Admins > Add."),
		cust("q.2", "", 8*time.Hour-10*time.Minute, feedbackbot.IntentQuestion, "Thanks! And how do I export all users?"),
		cust("q.3", "", 8*time.Hour-15*time.Minute, feedbackbot.IntentQuestion, "(as CSV, if that matters?)"),
		staff("s.2", "", 8*time.Hour-20*time.Minute, "Users > Export > CSV."),
	)
	nothingWaits(t, items, 24*time.Hour, "every question was answered 8 hours ago")
}

// TestMondayThanksConfirmsTheSecondQuestion: a customer's question is answered,
// they ask a second one within the gap on Friday evening, staff answer top-level on
// Monday (beyond answerReach) and the customer thanks for it at once: the thanks
// confirm the Monday post as the answer (TestTopLevelAnswerConfirmedByThanks), so
// nothing waits.
func TestMondayThanksConfirmsTheSecondQuestion(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 62*time.Hour, feedbackbot.IntentQuestion, "How do I add a second admin?"),
		staff("s.1", "", 62*time.Hour-5*time.Minute, "Settings > Admins > Add."),
		cust("q.2", "", 62*time.Hour-10*time.Minute, feedbackbot.IntentQuestion, "And how do I export all users?"),
		staff("s.2", "", 30*time.Minute, "Users > Export > CSV."),
		wmsg{id: "t.1", ago: 25 * time.Minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.6, text: "thanks, that worked!"},
	)
	nothingWaits(t, items, 72*time.Hour, "the customer thanked for the answer")
}

// TestTopLevelAnswerInASharedChannelAnswersTheAsker: in a channel two accounts share,
// A asks; B then posts something; staff answer A top-level. Whose conversation the
// answer is for: A's, when it mentions A; and A's when B's message asked nothing
// (the only question in the channel). The digest counts nothing waiting.
func TestTopLevelAnswerInASharedChannelAnswersTheAsker(t *testing.T) {
	t.Run("mentions A", func(t *testing.T) {
		a := cust("a.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?")
		b := cust("b.1", "", 6*time.Hour-10*time.Minute, feedbackbot.IntentBugReport, "Our dashboard shows no data since this morning")
		b.account = "b1"
		s := staff("s.1", "", 5*time.Hour, "<@a1customer> Settings > API > Rotate.")
		items := wbuild(a, b, s)
		r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
		for _, w := range r.Waiting {
			if w.Message.Account == "a1" {
				t.Errorf("digest: A's question waits though staff answered it mentioning A (%d conversations, %d answered)", r.Conversations, r.Answered)
			}
		}
	})
	t.Run("B asked nothing", func(t *testing.T) {
		a := cust("a.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?")
		b := wmsg{id: "b.1", ago: 6*time.Hour - 5*time.Minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.3, text: "morning all!", account: "b1"}
		s := staff("s.1", "", 6*time.Hour-10*time.Minute, "Settings > API > Rotate.")
		items := wbuild(a, b, s)
		r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
		if r.Conversations != 1 || r.Answered != 1 || len(r.Waiting) != 0 {
			t.Errorf("digest: %d conversations, %d answered, %d waiting; want 1, 1, 0 (the only question was answered 5 minutes later)",
				r.Conversations, r.Answered, len(r.Waiting))
		}
	})
}

// TestAnswerToTheNudgeAgreesInHealthAndDigest: A asks, nudges top-level hours
// later, B (another account) posts in the shared channel, and staff reply to A's
// nudge (a Discord reply, ReplyTo). A's health (Assess over A's messages and the
// staff reply, which counts for A) says nothing of A's waits, and the digest's
// figures over the workspace agree.
func TestAnswerToTheNudgeAgreesInHealthAndDigest(t *testing.T) {
	b := cust("b.1", "", 2*time.Hour+50*time.Minute, feedbackbot.IntentBugReport, "Our dashboard shows no data")
	b.account = "b1"
	items := wbuild(
		cust("q.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "Exports fail with a 500, can someone look?"),
		cust("n.1", "", 3*time.Hour, feedbackbot.IntentQuestion, "any update on this?"),
		b,
		staff("s.1", "", 2*time.Hour+40*time.Minute, "Sorry for the wait: please retry, the export bug is gone."),
	)
	items[3].Message.ReplyTo = "n.1" // a reply to A's nudge
	aOnly := accountItems(items, "a1")
	h := Assess(feedbackbot.Account{ID: "a1"}, aOnly, Baseline{}, now, Params{})
	healthWaits := slices.Contains(codes(h), ReasonUnanswered)
	r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
	digestWaits := waitingTexts(r, "a1")
	if healthWaits != (len(digestWaits) > 0) {
		t.Errorf("A's health says waiting=%v (%q); the digest says A waits for %q", healthWaits, unansweredText(h), digestWaits)
	}
}

// TestFixAnsweringTheQuestionMakesItsThreadRecur: a customer reports exports failing,
// nudges top-level hours later, and staff answer top-level "fixed now": that answer
// answers (and, saying it is fixed, resolves) the report too. When the customer then
// says in the report's own thread that it still fails, the problem came back
// (README: a complaint "in the conversation staff said was fixed or its thread").
func TestFixAnsweringTheQuestionMakesItsThreadRecur(t *testing.T) {
	again := cust("r.1", "q.1", 2*time.Hour, feedbackbot.IntentBugReport, "still failing, same 500 on export")
	again.score = -0.6
	items := wbuild(
		cust("q.1", "", 9*time.Hour, feedbackbot.IntentBugReport, "Exports fail with a 500"),
		cust("n.1", "", 5*time.Hour, feedbackbot.IntentQuestion, "any update?"),
		staff("s.1", "", 4*time.Hour, "Sorry for the wait: the bug is fixed now, please retry."),
		again,
	)
	// The fix did answer the report: it is no longer waiting.
	pre := Assess(feedbackbot.Account{ID: "a1"}, items[:3], Baseline{}, now.Add(-3*time.Hour), Params{})
	if slices.Contains(codes(pre), ReasonUnanswered) {
		t.Fatalf("precondition: the fix answers the report, got %q", unansweredText(pre))
	}
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if !slices.Contains(codes(h), ReasonRecurring) {
		t.Errorf("the report staff answered \"fixed\" fails again in its thread, yet no %s: %v", ReasonRecurring, codes(h))
	}
}

// TestCommunityChannelOfManyCustomers: twenty community members (each their own
// account) ask in one channel a minute apart, each adding a detail two minutes
// later; staff answer each in their thread but the 18th's. Twenty conversations
// (a member's detail joins their own), nineteen answered, the 18th's waiting:
// past sixteen customers a channel's are found by key, not by a look through them.
func TestCommunityChannelOfManyCustomers(t *testing.T) {
	var ms []wmsg
	for i := range 20 {
		ask := cust(fmt.Sprintf("q.%d", i), "", 5*time.Hour-time.Duration(i)*time.Minute, feedbackbot.IntentQuestion, "how do I export?")
		ask.account = fmt.Sprintf("m%d", i)
		ms = append(ms, ask)
	}
	for i := range 20 {
		more := cust(fmt.Sprintf("d.%d", i), "", 5*time.Hour-time.Duration(i)*time.Minute-2*time.Minute, feedbackbot.IntentQuestion, "as CSV?")
		more.account = fmt.Sprintf("m%d", i)
		ms = append(ms, more)
	}
	slices.SortStableFunc(ms, func(a, b wmsg) int { return cmp.Compare(b.ago, a.ago) })
	for i := range 20 {
		if i != 17 {
			ms = append(ms, staff(fmt.Sprintf("s.%d", i), fmt.Sprintf("q.%d", i), 4*time.Hour-time.Duration(i)*time.Minute, "Export, then CSV."))
		}
	}
	r := ResponseTimes(wbuild(ms...), Params{}, now.Add(-24*time.Hour), now)
	if r.Conversations != 20 || r.Answered != 19 || len(r.Waiting) != 1 || r.Waiting[0].Message.Account != "m17" {
		t.Errorf("%d conversations, %d answered, %d waiting; want 20, 19, and m17's waiting", r.Conversations, r.Answered, len(r.Waiting))
	}
}

// A second review (2026-12-07) found the five cases below, each failing on the
// code before: a reply to one question answered the customer's later report too;
// thanks confirmed a late answer only where the thanking customer had written
// last in the channel, and not the question their nudge was about; a fix took in
// what another staff message had answered. (It found a fifth, left as found: in
// a shared channel, a top-level answer mentioning one customer counts, read
// with another customer's messages alone, for that other one, as the Slack
// adapter files it under the channel's last customer.)

// TestReplyToAQuestionDoesNotAnswerALaterReport: a Discord reply (ReplyTo) to a member's first question answers that
// question only, not a later, separate report of the same member.
func TestReplyToAQuestionDoesNotAnswerALaterReport(t *testing.T) {
	s := staff("s.1", "", 4*time.Hour+50*time.Minute, "Settings > Export > CSV.")
	items := wbuild(
		cust("q.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "how do I export members?"),
		cust("b.1", "", 5*time.Hour, feedbackbot.IntentBugReport, "separately: the bot crashes on /setup"),
		s,
	)
	items[2].Message.ReplyTo = "C1:q.1" // a Discord reply to the export question
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if !slices.Contains(codes(h), ReasonUnanswered) {
		t.Errorf("health: the crash report (5h old) was never answered, yet no %s: %v", ReasonUnanswered, codes(h))
	}
	r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
	if r.Answered != 1 || len(r.Waiting) != 1 {
		t.Errorf("digest: %d conversations, %d answered, %d waiting; want 2, 1, 1 (the crash report waits)", r.Conversations, r.Answered, len(r.Waiting))
	}
}

// TestThanksConfirmAnAnswerWithAnotherCustomerInTheChannel: shared channel. A asks on Friday evening; B (another account) wishes a
// good weekend 10 minutes later; staff answer A top-level on Monday (beyond
// answerReach) and A thanks for it at once. A's thanks confirm the Monday
// post as A's answer (as they do when B is not there).
func TestThanksConfirmAnAnswerWithAnotherCustomerInTheChannel(t *testing.T) {
	b := wmsg{id: "b.1", ago: 62*time.Hour - 10*time.Minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.5, text: "have a good weekend all!", account: "b1"}
	items := wbuild(
		cust("q.1", "", 62*time.Hour, feedbackbot.IntentQuestion, "How do I export all users?"),
		b,
		staff("s.1", "", 30*time.Minute, "Users > Export > CSV."),
		wmsg{id: "t.1", ago: 25 * time.Minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.6, text: "thanks, that worked!"},
	)
	aOnly := accountItems(items, "a1")
	h := Assess(feedbackbot.Account{ID: "a1"}, aOnly, Baseline{}, now, Params{})
	healthWaits := slices.Contains(codes(h), ReasonUnanswered)
	r := ResponseTimes(items, Params{}, now.Add(-72*time.Hour), now)
	digestWaits := waitingTexts(r, "a1")
	if healthWaits || len(digestWaits) > 0 {
		t.Errorf("A thanked for the Monday answer; health waiting=%v %q, digest: %d conversations, %d answered, A waits for %q",
			healthWaits, unansweredText(h), r.Conversations, r.Answered, digestWaits)
	}
}

// TestThanksConfirmingAnAnswerAnswerTheNudgedQuestion: one customer asks on Friday, nudges top-level an hour later; staff
// answer top-level on Monday (beyond answerReach) and the customer thanks at
// once. The thanks confirm the Monday post as the answer: to the nudge and
// to the question it nudged (a direct answer within a day answers both).
func TestThanksConfirmingAnAnswerAnswerTheNudgedQuestion(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 63*time.Hour, feedbackbot.IntentQuestion, "Exports fail with a 500, can someone look?"),
		cust("n.1", "", 62*time.Hour, feedbackbot.IntentQuestion, "any update on this?"),
		staff("s.1", "", 30*time.Minute, "Sorry for the wait: the export bug is fixed now, please retry."),
		wmsg{id: "t.1", ago: 25 * time.Minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentOther, score: 0.6, text: "thanks, that worked!"},
	)
	nothingWaits(t, items, 72*time.Hour, "the customer thanked for the answer")
}

// TestFixCoversOnlyWhatItAnswered: a customer asks about admins, two hours later reports an export error
// (a conversation of its own); staff acknowledge the export error top-level
// (which, by the earlier-questions rule, answers the admin question too),
// and later say in the export report's thread that the export bug is fixed.
// A complaint afterwards in the admin question's thread, about admins, is no
// sign the export fix failed: the fix answered the export report alone.
func TestFixCoversOnlyWhatItAnswered(t *testing.T) {
	admin := cust("r.1", "q.1", 2*time.Hour, feedbackbot.IntentBugReport, "adding the second admin fails with a permission error")
	admin.score = -0.6
	items := wbuild(
		cust("q.1", "", 9*time.Hour, feedbackbot.IntentQuestion, "How do I add a second admin?"),
		cust("b.1", "", 7*time.Hour, feedbackbot.IntentBugReport, "Exports fail with a 500"),
		staff("s.1", "", 6*time.Hour+50*time.Minute, "Thanks for the report, looking into the export error now."),
		staff("s.2", "b.1", 4*time.Hour, "The export bug is fixed now, please retry."),
		admin,
	)
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonRecurring) {
		t.Errorf("the export fix (in the export thread) recurs on an admin complaint in another thread: %v", codes(h))
	}
}

// A third review (2026-12-07): a rule of the second round, that a top-level
// answer mentioning anyone but a customer answered none, left a reply that copies
// a teammate, pings a Discord role or addresses the asker's colleague unanswered
// (taken back); and an answer naming the asker answered nobody once a colleague
// of theirs had written since.

// TestAnswerMentioningATeammateAnswers: one customer organisation's Slack Connect channel. A customer asks;
// ten minutes later staff answer top-level, crediting a teammate by mention.
// The question was answered ten minutes after it was asked.
func TestAnswerMentioningATeammateAnswers(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?"),
		staff("s.1", "", 6*time.Hour-10*time.Minute, "Settings > API > Rotate. (cc <@USTAFF2>, who owns the API docs)"),
	)
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonUnanswered) {
		t.Errorf("health: answered 10 minutes after the question, yet %q", unansweredText(h))
	}
	r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
	if r.Answered != 1 || len(r.Waiting) != 0 {
		t.Errorf("digest: %d conversations, %d answered, %d waiting; want 1, 1, 0", r.Conversations, r.Answered, len(r.Waiting))
	}
}

// TestAnswerMentioningARoleAnswers: a Discord server: a member asks; staff answer top-level pinging the
// moderators' role (<@&id>). The member got an answer.
func TestAnswerMentioningARoleAnswers(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "how do I export members?"),
		staff("s.1", "", 6*time.Hour-5*time.Minute, "Settings > Export > CSV. <@&998877> can you pin this?"),
	)
	r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
	if r.Answered != 1 || len(r.Waiting) != 0 {
		t.Errorf("digest: %d conversations, %d answered, %d waiting; want 1, 1, 0", r.Conversations, r.Answered, len(r.Waiting))
	}
}

// TestAnswerMentioningTheAskersColleagueAnswers: one customer organisation. Dana asks; staff answer top-level ten
// minutes later addressing her colleague Sam (the org's admin, who wrote in
// the channel yesterday and was answered): the answer to Dana's question.
func TestAnswerMentioningTheAskersColleagueAnswers(t *testing.T) {
	items := wbuild(
		cust("y.1", "", 30*time.Hour, feedbackbot.IntentQuestion, "Can we get an invoice copy for October?"),
		staff("ys.1", "y.1", 29*time.Hour, "Sent to your billing address."),
		cust("q.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "How do I connect the Jira integration? It says 'not permitted'."),
		staff("s.1", "", 6*time.Hour-10*time.Minute, "<@USAM> as your workspace admin, could you approve the Jira app under Admin > Apps? Then it works for everyone."),
	)
	items[0].Message.Author = "USAM"
	items[2].Message.Author = "UDANA"
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonUnanswered) {
		t.Errorf("health: answered 10 minutes after the question, yet %q", unansweredText(h))
	}
	r := ResponseTimes(items, Params{}, now.Add(-48*time.Hour), now)
	if r.Answered != 2 || len(r.Waiting) != 0 {
		t.Errorf("digest: %d conversations, %d answered, %d waiting; want 2, 2, 0", r.Conversations, r.Answered, len(r.Waiting))
	}
}

// TestMentionOfTheAskerWhoseColleagueWroteSince: one customer organisation, two of its people. Dana asks at 6h; her
// colleague Sam asks something else an hour later (a conversation of its
// own, same account). Staff answer Dana top-level, mentioning her. Dana's
// question is answered; Sam's waits.
func TestMentionOfTheAskerWhoseColleagueWroteSince(t *testing.T) {
	items := wbuild(
		cust("q.1", "", 6*time.Hour, feedbackbot.IntentQuestion, "How do I rotate an API key?"),
		cust("q.2", "", 5*time.Hour, feedbackbot.IntentQuestion, "Is there a way to export audit logs?"),
		staff("s.1", "", 4*time.Hour+50*time.Minute, "<@UDANA> Settings > API > Rotate."),
	)
	items[0].Message.Author = "UDANA"
	items[1].Message.Author = "USAM"
	r := ResponseTimes(items, Params{}, now.Add(-24*time.Hour), now)
	var waits []string
	for _, w := range r.Waiting {
		waits = append(waits, w.Message.Text)
	}
	if r.Answered != 1 || len(waits) != 1 || waits[0] != "Is there a way to export audit logs?" {
		t.Errorf("digest: %d conversations, %d answered, waiting %q; want Dana's answered, Sam's waiting", r.Conversations, r.Answered, waits)
	}
}

// accountItems are the items of account acct (what its health reads).
func accountItems(items []Item, acct string) []Item {
	var out []Item
	for _, it := range items {
		if it.Message.Account == acct {
			out = append(out, it)
		}
	}
	return out
}

// waitingTexts are the texts of the asks r counts waiting of account acct.
func waitingTexts(r Responses, acct string) []string {
	var out []string
	for _, w := range r.Waiting {
		if w.Message.Account == acct {
			out = append(out, w.Message.Text)
		}
	}
	return out
}

// nothingWaits fails t where a1's health (over items) says a question waits, or
// the response times over the window before now count one waiting; why is what
// makes them answered.
func nothingWaits(t *testing.T, items []Item, window time.Duration, why string) {
	t.Helper()
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonUnanswered) {
		t.Errorf("health: %s, yet %q", why, unansweredText(h))
	}
	r := ResponseTimes(items, Params{}, now.Add(-window), now)
	if len(r.Waiting) != 0 {
		t.Errorf("digest: %d conversations, %d answered, %d waiting (%q); want none waiting",
			r.Conversations, r.Answered, len(r.Waiting), r.Waiting[0].Message.Text)
	}
}
