package bot

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
)

// TestWaitingQuoted: a digest quotes churn signals and negative asks among those
// still waiting before the oldest neutral ones, in time order, and says how many it
// left out (it quoted the oldest five of seven, and the newest, a churn signal, was
// one of the two left out without a word).
func TestWaitingQuoted(t *testing.T) {
	base := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	item := func(i int, label feedbackbot.SentimentLabel, intent feedbackbot.Intent) *health.Item {
		return &health.Item{Message: feedbackbot.Message{ID: fmt.Sprint(i), Text: fmt.Sprintf("ask %d", i), Time: base.Add(time.Duration(i) * time.Hour)},
			Tags: feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Label: label}, Intent: intent}}
	}
	neutral, negative := feedbackbot.Neutral, feedbackbot.Negative
	waiting := []*health.Item{item(0, neutral, feedbackbot.IntentQuestion), item(1, neutral, feedbackbot.IntentQuestion),
		item(2, negative, feedbackbot.IntentComplaint), item(3, neutral, feedbackbot.IntentQuestion), item(4, neutral, feedbackbot.IntentQuestion),
		item(5, neutral, feedbackbot.IntentQuestion), item(6, negative, feedbackbot.IntentChurnSignal)}
	for _, tc := range []struct {
		n    int
		want string
	}{
		{7, "0 1 2 3 4 5 6"},
		{10, "0 1 2 3 4 5 6"},
		{5, "0 1 2 3 6"},
		{2, "2 6"},
		{1, "6"},
		{0, ""},
	} {
		var ids []string
		for _, w := range waitingQuoted(waiting, tc.n) {
			ids = append(ids, w.Message.ID)
		}
		if got := strings.Join(ids, " "); got != tc.want {
			t.Errorf("waitingQuoted(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	text := responseText(&feedbackbot.ResponseSummary{Conversations: 9, Answered: 2, WaitingCount: 7,
		Waiting: []feedbackbot.Quote{{Text: "ask 0"}, {Text: "ask 6"}}}, nil, time.Time{})
	for _, want := range []string{"*7 still waiting* past the response target; 2 of them, churn signals and negative ones first", "…and 5 more not quoted here."} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in\n%s", want, text)
		}
	}
	all := responseText(&feedbackbot.ResponseSummary{Conversations: 9, Answered: 7, WaitingCount: 2, Waiting: []feedbackbot.Quote{{Text: "a"}, {Text: "b"}}}, nil, time.Time{})
	if !strings.Contains(all, "*2 still waiting* past the response target, the oldest first:") || strings.Contains(all, "more not quoted") {
		t.Errorf("every waiting ask quoted:\n%s", all)
	}
}

// TestWaitingBeforeNamesAnAccountForErasure: an account named among the waits from
// before the period is one the digest names (digestAccounts), and forgetting it
// takes it out of them.
func TestWaitingBeforeNamesAnAccountForErasure(t *testing.T) {
	since := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	d := feedbackbot.Digest{WaitingBefore: []feedbackbot.AccountWaiting{
		{Account: feedbackbot.Account{ID: "acme"}, Count: 2, Since: since},
		{Account: feedbackbot.Account{ID: "beta"}, Count: 1, Since: since.Add(time.Hour)},
	}}
	if got := digestAccounts(&d); !slices.Equal(got, []string{"acme", "beta"}) {
		t.Errorf("digestAccounts = %v, want acme and beta", got)
	}
	if n := dropDigestAccounts(&d, func(id string) bool { return id == "acme" }); n != 1 || len(d.WaitingBefore) != 1 || d.WaitingBefore[0].Account.ID != "beta" {
		t.Errorf("dropped %d; left %+v, want beta alone", n, d.WaitingBefore)
	}
}
