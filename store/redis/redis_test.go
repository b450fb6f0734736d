package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

func TestOpenUnreachable(t *testing.T) {
	addr := redistest.RefusedAddr(t)
	_, err := redisstore.Open(t.Context(), "redis://app:t0psecret@"+addr+"/0", redisstore.Options{})
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if !redisstore.IsUnavailable(err) || feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE {
		t.Errorf("code = %q, want %q: %v", feedbackbot.ErrorCode(err), feedbackbot.EUNAVAILABLE, err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name %s", err, addr)
	}
	if strings.Contains(err.Error(), "t0psecret") {
		t.Errorf("error %q repeats the password", err)
	}
	if msg := feedbackbot.ErrorMessage(err); !strings.Contains(msg, addr) {
		t.Errorf("user-facing message %q does not name the address", msg)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("the network error is not reachable with errors.As: %v", err)
	}
}

func TestOpenInvalidURL(t *testing.T) {
	_, err := redisstore.Open(t.Context(), "mysql://x:y@h:1", redisstore.Options{})
	if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
		t.Errorf("Open of a bad URL = %v, want EINVALID", err)
	}
}

// TestUnavailableWhileRunning checks that every kind of operation marks a dead server
// as unavailable, with the cause still reachable.
func TestUnavailableWhileRunning(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: redistest.RefusedAddr(t), MaxRetries: -1, DialerRetries: 1})
	defer client.Close()
	s := redisstore.New(client, redisstore.Options{})
	ctx := t.Context()
	m := storetest.Msg("W1", "m1", "x", "", "", "C1", storetest.Base)
	entry := store.Entry{ID: "1-0", Workspace: "W1", Event: storetest.Put(m)}
	ops := map[string]func() error{
		"Append":   func() error { _, err := s.Append(ctx, storetest.Put(m)); return err },
		"Read":     func() error { _, err := s.Read(ctx, "c", 10, 0); return err },
		"Ack":      func() error { return s.Ack(ctx, entry) },
		"Backlog":  func() error { _, err := s.Backlog(ctx); return err },
		"Replay":   func() error { return s.Replay(ctx, "W1", func(store.Entry) error { return nil }) },
		"Apply":    func() error { _, err := s.Apply(ctx, store.Applied{Entry: entry}); return err },
		"Message":  func() error { _, err := s.Message(ctx, m.Key()); return err },
		"Messages": func() error { _, err := s.Messages(ctx, store.Query{Workspace: "W1"}); return err },
		"Rollups": func() error {
			_, err := s.Rollups(ctx, "W1", storetest.Base, storetest.Base.Add(time.Hour))
			return err
		},
		"Notable": func() error {
			_, err := s.Notable(ctx, "W1", store.NotableNegative, storetest.Base, storetest.Base.Add(time.Hour), 5)
			return err
		},
		"PutDoc":       func() error { return s.PutDoc(ctx, "W1", "k", "i", []byte("{}")) },
		"AcquireLease": func() error { _, err := s.AcquireLease(ctx, "l", "h", time.Second); return err },
		"Once":         func() error { _, err := s.Once(ctx, "o", time.Second); return err },
	}
	for name, op := range ops {
		err := op()
		if !redisstore.IsUnavailable(err) {
			t.Errorf("%s: %v (code %q), want EUNAVAILABLE", name, err, feedbackbot.ErrorCode(err))
		}
		var ne net.Error
		if !errors.As(err, &ne) {
			t.Errorf("%s: cause not reachable: %v", name, err)
		}
	}
}

func newStore(t testing.TB, opts redisstore.Options) (*redisstore.Store, redis.UniversalClient, string) {
	client, prefix := redistest.Client(t)
	opts.Prefix = prefix
	return redisstore.New(client, opts), client, prefix
}

func TestOpen(t *testing.T) {
	_, prefix := redistest.Client(t) // skips without Redis; cleans the prefix up
	s, err := redisstore.Open(t.Context(), redistest.URL(), redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if n, err := s.Append(t.Context(), storetest.Put(storetest.Msg("W1", "m1", "x", "", "", "C1", storetest.Base))); err != nil || n != 1 {
		t.Fatalf("Append = %d, %v", n, err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Ping(t.Context()); !redisstore.IsUnavailable(err) {
		t.Errorf("Ping after Close = %v, want EUNAVAILABLE", err)
	}
	if _, err := s.Backlog(t.Context()); !redisstore.IsUnavailable(err) {
		t.Errorf("Backlog after Close = %v, want EUNAVAILABLE", err)
	}
}

// TestConcurrentCapture: the same message captured by 8 goroutines at once (Slack's
// retries racing a Socket Mode redelivery) is stored once, and applying its entry from
// 8 workers at once counts it once.
func TestConcurrentCapture(t *testing.T) {
	s, _, _ := newStore(t, redisstore.Options{})
	ctx := t.Context()
	m := storetest.Msg("W1", "C1:1700000000.000100", "the export fails", "", "A1", "C1", storetest.Base)
	const n = 8
	var wg sync.WaitGroup
	results := make([]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.Append(ctx, storetest.Put(m))
		})
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Append %d: %v", i, errs[i])
		}
		total += results[i]
	}
	if total != 1 {
		t.Fatalf("8 concurrent captures appended %d, want 1", total)
	}
	var logged []store.Entry
	if err := s.Replay(ctx, "W1", func(e store.Entry) error { logged = append(logged, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(logged) != 1 {
		t.Fatalf("log holds %d entries, want 1", len(logged))
	}

	es, err := s.Read(ctx, "c", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	tags := storetest.Tags(-0.7, "v1", "export")
	applied := make([]int, n)
	for i := range n {
		wg.Go(func() {
			applied[i], errs[i] = s.Apply(ctx, store.Applied{Entry: es[0], Tags: tags})
		})
	}
	wg.Wait()
	total = 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Apply %d: %v", i, errs[i])
		}
		total += applied[i]
	}
	if total != 1 {
		t.Errorf("8 concurrent applies changed %d, want 1", total)
	}
	rs, err := s.Rollups(ctx, "W1", storetest.Base.Add(-time.Hour), storetest.Base.Add(time.Hour))
	if err != nil || len(rs) != 1 || rs[0].Counts[feedbackbot.CntMessages] != 1 || rs[0].Counts[feedbackbot.CntNegative] != 1 {
		t.Errorf("Rollups = %+v, %v; want one bucket counting the message once", rs, err)
	}
}

// TestEditMovesIndexes: an edit that changes a message's hour, account and day makes
// Apply learn the old keys from the record (the retry path), and a delete then leaves
// no derived key behind.
func TestEditMovesIndexes(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	ctx := t.Context()
	base := storetest.Base
	m := storetest.Msg("W{1}", "m1", "broken", "", "A1", "C1", base)
	moved := m
	moved.Time = base.Add(26 * time.Hour)
	moved.Account = "A2"
	moved.Channel = "C2"
	tag := storetest.Tags(-0.8, "v1", "export")

	step := func(ev feedbackbot.Event, want int) {
		t.Helper()
		if _, err := s.Append(ctx, ev); err != nil {
			t.Fatal(err)
		}
		es, err := s.Read(ctx, "c", 10, 0)
		if err != nil || len(es) != 1 {
			t.Fatalf("Read = %d, %v", len(es), err)
		}
		n, err := s.Apply(ctx, store.Applied{Entry: es[0], Tags: tag})
		if err != nil || n != want {
			t.Fatalf("Apply = %d, %v; want %d", n, err, want)
		}
		if err := s.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
	}
	keysOf := func(ss []store.Stored) []string {
		var out []string
		for _, st := range ss {
			out = append(out, st.Message.Key()+"@"+st.Message.Time.Format(time.RFC3339))
		}
		return out
	}
	query := func(q store.Query) []string {
		t.Helper()
		q.Workspace = "W{1}"
		got, err := s.Messages(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return keysOf(got)
	}
	notable := func(from time.Time) []string {
		t.Helper()
		got, err := s.Notable(ctx, "W{1}", store.NotableNegative, from, from.Add(24*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		return keysOf(got)
	}
	hours := func() []time.Time {
		t.Helper()
		rs, err := s.Rollups(ctx, "W{1}", base.Add(-time.Hour), base.Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var out []time.Time
		for _, r := range rs {
			if r.Counts[feedbackbot.CntMessages] != 1 {
				t.Errorf("bucket %s counts %d messages, want 1", r.Start, r.Counts[feedbackbot.CntMessages])
			}
			out = append(out, r.Start)
		}
		return out
	}

	step(storetest.Put(m), 1)
	step(storetest.Put(moved), 1)
	want := []string{moved.Key() + "@" + moved.Time.Format(time.RFC3339)}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"workspace", query(store.Query{}), want},
		{"old account", query(store.Query{Account: "A1"}), []string(nil)},
		{"new account", query(store.Query{Account: "A2"}), want},
		{"old channel", query(store.Query{Channel: "C1"}), []string(nil)},
		{"new channel", query(store.Query{Channel: "C2"}), want},
		{"old day notable", notable(base.Truncate(24 * time.Hour)), []string(nil)},
		{"new day notable", notable(moved.Time.Truncate(24 * time.Hour)), want},
		{"rollup hours", hours(), []time.Time{feedbackbot.BucketStart(moved.Time)}},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}

	step(storetest.Delete(m), 1)
	if got := hours(); len(got) != 0 {
		t.Errorf("rollups after delete: %v", got)
	}
	// Only the log and its indexes (dedupe hash, log entries per message, the author's
	// message keys, the index marker, the author's data key), the workspace and
	// account sets and the account-days, account-weeks and data-string markers may
	// remain: no account day
	// or week, and no data string, is left behind.
	all, err := redistest.Keys(ctx, client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, k := range all {
		left = append(left, strings.TrimPrefix(k, prefix))
	}
	wantLeft := []string{":workspaces", ":{W%7B1%7D}:accts", ":{W%7B1%7D}:acv", ":{W%7B1%7D}:ak:U-m1", ":{W%7B1%7D}:awv", ":{W%7B1%7D}:dk", ":{W%7B1%7D}:dko", ":{W%7B1%7D}:dv", ":{W%7B1%7D}:latest", ":{W%7B1%7D}:le", ":{W%7B1%7D}:log", ":{W%7B1%7D}:people"}
	if fmt.Sprint(left) != fmt.Sprint(wantLeft) {
		t.Errorf("keys left after delete: %v, want %v", left, wantLeft)
	}
}

// TestScriptCacheFlushed: after the server loses its script cache (a restart or a
// failover to a fresh replica), appends and applies still work.
func TestScriptCacheFlushed(t *testing.T) {
	s, client, _ := newStore(t, redisstore.Options{})
	ctx := t.Context()
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Skipf("SCRIPT FLUSH not allowed: %v", err)
	}
	m := storetest.Msg("W1", "m1", "x", "", "", "C1", storetest.Base)
	if n, err := s.Append(ctx, storetest.Put(m), storetest.Put(m)); err != nil || n != 1 {
		t.Fatalf("Append after SCRIPT FLUSH = %d, %v", n, err)
	}
	es, err := s.Read(ctx, "c", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Apply(ctx, store.Applied{Entry: es[0], Tags: storetest.Tags(0.5, "v1")}); err != nil || n != 1 {
		t.Fatalf("Apply after SCRIPT FLUSH = %d, %v", n, err)
	}
	if err := client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireLease(ctx, "l", "h1", time.Minute); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "l", "h1", time.Minute); err != nil || !ok {
		t.Fatalf("renewal after SCRIPT FLUSH = %v, %v", ok, err)
	}
}

// TestUnreadableEntry: an entry that is not ours is skipped and acknowledged, and does
// not hold back the entries after it.
func TestUnreadableEntry(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	ctx := t.Context()
	m := storetest.Msg("W1", "m1", "x", "", "", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
		t.Fatal(err)
	}
	if err := client.XAdd(ctx, &redis.XAddArgs{Stream: prefix + ":{W1}:log", Values: []any{"e", "not json"}}).Err(); err != nil {
		t.Fatal(err)
	}
	m2 := storetest.Msg("W1", "m2", "y", "", "", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(m2)); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "c", 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Event.Message.ID != "m1" || es[1].Event.Message.ID != "m2" {
		t.Fatalf("Read = %+v, want m1 and m2", es)
	}
	if err := s.Ack(ctx, es...); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Backlog(ctx); err != nil || n != 0 {
		t.Errorf("Backlog = %d, %v; want 0 (the unreadable entry acknowledged)", n, err)
	}
	var replayed int
	if err := s.Replay(ctx, "W1", func(store.Entry) error { replayed++; return nil }); err != nil || replayed != 2 {
		t.Errorf("Replay = %d entries, %v; want 2", replayed, err)
	}
}

// TestMaxLen: the stream is capped approximately.
func TestMaxLen(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{MaxLen: 100})
	ctx := t.Context()
	var events []feedbackbot.Event
	for i := range 1000 {
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%d", i), "x", "", "", "C1", storetest.Base)))
	}
	if n, err := s.Append(ctx, events...); err != nil || n != 1000 {
		t.Fatalf("Append = %d, %v", n, err)
	}
	n, err := client.XLen(ctx, prefix+":{W1}:log").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 || n > 300 {
		t.Errorf("stream length %d with MaxLen 100", n)
	}
}

// TestReadBlocksOnOneWorkspace: a Read waiting on a single workspace's log (the
// blocking XREADGROUP path) wakes up when an entry arrives.
func TestReadBlocksOnOneWorkspace(t *testing.T) {
	s, _, _ := newStore(t, redisstore.Options{})
	ctx := t.Context()
	first := storetest.Msg("W1", "m1", "x", "", "", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(first)); err != nil {
		t.Fatal(err)
	}
	if es, err := s.Read(ctx, "c", 10, 0); err != nil || len(es) != 1 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	done := make(chan []store.Entry, 1)
	go func() {
		es, err := s.Read(ctx, "c", 10, 30*time.Second)
		if err != nil {
			t.Error(err)
		}
		done <- es
	}()
	second := storetest.Msg("W1", "m2", "y", "", "", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(second)); err != nil {
		t.Fatal(err)
	}
	es := <-done
	if len(es) != 1 || es[0].Event.Message.ID != "m2" {
		t.Fatalf("woken Read = %+v, want m2", es)
	}
}

// TestReadCancel: a waiting Read returns when its context ends.
func TestReadCancel(t *testing.T) {
	s, _, _ := newStore(t, redisstore.Options{})
	for _, ws := range []string{"W1", "W2"} { // the polling path
		if _, err := s.Append(t.Context(), storetest.Put(storetest.Msg(ws, "m1", "x", "", "", "C1", storetest.Base))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Read(t.Context(), "c", 10, 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Read(ctx, "c", 10, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestAccountDaysMigration: a workspace applied before account days existed (no
// account-day hashes, no "a" entries in its records' index specs, no marker) reads as
// store.ErrAccountDaysMissing until BuildAccountDays fills them; building again
// counts nothing twice.
func TestAccountDaysMigration(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	storetest.RunAccountDaysMigration(t, s, func(st store.Store) store.Store {
		if err := redistest.DropAccountDays(ctx, client, prefix); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AccountDays(ctx, "W1", "A1", storetest.Base, storetest.Base.Add(24*time.Hour)); !errors.Is(err, store.ErrAccountDaysMissing) {
			t.Fatalf("AccountDays of old data = %v, want ErrAccountDaysMissing", err)
		}
		for range 2 {
			if err := s.BuildAccountDays(ctx, "W1", nil); err != nil {
				t.Fatalf("BuildAccountDays: %v", err)
			}
			client.Del(ctx, prefix+":{W1}:acv") // as if it had stopped before the end
		}
		if err := s.BuildAccountDays(ctx, "W1", nil); err != nil {
			t.Fatalf("BuildAccountDays: %v", err)
		}
		return s
	})
}

// TestOwnAccountDaysMigration: a workspace versions before 2026-12-04 applied, with
// each account's day counters in a hash of its own (redistest.OwnAccountDays), some
// of whose messages retention removed since (their counts kept in the old days),
// reads as store.ErrAccountDaysMissing until BuildAccountDays moves it into
// workspace days; afterwards the days equal the hourly rollups' account counters,
// the removed messages counted too, edits and deletes keep them so, and no old day
// or marker is left. The same where the older version's own back-fill had not
// ended (no old marker: its workers wrote own days all the same).
func TestOwnAccountDaysMigration(t *testing.T) {
	for _, marked := range []bool{true, false} {
		t.Run(fmt.Sprintf("marked=%v", marked), func(t *testing.T) { testOwnAccountDaysMigration(t, marked) })
	}
}

func testOwnAccountDaysMigration(t *testing.T, marked bool) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	storetest.RunAccountDaysMigration(t, s, func(st store.Store) store.Store {
		if err := redistest.OwnAccountDays(ctx, client, prefix); err != nil {
			t.Fatal(err)
		}
		if !marked {
			client.Del(ctx, prefix+":{W1}:adv")
		}
		own := ownDayKeys(t, client, prefix)
		if len(own) == 0 {
			t.Fatal("OwnAccountDays left no account's own day")
		}
		// retention removes the first day's messages (its rollups and days keep them)
		if n, err := s.Expire(ctx, "W1", storetest.Base.Add(24*time.Hour)); err != nil || n == 0 {
			t.Fatalf("Expire = %d, %v; want some expired", n, err)
		}
		if _, err := s.AccountDays(ctx, "W1", "A1", storetest.Base, storetest.Base.Add(24*time.Hour)); !errors.Is(err, store.ErrAccountDaysMissing) {
			t.Fatalf("AccountDays of the old layout = %v, want ErrAccountDaysMissing", err)
		}
		if err := s.BuildAccountDays(ctx, "W1", nil); err != nil {
			t.Fatalf("BuildAccountDays: %v", err)
		}
		if left := ownDayKeys(t, client, prefix); len(left) > 0 {
			t.Errorf("after the back-fill, the old layout's keys are left: %v", left)
		}
		return s
	})
}

// ownDayKeys lists the old layout's account days and marker under prefix.
func ownDayKeys(t *testing.T, client redis.UniversalClient, prefix string) []string {
	t.Helper()
	all, err := redistest.Keys(t.Context(), client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range all {
		if strings.Contains(k, "}:ad:") || strings.HasSuffix(k, "}:adv") {
			out = append(out, k)
		}
	}
	return out
}

// TestBuildAccountDaysProgress: the back-fill reports how many messages it will
// walk before it starts and how many it has walked after each chunk, ends at all of
// them, and builds the counters the workspace had before they were dropped, with
// chunks that split messages of the same time; once built it reports nothing.
func TestBuildAccountDaysProgress(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	const n = 1203 // three chunks of 500 and a short one; three messages a minute
	var events []feedbackbot.Event
	for i := range n {
		role := feedbackbot.RoleCustomer
		if i%4 == 3 {
			role = feedbackbot.RoleStaff
		}
		events = append(events, storetest.Put(storetest.Msg("W1", fmt.Sprintf("m%d", i), "the export fails", role,
			fmt.Sprintf("A%d", i%7), "C1", storetest.Base.Add(time.Duration(i/3)*20*time.Minute))))
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(i int) feedbackbot.Tags { return storetest.Tags(float64(i%5)/4-0.5, "v1") })
	from, to := storetest.Base.Add(-24*time.Hour), storetest.Base.Add(10*24*time.Hour)
	want := map[string][]feedbackbot.Rollup{}
	for a := range 7 {
		acct := fmt.Sprintf("A%d", a)
		days, err := s.AccountDays(ctx, "W1", acct, from, to)
		if err != nil || len(days) < 5 {
			t.Fatalf("AccountDays(%s) = %v, %v; want 5 days or more", acct, days, err)
		}
		want[acct] = days
	}
	if err := redistest.DropAccountDays(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountDays(ctx, "W1", "A1", from, to); !errors.Is(err, store.ErrAccountDaysMissing) {
		t.Fatalf("AccountDays after the drop = %v, want ErrAccountDaysMissing", err)
	}
	for _, tc := range []struct {
		name string
		want [][2]int
	}{
		// (a chunk of 500 ends with every message of its last time: 501, 1002)
		{"old data", [][2]int{{0, n}, {501, n}, {1002, n}, {n, n}}},
		{"built already", nil},
	} {
		var got [][2]int
		if err := s.BuildAccountDays(ctx, "W1", func(done, total int) { got = append(got, [2]int{done, total}) }); err != nil {
			t.Fatalf("%s: BuildAccountDays: %v", tc.name, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: progress calls %v, want %v", tc.name, got, tc.want)
		}
		for acct, w := range want {
			if days, err := s.AccountDays(ctx, "W1", acct, from, to); err != nil || fmt.Sprint(days) != fmt.Sprint(w) {
				t.Errorf("%s: AccountDays(%s) = %v, %v\nwant %v", tc.name, acct, days, err, w)
			}
		}
	}
}

// TestNewestTrimmed: where the log no longer holds a message's newest entry (MaxLen
// trimmed it), Newest returns the applied record when it is that version, and says
// so when it is not (an entry trimmed before analysis applied it), rather than
// handing out an older version that a read-modify-write would build on.
func TestNewestTrimmed(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	ctx := t.Context()
	m := storetest.Msg("W1", "m1", "the export fails", feedbackbot.RoleCustomer, "A1", "C1", storetest.Base)
	if _, err := s.Append(ctx, storetest.Put(m)); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "c", 10, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("Read = %d entries, %v", len(es), err)
	}
	if _, err := s.Apply(ctx, store.Applied{Entry: es[0], Tags: storetest.Tags(-0.6, "a1")}); err != nil {
		t.Fatal(err)
	}
	trim := func() {
		t.Helper()
		if err := client.XTrimMaxLen(ctx, prefix+":{W1}:log", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	trim()
	if got, found, err := s.Newest(ctx, m.Key()); err != nil || !found || got.Text != m.Text {
		t.Errorf("Newest with the entry trimmed, applied = %q, %v, %v; want the record", got.Text, found, err)
	}
	edit := m
	edit.Text = "the export fails every night"
	if _, err := s.Append(ctx, storetest.Put(edit)); err != nil {
		t.Fatal(err)
	}
	trim()
	if got, _, err := s.Newest(ctx, m.Key()); feedbackbot.ErrorCode(err) != feedbackbot.ECONFLICT {
		t.Errorf("Newest with an unapplied edit trimmed = %q, %v; want ECONFLICT", got.Text, err)
	}
}

// TestReadPrunesIdleConsumers: every process names its workers host:pid:n, so each
// restart adds names to the group; Read deletes those that hold no pending entries
// and have been idle for ConsumerIdle, and keeps one that still holds an entry (its
// entry stays pending, to be claimed).
func TestReadPrunesIdleConsumers(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ConsumerIdle: 300 * time.Millisecond, ClaimIdle: time.Hour})
	ctx := t.Context()
	for _, id := range []string{"m1", "m2"} {
		if _, err := s.Append(ctx, storetest.Put(storetest.Msg("W1", id, "x", "", "", "C1", storetest.Base))); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.Read(ctx, "gone-acked", 1, 0)
	if err != nil || len(es) != 1 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	if err := s.Ack(ctx, es[0]); err != nil {
		t.Fatal(err)
	}
	if es, err := s.Read(ctx, "gone-pending", 1, 0); err != nil || len(es) != 1 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := s.Read(ctx, "live", 10, 0); err != nil {
		t.Fatal(err)
	}
	key := prefix + ":{W1}:log"
	cs, err := client.XInfoConsumers(ctx, key, "analysis").Result()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	if slices.Contains(names, "gone-acked") || !slices.Contains(names, "gone-pending") {
		t.Errorf("consumers left = %v, want gone-pending (it holds an entry) and not gone-acked", names)
	}
	if p, err := client.XPending(ctx, key, "analysis").Result(); err != nil || p.Count != 1 {
		t.Errorf("pending = %+v, %v; want m2 still pending", p, err)
	}
}

// TestReadKeepsClaimedEntries: when Read has claimed idle entries and reading the new
// ones then fails, it hands out what it claimed (they are this consumer's now) instead
// of dropping them to wait for the next claim. The failure is real: the second store
// connects as an ACL user that may not run XREADGROUP.
func TestReadKeepsClaimedEntries(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	if _, ok := client.(*redis.ClusterClient); ok {
		t.Skip("ACL users are per node; this test runs on a single node")
	}
	ctx := t.Context()
	for _, id := range []string{"m1", "m2", "m3"} {
		if _, err := s.Append(ctx, storetest.Put(storetest.Msg("W1", id, "x", "", "", "C1", storetest.Base))); err != nil {
			t.Fatal(err)
		}
	}
	if es, err := s.Read(ctx, "crashed", 3, 0); err != nil || len(es) != 3 {
		t.Fatalf("Read = %d, %v", len(es), err)
	}
	user := "fbtest-noread-" + strings.TrimPrefix(prefix, "fbtest:")
	if err := client.Do(ctx, "ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-xreadgroup").Err(); err != nil {
		t.Skipf("cannot create an ACL user: %v", err)
	}
	t.Cleanup(func() { client.Do(context.Background(), "ACL", "DELUSER", user) })
	opts, err := redisstore.ParseURL(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts.Username, opts.Password = user, "pw"
	limited := redis.NewUniversalClient(opts)
	t.Cleanup(func() { limited.Close() })
	s2 := redisstore.New(limited, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})

	time.Sleep(storetest.ClaimIdle + storetest.ClaimIdle/2)
	es, err := s2.Read(ctx, "survivor", 10, 0)
	if err != nil || len(es) != 3 {
		t.Fatalf("Read after the claim = %d entries, %v; want the 3 claimed entries", len(es), err)
	}
	// Without a claim to hand out, the failure is the caller's to see.
	if err := s2.Ack(ctx, es...); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Read(ctx, "survivor", 10, 0); err == nil {
		t.Error("Read with nothing to claim and XREADGROUP refused: no error")
	}
}

// TestOpenRefusedDatabase checks that a server refusing the URL's database number is
// told apart from one that cannot be reached: retrying the same URL cannot help.
func TestOpenRefusedDatabase(t *testing.T) {
	redistest.Client(t) // skips (or fails in CI) when no Redis answers
	u, err := url.Parse(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		t.Skipf("REDIS_URL scheme %q has no database number to refuse", u.Scheme)
	}
	u.Path = "/9999"
	_, err = redisstore.Open(t.Context(), u.String(), redisstore.Options{})
	if err == nil {
		t.Fatal("Open of database 9999 succeeded")
	}
	if code := feedbackbot.ErrorCode(err); code != feedbackbot.EINVALID {
		t.Errorf("code = %q, want %q: %v", code, feedbackbot.EINVALID, err)
	}
	msg := feedbackbot.ErrorMessage(err)
	for _, want := range []string{"refused the connection", "0 to 15"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
	if !strings.Contains(err.Error(), "DB index is out of range") {
		t.Errorf("error %q does not give the server's reply", err)
	}
	if strings.Contains(msg, "cannot reach") {
		t.Errorf("message %q calls an answering server unreachable", msg)
	}
}

// TestOpenCancelled: a connection the caller cancelled (Ctrl-C while connecting) is
// said as such, not as a refusal (it read "refused the connection: context
// canceled", a review's find).
func TestOpenCancelled(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = redisstore.Open(ctx, "redis://"+l.Addr().String()+"/0", redisstore.Options{})
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "refused") {
		t.Errorf("Open cancelled = %v; want the cancellation, no refusal", err)
	}
}
