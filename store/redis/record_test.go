package redisstore_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestHashRecordsOfOlderVersions: records as versions before 2026-12-02 wrote them
// (each part a field of its own) are read, replaced, deleted, erased and expired
// exactly as this version's two-field records are. Two stores get the same history;
// one has every record turned into the old form after the first apply; after edits, deletes, a
// Forget and an Expire, every read of both gives the same answer.
func TestHashRecordsOfOlderVersions(t *testing.T) {
	ctx := t.Context()
	var first []feedbackbot.Event
	for i := range 40 {
		m := storetest.Msg("W1", fmt.Sprintf("m%d", i), fmt.Sprintf("message %d about the export", i), "",
			[]string{"A1", "A2", ""}[i%3], []string{"C1", "C2"}[i%2], storetest.Base.Add(time.Duration(i)*37*time.Minute))
		m.Author = []string{"alice", "bob", "carol"}[i%3]
		first = append(first, storetest.Put(m))
	}
	tags := func(analyzer string) func(i int) feedbackbot.Tags {
		return func(i int) feedbackbot.Tags {
			return storetest.Tags(float64(i%7-3)/4, analyzer, []string{"billing", "bug", "export"}[i%3])
		}
	}
	var later []feedbackbot.Event
	for i := 0; i < 40; i += 4 {
		m := first[i].Message
		switch i % 8 {
		case 0:
			m.Text += " (edited)"
			m.EditedAt = storetest.Base.Add(48 * time.Hour)
			if i%16 == 0 {
				m.Time = m.Time.Add(26 * time.Hour) // another hour, day and week
			}
			later = append(later, storetest.Put(m))
		default:
			later = append(later, storetest.Delete(m))
		}
	}

	stores := make([]*redisstore.Store, 2)
	prefixes := make([]string, 2)
	for n := range stores {
		client, prefix := redistest.Client(t)
		prefixes[n] = prefix
		s := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
		t.Cleanup(func() { _ = s.Close() })
		stores[n] = s
		storetest.AppendApplyAll(ctx, t, s, first, tags("v1"))
		if n == 1 {
			keys, err := redistest.Keys(ctx, client, prefix)
			if err != nil {
				t.Fatal(err)
			}
			converted := 0
			for _, k := range keys {
				if strings.Contains(k, "}:m:") {
					if err := redistest.OldRecord(ctx, client, k); err != nil {
						t.Fatal(err)
					}
					if n := client.HLen(ctx, k).Val(); n != 5 {
						t.Fatalf("record %s has %d fields after OldRecord, want 5 (s, b, k, c, d)", k, n)
					}
					converted++
				}
			}
			if converted != len(first) {
				t.Fatalf("converted %d records, want %d", converted, len(first))
			}
		}
	}
	compare := func(when string) {
		t.Helper()
		var got [2]string
		for n, s := range stores {
			got[n] = readAll(ctx, t, s)
		}
		if got[0] != got[1] {
			t.Errorf("%s: a store of old records reads\n%s\nwhere one of new records reads\n%s", when, got[1], got[0])
		}
	}
	compare("as applied")
	for _, e := range first {
		var got [2][5]string
		for n, s := range stores {
			r, err := redisstore.RecordOf(ctx, s, "W1", e.Message.Key())
			if err != nil {
				t.Fatal(err)
			}
			r[2] = strings.ReplaceAll(r[2], prefixes[n], "PREFIX")
			if store.IsBinaryStored(r[4]) { // (old records hold the JSON their versions wrote)
				var st store.Stored
				if err := store.DecodeStoredBinaryShared(r[4], &st); err != nil {
					t.Fatal(err)
				}
				js, err := store.AppendStored(nil, &st)
				if err != nil {
					t.Fatal(err)
				}
				r[4] = string(js)
			}
			got[n] = r
		}
		if got[0] != got[1] || slices.Contains(got[0][:], "") {
			t.Errorf("record of %s read from the new form %q, from the old %q; want the same, every part set", e.Message.ID, got[0], got[1])
		}
	}
	for _, s := range stores {
		storetest.AppendApplyAll(ctx, t, s, later, tags("v1"))
	}
	compare("after edits and deletes")
	for _, s := range stores {
		// re-analysis: every record replaced by one of another analyzer
		if err := s.Replay(ctx, "W1", func(e store.Entry) error {
			_, err := s.Apply(ctx, store.Applied{Entry: e, Tags: tags("v2")(len(e.Event.Message.ID))})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	compare("after re-analysis")
	for _, s := range stores {
		if n, err := s.Forget(ctx, "W1", "bob"); err != nil || n == 0 {
			t.Fatalf("Forget(bob) = %d, %v", n, err)
		}
	}
	compare("after Forget")
	for _, s := range stores {
		if n, err := s.Expire(ctx, "W1", storetest.Base.Add(10*time.Hour)); err != nil || n == 0 {
			t.Fatalf("Expire = %d, %v", n, err)
		}
	}
	compare("after Expire")
}

// readAll is everything a store's reads give for workspace W1, as text.
func readAll(ctx context.Context, t *testing.T, s *redisstore.Store) string {
	t.Helper()
	var b strings.Builder
	from, to := storetest.Base.Add(-30*24*time.Hour), storetest.Base.Add(30*24*time.Hour)
	rs, err := s.Rollups(ctx, "W1", from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		fmt.Fprintf(&b, "rollup %s %v\n", r.Start.UTC().Format(time.RFC3339), r.Counts)
	}
	for _, q := range []store.Query{{Workspace: "W1", From: from, To: to, Limit: 500},
		{Workspace: "W1", Account: "A1", From: from, To: to, Limit: 500},
		{Workspace: "W1", Channel: "C2", From: from, To: to, Limit: 500}} {
		ms, err := s.Messages(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			one, err := s.Message(ctx, m.Message.Key())
			if err != nil || !reflect.DeepEqual(one, m) {
				t.Errorf("Message(%s) = %+v, %v; Messages gave %+v", m.Message.Key(), one, err, m)
			}
			fmt.Fprintf(&b, "%s/%s: %s %s %q %v\n", q.Account, q.Channel, m.Message.ID, m.Tags.Analyzer, m.Message.Text, m.Tags.Sentiment.Score)
		}
	}
	for _, kind := range []string{store.NotableNegative, store.NotablePositive} {
		ns, err := s.Notable(ctx, "W1", kind, from, to, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ns {
			fmt.Fprintf(&b, "notable %s %s\n", kind, m.Message.ID)
		}
	}
	for _, acct := range []string{"A1", "A2"} {
		ds, err := s.AccountDays(ctx, "W1", acct, from, to)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			fmt.Fprintf(&b, "day %s %s %v\n", acct, d.Start.UTC().Format(time.DateOnly), d.Counts)
		}
	}
	for _, author := range []string{"alice", "bob", "carol"} {
		fmt.Fprintf(&b, "author %s %v\n", author, storetest.AuthorIDs(ctx, t, s, "W1", author))
	}
	return b.String()
}
