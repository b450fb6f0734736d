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

// TestAccountWeeks: one account's messages of a bounded period, read from its
// account-week indexes, are the same, in the same order, as read from its whole time
// index (with the weeks' marker gone), for periods within a week, across week
// boundaries, longer than the weeks read, with limits that cut inside a week and ties
// of one time; they are really read from the weeks (gone, they read as nothing); a
// workspace applied before the weeks existed reads from the whole index until
// BuildAccountDays indexes it (reporting its progress, once), and then an edit that
// moves a message to another account and week, and a delete, leave nothing behind.
func TestAccountWeeks(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	const n = 1100 // 11 weeks of 100 messages; every fifth shares the time of the one before
	var events []feedbackbot.Event
	at := func(i int) time.Time {
		return storetest.Base.Add(time.Duration(i-i%5/4) * 168 * time.Hour / 100)
	}
	for i := range n {
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%04d", i), "the export fails", feedbackbot.RoleCustomer,
			fmt.Sprintf("A%d", i%3), "C1", at(i))))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(i int) feedbackbot.Tags { return storetest.Tags(0.5, "v1") })
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
	key := func(st store.Stored) string { return st.Message.ID }
	messages := func(r read, acct string) []string {
		t.Helper()
		got, err := s.Messages(ctx, store.Query{Workspace: "W1", Account: acct, From: r.from, To: r.to, Limit: r.limit})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, st := range got {
			ids = append(ids, key(st))
		}
		return ids
	}
	snapshot := func() map[string][]string {
		out := map[string][]string{}
		for i, r := range reads {
			for _, a := range []string{"A0", "A1", "A2"} {
				out[fmt.Sprint(i, a)] = messages(r, a)
			}
		}
		return out
	}
	compare := func(stage string, got, want map[string][]string) {
		t.Helper()
		bad := 0
		for k, w := range want {
			if g := got[k]; !slices.Equal(g, w) && bad < 5 {
				bad++
				t.Errorf("%s: read %s: %v\nwant %v", stage, k, g, w)
			}
		}
	}
	fromWeeks := snapshot()
	if err := client.Del(ctx, marker).Err(); err != nil {
		t.Fatal(err)
	}
	whole := snapshot()
	total := 0
	for _, ids := range whole {
		total += len(ids)
	}
	if total < 1000 {
		t.Fatalf("the reads returned %d messages in all: too few to compare", total)
	}
	compare("account weeks", fromWeeks, whole)

	// With the marker, a period is read from the weeks: with them gone it is empty.
	weekKeys := func() []string {
		t.Helper()
		keys, err := redistest.Keys(ctx, client, prefix)
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(keys, func(k string) bool { return !strings.Contains(k, ":aw:") })
	}
	if got := len(weekKeys()); got < 33 {
		t.Fatalf("%d account-week keys, want 3 accounts x 11 weeks or more", got)
	}
	if err := redistest.DropAccountWeeks(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	client.Set(ctx, marker, "1", 0)
	if got := messages(reads[8], "A1"); len(got) != 0 {
		t.Errorf("with the weeks gone and the marker set: %v, want nothing (not read from the weeks)", got)
	}
	client.Del(ctx, marker)
	compare("before the back-fill", snapshot(), whole)

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
	compare("after the back-fill", snapshot(), whole)

	// Indexed by the back-fill, a message moved to another account and week, then
	// deleted, leaves no week holding it.
	m := storetest.Msg("W1", "m0003", "moved", feedbackbot.RoleCustomer, "A9", "C1", at(900))
	m.EditedAt = at(901)
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(m)}, func(int) feedbackbot.Tags { return storetest.Tags(0.1, "v1") })
	if got := messages(read{at(899), at(902), 50}, "A9"); !slices.Equal(got, []string{"m0003"}) {
		t.Errorf("the moved message in its new account's week: %v", got)
	}
	if got := messages(read{at(0), at(5), 50}, "A0"); slices.Contains(got, "m0003") {
		t.Errorf("the moved message is still in its old account's week: %v", got)
	}
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Delete(m)}, func(int) feedbackbot.Tags { return feedbackbot.Tags{} })
	for _, k := range weekKeys() {
		if ok, err := client.ZScore(ctx, k, "slack/W1/m0003").Result(); err != redis.Nil {
			t.Errorf("deleted message still in %s (%v, %v)", k, ok, err)
		}
	}

	// Data from before both account days and weeks: one call builds both, and its
	// progress counts each message once, never going back.
	if err := client.Del(ctx, marker).Err(); err != nil {
		t.Fatal(err)
	}
	now := snapshot()
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
	compare("after building both", snapshot(), now)
}
