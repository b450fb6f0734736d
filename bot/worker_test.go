package bot_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// backends opens each store kind for a test, with the short claim timeout the
// conformance suite uses, so a dead worker's entries are reclaimed quickly.
func backends(t *testing.T) map[string]func(t *testing.T) store.Store {
	return map[string]func(t *testing.T) store.Store{
		"bolt": func(t *testing.T) store.Store {
			st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{ClaimIdle: storetest.ClaimIdle})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"redis": func(t *testing.T) store.Store {
			client, prefix := redistest.Client(t)
			return redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
		},
	}
}

// captured normalises msgs, captures them in one append and analyses them with the
// default taxonomy, failing the test on any error. It returns the messages as
// stored (normalised), in order.
func captured(t testing.TB, st store.Store, msgs ...feedbackbot.Message) []feedbackbot.Message {
	t.Helper()
	return ingest(t, st, analyzer(t), msgs...)
}

// ingest captures msgs and analyses them with a; it returns them normalised.
func ingest(t testing.TB, st store.Store, a bot.Analyzer, msgs ...feedbackbot.Message) []feedbackbot.Message {
	t.Helper()
	ctx := context.Background()
	events := make([]feedbackbot.Event, len(msgs))
	for i, m := range msgs {
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		events[i] = feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}
		msgs[i] = m
	}
	if _, err := st.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: st, Analyzer: a, Consumer: "t"}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	return msgs
}

func analyzer(t testing.TB) *analysis.Analyzer {
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var texts = []string{
	"we were charged twice this month, please refund",
	"thanks, the new dashboard is great!",
	"how do I set up SSO with Okta?",
	"the export is broken since the release",
	"ok",
}

func messages(ws string, n int, t0 time.Time) []feedbackbot.Event { return messagesFrom(ws, 0, n, t0) }

func messagesFrom(ws string, start, n int, t0 time.Time) []feedbackbot.Event {
	evs := make([]feedbackbot.Event, 0, n)
	for i := start; i < start+n; i++ {
		m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d.0001", 1700000000+i), Platform: feedbackbot.PlatformSlack,
			Workspace: ws, Channel: "C1", Author: fmt.Sprintf("U%d", i%7), Role: feedbackbot.RoleCustomer,
			Account: fmt.Sprintf("acct-%d", i%3), Text: texts[i%len(texts)], Time: t0.Add(time.Duration(i) * time.Minute)}
		if i%4 == 3 {
			m.Role = feedbackbot.RoleStaff
		}
		if err := m.Normalize(); err != nil {
			panic(err)
		}
		evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
	}
	return evs
}

// TestWorkerKilledMidBatch: a worker reads a batch, applies half of it and dies
// before acknowledging. A second worker reclaims the batch after the claim timeout;
// the rollups count every message exactly once.
func TestWorkerKilledMidBatch(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			a := analyzer(t)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			evs := messages("T1", 300, t0)
			if _, err := st.Append(ctx, evs...); err != nil {
				t.Fatal(err)
			}
			// The doomed worker: read 120, apply the first 70, crash (no ack).
			batch, err := st.Read(ctx, "doomed", 120, time.Second)
			if err != nil || len(batch) != 120 {
				t.Fatalf("read: %d entries, %v", len(batch), err)
			}
			var half []store.Applied
			for _, e := range batch[:70] {
				half = append(half, store.Applied{Entry: e, Tags: a.AnalyzeMessage(&e.Event.Message)})
			}
			if _, err := st.Apply(ctx, half...); err != nil {
				t.Fatal(err)
			}
			time.Sleep(storetest.ClaimIdle + 50*time.Millisecond)

			w := &bot.Worker{Store: st, Analyzer: a, Consumer: "survivor", Batch: 50}
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{}
			for _, e := range evs {
				tags := a.AnalyzeMessage(&e.Message)
				for k, v := range feedbackbot.Contributions(&e.Message, &tags) {
					want[k] += v
				}
			}
			rs, err := st.Rollups(ctx, "T1", t0.Add(-time.Hour), t0.Add(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			got := feedbackbot.Totals(rs)
			if got[feedbackbot.CntMessages] != 300 {
				t.Fatalf("messages counted %d times, want 300", got[feedbackbot.CntMessages])
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("counter %s = %d, want %d", k, got[k], v)
				}
			}
			if n, err := st.Backlog(ctx); err != nil || n != 0 {
				t.Errorf("backlog after drain = %d, %v", n, err)
			}
		})
	}
}

// TestReanalyzeIsIdempotent: replaying the log with the same analyzer changes nothing.
func TestReanalyzeIsIdempotent(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			a := analyzer(t)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			if _, err := st.Append(ctx, messages("T1", 40, t0)...); err != nil {
				t.Fatal(err)
			}
			w := &bot.Worker{Store: st, Analyzer: a, Consumer: "w"}
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			before, _ := st.Rollups(ctx, "T1", t0.Add(-time.Hour), t0.Add(24*time.Hour))
			res, err := bot.Reanalyze(ctx, st, a, "T1", 7, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Read != 40 || res.Applied != 0 {
				t.Errorf("reanalyze read %d applied %d; want 40 and 0", res.Read, res.Applied)
			}
			after, _ := st.Rollups(ctx, "T1", t0.Add(-time.Hour), t0.Add(24*time.Hour))
			if fmt.Sprint(feedbackbot.Totals(before)) != fmt.Sprint(feedbackbot.Totals(after)) {
				t.Errorf("rollups changed:\n%v\n%v", feedbackbot.Totals(before), feedbackbot.Totals(after))
			}
		})
	}
}

// benchStore opens a store for a benchmark: "bolt" in a temporary directory,
// closed when it ends, or Redis under a key prefix of its own.
func benchStore(b *testing.B, name string) store.Store {
	if name != "bolt" {
		client, prefix := redistest.Client(b)
		return redisstore.New(client, redisstore.Options{Prefix: prefix})
	}
	s, err := boltstore.Open(context.Background(), b.TempDir(), boltstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkCaptureAnalyse(b *testing.B) {
	for _, name := range []string{"bolt", "redis"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st := benchStore(b, name)
			a := analyzer(b)
			w := &bot.Worker{Store: st, Analyzer: a, Consumer: "bench", Batch: 500}
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			const batch = 500
			b.ResetTimer()
			total := 0
			for i := 0; i < b.N; i++ {
				evs := messagesFrom("B", i*batch, batch, t0)
				if _, err := st.Append(ctx, evs...); err != nil {
					b.Fatal(err)
				}
				n, err := w.Drain(ctx)
				if err != nil {
					b.Fatal(err)
				}
				total += n
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// TestReanalyzeSaysDoneOnlyWhenDone: progress gets -1 ("done") when every entry
// was replayed, never after an error: an interrupted reanalyze printed "T0: 29000
// entries, done", then its error (a review's find).
func TestReanalyzeSaysDoneOnlyWhenDone(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cancel   bool
		wantDone bool
	}{
		{"done", false, true},
		{"interrupted", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := backends(t)["bolt"](t)
			a := analyzer(t)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			if _, err := st.Append(t.Context(), messages("T1", 40, t0)...); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var calls []int
			_, err := bot.Reanalyze(ctx, st, a, "T1", 7, func(n int) {
				calls = append(calls, n)
				if tc.cancel && n > 0 {
					cancel() // (Ctrl-C after the first batch)
				}
			})
			if tc.cancel != (err != nil) {
				t.Fatalf("Reanalyze: %v", err)
			}
			done := len(calls) > 0 && calls[len(calls)-1] == -1
			if done != tc.wantDone || slices.Index(calls, -1) >= 0 && !tc.wantDone {
				t.Errorf("progress got %v; done (-1 last) = %v, want %v", calls, done, tc.wantDone)
			}
		})
	}
}
