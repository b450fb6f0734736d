package bot_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// fb8Analyzer tags as the analyzer does, named as engine fb-8, whose messages'
// emotions the rollups do not count (it tagged them but did not count them).
type fb8Analyzer struct{ bot.Analyzer }

func (a fb8Analyzer) AnalyzeMessage(m *feedbackbot.Message) feedbackbot.Tags {
	t := a.Analyzer.AnalyzeMessage(m)
	t.Analyzer = "fb-8" + strings.TrimPrefix(t.Analyzer, analysis.EngineVersion)
	return t
}

// TestDigestCountsEmotions: the digest counts the period's customer messages by the
// emotion analysis tagged (staff messages not), compares them with the previous
// period's, and renders them. When the previous period was counted, wholly or in
// part, before emotions were (engine fb-8), it shows the counts without a
// comparison (every emotion "new", or up by the part counted since, otherwise);
// when this period was, its shares are of the messages counted, it says so, and
// it is not compared either (its counts would all look down).
func TestDigestCountsEmotions(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	msg := func(i int, at time.Time, role feedbackbot.Role, text string) feedbackbot.Message {
		return feedbackbot.Message{ID: fmt.Sprintf("C1:%d.%06d", at.Unix(), i), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C1", Author: fmt.Sprintf("U%d", i), Role: role, Account: "acme", Text: text, Time: at}
	}
	texts := []string{"thank you so much, this is wonderful", "thanks a lot for the quick fix, really appreciate it",
		"still waiting on a reply, this is so frustrating", "I am confused, how do I set up the SSO connector?",
		"the dashboard loads in two seconds"}
	var period, prev []feedbackbot.Message
	for i, text := range texts {
		period = append(period, msg(i, end.Add(-time.Duration(i+1)*time.Hour), feedbackbot.RoleCustomer, text))
	}
	staff := msg(9, end.Add(-10*time.Hour), feedbackbot.RoleStaff, "thank you so much, this is wonderful")
	for i, text := range texts[1:3] {
		prev = append(prev, msg(20+i, end.Add(-week-time.Duration(i+1)*time.Hour), feedbackbot.RoleCustomer, text))
	}
	// What analysis tags them with, counted as the digest should.
	a := analyzer(t)
	count := func(msgs []feedbackbot.Message) map[string]int64 {
		c := map[string]int64{}
		for _, m := range msgs {
			if e := a.AnalyzeMessage(&m).Sentiment.Emotion; e != "" {
				c[string(e)]++
			}
		}
		return c
	}
	if len(count(period)) < 3 || len(count(prev)) < 2 {
		t.Fatalf("the sample should express several emotions: %v, before %v", count(period), count(prev))
	}
	old := fb8Analyzer{a}
	for _, tc := range []struct {
		name           string
		prevBy, curBy  []bot.Analyzer // each message's analyzer, by position (the last for the rest)
		counted        int            // of this period's five customer messages
		compared       bool
		wantNow, wantP map[string]int64
	}{
		{"all by fb-9", []bot.Analyzer{a}, []bot.Analyzer{a}, 5, true, count(period), count(prev)},
		{"the previous period by fb-8", []bot.Analyzer{old}, []bot.Analyzer{a}, 5, false, count(period), count(nil)},
		{"the previous period half by fb-8", []bot.Analyzer{old, a}, []bot.Analyzer{a}, 5, false, count(period), count(prev[1:])},
		{"this period partly by fb-8", []bot.Analyzer{a}, []bot.Analyzer{old, old, a}, 3, false, count(period[2:]), count(prev)},
	} {
		for name, open := range backends(t) {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				st := open(t)
				by := func(as []bot.Analyzer, i int) bot.Analyzer { return as[min(i, len(as)-1)] }
				for i, m := range prev {
					ingest(t, st, by(tc.prevBy, i), m)
				}
				for i, m := range period {
					ingest(t, st, by(tc.curBy, i), m)
				}
				captured(t, st, staff)
				d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TE", From: end.Add(-week), To: end, Now: end,
					Themes: []string{"support"}})
				if err != nil {
					t.Fatal(err)
				}
				got, gotPrev := map[string]int64{}, map[string]int64{}
				for _, e := range d.Emotions {
					if e.Count > 0 {
						got[e.Name] = e.Count
					}
					if e.Prev > 0 {
						gotPrev[e.Name] = e.Prev
					}
				}
				if !reflect.DeepEqual(got, tc.wantNow) || !reflect.DeepEqual(gotPrev, tc.wantP) || d.EmotionsCompared != tc.compared ||
					d.EmotionsCounted != int64(tc.counted) {
					t.Errorf("emotions %v, before %v, compared %v, counted %d; want %v, %v, %v, %d",
						got, gotPrev, d.EmotionsCompared, d.EmotionsCounted, tc.wantNow, tc.wantP, tc.compared, tc.counted)
				}
				felt := ""
				for _, b := range bot.DigestDocument(d, nil).Blocks {
					if strings.HasPrefix(b.Text, "*How customers felt*") {
						felt = b.Text
					}
				}
				frustration := tc.wantNow["frustration"]
				want := fmt.Sprintf("frustration: %d (%d%%)", frustration, frustration*100/int64(tc.counted))
				if !strings.Contains(felt, want) || tc.compared != strings.Contains(felt, "%) (") ||
					(tc.counted < len(texts)) != strings.Contains(felt, fmt.Sprintf("the %d of %d customer messages", tc.counted, len(texts))) {
					t.Errorf("the digest says %q; want %q, compared with the week before: %v, counted %d", felt, want, tc.compared, tc.counted)
				}
			})
		}
	}
}

// TestAccountSaysHowTheyFelt: /feedback account says how the account's customers
// felt over the recent window, from what analysis tagged their messages with.
func TestAccountSaysHowTheyFelt(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	texts := []string{"thank you so much, this is wonderful", "thanks a lot for the quick fix, really appreciate it",
		"still waiting on a reply, this is so frustrating", "the dashboard loads in two seconds"}
	var msgs []feedbackbot.Message
	for i, text := range texts {
		at := now.Add(-time.Duration(i+1) * 24 * time.Hour)
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d.%06d", at.Unix(), i), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C1", Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: text, Time: at})
	}
	a := analyzer(t)
	n := map[feedbackbot.Emotion]int{}
	for _, m := range msgs {
		n[a.AnalyzeMessage(&m).Sentiment.Emotion]++
	}
	if n[feedbackbot.EmotionGratitude] != 2 || n[feedbackbot.EmotionFrustration] != 1 {
		t.Fatalf("the sample's emotions: %v", n)
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
			doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "TE", User: "U9", Staff: true, Text: "account acme"})
			if err != nil {
				t.Fatal(err)
			}
			if want := "*How they felt* over the last 14 days: frustration 1, gratitude 2, of 4 customer messages"; !containsText(doc, want) {
				t.Errorf("the account reply does not say %q: %+v", want, doc.Blocks)
			}
		})
	}
}

// TestAccountSaysWhereItsAlertStands: /feedback account tells when the customer
// last wrote and where the account's alert stands: open and not acknowledged,
// then acknowledged by whom, snoozed until when, and, once closed, how its last
// alert ended (recovered, with the health then, or closed with nothing new since).
func TestAccountSaysWhereItsAlertStands(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	wrote := now.Add(-26 * time.Hour)
	msg := feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "TE", Channel: "C1", Author: "U1",
		Role: feedbackbot.RoleCustomer, Account: "acme", Text: "we are evaluating other vendors after this outage", Time: wrote}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			captured(t, st, msg)
			account := func(at time.Time) feedbackbot.Document {
				t.Helper()
				b := &bot.Bot{Store: st, Now: func() time.Time { return at }}
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "TE", User: "U9", Staff: true, Text: "account acme"})
				if err != nil {
					t.Fatal(err)
				}
				return doc
			}
			want := func(doc feedbackbot.Document, text string) {
				t.Helper()
				if !containsText(doc, text) {
					t.Errorf("the account reply does not say %q: %+v", text, doc.Blocks)
				}
			}
			doc := account(now)
			if len(doc.Blocks) > 0 && containsText(doc, "*Alert*") {
				t.Errorf("an account with no alert has an alert line: %+v", doc.Blocks)
			}
			found := false
			for _, b := range doc.Blocks {
				for _, f := range b.Fields {
					found = found || f.Label == "Last heard from" && f.Value == "Nov 21 07:00 UTC (26 hours ago)"
				}
			}
			if !found {
				t.Errorf("no 'Last heard from: Nov 21 07:00 UTC (26 hours ago)' field: %+v", doc.Blocks)
			}
			al, _ := recordingAlerter(st)
			raised := now.Add(-2 * time.Hour)
			if out, err := al.Evaluate(ctx, "TE", []feedbackbot.Health{atRisk("acme", 30, health.ReasonChurnSignal, "k1")}, raised); err != nil || out.Raised != 1 {
				t.Fatalf("raise: %+v, %v", out, err)
			}
			want(account(now), "*Alert* Critical, open since Nov 22 07:00 UTC (2 hours), raised at health 30: *not acknowledged*.")
			var fp string
			docs, err := st.ListDocs(ctx, "TE", bot.DocAlert)
			if err != nil {
				t.Fatal(err)
			}
			for id := range docs {
				fp = id
			}
			press := func(at time.Time, action string) {
				t.Helper()
				b := &bot.Bot{Store: st, Now: func() time.Time { return at }}
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "TE", User: "UM", UserName: "maria", Staff: true, Button: true, Text: action + " " + fp}); err != nil {
					t.Fatal(err)
				}
			}
			press(now.Add(-time.Hour), "alert.ack")
			want(account(now), "*Alert* Critical, open since Nov 22 07:00 UTC (2 hours), raised at health 30: acknowledged by maria on Nov 22 08:00 UTC.")
			press(now.Add(-30*time.Minute), "alert.snooze")
			want(account(now), "*Alert* Critical, open since Nov 22 07:00 UTC (2 hours), raised at health 30: snoozed by maria until Nov 29 08:30 UTC.")
			// Closed: the customer wrote since, and it is no longer at risk.
			healthy := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme"}, Score: 75, RecentMessages: 1, LastCustomerAt: now}
			if out, err := al.Evaluate(ctx, "TE", []feedbackbot.Health{healthy}, now.Add(time.Hour)); err != nil || out.Resolved != 1 {
				t.Fatalf("recover: %+v, %v", out, err)
			}
			want(account(now.Add(2*time.Hour)), "*Alert* The last one, raised Nov 22 07:00 UTC, recovered Nov 22 10:00 UTC, 3.0 h later (health 30 → 75).")
			// Raised again, and closed with nothing from its customers lately.
			again := now.Add(5 * time.Hour)
			if out, err := al.Evaluate(ctx, "TE", []feedbackbot.Health{atRisk("acme", 30, health.ReasonChurnSignal, "k1")}, again); err != nil || out.Raised != 1 {
				t.Fatalf("raise again: %+v, %v", out, err)
			}
			quiet := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme"}, Score: 90}
			if out, err := al.Evaluate(ctx, "TE", []feedbackbot.Health{quiet}, again.Add(time.Hour)); err != nil || out.Resolved != 1 {
				t.Fatalf("close: %+v, %v", out, err)
			}
			want(account(again.Add(2*time.Hour)), "*Alert* The last one, raised Nov 22 14:00 UTC, closed Nov 22 15:00 UTC with nothing recent to judge: not a recovery.")
			// A closed alert is no longer told of a quarter after it closed.
			if doc := account(again.Add(93 * 24 * time.Hour)); containsText(doc, "*Alert*") {
				t.Errorf("an alert closed 93 days ago is still told of: %+v", doc.Blocks)
			}
		})
	}
}

// TestRiskListingSaysWhereAlertsStand: /feedback risk gives, under each account at
// risk, where its open alert stands: nobody has acknowledged it, then who did.
func TestRiskListingSaysWhereAlertsStand(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	for i, text := range []string{"we are evaluating other vendors after this outage", "we will cancel our subscription at the end of the month"} {
		at := now.Add(-time.Duration(i+1) * 20 * time.Hour)
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", i), Platform: feedbackbot.PlatformSlack, Workspace: "TE", Channel: "C1",
			Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: text, Time: at})
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			captured(t, st, msgs...)
			hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "TE", Now: now.Add(-2 * time.Hour)})
			if err != nil || len(bot.AtRisk(hs)) != 1 {
				t.Fatalf("risk: %+v, %v; want acme at risk", hs, err)
			}
			al, _ := recordingAlerter(st)
			if out, err := al.Evaluate(ctx, "TE", hs, now.Add(-2*time.Hour)); err != nil || out.Raised != 1 {
				t.Fatalf("raise: %+v, %v", out, err)
			}
			run := func(text string) feedbackbot.Document {
				t.Helper()
				b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "TE", User: "UM", UserName: "maria", Staff: true, Button: strings.HasPrefix(text, "alert."), Text: text})
				if err != nil {
					t.Fatal(err)
				}
				return doc
			}
			score := hs[0].Score
			want := fmt.Sprintf("Alert: Critical, open since Nov 22 07:00 UTC (2 hours), raised at health %d: *not acknowledged*.", score)
			if doc := run("risk"); !containsText(doc, want) {
				t.Errorf("the risk listing does not say %q: %+v", want, doc.Blocks)
			}
			run("alert.ack " + bot.AlertFor("TE", hs[0], now).Fingerprint)
			want = fmt.Sprintf("Alert: Critical, open since Nov 22 07:00 UTC (2 hours), raised at health %d: acknowledged by maria on Nov 22 09:00 UTC.", score)
			if doc := run("risk"); !containsText(doc, want) {
				t.Errorf("the risk listing does not say %q: %+v", want, doc.Blocks)
			}
		})
	}
}
