package discordadapter

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// The gateway lease, and why it is safe.
//
// Only the replica holding the store's GatewayLease may have a gateway session open:
// two sessions of one bot both receive every event and both answer commands. The
// holder renews the lease every TTL/3, and its gateway may stay open only until its
// deadline: the moment the last successful acquire or renew was *sent*, plus the TTL,
// less a margin of TTL/6. The store counts the TTL from when it executed that command,
// which is never earlier than when it was sent, so the deadline comes before the
// lease can expire in the store, whatever the network did to the command or its answer
// (the margin covers closing the session and clocks that run at slightly different
// rates; it assumes no more than that).
//
// Run's loop does not wait on the store or on Discord for a renew, an open or a
// standby's token check: each runs in a goroutine, and the loop waits for whichever
// of them answers, for the deadline, or for shutdown. At the deadline the gateway is closed even while
// a renew is still in flight (a renew's context is capped at the time left, too), and
// an open still in progress is aborted: discordgo's Open holds the session's lock and
// reads the gateway's hello and READY without a deadline, so the adapter dials the
// gateway's connections itself (leader.conns) and closes them to make Open return.
// An Open that succeeds after the lease ended is closed at once.

// leader is the lease state of a replica. Only Start and then Run use it (one at a
// time), except conns, which Open's dialer uses too and which guards itself.
type leader struct {
	held     bool      // this replica holds the lease, as far as it knows
	deadline time.Time // while held: when the gateway must be closed unless a renew succeeds
	open     bool      // the gateway is open (or being resumed by Run)
	opening  bool      // an Open is in flight (startOpen); conns can abort it
	renewing bool      // an acquire or renew is in flight (startRenew); its answer comes on renewed
	renewed  chan renewResult
	// nextRenew is when to renew next: a renew interval after the last answer.
	nextRenew time.Time
	failing   bool // renewals are failing (warned once per streak)
	waiting   bool // "standing by" was logged since the last transition

	// Reconnecting while held: the backoff, and since when the gateway has been down
	// (zero while it is open). A holder that cannot connect for a whole TTL gives the
	// lease up and sits out one TTL (benchUntil), so that another replica, whose
	// network may be fine, can take the gateway.
	nextOpen    time.Time
	openWait    time.Duration
	brokenSince time.Time
	benchUntil  time.Time

	// tokenPending: a standby could not check its token at start (a transient REST
	// error); Run retries the check with backoff.
	tokenPending bool

	conns gatewayConns
}

// renewEvery is how often the lease is renewed (and a standby tries to take it).
func (a *Adapter) renewEvery() time.Duration { return a.cfg.LeaseTTL / 3 }

// leaseMargin is how long before the lease would expire in the store the holder
// closes its gateway.
func (a *Adapter) leaseMargin() time.Duration { return a.renewEvery() / 2 }

// holding reports whether this replica may have its gateway open at now.
func (a *Adapter) holding(now time.Time) bool { return a.lead.held && now.Before(a.lead.deadline) }

// startLeased takes the lease and connects, or checks the token and stands by. The
// first Open races the lease's deadline like Run's do, and the lease is renewed
// meanwhile (a renew still in flight when Start returns is Run's to take).
func (a *Adapter) startLeased(ctx context.Context) error {
	a.lead.openWait = time.Second
	a.lead.renewed = make(chan renewResult, 1)
	a.applyRenew(a.acquire(ctx, a.renewEvery()))
	a.lead.nextRenew = time.Now().Add(a.renewEvery())
	if !a.lead.held {
		return a.checkTokenAtStart(ctx)
	}
	done := make(chan error, 1)
	a.startOpen(done)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var err error
wait:
	for {
		now := time.Now()
		if a.lead.held && !now.Before(a.lead.deadline) {
			a.expired() // aborts the open
		}
		if a.lead.held && !a.lead.renewing && !now.Before(a.lead.nextRenew) {
			a.startRenew(ctx, a.lead.renewed)
		}
		next := now.Add(time.Hour)
		if a.lead.held {
			next = a.lead.deadline
			if !a.lead.renewing {
				next = earliest(next, a.lead.nextRenew)
			}
		}
		timer.Reset(max(time.Until(next), 0))
		select {
		case err = <-done:
			break wait
		case r := <-a.lead.renewed:
			a.lead.renewing = false
			a.lead.nextRenew = time.Now().Add(a.renewEvery())
			a.applyRenew(r) // a refusal aborts the open
		case <-timer.C:
		case <-ctx.Done():
			a.lead.conns.abort()
			err = <-done
			break wait
		}
	}
	err = a.finishOpen(err)
	if err != nil && a.lead.held {
		if a.lead.renewing { // a renew answered after the release would take the lease again
			a.lead.renewing = false
			<-a.lead.renewed
		}
		a.lead.held = false
		a.release()
		return err
	}
	var fatal *FatalError
	if errors.As(err, &fatal) {
		return err
	}
	return nil // connected, or the lease ended while connecting: Run goes on as a standby
}

// checkTokenAtStart asks Discord over REST who the bot is: a standby replica, which
// opens no gateway, still refuses a bad token at start-up. Only a refusal
// (FatalError) stops it; when Discord cannot be asked (a network error, a 5xx), the
// standby starts anyway and Run asks again with backoff.
func (a *Adapter) checkTokenAtStart(ctx context.Context) error {
	err := a.checkToken(ctx)
	var fatal *FatalError
	switch {
	case err == nil:
	case errors.As(err, &fatal):
		return err
	default:
		a.lead.tokenPending = true
		a.log.Warn("discord gateway: cannot check the bot token over REST; standing by and checking again in the background", "err", err)
	}
	return nil
}

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

// renewResult is the answer to one acquire or renew, with when it was sent.
type renewResult struct {
	ok   bool
	err  error
	sent time.Time
}

// acquire acquires or renews the lease, waiting at most limit.
func (a *Adapter) acquire(ctx context.Context, limit time.Duration) renewResult {
	sent := time.Now()
	rctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	ok, err := a.cfg.Lease.AcquireLease(rctx, GatewayLease, a.cfg.LeaseHolder, a.cfg.LeaseTTL)
	if ctx.Err() != nil && err == nil && !ok {
		err = ctx.Err()
	}
	return renewResult{ok: ok, err: err, sent: sent}
}

// renewLimit caps a renew: no longer than the renew interval, and, while held, no
// longer than the time left before the deadline (an answer after it is of no use:
// the gateway is closed by then).
func (a *Adapter) renewLimit(now time.Time) time.Duration {
	limit := a.renewEvery()
	if a.lead.held {
		limit = min(limit, a.lead.deadline.Sub(now))
	}
	return max(limit, time.Millisecond)
}

// startRenew runs an acquire or renew in the background; its answer goes to out.
func (a *Adapter) startRenew(ctx context.Context, out chan<- renewResult) {
	a.lead.renewing = true
	limit := a.renewLimit(time.Now())
	go func() { out <- a.acquire(ctx, limit) }()
}

// applyRenew follows an answer: a lease granted moves the deadline (and, when it is
// new, resets the reconnect backoff: Run connects at once); a lease held by another
// closes the gateway at once. A store error changes nothing: the deadline closes the
// gateway if no renew succeeds before it. It reports whether the lease is new.
func (a *Adapter) applyRenew(r renewResult) (acquired bool) {
	now := time.Now()
	switch {
	case r.err != nil:
		if !a.lead.failing {
			if a.lead.held {
				a.log.Warn("discord gateway: cannot renew the lease; keeping the gateway until the lease's deadline",
					"err", r.err, "until", a.lead.deadline.Format(time.RFC3339Nano))
			} else {
				a.log.Warn("discord gateway: cannot ask the store for the lease; standing by", "err", r.err)
			}
		}
		a.lead.failing = true
	case r.ok:
		a.lead.failing = false
		deadline := r.sent.Add(a.cfg.LeaseTTL - a.leaseMargin())
		if !now.Before(deadline) {
			// Granted, but answered too late to open anything safely: the next renew
			// decides (the store keeps this replica's lease until it expires).
			a.log.Warn("discord gateway: the lease was granted too late to use; asking again", "holder", a.cfg.LeaseHolder,
				"answered_after", now.Sub(r.sent).Round(time.Millisecond))
			return false
		}
		a.lead.deadline = deadline
		if !a.lead.held {
			a.lead.held, a.lead.waiting = true, false
			a.lead.nextOpen, a.lead.openWait, a.lead.brokenSince = time.Time{}, time.Second, now
			a.log.Info("discord gateway: this replica holds the lease", "holder", a.cfg.LeaseHolder, "ttl", a.cfg.LeaseTTL)
			return true
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
	return false
}

// expired closes the gateway at the lease's deadline, whatever is still in flight.
func (a *Adapter) expired() {
	a.log.Warn("discord gateway: the lease could not be renewed before its deadline; closing the gateway (another replica may take it over)",
		"holder", a.cfg.LeaseHolder, "renew_in_flight", a.lead.renewing, "connecting", a.lead.opening)
	a.standBy()
	a.lead.waiting = false
}

// standBy closes the gateway (or aborts the open in flight, whose result closes
// anything it got) and stops this session's catch-up. discordgo keeps the session id
// to itself, with no way to clear it; Close sends close code 1000, on which Discord
// ends the session for good, so the next open's resume is refused (op 9) and
// discordgo identifies afresh: a fresh session, READY and a catch-up. (An open
// aborted after Discord accepted it leaves a session that may be resumed later; a
// resume replays what was missed, so nothing is lost either way.)
func (a *Adapter) standBy() {
	a.lead.held, a.lead.open = false, false
	a.lead.brokenSince = time.Time{}
	a.mu.Lock()
	a.catchUpCancel()
	a.mu.Unlock()
	if a.lead.opening {
		a.lead.conns.abort()
		return
	}
	_ = a.s.Close()
}

// startOpen opens the gateway in the background; the result goes to out and must be
// passed to finishOpen.
func (a *Adapter) startOpen(out chan<- error) {
	a.lead.opening = true
	a.lead.conns.begin()
	go func() { out <- a.open() }()
}

// finishOpen takes an open's result. A session that came up after the lease ended
// (or was lost) is closed at once.
func (a *Adapter) finishOpen(err error) error {
	a.lead.opening = false
	a.lead.conns.end()
	if err != nil {
		var fatal *FatalError
		if !a.lead.held && !errors.As(err, &fatal) {
			return nil // aborted by standBy: expected
		}
		return err
	}
	if !a.holding(time.Now()) {
		a.log.Warn("discord gateway: connected after the lease ended; closing the gateway at once", "holder", a.cfg.LeaseHolder)
		if a.lead.held {
			a.standBy()
		} else {
			_ = a.s.Close()
		}
		return nil
	}
	a.lead.open, a.lead.brokenSince, a.lead.tokenPending = true, time.Time{}, false
	a.lead.openWait = time.Second
	return nil
}

// giveUp releases the lease of a holder that could not connect for a whole TTL and
// keeps it out of the election for one TTL, so that another replica takes the
// gateway; with no other replica, it takes the lease again after that and retries.
func (a *Adapter) giveUp(now time.Time) {
	a.log.Warn("discord gateway: cannot connect; giving the lease up so that another replica can take the gateway",
		"holder", a.cfg.LeaseHolder, "down_for", now.Sub(a.lead.brokenSince).Round(time.Millisecond), "back_in", a.cfg.LeaseTTL)
	a.standBy()
	a.lead.waiting = false
	a.lead.benchUntil = now.Add(a.cfg.LeaseTTL)
	ctx, cancel := context.WithTimeout(context.Background(), a.renewEvery())
	defer cancel()
	if err := a.cfg.Lease.ReleaseLease(ctx, GatewayLease, a.cfg.LeaseHolder); err != nil {
		a.log.Warn("discord gateway: could not release the lease; another replica takes over when it expires", "err", err, "ttl", a.cfg.LeaseTTL)
	}
}

// closeHolding closes the gateway at shutdown. discordgo's Close sends the close
// frame at once, then waits a second before dropping the connection. While the lease
// is held, it is renewed during that second (if the store answers), so that a standby
// does not connect while this connection still exists; that is all it can do: if the
// renewals fail, the lease expires as it would have anyway (by then the close frame
// has normally ended the session at Discord, but nothing here waits for proof).
func (a *Adapter) closeHolding() {
	if !a.holding(time.Now()) {
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
		if now := time.Now(); a.holding(now) {
			r := a.acquire(context.Background(), a.renewLimit(now))
			if r.ok && r.err == nil {
				a.lead.deadline = r.sent.Add(a.cfg.LeaseTTL - a.leaseMargin())
			} else if r.err == nil {
				a.lead.held = false
			}
		}
		select {
		case <-done:
			return
		case <-t.C:
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

// runLeased is Run with a lease. It renews the lease every TTL/3 (a standby tries to
// take it as often), counting from when the previous answer came; keeps the gateway
// open while it holds the lease, reconnecting with backoff like Run without one;
// closes it as soon as a renew says another replica holds the lease, and at the
// lease's deadline when no renew succeeded in time (see the comment at the top).
func (a *Adapter) runLeased(ctx context.Context) error {
	every := a.renewEvery()
	opCtx, stopOps := context.WithCancel(ctx)
	var (
		renewed   = a.lead.renewed
		opened    = make(chan error, 1)
		checked   = make(chan error, 1)
		checking  bool
		nextCheck time.Time
		checkWait = time.Second
	)
	// On the way out, wait for what is in flight (an open is aborted), so that
	// shutdown's close and release come after the last renew.
	defer func() {
		stopOps()
		if a.lead.opening {
			a.lead.conns.abort()
			_ = a.finishOpen(<-opened)
		}
		if a.lead.renewing {
			a.lead.renewing = false
			if r := <-renewed; r.ok && r.err == nil && a.lead.held {
				a.lead.deadline = r.sent.Add(a.cfg.LeaseTTL - a.leaseMargin())
			}
		}
		if checking {
			<-checked
		}
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if err := a.fatalErr(); err != nil {
			return err
		}
		now := time.Now()
		if a.lead.held && !now.Before(a.lead.deadline) {
			a.expired()
		}
		if a.lead.held && !a.lead.open && !a.lead.opening && !a.lead.renewing && !a.lead.brokenSince.IsZero() &&
			now.Sub(a.lead.brokenSince) >= a.cfg.LeaseTTL {
			a.giveUp(now)
		}
		if !a.lead.renewing && !now.Before(a.lead.nextRenew) && !now.Before(a.lead.benchUntil) {
			a.startRenew(opCtx, renewed)
		}
		if a.lead.held && !a.lead.open && !a.lead.opening && !now.Before(a.lead.nextOpen) {
			a.startOpen(opened)
		}
		if a.lead.tokenPending && !a.lead.held && !checking && !now.Before(nextCheck) {
			checking = true
			go func() { checked <- a.checkToken(opCtx) }()
		}

		next := now.Add(time.Hour)
		if !a.lead.renewing {
			next = earliest(next, later(a.lead.nextRenew, a.lead.benchUntil))
		}
		if a.lead.held {
			next = earliest(next, a.lead.deadline)
			if !a.lead.open && !a.lead.opening {
				next = earliest(next, a.lead.nextOpen)
				if !a.lead.brokenSince.IsZero() {
					next = earliest(next, a.lead.brokenSince.Add(a.cfg.LeaseTTL))
				}
			}
		}
		if a.lead.tokenPending && !checking {
			next = earliest(next, nextCheck)
		}
		timer.Reset(max(time.Until(next), 0))

		select {
		case <-ctx.Done():
			return nil
		case r := <-renewed:
			a.lead.renewing = false
			a.lead.nextRenew = time.Now().Add(every)
			if ctx.Err() != nil {
				return nil
			}
			a.applyRenew(r)
		case err := <-opened:
			err = a.finishOpen(err)
			var fatal *FatalError
			switch {
			case errors.As(err, &fatal):
				return err
			case err != nil:
				a.log.Warn("discord gateway connect failed; retrying", "err", err, "in", a.lead.openWait)
				a.lead.nextOpen = time.Now().Add(a.lead.openWait)
				a.lead.openWait = min(a.lead.openWait*2, a.cfg.MaxBackoff)
			}
		case err := <-checked:
			checking = false
			var fatal *FatalError
			switch {
			case err == nil:
				a.lead.tokenPending = false
				a.log.Info("discord gateway: bot token checked over REST")
			case errors.As(err, &fatal):
				return err
			case ctx.Err() == nil:
				a.log.Warn("discord gateway: cannot check the bot token over REST; retrying", "err", err, "in", checkWait)
				nextCheck = time.Now().Add(checkWait)
				checkWait = min(checkWait*2, a.cfg.MaxBackoff)
			}
		case <-timer.C:
		case <-a.disconnected:
			// Also signalled when this replica closed the gateway itself; reopening
			// an open session is a no-op.
			if a.lead.held && a.lead.open {
				a.lead.open, a.lead.nextOpen = false, time.Now()
				a.lead.brokenSince = time.Now()
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

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// gatewayConns lets Run abort an Open in progress. The session's websocket dialer
// dials through dial, which records the connections of the open in progress; abort
// closes them, so that Open's reads fail and it returns (releasing discordgo's
// session lock), cancels a dial still in progress, and refuses any dial after it
// until the next open begins.
type gatewayConns struct {
	mu      sync.Mutex
	dialer  func(ctx context.Context, network, addr string) (net.Conn, error)
	conns   []net.Conn
	aborted bool
	stop    context.Context // ends at abort: bounds the dials of this open
	cancel  context.CancelFunc
}

var errOpenAborted = errors.New("discord gateway: connecting was abandoned (the lease ended)")

// dialGatewayOurselves makes the session dial its gateway connections through
// a.lead.conns (keeping the dialer's other settings, such as its proxy).
func (a *Adapter) dialGatewayOurselves() {
	d := *websocket.DefaultDialer
	if a.s.Dialer != nil {
		d = *a.s.Dialer
	}
	a.lead.conns.dialer = d.NetDialContext
	if a.lead.conns.dialer == nil {
		nd := &net.Dialer{Timeout: 30 * time.Second}
		a.lead.conns.dialer = nd.DialContext
	}
	d.NetDialContext = a.lead.conns.dial
	a.s.Dialer = &d
}

func (g *gatewayConns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	aborted, dial, stop := g.aborted, g.dialer, g.stop
	g.mu.Unlock()
	if aborted {
		return nil, errOpenAborted
	}
	if stop != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer context.AfterFunc(stop, cancel)()
		defer cancel()
	}
	c, err := dial(ctx, network, addr)
	if err != nil {
		if stop != nil && stop.Err() != nil {
			return nil, errOpenAborted
		}
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.aborted {
		c.Close()
		return nil, errOpenAborted
	}
	g.conns = append(g.conns, c)
	return c, nil
}

// begin starts an open: nothing recorded, nothing aborted.
func (g *gatewayConns) begin() {
	g.mu.Lock()
	g.conns, g.aborted = nil, false
	g.stop, g.cancel = context.WithCancel(context.Background())
	g.mu.Unlock()
}

// end forgets the open's connections: the session owns the one it kept.
func (g *gatewayConns) end() {
	g.mu.Lock()
	g.conns = nil
	if g.cancel != nil {
		g.cancel()
	}
	g.stop, g.cancel = nil, nil
	g.mu.Unlock()
}

// abort closes the connections of the open in progress and refuses new ones.
func (g *gatewayConns) abort() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.aborted = true
	if g.cancel != nil {
		g.cancel()
	}
	for _, c := range g.conns {
		_ = c.Close()
	}
	g.conns = nil
}
