package redisstore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestAccountWeeks: one account's messages of a period, read from its account-week
// indexes, are the account's messages of that period newest first (ties of one time
// by key, descending, as Redis orders them), for periods within a week, across week
// boundaries, of months, open at either end or both, with limits that cut inside a
// week and ties of one time; they are really read from the weeks (gone, they read as
// nothing). A workspace the weeks cover keeps no whole-history account index. A
// workspace applied before the weeks existed reads the same from its whole-history
// index until BuildAccountDays indexes it (reporting its progress, once), and then an
// edit that moves a message to another account and week, and a delete, leave nothing
// behind.
func TestAccountWeeks(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	const n = 1100 // 11 weeks of 100 messages; every fifth shares the time of the one before
	at := func(i int) time.Time {
		return storetest.Base.Add(time.Duration(i-i%5/4) * 168 * time.Hour / 100)
	}
	type row struct {
		acct string
		at   time.Time
	}
	model := map[string]row{} // message ID -> where it is
	var events []feedbackbot.Event
	for i := range n {
		id, acct := fmt.Sprintf("m%04d", i), fmt.Sprintf("A%d", i%3)
		events = append(events, storetest.Put(storetest.Msg("W1", id, "the export fails", feedbackbot.RoleCustomer, acct, "C1", at(i))))
		model[id] = row{acct, at(i)}
	}
	// Data of an older version: its first apply found rollup hours already there, so
	// the account weeks were not marked as covering it (and the whole-history account
	// index was kept); the weeks are dropped below, as that version had none.
	buckets := prefix + ":{W1}:rb"
	if err := client.ZAdd(ctx, buckets, redis.Z{Score: 0, Member: "older"}).Err(); err != nil {
		t.Fatal(err)
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(i int) feedbackbot.Tags { return storetest.Tags(0.5, "v1") })
	if err := client.ZRem(ctx, buckets, "older").Err(); err != nil {
		t.Fatal(err)
	}
	marker := prefix + ":{W1}:awv"
	type read struct {
		from, to time.Time
		limit    int
	}
	var reads []read
	for _, span := range []time.Duration{time.Hour, 40 * time.Hour, 7 * 24 * time.Hour, 16 * 24 * time.Hour, 60 * 24 * time.Hour} {
		for _, start := range []int{0, 137, 500, 999} {
			for _, limit := range []int{1, 7, 50, store.MaxQueryLimit} {
				reads = append(reads, read{at(start), at(start).Add(span), limit})
			}
		}
	}
	for _, limit := range []int{1, 7, 50, store.MaxQueryLimit} {
		reads = append(reads, read{time.Time{}, time.Time{}, limit}, read{at(800), time.Time{}, limit},
			read{time.Time{}, at(300), limit}, read{at(-5000), at(5000), limit})
	}
	want := func(r read, acct string) []string {
		type hit struct {
			id string
			at time.Time
		}
		var hits []hit
		for id, m := range model {
			if m.acct == acct && (r.from.IsZero() || !m.at.Before(r.from)) && (r.to.IsZero() || m.at.Before(r.to)) {
				hits = append(hits, hit{id, m.at})
			}
		}
		slices.SortFunc(hits, func(a, b hit) int {
			if c := b.at.Compare(a.at); c != 0 {
				return c
			}
			return strings.Compare(b.id, a.id)
		})
		ids := []string{}
		for _, h := range hits[:min(len(hits), r.limit)] {
			ids = append(ids, h.id)
		}
		return ids
	}
	messages := func(r read, acct string) []string {
		t.Helper()
		got, err := s.Messages(ctx, store.Query{Workspace: "W1", Account: acct, From: r.from, To: r.to, Limit: r.limit})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, st := range got {
			ids = append(ids, st.Message.ID)
		}
		return ids
	}
	accounts := []string{"A0", "A1", "A2", "A9"}
	check := func(stage string) {
		t.Helper()
		bad, total := 0, 0
		for i, r := range reads {
			for _, a := range accounts {
				got, w := messages(r, a), want(r, a)
				total += len(got)
				if !slices.Equal(got, w) && bad < 5 {
					bad++
					t.Errorf("%s: read %d (%v to %v, limit %d) of %s: %v\nwant %v", stage, i, r.from, r.to, r.limit, a, got, w)
				}
			}
		}
		if total < 1000 {
			t.Fatalf("%s: the reads returned %d messages in all: too few to tell", stage, total)
		}
	}
	keysWith := func(infix string) []string {
		t.Helper()
		keys, err := redistest.Keys(ctx, client, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(keys, func(k string) bool { return !strings.Contains(k, infix) })
	}
	if got := len(keysWith(":ta:")); got != 3 {
		t.Fatalf("%d whole-history account indexes in the older workspace, want 3", got)
	}
	check("whole-history index")

	// With the marker, a period is read from the weeks, whatever its length.
	client.Set(ctx, marker, "1", 0)
	check("account weeks")
	if got := len(keysWith(":aw:")); got < 33 {
		t.Fatalf("%d account-week keys, want 3 accounts x 11 weeks or more", got)
	}
	if err := redistest.DropAccountWeeks(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	client.Set(ctx, marker, "1", 0)
	for _, r := range []read{reads[8], {time.Time{}, time.Time{}, 50}} {
		if got := messages(r, "A1"); len(got) != 0 {
			t.Errorf("with the weeks gone and the marker set: %v, want nothing (not read from the weeks)", got)
		}
	}
	client.Del(ctx, marker)
	check("before the back-fill")

	// The back-fill, with its progress, then once more (a no-op).
	for _, want := range [][2]int{{n, n}, {-1, -1}} {
		var last [2]int = [2]int{-1, -1}
		if err := s.BuildAccountDays(ctx, "W1", func(done, total int) { last = [2]int{done, total} }); err != nil {
			t.Fatalf("BuildAccountDays: %v", err)
		}
		if last != want {
			t.Errorf("progress ended at %v, want %v", last, want)
		}
	}
	if n, _ := client.Exists(ctx, marker).Result(); n != 1 {
		t.Fatal("the back-fill did not mark the weeks built")
	}
	check("after the back-fill")

	// Indexed by the back-fill, a message moved to another account and week, then
	// deleted, leaves no week holding it; the weeks now cover the workspace, so the
	// new account gets no whole-history index.
	m := storetest.Msg("W1", "m0003", "moved", feedbackbot.RoleCustomer, "A9", "C1", at(900))
	m.EditedAt = at(901)
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(m)}, func(int) feedbackbot.Tags { return storetest.Tags(0.1, "v1") })
	model["m0003"] = row{"A9", at(900)}
	check("after the move")
	if got := keysWith(":ta:A9"); len(got) != 0 {
		t.Errorf("a whole-history index for the moved message's new account in a covered workspace: %v", got)
	}
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Delete(m)}, func(int) feedbackbot.Tags { return feedbackbot.Tags{} })
	delete(model, "m0003")
	for _, k := range append(keysWith(":aw:"), keysWith(":ta:")...) {
		if ok, err := client.ZScore(ctx, k, "slack/W1/m0003").Result(); err != redis.Nil {
			t.Errorf("deleted message still in %s (%v, %v)", k, ok, err)
		}
	}
	check("after the delete")

	// Data from before both account days and weeks: one call builds both, and its
	// progress counts each message once, never going back.
	if err := client.Del(ctx, marker).Err(); err != nil {
		t.Fatal(err)
	}
	if err := redistest.DropAccountDays(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	if err := redistest.DropAccountWeeks(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	var calls [][2]int
	if err := s.BuildAccountDays(ctx, "W1", func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil {
		t.Fatalf("BuildAccountDays: %v", err)
	}
	for i, c := range calls {
		if c[1] != n-1 || c[0] > c[1] || (i > 0 && c[0] < calls[i-1][0]) {
			t.Errorf("progress %v (call %d of %v): want 0 to %d messages, never back", c, i, len(calls), n-1)
		}
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{n - 1, n - 1} {
		t.Errorf("progress ended at %v, want %d of %d", calls[len(calls)-1:], n-1, n-1)
	}
	check("after building both")

	// A workspace the weeks cover from its first message keeps no whole-history
	// account index, and reads the same.
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(storetest.Msg("W2", "x1", "hello", feedbackbot.RoleCustomer, "A1", "C1", at(3)))},
		func(int) feedbackbot.Tags { return storetest.Tags(0.5, "v1") })
	for _, k := range keysWith(":ta:") {
		if strings.Contains(k, "{W2}") {
			t.Errorf("whole-history account index %s in a workspace the weeks cover", k)
		}
	}
	got, err := s.Messages(ctx, store.Query{Workspace: "W2", Account: "A1", Limit: 10})
	if err != nil || len(got) != 1 || got[0].Message.ID != "x1" {
		t.Errorf("W2's account A1: %v, %v; want x1", got, err)
	}
}
