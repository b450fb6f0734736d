package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// opsMetric reads one sample of the bot's /metrics ("(missing)" when absent).
func opsMetric(t *testing.T, addr, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			return v
		}
	}
	return "(missing)"
}

// TestDiscordStoreOutageCountsTheMessageOnceAndNoFailure: one Discord message
// arrives while Redis is away for a few seconds. The adapter's capture queue
// retries it until it is stored (Discord never redelivers). Every retry went
// through bot.Capture, which counted the same event again as a new one
// (feedbackbot_events_captured_total), each attempt as a capture given up on
// (feedbackbot_capture_failures_total), and logged "capture failed; the platform
// will redeliver" at ERROR every couple of seconds. One message, one event, no
// failure, and no claim that Discord redelivers.
func TestDiscordStoreOutageCountsTheMessageOnceAndNoFailure(t *testing.T) {
	direct, prefix := redistest.Client(t)
	c, ok := direct.(*redis.Client)
	if !ok {
		t.Skip("needs a single Redis server to put a proxy in front of")
	}
	p := redistest.NewProxy(t, c.Options().Addr)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("store:\n  key_prefix: %q\ndiscord:\n  staff_roles: [%q]\n  internal_channels: [%q]\n",
		prefix, dStaff, dInternal)), 0o600); err != nil {
		t.Fatal(err)
	}
	fake := discordFake(t)
	m, _, errb := testMain(map[string]string{"REDIS_URL": fmt.Sprintf("redis://%s/%d", p.Addr(), c.Options().DB), "DISCORD_TOKEN": discordtest.Token})
	addr, cancel, done := startServe(t, m, cfgPath)
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	if !fake.WaitConnected(10 * time.Second) {
		t.Fatalf("never connected:\n%s", errb)
	}
	time.Sleep(500 * time.Millisecond) // (the session's catch-up, with Redis up)

	p.Down()
	fake.Dispatch("MESSAGE_CREATE", map[string]any{"id": "1200000000000000001", "channel_id": dGeneral, "guild_id": dGuild, "type": 0,
		"content": "we were charged twice and nobody answers", "timestamp": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano),
		"author": map[string]any{"id": dAlice, "username": "alice"}, "member": map[string]any{"roles": []string{dMember}}})
	time.Sleep(7 * time.Second) // several of the queue's retries, well inside the gateway lease's 30 s
	p.Up()
	deadline := time.Now().Add(20 * time.Second)
	for opsMetric(t, addr, "feedbackbot_events_stored_total") != "1" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if stored := opsMetric(t, addr, "feedbackbot_events_stored_total"); stored != "1" {
		t.Fatalf("the message was not stored after the outage: events_stored_total %s\n%s", stored, errb)
	}
	if captured := opsMetric(t, addr, "feedbackbot_events_captured_total"); captured != "1" {
		t.Errorf("feedbackbot_events_captured_total = %s after one Discord message, want 1", captured)
	}
	if failures := opsMetric(t, addr, "feedbackbot_capture_failures_total"); failures != "0" {
		t.Errorf("feedbackbot_capture_failures_total = %s, want 0: the queue retried until the message was stored", failures)
	}
	if retries := opsMetric(t, addr, "feedbackbot_capture_retries_total"); retries == "0" || retries == "(missing)" {
		t.Errorf("feedbackbot_capture_retries_total = %s: the outage's retries are not counted", retries)
	}
	logs := errb.String()
	if n := strings.Count(logs, "the platform will redeliver"); n > 0 {
		t.Errorf("logged %d times that the platform will redeliver a Discord event; Discord never does", n)
	}
	if !strings.Contains(logs, "Discord does not redeliver") {
		t.Errorf("the outage's log does not say the capture queue retries (Discord does not redeliver):\n%s", logs)
	}
}

// TestShutdownAnswersAButtonPressAcknowledgedDuringTheDrain: SIGTERM arrives while
// a button press is on its way. HTTP keeps serving the requests in flight, and the
// press is acknowledged; the Slack adapter used to be stopped by the signal itself
// (its Run waited for its replies before that request came), so the press's
// answer ran in a goroutine nothing waited for, after serve had closed the store:
// it was never posted. The adapters now stop once HTTP has drained, and serve
// returns after the answer.
func TestShutdownAnswersAButtonPressAcknowledgedDuringTheDrain(t *testing.T) {
	var slow atomic.Bool
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			if slow.Load() {
				time.Sleep(400 * time.Millisecond) // (Slack's API may take that)
			}
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"team_id":"THOME","name":"maria"}}`, r.Form.Get("user"))
		})
	})
	api.Start()
	t.Cleanup(api.Stop)
	answered := make(chan time.Time, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answered <- time.Now()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(hook.Close)

	dir := t.TempDir()
	t.Chdir(dir)
	const secret = "e2e-secret"
	m, _, errb := testMain(map[string]string{"FEEDBACKBOT_DATA": dir, "SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": secret,
		"SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"})
	addr, cancel, done := startServe(t, m, "")
	if code, _ := slackPost(t, addr, secret, "/slack/events", `{"type":"url_verification","challenge":"c"}`, "application/json"); code != 200 {
		t.Fatalf("bot not serving: %d", code)
	}
	slow.Store(true)

	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "UMARIA", "team_id": "THOME", "name": "maria"},
		"team": map[string]any{"id": "THOME"}, "channel": map[string]any{"id": "CINTERNAL"}, "response_url": hook.URL + "/answer",
		"actions": []map[string]any{{"action_id": "alert.ack", "block_id": "b1", "type": "button", "value": "fp1"}}})
	body := url.Values{"payload": {string(payload)}}.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers and half the body are sent when SIGTERM comes.
	fmt.Fprintf(conn, "POST /slack/interactions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"+
		"X-Slack-Request-Timestamp: %s\r\nX-Slack-Signature: v0=%s\r\n\r\n%s", addr, len(body), ts, hex.EncodeToString(mac.Sum(nil)), body[:len(body)/2])
	time.Sleep(200 * time.Millisecond)
	cancel() // SIGTERM
	time.Sleep(300 * time.Millisecond)
	fmt.Fprint(conn, body[len(body)/2:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the press in flight got no acknowledgement: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("press acknowledged with %d", resp.StatusCode)
	}
	var stopped time.Time
	select {
	case err := <-done:
		stopped = time.Now()
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	select {
	case at := <-answered:
		if at.After(stopped) {
			t.Errorf("the acknowledged press was answered %v after serve returned and closed the store", at.Sub(stopped).Round(time.Millisecond))
		}
	case <-time.After(3 * time.Second):
		t.Errorf("the acknowledged press was never answered at its response_url\nlogs:\n%s", errb)
	}
}

// TestConfigCheckReportsFileProblemsWithTheOtherChecks: config check promises
// every problem at once. A problem of the file's own (a log level) stopped it
// there, and an unreachable Redis, an analysis.layer file that is no layer and a
// Slack destination shared with another organisation were found one try at a
// time. They are reported together now.
func TestConfigCheckReportsFileProblemsWithTheOtherChecks(t *testing.T) {
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			ch := r.Form.Get("channel")
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,"is_channel":true,"is_ext_shared":%v}}`, ch, ch == "CSHARED")
		})
	}, staffMembers("THOME"))
	api.Start()
	defer api.Stop()
	dir := t.TempDir()
	t.Chdir(dir)
	notALayer := filepath.Join(dir, "layer.json")
	if err := os.WriteFile(notALayer, []byte(`{"not":"a layer"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	if err := os.WriteFile(cfgPath, []byte("log:\n  level: verbose\nanalysis:\n  layer: "+notALayer+"\nslack:\n  internal_channels: [CINTERNAL, CSHARED]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, out, _ := testMain(map[string]string{"REDIS_URL": "redis://" + redistest.RefusedAddr(t) + "/0",
		"SLACK_BOT_TOKEN": "xoxb-check", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"})
	err := m.Run(context.Background(), []string{"config", "check", "--config", cfgPath})
	if err == nil {
		t.Fatalf("config check passed:\n%s", out)
	}
	for _, want := range []string{"log.level", "REDIS_URL", "analysis.layer", "CSHARED is shared with another organisation"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("config check does not report the %q problem with the others:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "analysis.layer"); n != 1 {
		t.Errorf("the layer is reported %d times, want once:\n%v", n, err)
	}

	// A layer file that is not there is the file's problem; the analyzer is not
	// built from it as well (one report, not two).
	if err := os.WriteFile(cfgPath, []byte("log:\n  level: verbose\nanalysis:\n  layer: "+filepath.Join(dir, "nope.json")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m2, _, _ := testMain(map[string]string{})
	err = m2.Run(context.Background(), []string{"config", "check", "--config", cfgPath})
	if err == nil || !strings.Contains(err.Error(), "log.level") || strings.Count(err.Error(), "analysis.layer") != 1 {
		t.Errorf("a missing layer file with another problem: want both, the layer once:\n%v", err)
	}
}

// TestExportChecksOutBeforeOpeningTheStore: export --out into a directory that
// does not exist opened the store, started an audit entry and read the person's
// data before failing with exit status 1 ("cannot write …"), leaving a failed
// export in the audit trail. Like digest --chart and learn --out, the file is
// checked first: a mistake in the command line, exit status 2, no audit entry.
func TestExportChecksOutBeforeOpeningTheStore(t *testing.T) {
	dir := demoStore(t)
	before := len(audits(t, dir))
	_, _, err := run(t, dir, "export", "--workspace", DemoWorkspace, "--user", "noah.g", "--out", filepath.Join(dir, "no-such-dir", "noah.jsonl"))
	if err == nil {
		t.Fatal("export into a directory that does not exist succeeded")
	}
	if code := exitCode(io.Discard, err); code != 2 {
		t.Errorf("export --out into a directory that does not exist: exit status %d (%v), want 2", code, err)
	}
	if !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("the refusal does not say the directory does not exist: %v", err)
	}
	if after := len(audits(t, dir)); after != before {
		t.Errorf("the refused export left %d audit entries: it read the person's data before checking --out", after-before)
	}
	// (a directory given as the file is still refused the same way)
	_, _, err = run(t, dir, "export", "--workspace", DemoWorkspace, "--user", "noah.g", "--out", dir)
	if code := exitCode(io.Discard, err); code != 2 || !strings.Contains(fmt.Sprint(err), "is a directory") {
		t.Errorf("export --out DIR: exit status %d (%v), want 2 and \"is a directory\"", code, err)
	}
}

// TestBackfillOpensNoStoreWhenSlackRefusesOrIsUnreachable: backfill opened (and so
// created) the embedded store before asking Slack anything; a revoked token or an
// unreachable Slack left a new, empty store behind, after which every read command
// said "the store holds no messages yet" instead of "no store". Slack is asked
// first now.
func TestBackfillOpensNoStoreWhenSlackRefusesOrIsUnreachable(t *testing.T) {
	refusing := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":false,"error":"invalid_auth"}`))
		})
	})
	refusing.Start()
	t.Cleanup(refusing.Stop)
	for _, tc := range []struct {
		name, api, want string
	}{
		{"unreachable", "http://" + redistest.RefusedAddr(t) + "/api/", "cannot reach Slack"},
		{"token refused", refusing.GetAPIURL(), "SLACK_BOT_TOKEN is not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "typo-data")
			env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-backfill", "SLACK_API_URL": tc.api, "FEEDBACKBOT_DATA": data}
			code, _, stderr := runCLI(t, env, "backfill", "--channel", "C1", "--since", "1d")
			if code == 0 {
				t.Fatalf("backfill succeeded:\n%s", stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("backfill's error does not say %q:\n%s", tc.want, stderr)
			}
			if _, err := os.Stat(data); err == nil {
				t.Errorf("backfill failed but created %s (a new, empty store)", data)
			}
		})
	}
}

// TestInferredSlackModeNamesBothWaysToReceiveEvents: with SLACK_BOT_TOKEN alone,
// config check and run said "slack.mode is http but SLACK_SIGNING_SECRET is not
// set", blaming a setting nobody wrote (the mode was inferred) and not naming
// Socket Mode's token, the other way out.
func TestInferredSlackModeNamesBothWaysToReceiveEvents(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"config", "check"}, {"run"}} {
		m, _, _ := testMain(map[string]string{"SLACK_BOT_TOKEN": "xoxb-only", "FEEDBACKBOT_ADDR": "127.0.0.1:0"})
		err := m.Run(context.Background(), args)
		if err == nil {
			t.Fatalf("%s passed with a bot token and no way to receive events", strings.Join(args, " "))
		}
		msg := err.Error()
		if strings.Contains(msg, "slack.mode") {
			t.Errorf("%s blames slack.mode, which is set nowhere:\n%s", strings.Join(args, " "), msg)
		}
		for _, want := range []string{"SLACK_BOT_TOKEN is set without a way to receive events", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s does not say %q:\n%s", strings.Join(args, " "), want, msg)
			}
		}
	}
}
