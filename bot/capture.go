package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// Appender is the capture log's write side.
type Appender interface {
	Append(ctx context.Context, events ...feedbackbot.Event) (int, error)
}

// CaptureStats are capture's running totals.
type CaptureStats struct {
	Events   atomic.Int64 // events handed to capture
	Appended atomic.Int64 // events newly stored (redeliveries are not counted)
	Retries  atomic.Int64
	Failures atomic.Int64 // appends given up on: the platform was not acknowledged
}

// Capture appends platform events to the log, retrying an unavailable store with
// backoff for at most MaxWait. It returns an error rather than waiting longer, so the
// adapter does not acknowledge the platform and the platform redelivers later:
// nothing is lost and nothing is acknowledged before it is durable.
type Capture struct {
	Log     Appender
	MaxWait time.Duration // default 2s: inside Slack's 3-second acknowledgement budget
	Logger  *slog.Logger
	Stats   *CaptureStats
}

// Append implements the adapters' sink.
func (c *Capture) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	c.stats().Events.Add(int64(len(events)))
	n, err := c.retry(ctx, len(events), func(ctx context.Context) (int, error) { return c.Log.Append(ctx, events...) })
	if err == nil {
		c.stats().Appended.Add(int64(n))
	}
	return n, err
}

// VersionedAppender is a log that appends over a base version (store.Log).
type VersionedAppender interface {
	AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (bool, error)
}

// AppendOver appends one event over base (see store.Log) with Append's retries
// (each with the same op, so a retry of a write that landed counts it once) and
// counts: false when another version of the message came first. The event is
// counted once it is decided (written, or failed): a caller overtaken reads the
// message again and hands over the same change on the new version.
func (c *Capture) AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (bool, error) {
	vl, ok := c.Log.(VersionedAppender)
	if !ok {
		return false, feedbackbot.Errorf(feedbackbot.EINTERNAL, "capture: the log cannot append over a version")
	}
	var over bool
	_, err := c.retry(ctx, 1, func(ctx context.Context) (int, error) {
		var err error
		over, err = vl.AppendOver(ctx, base, op, ev)
		return 0, err
	})
	if err != nil || over {
		c.stats().Events.Add(1)
	}
	if err == nil && over {
		c.stats().Appended.Add(1) // (or the same message again: Append counts that as nothing, this as one)
	}
	return over, err
}

// GaveUp counts an event its adapter gave up on without a store error (its
// message kept changing under a read-modify-write): the platform was not
// acknowledged, as after a failed append.
func (c *Capture) GaveUp() {
	c.stats().Events.Add(1)
	c.stats().Failures.Add(1)
}

func (c *Capture) stats() *CaptureStats {
	if c.Stats == nil {
		c.Stats = new(CaptureStats)
	}
	return c.Stats
}

// retry runs write (appending n events) until it succeeds, fails for a reason other
// than an unavailable store, or MaxWait has passed.
func (c *Capture) retry(ctx context.Context, n int, write func(context.Context) (int, error)) (int, error) {
	maxWait := c.MaxWait
	if maxWait <= 0 {
		maxWait = 2 * time.Second
	}
	stats := c.stats()
	deadline := time.Now().Add(maxWait)
	backoff := 50 * time.Millisecond
	// Every attempt ends by the deadline too: a store that hangs (accepting, never
	// answering) must not hold the platform's acknowledgement past its own timeout
	// (Slack's is 3 s), or the platform's retry would arrive while the first write is
	// still pending. A write cut off here may still land; capture is idempotent, so the
	// redelivery stores nothing twice.
	actx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for attempt := 1; ; attempt++ {
		written, err := write(actx)
		if err == nil {
			return written, nil
		}
		if feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE || time.Now().Add(backoff).After(deadline) || ctx.Err() != nil {
			stats.Failures.Add(1)
			if c.Logger != nil {
				c.Logger.Error("capture failed; the platform will redeliver", "events", n, "attempts", attempt, "err", err)
			}
			return 0, fmt.Errorf("capture %s: %w", feedbackbot.Plural(n, "event"), err)
		}
		stats.Retries.Add(1)
		sleep := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			stats.Failures.Add(1)
			return 0, fmt.Errorf("capture: %w", ctx.Err())
		case <-time.After(sleep):
		}
		backoff *= 2
	}
}
