package bot

import (
	"context"
	"fmt"
	"maps"
	"slices"

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
// whether that changed m. On Discord a thread's messages are stored under its parent
// channel, and a thread mapped by its own id counts too, as capture counts it.
func (at Attribution) Attribute(m *feedbackbot.Message) bool {
	byChannel := at.Channels[m.Platform]
	acct, ok := byChannel[m.Channel]
	if !ok && m.Platform == feedbackbot.PlatformDiscord && m.Thread != "" {
		acct, ok = byChannel[m.Thread]
	}
	if !ok || acct == "" || acct == m.Account {
		return false
	}
	m.Account, m.AccountName = acct, at.Names[acct]
	return true
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
// versions keep what they were captured with). A Discord thread mapped by its own
// id (not its channel) is left to capture: messages are found by channel.
func Reattribute(ctx context.Context, st ReattributeStore, at Attribution, ws string) (Reattributed, error) {
	var res Reattributed
	var firstErr error
	for _, platform := range slices.Sorted(maps.Keys(at.Channels)) {
		byChannel := at.Channels[platform]
		for _, ch := range slices.Sorted(maps.Keys(byChannel)) {
			acct := byChannel[ch]
			err := eachPage(ctx, st, store.Query{Workspace: ws, Channel: ch}, func(page []store.Stored, _ bool) bool {
				for _, r := range page {
					if r.Message.Platform != platform {
						continue // another platform's channel of that id
					}
					res.Read++
					if r.Message.Account == acct {
						continue
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
				return res, fmt.Errorf("reattribute %s channel %s: %w", platform, ch, err)
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
		ok, err := st.AppendOver(ctx, base, "reattribute:"+key+":"+base+":"+m.Account, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		if err != nil || ok {
			return ok, err
		}
	}
	return false, fmt.Errorf("message %s: changed five times while it was being moved; run again", key)
}
