package discordadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// The fake guild: ids are snowflake-like strings.
const (
	guild      = "100000000000000001"
	owner      = "200000000000000009"
	roleStaff  = "300000000000000001"
	roleAcme   = "300000000000000002"
	roleMember = "300000000000000003"
	roleBot    = "300000000000000004"
	chGeneral  = "400000000000000001" // public text channel
	chForum    = "400000000000000002" // public forum
	chInternal = "400000000000000003" // staff only
	chLeaky    = "400000000000000004" // listed as internal, but members can read it
	chAcme     = "400000000000000005" // a single-customer channel
	thPost     = "400000000000000100" // a forum post (thread) in chForum
	userAlice  = "200000000000000001" // a community member
	userBob    = "200000000000000002" // a member with the customer-acme role
	userStaff  = "200000000000000003" // a staff member
)

const view = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages

func fakeGuild() (*discordgo.Guild, []*discordgo.Channel) {
	g := &discordgo.Guild{ID: guild, Name: "Acme Community", OwnerID: owner, Roles: []*discordgo.Role{
		{ID: guild, Name: "@everyone", Permissions: view},
		{ID: roleStaff, Name: "Support", Permissions: view},
		{ID: roleAcme, Name: "customer-acme", Permissions: view},
		{ID: roleMember, Name: "Member", Permissions: view},
		{ID: roleBot, Name: "feedbackbot", Managed: true, Permissions: view},
	}}
	deny := []*discordgo.PermissionOverwrite{
		{ID: guild, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel},
		{ID: roleStaff, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel},
	}
	chans := []*discordgo.Channel{
		{ID: chGeneral, Name: "general", Type: discordgo.ChannelTypeGuildText},
		{ID: chForum, Name: "support", Type: discordgo.ChannelTypeGuildForum},
		{ID: chInternal, Name: "cs-internal", Type: discordgo.ChannelTypeGuildText, PermissionOverwrites: deny},
		{ID: chLeaky, Name: "cs-leaky", Type: discordgo.ChannelTypeGuildText, PermissionOverwrites: []*discordgo.PermissionOverwrite{
			deny[0], deny[1], {ID: roleMember, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel}}},
		{ID: chAcme, Name: "acme-shared", Type: discordgo.ChannelTypeGuildText},
		{ID: thPost, Name: "Export fails with 500", Type: discordgo.ChannelTypeGuildPublicThread, ParentID: chForum},
	}
	return g, chans
}

type fixture struct {
	t      *testing.T
	fake   *discordtest.Server
	st     store.Store
	a      *Adapter
	ctx    context.Context
	stop   func()
	cancel context.CancelFunc
	done   chan error
}

type commandsFunc func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error)

func (f commandsFunc) HandleCommand(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
	return f(ctx, c)
}

func testConfig() Config {
	return Config{Token: discordtest.Token, StaffRoles: []string{roleStaff}, RoleAccounts: map[string]string{roleAcme: "acme"},
		ChannelAccounts: map[string]string{chAcme: "acme"}, AccountNames: map[string]string{"acme": "Acme Corp"},
		InternalChannels: []string{chInternal, chLeaky}, MaxBackoff: 200 * time.Millisecond}
}

// newFixture starts a fake Discord, a bolt store and a connected adapter.
func newFixture(t *testing.T, cfg Config, cmds Commands) *fixture {
	return newFixtureWith(t, cfg, func(store.Store) Commands { return cmds })
}

// newFixtureWith builds the commands from the fixture's store (for the real bot).
func newFixtureWith(t *testing.T, cfg Config, mk func(store.Store) Commands) *fixture {
	t.Helper()
	fake := discordtest.New(t)
	g, chans := fakeGuild()
	fake.AddGuild(g, chans...)
	fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userStaff}, Roles: []string{roleStaff}})
	fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: userAlice}, Roles: []string{roleMember}})
	st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, err := New(cfg, st, mk(st))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &fixture{t: t, fake: fake, st: st, a: a, ctx: ctx, cancel: cancel, done: make(chan error, 1)}
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	if !fake.WaitConnected(5 * time.Second) {
		t.Fatal("never connected")
	}
	go func() { f.done <- a.Run(ctx) }()
	f.stop = func() {
		cancel()
		select {
		case err := <-f.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			f.stop()
		}
	})
	// GUILD_CREATE is processed in order after READY; wait until the state has the guild.
	f.eventually("guild in state", func() bool { _, err := a.s.State.Guild(guild); return err == nil })
	return f
}

func (f *fixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logged returns the capture log of the guild.
func (f *fixture) logged() []store.Entry {
	var out []store.Entry
	if err := f.st.Replay(context.Background(), guild, func(e store.Entry) error { out = append(out, e); return nil }); err != nil {
		f.t.Fatal(err)
	}
	return out
}

var msgSeq atomic.Int64

func message(channel, author string, roles []string, text string) map[string]any {
	id := 1_200_000_000_000_000_000 + msgSeq.Add(1)
	return map[string]any{"id": itoa(id), "channel_id": channel, "guild_id": guild, "content": text, "type": 0,
		"timestamp": "2026-11-20T10:00:00.000000+00:00",
		"author":    map[string]any{"id": author, "username": "user" + author[len(author)-2:], "global_name": "User " + author[len(author)-2:]},
		"member":    map[string]any{"roles": roles, "nick": ""}}
}

// partialReference is a message as Discord sends it in referenced_message: without
// member and guild_id.
func partialReference(m map[string]any) map[string]any {
	ref := maps.Clone(m)
	delete(ref, "member")
	delete(ref, "guild_id")
	return ref
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for x := range 8 {
		img.Set(x, x%4, color.RGBA{R: 200, A: 255})
	}
	return img
}

func TestConnectIdentifiesWithIntents(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	ids := f.fake.Identifies()
	if len(ids) != 1 {
		t.Fatalf("identifies = %d, want 1", len(ids))
	}
	want := int(discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent | discordgo.IntentsGuildMessageReactions)
	if ids[0].Intents != want {
		t.Errorf("intents = %d, want %d (guilds, guild messages, message content, reactions)", ids[0].Intents, want)
	}
	if ids[0].Token != "Bot "+discordtest.Token {
		t.Errorf("identify token not sent as a bot token")
	}
	// Commands are registered per guild after GUILD_CREATE.
	req, ok := f.fake.WaitRequest("/applications/"+f.fake.AppID+"/guilds/"+guild+"/commands", 0, 5*time.Second)
	if !ok {
		t.Fatal("/feedback was not registered in the guild")
	}
	var cmds []discordgo.ApplicationCommand
	if err := json.Unmarshal(req.JSON, &cmds); err != nil || len(cmds) != 1 || cmds[0].Name != "feedback" {
		t.Fatalf("registered %s", req.JSON)
	}
	var subs []string
	for _, o := range cmds[0].Options {
		subs = append(subs, o.Name)
	}
	if got := strings.Join(subs, ","); got != "help,log,account,themes,risk,digest,survey,kano,requests,correct,forget" {
		t.Errorf("subcommands = %s", got)
	}
}

func TestCaptureCreateUpdateDeleteAndRoles(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	alice := message(chGeneral, userAlice, []string{roleMember}, "The export keeps failing, this is really frustrating")
	bob := message(chGeneral, userBob, []string{roleAcme, roleMember}, "Love the new dashboard!")
	staff := message(chGeneral, userStaff, []string{roleStaff}, "Sorry about that, we're on it")
	staff["type"] = 19
	staff["message_reference"] = map[string]any{"message_id": alice["id"], "channel_id": chGeneral, "guild_id": guild}
	// Discord sends referenced_message without member and guild_id (gateway and
	// REST alike): the replied-to author's roles are not in it.
	staff["referenced_message"] = partialReference(alice)
	ownerMsg := message(chGeneral, owner, nil, "Thanks everyone for the feedback")
	botMsg := message(chGeneral, "200000000000000077", nil, "I am a bot")
	botMsg["author"].(map[string]any)["bot"] = true
	hook := message(chGeneral, "200000000000000078", nil, "webhook post")
	hook["webhook_id"] = "500"
	join := message(chGeneral, userAlice, nil, "")
	join["type"] = 7 // member join
	forumRoot := message(thPost, userAlice, []string{roleMember}, "Export fails with a 500 since Monday")
	forumRoot["id"] = thPost // a forum post's first message has the thread's id
	forumReply := message(thPost, userStaff, []string{roleStaff}, "Fixed in 2.3.1, can you retry?")
	internal := message(chInternal, userStaff, []string{roleStaff}, "internal chatter")
	for _, m := range []map[string]any{alice, bob, staff, ownerMsg, botMsg, hook, join, forumRoot, forumReply, internal} {
		f.fake.Dispatch("MESSAGE_CREATE", m)
	}
	f.eventually("6 captured", func() bool { return len(f.logged()) == 6 })
	got := map[string]feedbackbot.Message{}
	for _, e := range f.logged() {
		got[e.Event.Message.ID] = e.Event.Message
	}
	id := func(m map[string]any) string { return m["id"].(string) }
	tests := []struct {
		name, id        string
		role            feedbackbot.Role
		account, thread string
		channel         string
	}{
		{"member is own account", id(alice), feedbackbot.RoleCustomer, userAlice, "", chGeneral},
		{"role maps to account", id(bob), feedbackbot.RoleCustomer, "acme", "", chGeneral},
		{"staff by role, replying to a member", id(staff), feedbackbot.RoleStaff, userAlice, "", chGeneral},
		{"guild owner is staff, counted for the last customer here", id(ownerMsg), feedbackbot.RoleStaff, "acme", "", chGeneral},
		{"forum post root", thPost, feedbackbot.RoleCustomer, userAlice, "", chForum},
		{"forum reply by staff", id(forumReply), feedbackbot.RoleStaff, userAlice, thPost, chForum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := got[tc.id]
			if !ok {
				t.Fatalf("message %s not captured", tc.id)
			}
			if m.Role != tc.role || m.Account != tc.account || m.Thread != tc.thread || m.Channel != tc.channel {
				t.Errorf("role=%s account=%s thread=%s channel=%s; want %s %s %s %s", m.Role, m.Account, m.Thread, m.Channel, tc.role, tc.account, tc.thread, tc.channel)
			}
			if m.Platform != feedbackbot.PlatformDiscord || m.Workspace != guild || !strings.HasPrefix(m.Permalink, "https://discord.com/channels/"+guild+"/") {
				t.Errorf("platform/workspace/permalink wrong: %+v", m)
			}
		})
	}
	if got[id(bob)].AccountName != "Acme Corp" {
		t.Errorf("account name = %q", got[id(bob)].AccountName)
	}
	if got[id(staff)].ReplyTo != id(alice) {
		t.Errorf("reply_to = %q", got[id(staff)].ReplyTo)
	}

	// A replayed dispatch (same message again) stores nothing new.
	f.fake.Dispatch("MESSAGE_CREATE", alice)
	// An edit re-captures; an update without edited_timestamp (an unfurl) does not.
	unfurl := message(chGeneral, userAlice, []string{roleMember}, "The export keeps failing, this is really frustrating")
	unfurl["id"] = alice["id"]
	f.fake.Dispatch("MESSAGE_UPDATE", unfurl)
	edited := message(chGeneral, userAlice, []string{roleMember}, "The export works now, thanks!")
	edited["id"] = alice["id"]
	edited["edited_timestamp"] = "2026-11-20T10:05:00.000000+00:00"
	f.fake.Dispatch("MESSAGE_UPDATE", edited)
	f.fake.Dispatch("MESSAGE_DELETE", map[string]any{"id": bob["id"], "channel_id": chGeneral, "guild_id": guild})
	f.eventually("edit and delete captured", func() bool { return len(f.logged()) == 8 })
	time.Sleep(100 * time.Millisecond) // anything else would have arrived by now
	entries := f.logged()
	if len(entries) != 8 {
		t.Fatalf("log has %d entries, want 8 (the replay and the unfurl must store nothing)", len(entries))
	}
	if e := entries[6].Event; e.Kind != feedbackbot.EventPut || e.Message.Text != "The export works now, thanks!" || e.Message.EditedAt.IsZero() {
		t.Errorf("edit entry = %+v", e)
	}
	if e := entries[7].Event; e.Kind != feedbackbot.EventDelete || e.Message.ID != id(bob) {
		t.Errorf("delete entry = %+v", e)
	}
}

func TestResumeAfterDisconnectReplaysMissedEvents(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, []string{roleMember}, "first message"))
	f.eventually("first captured", func() bool { return len(f.logged()) == 1 })
	f.fake.Drop()
	// Sent while the client is away: Discord keeps it for the resumed session.
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, []string{roleMember}, "sent while disconnected"))
	if !f.fake.WaitConnected(15 * time.Second) {
		t.Fatal("did not reconnect")
	}
	f.eventually("missed event replayed", func() bool { return len(f.logged()) == 2 })
	if f.fake.Resumes() != 1 || len(f.fake.Identifies()) != 1 {
		t.Errorf("resumes=%d identifies=%d; want a resume, not a new identify", f.fake.Resumes(), len(f.fake.Identifies()))
	}
	// Op 7: Discord asks the client to reconnect; it resumes again.
	f.fake.AskReconnect()
	if !f.fake.WaitConnected(15 * time.Second) {
		t.Fatal("did not reconnect after op 7")
	}
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userAlice, []string{roleMember}, "after op 7"))
	f.eventually("captured after op 7", func() bool { return len(f.logged()) == 3 })
	if f.fake.Resumes() != 2 {
		t.Errorf("resumes = %d, want 2", f.fake.Resumes())
	}
}

func TestFatalCloseCodesStopWithExplanation(t *testing.T) {
	t.Run("4014 disallowed intents at start", func(t *testing.T) {
		fake := discordtest.New(t)
		g, chans := fakeGuild()
		fake.AddGuild(g, chans...)
		fake.RefuseIntents(discordgo.IntentMessageContent)
		st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		a, err := New(testConfig(), st, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = a.Start(context.Background())
		var fatal *FatalError
		if !errors.As(err, &fatal) || fatal.Code != 4014 || !strings.Contains(err.Error(), "Message Content Intent") {
			t.Fatalf("Start = %v; want a 4014 explanation", err)
		}
	})
	t.Run("4004 bad token after a disconnect", func(t *testing.T) {
		cfg := testConfig()
		f := newFixture(t, cfg, nil)
		// The token is revoked while connected: the resume and the identify that
		// follow are refused, and Run stops instead of retrying forever.
		f.fake.RevokeToken()
		f.fake.CloseGateway(4009, "Session timed out.") // not resumable
		select {
		case err := <-f.done:
			var fatal *FatalError
			f.stop = f.cancel // Run has returned
			if !errors.As(err, &fatal) || fatal.Code != 4004 || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
				t.Fatalf("Run = %v; want a 4004 explanation", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Run kept reconnecting with a refused token")
		}
	})
}

func TestCommandsAnsweredRefusedAndDeferred(t *testing.T) {
	var calls atomic.Int64
	slow := make(chan struct{})
	cmds := commandsFunc(func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		calls.Add(1)
		if c.Text == "digest 30d" {
			<-slow
		}
		if c.Platform != feedbackbot.PlatformDiscord || c.Workspace != guild || !c.Staff {
			return feedbackbot.Document{}, errors.New("bad command")
		}
		return feedbackbot.Document{Fallback: "ok", Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "*answer* to " + c.Text}}}, nil
	})
	cfg := testConfig()
	cfg.CommandTimeout = 300 * time.Millisecond
	f := newFixture(t, cfg, cmds)
	interaction := func(id, user string, roles []string, sub string, opts ...map[string]any) map[string]any {
		return map[string]any{"id": id, "application_id": f.fake.AppID, "type": 2, "token": "tok-" + id, "guild_id": guild, "channel_id": chInternal,
			"member": map[string]any{"user": map[string]any{"id": user, "username": "u"}, "roles": roles},
			"data":   map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": sub, "type": 1, "options": opts}}}}
	}
	// Staff: answered at once, ephemeral, with the options in order.
	f.fake.Dispatch("INTERACTION_CREATE", interaction("700000000000000001", userStaff, []string{roleStaff}, "log",
		map[string]any{"name": "account", "type": 3, "value": "acme"}, map[string]any{"name": "text", "type": 3, "value": "wants SSO"}))
	req, ok := f.fake.WaitRequest("/interactions/700000000000000001/", 0, 5*time.Second)
	if !ok {
		t.Fatal("no reply to the staff command")
	}
	var resp discordgo.InteractionResponse
	if err := json.Unmarshal(req.JSON, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 ||
		len(resp.Data.Embeds) != 1 || resp.Data.Embeds[0].Description != "**answer** to log acme wants SSO" {
		t.Errorf("reply = %s", req.JSON)
	}
	// A member: refused at once; the bot is never asked.
	before := calls.Load()
	f.fake.Dispatch("INTERACTION_CREATE", interaction("700000000000000002", userAlice, []string{roleMember}, "risk"))
	req, ok = f.fake.WaitRequest("/interactions/700000000000000002/", 0, 5*time.Second)
	if !ok || !strings.Contains(string(req.JSON), "only available to the team") || !strings.Contains(string(req.JSON), `"flags":64`) {
		t.Errorf("refusal = %s", req.JSON)
	}
	if calls.Load() != before {
		t.Error("the bot was asked on behalf of a non-staff member")
	}
	// Slow: deferred within the timeout, then the original response is edited.
	start := time.Now()
	f.fake.Dispatch("INTERACTION_CREATE", interaction("700000000000000003", userStaff, []string{roleStaff}, "digest",
		map[string]any{"name": "period", "type": 3, "value": "30d"}))
	req, ok = f.fake.WaitRequest("/interactions/700000000000000003/", 0, 5*time.Second)
	if !ok || !strings.Contains(string(req.JSON), `"type":5`) {
		t.Fatalf("no deferral: %s", req.JSON)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("deferred after %v, beyond Discord's 3 s", d)
	}
	close(slow)
	edit, ok := f.fake.WaitRequest("/webhooks/"+f.fake.AppID+"/tok-700000000000000003/messages/@original", 0, 5*time.Second)
	if !ok || !strings.Contains(string(edit.JSON), "answer** to digest 30d") {
		t.Errorf("deferred edit = %s", edit.JSON)
	}
}

func TestPostEmbedWithChartAndRateLimit(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, testImage()); err != nil {
		t.Fatal(err)
	}
	doc := feedbackbot.Document{Fallback: "Weekly digest", Color: "good", Blocks: []feedbackbot.Block{
		{Kind: feedbackbot.BlockHeader, Text: "Customer satisfaction, week 47"},
		{Kind: feedbackbot.BlockText, Text: "*Sentiment* rose to 0.31 @everyone"},
		{Kind: feedbackbot.BlockFields, Fields: []feedbackbot.Field{{Label: "Messages", Value: "412"}, {Label: "Negative", Value: "12%"}}},
		{Kind: feedbackbot.BlockImage, Image: &feedbackbot.Image{Filename: "sentiment.png", Title: "Sentiment by day", Data: pngData.Bytes()}},
		{Kind: feedbackbot.BlockActions, Buttons: []feedbackbot.Button{{Label: "Acknowledge", Action: "alert.ack", Value: "fp1", Style: "primary"}}},
	}}
	// The first attempt is rate limited (429 with retry_after); the post is retried.
	f.fake.RateLimitNext("POST", "/channels/"+chInternal+"/messages", 150*time.Millisecond, false)
	start := time.Now()
	ref, err := f.a.Post(context.Background(), chInternal, doc)
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("retried after %v, before retry_after", d)
	}
	reqs := f.fake.Requests("/channels/" + chInternal + "/messages")
	if len(reqs) != 2 || ref.ID == "" || ref.Platform != feedbackbot.PlatformDiscord {
		t.Fatalf("requests = %d, ref = %+v; want a 429 and a retry", len(reqs), ref)
	}
	last := reqs[1]
	if img, ok := last.Files["sentiment.png"]; !ok || !bytes.Equal(img, pngData.Bytes()) {
		t.Errorf("chart not attached: files %v", keys(last.Files))
	}
	var sent struct {
		Embeds          []discordgo.MessageEmbed          `json:"embeds"`
		Components      []json.RawMessage                 `json:"components"`
		AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	}
	if err := json.Unmarshal(last.JSON, &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Embeds) != 2 || sent.Embeds[1].Image == nil || sent.Embeds[1].Image.URL != "attachment://sentiment.png" ||
		sent.Embeds[1].Title != "Sentiment by day" || sent.Embeds[0].Color != colorGood {
		t.Errorf("embed = %s", last.JSON)
	}
	if sent.AllowedMentions == nil || len(sent.AllowedMentions.Parse) != 0 || !strings.Contains(string(last.JSON), `"parse":[]`) {
		t.Errorf("mentions are not suppressed: %s", last.JSON)
	}
	if len(sent.Components) != 1 || !strings.Contains(string(sent.Components[0]), `"custom_id":"alert.ack fp1"`) {
		t.Errorf("buttons = %s", sent.Components)
	}
	// Update edits the same message.
	if err := f.a.Update(context.Background(), ref, doc); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(f.fake.Requests("/channels/"+chInternal+"/messages/"+ref.ID)) != 1 {
		t.Error("update did not edit the posted message")
	}
}

func TestPostRefusesChannelsMembersCanRead(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	open := unlisted(t, f)
	tests := []struct {
		name, channel, want string
		a                   *Adapter
	}{
		{"not listed as internal", chGeneral, "not an internal channel", f.a},
		{"a role that is not staff can read", chLeaky, `role "Member"`, f.a},
		{"everyone can read", chGeneral, "@everyone", open},
		{"a forum", chForum, "not a private text channel", open},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(f.fake.Requests("/channels/" + tc.channel + "/messages"))
			_, err := tc.a.Post(context.Background(), tc.channel, feedbackbot.Document{Fallback: "x"})
			if err == nil || !strings.Contains(err.Error(), tc.want) || feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED {
				t.Fatalf("Post = %v; want refusal mentioning %q", err, tc.want)
			}
			if len(f.fake.Requests("/channels/"+tc.channel+"/messages")) != n {
				t.Error("something was posted")
			}
		})
	}
	if err := f.a.CheckDestination(context.Background(), chInternal); err != nil {
		t.Errorf("staff-only channel refused: %v", err)
	}
}

// unlisted is an adapter on the fixture's store whose configuration lists no
// internal channels, so that every channel is judged by who can read it.
func unlisted(t *testing.T, f *fixture) *Adapter {
	t.Helper()
	cfg := testConfig()
	cfg.InternalChannels = nil
	a, err := New(cfg, f.st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestOnlyBotRolesAreExempt: Discord marks a bot's own role "managed", but also the
// server's boosters' role and an integration's subscribers' (Twitch, YouTube), which
// community members hold. A channel that such a role can read is refused like any
// role that is not staff; one that a bot's role (tags bot_id) can read is not.
func TestOnlyBotRolesAreExempt(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	a := unlisted(t, f)
	const (
		roleBooster  = "300000000000000010"
		roleTwitch   = "300000000000000011"
		roleOtherBot = "300000000000000012"
		roleUntagged = "300000000000000013"
	)
	g, chans := fakeGuild()
	g.Roles = append(g.Roles,
		&discordgo.Role{ID: roleBooster, Name: "Server Booster", Managed: true},
		&discordgo.Role{ID: roleTwitch, Name: "Twitch Subscriber", Managed: true},
		&discordgo.Role{ID: roleOtherBot, Name: "logger-bot", Managed: true},
		&discordgo.Role{ID: roleUntagged, Name: "managed, no tags", Managed: true})
	f.fake.SetRoleTags(roleBot, map[string]any{"bot_id": f.fake.BotID})
	f.fake.SetRoleTags(roleBooster, map[string]any{"premium_subscriber": nil})
	f.fake.SetRoleTags(roleTwitch, map[string]any{"integration_id": "500000000000000001"})
	f.fake.SetRoleTags(roleOtherBot, map[string]any{"bot_id": "900000000000000099"})
	tests := []struct {
		id, role string
		refused  bool
	}{
		{"400000000000000201", roleBooster, true},
		{"400000000000000202", roleTwitch, true},
		{"400000000000000203", roleUntagged, true},
		{"400000000000000204", roleBot, false},
		{"400000000000000205", roleOtherBot, false},
	}
	for _, tc := range tests {
		chans = append(chans, &discordgo.Channel{ID: tc.id, Name: "cs-" + tc.role, Type: discordgo.ChannelTypeGuildText,
			PermissionOverwrites: []*discordgo.PermissionOverwrite{
				{ID: guild, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel},
				{ID: roleStaff, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel},
				{ID: tc.role, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel},
			}})
	}
	f.fake.AddGuild(g, chans...)
	for _, tc := range tests {
		err := a.CheckDestination(context.Background(), tc.id)
		if tc.refused && (feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED || !strings.Contains(err.Error(), tc.role)) {
			t.Errorf("a channel role %s can read: %v; want a refusal naming the role", tc.role, err)
		}
		if !tc.refused && err != nil {
			t.Errorf("a channel only staff and the bot role %s can read: %v", tc.role, err)
		}
	}
}

// testWriter sends log lines to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCommandsWithTheRealBot captures a member's message through the gateway,
// analyses it, and answers "/feedback account" through bot.Bot.
func TestCommandsWithTheRealBot(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	f := newFixtureWith(t, testConfig(), func(st store.Store) Commands {
		return &bot.Bot{Store: st, Now: func() time.Time { return now }}
	})
	f.fake.Dispatch("MESSAGE_CREATE", message(chGeneral, userBob, []string{roleAcme}, "The export is broken again, very frustrating"))
	f.eventually("captured", func() bool { return len(f.logged()) == 1 })
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	w := &bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": "700000000000000010", "application_id": f.fake.AppID, "type": 2,
		"token": "tok", "guild_id": guild, "channel_id": chInternal,
		"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "account", "type": 1,
			"options": []any{map[string]any{"name": "account", "type": 3, "value": "acme"}}}}}})
	req, ok := f.fake.WaitRequest("/interactions/700000000000000010/", 0, 5*time.Second)
	if !ok {
		t.Fatal("no reply")
	}
	if !strings.Contains(string(req.JSON), "export is broken") || !strings.Contains(string(req.JSON), `"flags":64`) {
		t.Errorf("account reply lacks the evidence or is not ephemeral: %s", req.JSON)
	}
}

// TestButtonsReachTheBot: an alert button from staff and a survey answer from a
// member of the account it asked reach the bot as button commands; a survey answer
// from a member of another account (anyone who can see the channel may press) and
// any other button from a member are refused.
func TestButtonsReachTheBot(t *testing.T) {
	got := make(chan feedbackbot.Command, 4)
	cmds := commandsFunc(func(_ context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		got <- c
		return feedbackbot.Document{Ephemeral: true, Fallback: "done", Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "done"}}}, nil
	})
	f := newFixture(t, testConfig(), cmds)
	press := func(id, user, channel string, roles []string, customID string) {
		f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": f.fake.AppID, "type": 3, "token": "tok-" + id,
			"guild_id": guild, "channel_id": channel, "message": map[string]any{"id": "1", "channel_id": channel},
			"member": map[string]any{"user": map[string]any{"id": user, "username": "u"}, "roles": roles},
			"data":   map[string]any{"custom_id": customID, "component_type": 2}})
	}
	tests := []struct {
		name, user, channel, customID string
		roles                         []string
		staff, reachesBot             bool
		refusal                       string // the answer when the bot is not asked
	}{
		{"staff acknowledges an alert", userStaff, chInternal, "alert.ack fp1", []string{roleStaff}, true, true, ""},
		{"a member of the account answers its survey", userAlice, chInternal, "survey.answer csat|5|acme|", []string{roleAcme}, false, true, ""},
		{"a member answers a survey in the account's channel", userAlice, chAcme, "survey.answer csat|5|acme|", []string{roleMember}, false, true, ""},
		{"a community member answers their own survey", userAlice, chInternal, "survey.answer csat|5|" + userAlice + "|", []string{roleMember}, false, true, ""},
		{"a member answers another account's survey", userAlice, chInternal, "survey.answer csat|1|acme|", []string{roleMember}, false, false, "not recorded"},
		{"a member presses an alert button", userAlice, chInternal, "alert.snooze fp1", []string{roleMember}, false, false, "only available to the team"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := "71000000000000000" + itoa(int64(i))
			press(id, tc.user, tc.channel, tc.roles, tc.customID)
			req, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 5*time.Second)
			if !ok {
				t.Fatal("no reply")
			}
			if !strings.Contains(string(req.JSON), `"flags":64`) {
				t.Errorf("reply not ephemeral: %s", req.JSON)
			}
			select {
			case c := <-got:
				if !tc.reachesBot {
					t.Fatalf("bot asked: %+v", c)
				}
				if !c.Button || c.Text != tc.customID || c.Staff != tc.staff || c.User != tc.user {
					t.Errorf("command = %+v", c)
				}
			case <-time.After(200 * time.Millisecond):
				if tc.reachesBot {
					t.Fatal("the bot was not asked")
				}
				if !strings.Contains(string(req.JSON), tc.refusal) {
					t.Errorf("refusal = %s", req.JSON)
				}
			}
		})
	}
}

func TestGlobalRateLimitIsWaitedOut(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	f.fake.RateLimitNext("POST", "/channels/"+chInternal+"/messages", 100*time.Millisecond, true)
	f.fake.RateLimitNext("POST", "/channels/"+chInternal+"/messages", 100*time.Millisecond, true)
	if _, err := f.a.Post(context.Background(), chInternal, feedbackbot.Document{Fallback: "x"}); err != nil {
		t.Fatalf("Post: %v", err)
	}
	if n := len(f.fake.Requests("/channels/" + chInternal + "/messages")); n != 3 {
		t.Errorf("%d requests, want two 429s and a success", n)
	}
	// Persistent limits: give up after the attempts, with an error, never silently.
	for range maxAttempts {
		f.fake.RateLimitNext("POST", "/channels/"+chInternal+"/messages", 10*time.Millisecond, false)
	}
	_, err := f.a.Post(context.Background(), chInternal, feedbackbot.Document{Fallback: "x"})
	if err == nil || !strings.Contains(err.Error(), "rate limited") {
		t.Errorf("Post under a persistent limit = %v", err)
	}
	// A cancelled context stops the wait.
	f.fake.RateLimitNext("POST", "/channels/"+chInternal+"/messages", 30*time.Second, false)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := f.a.Post(ctx, chInternal, feedbackbot.Document{Fallback: "x"}); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("Post with a cancelled context = %v after %v", err, time.Since(start))
	}
}

// TestAutomaticSurveyAfterResolvedReaction: a staff member's ✅ on a member's message
// posts a CSAT question as a reply; the member answers with a button; a member's own
// ✅ asks nothing, and the account's cooldown stops a second question.
func TestAutomaticSurveyAfterResolvedReaction(t *testing.T) {
	now := time.Now().UTC()
	cfg := testConfig()
	cfg.SurveyReaction, cfg.SurveySample, cfg.SurveyKind = "✅", 1, "csat"
	f := newFixtureWith(t, cfg, func(st store.Store) Commands { return &bot.Bot{Store: st, Now: func() time.Time { return now }} })
	first := message(chGeneral, userAlice, []string{roleMember}, "The export fails with a 500")
	second := message(chGeneral, userAlice, []string{roleMember}, "And the dashboard is slow")
	f.fake.Dispatch("MESSAGE_CREATE", first)
	f.fake.Dispatch("MESSAGE_CREATE", second)
	f.eventually("captured", func() bool { return len(f.logged()) == 2 })
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	react := func(m map[string]any, user string, roles []string) {
		f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": user, "message_id": m["id"], "channel_id": chGeneral, "guild_id": guild,
			"emoji": map[string]any{"name": "✅"}, "member": map[string]any{"user": map[string]any{"id": user}, "roles": roles}})
	}
	posts := func() []discordtest.Request { return f.fake.Requests("/channels/" + chGeneral + "/messages") }
	react(first, userAlice, []string{roleMember}) // a member marking their own message: nothing
	react(first, userStaff, []string{roleStaff})
	req, ok := f.fake.WaitRequest("/channels/"+chGeneral+"/messages", 0, 5*time.Second)
	if !ok {
		t.Fatal("no survey posted")
	}
	body := string(req.JSON)
	if !strings.Contains(body, `"custom_id":"survey.answer csat|5|`+userAlice+`|`) || !strings.Contains(body, `"message_id":"`+first["id"].(string)+`"`) {
		t.Fatalf("survey post = %s", body)
	}
	// The button as posted (it carries when it was asked: a hand-built legacy one
	// closes on bot.LegacySurveysClose).
	posted := regexp.MustCompile(`"custom_id":"(survey\.answer csat\|5\|[^"]*)"`).FindStringSubmatch(body)
	if posted == nil {
		t.Fatalf("no csat 5 button in %s", body)
	}
	react(second, userStaff, []string{roleStaff}) // same account, inside the cooldown
	time.Sleep(300 * time.Millisecond)
	if n := len(posts()); n != 1 {
		t.Errorf("%d survey posts, want 1 (the member's own reaction and the cooldown ask nothing)", n)
	}
	// The member answers 5.
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": "720000000000000001", "application_id": f.fake.AppID, "type": 3, "token": "tok-s",
		"guild_id": guild, "channel_id": chGeneral, "message": map[string]any{"id": "1", "channel_id": chGeneral},
		"member": map[string]any{"user": map[string]any{"id": userAlice, "username": "alice"}, "roles": []string{roleMember}},
		"data":   map[string]any{"custom_id": posted[1], "component_type": 2}})
	reply, ok := f.fake.WaitRequest("/interactions/720000000000000001/", 0, 5*time.Second)
	if !ok || !strings.Contains(strings.ToLower(string(reply.JSON)), "thank") {
		t.Fatalf("answer reply = %s", reply.JSON)
	}
	answers, err := bot.SurveyAnswers(context.Background(), f.st, guild, time.Time{}, time.Time{}, "")
	if err != nil || len(answers) != 1 {
		t.Fatalf("stored answers = %d, %v", len(answers), err)
	}
	if a := answers[0]; a.Account != userAlice || a.Kind != bot.SurveyCSAT || a.Score != 5 || a.User != userAlice {
		t.Errorf("answer not stored with the account and score: %+v", a)
	}
}

// TestSurveyNotPostedMayBeAskedAgain: a survey question Discord refused (the
// automatic one after a resolved reaction, or the reply to /feedback survey) does
// not keep its account from being asked for the 30-day cooldown: asking wrote the
// cooldown, and the adapter takes it back.
func TestSurveyNotPostedMayBeAskedAgain(t *testing.T) {
	t.Run("automatic", func(t *testing.T) {
		now := time.Now().UTC()
		cfg := testConfig()
		cfg.SurveyReaction, cfg.SurveySample, cfg.SurveyKind = "✅", 1, "csat"
		f := newFixtureWith(t, cfg, func(st store.Store) Commands { return &bot.Bot{Store: st, Now: func() time.Time { return now }} })
		first := message(chGeneral, userAlice, []string{roleMember}, "The export fails with a 500")
		second := message(chGeneral, userAlice, []string{roleMember}, "And the dashboard is slow")
		f.fake.Dispatch("MESSAGE_CREATE", first)
		f.fake.Dispatch("MESSAGE_CREATE", second)
		f.eventually("captured", func() bool { return len(f.logged()) == 2 })
		an, err := analysis.New(analysis.DefaultTaxonomy())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		react := func(m map[string]any) {
			f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": userStaff, "message_id": m["id"], "channel_id": chGeneral, "guild_id": guild,
				"emoji": map[string]any{"name": "✅"}, "member": map[string]any{"user": map[string]any{"id": userStaff}, "roles": []string{roleStaff}}})
		}
		path := "/channels/" + chGeneral + "/messages"
		f.fake.FailNext("POST", path, 403, 1) // Missing Permissions: not retried
		react(first)
		if _, ok := f.fake.WaitRequest(path, 0, 5*time.Second); !ok {
			t.Fatal("no survey attempted")
		}
		time.Sleep(200 * time.Millisecond) // the failure reaches the bot
		react(second)                      // the same account
		if _, ok := f.fake.WaitRequest(path, 1, 5*time.Second); !ok {
			t.Errorf("%d survey posts; the one Discord refused should not start the cooldown, so the second reaction asks again", len(f.fake.Requests(path)))
		}
	})
	t.Run("command reply", func(t *testing.T) {
		now := time.Now().UTC()
		var b *bot.Bot
		f := newFixtureWith(t, testConfig(), func(st store.Store) Commands {
			b = &bot.Bot{Store: st, Now: func() time.Time { return now }, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}}
			return b
		})
		id := "750000000000000001"
		f.fake.FailNext("POST", "/interactions/"+id+"/", 403, 1)
		askSurvey(f, id, "tok-f")
		if _, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 5*time.Second); !ok {
			t.Fatal("no reply attempted")
		}
		askedAgain(f, b)
	})
	t.Run("slow command reply", func(t *testing.T) {
		now := time.Now().UTC()
		var b *bot.Bot
		cfg := testConfig()
		cfg.CommandTimeout = 100 * time.Millisecond
		f := newFixtureWith(t, cfg, func(st store.Store) Commands {
			b = &bot.Bot{Store: st, Now: func() time.Time { return now }, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}}
			return slowBot{b, 300 * time.Millisecond} // deferred, then the deferral's edit fails
		})
		id, token := "750000000000000002", "tok-slow"
		hook := "/webhooks/" + f.fake.AppID + "/" + token
		f.fake.FailNext("PATCH", hook, 403, 1)
		askSurvey(f, id, token)
		if _, ok := f.fake.WaitRequest(hook, 0, 5*time.Second); !ok {
			t.Fatal("no edit of the deferred reply attempted")
		}
		askedAgain(f, b)
	})
}

// askSurvey dispatches a staff member's "/feedback survey csat acme" interaction.
func askSurvey(f *fixture, id, token string) {
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": f.fake.AppID, "type": 2, "token": token,
		"guild_id": guild, "channel_id": chGeneral,
		"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1,
			"options": []any{map[string]any{"name": "survey", "type": 1, "options": []any{
				map[string]any{"name": "kind", "type": 3, "value": "csat"}, map[string]any{"name": "account", "type": 3, "value": "acme"}}}}}})
}

// askedAgain waits until acme may be asked a survey again: its cooldown taken back.
func askedAgain(f *fixture, b *bot.Bot) {
	f.t.Helper()
	f.eventually("the cooldown taken back", func() bool {
		doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Platform: feedbackbot.PlatformDiscord, Workspace: guild, User: userStaff, Staff: true, Text: "survey csat acme"})
		return err == nil && !doc.Ephemeral
	})
}

// slowBot is the bot answering after a delay (past CommandTimeout: deferred).
type slowBot struct {
	*bot.Bot
	delay time.Duration
}

func (s slowBot) HandleCommand(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
	time.Sleep(s.delay)
	return s.Bot.HandleCommand(ctx, c)
}

// TestAlerterOnDiscord: the bot's alerter raises an at-risk alert into the staff
// channel as an embed with buttons, edits that same message when new evidence
// arrives, and posts a recovery notice when the account clears.
func TestAlerterOnDiscord(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	al := &bot.Alerter{Store: f.st, Poster: f.a, Channel: chInternal, RepeatInterval: 24 * time.Hour}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp"}, Score: 30, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -30,
			Evidence: []feedbackbot.Evidence{{MessageKey: "discord/" + guild + "/1", Quote: "we are evaluating alternatives"}}},
			{Code: "negative_share", Text: "1 of 4 messages negative", Impact: -10,
				Evidence: []feedbackbot.Evidence{{MessageKey: "discord/" + guild + "/3", Quote: "exports keep failing"}}}}}
	out, err := al.Evaluate(context.Background(), guild, []feedbackbot.Health{h}, now)
	if err != nil || out.Raised != 1 {
		t.Fatalf("raise: %+v %v", out, err)
	}
	posts := f.fake.Requests("/channels/" + chInternal + "/messages")
	if len(posts) != 1 || !strings.Contains(string(posts[0].JSON), "alert.ack") || !strings.Contains(string(posts[0].JSON), "evaluating alternatives") {
		t.Fatalf("alert post = %v", posts)
	}
	// New evidence, same cause: the posted message is edited, not a new one (a
	// new churn statement would post it again: TestChurnSignalOpensAnAnsweredAlertAgain).
	h.Reasons[1].Evidence = append(h.Reasons[1].Evidence, feedbackbot.Evidence{MessageKey: "discord/" + guild + "/2", Quote: "the pricing doubled for us"})
	h.Reasons[1].Text = "2 of 4 messages negative"
	if out, err = al.Evaluate(context.Background(), guild, []feedbackbot.Health{h}, now.Add(time.Hour)); err != nil || out.Updated != 1 {
		t.Fatalf("update: %+v %v", out, err)
	}
	var edits []discordtest.Request
	for _, r := range f.fake.Requests("/channels/" + chInternal + "/messages/") {
		if r.Method == "PATCH" {
			edits = append(edits, r)
		}
	}
	if len(edits) != 1 || !strings.Contains(string(edits[0].JSON), "pricing doubled") {
		t.Fatalf("edits = %d", len(edits))
	}
	// Recovered (on what its customers said lately): a notice, once.
	h.AtRisk, h.Score, h.Reasons, h.RecentMessages, h.LastCustomerAt = false, 80, nil, 3, now.Add(90*time.Minute)
	if out, err = al.Evaluate(context.Background(), guild, []feedbackbot.Health{h}, now.Add(2*time.Hour)); err != nil || out.Resolved != 1 {
		t.Fatalf("resolve: %+v %v", out, err)
	}
	var notices []discordtest.Request
	for _, r := range f.fake.Requests("/channels/" + chInternal + "/messages") {
		if r.Method == "POST" {
			notices = append(notices, r)
		}
	}
	if len(notices) != 2 || !strings.Contains(strings.ToLower(string(notices[1].JSON)), "recovered") {
		t.Errorf("want the alert and one recovery notice, got %d posts", len(notices))
	}
}

// TestSlowSurveyReplyIsPublic: a command slower than CommandTimeout is deferred,
// and the deferral decides who sees the reply. A survey question is meant for the
// customer in the channel, so its deferral is public; every other reply is the
// caller's alone, and so is a survey the bot did not ask (the account's cooldown):
// the public deferral is then deleted and the answer sent as an ephemeral follow-up.
func TestSlowSurveyReplyIsPublic(t *testing.T) {
	release := make(chan struct{})
	cmds := commandsFunc(func(ctx context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return feedbackbot.Document{}, ctx.Err()
		}
		switch c.Text {
		case "survey csat acme":
			return bot.SurveyDocument(bot.SurveyCSAT, "acme", ""), nil
		case "survey csat globex":
			return ephemeralText("*Globex* was asked a CSAT survey on Nov 18; not asking again before Dec 2."), nil
		}
		return feedbackbot.Document{Fallback: "the digest"}, nil
	})
	cfg := testConfig()
	cfg.CommandTimeout = 200 * time.Millisecond
	f := newFixture(t, cfg, cmds)
	opt := func(name, value string) map[string]any {
		return map[string]any{"name": name, "type": 3, "value": value}
	}
	tests := []struct {
		name, id, sub string
		opts          []any
		public        bool   // the deferral is shown to the channel
		method        string // of the reply that follows: PATCH edits the deferral, POST is a follow-up
		want          string
	}{
		{"a survey question is shown to the channel", "740000000000000001", "survey", []any{opt("kind", "csat"), opt("account", "acme")},
			true, "PATCH", "How satisfied are you"},
		{"a digest is the caller's alone", "740000000000000002", "digest", []any{opt("period", "30d")},
			false, "PATCH", "the digest"},
		{"a survey not asked is the caller's alone", "740000000000000003", "survey", []any{opt("kind", "csat"), opt("account", "globex")},
			true, "POST", "not asking again"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := "tok-" + tc.id
			f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": tc.id, "application_id": f.fake.AppID, "type": 2, "token": token,
				"guild_id": guild, "channel_id": chGeneral,
				"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
				"data": map[string]any{"id": "1", "name": "feedback", "type": 1,
					"options": []any{map[string]any{"name": tc.sub, "type": 1, "options": tc.opts}}}})
			req, ok := f.fake.WaitRequest("/interactions/"+tc.id+"/", 0, 5*time.Second)
			if !ok {
				t.Fatal("not deferred")
			}
			var resp discordgo.InteractionResponse
			if err := json.Unmarshal(req.JSON, &resp); err != nil {
				t.Fatal(err)
			}
			ephemeral := resp.Data != nil && resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0
			if resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource || ephemeral == tc.public {
				t.Errorf("deferral = %s; want it public: %v", req.JSON, tc.public)
			}
			release <- struct{}{}
			hook := "/webhooks/" + f.fake.AppID + "/" + token
			wantCalls := 1
			if tc.method == "POST" {
				wantCalls = 2 // the deferral's deletion, then the follow-up
			}
			waitFor(t, "the reply", 10*time.Second, func() bool { return len(f.fake.Requests(hook)) == wantCalls })
			reqs := f.fake.Requests(hook)
			last := reqs[len(reqs)-1]
			if last.Method != tc.method || !strings.Contains(string(last.JSON), tc.want) {
				t.Errorf("reply = %s %s %s; want %s with %q", last.Method, last.Path, last.JSON, tc.method, tc.want)
			}
			if tc.method == "POST" {
				if reqs[0].Method != "DELETE" || reqs[0].Path != hook+"/messages/@original" {
					t.Errorf("first call = %s %s; want the public deferral deleted", reqs[0].Method, reqs[0].Path)
				}
				if !strings.Contains(string(last.JSON), `"flags":64`) {
					t.Errorf("follow-up is not ephemeral: %s", last.JSON)
				}
			}
		})
	}
}

// TestEditRemovingAllTextDeletesTheMessage: an edit that leaves only an attachment
// takes the text back; the stored message is deleted, as MESSAGE_DELETE would,
// so that the old text is neither kept, analysed nor quoted. An update without an
// edit time (an unfurl) changes nothing.
func TestEditRemovingAllTextDeletesTheMessage(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	member := []string{roleMember}
	attachment := []any{map[string]any{"id": "800000000000000001", "filename": "screenshot.png", "size": 1024,
		"url": "https://cdn.discordapp.com/attachments/1/2/screenshot.png", "proxy_url": "https://media.discordapp.net/attachments/1/2/screenshot.png"}}
	tests := []struct {
		name        string
		edited      bool
		wantDeleted bool
	}{
		{"an edit that removes all the text", true, true},
		{"an update without an edit time", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := message(chGeneral, userAlice, member, "the export fails, and here is my account email: alice@example.com")
			id := m["id"].(string)
			f.fake.Dispatch("MESSAGE_CREATE", m)
			update := maps.Clone(m)
			update["content"], update["attachments"] = "", attachment
			if tc.edited {
				update["edited_timestamp"] = "2026-11-20T10:05:00.000000+00:00"
			}
			f.fake.Dispatch("MESSAGE_UPDATE", update)
			// Capture keeps the gateway's order: once the next message is in the log,
			// whatever the update caused is too.
			next := message(chGeneral, userAlice, member, "sorry, wrong file")
			f.fake.Dispatch("MESSAGE_CREATE", next)
			waitFor(t, "the next message captured", 10*time.Second, func() bool {
				return slices.ContainsFunc(f.logged(), func(e store.Entry) bool { return e.Event.Message.ID == next["id"] })
			})
			var kinds []feedbackbot.EventKind
			for _, e := range f.logged() {
				if e.Event.Message.ID == id {
					kinds = append(kinds, e.Event.Kind)
					if e.Event.Kind == feedbackbot.EventDelete && (e.Event.Message.Workspace != guild || e.Event.Message.Channel != chGeneral) {
						t.Errorf("delete = %+v", e.Event.Message)
					}
				}
			}
			want := []feedbackbot.EventKind{feedbackbot.EventPut}
			if tc.wantDeleted {
				want = append(want, feedbackbot.EventDelete)
			}
			if !slices.Equal(kinds, want) {
				t.Errorf("log entries of the message = %v; want %v", kinds, want)
			}
		})
	}
}

// TestStaffEditKeepsItsAccount: a staff answer not written as a reply counts for the
// channel's latest customer; fixing a typo in it later, after another customer has
// written, keeps it on the account it was captured with, whether analysis has
// applied the answer yet or not.
func TestStaffEditKeepsItsAccount(t *testing.T) {
	for _, analysed := range []bool{true, false} {
		t.Run(fmt.Sprintf("analysed %v", analysed), func(t *testing.T) {
			f := newFixture(t, testConfig(), nil)
			an, err := analysis.New(analysis.DefaultTaxonomy())
			if err != nil {
				t.Fatal(err)
			}
			alice := message(chGeneral, userAlice, []string{roleMember}, "the export fails every night")
			answer := message(chGeneral, userStaff, []string{roleStaff}, "we are looking at the export, sorry")
			for _, m := range []map[string]any{alice, answer} {
				f.fake.Dispatch("MESSAGE_CREATE", m)
			}
			f.eventually("2 captured", func() bool { return len(f.logged()) == 2 })
			if analysed {
				if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			bob := message(chGeneral, userBob, []string{roleAcme, roleMember}, "love the new dashboard")
			f.fake.Dispatch("MESSAGE_CREATE", bob)
			f.eventually("3 captured", func() bool { return len(f.logged()) == 3 })
			edit := maps.Clone(answer)
			edit["content"], edit["edited_timestamp"] = "we are looking at the export, sorry!", "2026-11-20T10:05:00.000000+00:00"
			f.fake.Dispatch("MESSAGE_UPDATE", edit)
			f.eventually("4 captured", func() bool { return len(f.logged()) == 4 })
			for _, e := range f.logged() {
				if e.Event.Message.ID == answer["id"] && e.Event.Message.Account != userAlice {
					t.Errorf("the staff answer's %s is logged for account %q, want %q (the customer it answered)", e.Event.Message.Text, e.Event.Message.Account, userAlice)
				}
			}
		})
	}
}

// TestReactionsBuildOnTheNewestVersion: reactions that arrive before analysis has
// caught up build on what was queued last: an edit keeps its text (the member took
// a secret out), two reactions both count, and a reaction to a message not analysed
// yet is kept.
func TestReactionsBuildOnTheNewestVersion(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	drain := func() {
		t.Helper()
		if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	react := func(m map[string]any, emoji, user string) {
		f.fake.Dispatch("MESSAGE_REACTION_ADD", map[string]any{"user_id": user, "message_id": m["id"], "channel_id": chGeneral, "guild_id": guild,
			"emoji": map[string]any{"name": emoji}, "member": map[string]any{"user": map[string]any{"id": user}, "roles": []string{roleStaff}}})
	}
	secret := message(chGeneral, userAlice, []string{roleMember}, "my api key is sk-SECRET123, why does it fail")
	f.fake.Dispatch("MESSAGE_CREATE", secret)
	f.eventually("captured", func() bool { return len(f.logged()) == 1 })
	drain()
	edit := maps.Clone(secret)
	edit["content"], edit["edited_timestamp"] = "why does the api call fail?", "2026-11-20T10:05:00.000000+00:00"
	f.fake.Dispatch("MESSAGE_UPDATE", edit)
	f.eventually("the edit captured", func() bool { return len(f.logged()) == 2 })
	react(secret, "👀", userStaff)
	f.eventually("a reaction captured", func() bool { return len(f.logged()) == 3 })
	react(secret, "✅", owner)
	fresh := message(chGeneral, userBob, []string{roleAcme, roleMember}, "the export works now")
	f.fake.Dispatch("MESSAGE_CREATE", fresh)
	f.eventually("5 captured", func() bool { return len(f.logged()) == 5 })
	react(fresh, "🎉", userStaff)
	f.eventually("6 captured", func() bool { return len(f.logged()) == 6 })
	drain()
	got := func(m map[string]any) store.Stored {
		t.Helper()
		s, err := f.st.Message(context.Background(), string(feedbackbot.PlatformDiscord)+"/"+guild+"/"+m["id"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := got(secret); strings.Contains(s.Message.Text, "SECRET") || s.Message.Reactions["👀"] != 1 || s.Message.Reactions["✅"] != 1 {
		t.Errorf("edited message after two reactions: %q %v", s.Message.Text, s.Message.Reactions)
	}
	if s := got(fresh); s.Message.Reactions["🎉"] != 1 {
		t.Errorf("a reaction before analysis: %v", s.Message.Reactions)
	}
}
