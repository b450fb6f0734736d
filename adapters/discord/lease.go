package discordadapter

import (
	"context"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"
)

// leader is the lease state of a replica. Only Start and then Run use it.
type leader struct {
	held    bool      // this replica holds the lease, as far as it knows
	renewed time.Time // when the last successful acquire or renew was sent
	open    bool      // the gateway is open (or being resumed by Run)
	failing bool      // renewals are failing (warned once per streak)
	waiting bool      // "standing by" was logged since the last transition
}

// renewEvery is how often the lease is renewed (and a standby tries to take it).
func (a *Adapter) renewEvery() time.Duration { return a.cfg.LeaseTTL / 3 }

// expires is when this replica must have closed the gateway if no renew succeeds:
// the lease's own expiry, less half a renew interval so that the session is closed
// before another replica can take the lease.
func (a *Adapter) expires() time.Time {
	return a.lead.renewed.Add(a.cfg.LeaseTTL - a.renewEvery()/2)
}

// startLeased takes the lease and connects, or checks the token and stands by.
func (a *Adapter) startLeased(ctx context.Context) error {
	a.renew(ctx)
	if !a.lead.held {
		return a.checkToken(ctx)
	}
	if err := a.open(); err != nil {
		a.lead.held = false
		a.release()
		return err
	}
	a.lead.open = true
	return nil
}

// checkToken asks Discord over REST who the bot is: a standby replica, which opens
// no gateway, still refuses a bad token at start-up.
func (a *Adapter) checkToken(ctx context.Context) error {
	err := a.retry(ctx, "get bot user", func() error {
		_, err := a.s.User("@me", discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		return classify(err)
	}
	return nil
}

// renew acquires or renews the lease and follows the answer: a new lease is
// logged (Run then connects), a lost one closes the gateway. A store error changes
// nothing here: Run closes the gateway once the lease would have expired.
func (a *Adapter) renew(ctx context.Context) {
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, a.renewEvery())
	ok, err := a.cfg.Lease.AcquireLease(rctx, GatewayLease, a.cfg.LeaseHolder, a.cfg.LeaseTTL)
	cancel()
	switch {
	case ctx.Err() != nil:
	case err != nil:
		if !a.lead.failing {
			if a.lead.held {
				a.log.Warn("discord gateway: cannot renew the lease; keeping the gateway until the lease would expire",
					"err", err, "until", a.expires().Format(time.RFC3339Nano))
			} else {
				a.log.Warn("discord gateway: cannot ask the store for the lease; standing by", "err", err)
			}
		}
		a.lead.failing = true
	case ok:
		a.lead.failing = false
		a.lead.renewed = start
		if !a.lead.held {
			a.lead.held, a.lead.waiting = true, false
			a.log.Info("discord gateway: this replica holds the lease", "holder", a.cfg.LeaseHolder, "ttl", a.cfg.LeaseTTL)
		}
	default:
		a.lead.failing = false
		if a.lead.held {
			a.log.Info("discord gateway: another replica holds the lease now; closing the gateway", "holder", a.cfg.LeaseHolder)
			a.standBy()
		}
		if !a.lead.waiting {
			a.lead.waiting = true
			a.log.Info("discord gateway: standing by; another replica holds the lease", "holder", a.cfg.LeaseHolder)
		}
	}
}

// standBy closes the gateway (a fresh session will be needed after a takeover) and
// stops this session's catch-up.
func (a *Adapter) standBy() {
	a.lead.held, a.lead.open = false, false
	a.mu.Lock()
	a.catchUpCancel()
	a.mu.Unlock()
	_ = a.s.Close()
}

// closeHolding closes the gateway at shutdown. discordgo's Close sends the close
// frame, then waits a second for Discord to hang up: the lease is renewed meanwhile,
// so that no standby opens a session before this one is closed.
func (a *Adapter) closeHolding() {
	if !a.lead.held {
		_ = a.s.Close()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.s.Close()
	}()
	t := time.NewTicker(a.renewEvery())
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if a.lead.held {
				a.renew(context.Background())
			}
		}
	}
}

// release gives the lease up (at shutdown), so that a standby takes over at once
// instead of after the TTL.
func (a *Adapter) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.cfg.Lease.ReleaseLease(ctx, GatewayLease, a.cfg.LeaseHolder); err != nil {
		a.log.Warn("discord gateway: could not release the lease; another replica takes over when it expires", "err", err, "ttl", a.cfg.LeaseTTL)
		return
	}
	if a.lead.held {
		a.log.Info("discord gateway: lease released", "holder", a.cfg.LeaseHolder)
	}
	a.lead.held = false
}

// runLeased is Run with a lease: it renews the lease every TTL/3 (a standby tries
// to take it as often), keeps the gateway open while it holds the lease
// (reconnecting with backoff like Run without one), closes it as soon as a renew
// says another replica holds the lease, and closes it too when renewals keep
// failing until the lease would have expired: another replica may hold it by then.
func (a *Adapter) runLeased(ctx context.Context) error {
	every := a.renewEvery()
	nextRenew := time.Now().Add(every) // Start has just asked
	var nextOpen time.Time
	wait := time.Second
	timer := time.NewTimer(every)
	defer timer.Stop()
	for {
		if err := a.fatalErr(); err != nil {
			return err
		}
		if now := time.Now(); !now.Before(nextRenew) {
			a.renew(ctx)
			if ctx.Err() != nil {
				return nil
			}
			nextRenew = now.Add(every)
		}
		if a.lead.held && !time.Now().Before(a.expires()) {
			a.log.Warn("discord gateway: the lease could not be renewed before it expires; closing the gateway (another replica may take it over)",
				"holder", a.cfg.LeaseHolder)
			a.standBy()
			a.lead.waiting = false
		}
		if a.lead.held && !a.lead.open && !time.Now().Before(nextOpen) {
			err := a.open()
			var fatal *FatalError
			switch {
			case errors.As(err, &fatal):
				return err
			case err != nil:
				a.log.Warn("discord gateway connect failed; retrying", "err", err, "in", wait)
				nextOpen = time.Now().Add(wait)
				wait = min(wait*2, a.cfg.MaxBackoff)
			default:
				a.lead.open, wait = true, time.Second
			}
		}
		next := nextRenew
		if a.lead.held {
			next = earliest(next, a.expires())
			if !a.lead.open {
				next = earliest(next, nextOpen)
			}
		}
		timer.Reset(max(time.Until(next), 0))
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-a.disconnected:
			// Also signalled when this replica closed the gateway itself; reopening
			// an open session is a no-op.
			if a.lead.held && a.lead.open {
				a.lead.open, nextOpen = false, time.Now()
			}
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
