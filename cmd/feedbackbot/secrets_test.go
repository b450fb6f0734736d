package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// Test secrets: distinctive, so a grep cannot miss them or find them by accident.
const (
	tBotToken      = "xoxb-secret-bot-token-4471"
	tAppToken      = "xapp-secret-app-token-8812"
	tSigningSecret = "secret-signing-3390"
	tRedisPassword = "secret-redis-pass-5521"
)

// syncBuffer is a log sink written by the running bot's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// redisURLWithPassword is the test Redis with a password in its URL: the test
// password (Redis's default user accepts any password when it has none) or the one
// REDIS_URL already carries.
func redisURLWithPassword(t *testing.T) (string, string) {
	t.Helper()
	u, err := url.Parse(redistest.URL())
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		t.Skipf("REDIS_URL %q is not a redis:// URL this test can add a password to", redistest.URL())
	}
	if p, ok := u.User.Password(); ok && p != "" {
		return u.String(), p
	}
	u.User = url.UserPassword("default", tRedisPassword)
	return u.String(), tRedisPassword
}

func assertNoSecrets(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			i := strings.Index(text, s)
			t.Errorf("%s contains the secret %q…: …%s…", where, s[:6], text[max(0, i-80):min(len(text), i+len(s)+20)])
		}
	}
}

// TestRunNeverLogsSecrets runs the bot at debug level with Slack (HTTP mode, with an
// app token set too), Discord (token from DISCORD_TOKEN_FILE) and Redis (password in
// REDIS_URL), drives it (a signed event, a badly signed request, a staff command, a
// Discord message and command), stops it, and then makes each secret fail: Slack
// refusing the bot token, Discord refusing its token, Redis unreachable. No log
// line, output or error contains any secret.
func TestRunNeverLogsSecrets(t *testing.T) {
	redisURL, redisPass := redisURLWithPassword(t)
	_, prefix := redistest.Client(t) // its own key prefix, deleted afterwards
	secrets := []string{tBotToken, tAppToken, tSigningSecret, discordtest.Token, redisPass}

	var authOK = true
	var authMu sync.Mutex
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			authMu.Lock()
			ok := authOK
			authMu.Unlock()
			if !ok {
				w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
				return
			}
			w.Write([]byte(`{"ok":true,"team_id":"THOME","user_id":"UBOT","team":"Home"}`))
		})
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"team_id":"THOME","name":"maria"}}`, r.Form.Get("user"))
		})
	})
	api.Start()
	defer api.Stop()
	fake := discordFake(t)
	dir := t.TempDir()
	t.Chdir(dir)
	tokenFile := filepath.Join(dir, "discord-token")
	if err := os.WriteFile(tokenFile, []byte(discordtest.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	body := "store:\n  key_prefix: " + prefix + "\ndiscord:\n  staff_roles: [\"" + dStaff + "\"]\n  internal_channels: [\"" + dInternal + "\"]\n"
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REDIS_URL": redisURL, "SLACK_BOT_TOKEN": tBotToken, "SLACK_APP_TOKEN": tAppToken, "SLACK_SIGNING_SECRET": tSigningSecret,
		"SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "DISCORD_TOKEN_FILE": tokenFile, "FEEDBACKBOT_LOG_LEVEL": "debug"}
	var logs syncBuffer
	m := &Main{Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return env[k] }}
	addr, cancel, done := startServe(t, m, cfgPath)
	if !fake.WaitConnected(10 * time.Second) {
		cancel()
		t.Fatalf("never connected to Discord:\n%s", logs.String())
	}
	post := func(path, body, ctype, secret string) int {
		code, reply := slackPost(t, addr, secret, path, body, ctype)
		assertNoSecrets(t, "HTTP reply", reply, secrets...)
		return code
	}
	event := fmt.Sprintf(`{"type":"event_callback","team_id":"THOME","event_id":"EvS","event":{"type":"message","user":"XDANA","user_team":"TACME","channel":"CSHARED","ts":"%d.000100","text":"charged twice"}}`,
		time.Now().Add(-time.Hour).Unix())
	if code := post("/slack/events", event, "application/json", tSigningSecret); code != 200 {
		t.Errorf("signed event: %d", code)
	}
	if code := post("/slack/events", event, "application/json", "not-the-secret"); code != 401 {
		t.Errorf("badly signed event: %d", code)
	}
	form := url.Values{"command": {"/feedback"}, "text": {"risk"}, "user_id": {"UMARIA"}, "team_id": {"THOME"}, "channel_id": {"CINTERNAL"}}.Encode()
	if code := post("/slack/commands", form, "application/x-www-form-urlencoded", tSigningSecret); code != 200 {
		t.Errorf("staff command: %d", code)
	}
	fake.Dispatch("MESSAGE_CREATE", map[string]any{"id": "1200000000000000001", "channel_id": dGeneral, "guild_id": dGuild, "type": 0,
		"content": "we were charged twice", "timestamp": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano),
		"author": map[string]any{"id": dAlice, "username": "alice"}, "member": map[string]any{"roles": []string{dMember}}})
	fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": "700000000000009001", "application_id": fake.AppID, "type": 2, "token": "tok9001",
		"guild_id": dGuild, "channel_id": dInternal, "member": map[string]any{"user": map[string]any{"id": dSam, "username": "sam"}, "roles": []string{dStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "risk", "type": 1}}}})
	if _, ok := fake.WaitRequest("/interactions/700000000000009001/", 0, 5*time.Second); !ok {
		t.Errorf("no reply to the Discord command:\n%s", logs.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(logs.String(), "feedbackbot running") || !strings.Contains(logs.String(), "bad or stale signature") {
		t.Fatalf("the run logged too little to prove anything:\n%s", logs.String())
	}
	assertNoSecrets(t, "logs of a run", logs.String(), secrets...)

	// Each secret refused or unusable: the errors and logs still do not show it.
	var redisLogs syncBuffer // go-redis's own logger writes outside slog: capture it too
	redis.SetLogger(redisLogger{&redisLogs})
	defer redis.SetLogger(redisLogger{os.Stderr})
	failures := []struct {
		name, because string
		setup         func() (map[string]string, func())
	}{
		{"Slack refuses the bot token", "invalid_auth", func() (map[string]string, func()) {
			authMu.Lock()
			authOK = false
			authMu.Unlock()
			e := map[string]string{"FEEDBACKBOT_DATA": t.TempDir(), "SLACK_BOT_TOKEN": tBotToken, "SLACK_SIGNING_SECRET": tSigningSecret,
				"SLACK_APP_TOKEN": tAppToken, "SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "FEEDBACKBOT_LOG_LEVEL": "debug"}
			return e, func() { authMu.Lock(); authOK = true; authMu.Unlock() }
		}},
		{"Discord refuses the token", "401", func() (map[string]string, func()) {
			fake.RevokeToken()
			return map[string]string{"FEEDBACKBOT_DATA": t.TempDir(), "DISCORD_TOKEN_FILE": tokenFile, "FEEDBACKBOT_LOG_LEVEL": "debug"}, func() {}
		}},
		{"Redis unreachable", "127.0.0.1:1", func() (map[string]string, func()) {
			return map[string]string{"REDIS_URL": "redis://default:" + tRedisPassword + "@127.0.0.1:1/0", "FEEDBACKBOT_LOG_LEVEL": "debug",
				"SLACK_BOT_TOKEN": tBotToken, "SLACK_SIGNING_SECRET": tSigningSecret, "SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL()}, func() {}
		}},
	}
	for _, fc := range failures {
		t.Run(fc.name, func(t *testing.T) {
			e, restore := fc.setup()
			defer restore()
			var out syncBuffer
			m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return e[k] }}
			cfgPath := filepath.Join(t.TempDir(), "feedbackbot.yaml")
			os.WriteFile(cfgPath, []byte("discord:\n  staff_roles: [\""+dStaff+"\"]\n  internal_channels: [\""+dInternal+"\"]\n"), 0o600)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			e["FEEDBACKBOT_ADDR"] = "127.0.0.1:0"
			runErr := m.Run(ctx, []string{"run", "--config", cfgPath})
			if runErr == nil {
				t.Fatalf("run should fail:\n%s", out.String())
			}
			var exit bytes.Buffer
			exitCode(&exit, runErr)
			all := out.String() + "\n" + exit.String() + "\n" + redisLogs.String()
			if !strings.Contains(all, fc.because) {
				t.Fatalf("run failed for another reason than %q:\n%s", fc.because, all)
			}
			t.Logf("%s", strings.TrimSpace(exit.String()))
			assertNoSecrets(t, "output of a failed run", all, tBotToken, tAppToken, tSigningSecret, discordtest.Token, tRedisPassword)
			// config check over the same environment, which asks the platforms too.
			var chk syncBuffer
			mc := &Main{Stdout: &chk, Stderr: &chk, Getenv: func(k string) string { return e[k] }}
			chkErr := mc.Run(ctx, []string{"config", "check", "--config", cfgPath})
			var chkExit bytes.Buffer
			exitCode(&chkExit, chkErr)
			assertNoSecrets(t, "config check output", chk.String()+"\n"+chkExit.String(), tBotToken, tAppToken, tSigningSecret, discordtest.Token, tRedisPassword)
		})
	}
}

// redisLogger receives go-redis's internal log lines (pool dial failures).
type redisLogger struct{ w io.Writer }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	fmt.Fprintf(l.w, "redis: "+format+"\n", v...)
}
