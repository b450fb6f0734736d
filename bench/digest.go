package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
)

// runDigest fills a store with N messages of history (1,000 a day), then times
// the 7-day digest and a /feedback account lookup as of the last day: the figures
// should stay flat as N grows, because both read the period, not the history.
func runDigest(ctx context.Context, args []string) error {
	fs := newFlags("digest")
	sizes := fs.String("sizes", "10000,100000", "comma-separated history sizes (messages)")
	kinds := fs.String("stores", "bolt,redis", "stores to measure")
	reps := fs.Int("reps", 100, "timed repetitions per figure (median and p99 reported; the p99 is the nearest rank: of 100, the second slowest; below 100, the slowest)")
	daily := fs.Int("per-day", perDay, "messages a day in the generated history (a longer history means more days); at the default, 10k messages are 10 days, shorter than the 15-16 days account health reads")
	redisURL := fs.String("redis", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL")
	decompose := fs.Bool("decompose", false, "also time the account lookup with its day-counter read left out, the digest with its previous-period rollups left out (what the rest costs: not valid results, a cost breakdown), and the digest reading every counter of the previous period (as before it named the few it compares)")
	fs.BoolVar(&inWake, "wake", false, "time each account lookup right after a digest, and every variant taking turns with the others (how the earlier tables in bench/RESULTS.md were measured), rather than each figure in a run of its own: a lookup then pays for the garbage and the Redis work the digest, or the old full read timed before it, left behind")
	pastHour := fs.Duration("past-the-hour", 0, "end the history and the timed 7-day digests this long past 09:00 (e.g. 30m: a period that begins and ends inside an hour, whose two part-hours are counted from their messages, as a schedule at :30 or a zone such as Asia/Kolkata makes them)")
	interleave := fs.Bool("interleave", true, "after every size of a store is timed on its own, keep them all open and time each size's digests and account lookups again taking turns rep by rep, so that the machine's changing load falls on every size alike; the growth ratios are then also given from these paired runs")
	settleFor := fs.Duration("settle", 2*time.Minute, "before timing each store and size, wait at most this long for the machine to go quiet (0: never wait)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the first store and size's timed digests and lookups to this file")
	fs.StringVar(&memProfileReads, "memprofile", "", "write an allocation profile of the first store and size's timed digests and lookups to this file (go tool pprof -sample_index=alloc_space)")
	gcList := fs.String("gc", "", "also time the digest at each of these Go collector targets (GOGC percentages, comma-separated, e.g. 100,400), the targets taking turns rep by rep on the same store: what the collector's setting does to the digest, with the machine's drift falling on each alike")
	fs.StringVar(&surveyLayout, "surveys", surveyLayout, "how the history's survey answers (one per 50 messages) are stored: weeks (as the bot does), list (one list, as versions before 2026-12 did, which every digest and account lookup read whole) or none")
	fs.Parse(args)
	if memProfileReads != "" {
		runtime.MemProfileRate = 0 // sampled only while the reads are timed
	}
	if !slices.Contains([]string{"weeks", "list", "none"}, surveyLayout) {
		return fmt.Errorf("-surveys: %q is not weeks, list or none", surveyLayout)
	}
	profileReads = *cpuProfile
	decomposeReads = *decompose
	gcTargets = nil
	for _, f := range strings.Split(*gcList, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pct, err := strconv.Atoi(f)
		if err != nil || pct <= 0 {
			return fmt.Errorf("-gc: %q is not a positive percentage", f)
		}
		gcTargets = append(gcTargets, pct)
	}
	if len(gcTargets) > 0 && inWake {
		return fmt.Errorf("-gc times the digests in a run of their own, which -wake does not make: use one or the other")
	}
	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		return err
	}
	if *pastHour < 0 || *pastHour >= time.Hour {
		return fmt.Errorf("--past-the-hour %s: want 0 to 59m", *pastHour)
	}
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC).Add(*pastHour)
	out := map[string]any{"per_day": *daily, "surveys": surveyLayout, "in_wake": inWake}
	fmt.Printf("history: %d messages a day across 200 accounts, one survey answer per %d messages (stored as: %s), as of %s\n", *daily, surveyEvery, surveyLayout, end.Format(time.DateTime))
	// The collector as the bot's processes run it (feedbackbot run, digest, risk).
	defer bot.SetCollector(os.Getenv, bot.GCPercent)()
	gcNow := gcPercent()
	out["gogc"] = gcNow
	fmt.Printf("Go collector target: %d (as feedbackbot run sets it unless GOGC is set; -gc compares others)\n", gcNow)
	cc := congestionControl()
	out["tcp_congestion_control"] = cc
	fmt.Printf("TCP congestion control (new connections, Redis's too): %s\n", cc)
	if inWake {
		fmt.Println("each account lookup timed right after a digest, the variants taking turns (-wake)")
	} else {
		fmt.Println("each figure timed in a run of its own: the digests, then the account lookups, then (-decompose) the variants")
	}
	if *interleave {
		fmt.Println("then, every size of a store open, its digests and lookups timed again with the sizes taking turns (the growth ratios' paired figures)")
	}
	rows := [][]string{{"store", "history", "days", "fill msgs/s", "digest 7d median (with every account's health)", fmt.Sprintf("digest p99 (of %d)", *reps), "MB allocated a digest", "account median (/feedback account, whole command)", fmt.Sprintf("account p99 (of %d)", *reps), "account reads: msgs / days", "full-read account median", "Redis bytes/msg", fmt.Sprintf("Redis stalls >= %d ms meanwhile", stallMS)}}
	if *decompose {
		rows[0] = append(rows[0], "account without day counters, median", "digest without previous period, median / p99", "digest reading previous period whole, median / p99")
	}
	var redisWork []string
	var gcLines []string     // with -gc: the digest at each collector target
	var digestWork []string  // Redis's work a digest
	var firstLines []string  // the warm-up's digest and lookup
	var othersLines []string // the rest of the machine's CPU during the timed digests
	var kindLines []string   // Redis bytes a message by key kind
	// per store, each size's medians and the highest p99, for the growth summary
	type sizeFig struct {
		n            int
		digest, acct float64
		p99          float64
		read         float64 // messages an account lookup reads, on average
	}
	growth := map[string][]sizeFig{}
	interleaved := map[string]map[int]readTimes{}
	for _, kind := range strings.Split(*kinds, ",") {
		var kept []sizedStore // with -interleave: each size's store, open until the kind's paired round
		closeKept := func() {
			for _, k := range kept {
				k.cleanup()
			}
			kept = nil
		}
		for i, sz := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(sz))
			if err != nil || n <= 0 {
				return fmt.Errorf("bad size %q", sz)
			}
			st, cleanup, err := openBenchStore(ctx, kind, *redisURL, 100+i)
			if err != nil {
				rows = append(rows, []string{kind, sz, "skipped: " + err.Error()})
				continue
			}
			fmt.Fprintf(os.Stderr, "bench digest: %s %d: filling the history by capture and analysis (a million messages take a few minutes)\n", kind, n)
			fillStart := time.Now()
			fill, err := fillHistoryAt(ctx, st, a, n, *daily, end)
			if err != nil {
				cleanup()
				closeKept()
				return err
			}
			fmt.Fprintf(os.Stderr, "bench digest: %s %d: filled in %.1f s (capture and analysis at %.0f messages/s, then %d survey answers); timing %d digests and %d account lookups\n",
				kind, n, time.Since(fillStart).Seconds(), fill, surveyCount(n), *reps, *reps)
			settle(ctx, fmt.Sprintf("timing %s %d", kind, n), *settleFor)
			perMsg := "–"
			if kind == "redis" {
				b, byKind, err := redisBytes(ctx, st, fmt.Sprintf("fbbench:%d:%d", os.Getpid(), 100+i))
				if err != nil {
					cleanup()
					closeKept()
					return err
				}
				perMsg = fmt.Sprintf("%.0f", float64(b)/float64(n))
				out[fmt.Sprintf("redis_%d_bytes_per_message", n)] = float64(b) / float64(n)
				kinds := map[string]float64{}
				for k, v := range byKind {
					kinds[k] = float64(v) / float64(n)
				}
				out[fmt.Sprintf("redis_%d_bytes_per_message_by_key_kind", n)] = kinds
				kindLines = append(kindLines, fmt.Sprintf("%s %s: %s", kind, sz, formatKinds(byKind, n)))
			}
			stall := "–"
			var stop func() (stalls, error)
			if kind == "redis" {
				if stop, err = watchStalls(ctx, st); err != nil {
					stall = "unknown: " + err.Error()
				}
			}
			rt, err := timeReads(ctx, st, end, *reps)
			if stop != nil {
				s, serr := stop()
				if serr != nil {
					stall = "unknown: " + serr.Error()
				} else {
					stall = s.String()
					out[fmt.Sprintf("redis_%d_stall_seconds", n)], out[fmt.Sprintf("redis_%d_stall_max_ms", n)] = s.seconds, s.maxMS
				}
			}
			if err == nil { // after the timing, the profile and the stall watch
				err = countReads(ctx, st, end, *reps, &rt)
			}
			if *interleave && err == nil {
				kept = append(kept, sizedStore{n, st, cleanup})
			} else {
				cleanup()
			}
			if err != nil {
				closeKept()
				return err
			}
			dig, acc, full := rt.digest, rt.account, rt.full
			key := fmt.Sprintf("%s_%d", kind, n)
			out[key+"_digest_median_ms"], out[key+"_digest_p99_ms"] = ms(median(dig)), ms(quantile(dig, 0.99))
			out[key+"_digest_allocated_mb"] = median(rt.digestAlloc) / 1e6
			out[key+"_digest_ms_each"] = sortedMS(dig)      // the whole distribution: the p99 of a few reps is their slowest
			out[key+"_digest_ms_in_order"] = inOrderMS(dig) // as they ran: whether the slow ones come together
			out[key+"_first_digest_ms"], out[key+"_first_account_ms"] = ms(rt.firstDigest), ms(rt.firstAccount)
			if line, ok := othersLine(out, key, dig, rt.digestOthers, rt.othersTop); ok {
				othersLines = append(othersLines, fmt.Sprintf("%s %s: %s", kind, sz, line))
			}
			firstLines = append(firstLines, fmt.Sprintf("%s %s: digest %.1f ms, account lookup %.2f ms", kind, sz, ms(rt.firstDigest), ms(rt.firstAccount)))
			out[key+"_account_median_ms"], out[key+"_account_p99_ms"] = ms(median(acc)), ms(quantile(acc, 0.99))
			out[key+"_account_full_read_median_ms"] = ms(median(full))
			out[key+"_account_messages_read"], out[key+"_account_days_read"] = rt.msgsRead, rt.daysRead
			growth[kind] = append(growth[kind], sizeFig{n: n, digest: median(dig), acct: median(acc),
				p99: max(quantile(dig, 0.99), quantile(acc, 0.99)), read: rt.msgsRead})
			rows = append(rows, []string{kind, sz, fmt.Sprintf("%.1f", float64(n)/float64(*daily)), fmt.Sprintf("%.0f", fill),
				fmt.Sprintf("%.1f ms", ms(median(dig))), fmt.Sprintf("%.1f ms", ms(quantile(dig, 0.99))), fmt.Sprintf("%.1f", median(rt.digestAlloc)/1e6),
				fmt.Sprintf("%.2f ms", ms(median(acc))), fmt.Sprintf("%.2f ms", ms(quantile(acc, 0.99))),
				fmt.Sprintf("%.0f / %.0f", rt.msgsRead, rt.daysRead),
				fmt.Sprintf("%.2f ms", ms(median(full))), perMsg, stall})
			if rt.accountRedis != nil {
				out[key+"_account_redis_per_lookup"] = rt.accountRedis
				redisWork = append(redisWork, fmt.Sprintf("%s %s: %s", kind, sz, formatPerOp(rt.accountRedis)))
			}
			if rt.digestRedis != nil {
				out[key+"_digest_redis_per_digest"] = rt.digestRedis
				digestWork = append(digestWork, fmt.Sprintf("%s %s: %s", kind, sz, formatPerOp(rt.digestRedis)))
			}
			for _, pct := range gcTargets {
				xs := rt.digestAtGC[pct]
				if len(xs) == 0 {
					continue
				}
				out[fmt.Sprintf("%s_digest_gogc%d_median_ms", key, pct)], out[fmt.Sprintf("%s_digest_gogc%d_p99_ms", key, pct)] = ms(median(xs)), ms(quantile(xs, 0.99))
				out[fmt.Sprintf("%s_digest_gogc%d_ms_each", key, pct)] = sortedMS(xs)
				gcLines = append(gcLines, fmt.Sprintf("%s %s, digest at GOGC=%d: median %.1f ms, p99 %.1f ms, slowest %.1f ms", kind, sz, pct, ms(median(xs)), ms(quantile(xs, 0.99)), ms(slices.Max(xs))))
			}
			if *decompose {
				out[key+"_account_without_days_median_ms"] = ms(median(rt.noDays))
				out[key+"_digest_without_previous_median_ms"] = ms(median(rt.digestNoPrev))
				out[key+"_digest_without_previous_p99_ms"] = ms(quantile(rt.digestNoPrev, 0.99))
				out[key+"_digest_whole_previous_median_ms"] = ms(median(rt.digestWholePrev))
				out[key+"_digest_whole_previous_p99_ms"] = ms(quantile(rt.digestWholePrev, 0.99))
				rows[len(rows)-1] = append(rows[len(rows)-1], fmt.Sprintf("%.2f ms", ms(median(rt.noDays))),
					fmt.Sprintf("%.1f / %.1f ms", ms(median(rt.digestNoPrev)), ms(quantile(rt.digestNoPrev, 0.99))),
					fmt.Sprintf("%.1f / %.1f ms", ms(median(rt.digestWholePrev)), ms(quantile(rt.digestWholePrev, 0.99))))
			}
		}
		var pairErr error
		if len(kept) > 1 {
			fmt.Fprintf(os.Stderr, "bench digest: %s: timing the %d sizes again, taking turns (%d digests and %d account lookups each)\n", kind, len(kept), *reps, *reps)
			settle(ctx, "timing "+kind+" sizes in turn", *settleFor)
			interleaved[kind], pairErr = timeInterleaved(ctx, kept, end, *reps)
		}
		closeKept()
		if pairErr != nil {
			return pairErr
		}
	}
	table(rows)
	for _, kind := range strings.Split(*kinds, ",") {
		g := growth[kind]
		if len(g) < 2 {
			continue
		}
		lo, hi := g[0], g[len(g)-1]
		worst := 0.0
		for _, f := range g {
			worst = max(worst, f.p99)
		}
		dr, ar := hi.digest/lo.digest, hi.acct/lo.acct
		key := fmt.Sprintf("%s_%d_vs_%d", kind, hi.n, lo.n)
		out[key+"_digest_ratio"], out[key+"_account_ratio"] = dr, ar
		how := "each size timed on its own"
		cpuLine := ""
		if p := interleaved[kind]; p[lo.n].account != nil && p[hi.n].account != nil {
			// The paired figures are the headline: taken in turn, the machine's drift
			// falls on both sizes alike.
			var meds []string
			for _, f := range g {
				pk := fmt.Sprintf("%s_%d_interleaved", kind, f.n)
				d, a := ms(median(p[f.n].digest)), ms(median(p[f.n].account))
				out[pk+"_digest_median_ms"], out[pk+"_account_median_ms"] = d, a
				meds = append(meds, fmt.Sprintf("%d: %.1f / %.2f ms", f.n, d, a))
			}
			pdr, par := median(p[hi.n].digest)/median(p[lo.n].digest), median(p[hi.n].account)/median(p[lo.n].account)
			out[key+"_interleaved_digest_ratio"], out[key+"_interleaved_account_ratio"] = pdr, par
			how = fmt.Sprintf("the sizes taking turns, digest / account medians %s; each size timed on its own: %.2f×, %.2f×", strings.Join(meds, ", "), dr, ar)
			if lc, hc := p[lo.n].digestCPU, p[hi.n].digestCPU; len(lc) > 0 && len(hc) > 0 {
				var cpus []string
				for _, f := range g {
					c := ms(median(p[f.n].digestCPU))
					out[fmt.Sprintf("%s_%d_interleaved_digest_cpu_median_ms", kind, f.n)] = c
					cpus = append(cpus, fmt.Sprintf("%d: %.1f ms", f.n, c))
				}
				cr := median(hc) / median(lc)
				out[key+"_interleaved_digest_cpu_ratio"] = cr
				who := "the whole store's work"
				if kind == "redis" {
					who = "the bot's side: Redis's own not in it"
				}
				cpuLine = fmt.Sprintf("  CPU a digest, taking turns (the bench process's; %s), median: %s: %.2f×", who, strings.Join(cpus, ", "), cr)
			}
			dr, ar = pdr, par
		}
		fmt.Printf("%s, %d against %d messages: digest median %.2f×, account median %.2f× (target: at most 1.5×; %s); highest p99 %.1f ms (target: under 200; warm: the store filled in this process just before, its file in the page cache)\n",
			kind, hi.n, lo.n, dr, ar, how, ms(worst))
		if cpuLine != "" {
			fmt.Println(cpuLine)
		}
		if days := float64(lo.n) / float64(*daily); days < readWindowDays {
			fmt.Printf("  (%d messages at %d a day are %.1f days, shorter than the %d days the reads cover: the smaller history's reads read fewer messages; -per-day %d or fewer makes %d cover them)\n",
				lo.n, *daily, days, readWindowDays, lo.n/readWindowDays, lo.n)
		}
		if lo.read > 0 && hi.read > 0 {
			rr := hi.read / lo.read
			out[key+"_account_messages_read_ratio"], out[key+"_account_time_per_message_read_ratio"] = rr, ar/rr
			fmt.Printf("  an account lookup read %.1f messages at %d and %.1f at %d (%.2f×): %.2f× the time per message read\n",
				lo.read, lo.n, hi.read, hi.n, rr, ar/rr)
		}
	}
	section("The first digest and account lookup of each store and size, untimed warm-up (not in the medians or p99s above):", firstLines)
	section("The digest at each Go collector target (-gc; the targets taking turns rep by rep on the same store):", gcLines)
	section(fmt.Sprintf("The rest of the machine during the timed digests (CPU of everything but the bench and Redis; a digest it took %d ms or more from counts as shared):", disturbedMS), othersLines)
	section("Redis bytes a stored message by kind of key (MEMORY USAGE; d: stored message and tags, m: record, t/tc/ta: time indexes, aw: account weeks, r: hourly rollups, log: capture log; see store/redis/store.go):", kindLines)
	section("Redis server time per digest (INFO commandstats around the digests; command, calls, time):", digestWork)
	section("Redis server time per account lookup (INFO commandstats around the lookups; command, calls, time):", redisWork)
	printJSON(out)
	return nil
}

func ms(seconds float64) float64 { return seconds * 1000 }

// section prints a heading and its lines, indented, when there are any.
func section(heading string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Println(heading)
	for _, l := range lines {
		fmt.Println("  " + l)
	}
}

// gcPercent is the collector's target now (the runtime has no getter: it is set
// and put back).
func gcPercent() int {
	pct := debug.SetGCPercent(100)
	debug.SetGCPercent(pct)
	return pct
}

// inOrderMS is every timing in milliseconds, in the order taken, rounded to 0.1 ms.
func inOrderMS(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Round(ms(x)*10) / 10
	}
	return out
}

// sortedMS is every timing in milliseconds, fastest first, rounded to 0.1 ms.
func sortedMS(xs []float64) []float64 {
	s := inOrderMS(xs)
	slices.Sort(s)
	return s
}

// quantile is the q-quantile of xs by the nearest-rank method: the smallest value
// that at least q of the values do not exceed (the ceil(q·n)-th, fastest first). Of
// 100 timings the p99 is the second slowest; it took the (floor(q·n)+1)-th, one rank
// too high wherever q·n is whole (the slowest of 100). Below 100 timings a p99 is
// the slowest: quote it with its count.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	// (q·n computed in floating point: 0.99·100 must give the 99th, not the 100th)
	rank := int(math.Ceil(q*float64(len(s)) - 1e-9))
	return s[min(len(s), max(1, rank))-1]
}

// readWindowDays is the longest stretch of days that the timed reads cover: account
// health reads 15-16 days of messages and the 40-41 days of baseline before them (a
// digest reads 35). A history shorter than this is not in its steady state yet.
const readWindowDays = 56

// perDay keeps the daily volume fixed, so a longer history means more days, not
// denser ones: the 7-day digest always covers the same number of messages.
const perDay = 1000

// fillHistory captures and analyses n messages at perDay a day up to end, across 200
// accounts, and returns the fill rate.
func fillHistory(ctx context.Context, st store.Store, a *analysis.Analyzer, n int, end time.Time) (float64, error) {
	return fillHistoryAt(ctx, st, a, n, perDay, end)
}

// benchAccounts is how many accounts the generated history's messages spread over.
const benchAccounts = 200

// benchAccount is the account of the history's i-th message, and of the i-th lookup.
func benchAccount(i int) string { return fmt.Sprintf("acct-%d", i%benchAccounts) }

// lookupRequest is the health part of the i-th /feedback account lookup as of end
// (what the variants and the read count time).
func lookupRequest(end time.Time, i int) bot.RiskRequest {
	return bot.RiskRequest{Workspace: "TBENCH", Now: end, Only: benchAccount(i)}
}

// accountCommand runs the i-th /feedback account lookup as of end the way a staff
// member's command runs: the whole command (the account resolved by name, its
// health, its latest messages, the reply built and the command audited), not
// bot.Risk alone, which the harness timed before (a review's find).
func accountCommand(ctx context.Context, st bot.CommandStore, end time.Time, i int) error {
	b := &bot.Bot{Store: st, Now: func() time.Time { return end }}
	doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "TBENCH",
		User: "UBENCH", UserName: "bench", Staff: true, Text: "account " + benchAccount(i)})
	if err != nil {
		return err
	}
	if len(doc.Blocks) == 0 {
		return fmt.Errorf("account %s: an empty reply", benchAccount(i))
	}
	return nil
}

// slackID is a Slack message's id as the adapter makes it: the channel and the
// message's ts (seconds and microseconds), so a channel's messages sort by time, as
// real ones do (the stores' keys then keep a channel's recent messages together).
func slackID(channel string, at time.Time) string {
	return fmt.Sprintf("%s:%d.%06d", channel, at.Unix(), at.Nanosecond()/1000)
}

// digestRequest is the timed 7-day digest as of end, with the theme names and
// vocabulary the bot passes (nil themes read the previous period whole).
func digestRequest(end time.Time, themes []string, known emerging.Vocabulary) bot.DigestRequest {
	return bot.DigestRequest{Workspace: "TBENCH", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end, Themes: themes, Known: known}
}

// botDigest builds the 7-day digest as of end the way the bot does (the scheduler,
// /feedback digest and the digest command alike, through bot.DigestWithRisk): with
// every account's health, for its at-risk list, assessed beside it. The harness
// timed BuildDigest alone, leaving out the health pass, about half of the work (a
// review's find).
func botDigest(ctx context.Context, st store.Store, end time.Time, themes []string, known emerging.Vocabulary) error {
	_, err := bot.DigestWithRisk(ctx, st, bot.RiskRequest{Workspace: "TBENCH", Now: end}, digestRequest(end, themes, known))
	return err
}

// fillHistoryAt is fillHistory at daily messages a day.
func fillHistoryAt(ctx context.Context, st store.Store, a *analysis.Analyzer, n, daily int, end time.Time) (float64, error) {
	if daily <= 0 {
		return 0, fmt.Errorf("messages a day must be positive, not %d", daily)
	}
	step := 24 * time.Hour / time.Duration(daily)
	def := config.Default().Analysis
	rate, _, err := captureAndAnalyse(ctx, st, a, n, def.Workers, max(def.Batch, 1000), func(i int) feedbackbot.Message {
		at, ch := end.Add(-time.Duration(n-i)*step), fmt.Sprintf("C%d", i%40)
		m := feedbackbot.Message{ID: slackID(ch, at), Platform: feedbackbot.PlatformSlack, Workspace: "TBENCH",
			Channel: ch, Author: fmt.Sprintf("U%d", i%900), Role: feedbackbot.RoleCustomer,
			Account: benchAccount(i), Text: sampleTexts[i%len(sampleTexts)], Time: at}
		if (i+i/benchAccounts)%4 == 3 { // a quarter of all messages and of each account's (i%4 alone made every fourth account staff's alone)
			m.Role = feedbackbot.RoleStaff
		}
		return m
	})
	if err != nil {
		return rate, err
	}
	return rate, fillSurveys(ctx, st, n, daily, end)
}

// surveyEvery is one survey answer per this many messages of generated history (at
// 1,000 messages a day, 20 answers a day: under what 900 people asked at most once
// in 30 days can give).
const surveyEvery = 50

// surveyLayout is how fillSurveys stores answers: "weeks" as the bot does, "list"
// as versions before it did (one list of every answer, which every reader read
// whole; the bot still reads such a list until it has moved it), "none" for none.
var surveyLayout = "weeks"

// surveyCount is how many survey answers fillSurveys stores for n messages.
func surveyCount(n int) int {
	if surveyLayout == "none" {
		return 0
	}
	return n / surveyEvery
}

// fillSurveys stores the survey answers of a generated history: one per surveyEvery
// messages, spread over its days and accounts, as customers' button presses would.
func fillSurveys(ctx context.Context, st store.Store, n, daily int, end time.Time) error {
	if surveyLayout == "none" {
		return nil
	}
	step := 24 * time.Hour / time.Duration(daily)
	for i := surveyEvery - 1; i < n; i += surveyEvery {
		a := bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 1 + i/surveyEvery%5, Account: benchAccount(i),
			Thread: slackID(fmt.Sprintf("C%d", i%40), end.Add(-time.Duration(n-i)*step)), User: fmt.Sprintf("U%d", i%900), Time: end.Add(-time.Duration(n-i) * step)}
		if i/surveyEvery%3 == 2 {
			a.Kind, a.Score = bot.SurveyNPS, i/surveyEvery%11
		}
		var err error
		if surveyLayout == "list" {
			raw, _ := json.Marshal(a)
			err = st.PutDoc(ctx, "TBENCH", bot.DocSurveyAnswer, strings.Join([]string{a.Kind, a.Account, a.Thread, a.User}, "|"), raw)
		} else {
			err = bot.PutSurveyAnswer(ctx, st, "TBENCH", a)
		}
		if err != nil {
			return fmt.Errorf("survey answer: %w", err)
		}
	}
	return nil
}

// profileReads, when set, is where the first timeReads writes a CPU profile;
// memProfileReads, an allocation profile of what it allocated.
var profileReads, memProfileReads string

// fullRead hides a store's account-day counters, so bot.Risk reads every message of
// the baseline window as it did before them: the same lookup's old cost, timed on the
// same data beside the new one.
type fullRead struct{ store.Store }

func (fullRead) AccountDays(context.Context, string, string, time.Time, time.Time, ...string) ([]feedbackbot.Rollup, error) {
	return nil, store.ErrAccountDaysMissing
}

// counted counts the messages and account days an account lookup reads through it.
type counted struct {
	store.Store
	msgs, days *atomic.Int64
}

func (s counted) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	rows, err := s.Store.Messages(ctx, q)
	s.msgs.Add(int64(len(rows)))
	return rows, err
}

func (s counted) AccountDays(ctx context.Context, ws, account string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error) {
	days, err := s.Store.AccountDays(ctx, ws, account, from, to, counters...)
	s.days.Add(int64(len(days)))
	return days, err
}

// inWake times each account lookup right after a digest, and the variants of each
// taking turns with it, as the README's earlier tables were measured: a lookup then
// pays for what the read before it left behind (garbage to collect, Redis's caches),
// which at 1M is a 6,000-record digest or the old full read of 280 records, not its
// own cost. By default each figure is timed in a run of its own.
var inWake bool

// gcTargets, when set, are the Go collector targets (GOGC) timeReads also times the
// digest at, taking turns rep by rep.
var gcTargets []int

// decomposeReads adds the lookup without its day-counter read, the digest without
// its previous period's rollups, and the digest reading them whole, to timeReads.
var decomposeReads bool

// noDays leaves a store's day counters out (no older baseline at all): only to time
// what the rest of an account lookup costs.
type noDays struct{ store.Store }

func (noDays) AccountDays(context.Context, string, string, time.Time, time.Time, ...string) ([]feedbackbot.Rollup, error) {
	return []feedbackbot.Rollup{}, nil
}

// noPrevious leaves out the rollups of the period that ends where the digest's
// begins (the comparison): only to time what that read costs a digest.
type noPrevious struct {
	store.Store
	from time.Time
}

func (s noPrevious) Rollups(ctx context.Context, ws string, from, to time.Time, counters ...string) ([]feedbackbot.Rollup, error) {
	if to.Equal(s.from) {
		return nil, nil
	}
	return s.Store.Rollups(ctx, ws, from, to, counters...)
}

// Unwrap gives the at-risk pass the store's own optional reads (bot.Unwrapper),
// which the embedded interface hides: the variant differs from the digest in
// the previous period alone.
func (s noPrevious) Unwrap() store.Store { return s.Store }

// readTimes are timeReads' figures, in seconds.
type readTimes struct {
	digest, account, full []float64
	digestAlloc           []float64 // bytes the bench process allocated during each digest
	// digestCPU is the bench process's CPU time during each digest taken in turns
	// (seconds; nil where it cannot be read): the bot's work, less moved than its
	// wall time by what else the machine runs (a Redis store's server not in it).
	// The collector's work that a digest's garbage leaves for later falls on the
	// digests after it, of whichever size: that pulls the sizes' ratio towards 1.
	digestCPU []float64
	// digestOthers is the rest of the machine's CPU during each digest (ms, in the
	// order timed; nil where it cannot be measured), othersTop its largest consumers
	// over the digests' run.
	digestOthers         []float64
	othersTop            []string
	noDays, digestNoPrev []float64         // with decomposeReads
	digestWholePrev      []float64         // with decomposeReads: every counter of the previous period read
	digestAtGC           map[int][]float64 // with gcTargets: the digest at each collector target
	// msgsRead and daysRead are the messages and account-day counters an account
	// lookup reads, on average over the accounts timed (counted in a pass of its own).
	msgsRead, daysRead float64
	// accountRedis is the Redis server's work per account lookup (command -> calls,
	// µs), from INFO commandstats around the lookups' own run; nil where not read.
	accountRedis map[string][2]float64
	// firstDigest and firstAccount are the untimed warm-up's digest and lookup.
	firstDigest, firstAccount float64
	// digestRedis is the same per digest, from its own run.
	digestRedis map[string][2]float64
}

func timeReads(ctx context.Context, st store.Store, end time.Time, reps int) (rt readTimes, err error) {
	// One digest and one account lookup before anything is timed or profiled: the
	// first of a process fills the connection pool and grows the heap to its working
	// size, and is reported on its own, not in the medians or p99s.
	tax0 := analysis.DefaultTaxonomy()
	t0 := time.Now()
	if err := botDigest(ctx, st, end, tax0.Names(), emerging.NewVocabulary(tax0)); err != nil {
		return rt, err
	}
	rt.firstDigest = time.Since(t0).Seconds()
	t0 = time.Now()
	if err := accountCommand(ctx, st, end, 0); err != nil {
		return rt, err
	}
	rt.firstAccount = time.Since(t0).Seconds()
	if profileReads != "" {
		f, err := os.Create(profileReads)
		if err != nil {
			return rt, err
		}
		profileReads = ""
		if err := pprof.StartCPUProfile(f); err != nil {
			return rt, err
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	if memProfileReads != "" {
		f, ferr := os.Create(memProfileReads)
		if ferr != nil {
			return rt, ferr
		}
		memProfileReads = ""
		runtime.MemProfileRate = 64 << 10 // (0 until now: the fill is left out)
		defer func() {
			runtime.GC() // the profile is as of the last collection
			werr := pprof.Lookup("allocs").WriteTo(f, 0)
			runtime.MemProfileRate = 0
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil && err == nil {
				err = fmt.Errorf("-memprofile: %w", werr) // (the named result: a failed write fails the run)
			}
		}()
	}
	type variant struct {
		st     store.Store
		into   *[]float64
		themes []string // digests: as the bot passes the configured names; nil reads the previous period whole
		gc     int      // digests: the collector target timed at (0: as the process runs)
	}
	tax := analysis.DefaultTaxonomy()
	themes, known := tax.Names(), emerging.NewVocabulary(tax) // as the bot passes them
	variants := []variant{{st, &rt.account, nil, 0}, {fullRead{st}, &rt.full, nil, 0}}
	digests := []variant{{st, &rt.digest, themes, 0}}
	from := end.Add(-7 * 24 * time.Hour)
	if decomposeReads {
		variants = append(variants, variant{noDays{st}, &rt.noDays, nil, 0})
		digests = append(digests, variant{noPrevious{st, from}, &rt.digestNoPrev, themes, 0}, variant{st, &rt.digestWholePrev, nil, 0})
	}
	atGC := make([][]float64, len(gcTargets))
	var byGC []variant
	for i, pct := range gcTargets {
		byGC = append(byGC, variant{st, &atGC[i], themes, pct})
	}
	if len(byGC) > 0 {
		prev := gcPercent()
		defer func() {
			debug.SetGCPercent(prev) // the target the run started with
			rt.digestAtGC = map[int][]float64{}
			for i, pct := range gcTargets {
				rt.digestAtGC[pct] = atGC[i]
			}
		}()
	}
	var before, after runtime.MemStats
	watch, watching := newOthersWatch(ctx, st)
	if watching {
		watch.begin()
		defer func() { rt.othersTop = watch.top(3) }()
	}
	var cpu0 cpuMark
	digest := func(vs []variant, i int) error {
		for j := range vs {
			v := vs[(i+j)%len(vs)]
			main := v.into == &rt.digest
			if v.gc > 0 {
				debug.SetGCPercent(v.gc)
			}
			if main {
				runtime.ReadMemStats(&before)
				if watching {
					cpu0 = watch.mark()
				}
			}
			t := time.Now()
			if err := botDigest(ctx, v.st, end, v.themes, known); err != nil {
				return err
			}
			*v.into = append(*v.into, time.Since(t).Seconds())
			if main {
				if watching {
					rt.digestOthers = append(rt.digestOthers, othersMS(cpu0, watch.mark()))
				}
				runtime.ReadMemStats(&after)
				rt.digestAlloc = append(rt.digestAlloc, float64(after.TotalAlloc-before.TotalAlloc))
			}
		}
		return nil
	}
	lookup := func(vs []variant, i int) error {
		req := lookupRequest(end, i)
		for j := range vs {
			v := vs[(i+j)%len(vs)]
			t := time.Now()
			if v.into == &rt.account { // the lookup as staff run it; the variants time its health part
				if err := accountCommand(ctx, st, end, i); err != nil {
					return err
				}
			} else if _, err := bot.Risk(ctx, v.st, req); err != nil {
				return err
			}
			*v.into = append(*v.into, time.Since(t).Seconds())
		}
		return nil
	}
	if inWake { // each lookup right after a digest; variants take turns
		for i := range reps {
			if err := digest(digests, i); err != nil {
				return rt, err
			}
			if err := lookup(variants, i); err != nil {
				return rt, err
			}
		}
		return rt, nil
	}
	// Each figure in a run of its own: the digests, the lookups, then the variants
	// (which take turns among themselves: they are compared with each other).
	for _, run := range []struct {
		vs   []variant
		read func([]variant, int) error
	}{{digests[:1], digest}, {variants[:1], lookup}, {digests[1:], digest}, {variants[1:], lookup}, {byGC, digest}} {
		if len(run.vs) == 0 {
			continue
		}
		var statsBefore cmdStats
		c, isRedis := st.(interface{ Client() redis.UniversalClient })
		into := run.vs[0].into
		main := into == &rt.account || into == &rt.digest
		if main && isRedis {
			if statsBefore, err = readCmdStats(ctx, c.Client()); err != nil {
				return rt, err
			}
		}
		for i := range reps {
			if err := run.read(run.vs, i); err != nil {
				return rt, err
			}
		}
		if statsBefore != nil {
			now, err := readCmdStats(ctx, c.Client())
			if err != nil {
				return rt, err
			}
			if into == &rt.account {
				rt.accountRedis = now.since(statsBefore, reps)
			} else {
				rt.digestRedis = now.since(statsBefore, reps)
			}
		}
	}
	return rt, nil
}

// sizedStore is a filled store kept open for timeInterleaved, with its size.
type sizedStore struct {
	n       int
	st      store.Store
	cleanup func()
}

// timeInterleaved times reps digests, then reps account lookups, on every store,
// the stores taking turns rep by rep (and the first of each turn rotating), so that
// whatever else the machine does meanwhile falls on each size alike: the ratios of
// its medians do not depend on when each size happened to be timed. Keyed by size.
func timeInterleaved(ctx context.Context, stores []sizedStore, end time.Time, reps int) (map[int]readTimes, error) {
	tax := analysis.DefaultTaxonomy()
	themes, known := tax.Names(), emerging.NewVocabulary(tax)
	out := make(map[int]readTimes, len(stores))
	times := make([]readTimes, len(stores))
	for _, digests := range []bool{true, false} {
		for i := range reps {
			for j := range stores {
				k := (i + j) % len(stores)
				s := stores[k]
				cpu, t := processCPU(), time.Now()
				var err error
				if digests {
					err = botDigest(ctx, s.st, end, themes, known)
				} else {
					err = accountCommand(ctx, s.st, end, i)
				}
				if err != nil {
					return nil, fmt.Errorf("%d messages: %w", s.n, err)
				}
				if d := time.Since(t).Seconds(); digests {
					times[k].digest = append(times[k].digest, d)
					if cpu > 0 {
						times[k].digestCPU = append(times[k].digestCPU, (processCPU() - cpu).Seconds())
					}
				} else {
					times[k].account = append(times[k].account, d)
				}
			}
		}
	}
	for k, s := range stores {
		out[s.n] = times[k]
	}
	return out, nil
}

// countReads counts what the timed account lookups read, in an untimed pass over
// the same accounts, into rt.msgsRead and rt.daysRead (averages a lookup).
func countReads(ctx context.Context, st store.Store, end time.Time, reps int, rt *readTimes) error {
	var msgs, days atomic.Int64
	for i := range reps {
		if _, err := bot.Risk(ctx, counted{st, &msgs, &days}, lookupRequest(end, i)); err != nil {
			return err
		}
	}
	if reps > 0 {
		rt.msgsRead, rt.daysRead = float64(msgs.Load())/float64(reps), float64(days.Load())/float64(reps)
	}
	return nil
}

// redisBytes sums MEMORY USAGE over every key under prefix (on every master of a
// cluster): what the store costs in Redis, log and derived state together, and the
// same by kind of key (keyKind).
func redisBytes(ctx context.Context, st store.Store, prefix string) (int64, map[string]int64, error) {
	c, ok := st.(interface{ Client() redis.UniversalClient })
	if !ok {
		return 0, nil, fmt.Errorf("not a Redis store")
	}
	nodes, err := masters(ctx, c.Client())
	if err != nil {
		return 0, nil, err
	}
	var total int64
	byKind := map[string]int64{}
	for _, node := range nodes {
		iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			n, err := node.MemoryUsage(ctx, iter.Val(), 0).Result()
			if err != nil && err != redis.Nil {
				return total, byKind, err
			}
			total += n
			byKind[keyKind(iter.Val())] += n
		}
		if err := iter.Err(); err != nil {
			return total, byKind, err
		}
	}
	return total, byKind, nil
}

// keyKind is the kind of a store key: the segment after its workspace's hash tag
// ("fb:{T1}:d:C1:17..." is "d", a message's stored data; "fb:{T1}:t" the time
// index), or "other" for a key without one.
func keyKind(key string) string {
	_, rest, ok := strings.Cut(key, "}:")
	if !ok || rest == "" {
		return "other"
	}
	kind, _, _ := strings.Cut(rest, ":")
	return kind
}

// formatKinds lists bytes a message by key kind, largest first ("d 520, m 610").
func formatKinds(byKind map[string]int64, n int) string {
	kinds := slices.Collect(maps.Keys(byKind))
	slices.SortFunc(kinds, func(a, b string) int { return cmp.Or(cmp.Compare(byKind[b], byKind[a]), strings.Compare(a, b)) })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %.0f", k, float64(byKind[k])/float64(n))
	}
	return strings.Join(parts, ", ")
}

// congestionControl is the kernel's default TCP congestion control, which new
// connections to a Redis on this host use at both ends: part of what a Redis figure
// was measured under. "unknown" where it cannot be read.
func congestionControl() string {
	b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_congestion_control")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
