package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// TestRunWithSlack: the bot runs with Slack in HTTP mode against slacktest; a signed
// Slack Connect message is captured and analysed, and a staff member's
// "/feedback account TACME" is answered from it.
func TestRunWithSlack(t *testing.T) {
	api := homeUsersAPI(t)
	dir := t.TempDir()
	t.Chdir(dir)
	const secret = "e2e-secret"
	m, _, errb := testMain(map[string]string{"FEEDBACKBOT_DATA": dir, "SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": secret,
		"SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"})
	addr, cancel, done := startServe(t, m, "")
	post := func(path, body, ctype string) (int, string) { return slackPost(t, addr, secret, path, body, ctype) }
	ts := fmt.Sprintf("%d.000100", time.Now().Add(-time.Hour).Unix())
	event := fmt.Sprintf(`{"type":"event_callback","team_id":"THOME","event_id":"Ev1","event":{"type":"message","user":"XDANA","user_team":"TACME","channel":"CSHARED","ts":%q,"text":"we were charged twice and still waiting on a reply"}}`, ts)
	if code, body := post("/slack/events", event, "application/json"); code != 200 {
		t.Fatalf("event: %d %s\n%s", code, body, errb)
	}
	form := url.Values{"command": {"/feedback"}, "text": {"account TACME"}, "user_id": {"UMARIA"}, "team_id": {"THOME"}, "channel_id": {"CINTERNAL"}}.Encode()
	var body string
	for range 100 { // the worker analyses the message within moments
		_, body = post("/slack/commands", form, "application/x-www-form-urlencoded")
		if strings.Contains(body, "charged twice") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, "charged twice") || !strings.Contains(body, "health") {
		t.Fatalf("account reply does not show the captured message:\n%s\nlogs:\n%s", body, errb)
	}
	// Staff correct it by its link, as Slack sends a link in a command's text
	// (<…>): the running service's bot has the workers' analyzer.
	link := "<https://home.slack.com/archives/CSHARED/p" + strings.ReplaceAll(ts, ".", "") + ">"
	form = url.Values{"command": {"/feedback"}, "text": {"correct " + link + " neutral intent=question"}, "user_id": {"UMARIA"}, "team_id": {"THOME"}, "channel_id": {"CINTERNAL"}}.Encode()
	if code, body := post("/slack/commands", form, "application/x-www-form-urlencoded"); code != 200 || !strings.Contains(body, "Corrected.") ||
		!strings.Contains(body, "sentiment: *neutral") || !strings.Contains(body, "intent: *question*") || !strings.Contains(body, "ephemeral") {
		t.Errorf("correct over signed HTTP: %d\n%s\nlogs:\n%s", code, body, errb)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// homeUsersAPI is a started Slack API whose users.info says every user is of the
// home team THOME.
func homeUsersAPI(t *testing.T) *slacktest.Server {
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"team_id":"THOME","name":"maria"}}`, r.Form.Get("user"))
		})
	})
	api.Start()
	t.Cleanup(api.Stop)
	return api
}

// slackPost sends a request signed as Slack signs it to the bot at addr, waiting
// for the bot to listen, and returns the status and body.
func slackPost(t *testing.T, addr, secret, path, body, ctype string) (int, string) {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	for range 50 {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	t.Fatalf("bot not reachable at %s", addr)
	return 0, ""
}

// TestSlackReactionsAcrossReplicasOnRedis: two bots (replicas behind one load
// balancer) on one Redis, Slack over HTTP. A customer's edit reaches the first and
// a reaction to the message the second; then reactions reach both at once. The
// newest version in the log keeps the edit and counts every reaction: the
// read-modify-write goes through capture and Redis's append script.
func TestSlackReactionsAcrossReplicasOnRedis(t *testing.T) {
	client, prefix := redistest.Client(t)
	api := homeUsersAPI(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedbackbot.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("store:\n  key_prefix: %q\n", prefix)), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "e2e-secret"
	env := map[string]string{"REDIS_URL": redistest.URL(), "SLACK_BOT_TOKEN": "xoxb-e2e", "SLACK_SIGNING_SECRET": secret,
		"SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"}
	var addrs []string
	for range 2 {
		m, _, _ := testMain(env)
		addr, cancel, done := startServe(t, m, cfg)
		addrs = append(addrs, addr)
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}()
	}
	event := func(replica int, id, ev string) {
		t.Helper()
		body := fmt.Sprintf(`{"type":"event_callback","team_id":"THOME","event_id":%q,"event":%s}`, id, ev)
		if code, resp := slackPost(t, addrs[replica], secret, "/slack/events", body, "application/json"); code != 200 {
			t.Errorf("event %s to replica %d: %d %s", id, replica, code, resp)
		}
	}
	ts := fmt.Sprintf("%d.000100", time.Now().Add(-time.Hour).Unix())
	event(0, "Ev1", fmt.Sprintf(`{"type":"message","user":"XDANA","user_team":"TACME","channel":"CSHARED","ts":%q,"text":"my key is sk-SECRET1, why does the export fail"}`, ts))
	event(0, "Ev2", fmt.Sprintf(`{"type":"message","subtype":"message_changed","channel":"CSHARED","ts":"%d.000200","message":{"type":"message","user":"XDANA","user_team":"TACME","ts":%q,"text":"why does the export fail?","edited":{"user":"XDANA","ts":"1"}}}`, time.Now().Unix(), ts))
	reaction := func(replica int, id, name string) {
		event(replica, id, fmt.Sprintf(`{"type":"reaction_added","user":"UMARIA","reaction":%q,"item":{"type":"message","channel":"CSHARED","ts":%q}}`, name, ts))
	}
	reaction(1, "Ev3", "eyes")
	const n = 10
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { reaction(i%2, fmt.Sprintf("EvP%d", i), "+1") })
	}
	wg.Wait()
	st := redisstore.New(client, redisstore.Options{Prefix: prefix})
	got, found, err := st.Newest(context.Background(), "slack/THOME/CSHARED:"+ts)
	if err != nil || !found {
		t.Fatalf("Newest: %v, %v", found, err)
	}
	if strings.Contains(got.Text, "SECRET") || got.Reactions["eyes"] != 1 || got.Reactions["+1"] != n {
		t.Errorf("newest version %q %v; want the edit's text, eyes 1, +1 %d", got.Text, got.Reactions, n)
	}
}

// TestImportWithProblemsFails: an export with a malformed daily file and a malformed
// message is imported and analysed as far as it can be read, the problems are
// listed, and the command fails (exit status 1), so a script can tell that
// something was left out.
func TestImportWithProblemsFails(t *testing.T) {
	dir := t.TempDir()
	p := writeExportZip(t, dir, map[string]string{
		"users.json":               `[{"id":"UMARIA","team_id":"THOME","name":"maria"},{"id":"UDANA","team_id":"TACME","name":"dana"}]`,
		"channels.json":            `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": `[{"type":"message","user":"UDANA","text":"the export is broken","ts":"1795168800.000100"},{"type":"message","user":"UDANA","ts":42}]`,
		"ext-acme/2026-11-21.json": `[{"type":"message","user":"UDANA","text":"oops`,
	})
	m, out, _ := testMain(map[string]string{"FEEDBACKBOT_DATA": dir})
	err := m.Run(context.Background(), []string{"import", "--slack-export", p, "--team", "THOME"})
	if err == nil || !strings.Contains(err.Error(), "2 problems") || exitCode(io.Discard, err) != 1 {
		t.Fatalf("import with problems: %v; want a failure naming 2 problems, exit status 1", err)
	}
	for _, want := range []string{"1 new", "problem: ext-acme/2026-11-20.json: message 1:", "problem: ext-acme/2026-11-21.json:", "Analysed 1 log entry."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output does not say %q:\n%s", want, out)
		}
	}
}

// TestImportSlackExport: the import command reads an export, analyses it, and the
// accounts show up in risk.
func TestImportSlackExport(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	p := writeExportZip(t, dir, map[string]string{
		"users.json":    `[{"id":"UMARIA","team_id":"THOME","name":"maria"},{"id":"UDANA","team_id":"TACME","name":"dana"}]`,
		"channels.json": `[{"id":"CACME","name":"ext-acme"}]`,
		"ext-acme/2026-11-20.json": `[{"type":"message","user":"UDANA","text":"we are evaluating other vendors before renewal","ts":"1795168800.000100"},
			{"type":"message","user":"UMARIA","text":"can we talk tomorrow?","ts":"1795169800.000200","thread_ts":"1795168800.000100"}]`,
	})
	env := map[string]string{"FEEDBACKBOT_DATA": dir}
	m, out, errb := testMain(env)
	// The import raises the collector's target while it runs (importGCPercent) and
	// puts back whatever the process had; so does risk.
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	if err := m.Run(context.Background(), []string{"import", "--slack-export", p, "--team", "THOME"}); err != nil {
		t.Fatalf("import: %v\n%s", err, errb)
	}
	if gc := debug.SetGCPercent(77); gc != 77 {
		t.Errorf("after the import the GC percent is %d, want the 77 it had before", gc)
	}
	if !strings.Contains(out.String(), "2 messages, 2 new") || !strings.Contains(out.String(), "Analysed 2") {
		t.Fatalf("import output:\n%s", out)
	}
	m2, out2, _ := testMain(env)
	if err := m2.Run(context.Background(), []string{"risk", "--as-of", "2026-11-21T09:00:00Z", "--json"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out2.String(), `"id": "TACME"`) || !strings.Contains(out2.String(), "churn_signal") {
		t.Fatalf("the imported customer's churn signal should show in risk:\n%s", out2)
	}
	if gc := debug.SetGCPercent(77); gc != 77 { // risk raises it too (bot.GCPercent), and puts it back
		t.Errorf("after risk the GC percent is %d, want the 77 it had before", gc)
	}
	m3, _, _ := testMain(env)
	if err := m3.Run(context.Background(), []string{"import"}); err == nil {
		t.Fatal("import without a file is a usage error")
	}
}

// TestConfigCheckRefusesSharedSlackChannel: config check asks Slack and refuses a
// Slack Connect channel configured as a digest destination.
func TestConfigCheckRefusesSharedSlackChannel(t *testing.T) {
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
	cfgYAML := "slack:\n  internal_channels: [CINTERNAL, CSHARED]\ndigests:\n  - name: daily\n    platform: slack\n    channel: CSHARED\n    workspace: THOME\n    schedule: \"0 9 * * *\"\n"
	os.WriteFile(filepath.Join(dir, "feedbackbot.yaml"), []byte(cfgYAML), 0o600)
	m, out, _ := testMain(map[string]string{"SLACK_BOT_TOKEN": "xoxb-check", "SLACK_SIGNING_SECRET": "s", "SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"})
	err := m.Run(context.Background(), []string{"config", "check"})
	if err == nil || !strings.Contains(err.Error(), "CSHARED is shared with another organisation") || strings.Contains(err.Error(), "CINTERNAL") {
		t.Fatalf("config check should refuse only the shared channel: %v\n%s", err, out)
	}
}

// TestConfigCheckAsStrictAsRun: with slack.staff_user_groups, a channel one of
// whose members is outside the groups is refused by run at start; config check
// passed it (it checked without the groups, a review's find).
func TestConfigCheckAsStrictAsRun(t *testing.T) {
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,"is_channel":true,"is_private":true}}`, r.Form.Get("channel"))
		})
		c.Handle("/usergroups.users.list", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":true,"users":["UTOM"]}`))
		})
	}, staffMembers("THOME"))
	api.Start()
	defer api.Stop()
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile(filepath.Join(dir, "feedbackbot.yaml"), []byte("slack:\n  internal_channels: [CINTERNAL]\n  staff_user_groups: [SSUPPORT]\n"), 0o600)
	m, out, _ := testMain(map[string]string{"SLACK_BOT_TOKEN": "xoxb-check", "SLACK_SIGNING_SECRET": "s", "SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"})
	err := m.Run(context.Background(), []string{"config", "check"})
	if err == nil || !strings.Contains(err.Error(), "not in slack.staff_user_groups") {
		t.Fatalf("config check should refuse CINTERNAL (UMARIA is not in the staff group): %v\n%s", err, out)
	}
}
