package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runPeakRSS runs cmd and returns its peak resident set size in KiB. ru_maxrss from
// wait4 is not enough: Linux carries the high-water mark across exec, and Go starts
// children sharing the parent's memory until exec, so a large parent (the bench
// itself after a step) shows through. So it polls the child's own VmHWM in
// /proc/PID/status (a per-image high-water mark) every 2 ms, then 20 ms, and falls back to
// ru_maxrss where /proc is missing.
//
// It also returns the largest RssAnon seen (KiB): memory the process allocated, as
// opposed to file pages it maps (the embedded store maps its whole file, and pages
// of it read once count in RSS until the kernel needs them back).
func runPeakRSS(cmd *exec.Cmd) (peak, anon int64, err error) {
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	var (
		mu   sync.Mutex
		seen bool
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		// every 2 ms at first (short commands), then every 20 ms
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			if time.Since(start) > 200*time.Millisecond {
				t.Reset(20 * time.Millisecond)
			}
			if hwm, a, ok := procMemory(cmd.Process.Pid); ok {
				mu.Lock()
				peak, anon, seen = max(peak, hwm), max(anon, a), true
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	err = cmd.Wait()
	close(done)
	wg.Wait()
	if !seen {
		return maxRSSKiB(cmd), 0, err
	}
	return peak, anon, err
}

// procMemory reads VmHWM and RssAnon (KiB) from /proc/pid/status.
func procMemory(pid int) (hwm, anon int64, ok bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, found := strings.Cut(sc.Text(), ":")
		if !found || (k != "VmHWM" && k != "RssAnon") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if k == "VmHWM" {
			hwm, ok = n, true
		} else {
			anon = n
		}
	}
	return hwm, anon, ok
}
