package discordadapter

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// An alert's evidence quote is cut at 160 runes of the escaped text (health.go); a
// cut inside "&amp;" shows "AT&am…" in Discord.
func TestEvidenceCutKeepsEscapesWhole(t *testing.T) {
	said := strings.Repeat("x", 153) + " AT&T is down, we cancel" // a Discord member's words
	m := feedbackbot.Message{ID: "1", Platform: feedbackbot.PlatformDiscord, Text: said, Time: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "3", Name: "Acme"}, Score: 10, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: health.ReasonChurnSignal, Text: "1 churn signal(s)", Impact: -40,
			Evidence: []feedbackbot.Evidence{{Quote: feedbackbot.CutGraphemes(feedbackbot.QuoteText(m), 160), Time: m.Time}}}}}
	r := Render(bot.AlertDocument(bot.AlertFor("G1", h, m.Time)))
	var all strings.Builder
	for _, e := range r.Embeds {
		all.WriteString(e.Description)
	}
	if strings.Contains(all.String(), "&am") {
		t.Errorf("a cut inside an escape: %q", all.String()[strings.Index(all.String(), "AT"):][:20])
	}
}
