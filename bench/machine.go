package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The machine the scale-out issue names: "Redis itself does about 90,000 unpipelined
// and 900,000 pipelined XADD/s here". Throughput and import targets were set on it.
const (
	refUnpipelined = 90_000
	refPipelined   = 900_000
)

// machineFigures are one measurement of how fast this machine is right now: Redis's
// XADD rate as redis-benchmark measures it (50 clients, unpipelined and 16 commands
// a pipeline) and a fixed single-core Go workload. The shared machine's speed
// changes from day to day by up to 2x; these figures, taken in the same run as the
// others, tell a slower machine from slower code.
type machineFigures struct {
	Tool           string  // "redis-benchmark" or "go-redis" (redis-benchmark not on PATH)
	XAddPlain      float64 // XADD/s, unpipelined
	XAddPipelined  float64 // XADD/s, pipelined
	SortNsPerValue float64 // ns per value sorting 1M uint64 on one goroutine
}

// runMachine prints the machine's figures (median of several rounds) beside the
// reference machine's.
func runMachine(ctx context.Context, args []string) error {
	fs := newFlags("machine")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (empty skips the Redis figures)")
	rounds := fs.Int("rounds", 3, "rounds (the median is reported)")
	label := fs.String("label", "", "a label for this measurement in the table and JSON (bench scale: before, after)")
	fs.Parse(args)
	m, err := measureMachine(ctx, *redisURL, *rounds)
	if err != nil {
		return err
	}
	printMachine(m, *label)
	return nil
}

func printMachine(m machineFigures, label string) {
	name := "this machine"
	if label != "" {
		name += " (" + label + ")"
	}
	ratio := func(v, ref float64) string {
		if v == 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f (%.2f×)", v, v/ref)
	}
	table([][]string{
		{"machine", "XADD/s unpipelined", "XADD/s pipelined", "sort ns/value (1 core)", "measured with"},
		{"the issue's reference", fmt.Sprint(refUnpipelined), fmt.Sprint(refPipelined), "-", "-"},
		{name, ratio(m.XAddPlain, refUnpipelined), ratio(m.XAddPipelined, refPipelined), fmt.Sprintf("%.1f", m.SortNsPerValue), m.Tool},
	})
	out := map[string]any{"xadd_unpipelined_per_sec": m.XAddPlain, "xadd_pipelined_per_sec": m.XAddPipelined,
		"xadd_unpipelined_vs_reference": m.XAddPlain / refUnpipelined, "xadd_pipelined_vs_reference": m.XAddPipelined / refPipelined,
		"sort_ns_per_value": m.SortNsPerValue, "tool": m.Tool}
	if label != "" {
		out["label"] = label
	}
	printJSON(map[string]any{"machine": out})
}

// measureMachine takes rounds measurements of each figure and keeps the medians.
func measureMachine(ctx context.Context, redisURL string, rounds int) (machineFigures, error) {
	var m machineFigures
	var sorts, plain, piped []float64
	for range max(rounds, 1) {
		sorts = append(sorts, sortNsPerValue(1_000_000))
	}
	m.SortNsPerValue = median(sorts)
	if redisURL == "" {
		return m, nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return m, fmt.Errorf("machine: %w", err)
	}
	key := fmt.Sprintf("fbbench:machine:%d", os.Getpid())
	c := redis.NewClient(opts)
	defer c.Close()
	defer c.Del(context.WithoutCancel(ctx), key)
	for range max(rounds, 1) {
		for _, p := range []struct {
			pipeline int
			into     *[]float64
		}{{1, &plain}, {16, &piped}} {
			c.Del(ctx, key)
			rate, tool, err := xaddRate(ctx, c, opts, key, p.pipeline)
			if err != nil {
				return m, fmt.Errorf("machine: XADD rate: %w", err)
			}
			*p.into = append(*p.into, rate)
			m.Tool = tool
		}
	}
	m.XAddPlain, m.XAddPipelined = median(plain), median(piped)
	return m, nil
}

// sortNsPerValue sorts n pseudo-random values (the same every call) and returns the
// time per value: a CPU- and cache-bound yardstick that no change of ours affects.
func sortNsPerValue(n int) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]uint64, n)
	for i := range xs {
		xs[i] = r.Uint64()
	}
	start := time.Now()
	slices.Sort(xs)
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

// xaddRate measures XADD/s into key with redis-benchmark (50 clients, pipeline
// commands each) where it is on PATH, as the reference figures were, or
// else with go-redis from 50 goroutines. A server with a password or TLS is
// measured with go-redis too: redis-benchmark takes a password only on its
// command line, where every user of the machine can read it.
func xaddRate(ctx context.Context, c *redis.Client, opts *redis.Options, key string, pipeline int) (float64, string, error) {
	n := 100_000
	if pipeline > 1 {
		n = 1_000_000
	}
	if path, err := exec.LookPath("redis-benchmark"); err == nil && opts.Password == "" && opts.TLSConfig == nil {
		host, port, ok := strings.Cut(opts.Addr, ":")
		if !ok {
			return 0, "", fmt.Errorf("address %q has no port", opts.Addr)
		}
		args := []string{"-h", host, "-p", port, "--dbnum", strconv.Itoa(opts.DB), "-c", "50", "-n", strconv.Itoa(n),
			"-P", strconv.Itoa(pipeline), "--csv", "xadd", key, "*", "f", "v"}
		cmd := exec.CommandContext(ctx, path, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return 0, "", fmt.Errorf("redis-benchmark: %w: %s", err, strings.TrimSpace(stderr.String()))
		}
		rate, err := parseBenchmarkCSV(out)
		return rate, "redis-benchmark", err
	}
	rate, err := goXAddRate(ctx, c, key, n, pipeline)
	return rate, "go-redis", err
}

// parseBenchmarkCSV reads the requests per second of redis-benchmark --csv's one test.
func parseBenchmarkCSV(out []byte) (float64, error) {
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		return 0, fmt.Errorf("redis-benchmark output: %w", err)
	}
	if len(rows) != 2 || len(rows[0]) < 2 || rows[0][1] != "rps" || len(rows[1]) < 2 {
		return 0, fmt.Errorf("redis-benchmark output: want a header with rps and one test, got %q", out)
	}
	rate, err := strconv.ParseFloat(rows[1][1], 64)
	if err != nil || rate <= 0 {
		return 0, fmt.Errorf("redis-benchmark output: rps %q is not a positive number", rows[1][1])
	}
	return rate, nil
}

// goXAddRate does n XADDs from 50 goroutines, pipeline at a time, and returns XADD/s.
func goXAddRate(ctx context.Context, c *redis.Client, key string, n, pipeline int) (float64, error) {
	const clients = 50
	errs := make(chan error, clients)
	start := time.Now()
	for i := range clients {
		go func() {
			var err error
			for done := i * pipeline; done < n && err == nil; done += clients * pipeline {
				_, err = c.Pipelined(ctx, func(p redis.Pipeliner) error {
					for range min(pipeline, n-done) {
						p.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []string{"f", "v"}})
					}
					return nil
				})
			}
			errs <- err
		}()
	}
	var err error
	for range clients {
		err = errors.Join(err, <-errs)
	}
	if err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
