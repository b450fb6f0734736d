package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// flakyLog fails with EUNAVAILABLE a given number of times, then appends to a real store.
type flakyLog struct {
	fails int
	next  store.Log
}

func (f *flakyLog) AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (bool, error) {
	if f.fails > 0 {
		f.fails--
		return false, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store unreachable")
	}
	return f.next.AppendOver(ctx, base, op, ev)
}

func (f *flakyLog) Append(ctx context.Context, evs ...feedbackbot.Event) (int, error) {
	if f.fails > 0 {
		f.fails--
		return 0, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store unreachable")
	}
	return f.next.Append(ctx, evs...)
}

func TestCaptureRetriesThenGivesUp(t *testing.T) {
	st := backends(t)["bolt"](t)
	evs := messages("T1", 3, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	c := &bot.Capture{Log: &flakyLog{fails: 2, next: st}, MaxWait: time.Second}
	if n, err := c.Append(context.Background(), evs...); err != nil || n != 3 {
		t.Fatalf("a short outage is ridden out: %d %v", n, err)
	}
	if c.Stats.Retries.Load() != 2 || c.Stats.Appended.Load() != 3 {
		t.Fatalf("stats: retries %d appended %d", c.Stats.Retries.Load(), c.Stats.Appended.Load())
	}
	long := &bot.Capture{Log: &flakyLog{fails: 1000, next: st}, MaxWait: 200 * time.Millisecond}
	if _, err := long.Append(context.Background(), evs...); feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE {
		t.Fatalf("a long outage must fail (so the platform redelivers): %v", err)
	}
	invalid := &bot.Capture{Log: st}
	bad := feedbackbot.Event{Kind: "weird", Message: evs[0].Message}
	if _, err := invalid.Append(context.Background(), bad); err == nil || invalid.Stats.Retries.Load() != 0 {
		t.Fatalf("invalid input is not retried: %v", err)
	}
}

// TestCaptureAppendOver: a reaction's append over its message's version rides out a
// short outage like any capture, and reports (without appending) a version that
// another capture replaced.
func TestCaptureAppendOver(t *testing.T) {
	st := backends(t)["bolt"](t)
	ev := messages("T1", 1, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))[0]
	c := &bot.Capture{Log: &flakyLog{fails: 2, next: st}, MaxWait: time.Second}
	if _, err := c.Append(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	base := ev.Message.Revision()
	react := ev
	react.Message.Reactions = map[string]int{"tada": 1}
	if ok, err := c.AppendOver(t.Context(), base, "op-1", react); err != nil || !ok {
		t.Fatalf("AppendOver after an outage = %v, %v", ok, err)
	}
	again := ev
	again.Message.Reactions = map[string]int{"eyes": 1}
	if ok, err := c.AppendOver(t.Context(), base, "op-2", again); err != nil || ok {
		t.Fatalf("AppendOver over a replaced version = %v, %v; want false", ok, err)
	}
	// (an overtaken write is not an event handed over: its caller hands over the
	// same change again on the newer version)
	if c.Stats.Retries.Load() != 2 || c.Stats.Appended.Load() != 2 || c.Stats.Events.Load() != 2 {
		t.Errorf("stats: retries %d appended %d events %d; want 2, 2, 2", c.Stats.Retries.Load(), c.Stats.Appended.Load(), c.Stats.Events.Load())
	}
	if m, _, err := st.Newest(t.Context(), ev.Message.Key()); err != nil || m.Reactions["tada"] != 1 || m.Reactions["eyes"] != 0 {
		t.Errorf("newest = %v, %v", m.Reactions, err)
	}
}

// TestCaptureGaveUp: an event its adapter gave up on counts as handed over and failed.
func TestCaptureGaveUp(t *testing.T) {
	c := &bot.Capture{}
	c.GaveUp()
	if c.Stats.Events.Load() != 1 || c.Stats.Failures.Load() != 1 || c.Stats.Appended.Load() != 0 {
		t.Errorf("stats: events %d failures %d appended %d; want 1, 1, 0", c.Stats.Events.Load(), c.Stats.Failures.Load(), c.Stats.Appended.Load())
	}
}

// TestCaptureAppendNew: a first delivery goes through capture's retries and
// counts, and stores nothing over a version the log holds (an edit stored
// before the message's own delivery arrived).
func TestCaptureAppendNew(t *testing.T) {
	st := backends(t)["bolt"](t)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	evs := messages("T1", 2, at)
	edit := evs[0]
	edit.Message.Text, edit.Message.EditedAt = "edited", at.Add(time.Minute)
	if _, err := st.Append(context.Background(), edit); err != nil {
		t.Fatal(err)
	}
	c := &bot.Capture{Log: &flakyLog{fails: 1, next: st}, MaxWait: time.Second}
	n, err := c.AppendNew(context.Background(), evs...)
	if err != nil || n != 1 {
		t.Fatalf("AppendNew = %d, %v; want the one message not held stored, after a retry", n, err)
	}
	if m, _, err := st.Newest(context.Background(), evs[0].Message.Key()); err != nil || m.Text != "edited" {
		t.Errorf("the edited message is %q (%v); want the edit kept", m.Text, err)
	}
	if c.Stats.Events.Load() != 2 || c.Stats.Appended.Load() != 1 || c.Stats.Retries.Load() != 1 {
		t.Errorf("stats: events %d appended %d retries %d; want 2, 1, 1", c.Stats.Events.Load(), c.Stats.Appended.Load(), c.Stats.Retries.Load())
	}
}

func (f *flakyLog) AppendNew(ctx context.Context, evs ...feedbackbot.Event) (int, error) {
	if f.fails > 0 {
		f.fails--
		return 0, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "store unreachable")
	}
	return f.next.(store.Filler).AppendNew(ctx, evs...)
}
