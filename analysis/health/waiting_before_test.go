package health

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestWaitingBefore: the conversations that asked before from and still wait past
// their target as of now, once for each account that asked in them (when it
// first asked, and the conversation's customer messages); not one answered,
// asked since from, not yet past its target, or whose latest ask is older than
// the recent window.
func TestWaitingBefore(t *testing.T) {
	from := now.Add(-24 * time.Hour)
	bob := cust("b.2", "t.1", 25*time.Hour, feedbackbot.IntentQuestion, "Same here, how?")
	bob.account = "b1"
	cases := []struct {
		name  string
		items []Item
		p     Params
		want  string // each wait: "account since-hours-ago: its customer messages"
	}{
		{"unanswered, followed up in its thread inside the period", wbuild(
			cust("q.1", "", 30*time.Hour, feedbackbot.IntentQuestion, "How do we export invoices?"),
			cust("n.1", "q.1", 2*time.Hour, feedbackbot.IntentQuestion, "Any news on this?"),
		), Params{}, "a1 30h: q.1 n.1"},
		{"answered in its thread", wbuild(
			cust("q.1", "", 30*time.Hour, feedbackbot.IntentQuestion, "How do we export invoices?"),
			staff("s.1", "q.1", 3*time.Hour, "Billing > Export."),
		), Params{}, ""},
		{"asked inside the period", wbuild(
			cust("q.1", "", 20*time.Hour, feedbackbot.IntentQuestion, "How do we export invoices?"),
		), Params{}, ""},
		{"not past its target yet (two days)", wbuild(
			cust("q.1", "", 30*time.Hour, feedbackbot.IntentQuestion, "How do we export invoices?"),
		), Params{ReplyTarget: 48 * time.Hour}, ""},
		{"older than the recent window", wbuild(
			cust("q.1", "", 15*24*time.Hour, feedbackbot.IntentQuestion, "How do we export invoices?"),
		), Params{}, ""},
		{"a thread two accounts asked in: each one's wait", wbuild(
			cust("t.1", "", 26*time.Hour, feedbackbot.IntentQuestion, "How do we export invoices?"),
			bob,
		), Params{}, "a1 26h: t.1 b.2; b1 25h: t.1 b.2"},
		{"two conversations, the oldest first", wbuild(
			cust("q.1", "", 50*time.Hour, feedbackbot.IntentQuestion, "How do we export invoices?"),
			cust("q.2", "", 30*time.Hour, feedbackbot.IntentBugReport, "The sync fails every night"),
		), Params{}, "a1 50h: q.1; a1 30h: q.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ptrs := make([]*Item, len(tc.items))
			for i := range tc.items {
				ptrs[i] = &tc.items[i]
			}
			slices.SortStableFunc(ptrs, byTime)
			var got []string
			for _, w := range WaitingBefore(ptrs, tc.p, from, now) {
				var ids []string
				for _, m := range w.Customer {
					ids = append(ids, strings.TrimPrefix(m.Message.ID, "C1:"))
				}
				got = append(got, fmt.Sprintf("%s %.0fh: %s", w.Account, now.Sub(w.Since).Hours(), strings.Join(ids, " ")))
			}
			if g := strings.Join(got, "; "); g != tc.want {
				t.Errorf("WaitingBefore = %q, want %q", g, tc.want)
			}
		})
	}
}
