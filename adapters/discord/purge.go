package discordadapter

import (
	"context"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// Deleting a thread (a forum post) or a channel sends no MESSAGE_DELETE for the
// messages in it: they are gone from Discord, and must go from the store too, or a
// post someone deleted for the personal details in it stays quotable in digests and
// alerts. The messages are found among those captured lately (not analysed yet,
// perhaps) and in the store, from the thread's creation on.

func (a *Adapter) onThreadDelete(_ *discordgo.Session, t *discordgo.ThreadDelete) {
	if t.Channel == nil || t.GuildID == "" || !a.guildAllowed(t.GuildID) {
		return
	}
	// A forum post's first message is inside the thread (its id is the thread's);
	// a thread started from a message leaves that message in its channel.
	rootInside := false
	if p, err := a.s.State.Channel(t.ParentID); err == nil {
		rootInside = p.Type == discordgo.ChannelTypeGuildForum || p.Type == discordgo.ChannelTypeGuildMedia
	}
	thread := t.ID
	a.purgeLater("thread", t.GuildID, t.ParentID, snowflakeTime(thread).Add(-time.Minute), func(m feedbackbot.Message) bool {
		return m.Thread == thread || (rootInside && m.ID == thread)
	})
}

func (a *Adapter) onChannelDelete(_ *discordgo.Session, c *discordgo.ChannelDelete) {
	if c.Channel == nil || c.GuildID == "" || !a.guildAllowed(c.GuildID) {
		return
	}
	channel := c.ID
	a.purgeLater("channel", c.GuildID, channel, time.Time{}, func(m feedbackbot.Message) bool { return m.Channel == channel })
}

// purgeLater deletes, in the background, the stored and lately captured messages
// of guild's channel (a thread's messages are filed under their channel) written
// since from that in accepts.
func (a *Adapter) purgeLater(what, guild, channel string, from time.Time, in func(feedbackbot.Message) bool) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.base, purgeTimeout)
		defer cancel()
		n, err := a.purge(ctx, what, guild, channel, from, in)
		if err != nil {
			a.log.Error("discord: the messages of a deleted "+what+" were not all deleted; delete them with feedbackbot forget or wait for retention", "channel", channel, "deleted", n, "err", err)
			a.gaveUp(1) // (the deletion's event, which Discord does not send again)
			return
		}
		a.log.Info("discord: deleted the messages of a deleted "+what, "channel", channel, "messages", n)
	}()
}

// purgeTimeout bounds the deletion of a thread's or a channel's messages, a store
// outage included.
const purgeTimeout = 5 * time.Minute

// purge deletes the messages (see purgeLater). A store that does not answer is
// waited for, with backoff, until ctx ends: Discord sends the deletion once, and
// a read tried once left a deleted thread's messages stored, quotable, after a
// Redis blip (a review's find).
func (a *Adapter) purge(ctx context.Context, what, guild, channel string, from time.Time, in func(feedbackbot.Message) bool) (int, error) {
	deleted := map[string]bool{}
	ours := func(m feedbackbot.Message) bool { return m.Workspace == guild && in(m) }
	del := func(m feedbackbot.Message) {
		if ours(m) && !deleted[m.ID] {
			deleted[m.ID] = true
			a.deleted(guild, m.Channel, m.ID)
		}
	}
	for _, m := range a.recent.Matching(ours) {
		del(m)
	}
	err := a.purgeStored(ctx, what, guild, channel, from, del)
	// Then the messages edits waiting for the store (changed) capture, and those
	// queued here since (by such an edit, once the store answered): neither is in
	// the store's listing, which holds analysed messages. (The waiting ones first:
	// an edit applied meanwhile is queued before it stops waiting.)
	// Both read under captureMu: an edit given up (changed) stops waiting and is
	// queued under its write lock, so it is in one or the other (between them, with
	// the capture queue full in an outage, it was in neither).
	a.captureMu.RLock()
	later := append(a.waitingEdits(ours), a.recent.Matching(ours)...)
	a.captureMu.RUnlock()
	for _, m := range later {
		del(m) // (after the lock: del queues under it)
	}
	return len(deleted), err
}

// purgeStored deletes (del) the messages the store lists of guild's channel since
// from, waiting for a store that does not answer (see purge).
func (a *Adapter) purgeStored(ctx context.Context, what, guild, channel string, from time.Time, del func(feedbackbot.Message)) error {
	lister, ok := a.sink.(messageLister)
	if !ok {
		return nil
	}
	read := map[string]bool{}
	// Newest first, a page at a time; the next page ends just after the oldest time
	// read, and what was read already is skipped (messages may share a time).
	var to time.Time
	wait := 100 * time.Millisecond
	for {
		rows, err := lister.Messages(ctx, store.Query{Workspace: guild, Channel: channel, From: from, To: to, Limit: purgePage})
		if err != nil {
			if feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE || ctx.Err() != nil {
				return err
			}
			a.log.Warn("discord: the messages of a deleted "+what+" wait for the store; retrying (Discord does not send the deletion again)",
				"channel", channel, "err", err, "in", wait)
			select {
			case <-ctx.Done():
				return err
			case <-time.After(wait):
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		fresh := 0
		for _, r := range rows {
			if read[r.Message.ID] {
				continue
			}
			read[r.Message.ID] = true
			fresh++
			del(r.Message)
		}
		if len(rows) < purgePage || fresh == 0 {
			return nil
		}
		to = rows[len(rows)-1].Message.Time.Add(time.Nanosecond)
	}
}

// purgePage is the store page purge reads (the store's largest).
const purgePage = store.MaxQueryLimit

// snowflakeTime is when a Discord id was made (a thread's: when it was created).
func snowflakeTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpochMillis).UTC()
}

// snowflakeAt is the first Discord id made at t's millisecond (0 before 2015).
func snowflakeAt(t time.Time) string {
	return strconv.FormatInt(max(0, t.UnixMilli()-discordEpochMillis)<<22, 10)
}

// discordEpochMillis is the first millisecond of 2015, Discord ids' epoch.
const discordEpochMillis = 1420070400000
