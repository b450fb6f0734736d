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

// TestMovingToTheNewThingIsNoChurn: a move to the product's own new thing ("moving
// to the new dashboard") or to a time ("moving to Tuesdays") is no churn signal, no
// cancellation and not negative, with the rules alone and on chat; a move to
// anything else still is.
func TestMovingToTheNewThingIsNoChurn(t *testing.T) {
	a := newA(t)
	for _, tt := range []struct {
		text  string
		churn bool
		// layerMood: the combination layer's own reading of the words is left out
		// (it reads "the voice hour is on Tuesdays now", no move in it, as negative
		// too); the rules' sentiment, the intent and the themes are still checked
		layerMood bool
	}{
		{"We are moving to the new dashboard next week, any tips?", false, false},
		{"we switched to your new editor yesterday", false, false},
		{"switching to the latest release tonight, anything to back up first?", false, false},
		{"we're moving to a competitor next quarter", true, false},
		{"we're switching to another tool at renewal", true, false},
		{"we're cancelling and moving to the new vendor next month", true, false},
		{"the voice hour is moving to Tuesdays", false, true},
		{"heads up, our weekly sync moved to next week", false, false},
	} {
		for _, chat := range []bool{false, true} {
			tags := a.Analyze(tt.text)
			if chat {
				tags = a.AnalyzeMessage(&feedbackbot.Message{Text: tt.text, Role: feedbackbot.RoleCustomer})
			}
			cancel := false
			for _, th := range tags.Themes {
				cancel = cancel || th == "cancellation"
			}
			churn := tags.Intent == feedbackbot.IntentChurnSignal
			if churn != tt.churn || cancel != tt.churn ||
				!tt.churn && !(chat && tt.layerMood) && tags.Sentiment.Label == feedbackbot.Negative {
				t.Errorf("%q (chat %v): intent %s, themes %v, sentiment %s %.3f; want churn %v", tt.text, chat,
					tags.Intent, tags.Themes, tags.Sentiment.Label, tags.Sentiment.Score, tt.churn)
			}
		}
	}
}
