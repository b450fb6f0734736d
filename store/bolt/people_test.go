package bolt

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
	"go.etcd.io/bbolt"
)

// authoredPuts are puts of messages m<from> to m<from+n-1> in workspace W1 (account A1,
// channel C1), a minute apart from storetest.Base + from minutes, their authors taking
// turns from authors.
func authoredPuts(from, n int, text string, authors ...string) []feedbackbot.Event {
	var events []feedbackbot.Event
	for i := from; i < from+n; i++ {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), text, "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Minute))
		m.Author = authors[(i-from)%len(authors)]
		events = append(events, storetest.Put(m))
	}
	return events
}

// TestPeopleIndexBuiltOnOpen: a file written before the author indexes existed gets
// them on Open, so export and Forget find messages captured before the upgrade.
func TestPeopleIndexBuiltOnOpen(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{ClaimIdle: storetest.ClaimIdle})
	if err != nil {
		t.Fatal(err)
	}
	events := authoredPuts(0, 6, "the export fails", "alice", "bob")
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "w", 4, 0) // m4 and m5 stay undelivered
	if err != nil || len(es) != 4 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	var items []store.Applied
	for _, e := range es {
		items = append(items, store.Applied{Entry: e, Tags: storetest.Tags(-0.6, "v1", "export")})
	}
	if _, err := s.Apply(ctx, items...); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, es...); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Make the file look like one from before: no author indexes, no marker.
	db, err := bbolt.Open(dir+"/"+FileName, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bMeta).Delete(kPeople); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bForgotten); err != nil {
			return err
		}
		ws := tx.Bucket(bWS).Bucket([]byte("W1"))
		for _, b := range [][]byte{bAuthor, bAuthKeys, bLogKeys} {
			if err := ws.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	var logged bytes.Buffer
	s = openTest(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	for _, want := range []string{
		`level=INFO msg="building the author indexes of data from an older version, once, from the capture log; the store opens when they are done"`,
		"workspaces=1\n",
		`level=INFO msg="built the author indexes"`, "workspaces=1 log_entries=6 messages=4 seconds=",
	} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("Open of the older file logged %q, want it to contain %q", logged.String(), want)
		}
	}
	exported := storetest.AuthorIDs(ctx, t, s, "W1", "bob")
	if fmt.Sprint(exported) != "[m1 m3]" {
		t.Errorf("AuthorMessages(bob) after the upgrade = %v, want [m1 m3]", exported)
	}
	if n, err := s.Forget(ctx, "W1", "alice"); err != nil || n != 3 {
		t.Errorf("Forget(alice) = %d, %v; want 3 (two applied, one undelivered)", n, err)
	}
	var replayed []string
	if err := s.Replay(ctx, "W1", func(e store.Entry) error {
		replayed = append(replayed, e.Event.Message.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(replayed, []string{"m1", "m3", "m5"}) {
		t.Errorf("Replay after Forget = %v, want [m1 m3 m5]", replayed)
	}
	if n, err := s.Backlog(ctx); err != nil || n != 1 {
		t.Errorf("Backlog = %d, %v; want 1 (m5)", n, err)
	}
	rs, err := s.Rollups(ctx, "W1", storetest.Base, storetest.Base.Add(time.Hour))
	if err != nil || len(rs) != 1 || rs[0].Counts[feedbackbot.CntMessages] != 2 {
		t.Errorf("Rollups after Forget = %v, %v; want the 2 messages of bob", rs, err)
	}
}

// TestForgetLeavesNothing: after Forget, no key or value in any bucket holds the
// forgotten person's text, and their id is left only under "forgotten".
func TestForgetLeavesNothing(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
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
	edit := events[0].Message
	edit.Text = secret + ", edited"
	consume := func(evs ...feedbackbot.Event) {
		t.Helper()
		if _, err := s.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		es, err := s.Read(ctx, "w", 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		var items []store.Applied
		for _, e := range es {
			items = append(items, store.Applied{Entry: e, Tags: storetest.Tags(-0.7, "v1", "export")})
		}
		if _, err := s.Apply(ctx, items...); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
	}
	consume(events...)
	consume(storetest.Put(edit), storetest.Delete(events[1].Message))
	if n, err := s.Forget(ctx, "W1", "U-ALICE"); err != nil || n != 4 {
		t.Fatalf("Forget = %d, %v; want 4", n, err)
	}
	var walk func(path string, b *bbolt.Bucket) error
	walk = func(path string, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			p := path + "/" + string(k)
			if v == nil {
				return walk(p, b.Bucket(k))
			}
			for _, bad := range []string{"555-0199", "Alice Example", "U-ALICE"} {
				if bytes.Contains(k, []byte(bad)) || bytes.Contains(v, []byte(bad)) {
					if bad == "U-ALICE" && p == "/forgotten/W1/U-ALICE" {
						continue
					}
					t.Errorf("%s still holds %q: %q", p, bad, v)
				}
			}
			return nil
		})
	}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error { return walk("/"+string(name), b) })
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkForget: Forget of a person with 20 messages, in workspaces of two sizes.
func BenchmarkForget(b *testing.B) {
	for _, filler := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("workspace=%d", filler), func(b *testing.B) {
			storetest.BenchForget(b, openTest(b, b.TempDir(), Options{}), filler)
		})
	}
}

// BenchmarkFoldAuthorQueue: one fold of a full author queue (authorQueueFold keys of
// 500 authors, 100 channels) into an author index that already holds a fold's worth:
// what the Append that fills the queue (or a Forget, or Expire) adds to its
// transaction once every authorQueueFold messages.
func BenchmarkFoldAuthorQueue(b *testing.B) {
	s := openTest(b, b.TempDir(), Options{})
	key := func(i int) []byte { return fmt.Appendf(nil, "slack/C%d/%d.%06d", i%100, 1_700_000_000+i, i) }
	fill := func(tx *bbolt.Tx, from int) error {
		ws, err := workspace(tx, "W1", true)
		if err != nil {
			return err
		}
		for i := from; i < from+authorQueueFold; i++ {
			if err := queueAuthorKey(ws, uint64(i+1), fmt.Sprintf("U%d", i%500), key(i), authorQueueFold+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := fill(tx, 0); err != nil {
			return err
		}
		return foldAuthorQueue(tx.Bucket(bWS).Bucket([]byte("W1")))
	}); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		tx, err := s.db.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		if err := fill(tx, (i+1)*authorQueueFold); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := foldAuthorQueue(packInOrder(tx.Bucket(bWS).Bucket([]byte("W1")))); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCompactRemovesErasedBytes: Forget leaves the erased text in free pages of the
// file; Compact rewrites the file without it, and the store carries on (sequences,
// pending entries and derived state intact).
func TestCompactRemovesErasedBytes(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	secret := "my phone number is 555-0199"
	var events []feedbackbot.Event
	for i := range 50 {
		m := storetest.Msg("W1", fmt.Sprintf("m%02d", i), fmt.Sprintf("message %d", i), "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Minute))
		m.Author = "bob"
		if i%5 == 0 {
			m.Author, m.Text = "alice", fmt.Sprintf("%s (%d)", secret, i)
		}
		events = append(events, storetest.Put(m))
	}
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "w", 40, 0)
	if err != nil {
		t.Fatal(err)
	}
	var items []store.Applied
	for _, e := range es {
		items = append(items, store.Applied{Entry: e, Tags: storetest.Tags(-0.4, "v1")})
	}
	if _, err := s.Apply(ctx, items...); err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, es[:30]...); err != nil { // 10 stay pending, 10 undelivered
		t.Fatal(err)
	}
	if n, err := s.Forget(ctx, "W1", "alice"); err != nil || n != 10 {
		t.Fatalf("Forget = %d, %v", n, err)
	}
	raw, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("before Compact the file holds the erased text %d times in free pages", bytes.Count(raw, []byte(secret)))
	backlog, _ := s.Backlog(ctx)
	rs, _ := s.Rollups(ctx, "W1", storetest.Base, storetest.Base.Add(time.Hour))

	if err := s.Compact(ctx); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if raw, err = os.ReadFile(s.Path()); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("555-0199")) {
		t.Errorf("the compacted file still holds the erased text")
	}
	if _, err := os.Stat(s.Path() + ".compact"); !os.IsNotExist(err) {
		t.Errorf("Compact left its temporary file: %v", err)
	}
	if n, err := s.Backlog(ctx); err != nil || n != backlog {
		t.Errorf("Backlog after Compact = %d, %v; want %d", n, err, backlog)
	}
	if again, err := s.Rollups(ctx, "W1", storetest.Base, storetest.Base.Add(time.Hour)); err != nil || fmt.Sprint(again) != fmt.Sprint(rs) {
		t.Errorf("Rollups after Compact = %v, %v; want %v", again, err, rs)
	}
	// Appends continue the log's sequence; the rest of the log is still readable.
	m := storetest.Msg("W1", "new", "after compaction", "", "A1", "C1", storetest.Base.Add(2*time.Hour))
	if n, err := s.Append(ctx, storetest.Put(m)); err != nil || n != 1 {
		t.Fatalf("Append after Compact = %d, %v", n, err)
	}
	rest, err := s.Read(ctx, "w2", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range rest {
		ids = append(ids, e.Event.Message.ID)
	}
	if fmt.Sprint(ids) != "[m41 m42 m43 m44 m46 m47 m48 m49 new]" || rest[len(rest)-1].ID != "51" {
		t.Errorf("Read after Compact = %v (last id %s), want bob's undelivered entries then new as entry 51", ids, rest[len(rest)-1].ID)
	}
}

// TestAuthorIndexOfAnOlderVersion: a file whose applied messages are indexed by
// author (au, as versions before 2026-12-02 kept) and whose author-key entries are
// gone (as when its log was trimmed before the ak index existed) still gives the
// author's messages, oldest first, once each; deleting one removes it from the old
// index too, and messages applied now add nothing there.
func TestAuthorIndexOfAnOlderVersion(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := openTest(t, dir, Options{ClaimIdle: storetest.ClaimIdle})
	var events []feedbackbot.Event
	for i := range 4 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export fails", "", "A1", "C1", storetest.Base.Add(time.Duration(3-i)*time.Minute))
		m.Author = "alice"
		events = append(events, storetest.Put(m))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(int) feedbackbot.Tags { return storetest.Tags(-0.6, "v1") })
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte("W1"))
		if b.Bucket(bAuthor).Bucket([]byte("alice")) != nil {
			return fmt.Errorf("apply wrote an author index")
		}
		if err := foldAuthorQueue(b); err != nil {
			return err
		}
		au, err := b.Bucket(bAuthor).CreateBucket([]byte("alice"))
		if err != nil {
			return err
		}
		for _, ev := range events[:3] { // m3 stays in ak alone
			m := ev.Message
			if err := au.Put(append(timeKey(m.Time), m.Key()...), nil); err != nil {
				return err
			}
			if err := b.Bucket(bAuthKeys).Bucket([]byte("alice")).Delete([]byte(m.Key())); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := func() []string { return storetest.AuthorIDs(ctx, t, s, "W1", "alice") }
	if got, want := ids(), []string{"m3", "m2", "m1", "m0"}; !slices.Equal(got, want) {
		t.Fatalf("author messages %v, want %v (oldest first, from both indexes)", got, want)
	}
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Delete(events[1].Message)}, func(int) feedbackbot.Tags { return feedbackbot.Tags{} })
	if got, want := ids(), []string{"m3", "m2", "m0"}; !slices.Equal(got, want) {
		t.Fatalf("after deleting m1: %v, want %v", got, want)
	}
	if err := s.db.View(func(tx *bbolt.Tx) error {
		n := tx.Bucket(bWS).Bucket([]byte("W1")).Bucket(bAuthor).Bucket([]byte("alice")).Stats().KeyN
		if n != 2 {
			return fmt.Errorf("the old author index holds %d entries after the delete, want 2", n)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// TestConformanceAuthorQueueFolds runs the privacy, retention and batch groups of
// the conformance suite with the author queue folded every few entries, so the folds
// inside Append, Forget and Expire meet every case the suite has (the default folds
// only at 20,000, which the suite never reaches).
func TestConformanceAuthorQueueFolds(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t, t.TempDir(), Options{authorFold: 3}) })
}

// TestAuthorQueue: an author's messages are found whether their keys are still
// queued, folded, or some of each; a fold leaves the queue empty and ak in key order;
// Forget takes the author out of both and leaves the other authors alone.
func TestAuthorQueue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		foldAt uint64
		queued int // entries left in the queue after the appends below (13 puts)
	}{
		{"every entry folded", 1, 0},
		{"folded every five", 5, 3},
		{"never folded", authorQueueFold, 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			s := openTest(t, t.TempDir(), Options{authorFold: tc.foldAt})
			var events []feedbackbot.Event
			want := map[string][]string{}
			for i := range 12 {
				m := storetest.Msg("W1", fmt.Sprintf("m%02d", i), "the export fails", "", "A1", fmt.Sprintf("C%d", i%3), storetest.Base.Add(time.Duration(i)*time.Minute))
				m.Author = []string{"alice", "bob", "carol"}[i%3]
				events = append(events, storetest.Put(m))
				want[m.Author] = append(want[m.Author], m.ID)
			}
			edit := events[4].Message // bob's m04 edited: a second put of one key
			edit.Text, edit.EditedAt = "the export fails again", storetest.Base.Add(time.Hour)
			events = append(events, storetest.Put(edit), storetest.Delete(events[1].Message)) // bob's m01 deleted
			want["bob"] = slices.DeleteFunc(want["bob"], func(id string) bool { return id == "m01" })
			storetest.AppendApplyAll(ctx, t, s, events, func(int) feedbackbot.Tags { return storetest.Tags(-0.6, "v1") })

			var inQueue int
			if err := s.db.View(func(tx *bbolt.Tx) error {
				q := tx.Bucket(bWS).Bucket([]byte("W1")).Bucket(bAuthQueue)
				inQueue = q.Stats().KeyN
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if inQueue != tc.queued {
				t.Errorf("%d entries queued, want %d", inQueue, tc.queued)
			}
			for _, author := range []string{"alice", "bob", "carol"} {
				if got := storetest.AuthorIDs(ctx, t, s, "W1", author); !slices.Equal(got, want[author]) {
					t.Errorf("%s's messages %v, want %v", author, got, want[author])
				}
			}

			if n, err := s.Forget(ctx, "W1", "alice"); err != nil || n != 4 {
				t.Fatalf("Forget(alice) = %d, %v; want 4", n, err)
			}
			if err := s.db.View(func(tx *bbolt.Tx) error {
				b := tx.Bucket(bWS).Bucket([]byte("W1"))
				if n := b.Bucket(bAuthQueue).Stats().KeyN; n != 0 {
					return fmt.Errorf("%d entries still queued after Forget folded the queue", n)
				}
				if b.Bucket(bAuthKeys).Bucket([]byte("alice")) != nil {
					return fmt.Errorf("alice's keys are still in ak")
				}
				bob := b.Bucket(bAuthKeys).Bucket([]byte("bob"))
				if bob == nil {
					return fmt.Errorf("bob's keys are not in ak after the fold")
				}
				var keys []string
				if err := bob.ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil }); err != nil {
					return err
				}
				if len(keys) != 4 || !slices.IsSorted(keys) { // m01 (deleted) stays: its log entries do
					return fmt.Errorf("bob's keys in ak: %q, want 4 in order", keys)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := storetest.AuthorIDs(ctx, t, s, "W1", "alice"); len(got) != 0 {
				t.Errorf("alice's messages after Forget: %v", got)
			}
			for _, author := range []string{"bob", "carol"} {
				if got := storetest.AuthorIDs(ctx, t, s, "W1", author); !slices.Equal(got, want[author]) {
					t.Errorf("%s's messages after alice's Forget %v, want %v", author, got, want[author])
				}
			}
		})
	}
}

// TestAuthorQueueOfAnOlderFile: a file from before the author queue (a workspace
// without aq) gets it on its next Append, and keeps what ak already held.
func TestAuthorQueueOfAnOlderFile(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s := openTest(t, dir, Options{authorFold: 2})
	storetest.AppendApplyAll(ctx, t, s, authoredPuts(0, 1, "hello", "alice"), func(int) feedbackbot.Tags { return storetest.Tags(0.2, "v1") })
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte("W1"))
		if err := foldAuthorQueue(b); err != nil {
			return err
		}
		return b.DeleteBucket(bAuthQueue)
	}); err != nil {
		t.Fatal(err)
	}
	storetest.AppendApplyAll(ctx, t, s, authoredPuts(1, 3, "hello", "alice"), func(int) feedbackbot.Tags { return storetest.Tags(0.2, "v1") })
	if got, want := storetest.AuthorIDs(ctx, t, s, "W1", "alice"), []string{"m0", "m1", "m2", "m3"}; !slices.Equal(got, want) {
		t.Fatalf("alice's messages %v, want %v", got, want)
	}
}

// TestAuthorQueueFoldedOnClose: Close folds what is queued, so a file closed cleanly
// holds every author's keys in ak alone (what a version before the queue reads); a
// Close with nothing queued (and the free-page list synced) writes nothing.
func TestAuthorQueueFoldedOnClose(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{ClaimIdle: storetest.ClaimIdle})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, authoredPuts(0, 5, "hello", "alice")...); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	txid := func() (id int) {
		t.Helper()
		db, err := bbolt.Open(dir+"/"+FileName, 0o600, &bbolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.View(func(tx *bbolt.Tx) error {
			id = tx.ID()
			b := tx.Bucket(bWS).Bucket([]byte("W1"))
			if n := b.Bucket(bAuthQueue).Stats().KeyN; n != 0 {
				return fmt.Errorf("%d author keys still queued after Close", n)
			}
			if n := b.Bucket(bAuthKeys).Bucket([]byte("alice")).Stats().KeyN; n != 5 {
				return fmt.Errorf("alice has %d keys in ak after Close, want 5", n)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	txid()
	s, err = Open(ctx, dir, Options{ClaimIdle: storetest.ClaimIdle})
	if err != nil {
		t.Fatal(err)
	}
	if got := storetest.AuthorIDs(ctx, t, s, "W1", "alice"); len(got) != 0 {
		t.Errorf("AuthorMessages before any Apply: %v", got) // keys are found, but no message is applied yet
	}
	var before int
	if err := s.db.View(func(tx *bbolt.Tx) error { before = tx.ID(); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if after := txid(); after != before {
		t.Errorf("a Close with nothing queued committed (transaction %d -> %d)", before, after)
	}
}
