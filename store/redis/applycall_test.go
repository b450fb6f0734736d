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

// TestApplyCallRecordMeta: a put's record meta reads back as what applyCall wrote,
// and an analyzer name with a line break, which would break its line-separated
// form, is stamped with the break written as \n and a backslash as \\ (the item
// applied, not refused, and no two names stamped alike: see store/storetest's
// Apply/AnalyzerLineBreak and Apply/AnalyzerNamesDistinct).
func TestApplyCallRecordMeta(t *testing.T) {
	s := &Store{prefix: "fb"}
	m := storetest.Msg("T0HOME", "m1", "we were charged twice", feedbackbot.RoleCustomer, "A1", "C1",
		time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
	for _, c := range []struct {
		analyzer, stamped string
	}{{"fb-8+abc.def", "fb-8+abc.def"}, {"", ""}, {"fb\n8", `fb\n8`}, {"fb-8\r\n", `fb-8` + "\r" + `\n`},
		{`fb\n8`, `fb\\n8`}, {`fb\` + "\n", `fb\\\n`}} {
		it := store.Applied{Entry: store.Entry{ID: "1-1", Workspace: "T0HOME", Event: storetest.Put(m)},
			Tags: storetest.Tags(-0.5, c.analyzer, "billing")}
		call, err := s.applyCall(it)
		if err != nil {
			t.Fatalf("analyzer %q: %v", c.analyzer, err)
		}
		var r record
		if err := parseMeta(string(call.meta), &r); err != nil {
			t.Fatalf("analyzer %q: meta %q: %v", c.analyzer, call.meta, err)
		}
		if want := m.Revision() + "@" + c.stamped; r.stamp != want {
			t.Errorf("analyzer %q: stamp = %q, want %q", c.analyzer, r.stamp, want)
		}
		if r.bucket != call.bucket || r.spec == "" || r.contrib == "" {
			t.Errorf("meta %q read back as %+v; want bucket %s and a spec and contributions", call.meta, r, call.bucket)
		}
	}
}
