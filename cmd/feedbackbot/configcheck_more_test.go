package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// checkRedisURL is the real Redis these tests open (redistest.URL: REDIS_URL, else
// database 0 of 127.0.0.1:6379). Tests needing it skip when it does not answer,
// unless FEEDBACKBOT_REQUIRE_REDIS=1 makes that a failure, as redistest.Client says.
func checkRedisURL(t *testing.T) string {
	t.Helper()
	redistest.Client(t)
	return redistest.URL()
}

// TestConfigCheckOpensRedis: config check opens the configured Redis store as every
// other command does. An unreachable Redis passed as "Configuration OK … store: Redis
// at redis://127.0.0.1:6390/7" while every command after it failed with "cannot reach
// Redis at 127.0.0.1:6390" (a review's find); now it, and a Redis that refuses the
// URL, is a problem naming the address, never the password.
func TestConfigCheckOpensRedis(t *testing.T) {
	t.Chdir(t.TempDir())
	const password = "hunter2-SECRET"
	closed := redistest.RefusedAddr(t)
	for _, tc := range []struct {
		name  string
		url   func(t *testing.T) string
		code  int
		wants []string
	}{
		{"reachable", checkRedisURL, 0, []string{"Configuration OK", "store:     Redis at "}},
		{"nothing listens", func(*testing.T) string { return "redis://:" + password + "@" + closed + "/9" }, 1,
			[]string{"1 configuration problem", "REDIS_URL: open Redis store redis://:xxxxx@" + closed + "/9: cannot reach Redis at " + closed, "connection refused"}},
		{"a cluster whose hosts do not resolve", func(*testing.T) string { return "redis+cluster://:" + password + "@feedbackbot-test.invalid:7000" }, 1,
			[]string{"REDIS_URL: ", "cannot reach Redis at feedbackbot-test.invalid:7000 (cluster)"}},
		{"the server refuses the URL", func(t *testing.T) string {
			u, err := url.Parse(checkRedisURL(t))
			if err != nil || u.Scheme != "redis" {
				t.Skipf("REDIS_URL is not a redis:// URL this test can change")
			}
			u.User, u.Path = url.UserPassword(u.User.Username(), password), "/99" // past the 16 databases
			return u.String()
		}, 1, []string{"REDIS_URL: open Redis store ", "Redis at ", "refused the "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, map[string]string{"REDIS_URL": tc.url(t)}, "config", "check")
			all := stdout + stderr
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, all)
			}
			for _, want := range tc.wants {
				if !strings.Contains(all, want) {
					t.Errorf("output lacks %q:\n%s", want, all)
				}
			}
			if tc.code != 0 && strings.Contains(all, "Configuration OK") {
				t.Errorf("a store that cannot be opened passed:\n%s", all)
			}
			if strings.Contains(all, password) {
				t.Errorf("the password was printed:\n%s", all)
			}
		})
	}
}

// TestConfigCheckEmbeddedStoreUntouched: without REDIS_URL, config check still
// creates no store directory (it opens only Redis).
func TestConfigCheckEmbeddedStoreUntouched(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	data := filepath.Join(dir, "not-yet")
	code, stdout, stderr := runCLI(t, map[string]string{"FEEDBACKBOT_DATA": data}, "config", "check")
	if code != 0 || !strings.Contains(stdout, "store:     embedded store in "+data) {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(data); err == nil {
		t.Errorf("config check created %s", data)
	}
}

// slackCheckEnv is config check's environment with Slack's API at apiURL, and a
// config file with an internal channel.
func slackCheckEnv(t *testing.T, apiURL string) map[string]string {
	t.Helper()
	return slackCheckEnvConfig(t, apiURL, "slack:\n  internal_channels: [CINTERNAL]\n")
}

// slackCheckEnvConfig is slackCheckEnv with the config file's content.
func slackCheckEnvConfig(t *testing.T, apiURL, yaml string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "feedbackbot.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"SLACK_BOT_TOKEN": "xoxb-check-SECRET", "SLACK_SIGNING_SECRET": "s", "SLACK_MODE": "http", "SLACK_API_URL": apiURL,
		"FEEDBACKBOT_DATA": filepath.Join(dir, "data"), "FEEDBACKBOT_ADDR": "127.0.0.1:0"}
}

// TestConfigCheckSlackHintMatchesTheFailure: a network failure of auth.test said
// "slack auth.test (is SLACK_BOT_TOKEN valid?): … no such host" (a review's find);
// the token is blamed only when Slack says it is not valid.
func TestConfigCheckSlackHintMatchesTheFailure(t *testing.T) {
	refusing := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
		})
	})
	refusing.Start()
	t.Cleanup(refusing.Stop)
	closed := "http://" + redistest.RefusedAddr(t) + "/api/"
	for _, tc := range []struct {
		name, apiURL string
		want, never  string
	}{
		{"Slack refuses the token", refusing.GetAPIURL(), "Slack says SLACK_BOT_TOKEN is not valid (invalid_auth)", "cannot reach"},
		// (with no channel to check, the token is checked all the same)
		{"Slack refuses the token, no channels configured", refusing.GetAPIURL(), "Slack says SLACK_BOT_TOKEN is not valid (invalid_auth)", "Configuration OK"},
		{"nothing listens at SLACK_API_URL", closed, "slack auth.test: cannot reach Slack at " + closed, "SLACK_BOT_TOKEN valid"},
		{"the host does not resolve", "http://feedbackbot-test.invalid/api/", "cannot reach Slack at http://feedbackbot-test.invalid/api/", "SLACK_BOT_TOKEN valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := slackCheckEnv(t, tc.apiURL)
			if strings.Contains(tc.name, "no channels") {
				env = slackCheckEnvConfig(t, tc.apiURL, "slack:\n  mode: http\n")
			}
			code, stdout, stderr := runCLI(t, env, "config", "check")
			all := stdout + stderr
			if code != 1 || !strings.Contains(all, tc.want) || strings.Contains(all, tc.never) {
				t.Errorf("exit %d; want 1, %q and not %q:\n%s", code, tc.want, tc.never, all)
			}
			if strings.Contains(all, "xoxb-check-SECRET") {
				t.Errorf("the token was printed:\n%s", all)
			}
		})
	}
}

// TestRunSaysSlackUnreachable: run with SLACK_API_URL at a closed port said "(is
// SLACK_BOT_TOKEN valid?)" for "connection refused"; it says Slack cannot be reached.
func TestRunSaysSlackUnreachable(t *testing.T) {
	closed := "http://" + redistest.RefusedAddr(t) + "/api/"
	m, out, errb := testMain(slackCheckEnv(t, closed))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := m.Run(ctx, []string{"run"})
	if err == nil {
		t.Fatalf("run started with Slack unreachable:\n%s%s", out, errb)
	}
	if !strings.Contains(err.Error(), "cannot reach Slack at "+closed) || strings.Contains(err.Error(), "SLACK_BOT_TOKEN valid") {
		t.Errorf("run: %v\nwant Slack unreachable, not the token blamed", err)
	}
}

// TestConfigCheckSummarisesAlerts: config check's summary says where alerts go and
// which are posted, or that they are off; and an alerts section missing its
// platform or channel (or naming no platform) fails the check naming the key.
func TestConfigCheckSummarisesAlerts(t *testing.T) {
	const internal = "slack: {internal_channels: [C1]}\n"
	for _, tc := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"on", internal + "alerts: {platform: slack, channel: C1, threshold: 40, repeat_interval: 4h}\n", 0,
			"  alerts:    slack channel C1, accounts scoring below 40, warning and critical alerts posted, an unchanged alert repeated after 4h at the soonest\n"},
		{"critical only", internal + "alerts: {platform: slack, channel: C1, min_severity: critical}\n", 0,
			"  alerts:    slack channel C1, accounts scoring below 50, critical alerts posted (warnings only in digests), an unchanged alert repeated after 1d at the soonest\n"},
		{"off", "log: {level: info}\n", 0, "  alerts:    off (no alerts.channel)\n"},
		{"off as the example writes it", "alerts: {platform: slack, channel: \"\"}\n", 0, "  alerts:    off (no alerts.channel)\n"},
		{"a channel without a platform", internal + "alerts: {channel: C1}\n", 1, "alerts.platform is missing: set slack or discord"},
		{"a misspelt platform", "alerts: {platform: slak}\n", 1,
			"2 configuration problems:\n  - alerts.platform \"slak\" is not slack or discord\n  - alerts.channel is missing, though alerts.platform is \"slak\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			if err := os.WriteFile(filepath.Join(dir, "feedbackbot.yaml"), []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, nil, "config", "check")
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, stdout, stderr)
			}
		})
	}
}

// TestConfigCheckNamesMissingSlackScopes: a bot token installed before a scope
// was added to the app works until the bot needs the scope; config check asks
// Slack which scopes the token has (auth.test's X-OAuth-Scopes) and fails
// naming each one missing and what goes without it, never printing the token.
func TestConfigCheckNamesMissingSlackScopes(t *testing.T) {
	var granted atomic.Value // (the server's goroutines read it)
	granted.Store("channels:read,groups:read,chat:write,commands,users:read,reactions:read,team:read")
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-OAuth-Scopes", granted.Load().(string))
			fmt.Fprint(w, `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"feedbackbot","team_id":"T0HOME","user_id":"UBOT"}`)
		})
	})
	srv.Start()
	t.Cleanup(srv.Stop)
	env := slackCheckEnvConfig(t, srv.GetAPIURL(), "slack:\n  mode: http\n")
	code, stdout, stderr := runCLI(t, env, "config", "check")
	all := stdout + stderr
	for _, want := range []string{"lacks 3 scopes", "channels:history (", "groups:history (", "files:write (digests go without their chart)", "reinstall"} {
		if code != 1 || !strings.Contains(all, want) {
			t.Errorf("exit %d; want 1 and %q:\n%s", code, want, all)
		}
	}
	if strings.Contains(all, "xoxb-check-SECRET") {
		t.Errorf("the token was printed:\n%s", all)
	}
	granted.Store(granted.Load().(string) + ",channels:history,groups:history,files:write")
	if code, stdout, stderr := runCLI(t, env, "config", "check"); code != 0 || strings.Contains(stdout+stderr, "lacks") {
		t.Errorf("every scope granted: exit %d; want 0 and no scope named:\n%s%s", code, stdout, stderr)
	}
}

// TestConfigProblemsNameTheFile: a problem with a value in ./feedbackbot.yaml,
// read without --config, names the file and says it was read by default, for
// config check as for any command (analyze said "1 configuration problem: -
// log.level: …" alone, a new user's review).
func TestConfigProblemsNameTheFile(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("feedbackbot.yaml", []byte("log:\n  level: verbose\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const note = "\n  (configuration file: ./feedbackbot.yaml, read by default: no --config was given)\n"
	for _, args := range [][]string{{"analyze"}, {"config", "check"}, {"digest"}} {
		code, stdout, stderr := runCLI(t, nil, args...)
		if code != 1 || !strings.Contains(stderr, "log.level: \"verbose\"") || !strings.HasSuffix(stderr, note) {
			t.Errorf("%v: exit %d, want 1 and the file named:\n%s%s", args, code, stdout, stderr)
		}
	}
}

// TestConfigCheckNamesTheFileForItsOwnFinds: a problem only config check's own
// checks find (a layer file that is no layer) names the file read too, as the
// loader's problems do (a review's find: it was left out).
func TestConfigCheckNamesTheFileForItsOwnFinds(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("notalayer.json", []byte(`{"x":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("feedbackbot.yaml", []byte("analysis:\n  layer: notalayer.json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "config", "check")
	if code != 1 || !strings.Contains(stderr, "notalayer.json") || !strings.HasSuffix(stderr, "\n  (configuration file: ./feedbackbot.yaml, read by default: no --config was given)\n") {
		t.Errorf("exit %d, want 1 and the file named:\n%s%s", code, stdout, stderr)
	}
}

// TestConfigCheckAsksSlackAboutTheAppToken: in Socket Mode, config check asks
// Slack whether it takes the app-level token (apps.connections.open, never
// connected): one Slack refuses is a problem naming SLACK_APP_TOKEN and what to
// do, as run's own error is; one it takes passes. Until 2026-12-07 the check
// passed a revoked token, and run then stopped with "invalid_auth" alone (a
// review's find).
func TestConfigCheckAsksSlackAboutTheAppToken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		code   int
	}{
		{"refused", `{"ok":false,"error":"invalid_auth"}`, 1},
		{"taken", `{"ok":true,"url":"wss://127.0.0.1:1/link/?ticket=T-SECRET"}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := slacktest.NewTestServer(func(c slacktest.Customize) {
				c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
					fmt.Fprint(w, `{"ok":true,"team_id":"T0HOME","user_id":"UBOT","url":"https://acme.slack.com/"}`)
				})
				c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("Authorization") != "Bearer xapp-1-A1-SECRET" {
						http.Error(w, "not the app-level token", http.StatusBadRequest)
						return
					}
					fmt.Fprint(w, tc.answer)
				})
			})
			api.Start()
			t.Cleanup(api.Stop)
			env := slackCheckEnvConfig(t, api.GetAPIURL(), "slack:\n  mode: socket\n")
			delete(env, "SLACK_SIGNING_SECRET")
			env["SLACK_MODE"], env["SLACK_APP_TOKEN"] = "socket", "xapp-1-A1-SECRET"
			code, stdout, stderr := runCLI(t, env, "config", "check")
			if code != tc.code {
				t.Errorf("config check exit %d, want %d:\n%s%s", code, tc.code, stdout, stderr)
			}
			if tc.code != 0 && (!strings.Contains(stderr, "SLACK_APP_TOKEN") || !strings.Contains(stderr, "connections:write")) {
				t.Errorf("config check does not say which token, nor what to do:\n%s", stderr)
			}
			if strings.Contains(stdout+stderr, "SECRET") {
				t.Errorf("config check shows a secret:\n%s%s", stdout, stderr)
			}
			if tc.code == 0 {
				return
			}
			m, _, _ := testMain(env)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			if err := m.Run(ctx, []string{"run"}); err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
				t.Errorf("run = %v; want an error naming SLACK_APP_TOKEN", err)
			}
		})
	}
}
