package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// settle waits, at most limit, until the machine is quiet: two successive seconds
// in which all its cores together were less than quietBusy busy (/proc/stat). What
// an earlier step leaves running is timed otherwise: Redis handing a deleted
// million messages' memory back to the kernel, or the kernel writing back and
// dropping a deleted database file, took the machine for tens of seconds after
// `bench import` and made the next step's first figures several times slower
// (bench digest's embedded 10k digest: 189 ms median right after it, 30 ms on its
// own). It reports on stderr how long it waited. Where /proc/stat cannot be read it
// returns at once.
func settle(ctx context.Context, what string, limit time.Duration) {
	const quietBusy = 0.15
	if limit <= 0 {
		return
	}
	start := time.Now()
	prev, err := readCPUStat()
	if err != nil {
		return
	}
	quiet, last := 0, 0.0
	for quiet < 2 && time.Since(start) < limit {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		cur, err := readCPUStat()
		if err != nil {
			return
		}
		last = cur.busySince(prev)
		prev = cur
		if last < quietBusy {
			quiet++
		} else {
			quiet = 0
		}
	}
	waited := time.Since(start)
	switch {
	case quiet < 2:
		fmt.Fprintf(os.Stderr, "bench: the machine is still busy (%.0f%% of its CPU) after %s; timing %s anyway\n", 100*last, limit, what)
	case waited > 3*time.Second:
		fmt.Fprintf(os.Stderr, "bench: waited %.0f s for the machine to settle before %s\n", waited.Seconds(), what)
	}
}

// cpuStat is the machine's aggregate CPU time from /proc/stat, in clock ticks.
type cpuStat struct{ busy, total uint64 }

// busySince is the busy share of all cores' time between s0 and s.
func (s cpuStat) busySince(s0 cpuStat) float64 {
	if s.total <= s0.total {
		return 0
	}
	return float64(s.busy-s0.busy) / float64(s.total-s0.total)
}

func readCPUStat() (cpuStat, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuStat{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return cpuStat{}, fmt.Errorf("/proc/stat is empty")
	}
	return parseCPULine(sc.Text())
}

// parseCPULine reads /proc/stat's first line: "cpu user nice system idle iowait irq
// softirq steal ...". Idle and iowait are not busy; the guest columns are already
// counted in user and nice.
func parseCPULine(line string) (cpuStat, error) {
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return cpuStat{}, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var s cpuStat
	for i, v := range f[1:min(len(f), 9)] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return cpuStat{}, fmt.Errorf("/proc/stat: %q: %w", line, err)
		}
		s.total += n
		if i != 3 && i != 4 { // idle, iowait
			s.busy += n
		}
	}
	return s, nil
}
