package discordadapter

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// TestMissingPermissionsFollowDiscordsRules: what the bot lacks in a digest or
// alert channel, as Discord's rules give it: @everyone's and its roles'
// permissions, then the channel's overwrites for @everyone, its roles and
// itself; a thread takes its parent's, with Send Messages in Threads. The
// fixture's bot holds no role, so @everyone's View Channel and Send Messages are
// its all.
func TestMissingPermissionsFollowDiscordsRules(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	ctx := context.Background()
	for _, tc := range []struct {
		channel string
		want    []string
	}{
		{chGeneral, []string{"Embed Links", "Attach Files", "Read Message History"}},
		{chInternal, []string{"View Channel", "Embed Links", "Attach Files", "Read Message History"}},
		{thPost, []string{"Send Messages in Threads", "Embed Links", "Attach Files", "Read Message History"}},
	} {
		missing, err := f.a.MissingPermissions(ctx, tc.channel)
		if err != nil {
			t.Fatalf("%s: %v", tc.channel, err)
		}
		var names []string
		for _, m := range missing {
			name, _, _ := strings.Cut(m, " (")
			names = append(names, name)
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("%s: missing %q, want %q", tc.channel, names, tc.want)
		}
	}
	// a channel the bot cannot see says so, and how to mend it
	f.fake.RefuseNext("GET", "/channels/"+chInternal, discordgo.ErrCodeMissingAccess, "Missing Access")
	if err := f.a.CheckPostPermissions(ctx, chInternal); err == nil || !strings.Contains(err.Error(), "cannot see channel") || !strings.Contains(err.Error(), "View Channel") {
		t.Errorf("a channel the bot cannot see: %v", err)
	}

	// The bot's role with every permission posting needs but the history,
	// which the forum lets @everyone read (a thread takes its parent's); then
	// the bot owner of the server: nothing missing, Send Messages in Threads
	// included (discordgo's PermissionAll lacks it).
	g, chans := fakeGuild()
	for _, c := range chans {
		if c.ID == chForum {
			c.PermissionOverwrites = []*discordgo.PermissionOverwrite{{ID: guild, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionReadMessageHistory}}
		}
	}
	setBotRole := func(perms int64) {
		for _, r := range g.Roles {
			if r.ID == roleBot {
				r.Permissions = perms
			}
		}
		f.fake.AddGuild(g, chans...)
	}
	setBotRole(allPost &^ discordgo.PermissionReadMessageHistory)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: f.fake.BotID, Bot: true}, Roles: []string{roleBot}})
	for _, tc := range []struct {
		channel string
		want    string
	}{
		{chGeneral, "Read Message History"},
		{thPost, "Send Messages in Threads"}, // (not the history: its forum's overwrite)
	} {
		if missing, err := f.a.MissingPermissions(ctx, tc.channel); err != nil || len(missing) != 1 || !strings.HasPrefix(missing[0], tc.want+" (") {
			t.Errorf("%s, the bot's role with all but the history: missing %q, %v; want %s alone", tc.channel, missing, err, tc.want)
		}
	}
	g.OwnerID = f.fake.BotID
	setBotRole(allPost)
	if missing, err := f.a.MissingPermissions(ctx, thPost); err != nil || len(missing) != 0 {
		t.Errorf("the bot owning the server, in a thread: missing %q, %v; want nothing", missing, err)
	}
	g.OwnerID = owner
	setBotRole(allPost)

	// timed out, the bot keeps View Channel and Read Message History alone; the
	// timeout the only cause, the message says to remove it (not to allow
	// anything); with a permission missing besides, both
	until := time.Date(2100, 1, 2, 3, 4, 5, 0, time.UTC)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: f.fake.BotID, Bot: true}, Roles: []string{roleBot}, CommunicationDisabledUntil: &until})
	err := f.a.CheckPostPermissions(ctx, chGeneral)
	if err == nil || !strings.Contains(err.Error(), "timed out in the server until 2100-01-02T03:04:05Z, and lacks 3 permissions till then") ||
		!strings.Contains(err.Error(), "Send Messages") || strings.Contains(err.Error(), "View Channel") || strings.Contains(err.Error(), "Read Message History") ||
		!strings.Contains(err.Error(), "remove the timeout") || strings.Contains(err.Error(), "allow them") {
		t.Errorf("the bot timed out: %v; want Send Messages, Embed Links and Attach Files named, and the timeout to remove", err)
	}
	setBotRole(allPost &^ discordgo.PermissionReadMessageHistory)
	if err := f.a.CheckPostPermissions(ctx, chGeneral); err == nil || !strings.Contains(err.Error(), "lacks 4 permissions while it is timed out") || !strings.Contains(err.Error(), "allow them") {
		t.Errorf("the bot timed out and without the history: %v; want both said", err)
	}
	setBotRole(discordgo.PermissionAdministrator)
	if err := f.a.CheckPostPermissions(ctx, chGeneral); err != nil {
		t.Errorf("an Administrator bot timed out (Administrators are not): %v", err)
	}
	setBotRole(allPost)
	past := time.Now().Add(-time.Hour)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: f.fake.BotID, Bot: true}, Roles: []string{roleBot}, CommunicationDisabledUntil: &past})
	if err := f.a.CheckPostPermissions(ctx, chGeneral); err != nil {
		t.Errorf("a timeout that has ended: %v", err)
	}
}

// allPost is every permission posting needs.
const allPost = discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks |
	discordgo.PermissionAttachFiles | discordgo.PermissionReadMessageHistory

// TestChannelPermissions: Discord's order, case by case.
func TestChannelPermissions(t *testing.T) {
	const (
		g, botRole, other, bot = "1", "2", "3", "9"
		view, send, embed      = discordgo.PermissionViewChannel, discordgo.PermissionSendMessages, discordgo.PermissionEmbedLinks
	)
	roles := []*guildRole{{Role: discordgo.Role{ID: g, Permissions: view | send}}, {Role: discordgo.Role{ID: botRole, Permissions: embed}},
		{Role: discordgo.Role{ID: other, Permissions: discordgo.PermissionAdministrator}}}
	ow := func(id string, typ discordgo.PermissionOverwriteType, allow, deny int64) *discordgo.PermissionOverwrite {
		return &discordgo.PermissionOverwrite{ID: id, Type: typ, Allow: allow, Deny: deny}
	}
	role, member := discordgo.PermissionOverwriteTypeRole, discordgo.PermissionOverwriteTypeMember
	for _, tc := range []struct {
		name  string
		owner string
		held  []string
		ows   []*discordgo.PermissionOverwrite
		want  int64
	}{
		{name: "@everyone and its role", held: []string{botRole}, want: view | send | embed},
		{name: "the owner has all", owner: bot, want: allPermissions},
		{name: "Administrator has all, overwrites or not", held: []string{other}, ows: []*discordgo.PermissionOverwrite{ow(g, role, 0, view)}, want: allPermissions},
		{name: "roles' overwrites are one: an allow listed first beats a deny", held: []string{botRole, "4"}, ows: []*discordgo.PermissionOverwrite{ow(botRole, role, send, 0), ow("4", role, 0, send)}, want: view | send | embed},
		{name: "@everyone denied, its role allowed", held: []string{botRole}, ows: []*discordgo.PermissionOverwrite{ow(g, role, 0, view), ow(botRole, role, view, 0)}, want: view | send | embed},
		{name: "a role's allow beats another role's deny", held: []string{botRole, "4"}, ows: []*discordgo.PermissionOverwrite{ow("4", role, 0, send), ow(botRole, role, send, 0)}, want: view | send | embed},
		{name: "an overwrite of a role not held counts not", held: []string{botRole}, ows: []*discordgo.PermissionOverwrite{ow("4", role, 0, view)}, want: view | send | embed},
		{name: "the member's own deny comes last", held: []string{botRole}, ows: []*discordgo.PermissionOverwrite{ow(botRole, role, send, 0), ow(bot, member, 0, send)}, want: view | embed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := &discordgo.Channel{ID: "5", GuildID: g, PermissionOverwrites: tc.ows}
			got := channelPermissions(tc.owner, ch, roles, bot, tc.held)
			if got != tc.want {
				t.Errorf("permissions = %b, want %b", got, tc.want)
			}
			if tc.want == allPermissions && got&discordgo.PermissionSendMessagesInThreads == 0 {
				t.Error("all permissions lack Send Messages in Threads")
			}
		})
	}
}
