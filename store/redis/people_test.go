package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// dumpKeys renders every key under prefix with its whole content, whatever its type.
func dumpKeys(t *testing.T, ctx context.Context, client redis.UniversalClient, prefix string) map[string]string {
	t.Helper()
	all, err := redistest.Keys(ctx, client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range all {
		typ, err := client.Type(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		switch typ {
		case "string":
			v, err = client.Get(ctx, k).Result()
		case "hash":
			v, err = client.HGetAll(ctx, k).Result()
		case "set":
			v, err = client.SMembers(ctx, k).Result()
		case "zset":
			v, err = client.ZRangeWithScores(ctx, k, 0, -1).Result()
		case "stream":
			v, err = client.XRange(ctx, k, "-", "+").Result()
		default:
			t.Fatalf("key %s has unexpected type %s", k, typ)
		}
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(k, prefix)] = fmt.Sprint(v)
	}
	return out
}

// consumeAll reads, applies and acknowledges everything, like a worker.
func consumeAll(t *testing.T, s store.Store, tags feedbackbot.Tags) {
	t.Helper()
	ctx := t.Context()
	for {
		es, err := s.Read(ctx, "w", 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			return
		}
		var items []store.Applied
		for _, e := range es {
			items = append(items, store.Applied{Entry: e, Tags: tags})
		}
		if _, err := s.Apply(ctx, items...); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestForgetLeavesNothing: after Forget, no key under the prefix holds the forgotten
// person's text, and their id is left only in the forgotten-authors hash.
func TestForgetLeavesNothing(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	ctx := t.Context()
	secret := "my phone number is 555-0199"
	var events []feedbackbot.Event
	for i := range 4 {
		m := storetest.Msg("W1", fmt.Sprintf("a%d", i), fmt.Sprintf("%s (%d)", secret, i), "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Hour))
		m.Author, m.AuthorName = "U-ALICE", "Alice Example"
		events = append(events, storetest.Put(m))
	}
	bob := storetest.Msg("W1", "b1", "fine", "", "A1", "C1", storetest.Base)
	bob.Author = "U-BOB"
	events = append(events, storetest.Put(bob))
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	consumeAll(t, s, storetest.Tags(-0.7, "v1", "export"))
	edit := events[0].Message
	edit.Text = secret + ", edited"
	if _, err := s.Append(ctx, storetest.Put(edit), storetest.Delete(events[1].Message)); err != nil {
		t.Fatal(err)
	}
	consumeAll(t, s, storetest.Tags(-0.7, "v1", "export"))
	if n, err := s.Forget(ctx, "W1", "U-ALICE"); err != nil || n != 4 {
		t.Fatalf("Forget = %d, %v; want 4", n, err)
	}
	for k, v := range dumpKeys(t, ctx, client, prefix) {
		for _, bad := range []string{"555-0199", "Alice Example"} {
			if strings.Contains(v, bad) || strings.Contains(k, bad) {
				t.Errorf("key %s still holds %q: %s", k, bad, v)
			}
		}
		if (strings.Contains(v, "U-ALICE") || strings.Contains(k, "U-ALICE")) && k != ":{W1}:forgotten" {
			t.Errorf("key %s still names the forgotten author: %s", k, v)
		}
	}
}

// TestPeopleIndexBackfill: a workspace captured before the author indexes existed is
// indexed on its first export or erasure, and records indexed that way leave the author
// index when they are later edited or deleted.
func TestPeopleIndexBackfill(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	var events []feedbackbot.Event
	for i := range 8 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export fails", "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Minute))
		m.Author = []string{"alice", "bob"}[i%2]
		events = append(events, storetest.Put(m))
	}
	if _, err := s.Append(ctx, events[:6]...); err != nil {
		t.Fatal(err)
	}
	consumeAll(t, s, storetest.Tags(-0.7, "v1", "export"))
	if _, err := s.Append(ctx, events[6:]...); err != nil { // m6 (alice), m7 (bob): not read yet
		t.Fatal(err)
	}

	// Turn the data into what an older version wrote: no author or log-entry indexes,
	// no marker, and records whose index spec lacks the author index and whose hash
	// holds their stored JSON.
	if err := redistest.HashData(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	ws := prefix + ":{W1}"
	all, err := redistest.Keys(ctx, client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		switch {
		case strings.HasPrefix(k, ws+":au:"), strings.HasPrefix(k, ws+":ak:"), k == ws+":le", k == ws+":people":
			if err := client.Del(ctx, k).Err(); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(k, ws+":m:"):
			rewriteSpec(t, client, k, func(spec [][2]string) [][2]string {
				return slices.DeleteFunc(spec, func(e [2]string) bool { return strings.Contains(e[0], ":au:") })
			})
		}
	}

	// AuthorEntries (export's part of the log) indexes old data first, as Forget does.
	var ids []string
	if err := s.AuthorEntries(ctx, "W1", "alice", func(e store.Entry) error {
		ids = append(ids, e.Event.Message.ID)
		return nil
	}); err != nil || fmt.Sprint(ids) != "[m0 m2 m4 m6]" {
		t.Errorf("AuthorEntries(alice) of old data = %v, %v; want [m0 m2 m4 m6]", ids, err)
	}
	// AuthorKeys (the forget preview) indexes old data first, as export and Forget do.
	if got, err := s.AuthorKeys(ctx, "W1", "alice"); err != nil || len(got) != 4 {
		t.Errorf("AuthorKeys(alice) of old data = %v, %v; want 4 (three applied, one unread)", got, err)
	}
	exported := storetest.AuthorIDs(ctx, t, s, "W1", "bob")
	if fmt.Sprint(exported) != "[m1 m3 m5]" {
		t.Errorf("AuthorMessages(bob) of old data = %v, want [m1 m3 m5]", exported)
	}
	if n, err := s.Forget(ctx, "W1", "alice"); err != nil || n != 4 {
		t.Errorf("Forget(alice) of old data = %d, %v; want 4 (three applied, one unread)", n, err)
	}
	var replayed []string
	if err := s.Replay(ctx, "W1", func(e store.Entry) error {
		replayed = append(replayed, e.Event.Message.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(replayed) != "[m1 m3 m5 m7]" {
		t.Errorf("Replay after Forget = %v, want [m1 m3 m5 m7]", replayed)
	}
	if n, err := s.Backlog(ctx); err != nil || n != 1 {
		t.Errorf("Backlog after Forget = %d, %v; want 1 (m7)", n, err)
	}

	// Back-filled messages leave bob's export when deleted.
	if _, err := s.Append(ctx, storetest.Delete(events[1].Message), storetest.Delete(events[3].Message), storetest.Delete(events[5].Message)); err != nil {
		t.Fatal(err)
	}
	consumeAll(t, s, storetest.Tags(-0.7, "v1", "export")) // m7 is applied, then the deletes
	if got := authorIDs(t, s, "W1", "bob"); fmt.Sprint(got) != "[m7]" {
		t.Errorf("AuthorMessages(bob) after deleting back-filled messages = %v, want [m7]", got)
	}
	rs, err := s.Rollups(ctx, "W1", storetest.Base, storetest.Base.Add(time.Hour))
	if err != nil || len(rs) != 1 || rs[0].Counts[feedbackbot.CntMessages] != 1 {
		t.Errorf("Rollups = %v, %v; want m7 alone", rs, err)
	}
}

// rewriteSpec replaces the index spec of the record at key rec with what edit makes
// of it, to turn a record into what an older version wrote.
func rewriteSpec(t *testing.T, client redis.UniversalClient, rec string, edit func([][2]string) [][2]string) {
	t.Helper()
	if err := redistest.OldRecord(t.Context(), client, rec); err != nil {
		t.Fatal(err)
	}
	raw, err := client.HGet(t.Context(), rec, "k").Result()
	if err != nil {
		t.Fatal(err)
	}
	var spec [][2]string
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(edit(spec))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.HSet(t.Context(), rec, "k", b).Err(); err != nil {
		t.Fatal(err)
	}
}

// authorIDs is the ids AuthorMessages streams, in its order.
func authorIDs(t *testing.T, s *redisstore.Store, ws, author string) []string {
	t.Helper()
	var ids []string
	if err := s.AuthorMessages(t.Context(), ws, author, func(st store.Stored) error {
		ids = append(ids, st.Message.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestAuthorIndexOfAnOlderVersion: versions before 2026-12-02 kept each author's
// applied messages in a sorted set (fb:{ws}:au:<author>) named in every record's
// index spec. Their data is still exported whole, an edit or delete of such a record
// takes it out of that set (Apply retries with the keys the old spec names), and
// Forget removes the set; new records are not added to it.
func TestAuthorIndexOfAnOlderVersion(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	var events []feedbackbot.Event
	for i := range 6 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export fails", "", "A1", "C1", storetest.Base.Add(time.Duration(5-i)*time.Minute))
		m.Author = []string{"alice", "bob"}[i%2]
		events = append(events, storetest.Put(m))
	}
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	consumeAll(t, s, storetest.Tags(-0.7, "v1", "export"))

	// What the older version wrote: each record in its author's sorted set, which its
	// spec names; and m1 missing from bob's key set, as a message whose log entry was
	// trimmed before the key sets were kept is.
	ws := prefix + ":{W1}"
	for _, e := range events {
		m := e.Message
		rec := ws + ":m:" + m.Key()
		idx := ws + ":au:" + m.Author
		if err := client.ZAdd(ctx, idx, redis.Z{Score: float64(m.Time.UnixMicro()), Member: m.Key()}).Err(); err != nil {
			t.Fatal(err)
		}
		rewriteSpec(t, client, rec, func(spec [][2]string) [][2]string {
			for _, e := range spec {
				if strings.Contains(e[0], ":au:") {
					t.Fatalf("a new record names an author index in its spec: %v", spec)
				}
			}
			return append(spec, [2]string{idx, "t"})
		})
	}
	if err := client.SRem(ctx, ws+":ak:bob", events[1].Message.Key()).Err(); err != nil {
		t.Fatal(err)
	}

	if got := authorIDs(t, s, "W1", "bob"); fmt.Sprint(got) != "[m5 m3 m1]" {
		t.Errorf("AuthorMessages(bob) = %v, want [m5 m3 m1], oldest first", got)
	}
	edit := events[3].Message
	edit.Text = "the export works now"
	edit.EditedAt = storetest.Base.Add(time.Hour)
	if _, err := s.Append(ctx, storetest.Put(edit), storetest.Delete(events[5].Message)); err != nil {
		t.Fatal(err)
	}
	consumeAll(t, s, storetest.Tags(0.5, "v1", "export"))
	left, err := client.ZRange(ctx, ws+":au:bob", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(left) != "[slack/W1/m1]" {
		t.Errorf("bob's old index after an edit and a delete = %v, want [slack/W1/m1]", left)
	}
	if got := authorIDs(t, s, "W1", "bob"); fmt.Sprint(got) != "[m3 m1]" {
		t.Errorf("AuthorMessages(bob) after the edit and delete = %v, want [m3 m1]", got)
	}
	if st, err := s.Message(ctx, edit.Key()); err != nil || st.Message.Text != edit.Text {
		t.Errorf("the edited record = %+v, %v", st.Message, err)
	}
	if n, err := s.Forget(ctx, "W1", "bob"); err != nil || n != 3 {
		t.Errorf("Forget(bob) = %d, %v; want 3 (m1, m3 and m5's log entries)", n, err)
	}
	if n, err := client.Exists(ctx, ws+":au:bob", ws+":ak:bob").Result(); err != nil || n != 0 {
		t.Errorf("bob's indexes left after Forget: %d, %v", n, err)
	}
	if got := authorIDs(t, s, "W1", "alice"); fmt.Sprint(got) != "[m4 m2 m0]" {
		t.Errorf("AuthorMessages(alice) = %v, want [m4 m2 m0]", got)
	}
}

// BenchmarkForget: Forget of a person with 20 messages, in workspaces of two sizes.
func BenchmarkForget(b *testing.B) {
	for _, filler := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("workspace=%d", filler), func(b *testing.B) {
			s, _, _ := newStore(b, redisstore.Options{})
			storetest.BenchForget(b, s, filler)
		})
	}
}

// entriesRead counts the stream entries Redis sends back (XRANGE, XREVRANGE,
// XREAD, XREADGROUP, XCLAIM...), single or pipelined.
type entriesRead struct{ n atomic.Int64 }

func (h *entriesRead) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *entriesRead) count(c redis.Cmder) {
	switch c := c.(type) {
	case *redis.XMessageSliceCmd:
		h.n.Add(int64(len(c.Val())))
	case *redis.XStreamSliceCmd:
		for _, s := range c.Val() {
			h.n.Add(int64(len(s.Messages)))
		}
	}
}

func (h *entriesRead) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, c redis.Cmder) error {
		err := next(ctx, c)
		h.count(c)
		return err
	}
}

func (h *entriesRead) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cs []redis.Cmder) error {
		err := next(ctx, cs)
		for _, c := range cs {
			h.count(c)
		}
		return err
	}
}

// TestAuthorEntriesReadsOnlyTheAuthors: AuthorEntries (export's part of the log)
// reads the author's entries by id, not the log: in a log of 2,000 entries of
// other people, Redis sends back only alice's 3 (export replayed all of them).
func TestAuthorEntriesReadsOnlyTheAuthors(t *testing.T) {
	s, client, _ := newStore(t, redisstore.Options{})
	ctx := t.Context()
	var events []feedbackbot.Event
	for i := range 2000 {
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("b%d", i), "filler", "", "A1", "C1", storetest.Base)))
	}
	a1 := storetest.Msg("W1", "a1", "first", "", "A1", "C1", storetest.Base)
	a1.Author = "alice"
	edit := a1
	edit.Text, edit.EditedAt = "edited", storetest.Base.Add(time.Minute)
	events = slices.Insert(events, 700, storetest.Put(a1))
	events = slices.Insert(events, 1400, storetest.Put(edit))
	events = append(events, storetest.Delete(a1))
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	h := &entriesRead{}
	client.AddHook(h)
	var got []string
	if err := s.AuthorEntries(ctx, "W1", "alice", func(e store.Entry) error {
		got = append(got, string(e.Event.Kind)+" "+e.Event.Message.Text)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[put first put edited delete ]" {
		t.Errorf("AuthorEntries(alice) = %q", got)
	}
	if n := h.n.Load(); n != 3 {
		t.Errorf("AuthorEntries(alice) read %d log entries, want her 3", n)
	}
}

// TestAuthorKeysLeavesOutTrimmed: a message never applied whose every log entry
// MaxLen trimmed away holds nothing Forget would erase, so AuthorKeys leaves it out;
// the ones the log still holds are listed.
func TestAuthorKeysLeavesOutTrimmed(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{MaxLen: 100})
	ctx := t.Context()
	var events []feedbackbot.Event
	for i := range 1000 {
		m := storetest.Msg("W1", fmt.Sprintf("m%04d", i), "x", "", "", "C1", storetest.Base.Add(time.Duration(i)*time.Second))
		m.Author = "U1"
		events = append(events, storetest.Put(m))
	}
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	held, err := client.XLen(ctx, prefix+":{W1}:log").Result()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.AuthorKeys(ctx, "W1", "U1")
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(keys)) != held || held >= 1000 {
		t.Fatalf("AuthorKeys listed %d keys; the log holds %d of the 1000 entries", len(keys), held)
	}
	if keys[len(keys)-1] != "slack/W1/m0999" || slices.Contains(keys, "slack/W1/m0000") {
		t.Errorf("AuthorKeys = %v ... %v, want the newest kept and the oldest (trimmed) left out", keys[:1], keys[len(keys)-1:])
	}
}

// TestSkippedOnlyWorkspaceKeepsPeopleMarker guards the people-index marker
// (fb:{ws}:people, set by the append that writes a log's first entry: its author
// and log-entry indexes are complete from that entry) against a workspace listed
// before anything was appended to it. Append lists a workspace before appending
// (so that no crash between the two leaves an entry unread), so one whose events
// were all skipped is listed, and Read makes it a log (XGROUP CREATE MKSTREAM)
// with nothing in it; the first real append must still mark it (it used to mark
// only a log it created, and the first export or erasure then rebuilt the indexes
// from the whole log). A log that is empty because its entries were deleted is not
// marked: its indexes never covered those.
func TestSkippedOnlyWorkspaceKeepsPeopleMarker(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	m := storetest.Msg("W1", "m1", "deleted before its put arrived", "", "A1", "C1", storetest.Base)
	for _, ev := range []feedbackbot.Event{storetest.Delete(m), storetest.Put(m)} {
		if n, err := s.Append(ctx, ev); err != nil || n != 0 {
			t.Fatalf("Append(%s) = %d, %v; want 0 (skipped)", ev.Kind, n, err)
		}
	}
	if _, err := s.Read(ctx, "c1", 10, 0); err != nil {
		t.Fatal(err)
	}
	// W2's log made empty as Read makes it; W3's emptied by a deletion.
	if err := client.XGroupCreateMkStream(ctx, prefix+":{W2}:log", "other", "0").Err(); err != nil {
		t.Fatal(err)
	}
	id, err := client.XAdd(ctx, &redis.XAddArgs{Stream: prefix + ":{W3}:log", Values: []string{"e", "{}"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.XDel(ctx, prefix+":{W3}:log", id).Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ws     string
		marked bool
	}{{"W1", true}, {"W2", true}, {"W3", false}} {
		if n, err := s.Append(ctx, storetest.Put(storetest.Msg(c.ws, "m2", "hello", "", "A1", "C1", storetest.Base))); err != nil || n != 1 {
			t.Fatalf("Append(a new message to %s) = %d, %v; want 1", c.ws, n, err)
		}
		if n, _ := client.Exists(ctx, prefix+":{"+c.ws+"}:people").Result(); (n == 1) != c.marked {
			t.Errorf("after the first append to %s's log, its people-index marker exists: %v, want %v", c.ws, n == 1, c.marked)
		}
	}
	if wss, err := s.Workspaces(ctx); err != nil || fmt.Sprint(wss) != "[W1 W2 W3]" {
		t.Errorf("Workspaces = %v, %v; want [W1 W2 W3]", wss, err)
	}
}

// TestForgetUnlistNamesWeeksWithHours guards the size of Forget's last script,
// which unlists an account left empty: it names the account's index of each week
// that holds a rollup hour, not of every week from the workspace's first hour to
// its last. One message dated in the year 1 made every Forget in its workspace send
// a script of 105,627 arguments (some 100,000 weeks). The account is unlisted all
// the same, and an account with a message in a week after a gap of weeks is kept.
func TestForgetUnlistNamesWeeksWithHours(t *testing.T) {
	ctx := t.Context()
	s, client, _ := newStore(t, redisstore.Options{})
	odd := storetest.Msg("W1", "m0", "hello", "", "A9", "C1", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC))
	d := storetest.Msg("W1", "d1", "the export is broken", "", "dana", "C1", storetest.Base)
	d.Author = "dana"
	e := storetest.Msg("W1", "e1", "the import is broken", "", "erin", "C1", storetest.Base.AddDate(0, 0, -30))
	e.Author = "erin"
	reply := storetest.Msg("W1", "r1", "we are on it", feedbackbot.RoleStaff, "erin", "C1", storetest.Base.AddDate(0, 0, 30))
	reply.Author = "sam"
	other := storetest.Msg("W1", "b1", "same here", "", "A1", "C1", storetest.Base.Add(time.Hour))
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(odd), storetest.Put(d), storetest.Put(e), storetest.Put(reply), storetest.Put(other)},
		func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	rec := &cmdLog{}
	client.AddHook(rec)
	for _, a := range []string{"dana", "erin"} {
		rec.start()
		if n, err := s.Forget(ctx, "W1", a); err != nil || n != 1 {
			t.Fatalf("Forget(%s) = %d, %v; want 1", a, n, err)
		}
		rec.stop()
		if args := max(rec.maxArgs("evalsha"), rec.maxArgs("eval")); args > 30 {
			t.Errorf("Forget(%s) in a workspace of 5 messages sent a script of %d arguments; want a few (the weeks with hours)", a, args)
		}
	}
	accts, err := s.Accounts(ctx, "W1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A1", "A9", "erin"}; !slices.Equal(accts, want) {
		t.Errorf("Accounts after forgetting dana and erin = %v, want %v (dana's account is empty, erin's holds sam's reply)", accts, want)
	}
}

// TestForgetRemovesEveryAuthorsKey guards the author index against erasure, as
// TestExpireRemovesEveryAuthorsKey guards it against retention: a message whose
// author changed by an edit is in every author's set of message keys
// (fb:{ws}:ak:<author>), and forgetting any one of them erases it, so it must
// leave every set. Forget took it out of the forgotten author's set only, and the
// others named the erased message for ever. Here bob is forgotten: m1 alice put
// and bob edited, m2 bob put and alice edited, m3 alice put, bob and then carol
// edited; m4, alice's own, is kept.
func TestForgetRemovesEveryAuthorsKey(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{})
	var evs []feedbackbot.Event
	for i, authors := range [][]string{{"alice", "bob"}, {"bob", "alice"}, {"alice", "bob", "carol"}, {"alice"}} {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i+1), "the export is broken", "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Hour))
		for j, a := range authors {
			m.Author = a
			if j > 0 {
				m.Text, m.EditedAt = fmt.Sprintf("edit %d", j), m.Time.Add(time.Duration(j)*time.Minute)
			}
			evs = append(evs, storetest.Put(m))
		}
	}
	storetest.AppendApplyAll(ctx, t, s, evs, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	if n, err := s.Forget(ctx, "W1", "bob"); err != nil || n != 3 {
		t.Fatalf("Forget(bob) = %d, %v; want 3", n, err)
	}
	for _, c := range []struct{ author, want string }{{"alice", "[slack/W1/m4]"}, {"bob", "[]"}, {"carol", "[]"}} {
		if ms, _ := client.SMembers(ctx, prefix+":{W1}:ak:"+c.author).Result(); fmt.Sprint(ms) != c.want {
			t.Errorf("after Forget(bob), %s:{W1}:ak:%s names %v, want %s", prefix, c.author, ms, c.want)
		}
	}
	if keys, err := s.AuthorKeys(ctx, "W1", "alice"); err != nil || fmt.Sprint(keys) != "[slack/W1/m4]" {
		t.Errorf("AuthorKeys(alice) after Forget(bob) = %v, %v; want [slack/W1/m4]", keys, err)
	}
}
