package discordadapter

import (
	"context"
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
	cc, ok := a.cmds.(channelChanger)
	if !ok {
		return
	}
	guild, channel := c.GuildID, c.ID
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.base, channelChangeTimeout)
		defer cancel()
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
	}()
}
