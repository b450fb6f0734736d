package redisstore_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestBigRollupIsAHashTable: an hour with hundreds of counters (many accounts and
// channels) is kept as a hash table, which readers never see, and an hour whose
// messages are all deleted disappears with its bucket, as a small one does; so is,
// and does, the workspace day of those accounts' counters.
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
	// The workspace day of account counters too (60 accounts' counters: a listpack
	// under Redis's usual limits, searched end to end by every field a digest's HMGET
	// names).
	day := storetest.Base.UTC().Truncate(24 * time.Hour)
	dayKey := fmt.Sprintf("%s:{W1}:ac:%d", prefix, day.Unix())
	if enc, err := client.ObjectEncoding(ctx, dayKey).Result(); err != nil || enc != "hashtable" {
		t.Errorf("OBJECT ENCODING %s = %q, %v; want hashtable", dayKey, enc, err)
	}
	days, err := s.AccountsDays(ctx, "W1", []string{"A0", "A59", "#encoding"}, day, day.Add(24*time.Hour), feedbackbot.CntCustomer, feedbackbot.CntNegative)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"A0", "A59"} {
		if len(days[a]) != 1 || days[a][0].Counts[feedbackbot.CntCustomer] != 1 || days[a][0].Counts[feedbackbot.CntNegative] != 1 {
			t.Errorf("AccountsDays of %s = %v; want one day, 1 customer message, 1 negative", a, days[a])
		}
	}
	if len(days["#encoding"]) != 0 {
		t.Errorf("AccountsDays shows the internal field as an account's: %v", days["#encoding"])
	}
	var dels []feedbackbot.Event
	for _, ev := range events {
		dels = append(dels, storetest.Delete(ev.Message))
	}
	apply(dels)
	if rs, err := s.Rollups(ctx, "W1", hour, hour.Add(time.Hour)); err != nil || len(rs) != 0 {
		t.Errorf("Rollups after deleting every message = %v, %v; want none", rs, err)
	}
	for _, k := range []string{key, dayKey} {
		if n, err := client.Exists(ctx, k).Result(); err != nil || n != 0 {
			t.Errorf("EXISTS %s = %d, %v; want the emptied hash gone", k, n, err)
		}
	}
}

// TestRollupsReadEveryMarker: an hour marked as a hash table by a version before
// 2026-12-03 (its marker's value is text, not a number) reads as the others do; a
// counter that is not a number is an error that names it.
func TestRollupsReadEveryMarker(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	ctx := t.Context()
	var events []feedbackbot.Event
	for i := range 60 { // two hours of about 500 counters each
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "slow again", "", fmt.Sprintf("A%d", i), fmt.Sprintf("C%d", i),
			storetest.Base.Add(time.Duration(2*i)*time.Minute))
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1", "performance") })
	from := storetest.Base.Truncate(time.Hour)
	read := func() (map[time.Time]int64, error) {
		rs, err := s.Rollups(ctx, "W1", from, from.Add(2*time.Hour))
		got := map[time.Time]int64{}
		for _, r := range rs {
			for name := range r.Counts {
				if name[0] == '#' {
					t.Errorf("Rollups shows the internal field %q", name)
				}
			}
			got[r.Start] = r.Counts[feedbackbot.CntMessages]
		}
		return got, err
	}
	want, err := read()
	if err != nil || len(want) != 2 || want[from]+want[from.Add(time.Hour)] != 60 {
		t.Fatalf("Rollups = %v, %v; want 60 messages in two hours", want, err)
	}
	key := fmt.Sprintf("%s:{W1}:r:%d", prefix, from.Unix())
	if enc, err := client.ObjectEncoding(ctx, key).Result(); err != nil || enc != "hashtable" {
		t.Errorf("OBJECT ENCODING %s = %q, %v; want hashtable", key, enc, err)
	}
	old := "hashtable: a listpack is searched end to end on every HINCRBY; see store/redis/scripts.go"
	if err := client.HSet(ctx, key, "#encoding", old).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := read(); err != nil || !maps.Equal(got, want) {
		t.Errorf("with an older marker: Rollups = %v, %v; want %v", got, err, want)
	}
	if err := client.HSet(ctx, key, "sentiment|broken", "abc").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := read(); err == nil || !strings.Contains(err.Error(), `"sentiment|broken" is not a number`) {
		t.Errorf("a counter that is not a number: error %v", err)
	}
}

// BenchmarkRollups reads a week of whole hours (a digest's current period): 7,000
// messages, 1,000 a day across 200 accounts and 40 channels, about 400 counters an hour.
func BenchmarkRollups(b *testing.B) {
	s, _, _ := newStore(b, redisstore.Options{})
	ctx := b.Context()
	var events []feedbackbot.Event
	for i := range 7000 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export is slow again", "", fmt.Sprintf("A%d", i%200), fmt.Sprintf("C%d", i%40),
			storetest.Base.Add(time.Duration(i)*86400*time.Second/1000))
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyAll(ctx, b, s, events, func(i int) feedbackbot.Tags {
		return storetest.Tags(float64(i%11-5)/5, "v1", []string{"performance", "bug", "billing"}[:i%4]...)
	})
	from, to := storetest.Base, storetest.Base.Add(7*24*time.Hour)
	for b.Loop() {
		rs, err := s.Rollups(ctx, "W1", from, to)
		if err != nil || len(rs) != 168 {
			b.Fatalf("Rollups = %d hours, %v", len(rs), err)
		}
	}
}
