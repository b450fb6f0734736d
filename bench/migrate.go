package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// runMigrate times the one-off build of account-day counters for data written
// before they existed (with -from own, on Redis, the move of the layout before
// 2026-12-04, each account's days in hashes of their own, into one hash a day for
// the workspace; with -from hash, on Redis, only the move of each record's stored
// JSON out of its hash into a string of its own), at N messages of history: on the embedded store the Open that
// builds them from the hourly rollups, on Redis BuildAccountDays walking the applied
// messages once for the account days, the account-week time indexes (which the
// embedded store does not need: its account index is a B-tree) and the records'
// stored JSON. Each store is filled once (as bench digest fills it); each run turns the
// data into old data as the stores' migration tests do (not timed), times the
// migration, and checks that the counters read again and that two accounts' days
// equal what they were before: a wrong build fails the bench.
func runMigrate(ctx context.Context, args []string) error {
	fs := newFlags("migrate")
	n := fs.Int("messages", 1_000_000, "messages of history (1,000 a day, 200 accounts)")
	kinds := fs.String("stores", "bolt,redis", "stores to measure, comma-separated")
	runs := fs.Int("runs", 3, "migrations timed per store, each on the same data made old again (the median is reported)")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL")
	from := fs.String("from", "none", "the data's layout before the migration: none (from before account-day counters: both stores), own (Redis only: each account's days in hashes of their own, as versions before 2026-12-04 kept them, moved into one hash a day for the workspace) or hash (Redis only: the layout of the version before the data strings, each record's stored JSON in its hash, moved into a string of its own); on Redis, none and own have the JSON in the hash too, as those versions wrote it")
	fs.Parse(args)
	if *n <= 0 || *runs <= 0 {
		return fmt.Errorf("-messages and -runs must be positive")
	}
	if *from != "none" && *from != "own" && *from != "hash" {
		return fmt.Errorf("-from: %q is not none, own or hash", *from)
	}
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		return err
	}
	rows := [][]string{{"store", "messages", "fill msgs/s", "migration s, runs", "median s", "messages/s", "RSS rise MiB", "Redis CPU s", "open without migration"}}
	out := map[string]any{"messages": *n, "runs": *runs, "from": *from, "load_average_start": loadAverage()}
	for _, kind := range strings.Split(*kinds, ",") {
		var res migrateResult
		switch kind = strings.TrimSpace(kind); kind {
		case "bolt":
			if *from != "none" {
				return fmt.Errorf("-from %s is a Redis layout: the embedded store's did not change (-stores redis)", *from)
			}
			res, err = migrateBolt(ctx, a, *n, *runs)
		case "redis":
			res, err = migrateRedis(ctx, a, *n, *runs, *redisURL, *from)
		default:
			return fmt.Errorf("unknown store %q (bolt, redis)", kind)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		med := median(res.seconds)
		runsCol := make([]string, len(res.seconds))
		for i, s := range res.seconds {
			runsCol[i] = fmt.Sprintf("%.2f", s)
		}
		rssCol, cpuCol, openCol := "–", "–", "–"
		if m := maxOf(res.peakRSSMiB); m > 0 {
			rssCol = fmt.Sprintf("%.0f", m)
			out[kind+"_rss_rise_mib"] = m
		}
		if len(res.serverCPU) > 0 {
			cpuCol = fmt.Sprintf("%.1f", median(res.serverCPU))
			out[kind+"_server_cpu_seconds"] = median(res.serverCPU)
		}
		if res.plainOpen > 0 {
			openCol = fmt.Sprintf("%.2f s", res.plainOpen)
			out[kind+"_open_without_migration_seconds"] = res.plainOpen
		}
		out[kind+"_fill_messages_per_sec"] = res.fill
		out[kind+"_migration_seconds"] = med
		out[kind+"_migration_seconds_runs"] = res.seconds
		out[kind+"_migration_messages_per_sec"] = float64(*n) / med
		rows = append(rows, []string{kind, strconv.Itoa(*n), fmt.Sprintf("%.0f", res.fill), strings.Join(runsCol, " / "),
			fmt.Sprintf("%.2f", med), fmt.Sprintf("%.0f", float64(*n)/med), rssCol, cpuCol, openCol})
	}
	out["load_average_end"] = loadAverage()
	table(rows)
	printJSON(out)
	return nil
}

type migrateResult struct {
	fill       float64   // messages/s filling the store
	seconds    []float64 // each run's migration
	peakRSSMiB []float64 // how far this process's RSS rose during each run's migration (0: unknown)
	serverCPU  []float64 // Redis server CPU seconds during each run's migration
	plainOpen  float64   // seconds an Open takes when there is nothing to migrate
}

var (
	migrateEnd      = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	migrateAccounts = []string{"acct-7", "acct-123"}
)

// accountDaysOf reads the checked accounts' days over the whole history.
func accountDaysOf(ctx context.Context, st store.Store, n int) (map[string][]feedbackbot.Rollup, error) {
	from := migrateEnd.Add(-time.Duration(n/perDay+2) * 24 * time.Hour)
	out := map[string][]feedbackbot.Rollup{}
	for _, acct := range migrateAccounts {
		days, err := st.AccountDays(ctx, "TBENCH", acct, from, migrateEnd.Add(24*time.Hour))
		if err != nil {
			return nil, fmt.Errorf("account days of %s: %w", acct, err)
		}
		out[acct] = days
	}
	return out, nil
}

// recentOf lists the keys of the first checked account's messages of its last 16
// days, as account health reads them (from the account weeks once they are built).
func recentOf(ctx context.Context, st store.Store) ([]string, error) {
	ms, err := st.Messages(ctx, store.Query{Workspace: "TBENCH", Account: migrateAccounts[0], From: migrateEnd.Add(-16 * 24 * time.Hour), To: migrateEnd, Limit: store.MaxQueryLimit})
	if err != nil {
		return nil, fmt.Errorf("recent messages of %s: %w", migrateAccounts[0], err)
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("%s has no recent messages", migrateAccounts[0])
	}
	keys := make([]string, len(ms))
	for i, m := range ms {
		keys[i] = m.Message.Key()
	}
	return keys, nil
}

// checkMigrated fails unless the account days read again and equal want.
func checkMigrated(ctx context.Context, st store.Store, n int, want map[string][]feedbackbot.Rollup) error {
	got, err := accountDaysOf(ctx, st, n)
	if err != nil {
		return fmt.Errorf("after the migration: %w", err)
	}
	for _, acct := range migrateAccounts {
		if !reflect.DeepEqual(got[acct], want[acct]) {
			return fmt.Errorf("after the migration %s has %d account days, before it %d; first differing day: %s",
				acct, len(got[acct]), len(want[acct]), firstDiff(got[acct], want[acct]))
		}
	}
	return nil
}

func firstDiff(got, want []feedbackbot.Rollup) string {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("missing %s %v", want[i].Start.Format(time.DateOnly), want[i].Counts)
		case i >= len(want):
			return fmt.Sprintf("extra %s %v", got[i].Start.Format(time.DateOnly), got[i].Counts)
		case !reflect.DeepEqual(got[i], want[i]):
			return fmt.Sprintf("%s %v, want %s %v", got[i].Start.Format(time.DateOnly), got[i].Counts, want[i].Start.Format(time.DateOnly), want[i].Counts)
		}
	}
	return "none"
}

// fillForMigration fills st and reads the checked accounts' days as built live.
func fillForMigration(ctx context.Context, st store.Store, a *analysis.Analyzer, n int) (float64, map[string][]feedbackbot.Rollup, error) {
	fmt.Fprintf(os.Stderr, "bench migrate: filling %d messages...\n", n)
	fill, err := fillHistory(ctx, st, a, n, migrateEnd)
	if err != nil {
		return 0, nil, err
	}
	want, err := accountDaysOf(ctx, st, n)
	if err != nil {
		return 0, nil, err
	}
	for _, acct := range migrateAccounts {
		if len(want[acct]) == 0 {
			return 0, nil, fmt.Errorf("%s has no account days after the fill", acct)
		}
	}
	return fill, want, nil
}

// storeLog shows the stores' own log lines, as an operator would see them.
var storeLog = slog.New(slog.NewTextHandler(os.Stderr, nil))

func migrateBolt(ctx context.Context, a *analysis.Analyzer, n, runs int) (res migrateResult, err error) {
	dir, err := os.MkdirTemp("", "feedbackbot-bench-migrate-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	st, err := boltstore.Open(ctx, dir, boltstore.Options{Logger: storeLog})
	if err != nil {
		return res, err
	}
	var want map[string][]feedbackbot.Rollup
	res.fill, want, err = fillForMigration(ctx, st, a, n)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return res, err
	}
	// The same Open with nothing to migrate, for comparison.
	t := time.Now()
	if st, err = boltstore.Open(ctx, dir, boltstore.Options{Logger: storeLog}); err != nil {
		return res, err
	}
	res.plainOpen = time.Since(t).Seconds()
	if err := st.Close(); err != nil {
		return res, err
	}
	for run := range runs {
		if err := boltstore.DropAccountDays(dir); err != nil {
			return res, err
		}
		resetPeakRSS()
		t := time.Now()
		st, err := boltstore.Open(ctx, dir, boltstore.Options{Logger: storeLog})
		if err != nil {
			return res, fmt.Errorf("run %d: the migrating Open: %w", run+1, err)
		}
		res.seconds = append(res.seconds, time.Since(t).Seconds())
		res.peakRSSMiB = append(res.peakRSSMiB, peakRSSMiB())
		err = checkMigrated(ctx, st, n, want)
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, fmt.Errorf("run %d: %w", run+1, err)
		}
		fmt.Fprintf(os.Stderr, "bench migrate: bolt run %d: %.1f s\n", run+1, res.seconds[run])
	}
	return res, nil
}

func migrateRedis(ctx context.Context, a *analysis.Analyzer, n, runs int, url, from string) (res migrateResult, err error) {
	prefix := fmt.Sprintf("fbbench:%d:migrate", os.Getpid())
	st, cleanup, err := openRedisPrefix(ctx, url, prefix)
	if err != nil {
		return res, err
	}
	defer cleanup()
	var want map[string][]feedbackbot.Rollup
	if res.fill, want, err = fillForMigration(ctx, st, a, n); err != nil {
		return res, err
	}
	wantRecent, err := recentOf(ctx, st)
	if err != nil {
		return res, err
	}
	for run := range runs {
		t := time.Now()
		switch from {
		case "own":
			// the layout before 2026-12-04: account weeks built, each account's days
			// in hashes of their own
			if err := redistest.OwnAccountDays(ctx, st.Client(), prefix); err != nil {
				return res, err
			}
		case "none":
			if err := redistest.DropAccountDays(ctx, st.Client(), prefix); err != nil {
				return res, err
			}
			if err := redistest.DropAccountWeeks(ctx, st.Client(), prefix); err != nil {
				return res, err
			}
		}
		// every version before the data strings kept the stored JSON in the record
		if err := redistest.HashData(ctx, st.Client(), prefix); err != nil {
			return res, err
		}
		if from != "hash" {
			if _, err := st.AccountDays(ctx, "TBENCH", migrateAccounts[0], migrateEnd.Add(-24*time.Hour), migrateEnd); !errors.Is(err, store.ErrAccountDaysMissing) {
				return res, fmt.Errorf("run %d: AccountDays of the data made old = %v, want ErrAccountDaysMissing", run+1, err)
			}
		}
		fmt.Fprintf(os.Stderr, "bench migrate: redis run %d: made the data old in %.1f s (not timed)\n", run+1, time.Since(t).Seconds())
		secs, cpu, rss, err := timeBuildAccountDays(ctx, st)
		if err != nil {
			return res, fmt.Errorf("run %d: %w", run+1, err)
		}
		res.seconds, res.serverCPU, res.peakRSSMiB = append(res.seconds, secs), append(res.serverCPU, cpu), append(res.peakRSSMiB, rss)
		if err := checkMigrated(ctx, st, n, want); err != nil {
			return res, fmt.Errorf("run %d: %w", run+1, err)
		}
		if got, err := recentOf(ctx, st); err != nil || !slices.Equal(got, wantRecent) {
			return res, fmt.Errorf("run %d: after the migration %s's last 16 days read %d messages, %v; before it %d", run+1, migrateAccounts[0], len(got), err, len(wantRecent))
		}
		if n, err := st.Client().Exists(ctx, prefix+":{TBENCH}:awv").Result(); err != nil || n != 1 {
			return res, fmt.Errorf("run %d: the account weeks are not marked built (%v)", run+1, err)
		}
		if n, err := st.Client().Exists(ctx, prefix+":{TBENCH}:adv").Result(); err != nil || n != 0 {
			return res, fmt.Errorf("run %d: the old layout's marker is left (%v)", run+1, err)
		}
		if n, err := st.Client().Exists(ctx, prefix+":{TBENCH}:dv").Result(); err != nil || n != 1 {
			return res, fmt.Errorf("run %d: the data strings are not marked built (%v)", run+1, err)
		}
		fmt.Fprintf(os.Stderr, "bench migrate: redis run %d: %.1f s\n", run+1, secs)
	}
	return res, nil
}

// timeBuildAccountDays runs the back-fill, printing its progress every 5 s as the
// service logs it, and returns its seconds, the Redis server's CPU seconds and this
// process's peak RSS meanwhile.
func timeBuildAccountDays(ctx context.Context, st *redisstore.Store) (secs, serverCPU, rssMiB float64, err error) {
	resetPeakRSS()
	cpu0 := redisCPU(ctx, st.Client())
	t := time.Now()
	last := t
	err = st.BuildAccountDays(ctx, "TBENCH", func(done, total int) {
		if now := time.Now(); now.Sub(last) >= 5*time.Second {
			last = now
			fmt.Fprintf(os.Stderr, "bench migrate: redis back-fill %d of %d messages, %.0f/s\n", done, total, float64(done)/now.Sub(t).Seconds())
		}
	})
	secs = time.Since(t).Seconds()
	return secs, (redisCPU(ctx, st.Client()) - cpu0).Seconds(), peakRSSMiB(), err
}

// rssAtReset is this process's RSS when resetPeakRSS last ran.
var rssAtReset float64

// resetPeakRSS restarts the kernel's count of this process's peak RSS (Linux; a
// no-op elsewhere), so peakRSSMiB measures from here.
func resetPeakRSS() {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	rssAtReset = procStatusMiB("VmRSS:")
}

// peakRSSMiB is how far this process's RSS rose above what it was at resetPeakRSS
// (VmHWM less VmRSS then), 0 when unknown: on the embedded store it counts the
// pages of the mapped file the migration touched, as the kernel does.
func peakRSSMiB() float64 {
	if hwm := procStatusMiB("VmHWM:"); hwm > 0 {
		return max(0, hwm-rssAtReset)
	}
	return 0
}

// procStatusMiB reads one kB figure of /proc/self/status in MiB, 0 when unknown.
func procStatusMiB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			kib, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kib / 1024
		}
	}
	return 0
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// loadAverage is the 1, 5 and 15-minute load average ("" when unknown): the machine
// is shared, so the figures say how busy it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
