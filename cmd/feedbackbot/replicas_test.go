package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// TestThreeReplicasSurviveSIGKILL runs three `feedbackbot run` processes against one
// Redis. While they analyse 6,000 captured messages, one is frozen (SIGSTOP) at a
// moment it holds unacknowledged entries and killed with SIGKILL: its pending
// entries are claimed by the others after claim_idle, and every message is
// counted exactly once in the rollups. (Killed at an arbitrary moment, it most
// often held nothing, and the claim went untested.) Another is stopped with
// SIGTERM and exits cleanly after draining what it holds.
func TestThreeReplicasSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test: skipped with -short")
	}
	client, prefix := redistest.Client(t)
	ctx := context.Background()
	st := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: 2 * time.Second})
	const ws, n = "TREPLICAS", 6000
	base := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var events []feedbackbot.Event
	for i := range n {
		m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d.%06d", base.Unix()+int64(i), i), Platform: feedbackbot.PlatformSlack, Workspace: ws,
			Channel: "C1", Author: fmt.Sprintf("U%d", i%50), Role: feedbackbot.RoleCustomer, Account: fmt.Sprintf("T%d", i%20),
			Text: fmt.Sprintf("message %d: the export failed again and support is slow", i), Time: base.Add(time.Duration(i) * time.Second)}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		events = append(events, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
	}
	if _, err := st.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bin := buildBinary(t, dir)
	cfg := filepath.Join(dir, "feedbackbot.yaml")
	body := fmt.Sprintf("store:\n  key_prefix: %q\n  claim_idle: 2s\nanalysis:\n  workers: 1\n  batch: 50\nlog:\n  level: warn\n", prefix)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	type replica struct {
		cmd  *exec.Cmd
		logs *bytes.Buffer
	}
	var reps []replica
	for range 3 {
		var logs bytes.Buffer
		cmd := exec.Command(bin, "run", "--config", cfg)
		cmd.Env = append(os.Environ(), "REDIS_URL="+redistest.URL(), "FEEDBACKBOT_ADDR=127.0.0.1:0")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, replica{cmd, &logs})
	}
	defer func() {
		for _, r := range reps {
			if r.cmd.ProcessState == nil {
				_ = r.cmd.Process.Kill()
				_ = r.cmd.Wait()
			}
		}
	}()
	backlog := func() int64 {
		b, err := st.Backlog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	deadline := time.Now().Add(60 * time.Second)
	for backlog() > n*9/10 {
		if time.Now().After(deadline) {
			t.Fatalf("no progress; logs:\n%s", reps[0].logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Freeze the first replica at a moment it holds entries, then kill it: its
	// entries are left to the others to claim.
	logKey := prefix + ":{" + ws + "}:log"
	victim := reps[0].cmd.Process
	held, tries := stopWhileHolding(ctx, t, client, logKey, victim.Pid, 20)
	if held == 0 {
		t.Fatalf("replica %d was never frozen holding entries: the claim of a dead replica's entries would go untested; logs:\n%s", victim.Pid, reps[0].logs)
	}
	if err := victim.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = reps[0].cmd.Wait()
	t.Logf("SIGKILLed replica %d while it held %d unacknowledged entries (frozen at try %d)", victim.Pid, held, tries)
	// Stop the second gracefully: it drains and exits 0.
	if err := reps[1].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- reps[1].cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("SIGTERM: %v\n%s", err, reps[1].logs)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("SIGTERM: still running after 20s")
	}
	// The third finishes everything, including the dead replica's claimed entries.
	deadline = time.Now().Add(90 * time.Second)
	for backlog() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("backlog stuck at %d; logs:\n%s", backlog(), reps[2].logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if h := pendingOf(ctx, t, client, logKey, victim.Pid); h != 0 {
		t.Errorf("the killed replica still holds %d entries: they were never claimed", h)
	}
	rs, err := st.Rollups(ctx, ws, base.Add(-time.Hour), base.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tot := feedbackbot.Totals(rs)
	if tot[feedbackbot.CntMessages] != n || tot[feedbackbot.CntCustomer] != n {
		t.Fatalf("rollups count %d messages (%d customer), want exactly %d", tot[feedbackbot.CntMessages], tot[feedbackbot.CntCustomer], n)
	}
}

// stopWhileHolding freezes the replica pid (SIGSTOP) at a moment XPENDING shows it
// holding entries of the log stream key, and returns how many it holds, frozen,
// and at which try. It makes up to maxTries attempts: each waits, briefly, for the replica to be seen
// holding entries, stops it, and looks again once it is stopped (it may have
// acknowledged them meanwhile: then it is resumed, SIGCONT, for the next). 0:
// never seen holding entries while stopped.
func stopWhileHolding(ctx context.Context, t *testing.T, client redis.UniversalClient, key string, pid, maxTries int) (held int64, try int) {
	t.Helper()
	for try = 1; try <= maxTries; try++ {
		for end := time.Now().Add(250 * time.Millisecond); pendingOf(ctx, t, client, key, pid) == 0 && time.Now().Before(end); {
			time.Sleep(2 * time.Millisecond)
		}
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP %d: %v", pid, err)
		}
		waitStopped(pid)
		if h := pendingOf(ctx, t, client, key, pid); h > 0 {
			return h, try
		}
		if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
			t.Fatalf("SIGCONT %d: %v", pid, err)
		}
	}
	return 0, maxTries
}

// waitStopped returns once the process pid is stopped (state T in
// /proc/pid/stat; where there is no /proc, after 100 ms), or after a second,
// and then a little later, so that a command it sent just before reaches Redis.
func waitStopped(pid int) {
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			break
		}
		// "pid (comm) state ...": comm may hold spaces and parentheses.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && (stat[i+2] == 'T' || stat[i+2] == 't') {
			break
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
}

// pendingOf is how many entries of the log stream key the analysis consumers of
// the replica pid hold (their names are the replica's id, hostname:pid:random,
// and the worker's number).
func pendingOf(ctx context.Context, t *testing.T, client redis.UniversalClient, key string, pid int) int64 {
	t.Helper()
	pend, err := client.XPending(ctx, key, "analysis").Result()
	if err != nil {
		t.Fatalf("XPENDING %s: %v", key, err)
	}
	var n int64
	for consumer, c := range pend.Consumers {
		if strings.Contains(consumer, fmt.Sprintf(":%d:", pid)) {
			n += c
		}
	}
	return n
}

// buildBinary builds this command into dir and returns the binary's path. Under
// -race it builds static (CGO_ENABLED=0), as the Dockerfile does and as .ci/run's
// go vet has compiled every package already: built with the -race run's own
// environment (cgo, no -race) it compiled them all a third way there, beside the
// -race run and the static build. Without -race it builds as the test binary was
// built, from the packages just compiled for it.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "feedbackbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	if raceEnabled {
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
