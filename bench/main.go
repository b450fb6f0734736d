// Command bench prints feedbackbot's measured figures: analysis accuracy against
// labelled data and analysis speed (`go run ./bench analysis`), and end-to-end
// capture+analysis throughput into each store (`go run ./bench pipeline`). Each
// prints a table for people and one JSON line for machines. Speed figures are the
// median of several runs: the machine is shared and noisy.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
)

type subcommand struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var subcommands = map[string]subcommand{
	"analysis":  {"sentiment accuracy (tweets, labelled chat), theme precision/recall, analyzer and `analyze` speed", runAnalysis},
	"pipeline":  {"capture + analysis throughput into the embedded store and Redis, CPU per message", runPipeline},
	"scale":     {"every scale-out figure in one run: pipeline, import of 1M messages, digest latency at 10k/100k/1M", runScale},
	"import":    {"time from `feedbackbot import` of a generated Slack export to fully analysed, peak RSS, per store", runImportBench},
	"digest":    {"digest and account-health latency as stored history grows (10k, 100k, ... messages)", runDigest},
	"migrate":   {"time to build account-day counters for data from an older version, at 1M messages, per store", runMigrate},
	"rediscost": {"Redis's instructions (callgrind) and commands a message for a fixed capture + analysis: figures the machine's speed does not move", runRedisCost},
	"machine":   {"how fast this machine is now: Redis XADD/s (as the issue's reference) and a fixed Go sort, to compare days", runMachine},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 || subcommands[os.Args[1]].run == nil {
		fmt.Fprintln(os.Stderr, "Usage: go run ./bench SUBCOMMAND [flags]\n\nSubcommands:")
		names := make([]string, 0, len(subcommands))
		for n := range subcommands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, subcommands[n].summary)
		}
		os.Exit(2)
	}
	if err := subcommands[os.Args[1]].run(ctx, os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet("bench "+name, flag.ExitOnError)
}

// median of xs (not modified).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// table prints rows with aligned columns.
func table(rows [][]string) {
	w := make([]int, 0)
	for _, r := range rows {
		for i, c := range r {
			if i >= len(w) {
				w = append(w, 0)
			}
			w[i] = max(w[i], len([]rune(c)))
		}
	}
	for ri, r := range rows {
		var b strings.Builder
		for i, c := range r {
			fmt.Fprintf(&b, "%-*s  ", w[i], c)
		}
		fmt.Println(strings.TrimRight(b.String(), " "))
		if ri == 0 {
			var sep strings.Builder
			for i := range r {
				sep.WriteString(strings.Repeat("-", w[i]) + "  ")
			}
			fmt.Println(strings.TrimRight(sep.String(), " "))
		}
	}
}

func printJSON(v any) {
	b, _ := json.Marshal(v)
	fmt.Printf("JSON %s\n", b)
}
