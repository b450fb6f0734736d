package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

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
	args := []string{"-stores", "bolt,redis", "-sizes", "200,400", "-reps", "3", "-settle", "0", "-decompose", "-redis", redistest.URL()}
	for _, extra := range [][]string{nil, {"-wake"}} {
		if err := runDigest(ctx, append(slices.Clone(args), extra...)); err != nil {
			t.Fatal(err)
		}
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
