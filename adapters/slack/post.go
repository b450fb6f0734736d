package slackadapter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedbackbot/feedbackbot"
)

// maxAttempts bounds retries of one Web API call after HTTP 429.
const maxAttempts = 5

// CheckDestination refuses a channel analysis must not go to: one not listed as
// internal (when a list is configured), a shared (Slack Connect) channel, a DM, or a
// channel someone who is not staff can read: a guest or a member of another
// organisation among its members, or, when staff_user_groups limits staff, a member
// outside those groups or a public channel (any member of the workspace may join it).
func (a *Adapter) CheckDestination(ctx context.Context, channel string) error {
	if len(a.cfg.InternalChannels) > 0 && !slices.Contains(a.cfg.InternalChannels, channel) {
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "slack channel %s is not an internal channel (slack.internal_channels); refusing to post customer analysis there", channel)
	}
	var info *slack.Channel
	err := a.retry(ctx, func() error {
		var err error
		info, err = a.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: channel})
		return err
	})
	if err != nil {
		return fmt.Errorf("slack conversations.info %s: %w", channel, err)
	}
	switch {
	case info.IsExtShared || info.IsShared || info.IsPendingExtShared:
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "slack channel %s is shared with another organisation (Slack Connect); refusing to post customer analysis there", channel)
	case info.IsIM || info.IsMpIM:
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "slack conversation %s is a direct message; analysis goes only to internal channels", channel)
	case len(a.cfg.StaffUserGroups) > 0 && !info.IsPrivate:
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "slack channel %s is public: anyone in the workspace can join it, and staff is limited to slack.staff_user_groups; "+
			"refusing to post customer analysis there (use a private channel)", channel)
	}
	who, err := a.nonStaffMember(ctx, channel)
	if err != nil {
		return err
	}
	if who != "" {
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "slack channel %s has %s as a member; refusing to post customer analysis where someone who is not staff can read it "+
			"(remove them, or choose another channel)", channel, who)
	}
	return nil
}

// nonStaffMember names a member of the channel who is not staff (a guest, someone of
// another organisation, someone outside the staff user groups), or "" if there is
// none. Bots and apps are not counted. A member who cannot be looked up is an error,
// not a pass.
func (a *Adapter) nonStaffMember(ctx context.Context, channel string) (string, error) {
	if a.cfg.TeamID == "" { // config check before start-up: who is home comes from auth.test
		if err := a.Start(ctx); err != nil {
			return "", err
		}
	}
	cursor := ""
	for {
		var members []string
		err := a.retry(ctx, func() error {
			// The results are kept only on success: slack-go returns an empty cursor
			// with a rate-limit error, and taking it would start again from page 1.
			page, next, err := a.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{ChannelID: channel, Cursor: cursor, Limit: 1000})
			if err != nil {
				return err
			}
			members, cursor = page, next
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("slack conversations.members %s: %w", channel, err)
		}
		for _, id := range members {
			if slices.Contains(a.cfg.StaffUsers, id) {
				continue
			}
			u, err := a.user(ctx, id)
			if err != nil {
				return "", fmt.Errorf("slack: cannot check member %s of %s: %w", id, channel, err)
			}
			switch {
			case u.bot:
			case !a.isHome(u.team, u.enterprise):
				return fmt.Sprintf("%s, of another organisation", id), nil
			case u.restricted:
				return fmt.Sprintf("%s, a guest", id), nil
			case len(a.cfg.StaffUserGroups) > 0:
				in, err := a.inStaffGroup(ctx, id)
				if err != nil {
					return "", err
				}
				if !in {
					return fmt.Sprintf("%s, who is not in slack.staff_user_groups", id), nil
				}
			}
		}
		if cursor == "" {
			return "", nil
		}
	}
}

// CheckDestinations checks several channels, reporting every problem.
func (a *Adapter) CheckDestinations(ctx context.Context, channels []string) []error {
	var errs []error
	for _, ch := range channels {
		if err := a.CheckDestination(ctx, ch); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// Post posts a document to an internal channel, uploading its image (the digest chart)
// with the files v2 flow. Rate limits are waited out; the error after the last
// attempt is returned so a digest is never dropped silently.
func (a *Adapter) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	if err := a.CheckDestination(ctx, channel); err != nil {
		return feedbackbot.PostRef{}, err
	}
	blocks, fallback := RenderBlocks(doc)
	opts := []slack.MsgOption{slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(fallback, false)}
	if doc.Mark != "" {
		opts = append(opts, markMetadata(doc.Mark))
	}
	var ts string
	err := a.retry(ctx, func() error {
		var err error
		_, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return feedbackbot.PostRef{}, fmt.Errorf("slack chat.postMessage to %s: %w", channel, err)
	}
	for _, b := range doc.Blocks {
		if b.Kind != feedbackbot.BlockImage || b.Image == nil || len(b.Image.Data) == 0 {
			continue
		}
		img := b.Image
		err := a.retry(ctx, func() error {
			_, err := a.api.UploadFileContext(ctx, slack.UploadFileParameters{Filename: img.Filename, FileSize: len(img.Data),
				Reader: bytes.NewReader(img.Data), Title: img.Title, Channel: channel, ThreadTimestamp: ts})
			return err
		})
		if err != nil {
			return feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: channel, ID: ts}, fmt.Errorf("slack upload %s: %w", img.Filename, err)
		}
	}
	return feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: channel, ID: ts}, nil
}

// markEventType is the metadata event type a post's Document.Mark is kept under.
const markEventType = "feedbackbot_post"

// markMetadata is the message metadata that keeps a Document.Mark.
func markMetadata(mark string) slack.MsgOption {
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: markEventType, EventPayload: map[string]any{"mark": mark}})
}

// maxFindPages bounds the history pages (200 messages each) FindPost reads.
const maxFindPages = 10

// findWindow is the first span of history FindPost reads, from since: the
// post it looks for came right after its announcement, an hour after since.
const findWindow = 2 * time.Hour

// FindPost finds the message the bot posted in channel with doc.Mark mark, at
// or after since, in the channel's history (conversations.history with the
// messages' metadata): a digest a replica posted and died before recording.
// Slack gives a span of history newest first, so FindPost reads the two hours
// from since first, where the post is, and only then the rest to now: however
// busy the channel has been since the post, it is found in that first span
// (read newest first from now, as until 2026-12-07, 2,000 later messages hid
// it). Only the bot's own messages count (another app could post the same
// metadata). None is ENOTFOUND; a history that cannot be read is an error, and
// so is a span of more than maxFindPages pages (a lookup that did not look
// everywhere does not say there is none).
func (a *Adapter) FindPost(ctx context.Context, channel, mark string, since time.Time) (feedbackbot.PostRef, error) {
	me, err := a.ownUser(ctx)
	if err != nil {
		return feedbackbot.PostRef{}, err
	}
	if me == "" {
		return feedbackbot.PostRef{}, errors.New("slack: auth.test named no bot user, whose posts to look for")
	}
	first := since.Add(findWindow)
	if since.IsZero() || !first.Before(time.Now()) {
		first = time.Time{} // one span, to now
	}
	ref, err := a.findIn(ctx, channel, mark, me, since, first)
	if !first.IsZero() && feedbackbot.IsNotFound(err) {
		ref, err = a.findIn(ctx, channel, mark, me, first, time.Time{})
	}
	if feedbackbot.IsNotFound(err) {
		return feedbackbot.PostRef{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "slack: no post %q of the bot's in %s since %s", mark, channel, since.UTC().Format(time.RFC3339))
	}
	return ref, err
}

// findIn is FindPost over the history of channel from oldest to latest (both
// included; a zero latest is now), newest first: the bot's (me) post with mark,
// ENOTFOUND where there is none.
func (a *Adapter) findIn(ctx context.Context, channel, mark, me string, oldest, latest time.Time) (feedbackbot.PostRef, error) {
	span := "since " + oldest.UTC().Format(time.RFC3339)
	params := slack.GetConversationHistoryParameters{ChannelID: channel, Inclusive: true, Limit: 200, IncludeAllMetadata: true}
	if !oldest.IsZero() {
		params.Oldest = slackTS(oldest)
	}
	if !latest.IsZero() {
		params.Latest = slackTS(latest)
		span = fmt.Sprintf("from %s to %s", oldest.UTC().Format(time.RFC3339), latest.UTC().Format(time.RFC3339))
	}
	for page := 1; ; page++ {
		var resp *slack.GetConversationHistoryResponse
		err := a.retry(ctx, func() error {
			var err error
			resp, err = a.api.GetConversationHistoryContext(ctx, &params)
			return err
		})
		if err != nil {
			return feedbackbot.PostRef{}, fmt.Errorf("slack conversations.history of %s (looking for the bot's post %q): %w", channel, mark, err)
		}
		for _, m := range resp.Messages {
			if m.User == me && m.Metadata.EventType == markEventType && m.Metadata.EventPayload["mark"] == mark {
				return feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: channel, ID: m.Timestamp}, nil
			}
		}
		next := resp.ResponseMetaData.NextCursor
		if resp.HasMore && next == "" {
			return feedbackbot.PostRef{}, fmt.Errorf("slack: conversations.history of %s says there is more, and gives no cursor to it; the bot's post %q not looked for in all of it", channel, mark)
		}
		if !resp.HasMore {
			return feedbackbot.PostRef{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "slack: no post %q of the bot's in %s %s", mark, channel, span)
		}
		if page == maxFindPages {
			return feedbackbot.PostRef{}, fmt.Errorf("slack: more than %d pages of %s's history %s; the bot's post %q not looked for in all of them", maxFindPages, channel, span, mark)
		}
		params.Cursor = next
	}
}

// Update replaces a posted message (new evidence on an open alert, a recovery),
// after the same check as Post: a channel shared with another organisation since the
// alert was posted gets nothing new.
func (a *Adapter) Update(ctx context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error {
	if err := a.CheckDestination(ctx, ref.Destination); err != nil {
		return err
	}
	blocks, fallback := RenderBlocks(doc)
	opts := []slack.MsgOption{slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(fallback, false)}
	if doc.Mark != "" {
		opts = append(opts, markMetadata(doc.Mark))
	}
	return messageGone(a.retry(ctx, func() error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, ref.Destination, ref.ID, opts...)
		return err
	}), ref)
}

// Delete deletes a message the bot posted: what an erasure does to an alert in a
// channel it may not post to any more (a deletion adds nothing there to read), and
// what a replica does with its copy of a digest another replica posted too. What
// the bot posted in the message's thread goes first (a digest's chart, uploaded
// there: deleted, the message left "This message was deleted." above it, the
// chart still shown); replies by anyone else stay, as the tombstone Slack then
// leaves. A thread that cannot be read or a reply that cannot be deleted is
// logged and the message deleted all the same: it is what may hold a quote. A
// message already gone is ENOTFOUND.
func (a *Adapter) Delete(ctx context.Context, ref feedbackbot.PostRef) error {
	if err := a.deleteOwnReplies(ctx, ref); err != nil {
		if ctx.Err() != nil {
			return err
		}
		a.log.Warn("slack: what the bot posted in the thread of a message being deleted stays (delete it by hand)",
			"channel", ref.Destination, "message", ref.ID, "err", err)
	}
	return messageGone(a.retry(ctx, func() error {
		_, _, err := a.api.DeleteMessageContext(ctx, ref.Destination, ref.ID)
		return err
	}), ref)
}

// deleteOwnReplies deletes what the bot posted in ref's thread: its files (the
// chart; files.delete takes the file's message with it) and its other replies.
// A message with no thread, or already gone, has none.
func (a *Adapter) deleteOwnReplies(ctx context.Context, ref feedbackbot.PostRef) error {
	me, err := a.ownUser(ctx)
	if err != nil || me == "" {
		return err // (no user id: none of the replies can be told to be the bot's)
	}
	var failed error // (one reply that cannot be deleted does not keep the others)
	for cursor := ""; ; {
		msgs, more, next, err := a.repliesPage(ctx, ref.Destination, ref.ID, cursor)
		var se slack.SlackErrorResponse
		switch {
		case errors.As(err, &se) && (se.Err == "thread_not_found" || se.Err == "message_not_found"):
			return failed // (the message itself is found gone by chat.delete)
		case err != nil:
			return errors.Join(failed, fmt.Errorf("slack conversations.replies of %s in %s: %w", ref.ID, ref.Destination, err))
		}
		for _, m := range msgs {
			if m.Timestamp == ref.ID || m.User != me {
				continue
			}
			if err := a.deleteReply(ctx, ref.Destination, m); err != nil {
				if ctx.Err() != nil {
					return err
				}
				failed = errors.Join(failed, err)
			}
		}
		if !more || next == "" {
			return failed
		}
		cursor = next
	}
}

// deleteReply deletes one of the bot's replies: its files (each file's share goes
// with it), or the reply itself when it has none. One already gone is done with.
func (a *Adapter) deleteReply(ctx context.Context, channel string, m slack.Message) error {
	var se slack.SlackErrorResponse
	for _, f := range m.Files {
		err := a.retry(ctx, func() error { return a.api.DeleteFileContext(ctx, f.ID) })
		if err != nil && !(errors.As(err, &se) && (se.Err == "file_not_found" || se.Err == "file_deleted")) {
			return fmt.Errorf("slack files.delete %s (in the thread of a message being deleted, %s): %w", f.ID, channel, err)
		}
	}
	if len(m.Files) > 0 {
		return nil
	}
	err := messageGone(a.retry(ctx, func() error {
		_, _, err := a.api.DeleteMessageContext(ctx, channel, m.Timestamp)
		return err
	}), feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: channel, ID: m.Timestamp})
	if err != nil && !feedbackbot.IsNotFound(err) {
		return fmt.Errorf("slack chat.delete of a reply in the thread of a message being deleted: %w", err)
	}
	return nil
}

// ownUser is the bot's user id, as auth.test said it at Start (asked now if
// Start was not called).
func (a *Adapter) ownUser(ctx context.Context) (string, error) {
	a.mu.Lock()
	me := a.botUser
	a.mu.Unlock()
	if me != "" {
		return me, nil
	}
	var resp *slack.AuthTestResponse
	err := a.retry(ctx, func() error {
		var err error
		resp, err = a.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("slack auth.test (whose replies to delete): %w", err)
	}
	a.mu.Lock()
	a.botUser = resp.UserID
	a.mu.Unlock()
	return resp.UserID, nil
}

// messageGone marks Slack's message_not_found as ENOTFOUND: the message was
// deleted in the chat.
func messageGone(err error, ref feedbackbot.PostRef) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "message_not_found" {
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "slack message %s in %s is gone (deleted in Slack): %v", ref.ID, ref.Destination, err)
	}
	return err
}

// retry runs fn again after Slack's Retry-After when it is rate limited, unless
// the wait would pass ctx's deadline: an event's acknowledgement or a command's
// reply must reach Slack within its 3 seconds, and a lookup that waited out a
// Retry-After of 4 s inside them lost both (a review found); failing at once
// lets Slack redeliver the event later.
func (a *Adapter) retry(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt == maxAttempts {
			return err
		}
		wait := max(rl.RetryAfter, 100*time.Millisecond)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return fmt.Errorf("slack rate limited for %s, past this request's deadline: %w", wait, err)
		}
		a.log.Warn("slack rate limited; waiting", "retry_after", wait, "attempt", attempt)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
