package bot_test

import (
	"context"
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

// TestDigestCountsOneInTheSingular: a digest of one account at risk, one customer
// message, one message of an account said "1 accounts at risk", "1 customer
// messages", "acme: 1 messages" and "1 messages from …" (a review's find); more
// than one stays plural.
func TestDigestCountsOneInTheSingular(t *testing.T) {
	to := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	risk := func(n int) []feedbackbot.Health {
		var hs []feedbackbot.Health
		for i := range n {
			hs = append(hs, feedbackbot.Health{Account: feedbackbot.Account{ID: fmt.Sprintf("acct%d", i)}, Score: 30, AtRisk: true})
		}
		return hs
	}
	for _, tc := range []struct {
		name     string
		d        feedbackbot.Digest
		want     []string
		wantNone []string
	}{
		{"one at risk, no messages", feedbackbot.Digest{AtRisk: risk(1)},
			[]string{"no messages in this period, 1 account at risk."}, []string{"1 accounts"}},
		{"two at risk, no messages", feedbackbot.Digest{AtRisk: risk(2)},
			[]string{"no messages in this period, 2 accounts at risk."}, nil},
		{"one of each", feedbackbot.Digest{AtRisk: risk(1), Messages: 1, CustomerMessages: 1, Neutral: 1,
			Accounts: []feedbackbot.GroupStat{{ID: "acme", Count: 1}}},
			[]string{": 1 customer message, sentiment n/a, 1 account at risk.", "acme: 1 message, sentiment", "\n1 message from 2026-11-01 09:00"},
			[]string{"1 accounts", "1 messages", "1 customer messages"}},
		{"two of each", feedbackbot.Digest{AtRisk: risk(2), Messages: 2, CustomerMessages: 2, Neutral: 2,
			Accounts: []feedbackbot.GroupStat{{ID: "acme", Count: 2}}},
			[]string{": 2 customer messages, sentiment n/a, 2 accounts at risk.", "acme: 2 messages, sentiment", "\n2 messages from 2026-11-01 09:00"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.From, tc.d.To, tc.d.GeneratedAt = to.Add(-24*time.Hour), to, to
			txt := docText(bot.DigestDocument(tc.d, nil))
			for _, w := range tc.want {
				if !strings.Contains(txt, w) {
					t.Errorf("lacks %q:\n%s", w, txt)
				}
			}
			for _, bad := range tc.wantNone {
				if strings.Contains(txt, bad) {
					t.Errorf("says %q:\n%s", bad, txt)
				}
			}
		})
	}
}

// TestDigestPeriodInLocalDays: the footer gives a period whose ends are at the
// same time of day in the digest's zone in calendar days: a Berlin week over a
// clock change (169 or 167 hours) "compared with the 7 days before", not "the 169
// hours before" (a review's find); a day over one (25 hours) is a day. Other
// periods stay in hours.
func TestDigestPeriodInLocalDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	at := func(loc *time.Location, day, hour int) time.Time { return time.Date(2026, 10, day, hour, 0, 0, 0, loc) }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"autumn week, 169 hours", at(berlin, 19, 9), at(berlin, 26, 9), "compared with the 7 days before"},
		{"spring week, 167 hours", time.Date(2026, 3, 23, 9, 0, 0, 0, berlin), time.Date(2026, 3, 30, 9, 0, 0, 0, berlin), "compared with the 7 days before"},
		{"autumn day, 25 hours", at(berlin, 24, 9), at(berlin, 25, 9), "compared with the day before"},
		{"week in UTC", at(time.UTC, 19, 9), at(time.UTC, 26, 9), "compared with the 7 days before"},
		{"day and an hour", at(berlin, 19, 9), at(berlin, 20, 10), "compared with the 25 hours before"},
		{"36 hours", at(time.UTC, 19, 9), at(time.UTC, 20, 21), "compared with the 36 hours before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txt := docText(bot.DigestDocument(feedbackbot.Digest{From: tc.from, To: tc.to, GeneratedAt: tc.to, Messages: 3, CustomerMessages: 3, Neutral: 3, PrevCustomerMessages: 2}, nil))
			if !strings.Contains(txt, tc.want) {
				t.Errorf("%s .. %s (%s): want %q:\n%s", tc.from, tc.to, tc.to.Sub(tc.from), tc.want, txt[strings.LastIndex(txt, "\n")+1:])
			}
		})
	}
}

// TestDigestWithNothingBeforeIsNotCompared: a digest whose period before held no
// customer message (the store began in this period) marks no count "(new)" and no
// theme a mover, and its footer says why it compares nothing; one with messages
// before compares as ever (a new user's review: a 28-day digest of the demo
// listed "Biggest movers: integration +16, bug +12, billing +11" and every theme
// "(new)", "compared with the 28 days before").
func TestDigestWithNothingBeforeIsNotCompared(t *testing.T) {
	to := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	themes := []feedbackbot.ThemeStat{{Name: "integration", Count: 16}, {Name: "bug", Count: 12}}
	for _, tc := range []struct {
		name     string
		prev     int64
		want     []string
		wantNone []string
	}{
		{"nothing before", 0, []string{"not compared: the 28 days before held no customer message", "• integration: 16\n"}, []string{"(new)", "Biggest movers", "compared with"}},
		{"messages before", 5, []string{"compared with the 28 days before", "(▲ 520%)", "Biggest movers:* integration +16, bug +12"}, []string{"not compared"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txt := docText(bot.DigestDocument(feedbackbot.Digest{From: to.Add(-28 * 24 * time.Hour), To: to, GeneratedAt: to, Messages: 31, CustomerMessages: 31, Negative: 31,
				PrevCustomerMessages: tc.prev, Themes: themes}, nil))
			for _, w := range tc.want {
				if !strings.Contains(txt, w) {
					t.Errorf("want %q in:\n%s", w, txt)
				}
			}
			for _, w := range tc.wantNone {
				if strings.Contains(txt, w) {
					t.Errorf("want no %q in:\n%s", w, txt)
				}
			}
		})
	}
}

// TestQuoteSaysWhoWroteIt: a quote gives its account and author, the author alone
// for a customer of no account (it read "—  (X0)", a review's find), the account
// alone when the author is the account, and the date alone when neither is known.
func TestQuoteSaysWhoWroteIt(t *testing.T) {
	to := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, account, author, want, emerging string
	}{
		{"account and author", "Acme", "dana.k", "> “the export failed” — Acme (dana.k), Nov 1", "e.g. “the export failed” (Acme (dana.k))\n"},
		{"no account", "", "X0", "> “the export failed” — X0, Nov 1", "e.g. “the export failed” (X0)\n"},
		{"the author is the account", "jo", "jo", "> “the export failed” — jo, Nov 1", "e.g. “the export failed” (jo)\n"},
		{"neither", "", "", "> “the export failed” — Nov 1", "e.g. “the export failed”\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := feedbackbot.Quote{Account: tc.account, Author: tc.author, Text: "the export failed", Time: to.Add(-12 * time.Hour)}
			d := feedbackbot.Digest{From: to.Add(-24 * time.Hour), To: to, GeneratedAt: to, Messages: 1, CustomerMessages: 1, Negative: 1,
				Complaints: []feedbackbot.Quote{q}, Responses: &feedbackbot.ResponseSummary{Conversations: 1, WaitingCount: 1, Waiting: []feedbackbot.Quote{q}},
				Emerging: []feedbackbot.EmergingTheme{{Phrases: []string{"export"}, Size: 3, Quote: q}}}
			txt := docText(bot.DigestDocument(d, nil))
			if n := strings.Count(txt, tc.want+"\n"); n != 2 { // the complaint and the waiting question
				t.Errorf("want %q twice, found %d times:\n%s", tc.want, n, txt)
			}
			if !strings.Contains(txt, tc.emerging) {
				t.Errorf("the emerging theme's quote: want %q in\n%s", tc.emerging, txt)
			}
		})
	}
}

// TestComplaintConcentrationIsOfTheAccountsNegatives: the share of negative
// messages from the three accounts with the most is said only when the accounts'
// customers wrote at least three negative messages: four accounts that wrote
// kindly while three customers of no account complained read "0% of the accounts'
// negative messages come from 3 of them" (a review's find). The complaints of no
// account are quoted with their authors.
func TestComplaintConcentrationIsOfTheAccountsNegatives(t *testing.T) {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	const kind, angry = "thanks, the new dashboard is great!", "the export is broken since the release, this is terrible and we are furious"
	msg := func(id, author, account, text string, ago int) feedbackbot.Message {
		return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: author,
			Role: feedbackbot.RoleCustomer, Account: account, Text: text, Time: now.Add(-time.Duration(ago) * time.Hour)}
	}
	for _, tc := range []struct {
		name       string
		angryOf    []string // the accounts of three angry customers ("" none)
		wantShare  string   // the line, "" for none
		wantQuoted string
	}{
		{"the negatives are of no account", []string{"", "", ""}, "", "— X0, Nov 2"},
		{"the negatives are the accounts'", []string{"A0", "A1", "A2"}, "100% of the accounts' negative messages come from 3 of them", "— A0 (X0), Nov 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := backends(t)["bolt"](t)
			var msgs []feedbackbot.Message
			for i := range 4 {
				msgs = append(msgs, msg(fmt.Sprintf("C1:p%d", i), fmt.Sprintf("U%d", i), fmt.Sprintf("A%d", i), kind, i+1))
			}
			for i, acct := range tc.angryOf {
				msgs = append(msgs, msg(fmt.Sprintf("C1:n%d", i), fmt.Sprintf("X%d", i), acct, angry, i+1))
			}
			captured(t, st, msgs...)
			d, err := bot.BuildDigest(context.Background(), st, bot.DigestRequest{Workspace: "T1", From: now.Add(-24 * time.Hour), To: now, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if d.Negative != 3 || d.ComplaintAccounts != 4 {
				t.Fatalf("set-up: %d negative, %d accounts", d.Negative, d.ComplaintAccounts)
			}
			txt := docText(bot.DigestDocument(d, nil))
			if got := strings.Contains(txt, "negative messages come from 3 of them"); got != (tc.wantShare != "") || !strings.Contains(txt, tc.wantShare) {
				t.Errorf("want the concentration line %q (none when empty):\n%s", tc.wantShare, txt)
			}
			if !strings.Contains(txt, tc.wantQuoted) {
				t.Errorf("lacks the complaint quoted %q:\n%s", tc.wantQuoted, txt)
			}
		})
	}
}

// TestNearZeroFiguresHaveNoNegativeSign: figures that round to zero are "+0.00"
// (or "+0"), and the change beside the index is worked out from the figures
// shown: a neutral week read "-0.00 (▼ 0.01)" beside a previous "+0.00" (a
// review's find).
func TestNearZeroFiguresHaveNoNegativeSign(t *testing.T) {
	cur, prev, acct, nps := -0.004, 0.003, -0.002, -0.4
	d := feedbackbot.Digest{Workspace: "T1", From: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Messages: 1000, CustomerMessages: 1000, PrevCustomerMessages: 900, SentimentIndex: &cur, PrevSentimentIndex: &prev,
		Accounts: []feedbackbot.GroupStat{{ID: "acme", Name: "Acme", Count: 1000, Index: &acct}},
		NPS:      &nps, NPSAnswers: 30}
	doc := bot.DigestDocument(d, nil)
	all := doc.Fallback
	for _, b := range doc.Blocks {
		all += "\n" + b.Text
		for _, f := range b.Fields {
			all += "\n" + f.Label + ": " + f.Value
		}
	}
	for _, bad := range []string{"-0.00", "-0\n", "-0 ", "▼ 0.01", "▲ 0.01"} {
		if strings.Contains(all, bad) {
			t.Errorf("%q in the digest:\n%s", bad, all)
		}
	}
	for _, want := range []string{"sentiment +0.00 (= previous)", "Acme: 1000 messages, sentiment +0.00"} {
		if !strings.Contains(all, want) {
			t.Errorf("%q not in the digest:\n%s", want, all)
		}
	}
}

// TestNoArrowBesideZeroPercent: a change is rounded before it is told, so an
// arrow never stands beside "0%" (exactly half a percent read "(▲ 0%)": a
// review's find): half a percent is 1%, less is "(= previous)".
func TestNoArrowBesideZeroPercent(t *testing.T) {
	for _, c := range []struct {
		cur, prev int64
		want      string
	}{{201, 200, "(▲ 1%)"}, {199, 200, "(▼ 1%)"}, {1005, 1000, "(▲ 1%)"}, {2001, 2000, "(= previous)"}} {
		d := feedbackbot.Digest{Workspace: "T1", From: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
			Messages: c.cur, CustomerMessages: c.cur, PrevCustomerMessages: c.prev}
		got := bot.RenderText(bot.DigestDocument(d, nil))
		if strings.Contains(got, " 0%)") || !strings.Contains(got, c.want) {
			t.Errorf("%d against %d, want %s:\n%s", c.cur, c.prev, c.want, got)
		}
	}
}
