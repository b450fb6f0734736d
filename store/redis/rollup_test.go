package redisstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestBigRollupIsAHashTable: an hour with hundreds of counters (many accounts and
// channels) is kept as a hash table, which readers never see, and an hour whose
// messages are all deleted disappears with its bucket, as a small one does.
func TestBigRollupIsAHashTable(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	ctx := t.Context()
	const n = 60 // 60 accounts and channels: about 500 counters in one hour
	var events []feedbackbot.Event
	for i := range n {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "slow again", "", fmt.Sprintf("A%d", i), fmt.Sprintf("C%d", i),
			storetest.Base.Add(time.Duration(i)*time.Second))
		events = append(events, storetest.Put(m))
	}
	// apply appends evs, then applies and acknowledges them.
	apply := func(evs []feedbackbot.Event) {
		t.Helper()
		storetest.AppendApplyAll(ctx, t, s, evs, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1", "performance") })
	}
	apply(events)
	hour := storetest.Base.Truncate(time.Hour)
	key := fmt.Sprintf("%s:{W1}:r:%d", prefix, hour.Unix())
	if enc, err := client.ObjectEncoding(ctx, key).Result(); err != nil || enc != "hashtable" {
		t.Errorf("OBJECT ENCODING %s = %q, %v; want hashtable", key, enc, err)
	}
	rs, err := s.Rollups(ctx, "W1", hour, hour.Add(time.Hour))
	if err != nil || len(rs) != 1 {
		t.Fatalf("Rollups = %v, %v", rs, err)
	}
	if got := rs[0].Counts[feedbackbot.CntMessages]; got != n {
		t.Errorf("messages = %d, want %d", got, n)
	}
	for name := range rs[0].Counts {
		if name[0] == '#' {
			t.Errorf("Rollups shows the internal field %q", name)
		}
	}
	var dels []feedbackbot.Event
	for _, ev := range events {
		dels = append(dels, storetest.Delete(ev.Message))
	}
	apply(dels)
	if rs, err := s.Rollups(ctx, "W1", hour, hour.Add(time.Hour)); err != nil || len(rs) != 0 {
		t.Errorf("Rollups after deleting every message = %v, %v; want none", rs, err)
	}
	if n, err := client.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Errorf("EXISTS %s = %d, %v; want the emptied hour gone", key, n, err)
	}
}
