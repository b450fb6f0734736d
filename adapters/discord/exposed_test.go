package discordadapter

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/robfig/cron/v3"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// exposedAt is when this file's tests post their digests and alerts.
var exposedAt = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// thPrivate is a private thread of the staff channel, a digest's destination
// (addPrivateThread).
const thPrivate = "400000000000000200"

// botFixture is a fixture whose commands are the bot itself (its clock at
// exposedAt), with internal among the internal channels too.
func botFixture(t *testing.T, internal ...string) *fixture {
	t.Helper()
	cfg := testConfig()
	cfg.InternalChannels = append(cfg.InternalChannels, internal...)
	return newFixtureWith(t, cfg, func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return exposedAt }}
	})
}

// addPrivateThread adds thPrivate, under chInternal, to the fake server.
func addPrivateThread(f *fixture) {
	g, chans := fakeGuild()
	chans = append(chans, &discordgo.Channel{ID: thPrivate, Name: "escalations", Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	f.fake.AddGuild(g, chans...)
}

// dailyDigest is the scheduler of the server's daily 09:00 digest to channel,
// posted through f's adapter.
func dailyDigest(t *testing.T, f *fixture, channel string) *bot.Scheduler {
	t.Helper()
	daily, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	return &bot.Scheduler{Store: f.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: f.a}, Holder: "a", Settle: -1,
		Jobs: []bot.Job{{Name: "daily", Platform: feedbackbot.PlatformDiscord, Channel: channel, Workspace: guild, Schedule: daily, Location: time.UTC, Period: 24 * time.Hour}}}
}

// postDigest posts s's digest of exposedAt.
func postDigest(t *testing.T, s *bot.Scheduler) {
	t.Helper()
	if n, err := s.Tick(context.Background(), exposedAt); err != nil || n != 1 {
		t.Fatalf("digest: Tick = %d, %v", n, err)
	}
}

// openToMembers lets the Member role read channel, as an admin's edit does
// (CHANNEL_UPDATE).
func openToMembers(f *fixture, channel string) {
	f.fake.UpdateChannel(channel, func(c *discordgo.Channel) {
		c.PermissionOverwrites = append(c.PermissionOverwrites,
			&discordgo.PermissionOverwrite{ID: roleMember, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel})
	})
}

// messageRequests counts the requests of method to channel's messages.
func messageRequests(f *fixture, channel, method string) int {
	n := 0
	for _, r := range f.fake.Requests("/channels/" + channel + "/messages/") {
		if r.Method == method {
			n++
		}
	}
	return n
}

// marked says whether a posted digest of the server is marked for its edit.
func marked(f *fixture) bool {
	marks, err := f.st.ListDocs(context.Background(), guild, "digest-redacted")
	return err == nil && len(marks) > 0
}

// churnAlert raises an alert about Acme in the staff channel for workspace,
// quoting evidence.
func churnAlert(t *testing.T, f *fixture, workspace string, evidence ...feedbackbot.Evidence) (*bot.Alerter, []feedbackbot.Health) {
	t.Helper()
	al := &bot.Alerter{Store: f.st, Poster: f.a, Channel: chInternal, RepeatInterval: 24 * time.Hour}
	atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp"}, Score: 30, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -30, Evidence: evidence}}}}
	if out, err := al.Evaluate(context.Background(), workspace, atRisk, exposedAt); err != nil || out.Raised != 1 {
		t.Fatalf("alert: %+v %v", out, err)
	}
	return al, atRisk
}

// TestChannelOpenedToMembersLosesTheBotsPosts: an admin lets the Member role see
// the staff channel the bot posts digests and alerts in. CHANNEL_UPDATE has the
// posted digest and alert deleted on the next tick and pass, nothing edited:
// they stayed readable to the community until an erasure touched them. A rename
// of the channel (its permissions as they were) changes nothing.
func TestChannelOpenedToMembersLosesTheBotsPosts(t *testing.T) {
	now := exposedAt
	f := botFixture(t)
	ctx := context.Background()
	al, atRisk := churnAlert(t, f, guild, feedbackbot.Evidence{MessageKey: "discord/" + guild + "/1", Quote: "we are evaluating alternatives"})
	s := dailyDigest(t, f, chInternal)
	postDigest(t, s)
	requests := func(method string) int { return messageRequests(f, chInternal, method) }
	passes := func(at time.Time) {
		t.Helper()
		if _, err := s.Tick(ctx, at); err != nil {
			t.Fatal(err)
		}
		if _, err := al.Evaluate(ctx, guild, atRisk, at); err != nil {
			t.Fatal(err)
		}
	}

	f.fake.UpdateChannel(chInternal, func(c *discordgo.Channel) { c.Name = "cs-internal-2026" })
	time.Sleep(300 * time.Millisecond) // (the update's check, had it marked anything)
	passes(now.Add(time.Minute))
	if n := requests("PATCH") + requests("DELETE"); n != 0 {
		t.Fatalf("a rename edited or deleted %d messages, want none", n)
	}

	openToMembers(f, chInternal)
	at := now.Add(2 * time.Minute)
	f.eventually("the digest and the alert deleted", func() bool {
		at = at.Add(time.Minute)
		passes(at)
		return requests("DELETE") >= 2
	})
	if d, p := requests("DELETE"), requests("PATCH"); d != 2 || p != 0 {
		t.Errorf("%d deleted, %d edited; want the digest and the alert deleted, nothing edited", d, p)
	}
}

// TestRoleOpenedToEveryChannelLosesTheBotsPosts: an admin makes the Member role
// an administrator, which reads every channel whatever its overwrites.
// GUILD_ROLE_UPDATE has the channels the bot posted in checked, and its posts
// there deleted on the next pass.
func TestRoleOpenedToEveryChannelLosesTheBotsPosts(t *testing.T) {
	f := botFixture(t)
	ctx := context.Background()
	al, atRisk := churnAlert(t, f, guild)
	f.fake.UpdateRole(guild, roleMember, func(r *discordgo.Role) { r.Permissions |= discordgo.PermissionAdministrator })
	at := exposedAt
	f.eventually("the alert deleted", func() bool {
		at = at.Add(time.Minute)
		if _, err := al.Evaluate(ctx, guild, atRisk, at); err != nil {
			t.Fatal(err)
		}
		return messageRequests(f, chInternal, "DELETE") == 1
	})
}

// TestPrivateThreadLosesTheBotsPostsWhenItsParentOpens: the bot posts a digest
// in a private thread of the staff channel (checked through its parent). The
// parent opened to the Member role has the thread's digest deleted too:
// CHANNEL_UPDATE names the parent alone (a review's find: it stayed up).
func TestPrivateThreadLosesTheBotsPostsWhenItsParentOpens(t *testing.T) {
	f := botFixture(t, thPrivate)
	addPrivateThread(f)
	s := dailyDigest(t, f, thPrivate)
	postDigest(t, s)
	openToMembers(f, chInternal)
	at := exposedAt
	f.eventually("the thread's digest deleted", func() bool {
		at = at.Add(time.Minute)
		if _, err := s.Tick(context.Background(), at); err != nil {
			t.Fatal(err)
		}
		return messageRequests(f, thPrivate, "DELETE") > 0
	})
}

// TestPrivateThreadCheckedWhenItCannotBeLookedUp: the parent of a private thread
// the bot posted in opens, and the thread, out of the gateway's state, cannot be
// looked up (Discord answers 500): it is checked as if it were under the parent,
// the privacy side, and its digest marked for its check (it was skipped, a
// review found).
func TestPrivateThreadCheckedWhenItCannotBeLookedUp(t *testing.T) {
	f := botFixture(t, thPrivate)
	addPrivateThread(f)
	s := dailyDigest(t, f, thPrivate)
	postDigest(t, s)
	_ = f.a.s.State.ChannelRemove(&discordgo.Channel{ID: thPrivate, GuildID: guild, Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	f.fake.FailNext("GET", "/channels/"+thPrivate, 500, lookupAttempts)
	openToMembers(f, chInternal)
	f.eventually("the thread's digest marked for its check", func() bool { return marked(f) })
}

// TestPostsInADeletedChannelAreGone: a digest recorded in a channel deleted
// since is not marked when another channel changes (Discord answers Unknown
// Channel, which says it is no thread of the changed one), and when marked
// anyway (an erasure) its message counts as gone with the channel: recorded
// gone, not tried and warned about on every tick (a review's find).
func TestPostsInADeletedChannelAreGone(t *testing.T) {
	const chGone = "400000000000000777"
	now := exposedAt
	f := botFixture(t, chGone)
	ctx := context.Background()
	rec := map[string]any{"platform": feedbackbot.PlatformDiscord, "destination": chGone, "id": "500000000000000777",
		"digest": feedbackbot.Digest{Workspace: guild, From: now.Add(-24 * time.Hour), To: now}}
	raw, _ := json.Marshal(rec)
	const run = "old:1795000000"
	if err := f.st.PutDoc(ctx, guild, "digest-posted", run, raw); err != nil {
		t.Fatal(err)
	}
	f.fake.UpdateChannel(chInternal, func(c *discordgo.Channel) { c.Name = "cs-internal-2" }) // another channel renamed
	time.Sleep(300 * time.Millisecond)                                                        // (the update's handling)
	if marks, err := f.st.ListDocs(ctx, guild, "digest-redacted"); err != nil || marks[run] != nil {
		t.Fatalf("a rename of another channel marked the deleted channel's digest (%v)", err)
	}
	if err := f.st.PutDoc(ctx, guild, "digest-redacted", run, []byte("1")); err != nil { // (an erasure's mark)
		t.Fatal(err)
	}
	s := dailyDigest(t, f, chInternal)
	if _, err := s.Tick(ctx, now.Add(-time.Minute)); err != nil {
		t.Errorf("the tick: %v (a deleted channel's post is gone, no failure)", err)
	}
	marks, _ := f.st.ListDocs(ctx, guild, "digest-redacted")
	got, _ := f.st.GetDoc(ctx, guild, "digest-posted", run)
	var after struct{ Gone bool }
	_ = json.Unmarshal(got, &after)
	if marks[run] != nil || !after.Gone {
		t.Errorf("the digest in the deleted channel: still marked %v, gone %v", marks[run] != nil, after.Gone)
	}
}

// TestPrivateThreadCheckedWhenItsLookupIsRateLimited: as when Discord fails, a
// thread whose lookup stays rate limited is checked as if under the opened
// parent (only a channel Discord says is deleted is not: a review found the
// rate-limited one skipped).
func TestPrivateThreadCheckedWhenItsLookupIsRateLimited(t *testing.T) {
	f := botFixture(t, thPrivate)
	addPrivateThread(f)
	s := dailyDigest(t, f, thPrivate)
	postDigest(t, s)
	_ = f.a.s.State.ChannelRemove(&discordgo.Channel{ID: thPrivate, GuildID: guild, Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	for range maxAttempts {
		f.fake.RateLimitNext("GET", "/channels/"+thPrivate, 20*time.Millisecond, false)
	}
	openToMembers(f, chInternal)
	f.eventually("the thread's digest marked for its check", func() bool { return marked(f) })
}

// TestOtherWorkspacesPostsLeaveAnOpenedChannel: an alert about another
// workspace's customers (a Slack team's, alerts.platform discord) posted in a
// Discord staff channel is deleted when the channel opens, as the server's own
// are (only the server's own workspace was looked at, a review found).
func TestOtherWorkspacesPostsLeaveAnOpenedChannel(t *testing.T) {
	const other = "T0OTHERTEAM"
	now := exposedAt
	f := botFixture(t)
	ctx := context.Background()
	// (the other workspace is one the store holds: it captured a message of it)
	m := feedbackbot.Message{ID: "C1:1.000100", Platform: feedbackbot.PlatformSlack, Workspace: other, Channel: "C1", Author: "U1",
		Role: feedbackbot.RoleCustomer, Account: "acme", Text: "we are evaluating alternatives", Time: now.Add(-time.Hour)}
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
		t.Fatal(err)
	}
	al, atRisk := churnAlert(t, f, other)
	openToMembers(f, chInternal)
	at := now
	f.eventually("the other workspace's alert deleted from the opened channel", func() bool {
		at = at.Add(time.Minute)
		if _, err := al.Evaluate(ctx, other, atRisk, at); err != nil {
			t.Fatal(err)
		}
		return messageRequests(f, chInternal, "DELETE") > 0
	})
}
