// Package bot holds feedbackbot's use cases: the analysis worker that turns the
// capture log into derived state, the digest builder and its renderings, account
// health, the slash-command handler and the scheduler. It talks to storage and to
// the chat platforms only through small interfaces declared here.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// LogStore is what a worker needs from the store.
type LogStore interface {
	Read(ctx context.Context, consumer string, max int, wait time.Duration) ([]store.Entry, error)
	Ack(ctx context.Context, entries ...store.Entry) error
	Apply(ctx context.Context, items ...store.Applied) (int, error)
	Backlog(ctx context.Context) (int64, error)
	// GetDocs reads staff's corrections of the batch's messages (DocCorrection).
	GetDocs(ctx context.Context, workspace, kind string, ids ...string) (map[string][]byte, error)
}

// Analyzer tags one message. *analysis.Analyzer implements it.
type Analyzer interface {
	AnalyzeMessage(m *feedbackbot.Message) feedbackbot.Tags
}

// WorkerStats are a worker's running totals, safe to read while it runs.
type WorkerStats struct {
	Read     atomic.Int64 // entries handed to the worker
	Analysed atomic.Int64 // puts analysed
	Applied  atomic.Int64 // items that changed derived state
	Retries  atomic.Int64 // store calls retried after an error
	Errors   atomic.Int64 // store errors seen
}

// Worker consumes the capture log at least once: read a batch, analyse it, apply the
// tags and rollups (idempotent in the store), then acknowledge. A crash between apply
// and ack only means the batch is applied again, which changes nothing.
type Worker struct {
	Store    LogStore
	Analyzer Analyzer
	Consumer string // unique per worker (host:pid:rand:n); reclaimed entries keep the protocol safe
	Batch    int
	Wait     time.Duration // how long one Read waits for new entries
	Logger   *slog.Logger
	Stats    *WorkerStats
	// MaxBackoff caps the wait between retries while the store is unavailable.
	MaxBackoff time.Duration
}

func (w *Worker) defaults() {
	if w.Batch <= 0 {
		w.Batch = 200
	}
	if w.Wait <= 0 {
		w.Wait = time.Second
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Stats == nil {
		w.Stats = new(WorkerStats)
	}
	if w.MaxBackoff <= 0 {
		w.MaxBackoff = 30 * time.Second
	}
}

// Run processes the log until ctx is cancelled. A batch in flight when ctx ends is
// finished (with a bounded grace period) so shutdown drains instead of abandoning work.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	for ctx.Err() == nil {
		if _, err := w.step(ctx, w.Wait); err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

// Drain processes the log until nothing is left to read or pending, then returns the
// number of entries processed. The demo, imports and tests use it.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	w.defaults()
	total := 0
	for {
		n, err := w.step(ctx, 50*time.Millisecond)
		if err != nil {
			return total, err
		}
		total += n
		if n > 0 {
			continue
		}
		backlog, err := w.Store.Backlog(ctx)
		if err != nil {
			return total, fmt.Errorf("drain: %w", err)
		}
		if backlog == 0 {
			return total, nil
		}
	}
}

// step reads and processes one batch, retrying store errors with backoff.
func (w *Worker) step(ctx context.Context, wait time.Duration) (int, error) {
	var entries []store.Entry
	err := w.retry(ctx, "read the capture log", func(ctx context.Context) error {
		var err error
		entries, err = w.Store.Read(ctx, w.Consumer, w.Batch, wait)
		return err
	})
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	w.Stats.Read.Add(int64(len(entries)))
	items := make([]store.Applied, len(entries))
	for i, e := range entries {
		items[i].Entry = e
		if e.Event.Kind == feedbackbot.EventPut {
			items[i].Tags = w.Analyzer.AnalyzeMessage(&e.Event.Message)
			w.Stats.Analysed.Add(1)
		}
	}
	// Once read, a batch is finished even if ctx is cancelled meanwhile: shutdown
	// drains in-flight work. While the service runs, a store that stays down is
	// waited for as long as it takes; the grace period starts only at shutdown, and
	// bounds it then.
	finish, cancel := finishContext(ctx, shutdownGrace, func() {
		w.Logger.Info("shutting down: finishing the batch in flight", "entries", len(items))
	})
	defer cancel()
	known := knownThemes(w.Analyzer)
	err = w.retry(finish, "apply analysis", func(ctx context.Context) error {
		n, _, bad, err := applyCorrected(ctx, w.Store, items, known)
		w.Stats.Applied.Add(int64(n))
		if len(bad) > 0 && err == nil {
			w.Logger.Warn("corrections that cannot be read were left out; their messages keep analysis's tags (correct them again)", "messages", bad)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	err = w.retry(finish, "acknowledge entries", func(ctx context.Context) error {
		return w.Store.Ack(ctx, entries...)
	})
	return len(entries), err
}

// shutdownGrace is how long a batch in flight at shutdown may take to finish.
const shutdownGrace = 30 * time.Second

// finishContext returns a context for finishing work begun under ctx: it is not
// cancelled with ctx, but grace after it (and onStop is called when ctx ends). The
// cancel function releases it early, once an onStop already begun has ended (it
// ran on past the batch, writing beside whatever came after it).
func finishContext(ctx context.Context, grace time.Duration, onStop func()) (context.Context, context.CancelFunc) {
	finish, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopped := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(stopped)
		onStop()
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(finish, func() { t.Stop() })
	})
	return finish, func() {
		if !stop() {
			<-stopped
		}
		cancel()
	}
}

// retry runs fn until it succeeds, ctx ends, or the error is not worth retrying.
// Unavailable stores are retried forever with capped exponential backoff and jitter,
// logging once per attempt so an operator sees what is happening.
func (w *Worker) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			if attempt > 1 {
				w.Logger.Info("store reachable again", "op", what, "attempts", attempt)
			}
			return nil
		}
		w.Stats.Errors.Add(1)
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		if c := feedbackbot.ErrorCode(err); c == feedbackbot.EINVALID || c == feedbackbot.ENOTFOUND {
			return fmt.Errorf("%s: %w", what, err)
		}
		sleep := backoff/2 + rand.N(backoff/2+1)
		w.Logger.Warn("store call failed; retrying", "op", what, "attempt", attempt, "retry_in", sleep.Round(time.Millisecond), "err", err)
		w.Stats.Retries.Add(1)
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (after %d attempts: %v)", what, ctx.Err(), attempt, err)
		case <-t.C:
		}
		backoff = min(backoff*2, w.MaxBackoff)
	}
}
