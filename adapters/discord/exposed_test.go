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

// TestChannelOpenedToMembersLosesTheBotsPosts: an admin lets the Member role see
// the staff channel the bot posts digests and alerts in. CHANNEL_UPDATE has the
// posted digest and alert deleted on the next tick and pass, nothing edited:
// they stayed readable to the community until an erasure touched them. A rename
// of the channel (its permissions as they were) changes nothing.
func TestChannelOpenedToMembersLosesTheBotsPosts(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	f := newFixtureWith(t, testConfig(), func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
	})
	ctx := context.Background()
	al := &bot.Alerter{Store: f.st, Poster: f.a, Channel: chInternal, RepeatInterval: 24 * time.Hour}
	atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp"}, Score: 30, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -30,
			Evidence: []feedbackbot.Evidence{{MessageKey: "discord/" + guild + "/1", Quote: "we are evaluating alternatives"}}}}}}
	if out, err := al.Evaluate(ctx, guild, atRisk, now); err != nil || out.Raised != 1 {
		t.Fatalf("alert: %+v %v", out, err)
	}
	daily, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	s := &bot.Scheduler{Store: f.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: f.a}, Holder: "a", Settle: -1,
		Jobs: []bot.Job{{Name: "daily", Platform: feedbackbot.PlatformDiscord, Channel: chInternal, Workspace: guild, Schedule: daily, Location: time.UTC, Period: 24 * time.Hour}}}
	if n, err := s.Tick(ctx, now); err != nil || n != 1 {
		t.Fatalf("digest: Tick = %d, %v", n, err)
	}
	requests := func(method string) int {
		n := 0
		for _, r := range f.fake.Requests("/channels/" + chInternal + "/messages/") {
			if r.Method == method {
				n++
			}
		}
		return n
	}
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

	f.fake.UpdateChannel(chInternal, func(c *discordgo.Channel) {
		c.PermissionOverwrites = append(c.PermissionOverwrites,
			&discordgo.PermissionOverwrite{ID: roleMember, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel})
	})
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
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	f := newFixtureWith(t, testConfig(), func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
	})
	ctx := context.Background()
	al := &bot.Alerter{Store: f.st, Poster: f.a, Channel: chInternal, RepeatInterval: 24 * time.Hour}
	atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp"}, Score: 30, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -30}}}}
	if out, err := al.Evaluate(ctx, guild, atRisk, now); err != nil || out.Raised != 1 {
		t.Fatalf("alert: %+v %v", out, err)
	}
	f.fake.UpdateRole(guild, roleMember, func(r *discordgo.Role) { r.Permissions |= discordgo.PermissionAdministrator })
	deleted := func() int {
		n := 0
		for _, r := range f.fake.Requests("/channels/" + chInternal + "/messages/") {
			if r.Method == "DELETE" {
				n++
			}
		}
		return n
	}
	at := now
	f.eventually("the alert deleted", func() bool {
		at = at.Add(time.Minute)
		if _, err := al.Evaluate(ctx, guild, atRisk, at); err != nil {
			t.Fatal(err)
		}
		return deleted() == 1
	})
}

// TestPrivateThreadLosesTheBotsPostsWhenItsParentOpens: the bot posts a digest
// in a private thread of the staff channel (checked through its parent). The
// parent opened to the Member role has the thread's digest deleted too:
// CHANNEL_UPDATE names the parent alone (a review's find: it stayed up).
func TestPrivateThreadLosesTheBotsPostsWhenItsParentOpens(t *testing.T) {
	const thPrivate = "400000000000000200"
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	cfg := testConfig()
	cfg.InternalChannels = append(cfg.InternalChannels, thPrivate)
	f := newFixtureWith(t, cfg, func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
	})
	g, chans := fakeGuild()
	chans = append(chans, &discordgo.Channel{ID: thPrivate, Name: "escalations", Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	f.fake.AddGuild(g, chans...)
	ctx := context.Background()
	daily, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	s := &bot.Scheduler{Store: f.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: f.a}, Holder: "a", Settle: -1,
		Jobs: []bot.Job{{Name: "daily", Platform: feedbackbot.PlatformDiscord, Channel: thPrivate, Workspace: guild, Schedule: daily, Location: time.UTC, Period: 24 * time.Hour}}}
	if n, err := s.Tick(ctx, now); err != nil || n != 1 {
		t.Fatalf("digest: Tick = %d, %v", n, err)
	}
	f.fake.UpdateChannel(chInternal, func(c *discordgo.Channel) {
		c.PermissionOverwrites = append(c.PermissionOverwrites,
			&discordgo.PermissionOverwrite{ID: roleMember, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel})
	})
	at := now
	f.eventually("the thread's digest deleted", func() bool {
		at = at.Add(time.Minute)
		if _, err := s.Tick(ctx, at); err != nil {
			t.Fatal(err)
		}
		for _, r := range f.fake.Requests("/channels/" + thPrivate + "/messages/") {
			if r.Method == "DELETE" {
				return true
			}
		}
		return false
	})
}

// TestPrivateThreadCheckedWhenItCannotBeLookedUp: the parent of a private thread
// the bot posted in opens, and the thread, out of the gateway's state, cannot be
// looked up (Discord answers 500): it is checked as if it were under the parent,
// the privacy side, and its digest marked for its check (it was skipped, a
// review found).
func TestPrivateThreadCheckedWhenItCannotBeLookedUp(t *testing.T) {
	const thPrivate = "400000000000000200"
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	cfg := testConfig()
	cfg.InternalChannels = append(cfg.InternalChannels, thPrivate)
	f := newFixtureWith(t, cfg, func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
	})
	g, chans := fakeGuild()
	chans = append(chans, &discordgo.Channel{ID: thPrivate, Name: "escalations", Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	f.fake.AddGuild(g, chans...)
	ctx := context.Background()
	daily, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	s := &bot.Scheduler{Store: f.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: f.a}, Holder: "a", Settle: -1,
		Jobs: []bot.Job{{Name: "daily", Platform: feedbackbot.PlatformDiscord, Channel: thPrivate, Workspace: guild, Schedule: daily, Location: time.UTC, Period: 24 * time.Hour}}}
	if n, err := s.Tick(ctx, now); err != nil || n != 1 {
		t.Fatalf("digest: Tick = %d, %v", n, err)
	}
	_ = f.a.s.State.ChannelRemove(&discordgo.Channel{ID: thPrivate, GuildID: guild, Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	f.fake.FailNext("GET", "/channels/"+thPrivate, 500, lookupAttempts)
	f.fake.UpdateChannel(chInternal, func(c *discordgo.Channel) {
		c.PermissionOverwrites = append(c.PermissionOverwrites,
			&discordgo.PermissionOverwrite{ID: roleMember, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel})
	})
	f.eventually("the thread's digest marked for its check", func() bool {
		marks, err := f.st.ListDocs(ctx, guild, "digest-redacted")
		return err == nil && len(marks) > 0
	})
}

// TestPostsInADeletedChannelAreGone: a digest recorded in a channel deleted
// since is not marked when another channel changes (Discord answers Unknown
// Channel, which says it is no thread of the changed one), and when marked
// anyway (an erasure) its message counts as gone with the channel: recorded
// gone, not tried and warned about on every tick (a review's find).
func TestPostsInADeletedChannelAreGone(t *testing.T) {
	const chGone = "400000000000000777"
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	cfg := testConfig()
	cfg.InternalChannels = append(cfg.InternalChannels, chGone)
	f := newFixtureWith(t, cfg, func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
	})
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
	daily, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	s := &bot.Scheduler{Store: f.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: f.a}, Holder: "a", Settle: -1,
		Jobs: []bot.Job{{Name: "daily", Platform: feedbackbot.PlatformDiscord, Channel: chInternal, Workspace: guild, Schedule: daily, Location: time.UTC, Period: 24 * time.Hour}}}
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
	const thPrivate = "400000000000000200"
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	cfg := testConfig()
	cfg.InternalChannels = append(cfg.InternalChannels, thPrivate)
	f := newFixtureWith(t, cfg, func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
	})
	g, chans := fakeGuild()
	chans = append(chans, &discordgo.Channel{ID: thPrivate, Name: "escalations", Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	f.fake.AddGuild(g, chans...)
	ctx := context.Background()
	daily, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	s := &bot.Scheduler{Store: f.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: f.a}, Holder: "a", Settle: -1,
		Jobs: []bot.Job{{Name: "daily", Platform: feedbackbot.PlatformDiscord, Channel: thPrivate, Workspace: guild, Schedule: daily, Location: time.UTC, Period: 24 * time.Hour}}}
	if n, err := s.Tick(ctx, now); err != nil || n != 1 {
		t.Fatalf("digest: Tick = %d, %v", n, err)
	}
	_ = f.a.s.State.ChannelRemove(&discordgo.Channel{ID: thPrivate, GuildID: guild, Type: discordgo.ChannelTypeGuildPrivateThread, ParentID: chInternal})
	for range maxAttempts {
		f.fake.RateLimitNext("GET", "/channels/"+thPrivate, 20*time.Millisecond, false)
	}
	f.fake.UpdateChannel(chInternal, func(c *discordgo.Channel) {
		c.PermissionOverwrites = append(c.PermissionOverwrites,
			&discordgo.PermissionOverwrite{ID: roleMember, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel})
	})
	f.eventually("the thread's digest marked for its check", func() bool {
		marks, err := f.st.ListDocs(ctx, guild, "digest-redacted")
		return err == nil && len(marks) > 0
	})
}

// TestOtherWorkspacesPostsLeaveAnOpenedChannel: an alert about another
// workspace's customers (a Slack team's, alerts.platform discord) posted in a
// Discord staff channel is deleted when the channel opens, as the server's own
// are (only the server's own workspace was looked at, a review found).
func TestOtherWorkspacesPostsLeaveAnOpenedChannel(t *testing.T) {
	const other = "T0OTHERTEAM"
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	f := newFixtureWith(t, testConfig(), func(st store.Store) Commands {
		return &bot.Bot{Store: st.(bot.CommandStore), Now: func() time.Time { return now }}
	})
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
	al := &bot.Alerter{Store: f.st, Poster: f.a, Channel: chInternal, RepeatInterval: 24 * time.Hour}
	atRisk := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp"}, Score: 30, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -30}}}}
	if out, err := al.Evaluate(ctx, other, atRisk, now); err != nil || out.Raised != 1 {
		t.Fatalf("alert: %+v %v", out, err)
	}
	f.fake.UpdateChannel(chInternal, func(c *discordgo.Channel) {
		c.PermissionOverwrites = append(c.PermissionOverwrites,
			&discordgo.PermissionOverwrite{ID: roleMember, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel})
	})
	at := now
	f.eventually("the other workspace's alert deleted from the opened channel", func() bool {
		at = at.Add(time.Minute)
		if _, err := al.Evaluate(ctx, other, atRisk, at); err != nil {
			t.Fatal(err)
		}
		for _, r := range f.fake.Requests("/channels/" + chInternal + "/messages/") {
			if r.Method == "DELETE" {
				return true
			}
		}
		return false
	})
}
