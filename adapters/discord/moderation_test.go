package discordadapter

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestServerOwnerIsStaffOnlyInOurServers: with guilds empty (every server the bot
// is in), anyone may invite a public bot to a server of their own; its owner was
// staff there, and /feedback reached the bot for them (an account's tier and value
// in the answer). The owner of the server holding an internal channel still is.
func TestServerOwnerIsStaffOnlyInOurServers(t *testing.T) {
	var mu sync.Mutex
	var asked []feedbackbot.Command
	cmds := commandsFunc(func(_ context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		mu.Lock()
		asked = append(asked, c)
		mu.Unlock()
		return feedbackbot.Document{Ephemeral: true, Fallback: "ANSWER"}, nil
	})
	cfg := testConfig()
	cfg.Guilds = nil
	f := newFixture(t, cfg, cmds)
	const strangerGuild, stranger, strangerCh = "100000000000000666", "200000000000000666", "400000000000000666"
	g := &discordgo.Guild{ID: strangerGuild, Name: "someone else's server", OwnerID: stranger,
		Roles: []*discordgo.Role{{ID: strangerGuild, Name: "@everyone", Permissions: view}}}
	f.fake.AddGuild(g, &discordgo.Channel{ID: strangerCh, Name: "general", Type: discordgo.ChannelTypeGuildText})
	f.fake.Dispatch("GUILD_CREATE", g)
	f.eventually("the stranger's server in state", func() bool { _, err := f.a.s.State.Guild(strangerGuild); return err == nil })
	for i, c := range []struct{ guild, channel, user string }{{strangerGuild, strangerCh, stranger}, {guild, chGeneral, owner}} {
		id := itoa(int64(730000000000000001 + i))
		f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": f.fake.AppID, "type": 2,
			"token": "tok", "channel_id": c.channel, "guild_id": c.guild,
			"member": map[string]any{"user": map[string]any{"id": c.user, "username": "x"}, "roles": []string{}},
			"data":   map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "risk", "type": 1}}}})
		if _, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 5*time.Second); !ok {
			t.Fatalf("interaction %d: no reply", i)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0].User != owner || !asked[0].Staff {
		t.Errorf("the bot was asked %+v; want once, by our server's owner, as staff", asked)
	}
}

// TestChannelLookupWaitsOutRateLimit: a message in a channel the gateway state does
// not know (an older thread) is looked up over REST; one 429 lost the message for
// good (the gateway does not send it again, catch-up starts after newer ones).
func TestChannelLookupWaitsOutRateLimit(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	const oldThread = "400000000000000777"
	g, chans := fakeGuild()
	chans = append(chans, &discordgo.Channel{ID: oldThread, Name: "old thread", Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chGeneral})
	f.fake.AddGuild(g, chans...) // known to REST, not to the gateway state
	f.fake.RateLimitNext("GET", "/channels/"+oldThread, 50*time.Millisecond, false)
	f.fake.Dispatch("MESSAGE_CREATE", message(oldThread, userAlice, []string{roleMember}, "the sync is broken again"))
	f.eventually("the thread's message captured", func() bool { return len(f.logged()) == 1 })
}

// TestModeratorClearsReactions: removing all of a message's reactions
// (MESSAGE_REACTION_REMOVE_ALL) or one emoji's (MESSAGE_REACTION_REMOVE_EMOJI,
// which discordgo has no type for) clears their stored counts; they stayed, and a
// stale ✅ keeps a conversation resolved.
func TestModeratorClearsReactions(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	m := message(chGeneral, userAlice, []string{roleMember}, "the export fails")
	f.fake.Dispatch("MESSAGE_CREATE", m)
	f.eventually("captured", func() bool { return len(f.logged()) == 1 })
	react := func(u, emoji string) {
		f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": u, "message_id": m["id"], "channel_id": chGeneral, "guild_id": guild,
			"emoji": map[string]any{"name": emoji}, "member": map[string]any{"user": map[string]any{"id": u}, "roles": []string{}}})
	}
	react(userBob, "👎")
	react(userStaff, "👎")
	react(userBob, "✅")
	f.eventually("reactions captured", func() bool { return len(f.logged()) == 4 })
	reactions := func() map[string]int {
		t.Helper()
		if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		s, err := f.st.Message(context.Background(), string(feedbackbot.PlatformDiscord)+"/"+guild+"/"+m["id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return s.Message.Reactions
	}
	f.fake.Dispatch("MESSAGE_REACTION_REMOVE_EMOJI", map[string]any{"message_id": m["id"], "channel_id": chGeneral, "guild_id": guild, "emoji": map[string]any{"name": "✅"}})
	f.eventually("one emoji cleared", func() bool { return len(f.logged()) == 5 })
	if got := reactions(); len(got) != 1 || got["👎"] != 2 {
		t.Errorf("after MESSAGE_REACTION_REMOVE_EMOJI ✅ the reactions are %v, want 👎:2", got)
	}
	f.fake.Dispatch("MESSAGE_REACTION_REMOVE_ALL", map[string]any{"message_id": m["id"], "channel_id": chGeneral, "guild_id": guild})
	f.eventually("all cleared", func() bool { return len(f.logged()) == 6 })
	if got := reactions(); len(got) != 0 {
		t.Errorf("after MESSAGE_REACTION_REMOVE_ALL the reactions are %v, want none", got)
	}
}

// TestLeftMemberOverwriteDoesNotBlockPosts: Discord keeps the permission overwrite
// of a member who has left the server; looking them up answers 404 Unknown Member,
// which refused every digest and alert (and start-up). They read nothing now, and
// every post checks again.
func TestLeftMemberOverwriteDoesNotBlockPosts(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	g, chans := fakeGuild()
	for _, c := range chans {
		if c.ID == chInternal {
			c.PermissionOverwrites = append(c.PermissionOverwrites, &discordgo.PermissionOverwrite{ID: "200000000000000888",
				Type: discordgo.PermissionOverwriteTypeMember, Allow: discordgo.PermissionViewChannel})
		}
	}
	f.fake.AddGuild(g, chans...)
	if _, err := f.a.Post(context.Background(), chInternal, feedbackbot.Document{Fallback: "digest"}); err != nil {
		t.Errorf("a post to a staff-only channel with a departed member's overwrite: %v", err)
	}
}

// TestDeletedThreadTakesItsMessages: deleting a forum post (THREAD_DELETE: Discord
// sends no MESSAGE_DELETE for the messages in it) deletes its messages, analysed or
// not yet, and deleting a channel (CHANNEL_DELETE) those of the channel; they
// stayed, quotable in digests and alerts, personal details and all.
func TestDeletedThreadTakesItsMessages(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	root := message(thPost, userAlice, []string{roleMember}, "my account email is alice@example.com and billing fails")
	root["id"] = thPost
	f.fake.Dispatch("MESSAGE_CREATE", root)
	f.eventually("the post captured", func() bool { return len(f.logged()) == 1 })
	if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err) // the post analysed: in the store
	}
	f.fake.Dispatch("MESSAGE_CREATE", message(thPost, userAlice, []string{roleMember}, "card ending 4242 declined")) // not analysed yet
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userBob, []string{roleMember}, "unrelated, stays"))
	f.eventually("captured", func() bool { return len(f.logged()) == 3 })
	deletes := func() (n int) {
		for _, e := range f.logged() {
			if e.Event.Kind == feedbackbot.EventDelete {
				n++
			}
		}
		return n
	}
	f.fake.Dispatch("THREAD_DELETE", map[string]any{"id": thPost, "guild_id": guild, "parent_id": chForum, "type": 11})
	f.eventually("the post's two messages deleted", func() bool { return deletes() == 2 })
	f.fake.Dispatch("CHANNEL_DELETE", map[string]any{"id": chGeneral, "guild_id": guild, "type": 0})
	f.eventually("the channel's message deleted", func() bool { return deletes() == 3 })
	time.Sleep(100 * time.Millisecond)
	if n := deletes(); n != 3 {
		t.Errorf("%d deletes, want 3", n)
	}
}

// TestShutdownDoesNotWaitForASlowCommand: a command still running when the adapter
// stops has interactionGrace to finish; its context lived 14 minutes, and shutdown
// waited for it.
func TestShutdownDoesNotWaitForASlowCommand(t *testing.T) {
	defer func(g time.Duration) { interactionGrace = g }(interactionGrace)
	interactionGrace = 200 * time.Millisecond
	started := make(chan struct{})
	cmds := commandsFunc(func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		close(started)
		<-ctx.Done() // a command that would take minutes
		return feedbackbot.Document{}, ctx.Err()
	})
	f := newFixture(t, testConfig(), cmds)
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": "700000000000000091", "application_id": f.fake.AppID, "type": 2,
		"token": "tok", "channel_id": chInternal, "guild_id": guild,
		"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "u"}, "roles": []string{roleStaff}},
		"data":   map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "digest", "type": 1}}}})
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the command never started")
	}
	begin := time.Now()
	f.stop()
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("shutdown took %s with a slow command in flight, want about the grace (200ms)", took)
	}
}

// TestPostHonoursARouteLimit: once Discord's headers say a route is limited,
// discordgo sleeps before the next request to it without looking at the context,
// so a post with 200 ms left returned after the limit's 5 s, and a limit longer
// than we wait (90 s) was waited out all the same. The adapter now waits the
// bucket out itself, honouring the context, and refuses a wait past maxRetryWait.
func TestPostHonoursARouteLimit(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	limit := func(seconds string) {
		b := f.a.s.Ratelimiter.GetBucket(discordgo.EndpointChannelMessages(chInternal))
		b.Lock() // (LockBucket would sleep out the limit set before)
		h := http.Header{}
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset-After", seconds)
		if err := b.Release(h); err != nil {
			t.Fatal(err)
		}
	}
	limit("5")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.a.Post(ctx, chInternal, feedbackbot.Document{Fallback: "x"})
	if took := time.Since(start); took > 2*time.Second || err == nil {
		t.Errorf("a post with 200ms left to a route limited for 5s returned after %s (err %v); want an error within about 200ms", took.Round(time.Millisecond), err)
	}
	limit("90")
	start = time.Now()
	_, err = f.a.Post(context.Background(), chInternal, feedbackbot.Document{Fallback: "x"})
	if took := time.Since(start); took > 2*time.Second || err == nil || !strings.Contains(err.Error(), "longer than we wait") {
		t.Errorf("a post to a route limited for 90s returned after %s (err %v); want a refusal at once", took.Round(time.Millisecond), err)
	}
}

// TestBotReactionsAreNotCounted: a bot's reactions (an auto-react bot putting ✅ on
// every message) are no one's satisfaction and marked every conversation resolved;
// they are not counted, nor are their removals, while people's are.
func TestBotReactionsAreNotCounted(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	m := message(chGeneral, userAlice, []string{roleMember}, "the export fails")
	f.fake.Dispatch("MESSAGE_CREATE", m)
	f.eventually("captured", func() bool { return len(f.logged()) == 1 })
	const autoBot = "200000000000000999"
	react := func(kind, u, emoji string, bot bool) {
		ev := map[string]any{"user_id": u, "message_id": m["id"], "channel_id": chGeneral, "guild_id": guild, "emoji": map[string]any{"name": emoji}}
		if kind == "MESSAGE_REACTION_ADD" {
			ev["member"] = map[string]any{"user": map[string]any{"id": u, "bot": bot}, "roles": []string{}}
		}
		f.fake.Dispatch(kind, ev)
	}
	react("MESSAGE_REACTION_ADD", autoBot, "✅", true)
	react("MESSAGE_REACTION_ADD", userBob, "👍", false)
	react("MESSAGE_REACTION_REMOVE", autoBot, "✅", false) // a removal carries no member
	react("MESSAGE_REACTION_ADD", userStaff, "👍", false)
	f.eventually("people's reactions captured", func() bool { return len(f.logged()) == 3 })
	time.Sleep(200 * time.Millisecond) // anything the bot's would have added
	if n := len(f.logged()); n != 3 {
		t.Errorf("%d log entries, want 3: the message and two people's reactions", n)
	}
	if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, err := f.st.Message(context.Background(), string(feedbackbot.PlatformDiscord)+"/"+guild+"/"+m["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Message.Reactions; len(got) != 1 || got["👍"] != 2 {
		t.Errorf("reactions %v, want 👍:2 and no ✅", got)
	}
}
