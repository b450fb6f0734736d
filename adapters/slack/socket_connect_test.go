package slackadapter

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

// TestSocketModeConnectFailureIsLogged: an apps.connections.open that Slack keeps
// refusing is tried again by slack-go, with backoff, for good (for every error but
// invalid_auth), and each attempt is logged: Slack's refusal of the app-level token
// (missing_scope: no connections:write) as an error saying what to do, Slack
// failing (a 503) as a warning. Until 2026-12-07 nothing reached the log, at any
// level, while "slack connected" and /readyz said all was well and no event ever
// arrived (a review's find).
func TestSocketModeConnectFailureIsLogged(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"the token lacks connections:write", http.StatusOK, `{"ok":false,"error":"missing_scope","needed":"connections:write","provided":"authorizations:read"}`,
			[]string{"level=ERROR", "SLACK_APP_TOKEN", "connections:write", "missing_scope", "retry_in="}},
		{"Slack fails", http.StatusServiceUnavailable, `{"ok":false,"error":"service_unavailable"}`,
			[]string{"level=WARN", "could not connect; trying again", "attempt="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(d time.Duration) { socketOpenTimeout = d }(socketOpenTimeout)
			socketOpenTimeout = 200 * time.Millisecond
			opens := make(chan struct{}, 64)
			f := newFixture(t, func(c slacktest.Customize) {
				c.Handle("/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
					opens <- struct{}{}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tc.status)
					w.Write([]byte(tc.body))
				})
			})
			var logs syncBuffer
			f.a.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- f.a.RunSocket(ctx, "xapp-test-secret") }()
			select {
			case <-opens:
			case err := <-done:
				t.Fatalf("RunSocket returned: %v", err)
			case <-time.After(5 * time.Second):
				t.Fatal("apps.connections.open was never called")
			}
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(logs.String(), "attempt=") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			<-done
			out := logs.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the log says no %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "xapp-test-secret") {
				t.Errorf("the log shows the token:\n%s", out)
			}
		})
	}
}

func TestWithoutQuery(t *testing.T) {
	for in, want := range map[string]string{
		`GET "wss://wss-primary.slack.com/link/?ticket=abc-123&app_id=A1": connection refused`: `GET "wss://wss-primary.slack.com/link/?…": connection refused`,
		`Post "https://slack.com/api/apps.connections.open": EOF`:                              `Post "https://slack.com/api/apps.connections.open": EOF`,
		`missing_scope`: `missing_scope`,
	} {
		if got := withoutQuery(in); got != want {
			t.Errorf("withoutQuery(%q) = %q, want %q", in, got, want)
		}
	}
}
