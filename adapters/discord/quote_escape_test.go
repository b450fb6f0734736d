package discordadapter

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestDiscordQuoteKeptAsWritten: a Discord member's text has no Slack escapes; quoted,
// it gets them (QuoteText) and Discord undoes them, so a report about "&lt;" shown
// on a page is quoted as written, not as if it said "<" (a review's find).
func TestDiscordQuoteKeptAsWritten(t *testing.T) {
	const said = "the invoice page shows &lt;b&gt; and AT&amp;T literally"
	m := feedbackbot.Message{ID: "1", Platform: feedbackbot.PlatformDiscord, Workspace: "G1", Channel: "2", Author: "3",
		Role: feedbackbot.RoleCustomer, Account: "3", Text: said, Time: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "3", Name: "Acme"}, Score: 10, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: health.ReasonChurnSignal, Text: "1 churn signal(s)", Impact: -40,
			Evidence: []feedbackbot.Evidence{{Quote: feedbackbot.QuoteText(m), Time: m.Time}}}}}
	r := Render(bot.AlertDocument(bot.AlertFor("G1", h, now)))
	var all strings.Builder
	for _, e := range r.Embeds {
		all.WriteString(e.Description)
	}
	if !strings.Contains(all.String(), said) {
		t.Errorf("the customer's words were changed:\n%s", all.String())
	}
}
