package discordadapter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// messageLister is implemented by stores: catch-up starts after the newest stored
// message of each channel.
type messageLister interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}

// catchUpPage is Discord's largest page of channel messages.
const catchUpPage = 100

// catchUpContext is how many stored messages of a channel are read to know who its
// conversations were last about.
const catchUpContext = 20

// catchUpSkew: a message stored with a time later than this before the session
// became ready may already be one the new session captured, so it is not used as
// the point to catch up from (clocks differ a little between hosts and Discord).
const catchUpSkew = 5 * time.Second

// catchUp fetches over REST, for every channel and thread of the guild that is
// captured and already has a stored message, the messages written after the newest
// stored one (oldest first, at most CatchUpPages pages of 100 per channel) and
// captures them like gateway messages. A fresh session gets no replay of what was
// written while no session was up (a restart, a takeover, an invalid session);
// this recovers it. Channels nothing was stored from yet are left to
// `feedbackbot import`. Messages stored already are skipped by the store.
func (a *Adapter) catchUp(ctx context.Context, guild string, chans []channelInfo, readyAt time.Time) {
	lister, ok := a.sink.(messageLister)
	if !ok {
		return
	}
	start := time.Now()
	checked, recovered, failed := 0, 0, 0
	for _, ci := range chans {
		if ctx.Err() != nil {
			break
		}
		n, had, err := a.catchUpChannel(ctx, lister, ci, readyAt.Add(-catchUpSkew))
		recovered += n
		if had {
			checked++
		}
		if err != nil && ctx.Err() == nil {
			failed++
			a.log.Warn("discord catch-up: channel not fully caught up", "guild", guild, "channel", ci.id, "err", err)
		}
	}
	if ctx.Err() != nil {
		a.log.Info("discord catch-up stopped (shutdown or gateway closed)", "guild", guild, "channels_checked", checked, "messages", recovered)
		return
	}
	a.log.Info("discord catch-up after a fresh gateway session", "guild", guild, "channels_checked", checked,
		"messages", recovered, "channels_failed", failed, "took", time.Since(start).Round(time.Millisecond))
}

// catchUpChannels lists the guild's captured text channels and threads (copied:
// the gateway state changes the guild's own lists afterwards).
func (a *Adapter) catchUpChannels(g *discordgo.Guild) []channelInfo {
	var out []channelInfo
	for _, c := range slices.Concat(g.Channels, g.Threads) {
		switch c.Type {
		case discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews, discordgo.ChannelTypeGuildNewsThread,
			discordgo.ChannelTypeGuildPublicThread, discordgo.ChannelTypeGuildPrivateThread:
			ci := channelInfo{id: c.ID, name: c.Name, parent: c.ParentID, thread: c.IsThread(), guild: g.ID}
			if a.wanted(ci) {
				out = append(out, ci)
			}
		}
	}
	return out
}

// catchUpChannel catches one channel or thread up from the newest message stored
// before the session began (had is false when there is none); n counts the
// messages captured.
func (a *Adapter) catchUpChannel(ctx context.Context, lister messageLister, ci channelInfo, before time.Time) (n int, had bool, err error) {
	// Stored messages are keyed by channel; a thread's are under its parent channel.
	// The parent's newest (in it or any of its threads) is a safe start for each:
	// whatever a thread missed was written after the last message captured before.
	home := ci.id
	if ci.thread {
		home = ci.parent
	}
	stored, err := lister.Messages(ctx, store.Query{Workspace: ci.guild, Channel: home, To: before, Limit: catchUpContext})
	if err != nil {
		return 0, false, fmt.Errorf("newest stored message: %w", err)
	}
	if len(stored) == 0 {
		return 0, false, nil
	}
	after := stored[0].Message.ID
	// Staff messages are attributed to the last customer of their conversation: start
	// from what the stored messages say, so that a message fetched again is stored
	// as it was (the same revision: nothing new).
	customers := pastCustomers{}
	for _, st := range slices.Backward(stored) {
		if m := st.Message; m.Role == feedbackbot.RoleCustomer {
			conv := cmpOr(m.Thread, m.Channel)
			if m.ID == ci.id {
				conv = ci.id // a forum post's first message: its conversation is the post
			}
			customers.seen(conv, m.Account)
		}
	}
	members := map[string]*discordgo.Member{}
	for range a.cfg.CatchUpPages {
		var page []*discordgo.Message
		err := a.retry(ctx, "get channel messages", func() error {
			var err error
			page, err = a.s.ChannelMessages(ci.id, catchUpPage, "", after, "", discordgo.WithContext(ctx))
			return err
		})
		if err != nil {
			return n, true, fmt.Errorf("get messages after %s: %w", after, err)
		}
		// Discord returns the page newest first; capture in the order written.
		slices.SortFunc(page, func(x, y *discordgo.Message) int { return compareSnowflakes(x.ID, y.ID) })
		for _, m := range page {
			if compareSnowflakes(m.ID, after) <= 0 {
				continue
			}
			m.GuildID = ci.guild // REST messages do not say
			if err := a.author(ctx, ci.guild, m, members); err != nil {
				return n, true, err
			}
			msg, ok, err := a.normalize(ctx, m, customers)
			if err != nil {
				a.log.Error("discord catch-up: message not captured", "message", m.ID, "channel", m.ChannelID, "err", err)
				continue
			}
			if ok {
				a.enqueue(feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg})
				n++
			}
		}
		if len(page) < catchUpPage {
			return n, true, nil
		}
		after = page[len(page)-1].ID
	}
	a.log.Warn("discord catch-up: more messages than the catch-up bound; import the channel's history for the rest",
		"channel", ci.id, "pages", a.cfg.CatchUpPages, "after", after)
	return n, true, nil
}

// author fills in the author's roles and nickname: gateway messages carry them,
// REST messages do not, and staff and customer accounts are decided by role. It
// asks Discord once per author and catch-up.
func (a *Adapter) author(ctx context.Context, guild string, m *discordgo.Message, cache map[string]*discordgo.Member) error {
	if m.Member != nil || m.Author == nil || m.Author.Bot || m.WebhookID != "" {
		return nil
	}
	if mem, ok := cache[m.Author.ID]; ok {
		m.Member = mem
		return nil
	}
	var mem *discordgo.Member
	err := a.retry(ctx, "get member", func() error {
		var err error
		mem, err = a.s.GuildMember(guild, m.Author.ID, discordgo.WithContext(ctx))
		return err
	})
	var re *discordgo.RESTError
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusNotFound:
		mem = nil // no longer a member: no roles
	case err != nil:
		return fmt.Errorf("look up member %s: %w", m.Author.ID, err)
	}
	cache[m.Author.ID] = mem
	m.Member = mem
	return nil
}

// compareSnowflakes orders Discord ids (decimal, without leading zeros) numerically.
func compareSnowflakes(x, y string) int {
	return cmp.Or(cmp.Compare(len(x), len(y)), cmp.Compare(x, y))
}
