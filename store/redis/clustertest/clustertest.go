// Package clustertest starts a throwaway three-master Redis Cluster on loopback ports
// for tests, from the redis-server binary on PATH, and configures it through the
// cluster commands themselves (no redis-cli needed). Without redis-server the test
// is skipped, unless FEEDBACKBOT_REQUIRE_REDIS=1, where it fails.
//
// StartCluster can give every master a replica, and the Cluster it returns moves
// slots between masters key by key (BeginMove, as redis-cli --cluster reshard
// does), kills nodes and makes replicas take over, for tests of a store in use
// while the cluster changes under it.
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
	c := StartCluster(t, Config{})
	return c.Client, c.Addrs()
}

// Config shapes the cluster StartCluster launches.
type Config struct {
	// Replicas gives every master one replica, for failover tests.
	Replicas bool
}

// Cluster is a running test cluster.
type Cluster struct {
	// Client is a cluster client over every node, with go-redis's defaults.
	Client *redis.ClusterClient
	// Masters are the nodes the slots were assigned to, and Replicas (with
	// Config.Replicas) their replicas, Replicas[i] replicating Masters[i]. A
	// failover swaps their roles: Owner tells who holds a slot now.
	Masters, Replicas []*Node
	t                 testing.TB
}

// Node is one redis-server of a Cluster.
type Node struct {
	Addr string
	ID   string // its cluster node id
	// Direct is a plain client of this node alone, for cluster commands.
	Direct *redis.Client
	proc   *os.Process
	exited <-chan struct{}
}

// Kill ends the node with SIGKILL, as a crash would, and waits for it to exit.
func (n *Node) Kill() {
	_ = n.proc.Kill()
	<-n.exited
}

// Alive reports whether the node's process is still running.
func (n *Node) Alive() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// StartCluster launches a three-master Redis Cluster (and a replica for each master
// with cfg.Replicas), waits until every node reports "cluster_state:ok" and knows
// every other, and every replica is in sync with its master. Everything is torn
// down in t.Cleanup. Without redis-server the test is skipped (failed under
// FEEDBACKBOT_REQUIRE_REDIS=1).
func StartCluster(t testing.TB, cfg Config) *Cluster {
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
	c := &Cluster{t: t}
	count := 3
	if cfg.Replicas {
		count = 6
	}
	var all []*Node
	for i := range count {
		n, err := startNode(ctx, t, bin, filepath.Join(dir, strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		if n.ID, err = n.Direct.ClusterMyID(ctx).Result(); err != nil {
			t.Fatalf("cluster myid of %s: %v", n.Addr, err)
		}
		all = append(all, n)
	}
	c.Masters = all[:3]
	c.Replicas = all[3:]
	per := 16384 / len(c.Masters)
	for i, n := range c.Masters {
		lo, hi := i*per, (i+1)*per-1
		if i == len(c.Masters)-1 {
			hi = 16383
		}
		if err := n.Direct.ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("assign slots %d-%d to %s: %v", lo, hi, n.Addr, err)
		}
	}
	for _, n := range all[1:] {
		host, port, _ := net.SplitHostPort(n.Addr)
		if err := all[0].Direct.ClusterMeet(ctx, host, port).Err(); err != nil {
			t.Fatalf("cluster meet %s: %v", n.Addr, err)
		}
	}
	// A replica can only be told to replicate a master it knows.
	c.waitFor(ctx, "every node to know every other", func() bool {
		for _, n := range all {
			if known, err := n.Direct.ClusterNodes(ctx).Result(); err != nil || countLines(known) < len(all) {
				return false
			}
		}
		return true
	})
	for i, r := range c.Replicas {
		if err := r.Direct.ClusterReplicate(ctx, c.Masters[i].ID).Err(); err != nil {
			t.Fatalf("cluster replicate %s -> %s: %v", r.Addr, c.Masters[i].Addr, err)
		}
	}
	c.waitFor(ctx, "cluster_state:ok on every node, replicas in sync", func() bool {
		for _, n := range all {
			info, err := n.Direct.ClusterInfo(ctx).Result()
			if err != nil || !containsOK(info) {
				return false
			}
		}
		for _, r := range c.Replicas {
			if info, err := r.Direct.Info(ctx, "replication").Result(); err != nil || !strings.Contains(info, "master_link_status:up") {
				return false
			}
		}
		return true
	})
	c.Client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { c.Client.Close() })
	if err := waitPing(ctx, c.Client); err != nil {
		t.Fatal(err)
	}
	return c
}

// Addrs returns the addresses of every node, masters first: the seeds of a client.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, n := range append(append([]*Node{}, c.Masters...), c.Replicas...) {
		out = append(out, n.Addr)
	}
	return out
}

// URL returns a redis+cluster:// URL naming every node, for redisstore.Open.
func (c *Cluster) URL() string {
	return "redis+cluster://" + strings.Join(c.Addrs(), ",")
}

// Nodes returns every node of the cluster, masters first.
func (c *Cluster) Nodes() []*Node {
	return append(append([]*Node{}, c.Masters...), c.Replicas...)
}

// Slot returns the hash slot of key.
func (c *Cluster) Slot(ctx context.Context, key string) int {
	c.t.Helper()
	slot, err := c.Client.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		c.t.Fatalf("cluster keyslot %q: %v", key, err)
	}
	return int(slot)
}

// Owner returns the node that serves slot, as the first live node asked says.
func (c *Cluster) Owner(ctx context.Context, slot int) *Node {
	c.t.Helper()
	for _, n := range c.Nodes() {
		if !n.Alive() {
			continue
		}
		if addr, err := slotOwner(ctx, n.Direct, slot); err == nil && addr != "" {
			return c.node(addr)
		}
	}
	c.t.Fatalf("no live node names the owner of slot %d", slot)
	return nil
}

func (c *Cluster) node(addr string) *Node {
	for _, n := range c.Nodes() {
		if n.Addr == addr {
			return n
		}
	}
	c.t.Fatalf("%s is not a node of this cluster", addr)
	return nil
}

// ReplicaOf returns the replica that replicates master now (nil for none).
func (c *Cluster) ReplicaOf(ctx context.Context, master *Node) *Node {
	c.t.Helper()
	for _, n := range c.Nodes() {
		if n == master || !n.Alive() {
			continue
		}
		info, err := n.Direct.Info(ctx, "replication").Result()
		host, port, _ := net.SplitHostPort(master.Addr)
		if err == nil && strings.Contains(info, "role:slave\r\n") &&
			strings.Contains(info, "master_host:"+host+"\r\n") && strings.Contains(info, "master_port:"+port+"\r\n") {
			return n
		}
	}
	return nil
}

// CutReplication cuts replica off its master's replication stream (a wrong
// masterauth, and its link closed: it cannot resync) while it stays in the cluster,
// so that what the master acknowledges meanwhile is what a failover to this replica
// loses, as Redis's asynchronous replication allows. TakeOver ends it.
func (c *Cluster) CutReplication(ctx context.Context, replica *Node) {
	c.t.Helper()
	if err := replica.Direct.ConfigSet(ctx, "masterauth", "not-the-password").Err(); err != nil {
		c.t.Fatalf("config set masterauth on %s: %v", replica.Addr, err)
	}
	if err := replica.Direct.Do(ctx, "CLIENT", "KILL", "TYPE", "master").Err(); err != nil {
		c.t.Fatalf("client kill type master on %s: %v", replica.Addr, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c.waitFor(wctx, replica.Addr+"'s replication link to be down", func() bool {
		info, err := replica.Direct.Info(wctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:down")
	})
}

// TakeOver makes replica the master of its master's slots at once (CLUSTER
// FAILOVER TAKEOVER: no agreement of the old master or of the others needed), lets
// it replicate again should it be demoted later, and waits until every live node
// names it the owner of slots.
func (c *Cluster) TakeOver(ctx context.Context, replica *Node, slots ...int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var last string
	for attempt := 0; ; attempt++ {
		// (asked again should the cluster not have taken the first: a node
		// loaded by the tests around it may miss the epoch's announcement)
		if attempt%100 == 0 {
			if err := replica.Direct.Do(ctx, "CLUSTER", "FAILOVER", "TAKEOVER").Err(); err != nil && attempt == 0 {
				c.t.Fatalf("cluster failover takeover on %s: %v", replica.Addr, err)
			}
		}
		if last = c.ownerMismatch(ctx, replica, slots); last == "" {
			break
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("%s did not take over slots %v: %s", replica.Addr, slots, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := replica.Direct.ConfigSet(ctx, "masterauth", "").Err(); err != nil {
		c.t.Fatalf("config set masterauth on %s: %v", replica.Addr, err)
	}
}

// Failover has replica take its master's slots over in a manual failover (CLUSTER
// FAILOVER: the master pauses its clients until the replica has caught up, so
// nothing acknowledged is lost), and waits until every live node names it the
// owner of slots. Redis gives a manual failover 5 s and then drops it without a
// word; a node slowed by the tests around it can miss that, so it is asked again
// after 6 s (TestManualFailover failed so once, beside the store's other tests).
func (c *Cluster) Failover(ctx context.Context, replica *Node, slots ...int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	var last string
	asked := time.Time{}
	for {
		if time.Since(asked) > 6*time.Second {
			// (an answer past the first is ignored: the replica may have become the
			// master as it was asked again)
			if err := replica.Direct.Do(ctx, "CLUSTER", "FAILOVER").Err(); err != nil && asked.IsZero() {
				c.t.Fatalf("cluster failover on %s: %v", replica.Addr, err)
			}
			asked = time.Now()
		}
		if last = c.ownerMismatch(ctx, replica, slots); last == "" {
			return
		}
		select {
		case <-ctx.Done():
			c.t.Fatalf("%s did not take over slots %v in a manual failover: %s", replica.Addr, slots, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// WaitReplica waits (up to timeout) until replica replicates master and is in sync
// with it.
func (c *Cluster) WaitReplica(ctx context.Context, replica, master *Node, timeout time.Duration) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, port, _ := net.SplitHostPort(master.Addr)
	c.waitFor(ctx, replica.Addr+" to replicate "+master.Addr+" in sync", func() bool {
		info, err := replica.Direct.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "role:slave\r\n") && strings.Contains(info, "master_host:"+host+"\r\n") &&
			strings.Contains(info, "master_port:"+port+"\r\n") && strings.Contains(info, "master_link_status:up")
	})
}

// Fence waits until the replicas of master hold every write master acknowledged
// before the call (a write of its own on master, then WAIT for one replica).
func (c *Cluster) Fence(ctx context.Context, master *Node, key string) {
	c.t.Helper()
	if err := master.Direct.Set(ctx, key, "fence", 0).Err(); err != nil {
		c.t.Fatalf("fence write on %s: %v", master.Addr, err)
	}
	n, err := master.Direct.Do(ctx, "WAIT", 1, 10000).Int()
	if err != nil || n < 1 {
		c.t.Fatalf("WAIT on %s: %d replicas acknowledged (%v)", master.Addr, n, err)
	}
}

// slotOwner is the address of the master that serves slot in node's view ("" for
// none).
func slotOwner(ctx context.Context, node *redis.Client, slot int) (string, error) {
	// (CLUSTER SLOTS names the master serving a slot first, which is the question;
	// CLUSTER SHARDS, which go-redis would have instead, lists a failed master
	// beside the replica that took over, and works on Redis 7 only)
	//lint:ignore SA1019 see above
	ranges, err := node.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, r := range ranges {
		if slot >= r.Start && slot <= r.End && len(r.Nodes) > 0 {
			return r.Nodes[0].Addr, nil
		}
	}
	return "", nil
}

// WaitOwner waits (up to timeout) until every live node reports cluster_state:ok
// and names owner as the master of every one of slots.
func (c *Cluster) WaitOwner(ctx context.Context, owner *Node, timeout time.Duration, slots ...int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string // what the last look found wrong, for the failure
	c.waitForWhy(ctx, fmt.Sprintf("every live node to name %s the owner of slots %v, with cluster_state:ok", owner.Addr, slots), &last, func() bool {
		last = c.ownerMismatch(ctx, owner, slots)
		return last == ""
	})
}

// ownerMismatch says which live node does not report cluster_state:ok or names
// another owner of one of slots than owner; "" when none.
func (c *Cluster) ownerMismatch(ctx context.Context, owner *Node, slots []int) string {
	for _, n := range c.Nodes() {
		if !n.Alive() {
			continue
		}
		info, err := n.Direct.ClusterInfo(ctx).Result()
		if err != nil || !containsOK(info) {
			return fmt.Sprintf("%s: cluster info: %v %.40q", n.Addr, err, info)
		}
		for _, slot := range slots {
			if addr, err := slotOwner(ctx, n.Direct, slot); err != nil || addr != owner.Addr {
				return fmt.Sprintf("%s names %q the owner of slot %d (%v)", n.Addr, addr, slot, err)
			}
		}
	}
	return ""
}

// waitFor polls cond every 50ms until it holds, failing the test when ctx ends
// first.
func (c *Cluster) waitFor(ctx context.Context, what string, cond func() bool) {
	c.t.Helper()
	c.waitForWhy(ctx, what, nil, cond)
}

// waitForWhy is waitFor, its failure saying what *why (set by cond) says.
func (c *Cluster) waitForWhy(ctx context.Context, what string, why *string, cond func() bool) {
	c.t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			if why != nil {
				what += " (last: " + *why + ")"
			}
			c.t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Move is one slot's migration in progress, from the master that served it to
// another: the slot is MIGRATING on the source and IMPORTING on the target, and
// its keys move a few at a time with Step, as redis-cli --cluster reshard moves
// them, while clients go on using them (ASK redirects, TRYAGAIN on commands whose
// keys are split between the two).
type Move struct {
	c        *Cluster
	Slot     int
	From, To *Node
}

// BeginMove opens the migration of slot to node to.
func (c *Cluster) BeginMove(ctx context.Context, slot int, to *Node) *Move {
	c.t.Helper()
	from := c.Owner(ctx, slot)
	if from == to {
		c.t.Fatalf("slot %d is already served by %s", slot, to.Addr)
	}
	if err := to.Direct.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", from.ID).Err(); err != nil {
		c.t.Fatalf("setslot %d importing on %s: %v", slot, to.Addr, err)
	}
	if err := from.Direct.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", to.ID).Err(); err != nil {
		c.t.Fatalf("setslot %d migrating on %s: %v", slot, from.Addr, err)
	}
	return &Move{c: c, Slot: slot, From: from, To: to}
}

// Step migrates up to n of the slot's keys still on the source, and returns how
// many it moved (0 once none is left). It returns errors rather than failing the
// test, so that it can run in a goroutine of its own.
func (m *Move) Step(ctx context.Context, n int) (int, error) {
	keys, err := m.From.Direct.ClusterGetKeysInSlot(ctx, m.Slot, n).Result()
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	host, port, _ := net.SplitHostPort(m.To.Addr)
	args := []any{"MIGRATE", host, port, "", 0, 10000, "KEYS"}
	for _, k := range keys {
		args = append(args, k)
	}
	if err := m.From.Direct.Do(ctx, args...).Err(); err != nil && !redis.HasErrorPrefix(err, "NOKEY") {
		return 0, fmt.Errorf("migrate %d keys of slot %d to %s: %w", len(keys), m.Slot, m.To.Addr, err)
	}
	return len(keys), nil
}

// Finish assigns the slot to the target on every live master (the target first,
// then the source, as redis-cli does) once its keys are all moved, and waits until
// every node agrees.
func (m *Move) Finish(ctx context.Context) error {
	if left, err := m.From.Direct.ClusterCountKeysInSlot(ctx, m.Slot).Result(); err != nil || left != 0 {
		return fmt.Errorf("finish the move of slot %d: %d keys left on the source (%v)", m.Slot, left, err)
	}
	nodes := []*Node{m.To, m.From}
	for _, n := range m.c.Nodes() {
		if n != m.To && n != m.From && n.Alive() && isMaster(ctx, n) {
			nodes = append(nodes, n)
		}
	}
	for _, n := range nodes {
		if err := n.Direct.Do(ctx, "CLUSTER", "SETSLOT", m.Slot, "NODE", m.To.ID).Err(); err != nil {
			return fmt.Errorf("setslot %d node on %s: %w", m.Slot, n.Addr, err)
		}
	}
	return nil
}

// Run moves the slot's keys n at a time, calling between (if not nil) after each
// step, then finishes the move.
func (m *Move) Run(ctx context.Context, n int, between func()) error {
	for {
		moved, err := m.Step(ctx, n)
		if err != nil {
			return err
		}
		if moved == 0 {
			return m.Finish(ctx)
		}
		if between != nil {
			between()
		}
	}
}

func isMaster(ctx context.Context, n *Node) bool {
	info, err := n.Direct.Info(ctx, "replication").Result()
	return err == nil && strings.Contains(info, "role:master\r\n")
}

// nodeStarts is how many ports startNode tries: a free port can be taken by another
// process between its choice and redis-server's bind.
const nodeStarts = 5

// startNode starts a cluster-enabled redis-server on a free loopback port, in a
// directory of its own under dir, and returns it once it answers, checking by its
// process id that the server answering there is this one. A server that exits (its
// port was taken since it was chosen) is started again on another port.
func startNode(ctx context.Context, t testing.TB, bin, dir string) (*Node, error) {
	var last error
	for attempt := range nodeStarts {
		dir := filepath.Join(dir, strconv.Itoa(attempt))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		port := freePort(t)
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000", "--save", "", "--appendonly", "no",
			// (a replica's first sync starts at once, not after the default 5 s
			// wait for more replicas)
			"--repl-diskless-sync-delay", "0",
			"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start redis-server: %w", err)
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
		if last == nil {
			t.Cleanup(func() { c.Close() })
			return &Node{Addr: addr, Direct: c, proc: cmd.Process, exited: exited}, nil
		}
		c.Close()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("redis-server did not start (%d tries; see redis.log under %s): %w", nodeStarts, dir, last)
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
