package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// flakyLog fails with EUNAVAILABLE a given number of times, then appends to a real store.
type flakyLog struct {
	fails int
	next  bot.Appender
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
