package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// slackRetryPost sends an event signed as Slack signs it, with extra headers
// (Slack's X-Slack-Retry-Num on a redelivery), and returns the status.
func slackRetryPost(t *testing.T, addr, secret, body string, hdr map[string]string) int {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/slack/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSlackEventsBuiltOnTheStoredVersionRideOutAStoreBlip: an edit, a reaction and
// a redelivered message each read the stored version before writing; during a
// Redis blip that ends 0.2 s after the event arrives (inside capture's 2 s of
// backoff) each is answered 200 and
// stored, as a new message is (they read the store once and answered 500 at once:
// a review's find). A longer outage fails the event, counted in
// feedbackbot_capture_failures_total, and Slack redelivers it.
func TestSlackEventsBuiltOnTheStoredVersionRideOutAStoreBlip(t *testing.T) {
	direct, prefix := redistest.Client(t)
	c, ok := direct.(*redis.Client)
	if !ok {
		t.Skip("needs a single Redis server (a proxy in front of it)")
	}
	p := redistest.NewProxy(t, c.Options().Addr)
	api := homeUsersAPI(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedbackbot.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("store:\n  key_prefix: %q\n", prefix)), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "blip-secret"
	m, _, errb := testMain(map[string]string{"REDIS_URL": fmt.Sprintf("redis://%s/%d", p.Addr(), c.Options().DB), "SLACK_BOT_TOKEN": "xoxb-blip",
		"SLACK_SIGNING_SECRET": secret, "SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"})
	addr, cancel, done := startServe(t, m, cfg)
	defer func() { cancel(); <-done }()
	ts := fmt.Sprintf("%d.000100", time.Now().Add(-time.Hour).Unix())
	body := func(id, ev string) string {
		return fmt.Sprintf(`{"type":"event_callback","team_id":"THOME","event_id":%q,"event":%s}`, id, ev)
	}
	first := body("EvB1", fmt.Sprintf(`{"type":"message","user":"XDANA","user_team":"TACME","channel":"CSHARED","ts":%q,"text":"why does the export fail"}`, ts))
	if code, _ := slackPost(t, addr, secret, "/slack/events", first, "application/json"); code != 200 {
		t.Fatalf("the first message: %d", code)
	}
	// during a blip of 1.2 s: the event is sent 0.2 s before its end, when the
	// client's pool answers every call with its last dial error at once (and finds
	// Redis back within a second of its return)
	blip := func(name, b string, hdr map[string]string) {
		t.Helper()
		p.Down()
		time.Sleep(time.Second)
		up := make(chan struct{})
		go func() {
			defer close(up)
			time.Sleep(200 * time.Millisecond)
			p.Up()
		}()
		start := time.Now()
		if code := slackRetryPost(t, addr, secret, b, hdr); code != 200 {
			t.Errorf("%s during a 1.2 s Redis blip: %d after %s, want 200 (capture rides a blip out)", name, code, time.Since(start).Round(time.Millisecond))
		}
		<-up
	}
	blip("an edit", body("EvB2", fmt.Sprintf(`{"type":"message","subtype":"message_changed","channel":"CSHARED","ts":"%d.000200","message":{"type":"message","user":"XDANA","user_team":"TACME","ts":%q,"text":"why does the export fail? it says 500","edited":{"user":"XDANA","ts":"%d.000200"}}}`,
		time.Now().Unix(), ts, time.Now().Unix())), nil)
	blip("a reaction", body("EvB3", fmt.Sprintf(`{"type":"reaction_added","user":"UMARIA","reaction":"eyes","item":{"type":"message","channel":"CSHARED","ts":%q}}`, ts)), nil)
	blip("a redelivered message", first, map[string]string{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})

	st := redisstore.New(direct, redisstore.Options{Prefix: prefix})
	got, found, err := st.Newest(context.Background(), "slack/THOME/CSHARED:"+ts)
	if err != nil || !found || !strings.Contains(got.Text, "it says 500") || got.Reactions["eyes"] != 1 {
		t.Errorf("stored after the blips: %q %v (found %v, %v); want the edit's text and eyes 1", got.Text, got.Reactions, found, err)
	}
	failures := opsMetric(t, addr, "feedbackbot_capture_failures_total")
	if failures != "0" {
		t.Errorf("capture_failures_total %s after blips capture rode out, want 0", failures)
	}

	// an outage longer than capture waits: the reaction fails, and is counted
	p.Down()
	code := slackRetryPost(t, addr, secret, body("EvB4", fmt.Sprintf(`{"type":"reaction_added","user":"UMARIA","reaction":"+1","item":{"type":"message","channel":"CSHARED","ts":%q}}`, ts)), nil)
	p.Up()
	if code < 500 {
		t.Errorf("a reaction during a longer outage: %d, want a 5xx so that Slack redelivers it", code)
	}
	if after := opsMetric(t, addr, "feedbackbot_capture_failures_total"); after != "1" {
		t.Errorf("capture_failures_total %s after a reaction given up on, want 1\n%s", after, errb)
	}
}
