package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	direct, prefix := redistest.Client(t)
	c, ok := direct.(*redis.Client)
	if !ok {
		t.Skip("needs a single Redis server (a proxy in front of it)")
	}
	p := redistest.NewProxy(t, c.Options().Addr)
	st := redisstore.New(direct, redisstore.Options{Prefix: prefix})
	const id = "1200000000000000042"
	key := "discord/" + dGuild + "/" + id
	msg := feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord, Workspace: dGuild, Channel: dGeneral, Author: dAlice, AuthorName: "alice",
		Text: "we were charged twice", Time: time.Now().Add(-time.Hour).UTC(), Role: feedbackbot.RoleCustomer, Account: dAlice}
	if _, err := st.Append(t.Context(), feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("store:\n  key_prefix: %q\ndiscord:\n  staff_roles: [%q]\n  internal_channels: [%q]\n",
		prefix, dStaff, dInternal)), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := discordFake(t)
	m, _, errb := testMain(map[string]string{"REDIS_URL": fmt.Sprintf("redis://%s/%d", p.Addr(), c.Options().DB), "DISCORD_TOKEN": discordtest.Token})
	addr, cancel, done := startServe(t, m, cfgPath)
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()
	if !fake.WaitConnected(10 * time.Second) {
		t.Fatalf("never connected:\n%s", errb)
	}
	time.Sleep(500 * time.Millisecond) // (the session's catch-up, with Redis up)
	failures := opsMetric(t, addr, "feedbackbot_capture_failures_total")

	p.Down()
	fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": dSam, "message_id": id, "channel_id": dGeneral, "guild_id": dGuild,
		"emoji": map[string]any{"name": "👍"}, "member": map[string]any{"user": map[string]any{"id": dSam}, "roles": []string{dMember}}})
	time.Sleep(2 * time.Second)
	p.Up()
	var got feedbackbot.Message
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if got, _, _ = st.Newest(t.Context(), key); got.Reactions["👍"] == 1 {
			break
		}
	}
	if got.Reactions["👍"] != 1 {
		t.Fatalf("a member's reaction during a 2 s Redis outage: stored reactions %v, want 👍 1 (Discord does not send it again)", got.Reactions)
	}
	if after := opsMetric(t, addr, "feedbackbot_capture_failures_total"); after != failures {
		t.Errorf("capture_failures_total %s before the outage, %s after: nothing was given up", failures, after)
	}
	cancel()
	<-done // (the logs are read once serve has stopped writing them)
	stopped = true
	if !strings.Contains(errb.String(), "reaction waits for the store") {
		t.Errorf("the logs do not say the reaction waited for the store:\n%s", errb)
	}
}
