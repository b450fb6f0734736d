package analysis

import (
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestChurnSignalOfAnalyzedMessages: what the analyzer tags about cancelling
// counts as a churn signal (feedbackbot.ChurnSignal: health and the account's
// churn counter) only when it says the customer leaves, not in praise for not
// leaving or a question about cancelling something.
func TestChurnSignalOfAnalyzedMessages(t *testing.T) {
	a := newA(t)
	tests := []struct {
		text string
		want bool
	}{
		{"thanks for helping us avoid cancelling, you saved the renewal", false},
		{"how do I cancel a scheduled export?", false},
		{"we will not renew, please send a full export of our data", true},
		{"we are cancelling our subscription at the end of the month", true},
		{"we are evaluating other vendors", true},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			tg := a.AnalyzeMessage(&feedbackbot.Message{Text: tc.text, Role: feedbackbot.RoleCustomer})
			if got := feedbackbot.ChurnSignal(&tg); got != tc.want {
				t.Errorf("ChurnSignal = %v, want %v (intent %s, %s, themes %v)", got, tc.want, tg.Intent, tg.Sentiment.Label, tg.Themes)
			}
		})
	}
}
