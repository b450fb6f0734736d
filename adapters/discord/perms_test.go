package discordadapter

import (
	"context"
	"slices"
	"strings"
	"testing"

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
}

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
		{name: "the owner has all", owner: bot, want: discordgo.PermissionAll},
		{name: "Administrator has all, overwrites or not", held: []string{other}, ows: []*discordgo.PermissionOverwrite{ow(g, role, 0, view)}, want: discordgo.PermissionAll},
		{name: "@everyone denied, its role allowed", held: []string{botRole}, ows: []*discordgo.PermissionOverwrite{ow(g, role, 0, view), ow(botRole, role, view, 0)}, want: view | send | embed},
		{name: "a role's allow beats another role's deny", held: []string{botRole, "4"}, ows: []*discordgo.PermissionOverwrite{ow("4", role, 0, send), ow(botRole, role, send, 0)}, want: view | send | embed},
		{name: "an overwrite of a role not held counts not", held: []string{botRole}, ows: []*discordgo.PermissionOverwrite{ow("4", role, 0, view)}, want: view | send | embed},
		{name: "the member's own deny comes last", held: []string{botRole}, ows: []*discordgo.PermissionOverwrite{ow(botRole, role, send, 0), ow(bot, member, 0, send)}, want: view | embed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := &discordgo.Channel{ID: "5", GuildID: g, PermissionOverwrites: tc.ows}
			if got := channelPermissions(tc.owner, ch, roles, bot, tc.held); got != tc.want {
				t.Errorf("permissions = %b, want %b", got, tc.want)
			}
		})
	}
}
