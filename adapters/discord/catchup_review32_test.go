package discordadapter

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// catchUpOutage is a fake Discord and a real Redis store reached through a proxy
// the test takes down, with one message captured live and analysed (catch-up's
// starting point) by a first process that has stopped, and one message written
// while no session was up (missed): the next session's catch-up must capture it.
type catchUpOutage struct {
	p      *redistest.Proxy
	st     *redisstore.Store
	fake   *discordtest.Server
	missed map[string]any
}

// outageReplica is one process's adapter.
type outageReplica struct {
	a      *Adapter
	logs   *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

func newCatchUpOutage(t *testing.T) *catchUpOutage {
	t.Helper()
	client, prefix := redistest.Client(t)
	direct, ok := client.(*redis.Client)
	if !ok {
		t.Skip("needs a single Redis server to put a proxy in front of")
	}
	o := &catchUpOutage{p: redistest.NewProxy(t, direct.Options().Addr)}
	opts := *direct.Options()
	opts.Addr = o.p.Addr()
	rc := redis.NewClient(&opts)
	t.Cleanup(func() { rc.Close() })
	o.st = redisstore.New(rc, redisstore.Options{Prefix: prefix})

	o.fake = discordtest.New(t)
	g, chans := fakeGuild()
	o.fake.AddGuild(g, chans...)
	o.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userStaff}, Roles: []string{roleStaff}})
	o.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userAlice}, Roles: []string{roleMember}})

	first := o.start(t, "first")
	waitFor(t, "first session", 10*time.Second, func() bool { open, _ := o.fake.Connections(); return open == 1 })
	old := message(chGeneral, userAlice, []string{roleMember}, "the export has been slow all week")
	old["timestamp"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	time.Sleep(300 * time.Millisecond) // (GUILD_CREATE processed)
	o.fake.Dispatch("MESSAGE_CREATE", old)
	waitFor(t, "live capture", 10*time.Second, func() bool { return o.inLog(old["id"].(string)) })
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: o.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	o.stop(t, first)
	waitFor(t, "no session", 10*time.Second, func() bool { open, _ := o.fake.Connections(); return open == 0 })

	o.missed = message(chGeneral, userAlice, []string{roleMember}, "still waiting on the refund, this is the third time I ask")
	o.missed["timestamp"] = time.Now().UTC().Format(time.RFC3339Nano)
	o.fake.Dispatch("MESSAGE_CREATE", o.missed)
	return o
}

func (o *catchUpOutage) start(t *testing.T, name string) *outageReplica {
	t.Helper()
	r := &outageReplica{logs: &lockedBuffer{}, done: make(chan error, 1)}
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(r.logs, testWriter{t}), &slog.HandlerOptions{Level: slog.LevelInfo})).With("replica", name)
	a, err := New(cfg, o.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.a = a
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatalf("%s: Start: %v", name, err)
	}
	go func() { r.done <- a.Run(ctx) }()
	return r
}

func (o *catchUpOutage) stop(t *testing.T, r *outageReplica) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Error("Run did not return after cancel")
	}
}

func (o *catchUpOutage) inLog(id string) bool {
	found := false
	err := o.st.Replay(context.Background(), guild, func(e store.Entry) error {
		found = found || e.Event.Message.ID == id
		return nil
	})
	return err == nil && found
}

// TestCatchUpRetriesAChannelTheStoreDidNotAnswerFor: a new process's gateway
// session begins while Redis is away for a moment (a failover as the bot
// restarts). Catch-up cannot read the channel's starting point; it used to log
// "channel not fully caught up" and never try again, and the message written
// while no session was up, which Discord does not replay, was lost without a
// metric. Now the channel is caught up again, with backoff, once the store answers.
func TestCatchUpRetriesAChannelTheStoreDidNotAnswerFor(t *testing.T) {
	o := newCatchUpOutage(t)
	o.p.Down()
	b := o.start(t, "second")
	t.Cleanup(func() { o.stop(t, b) })
	waitFor(t, "the first catch-up pass", 20*time.Second, func() bool {
		return strings.Contains(b.logs.String(), "discord catch-up after a fresh gateway session")
	})
	if logs := b.logs.String(); !strings.Contains(logs, "channels_to_retry=") || strings.Contains(logs, "channels_to_retry=0") {
		t.Errorf("the first pass does not say that channels stopped by the store will be caught up again:\n%s", logs)
	}
	o.p.Up()

	deadline := time.Now().Add(20 * time.Second)
	for !o.inLog(o.missed["id"].(string)) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !o.inLog(o.missed["id"].(string)) {
		t.Fatalf("the message written while no session was up is not captured 20 s after Redis came back\nlogs:\n%s", b.logs)
	}
	waitFor(t, "the retry's summary", 10*time.Second, func() bool {
		return strings.Contains(b.logs.String(), "discord catch-up: channels the store had stopped are caught up")
	})
	if strings.Contains(b.logs.String(), "gave up on channels") {
		t.Errorf("a channel was given up on though the store came back:\n%s", b.logs)
	}
}

// TestCatchUpSaysWhichChannelsItGaveUpOnAtShutdown: the store stays away until
// the process stops. The channels whose catch-up is still waiting for it are given
// up on (shutdown is not held), and that is said at WARN with their count, since
// what was written there while no session was up may be missing.
func TestCatchUpSaysWhichChannelsItGaveUpOnAtShutdown(t *testing.T) {
	o := newCatchUpOutage(t)
	o.p.Down()
	b := o.start(t, "second")
	waitFor(t, "the first catch-up pass", 20*time.Second, func() bool {
		return strings.Contains(b.logs.String(), "discord catch-up after a fresh gateway session")
	})
	stopped := time.Now()
	o.stop(t, b)
	if took := time.Since(stopped); took > 10*time.Second {
		t.Errorf("shutdown took %v: the catch-up's retries held it", took)
	}
	var line string
	for _, l := range strings.Split(b.logs.String(), "\n") {
		if strings.Contains(l, "gave up on channels the store did not answer for") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no WARN names the channels catch-up gave up on at shutdown:\n%s", b.logs)
	}
	if !strings.Contains(line, "level=WARN") || !strings.Contains(line, "channels_given_up=") || strings.Contains(line, "channels_given_up=0") ||
		!strings.Contains(line, chGeneral) {
		t.Errorf("the give-up line lacks its level, count or channel %s:\n%s", chGeneral, line)
	}
}
