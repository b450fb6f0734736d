package bot_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestCaptureQueuedCountsEachEventOnceThroughAnOutage: an adapter whose own queue
// retries a batch until the store takes it (Discord's: Discord never redelivers)
// hands the batch over once and then retries. Each retry went through Append,
// which counted the events again, counted a capture given up on and logged
// "capture failed; the platform will redeliver" at ERROR. AppendQueued counts the
// events once, a failure only when the queue gives them up (QueueGaveUp), and says
// once, as a warning, that the queue retries.
func TestCaptureQueuedCountsEachEventOnceThroughAnOutage(t *testing.T) {
	st, _, px := redisBehindProxy(t)
	var logs syncBuffer
	c := &bot.Capture{Log: st, MaxWait: 300 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	evs := messages("T1", 3, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	for i := range evs {
		evs[i].Message.Platform = feedbackbot.PlatformDiscord
	}
	ctx := context.Background()
	px.Down()
	if _, err := c.AppendQueued(ctx, false, evs...); feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE {
		t.Fatalf("the first attempt during the outage: %v, want EUNAVAILABLE", err)
	}
	for range 3 {
		if _, err := c.AppendQueued(ctx, true, evs...); err == nil {
			t.Fatal("a retry during the outage succeeded")
		}
	}
	px.Up()
	if n, err := c.AppendQueued(ctx, true, evs...); err != nil || n != 3 {
		t.Fatalf("the retry after the outage: %d, %v", n, err)
	}
	if got := c.Stats.Events.Load(); got != 3 {
		t.Errorf("events = %d, want 3 (each once, not once per attempt)", got)
	}
	if got := c.Stats.Appended.Load(); got != 3 {
		t.Errorf("appended = %d, want 3", got)
	}
	if got := c.Stats.Failures.Load(); got != 0 {
		t.Errorf("failures = %d, want 0: the queue retried until the store took them", got)
	}
	if got := c.Stats.Retries.Load(); got < 3 {
		t.Errorf("retries = %d, want the queue's 3 at least", got)
	}
	out := logs.String()
	if strings.Contains(out, "will redeliver") || strings.Contains(out, "level=ERROR") {
		t.Errorf("the log says the platform redelivers, or logs an ERROR for a capture that is retried:\n%s", out)
	}
	if n := strings.Count(out, "the adapter's queue retries it"); n != 1 {
		t.Errorf("the queue's retrying is said %d times, want once per batch:\n%s", n, out)
	}
	c.QueueGaveUp(3)
	if got := c.Stats.Failures.Load(); got != 1 {
		t.Errorf("failures after the queue gave a batch up = %d, want 1", got)
	}
}

// TestCaptureWarnsOnceThatSlackEventsMayBeLostAfterALongOutage: Slack redelivers
// an event it was not acknowledged for about 5 minutes. When the store comes back
// after an outage longer than that, the events of its beginning may be lost, and
// nothing said so. Capture notes when an append first failed for want of the
// store and, at the first that succeeds again, says once at WARN that events may
// be lost and to run backfill, naming the outage's start and end. A shorter outage
// says nothing.
func TestCaptureWarnsOnceThatSlackEventsMayBeLostAfterALongOutage(t *testing.T) {
	st, _, px := redisBehindProxy(t)
	var mu sync.Mutex
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	var logs syncBuffer
	c := &bot.Capture{Log: st, MaxWait: 300 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: clock}
	evs := messages("T1", 6, time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()
	const warning = "events sent during the outage may be lost"

	// A 2-minute outage: Slack's redeliveries reach the store.
	px.Down()
	if _, err := c.Append(ctx, evs[0]); err == nil {
		t.Fatal("append during the outage succeeded")
	}
	advance(2 * time.Minute)
	px.Up()
	if _, err := c.Append(ctx, evs[1]); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), warning) {
		t.Errorf("a 2-minute outage warns of lost events:\n%s", logs.String())
	}

	// A 7-minute outage: the first events' redeliveries all failed.
	px.Down()
	start := clock()
	if _, err := c.Append(ctx, evs[2]); err == nil {
		t.Fatal("append during the outage succeeded")
	}
	advance(4 * time.Minute)
	if _, err := c.Append(ctx, evs[3]); err == nil {
		t.Fatal("append during the outage succeeded")
	}
	advance(3 * time.Minute)
	px.Up()
	if _, err := c.Append(ctx, evs[4]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Append(ctx, evs[5]); err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, warning) {
			if line != "" {
				t.Errorf("the warning is logged more than once:\n%s", logs.String())
			}
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no warning after a 7-minute outage:\n%s", logs.String())
	}
	for _, want := range []string{"level=WARN", "feedbackbot backfill", "outage_start=" + start.Format(time.RFC3339),
		"outage_end=" + start.Add(7*time.Minute).Format(time.RFC3339), "platforms=[slack]"} {
		if !strings.Contains(line, want) {
			t.Errorf("the warning lacks %q:\n%s", want, line)
		}
	}
}
