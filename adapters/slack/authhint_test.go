package slackadapter

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// closedURL is an API URL at a port that refuses connections.
func closedURL(t *testing.T) string {
	t.Helper()
	return "http://" + redistest.RefusedAddr(t) + "/api/"
}

// authTestAnswering is a Slack API whose auth.test answers with status and body.
func authTestAnswering(t *testing.T, status int, body string) string {
	t.Helper()
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		})
	})
	api.Start()
	t.Cleanup(api.Stop)
	return api.GetAPIURL()
}

// TestStartHintMatchesTheFailure: Start blames SLACK_BOT_TOKEN only when Slack
// answered that the token is not valid; a refused connection or a failed DNS lookup
// said "(is SLACK_BOT_TOKEN valid?)" too (a review's find), and now says Slack could
// not be reached, and where.
func TestStartHintMatchesTheFailure(t *testing.T) {
	refused := closedURL(t)
	for _, tc := range []struct {
		name    string
		apiURL  func(t *testing.T) string
		want    []string
		notWant []string
	}{
		{"the token is invalid", func(t *testing.T) string { return authTestAnswering(t, 200, `{"ok":false,"error":"invalid_auth"}`) },
			[]string{"Slack says SLACK_BOT_TOKEN is not valid (invalid_auth)", "Bot User OAuth Token"}, []string{"cannot reach"}},
		{"the token is revoked", func(t *testing.T) string { return authTestAnswering(t, 200, `{"ok":false,"error":"token_revoked"}`) },
			[]string{"Slack says SLACK_BOT_TOKEN is not valid (token_revoked)"}, nil},
		{"no token reached Slack", func(t *testing.T) string { return authTestAnswering(t, 200, `{"ok":false,"error":"not_authed"}`) },
			[]string{"Slack says SLACK_BOT_TOKEN is not valid (not_authed)"}, nil},
		{"the connection is refused", func(*testing.T) string { return refused },
			[]string{"cannot reach Slack at " + refused, "connection refused", "the token was not checked"}, []string{"SLACK_BOT_TOKEN valid", "is not valid"}},
		{"the host does not resolve", func(*testing.T) string { return "http://feedbackbot-test.invalid/api/" },
			[]string{"cannot reach Slack at http://feedbackbot-test.invalid/api/"}, []string{"SLACK_BOT_TOKEN valid", "is not valid"}},
		{"the API URL answers 503", func(t *testing.T) string { return authTestAnswering(t, 503, "<html>down</html>") },
			[]string{"answered HTTP 503", "SLACK_API_URL"}, []string{"SLACK_BOT_TOKEN valid", "is not valid", "cannot reach"}},
		{"Slack fails inside", func(t *testing.T) string { return authTestAnswering(t, 200, `{"ok":false,"error":"fatal_error"}`) },
			[]string{"Slack answered with an error (fatal_error); the token was not refused"}, []string{"SLACK_BOT_TOKEN valid", "is not valid"}},
		{"the API URL is not Slack", func(t *testing.T) string { return authTestAnswering(t, 200, "<html>a proxy's login page</html>") },
			[]string{"no usable answer from the Slack API at", "SLACK_API_URL"}, []string{"SLACK_BOT_TOKEN valid", "is not valid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: tc.apiURL(t)}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Start(t.Context())
			if err == nil {
				t.Fatal("Start succeeded; want an error")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Start: %v\nlacks %q", err, want)
				}
			}
			for _, bad := range tc.notWant {
				if strings.Contains(err.Error(), bad) {
					t.Errorf("Start: %v\nsays %q", err, bad)
				}
			}
			if strings.Contains(err.Error(), "xoxb-test") {
				t.Errorf("Start printed the token: %v", err)
			}
		})
	}
}
