package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/feedbackbot/feedbackbot/store"
)

// acctDaysReport follows a store.AccountDaysBuilder's walk over a workspace's
// applied messages (the one-off upgrade of data an older version stored: account-day
// counters, account weeks and, on Redis, the records' layout, which takes a while
// at a million messages: see the README's Upgrading paragraph), so an operator knows it runs, how far it is and when it ends. Its progress method is
// the walk's callback; say, start and step are how the report is given.
type acctDaysReport struct {
	every       time.Duration // least time between two step reports
	start, last time.Time
	done, total int
	started     bool
	begin       func(total int)
	step        func(done, total int, rate float64)
	end         func(done int, took time.Duration, err error)
	// tick, when set, is called at every progress report (keeping a lease while a
	// long back-fill runs, say).
	tick func()
}

func (r *acctDaysReport) progress(done, total int) {
	if r.tick != nil {
		r.tick()
	}
	now := time.Now()
	r.done, r.total = done, total
	if !r.started {
		r.started, r.start, r.last = true, now, now
		r.begin(total)
		return
	}
	if now.Sub(r.last) >= r.every {
		r.last = now
		r.step(done, total, float64(done)/now.Sub(r.start).Seconds())
	}
}

// build runs the back-fill of one workspace if st can need one (a no-op once built)
// and reports its end if it ran.
func (r *acctDaysReport) build(ctx context.Context, st store.Store, ws string) error {
	b, ok := st.(store.AccountDaysBuilder)
	if !ok {
		return nil
	}
	err := b.BuildAccountDays(ctx, ws, r.progress)
	if r.started {
		r.end(r.done, time.Since(r.start), err)
	}
	return err
}

// logAccountDays reports a back-fill on log: a line when it starts, one every
// interval with how far it is, one at the end.
func logAccountDays(ctx context.Context, log *slog.Logger, ws string, every time.Duration) *acctDaysReport {
	return &acctDaysReport{every: every,
		begin: func(total int) {
			log.InfoContext(ctx, "upgrading data stored by an older version (once: account-day counters, record layout; reads stay right meanwhile)",
				"workspace", ws, "messages", total)
		},
		step: func(done, total int, rate float64) {
			log.InfoContext(ctx, "upgrading older data", "workspace", ws, "done", done, "messages", total, "per_second", int(rate))
		},
		end: func(done int, took time.Duration, err error) {
			if err != nil {
				return // the caller logs the error
			}
			log.InfoContext(ctx, "upgraded older data", "workspace", ws, "messages", done, "seconds", took.Round(10*time.Millisecond).Seconds())
		},
	}
}

// printAccountDays reports a back-fill to a person: a line when it starts, a count
// rewritten in place on a terminal, and a line at the end.
func printAccountDays(w io.Writer, label string) *acctDaysReport {
	tty := isTerminal(w)
	every := time.Duration(1<<63 - 1)
	if tty {
		every = ttyRefresh
	}
	return &acctDaysReport{every: every,
		begin: func(total int) {
			fmt.Fprintf(w, "%s: upgrading %d messages stored by an older version (once: account-day counters, record layout)\n", label, total)
		},
		step: func(done, total int, _ float64) {
			fmt.Fprintf(w, "\r%s: %d of %d messages", label, done, total)
		},
		end: func(done int, took time.Duration, err error) {
			cr := overwrite(tty)
			if err != nil {
				fmt.Fprintf(w, "%s%s: upgrade of older data stopped after %d messages\n", cr, label, done)
				return
			}
			fmt.Fprintf(w, "%s%s: older data upgraded: %d messages in %.1f s\n", cr, label, done, took.Seconds())
		},
	}
}
