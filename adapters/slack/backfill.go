package slackadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedbackbot/feedbackbot"
)

// Cursors keeps back-fill positions so an interrupted back-fill resumes (the store's
// documents implement it).
type Cursors interface {
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
}

// BackfillOptions say what to fetch.
type BackfillOptions struct {
	Channel  string
	Since    time.Time
	Now      time.Time
	Progress io.Writer
	Cursors  Cursors
	// PageSize is messages per conversations.history call (default 200; apps outside
	// the Marketplace may get only 15).
	PageSize int
	// CallsPerMinute is the rate the workspace allows, for the estimate shown before
	// starting (default 50, Tier 3; as low as 1 for non-Marketplace distributed apps).
	CallsPerMinute int
	// ThreadLookback is how far before Since to look for older threads that were
	// answered within the period: conversations.history lists a thread under its
	// first message only, so a reply written in the period to a thread started
	// before it is found only through its parent. 0 looks no further back than Since.
	ThreadLookback time.Duration
}

// BackfillSummary is what a back-fill did.
type BackfillSummary struct {
	Pages    int `json:"pages"`
	Messages int `json:"messages"`
	Appended int `json:"appended"`
	Threads  int `json:"threads"`
	// OlderThreads counts the threads started before Since (within ThreadLookback)
	// whose replies of the period were fetched.
	OlderThreads int `json:"older_threads"`
	Resumed      bool
}

type backfillCursor struct {
	Since time.Time `json:"since"`
	// Until is the end of the run's period (its Now): a resumed run pages the same
	// query, so it keeps it.
	Until  time.Time `json:"until,omitzero"`
	Cursor string    `json:"cursor"`
	Done   bool      `json:"done"`
	// Threads is set once the period's own history is done: Cursor then pages the
	// ThreadLookback before Since, for older threads answered in the period.
	Threads bool `json:"threads,omitempty"`
}

const docBackfill = "slack-backfill"

// Backfill pages through a channel's history since opts.Since (and every thread's
// replies), capturing each message like a live event. Rate limits are waited out;
// the position is saved after every page, so a second run resumes where the first
// stopped; capture is idempotent, so overlap stores nothing twice.
func (a *Adapter) Backfill(ctx context.Context, opts BackfillOptions) (BackfillSummary, error) {
	ctx = context.WithValue(ctx, noParentLookup{}, true) // (each thread's question is read before its replies)
	var sum BackfillSummary
	if opts.PageSize <= 0 {
		opts.PageSize = 200
	}
	if opts.CallsPerMinute <= 0 {
		opts.CallsPerMinute = 50
	}
	if opts.Now.IsZero() || !opts.Since.Before(opts.Now) {
		return sum, feedbackbot.Errorf(feedbackbot.EINVALID, "back-fill needs a period: since %s is not before %s", opts.Since.Format(time.RFC3339), opts.Now.Format(time.RFC3339))
	}
	ws := a.cfg.TeamID
	var pos backfillCursor
	var gap BackfillOptions // a resumed run's remainder: the time after the stored run's period
	if opts.Cursors != nil {
		raw, err := opts.Cursors.GetDoc(ctx, ws, docBackfill, opts.Channel)
		// The command asks for "the last 30 days" as of each run, so a second run's
		// Since is a little later than the first's: the first run's period covers
		// it, and resuming that run (its query, its cursor) leaves nothing of it out
		// (a later Since never matched exactly, and every run started again from
		// the first page, at about a call a minute).
		if err == nil && json.Unmarshal(raw, &pos) == nil && !pos.Done && (pos.Cursor != "" || pos.Threads) &&
			!opts.Since.Before(pos.Since) && (pos.Until.IsZero() && pos.Since.Equal(opts.Since) || !pos.Until.IsZero()) {
			sum.Resumed = true
			if !pos.Until.IsZero() && opts.Now.After(pos.Until) {
				// what was written since the stored run's end is fetched after it
				gap = opts
				gap.Since = maxTime(opts.Since, pos.Until)
			}
			opts.Since = pos.Since
			if !pos.Until.IsZero() {
				opts.Now = pos.Until
			}
		} else {
			pos = backfillCursor{Since: opts.Since}
		}
	}
	pos.Until = opts.Now
	progress := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format, args...)
		}
	}
	per1000 := time.Duration(float64(1000/opts.PageSize+1) / float64(opts.CallsPerMinute) * float64(time.Minute))
	progress("Back-filling %s since %s: %d messages a page at about %d calls a minute, so about %s per 1,000 messages (plus one call per thread).\n",
		opts.Channel, opts.Since.Format("2006-01-02"), opts.PageSize, opts.CallsPerMinute, per1000.Round(time.Second))
	if sum.Resumed {
		progress("Resuming where the last back-fill stopped.\n")
	}
	start := time.Now()
	lookingBack := func() {
		progress("\nLooking through the %s before %s for older threads answered since:\n",
			days(opts.ThreadLookback), opts.Since.Format("2006-01-02"))
	}
	if pos.Threads {
		lookingBack()
	}
	for {
		oldest, latest := opts.Since, opts.Now
		if pos.Threads {
			oldest, latest = opts.Since.Add(-opts.ThreadLookback), opts.Since
		}
		var resp *slack.GetConversationHistoryResponse
		err := a.retry(ctx, func() error {
			var err error
			resp, err = a.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: opts.Channel,
				Cursor: pos.Cursor, Oldest: slackTS(oldest), Latest: slackTS(latest), Limit: opts.PageSize, Inclusive: !pos.Threads})
			return err
		})
		if err != nil {
			return sum, fmt.Errorf("slack conversations.history %s: %w (run again to resume)", opts.Channel, err)
		}
		sum.Pages++
		var events []feedbackbot.Event
		// Slack lists the newest first; capture in the order written, so that a staff
		// answer counts for the customer it answered, not the one who wrote next.
		for _, m := range slices.Backward(resp.Messages) {
			if pos.Threads {
				// An older thread: only its replies of the period, if it has any.
				if last, err := parseTS(m.LatestReply); m.ReplyCount == 0 || err != nil || last.Before(opts.Since) {
					continue
				}
				replies, err := a.replies(ctx, ws, opts.Channel, m.Timestamp)
				if err != nil {
					return sum, err
				}
				replies = slices.DeleteFunc(replies, func(e feedbackbot.Event) bool { return e.Message.Time.Before(opts.Since) })
				sum.OlderThreads++
				sum.Messages += len(replies)
				events = append(events, replies...)
				continue
			}
			evs, err := a.fromHistory(ctx, ws, opts.Channel, m)
			if err != nil {
				return sum, err
			}
			events = append(events, evs...)
			if m.ReplyCount > 0 {
				sum.Threads++
				replies, err := a.replies(ctx, ws, opts.Channel, m.Timestamp)
				if err != nil {
					return sum, err
				}
				events = append(events, replies...)
			}
		}
		if !pos.Threads {
			sum.Messages += len(resp.Messages)
		}
		if err := a.keepStaffAccounts(ctx, events); err != nil {
			return sum, fmt.Errorf("back-fill: %w (run again to resume)", err)
		}
		if len(events) > 0 {
			n, err := a.sink.Append(ctx, events...)
			if err != nil {
				return sum, fmt.Errorf("back-fill capture: %w (run again to resume)", err)
			}
			sum.Appended += n
		}
		pos.Cursor = resp.ResponseMetaData.NextCursor
		pos.Done = !resp.HasMore || pos.Cursor == ""
		enteringLookback := pos.Done && !pos.Threads && opts.ThreadLookback > 0
		if enteringLookback {
			pos.Threads, pos.Cursor, pos.Done = true, "", false
		}
		if opts.Cursors != nil {
			raw, _ := json.Marshal(pos)
			if err := opts.Cursors.PutDoc(ctx, ws, docBackfill, opts.Channel, raw); err != nil {
				return sum, fmt.Errorf("save back-fill position: %w", err)
			}
		}
		progress("\r%d pages, %d messages, %d threads, %d older threads, %d new, %s", sum.Pages, sum.Messages, sum.Threads, sum.OlderThreads, sum.Appended, time.Since(start).Round(time.Second))
		if enteringLookback {
			lookingBack()
		}
		if pos.Done {
			progress("\nDone.\n")
			if gap.Channel == "" {
				return sum, nil
			}
			// The stored run is finished; its position is done, so this one starts
			// afresh (a resumed run answered only the old period, and a request for
			// the last day a week later never asked Slack for that day: a review's find).
			progress("Then what was written since %s:\n", gap.Since.Format(time.RFC3339))
			more, err := a.Backfill(ctx, gap)
			sum.Pages, sum.Messages, sum.Threads, sum.Appended = sum.Pages+more.Pages, sum.Messages+more.Messages, sum.Threads+more.Threads, sum.Appended+more.Appended
			sum.OlderThreads += more.OlderThreads
			return sum, err
		}
	}
}

// days writes d in days when it is a whole number of them ("30 days").
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// repliesPage reads one page of the replies in ts's thread (conversations.replies
// from cursor), waiting out rate limits: the messages, whether there are more, and
// the next page's cursor. On an error the cursor given is handed back: slack-go
// returns an empty one with a rate-limit error, and taking it would start again
// from page 1 (for ever, when every second page is limited).
func (a *Adapter) repliesPage(ctx context.Context, channel, ts, cursor string) ([]slack.Message, bool, string, error) {
	var msgs []slack.Message
	var more bool
	next := cursor
	err := a.retry(ctx, func() error {
		page, hasMore, after, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: ts, Cursor: cursor, Limit: 200})
		if err != nil {
			return err
		}
		msgs, more, next = page, hasMore, after
		return nil
	})
	return msgs, more, next, err
}

func (a *Adapter) replies(ctx context.Context, ws, channel, ts string) ([]feedbackbot.Event, error) {
	var out []feedbackbot.Event
	cursor := ""
	for {
		msgs, more, next, err := a.repliesPage(ctx, channel, ts, cursor)
		cursor = next
		if err != nil {
			return nil, fmt.Errorf("slack conversations.replies %s/%s: %w (run again to resume)", channel, ts, err)
		}
		for _, m := range msgs {
			if m.Timestamp == ts {
				continue // the root came with the history page
			}
			evs, err := a.fromHistory(ctx, ws, channel, m)
			if err != nil {
				return nil, err
			}
			out = append(out, evs...)
		}
		if !more || cursor == "" {
			return out, nil
		}
	}
}

// fromHistory normalises a history message with the live event rules (they share JSON).
func (a *Adapter) fromHistory(ctx context.Context, ws, channel string, m slack.Message) ([]feedbackbot.Event, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	ev.Type, ev.Channel = "message", channel
	evs, err := a.Normalize(ctx, ws, ev)
	if feedbackbot.ErrorCode(err) == feedbackbot.EINVALID {
		return nil, nil // one bad message does not stop the back-fill
	}
	return evs, err
}

func slackTS(t time.Time) string { return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000) }

// keepStaffAccounts gives the staff messages a back-fill fetched again the account
// they were captured with: history pages start at a page's boundary, without the
// conversation before it, so recomputed, an answer may count for another customer
// (a new revision, replacing the right one).
func (a *Adapter) keepStaffAccounts(ctx context.Context, events []feedbackbot.Event) error {
	vs, ok := a.sink.(versions)
	if !ok {
		return nil
	}
	for i := range events {
		m := &events[i].Message
		if events[i].Kind != feedbackbot.EventPut || m.Role != feedbackbot.RoleStaff {
			continue
		}
		cur, found, err := storedVersion(ctx, vs, m.Key()) // (unreadable: the recomputed account stands)
		if err != nil {
			return err
		}
		if found && cur.Role == feedbackbot.RoleStaff {
			m.Account, m.AccountName = cur.Account, cur.AccountName
		}
	}
	return nil
}
