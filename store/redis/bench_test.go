package redisstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// BenchmarkAppendApply runs the capture-to-derived-state path in batches of 100
// messages: Append (one pipeline), Read, Apply (one pipeline) and Ack, as a capture
// process and one analysis worker would, and reports messages per second.
func BenchmarkAppendApply(b *testing.B) {
	const batch = 100
	s, _, _ := newStore(b, redisstore.Options{})
	ctx := b.Context()
	texts := []string{"the export fails every night", "thanks, that fixed it", "how do I add a user?", "login is slow again"}
	tag := func(i int) feedbackbot.Tags {
		return storetest.Tags(float64(i%11-5)/5, "v1", []string{"export", "login", "billing"}[:i%4]...)
	}
	run := fmt.Sprint(time.Now().UnixNano())
	msgs := 0
	for i := 0; b.Loop(); i++ {
		events := make([]feedbackbot.Event, batch)
		for j := range events {
			n := i*batch + j
			m := storetest.Msg("W1", fmt.Sprintf("%s-%d", run, n), texts[n%len(texts)], "",
				fmt.Sprintf("A%d", n%20), fmt.Sprintf("C%d", n%5), storetest.Base.Add(time.Duration(n)*time.Second))
			events[j] = storetest.Put(m)
		}
		if n, err := s.Append(ctx, events...); err != nil || n != batch {
			b.Fatalf("Append = %d, %v", n, err)
		}
		es, err := s.Read(ctx, "bench", batch, 0)
		if err != nil || len(es) != batch {
			b.Fatalf("Read = %d, %v", len(es), err)
		}
		items := make([]store.Applied, len(es))
		for j, e := range es {
			items[j] = store.Applied{Entry: e, Tags: tag(i*batch + j)}
		}
		if n, err := s.Apply(ctx, items...); err != nil || n != batch {
			b.Fatalf("Apply = %d, %v", n, err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			b.Fatal(err)
		}
		msgs += batch
	}
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkAccountWindow reads one account's 16 days of messages (80 a day, about
// what account health reads of a busy account), as every account's health in a
// digest does: the records' read and decode, not the index walk, is most of it.
func BenchmarkAccountWindow(b *testing.B) {
	const days, perDay = 16, 80
	s, _, _ := newStore(b, redisstore.Options{})
	ctx := b.Context()
	var events []feedbackbot.Event
	for n := range days * perDay {
		at := storetest.Base.Add(time.Duration(n) * 24 * time.Hour / perDay)
		m := storetest.Msg("W1", fmt.Sprintf("m%d", n), "the export has failed every night since the upgrade, please advise", "", "A1", "C1", at)
		events = append(events, storetest.Put(m))
	}
	if n, err := s.Append(ctx, events...); err != nil || n != len(events) {
		b.Fatalf("Append = %d, %v", n, err)
	}
	for {
		es, err := s.Read(ctx, "bench", 500, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		items := make([]store.Applied, len(es))
		for j, e := range es {
			items[j] = store.Applied{Entry: e, Tags: storetest.Tags(-0.4, "v1", "export")}
		}
		if _, err := s.Apply(ctx, items...); err != nil {
			b.Fatal(err)
		}
		if err := s.Ack(ctx, es...); err != nil {
			b.Fatal(err)
		}
	}
	q := store.Query{Workspace: "W1", Account: "A1", From: storetest.Base, To: storetest.Base.Add(days * 24 * time.Hour), Limit: store.MaxQueryLimit}
	for b.Loop() {
		got, err := s.Messages(ctx, q)
		if err != nil || len(got) != store.MaxQueryLimit {
			b.Fatalf("Messages = %d, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/store.MaxQueryLimit, "µs/msg")
}
