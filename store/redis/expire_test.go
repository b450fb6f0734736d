package redisstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// BenchmarkExpire: a retention pass that expires a whole workspace, and a daily pass
// that finds nothing old enough in it (go test -run ^$ -bench Expire ./store/redis).
func BenchmarkExpire(b *testing.B) {
	for _, mode := range []string{"all", "none"} {
		for _, n := range []int{10_000, 50_000} {
			b.Run(fmt.Sprintf("%s/messages=%d", mode, n), func(b *testing.B) {
				storetest.BenchExpire(b, func() store.Store {
					s, _, _ := newStore(b, redisstore.Options{})
					return s
				}, n, mode)
			})
		}
	}
}

// TestExpireLeavesNoEmptiedIndexes: expiring every message of a day removes the
// day's indexes; each big index (a day's notable set, an account week's time
// index) stayed, holding only its encoding marker, one more key for every day and
// account week retention emptied (a review's find; forget already dropped them).
// No record or data string is left either.
func TestExpireLeavesNoEmptiedIndexes(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{})
	var evs []feedbackbot.Event
	for i := range 40 {
		evs = append(evs, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%02d", i), fmt.Sprintf("message %d is awful", i), "", "A1", fmt.Sprintf("C%d", i), storetest.Base.Add(time.Duration(i)*time.Minute))))
	}
	storetest.AppendApplyAll(ctx, t, s, evs, func(int) feedbackbot.Tags { return storetest.Tags(-0.8, "v1") })
	if n, err := s.Expire(ctx, "W1", storetest.Base.AddDate(0, 0, 1)); err != nil || n != 40 {
		t.Fatalf("Expire = %d, %v", n, err)
	}
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, "}:m:") || strings.Contains(k, "}:d:") {
			t.Errorf("after every message expired, its record or data string %s is left", k)
		}
		if typ, _ := client.Type(ctx, k).Result(); typ != "zset" {
			continue
		}
		if ms, _ := client.ZRange(ctx, k, 0, -1).Result(); len(ms) == 1 && strings.HasPrefix(ms[0], "#") {
			t.Errorf("after every message expired, %s holds only its encoding marker %q", k, ms[0])
		}
	}
}

// TestExpireRemovesEveryAuthorsKey guards the author index against retention: a
// message whose author changed by an edit (alice put it, bob edited it: Discord
// and Slack imports can do that) is in both authors' sets of message keys
// (fb:{ws}:ak:<author>), and expiring it must take it out of both, as the
// embedded store does, so that no index named by a person outlives their
// messages. Expire used to pass only the record's (last) author's set to its
// script, and alice's named the message for ever. The same holds for a message
// deleted before it expired (found through the log, with no record left), whose
// authors are known only from its log entries.
func TestExpireRemovesEveryAuthorsKey(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{})
	m := storetest.Msg("W1", "m1", "the export is broken", "", "A1", "C1", storetest.Base)
	m.Author = "alice"
	edit := m
	edit.Text, edit.Author, edit.EditedAt = "the export is fixed", "bob", storetest.Base.Add(time.Minute)
	gone := storetest.Msg("W1", "m2", "the import is broken", "", "A1", "C1", storetest.Base.Add(time.Hour))
	gone.Author = "carol"
	goneEdit := gone
	goneEdit.Text, goneEdit.Author, goneEdit.EditedAt = "the import is fixed", "dave", storetest.Base.Add(2*time.Hour)
	kept := storetest.Msg("W1", "m3", "all good", "", "A1", "C1", storetest.Base.AddDate(0, 0, 3))
	kept.Author = "alice"
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(m), storetest.Put(edit), storetest.Put(gone),
		storetest.Put(goneEdit), storetest.Delete(gone), storetest.Put(kept)},
		func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	for _, a := range []string{"alice", "bob", "carol", "dave"} {
		if ms, _ := client.SMembers(ctx, prefix+":{W1}:ak:"+a).Result(); len(ms) == 0 {
			t.Fatalf("before expiry, %s's set of message keys is empty", a)
		}
	}
	if n, err := s.Expire(ctx, "W1", storetest.Base.AddDate(0, 0, 1)); err != nil || n != 2 {
		t.Fatalf("Expire = %d, %v; want 2", n, err)
	}
	for _, a := range []string{"alice", "bob", "carol", "dave"} {
		want := []string{}
		if a == "alice" {
			want = []string{kept.Key()}
		}
		ms, err := client.SMembers(ctx, prefix+":{W1}:ak:"+a).Result()
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ms) != fmt.Sprint(want) {
			t.Errorf("after expiry, %s:{W1}:ak:%s holds %v, want %v", prefix, a, ms, want)
		}
	}
	if n, err := s.Expire(ctx, "W1", storetest.Base.AddDate(0, 0, 1)); err != nil || n != 0 {
		t.Errorf("Expire again = %d, %v; want 0", n, err)
	}
}
