package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// AppendApplyAll appends events to s and applies them as worker "w" would, 500 at a
// time, tagging the entry of events[i] with tags(i) (i the index in events, not in
// its batch), until every entry is applied and acknowledged. Worker "w" must have
// nothing else to read: entries are taken to be read in the order appended.
func AppendApplyAll(ctx context.Context, t testing.TB, s store.Store, events []feedbackbot.Event, tags func(i int) feedbackbot.Tags) {
	t.Helper()
	AppendApplyBatches(ctx, t, s, events, 500, tags)
}

// AppendApplyBatches is AppendApplyAll reading batch entries at a time.
func AppendApplyBatches(ctx context.Context, t testing.TB, s store.Store, events []feedbackbot.Event, batch int, tags func(i int) feedbackbot.Tags) {
	t.Helper()
	appendApply(ctx, t, s, events, batch, func(i int, _ store.Entry) feedbackbot.Tags { return tags(i) })
}

// AppendApplyEach is AppendApplyAll tagging each entry with tagOf(entry) (by its
// message, say).
func AppendApplyEach(ctx context.Context, t testing.TB, s store.Store, events []feedbackbot.Event, tagOf func(store.Entry) feedbackbot.Tags) {
	t.Helper()
	appendApply(ctx, t, s, events, 500, func(_ int, e store.Entry) feedbackbot.Tags { return tagOf(e) })
}

// appendApply appends events and applies them batch at a time, tagging the entry
// of events[i] with tags(i, entry).
func appendApply(ctx context.Context, t testing.TB, s store.Store, events []feedbackbot.Event, batch int, tags func(i int, e store.Entry) feedbackbot.Tags) {
	t.Helper()
	if _, err := s.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	for applied := 0; applied < len(events); {
		es, err := s.Read(ctx, "w", batch, 0)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]store.Applied, 0, len(es))
		for i, e := range es {
			items = append(items, store.Applied{Entry: e, Tags: tags(applied+i, e)})
		}
		if _, err := s.Apply(ctx, items...); err != nil {
			t.Fatal(err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			t.Fatal(err)
		}
		applied += len(es)
	}
}

// AuthorIDs returns the IDs of the messages AuthorMessages gives for author in
// workspace ws, in its order, failing t on an error.
func AuthorIDs(ctx context.Context, t testing.TB, s store.People, ws, author string) []string {
	t.Helper()
	var ids []string
	if err := s.AuthorMessages(ctx, ws, author, func(st store.Stored) error {
		ids = append(ids, st.Message.ID)
		return nil
	}); err != nil {
		t.Fatalf("AuthorMessages(%s, %s): %v", ws, author, err)
	}
	return ids
}

// helperTests check the suite's own helpers against the store.
var helperTests = []test{
	{"AppendApplyIndex", testAppendApplyIndex},
}

// testAppendApplyIndex: AppendApplyAll and AppendApplyBatches tag the entry of
// events[i] with tags(i), i the index in the whole list, not in its batch (each
// entry of a second batch of 500 was tagged as the entry of the first at its
// place), and AppendApplyEach tags each entry by itself; a second call on the
// same store counts from 0 again.
func testAppendApplyIndex(t *testing.T, f *fixture) {
	tests := []struct {
		name  string
		n     int
		apply func(evs []feedbackbot.Event, tags func(i int) feedbackbot.Tags)
	}{
		{"AppendApplyAll, three batches", 1201, func(evs []feedbackbot.Event, tags func(int) feedbackbot.Tags) {
			AppendApplyAll(f.ctx, t, f.s, evs, tags)
		}},
		{"AppendApplyAll again, one batch", 3, func(evs []feedbackbot.Event, tags func(int) feedbackbot.Tags) {
			AppendApplyAll(f.ctx, t, f.s, evs, tags)
		}},
		{"AppendApplyBatches of 7", 20, func(evs []feedbackbot.Event, tags func(int) feedbackbot.Tags) {
			AppendApplyBatches(f.ctx, t, f.s, evs, 7, tags)
		}},
		{"AppendApplyEach", 510, func(evs []feedbackbot.Event, tags func(int) feedbackbot.Tags) {
			AppendApplyEach(f.ctx, t, f.s, evs, func(e store.Entry) feedbackbot.Tags {
				return tags(slices.IndexFunc(evs, func(ev feedbackbot.Event) bool { return ev.Message.ID == e.Event.Message.ID }))
			})
		}},
	}
	for k, tc := range tests {
		var evs []feedbackbot.Event
		for i := range tc.n {
			evs = append(evs, Put(Msg("W1", fmt.Sprintf("t%d-%d", k, i), "hello", "", "A1", "C1", Base.Add(time.Duration(i)*time.Second))))
		}
		tc.apply(evs, func(i int) feedbackbot.Tags { return Tags(0.5, fmt.Sprintf("i%d", i)) })
		for i, ev := range evs {
			st, err := f.s.Message(f.ctx, ev.Message.Key())
			if err != nil {
				t.Fatalf("%s: Message(%s): %v", tc.name, ev.Message.Key(), err)
			}
			if want := fmt.Sprintf("i%d", i); st.Tags.Analyzer != want {
				t.Errorf("%s: events[%d] is tagged as %s, want %s", tc.name, i, st.Tags.Analyzer, want)
				break
			}
		}
	}
}
