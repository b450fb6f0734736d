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
		storetest.AppendApplyBatches(ctx, t, s, evs, batch, func(int) feedbackbot.Tags {
			return storetest.Tags(-0.5, "v1", "performance")
		})
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

// TestStagedRecordsNeverLinger: every path of an apply moves a put's staged record
// into place or deletes it (a new message, a replaced revision, a redelivery, a
// stale revision, an edit that waits for a retry with the keys it moved from), and
// the rollups count what was applied once.
func TestStagedRecordsNeverLinger(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{})
	ctx := t.Context()
	read := func() []store.Entry {
		t.Helper()
		es, err := s.Read(ctx, "w", 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	apply := func(score float64, es ...store.Entry) int {
		t.Helper()
		items := make([]store.Applied, len(es))
		for i, e := range es {
			items[i] = store.Applied{Entry: e, Tags: storetest.Tags(score, "v1", "billing")}
		}
		n, err := s.Apply(ctx, items...)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var ms []feedbackbot.Message
	for i := range 3 {
		ms = append(ms, storetest.Msg("W1", fmt.Sprintf("m%d", i), "charged twice", "", "A1", "C1", storetest.Base.Add(time.Duration(i)*time.Minute)))
	}
	if _, err := s.Append(ctx, storetest.Put(ms[0]), storetest.Put(ms[1]), storetest.Put(ms[2])); err != nil {
		t.Fatal(err)
	}
	first := read()
	steps := []struct {
		name string
		run  func() int
		want int
	}{
		{"new messages", func() int { return apply(-0.5, first...) }, 3},
		{"a redelivery", func() int { return apply(-0.5, first...) }, 0},
		{"a re-analysis", func() int { return apply(0.5, first[0]) }, 0}, // same revision and analyzer: already applied
		{"an edit, and the stale revision again", func() int {
			edit := ms[1]
			edit.Text = "charged twice, and a day later"
			edit.Time = storetest.Base.Add(30 * time.Hour) // another hour, day, notable set
			if _, err := s.Append(ctx, storetest.Put(edit)); err != nil {
				t.Fatal(err)
			}
			return apply(-0.5, append(read(), first[1])...)
		}, 1},
	}
	for _, st := range steps {
		if got := st.run(); got != st.want {
			t.Errorf("%s: applied %d, want %d", st.name, got, st.want)
		}
		keys, err := redistest.Keys(ctx, client, prefix)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if strings.Contains(k, ":st:") || strings.Contains(k, ":sd:") {
				t.Errorf("%s: staged record %s left", st.name, k)
			}
		}
	}
	rs, err := s.Rollups(ctx, "W1", storetest.Base.Add(-time.Hour), storetest.Base.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var msgs, billing int64
	for _, r := range rs {
		msgs += r.Counts[feedbackbot.CntMessages]
		billing += r.Counts[feedbackbot.CounterName(feedbackbot.DimTheme, "billing", feedbackbot.CntCustomer)]
	}
	if msgs != 3 || billing != 3 {
		t.Errorf("rollups count %d messages, %d about billing; want 3 and 3", msgs, billing)
	}
	got, err := s.Messages(ctx, store.Query{Workspace: "W1", Channel: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, st := range got {
		texts = append(texts, st.Message.Text)
	}
	if want := "[charged twice, and a day later charged twice charged twice]"; fmt.Sprint(texts) != want {
		t.Errorf("channel messages %v, want %s", texts, want)
	}

	// A script that fails after the records were staged (here at its first
	// command, a read of the latest hash, made a string for the moment) leaves no
	// staged key behind, so no copy of the text outlives the failure under a name
	// nothing reads; applied again once the key is back, the message counts once.
	// (Redis refuses a script's writes for want of memory at its first write only,
	// so that one never stops half-way; a key of the wrong type met after a write
	// would, and Redis undoes nothing: that is not exercised here.)
	late := storetest.Msg("W1", "m9", "the secret plan", "", "A1", "C1", storetest.Base.Add(5*time.Hour))
	if _, err := s.Append(ctx, storetest.Put(late)); err != nil {
		t.Fatal(err)
	}
	latest, aside := prefix+":{W1}:latest", prefix+":{W1}:latest-aside"
	if err := client.Rename(ctx, latest, aside).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, latest, "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	es := read()
	lateEntry := es[len(es)-1:]
	if _, err := s.Apply(ctx, store.Applied{Entry: lateEntry[0], Tags: storetest.Tags(-0.5, "v1", "billing")}); err == nil {
		t.Fatal("apply over a rollup key of the wrong type succeeded")
	}
	keys, err := redistest.Keys(ctx, client, prefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if strings.Contains(k, ":st:") || strings.Contains(k, ":sd:") {
			t.Errorf("a failed script left staged key %s", k)
		}
	}
	if err := client.Rename(ctx, aside, latest).Err(); err != nil {
		t.Fatal(err)
	}
	if n := apply(-0.5, lateEntry...); n != 1 {
		t.Errorf("applied %d after the failure, want 1", n)
	}
	rs, err = s.Rollups(ctx, "W1", storetest.Base.Add(-time.Hour), storetest.Base.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	msgs = 0
	for _, r := range rs {
		msgs += r.Counts[feedbackbot.CntMessages]
	}
	if msgs != 4 {
		t.Errorf("rollups count %d messages after the retried apply, want 4", msgs)
	}
}
