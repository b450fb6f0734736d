package health

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// wmsg is one message of channel C1 of account a1, ago before now; thread, when
// set, is its root's id. ask is whether analysis said it waits for a reply.
type wmsg struct {
	id, thread string
	ago        time.Duration
	role       feedbackbot.Role
	intent     feedbackbot.Intent
	ask        bool
	score      float64
	text       string
	account    string // a1 unless set
}

func wbuild(ms ...wmsg) []Item {
	out := make([]Item, 0, len(ms))
	for _, w := range ms {
		acct := w.account
		if acct == "" {
			acct = "a1"
		}
		m := feedbackbot.Message{ID: "C1:" + w.id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: acct + string(w.role), Role: w.role, Account: acct, Text: w.text, Time: now.Add(-w.ago)}
		if w.thread != "" {
			m.Thread = "C1:" + w.thread
		}
		out = append(out, Item{Message: m, Tags: feedbackbot.Tags{Intent: w.intent, NeedsReply: w.ask,
			Sentiment: feedbackbot.Sentiment{Score: w.score, Label: feedbackbot.LabelFor(w.score)}}})
	}
	return out
}

func cust(id, thread string, ago time.Duration, intent feedbackbot.Intent, text string) wmsg {
	ask := feedbackbot.AsksForReply(intent) // as analysis tags a message that is more than thanks
	return wmsg{id: id, thread: thread, ago: ago, role: feedbackbot.RoleCustomer, intent: intent, ask: ask, score: 0.1, text: text}
}

func staff(id, thread string, ago time.Duration, text string) wmsg {
	return wmsg{id: id, thread: thread, ago: ago, role: feedbackbot.RoleStaff, score: 0.2, text: text}
}

func unansweredText(h feedbackbot.Health) string {
	for _, r := range h.Reasons {
		if r.Code == ReasonUnanswered {
			return r.Text
		}
	}
	return ""
}

// TestFollowUpWishDoesNotWait: a customer's wish after staff answered their ask
// ("is there a dark mode?" / "Not yet, it's on the roadmap." / "ok, would be great
// if it came soon") is part of that answered conversation, not a new ask waiting
// for a reply (it read "1 customer question(s) or report(s) still waiting for a
// reply" in the demo, for the account whose questions are all answered at once).
// A new question, bug report, complaint or churn signal after a reply still waits,
// and so does a fresh request nobody answered.
func TestFollowUpWishDoesNotWait(t *testing.T) {
	const (
		q    = feedbackbot.IntentQuestion
		bug  = feedbackbot.IntentBugReport
		wish = feedbackbot.IntentFeatureRequest
	)
	d3 := 72 * time.Hour
	minute := time.Minute
	other := func(w wmsg) wmsg { w.account = "a2"; return w }
	corrected := func(w wmsg) wmsg { w.intent, w.ask = feedbackbot.IntentOther, true; return w } // staff said it waits
	thanks := wmsg{id: "400.1", ago: d3 - 60*minute, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentPraise, score: 0.6, text: "thanks!"}
	tests := []struct {
		name     string
		items    []Item
		waiting  int    // ResponseTimes' waiting conversations
		text     string // the unanswered reason's text, "" for none
		resolved int    // ResponseTimes' resolved conversations
	}{
		{"demo: wish in the answered thread", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "100.1", d3-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "100.1", d3-9*minute, wish, "ok, would be great if it came soon")), 0, "", 0},
		{"wish after an answered top-level exchange", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "", d3-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "", d3-9*minute, wish, "ok, would be great if it came soon")), 0, "", 0},
		{"top-level wish just after a slow reply", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "", d3-120*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "", d3-125*minute, wish, "ok, would be great if it came soon")), 0, "", 0},
		{"follow-up of no question, bug or complaint intent", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "100.1", d3-6*minute, "Not yet, it's on the roadmap."),
			corrected(cust("300.1", "100.1", d3-9*minute, feedbackbot.IntentOther, "ok, soon I hope"))), 0, "", 0},
		{"a thanks after the wish still closes it", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "", d3-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "", d3-9*minute, wish, "ok, would be great if it came soon"),
			thanks), 0, "", 1},
		{"new question after a reply waits", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "100.1", d3-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "100.1", d3-9*minute, q, "thanks — and how do I export?")),
			1, "1 customer question still waiting for a reply, the oldest for 3 days", 0},
		{"top-level question after a reply waits", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "", d3-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "", d3-9*minute, q, "thanks — and how do I export?")),
			1, "1 customer question still waiting for a reply, the oldest for 3 days", 0},
		{"bug report after a reply waits", wbuild(
			cust("100.1", "", d3, q, "how do I export?"),
			staff("200.1", "100.1", d3-6*minute, "Reports → Export."),
			cust("300.1", "100.1", d3-9*minute, bug, "that button gives a 500 error")),
			1, "1 customer report still waiting for a reply, the oldest for 3 days", 0},
		{"complaint after a reply waits", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "100.1", d3-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "100.1", d3-9*minute, feedbackbot.IntentComplaint, "you said that a year ago, this is frustrating")),
			1, "1 customer report still waiting for a reply, the oldest for 3 days", 0},
		{"churn signal after a reply waits", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "100.1", d3-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "100.1", d3-9*minute, feedbackbot.IntentChurnSignal, "then we will move to another vendor")),
			1, "1 churn signal still waiting for a reply, the oldest for 3 days", 0},
		{"fresh feature request, no reply: waits", wbuild(
			cust("100.1", "", d3, wish, "Would be nice to have dark mode, my eyes at 2am would thank you")),
			1, "1 customer request still waiting for a reply, the oldest for 3 days", 0},
		{"a wish days after the answered exchange is a fresh request", wbuild(
			cust("100.1", "", d3+48*time.Hour, q, "is there a dark mode?"),
			staff("200.1", "", d3+48*time.Hour-6*minute, "Not yet, it's on the roadmap."),
			cust("300.1", "", d3, wish, "would love a dark mode for the dashboards")),
			1, "1 customer request still waiting for a reply, the oldest for 3 days", 0},
		{"another customer's wish in a shared channel is theirs", wbuild(
			cust("100.1", "", d3, q, "is there a dark mode?"),
			staff("200.1", "", d3-6*minute, "Not yet, it's on the roadmap."),
			other(cust("300.1", "", d3-9*minute, wish, "would love a dark mode too"))), 1, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ResponseTimes(tc.items, Params{}, now.Add(-7*24*time.Hour), now)
			if len(r.Waiting) != tc.waiting || r.Resolved != tc.resolved {
				t.Errorf("ResponseTimes: %d waiting, %d resolved, want %d and %d (%+v)", len(r.Waiting), r.Resolved, tc.waiting, tc.resolved, r)
			}
			if tc.name == "another customer's wish in a shared channel is theirs" {
				return // Assess is one account's: not asked of a2's wish in a1's history
			}
			h := Assess(feedbackbot.Account{ID: "a1"}, tc.items, Baseline{}, now, Params{})
			if got := unansweredText(h); got != tc.text {
				t.Errorf("unanswered reason %q, want %q (reasons %v)", got, tc.text, codes(h))
			}
		})
	}
}

// TestWaitingReasonWording: the reasons say what waits by kind (questions, reports,
// requests), with plurals right for any count and mix, and no reason writes "(s)".
func TestWaitingReasonWording(t *testing.T) {
	kinds := map[string]feedbackbot.Intent{"q": feedbackbot.IntentQuestion, "b": feedbackbot.IntentBugReport,
		"c": feedbackbot.IntentComplaint, "w": feedbackbot.IntentFeatureRequest, "x": feedbackbot.IntentChurnSignal, "o": feedbackbot.IntentOther}
	// asks lays out one unanswered top-level ask a day for each letter, the first
	// oldestDays ago.
	asks := func(letters string, oldest time.Duration) []Item {
		var ms []wmsg
		for i, l := range letters {
			w := cust(string(rune('a'+i))+".1", "", oldest-time.Duration(i)*24*time.Hour, kinds[string(l)], "message "+string(l))
			w.ask = true // (an "other" one as a correction says it waits)
			ms = append(ms, w)
		}
		return wbuild(ms...)
	}
	for _, tc := range []struct {
		letters string
		code    string
		oldest  time.Duration
		want    string
	}{
		{"q", ReasonUnanswered, 72 * time.Hour, "1 customer question still waiting for a reply, the oldest for 3 days"},
		{"qq", ReasonUnanswered, 72 * time.Hour, "2 customer questions still waiting for a reply, the oldest for 3 days"},
		{"b", ReasonUnanswered, 72 * time.Hour, "1 customer report still waiting for a reply, the oldest for 3 days"},
		{"bc", ReasonUnanswered, 72 * time.Hour, "2 customer reports still waiting for a reply, the oldest for 3 days"},
		{"w", ReasonUnanswered, 72 * time.Hour, "1 customer request still waiting for a reply, the oldest for 3 days"},
		{"ww", ReasonUnanswered, 72 * time.Hour, "2 customer requests still waiting for a reply, the oldest for 3 days"},
		{"qb", ReasonUnanswered, 72 * time.Hour, "2 customer messages (1 question, 1 report) still waiting for a reply, the oldest for 3 days"},
		{"wqbq", ReasonUnanswered, 96 * time.Hour, "4 customer messages (2 questions, 1 report, 1 request) still waiting for a reply, the oldest for 4 days"},
		{"qx", ReasonUnanswered, 72 * time.Hour, "2 customer messages (1 question, 1 churn signal) still waiting for a reply, the oldest for 3 days"},
		{"xx", ReasonUnanswered, 72 * time.Hour, "2 churn signals still waiting for a reply, the oldest for 3 days"},
		{"o", ReasonUnanswered, 72 * time.Hour, "1 customer message still waiting for a reply, the oldest for 3 days"},
		{"wqo", ReasonUnanswered, 72 * time.Hour, "3 customer messages (1 question, 1 request, 1 other message) still waiting for a reply, the oldest for 3 days"},
		{"q", ReasonReplyDue, 3*time.Hour + 30*time.Minute, "1 customer question will pass the first-response target (4 hours) soon without a reply"},
		{"w", ReasonReplyDue, 3*time.Hour + 30*time.Minute, "1 customer request will pass the first-response target (4 hours) soon without a reply"},
	} {
		h := Assess(feedbackbot.Account{ID: "a1"}, asks(tc.letters, tc.oldest), Baseline{}, now, Params{})
		var got string
		for _, r := range h.Reasons {
			if r.Code == tc.code {
				got = r.Text
			}
		}
		if got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.letters, tc.code, got, tc.want)
		}
	}
	// Two asks due at once (the second 3h20m old): counted together.
	due := wbuild(cust("a.1", "", 3*time.Hour+30*time.Minute, feedbackbot.IntentQuestion, "how?"),
		cust("b.1", "", 3*time.Hour+20*time.Minute, feedbackbot.IntentQuestion, "and where?"))
	due[1].Message.Channel = "C2" // not grouped with the first
	h := Assess(feedbackbot.Account{ID: "a1"}, due, Baseline{}, now, Params{})
	if got, want := reasonText(h, ReasonReplyDue), "2 customer questions will pass the first-response target (4 hours) soon without a reply"; got != want {
		t.Errorf("two due: %q, want %q", got, want)
	}
}

func reasonText(h feedbackbot.Health, code string) string {
	for _, r := range h.Reasons {
		if r.Code == code {
			return r.Text
		}
	}
	return ""
}

// TestReasonsWriteNoPluralS: the other reasons' counts read "1 churn signal",
// "2 churn signals", "1 complaint", "2 answers", never "(s)".
func TestReasonsWriteNoPluralS(t *testing.T) {
	churn := func(id string, ago time.Duration) wmsg {
		return wmsg{id: id, ago: ago, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentChurnSignal, score: -0.3, text: "we will cancel"}
	}
	for _, tc := range []struct {
		name  string
		items []Item
		code  string
		want  string
	}{
		{"one churn signal", wbuild(churn("a.1", 48*time.Hour)), ReasonChurnSignal,
			"1 churn signal: cancellation, downgrade, switching vendor or data export"},
		{"two churn signals", wbuild(churn("a.1", 72*time.Hour), churn("b.1", 48*time.Hour)), ReasonChurnSignal,
			"2 churn signals: cancellation, downgrade, switching vendor or data export"},
		{"one complaint after the fix", wbuild( // (in the fixed report's thread: the same problem)
			wmsg{id: "a.1", ago: 120 * time.Hour, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentBugReport, ask: true, score: -0.5, text: "exports fail"},
			staff("b.1", "a.1", 96*time.Hour, "This is fixed now."),
			wmsg{id: "c.1", thread: "a.1", ago: 48 * time.Hour, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentBugReport, score: -0.5, text: "broken again"}),
			ReasonRecurring, "The problem came back after staff said it was fixed (1 complaint since)"},
	} {
		h := Assess(feedbackbot.Account{ID: "a1"}, tc.items, Baseline{}, now, Params{})
		if got := reasonText(h, tc.code); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	base := feedbackbot.Health{Account: feedbackbot.Account{ID: "a1"}, Score: 90}
	for _, tc := range []struct {
		rs   []Rating
		want string
	}{
		{[]Rating{{"csat", 2, now.Add(-time.Hour)}}, "Recent CSAT is 2.0 / 5 over 1 answer"},
		{[]Rating{{"csat", 2, now.Add(-time.Hour)}, {"csat", 3, now.Add(-time.Hour)}}, "Recent CSAT is 2.5 / 5 over 2 answers"},
		{[]Rating{{"nps", 3, now.Add(-time.Hour)}}, "Recent NPS answers: 1 detractor, 0 promoters"},
		{[]Rating{{"nps", 3, now.Add(-time.Hour)}, {"nps", 5, now.Add(-time.Hour)}, {"nps", 10, now.Add(-time.Hour)}}, "Recent NPS answers: 2 detractors, 1 promoter"},
	} {
		if got := reasonText(AddRatings(base, tc.rs, now, Params{}), ReasonLowRatings); got != tc.want {
			t.Errorf("ratings %v: %q, want %q", tc.rs, got, tc.want)
		}
	}
	// Every scenario's reasons, and this file's: none writes "(s)".
	for _, s := range scenarios() {
		for _, r := range Assess(feedbackbot.Account{ID: "a1"}, build(s.specs), Baseline{}, now, Params{}).Reasons {
			if strings.Contains(r.Text, "(s)") {
				t.Errorf("%s: %q", s.name, r.Text)
			}
		}
	}
}
