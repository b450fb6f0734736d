package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/redis/go-redis/v9"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// secretText is text no compression shortens, so that a DUMP holding it shows it.
func secretText(t *testing.T) string {
	sum := sha256.Sum256([]byte(t.Name()))
	return "said " + base64.RawURLEncoding.EncodeToString(sum[:24])
}

// TestForgottenTextLeavesNoTraceInTheLog: XDEL only marks a stream entry deleted
// (its bytes stay in the node until the whole node goes, and with them in
// snapshots, replicas and resharding), so a put's entry is sealed under its
// author's data key, which Forget deletes first: neither before nor after the
// erasure can the log's bytes be read for the words (a review's find: its DUMP held
// them after).
func TestForgottenTextLeavesNoTraceInTheLog(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	secret := secretText(t)
	a := storetest.Msg("W1", "a1", secret, feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
	a.Author = "alice"
	b := storetest.Msg("W1", "b1", "hello from bob", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base.Add(time.Minute))
	b.Author = "bob"
	if _, err := s.Append(ctx, storetest.Put(a), storetest.Put(b)); err != nil {
		t.Fatal(err)
	}
	raw, err := client.XRange(ctx, prefix+":{W1}:log", "-", "+").Result()
	if err != nil || len(raw) != 2 {
		t.Fatal(err, raw)
	}
	for _, e := range raw {
		if v := e.Values["e"].(string); strings.Contains(v, "said") || strings.Contains(v, "hello from bob") {
			t.Fatalf("the log holds a put's text in clear: %q", v)
		}
	}
	// Read back whole, by another process (its own keyring).
	other := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	es, err := other.Read(ctx, "c1", 10, 0)
	if err != nil || len(es) != 2 || es[0].Event.Message.Text != secret || es[1].Event.Message.Text != "hello from bob" {
		t.Fatalf("read back: %v %+v", err, es)
	}
	if err := other.Ack(ctx, es...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Forget(ctx, "W1", "alice"); err != nil {
		t.Fatal(err)
	}
	// A later message of hers is refused, and makes her no new key (one made
	// before the refusal named her in the store again, a review found).
	later := storetest.Msg("W1", "a2", "still here", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base.Add(time.Hour))
	later.Author = "alice"
	if n, err := s.Append(ctx, storetest.Put(later)); err != nil || n != 0 {
		t.Fatalf("a forgotten author's message: %d stored, %v", n, err)
	}
	// Her entry's bytes may stay in the node; her key does not.
	keys, err := redistest.Keys(ctx, client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		typ, _ := client.Type(ctx, k).Result()
		if typ != "hash" {
			continue
		}
		h, _ := client.HGetAll(ctx, k).Result()
		if _, ok := h["alice"]; ok && strings.HasSuffix(k, ":dko") {
			t.Errorf("alice's data key is still named in %s", k)
		}
		if strings.HasSuffix(k, ":dk") && len(h) != 1 {
			t.Errorf("%d data keys left, want bob's alone", len(h))
		}
	}
	// Bob's entry still replays; nothing of alice's comes back.
	var texts []string
	if err := other.Replay(ctx, "W1", func(e store.Entry) error {
		texts = append(texts, e.Event.Message.Text)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(texts) != 1 || texts[0] != "hello from bob" {
		t.Fatalf("replay after forget: %q", texts)
	}
}

// TestPlainEntriesStillRead: entries written before sealing (plain event JSON)
// are read as they were.
func TestPlainEntriesStillRead(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	m := storetest.Msg("W1", "p1", "written by an older version", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
		t.Fatal(err)
	}
	// Rewrite its entry as an older version wrote it.
	plain, err := store.AppendEvent(nil, &feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
	if err != nil {
		t.Fatal(err)
	}
	key := prefix + ":{W1}:log"
	ids, err := client.XRange(ctx, key, "-", "+").Result()
	if err != nil || len(ids) != 1 {
		t.Fatal(err, ids)
	}
	if strings.Contains(ids[0].Values["e"].(string), "older version") {
		t.Fatal("the new entry is not sealed")
	}
	client.XDel(ctx, key, ids[0].ID)
	if err := client.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"e", string(plain)}}).Err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := s.Replay(ctx, "W1", func(e store.Entry) error {
		got = append(got, e.Event.Message.Text)
		return nil
	}); err != nil || len(got) != 1 || got[0] != m.Text {
		t.Fatalf("replay of a plain entry: %v %q", err, got)
	}
}

// TestForgetDatedByTheStoresClock: when a person was forgotten is the store's
// clock's (Options.Now), as the embedded store's, not the wall clock's.
func TestForgetDatedByTheStoresClock(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix, Now: func() time.Time { return at }})
	if _, err := s.Forget(ctx, "W1", "alice"); err != nil {
		t.Fatal(err)
	}
	if got, err := client.HGet(ctx, prefix+":{W1}:forgotten", "alice").Result(); err != nil || got != "2026-11-30T12:00:00Z" {
		t.Fatalf("forgotten at %q (%v), want the store's clock's 2026-11-30T12:00:00Z", got, err)
	}
}

// failDataKeys fails the next n reads of data keys (HMGET of a :dk hash), as a
// Redis timeout or failover would.
type failDataKeys struct{ n atomic.Int64 }

func (h *failDataKeys) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *failDataKeys) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); strings.EqualFold(cmd.Name(), "hmget") && len(args) > 1 && strings.HasSuffix(fmt.Sprint(args[1]), ":dk") && h.n.Add(-1) >= 0 {
			return errors.New("i/o timeout (injected)")
		}
		return next(ctx, cmd)
	}
}

func (h *failDataKeys) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestUnreadableDataKeyLosesNothing: a reader that cannot read a data key now
// (a Redis blip) leaves the entry pending, to be claimed once it can, and a
// Replay fails rather than leaving the message out; only a key Redis no longer
// holds (a forgotten author's) makes an entry unreadable for good (a review's
// find: one failed read acknowledged a message of someone not forgotten).
func TestUnreadableDataKeyLosesNothing(t *testing.T) {
	ctx := t.Context()
	client, prefix := redistest.Client(t)
	writer := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	m := storetest.Msg("W1", "b1", "hello from bob", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
	m.Author = "bob"
	if _, err := writer.Append(ctx, storetest.Put(m)); err != nil {
		t.Fatal(err)
	}
	h := &failDataKeys{}
	client.AddHook(h)
	reader := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle}) // its keyring empty
	h.n.Store(2)                                                                                         // the prefetch's read and the entry's
	if es, err := reader.Read(ctx, "c1", 10, 0); err != nil || len(es) != 0 {
		t.Fatalf("read while the key cannot be read: %v %+v", err, es)
	}
	h.n.Store(2)
	if err := reader.Replay(ctx, "W1", func(store.Entry) error { return nil }); err == nil {
		t.Error("Replay left the entry out without an error")
	}
	time.Sleep(storetest.ClaimIdle + storetest.ClaimIdle/2)
	es, err := reader.Read(ctx, "c1", 10, 0)
	if err != nil || len(es) != 1 || es[0].Event.Message.Text != "hello from bob" {
		t.Fatalf("bob's message after the blip: %v %+v", err, es)
	}
}

// TestAppendInvalidMakesNoDataKey guards Append's promise that an invalid batch
// (EINVALID) writes nothing: the data keys of the batch's authors used to be made
// (sealKeys) before the batch was checked, so a rejected batch left its authors
// named in fb:{ws}:dko, each with a key that sealed nothing, until a Forget. It
// also checks that a valid batch makes keys only for its puts' authors, not for
// a delete's message.
func TestAppendInvalidMakesNoDataKey(t *testing.T) {
	ctx := t.Context()
	s, client, prefix := newStore(t, redisstore.Options{})
	ok := storetest.Msg("W1", "m1", "hello", "", "A1", "C1", storetest.Base)
	ok.Author = "alice"
	bad := storetest.Msg("W1", "m2", "no channel", "", "A1", "C1", storetest.Base)
	bad.Channel = "" // fails Normalize
	for _, c := range []struct {
		name   string
		events []feedbackbot.Event
	}{
		{"a put that fails Normalize", []feedbackbot.Event{storetest.Put(ok), storetest.Put(bad)}},
		{"an unknown kind", []feedbackbot.Event{storetest.Put(ok), {Kind: "upsert", Message: ok}}},
		{"a delete without an id", []feedbackbot.Event{storetest.Put(ok), storetest.Delete(feedbackbot.Message{Platform: ok.Platform, Workspace: "W1"})}},
	} {
		if _, err := s.Append(ctx, c.events...); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
			t.Fatalf("Append with %s = %v, want EINVALID", c.name, err)
		}
		if keys, _ := s.AuthorKeys(ctx, "W1", "alice"); len(keys) != 0 {
			t.Fatalf("after %s: AuthorKeys(alice) = %v, want none (nothing appended)", c.name, keys)
		}
		for _, h := range []string{":{W1}:dko", ":{W1}:dk"} {
			if fields, _ := client.HKeys(ctx, prefix+h).Result(); len(fields) != 0 {
				t.Errorf("after a rejected Append (%s), %s%s has %d field(s)", c.name, prefix, h, len(fields))
			}
		}
	}
	if n, err := s.Append(ctx, storetest.Put(ok), storetest.Delete(bad)); err != nil || n != 1 {
		t.Fatalf("Append(put, delete of a message never stored) = %d, %v; want 1", n, err)
	}
	if fields, _ := client.HKeys(ctx, prefix+":{W1}:dko").Result(); fmt.Sprint(fields) != "[alice]" {
		t.Errorf("after a valid Append, %s:{W1}:dko names %v, want [alice]", prefix, fields)
	}
}
