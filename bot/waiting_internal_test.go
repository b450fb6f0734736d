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

// TestWaitingBeforeLeavesOutThePeriodsOwn: waitingBefore counts an account's waits
// asked before the period, leaves out those asked in it and those whose latest
// ask the period lists as its own, and puts the longest waiting first.
func TestWaitingBeforeLeavesOutThePeriodsOwn(t *testing.T) {
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{
		{Account: feedbackbot.Account{ID: "late"}, Waiting: []feedbackbot.WaitingAsk{{Since: from.Add(-time.Hour), MessageKey: "k1"}}},
		{Account: feedbackbot.Account{ID: "early"}, Waiting: []feedbackbot.WaitingAsk{
			{Since: from.Add(-48 * time.Hour), MessageKey: "k2"}, {Since: from.Add(-24 * time.Hour), MessageKey: "k3"}, {Since: from, MessageKey: "k4"}}},
		{Account: feedbackbot.Account{ID: "listed"}, Waiting: []feedbackbot.WaitingAsk{{Since: from.Add(-10 * time.Minute), MessageKey: "k5"}}},
		{Account: feedbackbot.Account{ID: "none"}},
	}
	got := waitingBefore(hs, from, map[string]bool{"k5": true})
	var s []string
	for _, a := range got {
		s = append(s, fmt.Sprintf("%s %d %s", a.Account.ID, a.Count, a.Since.Format("02T15")))
	}
	if want := "early 2 21T00, late 1 22T23"; strings.Join(s, ", ") != want {
		t.Errorf("waitingBefore = %q, want %q", strings.Join(s, ", "), want)
	}
}
