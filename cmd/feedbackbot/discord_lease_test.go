package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// TestDiscordReplicasShareTheGateway runs two `run`s against one Redis, both with
// DISCORD_TOKEN: one holds the gateway lease and connects, the other checks its
// token and stands by. The standby starts while Discord answers its start-up checks
// (the internal channel, the token) with a 500: it says so and checks the token
// again later. When the holder stops (SIGTERM), it releases the lease and the
// standby connects and captures, never with two gateway sessions at once.
func TestDiscordReplicasShareTheGateway(t *testing.T) {
	client, prefix := redistest.Client(t)
	fake := discordFake(t)
	ttl, holder := discordLeaseTTL, discordLeaseHolder
	var replicas atomic.Int64
	discordLeaseTTL = 600 * time.Millisecond
	discordLeaseHolder = func(string) string { return fmt.Sprintf("test-replica-%d", replicas.Add(1)) } // one process, two replicas
	t.Cleanup(func() { discordLeaseTTL, discordLeaseHolder = ttl, holder })
	dir := t.TempDir()
	t.Chdir(dir)
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	body := fmt.Sprintf("store:\n  key_prefix: %q\ndiscord:\n  staff_roles: [%q]\n  internal_channels: [%q]\n", prefix, dStaff, dInternal)
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func() *replicaRun {
		r := &replicaRun{logs: &syncBuffer{}}
		env := map[string]string{"REDIS_URL": redistest.URL(), "DISCORD_TOKEN": discordtest.Token}
		m := &Main{Stdout: &syncBuffer{}, Stderr: r.logs, Getenv: func(k string) string { return env[k] }}
		_, r.cancel, r.done = startServe(t, m, cfgPath)
		t.Cleanup(func() { r.stop(t) })
		return r
	}
	waitLog := func(r *replicaRun, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(r.logs.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in the logs:\n%s", what, r.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	a := start()
	if !fake.WaitConnected(10 * time.Second) {
		t.Fatalf("the first replica never connected:\n%s", a.logs)
	}
	waitLog(a, "this replica holds the lease")
	fake.FailNext("GET", "/channels/"+dInternal, http.StatusInternalServerError, 1)
	fake.FailNext("GET", "/users/@me", http.StatusInternalServerError, 1)
	b := start()
	waitLog(b, "standing by")
	waitLog(b, "could not check an internal channel at start-up")
	waitLog(b, "cannot check the bot token over REST; standing by and checking again in the background")
	waitLog(b, "bot token checked over REST")
	time.Sleep(3 * discordLeaseTTL / 3) // a few renewals: still one session
	if n := len(fake.Identifies()); n != 1 {
		t.Fatalf("identifies = %d with two replicas running, want 1", n)
	}

	stopped := time.Now()
	a.stop(t)
	if !fake.WaitConnected(10 * time.Second) {
		t.Fatalf("the standby never took over:\n%s", b.logs)
	}
	t.Logf("takeover: the standby connected %v after the holder was told to stop", time.Since(stopped).Round(time.Millisecond))
	waitLog(b, "this replica holds the lease")
	if _, maxOpen := fake.Connections(); maxOpen != 1 || len(fake.Identifies()) != 2 {
		t.Errorf("gateway sessions at once: %d, identifies: %d; want 1 and 2: overlapping %v", maxOpen, len(fake.Identifies()), fake.Overlaps())
	}
	fake.Dispatch("MESSAGE_CREATE", map[string]any{"id": "1200000000000000077", "channel_id": dGeneral, "guild_id": dGuild, "type": 0,
		"content": "is anyone there? the invoice is wrong", "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
		"author": map[string]any{"id": dAlice, "username": "alice"}, "member": map[string]any{"roles": []string{dMember}}})
	st := redisstore.New(client, redisstore.Options{Prefix: prefix})
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		err := st.Replay(context.Background(), dGuild, func(store.Entry) error { n++; return nil })
		if err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new holder did not capture (%d entries, %v):\n%s", n, err, b.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(a.logs.String()+b.logs.String(), discordtest.Token) {
		t.Error("a replica logged the token")
	}
}

// replicaRun is one `run` of TestDiscordReplicasShareTheGateway.
type replicaRun struct {
	logs   *syncBuffer
	cancel context.CancelFunc
	done   <-chan error
}

// stop is SIGTERM: serve drains and returns.
func (r *replicaRun) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("serve: %v\n%s", err, r.logs)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("serve did not stop:\n%s", r.logs)
	}
}
