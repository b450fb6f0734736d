package clustertest_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/clustertest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestFailoverOfAKilledMaster kills (SIGKILL) the master serving a workspace while
// writers append to it and to others, workers read, apply and acknowledge, and a
// reader makes a digest's reads; its replica takes over. The store is opened from a
// URL, as a deployment opens it. Writes during the failover must come back
// unavailable, and the store must write to the new master within seconds of its
// taking over. Afterwards every event acknowledged before a fence (a WAIT on the
// old master just before the kill) or written after the kill is in the log once;
// only those acknowledged between the fence and the kill may be missing (Redis's
// asynchronous replication); and every message in the log is applied once.
func TestFailoverOfAKilledMaster(t *testing.T) {
	failoverUnderLoad(t, "fbfail", true)
}

// TestManualFailover is TestFailoverOfAKilledMaster with a manual failover (CLUSTER
// FAILOVER on the replica, as an operator's maintenance does): the old master
// stops its clients' writes until its replica has caught up, then serves as its
// replica and redirects to it. Nothing acknowledged may be missing.
func TestManualFailover(t *testing.T) {
	failoverUnderLoad(t, "fbmanual", false)
}

// failoverUnderLoad fails over the master of a workspace while the store is in use:
// by SIGKILL (kill) or by a manual failover.
func failoverUnderLoad(t *testing.T, prefix string, kill bool) {
	c := clustertest.StartCluster(t, clustertest.Config{Replicas: true})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := redisstore.Open(ctx, c.URL(), redisstore.Options{Prefix: prefix, ClaimIdle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wss := []string{"F0", "F1", "F2", "F3", "F4", "F5"}
	victim := c.Owner(ctx, c.Slot(ctx, prefix+":{F0}:log"))
	replica := c.ReplicaOf(ctx, victim)
	if replica == nil {
		t.Fatalf("%s has no replica", victim.Addr)
	}
	onVictim := map[string]bool{}
	var slots []int
	for _, ws := range wss {
		if slot := c.Slot(ctx, prefix+":{"+ws+"}:log"); c.Owner(ctx, slot) == victim {
			onVictim[ws] = true
			slots = append(slots, slot)
		}
	}
	if slot := c.Slot(ctx, prefix+":workspaces"); c.Owner(ctx, slot) == victim {
		slots = append(slots, slot)
	}
	if len(onVictim) == len(wss) {
		t.Fatalf("every workspace is on %s: the test needs some on other masters", victim.Addr)
	}

	errs := &errLog{}
	var ops atomic.Int64
	done := make(chan struct{})
	stop := make(chan struct{})
	var bg, wg sync.WaitGroup
	for _, consumer := range []string{"w1", "w2"} {
		bg.Go(func() { work(ctx, st, consumer, done, errs, &gate{}) })
	}
	bg.Go(func() { readDigests(ctx, st, wss, done, errs) })
	var writers []*writer
	for i, name := range []string{"a", "b", "c"} {
		w := &writer{name: name, lane: i, lanes: 3, st: st, wss: wss, errs: errs, ops: &ops}
		writers = append(writers, w)
		wg.Go(func() { w.run(ctx, stop, 10) })
	}
	// fail ends the workload before failing, so that no goroutine outlives the test.
	fail := func(format string, args ...any) {
		t.Helper()
		cancel()
		wg.Wait()
		bg.Wait()
		t.Fatalf(format, args...)
	}
	waitOps(ctx, &ops, 60)
	if ctx.Err() != nil {
		fail("the writers did not get going: %d events in time", ops.Load())
	}

	c.Fence(ctx, victim, prefix+":{F0}:fence")
	fence := time.Now()
	if kill {
		victim.Kill()
	}
	killed := time.Now()
	if kill {
		c.WaitOwner(ctx, replica, 20*time.Second, slots...)
	} else {
		c.Failover(ctx, replica, slots...)
	}
	promoted := time.Now()
	t.Logf("failed %s over (kill %v); its replica %s took over %v later", victim.Addr, kill, replica.Addr, promoted.Sub(killed).Round(time.Millisecond))

	// The store finds the new master: a write to the workspace of the killed master
	// succeeds within seconds of the takeover.
	probe := storetest.Msg("F0", "probe", "is anyone there", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	_, acked, ok := appendUntil(pctx, st, errs, storetest.Put(probe))
	pcancel()
	if !ok {
		fail("the store's writes to F0 still fail 10s after %s took over from %s", replica.Addr, victim.Addr)
	}
	t.Logf("the store wrote to the new master %v after the takeover", acked.Sub(promoted).Round(time.Millisecond))
	waitOps(ctx, &ops, ops.Load()+30)
	drain(ctx, t, st, errs, stop, done, &wg, &bg)

	// The log: nothing twice; nothing acknowledged lost but what the failover may
	// lose.
	logs := map[string]map[string]int{}
	for _, ws := range wss {
		logs[ws] = logged(ctx, t, st, ws)
	}
	lost, mayLose := 0, 0
	for _, w := range writers {
		for _, d := range w.done {
			k := eventKey(d.ev)
			n := logs[d.workspace][k]
			switch {
			case n > 1:
				t.Errorf("%s: event %s is in the log %d times", d.workspace, k, n)
			case n == 1:
			case kill && onVictim[d.workspace] && d.acked.After(fence) && !d.start.After(killed):
				lost++ // acknowledged by the old master, not replicated before it died
			case kill && d.ev.Kind == feedbackbot.EventDelete && !putLogged(logs[d.workspace], d.key):
				// a delete of a message whose put was lost: nothing to delete
			default:
				t.Errorf("%s: event %s, acknowledged %v after the failover began (attempt begun %v after it), is not in the log",
					d.workspace, k, d.acked.Sub(killed).Round(time.Millisecond), d.start.Sub(killed).Round(time.Millisecond))
			}
			if kill && onVictim[d.workspace] && d.acked.After(fence) && !d.start.After(killed) {
				mayLose++
			}
		}
	}
	t.Logf("%d events acknowledged between the fence and the kill on the killed master, %d of them lost with it", mayLose, lost)

	// Every message the log holds is applied once.
	for _, ws := range wss {
		live, acct := liveInLog(ctx, t, st, ws)
		checkApplied(ctx, t, st, ws, live, acct)
	}
	t.Logf("%d store errors met", errs.n.Load())
}

// putLogged reports whether the log (as counted by logged) holds a put of the
// message key.
func putLogged(log map[string]int, key string) bool {
	prefix := key + " " + string(feedbackbot.EventPut) + " "
	for k, n := range log {
		if n > 0 && len(k) > len(prefix) && k[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

// waitOps waits until ops reaches n (or ctx ends).
func waitOps(ctx context.Context, ops *atomic.Int64, n int64) {
	for ops.Load() < n && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestFailoverLosingADataKey: a failover loses the data key the store made for a
// new author on the old master (its replica had not received it: the loss Redis's
// asynchronous replication allows, along with that first message). The process
// that made the key still holds it, and seals the author's next message, written
// after the failover and acknowledged by the new master, under it: no other
// process can read that message. It must not be lost: another process must read
// it and Replay must return it.
func TestFailoverLosingADataKey(t *testing.T) {
	c := clustertest.StartCluster(t, clustertest.Config{Replicas: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const prefix = "fbkey"
	a, err := redisstore.Open(ctx, c.URL(), redisstore.Options{Prefix: prefix, ClaimIdle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const ws = "K0"
	slot := c.Slot(ctx, prefix+":{"+ws+"}:log")
	victim := c.Owner(ctx, slot)
	replica := c.ReplicaOf(ctx, victim)
	if replica == nil {
		t.Fatalf("%s has no replica", victim.Addr)
	}
	errs := &errLog{}
	msg := func(id, author, text string) feedbackbot.Message {
		m := storetest.Msg(ws, id, text, feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
		m.Author = author
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// The workspace exists, and its replica holds it, before the cut.
	if _, err := a.Append(ctx, storetest.Put(msg("m0", "U-old", "hello"))); err != nil {
		t.Fatal(err)
	}
	c.Fence(ctx, victim, prefix+":{"+ws+"}:fence")

	c.CutReplication(ctx, replica)
	if _, err := a.Append(ctx, storetest.Put(msg("m1", "U-new", "my first words here"))); err != nil {
		t.Fatal(err)
	}
	c.TakeOver(ctx, replica, slot)
	c.WaitReplica(ctx, victim, replica, 20*time.Second) // the old master resynced: m1 and U-new's key are gone
	m2 := msg("m2", "U-new", "my second words, after the failover")
	if _, _, ok := appendUntil(ctx, a, errs, storetest.Put(m2)); !ok {
		t.Fatalf("append after the failover: %v", ctx.Err())
	}
	errs.report(t)

	// Another replica of the bot reads the log.
	b, err := redisstore.Open(ctx, c.URL(), redisstore.Options{Prefix: prefix, ClaimIdle: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var got []string
	for {
		es, err := b.Read(ctx, "b1", 100, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			got = append(got, e.Event.Message.ID)
		}
		if err := b.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
		if n, err := b.Backlog(ctx); err != nil || n == 0 {
			break
		}
	}
	if !slices.Contains(got, m2.ID) {
		t.Errorf("another process read %v from the log: %s, written and acknowledged after the failover, is lost (sealed under a data key the failover lost)", got, m2.ID)
	}
	var replayed []string
	err = b.Replay(ctx, ws, func(e store.Entry) error {
		replayed = append(replayed, e.Event.Message.ID)
		return nil
	})
	if err != nil || !slices.Contains(replayed, m2.ID) {
		t.Errorf("another process's Replay: %v, %v; want %s among them", replayed, err, m2.ID)
	}
	if _, found, err := b.Newest(ctx, m2.Key()); err != nil || !found {
		t.Errorf("another process's Newest(%s): found %v, %v", m2.Key(), found, err)
	}
}
