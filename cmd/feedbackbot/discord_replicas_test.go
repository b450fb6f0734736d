package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
)

// TestThreeDiscordReplicasPostOnce is TestThreeReplicasPostOnce on Discord:
// three `run`s on one Redis with DISCORD_TOKEN (one holds the gateway, the
// others stand by; all post over REST) and a digest due at start. The digest
// is posted once to the staff channel, and every at-risk account's alert once,
// whichever replica does it; each post shows its mark's ref in its last
// embed's footer, by which a replica finds a post another died after.
func TestThreeDiscordReplicasPostOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("three replicas: skipped with -short")
	}
	client, prefix := redistest.Client(t)
	fake := discordFake(t)
	now := time.Now().UTC()
	id := int64(500000000000000000)
	fiveAtRiskOneHappy(t, redisstore.New(client, redisstore.Options{Prefix: prefix}), now, []string{"risk0", "risk1", "risk2", "risk3", "risk4", "happy"},
		func(acct string, _ int, _ time.Time) feedbackbot.Message {
			id++
			return feedbackbot.Message{ID: fmt.Sprint(id), Platform: feedbackbot.PlatformDiscord, Workspace: dGuild, Channel: dGeneral,
				Author: "6" + fmt.Sprint(id)[1:], Account: acct}
		})

	dir := t.TempDir()
	t.Chdir(dir)
	due := now.Add(-2 * time.Minute) // a daily digest whose time has just passed: due at start, once
	cfgPath := filepath.Join(dir, "feedbackbot.yaml")
	body := fmt.Sprintf(`store:
  key_prefix: %q
analysis:
  workers: 1
discord:
  staff_roles: [%q]
  internal_channels: [%q]
alerts:
  platform: discord
  channel: %q
digests:
  - name: daily
    platform: discord
    channel: %q
    workspace: %q
    schedule: "%d %d * * *"
    timezone: UTC
    period: 24h
`, prefix, dStaff, dInternal, dInternal, dInternal, dGuild, due.Minute(), due.Hour())
	if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	var reps []*replicaRun
	for range 3 {
		r := &replicaRun{logs: &syncBuffer{}}
		env := map[string]string{"REDIS_URL": redistest.URL(), "DISCORD_TOKEN": discordtest.Token}
		m := &Main{Stdout: &syncBuffer{}, Stderr: r.logs, Getenv: func(k string) string { return env[k] }}
		_, r.cancel, r.done = startServe(t, m, cfgPath)
		t.Cleanup(func() { r.stop(t) })
		reps = append(reps, r)
	}
	type post struct{ title, footer, text string }
	posts := func() []post {
		var out []post
		for _, r := range fake.Requests("/channels/" + dInternal + "/messages") {
			if r.Method != "POST" || r.Path != "/channels/"+dInternal+"/messages" {
				continue
			}
			var sent struct {
				Embeds []discordgo.MessageEmbed `json:"embeds"`
			}
			if err := json.Unmarshal(r.JSON, &sent); err != nil || len(sent.Embeds) == 0 {
				t.Fatalf("a post without embeds: %s (%v)", r.JSON, err)
			}
			p := post{title: sent.Embeds[0].Title, text: string(r.JSON)}
			if last := sent.Embeds[len(sent.Embeds)-1]; last.Footer != nil {
				p.footer = last.Footer.Text
			}
			out = append(out, p)
		}
		return out
	}
	count := func() (digests int, alerts map[string]int) {
		alerts = map[string]int{}
		for _, p := range posts() {
			switch {
			case strings.HasPrefix(p.title, "Customer feedback digest"):
				digests++
			case strings.Contains(p.title, "at risk"):
				for _, acct := range []string{"risk0", "risk1", "risk2", "risk3", "risk4", "happy"} {
					if strings.Contains(p.title, acct) {
						alerts[acct]++
					}
				}
			}
		}
		return digests, alerts
	}
	awaitDigestAndFiveAlerts(t, count, func() string {
		var out strings.Builder
		for _, p := range posts() {
			fmt.Fprintf(&out, "post %q\n", p.title)
		}
		for i, r := range reps {
			fmt.Fprintf(&out, "--- replica %d\n%s", i, r.logs)
		}
		return out.String()
	})
	for _, r := range reps {
		r.stop(t)
	}
	digests, alerts := count()
	if digests != 1 {
		t.Errorf("the digest was posted %d times by three replicas, want once", digests)
	}
	for acct, n := range alerts {
		if n != 1 || acct == "happy" {
			t.Errorf("account %s alerted %d times", acct, n)
		}
	}
	ref := regexp.MustCompile(`(^| · )ref [0-9a-f]{12}$`)
	for _, p := range posts() {
		if !ref.MatchString(p.footer) {
			t.Errorf("post %q ends its footer with %q, want its mark's ref", p.title, p.footer)
		}
	}
	if open, most := fake.Connections(); most != 1 {
		t.Errorf("%d gateway sessions at once (%d open at the end), want one: the others stand by", most, open)
	}
	// and the channel shows those six, no copy deleted after it went out
	dg, err := discordgo.New("Bot " + discordtest.Token)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := dg.ChannelMessages(dInternal, 100, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 6 || len(posts()) != 6 {
		t.Errorf("%d posts, %d messages in the channel; want 6 of each (a digest and five alerts)", len(posts()), len(msgs))
	}
	t.Logf("%d posts: %d digest, alerts %v", len(posts()), digests, alerts)
}
