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

	"github.com/feedbackbot/feedbackbot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// TestThreeReplicasSurviveSIGKILL runs three `feedbackbot run` processes against one
// Redis. While they analyse 6,000 captured messages, one is killed with SIGKILL: its
// pending entries are claimed by the others after claim_idle, and every message is
// counted exactly once in the rollups. Another is stopped with SIGTERM and exits
// cleanly after draining what it holds.
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
	bin := filepath.Join(dir, "feedbackbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
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
	// Kill the first replica mid-run and see what it held.
	victim := reps[0].cmd.Process.Pid
	if err := reps[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = reps[0].cmd.Wait()
	held := int64(0)
	pend, err := client.XPending(ctx, prefix+":{"+ws+"}:log", "analysis").Result()
	if err != nil {
		t.Fatal(err)
	}
	for consumer, c := range pend.Consumers {
		if strings.Contains(consumer, fmt.Sprintf(":%d:", victim)) {
			held += c
		}
	}
	t.Logf("SIGKILLed replica %d held %d unacknowledged entries", victim, held)
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
	rs, err := st.Rollups(ctx, ws, base.Add(-time.Hour), base.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tot := feedbackbot.Totals(rs)
	if tot[feedbackbot.CntMessages] != n || tot[feedbackbot.CntCustomer] != n {
		t.Fatalf("rollups count %d messages (%d customer), want exactly %d", tot[feedbackbot.CntMessages], tot[feedbackbot.CntCustomer], n)
	}
	if held == 0 {
		t.Log("the killed replica held nothing at the moment of the kill; exactly-once still holds")
	}
}
