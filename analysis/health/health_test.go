package health

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

type spec struct {
	daysAgo float64
	role    feedbackbot.Role
	score   float64
	intent  feedbackbot.Intent
	themes  []string
	ask     bool
	text    string
}

func build(specs []spec) []Item {
	var out []Item
	for i, s := range specs {
		m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d", i), Platform: feedbackbot.PlatformSlack, Workspace: "T1",
			Channel: "C1", Author: string(s.role), Role: s.role, Account: "a1", Text: s.text,
			Time: now.Add(-time.Duration(s.daysAgo * float64(24*time.Hour)))}
		if m.Text == "" {
			m.Text = fmt.Sprintf("message %d", i)
		}
		out = append(out, Item{Message: m, Tags: feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: s.score,
			Label: feedbackbot.LabelFor(s.score)}, Intent: s.intent, Themes: s.themes, NeedsReply: s.ask}})
	}
	return out
}

// conv is a customer message answered by staff after the given minutes.
func conv(daysAgo, score float64, replyMinutes float64) []spec {
	c := []spec{{daysAgo: daysAgo, role: feedbackbot.RoleCustomer, score: score, ask: true, intent: feedbackbot.IntentQuestion}}
	if replyMinutes >= 0 {
		c = append(c, spec{daysAgo: daysAgo - replyMinutes/1440, role: feedbackbot.RoleStaff, score: 0.3})
	}
	return c
}

func codes(h feedbackbot.Health) []string {
	var cs []string
	for _, r := range h.Reasons {
		cs = append(cs, r.Code)
	}
	return cs
}

// scenario is one account's history and what Assess must say of it.
type scenario struct {
	name   string
	specs  []spec
	atRisk bool
	reason string // must be among the reasons ("" = none required)
}

func scenarios() []scenario {
	var healthy, declining, cancelling, unanswered, quiet, recovered, chatty []spec
	for d := 50.0; d > 0; d -= 3 {
		healthy = append(healthy, conv(d, 0.4, 10)...)
	}
	for d := 50.0; d > 14; d -= 3 {
		declining = append(declining, conv(d, 0.3, 20)...)
	}
	for d := 13.0; d > 0; d -= 1.5 {
		declining = append(declining, spec{daysAgo: d, role: feedbackbot.RoleCustomer, score: -0.6, intent: feedbackbot.IntentComplaint}, spec{daysAgo: d - 0.01, role: feedbackbot.RoleStaff})
	}
	for d := 40.0; d > 10; d -= 4 {
		cancelling = append(cancelling, conv(d, 0.1, 30)...)
	}
	cancelling = append(cancelling,
		spec{daysAgo: 5, role: feedbackbot.RoleCustomer, score: -0.5, themes: []string{"billing"}, intent: feedbackbot.IntentComplaint, text: "we were charged twice"},
		spec{daysAgo: 2, role: feedbackbot.RoleCustomer, score: -0.2, themes: []string{"cancellation"}, intent: feedbackbot.IntentChurnSignal, text: "we are evaluating other vendors"},
		spec{daysAgo: 1.9, role: feedbackbot.RoleStaff})
	for d := 40.0; d > 5; d -= 3 {
		unanswered = append(unanswered, conv(d, 0.1, 15)...)
	}
	unanswered = append(unanswered, conv(2, -0.1, -1)...)
	unanswered = append(unanswered, conv(1, -0.2, -1)...)
	for d := 50.0; d > 16; d -= 3 {
		quiet = append(quiet, conv(d, 0.1, 30)...)
	}
	quiet = append(quiet, spec{daysAgo: 15, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint}, spec{daysAgo: 14.9, role: feedbackbot.RoleStaff})
	for d := 55.0; d > 40; d -= 1 {
		recovered = append(recovered, conv(d, -0.6, 240)...)
	}
	for d := 38.0; d > 0; d -= 3 {
		recovered = append(recovered, conv(d, 0.5, 10)...)
	}
	for d := 50.0; d > 0; d -= 0.25 {
		chatty = append(chatty, conv(d, 0.05, 5)...)
	}

	return []scenario{
		{"healthy", healthy, false, ""},
		{"declining", declining, true, ReasonSentimentDrop},
		{"cancelling", cancelling, true, ReasonChurnSignal},
		{"unanswered", unanswered, true, ReasonUnanswered},
		{"gone quiet after a complaint", quiet, true, ReasonWentQuiet},
		{"recovered", recovered, false, ""},
		{"chatty", chatty, false, ""},
	}
}

func TestAssessScenarios(t *testing.T) {
	tests := scenarios()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Assess(feedbackbot.Account{ID: "a1"}, build(tt.specs), Baseline{}, now, Params{})
			if h.AtRisk != tt.atRisk {
				t.Errorf("at risk = %v (score %d, reasons %v), want %v", h.AtRisk, h.Score, codes(h), tt.atRisk)
			}
			if tt.reason != "" && !slices.Contains(codes(h), tt.reason) {
				t.Errorf("reasons %v lack %s", codes(h), tt.reason)
			}
			if h.Score < 0 || h.Score > 100 {
				t.Errorf("score %d out of range", h.Score)
			}
			for _, r := range h.Reasons {
				if r.Text == "" || r.Code == "" {
					t.Errorf("reason without text or code: %+v", r)
				}
			}
		})
	}
}

func TestAlwaysQuietIsNotAtRisk(t *testing.T) {
	var s []spec
	for d := 55.0; d > 20; d -= 12 {
		s = append(s, conv(d, 0.1, 30)...)
	}
	h := Assess(feedbackbot.Account{ID: "a1"}, build(s), Baseline{}, now, Params{})
	if h.AtRisk {
		t.Fatalf("an account that was always quiet is not at risk: %d %v", h.Score, codes(h))
	}
}

func TestFutureMessagesIgnored(t *testing.T) {
	items := build(append(conv(3, 0.4, 10), spec{daysAgo: -1, role: feedbackbot.RoleCustomer, score: -0.9, intent: feedbackbot.IntentChurnSignal}))
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonChurnSignal) {
		t.Fatal("a message after now must not count")
	}
}

func TestPleasantryAfterReplyDoesNotWait(t *testing.T) {
	s := append(conv(2, 0.1, 10), spec{daysAgo: 1.9, role: feedbackbot.RoleCustomer, score: 0.5, text: "thanks!"})
	h := Assess(feedbackbot.Account{ID: "a1"}, build(s), Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonUnanswered) {
		t.Fatalf("a pleasantry (no needs_reply) must not wait: %v", codes(h))
	}
}

func TestThreadReplyAnswersRoot(t *testing.T) {
	items := build([]spec{{daysAgo: 2, role: feedbackbot.RoleCustomer, ask: true}, {daysAgo: 1.9, role: feedbackbot.RoleStaff}})
	items[1].Message.Thread = "1700000000.000100"
	items[0].Message.ID = "C1:1700000000.000100"
	items[1].Message.Channel = "C1"
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonUnanswered) {
		t.Fatalf("a staff reply in the thread answers the root: %v", codes(h))
	}
}

func TestResponseTargetsAndBusinessHours(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	p := Params{Targets: Targets{Business: 15 * time.Minute, Outside: 2 * time.Hour, Hours: BusinessHours{Location: berlin, Start: 9, End: 18}}}
	// Mon 16 Nov 2026 10:00 Berlin is 09:00 UTC (business hours); Sat 21 Nov is outside.
	mon := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	sat := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	if !p.Targets.Hours.In(mon) || p.Targets.Hours.In(sat) || p.Targets.Hours.In(time.Date(2026, 11, 16, 18, 0, 0, 0, time.UTC)) {
		t.Fatal("business hours wrong")
	}
	mk := func(start time.Time, reply time.Duration) []Item {
		items := build([]spec{{role: feedbackbot.RoleCustomer, ask: true}, {role: feedbackbot.RoleStaff}})
		items[0].Message.Time, items[1].Message.Time = start, start.Add(reply)
		items[1].Message.ID = "C1:r" + start.String()
		items[0].Message.ID = "C1:q" + start.String()
		return items
	}
	var items []Item
	for d := range 3 { // three weekday conversations answered after 30 minutes: all missed
		items = append(items, mk(mon.AddDate(0, 0, d), 30*time.Minute)...)
	}
	items = append(items, mk(sat, time.Hour)...) // weekend, answered in 1h: met
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, sat.Add(3*time.Hour), p)
	var slow *feedbackbot.Reason
	for i := range h.Reasons {
		if h.Reasons[i].Code == ReasonSlowReplies {
			slow = &h.Reasons[i]
		}
	}
	if slow == nil || !strings.Contains(slow.Text, "1 of 4") {
		t.Fatalf("want 1 of 4 replies on target, got %+v", h.Reasons)
	}
	// A question asked 12 minutes ago in business hours is due (15m target), not yet late.
	q := build([]spec{{role: feedbackbot.RoleCustomer, ask: true}})
	q[0].Message.Time = mon.Add(-12 * time.Minute)
	h = Assess(feedbackbot.Account{ID: "a1"}, q, Baseline{}, mon, p)
	if c := codes(h); !slices.Contains(c, ReasonReplyDue) || slices.Contains(c, ReasonUnanswered) {
		t.Fatalf("want reply_due only, got %v", c)
	}
	h = Assess(feedbackbot.Account{ID: "a1"}, q, Baseline{}, mon.Add(10*time.Minute), p)
	if c := codes(h); !slices.Contains(c, ReasonUnanswered) {
		t.Fatalf("after the target it is unanswered, got %v", c)
	}
}

func TestAddRatings(t *testing.T) {
	base := feedbackbot.Health{Account: feedbackbot.Account{ID: "a1"}, Score: 70}
	base.Reasons = []feedbackbot.Reason{{Code: ReasonNegativeShare, Impact: -30}}
	tests := []struct {
		name   string
		rs     []Rating
		atRisk bool
		code   string
		recent int // answers in the recent window
	}{
		{"poor CSAT", []Rating{{"csat", 2, now.Add(-time.Hour)}, {"csat", 1, now.Add(-2 * time.Hour)}}, true, ReasonLowRatings, 2},
		{"detractors", []Rating{{"nps", 3, now.Add(-time.Hour)}, {"nps", 5, now.Add(-time.Hour)}, {"nps", 10, now.Add(-time.Hour)}}, false, ReasonLowRatings, 3},
		{"old answers ignored", []Rating{{"csat", 1, now.Add(-60 * 24 * time.Hour)}}, false, "", 0},
		{"happy", []Rating{{"csat", 5, now.Add(-time.Hour)}}, false, ReasonRecentlyHappy, 1},
		{"middling: no reason, still counted", []Rating{{"csat", 4, now.Add(-time.Hour)}, {"nps", 8, now.Add(-time.Hour)}}, false, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := AddRatings(base, tt.rs, now, Params{})
			if h.AtRisk != tt.atRisk || (tt.code != "" && !slices.Contains(codes(h), tt.code)) {
				t.Fatalf("score %d at risk %v reasons %v", h.Score, h.AtRisk, codes(h))
			}
			if h.RecentRatings != tt.recent {
				t.Errorf("recent ratings %d, want %d", h.RecentRatings, tt.recent)
			}
			if want := now.Add(-time.Hour); tt.recent > 0 && !h.LastRatingAt.Equal(want) || tt.recent == 0 && !h.LastRatingAt.IsZero() {
				t.Errorf("last rating %v, want the newest in the window (%v)", h.LastRatingAt, want)
			}
		})
	}
}

func TestResponseTimes(t *testing.T) {
	cust := func(daysAgo, score float64, ask bool) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleCustomer, score: score, ask: ask, intent: feedbackbot.IntentQuestion}
	}
	staff := func(daysAgo float64, text string) spec {
		return spec{daysAgo: daysAgo, role: feedbackbot.RoleStaff, score: 0.2, text: text}
	}
	hour := 1.0 / 24
	tests := []struct {
		name                                       string
		specs                                      []spec
		convs, answered, within, resolved, waiting int
		medianFirst, medianResolution              time.Duration
	}{
		{"answered in 30 min, closed by the customer's thanks", []spec{cust(3, -0.4, true), staff(3-hour/2, "Looking now"), cust(3-hour, 0.6, false)},
			1, 1, 1, 1, 0, 30 * time.Minute, time.Hour},
		{"answered after 6 h (target 4 h), fixed by staff 2 h later", []spec{cust(3, -0.4, true), staff(3-6*hour, "on it"), staff(3-8*hour, "This is fixed now")},
			1, 1, 0, 1, 0, 6 * time.Hour, 8 * time.Hour},
		{"never answered, past target: waiting", []spec{cust(2, -0.5, true)}, 1, 0, 0, 0, 1, 0, 0},
		{"asked 1 h ago: not waiting yet", []spec{cust(hour, -0.5, true)}, 1, 0, 0, 0, 0, 0, 0},
		{"before the window: not counted", []spec{cust(20, -0.5, true), staff(20-hour, "hi")}, 0, 0, 0, 0, 0, 0, 0},
		{"no question asked: not a conversation to answer", []spec{cust(2, 0.5, false)}, 0, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ResponseTimes(build(tc.specs), Params{}, now.Add(-7*24*time.Hour), now)
			if r.Conversations != tc.convs || r.Answered != tc.answered || r.WithinTarget != tc.within || r.Resolved != tc.resolved || len(r.Waiting) != tc.waiting {
				t.Errorf("got %+v (waiting %d)", r, len(r.Waiting))
			}
			if d := r.MedianFirstReply - tc.medianFirst; d > time.Second || d < -time.Second {
				t.Errorf("median first reply %v, want %v", r.MedianFirstReply, tc.medianFirst)
			}
			if d := r.MedianResolution - tc.medianResolution; d > time.Second || d < -time.Second {
				t.Errorf("median resolution %v, want %v", r.MedianResolution, tc.medianResolution)
			}
		})
	}
	// A resolved mark (✅) closes a conversation at the last staff reply.
	items := build([]spec{cust(3, -0.4, true), staff(3-2*hour, "try clearing the cache")})
	items[0].Message.Reactions = map[string]int{"✅": 1}
	if r := ResponseTimes(items, Params{}, now.Add(-7*24*time.Hour), now); r.Resolved != 1 || r.MedianResolution.Round(time.Minute) != 2*time.Hour {
		t.Errorf("resolved mark: %+v", r)
	}
}

// TestTargetWords: how a reason names the response target: one figure when there is
// one (or both are the same), both when business hours differ from the rest.
func TestTargetWords(t *testing.T) {
	for _, tc := range []struct {
		p    Params
		want string
	}{
		{Params{ReplyTarget: 4 * time.Hour}, "4 hours"},
		{Params{Targets: Targets{Business: 4 * time.Hour, Outside: 4 * time.Hour}}, "4 hours"},
		{Params{Targets: Targets{Business: 15 * time.Minute, Outside: 2 * time.Hour}}, "15 minutes in business hours, 2 hours outside"},
	} {
		if got := tc.p.targetWords(); got != tc.want {
			t.Errorf("targetWords(%+v) = %q, want %q", tc.p.Targets, got, tc.want)
		}
	}
}

// TestMentionsFix: a staff message says a problem is fixed only where it claims so:
// "this isn't fixed yet" counted as a fix (closing the conversation and starting the
// "came back after it was fixed" reason: a review's find).
func TestMentionsFix(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"Fixed! Can you try again?", true},
		{"The login issue is fixed now.", true},
		{"We deployed a fix this morning", true},
		{"Good to go, fixed it on our side", true},
		{"It’s patched in 3.4.2", true},
		{"Sorry, this isn't fixed yet, engineering is still on it.", false},
		{"Not fixed yet, sorry", false},
		{"It hasn't been patched", false},
		{"It will be fixed in the next release", false},
		{"We'll get this fixed by Friday", false},
		{"This needs to be fixed, I've raised it with engineering", false},
		{"Is it fixed on your side?", false},
		{"Is it fixed? Yes, fixed since this morning.", true},
		{"We prefixed the ids", false},
	} {
		if got := mentionsFix(c.text); got != c.want {
			t.Errorf("mentionsFix(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	// End to end: "not fixed yet" neither resolves the conversation nor starts the
	// recurring reason.
	items := build([]spec{
		{daysAgo: 3, role: feedbackbot.RoleCustomer, score: -0.6, intent: feedbackbot.IntentBugReport, ask: true, text: "CSV export times out again"},
		{daysAgo: 2.9, role: feedbackbot.RoleStaff, text: "Sorry, this isn't fixed yet, engineering is still on it."},
		{daysAgo: 2, role: feedbackbot.RoleCustomer, score: -0.7, intent: feedbackbot.IntentComplaint, text: "still timing out, this is really frustrating"},
	})
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	if slices.Contains(codes(h), ReasonRecurring) {
		t.Errorf("staff never said it was fixed, yet: %v", codes(h))
	}
	if rt := ResponseTimes(items, Params{}, now.Add(-7*24*time.Hour), now); rt.Resolved != 0 {
		t.Errorf("a conversation staff said is not fixed counts as resolved: %+v", rt)
	}
}

// TestChurnSignalsAloneFlagTheAccount: churn signals are capped at 40 points, so an
// otherwise healthy account saying three times in a week that it is leaving stayed
// above the threshold and raised no alert (a review's find); two signals or more put
// it at risk whatever its score, one alone does not.
func TestChurnSignalsAloneFlagTheAccount(t *testing.T) {
	var base []spec
	for d := 50.0; d > 0; d -= 4 {
		base = append(base, conv(d, 0.3, 10)...)
	}
	churn := func(d float64, text string) spec {
		return spec{daysAgo: d, role: feedbackbot.RoleCustomer, intent: feedbackbot.IntentChurnSignal, themes: []string{"cancellation"}, text: text}
	}
	for _, c := range []struct {
		name   string
		extra  []spec
		atRisk bool
	}{
		{"one signal", []spec{churn(2, "We might look at other vendors next year.")}, false},
		{"three signals", []spec{churn(3, "We will not renew: we are moving to another vendor."), churn(2, "Please cancel our subscription and the seats."),
			churn(1, "How do we export all our data before we close the account?")}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := Assess(feedbackbot.Account{ID: "a1"}, build(slices.Concat(base, c.extra)), Baseline{}, now, Params{})
			if h.AtRisk != c.atRisk || h.Score < 50 {
				t.Errorf("at risk %v (score %d, %v), want %v with a score of 50 or more", h.AtRisk, h.Score, codes(h), c.atRisk)
			}
		})
	}
}

// TestWaitingMeasuredFromTheQuestion: a question asked 30 hours ago with an "any
// update?" in its thread 10 minutes ago has waited 30 hours (it read "10 minutes"
// and cost 12 points instead of 20, a review found); the nudge stays the quote.
func TestWaitingMeasuredFromTheQuestion(t *testing.T) {
	mk := func(id, thread string, ago time.Duration, text string) Item {
		return Item{Message: feedbackbot.Message{ID: "C1:" + id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Thread: thread,
			Author: "U1", Role: feedbackbot.RoleCustomer, Account: "a1", Text: text, Time: now.Add(-ago)},
			Tags: feedbackbot.Tags{Intent: feedbackbot.IntentQuestion, NeedsReply: true}}
	}
	items := []Item{mk("100.1", "", 30*time.Hour, "Exports fail with a 500, can someone look?"), mk("200.1", "C1:100.1", 10*time.Minute, "any update on this?")}
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	r := reasonOf(t, h, ReasonUnanswered)
	if !strings.Contains(r.Text, "30 hours") || r.Impact != -20 || len(r.Evidence) != 1 || r.Evidence[0].Quote != "any update on this?" {
		t.Errorf("waited 30 hours; got %q impact %.0f evidence %+v", r.Text, r.Impact, r.Evidence)
	}
}

// reasonOf is h's reason of code; the test stops when h has none.
func reasonOf(t *testing.T, h feedbackbot.Health, code string) feedbackbot.Reason {
	t.Helper()
	for _, r := range h.Reasons {
		if r.Code == code {
			return r
		}
	}
	t.Fatalf("no %s reason: %v", code, codes(h))
	return feedbackbot.Reason{}
}

// TestLowSentimentEvidenceIsNegative: the low-sentiment reason quotes negative
// messages only (the three lowest of few messages included praise).
func TestLowSentimentEvidenceIsNegative(t *testing.T) {
	items := build([]spec{
		{daysAgo: 5, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint, text: "the dashboard is unusable again"},
		{daysAgo: 4, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint, text: "reports broken for the third day"},
		{daysAgo: 3, role: feedbackbot.RoleCustomer, score: 0.6, intent: feedbackbot.IntentPraise, text: "thanks Ana, you're great!"},
	})
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	r := reasonOf(t, h, ReasonSentimentLow)
	if len(r.Evidence) != 2 {
		t.Errorf("reason %q quotes %d messages, want the 2 negative ones: %+v", r.Text, len(r.Evidence), r.Evidence)
	}
	for _, e := range r.Evidence {
		if strings.Contains(e.Quote, "great") {
			t.Errorf("reason %q quotes praise: %q", r.Text, e.Quote)
		}
	}
}

// TestEvidenceQuotesArePlain: alert evidence quotes a Slack message's mentions and
// links as plain text (they reached the alerts channel as live mentions).
func TestEvidenceQuotesArePlain(t *testing.T) {
	items := build([]spec{
		{daysAgo: 3, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint, text: "<!channel> <@U1|dana> this is broken <https://evil.example|status page>"},
		{daysAgo: 2, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint, text: "still broken"},
		{daysAgo: 1, role: feedbackbot.RoleCustomer, score: -0.8, intent: feedbackbot.IntentComplaint, text: "broken again"},
	})
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	found := false
	for _, r := range h.Reasons {
		for _, e := range r.Evidence {
			if strings.Contains(e.Quote, "this is broken") {
				found = true
				if e.Quote != "@channel @dana this is broken status page (https://evil.example)" {
					t.Errorf("evidence quote %q", e.Quote)
				}
			}
		}
	}
	if !found {
		t.Errorf("the message is not quoted: %+v", h.Reasons)
	}
}

// BenchmarkAssess scores one account from 80 messages over 16 days (a digest
// assesses 200 such accounts at 1,000 messages a day): the allocations are what a
// digest's health pass adds to the garbage of reading the messages.
func BenchmarkAssess(b *testing.B) {
	var specs []spec
	for i := range 40 {
		specs = append(specs, conv(16-float64(i)*0.4, float64(i%7-3)/4, float64(30+i%5*60))...)
	}
	items := build(specs)
	for b.Loop() {
		Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	}
}

// TestMayMentionFix: the prefilter of mentionsFix says yes to every text that,
// lower-cased, holds fix, resolved or patched ("FİXED" lowers to "fixed"), and its
// ASCII search answers as lower-casing and searching would.
func TestMayMentionFix(t *testing.T) {
	texts := []string{"", "fi", "fix", "FIX", "Fixed it", "we PaTcHeD it", "resolveD now", "re-solved", "prefix",
		"FİXED", "ﬁxed", "fıx", "Ｆｉｘ", "\xffFIX\xff", "resolve d", "patche", "f\u0130x", "Kelvin \u212a fix", "thanks!"}
	for _, s := range texts {
		lower, any := strings.ToLower(s), false
		for _, w := range []string{"fix", "resolved", "patched"} {
			want := strings.Contains(lower, w)
			any = any || want
			if got := hasASCIIFold(s, w); got != want && !strings.Contains(s, "\u0130") {
				t.Errorf("hasASCIIFold(%q, %q) = %v, lower-cased and searched: %v", s, w, got, want)
			}
		}
		if any && !mayMentionFix(s) {
			t.Errorf("mayMentionFix(%q) = false, but lower-cased it holds a fix word", s)
		}
	}
	if !mentionsFix("FİXED in 4.2") {
		t.Error(`mentionsFix("FİXED in 4.2") = false`)
	}
}

// TestAssessCountsRecentEmotions: the recent window's customer messages are counted,
// and those of each emotion, in feedbackbot.Emotions' order; staff messages, older
// messages (the baseline's) and messages after now are not.
func TestAssessCountsRecentEmotions(t *testing.T) {
	specs := []spec{
		{daysAgo: 1, role: feedbackbot.RoleCustomer, score: 0.6},   // gratitude
		{daysAgo: 2, role: feedbackbot.RoleCustomer, score: -0.5},  // frustration
		{daysAgo: 3, role: feedbackbot.RoleCustomer, score: -0.6},  // frustration
		{daysAgo: 4, role: feedbackbot.RoleCustomer, score: 0},     // none
		{daysAgo: 5, role: feedbackbot.RoleStaff, score: 0.5},      // staff: gratitude, not counted
		{daysAgo: 20, role: feedbackbot.RoleCustomer, score: -0.8}, // before the recent window: anger, not counted
		{daysAgo: -1, role: feedbackbot.RoleCustomer, score: -0.8}, // after now: anger, not counted
	}
	items := build(specs)
	for i, e := range []feedbackbot.Emotion{feedbackbot.EmotionGratitude, feedbackbot.EmotionFrustration, feedbackbot.EmotionFrustration, "",
		feedbackbot.EmotionGratitude, feedbackbot.EmotionAnger, feedbackbot.EmotionAnger} {
		items[i].Tags.Sentiment.Emotion = e
	}
	h := Assess(feedbackbot.Account{ID: "a1"}, items, Baseline{}, now, Params{})
	want := []feedbackbot.CountStat{{Name: "frustration", Count: 2}, {Name: "gratitude", Count: 1}}
	if h.RecentMessages != 4 || !slices.Equal(h.Emotions, want) {
		t.Errorf("recent messages %d, emotions %v; want 4, %v", h.RecentMessages, h.Emotions, want)
	}
	if h := Assess(feedbackbot.Account{ID: "a1"}, items[3:5], Baseline{}, now, Params{}); h.RecentMessages != 1 || h.Emotions != nil {
		t.Errorf("no emotion expressed: recent messages %d, emotions %v; want 1, none", h.RecentMessages, h.Emotions)
	}
}

// TestAgoRoundsToTheNearestUnit: a wait is written to the nearest day, hour or
// minute (truncated, 71 h 40 min was "2 days" and 47 h 45 min "47 hours").
func TestAgoRoundsToTheNearestUnit(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{71*time.Hour + 40*time.Minute, "3 days"},
		{47*time.Hour + 45*time.Minute, "2 days"},
		{47*time.Hour + 20*time.Minute, "47 hours"},
		{48 * time.Hour, "2 days"},
		{119*time.Minute + 40*time.Second, "2 hours"},
		{90 * time.Minute, "90 minutes"},
		{4 * time.Hour, "4 hours"},
		{50 * time.Second, "1 minute"},
		{0, "0 minutes"},
		{15 * 24 * time.Hour, "15 days"},
	} {
		if got := Ago(c.d); got != c.want {
			t.Errorf("Ago(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// TestSpanWritesTargetsExactly: a configured response target is written as it is
// (ago, which rounds, wrote a 2h30m target "3 hours").
func TestSpanWritesTargetsExactly(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{150 * time.Minute, "150 minutes"}, {4 * time.Hour, "4 hours"}, {60 * time.Hour, "60 hours"},
		{72 * time.Hour, "3 days"}, {time.Hour, "60 minutes"}, {15 * time.Minute, "15 minutes"}, {90 * time.Second, "1m30s"},
	} {
		if got := span(c.d); got != c.want {
			t.Errorf("span(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
