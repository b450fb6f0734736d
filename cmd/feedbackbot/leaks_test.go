package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"
)

// TestConfigCheckRefusesSlackDMs: config check asks Slack about every destination and
// refuses a DM with a customer and a group DM (as internal channels, an alert channel
// or a digest channel), and accepts the private internal channel.
func TestConfigCheckRefusesSlackDMs(t *testing.T) {
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			ch := r.Form.Get("channel")
			kind := `"is_channel":true,"is_private":true`
			switch ch {
			case "DCUSTOMER":
				kind = `"is_im":true,"user":"XDANA"`
			case "GMPIM":
				kind = `"is_mpim":true,"is_group":true`
			}
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,%s}}`, ch, kind)
		})
	}, staffMembers("THOME"))
	api.Start()
	defer api.Stop()
	dir := t.TempDir()
	t.Chdir(dir)
	cfgYAML := "slack:\n  internal_channels: [CINTERNAL, DCUSTOMER, GMPIM]\nalerts:\n  platform: slack\n  channel: GMPIM\n" +
		"digests:\n  - name: daily\n    platform: slack\n    channel: DCUSTOMER\n    workspace: THOME\n    schedule: \"0 9 * * *\"\n"
	os.WriteFile(filepath.Join(dir, "feedbackbot.yaml"), []byte(cfgYAML), 0o600)
	m, out, _ := testMain(map[string]string{"SLACK_BOT_TOKEN": "xoxb-check", "SLACK_SIGNING_SECRET": "s", "SLACK_MODE": "http",
		"SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"})
	err := m.Run(context.Background(), []string{"config", "check"})
	if err == nil || !strings.Contains(err.Error(), "DCUSTOMER is a direct message") || !strings.Contains(err.Error(), "GMPIM is a direct message") ||
		strings.Contains(err.Error(), "CINTERNAL") {
		t.Fatalf("config check should refuse both DMs and only them: %v\n%s", err, out)
	}
}

// staffMembers answers conversations.members and users.info for a fake Slack whose
// channels hold one home member of team (UMARIA) and the bot (UBOT): what the
// destination check wants to see in an internal channel.
func staffMembers(team string) slacktest.Binder {
	return func(c slacktest.Customize) {
		c.Handle("/conversations.members", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":true,"members":["UMARIA","UBOT"],"response_metadata":{"next_cursor":""}}`))
		})
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			id := r.Form.Get("user")
			fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"team_id":%q,"name":"n","is_bot":%v}}`, id, team, id == "UBOT")
		})
	}
}
