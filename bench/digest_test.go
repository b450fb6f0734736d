package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// TestDigestBenchRuns runs the digest bench end to end on a small history, with every
// variant it times, on both stores; on Redis it leaves no keys behind and puts the
// latency monitor's threshold back as it found it.
func TestDigestBenchRuns(t *testing.T) {
	ctx := context.Background()
	client, _ := redistest.Client(t) // skips (or fails in CI) without Redis
	before, err := client.ConfigGet(ctx, "latency-monitor-threshold").Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func(wake, decompose bool) func() {
		return func() { inWake, decomposeReads = wake, decompose } // the flags set these for the package
	}(inWake, decomposeReads))
	args := []string{"-stores", "bolt,redis", "-sizes", "200,400", "-reps", "3", "-settle", "0", "-decompose", "-redis", redistest.URL()}
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	for _, extra := range [][]string{{"-gc", "100,400"}, {"-wake"}} {
		if err := runDigest(ctx, append(slices.Clone(args), extra...)); err != nil {
			t.Fatal(err)
		}
		if gc := debug.SetGCPercent(77); gc != 77 {
			t.Errorf("after bench digest %v the collector's target is %d, want the 77 it had", extra, gc)
		}
	}
	// -gc's turns are a run of their own, which -wake does not make (it crashed).
	if err := runDigest(ctx, append(slices.Clone(args), "-wake", "-gc", "100,400")); err == nil {
		t.Error("-wake with -gc should be refused")
	}
	after, err := client.ConfigGet(ctx, "latency-monitor-threshold").Result()
	if err != nil {
		t.Fatal(err)
	}
	if after["latency-monitor-threshold"] != before["latency-monitor-threshold"] {
		t.Errorf("latency-monitor-threshold is %q after the bench, was %q", after["latency-monitor-threshold"], before["latency-monitor-threshold"])
	}
	left, err := redistest.Keys(ctx, client, fmt.Sprintf("fbbench:%d:", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("the bench left %d keys behind, such as %s", len(left), left[0])
	}
}

// TestLookupReadsCounted: the digest bench counts what an account lookup reads. 400
// messages over 200 accounts are two each; at 1,000 a day they are all in the recent
// window (no day counters), at 20 a day (20 days) each account's older message is
// older than the messages the lookup reads and comes from a day counter instead,
// except where it is staff's, which no customer counter holds (accounts 3 and 7 of
// the ten looked up: 0.8 days a lookup); where the newer one is staff's (accounts 2
// and 6), no customer wrote in the recent window, and the lookup reads the last
// customer message itself too (1.2 messages a lookup). A quarter of the messages
// are staff's, spread over the accounts.
func TestLookupReadsCounted(t *testing.T) {
	ctx := context.Background()
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		daily      int
		msgs, days float64
	}{{1000, 2, 0}, {20, 1.2, 0.8}} {
		t.Run(fmt.Sprintf("%d a day", tc.daily), func(t *testing.T) {
			st, cleanup, err := openBenchStore(ctx, "bolt", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer cleanup()
			if _, err := fillHistoryAt(ctx, st, a, 400, tc.daily, end); err != nil {
				t.Fatal(err)
			}
			var rt readTimes
			if err := countReads(ctx, st, end, 10, &rt); err != nil {
				t.Fatal(err)
			}
			if rt.msgsRead != tc.msgs || rt.daysRead != tc.days {
				t.Errorf("a lookup read %.1f messages and %.1f days, want %.1f and %.1f", rt.msgsRead, rt.daysRead, tc.msgs, tc.days)
			}
		})
	}
}

// TestTimeInterleaved: the paired round times every size's digest and account
// lookup reps times each, filed under the size.
func TestTimeInterleaved(t *testing.T) {
	ctx := context.Background()
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var stores []sizedStore
	for _, n := range []int{200, 400, 600} {
		st, cleanup, err := openBenchStore(ctx, "bolt", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		if _, err := fillHistoryAt(ctx, st, a, n, 1000, end); err != nil {
			t.Fatal(err)
		}
		stores = append(stores, sizedStore{n, st, cleanup})
	}
	got, err := timeInterleaved(ctx, stores, end, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(stores) {
		t.Fatalf("figures for %d sizes, want %d", len(got), len(stores))
	}
	for _, s := range stores {
		rt := got[s.n]
		if len(rt.digest) != 4 || len(rt.account) != 4 {
			t.Errorf("%d messages: %d digests and %d lookups timed, want 4 each", s.n, len(rt.digest), len(rt.account))
		}
		for _, d := range append(slices.Clone(rt.digest), rt.account...) {
			if d <= 0 {
				t.Errorf("%d messages: a read timed at %v s", s.n, d)
			}
		}
	}
}

func TestQuantileNearestRank(t *testing.T) {
	seq := func(n int) []float64 { // n..1, out of order on purpose
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = float64(n - i)
		}
		return xs
	}
	tests := []struct {
		name string
		xs   []float64
		q    float64
		want float64
	}{
		{"empty", nil, 0.99, 0},
		{"one", []float64{7}, 0.99, 7},
		{"p99 of 100 is the 99th", seq(100), 0.99, 99},
		{"p99 of 200 is the 198th", seq(200), 0.99, 198},
		{"p99 of 40 is the slowest", seq(40), 0.99, 40},
		{"p99 of 300 is the 297th", seq(300), 0.99, 297},
		{"median of 4 by rank is the 2nd", seq(4), 0.5, 2},
		{"p0 is the fastest", seq(10), 0, 1},
		{"p100 is the slowest", seq(10), 1, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quantile(tt.xs, tt.q); got != tt.want {
				t.Errorf("quantile(%d values, %v) = %v, want %v", len(tt.xs), tt.q, got, tt.want)
			}
		})
	}
}
