package discordadapter

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name string, r Rendered) {
	t.Helper()
	got, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./adapters/discord -run Golden -update)", err)
	}
	if string(want) != string(got) {
		t.Fatalf("%s differs from the golden file (-update to accept):\n%s", path, got)
	}
}

// TestDigestEmbedsGolden renders the bot's weekly digest, chart attached, as embeds.
func TestDigestEmbedsGolden(t *testing.T) {
	idx, prev := -0.08, 0.14
	from := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	d := feedbackbot.Digest{Workspace: guild, From: from, To: from.AddDate(0, 0, 7), GeneratedAt: from.AddDate(0, 0, 7),
		Messages: 212, CustomerMessages: 160, StaffMessages: 52, PrevCustomerMessages: 131, Positive: 41, Neutral: 77, Negative: 42,
		SentimentIndex: &idx, PrevSentimentIndex: &prev, NeedsReply: 9,
		Themes: []feedbackbot.ThemeStat{{Name: "export", Count: 31, Prev: 6, Negative: 22}, {Name: "pricing", Count: 12, Prev: 10, Negative: 7}},
		Complaints: []feedbackbot.Quote{{Account: "Acme Corp", Author: "Bob (Acme)", Text: "Same here, our whole finance team is blocked @everyone",
			Time: from.AddDate(0, 0, 1), Permalink: "https://discord.com/channels/1/2/3"}},
		Praise: []feedbackbot.Quote{{Account: "carol", Author: "Carol", Text: "the new onboarding flow is great", Time: from.AddDate(0, 0, 2)}},
		AtRisk: []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp", Value: 24000}, Score: 31, AtRisk: true,
			Reasons: []feedbackbot.Reason{{Code: health.ReasonChurnSignal, Text: "1 churn signal(s)", Impact: -30}}}},
	}
	golden(t, "digest_embeds.json", Render(bot.DigestDocument(d, []byte("\x89PNG fake chart"))))
}

// TestAlertEmbedGolden renders an at-risk alert with its buttons.
func TestAlertEmbedGolden(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp", Tier: "pro", Value: 24000}, Score: 18, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: health.ReasonChurnSignal, Text: "1 churn signal(s): cancellation, downgrade, switching vendor or data export", Impact: -30,
			Evidence: []feedbackbot.Evidence{{MessageKey: "discord/1/2", Quote: "We are evaluating alternatives because of the pricing change",
				Time: now.Add(-36 * time.Hour), Permalink: "https://discord.com/channels/1/2/3"}}}}}
	golden(t, "alert_embed.json", Render(bot.AlertDocument(bot.AlertFor(guild, h, now))))
}
