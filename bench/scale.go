package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
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
	fs.Parse(args)
	steps := []struct {
		name string
		run  func(context.Context, []string) error
		args []string
	}{
		{"pipeline", runPipeline, []string{"-messages", "100000", "-runs", strconv.Itoa(*runs), "-stores", *stores}},
		{"import", runImportBench, []string{"-messages", strconv.Itoa(*messages), "-stores", *stores}},
		{"digest", runDigest, []string{"-sizes", *sizes, "-reps", strconv.Itoa(*reps), "-stores", *stores}},
	}
	for i, s := range steps {
		fmt.Fprintf(os.Stderr, "\n== bench scale %d/%d: %s %v\n", i+1, len(steps), s.name, s.args)
		if err := s.run(ctx, s.args); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}
