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
// internal (when a list is configured), a shared (Slack Connect) channel, or a DM.
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
	}
	return nil
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
	var ts string
	err := a.retry(ctx, func() error {
		var err error
		_, ts, err = a.api.PostMessageContext(ctx, channel, slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(fallback, false))
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

// Update replaces a posted message (new evidence on an open alert, a recovery),
// after the same check as Post: a channel shared with another organisation since the
// alert was posted gets nothing new.
func (a *Adapter) Update(ctx context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error {
	if err := a.CheckDestination(ctx, ref.Destination); err != nil {
		return err
	}
	blocks, fallback := RenderBlocks(doc)
	return a.retry(ctx, func() error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, ref.Destination, ref.ID, slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(fallback, false))
		return err
	})
}

// retry runs fn again after Slack's Retry-After when it is rate limited.
func (a *Adapter) retry(ctx context.Context, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt == maxAttempts {
			return err
		}
		wait := max(rl.RetryAfter, 100*time.Millisecond)
		a.log.Warn("slack rate limited; waiting", "retry_after", wait, "attempt", attempt)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
