package discordadapter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// postPermission is a permission the bot needs in a channel it posts digests
// and alerts to, and what goes without it.
type postPermission struct {
	bit     int64
	name    string
	without string
}

// postPermissions are what the bot needs in a digest or alert channel: the
// invite link's (README, "Discord") less Add Reactions and Read Messages of
// customer channels, which capture needs elsewhere.
var postPermissions = []postPermission{
	{discordgo.PermissionViewChannel, "View Channel", "nothing can be posted there"},
	{discordgo.PermissionSendMessages, "Send Messages", "nothing can be posted there"},
	{discordgo.PermissionEmbedLinks, "Embed Links", "digests and alerts, which are embeds, are not shown"},
	{discordgo.PermissionAttachFiles, "Attach Files", "a digest's chart is refused"},
	{discordgo.PermissionReadMessageHistory, "Read Message History",
		"a digest or alert whose replica died after posting it cannot be found in the channel, and is posted again"},
}

// MissingPermissions names the permissions the bot lacks in channel for
// posting digests and alerts, each with what goes without it ("" when it has
// them all), as Discord's rules give them: the server owner has all; else
// @everyone's and the bot's roles' permissions (Administrator: all), then the
// channel's overwrites for @everyone, for the bot's roles and for the bot
// itself. A private thread takes its parent's, with Send Messages in Threads
// for Send Messages.
func (a *Adapter) MissingPermissions(ctx context.Context, channel string) ([]string, error) {
	ch, err := a.restChannel(ctx, channel)
	if err != nil {
		return nil, err
	}
	need := postPermissions
	if ch.Type == discordgo.ChannelTypeGuildPrivateThread || ch.Type == discordgo.ChannelTypeGuildPublicThread {
		if ch, err = a.restChannel(ctx, ch.ParentID); err != nil {
			return nil, err
		}
		need = slices.Clone(postPermissions)
		for i, p := range need {
			if p.bit == discordgo.PermissionSendMessages {
				need[i] = postPermission{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads", p.without}
			}
		}
	}
	me, err := a.ownID(ctx)
	if err != nil {
		return nil, err
	}
	var g *discordgo.Guild
	if err := a.retry(ctx, "get guild", func() error {
		var err error
		g, err = a.s.Guild(ch.GuildID, discordgo.WithContext(ctx))
		return err
	}); err != nil {
		return nil, fmt.Errorf("discord: look up server %s: %w", ch.GuildID, err)
	}
	var m *discordgo.Member
	if err := a.retry(ctx, "get member", func() error {
		var err error
		m, err = a.s.GuildMember(ch.GuildID, me, discordgo.WithContext(ctx))
		return err
	}); err != nil {
		return nil, fmt.Errorf("discord: look up the bot's roles in server %s: %w", ch.GuildID, err)
	}
	roles, err := a.guildRoles(ctx, ch.GuildID)
	if err != nil {
		return nil, err
	}
	perms := channelPermissions(g.OwnerID, ch, roles, me, m.Roles)
	var missing []string
	for _, p := range need {
		if perms&p.bit == 0 {
			missing = append(missing, p.name+" ("+p.without+")")
		}
	}
	return missing, nil
}

// CheckPostPermissions is nil where the bot has every permission it needs to
// post digests and alerts to channel (MissingPermissions), else an error naming
// the channel and what it lacks.
func (a *Adapter) CheckPostPermissions(ctx context.Context, channel string) error {
	missing, err := a.MissingPermissions(ctx, channel)
	if err != nil || len(missing) == 0 {
		return err
	}
	name := channel
	if ch, err := a.restChannel(ctx, channel); err == nil && ch.Name != "" {
		name = "#" + ch.Name + " (" + channel + ")"
	}
	return fmt.Errorf("discord channel %s: the bot lacks %s: %s; allow them to the bot's role in the channel's permissions",
		name, feedbackbot.CountNoun(len(missing), "permission", "permissions"), strings.Join(missing, "; "))
}

// restChannel looks a channel up over REST (a destination is checked afresh
// at each post, not from the gateway state). One the bot cannot see (Discord's Missing
// Access) says so, and how to mend it.
func (a *Adapter) restChannel(ctx context.Context, id string) (*discordgo.Channel, error) {
	var ch *discordgo.Channel
	err := a.retry(ctx, "get channel", func() error {
		var err error
		ch, err = a.s.Channel(id, discordgo.WithContext(ctx))
		return err
	})
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeMissingAccess {
		return nil, fmt.Errorf("discord: the bot cannot see channel %s (Missing Access): allow its role View Channel there, or invite it to the server the channel is in: %w", id, err)
	}
	if err != nil {
		return nil, fmt.Errorf("discord: look up channel %s: %w", id, err)
	}
	return ch, nil
}

// channelPermissions are user's permissions in ch (of a guild owned by owner,
// with roles), user holding the roles held.
func channelPermissions(owner string, ch *discordgo.Channel, roles []*guildRole, user string, held []string) int64 {
	if user == owner {
		return discordgo.PermissionAll
	}
	var perms int64
	for _, r := range roles {
		if r.ID == ch.GuildID || slices.Contains(held, r.ID) {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	var deny, allow int64
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID == ch.GuildID {
			perms = perms&^o.Deny | o.Allow
		}
	}
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeRole && o.ID != ch.GuildID && slices.Contains(held, o.ID) {
			deny |= o.Deny
			allow |= o.Allow
		}
	}
	perms = perms&^deny | allow
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == user {
			perms = perms&^o.Deny | o.Allow
		}
	}
	return perms
}
