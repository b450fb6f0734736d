package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// Retracted says what ChannelChanged marked: the posted digests and alerts in a
// channel that may not hold customer analysis any more, each to be edited on the
// next pass, an edit the platform's check refuses there, so deleted instead.
type Retracted struct {
	Digests, Alerts int
}

// ChannelChanged is told by a platform's adapter that channel of workspace changed
// in a way that may let someone who is not staff read it: shared with another
// organisation (Slack's channel_shared), its permissions edited (Discord's
// CHANNEL_UPDATE). The digests and alerts the bot posted there stay readable
// by whoever can read the channel now (a Slack Connect partner sees the
// channel's history), and nothing else would take them out until an erasure
// touched them.
//
// It looks for the bot's posts in the channel first (the store alone: most
// channels an adapter hears of hold none), then asks check whether the channel
// may still hold analysis (the adapter's CheckDestination): where it may, nothing
// changes (an edit would mark every message "edited" for nothing); where it may
// not, or where the check fails (an outage: the privacy side is taken), every
// posted digest and alert there is marked for its next edit, digests by the
// scheduler's next tick and alerts by the alerter's next pass, which check the
// channel again and delete each message they may not edit (replacePost).
func ChannelChanged(ctx context.Context, st evidenceDocs, platform feedbackbot.Platform, workspace, channel string,
	check func(context.Context) error) (Retracted, error) {
	var out Retracted
	switch none, err := notPostedIn(ctx, st, workspace, channel); {
	case err != nil:
		return out, err
	case none:
		return out, nil
	}
	in := func(ref feedbackbot.PostRef) bool {
		return ref.Platform == platform && ref.Destination == channel && ref.ID != ""
	}
	posted, err := st.ListDocs(ctx, workspace, docPosted)
	if err != nil {
		return out, fmt.Errorf("posted digests: %w", err)
	}
	var runs []string
	for _, run := range slices.Sorted(maps.Keys(posted)) {
		var rec postedDigest
		if json.Unmarshal(posted[run], &rec) == nil && !rec.Gone && in(rec.PostRef) {
			runs = append(runs, run)
		}
	}
	alerts, err := st.ListDocs(ctx, workspace, DocAlert)
	if err != nil {
		return out, fmt.Errorf("alerts: %w", err)
	}
	postedIn := func(al *feedbackbot.Alert) bool { return slices.ContainsFunc(al.LivePosts(), in) }
	some := false
	for _, raw := range alerts {
		var al feedbackbot.Alert
		if json.Unmarshal(raw, &al) == nil && postedIn(&al) {
			some = true
			break
		}
	}
	if len(runs) == 0 && !some {
		return out, nil
	}
	if err := check(ctx); err == nil {
		return out, nil
	} else if feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED && ctx.Err() != nil {
		return out, err
	}
	for _, run := range runs {
		if err := st.PutDoc(ctx, workspace, docDigestRedacted, run, []byte("1")); err != nil {
			return out, fmt.Errorf("posted digest %s: mark it for its edit: %w", run, err)
		}
		out.Digests++
	}
	_, out.Alerts, err = rewriteAlerts(ctx, st, workspace, func(al *feedbackbot.Alert) (int, bool) {
		return 0, postedIn(al)
	})
	return out, err
}

// The channels a workspace's digests and alerts were posted in are marked, one
// document each (docPostedIn, by channel id), before each post: ChannelChanged
// reads the channel's mark instead of every posted digest and alert of the
// workspace, which it read at each Slack member_joined_channel in any channel the
// bot is in (about 100 ms a workspace with two years of daily digests, within
// the event's 2.5 s). A mark is never taken back (a channel marked without a post
// there is read as before). Posts made before the marks are found by reading
// every record, which marks their channels (markPostedIn), and docPostedInIndex
// then says when the marks were made complete. They count as complete for
// postedInFresh, and the next event after that reads every record again: a
// replica of a version before the marks (a rolling upgrade) records posts
// without one, which were missed for good (a review's find). The channel alone names a
// mark: Slack's and Discord's channel ids do not collide, and a mark only sends
// ChannelChanged to the records, which tell the platform.
const (
	docPostedIn      = "posted-in"
	docPostedInIndex = "posted-in-index"
	postedInComplete = "complete"
	postedInFresh    = time.Hour
)

// postedInClock tells the marks' age (operational, not an analytic: the wall
// clock; tests move it).
var postedInClock = time.Now

// markWriter writes a channel's mark (store.Store.PutDoc).
type markWriter interface {
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
}

// notePostedIn marks channel as holding a post of workspace's, before the post:
// a post whose mark cannot be written is not made (ChannelChanged would not look
// for it).
func notePostedIn(ctx context.Context, st markWriter, workspace, channel string) error {
	if err := st.PutDoc(ctx, workspace, docPostedIn, channel, []byte("1")); err != nil {
		return fmt.Errorf("mark %s as a channel the bot posts in: %w", channel, err)
	}
	return nil
}

// notPostedIn says whether the bot has surely posted none of workspace's digests
// and alerts in channel: it is not marked, and the marks are complete. Where they
// are not yet, it marks every channel the records name first (markPostedIn) and
// answers false, so the records are read.
func notPostedIn(ctx context.Context, st evidenceDocs, workspace, channel string) (bool, error) {
	switch _, err := st.GetDoc(ctx, workspace, docPostedIn, channel); {
	case err == nil:
		return false, nil
	case !feedbackbot.IsNotFound(err):
		return false, fmt.Errorf("channels posted in: %w", err)
	}
	switch raw, err := st.GetDoc(ctx, workspace, docPostedInIndex, postedInComplete); {
	case err == nil:
		if at, perr := time.Parse(time.RFC3339Nano, string(raw)); perr == nil && postedInClock().Sub(at) < postedInFresh && at.Sub(postedInClock()) < postedInFresh {
			return true, nil
		}
	case !feedbackbot.IsNotFound(err):
		return false, fmt.Errorf("channels posted in: %w", err)
	}
	chans, err := markPostedIn(ctx, st, workspace)
	return err == nil && !chans[channel], err
}

// markPostedIn marks every channel where workspace's posted digests and alerts
// are (posted before the marks were made, or by an older version), then records
// when the marks were complete: when it began to read, so a record written
// meanwhile by an older version is read again at most postedInFresh later; it
// returns the channels. A post of this version made meanwhile marks its channel
// itself first.
func markPostedIn(ctx context.Context, st evidenceDocs, workspace string) (map[string]bool, error) {
	began := postedInClock().UTC()
	chans := map[string]bool{}
	err := eachLivePost(ctx, st, workspace, func(ref feedbackbot.PostRef) {
		if ref.Destination != "" {
			chans[ref.Destination] = true
		}
	})
	if err != nil {
		return nil, err
	}
	for _, ch := range slices.Sorted(maps.Keys(chans)) {
		if err := notePostedIn(ctx, st, workspace, ch); err != nil {
			return nil, err
		}
	}
	if err := st.PutDoc(ctx, workspace, docPostedInIndex, postedInComplete, []byte(began.Format(time.RFC3339Nano))); err != nil {
		return nil, fmt.Errorf("channels posted in: %w", err)
	}
	return chans, nil
}

// eachLivePost calls f with each message of workspace's posted digests and alerts
// still in its channel (not recorded gone), digests first; an error says which
// list could not be read (the messages of one read before it were given).
func eachLivePost(ctx context.Context, st evidenceDocs, workspace string, f func(feedbackbot.PostRef)) error {
	posted, err := st.ListDocs(ctx, workspace, docPosted)
	if err != nil {
		return fmt.Errorf("posted digests: %w", err)
	}
	for _, raw := range posted {
		var rec postedDigest
		if json.Unmarshal(raw, &rec) == nil && !rec.Gone {
			f(rec.PostRef)
		}
	}
	alerts, err := st.ListDocs(ctx, workspace, DocAlert)
	if err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	for _, raw := range alerts {
		var al feedbackbot.Alert
		if json.Unmarshal(raw, &al) == nil {
			for _, ref := range al.LivePosts() {
				f(ref)
			}
		}
	}
	return nil
}

// workspaceLister lists the store's workspaces (store.Store.Workspaces).
type workspaceLister interface {
	Workspaces(ctx context.Context) ([]string, error)
}

// postWorkspaces are the workspaces whose digests and alerts may be posted in a
// channel of workspace: it, then every other the store holds (a Slack team's
// alerts may go to a Discord channel, one server's digest to another's: their
// posts were never looked for when the channel changed, a review found).
func (b *Bot) postWorkspaces(ctx context.Context, workspace string) ([]string, error) {
	wss := []string{workspace}
	if l, ok := b.Store.(workspaceLister); ok {
		all, err := l.Workspaces(ctx)
		if err != nil {
			return nil, fmt.Errorf("workspaces: %w", err)
		}
		for _, w := range all {
			if w != workspace {
				wss = append(wss, w)
			}
		}
	}
	return wss, nil
}

// PostedChannels lists the channels of platform where the bot's posted digests
// and alerts are, of workspace and of every other workspace the store holds (a
// change to a whole server's roles may open any of them: the adapter asks
// ChannelChanged of each).
func (b *Bot) PostedChannels(ctx context.Context, platform feedbackbot.Platform, workspace string) ([]string, error) {
	st, ok := b.Store.(evidenceDocs)
	if !ok {
		return nil, fmt.Errorf("this store cannot list posted digests and alerts")
	}
	wss, err := b.postWorkspaces(ctx, workspace)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	add := func(ref feedbackbot.PostRef) {
		if ref.Platform == platform && ref.Destination != "" && ref.ID != "" {
			seen[ref.Destination] = true
		}
	}
	var errs []error // (the channels found are returned with the errors of the others)
	for _, ws := range wss {
		if err := eachLivePost(ctx, st, ws, add); err != nil {
			errs = append(errs, fmt.Errorf("workspace %s: %w", ws, err))
		}
	}
	return slices.Sorted(maps.Keys(seen)), errors.Join(errs...)
}

// ChannelChanged is ChannelChanged over the bot's store, for the adapters (which
// do not import this package), for the posts of workspace and of every other
// workspace the store holds (see postWorkspaces), the channel checked once: how
// many posted digests and alerts it marked.
func (b *Bot) ChannelChanged(ctx context.Context, platform feedbackbot.Platform, workspace, channel string,
	check func(context.Context) error) (digests, alerts int, err error) {
	st, ok := b.Store.(evidenceDocs)
	if !ok {
		return 0, 0, fmt.Errorf("this store cannot list posted digests and alerts")
	}
	wss, err := b.postWorkspaces(ctx, workspace)
	if err != nil {
		return 0, 0, err
	}
	checked, refused := false, error(nil)
	once := func(ctx context.Context) error {
		if !checked {
			checked, refused = true, check(ctx)
		}
		return refused
	}
	var errs []error // (one workspace's failure leaves the others marked: a review's find)
	for _, ws := range wss {
		r, err := ChannelChanged(ctx, st, platform, ws, channel, once)
		digests, alerts = digests+r.Digests, alerts+r.Alerts
		if err != nil {
			if ctx.Err() != nil {
				return digests, alerts, err
			}
			errs = append(errs, fmt.Errorf("workspace %s: %w", ws, err))
		}
	}
	return digests, alerts, errors.Join(errs...)
}
