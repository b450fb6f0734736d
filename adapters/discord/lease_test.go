package discordadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// testTTL is the gateway lease's TTL in these tests: renewed every 100 ms.
const testTTL = 300 * time.Millisecond

// faultyLeases is the real store's lease methods with a switch that cuts the replica
// off from the store (every call fails, as when its store connection hangs or the
// process is frozen), and a record of what succeeded.
type faultyLeases struct {
	st Leases

	mu       sync.Mutex
	fail     bool          // every call fails
	refuse   bool          // acquire and renew answer false
	hang     chan struct{} // non-nil: acquire and renew wait until it is closed, whatever their context says, then go on
	lastOK   time.Time     // when the last acquire or renew that returned true was sent
	released time.Time     // when a release succeeded
}

var errInjected = errors.New("store unreachable (injected)")

func (l *faultyLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	start := time.Now()
	l.mu.Lock()
	hang := l.hang
	l.mu.Unlock()
	if hang != nil {
		<-hang
	}
	if l.failing() {
		return false, errInjected
	}
	l.mu.Lock()
	refuse := l.refuse
	l.mu.Unlock()
	if refuse {
		return false, nil
	}
	ok, err := l.st.AcquireLease(ctx, name, holder, ttl)
	if ok && err == nil {
		l.mu.Lock()
		l.lastOK = start
		l.mu.Unlock()
	}
	return ok, err
}

func (l *faultyLeases) ReleaseLease(ctx context.Context, name, holder string) error {
	if l.failing() {
		return errInjected
	}
	err := l.st.ReleaseLease(ctx, name, holder)
	if err == nil {
		l.mu.Lock()
		l.released = time.Now()
		l.mu.Unlock()
	}
	return err
}

func (l *faultyLeases) failing() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fail
}

func (l *faultyLeases) setFail(v bool) {
	l.mu.Lock()
	l.fail = v
	l.mu.Unlock()
}

func (l *faultyLeases) setRefuse(v bool) {
	l.mu.Lock()
	l.refuse = v
	l.mu.Unlock()
}

// setHang makes acquire and renew hang (true) until setHang(false), as a store client
// that does not honour its context would.
func (l *faultyLeases) setHang(v bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case v && l.hang == nil:
		l.hang = make(chan struct{})
	case !v && l.hang != nil:
		close(l.hang)
		l.hang = nil
	}
}

func (l *faultyLeases) times() (lastOK, released time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastOK, l.released
}

// lockedBuffer collects a replica's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// cluster is a fake Discord and one bolt store shared by replicas of the adapter.
type cluster struct {
	t    *testing.T
	fake *discordtest.Server
	st   store.Store
	// prepare, when set, is called with each replica's adapter before its Start.
	prepare func(name string, a *Adapter)
}

func newCluster(t *testing.T) *cluster {
	fake := discordtest.New(t)
	g, chans := fakeGuild()
	fake.AddGuild(g, chans...)
	fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userStaff}, Roles: []string{roleStaff}})
	fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userAlice}, Roles: []string{roleMember}})
	return &cluster{t: t, fake: fake, st: openBolt(t)}
}

// replica is one adapter, as one process of a deployment would run it.
type replica struct {
	name   string
	a      *Adapter
	leases *faultyLeases // nil without a lease
	logs   *lockedBuffer
	cancel context.CancelFunc
	done   chan error

	mu      sync.Mutex
	readies []time.Time // READY events (fresh sessions)
}

// start builds a replica and runs Start; with lease, it shares the cluster's store's
// gateway lease. Run goes on in the background until stop (or the test's end).
func (c *cluster) start(name string, lease bool, mod func(*Config)) *replica {
	c.t.Helper()
	r := &replica{name: name, logs: &lockedBuffer{}, done: make(chan error, 1)}
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(r.logs, testWriter{c.t}), &slog.HandlerOptions{Level: slog.LevelInfo})).With("replica", name)
	if lease {
		r.leases = &faultyLeases{st: c.st}
		cfg.Lease, cfg.LeaseHolder, cfg.LeaseTTL = r.leases, name, testTTL
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg, c.st, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	r.a = a
	if c.prepare != nil {
		c.prepare(name, a)
	}
	a.Session().AddHandler(func(*discordgo.Session, *discordgo.Ready) {
		r.mu.Lock()
		r.readies = append(r.readies, time.Now())
		r.mu.Unlock()
	})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if err := a.Start(ctx); err != nil {
		cancel()
		c.t.Fatalf("%s: Start: %v", name, err)
	}
	go func() { r.done <- a.Run(ctx) }()
	c.t.Cleanup(func() { r.stop(c.t) })
	return r
}

// stop is a graceful shutdown (SIGTERM): Run closes the gateway and releases the lease.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("%s: Run: %v", r.name, err)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("%s: Run did not return after cancel", r.name)
	}
}

func (r *replica) readyTimes() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.readies...)
}

// waitCatchUp waits for the replica's catch-up after its fresh session to end.
func (r *replica) waitCatchUp(t *testing.T) {
	t.Helper()
	waitFor(t, "catch-up log line", 10*time.Second, func() bool {
		return strings.Contains(r.logs.String(), "discord catch-up after a fresh gateway session")
	})
}

// waitReady waits for the replica's n-th fresh session and returns when it began.
func (r *replica) waitReady(t *testing.T, n int, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if rs := r.readyTimes(); len(rs) >= n {
			return rs[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no session %d within %s; logs:\n%s", r.name, n, timeout, r.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitNoSession waits until the fake has no gateway session open.
func (c *cluster) waitNoSession(t *testing.T) {
	t.Helper()
	waitFor(t, "no gateway session", 10*time.Second, func() bool { open, _ := c.fake.Connections(); return open == 0 })
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// takeoverSlack is what a takeover may take after the standby's next try: a
// gateway connect, with room for a loaded machine. Under -race beside other packages'
// tests a connect took 480 ms once, longer than the 300 ms lease, and the standby
// rightly asked for the lease again (822 ms in all). A standby that missed its tries
// or waited out a lease more would take longer still; the figure itself is logged.
const takeoverSlack = 2 * time.Second

// TestLeaseOneReplicaHoldsTheGateway: two replicas with the same token and store;
// only the lease holder identifies, the other checks its token over REST and stands
// by, and however the holder goes away the standby takes over, never with two
// gateway sessions open at once.
func TestLeaseOneReplicaHoldsTheGateway(t *testing.T) {
	every := testTTL / 3
	tests := []struct {
		name string
		// goAway makes the holder a go away; it returns when the lease became free
		// to take (the release, or the expiry of the last renew).
		goAway func(t *testing.T, c *cluster, a *replica) (free time.Time)
		// max is the longest acceptable wait from free to the standby's READY.
		max time.Duration
	}{
		{name: "graceful stop releases the lease", goAway: func(t *testing.T, c *cluster, a *replica) time.Time {
			a.stop(t)
			_, released := a.leases.times()
			if released.IsZero() {
				t.Fatal("the holder did not release the lease on shutdown")
			}
			return released
		}, max: every + takeoverSlack},
		{name: "holder cut off from the store (crash without release)", goAway: func(t *testing.T, c *cluster, a *replica) time.Time {
			a.leases.setFail(true)
			lastOK, _ := a.leases.times()
			return lastOK.Add(testTTL) // the store lets nobody else in before that
		}, max: every + takeoverSlack},
		{name: "renew refused (another holder has the lease)", goAway: func(t *testing.T, c *cluster, a *replica) time.Time {
			// The store answers the holder's renew with false, as it does once
			// another replica holds the lease: the holder closes its gateway.
			a.leases.setRefuse(true)
			lastOK, _ := a.leases.times()
			waitFor(t, "the holder to close", 5*time.Second, func() bool {
				return strings.Contains(a.logs.String(), "another replica holds the lease now; closing the gateway")
			})
			return lastOK.Add(testTTL)
		}, max: every + takeoverSlack},
		{name: "renew hangs past the lease's expiry", goAway: func(t *testing.T, c *cluster, a *replica) time.Time {
			// The holder's renew neither answers nor gives up (a store client that
			// ignores its context): the holder must close at its deadline anyway.
			a.leases.setHang(true)
			t.Cleanup(func() { a.leases.setHang(false) })
			lastOK, _ := a.leases.times()
			return lastOK.Add(testTTL)
		}, max: every + takeoverSlack},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			a := c.start("replica-a", true, nil)
			a.waitReady(t, 1, 5*time.Second)
			b := c.start("replica-b", true, nil)
			// The standby checked its token over REST and stands by.
			waitFor(t, "b standing by", 5*time.Second, func() bool { return strings.Contains(b.logs.String(), "standing by") })
			if !strings.Contains(a.logs.String(), "this replica holds the lease") {
				t.Errorf("holder did not log the lease:\n%s", a.logs)
			}
			if n := len(c.fake.Requests("/users/@me")); n < 1 {
				t.Errorf("the standby did not check its token (GET /users/@me: %d)", n)
			}
			// Several renew intervals later still one session.
			time.Sleep(3 * every)
			if n := len(c.fake.Identifies()); n != 1 {
				t.Fatalf("identifies = %d with a standby running, want 1", n)
			}
			if len(b.readyTimes()) != 0 {
				t.Fatal("the standby opened a session")
			}

			gone := time.Now()
			free := tc.goAway(t, c, a)
			took := b.waitReady(t, 1, 10*testTTL+5*time.Second)
			wait := took.Sub(free)
			t.Logf("takeover: standby READY %v after the holder went away, %v after the lease became free (ttl %v, renew every %v)",
				took.Sub(gone).Round(time.Millisecond), wait.Round(time.Millisecond), testTTL, every)
			if wait < 0 {
				t.Errorf("the standby connected %v before the lease was free", -wait)
			}
			if wait > tc.max {
				t.Errorf("takeover took %v after the lease was free, want at most %v", wait, tc.max)
			}
			if !strings.Contains(b.logs.String(), "this replica holds the lease") {
				t.Errorf("the new holder did not log it:\n%s", b.logs)
			}
			// The old holder (if still running) has no session and does not come back.
			waitFor(t, "one gateway session", 5*time.Second, func() bool { open, _ := c.fake.Connections(); return open == 1 })
			a.leases.setFail(false)
			a.leases.setRefuse(false)
			a.leases.setHang(false)
			time.Sleep(3 * every)
			if open, maxOpen := c.fake.Connections(); open != 1 || maxOpen != 1 {
				t.Errorf("gateway sessions: %d open, at most %d at once; want 1 and 1: %v", open, maxOpen, c.fake.Overlaps())
			}
			if n := len(c.fake.Identifies()); n != 2 {
				t.Errorf("identifies = %d, want 2 (the first holder, then the standby)", n)
			}
			if n := len(a.readyTimes()); n != 1 {
				t.Errorf("the old holder opened %d sessions, want 1", n)
			}
			// The new holder captures.
			c.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, []string{roleMember}, "captured by the new holder"))
			waitFor(t, "capture by the new holder", 5*time.Second, func() bool { return len(replay(t, c.st)) == 1 })
		})
	}
}

// TestLeaseStartRefusesBadTokenOnEveryReplica: a standby, which opens no gateway,
// still refuses a revoked token at start with the explanation.
func TestLeaseStartRefusesBadTokenOnEveryReplica(t *testing.T) {
	c := newCluster(t)
	c.start("replica-a", true, nil).waitReady(t, 1, 5*time.Second)
	c.fake.RevokeToken()
	cfg := testConfig()
	cfg.Lease, cfg.LeaseHolder, cfg.LeaseTTL = c.st, "replica-b", testTTL
	b, err := New(cfg, c.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Start(context.Background())
	var fatal *FatalError
	if !errors.As(err, &fatal) || fatal.Code != 401 || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
		t.Fatalf("standby Start with a revoked token = %v; want the token explanation", err)
	}
}

// TestLeaseOpenRacesTheDeadline: a holder that loses its session reconnects into a
// gateway that takes 3 s to say hello (discordgo's Open waits for it without a
// deadline, holding the session's lock) while its renewals fail. It abandons the
// open at its lease's deadline, the standby takes over once the lease is free, and
// the stalled connection never becomes a second session.
func TestLeaseOpenRacesTheDeadline(t *testing.T) {
	const stall = 3 * time.Second
	c := newCluster(t)
	a := c.start("replica-a", true, nil)
	a.waitReady(t, 1, 5*time.Second)
	b := c.start("replica-b", true, nil)
	waitFor(t, "b standing by", 5*time.Second, func() bool { return strings.Contains(b.logs.String(), "standing by") })

	c.fake.StallNextGateway(stall)
	dials := c.fake.GatewayDials()
	dropped := time.Now()
	c.fake.Drop() // a reconnects, into the stalled gateway
	waitFor(t, "the holder reconnecting", 5*time.Second, func() bool { return c.fake.GatewayDials() > dials })
	a.leases.setFail(true) // and cannot renew any more
	lastOK, _ := a.leases.times()
	took := b.waitReady(t, 1, 10*time.Second)
	t.Logf("the standby was READY %v after the drop, %v after the lease was free", took.Sub(dropped).Round(time.Millisecond),
		took.Sub(lastOK.Add(testTTL)).Round(time.Millisecond))
	if !strings.Contains(a.logs.String(), "connecting=true") {
		t.Errorf("the holder did not abandon its open at the deadline:\n%s", a.logs)
	}
	if took.Before(lastOK.Add(testTTL)) {
		t.Errorf("the standby connected before the lease was free")
	}
	// Past the stall: the abandoned connection got its hello too late to matter.
	time.Sleep(stall - time.Since(dropped) + 500*time.Millisecond)
	a.leases.setFail(false)
	time.Sleep(3 * testTTL / 3)
	if open, maxOpen := c.fake.Connections(); open != 1 || maxOpen != 1 {
		t.Errorf("gateway sessions: %d open, at most %d at once; want 1 and 1: %v", open, maxOpen, c.fake.Overlaps())
	}
	if n := c.fake.StallAnswers(); n != 0 {
		t.Errorf("the abandoned connection answered its late hello (%d identify or resume)", n)
	}
	// The first holder, then the standby. A third is the lease moving again, which a
	// 300 ms TTL may do when the machine is loaded (go test ./... runs packages side
	// by side): allowed, as long as no two sessions overlapped (checked above).
	if n := len(c.fake.Identifies()); n < 2 {
		t.Errorf("identifies = %d, want 2 (the first holder, then the standby)", n)
	} else if n > 2 {
		t.Logf("identifies = %d: the lease moved again after the standby took it", n)
	}
}

// TestLeaseBrokenGatewayHandsOver: a holder that cannot reach the gateway any more
// (its network to Discord is down; its store is fine) keeps reconnecting for one
// TTL, then gives the lease up and sits out a TTL, so that the standby takes the
// gateway; it then stands by.
func TestLeaseBrokenGatewayHandsOver(t *testing.T) {
	c := newCluster(t)
	var broken atomic.Bool
	c.prepare = func(name string, a *Adapter) {
		if name != "replica-a" {
			return
		}
		a.Session().Dialer = &websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if broken.Load() {
				return nil, errors.New("no route to the gateway (injected)")
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
	}
	a := c.start("replica-a", true, nil)
	a.waitReady(t, 1, 5*time.Second)
	b := c.start("replica-b", true, nil)
	waitFor(t, "b standing by", 5*time.Second, func() bool { return strings.Contains(b.logs.String(), "standing by") })

	broken.Store(true)
	dropped := time.Now()
	c.fake.Drop()
	took := b.waitReady(t, 1, 10*time.Second)
	t.Logf("the standby was READY %v after the holder lost its gateway (ttl %v)", took.Sub(dropped).Round(time.Millisecond), testTTL)
	// It gives the lease up after a TTL of failed reconnects; on a loaded machine
	// (go test ./... runs packages side by side) a renewal may miss its deadline
	// first, which closes the gateway and frees the lease just the same.
	switch logs := a.logs.String(); {
	case strings.Contains(logs, "giving the lease up"):
	case strings.Contains(logs, "could not be renewed before its deadline"):
		t.Logf("the holder lost the lease at a renewal's deadline before it gave it up")
	default:
		t.Errorf("the holder neither gave the lease up nor lost it at its deadline:\n%s", logs)
	}
	time.Sleep(2 * testTTL) // a's time out of the election passes: it stands by
	if open, maxOpen := c.fake.Connections(); open != 1 || maxOpen != 1 {
		t.Errorf("gateway sessions: %d open, at most %d at once; want 1 and 1: %v", open, maxOpen, c.fake.Overlaps())
	}
	if n := len(a.readyTimes()); n != 1 {
		t.Errorf("the old holder opened %d sessions, want 1", n)
	}
}

// TestLeaseStandbyStartsDespiteRESTErrors: a standby whose token check over REST
// gets a server error starts anyway (only a refusal stops it), says so, and checks
// again with backoff until it gets an answer.
func TestLeaseStandbyStartsDespiteRESTErrors(t *testing.T) {
	c := newCluster(t)
	c.start("replica-a", true, nil).waitReady(t, 1, 5*time.Second)
	c.fake.FailNext("GET", "/users/@me", http.StatusInternalServerError, 2)
	b := c.start("replica-b", true, nil) // fails the test if Start returns an error
	waitFor(t, "the token checked", 10*time.Second, func() bool {
		return strings.Contains(b.logs.String(), "bot token checked over REST")
	})
	l := b.logs.String()
	for _, want := range []string{"cannot check the bot token over REST; standing by and checking again in the background",
		"cannot check the bot token over REST; retrying", "standing by; another replica holds the lease"} {
		if !strings.Contains(l, want) {
			t.Errorf("no %q in the standby's log:\n%s", want, l)
		}
	}
	if n := len(c.fake.Requests("/users/@me")); n != 3 {
		t.Errorf("GET /users/@me: %d requests, want 3 (two 500s, then the answer)", n)
	}
}

// TestLeaseRegainedGatewayStartsFresh: a holder that closed its gateway on losing
// the lease, and gets the lease back with nobody having connected meanwhile, starts
// a fresh session (READY, then a catch-up), not a resume of the one it closed:
// Discord ends a session closed with code 1000, and the fake does the same.
func TestLeaseRegainedGatewayStartsFresh(t *testing.T) {
	c := newCluster(t)
	a := c.start("replica-a", true, nil)
	a.waitReady(t, 1, 5*time.Second)
	a.leases.setRefuse(true)
	waitFor(t, "the holder to close", 5*time.Second, func() bool {
		return strings.Contains(a.logs.String(), "another replica holds the lease now; closing the gateway")
	})
	c.waitNoSession(t)
	a.leases.setRefuse(false)
	a.waitReady(t, 2, 5*time.Second)
	if n := c.fake.Resumes(); n != 0 {
		t.Errorf("resumes = %d, want 0", n)
	}
	if n := len(c.fake.Identifies()); n != 2 {
		t.Errorf("identifies = %d, want 2", n)
	}
	waitFor(t, "a second catch-up", 5*time.Second, func() bool {
		return strings.Count(a.logs.String(), "discord catch-up after a fresh gateway session") == 2
	})
}

// TestLeaseBookkeeping: the deadline counts from when a renew was sent, not from
// its answer; a renew waits no longer than the time left; a lease granted too late
// to use opens nothing; and a new lease starts with a fresh reconnect backoff.
func TestLeaseBookkeeping(t *testing.T) {
	cfg := testConfig()
	cfg.Lease, cfg.LeaseHolder, cfg.LeaseTTL = openBolt(t), "replica-a", testTTL
	a, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	every, margin := testTTL/3, testTTL/6
	now := time.Now()
	if got := a.renewLimit(now); got != every {
		t.Errorf("a standby's renew waits %v, want %v", got, every)
	}

	// A stale backoff from an earlier tenure.
	a.lead.openWait, a.lead.nextOpen = 8*time.Second, now.Add(8*time.Second)
	sent := now.Add(-40 * time.Millisecond)
	if !a.applyRenew(renewResult{ok: true, sent: sent}) || !a.lead.held {
		t.Fatal("a granted lease was not taken")
	}
	if want := sent.Add(testTTL - margin); !a.lead.deadline.Equal(want) {
		t.Errorf("deadline %v after the send, want %v", a.lead.deadline.Sub(sent), want.Sub(sent))
	}
	if a.lead.openWait != time.Second || !a.lead.nextOpen.IsZero() {
		t.Errorf("a new lease kept the old backoff: wait %v, next open in %v", a.lead.openWait, time.Until(a.lead.nextOpen))
	}
	if got := a.renewLimit(a.lead.deadline.Add(-30 * time.Millisecond)); got != 30*time.Millisecond {
		t.Errorf("a renew 30 ms before the deadline may wait %v, want 30ms", got)
	}
	// A renew that fails changes nothing.
	if a.applyRenew(renewResult{err: errInjected, sent: time.Now()}); !a.lead.held || !a.lead.deadline.Equal(sent.Add(testTTL-margin)) {
		t.Error("a failed renew moved the deadline or dropped the lease")
	}

	a.lead.held = false
	if a.applyRenew(renewResult{ok: true, sent: time.Now().Add(-testTTL)}) || a.lead.held {
		t.Error("a lease granted after its own deadline was taken")
	}
}

// TestCatchUpAfterFreshSession: messages written while no gateway session was up
// (a restart without a lease, a takeover with one) are fetched over REST once the
// new session is READY, oldest first, through a 429, and stored exactly once;
// messages stored already are not stored again, ignored channels and channels
// with nothing stored are not fetched, and the page bound holds.
func TestCatchUpAfterFreshSession(t *testing.T) {
	tests := []struct {
		name  string
		lease bool
		// down takes the first replica away without a fresh session starting.
		down func(t *testing.T, a *replica)
	}{
		{name: "restart without a lease", down: func(t *testing.T, a *replica) { a.stop(t) }},
		{name: "takeover after a crash", lease: true, down: func(t *testing.T, a *replica) {
			a.leases.setFail(true)
			// It closes its gateway once its lease would expire.
			waitFor(t, "the old holder to close", 5*time.Second, func() bool {
				return strings.Contains(a.logs.String(), "closing the gateway")
			})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t)
			pages := func(cfg *Config) { cfg.CatchUpPages = 2 }
			a := c.start("replica-a", tc.lease, pages)
			a.waitReady(t, 1, 5*time.Second)
			now := time.Now().UTC()
			at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339Nano) }
			msg := func(channel, author string, roles []string, text string, when time.Duration) map[string]any {
				m := message(channel, author, roles, text)
				m["timestamp"] = at(when)
				return m
			}
			// Captured live, and analysed: the newest stored messages of #general and
			// the forum. The last one is so recent that it may be the new session's,
			// so catch-up starts before it and fetches it again.
			old := msg(chGeneral, userAlice, []string{roleMember}, "the export has been slow all week", -time.Hour)
			forumOld := msg(thPost, userAlice, []string{roleMember}, "still failing with a 500", -50*time.Minute)
			recent := msg(chGeneral, userStaff, []string{roleStaff}, "we are looking into it", -time.Second)
			for _, m := range []map[string]any{old, forumOld, recent} {
				c.fake.Dispatch("MESSAGE_CREATE", m)
			}
			waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == 3 })
			an, err := analysis.New(analysis.DefaultTaxonomy())
			if err != nil {
				t.Fatal(err)
			}
			w := &bot.Worker{Store: c.st, Analyzer: an, Consumer: "t"}
			if _, err := w.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}

			tc.down(t, a)
			c.waitNoSession(t)
			// Written while no session is up: Discord keeps them, a fresh session
			// does not replay them.
			var missed []string
			for i := range 3 {
				m := msg(chGeneral, userAlice, []string{roleMember}, fmt.Sprintf("missed message %d in general", i), 0)
				c.fake.Dispatch("MESSAGE_CREATE", m)
				missed = append(missed, m["id"].(string))
			}
			staffReply := msg(thPost, userStaff, []string{roleStaff}, "fixed in 2.3.1, please retry", 0)
			c.fake.Dispatch("MESSAGE_CREATE", staffReply)
			missed = append(missed, staffReply["id"].(string))
			// Not captured: an internal channel, and a channel nothing was stored from.
			c.fake.Dispatch("MESSAGE_CREATE", msg(chInternal, userStaff, []string{roleStaff}, "internal chatter", 0))
			c.fake.Dispatch("MESSAGE_CREATE", msg(chAcme, userAlice, []string{roleMember}, "first words in the acme channel", 0))
			c.fake.RateLimitNext("GET", "/channels/"+chGeneral+"/messages", 150*time.Millisecond, false)

			b := c.start("replica-b", tc.lease, pages)
			b.waitReady(t, 1, 10*time.Second)
			b.waitCatchUp(t)
			got := map[string]int{}
			waitFor(t, "missed messages captured", 10*time.Second, func() bool {
				clear(got)
				err := c.st.Replay(context.Background(), guild, func(e store.Entry) error { got[e.Event.Message.ID]++; return nil })
				return err == nil && len(got) >= 3+len(missed)
			})
			time.Sleep(50 * time.Millisecond) // let anything extra land before counting
			clear(got)
			if err := c.st.Replay(context.Background(), guild, func(e store.Entry) error { got[e.Event.Message.ID]++; return nil }); err != nil {
				t.Fatal(err)
			}
			for _, id := range append([]string{old["id"].(string), forumOld["id"].(string), recent["id"].(string)}, missed...) {
				if got[id] != 1 {
					t.Errorf("message %s is in the log %d times, want once", id, got[id])
					_ = c.st.Replay(context.Background(), guild, func(e store.Entry) error {
						if e.Event.Message.ID == id {
							t.Logf("%+v", e.Event)
						}
						return nil
					})
				}
			}
			// The recent message is fetched again and skipped: the store holds it as
			// edited (not at all) as late as the REST copy.
			if l := b.logs.String(); !strings.Contains(l, "channels_checked=2 messages=4 skipped=1") {
				t.Errorf("catch-up should check #general and the forum post, capture 4 messages (3 in #general, 1 in the post) and skip the recent one stored already:\n%s", l)
			}
			if len(got) != 3+len(missed) {
				t.Errorf("log has %d messages, want %d (nothing from internal or never-captured channels): %v", len(got), 3+len(missed), got)
			}
			stored := replay(t, c.st)
			if m := stored[staffReply["id"].(string)]; m.Role != "staff" || m.Thread != thPost || m.Channel != chForum {
				t.Errorf("the forum reply fetched over REST lost its role or thread: %+v", m)
			}
			// The 429 was waited out; catch-up asked from just before the oldest
			// message stored before the session (it looks back over the stored ones
			// for edits and deletions), oldest first.
			reqs := c.fake.Requests("/channels/" + chGeneral + "/messages")
			if len(reqs) < 2 {
				t.Fatalf("GET #general messages: %d requests, want a 429 and a retry", len(reqs))
			}
			if after, want := reqs[len(reqs)-1].Query.Get("after"), mustPrevious(t, old["id"].(string)); after != want {
				t.Errorf("catch-up asked for messages after %s, want after %s", after, want)
			}
			if n := len(c.fake.Requests("/channels/" + chAcme + "/messages")); n != 0 {
				t.Errorf("a channel nothing was captured from was fetched %d times", n)
			}
			if n := len(c.fake.Requests("/channels/" + chInternal + "/messages")); n != 0 {
				t.Errorf("an internal channel was fetched %d times", n)
			}
		})
	}
}

// mustPrevious is the snowflake just before id.
func mustPrevious(t *testing.T, id string) string {
	t.Helper()
	prev, ok := previousSnowflake(id)
	if !ok {
		t.Fatalf("no snowflake before %q", id)
	}
	return prev
}

// TestCatchUpIsBounded: after a restart, a channel that missed more than
// CatchUpPages pages is caught up that far, oldest first, and the rest is left
// (with a warning) to import.
func TestCatchUpIsBounded(t *testing.T) {
	c := newCluster(t)
	one := func(cfg *Config) { cfg.CatchUpPages = 2 }
	a := c.start("first", false, one)
	a.waitReady(t, 1, 5*time.Second)
	first := message(chGeneral, userAlice, []string{roleMember}, "before the restart")
	first["timestamp"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	c.fake.Dispatch("MESSAGE_CREATE", first)
	waitFor(t, "live capture", 5*time.Second, func() bool { return len(replay(t, c.st)) == 1 })
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: c.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.stop(t)
	var ids []string
	for i := range 250 {
		m := message(chGeneral, userAlice, []string{roleMember}, fmt.Sprintf("written during the restart, number %d", i))
		m["timestamp"] = time.Now().UTC().Format(time.RFC3339Nano)
		c.fake.AddMessage(m)
		ids = append(ids, m["id"].(string))
	}
	b := c.start("second", false, one)
	b.waitReady(t, 1, 5*time.Second)
	b.waitCatchUp(t)
	waitFor(t, "200 captured", 10*time.Second, func() bool { return len(replay(t, c.st)) == 201 })
	stored := replay(t, c.st)
	for i, id := range ids {
		if _, ok := stored[id]; ok != (i < 200) {
			t.Fatalf("message %d stored=%v; want the 200 oldest stored and no more", i, ok)
		}
	}
	// The first page starts with the stored message (looked at again for edits),
	// so the 200 new ones take three.
	if n := len(c.fake.Requests("/channels/" + chGeneral + "/messages")); n != 3 {
		t.Errorf("%d pages fetched, want 3", n)
	}
	if !strings.Contains(b.logs.String(), "more messages than the catch-up bound") {
		t.Errorf("no warning about the bound:\n%s", b.logs)
	}
}

// stallProxy is a TCP proxy in front of Redis that can hold back what its clients
// send (their commands), as a congested or half-broken network path does: while it
// stalls, the bytes wait in the proxy and reach Redis when the stall ends, so a
// command sent during a stall is executed late, after its sender stopped waiting.
// Answers are never held back.
type stallProxy struct {
	t      *testing.T
	ln     net.Listener
	target string

	mu      sync.Mutex
	resume  chan struct{} // closed when the current stall ends; nil while not stalled
	conns   []net.Conn
	stalled int // writes that waited for a stall to end
	wg      sync.WaitGroup
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{t: t, ln: ln, target: target}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *stallProxy) addr() string { return p.ln.Addr().String() }

func (p *stallProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Go(func() {
			defer s.Close()
			defer c.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					p.hold()
					if _, werr := s.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		})
		p.wg.Go(func() {
			defer c.Close()
			defer s.Close()
			_, _ = io.Copy(c, s)
		})
	}
}

// hold waits while the proxy stalls.
func (p *stallProxy) hold() {
	p.mu.Lock()
	r := p.resume
	if r != nil {
		p.stalled++
	}
	p.mu.Unlock()
	if r != nil {
		<-r
	}
}

// stall holds back everything clients send from now on for d.
func (p *stallProxy) stall(d time.Duration) {
	r := make(chan struct{})
	p.mu.Lock()
	p.resume = r
	p.mu.Unlock()
	time.AfterFunc(d, func() {
		p.mu.Lock()
		if p.resume == r {
			p.resume = nil
		}
		p.mu.Unlock()
		close(r)
	})
}

func (p *stallProxy) heldWrites() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stalled
}

func (p *stallProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	if p.resume != nil {
		close(p.resume)
		p.resume = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// gatewayWatch records a replica's gateway sessions as discordgo reports them.
type gatewayWatch struct {
	mu      sync.Mutex
	up      bool
	readies []time.Time
	downs   []time.Time
}

func watchGateway(s *discordgo.Session) *gatewayWatch {
	w := &gatewayWatch{}
	s.AddHandler(func(*discordgo.Session, *discordgo.Ready) {
		w.mu.Lock()
		w.readies = append(w.readies, time.Now())
		w.mu.Unlock()
	})
	s.AddHandler(func(*discordgo.Session, *discordgo.Connect) {
		w.mu.Lock()
		w.up = true
		w.mu.Unlock()
	})
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		w.mu.Lock()
		w.up = false
		w.downs = append(w.downs, time.Now())
		w.mu.Unlock()
	})
	return w
}

func (w *gatewayWatch) state() (up bool, readies int, lastReady, lastDown time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.readies); n > 0 {
		lastReady = w.readies[n-1]
	}
	if n := len(w.downs); n > 0 {
		lastDown = w.downs[n-1]
	}
	return w.up, len(w.readies), lastReady, lastDown
}

// TestLeaseNoSplitBrainWhenRenewHangs reproduces the split brain a reviewer found:
// two replicas share the gateway lease in a real Redis (TTL 300 ms, renewed every
// 100 ms), each through its own TCP proxy. Each round, the holder's proxy holds its
// commands back for the TTL plus 250 ms, so its renew hangs well past the lease's
// expiry and reaches Redis late. The holder must close its gateway before the lease
// can expire, although its renew is still in flight, and the standby must take over
// once it has expired: across every round, at most one gateway session is open at
// once (the fake Discord counts them), and the standby always takes over.
func TestLeaseNoSplitBrainWhenRenewHangs(t *testing.T) {
	client, prefix := redistest.Client(t)
	opts, err := redisstore.ParseURL(redistest.URL())
	if err != nil {
		t.Fatal(err)
	}
	if opts.IsClusterMode || opts.MasterName != "" || len(opts.Addrs) != 1 {
		t.Skip("needs a single Redis server to put a proxy in front of (REDIS_URL is a cluster or sentinel URL)")
	}
	_ = client
	const (
		ttl    = 300 * time.Millisecond
		stall  = ttl + 250*time.Millisecond
		rounds = 8
	)
	fake := discordtest.New(t)
	g, chans := fakeGuild()
	fake.AddGuild(g, chans...)

	type rep struct {
		name  string
		proxy *stallProxy
		watch *gatewayWatch
		logs  *lockedBuffer
	}
	start := func(name string) *rep {
		r := &rep{name: name, proxy: newStallProxy(t, opts.Addrs[0]), logs: &lockedBuffer{}}
		o := *opts
		o.Addrs = []string{r.proxy.addr()}
		rc := redis.NewUniversalClient(&o)
		t.Cleanup(func() { rc.Close() })
		st := redisstore.New(rc, redisstore.Options{Prefix: prefix})
		cfg := testConfig()
		cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(r.logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelInfo})).With("replica", name)
		cfg.Lease, cfg.LeaseHolder, cfg.LeaseTTL = st, name, ttl
		a, err := New(cfg, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.watch = watchGateway(a.Session())
		ctx, cancel := context.WithCancel(context.Background())
		if err := a.Start(ctx); err != nil {
			cancel()
			t.Fatalf("%s: Start: %v", name, err)
		}
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s: Run: %v", name, err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("%s: Run did not return after cancel", name)
			}
		})
		return r
	}
	a := start("replica-a")
	waitFor(t, "replica-a connected", 5*time.Second, func() bool { up, _, _, _ := a.watch.state(); return up })
	b := start("replica-b")
	waitFor(t, "replica-b standing by", 5*time.Second, func() bool { return strings.Contains(b.logs.String(), "standing by") })

	holder, standby := a, b
	var takeovers, closes, gaps []time.Duration
	for round := 1; round <= rounds; round++ {
		// A settled state: the holder's session is up, the standby has none.
		waitFor(t, fmt.Sprintf("round %d: %s holding the gateway", round, holder.name), 5*time.Second, func() bool {
			hu, _, _, _ := holder.watch.state()
			su, _, _, _ := standby.watch.state()
			open, _ := fake.Connections()
			return hu && !su && open == 1
		})
		time.Sleep(2 * ttl / 3) // a couple of renewals in the settled state
		_, readies, _, _ := standby.watch.state()
		stalled := time.Now()
		holder.proxy.stall(stall)
		deadline := time.Now().Add(10 * time.Second)
		var took time.Time
		for {
			if _, n, at, _ := standby.watch.state(); n > readies {
				took = at
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the standby %s did not take over within 10 s of the holder's store stalling; logs:\n%s\n%s",
					round, standby.name, holder.logs, standby.logs)
			}
			time.Sleep(2 * time.Millisecond)
		}
		// The fake's view: the session that closed last and the one that opened last.
		spans := fake.Spans()
		cur := spans[len(spans)-1]
		var prev discordtest.Span
		for _, sp := range spans[:len(spans)-1] {
			if !sp.Closed.IsZero() && sp.Closed.After(prev.Closed) {
				prev = sp
			}
		}
		takeovers = append(takeovers, took.Sub(stalled))
		closes = append(closes, prev.Closed.Sub(stalled))
		gaps = append(gaps, cur.Opened.Sub(prev.Closed))
		t.Logf("round %d: %s's commands held back for %v; its session ended %v after the stall began, %s's opened %v after (gap %v), READY %v after (writes held by its proxy so far: %d)",
			round, holder.name, stall, prev.Closed.Sub(stalled).Round(time.Millisecond), standby.name, cur.Opened.Sub(stalled).Round(time.Millisecond),
			cur.Opened.Sub(prev.Closed).Round(time.Millisecond), took.Sub(stalled).Round(time.Millisecond), holder.proxy.heldWrites())
		if _, maxOpen := fake.Connections(); maxOpen != 1 {
			t.Fatalf("round %d: %d gateway sessions were open at once (split brain): %v; logs:\n%s\n%s", round, maxOpen, fake.Overlaps(), holder.logs, standby.logs)
		}
		// Let the stall end and the late commands land: the old holder stays out.
		time.Sleep(stall)
		holder, standby = standby, holder
	}
	time.Sleep(ttl)
	open, maxOpen := fake.Connections()
	t.Logf("%d rounds: gateway sessions open at most %d at once; after the stall began, the holder's session ended %v and the standby was READY %v; no session between them for %v (min / median / max)",
		rounds, maxOpen, spread(closes), spread(takeovers), spread(gaps))
	if open != 1 || maxOpen != 1 {
		t.Errorf("gateway sessions: %d open, at most %d at once; want 1 and 1", open, maxOpen)
	}
}

// spread formats durations as min / median / max.
func spread(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return "-"
	}
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("%v / %v / %v", r(s[0]), r(s[len(s)/2]), r(s[len(s)-1]))
}
