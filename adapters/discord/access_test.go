package discordadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
)

// A second configured guild (another community, with its own "Support" role that is
// not one of ours) and a third the bot is in but not configured for.
const (
	guildB        = "100000000000000002"
	ownerB        = "200000000000000019"
	roleSupportB  = "300000000000000021"
	chInternalB   = "400000000000000021"
	guildC        = "100000000000000003"
	ownerC        = "200000000000000029"
	chGeneralC    = "400000000000000031"
	userStranger  = "200000000000000005" // in no guild's roles
	firstInterID  = 720000000000000000
	refusalFlags  = `"flags":64`
	refusalNeedle = "only available to the team"
)

// TestAccessControl: every /feedback subcommand and every staff button (acknowledge,
// snooze, open account, confirm forget), from each kind of caller who is not staff,
// gets the same refusal, byte for byte, and the bot is never asked. Callers: a
// community member, a customer (account role), a member without roles, the staff
// of another guild (its own Support role, in our guild and in theirs), the owner of
// a guild the bot is not configured for, and a direct message.
func TestAccessControl(t *testing.T) {
	var mu sync.Mutex
	var asked []feedbackbot.Command
	cmds := commandsFunc(func(_ context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		mu.Lock()
		asked = append(asked, c)
		mu.Unlock()
		return ephemeralText("ok: " + c.Text), nil
	})
	cfg := testConfig()
	cfg.Guilds = []string{guild, guildB}
	f := newFixture(t, cfg, cmds)
	view := int64(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages)
	for _, g := range []struct {
		g  *discordgo.Guild
		ch *discordgo.Channel
	}{
		{&discordgo.Guild{ID: guildB, Name: "Other Community", OwnerID: ownerB, Roles: []*discordgo.Role{
			{ID: guildB, Name: "@everyone", Permissions: view}, {ID: roleSupportB, Name: "Support", Permissions: view}}},
			&discordgo.Channel{ID: chInternalB, Name: "cs-internal", Type: discordgo.ChannelTypeGuildText}},
		{&discordgo.Guild{ID: guildC, Name: "Unconfigured", OwnerID: ownerC, Roles: []*discordgo.Role{{ID: guildC, Name: "@everyone", Permissions: view}}},
			&discordgo.Channel{ID: chGeneralC, Name: "general", Type: discordgo.ChannelTypeGuildText}},
	} {
		f.fake.AddGuild(g.g, g.ch)
		f.fake.Dispatch("GUILD_CREATE", g.g)
	}
	f.eventually("guilds in state", func() bool {
		_, errB := f.a.s.State.Guild(guildB)
		_, errC := f.a.s.State.Guild(guildC)
		return errB == nil && errC == nil
	})

	next := firstInterID
	send := func(guildID, channel, user string, roles []string, typ int, data map[string]any) string {
		next++
		id := itoa(int64(next))
		in := map[string]any{"id": id, "application_id": f.fake.AppID, "type": typ, "token": "tok-" + id, "channel_id": channel, "data": data}
		if guildID != "" {
			in["guild_id"] = guildID
			in["member"] = map[string]any{"user": map[string]any{"id": user, "username": "u"}, "roles": roles}
		} else {
			in["user"] = map[string]any{"id": user, "username": "u"}
		}
		if typ == 3 {
			in["message"] = map[string]any{"id": "1", "channel_id": channel}
		}
		f.fake.Dispatch("INTERACTION_CREATE", in)
		req, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 5*time.Second)
		if !ok {
			t.Fatalf("no reply to interaction %s", id)
		}
		return string(req.JSON)
	}
	command := func(sub string, opts ...map[string]any) map[string]any {
		return map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": sub, "type": 1, "options": opts}}}
	}
	opt := func(name, value string) map[string]any {
		return map[string]any{"name": name, "type": 3, "value": value}
	}
	commands := []map[string]any{
		command("help"), command("risk"), command("account", opt("account", "acme")), command("themes", opt("period", "30d")),
		command("digest", opt("period", "7d")), command("log", opt("account", "acme"), opt("text", "they love it")),
		command("survey", opt("kind", "csat"), opt("account", "acme")),
		command("forget", map[string]any{"name": "user", "type": 6, "value": userBob}),
	}
	buttons := []string{"alert.ack fp1", "alert.snooze fp1", "account.open acme", "forget.confirm " + userBob}
	callers := []struct {
		name, guild, channel, user string
		roles                      []string
	}{
		{"community member", guild, chInternal, userAlice, []string{roleMember}},
		{"customer", guild, chAcme, userBob, []string{roleAcme}},
		{"member without roles", guild, chGeneral, userStranger, nil},
		{"another guild's staff, in ours", guild, chInternal, ownerB, []string{roleSupportB}},
		{"another guild's staff, in theirs", guildB, chInternalB, userStranger, []string{roleSupportB}},
		{"our staff's role id, claimed in another guild", guildB, chInternalB, userAlice, []string{roleSupportB, roleMember}},
		{"owner of an unconfigured guild", guildC, chGeneralC, ownerC, nil},
		{"our staff in an unconfigured guild", guildC, chGeneralC, userStaff, []string{roleStaff}},
		{"direct message", "", "500000000000000001", userAlice, nil},
	}
	var want string
	check := func(what, got string) {
		t.Helper()
		if want == "" {
			want = got
			if !strings.Contains(want, refusalNeedle) || !strings.Contains(want, refusalFlags) {
				t.Fatalf("first refusal is not the ephemeral refusal: %s", want)
			}
		}
		if got != want {
			t.Errorf("%s: %s; want the refusal %s", what, got, want)
		}
	}
	for _, c := range callers {
		for _, data := range commands {
			check(fmt.Sprintf("%s: /feedback %v", c.name, data["options"]), send(c.guild, c.channel, c.user, c.roles, 2, data))
		}
		for _, b := range buttons {
			check(c.name+": button "+b, send(c.guild, c.channel, c.user, c.roles, 3, map[string]any{"custom_id": b, "component_type": 2}))
		}
	}
	// A survey answer outside our servers is not taken either.
	check("survey answer in an unconfigured guild", send(guildC, chGeneralC, userStranger, nil, 3, map[string]any{"custom_id": "survey.answer csat|5|acme|", "component_type": 2}))
	mu.Lock()
	if len(asked) != 0 {
		t.Fatalf("the bot was asked %d times on behalf of non-staff callers, first %+v", len(asked), asked[0])
	}
	mu.Unlock()
	for _, leak := range []string{"acme", "fp1", userBob, "risk", "digest", "server"} {
		if strings.Contains(strings.ToLower(want), strings.ToLower(leak)) {
			t.Errorf("the refusal mentions %q: %s", leak, want)
		}
	}

	// Staff: our role in our guild, and the owner of a configured guild in it.
	for _, s := range []struct{ guild, channel, user string }{{guild, chInternal, userStaff}, {guildB, chInternalB, ownerB}} {
		roles := []string{}
		if s.user == userStaff {
			roles = []string{roleStaff}
		}
		for _, b := range buttons {
			if got := send(s.guild, s.channel, s.user, roles, 3, map[string]any{"custom_id": b, "component_type": 2}); !strings.Contains(got, "ok: "+b) {
				t.Errorf("staff %s pressing %s: %s", s.user, b, got)
			}
		}
		if got := send(s.guild, s.channel, s.user, roles, 2, command("risk")); !strings.Contains(got, "ok: risk") {
			t.Errorf("staff %s: %s", s.user, got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range asked {
		if !c.Staff || (c.Workspace != guild && c.Workspace != guildB) {
			t.Errorf("staff command %+v", c)
		}
	}
	// Nor does analysis go to a channel of a server we are not configured for, even
	// one listed as internal whose roles cannot read it (its owner can).
	f.fake.AddGuild(&discordgo.Guild{ID: guildC, Name: "Unconfigured", OwnerID: ownerC, Roles: []*discordgo.Role{{ID: guildC, Name: "@everyone", Permissions: view}}},
		&discordgo.Channel{ID: chGeneralC, Name: "general", Type: discordgo.ChannelTypeGuildText},
		&discordgo.Channel{ID: "400000000000000032", Name: "locked", Type: discordgo.ChannelTypeGuildText, PermissionOverwrites: []*discordgo.PermissionOverwrite{
			{ID: guildC, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel}}})
	f.a.cfg.InternalChannels = append(f.a.cfg.InternalChannels, "400000000000000032")
	if _, err := f.a.Post(context.Background(), "400000000000000032", feedbackbot.Document{Fallback: "x"}); feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED ||
		!strings.Contains(err.Error(), "not in a server feedbackbot is configured for") {
		t.Errorf("post to another server's channel: %v", err)
	}
	if len(f.fake.Requests("/channels/400000000000000032/messages")) != 0 {
		t.Error("something was posted to another server")
	}
}

// FuzzInteraction feeds INTERACTION_CREATE payloads, as discordgo decodes them, to
// the code that turns them into the bot's commands. Nothing panics; staff is granted
// only in a configured guild, to a member holding a staff role (or a staff user, or
// the owner), and the command is for that guild.
func FuzzInteraction(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","type":2,"guild_id":"` + guild + `","channel_id":"` + chInternal + `","member":{"user":{"id":"` + userStaff + `"},"roles":["` + roleStaff + `"]},"data":{"id":"1","name":"feedback","type":1,"options":[{"name":"account","type":1,"options":[{"name":"account","type":3,"value":"acme"}]}]}}`,
		`{"id":"2","type":3,"guild_id":"` + guild + `","channel_id":"` + chInternal + `","member":{"user":{"id":"` + userAlice + `"},"roles":["` + roleMember + `"]},"data":{"custom_id":"alert.ack fp1","component_type":2}}`,
		`{"id":"3","type":2,"user":{"id":"` + userAlice + `"},"data":{"id":"1","name":"feedback","type":1,"options":[{"name":"forget","type":1,"options":[{"name":"user","type":6,"value":7}]}]}}`,
		`{"id":"4","type":2,"guild_id":"` + guild + `","member":{"user":null,"roles":null},"data":{"name":"feedback","options":[{"name":"log","type":1,"options":[{"name":"text","type":3,"value":null}]}]}}`,
		`{"id":"5","type":4,"data":{}}`, `{"id":"6","type":5,"data":{"custom_id":"x","components":[]}}`, `{"type":2}`, `{"type":3,"data":null}`,
		`{"id":"7","type":2,"guild_id":"` + guild + `","member":{"user":{"id":"` + owner + `"}},"data":{"name":"feedback","options":[{"name":"survey","type":1,"options":[{"name":"kind","type":4,"value":1.5}]}]}}`,
	} {
		f.Add([]byte(s))
	}
	cfg := testConfig()
	cfg.Guilds = []string{guild}
	a, err := New(cfg, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	g, _ := fakeGuild()
	if err := a.s.State.GuildAdd(g); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var i discordgo.Interaction
		if json.Unmarshal(data, &i) != nil {
			return // discordgo drops what it cannot decode
		}
		cmd, ok := a.interactionCommand(&i)
		if !ok {
			return
		}
		if cmd.Workspace != i.GuildID || cmd.Platform != feedbackbot.PlatformDiscord {
			t.Fatalf("command for the wrong workspace: %+v", cmd)
		}
		if !cmd.Staff {
			return
		}
		if i.GuildID != guild || i.Member == nil || i.Member.User == nil || cmd.User != i.Member.User.ID {
			t.Fatalf("staff outside a configured guild or without a member: %+v", cmd)
		}
		if cmd.User != owner && !hasAny(i.Member.Roles, cfg.StaffRoles) {
			t.Fatalf("staff without a staff role: %+v roles %v", cmd, i.Member.Roles)
		}
	})
}

// FuzzGatewayEvents feeds MESSAGE_UPDATE, MESSAGE_DELETE, MESSAGE_DELETE_BULK and
// MESSAGE_REACTION_ADD/REMOVE payloads, as discordgo decodes them, to the adapter's
// handlers (MESSAGE_CREATE has FuzzNormalize, INTERACTION_CREATE FuzzInteraction).
// Nothing panics, and whatever is queued for capture belongs to a configured guild
// and is a message the store can take.
func FuzzGatewayEvents(f *testing.F) {
	for _, s := range []struct {
		kind byte
		data string
	}{
		{0, `{"id":"1200000000000000001","channel_id":"` + chGeneral + `","guild_id":"` + guild + `","content":"edited","edited_timestamp":"2026-11-20T10:00:00Z","timestamp":"2026-11-20T09:00:00Z","author":{"id":"` + userAlice + `"},"member":{"roles":["` + roleMember + `"]}}`},
		{1, `{"id":"1200000000000000001","channel_id":"` + chGeneral + `","guild_id":"` + guild + `"}`},
		{1, `{"id":"1","guild_id":"999"}`},
		{2, `{"ids":["1","2",""],"channel_id":"` + chGeneral + `","guild_id":"` + guild + `"}`},
		{3, `{"user_id":"` + userStaff + `","message_id":"1200000000000000001","channel_id":"` + chGeneral + `","guild_id":"` + guild + `","emoji":{"name":"✅"},"member":{"roles":["` + roleStaff + `"]}}`},
		{4, `{"user_id":"1","message_id":"1","guild_id":"` + guild + `","emoji":{"id":"5","name":null}}`},
		{3, `{"emoji":null}`}, {0, `{"edited_timestamp":"x"}`}, {2, `{"ids":null}`},
	} {
		f.Add(s.kind, []byte(s.data))
	}
	st := openBolt(f)
	cfg := testConfig()
	cfg.Guilds = []string{guild}
	a, err := New(cfg, st, nil)
	if err != nil {
		f.Fatal(err)
	}
	g, chans := fakeGuild()
	g.Channels = chans
	for _, c := range chans {
		c.GuildID = guild
	}
	if err := a.s.State.GuildAdd(g); err != nil {
		f.Fatal(err)
	}
	// A stored message for reactions to find.
	m := feedbackbot.Message{ID: "1200000000000000001", Platform: feedbackbot.PlatformDiscord, Workspace: guild, Channel: chGeneral,
		Author: userAlice, Text: "the export fails", Time: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	if err := m.Normalize(); err != nil {
		f.Fatal(err)
	}
	if _, err := st.Append(context.Background(), feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
		f.Fatal(err)
	}
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		f.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: st, Analyzer: an, Consumer: "fuzz"}).Drain(context.Background()); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind byte, data []byte) {
		switch kind % 5 {
		case 0:
			var u discordgo.MessageUpdate
			if json.Unmarshal(data, &u) != nil || u.Message == nil {
				return
			}
			if u.ChannelID != "" { // only channels the state knows: others are looked up over REST
				u.ChannelID = chans[len(u.ChannelID)%len(chans)].ID
			}
			a.onMessageUpdate(nil, &u)
		case 1:
			var d discordgo.MessageDelete
			if json.Unmarshal(data, &d) != nil {
				return
			}
			a.onMessageDelete(nil, &d)
		case 2:
			var d discordgo.MessageDeleteBulk
			if json.Unmarshal(data, &d) != nil {
				return
			}
			a.onMessageDeleteBulk(nil, &d)
		case 3:
			var r discordgo.MessageReactionAdd
			if json.Unmarshal(data, &r) != nil {
				return
			}
			a.onReactionAdd(nil, &r)
		case 4:
			var r discordgo.MessageReactionRemove
			if json.Unmarshal(data, &r) != nil {
				return
			}
			a.onReactionRemove(nil, &r)
		}
		for {
			select {
			case ev := <-a.queue:
				if ev.Message.Workspace != guild || ev.Message.ID == "" {
					t.Fatalf("queued an event outside the configured guild: %+v", ev.Message)
				}
				if ev.Kind == feedbackbot.EventPut {
					if err := ev.Message.Normalize(); err != nil {
						t.Fatalf("queued a message the store cannot take: %v", err)
					}
				}
			default:
				return
			}
		}
	})
}
