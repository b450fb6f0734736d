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
	reps := fs.Int("reps", 100, "digest repetitions per figure (a p99 of fewer than 100 is the slowest)")
	importRuns := fs.Int("import-runs", 3, "import runs per store (median reported)")
	steady := fs.Int("steady-per-day", 175, "messages a day of the second digest step, whose smallest history (10k) covers every window the reads cover (0: skip the step)")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (for the machine's figures)")
	fs.Parse(args)
	// The machine's speed, before and after: the shared machine's speed changes from
	// day to day, and a figure that missed its target on a slow day says so.
	machine := []string{"-redis", *redisURL}
	if !slices.Contains(strings.Split(*stores, ","), "redis") {
		machine = []string{"-redis", ""}
	}
	steps := []scaleStep{
		{"machine", runMachine, append([]string{"-label", "before"}, machine...)},
		{"pipeline", runPipeline, []string{"-messages", "100000", "-runs", strconv.Itoa(*runs), "-stores", *stores, "-redis", *redisURL}},
		{"import", runImportBench, []string{"-messages", strconv.Itoa(*messages), "-runs", strconv.Itoa(*importRuns), "-stores", *stores, "-redis", *redisURL}},
		{"digest", runDigest, []string{"-sizes", *sizes, "-reps", strconv.Itoa(*reps), "-stores", *stores, "-redis", *redisURL}},
	}
	if *steady > 0 {
		// At 1,000 messages a day a 10k history is 10 days, shorter than the 56 the reads
		// cover, so its reads read fewer messages than a longer history's: the growth
		// from its smallest to its largest size is also the windows filling. This step
		// holds the day's volume where the smallest history already fills them.
		ends := strings.Split(*sizes, ",")
		steps = append(steps, scaleStep{"digest", runDigest, []string{"-sizes", ends[0] + "," + ends[len(ends)-1], "-per-day", strconv.Itoa(*steady), "-reps", strconv.Itoa(*reps), "-stores", *stores, "-redis", *redisURL}})
	}
	steps = append(steps, scaleStep{"machine", runMachine, append([]string{"-label", "after"}, machine...)})
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

// scaleStep is one bench command that bench scale runs, with its arguments.
type scaleStep struct {
	name string
	run  func(context.Context, []string) error
	args []string
}
