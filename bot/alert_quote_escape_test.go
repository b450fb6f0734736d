package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestStoredAlertQuotesRenderAsText: an alert saved before quotes were made safe
// across line breaks may hold a Slack mention split over two lines; rendered
// again (an edit, a re-render after erasure), its quote is escaped as it is
// rendered, so the joined text pings no one, and a link to a stored permalink that
// could end the link early shows as text.
func TestStoredAlertQuotesRenderAsText(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ name, quote, permalink string }{
		{"split mention", "this is broken <!channel|\nheads up>", "https://acme.slack.com/archives/C1/p1"},
		{"bare mention", "ping <!here> now", "https://acme.slack.com/archives/C1/p2"},
		{"hostile permalink", "plain words", "https://acme.slack.com/archives/C|x><!channel>/p3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "Acme"}, Score: 20, AtRisk: true,
				Reasons: []feedbackbot.Reason{{Code: "sentiment_low", Text: "Customer sentiment is low", Impact: -30,
					Evidence: []feedbackbot.Evidence{{Quote: tc.quote, Time: now.Add(-time.Hour), Permalink: tc.permalink}}}}}
			doc := bot.AlertDocument(bot.AlertFor("TE", h, now))
			for _, b := range doc.Blocks {
				joined := strings.ReplaceAll(b.Text, "\n", " ")
				for _, live := range []string{"<!channel", "<!here"} {
					if strings.Contains(joined, live) {
						t.Errorf("block renders a live %s…: %q", live, b.Text)
					}
				}
			}
		})
	}
}
