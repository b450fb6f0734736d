package health

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestChaserJoinsTheQuestionItChases: a customer asks, nobody answers, and hours
// later they chase top-level ("any update on this?"); staff then answer in the
// question's thread, or in the chaser's. The chaser is part of the question's
// conversation, so nothing waits (the chaser waited on as a conversation of its
// own, a question "still waiting" in health and the digest after the answer). The
// wait is counted from the question, and a message with something new to ask, or a
// chaser after staff replied, still waits.
func TestChaserJoinsTheQuestionItChases(t *testing.T) {
	const q = "How do I rotate an API key?"
	ask := cust("q.1", "", 20*time.Hour, feedbackbot.IntentQuestion, q)
	chaser := cust("q.2", "", 14*time.Hour, feedbackbot.IntentQuestion, "Hi team, any update on this? :pray:")
	nothingWaits(t, wbuild(ask, chaser, staff("s.1", "q.1", 13*time.Hour, "Settings > API > Rotate.")), 24*time.Hour,
		"staff answered the question in its thread after the chaser")
	nothingWaits(t, wbuild(ask, chaser, staff("s.1", "q.2", 13*time.Hour, "Settings > API > Rotate.")), 24*time.Hour,
		"staff answered in the chaser's thread")

	for _, c := range []struct {
		name  string
		items []Item
		want  []string
	}{
		{"a new question hours later", wbuild(ask, cust("q.2", "", 14*time.Hour, feedbackbot.IntentQuestion, "Is there a way to export audit logs?"),
			staff("s.1", "q.1", 13*time.Hour, "Settings > API > Rotate.")), []string{"Is there a way to export audit logs?"}},
		{"a chaser after a holding reply", wbuild(ask, staff("s.1", "q.1", 19*time.Hour, "Looking into it."),
			cust("q.2", "", 14*time.Hour, feedbackbot.IntentQuestion, "any update?")), []string{"any update?"}},
		{"a chaser nobody answered", wbuild(ask, chaser), []string{chaser.text}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ResponseTimes(c.items, Params{}, now.Add(-24*time.Hour), now)
			got := waitingTexts(r, "a1")
			if len(got) != len(c.want) || len(got) > 0 && got[0] != c.want[0] {
				t.Errorf("waiting %q, want %q", got, c.want)
			}
		})
	}
	// Waiting since the question, 20 hours, not since the chaser.
	h := Assess(feedbackbot.Account{ID: "a1"}, wbuild(ask, chaser), Baseline{}, now, Params{})
	if text := unansweredText(h); text == "" || !strings.Contains(text, "20 hours") {
		t.Errorf("unanswered: %q; want the wait from the question, 20 hours", text)
	}
}

func TestChases(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"any update?", true},
		{"Any updates on this? <@U123>", true},
		{"Hi team, any news on the export issue?", true},
		{"Following up on my question from Tuesday", true},
		{"bump", true},
		{"hello??", true},
		{"anyone there?", true},
		{"We’re still waiting on a reply :angry:", true},
		{"hello, how do I reset my password?", false},
		{"Is there a way to export audit logs?", false},
		{"following up on our call: we want to add twenty seats, how do we do that?", false},
		{"the update broke our SSO login", false},
		{"", false},
	} {
		if got := chases(c.text); got != c.want {
			t.Errorf("chases(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
