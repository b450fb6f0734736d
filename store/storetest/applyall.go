package storetest

import (
	"context"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// AppendApplyAll appends events to s and applies them as worker "w" would, 500 at a
// time, tagging the i-th entry of each batch with tags(i), until n entries are applied
// and acknowledged.
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
			items = append(items, store.Applied{Entry: e, Tags: tags(i, e)})
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
