package main

import (
	"os"
	"strings"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name, in string
		comm     string
		ticks    int64
		bad      bool
	}{
		{"plain", "84 (kdamond.0) S 2 0 0 0 -1 2129984 0 0 0 0 1095 10062 0 0 20 0 1 0 27 0 0", "kdamond.0", 11157, false},
		{"name with spaces and parens", "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 0 0", "a) b (c)", 7, false},
		{"too short", "9 (x) S 1 2 3", "", 0, true},
		{"no name", "9 x S 1 2 3 4 5 6 7 8 9 10 11 12", "", 0, true},
		{"not a number", "9 (x) S 1 2 3 4 5 6 7 8 9 10 u s 0", "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseProcStat(tt.in)
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
			if !tt.bad && (p.comm != tt.comm || p.ticks != tt.ticks) {
				t.Fatalf("got %q %d, want %q %d", p.comm, p.ticks, tt.comm, tt.ticks)
			}
		})
	}
}

func TestOthersMSCountsOtherTasks(t *testing.T) {
	from := cpuMark{1: 5_000_000, 2: 9_000_000, 3: 1_000_000}
	to := cpuMark{1: 45_000_000, 2: 9_000_000, 4: 2_500_000} // 3 ended, 4 began
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
