package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// A digest's or an alert's post is announced before it is made (a postNotice,
// docPosting by run or docAlertPosting by fingerprint) and carries a mark
// (Document.Mark): a replica that finds the announcement of a post never
// recorded looks for the marked message in the channel (announcedSearch)
// instead of posting again, the replica that announced it having perhaps died
// after its post.

// postFinder finds a post the bot made in a channel by its Document.Mark, at or
// after since; none is ENOTFOUND. The Slack and Discord adapters have it.
type postFinder interface {
	FindPost(ctx context.Context, channel, mark string, since time.Time) (feedbackbot.PostRef, error)
}

// postNotice announces a post: who was about to make it, when, and its mark.
type postNotice struct {
	Holder string    `json:"holder"`
	At     time.Time `json:"at"`
	Mark   string    `json:"mark,omitempty"`
}

// findSlack is how long before its announcement a post is looked for: the
// replicas' and the platform's clocks may differ by that much.
const findSlack = time.Hour

// maxFindFails is how many searches in a row (one a tick or a pass) for an
// announced post may fail before it is posted without knowing.
const maxFindFails = 5

// errUnsearched is in the error of a post held back because the search for its
// announcement's message failed: it waits for the next tick or pass.
var errUnsearched = errors.New("the channel could not be searched for it")

// announcedSearch searches for announced posts, counting by key (a digest's
// run, an alert's mark) the searches that failed in a row.
type announcedSearch struct {
	mu    sync.Mutex
	fails map[string]int
	// timeout bounds each search (0: findTimeout)
	timeout time.Duration
}

// findTimeout bounds one search for an announced post: a platform that stalls
// (a connection that hangs) leaves the post its time, and the search is counted
// as failed rather than ending the pass or the tick with the post's deadline
// (a review's find: it ended the whole alert pass, uncounted, so the alert was
// held back for as long as the platform stalled).
const findTimeout = 30 * time.Second

// find looks in channel for the post marked mark, from findSlack before since.
// Found, it is its ref; none, a zero PostRef. A search that failed says
// nothing (the platform rate-limiting, down or stalled past findTimeout, most
// likely just when a post call timed out): it is an error wrapping
// errUnsearched, for the caller to try again later, until maxFindFails have
// failed in a row under key; then it is logged on log, saying what the caller
// does then (giveUp), and taken as none: the caller posts, perhaps again (a
// scope missing, say: a post twice beats none).
func (c *announcedSearch) find(ctx context.Context, f postFinder, channel, mark string, since time.Time, key, giveUp string, log *slog.Logger) (feedbackbot.PostRef, error) {
	sctx, cancel := context.WithTimeout(ctx, cmp.Or(c.timeout, findTimeout))
	ref, err := f.FindPost(sctx, channel, mark, since.Add(-findSlack))
	cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err == nil:
		delete(c.fails, key)
		return ref, nil
	case feedbackbot.IsNotFound(err):
		delete(c.fails, key)
		return feedbackbot.PostRef{}, nil
	}
	if c.fails == nil {
		c.fails = map[string]int{}
	}
	if c.fails[key]++; c.fails[key] < maxFindFails {
		return feedbackbot.PostRef{}, fmt.Errorf("%w (try %d of %d): %w", errUnsearched, c.fails[key], maxFindFails, err)
	}
	delete(c.fails, key)
	log.Warn("a post was announced and never recorded, and the channel could not be searched for it: "+giveUp,
		"tries", maxFindFails, "err", err)
	return feedbackbot.PostRef{}, nil
}
