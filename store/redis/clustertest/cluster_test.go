package clustertest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/clustertest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestConformanceOnCluster runs the whole store contract on a three-master Redis
// Cluster: any multi-key operation outside one hash slot fails with CROSSSLOT.
func TestConformanceOnCluster(t *testing.T) {
	c, _ := clustertest.Start(t)
	var n atomic.Int64 // subtests open stores in parallel
	storetest.Run(t, func(t *testing.T) store.Store {
		return redisstore.New(c, redisstore.Options{Prefix: fmt.Sprintf("fbct%d-%d", time.Now().UnixNano(), n.Add(1)), ClaimIdle: storetest.ClaimIdle})
	})
}

// TestWorkspacesSpreadAcrossMasters: many workspaces land on different slots and
// masters, and capture + apply + read work for each.
func TestWorkspacesSpreadAcrossMasters(t *testing.T) {
	c, addrs := clustertest.Start(t)
	st := redisstore.New(c, redisstore.Options{Prefix: "fbspread", ClaimIdle: storetest.ClaimIdle})
	ctx := context.Background()
	t0 := storetest.Base
	for i := range 12 {
		ws := fmt.Sprintf("T%03d", i)
		m := storetest.Msg(ws, "C1:1", "the export is broken", feedbackbot.RoleCustomer, "A1", "C1", t0)
		if _, err := st.Append(ctx, storetest.Put(m)); err != nil {
			t.Fatalf("%s: %v", ws, err)
		}
	}
	got := 0
	for range 20 {
		es, err := st.Read(ctx, "w", 100, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		var items []store.Applied
		for _, e := range es {
			items = append(items, store.Applied{Entry: e, Tags: storetest.Tags(-0.5, "a1")})
		}
		if _, err := st.Apply(ctx, items...); err != nil {
			t.Fatal(err)
		}
		if err := st.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
		if got += len(es); got == 12 {
			break
		}
	}
	if got != 12 {
		t.Fatalf("read %d entries across workspaces, want 12", got)
	}
	masters := map[string]bool{}
	for i := range 12 {
		slot := c.ClusterKeySlot(ctx, fmt.Sprintf("fbspread:{T%03d}:log", i)).Val()
		masters[fmt.Sprint(slot*int64(len(addrs))/16384)] = true
	}
	if len(masters) < 2 {
		t.Errorf("workspaces should spread over several masters, got %d", len(masters))
	}
}
