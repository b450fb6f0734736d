package discordadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// testTTL is the gateway lease's TTL in these tests: renewed every 100 ms.
const testTTL = 300 * time.Millisecond

// faultyLeases is the real store's lease methods with a switch that cuts the replica
// off from the store (every call fails, as when its store connection hangs or the
// process is frozen), and a record of what succeeded.
type faultyLeases struct {
	st Leases

	mu       sync.Mutex
	fail     bool      // every call fails
	refuse   bool      // acquire and renew answer false
	lastOK   time.Time // when the last acquire or renew that returned true was sent
	released time.Time // when a release succeeded
}

var errInjected = errors.New("store unreachable (injected)")

func (l *faultyLeases) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	start := time.Now()
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
		}, max: every + 400*time.Millisecond},
		{name: "holder cut off from the store (crash without release)", goAway: func(t *testing.T, c *cluster, a *replica) time.Time {
			a.leases.setFail(true)
			lastOK, _ := a.leases.times()
			return lastOK.Add(testTTL) // the store lets nobody else in before that
		}, max: every + 400*time.Millisecond},
		{name: "renew refused (another holder has the lease)", goAway: func(t *testing.T, c *cluster, a *replica) time.Time {
			// The store answers the holder's renew with false, as it does once
			// another replica holds the lease: the holder closes its gateway.
			a.leases.setRefuse(true)
			lastOK, _ := a.leases.times()
			waitFor(t, "the holder to close", 5*time.Second, func() bool {
				return strings.Contains(a.logs.String(), "another replica holds the lease now; closing the gateway")
			})
			return lastOK.Add(testTTL)
		}, max: every + 400*time.Millisecond},
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
			time.Sleep(3 * every)
			if open, maxOpen := c.fake.Connections(); open != 1 || maxOpen != 1 {
				t.Errorf("gateway sessions: %d open, at most %d at once; want 1 and 1", open, maxOpen)
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
			waitFor(t, "catch-up log line", 10*time.Second, func() bool {
				return strings.Contains(b.logs.String(), "discord catch-up after a fresh gateway session")
			})
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
			if l := b.logs.String(); !strings.Contains(l, "channels_checked=2 messages=5") {
				t.Errorf("catch-up should check #general and the forum post and capture 5 messages (4 in #general from the one stored before, 1 in the post):\n%s", l)
			}
			if len(got) != 3+len(missed) {
				t.Errorf("log has %d messages, want %d (nothing from internal or never-captured channels): %v", len(got), 3+len(missed), got)
			}
			stored := replay(t, c.st)
			if m := stored[staffReply["id"].(string)]; m.Role != "staff" || m.Thread != thPost || m.Channel != chForum {
				t.Errorf("the forum reply fetched over REST lost its role or thread: %+v", m)
			}
			// The 429 was waited out; catch-up asked from the newest message stored
			// before the session (not the recent one), oldest first.
			reqs := c.fake.Requests("/channels/" + chGeneral + "/messages")
			if len(reqs) < 2 {
				t.Fatalf("GET #general messages: %d requests, want a 429 and a retry", len(reqs))
			}
			if after := reqs[len(reqs)-1].Query.Get("after"); after != old["id"] {
				t.Errorf("catch-up asked for messages after %s, want after %s", after, old["id"])
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
	waitFor(t, "catch-up log line", 10*time.Second, func() bool {
		return strings.Contains(b.logs.String(), "discord catch-up after a fresh gateway session")
	})
	waitFor(t, "200 captured", 10*time.Second, func() bool { return len(replay(t, c.st)) == 201 })
	stored := replay(t, c.st)
	for i, id := range ids {
		if _, ok := stored[id]; ok != (i < 200) {
			t.Fatalf("message %d stored=%v; want the 200 oldest stored and no more", i, ok)
		}
	}
	if n := len(c.fake.Requests("/channels/" + chGeneral + "/messages")); n != 2 {
		t.Errorf("%d pages fetched, want 2", n)
	}
	if !strings.Contains(b.logs.String(), "more messages than the catch-up bound") {
		t.Errorf("no warning about the bound:\n%s", b.logs)
	}
}
