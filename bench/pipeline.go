package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
)

var sampleTexts = []string{
	"we were charged twice this month, please refund the second invoice",
	"thanks, the new dashboard is great! :tada:",
	"how do I set up SSO with Okta for the whole team?",
	"the CSV export is broken since the release, files are empty",
	"ok 👍",
	"dashboards keep timing out for our EU users since this morning",
	"would be great if scheduled reports supported PDF",
	"we're evaluating other vendors before renewal",
}

func runPipeline(ctx context.Context, args []string) error {
	fs := newFlags("pipeline")
	n := fs.Int("messages", 100_000, "messages captured and analysed per run")
	runs := fs.Int("runs", 3, "runs per store (the median is reported)")
	def := config.Default().Analysis
	workers := fs.Int("workers", def.Workers, "analysis workers (default: the service's)")
	batch := fs.Int("batch", def.Batch, "capture and worker batch size (default: the service's worker batch)")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (empty skips Redis)")
	stores := fs.String("stores", "bolt,redis", "stores to measure, comma-separated")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		return err
	}
	rows := [][]string{{"store", "messages", "messages/s (median)", "CPU µs/message (this process)", "Redis server CPU µs/message", "runs"}}
	out := map[string]any{"messages": *n, "workers": *workers}
	for _, kind := range []string{"bolt", "redis"} {
		if !slices.Contains(strings.Split(*stores, ","), kind) || (kind == "redis" && *redisURL == "") {
			continue
		}
		var rates, cpus, server []float64
		for run := range *runs {
			st, cleanup, err := openBenchStore(ctx, kind, *redisURL, run)
			if err != nil {
				rows = append(rows, []string{kind, "-", "skipped: " + err.Error(), "", "", ""})
				break
			}
			var srv0 time.Duration
			if rs, ok := st.(*redisstore.Store); ok {
				srv0 = redisCPU(ctx, rs.Client())
			}
			rate, cpu, err := pipelineRun(ctx, st, a, *n, *workers, *batch)
			if rs, ok := st.(*redisstore.Store); ok && err == nil {
				server = append(server, float64((redisCPU(ctx, rs.Client())-srv0).Microseconds())/float64(*n))
			}
			cleanup()
			if err != nil {
				return fmt.Errorf("%s: %w", kind, err)
			}
			rates, cpus = append(rates, rate), append(cpus, cpu)
		}
		if len(rates) == 0 {
			continue
		}
		out[kind+"_messages_per_sec"], out[kind+"_cpu_us_per_message"] = median(rates), median(cpus)
		srv := "-"
		if len(server) > 0 {
			out[kind+"_server_cpu_us_per_message"] = median(server)
			srv = fmt.Sprintf("%.1f", median(server))
		}
		rows = append(rows, []string{kind, fmt.Sprint(*n), fmt.Sprintf("%.0f", median(rates)), fmt.Sprintf("%.1f", median(cpus)), srv, fmt.Sprint(len(rates))})
	}
	table(rows)
	printJSON(out)
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func openBenchStore(ctx context.Context, kind, url string, run int) (store.Store, func(), error) {
	if kind == "bolt" {
		dir, err := os.MkdirTemp("", "feedbackbot-bench-bolt-")
		if err != nil {
			return nil, nil, err
		}
		st, err := boltstore.Open(ctx, dir, boltstore.Options{})
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close(); os.RemoveAll(dir) }, nil
	}
	return openRedisPrefix(ctx, url, fmt.Sprintf("fbbench:%d:%d", os.Getpid(), run))
}

// openRedisPrefix opens Redis under prefix and returns a cleanup that deletes every
// key under it (on every master of a cluster) and closes the store.
func openRedisPrefix(ctx context.Context, url, prefix string) (*redisstore.Store, func(), error) {
	st, err := redisstore.Open(ctx, url, redisstore.Options{Prefix: prefix})
	if err != nil {
		return nil, nil, err
	}
	return st, func() {
		if err := deletePrefix(context.WithoutCancel(ctx), st.Client(), prefix); err != nil {
			fmt.Fprintf(os.Stderr, "bench: could not delete keys under %s: %v\n", prefix, err)
		} else if err := waitLazyFree(context.WithoutCancel(ctx), st.Client()); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		}
		st.Close()
	}, nil
}

// pipelineRun captures n messages in batches while workers analyse them, and
// returns messages/s from the first capture to an empty backlog, and CPU per message.
func pipelineRun(ctx context.Context, st store.Store, a *analysis.Analyzer, n, workers, batch int) (float64, float64, error) {
	return captureAndAnalyse(ctx, st, a, n, workers, batch, pipelineMessage)
}

// pipelineStart is the time of the pipeline's first message.
var pipelineStart = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// pipelineMessage is the pipeline's i-th message: one a second from 2026-10-01, in
// 20 channels, from 300 authors of 50 accounts, every fifth by staff.
func pipelineMessage(i int) feedbackbot.Message {
	m := feedbackbot.Message{ID: fmt.Sprintf("C%d:%d.000100", i%20, 1700000000+i), Platform: feedbackbot.PlatformSlack,
		Workspace: "TBENCH", Channel: fmt.Sprintf("C%d", i%20), Author: fmt.Sprintf("U%d", i%300),
		Role: feedbackbot.RoleCustomer, Account: fmt.Sprintf("acct-%d", i%50), Text: sampleTexts[i%len(sampleTexts)],
		Time: pipelineStart.Add(time.Duration(i) * time.Second)}
	if i%5 == 4 {
		m.Role = feedbackbot.RoleStaff
	}
	return m
}

// captureAndAnalyse captures the n messages gen makes, in batches, while workers
// analyse them, as a capture process and the service's workers would; it returns
// messages/s from the first capture to an empty backlog, and this process's CPU per
// message.
func captureAndAnalyse(ctx context.Context, st store.Store, a *analysis.Analyzer, n, workers, batch int, gen func(int) feedbackbot.Message) (float64, float64, error) {
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	wctx, stop := context.WithCancel(ctx)
	// on every return, errors and Ctrl-C included: the caller's cleanup must not run
	// while a worker still applies its batch in flight (it would write keys after
	// deletePrefix has scanned)
	defer func() { stop(); wg.Wait() }()
	for w := range workers {
		wk := &bot.Worker{Store: st, Analyzer: a, Consumer: fmt.Sprintf("bench-%d", w), Batch: batch, Wait: 20 * time.Millisecond}
		wg.Go(func() {
			if err := wk.Run(wctx); err != nil {
				errs <- err
			}
		})
	}
	if err := captureBatches(ctx, st, n, batch, gen); err != nil {
		return 0, 0, err
	}
	for {
		backlog, err := st.Backlog(ctx)
		if err != nil {
			return 0, 0, err
		}
		if backlog == 0 {
			break
		}
		select {
		case err := <-errs:
			return 0, 0, err
		case <-time.After(10 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	stop()
	wg.Wait()
	return float64(n) / elapsed.Seconds(), float64((cpuTime() - cpu0).Microseconds()) / float64(n), nil
}

// captureBatches appends the n messages gen makes (normalised, as puts) to st,
// batch at a time.
func captureBatches(ctx context.Context, st store.Store, n, batch int, gen func(int) feedbackbot.Message) error {
	evs := make([]feedbackbot.Event, 0, batch)
	for i := range n {
		m := gen(i)
		if err := m.Normalize(); err != nil {
			return err
		}
		evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		if len(evs) == batch || i == n-1 {
			if _, err := st.Append(ctx, evs...); err != nil {
				return err
			}
			evs = evs[:0]
		}
	}
	return nil
}

// redisCPU is the CPU time the Redis server has used (INFO cpu: user + system, all
// threads); 0 when INFO is not allowed. On a cluster it is the first node's.
func redisCPU(ctx context.Context, c redis.UniversalClient) time.Duration {
	info, err := c.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	var total float64
	for line := range strings.Lines(info) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_sys" || k == "used_cpu_user") {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitLazyFree waits until Redis has freed what UNLINK handed to its background
// thread, so the next figure (often the other store's) is not timed while Redis
// still works through a million deleted messages.
func waitLazyFree(ctx context.Context, c redis.UniversalClient) error {
	nodes, err := masters(ctx, c)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, n := range nodes {
		for {
			info, err := n.Info(ctx, "memory").Result()
			if err != nil {
				return fmt.Errorf("wait for Redis to free deleted keys: %w", err)
			}
			pending, ok := infoInt(info, "lazyfree_pending_objects")
			if !ok || pending <= 0 { // done, or a server that does not say
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("redis still has %d deleted objects to free after 2 minutes; going on", pending)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// deletePrefix removes every key the run wrote (on every master of a cluster).
func deletePrefix(ctx context.Context, c redis.UniversalClient, prefix string) error {
	del := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		var batch []string
		for iter.Next(ctx) {
			if batch = append(batch, iter.Val()); len(batch) == 500 {
				if err := c.Unlink(ctx, batch...).Err(); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, del)
	}
	if sc, ok := c.(*redis.Client); ok {
		return del(ctx, sc)
	}
	return fmt.Errorf("unsupported client %T", c)
}
