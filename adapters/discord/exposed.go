package discordadapter

import (
	"context"
	"errors"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// channelChanger takes the bot's posts out of a channel that may not hold
// customer analysis any more (bot.Bot.ChannelChanged).
type channelChanger interface {
	ChannelChanged(ctx context.Context, platform feedbackbot.Platform, workspace, channel string,
		check func(context.Context) error) (digests, alerts int, err error)
}

// postedChannels lists the channels where the bot's digests and alerts are
// (bot.Bot.PostedChannels).
type postedChannels interface {
	PostedChannels(ctx context.Context, platform feedbackbot.Platform, workspace string) ([]string, error)
}

// onGuildRoleUpdate: a role's permissions edited server-wide (View Channel given
// to the Member role, say) may open every channel the bot posted analysis in;
// each is handled as a CHANNEL_UPDATE of its own.
func (a *Adapter) onGuildRoleUpdate(_ *discordgo.Session, r *discordgo.GuildRoleUpdate) {
	if r.GuildRole == nil || r.GuildID == "" || !a.guildAllowed(r.GuildID) {
		return
	}
	pc, ok := a.cmds.(postedChannels)
	if !ok {
		return
	}
	guild := r.GuildID
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.base, channelChangeTimeout)
		defer cancel()
		chans, err := pc.PostedChannels(ctx, feedbackbot.PlatformDiscord, guild)
		if err != nil { // (the channels listed are checked all the same)
			a.log.Error("discord: a role's permissions changed, and the channels the bot posted analysis in could not all be listed to check them: check them with feedbackbot config check",
				"guild", guild, "err", err)
		}
		for _, ch := range chans {
			a.channelChanged(ctx, guild, ch)
		}
	}()
}

// unknownChannel reports Discord's answer that a channel is deleted (Unknown
// Channel): no thread of any other, and its posts gone with it.
func unknownChannel(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeUnknownChannel
}

// channelChangeTimeout bounds the handling of one CHANNEL_UPDATE.
const channelChangeTimeout = time.Minute

// onChannelUpdate: a channel's permissions edited (or its type, or its server
// settings) may let members who are not staff read it, and with it the digests
// and alerts the bot posted there, which nothing else would take out until an
// erasure touched them. The bot looks for its posts there and, where there are
// some, checks the channel again (CheckDestination, over REST: what Discord
// holds now): where it may not hold analysis any more, each post is edited on
// the next pass, an edit refused there, so deleted (bot.ChannelChanged).
func (a *Adapter) onChannelUpdate(_ *discordgo.Session, c *discordgo.ChannelUpdate) {
	if c.Channel == nil || c.GuildID == "" || !a.guildAllowed(c.GuildID) {
		return
	}
	if _, ok := a.cmds.(channelChanger); !ok {
		return
	}
	guild, channel := c.GuildID, c.ID
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.base, channelChangeTimeout)
		defer cancel()
		a.channelChanged(ctx, guild, channel)
		// A private thread the bot posted in is read through its parent (see
		// CheckDestination): the parent's change is the thread's too (its posts
		// were left up, a review found).
		pc, ok := a.cmds.(postedChannels)
		if !ok {
			return
		}
		dests, err := pc.PostedChannels(ctx, feedbackbot.PlatformDiscord, guild)
		if err != nil { // (the destinations listed are checked all the same)
			a.log.Error("discord: a channel changed, and the threads under it the bot posted analysis in could not all be listed to check them: check them with feedbackbot config check",
				"guild", guild, "channel", channel, "err", err)
		}
		for _, d := range dests {
			if d == channel {
				continue
			}
			ci, err := a.channel(ctx, d)
			switch {
			case err != nil && ctx.Err() == nil && !unknownChannel(err):
				// (not told whether it is a thread under channel, rate limited or
				// refused: checked as if it were, the privacy side; it was skipped,
				// a review found. A channel Discord says is deleted is no thread of
				// channel's, and was marked at every change of any other)
				a.channelChanged(ctx, guild, d)
			case err == nil && ci.thread && ci.parent == channel:
				a.channelChanged(ctx, guild, d)
			}
		}
	}()
}

// channelChanged has the bot's posts in channel checked (bot.ChannelChanged).
func (a *Adapter) channelChanged(ctx context.Context, guild, channel string) {
	cc, ok := a.cmds.(channelChanger)
	if !ok {
		return
	}
	digests, alerts, err := cc.ChannelChanged(ctx, feedbackbot.PlatformDiscord, guild, channel, func(ctx context.Context) error {
		return a.CheckDestination(ctx, channel)
	})
	if err != nil {
		a.log.Error("discord: a channel the bot may have posted analysis in changed, and its posts could not be marked for their check: delete the bot's digests and alerts there by hand if members who are not staff can read it now",
			"guild", guild, "channel", channel, "err", err)
		return
	}
	if digests+alerts > 0 {
		a.log.Warn("discord: a channel the bot posted analysis in may not hold it any more: its posted digests and alerts are deleted on the next pass where the channel refuses them",
			"guild", guild, "channel", channel, "digests", digests, "alerts", alerts)
	}
}
