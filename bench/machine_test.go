package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/redis/go-redis/v9"
)

func TestParseBenchmarkCSV(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      float64
		ok        bool
	}{
		{"one test", "\"test\",\"rps\",\"avg_latency_ms\"\n\"xadd k * f v\",\"56242.97\",\"0.458\"\n", 56242.97, true},
		{"no test", "\"test\",\"rps\"\n", 0, false},
		{"not rps", "\"test\",\"avg\"\n\"xadd\",\"1\"\n", 0, false},
		{"not a number", "\"test\",\"rps\"\n\"xadd\",\"fast\"\n", 0, false},
		{"zero", "\"test\",\"rps\"\n\"xadd\",\"0\"\n", 0, false},
		{"an error line", "ERR wrong number of arguments\n", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseBenchmarkCSV([]byte(tc.out))
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("parseBenchmarkCSV = %v, %v; want %v, ok %v", got, err, tc.want, tc.ok)
			}
		})
	}
}

// TestMachineFigures measures the machine once, with redis-benchmark where it is
// installed and with go-redis in any case, and leaves no key behind.
func TestMachineFigures(t *testing.T) {
	ctx := context.Background()
	client, _ := redistest.Client(t) // skips (or fails in CI) without Redis
	m, err := measureMachine(ctx, redistest.URL(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.XAddPlain <= 0 || m.XAddPipelined <= 0 || m.SortNsPerValue <= 0 || m.Tool == "" {
		t.Fatalf("figures %+v: every one should be measured", m)
	}
	opts, err := redis.ParseURL(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	const key = "fbbench:machine:test"
	defer c.Del(ctx, key)
	rate, err := goXAddRate(ctx, c, key, 2_000, 16)
	if err != nil || rate <= 0 {
		t.Fatalf("goXAddRate = %v, %v", rate, err)
	}
	if n := c.XLen(ctx, key).Val(); n != 2_000 {
		t.Errorf("goXAddRate added %d entries, want 2000", n)
	}
	left, err := redistest.Keys(ctx, client, "fbbench:machine:")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 1 || (len(left) == 1 && left[0] != key) {
		t.Errorf("keys left behind: %v", left)
	}
}

func TestParseCPULine(t *testing.T) {
	for _, tc := range []struct {
		line        string
		busy, total uint64
		ok          bool
	}{
		{"cpu  100 5 50 800 20 3 2 10 0 0", 170, 990, true},
		{"cpu 1 2 3 4", 6, 10, true}, // an old kernel: no iowait and later columns
		{"cpu0 1 2 3 4 5", 0, 0, false},
		{"cpu 1 x 3 4 5", 0, 0, false},
		{"", 0, 0, false},
	} {
		s, err := parseCPULine(tc.line)
		if (err == nil) != tc.ok || s.busy != tc.busy || s.total != tc.total {
			t.Errorf("parseCPULine(%q) = %+v, %v; want busy %d total %d ok %v", tc.line, s, err, tc.busy, tc.total, tc.ok)
		}
	}
	if got := (cpuStat{busy: 30, total: 200}).busySince(cpuStat{busy: 10, total: 100}); got != 0.2 {
		t.Errorf("busySince = %v, want 0.2", got)
	}
}

// TestSettleReturns: no limit means no wait, and a cancelled context ends the wait.
func TestSettleReturns(t *testing.T) {
	start := time.Now()
	settle(context.Background(), "nothing", 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	settle(ctx, "nothing", time.Minute)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("settle took %s with no limit or a cancelled context", d)
	}
}

func TestCallgrindTotal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"# callgrind format\nversion: 1\nevents: Ir\nfn=main\n1 5\nsummary: 6328862306\ntotals: 1\n", 6328862306, true},
		{"events: Ir\ntotals: 42\n", 42, true},
		{"events: Ir\nfn=main\n1 5\n", 0, false},
		{"summary: many\n", 0, false},
	} {
		got, err := callgrindTotal(strings.NewReader(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("callgrindTotal(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestRedisCostRuns runs the fixed workload against the test Redis (commands only)
// and, where valgrind and redis-server are installed, under callgrind.
func TestRedisCostRuns(t *testing.T) {
	redistest.Client(t) // skips (or fails in CI) without Redis
	if err := runRedisCost(t.Context(), []string{"-messages", "600", "-batch", "100", "-redis", redistest.URL()}); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"valgrind", "callgrind_control", "redis-server"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: the callgrind run is not tried", tool)
		}
	}
	out := filepath.Join(t.TempDir(), "callgrind.out")
	if err := runRedisCost(t.Context(), []string{"-messages", "300", "-batch", "100", "-callgrind-out", out}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := callgrindTotal(f); err != nil || n < 300*10_000 {
		t.Errorf("the kept profile counts %d instructions (%v); want at least 10,000 a message", n, err)
	}
}
