package redisstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// BenchmarkApplyCall is the bot's own work to turn one analysed message into its
// part of an apply script (the record, its counters, its keys), without Redis: in a
// CPU profile of `go run ./bench pipeline -stores redis` it was the largest part of
// the bot's time a message, twice the analysis.
func BenchmarkApplyCall(b *testing.B) {
	s := &Store{prefix: "fb"}
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	items := make([]store.Applied, 64)
	for i := range items {
		m := storetest.Msg("T0HOME", fmt.Sprintf("1795%06d.%06d", i, i), "the CSV export is broken again since Tuesday's release and we were charged twice",
			feedbackbot.RoleCustomer, fmt.Sprintf("T0ACCT%d", i%8), fmt.Sprintf("C0%d", i%5), at.Add(time.Duration(i)*time.Minute))
		items[i] = store.Applied{Entry: store.Entry{ID: fmt.Sprintf("1-%d", i), Workspace: "T0HOME", Event: storetest.Put(m)},
			Tags: storetest.Tags(float64(i%11-5)/5, "fb-8+abc.def", []string{"bug", "billing", "support"}[:i%4]...)}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.applyCall(items[i%len(items)]); err != nil {
			b.Fatal(err)
		}
	}
}
