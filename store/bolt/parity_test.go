// Parity with the Redis store: behaviours a review found the embedded store lacked,
// each test failing before its fix.

package bolt

import (
	"math"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
	"go.etcd.io/bbolt"
)

// TestApplyNonFiniteScore: the Redis store applies a put whose score is NaN or
// ±Inf (store.FiniteScore: NaN -> 0, ±Inf -> ±1); the embedded store must too, or the batch
// fails on every retry and the worker stalls.
func TestApplyNonFiniteScore(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	for i, score := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		m := storetest.Msg("W1", "m"+string(rune('a'+i)), "the export fails", "", "A1", "C1", storetest.Base)
		if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
			t.Fatal(err)
		}
		es, err := s.Read(ctx, "w", 10, 0)
		if err != nil || len(es) != 1 {
			t.Fatalf("Read = %d, %v", len(es), err)
		}
		tags := storetest.Tags(0, "v1")
		tags.Sentiment.Score = score
		if n, err := s.Apply(ctx, store.Applied{Entry: es[0], Tags: tags}); err != nil || n != 1 {
			t.Errorf("Apply with score %v = %d, %v; want 1, nil (as the Redis store)", score, n, err)
		}
	}
}

// TestAppendOverSameOpConcurrently: Slack redelivers an event (same op) while
// the first delivery's write is still waiting for the store's writer. Both build on
// the same base. The Redis script checks the op in the same atomic step as the base,
// so the second reports true and appends nothing. The embedded store checks the op
// before its transaction and records it after, so the second reports a conflict,
// and its caller (overNewest) reads the newest version, which already has the
// reaction, and counts it again unless the first call's remember won the race.
func TestAppendOverSameOpConcurrently(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	m := storetest.Msg("W1", "m1", "the export fails", "", "A1", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
		t.Fatal(err)
	}
	react := m
	react.Reactions = map[string]int{"+1": 1}

	// Hold the writer so both calls are past their op check and wait for it.
	tx, err := s.db.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		ok  bool
		err error
	}
	res := make(chan result, 2)
	call := func() {
		ok, err := s.AppendOver(ctx, m.Revision(), "slack:Ev1", storetest.Put(react))
		res <- result{ok, err}
	}
	go call()
	if !waitFor(func() bool { s.commit.mu.Lock(); defer s.commit.mu.Unlock(); return s.commit.running }) {
		tx.Rollback()
		t.Fatal("the first call never reached the writer")
	}
	go call()
	// Before the fix the redelivery queues for the writer at once; with it, it
	// waits for the first call's turn and never queues while the writer is held.
	waitFor(func() bool { s.commit.mu.Lock(); defer s.commit.mu.Unlock(); return len(s.commit.queue) == 1 })
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r := <-res
		if r.err != nil || !r.ok {
			t.Errorf("AppendOver of the same op (a redelivery) = %v, %v; want true, as the Redis store answers", r.ok, r.err)
		}
	}
}

// waitFor reports whether cond came true within about two seconds.
func waitFor(cond func() bool) bool {
	for range 2000 {
		if cond() {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// TestUnreadableEntryDoesNotStallRead: one log entry that cannot be decoded (a damaged
// page, or an entry of a later format) fails every Read that reaches it, and the
// entries that Read took with it (marked pending in its transaction) are never handed
// out either: they are reclaimed together with it, again and again. The Redis store
// logs, acknowledges and skips such an entry. Other workspaces' entries are held too.
func TestUnreadableEntryDoesNotStallRead(t *testing.T) {
	ctx := t.Context()
	clk := &clock{now: storetest.Base}
	s := openTest(t, t.TempDir(), Options{ClaimIdle: time.Minute, Now: clk.Now})
	for _, id := range []string{"m1", "m2", "m3"} {
		if _, err := s.Append(ctx, storetest.Put(storetest.Msg("W1", id, "text "+id, "", "A1", "C1", storetest.Base))); err != nil {
			t.Fatal(err)
		}
	}
	// Damage entry 2.
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bWS).Bucket([]byte("W1")).Bucket(bLog).Put(u64(2), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	delivered := map[string]bool{}
	for round := range 5 {
		if round == 2 {
			if _, err := s.Append(ctx, storetest.Put(storetest.Msg("W2", "x1", "other workspace", "", "A1", "C1", storetest.Base))); err != nil {
				t.Fatal(err)
			}
		}
		es, err := s.Read(ctx, "w", 10, 0)
		t.Logf("round %d: %d entries, err %v", round, len(es), err)
		for _, e := range es {
			delivered[e.Event.Message.ID] = true
			_ = s.Ack(ctx, e)
		}
		clk.Add(2 * time.Minute) // past ClaimIdle: everything pending is reclaimable
	}
	for _, id := range []string{"m1", "m3", "x1"} {
		if !delivered[id] {
			t.Errorf("entry %s was never handed out: an unreadable entry beside it stalls it for ever", id)
		}
	}
}

// TestExpireLeavesNoAuthorID: once retention has removed every message of a
// person, nothing should still name them. The embedded store keeps an empty bucket
// per author in ak (named by their user id), for ever; the Redis store's author set
// is deleted when its last member is removed.
func TestExpireLeavesNoAuthorID(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	m := storetest.Msg("W1", "m1", "my phone is 555-0199", "", "A1", "C1", storetest.Base)
	m.Author = "U-alice"
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(m)}, func(int) feedbackbot.Tags { return storetest.Tags(-0.6, "v1") })
	if n, err := s.Expire(ctx, "W1", storetest.Base.Add(24*time.Hour)); err != nil || n != 1 {
		t.Fatalf("Expire = %d, %v", n, err)
	}
	if err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bWS).Bucket([]byte("W1"))
		for _, idx := range [][]byte{bAuthKeys, bAuthor} {
			_ = b.Bucket(idx).ForEachBucket(func(k []byte) error {
				t.Errorf("after Expire removed all their messages, %s still holds a bucket named %q", idx, k)
				return nil
			})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestSkippedDeleteMakesNoWorkspace: Workspaces lists those that had an event
// appended. A delete of a message never stored appends nothing (the Redis store
// keeps it out of its workspace set on purpose: "a skipped delete of an unknown
// message must not add one"); the embedded store creates the workspace's bucket for
// it, and from then on lists the workspace (and Read, Backlog, the scheduler's
// per-workspace passes walk it).
func TestSkippedDeleteMakesNoWorkspace(t *testing.T) {
	ctx := t.Context()
	s := openTest(t, t.TempDir(), Options{})
	ghost := storetest.Msg("W9", "m1", "never captured", "", "A1", "C1", storetest.Base)
	if n, err := s.Append(ctx, storetest.Delete(ghost)); err != nil || n != 0 {
		t.Fatalf("Append(delete of a message never stored) = %d, %v; want 0", n, err)
	}
	ws, err := s.Workspaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("Workspaces = %v, want none: nothing was appended", ws)
	}
}
