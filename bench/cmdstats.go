package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// cmdStat is what Redis reports of one command in INFO commandstats: calls and
// the server's time spent in them (microseconds, summed over every master).
type cmdStat struct{ calls, usec int64 }

// cmdStats maps a command's name ("hgetall") to its figures.
type cmdStats map[string]cmdStat

// readCmdStats reads INFO commandstats of every master behind c.
func readCmdStats(ctx context.Context, c redis.UniversalClient) (cmdStats, error) {
	nodes, err := masters(ctx, c)
	if err != nil {
		return nil, err
	}
	out := cmdStats{}
	for _, n := range nodes {
		info, err := n.Info(ctx, "commandstats").Result()
		if err != nil {
			return nil, fmt.Errorf("INFO commandstats: %w", err)
		}
		if err := parseCmdStats(info, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseCmdStats adds the lines "cmdstat_<name>:calls=N,usec=N,..." of an INFO
// reply to into.
func parseCmdStats(info string, into cmdStats) error {
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, fields, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var s cmdStat
		for _, f := range strings.Split(fields, ",") {
			k, v, _ := strings.Cut(f, "=")
			var err error
			switch k {
			case "calls":
				s.calls, err = strconv.ParseInt(v, 10, 64)
			case "usec":
				s.usec, err = strconv.ParseInt(v, 10, 64)
			}
			if err != nil {
				return fmt.Errorf("INFO commandstats: %s: %w", name, err)
			}
		}
		c := into[strings.TrimPrefix(name, "cmdstat_")]
		into[strings.TrimPrefix(name, "cmdstat_")] = cmdStat{c.calls + s.calls, c.usec + s.usec}
	}
	return sc.Err()
}

// since is what happened between before and s, divided by n (per operation), PING
// left out (the stall watcher's, not the operation's).
func (s cmdStats) since(before cmdStats, n int) map[string][2]float64 {
	out := map[string][2]float64{}
	for name, c := range s {
		b := before[name]
		if name == "ping" || c.calls == b.calls {
			continue
		}
		out[name] = [2]float64{float64(c.calls-b.calls) / float64(n), float64(c.usec-b.usec) / float64(n)}
	}
	return out
}

// formatPerOp prints a since result as "212 µs: hscan 6.0× 120 µs, hgetall 17.0× 60 µs",
// the costliest command first.
func formatPerOp(per map[string][2]float64) string {
	var total float64
	names := make([]string, 0, len(per))
	for n, v := range per {
		total += v[1]
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(per[b][1], per[a][1]), cmp.Compare(a, b)) })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %.1f× %.0f µs", n, per[n][0], per[n][1])
	}
	return fmt.Sprintf("%.0f µs: %s", total, strings.Join(parts, ", "))
}
