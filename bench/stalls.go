package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot/store"
)

// stallMS is the latency monitor threshold watchStalls sets while reads are timed.
const stallMS = 5

// stalls is what Redis's latency monitor saw while reads were timed: the seconds in
// which a command Redis itself calls fast (O(1) or O(log N): HGET, ZADD, HMGET...)
// ran for stallMS or more inside the server, and the longest. Such a command takes
// microseconds, so these are the server being held up (not scheduled, faulting
// pages), not the work asked of it: they explain a tail the client alone cannot.
type stalls struct {
	seconds int
	maxMS   int64
}

func (s stalls) String() string {
	if s.seconds == 0 {
		return "none"
	}
	return fmt.Sprintf("%d s, max %d ms", s.seconds, s.maxMS)
}

// watchStalls turns Redis's latency monitor on (threshold stallMS, on every master
// of a cluster) and clears its fast-command history; stop reads that history and
// puts the threshold back. A server that refuses CONFIG (a managed one) gives an
// error, and the bench goes on without the figure.
func watchStalls(ctx context.Context, st store.Store) (stop func() (stalls, error), err error) {
	c, ok := st.(interface{ Client() redis.UniversalClient })
	if !ok {
		return nil, fmt.Errorf("not a Redis store")
	}
	nodes, err := masters(ctx, c.Client())
	if err != nil {
		return nil, err
	}
	old := make([]string, len(nodes))
	for i, n := range nodes {
		cfg, err := n.ConfigGet(ctx, "latency-monitor-threshold").Result()
		if err != nil {
			return nil, fmt.Errorf("latency monitor: %w", err)
		}
		old[i] = cfg["latency-monitor-threshold"]
		if err := n.ConfigSet(ctx, "latency-monitor-threshold", strconv.Itoa(stallMS)).Err(); err != nil {
			return nil, fmt.Errorf("latency monitor: %w", err)
		}
		if err := n.Do(ctx, "LATENCY", "RESET", "fast-command").Err(); err != nil {
			return nil, fmt.Errorf("latency monitor: %w", err)
		}
	}
	return func() (stalls, error) {
		ctx := context.WithoutCancel(ctx) // put the server's setting back even after Ctrl-C
		var s stalls
		var firstErr error
		for i, n := range nodes {
			hist, err := n.Do(ctx, "LATENCY", "HISTORY", "fast-command").Slice()
			if err == nil {
				for _, h := range hist {
					pair, ok := h.([]any)
					if !ok || len(pair) != 2 {
						continue
					}
					if ms, ok := pair[1].(int64); ok {
						s.seconds++
						s.maxMS = max(s.maxMS, ms)
					}
				}
			}
			if err == nil && old[i] != "" {
				err = n.ConfigSet(ctx, "latency-monitor-threshold", old[i]).Err()
			}
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("latency monitor: %w", err)
			}
		}
		return s, firstErr
	}, nil
}

// masters lists the nodes whose own figures (memory, latency) make up a store's: every
// master of a cluster, or the one server.
func masters(ctx context.Context, c redis.UniversalClient) ([]redis.UniversalClient, error) {
	cc, ok := c.(*redis.ClusterClient)
	if !ok {
		return []redis.UniversalClient{c}, nil
	}
	var mu sync.Mutex
	var nodes []redis.UniversalClient
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		mu.Lock()
		defer mu.Unlock()
		nodes = append(nodes, m)
		return nil
	})
	return nodes, err
}
