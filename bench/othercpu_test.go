package main

import (
	"os"
	"strings"
	"testing"
)

func TestTopOthersSumsTasksByProcess(t *testing.T) {
	from := cpuMark{10: {84, 5_000_000}, 20: {300, 1_000_000}, 21: {300, 2_000_000}, 30: {400, 9_000_000}}
	to := cpuMark{
		10: {84, 95_000_000},  // kdamond: 90 ms
		20: {300, 31_000_000}, // two threads of one process: 30 + 40 ms
		21: {300, 42_000_000},
		30: {400, 9_400_000},  // under a millisecond: not named
		40: {500, 12_000_000}, // begun since: counts whole
	}
	names := map[int]string{84: "kdamond.0", 300: "beam.smp", 400: "idle", 500: "cron"}
	name := func(pid int) string { return names[pid] }
	tests := []struct {
		n    int
		want string
	}{
		{3, "kdamond.0 90 ms|beam.smp 70 ms|cron 12 ms"},
		{1, "kdamond.0 90 ms"},
		{9, "kdamond.0 90 ms|beam.smp 70 ms|cron 12 ms"},
	}
	for _, tt := range tests {
		if got := strings.Join(topOthers(from, to, name, tt.n), "|"); got != tt.want {
			t.Errorf("top %d = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestOthersMSCountsOtherTasks(t *testing.T) {
	from := cpuMark{1: {1, 5_000_000}, 2: {2, 9_000_000}, 3: {3, 1_000_000}}
	to := cpuMark{1: {1, 45_000_000}, 2: {2, 9_000_000}, 4: {4, 2_500_000}} // 3 ended, 4 began
	if got := othersMS(from, to); got != 42.5 {
		t.Fatalf("othersMS = %v, want 42.5", got)
	}
}

func TestMarkLeavesTheBenchOut(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc here")
	}
	if _, err := readSchedRun(os.Getpid(), os.Getpid()); err != nil {
		t.Skipf("no schedstat: %v", err)
	}
	w := &othersWatch{}
	m := w.mark()
	if _, ok := m[os.Getpid()]; ok {
		t.Fatal("the bench's own main thread was counted")
	}
	if len(m) == 0 {
		t.Fatal("no other task read")
	}
}

func TestOthersLineSplitsSharedDigests(t *testing.T) {
	dig := []float64{0.100, 0.190, 0.095, 0.105, 0.180}
	others := []float64{0, 60, 10, 0, 20} // 20 ms is shared, 10 is not
	out := map[string]any{}
	line, ok := othersLine(out, "redis_1", dig, others, []string{"kdamond.0 80 ms"})
	if !ok {
		t.Fatal("not measured")
	}
	if out["redis_1_digests_shared"] != 2 {
		t.Fatalf("shared = %v, want 2", out["redis_1_digests_shared"])
	}
	if got := out["redis_1_unshared_digest_median_ms"].(float64); got < 99.9 || got > 100.1 {
		t.Fatalf("unshared median = %v, want 100", got)
	}
	if got := out["redis_1_shared_digest_median_ms"].(float64); got < 184.9 || got > 185.1 {
		t.Fatalf("shared median = %v, want 185", got)
	}
	for _, want := range []string{"2 of 5 digests shared", "the other 3: median 100.0 ms, p99 105.0 ms", "kdamond.0 80 ms"} {
		if !strings.Contains(line, want) {
			t.Fatalf("line %q lacks %q", line, want)
		}
	}
	if _, ok := othersLine(map[string]any{}, "k", dig, others[:2], nil); ok {
		t.Fatal("a partial measurement was summed up")
	}
}

func TestKeyKind(t *testing.T) {
	tests := []struct{ key, want string }{
		{"fbbench:1:100:fb:{TBENCH}:d:C28:1754348803.200000", "d"},
		{"fb:{T1}:t", "t"},
		{"fb:{T1}:aw:1754000000:acct-1", "aw"},
		{"fb:{T1}:", "other"},
		{"fb:plain", "other"},
	}
	for _, tt := range tests {
		if got := keyKind(tt.key); got != tt.want {
			t.Errorf("keyKind(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	if got := formatKinds(map[string]int64{"m": 600, "d": 1000, "t": 600}, 2); got != "d 500, m 300, t 300" {
		t.Errorf("formatKinds = %q", got)
	}
}
