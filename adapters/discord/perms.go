package discordadapter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
// invite link's (README, "Discord": 117760).
var postPermissions = []postPermission{
	{discordgo.PermissionViewChannel, "View Channel", "nothing can be posted there"},
	{discordgo.PermissionSendMessages, "Send Messages", "nothing can be posted there"},
	{discordgo.PermissionEmbedLinks, "Embed Links", "digests and alerts, which are embeds, are not shown"},
	{discordgo.PermissionAttachFiles, "Attach Files", "a digest's chart is refused"},
	{discordgo.PermissionReadMessageHistory, "Read Message History",
		"a digest or alert whose replica died after posting it cannot be found in the channel, and is posted again"},
}

// allPermissions is every permission: the owner's and Administrator's.
// (discordgo's PermissionAll lacks the newer bits, Send Messages in Threads
// among them: a review's find.)
const allPermissions = int64(-1)

// timedOutKeeps is what a member timed out keeps (Discord: View Channel and
// Read Message History; the owner and Administrator are not timed out).
const timedOutKeeps = discordgo.PermissionViewChannel | discordgo.PermissionReadMessageHistory

// botAccess is what the bot may do in a channel.
type botAccess struct {
	channel  string // its name
	perms    int64
	need     []postPermission
	timedOut time.Time // the end of the bot's timeout in the server, if it is timed out
	untimed  int64     // perms as they are once the timeout ends
}

// missing names the permissions of need the bot lacks, each with what goes
// without it.
func (b botAccess) missing() []string { return b.lacks(b.perms) }

// lacks names the permissions of need perms lacks.
func (b botAccess) lacks(perms int64) []string {
	var out []string
	for _, p := range b.need {
		if perms&p.bit == 0 {
			out = append(out, p.name+" ("+p.without+")")
		}
	}
	return out
}

// access works out what the bot may do in channel, as Discord's rules give
// it: the server owner has all; else @everyone's and the bot's roles'
// permissions (Administrator: all), then the channel's overwrites for
// @everyone, for the bot's roles and for the bot itself; a member timed out
// keeps View Channel and Read Message History alone. A thread takes its
// parent's, with Send Messages in Threads for Send Messages.
func (a *Adapter) access(ctx context.Context, channel string) (botAccess, error) {
	ch, err := a.restChannel(ctx, channel)
	if err != nil {
		return botAccess{}, err
	}
	b := botAccess{channel: ch.Name, need: postPermissions}
	if ch.IsThread() {
		if ch, err = a.restChannel(ctx, ch.ParentID); err != nil {
			return botAccess{}, err
		}
		b.need = slices.Clone(postPermissions)
		for i, p := range b.need {
			if p.bit == discordgo.PermissionSendMessages {
				b.need[i] = postPermission{discordgo.PermissionSendMessagesInThreads, "Send Messages in Threads", p.without}
			}
		}
	}
	me, err := a.ownID(ctx)
	if err != nil {
		return botAccess{}, err
	}
	var g *discordgo.Guild
	if err := a.retry(ctx, "get guild", func() error {
		var err error
		g, err = a.s.Guild(ch.GuildID, discordgo.WithContext(ctx))
		return err
	}); err != nil {
		return botAccess{}, fmt.Errorf("discord: look up server %s: %w", ch.GuildID, err)
	}
	var m *discordgo.Member
	if err := a.retry(ctx, "get member", func() error {
		var err error
		m, err = a.s.GuildMember(ch.GuildID, me, discordgo.WithContext(ctx))
		return err
	}); err != nil {
		return botAccess{}, fmt.Errorf("discord: look up the bot's roles in server %s: %w", ch.GuildID, err)
	}
	roles := make([]*guildRole, 0, len(g.Roles))
	for _, r := range g.Roles {
		if r != nil {
			roles = append(roles, &guildRole{Role: *r})
		}
	}
	b.perms = channelPermissions(g.OwnerID, ch, roles, me, m.Roles)
	b.untimed = b.perms
	// (allPermissions is the owner's and Administrator's alone, whom a timeout
	// does not touch)
	if m.CommunicationDisabledUntil != nil && m.CommunicationDisabledUntil.After(time.Now()) && b.perms != allPermissions {
		b.perms &= timedOutKeeps
		b.timedOut = *m.CommunicationDisabledUntil
	}
	return b, nil
}

// MissingPermissions names the permissions the bot lacks in channel for
// posting digests and alerts (access), each with what goes without it; none
// when it has them all.
func (a *Adapter) MissingPermissions(ctx context.Context, channel string) ([]string, error) {
	b, err := a.access(ctx, channel)
	if err != nil {
		return nil, err
	}
	return b.missing(), nil
}

// CheckPostPermissions is nil where the bot has every permission it needs to
// post digests and alerts to channel (MissingPermissions), else an error naming
// the channel and what it lacks.
func (a *Adapter) CheckPostPermissions(ctx context.Context, channel string) error {
	b, err := a.access(ctx, channel)
	if err != nil {
		return err
	}
	missing := b.missing()
	if len(missing) == 0 {
		return nil
	}
	name := channel
	if b.channel != "" {
		name = "#" + b.channel + " (" + channel + ")"
	}
	lacks := feedbackbot.CountNoun(len(missing), "permission", "permissions")
	if !b.timedOut.IsZero() {
		until := b.timedOut.UTC().Format(time.RFC3339)
		if len(b.lacks(b.untimed)) == 0 {
			return fmt.Errorf("discord channel %s: the bot is timed out in the server until %s, and lacks %s till then: %s; a moderator can remove the timeout (the server's member list, the bot, Remove Timeout)",
				name, until, lacks, strings.Join(missing, "; "))
		}
		lacks += " while it is timed out in the server (until " + until + "; a moderator can remove the timeout)"
	}
	return fmt.Errorf("discord channel %s: the bot lacks %s: %s; allow them to the bot's role in the channel's permissions",
		name, lacks, strings.Join(missing, "; "))
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
		return allPermissions
	}
	var perms int64
	for _, r := range roles {
		if r.ID == ch.GuildID || slices.Contains(held, r.ID) {
			perms |= r.Permissions
		}
	}
	if perms&discordgo.PermissionAdministrator != 0 {
		return allPermissions
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
