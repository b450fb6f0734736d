package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// fiveAtRiskOneHappy stores in st, analysed, eight customer messages of each
// of accounts over the two days before now: the first five's threaten to leave
// (unanswered), the sixth's are happy; msg makes each message's ids, the rest
// is filled in. Analysed before the replicas start: their alert pass and
// scheduler run at once, and the tests are about who posts, not about how
// fast they analyse.
func fiveAtRiskOneHappy(t *testing.T, st store.Store, now time.Time, accounts []string, msg func(acct string, i int, at time.Time) feedbackbot.Message) {
	t.Helper()
	ctx := context.Background()
	var events []feedbackbot.Event
	for n, acct := range accounts {
		text := "this is unacceptable, we were charged twice and nobody answers; we're evaluating other vendors and will cancel"
		if n == 5 {
			text = "thanks, the new dashboard is great and support was quick"
		}
		for i := range 8 {
			at := now.Add(-time.Duration(2+i*5) * time.Hour)
			m := msg(acct, i, at)
			m.Role, m.Text, m.Time = feedbackbot.RoleCustomer, text, at
			if err := m.Normalize(); err != nil {
				t.Fatal(err)
			}
			events = append(events, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		}
	}
	if _, err := st.Append(ctx, events...); err != nil {
		t.Fatal(err)
	}
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: st, Analyzer: an, Consumer: "setup"}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// awaitDigestAndFiveAlerts waits until count says the digest and five alerts
// are out, failing after a minute with what explain says (the posts, the
// replicas' logs), then gives the other replicas time to (wrongly) post
// theirs: the alert loop and the scheduler run at start.
func awaitDigestAndFiveAlerts(t *testing.T, count func() (digests int, alerts map[string]int), explain func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, al := count()
		if d >= 1 && len(al) >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s: %d digests, alerts %v\n%s", d, al, explain())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
}

// TestThreeReplicasPostOnce runs three `feedbackbot run` processes on one Redis with
// Slack (a slacktest server) and a digest that is due at start: the digest is posted
// once, and every at-risk account's alert is raised once, whichever replica does it.
func TestThreeReplicasPostOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process test: skipped with -short")
	}
	var mu sync.Mutex
	var posts, marks []string // each post's text, and its metadata
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,"is_channel":true,"is_ext_shared":false}}`, r.Form.Get("channel"))
		})
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			mu.Lock()
			posts = append(posts, r.Form.Get("text"))
			marks = append(marks, r.Form.Get("metadata"))
			n := len(posts)
			mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, r.Form.Get("channel"), n)
		})
		var base string
		c.Handle("/files.getUploadURLExternal", func(w http.ResponseWriter, r *http.Request) {
			base = "http://" + r.Host
			fmt.Fprintf(w, `{"ok":true,"upload_url":"%s/upload/F1","file_id":"F1"}`, base)
		})
		c.Handle("/upload/F1", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("OK")) })
		c.Handle("/files.completeUploadExternal", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":true,"files":[{"id":"F1","title":"chart"}]}`))
		})
	}, staffMembers("THOME")) // the workspace (ws) below
	api.Start()
	defer api.Stop()

	client, prefix := redistest.Client(t)
	const ws = "THOME"
	now := time.Now().UTC()
	fiveAtRiskOneHappy(t, redisstore.New(client, redisstore.Options{Prefix: prefix}), now, []string{"TRISK0", "TRISK1", "TRISK2", "TRISK3", "TRISK4", "THAPPY"},
		func(acct string, i int, at time.Time) feedbackbot.Message {
			return feedbackbot.Message{ID: fmt.Sprintf("C%s:%d.%06d", acct, at.Unix(), i), Platform: feedbackbot.PlatformSlack, Workspace: ws,
				Channel: "C" + acct, Author: "U" + acct, Account: acct}
		})

	dir := t.TempDir()
	bin := buildBinary(t, dir)
	// A daily digest whose time passed two minutes ago: due at start, once.
	due := now.Add(-2 * time.Minute)
	cfg := filepath.Join(dir, "feedbackbot.yaml")
	body := fmt.Sprintf(`store:
  key_prefix: %q
analysis:
  workers: 1
log:
  level: info
slack:
  internal_channels: [CINTERNAL]
alerts:
  platform: slack
  channel: CINTERNAL
digests:
  - name: daily
    platform: slack
    channel: CINTERNAL
    workspace: %s
    schedule: "%d %d * * *"
    timezone: UTC
    period: 24h
`, prefix, ws, due.Minute(), due.Hour())
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	type replica struct {
		cmd  *exec.Cmd
		logs *bytes.Buffer
	}
	var reps []replica
	for range 3 {
		var logs bytes.Buffer
		cmd := exec.Command(bin, "run", "--config", cfg)
		cmd.Env = append(os.Environ(), "REDIS_URL="+redistest.URL(), "FEEDBACKBOT_ADDR=127.0.0.1:0",
			"SLACK_BOT_TOKEN=xoxb-replicas", "SLACK_SIGNING_SECRET=replica-secret", "SLACK_MODE=http",
			"SLACK_API_URL="+api.GetAPIURL(), "SLACK_TEAM_ID="+ws)
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, replica{cmd, &logs})
	}
	stopAll := func() {
		for _, r := range reps {
			if r.cmd.ProcessState == nil {
				_ = r.cmd.Process.Signal(syscall.SIGTERM)
				_ = r.cmd.Wait()
			}
		}
	}
	defer stopAll()
	count := func() (digests int, alerts map[string]int) {
		mu.Lock()
		defer mu.Unlock()
		alerts = map[string]int{}
		for _, p := range posts {
			switch {
			case strings.HasPrefix(p, "Customer feedback digest"):
				digests++
			case strings.Contains(p, " at risk: "):
				for a := range 5 {
					if acct := fmt.Sprintf("TRISK%d", a); strings.Contains(p, acct) {
						alerts[acct]++
					}
				}
				if strings.Contains(p, "THAPPY") {
					alerts["THAPPY"]++
				}
			}
		}
		return digests, alerts
	}
	awaitDigestAndFiveAlerts(t, count, func() string {
		var out strings.Builder
		mu.Lock()
		fmt.Fprintf(&out, "posts %q\n", posts)
		mu.Unlock()
		for i, r := range reps {
			fmt.Fprintf(&out, "--- replica %d\n%s", i, r.logs)
		}
		return out.String()
	})
	stopAll()
	digests, alerts := count()
	if digests != 1 {
		t.Errorf("the digest was posted %d times by three replicas, want once", digests)
	}
	for acct, n := range alerts {
		if n != 1 || acct == "THAPPY" {
			t.Errorf("account %s alerted %d times", acct, n)
		}
	}
	// Each post carried its mark, so that a replica killed after it would not
	// have it posted again. (Every post is marked, whether or not the poster can
	// search: that the search reaches the scheduler and the alerter through
	// run's /metrics wrapper is TestCountedPosterKeepsTheSearchForItsPosts's,
	// and that each adapter has it, the postFinder assertions in its wiring.)
	mu.Lock()
	for i, p := range posts {
		want := `{"event_type":"feedbackbot_post","event_payload":{"mark":"alert/` + ws + `/`
		if strings.HasPrefix(p, "Customer feedback digest") {
			want = `{"event_type":"feedbackbot_post","event_payload":{"mark":"digest/` + ws + `/daily:`
		}
		if !strings.HasPrefix(marks[i], want) {
			t.Errorf("post %q carried metadata %q, want %s...", p, marks[i], want)
		}
	}
	mu.Unlock()
	t.Logf("%d posts: %d digest, alerts %v", len(posts), digests, alerts)
}

// TestReplicasOfOneHostnameAndPIDPostOnce: two replicas that share a hostname and a
// pid (containers with host networking or a fixed hostname are both pid 1; here two
// runs in one process) each renewed the other's leases, and a due digest went out
// twice (a review's find): each run now names itself with a random suffix.
func TestReplicasOfOneHostnameAndPIDPostOnce(t *testing.T) {
	var mu sync.Mutex
	digests := 0
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,"is_channel":true}}`, r.Form.Get("channel"))
		})
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			mu.Lock()
			defer mu.Unlock()
			if strings.HasPrefix(r.Form.Get("text"), "Customer feedback digest") {
				digests++
			}
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, r.Form.Get("channel"), digests)
		})
	}, staffMembers("THOME"))
	api.Start()
	defer api.Stop()
	_, prefix := redistest.Client(t)
	due := time.Now().UTC().Add(-2 * time.Minute)
	cfg := filepath.Join(t.TempDir(), "feedbackbot.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`store: {key_prefix: %q}
analysis: {workers: 1}
slack: {internal_channels: [CINTERNAL]}
digests:
  - {name: daily, platform: slack, channel: CINTERNAL, workspace: THOME, schedule: "%d %d * * *"}
`, prefix, due.Minute(), due.Hour())), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REDIS_URL": redistest.URL(), "SLACK_BOT_TOKEN": "xoxb-r", "SLACK_SIGNING_SECRET": "s",
		"SLACK_MODE": "http", "SLACK_API_URL": api.GetAPIURL(), "SLACK_TEAM_ID": "THOME"}
	m1, _, _ := testMain(env)
	_, cancel1, done1 := startServe(t, m1, cfg)
	m2, _, _ := testMain(env)
	_, cancel2, done2 := startServe(t, m2, cfg)
	time.Sleep(5 * time.Second)
	cancel1()
	cancel2()
	<-done1
	<-done2
	mu.Lock()
	defer mu.Unlock()
	if digests != 1 {
		t.Fatalf("the daily digest was posted %d times by two replicas of one hostname and pid, want once", digests)
	}
}
