package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot/store"
)

// disturbedMS is how much CPU the rest of the machine must take during a digest for
// the digest to count as shared with other work: a fifth of a core over a digest of
// 100 ms, where the machine's services' own housekeeping is a few milliseconds.
const disturbedMS = 20

// othersWatch measures the CPU the rest of the machine takes while reads are timed:
// every process and kernel thread but the bench itself and the Redis servers it
// talks to (when they run on this machine). On a 2-core machine a reader and Redis
// share, another consumer of a core's worth for tens of milliseconds doubles the
// reads it overlaps; this names the tail's cause where the store's own figures
// cannot. The machine this was written on runs a kernel memory monitor (kdamond,
// DAMON's physical-address sampling for cold-page reclaim) that takes 30-130 ms of
// CPU every half second while Redis holds gigabytes.
type othersWatch struct {
	servers []int   // Redis server pids on this machine (none for the embedded store)
	first   cpuMark // at begin, for naming the largest consumers
}

// taskRun is one task's process and its time on a CPU so far (ns).
type taskRun struct {
	pid int
	ns  int64
}

// cpuMark is the run time (/proc/PID/task/TID/schedstat) of every task on the
// machine but the bench's and the Redis servers', by thread id: the scheduler's
// own account, exact where /proc/stat's clock ticks would miss a burst shorter than
// a tick.
type cpuMark map[int]taskRun

// newOthersWatch finds the Redis servers behind st on this machine. ok is false
// where /proc cannot be read, or where a server's process is not here (a remote or
// containerised Redis: its CPU would be counted as the rest of the machine's).
func newOthersWatch(ctx context.Context, st store.Store) (w *othersWatch, ok bool) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		return nil, false
	}
	if _, err := readSchedRun(os.Getpid(), os.Getpid()); err != nil {
		return nil, false // no schedstat in this kernel
	}
	w = &othersWatch{}
	c, isRedis := st.(interface{ Client() redis.UniversalClient })
	if !isRedis {
		return w, true
	}
	nodes, err := masters(ctx, c.Client())
	if err != nil {
		return nil, false
	}
	for _, n := range nodes {
		info, err := n.Info(ctx, "server").Result()
		if err != nil {
			return nil, false
		}
		pid, ok := infoInt(info, "process_id")
		if !ok {
			return nil, false
		}
		if !strings.HasPrefix(procName(pid), "redis-server") {
			return nil, false
		}
		w.servers = append(w.servers, pid)
	}
	return w, true
}

// infoInt reads one integer field of an INFO reply.
func infoInt(info, field string) (int, bool) {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			n, err := strconv.Atoi(v)
			return n, err == nil
		}
	}
	return 0, false
}

// mark reads the run time of every other task now. A task that cannot be read (it
// ended meanwhile) is left out.
func (w *othersWatch) mark() cpuMark {
	m := cpuMark{}
	self := os.Getpid()
	dirs, _ := filepath.Glob("/proc/[0-9]*/task/[0-9]*")
	for _, d := range dirs {
		pid, err1 := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(d))))
		tid, err2 := strconv.Atoi(filepath.Base(d))
		if err1 != nil || err2 != nil || pid == self || slices.Contains(w.servers, pid) {
			continue
		}
		if ns, err := readSchedRun(pid, tid); err == nil {
			m[tid] = taskRun{pid, ns}
		}
	}
	return m
}

// readSchedRun reads a task's time on a CPU (ns), the first field of its schedstat.
func readSchedRun(pid, tid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/schedstat")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("schedstat of %d: empty", tid)
	}
	return strconv.ParseInt(f[0], 10, 64)
}

// othersMS is the other tasks' CPU between two marks, in milliseconds: a task begun
// since the first counts whole, one ended since is lost.
func othersMS(from, to cpuMark) float64 {
	var ns int64
	for tid, run := range to {
		ns += max(run.ns-from[tid].ns, 0)
	}
	return float64(ns) / 1e6
}

// begin notes every task's run time, for top.
func (w *othersWatch) begin() { w.first = w.mark() }

// top names the n processes, other than the bench and the servers, that took the
// most CPU since begin, with their milliseconds ("kdamond.0 2710 ms").
func (w *othersWatch) top(n int) []string { return topOthers(w.first, w.mark(), procName, n) }

// topOthers sums each process's tasks' run time between two marks (a task begun
// since counts whole) and names the n largest, name giving a process's name.
func topOthers(from, to cpuMark, name func(pid int) string, n int) []string {
	byPID := map[int]int64{}
	for tid, run := range to {
		if d := run.ns - from[tid].ns; d > 0 {
			byPID[run.pid] += d
		}
	}
	type used struct {
		comm string
		ms   int64
	}
	var us []used
	for pid, ns := range byPID {
		if ms := ns / 1e6; ms > 0 {
			us = append(us, used{name(pid), ms})
		}
	}
	slices.SortFunc(us, func(a, b used) int { return cmp.Or(cmp.Compare(b.ms, a.ms), strings.Compare(a.comm, b.comm)) })
	var out []string
	for _, u := range us[:min(n, len(us))] {
		out = append(out, fmt.Sprintf("%s %d ms", u.comm, u.ms))
	}
	return out
}

// procName is a process's name (/proc/PID/comm), or "pid N" where it has ended.
func procName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "pid " + strconv.Itoa(pid)
	}
	return strings.TrimSpace(string(b))
}

// othersLine sums up the rest of the machine's CPU during the timed digests dig
// (others, ms each, in the same order) and records it in out under key: how many
// digests it took disturbedMS or more from, their median, and the others' median and
// p99, so that a tail the machine made is told from one the reads made. ok is false
// where it was not measured.
func othersLine(out map[string]any, key string, dig, others []float64, top []string) (string, bool) {
	if len(others) != len(dig) || len(dig) == 0 {
		return "", false
	}
	var shared, alone []float64
	for i, d := range dig {
		if others[i] >= disturbedMS {
			shared = append(shared, d)
		} else {
			alone = append(alone, d)
		}
	}
	out[key+"_digest_others_cpu_ms_in_order"] = others
	out[key+"_digests_shared"] = len(shared)
	line := fmt.Sprintf("%d of %d digests shared the machine", len(shared), len(dig))
	if len(shared) > 0 {
		out[key+"_shared_digest_median_ms"] = ms(median(shared))
		line += fmt.Sprintf(" (median %.1f ms)", ms(median(shared)))
	}
	if len(alone) > 0 {
		out[key+"_unshared_digest_median_ms"], out[key+"_unshared_digest_p99_ms"] = ms(median(alone)), ms(quantile(alone, 0.99))
		line += fmt.Sprintf("; the other %d: median %.1f ms, p99 %.1f ms", len(alone), ms(median(alone)), ms(quantile(alone, 0.99)))
	}
	if len(top) > 0 {
		out[key+"_others_top"] = top
		line += "; the most CPU while the reads were timed: " + strings.Join(top, ", ")
	}
	return line, true
}
