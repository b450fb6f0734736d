// Package clustertest starts a throwaway three-master Redis Cluster on loopback ports
// for tests, from the redis-server binary on PATH, and configures it through the
// cluster commands themselves (no redis-cli needed). Without redis-server the test
// is skipped, unless FEEDBACKBOT_REQUIRE_REDIS=1, where it fails.
package clustertest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Start launches three cluster-enabled redis-server processes, assigns the 16384
// slots evenly, joins them, waits for "cluster_state:ok", and returns a cluster client
// and the node addresses. Everything is torn down in t.Cleanup.
func Start(t testing.TB) (*redis.ClusterClient, []string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("FEEDBACKBOT_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server not on PATH (FEEDBACKBOT_REQUIRE_REDIS=1): %v", err)
		}
		t.Skipf("redis-server not on PATH: skipping the Redis Cluster test (install redis-server to run it)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var addrs []string
	nodes := make([]*redis.Client, 3)
	for i := range nodes {
		addr, err := startNode(ctx, t, bin, filepath.Join(dir, strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, addr)
		nodes[i] = redis.NewClient(&redis.Options{Addr: addr})
		defer nodes[i].Close()
	}
	per := 16384 / len(nodes)
	for i, n := range nodes {
		lo, hi := i*per, (i+1)*per-1
		if i == len(nodes)-1 {
			hi = 16383
		}
		if err := n.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("assign slots %d-%d to %s: %v", lo, hi, addrs[i], err)
		}
	}
	for i := 1; i < len(nodes); i++ {
		host, port, _ := net.SplitHostPort(addrs[i])
		if err := nodes[0].ClusterMeet(ctx, host, port).Err(); err != nil {
			t.Fatalf("cluster meet %s: %v", addrs[i], err)
		}
	}
	for {
		ok := true
		for _, n := range nodes {
			info, err := n.ClusterInfo(ctx).Result()
			if err != nil || !containsOK(info) {
				ok = false
			}
			if known, err := n.ClusterNodes(ctx).Result(); err != nil || countLines(known) < len(nodes) {
				ok = false
			}
		}
		if ok {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the cluster did not reach cluster_state:ok within 30s")
		case <-time.After(100 * time.Millisecond):
		}
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { c.Close() })
	if err := waitPing(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c, addrs
}

// nodeStarts is how many ports startNode tries: a free port can be taken by another
// process between its choice and redis-server's bind.
const nodeStarts = 5

// startNode starts a cluster-enabled redis-server on a free loopback port, in a
// directory of its own under dir, and returns its address once it answers, checking
// by its process id that the server answering there is this one. A server that exits
// (its port was taken since it was chosen) is started again on another port.
func startNode(ctx context.Context, t testing.TB, bin, dir string) (string, error) {
	var last error
	for attempt := range nodeStarts {
		dir := filepath.Join(dir, strconv.Itoa(attempt))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		port := freePort(t)
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no",
			"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			return "", fmt.Errorf("start redis-server: %w", err)
		}
		exited := make(chan struct{})
		go func() {
			cmd.Wait()
			close(exited)
		}()
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
		})
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		last = waitOwn(ctx, c, cmd.Process.Pid, exited)
		c.Close()
		if last == nil {
			return addr, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return "", fmt.Errorf("redis-server did not start (%d tries; see redis.log under %s): %w", nodeStarts, dir, last)
}

// waitOwn waits until the server at c answers with process id pid, or the process
// exits.
func waitOwn(ctx context.Context, c *redis.Client, pid int, exited <-chan struct{}) error {
	want := "process_id:" + strconv.Itoa(pid)
	for {
		info, err := c.Info(ctx, "server").Result()
		if err == nil {
			if !strings.Contains(info, want+"\r\n") {
				return fmt.Errorf("another server answers at %s", c.Options().Addr)
			}
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %w", err)
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func waitPing(ctx context.Context, c redis.UniversalClient) error {
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// maxNodePort is the highest port a cluster node may have: its cluster bus listens
// 10,000 above it, and redis-server refuses to start on a higher one.
const maxNodePort = 65535 - 10000

// freePort returns a free loopback port a cluster node can take: at most
// maxNodePort, and with the port of its bus free too. (Linux hands out ports in
// the lower half of its range to a listener on port 0; macOS's range, 49152-65535,
// is mostly above maxNodePort.)
func freePort(t testing.TB) int {
	for range 200 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if port <= maxNodePort {
			bus, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+10000))
			if err == nil {
				bus.Close()
				ln.Close()
				return port
			}
		}
		ln.Close()
	}
	t.Fatalf("no free loopback port at most %d with its cluster bus port free, in 200 tries", maxNodePort)
	return 0
}

func containsOK(info string) bool { return strings.Contains(info, "cluster_state:ok") }

func countLines(s string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) != "" {
			n++
		}
	}
	return n
}
