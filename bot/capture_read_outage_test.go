package bot_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// readOnlyLog is a store whose writes are refused (a replica after a failover:
// READONLY, unavailable) while its reads answer.
type readOnlyLog struct{ down bool }

func (l *readOnlyLog) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	if l.down {
		return 0, feedbackbot.Errorf(feedbackbot.EUNAVAILABLE, "READONLY You can't write against a read only replica.")
	}
	return len(events), nil
}

func (l *readOnlyLog) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	return feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack}, true, nil
}

// TestReadsDuringAWriteOutageDoNotEndIt: Slack's appends fail for 7 minutes (longer
// than Slack redelivers), so capture warns that events may be lost. A reaction's
// read that succeeds in between (a read-only replica answers reads) does not end
// the outage as a write would (it did: a review's find).
func TestReadsDuringAWriteOutageDoNotEndIt(t *testing.T) {
	var logs bytes.Buffer
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	now := t0
	l := &readOnlyLog{down: true}
	c := &bot.Capture{Log: l, MaxWait: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }}
	ev := feedbackbot.Event{Kind: feedbackbot.EventPut, Message: feedbackbot.Message{ID: "C1:2", Platform: feedbackbot.PlatformSlack, Text: "hi"}}
	ctx := context.Background()
	if _, err := c.Append(ctx, ev); err == nil {
		t.Fatal("append on a read-only store succeeded")
	}
	now = t0.Add(4 * time.Minute)
	if _, _, err := c.NewestRetried(ctx, "slack/T1/C1:1"); err != nil { // a reaction's read
		t.Fatal(err)
	}
	now = t0.Add(6 * time.Minute)
	if _, err := c.Append(ctx, ev); err == nil {
		t.Fatal("append on a read-only store succeeded")
	}
	now = t0.Add(7 * time.Minute)
	l.down = false
	if _, err := c.Append(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "longer than Slack redelivers") {
		t.Fatalf("appends failed from %s to %s (7 min, past Slack's redelivery) and no back-fill warning was logged:\n%s",
			t0.Format(time.TimeOnly), now.Format(time.TimeOnly), logs.String())
	}
}
