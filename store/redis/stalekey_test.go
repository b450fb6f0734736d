package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/redis/go-redis/v9"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// loseDataKey deletes an author's data key from Redis behind the stores' backs, as
// a failover that had not replicated it does.
func loseDataKey(ctx context.Context, t *testing.T, client redis.UniversalClient, prefix, ws, author string) {
	t.Helper()
	dko, dk := prefix+":{"+ws+"}:dko", prefix+":{"+ws+"}:dk"
	id, err := client.HGet(ctx, dko, author).Result()
	if err != nil {
		t.Fatalf("the data key id of %s: %v", author, err)
	}
	if err := client.HDel(ctx, dko, author).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.HDel(ctx, dk, id).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestStaleDataKeyInAMixedBatch: a batch across workspaces in which one author's
// cached data key is stale (lost), another author was forgotten by another process,
// and the rest are fine. The append counts each new event once, and another
// process reads every put.
func TestStaleDataKeyInAMixedBatch(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	a := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	b := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	msg := func(ws, id, author string) feedbackbot.Message {
		m := storetest.Msg(ws, id, "words of "+id, feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
		m.Author = author
		return m
	}
	m0, n0, v0 := msg("W1", "m0", "U1"), msg("W2", "n0", "U2"), msg("W1", "v0", "V")
	if n, err := a.Append(ctx, storetest.Put(m0), storetest.Put(n0), storetest.Put(v0)); err != nil || n != 3 {
		t.Fatalf("first append: %d, %v", n, err)
	}
	loseDataKey(ctx, t, client, prefix, "W1", "U1")
	if _, err := b.Forget(ctx, "W2", "U2"); err != nil {
		t.Fatal(err)
	}
	batch := []feedbackbot.Event{
		storetest.Put(msg("W1", "m1", "U1")), // stale key: refused, then again
		storetest.Put(msg("W2", "n1", "U2")), // forgotten: skipped
		storetest.Put(msg("W1", "v1", "V")),  // with m1's, in the refused script
		storetest.Delete(m0),                 // likewise
		storetest.Put(msg("W3", "y1", "Y")),  // a new workspace, another script
		storetest.Put(v0),                    // a redelivery: skipped
	}
	n, err := a.Append(ctx, batch...)
	if err != nil || n != 4 {
		t.Fatalf("append with a stale key: %d, %v; want 4", n, err)
	}
	// A redelivery of the whole batch appends nothing.
	if n, err := a.Append(ctx, batch...); err != nil || n != 0 {
		t.Fatalf("the batch again: %d, %v; want 0", n, err)
	}
	got := map[string]string{}
	for {
		es, err := b.Read(ctx, "b1", 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			got[e.Event.Message.ID+" "+string(e.Event.Kind)] = e.Event.Message.Text
		}
		if err := b.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
	}
	// (m0 was sealed under the lost key: another process cannot read it, as in a
	// failover, which would have lost the entry with the key)
	for _, k := range []string{"m1 put", "v1 put", "y1 put", "m0 delete", "v0 put"} {
		if _, ok := got[k]; !ok {
			t.Errorf("another process did not read %s; it read %v", k, got)
		}
	}
	if _, ok := got["n1 put"]; ok {
		t.Errorf("a forgotten author's put was appended")
	}
}

// TestNewAuthorInTwoProcessesAtOnce: two processes make a data key for the same
// new authors at once, many times over; the first key made is every process's, so
// no append is ever refused for a stale key.
func TestNewAuthorInTwoProcessesAtOnce(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	stores := []*redisstore.Store{
		redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle}),
		redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle}),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for p, s := range stores {
		for g := range 3 {
			wg.Go(func() {
				for i := range 40 {
					author := fmt.Sprintf("U%d", i/2) // every author in two calls of each
					m := storetest.Msg("W1", fmt.Sprintf("p%d-g%d-%d", p, g, i), "hi", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
					m.Author = author
					if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
						errs <- fmt.Errorf("process %d: %w", p, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestStaleDataKeyKeepsAWorkspacesOrder: a batch of more than one script's worth
// of events of one workspace (appendChunk) where the first script holds a put by
// an author whose cached data key is stale and a later one an edit of the same
// message by another author (an edit can change a message's author). The edit is
// the newest version: the refused first script must not land after it.
func TestStaleDataKeyKeepsAWorkspacesOrder(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	a := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	msg := func(id, text, author string) feedbackbot.Message {
		m := storetest.Msg("W1", id, text, feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
		m.Author = author
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if _, err := a.Append(ctx, storetest.Put(msg("k1", "hello", "U1")), storetest.Put(msg("k2", "hello", "U2"))); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Forget(ctx, "W1", "U3"); err != nil {
		t.Fatal(err)
	}
	loseDataKey(ctx, t, client, prefix, "W1", "U1")
	v1, v2 := msg("m", "first words", "U1"), msg("m", "first words, edited", "U2")
	// (an edit by a forgotten author is skipped: the version before it stays)
	w1, w2 := msg("n", "other words", "U1"), msg("n", "other words, edited", "U3")
	batch := []feedbackbot.Event{storetest.Put(v1), storetest.Put(w1)}
	for i := range 498 { // (appendChunk: v2 and w2 are in the second script)
		batch = append(batch, storetest.Put(msg(fmt.Sprintf("x%d", i), "filler", "")))
	}
	batch = append(batch, storetest.Put(v2), storetest.Put(w2))
	if _, err := a.Append(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	for _, want := range []feedbackbot.Message{v2, w1} {
		got, found, err := a.Newest(ctx, want.Key())
		if err != nil || !found || got.Text != want.Text {
			t.Errorf("the newest version of %s: %q (found %v, %v), want %q", want.Key(), got.Text, found, err, want.Text)
		}
	}
}
