package redisstore_test

import (
	"context"
	"fmt"
	"reflect"
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

// TestDataStringsUpgrade: records whose stored JSON is in their hash (field d, as
// versions before 2026-12-04 wrote them) read as they did from data strings: every
// message by Messages, one by Message, an author's by export; an edit and a delete
// applied over such a record leave no JSON in a hash and no string behind, and
// retention and Forget remove both forms. BuildAccountDays then moves every JSON
// left in a hash to its string (reporting its walk), marks the workspace, reads
// are unchanged, and a second build has nothing to do.
func TestDataStringsUpgrade(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	const n = 1203 // two pages of Messages; three chunks of the walk and a short one
	var msgs []feedbackbot.Message
	var events []feedbackbot.Event
	for i := range n {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), fmt.Sprintf("message %d: the export fails", i), feedbackbot.RoleCustomer,
			fmt.Sprintf("A%d", i%7), "C1", storetest.Base.Add(time.Duration(i)*20*time.Minute))
		if i%10 == 0 {
			m.Author = "U-alice"
		}
		msgs = append(msgs, m)
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(i int) feedbackbot.Tags { return storetest.Tags(float64(i%5)/4-0.5, "v1") })
	want := texts(t, s)
	if len(want) != n {
		t.Fatalf("Messages read %d of %d", len(want), n)
	}
	hashed, strs := dataForms(t, client, prefix)
	if hashed != 0 || strs != n {
		t.Fatalf("a new workspace: %d records hold their JSON, %d data strings; want 0 and %d", hashed, strs, n)
	}

	if err := redistest.HashData(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	if hashed, strs := dataForms(t, client, prefix); hashed != n || strs != 0 {
		t.Fatalf("HashData: %d records hold their JSON, %d data strings; want %d and 0", hashed, strs, n)
	}
	if got := texts(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Messages of records holding their JSON differ from what was applied")
	}
	if st, err := s.Message(ctx, msgs[3].Key()); err != nil || st.Message.Text != msgs[3].Text {
		t.Errorf("Message of a record holding its JSON = %q, %v; want %q", st.Message.Text, err, msgs[3].Text)
	}
	if ids := storetest.AuthorIDs(ctx, t, s, "W1", "U-alice"); len(ids) != (n+9)/10 {
		t.Errorf("AuthorMessages(alice) of records holding their JSON: %d, want %d", len(ids), (n+9)/10)
	}

	// An edit and a delete over records of the old form.
	edit := msgs[5]
	edit.Text, edit.EditedAt = "edited: the export works now", edit.Time.Add(time.Minute)
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(edit), storetest.Delete(msgs[6])},
		func(int) feedbackbot.Tags { return storetest.Tags(0.5, "v1") })
	want[len(want)-1-5] = edit.Text
	want = append(want[:len(want)-1-6], want[len(want)-6:]...)
	if got := texts(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Messages after an edit and a delete over records holding their JSON: %d, not as applied", len(got))
	}
	if st, err := s.Message(ctx, edit.Key()); err != nil || st.Message.Text != edit.Text {
		t.Errorf("Message of the edit = %q, %v; want %q", st.Message.Text, err, edit.Text)
	}
	if _, err := s.Message(ctx, msgs[6].Key()); feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND {
		t.Errorf("Message of the deleted = %v, want not found", err)
	}
	if hashed, strs := dataForms(t, client, prefix); hashed != n-2 || strs != 1 {
		t.Errorf("after an edit and a delete: %d records hold their JSON, %d data strings; want %d and 1", hashed, strs, n-2)
	}
	// A data string whose record an older replica deleted (it knew no strings), and
	// a record holding a stale d beside its string (a staged hash an older version
	// left behind, which an apply of this one moved into place).
	orphan := msgs[10] // alice's
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Delete(orphan)}, func(int) feedbackbot.Tags { return storetest.Tags(0, "v1") })
	if err := client.Set(ctx, prefix+":{W1}:d:"+orphan.Key(), `{"message":{"text":"left behind"}}`, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.HSet(ctx, prefix+":{W1}:m:"+edit.Key(), "d", `{"message":{"text":"another message"}}`).Err(); err != nil {
		t.Fatal(err)
	}
	// Retention of the first hour (m0..m2) and Forget of alice (every tenth).
	if _, err := s.Expire(ctx, "W1", storetest.Base.Add(time.Hour)); err != nil {
		t.Fatalf("Expire: %v", err)
	}
	if _, err := s.Forget(ctx, "W1", "U-alice"); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	want = texts(t, s)
	left := n - 1 - 2 - (n+9)/10 // m6 deleted, m1 and m2 expired, alice's forgotten (m0 and m10 among them)
	if len(want) != left {
		t.Fatalf("after retention and Forget, %d messages; want %d", len(want), left)
	}
	if hashed, strs := dataForms(t, client, prefix); hashed != left || strs != 1 {
		t.Errorf("after retention and Forget: %d records hold their JSON, %d data strings; want %d (the edit's stale one too) and 1", hashed, strs, left)
	}
	if _, err := s.Message(ctx, orphan.Key()); feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND {
		t.Errorf("Message of a forgotten person's message left as a data string = %v, want not found", err)
	}

	var calls [][2]int
	if err := s.BuildAccountDays(ctx, "W1", func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil {
		t.Fatalf("BuildAccountDays: %v", err)
	}
	if len(calls) < 2 || calls[0] != [2]int{0, left} || calls[len(calls)-1] != [2]int{left, left} {
		t.Errorf("progress of the move: %v; want from [0 %d] to [%[2]d %[2]d]", calls, left)
	}
	if hashed, strs := dataForms(t, client, prefix); hashed != 0 || strs != left {
		t.Errorf("after the move: %d records hold their JSON, %d data strings; want 0 and %d", hashed, strs, left)
	}
	if n, err := client.Exists(ctx, prefix+":{W1}:dv").Result(); err != nil || n != 1 {
		t.Errorf("the workspace's data-string marker: %d, %v; want set", n, err)
	}
	if got := texts(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Messages after the move differ from before it")
	}
	if st, err := s.Message(ctx, edit.Key()); err != nil || st.Message.Text != edit.Text {
		t.Errorf("Message of the edit after the move = %q, %v; want %q (its string, not a stale d)", st.Message.Text, err, edit.Text)
	}
	calls = nil
	if err := s.BuildAccountDays(ctx, "W1", func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil || calls != nil {
		t.Errorf("a second build: %v, progress %v; want nothing to do", err, calls)
	}
}

// texts lists the text of every applied message of W1, newest first.
func texts(t *testing.T, s *redisstore.Store) []string {
	t.Helper()
	var out []string
	to := time.Time{}
	for {
		page, err := s.Messages(t.Context(), store.Query{Workspace: "W1", To: to, Limit: store.MaxQueryLimit})
		if err != nil {
			t.Fatalf("Messages: %v", err)
		}
		for _, st := range page {
			out = append(out, st.Message.Text)
		}
		if len(page) < store.MaxQueryLimit {
			return out
		}
		to = page[len(page)-1].Message.Time
	}
}

// dataForms counts the records under prefix that hold their stored JSON (field d)
// and the data strings.
func dataForms(t *testing.T, client redis.UniversalClient, prefix string) (hashed, strs int) {
	t.Helper()
	ctx := context.Background()
	keys, err := redistest.Keys(ctx, client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		switch {
		case strings.Contains(k, "}:d:"):
			strs++
		case strings.Contains(k, "}:m:"):
			if ok, err := client.HExists(ctx, k, "d").Result(); err != nil {
				t.Fatal(err)
			} else if ok {
				hashed++
			}
		}
	}
	return hashed, strs
}

// TestUpgradeWalkSkipsNothing: a message deleted while the upgrade walk runs, one
// the walk has read at the end of a page, sharing its time with the first messages
// of the next page, makes the walk skip none of those (it paged on by an offset into
// that time, and skipped one: a review's find). Three messages a time; the message
// at the second page's end goes while the reader waits to hand that page over.
func TestUpgradeWalkSkipsNothing(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	const n = 1203
	var events []feedbackbot.Event
	for i := range n {
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export fails", feedbackbot.RoleCustomer,
			fmt.Sprintf("A%d", i%7), "C1", storetest.Base.Add(time.Duration(i/3)*20*time.Minute))))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(int) feedbackbot.Tags { return storetest.Tags(-0.5, "v1") })
	index, err := client.ZRangeWithScores(ctx, prefix+":{W1}:t", 0, -1).Result()
	if err != nil || len(index) != n {
		t.Fatalf("the time index: %d members, %v", len(index), err)
	}
	gone := index[999].Member.(string) // the 1,000th in the walk's order: it shares its time with the next two
	if index[1000].Score != index[999].Score {
		t.Fatalf("positions 999 and 1000 have times %v and %v; want one", index[999].Score, index[1000].Score)
	}
	seen := map[string]int{}
	pages := 0
	err = redisstore.WalkPages(ctx, s, "W1", func(members []string) {
		for _, m := range members {
			seen[m]++
		}
		if pages++; pages == 1 {
			// the reader reads the second page and waits to hand it over: a moment
			// for it to get there (no timing is checked; without the wait the
			// delete may come first and test nothing)
			time.Sleep(300 * time.Millisecond)
			if err := client.ZRem(ctx, prefix+":{W1}:t", gone).Err(); err != nil {
				t.Error(err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, z := range index {
		if m := z.Member.(string); seen[m] != 1 && m != gone {
			t.Errorf("the walk read %s %d times, want once", m, seen[m])
		}
	}
}

// TestJSONDataOfOlderVersions: a data string written by a version before
// the nineteenth session of 2026-12-04 (JSON) reads as the binary form this version writes: every message by
// Messages, one by Message, the notable ones, an author's by export, each equal to
// what was applied; an edit, a re-analysis and a delete of such a message replace
// or remove it, the first two in the binary form.
func TestJSONDataOfOlderVersions(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	var msgs []feedbackbot.Message
	var events []feedbackbot.Event
	for i := range 40 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), fmt.Sprintf("message %d: the export fails <&> \u2028 😩", i), feedbackbot.RoleCustomer,
			fmt.Sprintf("A%d", i%3), "C1", storetest.Base.Add(time.Duration(i)*37*time.Minute))
		if i%4 == 0 {
			m.Author, m.Reactions, m.EditedAt = "U-alice", map[string]int{"eyes": i, "+1": 1}, m.Time.Add(time.Minute)
		}
		msgs = append(msgs, m)
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(i int) feedbackbot.Tags {
		tags := storetest.Tags(float64(i%5)/4-0.5, "v1", "billing")
		if i%3 == 0 {
			tags.Themes = nil
		}
		return tags
	})
	forms := func() (bin, js int) {
		t.Helper()
		keys, err := redistest.Keys(ctx, client, prefix)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if !strings.Contains(k, "}:d:") {
				continue
			}
			raw, err := client.Get(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			if store.IsBinaryStored(raw) {
				bin++
			} else if strings.HasPrefix(raw, "{") {
				js++
			}
		}
		return bin, js
	}
	if bin, js := forms(); bin != len(msgs) || js != 0 {
		t.Fatalf("applied: %d binary data strings, %d JSON; want %d and 0", bin, js, len(msgs))
	}
	type reads struct {
		all, notable, alice []store.Stored
		one                 store.Stored
	}
	read := func() reads {
		t.Helper()
		var r reads
		var err error
		if r.all, err = s.Messages(ctx, store.Query{Workspace: "W1"}); err != nil {
			t.Fatal(err)
		}
		if r.notable, err = s.Notable(ctx, "W1", store.NotableNegative, storetest.Base, storetest.Base.Add(48*time.Hour), 50); err != nil {
			t.Fatal(err)
		}
		if err = s.AuthorMessages(ctx, "W1", "U-alice", func(st store.Stored) error { r.alice = append(r.alice, st); return nil }); err != nil {
			t.Fatal(err)
		}
		if r.one, err = s.Message(ctx, msgs[8].Key()); err != nil {
			t.Fatal(err)
		}
		return r
	}
	want := read()
	if len(want.all) != len(msgs) || len(want.alice) != 10 || len(want.notable) == 0 || len(want.one.Message.Reactions) != 2 {
		t.Fatalf("read %d messages, %d of alice's, %d notable, reactions %v", len(want.all), len(want.alice), len(want.notable), want.one.Message.Reactions)
	}
	if err := redistest.JSONData(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	if bin, js := forms(); bin != 0 || js != len(msgs) {
		t.Fatalf("JSONData: %d binary data strings, %d JSON; want 0 and %d", bin, js, len(msgs))
	}
	if got := read(); !reflect.DeepEqual(got, want) {
		t.Fatalf("read from JSON data strings:\n got %+v\nwant %+v", got, want)
	}

	edit := msgs[1]
	edit.Text = "edited: still failing"
	if _, err := s.Append(ctx, storetest.Put(edit), storetest.Delete(msgs[2])); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "w", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]store.Applied, 0, len(es)+1)
	for _, e := range es {
		items = append(items, store.Applied{Entry: e, Tags: storetest.Tags(-0.5, "v1")})
	}
	items = append(items, store.Applied{Entry: store.Entry{ID: "x-reanalysed", Event: storetest.Put(msgs[3])}, Tags: storetest.Tags(0.5, "v2", "support")})
	if n, err := s.Apply(ctx, items...); err != nil || n != 3 {
		t.Fatalf("applied %d of an edit, a delete and a re-analysis, %v; want 3", n, err)
	}
	if bin, js := forms(); bin != 2 || js != len(msgs)-3 {
		t.Errorf("after an edit, a re-analysis and a delete: %d binary data strings, %d JSON; want 2 and %d", bin, js, len(msgs)-3)
	}
	for key, text := range map[string]string{msgs[1].Key(): edit.Text, msgs[3].Key(): msgs[3].Text} {
		st, err := s.Message(ctx, key)
		if err != nil || st.Message.Text != text {
			t.Errorf("Message(%s) = %q, %v; want %q", key, st.Message.Text, err, text)
		}
	}
	if st, err := s.Message(ctx, msgs[3].Key()); err == nil && (st.Tags.Analyzer != "v2" || fmt.Sprint(st.Tags.Themes) != "[support]") {
		t.Errorf("re-analysed message's tags %+v", st.Tags)
	}
	if _, err := s.Message(ctx, msgs[2].Key()); feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND {
		t.Errorf("deleted message: %v, want not found", err)
	}
}
