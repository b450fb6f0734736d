package health

import (
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestBaselineChurn: a summary's churn signals (Baseline.Churn, read for their
// quotes, and Baseline.ChurnUnread, counted) cost the churn reason's points as the
// messages would; one in both Last and Churn counts once; one before the baseline,
// after To, or not a customer's churn signal, is not counted from Churn.
func TestBaselineChurn(t *testing.T) {
	p := Params{}.WithDefaults()
	to := now.Add(-p.Recent - 24*time.Hour).UTC().Truncate(24 * time.Hour)
	var recent []spec
	for d := 12.0; d > 0; d -= 2 {
		recent = append(recent, conv(d, 0.3, 20)...)
	}
	at := func(daysAgo float64) time.Time { return now.Add(-time.Duration(daysAgo * float64(24*time.Hour))) }
	item := func(id string, daysAgo float64, role feedbackbot.Role, intent feedbackbot.Intent, text string) Item {
		return Item{Message: feedbackbot.Message{ID: "C1:" + id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: "U1", Role: role, Account: "a1", Text: text, Time: at(daysAgo)},
			Tags: feedbackbot.Tags{Intent: intent, Sentiment: feedbackbot.Sentiment{Score: -0.2, Label: feedbackbot.Negative}}}
	}
	vendors := item("v", 30, feedbackbot.RoleCustomer, feedbackbot.IntentChurnSignal, "we are evaluating other vendors")
	export := item("x", 20, feedbackbot.RoleCustomer, feedbackbot.IntentChurnSignal, "please export our data")
	days := []time.Time{to.Add(-10 * 24 * time.Hour)}
	for _, tc := range []struct {
		name   string
		base   Baseline
		n      int    // churn signals counted, 0 for no reason
		quote  string // the newest quote
		quotes int
		atRisk bool // (two signals or more, counted or quoted)
	}{
		{"one read", Baseline{To: to, Days: days, Count: 1, Churn: []Item{vendors}}, 1, "we are evaluating other vendors", 1, false},
		{"one read, two counted", Baseline{To: to, Days: days, Count: 3, Churn: []Item{vendors}, ChurnUnread: 2}, 3, "we are evaluating other vendors", 1, true},
		{"counted only", Baseline{To: to, Days: days, Count: 1, ChurnUnread: 1}, 1, "", 0, false},
		{"in Last and in Churn: once", Baseline{To: to, Days: days, Count: 2, Last: []Item{export}, Churn: []Item{vendors, export}}, 2, "please export our data", 2, true},
		{"staff's words, an ordinary message", Baseline{To: to, Days: days, Count: 1, Churn: []Item{
			item("s", 30, feedbackbot.RoleStaff, feedbackbot.IntentChurnSignal, "sorry to see you go"),
			item("o", 30, feedbackbot.RoleCustomer, feedbackbot.IntentQuestion, "how do I export?")}}, 0, "", 0, false},
		{"before the baseline", Baseline{To: to, Days: days, Count: 1, Churn: []Item{item("b", 60, feedbackbot.RoleCustomer, feedbackbot.IntentChurnSignal, "we will not renew")}}, 0, "", 0, false},
		{"after To (the items hold it)", Baseline{To: to, Days: days, Count: 1, Churn: []Item{item("a", 10, feedbackbot.RoleCustomer, feedbackbot.IntentChurnSignal, "we will not renew")}}, 0, "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Assess(feedbackbot.Account{ID: "a1"}, build(recent), tc.base, now, p)
			i := slices.IndexFunc(h.Reasons, func(r feedbackbot.Reason) bool { return r.Code == ReasonChurnSignal })
			if tc.n == 0 {
				if i >= 0 {
					t.Errorf("churn reason %q", h.Reasons[i].Text)
				}
				return
			}
			if i < 0 {
				t.Fatalf("no churn reason: %v", codes(h))
			}
			r := h.Reasons[i]
			if want := feedbackbot.Plural(tc.n, "churn signal") + ": cancellation, downgrade, switching vendor or data export"; r.Text != want {
				t.Errorf("text %q, want %q", r.Text, want)
			}
			if len(r.Evidence) != tc.quotes || (tc.quotes > 0 && r.Evidence[0].Quote != tc.quote) {
				t.Errorf("evidence %+v, want %d quotes, the newest %q", r.Evidence, tc.quotes, tc.quote)
			}
			if h.AtRisk != tc.atRisk {
				t.Errorf("at risk %v with %d signals counted and %d quoted, want %v (score %d)", h.AtRisk, r.Count, len(r.Evidence), tc.atRisk, h.Score)
			}
		})
	}
}
