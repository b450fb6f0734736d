package redisstore_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestBigIndexIsASkipList: a channel's and an account week's time indexes and a day's
// notable sets turn into skip lists once an apply brings them to 32 members (whether one batch or several
// cross that), small ones stay listpacks, readers never see the member that does it,
// and an index whose messages are all deleted disappears.
func TestBigIndexIsASkipList(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	ctx := t.Context()
	var big, small []feedbackbot.Message
	for i := range 100 {
		at := storetest.Base.Add(time.Duration(i) * time.Minute)
		big = append(big, storetest.Msg("W1", fmt.Sprintf("b%d", i), "slow again", "", "A1", "C1", at))
		if i < 10 {
			small = append(small, storetest.Msg("W1", fmt.Sprintf("s%d", i), "slow again", "", "A2", "C2", at))
		}
	}
	// apply appends evs, then applies and acknowledges the log batch at a time.
	apply := func(batch int, evs ...feedbackbot.Event) {
		t.Helper()
		if _, err := s.Append(ctx, evs...); err != nil {
			t.Fatal(err)
		}
		for {
			es, err := s.Read(ctx, "w", batch, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) == 0 {
				return
			}
			items := make([]store.Applied, len(es))
			for i, e := range es {
				items[i] = store.Applied{Entry: e, Tags: storetest.Tags(-0.5, "v1", "performance")}
			}
			if _, err := s.Apply(ctx, items...); err != nil {
				t.Fatal(err)
			}
			if err := s.Ack(ctx, es...); err != nil {
				t.Fatal(err)
			}
		}
	}
	var puts []feedbackbot.Event
	for _, m := range append(big, small...) {
		puts = append(puts, storetest.Put(m))
	}
	// 7 items a batch: the big channel and week cross 32 members within a batch
	apply(7, puts...)
	indexes := func() map[string]string {
		t.Helper()
		keys, err := redistest.Keys(ctx, client, prefix)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, k := range keys {
			if strings.Contains(k, ":tc:") || strings.Contains(k, ":aw:") || strings.Contains(k, ":n:") {
				enc, err := client.ObjectEncoding(ctx, k).Result()
				if err != nil {
					t.Fatal(err)
				}
				out[k[strings.Index(k, "}:")+2:]] = enc
			}
		}
		return out
	}
	got := indexes()
	for name, enc := range got {
		want := "listpack"
		if strings.HasSuffix(name, ":C1") || strings.HasSuffix(name, ":A1") || strings.HasPrefix(name, "n:") {
			want = "skiplist"
		}
		if enc != want {
			t.Errorf("OBJECT ENCODING %s = %s, want %s", name, enc, want)
		}
	}
	if len(got) != 5 {
		t.Errorf("indexes %v, want a channel and a week for each of 2 channels and accounts, and the day's negative set", got)
	}
	// 110 negative messages: the top 100 of the day's set are messages, the big-index
	// member sorting after them
	notable, err := s.Notable(ctx, "W1", store.NotableNegative, storetest.Base, storetest.Base.Add(3*time.Hour), 100)
	if err != nil || len(notable) != 100 {
		t.Errorf("Notable = %d messages, %v; want 100", len(notable), err)
	}
	for _, q := range []store.Query{{Channel: "C1"}, {Account: "A1"}, {Channel: "C2"}, {Account: "A2"}} {
		q.Workspace, q.Limit = "W1", 1000
		ms, err := s.Messages(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := big
		if q.Channel == "C2" || q.Account == "A2" {
			want = small
		}
		if len(ms) != len(want) {
			t.Errorf("Messages(%+v) = %d messages, want %d", q, len(ms), len(want))
			continue
		}
		for i, st := range ms { // newest first
			if w := want[len(want)-1-i]; st.Message.Key() != w.Key() {
				t.Errorf("Messages(%+v)[%d] = %s, want %s", q, i, st.Message.Key(), w.Key())
			}
		}
	}
	var dels []feedbackbot.Event
	for _, m := range append(big, small...) {
		dels = append(dels, storetest.Delete(m))
	}
	apply(500, dels...)
	if got := indexes(); len(got) != 0 {
		t.Errorf("indexes left after deleting every message: %v", got)
	}
}
