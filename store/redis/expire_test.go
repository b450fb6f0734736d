package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"

	"github.com/redis/go-redis/v9"
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

// TestExpireReadsOnlySharedEntries guards the cost of Expire's author lookup: a
// message put once and applied has its author in its record, so its log entry is
// not read again; only the entries of a message put more than once (an edit can
// change its author) are (XRANGE id id). Expire read every expiring message's
// entries, 2,000 XRANGEs for 2,000 messages, and a retention pass of 10,000
// messages took 45% longer (BenchmarkExpire/all). Every author's set of message
// keys is empty after it all the same.
func TestExpireReadsOnlySharedEntries(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{})
	var evs, edits []feedbackbot.Event
	for i := range 600 {
		m := storetest.Msg("W1", fmt.Sprintf("m%04d", i), "x", "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Second))
		m.Author = fmt.Sprintf("u%d", i%50)
		evs = append(evs, storetest.Put(m))
		if i%100 == 7 { // six messages edited by another author
			m.Text, m.Author, m.EditedAt = "y", fmt.Sprintf("e%d", i), m.Time.Add(time.Minute)
			edits = append(edits, storetest.Put(m))
		}
	}
	storetest.AppendApplyAll(ctx, t, s, append(evs, edits...), func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	rec := &cmdLog{}
	client.AddHook(rec)
	rec.start()
	if n, err := s.Expire(ctx, "W1", storetest.Base.AddDate(0, 0, 1)); err != nil || n != 600 {
		t.Fatalf("Expire = %d, %v; want 600", n, err)
	}
	rec.stop()
	single := 0
	for _, a := range rec.named("xrange") {
		if len(a) == 4 && a[2] == a[3] {
			single++
		}
	}
	if want := 2 * len(edits); single != want {
		t.Errorf("Expire read %d log entries one by one (XRANGE id id), want %d: the entries of the %d edited messages only", single, want, len(edits))
	}
	keys, err := client.Keys(ctx, prefix+":{W1}:ak:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range keys {
		if ms, _ := client.SMembers(ctx, key).Result(); len(ms) != 0 {
			t.Errorf("after expiry %s names %v", key, ms)
		}
	}
}

// TestExpireTrimmedEarlierAuthor pins down a documented limit (store.Retention):
// with MaxLen, an edit's earlier author (alice) whose put was trimmed from the log
// before the expiry cannot be found (the entry naming her is gone, and the record
// names bob), so her set of message keys may keep naming the expired message's
// key. It is a key and no text: AuthorKeys and AuthorEntries of alice leave it
// out, and forgetting her erases nothing of it (and drops the set). Bob's set is
// emptied.
func TestExpireTrimmedEarlierAuthor(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{MaxLen: 100})
	m := storetest.Msg("W1", "m1", "the export is broken", "", "A1", "C1", storetest.Base)
	m.Author = "alice"
	edit := m
	edit.Text, edit.Author, edit.EditedAt = "the export is fixed", "bob", storetest.Base.Add(time.Minute)
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(m), storetest.Put(edit)},
		func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	var fill []feedbackbot.Event
	for i := range 1000 {
		f := storetest.Msg("W1", fmt.Sprintf("f%04d", i), "x", "", "A1", "C1", storetest.Base.AddDate(0, 0, 5))
		f.Author = "carol"
		fill = append(fill, storetest.Put(f))
	}
	// (MaxLen trims entries before they are read: append, then apply what is left)
	if _, err := s.Append(ctx, fill...); err != nil {
		t.Fatal(err)
	}
	for {
		es, err := s.Read(ctx, "w", 500, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		items := make([]store.Applied, len(es))
		for i, e := range es {
			items[i] = store.Applied{Entry: e, Tags: storetest.Tags(0.1, "v1")}
		}
		if _, err := s.Apply(ctx, items...); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
	}
	ids, _ := client.HGet(ctx, prefix+":{W1}:le", m.Key()).Result()
	for _, id := range strings.Fields(ids) {
		if got, _ := client.XRange(ctx, prefix+":{W1}:log", id, id).Result(); len(got) != 0 {
			t.Fatalf("entry %s of m1 not trimmed; the scenario needs it trimmed", id)
		}
	}
	if n, err := s.Expire(ctx, "W1", storetest.Base.AddDate(0, 0, 1)); err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v; want 1", n, err)
	}
	if ms, _ := client.SMembers(ctx, prefix+":{W1}:ak:bob").Result(); len(ms) != 0 {
		t.Errorf("after expiry bob's set names %v, want nothing", ms)
	}
	ms, _ := client.SMembers(ctx, prefix+":{W1}:ak:alice").Result()
	t.Logf("after expiry alice's set names %v (the limit: her trimmed put named her)", ms)
	if keys, err := s.AuthorKeys(ctx, "W1", "alice"); err != nil || len(keys) != 0 {
		t.Errorf("AuthorKeys(alice) after expiry = %v, %v; want none", keys, err)
	}
	var entries int
	if err := s.AuthorEntries(ctx, "W1", "alice", func(store.Entry) error { entries++; return nil }); err != nil || entries != 0 {
		t.Errorf("AuthorEntries(alice) after expiry = %d entries, %v; want none", entries, err)
	}
	if n, err := s.Forget(ctx, "W1", "alice"); err != nil || n != 0 {
		t.Errorf("Forget(alice) after expiry = %d, %v; want 0 (nothing of hers left)", n, err)
	}
	if n, _ := client.Exists(ctx, prefix+":{W1}:ak:alice").Result(); n != 0 {
		t.Errorf("alice's set of message keys outlived her Forget")
	}
}

// afterIndexRead runs fn once, right after the first read of a workspace's time
// index (Expire's walk 1).
type afterIndexRead struct {
	fn   func()
	done bool
}

func (h *afterIndexRead) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *afterIndexRead) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *afterIndexRead) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error {
		err := next(ctx, c)
		if a := c.Args(); !h.done && len(a) > 1 && strings.EqualFold(fmt.Sprint(a[0]), "zrangebyscore") && strings.HasSuffix(fmt.Sprint(a[1]), ":t") {
			h.done = true
			h.fn()
		}
		return err
	}
}

// TestExpireLeavesAMessageEditedPastTheCutoff: a message edited to a time after
// the cutoff (appended, applied and acknowledged by another replica) after
// Expire's walk read it from the time index is left, its record and indexes
// whole: the script checked only that its log entries were unchanged and
// delivered, and erased it (a review's find).
func TestExpireLeavesAMessageEditedPastTheCutoff(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{})
	m := storetest.Msg("W1", "m1", "the export is broken", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(m)}, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	other, _ := redistest.Client(t) // (another replica's connection)
	s2 := redisstore.New(other, redisstore.Options{Prefix: prefix})
	edit := m
	edit.Time, edit.EditedAt, edit.Text = storetest.Base.Add(48*time.Hour), storetest.Base.Add(48*time.Hour), "the export is broken again"
	client.AddHook(&afterIndexRead{fn: func() {
		storetest.AppendApplyAll(ctx, t, s2, []feedbackbot.Event{storetest.Put(edit)}, func(int) feedbackbot.Tags { return storetest.Tags(-0.6, "v1") })
	}})
	if n, err := s.Expire(ctx, "W1", storetest.Base.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("Expire = %d, %v; want nothing expired", n, err)
	}
	if got, err := s.Message(ctx, m.Key()); err != nil || got.Message.Text != edit.Text {
		t.Errorf("after Expire the message is %+v (%v); want the edit, whole", got.Message, err)
	}
}
