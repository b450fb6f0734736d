package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
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
	Events   atomic.Int64 // events handed to capture (each once, however often its write is tried)
	Appended atomic.Int64 // events newly stored (redeliveries are not counted)
	Retries  atomic.Int64
	// Failures are appends given up on: the platform was not acknowledged (Slack
	// redelivers), or an adapter's own queue gave the events up (Discord: lost).
	Failures atomic.Int64
}

// Capture appends platform events to the log, retrying an unavailable store with
// backoff for at most MaxWait. It returns an error rather than waiting longer, so the
// adapter does not acknowledge the platform and the platform redelivers later:
// nothing is lost and nothing is acknowledged before it is durable.
//
// A platform that never redelivers (Discord) is captured through its adapter's
// queue instead, which retries a batch until the store takes it: AppendQueued
// counts its events once and a failure only when the queue gives them up
// (QueueGaveUp).
type Capture struct {
	Log     Appender
	MaxWait time.Duration // default 2s: inside Slack's 3-second acknowledgement budget
	Logger  *slog.Logger
	Stats   *CaptureStats
	// Now is the clock of the outage record (default time.Now): see outage.
	Now func() time.Time

	mu sync.Mutex
	// down is when an append of a platform that redelivers first failed for want
	// of the store since the last one that succeeded (zero: none failed), and
	// downPlatforms the platforms whose appends failed since.
	down          time.Time
	downPlatforms map[feedbackbot.Platform]bool
}

// RedeliveryWindow is about how long Slack goes on redelivering an event that was
// not acknowledged (its retries come at once, after a minute and after five):
// a store unavailable for longer may have lost events.
const RedeliveryWindow = 5 * time.Minute

// Append implements the adapters' sink, for platforms that redeliver an event whose
// capture failed (Slack).
func (c *Capture) Append(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	return c.appendRedelivered(ctx, events, c.Log.Append)
}

// appendRedelivered is Append with write as the log's append: counted, and
// retried while the store is unavailable.
func (c *Capture) appendRedelivered(ctx context.Context, events []feedbackbot.Event, write func(context.Context, ...feedbackbot.Event) (int, error)) (int, error) {
	c.stats().Events.Add(int64(len(events)))
	n, err := c.retry(ctx, events, redelivered, func(ctx context.Context) (int, error) { return write(ctx, events...) })
	if err == nil {
		c.stats().Appended.Add(int64(n))
	}
	return n, err
}

// NewAppender is a log that appends a message only where it holds no version
// of it (store.Filler).
type NewAppender interface {
	AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error)
}

// AppendNew is Append for a platform's first delivery of messages, which must
// not replace a version the log holds: Slack delivers events concurrently, in
// no promised order, so a message's edit (or its delete) can be stored before
// the message itself arrives, which then brought its first text back (a
// review's find). A put of a message the log holds in any version is skipped
// (store.Filler); deletes are as Append's.
func (c *Capture) AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error) {
	na, ok := c.Log.(NewAppender)
	if !ok {
		return 0, feedbackbot.Errorf(feedbackbot.EINTERNAL, "capture: the log cannot append only what it does not hold")
	}
	return c.appendRedelivered(ctx, events, na.AppendNew)
}

// AppendQueued is Append for an adapter whose own queue retries a batch until the
// store takes it, because its platform never sends an event again (Discord).
// retry says the events were handed over before (an earlier attempt at the
// batch): they are counted once, on the first attempt, and each later attempt as
// a retry. A failed attempt is not a capture given up on: the queue tries again,
// and the adapter calls QueueGaveUp if it stops trying.
func (c *Capture) AppendQueued(ctx context.Context, retry bool, events ...feedbackbot.Event) (int, error) {
	stats := c.stats()
	if retry {
		stats.Retries.Add(1)
	} else {
		stats.Events.Add(int64(len(events)))
	}
	mode := queuedFirst
	if retry {
		mode = queuedAgain
	}
	n, err := c.retry(ctx, events, mode, func(ctx context.Context) (int, error) { return c.Log.Append(ctx, events...) })
	if err == nil {
		stats.Appended.Add(int64(n))
	}
	return n, err
}

// QueueGaveUp counts a batch of events an adapter's queue gave up on (AppendQueued
// failed, and the adapter stopped trying: the store stayed down through a
// shutdown, or refused the event): a capture failure, and the events are lost.
func (c *Capture) QueueGaveUp(events int) {
	if events > 0 {
		c.stats().Failures.Add(1)
	}
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
	_, err := c.retry(ctx, []feedbackbot.Event{ev}, redelivered, func(ctx context.Context) (int, error) {
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

// NewestRetried reads the newest stored version of a message for a capture that
// builds on it (an edit, a reaction, a redelivery's check against what is stored),
// retried with backoff while the store is unavailable, for at most MaxWait, as an
// append is: a blip of the store is ridden out instead of failing the event at once.
// A read given up on counts and is logged as a failed capture (the platform
// redelivers the event). ECONFLICT (the newest version gone from the log before
// analysis applied it) is an answer, not a failure.
func (c *Capture) NewestRetried(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	nl, ok := c.Log.(interface {
		Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error)
	})
	if !ok {
		return feedbackbot.Message{}, false, feedbackbot.Errorf(feedbackbot.EINTERNAL, "capture: the log cannot read a message's newest version")
	}
	var (
		m        feedbackbot.Message
		found    bool
		conflict error
	)
	platform, _, _ := strings.Cut(key, "/")
	ev := feedbackbot.Event{Kind: feedbackbot.EventPut, Message: feedbackbot.Message{Platform: feedbackbot.Platform(platform)}}
	_, err := c.retry(ctx, []feedbackbot.Event{ev}, redeliveredRead, func(ctx context.Context) (int, error) {
		var err error
		m, found, err = nl.Newest(ctx, key)
		if feedbackbot.ErrorCode(err) == feedbackbot.ECONFLICT {
			conflict, err = err, nil
		}
		return 0, err
	})
	if err != nil {
		c.stats().Events.Add(1)
		return feedbackbot.Message{}, false, err
	}
	if conflict != nil {
		return feedbackbot.Message{}, false, conflict
	}
	return m, found, nil
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

// captureMode is who tries a failed capture again.
type captureMode int

const (
	redelivered captureMode = iota // the platform, which was not acknowledged (Slack)
	// redeliveredRead is redelivered for a read (NewestRetried): its success does not
	// end an outage, since a store may answer reads while it refuses writes (a
	// read-only replica after a failover).
	redeliveredRead
	queuedFirst // the adapter's queue (Discord): the batch's first attempt
	queuedAgain // the adapter's queue: a later attempt
)

// retry runs write (appending events) until it succeeds, fails for a reason other
// than an unavailable store, or MaxWait has passed. A failure is counted and logged
// as given up on where the platform redelivers; where the adapter's queue retries,
// the first failed attempt of a batch is logged (as a warning: nothing is lost yet)
// and the adapter counts what it gives up on.
func (c *Capture) retry(ctx context.Context, events []feedbackbot.Event, mode captureMode, write func(context.Context) (int, error)) (int, error) {
	n := len(events)
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
			if mode == redelivered {
				c.reachable()
			}
			return written, nil
		}
		if feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE || time.Now().Add(backoff).After(deadline) || ctx.Err() != nil {
			c.failed(events, mode, attempt, err)
			return 0, fmt.Errorf("capture %s: %w", feedbackbot.Plural(n, "event"), err)
		}
		stats.Retries.Add(1)
		sleep := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			if mode == redelivered || mode == redeliveredRead {
				stats.Failures.Add(1)
			}
			return 0, fmt.Errorf("capture: %w", ctx.Err())
		case <-time.After(sleep):
		}
		backoff *= 2
	}
}

// failed counts and logs a capture that failed after its attempts, by who tries it
// again, and notes an outage of the store (see outage).
func (c *Capture) failed(events []feedbackbot.Event, mode captureMode, attempts int, err error) {
	platform := feedbackbot.Platform("")
	if len(events) > 0 {
		platform = events[0].Message.Platform
	}
	switch mode {
	case redelivered, redeliveredRead:
		c.stats().Failures.Add(1)
		if feedbackbot.ErrorCode(err) == feedbackbot.EUNAVAILABLE || errors.Is(err, context.DeadlineExceeded) {
			c.outage(platform)
		}
		if c.Logger != nil {
			c.Logger.Error("capture failed; the platform will redeliver", "platform", platform, "events", len(events), "attempts", attempts, "err", err)
		}
	case queuedFirst:
		if c.Logger != nil {
			c.Logger.Warn("capture failed; the adapter's queue retries it until the store takes it (the platform does not redeliver)",
				"platform", platform, "events", len(events), "attempts", attempts, "err", err)
		}
	}
}

// outage records that the store failed an append of platform's, which will
// redeliver it for RedeliveryWindow at most.
func (c *Capture) outage(platform feedbackbot.Platform) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down.IsZero() {
		c.down = c.now()
		c.downPlatforms = map[feedbackbot.Platform]bool{}
	}
	if platform != "" {
		c.downPlatforms[platform] = true
	}
}

// reachable ends an outage recorded by outage: the store took an append again. An
// outage longer than the platform goes on redelivering may have lost events whose
// redeliveries all came while it lasted; that is said once, with the period to
// back-fill.
func (c *Capture) reachable() {
	c.mu.Lock()
	start, platforms := c.down, c.downPlatforms
	c.down, c.downPlatforms = time.Time{}, nil
	c.mu.Unlock()
	if start.IsZero() {
		return
	}
	end := c.now()
	if end.Sub(start) <= RedeliveryWindow || c.Logger == nil {
		return
	}
	names := make([]string, 0, len(platforms))
	for p := range platforms {
		names = append(names, string(p))
	}
	slices.Sort(names)
	c.Logger.Warn("the store was unavailable for longer than Slack redelivers an event (about 5 minutes): events sent during the outage may be lost; "+
		"run feedbackbot backfill for each affected channel, with a --since that reaches back to the outage's start",
		"outage_start", start.UTC().Format(time.RFC3339), "outage_end", end.UTC().Format(time.RFC3339),
		"outage", end.Sub(start).Round(time.Second), "platforms", names)
}

func (c *Capture) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
