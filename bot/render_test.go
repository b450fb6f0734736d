package bot_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test ./bot -run %s -update to accept):\n--- got\n%s\n--- want\n%s", name, t.Name(), got, want)
	}
}

func f(x float64) *float64 { return &x }

func sampleDigest() feedbackbot.Digest {
	from := time.Date(2026, 11, 15, 9, 0, 0, 0, time.UTC)
	d := feedbackbot.Digest{
		Workspace: "T1", From: from, To: from.Add(7 * 24 * time.Hour), GeneratedAt: from.Add(7 * 24 * time.Hour),
		Messages: 58, CustomerMessages: 38, StaffMessages: 20, PrevCustomerMessages: 30,
		Positive: 16, Neutral: 13, Negative: 9, SentimentIndex: f(0.11), PrevSentimentIndex: f(0.18), NeedsReply: 21,
		Themes:   []feedbackbot.ThemeStat{{Name: "access", Count: 3, Prev: 1, Negative: 3, Index: f(-0.5)}, {Name: "cancellation", Count: 3, Negative: 2, Index: f(-0.3)}, {Name: "bug", Count: 1, Prev: 4, Index: f(-0.2)}},
		Accounts: []feedbackbot.GroupStat{{ID: "acme", Name: "Acme Logistics", Count: 3, Negative: 3, Index: f(-0.51)}},
		Complaints: []feedbackbot.Quote{{MessageKey: "slack/T1/C1:1", Account: "Acme Logistics", Author: "dana.k", Text: "Great, the export failed again last night 🙄",
			Score: -0.8, Time: from.Add(6 * 24 * time.Hour), Permalink: "https://x.slack.com/archives/C1/p1"}},
		Praise: []feedbackbot.Quote{{MessageKey: "slack/T1/C2:1", Account: "Kestrel Health", Author: "jade.w", Text: "works like a charm, thank you so much", Score: 0.7, Time: from.Add(24 * time.Hour)}},
		AtRisk: []feedbackbot.Health{{Account: feedbackbot.Account{ID: "gridline", Name: "Gridline Energy", Value: 80000}, Score: 0,
			AtRisk: true, Reasons: []feedbackbot.Reason{{Code: health.ReasonChurnSignal, Text: "3 churn signal(s)", Impact: -40}}}},
	}
	for i := range 7 {
		d.Series = append(d.Series, feedbackbot.SeriesPoint{Start: from.AddDate(0, 0, i), Customer: int64(3 + i), Negative: int64(i % 3), Index: f(0.3 - 0.05*float64(i))})
	}
	return d
}

func TestDigestRenderingGolden(t *testing.T) {
	golden(t, "digest.txt", bot.RenderText(bot.DigestDocument(sampleDigest(), nil)))
}

func TestAlertRenderingGolden(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "gridline", Name: "Gridline Energy", Tier: "enterprise", Owner: "tom.cs", Value: 80000}, Score: 12, AtRisk: true,
		Reasons: []feedbackbot.Reason{
			{Code: health.ReasonChurnSignal, Text: "2 churn signal(s): cancellation, downgrade, switching vendor or data export", Impact: -32.5,
				Evidence: []feedbackbot.Evidence{{MessageKey: "k1", Quote: "we're evaluating other vendors before the renewal", Time: now.Add(-48 * time.Hour), Permalink: "https://x.slack.com/archives/C1/p2"}}},
			{Code: health.ReasonSentimentDrop, Text: "Sentiment fell from +0.10 to -0.34", Impact: -22, Evidence: []feedbackbot.Evidence{{Figure: "baseline +0.10 over 4 messages, recent -0.34 over 5"}}},
		}}
	golden(t, "alert.txt", bot.RenderText(bot.AlertDocument(bot.AlertFor("T1", h, now))))
}

func TestEmptyDigestSaysSo(t *testing.T) {
	d := feedbackbot.Digest{From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
	doc := bot.DigestDocument(d, nil)
	if !containsText(doc, "No messages were captured") {
		t.Fatalf("an empty period must say so: %+v", doc)
	}
}

func TestChartIsPNG(t *testing.T) {
	png, err := bot.DigestChart(sampleDigest())
	if err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Fatalf("not a PNG (%d bytes)", len(png))
	}
	empty, err := bot.DigestChart(feedbackbot.Digest{})
	if err != nil || string(empty[1:4]) != "PNG" {
		t.Fatalf("an empty digest still charts: %v", err)
	}
}

// TestNamesCannotPing: names are the customer's to choose (a Slack Connect account is
// named after the customer's team, a person by their display name), and in a
// document's Slack markup "<!channel>" would ping the whole internal channel a
// digest or alert is posted to. Every name is escaped where the markup is parsed,
// and the terminal shows it as written.
func TestNamesCannotPing(t *testing.T) {
	const name = "<!channel> & <@U1> <https://evil.example|Acme>"
	d := sampleDigest()
	d.Accounts[0].Name = name
	d.Complaints[0].Account, d.Complaints[0].Author = name, "<!here>"
	d.AtRisk[0].Account.Name = name
	d.Segments = []feedbackbot.Segment{{Name: "<!everyone>", Accounts: []string{name}}, {Name: "quiet", Accounts: []string{"x"}}}
	d.Emerging = []feedbackbot.EmergingTheme{{Phrases: []string{"sso"}, Size: 4, Quote: feedbackbot.Quote{Account: name, Text: "sso again"}}}
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "x", Name: name}, Score: 10, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: health.ReasonChurnSignal, Text: "2 churn signal(s)", Impact: -40}}}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, doc := range []feedbackbot.Document{bot.DigestDocument(d, nil), bot.AlertDocument(bot.AlertFor("T1", h, now))} {
		texts := []string{doc.Fallback}
		for _, b := range doc.Blocks {
			texts = append(texts, b.Text)
			for _, f := range b.Fields {
				texts = append(texts, f.Label, f.Value)
			}
		}
		for _, s := range texts {
			for _, raw := range []string{"<!channel>", "<@U1>", "<!here>", "<!everyone>", "<https://evil"} {
				if strings.Contains(s, raw) {
					t.Errorf("a name reached the document's markup unescaped (%s): %q", raw, s)
				}
			}
		}
		if !strings.Contains(bot.RenderText(doc), name) {
			t.Errorf("the terminal does not show the name as written:\n%s", bot.RenderText(doc))
		}
	}
}

// TestDigestSaysHowManyMoreThemesAndAccounts: the digest lists TopThemes themes
// (as its chart does) and TopAccounts accounts, and says how many more there are
// rather than dropping those tied with the last listed unsaid (a new user's review).
func TestDigestSaysHowManyMoreThemesAndAccounts(t *testing.T) {
	d := feedbackbot.Digest{Messages: 40, CustomerMessages: 40}
	for i := range bot.TopThemes + 3 {
		d.Themes = append(d.Themes, feedbackbot.ThemeStat{Name: fmt.Sprintf("theme%d", i), Count: 2})
	}
	d.Themes = append(d.Themes, feedbackbot.ThemeStat{Name: "gone", Prev: 4}) // none this period: not one more
	for i := range bot.TopAccounts + 1 {
		d.Accounts = append(d.Accounts, feedbackbot.GroupStat{ID: fmt.Sprintf("a%d", i), Count: 3})
	}
	text := docText(bot.DigestDocument(d, nil))
	for _, want := range []string{"• and 3 more themes", "• and 1 more account\n"} {
		if !strings.Contains(text+"\n", want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, fmt.Sprintf("theme%d:", bot.TopThemes)) || !strings.Contains(text, fmt.Sprintf("theme%d:", bot.TopThemes-1)) {
		t.Errorf("want the first %d themes listed:\n%s", bot.TopThemes, text)
	}
}

// TestDigestFooterInOneZone: the footer gives the period and the moment the
// digest was made in the digest's zone ("… (America/New_York) … Generated
// 2026-11-22 04:00 EST", not 09:00 UTC beside New York's hours: a new user's review).
func TestDigestFooterInOneZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	to := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	d := feedbackbot.Digest{Messages: 1, CustomerMessages: 1, From: to.Add(-7 * 24 * time.Hour).In(ny), To: to.In(ny), GeneratedAt: to}
	text := docText(bot.DigestDocument(d, nil))
	if !strings.Contains(text, "to 2026-11-22 04:00 (America/New_York)") || !strings.Contains(text, "Generated 2026-11-22 04:00 EST") {
		t.Errorf("footer:\n%s", text)
	}
}
