package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// BenchmarkRisk times one account's health (what /feedback account reads) over a
// history of 1,000 messages a day across 200 accounts: 10 days (shorter than the 56
// days the reads cover, as bench digest's 10k) and 60 days (the windows full).
func BenchmarkRisk(b *testing.B) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"bolt", "redis"} {
		for _, days := range []int{10, 60} {
			b.Run(fmt.Sprintf("%s/%ddays", name, days), func(b *testing.B) {
				ctx := context.Background()
				st := benchStore(b, name)
				fillRiskBench(b, st, days*1000, end)
				i := 0
				for b.Loop() {
					req := bot.RiskRequest{Workspace: "TRISK", Now: end, Only: fmt.Sprintf("acct-%d", i%200)}
					if _, err := bot.Risk(ctx, st, req); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// fillRiskBench captures and analyses n messages up to end, 1,000 a day, over 200
// accounts, 40 channels and 900 authors; a quarter of each account's messages are
// staff's.
func fillRiskBench(b *testing.B, st store.Store, n int, end time.Time) {
	b.Helper()
	ctx := context.Background()
	w := &bot.Worker{Store: st, Analyzer: analyzer(b), Consumer: "bench", Batch: 1000}
	step := 24 * time.Hour / 1000
	for start := 0; start < n; start += 5000 {
		var evs []feedbackbot.Event
		for i := start; i < min(n, start+5000); i++ {
			at := end.Add(-time.Duration(n-i) * step) // ids as Slack's: channel and ts, in time order
			m := feedbackbot.Message{ID: fmt.Sprintf("C%d:%d.%06d", i%40, at.Unix(), at.Nanosecond()/1000), Platform: feedbackbot.PlatformSlack, Workspace: "TRISK",
				Channel: fmt.Sprintf("C%d", i%40), Author: fmt.Sprintf("U%d", i%900), Role: feedbackbot.RoleCustomer,
				Account: fmt.Sprintf("acct-%d", i%200), Text: texts[i%len(texts)], Time: at}
			if (i+i/200)%4 == 3 { // a quarter of all messages and of each account's
				m.Role = feedbackbot.RoleStaff
			}
			if err := m.Normalize(); err != nil {
				b.Fatal(err)
			}
			evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		}
		if _, err := st.Append(ctx, evs...); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Drain(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDigestWithRisk times the 7-day digest as the bot posts it (every
// account's health beside the digest's own reads) over 60 days of that history
// (the windows full, as at any larger size).
func BenchmarkDigestWithRisk(b *testing.B) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"bolt", "redis"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st := benchStore(b, name)
			fillRiskBench(b, st, 60*1000, end)
			rr := bot.RiskRequest{Workspace: "TRISK", Now: end}
			dr := bot.DigestRequest{Workspace: "TRISK", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end}
			for b.Loop() {
				if _, err := bot.DigestWithRisk(ctx, st, rr, dr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
