package analysis

import (
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestIntentRules: how defects, upset, outages, plain negativity and wishes read.
func TestIntentRules(t *testing.T) {
	a := newA(t)
	tests := []struct {
		text string
		want feedbackbot.Intent
	}{
		// A defect told plainly is a bug report, in anger or frustration a complaint.
		{"the SAML login fails with an invalid audience", feedbackbot.IntentBugReport},
		{"the PDF shows the wrong totals", feedbackbot.IntentBugReport},
		{"the report shows duplicates", feedbackbot.IntentBugReport},
		{"THE SYNC FAILED AGAIN!!! unacceptable", feedbackbot.IntentComplaint},
		{"the export is broken again 🙄", feedbackbot.IntentComplaint},
		{"the export is broken", feedbackbot.IntentBugReport},
		// An outage is a complaint about the service, not a defect report.
		{"the dashboard is down again", feedbackbot.IntentComplaint},
		// Negative without a question is a complaint, whatever its theme.
		{"not good", feedbackbot.IntentComplaint},
		{"the onboarding call was a waste of time", feedbackbot.IntentComplaint},
		// A wish is a feature request.
		{"we'd love a way to tag reports", feedbackbot.IntentFeatureRequest},
		{"I'd love an option to pin dashboards", feedbackbot.IntentFeatureRequest},
		{"We'd Love a dark theme", feedbackbot.IntentFeatureRequest},
		// fb-6: shouting is upset, and an error pasted as code is a defect told plainly.
		{"NOTHING IS LOADING", feedbackbot.IntentComplaint},
		{"nothing is loading", feedbackbot.IntentBugReport},
		{"```\nTraceback (most recent call last):\nKeyError: 'id'\n```", feedbackbot.IntentBugReport},
		// Unchanged: plain questions and neutral statements.
		{"how do I export the audit log?", feedbackbot.IntentQuestion},
		{"we moved the meeting to Friday", feedbackbot.IntentOther},
	}
	for _, tt := range tests {
		tags := a.Analyze(tt.text)
		if tags.Intent != tt.want {
			t.Errorf("%q: %s (sentiment %.2f %s, themes %v), want %s", tt.text, tags.Intent, tags.Sentiment.Score, tags.Sentiment.Emotion, tags.Themes, tt.want)
		}
	}
}
