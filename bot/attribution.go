package bot

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// Attribution is the configured channel → account maps (slack.channel_accounts,
// discord.channel_accounts). Live capture attributes a message once, with the map
// it has then; Reattribute carries a map added or changed later to the messages
// already stored.
type Attribution struct {
	// Channels maps a platform's channel ids to account ids.
	Channels map[feedbackbot.Platform]map[string]string
	// Names are the configured accounts' display names, by id.
	Names map[string]string
}

// Attribute gives m the account its channel is mapped to, if it is, and reports
// whether that changed m. On Discord, as capture does, the channel the message was
// posted in comes first (a thread, whose messages are stored under its parent
// channel; a forum post's first message is posted in its thread), then the parent.
func (at Attribution) Attribute(m *feedbackbot.Message) bool {
	acct, ok := at.accountOf(m)
	if !ok || acct == m.Account {
		return false
	}
	m.Account, m.AccountName = acct, at.Names[acct]
	return true
}

// accountOf is the account m's channel is mapped to, if any.
func (at Attribution) accountOf(m *feedbackbot.Message) (string, bool) {
	byChannel := at.Channels[m.Platform]
	ids := []string{m.Channel}
	if m.Platform == feedbackbot.PlatformDiscord {
		ids = []string{discordPostedIn(m), m.Channel}
	}
	for _, id := range ids {
		if acct, ok := byChannel[id]; ok && id != "" && acct != "" {
			return acct, true
		}
	}
	return "", false
}

// discordPostedIn is the channel a Discord message was posted in, from its
// permalink (https://discord.com/channels/GUILD/CHANNEL/ID): its thread, or for a
// thread's first message the thread (a forum post) or the parent (a thread started
// from a channel's message), as capture saw it. Without a permalink: its thread, if
// any, else its channel.
func discordPostedIn(m *feedbackbot.Message) string {
	if rest, ok := strings.CutPrefix(m.Permalink, "https://discord.com/channels/"); ok {
		if parts := strings.Split(rest, "/"); len(parts) == 3 && parts[1] != "" {
			return parts[1]
		}
	}
	if m.Thread != "" {
		return m.Thread
	}
	return m.Channel
}

// ReattributeStore is what Reattribute needs: a channel's stored messages, each
// message's newest logged version, and an append that lands only over that version.
type ReattributeStore interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
	Newest(ctx context.Context, key string) (m feedbackbot.Message, found bool, err error)
	AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (ok bool, err error)
}

// Reattributed counts what Reattribute did.
type Reattributed struct {
	Read  int // stored messages of mapped channels looked at
	Moved int // messages given a new version with their channel's account
}

// Reattribute moves the stored messages of workspace ws's mapped channels to their
// channel's account: each gets a new version in the log, as an edit would (so the
// log stays what derived state is rebuilt from, and an export or a later reaction
// sees the account), which analysis then applies; the caller drains or re-analyses.
// A message whose newest version already has the account is left alone, so running
// it again appends nothing. The new version lands only over the newest one read
// (AppendOver): a live edit or reaction that comes first is kept, and that message
// is read again. A map removed does not move messages back (the log's older
// versions keep what they were captured with). Slack messages are found by the
// channel they are stored under. A Discord thread's messages are stored under its
// parent channel, and a thread mapped by its own id may sit under a parent nobody
// mapped, so on Discord the workspace's whole history is read once instead (as
// re-analysis, which runs this, reads it anyway).
func Reattribute(ctx context.Context, st ReattributeStore, at Attribution, ws string) (Reattributed, error) {
	var res Reattributed
	var firstErr error
	for _, platform := range slices.Sorted(maps.Keys(at.Channels)) {
		byChannel := at.Channels[platform]
		if len(byChannel) == 0 {
			continue
		}
		queries := []store.Query{}
		for _, ch := range slices.Sorted(maps.Keys(byChannel)) {
			queries = append(queries, store.Query{Workspace: ws, Channel: ch})
		}
		if platform == feedbackbot.PlatformDiscord {
			queries = []store.Query{{Workspace: ws}}
		}
		for _, q := range queries {
			err := eachPage(ctx, st, q, func(page []store.Stored, _ bool) bool {
				for _, r := range page {
					if r.Message.Platform != platform {
						continue // another platform's channel of that id
					}
					res.Read++
					if probe := r.Message; !at.Attribute(&probe) {
						continue // already its account (or its thread's, mapped apart)
					}
					moved, err := reattributeOne(ctx, st, at, r.Message.Key())
					if err != nil {
						firstErr = err
						return false
					}
					if moved {
						res.Moved++
					}
				}
				return true
			})
			if err == nil {
				err = firstErr
			}
			if err != nil {
				where := "channel " + q.Channel
				if q.Channel == "" {
					where = "history"
				}
				return res, fmt.Errorf("reattribute %s %s: %w", platform, where, err)
			}
		}
	}
	return res, nil
}

// reattributeOne appends a version of the message with its channel's account over
// its newest one, reading it again when another version lands first.
func reattributeOne(ctx context.Context, st ReattributeStore, at Attribution, key string) (bool, error) {
	for range 5 {
		m, found, err := st.Newest(ctx, key)
		if err != nil {
			return false, err
		}
		if !found {
			return false, nil // deleted or erased since it was applied
		}
		base := m.Revision()
		if !at.Attribute(&m) {
			return false, nil
		}
		// The op is this call's own: a store remembers ops for a while (Redis ten
		// minutes) and skips a write whose op landed, so one built from the message
		// and account would skip moving it back to an account it had minutes before
		// (a review's find); a fixed length keeps it under Redis's 128 bytes whatever
		// the key and account.
		ok, err := st.AppendOver(ctx, base, "reattribute:"+rand.Text(), feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		if err != nil || ok {
			return ok, err
		}
	}
	return false, fmt.Errorf("message %s: changed five times while it was being moved; run again", key)
}
