package bot

import (
	"context"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// PeriodMessages lets the external tests page through a period as a digest does.
var PeriodMessages = periodMessages

// OldestFirst lets the external tests check the order response times read.
var OldestFirst = oldestFirst

// SharedPeriod runs the at-risk pass of rr with a share of [from, to) and reads the
// period's newest max messages from it, as DigestWithRisk's digest does; ok is
// false where it would read them itself.
func SharedPeriod(ctx context.Context, st interface {
	DigestRiskStore
	periodKeyer
}, rr RiskRequest, from, to time.Time, max int) (rows []store.Stored, partial, ok bool, err error) {
	rr.share = newPeriodShare(from, to)
	_, err = Risk(ctx, st, rr)
	rr.share.finish(err == nil)
	if err != nil {
		return nil, false, false, err
	}
	return rr.share.messages(ctx, st, rr.Workspace, max)
}

// MaxRetracts is how many times a digest copy's deletion is tried.
const MaxRetracts = maxRetracts

// SetSearchTimeout bounds a's searches for announced posts (findTimeout).
func SetSearchTimeout(a *Alerter, d time.Duration) { a.search.timeout = d }

// StaleNotice is how old an alert's announcement is before a pass sweeps it up.
const StaleNotice = staleNotice

// DocAlertPosting is the kind of an alert's announcement of its post.
const DocAlertPosting = docAlertPosting

// AlertMark is the mark of al's telling after notified.
func AlertMark(al feedbackbot.Alert, notified time.Time) string { return alertMark(&al, notified) }

// MovePostedInClock moves the clock the posted-in marks' age is told by d ahead,
// until the test ends.
func MovePostedInClock(t interface{ Cleanup(func()) }, d time.Duration) {
	prev := postedInClock
	postedInClock = func() time.Time { return prev().Add(d) }
	t.Cleanup(func() { postedInClock = prev })
}
