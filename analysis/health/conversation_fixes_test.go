package health

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// wentQuiet is h's went-quiet reason; ok is false when h has none.
func wentQuiet(h feedbackbot.Health) (r feedbackbot.Reason, ok bool) {
	for _, r := range h.Reasons {
		if r.Code == ReasonWentQuiet {
			return r, true
		}
	}
	return feedbackbot.Reason{}, false
}

// TestResolvedComplaintIsNotWentQuiet: an account that writes every two days
// reported a problem three weeks ago and has been silent since. When the complaint was
// resolved before the customer last wrote (staff said it is fixed and the customer
// thanked, or wrote again after the fix; the customer thanked for an answer), the
// silence costs what plain silence does (15 points), not the 55 of going quiet after
// a complaint (it did, and flagged the account: a review's find). An unresolved
// complaint, staff's "fixed" the customer never answered, and a complaint after the
// fix still cost 55. The summary read (the baseline's daily counters and the newest
// messages) says the same as the full read.
func TestResolvedComplaintIsNotWentQuiet(t *testing.T) {
	var routine []spec
	for d := 55.0; d > 22; d -= 2 {
		routine = append(routine, spec{daysAgo: d, role: feedbackbot.RoleCustomer, score: 0.3, text: "all good, thanks"})
	}
	bug := spec{daysAgo: 21, role: feedbackbot.RoleCustomer, score: -0.6, intent: feedbackbot.IntentBugReport, ask: true,
		text: "the CSV export is broken, it times out every time"}
	staffSays := func(daysAgo float64, text string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleStaff, score: 0.1, text: text}
	}
	customer := func(daysAgo, score float64, text string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleCustomer, score: score, text: text}
	}
	for _, tc := range []struct {
		name      string
		specs     []spec
		impact    float64
		complaint bool // the reason says it went quiet after a complaint
		atRisk    bool
	}{
		{"staff said it is fixed and the customer thanked", []spec{bug, staffSays(20.98, "Sorry about that, looking now"),
			staffSays(20.9, "We deployed a fix, the export is fixed now."), customer(20.8, 0.7, "thanks, works now! great support")}, -15, false, false},
		{"the customer thanked for the answer", []spec{
			{daysAgo: 21, role: feedbackbot.RoleCustomer, score: -0.5, intent: feedbackbot.IntentComplaint, ask: true, text: "the report totals are all wrong"},
			staffSays(20.95, "That is the time zone setting: switch it to UTC."), customer(20.9, 0.6, "that was it, thank you!")}, -15, false, false},
		{"the customer wrote again after staff said it is fixed", []spec{bug, staffSays(20.9, "The export is fixed now."),
			customer(19, 0, "we are onboarding two new people next week")}, -15, false, false},
		{"staff only said they are looking", []spec{bug, staffSays(20.98, "Sorry about that, looking now")}, -55, true, true},
		{"staff said it is fixed after the customer's last word, never confirmed", []spec{bug, staffSays(20.5, "The export is fixed now.")}, -55, true, true},
		{"a complaint after the thanks", []spec{bug, staffSays(20.9, "The export is fixed now."), customer(20.8, 0.7, "thanks, works now!"),
			{daysAgo: 20.5, role: feedbackbot.RoleCustomer, score: -0.6, intent: feedbackbot.IntentComplaint, text: "and now the PDF export is broken too, this is getting old"}}, -55, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Params{}.WithDefaults()
			items := build(slices.Concat(routine, tc.specs))
			full := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, p)
			r, ok := wentQuiet(full)
			if !ok {
				t.Fatalf("no went-quiet reason: %v", codes(full))
			}
			if r.Impact != tc.impact || strings.Contains(r.Text, "after a complaint") != tc.complaint || full.AtRisk != tc.atRisk {
				t.Errorf("%q (%+.0f), at risk %v (health %d); want %+.0f, after a complaint %v, at risk %v",
					r.Text, r.Impact, full.AtRisk, full.Score, tc.impact, tc.complaint, tc.atRisk)
			}
			to := now.Add(-p.Recent - 24*time.Hour).UTC().Truncate(24 * time.Hour)
			rest, base := summarize(items, to, now, p)
			if d := sameHealth(Assess(feedbackbot.Account{ID: "a1"}, rest, base, now, p), full); d != "" {
				t.Errorf("read from a summary: %s", d)
			}
		})
	}
}

// TestRecurringNeedsTheSameProblem: "The problem came back after staff said it was
// fixed" counts a later negative complaint or bug report only when it is about the
// problem staff said was fixed: in that conversation or its thread, or sharing a
// theme with its messages. A complaint about something else after a fix (a double
// charge after the SSO fix, in another thread) is no fix that failed (it read as one,
// with "Reopen the fix with engineering" for a next step: a review's find).
func TestRecurringNeedsTheSameProblem(t *testing.T) {
	cust := func(daysAgo, score float64, intent feedbackbot.Intent, text string, themes ...string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleCustomer, score: score, intent: intent, themes: themes,
			ask: feedbackbot.AsksForReply(intent), text: text}
	}
	staffSays := func(daysAgo float64, text string, themes ...string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleStaff, score: 0.1, text: text, themes: themes}
	}
	const (
		bug       = feedbackbot.IntentBugReport
		complaint = feedbackbot.IntentComplaint
	)
	ssoBug := cust(6, -0.5, bug, "SSO login fails with a 500 for all our users", "login")
	ssoFixed := staffSays(5.9, "Thanks for the report, the SSO login bug is fixed now.")
	thanks := cust(5.8, 0.6, "", "confirmed, thanks!")
	for _, tc := range []struct {
		name      string
		specs     []spec
		threads   map[int]int // message index -> index of its thread's root
		recurring int         // complaints counted since the fix (0: no reason)
	}{
		{"another thread, another theme", []spec{ssoBug, ssoFixed, thanks,
			cust(2, -0.4, complaint, "we were charged twice on this month's invoice", "billing"), staffSays(1.99, "Sorry, refunding the duplicate now")},
			map[int]int{1: 0, 2: 0, 4: 3}, 0},
		{"another top-level conversation, no theme in common", []spec{ssoBug, ssoFixed, thanks,
			cust(2, -0.4, complaint, "the invoice PDF has the wrong address")}, nil, 0},
		{"the fixed thread, no theme", []spec{ssoBug, ssoFixed, thanks, cust(2, -0.5, bug, "still failing for some of our users")},
			map[int]int{1: 0, 2: 0, 3: 0}, 1},
		{"the same top-level conversation", []spec{
			cust(3, -0.5, bug, "exports time out"), staffSays(3-10.0/1440, "Fixed! Can you try again?"),
			{daysAgo: 3 - 20.0/1440, role: feedbackbot.RoleCustomer, score: -0.5, intent: complaint, text: "no, same timeout, this is frustrating"}}, nil, 1},
		{"a top-level answer to a top-level fix", []spec{
			cust(3, -0.5, bug, "exports time out"), staffSays(3-10.0/1440, "Fixed! Can you try again?"),
			cust(3-20.0/1440, -0.5, bug, "no, same timeout, can you check again?")}, nil, 1},
		{"a top-level complaint a day after a top-level fix, no theme in common", []spec{
			cust(3, -0.5, bug, "exports time out"), staffSays(3-10.0/1440, "Fixed! Can you try again?"),
			cust(3-20.0/1440, 0.6, "", "works, thanks"), cust(2, -0.4, complaint, "the invoice PDF has the wrong address")}, nil, 0},
		{"another thread, the same theme", []spec{ssoBug, ssoFixed, thanks, cust(2, -0.5, bug, "SSO is down again for new users", "login")},
			map[int]int{1: 0, 2: 0}, 1},
		{"the theme of staff's fix", []spec{cust(6, -0.5, bug, "the nightly file never arrives"),
			staffSays(5.9, "The export job is fixed now.", "export"), cust(2, -0.5, bug, "export failed again last night", "export")},
			map[int]int{1: 0}, 1},
		{"the first of two fixed problems came back", []spec{
			cust(8, -0.5, bug, "SSO login fails", "login"), staffSays(7.9, "SSO is fixed now."),
			cust(5, -0.4, complaint, "charged twice", "billing"), staffSays(4.9, "Refunded, the billing bug is fixed."),
			cust(2, -0.5, bug, "SSO login fails again", "login")},
			map[int]int{1: 0, 3: 2}, 1},
		{"a complaint before the fix", []spec{ssoBug, cust(5.95, -0.6, complaint, "this is blocking everyone", "login"), ssoFixed},
			map[int]int{1: 0, 2: 0}, 0},
		{"a fix before the window", []spec{cust(20, -0.5, bug, "SSO login fails", "login"), staffSays(19.9, "SSO is fixed now."),
			cust(2, -0.5, bug, "SSO login fails again", "login")}, map[int]int{1: 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items := build(tc.specs)
			for i, root := range tc.threads {
				items[i].Message.Thread = items[root].Message.ID
			}
			h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
			var got *feedbackbot.Reason
			for i := range h.Reasons {
				if h.Reasons[i].Code == ReasonRecurring {
					got = &h.Reasons[i]
				}
			}
			switch {
			case tc.recurring == 0 && got != nil:
				t.Errorf("not the fixed problem, yet %q (%+.0f), evidence %q", got.Text, got.Impact, got.Evidence[0].Quote)
			case tc.recurring > 0 && got == nil:
				t.Errorf("the fixed problem came back, yet no %s reason: %v", ReasonRecurring, codes(h))
			case got != nil && (len(got.Evidence) != tc.recurring || got.Impact != -15):
				t.Errorf("%q (%+.0f), %d quotes; want %d", got.Text, got.Impact, len(got.Evidence), tc.recurring)
			}
		})
	}
}

// TestStaffAnnouncementIsNoAnswer: a top-level staff message answers the channel's
// open conversation when it comes within answerReach (a day) of the customer's latest
// message in it, mentions the customer, or replies to their message; a thread reply
// answers whenever it comes. A maintenance notice to everyone two days after a
// question nobody took up is no answer (it was, so the question did not wait: a
// review's find). ResponseTimes groups the same way.
func TestStaffAnnouncementIsNoAnswer(t *testing.T) {
	question := spec{daysAgo: 3, role: feedbackbot.RoleCustomer, score: -0.1, intent: feedbackbot.IntentQuestion, ask: true,
		text: "Our SAML login stopped working for new users, can you check?"}
	hour := 1.0 / 24
	staffAt := func(daysAgo float64, text string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleStaff, score: 0.1, text: text}
	}
	for _, tc := range []struct {
		name     string
		reply    spec
		edit     func(reply *feedbackbot.Message, question feedbackbot.Message)
		answered bool
	}{
		{"an announcement two days later", staffAt(1, "Heads up everyone: scheduled maintenance this Saturday 02:00-04:00 UTC."), nil, false},
		{"an announcement mentioning someone else", staffAt(1, "<@U999> the maintenance window is confirmed for Saturday."), nil, false},
		{"an announcement mentioning a name the asker's is the start of", staffAt(1, "<@customer2> your invoice is attached."), nil, false},
		{"a top-level answer three hours later", staffAt(3-3*hour, "New users need the SAML group mapping, see the guide."), nil, true},
		{"a top-level answer the next morning", staffAt(3-20*hour, "Morning! New users need the SAML group mapping."), nil, true},
		{"a top-level answer two days later mentioning the asker", staffAt(1, "<@customer> sorry for the wait: it was the group mapping."), nil, true},
		{"a Slack mention with a label", staffAt(1, "<@customer|Dana> sorry for the wait: it was the group mapping."), nil, true},
		{"a Discord mention", staffAt(1, "<@!customer> sorry for the wait: it was the group mapping."), nil, true},
		{"a Discord reply to the question", staffAt(1, "Sorry for the wait: it was the group mapping."),
			func(reply *feedbackbot.Message, q feedbackbot.Message) { reply.ReplyTo = q.ID }, true},
		{"a thread reply two days later", staffAt(1, "Sorry for the wait: it was the group mapping."),
			func(reply *feedbackbot.Message, q feedbackbot.Message) { reply.Thread = q.ID }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items := build([]spec{question, tc.reply})
			if tc.edit != nil {
				tc.edit(&items[1].Message, items[0].Message)
			}
			h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
			if waits := slices.Contains(codes(h), ReasonUnanswered); waits == tc.answered {
				t.Errorf("answered %v, yet the question waits: %v (reasons %v)", tc.answered, waits, codes(h))
			}
			r := ResponseTimes(items, Params{}, now.Add(-7*24*time.Hour), now)
			if want := map[bool]int{true: 1}[tc.answered]; r.Answered != want || len(r.Waiting) != 1-want {
				t.Errorf("response times: %d answered, %d waiting; want %d answered", r.Answered, len(r.Waiting), want)
			}
		})
	}
}

// TestChurnSignalCountsOverTheBaseline: a churn signal counts (its points and its
// quote) for the whole baseline period, not the 14-day window alone: an account that
// said "we are evaluating other vendors" and never took it back read healthy two
// weeks later (a review's find). Two signals keep it at risk over the same period; a
// signal before the baseline no longer counts.
func TestChurnSignalCountsOverTheBaseline(t *testing.T) {
	var routine []spec
	for d := 50.0; d > 0; d -= 3 {
		routine = append(routine, conv(d, 0.3, 10)...)
	}
	churn := func(daysAgo float64, text string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleCustomer, score: -0.2, intent: feedbackbot.IntentChurnSignal,
			themes: []string{"cancellation"}, text: text}
	}
	for _, tc := range []struct {
		name   string
		extra  []spec
		impact float64 // of the churn reason, 0 for none
		quote  string  // its newest quote
		atRisk bool
	}{
		{"a signal in the window", []spec{churn(2, "we are evaluating other vendors")}, -25, "we are evaluating other vendors", false},
		{"a signal three weeks ago", []spec{churn(21, "we are evaluating other vendors")}, -25, "we are evaluating other vendors", false},
		{"two signals five and six weeks ago", []spec{churn(42, "we will not renew"), churn(35, "please send a full export of our data")},
			-32.5, "please send a full export of our data", true},
		{"a signal before the baseline", []spec{churn(60, "we are evaluating other vendors")}, 0, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Assess(feedbackbot.Account{ID: "a1"}, build(slices.Concat(routine, tc.extra)), Baseline{}, now, Params{})
			var got *feedbackbot.Reason
			for i := range h.Reasons {
				if h.Reasons[i].Code == ReasonChurnSignal {
					got = &h.Reasons[i]
				}
			}
			switch {
			case tc.impact == 0 && got != nil:
				t.Errorf("a signal older than the baseline counts: %q (%+.1f)", got.Text, got.Impact)
			case tc.impact != 0 && got == nil:
				t.Errorf("no churn reason (health %d, %v)", h.Score, codes(h))
			case got != nil && (got.Impact != tc.impact || got.Evidence[0].Quote != tc.quote):
				t.Errorf("%q (%+.1f), newest quote %q; want %+.1f, %q", got.Text, got.Impact, got.Evidence[0].Quote, tc.impact, tc.quote)
			}
			if h.AtRisk != tc.atRisk {
				t.Errorf("at risk %v (health %d, %v), want %v", h.AtRisk, h.Score, codes(h), tc.atRisk)
			}
		})
	}

	// Silent since saying it: read from a summary (the baseline's daily counters hold
	// no churn signal), the newest messages of a silent account (Baseline.Last) hold
	// it, and the answer is the full read's.
	t.Run("silent since, read from a summary", func(t *testing.T) {
		var s []spec
		for d := 50.0; d > 20; d -= 3 {
			s = append(s, conv(d, 0.3, 10)...)
		}
		s = append(s, churn(19, "we are moving to another vendor at renewal"), churn(18.9, "please send a full export of our data"))
		p := Params{}.WithDefaults()
		items := build(s)
		full := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, p)
		if !slices.Contains(codes(full), ReasonChurnSignal) || !full.AtRisk {
			t.Fatalf("no churn signal, or not at risk: health %d, %v", full.Score, codes(full))
		}
		to := now.Add(-p.Recent - 24*time.Hour).UTC().Truncate(24 * time.Hour)
		rest, base := summarize(items, to, now, p)
		if len(base.Last) == 0 {
			t.Fatal("the summary holds no newest messages: the case does not test them")
		}
		if d := sameHealth(Assess(feedbackbot.Account{ID: "a1"}, rest, base, now, p), full); d != "" {
			t.Error(d)
		}
	})
}

// TestWentQuietQuotesTheComplaint: an account that went quiet after a complaint
// and then wrote something neutral (a question answered) is quoted with the
// complaint the reason is about, then its last message; it was quoted with the
// question alone, which proves nothing of a complaint (a review's find). Where the
// last message is the complaint, it is quoted once.
func TestWentQuietQuotesTheComplaint(t *testing.T) {
	var routine []spec
	for d := 50.0; d > 19; d -= 3 {
		routine = append(routine, spec{daysAgo: d, role: feedbackbot.RoleCustomer, score: 0.3, text: "all good, thanks"})
	}
	const complaint, question = "the sync dropped three days of orders, this is unacceptable", "how do I export a report to CSV?"
	for _, tc := range []struct {
		name   string
		specs  []spec
		quotes []string
	}{
		{"a question after the complaint", []spec{
			{daysAgo: 17, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint, text: complaint},
			{daysAgo: 16.9, role: feedbackbot.RoleStaff, score: 0.1, text: "Sorry, looking into it"},
			{daysAgo: 15, role: feedbackbot.RoleCustomer, score: 0, intent: feedbackbot.IntentQuestion, ask: true, text: question},
			{daysAgo: 14.9, role: feedbackbot.RoleStaff, score: 0.1, text: "Use Export > CSV on the report"}}, []string{complaint, question}},
		{"the complaint last", []spec{
			{daysAgo: 15, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint, text: complaint},
			{daysAgo: 14.9, role: feedbackbot.RoleStaff, score: 0.1, text: "Sorry, looking into it"}}, []string{complaint}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Assess(feedbackbot.Account{ID: "a1"}, build(slices.Concat(routine, tc.specs)), Baseline{}, now, Params{}.WithDefaults())
			r, ok := wentQuiet(h)
			if !ok || r.Impact != -55 {
				t.Fatalf("went quiet %v (%+v); want it, after a complaint: %v", ok, r, codes(h))
			}
			var got []string
			for _, e := range r.Evidence {
				got = append(got, e.Quote)
			}
			if !slices.Equal(got, tc.quotes) {
				t.Errorf("quoted %q, want %q", got, tc.quotes)
			}
		})
	}
}
