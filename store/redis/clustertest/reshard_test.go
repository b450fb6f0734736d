package clustertest_test

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/clustertest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestReshardingUnderLoad moves the slots of four workspaces, and of the workspace
// set, to other masters key by key (CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE,
// SETSLOT NODE, as redis-cli --cluster reshard does) while writers append, two
// workers read, apply and acknowledge, and a reader makes a digest's reads. Before
// each workspace's slot moves, deletes of its messages wait alone in the log for
// the workers, held back until the slot is migrating: they are analysed while the
// source still holds every key. The store meets ASK redirects, TRYAGAIN on its
// scripts and transactions whose keys are split between the two masters (or not
// there yet), and MOVED once a slot has moved: every error must come back
// unavailable, and once the moves end every event acknowledged is in the log once,
// and every message applied once (rollups, account days, Messages).
func TestReshardingUnderLoad(t *testing.T) {
	c := clustertest.StartCluster(t, clustertest.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const prefix = "fbmove"
	st := redisstore.New(c.Client, redisstore.Options{Prefix: prefix, ClaimIdle: time.Second})
	wss := []string{"M0", "M1", "M2", "M3"}
	errs := &errLog{}
	var ops atomic.Int64
	g := &gate{}

	// Each workspace holds applied messages before its slot moves: records,
	// indexes, rollups, its log and consumer group, its data keys.
	done := make(chan struct{})
	var bg sync.WaitGroup
	for _, consumer := range []string{"w1", "w2"} {
		bg.Go(func() { work(ctx, st, consumer, done, errs, g) })
	}
	seed := &writer{name: "seed", lanes: 5, st: st, wss: wss, errs: errs, ops: &ops}
	seedStop := make(chan struct{})
	close(seedStop)
	seed.run(ctx, seedStop, 80)
	waitBacklog(ctx, t, st, errs)

	bg.Go(func() { readDigests(ctx, st, wss, done, errs) })
	stop := make(chan struct{})
	writers := []*writer{seed}
	var wg sync.WaitGroup
	held := &gate{}
	for i, name := range []string{"a", "b", "c"} {
		w := &writer{name: name, lane: i + 1, lanes: 5, st: st, wss: wss, errs: errs, ops: &ops, hold: held}
		writers = append(writers, w)
		wg.Go(func() { w.run(ctx, stop, 5) })
	}
	// the test's own deletes and edits of seed messages (lane 4: no writer's)
	scene := &writer{name: "scene", lane: 4, lanes: 5, st: st, wss: wss, errs: errs, ops: &ops, live: map[string]feedbackbot.Message{}}
	writers = append(writers, scene)

	type move struct {
		slot int
		ws   string // "" for the workspace set
	}
	moves := []move{{slot: c.Slot(ctx, prefix+":workspaces")}}
	for _, ws := range wss {
		moves = append(moves, move{slot: c.Slot(ctx, prefix+":{"+ws+"}:log"), ws: ws})
	}
	began := time.Now()
	for _, mv := range moves {
		from := c.Owner(ctx, mv.slot)
		to := c.Masters[0]
		for i, m := range c.Masters {
			if m == from {
				to = c.Masters[(i+1)%len(c.Masters)]
			}
		}
		keys, err := from.Direct.ClusterCountKeysInSlot(ctx, mv.slot).Result()
		if err != nil {
			t.Fatal(err)
		}
		before, applies := ops.Load(), g.applies.Load()
		var m *clustertest.Move
		if mv.ws == "" {
			m = c.BeginMove(ctx, mv.slot, to)
		} else {
			// Deletes of the workspace's seed messages of no account (each
			// empties its message's hour) wait for the workers, alone, until
			// the slot is migrating, every key still on the source.
			held.pause(ctx)
			waitBacklog(ctx, t, st, errs)
			g.pause(ctx)
			n := 0
			for key, sm := range seed.live {
				if sm.Workspace != mv.ws || sm.Account != "" {
					continue // (one of an account names a key that never exists: its delete waits the migration out)
				}
				if !scene.put(ctx, storetest.Delete(sm)) {
					t.Fatalf("append: %v", ctx.Err())
				}
				delete(seed.live, key)
				if n++; n == 3 {
					break
				}
			}
			m = c.BeginMove(ctx, mv.slot, to)
			g.paused.Store(false)
			waitApplies(ctx, g, applies+1)
			held.paused.Store(false)
		}
		// A moment between steps, for the workload to meet the slot half moved.
		if err := m.Run(ctx, 1, func() { time.Sleep(10 * time.Millisecond) }); err != nil {
			t.Fatal(err)
		}
		c.WaitOwner(ctx, to, 15*time.Second, mv.slot)
		t.Logf("slot %d (%s, %d keys) moved from %s to %s; %d events acknowledged and %d applies meanwhile",
			mv.slot, cmp.Or(mv.ws, "workspace set"), keys, from.Addr, to.Addr, ops.Load()-before, g.applies.Load()-applies)
	}
	t.Logf("%d slots moved in %v", len(moves), time.Since(began).Round(time.Millisecond))
	drain(ctx, t, st, errs, stop, done, &wg, &bg)

	// Every event acknowledged is in the log once, and nothing else is.
	want := map[string]map[string]int{}
	total := 0
	for _, w := range writers {
		for _, d := range w.done {
			if want[d.workspace] == nil {
				want[d.workspace] = map[string]int{}
			}
			want[d.workspace][eventKey(d.ev)]++
			total++
		}
	}
	for _, ws := range wss {
		got := logged(ctx, t, st, ws)
		for k, n := range want[ws] {
			if got[k] != n {
				t.Errorf("%s: event %s is in the log %d times, want %d", ws, k, got[k], n)
			}
		}
		for k, n := range got {
			if want[ws][k] == 0 {
				t.Errorf("%s: the log holds %d entries of event %s, which no writer had acknowledged", ws, n, k)
			}
		}
		// Every message applied once, its delete too.
		live, acct := liveInLog(ctx, t, st, ws)
		checkApplied(ctx, t, st, ws, live, acct)
	}
	t.Logf("%d events acknowledged; %d store errors met", total, errs.n.Load())
}

// waitApplies waits until the workers have made n Apply calls in all (or 2
// seconds have passed: a store that refuses them all the while is for the test's
// checks to judge).
func waitApplies(ctx context.Context, g *gate, n int64) {
	deadline := time.Now().Add(2 * time.Second)
	for g.applies.Load() < n && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
}

// TestErasingWhileTheSlotMigrates forgets a person and expires old messages of a
// workspace while its slot is migrating with every key still on the source: the
// erasures empty rollup hours and indexes as they go. Each call must either erase
// or come back unavailable, never fail half-way; once the move ends they erase
// everything they should, and the counts of what is left stay exact.
func TestErasingWhileTheSlotMigrates(t *testing.T) {
	c := clustertest.StartCluster(t, clustertest.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st := redisstore.New(c.Client, redisstore.Options{Prefix: "fberase", ClaimIdle: time.Second})
	const ws = "E0"
	// Old messages (to expire) and newer ones, each in an hour of its own, every
	// other of no account; the forgotten person's are newer. Expired messages leave
	// their counts in the rollups and the account's days (store.Retention).
	var events []feedbackbot.Event
	live, counted, acctCounted := 0, 0, 0
	for i := range 12 {
		acct, author := "A1", "U-keep"
		if i%2 == 0 {
			acct = ""
		}
		at := storetest.Base.Add(time.Duration(i) * time.Hour)
		switch {
		case i < 4:
			at = at.Add(-30 * 24 * time.Hour) // old: expired below
		case i%3 == 0:
			author = "U-gone"
		default:
			live++
		}
		if i < 4 || author != "U-gone" {
			counted++
			if acct != "" {
				acctCounted++
			}
		}
		m := storetest.Msg(ws, fmt.Sprintf("m%d", i), fmt.Sprintf("message %d", i), feedbackbot.RoleCustomer, acct, "C1", at)
		m.Author = author
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyAll(ctx, t, st, events, func(i int) feedbackbot.Tags { return storetest.Tags(-0.6, "a1") })

	slot := c.Slot(ctx, "fberase:{"+ws+"}:log")
	from := c.Owner(ctx, slot)
	to := c.Masters[0]
	if to == from {
		to = c.Masters[1]
	}
	mv := c.BeginMove(ctx, slot, to)
	erase := func() (forgot, expired bool) {
		t.Helper()
		_, err := st.Forget(ctx, ws, "U-gone")
		if err != nil && !redisstore.IsUnavailable(err) {
			t.Errorf("forget while the slot migrates: %v (%s), want success or unavailable", err, feedbackbot.ErrorCode(err))
		}
		_, xerr := st.Expire(ctx, ws, storetest.Base.Add(-7*24*time.Hour))
		if xerr != nil && !redisstore.IsUnavailable(xerr) {
			t.Errorf("expire while the slot migrates: %v (%s), want success or unavailable", xerr, feedbackbot.ErrorCode(xerr))
		}
		return err == nil, xerr == nil
	}
	forgot, expired := erase()
	if err := mv.Run(ctx, 5, nil); err != nil {
		t.Fatal(err)
	}
	c.WaitOwner(ctx, to, 15*time.Second, slot)
	for !forgot || !expired {
		if _, err := st.Forget(ctx, ws, "U-gone"); err == nil {
			forgot = true
		} else if !redisstore.IsUnavailable(err) || ctx.Err() != nil {
			t.Fatalf("forget after the move: %v", err)
		}
		if _, err := st.Expire(ctx, ws, storetest.Base.Add(-7*24*time.Hour)); err == nil {
			expired = true
		} else if !redisstore.IsUnavailable(err) || ctx.Err() != nil {
			t.Fatalf("expire after the move: %v", err)
		}
	}
	checkCounts(ctx, t, st, ws, counted, acctCounted, live)
	keys, err := st.AuthorKeys(ctx, ws, "U-gone")
	if err != nil || len(keys) != 0 {
		t.Errorf("the forgotten person's message keys: %v, %v; want none", keys, err)
	}
}
