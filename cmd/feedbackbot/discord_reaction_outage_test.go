package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// TestDiscordReactionDuringAStoreOutageIsKept: a member reacts, while Redis is
// away, to a message stored before this process started (so not among those it
// remembers): Discord sends the reaction once, so it waits for the store and is
// recorded when Redis returns, as a message in the same outage is by the capture
// queue; nothing is counted as given up. (It was read once, logged as "not
// recorded" and lost: a review's find.)
func TestDiscordReactionDuringAStoreOutageIsKept(t *testing.T) {
	const id = "1200000000000000042"
	d := startDiscordOverProxy(t, id, time.Now().Add(-time.Hour).UTC())
	failures := opsMetric(t, d.addr, "feedbackbot_capture_failures_total")

	d.p.Down()
	d.react("MESSAGE_REACTION_ADD", id)
	time.Sleep(2 * time.Second)
	d.p.Up()
	var got feedbackbot.Message
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if got, _, _ = d.st.Newest(t.Context(), d.key); got.Reactions["👍"] == 1 {
			break
		}
	}
	if got.Reactions["👍"] != 1 {
		t.Fatalf("a member's reaction during a 2 s Redis outage: stored reactions %v, want 👍 1 (Discord does not send it again)", got.Reactions)
	}
	if after := opsMetric(t, d.addr, "feedbackbot_capture_failures_total"); after != failures {
		t.Errorf("capture_failures_total %s before the outage, %s after: nothing was given up", failures, after)
	}
	d.stop() // (the logs are read once serve has stopped writing them)
	if !strings.Contains(d.errb.String(), "reaction waits for the store") {
		t.Errorf("the logs do not say the reaction waited for the store:\n%s", d.errb)
	}
}

// discordOverProxy is serve with the Discord adapter on a fake gateway and Redis
// behind a proxy the test cuts, with one customer message stored before it started
// (one the adapter does not remember).
type discordOverProxy struct {
	p    *redistest.Proxy
	st   *redisstore.Store
	key  string // the stored message's
	fake *discordtest.Server
	addr string
	errb *bytes.Buffer // serve's logs: read them once stop has returned
	stop func()        // stops serve and waits for it; once, and at the test's end if not before
}

// startDiscordOverProxy stores alice's message id, sent at sent, starts serve and
// waits for the gateway session and its catch-up.
func startDiscordOverProxy(t *testing.T, id string, sent time.Time) *discordOverProxy {
	t.Helper()
	direct, prefix := redistest.Client(t)
	c, ok := direct.(*redis.Client)
	if !ok {
		t.Skip("needs a single Redis server (a proxy in front of it)")
	}
	d := &discordOverProxy{p: redistest.NewProxy(t, c.Options().Addr), st: redisstore.New(direct, redisstore.Options{Prefix: prefix}),
		key: "discord/" + dGuild + "/" + id, fake: discordFake(t)}
	msg := feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord, Workspace: dGuild, Channel: dGeneral, Author: dAlice, AuthorName: "alice",
		Text: "we were charged twice", Time: sent, Role: feedbackbot.RoleCustomer, Account: dAlice}
	if _, err := d.st.Append(t.Context(), feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg}); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "feedbackbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("store:\n  key_prefix: %q\ndiscord:\n  staff_roles: [%q]\n  internal_channels: [%q]\n",
		prefix, dStaff, dInternal)), 0o600); err != nil {
		t.Fatal(err)
	}
	var m *Main
	m, _, d.errb = testMain(map[string]string{"REDIS_URL": fmt.Sprintf("redis://%s/%d", d.p.Addr(), c.Options().DB), "DISCORD_TOKEN": discordtest.Token})
	var cancel context.CancelFunc
	var done <-chan error
	d.addr, cancel, done = startServe(t, m, cfgPath)
	var once sync.Once
	d.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(d.stop)
	if !d.fake.WaitConnected(10 * time.Second) {
		d.stop()
		t.Fatalf("never connected:\n%s", d.errb)
	}
	time.Sleep(500 * time.Millisecond) // (the session's catch-up, with Redis up)
	return d
}

// react dispatches a member's (sam's) 👍 reaction event of kind to message id.
func (d *discordOverProxy) react(kind, id string) {
	d.fake.Dispatch(kind, map[string]any{"user_id": dSam, "message_id": id, "channel_id": dGeneral, "guild_id": dGuild,
		"emoji": map[string]any{"name": "👍"}, "member": map[string]any{"user": map[string]any{"id": dSam}, "roles": []string{dMember}}})
}
