package bot

import (
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestChurnCount: how many churn signals a reason counts comes from its Count,
// whatever its text says; a reason saved before Count was kept is read from the
// start of its text, and one that tells neither is not known.
func TestChurnCount(t *testing.T) {
	for _, tc := range []struct {
		name  string
		r     feedbackbot.Reason
		n     int
		known bool
	}{
		{"counted", feedbackbot.Reason{Code: "churn_signal", Count: 4, Text: "Four churn signals, reworded"}, 4, true},
		{"counted, text agreeing", feedbackbot.Reason{Code: "churn_signal", Count: 2, Text: "2 churn signals: cancellation, downgrade, switching vendor or data export"}, 2, true},
		{"saved before Count", feedbackbot.Reason{Code: "churn_signal", Text: "3 churn signals: cancellation, downgrade, switching vendor or data export"}, 3, true},
		{"one, saved before Count", feedbackbot.Reason{Code: "churn_signal", Text: "1 churn signal: cancellation, downgrade, switching vendor or data export"}, 1, true},
		{"neither", feedbackbot.Reason{Code: "churn_signal", Text: "Churn signals"}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := churnCount(tc.r)
			if n != tc.n || ok != tc.known {
				t.Errorf("churnCount = %d, %v; want %d, %v", n, ok, tc.n, tc.known)
			}
		})
	}
}
