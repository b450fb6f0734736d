package analysis

import (
	"slices"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestTypographicApostropheNegatesThemes: phones and Slack write "don’t" with
// U+2019; the sentiment engine reads it as "don't", but the theme matcher's
// negation and the rules' intent did not, so "we don’t plan to cancel" was a
// churn signal about cancellation and "this isn’t a bug" a bug report.
func TestTypographicApostropheNegatesThemes(t *testing.T) {
	a := newA(t)
	for _, tt := range []struct{ text, theme string }{
		{"we don’t plan to cancel", "cancellation"},
		{"this isn’t a bug, just me misreading the chart", "bug"},
	} {
		tags := a.Analyze(tt.text)
		if slices.Contains(tags.Themes, tt.theme) || tags.Intent == feedbackbot.IntentChurnSignal || tags.Intent == feedbackbot.IntentBugReport {
			t.Errorf("%q: themes %v, intent %s; a negated mention is no %s", tt.text, tags.Themes, tags.Intent, tt.theme)
		}
	}
}
