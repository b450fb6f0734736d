package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// runScale prints every scale-out figure in one run: capture+analysis throughput
// (pipeline), a Slack export import to fully analysed with peak RSS (import), and
// digest and account latency plus Redis bytes per message as history grows (digest).
func runScale(ctx context.Context, args []string) error {
	fs := newFlags("scale")
	messages := fs.Int("messages", 1_000_000, "messages in the imported export")
	sizes := fs.String("sizes", "10000,100000,1000000", "history sizes for digest latency")
	stores := fs.String("stores", "bolt,redis", "stores to measure")
	runs := fs.Int("runs", 3, "pipeline runs per store (median reported)")
	reps := fs.Int("reps", 20, "digest repetitions per figure")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (for the machine's figures)")
	fs.Parse(args)
	// The machine's speed, before and after: the shared machine's speed changes from
	// day to day, and a figure that missed its target on a slow day says so.
	machine := []string{"-redis", *redisURL}
	if !slices.Contains(strings.Split(*stores, ","), "redis") {
		machine = []string{"-redis", ""}
	}
	steps := []struct {
		name string
		run  func(context.Context, []string) error
		args []string
	}{
		{"machine", runMachine, append([]string{"-label", "before"}, machine...)},
		{"pipeline", runPipeline, []string{"-messages", "100000", "-runs", strconv.Itoa(*runs), "-stores", *stores}},
		{"import", runImportBench, []string{"-messages", strconv.Itoa(*messages), "-stores", *stores}},
		{"digest", runDigest, []string{"-sizes", *sizes, "-reps", strconv.Itoa(*reps), "-stores", *stores}},
		{"machine", runMachine, append([]string{"-label", "after"}, machine...)},
	}
	for i, s := range steps {
		fmt.Fprintf(os.Stderr, "\n== bench scale %d/%d: %s %v\n", i+1, len(steps), s.name, s.args)
		if i > 0 {
			settle(ctx, "the "+s.name+" step", 3*time.Minute)
		}
		if err := s.run(ctx, s.args); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}
