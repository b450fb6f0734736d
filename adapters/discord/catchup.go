package discordadapter

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// catchUpLookBack is how many of a channel's newest stored messages catch-up reads
// again over REST, to take the edits and deletions made to them while no session
// was up, and to know who the channel's conversations were last about.
const catchUpLookBack = 50

// catchUpLookBackPages bounds the REST pages the look-back takes, apart from
// Config.CatchUpPages (which bounds the pages of new messages).
const catchUpLookBackPages = 2

// catchUpSkew: a message stored with a time later than this before the session
// became ready (by this host's clock) is not used as the point to catch up from.
// Messages this session captured live are ruled out by id (liveRecord); this only
// guards the moment between GUILD_CREATE and the record's start, and assumes this
// host's clock is within catchUpSkew of Discord's. A clock behind by more weakens
// that guard; one ahead makes catch-up fetch a few seconds more, which are skipped.
const catchUpSkew = 5 * time.Second

// catchUpLookups bounds the store queries made to find a channel's starting point
// past messages this session captured live.
const catchUpLookups = 5

// catchUpRetryWait is the first wait before the channels a store error stopped are
// caught up again, doubled after each round that fails up to catchUpRetryMaxWait
// (variables for tests).
var (
	catchUpRetryWait    = time.Second
	catchUpRetryMaxWait = time.Minute
)

// catchUpStoreError is an error of the store's that stopped a channel's catch-up
// (its starting point, or a lookup of a fetched message, could not be read): the
// channel is caught up again once the store answers (see catchUpAgain).
type catchUpStoreError struct{ err error }

func (e *catchUpStoreError) Error() string { return e.err.Error() }
func (e *catchUpStoreError) Unwrap() error { return e.err }

// storeStopped reports whether err is a store error worth trying the channel again
// for: anything but a refusal of the query itself (as the analysis worker retries).
func storeStopped(err error) bool {
	var se *catchUpStoreError
	if !errors.As(err, &se) {
		return false
	}
	c := feedbackbot.ErrorCode(err)
	return c != feedbackbot.EINVALID && c != feedbackbot.ENOTFOUND
}

// catchUp fetches over REST, for every channel and thread of the guild that is
// captured and already has a stored message, the messages written after the newest
// stored one (oldest first, at most CatchUpPages pages of 100 per channel) and
// captures them like gateway messages. A fresh session gets no replay of what was
// written while no session was up (a restart, a takeover, an invalid session);
// this recovers it. Channels nothing was stored from yet are left to
// `feedbackbot import`.
//
// The starting point is the newest message the store lists for the channel (a
// thread's: for its parent) that this session did not capture live (and older
// than READY - catchUpSkew), read for all the guild's channels before any is
// caught up: what the catch-up itself captures must not move a later channel's
// start past that channel's missed messages (see catchUpStarts). Stores
// list analysed messages only (store.Derived); nothing cheaper tells what was
// captured but not yet analysed (the log is read whole, by Replay), so an analysis
// backlog makes catch-up fetch again what is already captured: those copies are
// stored once (the store skips an equal revision), but they count against the page
// bound.
//
// It also looks back: the channel's catchUpLookBack newest stored messages are
// fetched again with the new ones, so an edit made while no session was up (an
// edit time later than the stored one) is captured as an edit (a staff message
// keeping the account it was stored with, as live edits do), and a message edited
// down to no text, or one REST no longer lists, is deleted; the latter only once
// Discord answers 404 Unknown Message for it, so that a page that merely left it
// out deletes nothing.
//
// A channel whose catch-up a store error stopped (the store did not answer: a Redis
// failover or restart as the session began) is caught up again, with backoff, once
// the store answers, for as long as the session's catch-up may run (catchUpAgain):
// the messages written while no session was up are not replayed by anything else.
//
// A REST copy never undoes what is newer: while catch-up runs it records what the
// gateway delivers (liveRecord). A message this session created, edited or deleted
// live is not taken from REST, and a channel's catch-up stops at the first message
// this session captured live there (the gateway delivered everything after it). A
// message the store already holds with the same or a later edit time is skipped too.
func (a *Adapter) catchUp(ctx context.Context, guild string, chans []channelInfo, readyAt time.Time) {
	lister, ok := a.sink.(messageLister)
	if !ok {
		return
	}
	live, stopWatching := a.watchLive(guild)
	defer stopWatching()
	start := time.Now()
	before := readyAt.Add(-catchUpSkew)
	starts := a.catchUpStarts(ctx, lister, live, chans, before)
	chans, unlisted, known := a.withArchivedThreads(ctx, guild, chans, starts)
	var total catchUpCounts
	checked, failed := 0, 0
	var again []channelInfo // stopped by the store: caught up again once it answers
	for _, p := range unlisted {
		if p.forum {
			// (a forum has no messages of its own: it is retried for its posts,
			// listed once the store gives its start)
			failed++
			again = append(again, p)
			a.log.Warn("discord catch-up: forum not caught up: the store did not answer; its posts are caught up once it answers",
				"guild", guild, "channel", p.id, "err", starts[p.id].err)
		}
	}
	for _, ci := range chans {
		if ctx.Err() != nil {
			break
		}
		n, had, err := a.catchUpChannel(ctx, live, ci, starts[ci.home()])
		total.add(n)
		if had {
			checked++
		}
		switch {
		case err == nil || ctx.Err() != nil:
		case storeStopped(err):
			failed++
			again = append(again, ci)
			a.log.Warn("discord catch-up: channel not fully caught up: the store did not answer; it is caught up again once the store answers",
				"guild", guild, "channel", ci.id, "err", err)
		default:
			failed++
			a.log.Warn("discord catch-up: channel not fully caught up", "guild", guild, "channel", ci.id, "err", err)
		}
	}
	if ctx.Err() != nil {
		a.log.Info("discord catch-up stopped (shutdown or gateway closed)", "guild", guild, "channels_checked", checked, "messages", total.captured)
		return
	}
	a.log.Info("discord catch-up after a fresh gateway session", "guild", guild, "channels_checked", checked,
		"messages", total.captured, "skipped", total.skipped, "edits", total.edited, "deletions", total.deleted,
		"channels_failed", failed, "channels_to_retry", len(again), "took", time.Since(start).Round(time.Millisecond))
	if len(again) > 0 {
		a.catchUpAgain(ctx, lister, live, guild, again, starts, before, unlisted, known)
	}
}

// catchUpAgain catches up again, after a wait that doubles each round (from
// catchUpRetryWait up to catchUpRetryMaxWait), the channels a store error stopped,
// until none is left or ctx ends (shutdown, or a new session, whose catch-up starts
// over): those it then gives up on are logged at WARN with their count. A channel
// whose starting point was read starts from it again (what the catch-up of its
// siblings captured since must not move it); one whose starting point could not be
// read has it read now: no channel stored under its home was caught up. Once it
// is, the threads of the home that GUILD_CREATE did not list (unlisted: archived
// or unarchived meanwhile, see threadsSince) are listed and caught up too, those
// in known (listed already) left out.
func (a *Adapter) catchUpAgain(ctx context.Context, lister messageLister, live *liveRecord, guild string, chans []channelInfo,
	starts map[string]catchUpFrom, before time.Time, unlisted map[string]channelInfo, known map[string]bool) {
	wait := catchUpRetryWait
	var total catchUpCounts
	retried := len(chans)
	for round := 1; len(chans) > 0; round++ {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			ids := make([]string, len(chans))
			for i, ci := range chans {
				ids[i] = ci.id
			}
			a.log.Warn("discord catch-up: gave up on channels the store did not answer for (shutdown, or a new gateway session): "+
				"messages written there while no session was up may be missing; import the channels' history to recover them",
				"guild", guild, "channels_given_up", len(chans), "channel_ids", ids, "rounds", round-1)
			return
		case <-t.C:
		}
		// The starts the store did not give are read again first, each home once,
		// and the threads of the homes read now are listed together: one listing
		// of the server's active threads a round, not one a home (a review's find)
		reread := map[string]bool{}
		var listNow []channelInfo
		for _, ci := range chans {
			home := ci.home()
			if ctx.Err() != nil || starts[home].err == nil || reread[home] {
				continue
			}
			reread[home] = true
			stored, err := a.catchUpStart(ctx, lister, live, store.Query{Workspace: ci.guild, Channel: home, To: before, Limit: catchUpLookBack})
			if err != nil {
				err = &catchUpStoreError{fmt.Errorf("newest stored message: %w", err)}
			}
			starts[home] = catchUpFrom{stored: stored, err: err}
			if p, ok := unlisted[home]; ok && err == nil {
				delete(unlisted, home)
				listNow = append(listNow, p)
			}
		}
		if len(listNow) > 0 && ctx.Err() == nil {
			chans = append(chans, a.threadsSince(ctx, guild, listNow, starts, known)...)
		}
		var left []channelInfo
		for i, ci := range chans {
			if ctx.Err() != nil {
				left = append(left, chans[i:]...)
				break
			}
			home := ci.home()
			if ci.forum {
				if starts[home].err != nil {
					left = append(left, ci) // (its posts are listed once its start is read)
				}
				continue
			}
			n, _, err := a.catchUpChannel(ctx, live, ci, starts[home])
			total.add(n)
			switch {
			case err == nil:
			case ctx.Err() != nil || storeStopped(err):
				left = append(left, ci)
			default:
				a.log.Warn("discord catch-up: channel not fully caught up", "guild", guild, "channel", ci.id, "err", err)
			}
		}
		chans = left
		if len(chans) > 0 && ctx.Err() == nil {
			a.log.Warn("discord catch-up: the store still does not answer; channels caught up again later",
				"guild", guild, "channels", len(chans), "round", round, "in", min(wait*2, catchUpRetryMaxWait))
		}
		wait = min(wait*2, catchUpRetryMaxWait)
	}
	a.log.Info("discord catch-up: channels the store had stopped are caught up", "guild", guild, "channels", retried,
		"messages", total.captured, "skipped", total.skipped, "edits", total.edited, "deletions", total.deleted)
}

// catchUpCounts is what catch-up did in a channel: new messages captured, messages
// skipped (captured live, or stored already as edited as late or later), edits and
// deletions of stored messages taken.
type catchUpCounts struct{ captured, skipped, edited, deleted int }

func (c *catchUpCounts) add(o catchUpCounts) {
	c.captured += o.captured
	c.skipped += o.skipped
	c.edited += o.edited
	c.deleted += o.deleted
}

// liveRecord is what the gateway delivered for one guild while its catch-up runs.
// It starts when the catch-up does, just after GUILD_CREATE: an edit or delete
// delivered before that precedes every page catch-up fetches, so the pages have it.
type liveRecord struct {
	guild string
	// mu is held by catch-up from its check of a message to the queueing of its REST
	// copy, and by note while recording: the record runs before the capture handlers
	// (discordgo calls catch-all handlers first), so a live event either is recorded
	// before the check or is queued after the copy.
	mu      sync.Mutex
	touched map[string]bool   // message ids created, edited or deleted live
	created map[string]bool   // message ids created live
	first   map[string]string // channel or thread id -> lowest message id created live
}

// watchLive starts a liveRecord for guild; stop ends it.
func (a *Adapter) watchLive(guild string) (live *liveRecord, stop func()) {
	lr := &liveRecord{guild: guild, touched: map[string]bool{}, created: map[string]bool{}, first: map[string]string{}}
	return lr, a.s.AddHandler(func(_ *discordgo.Session, e any) { lr.note(e) })
}

// note records a live event that capture will write (the same conditions as
// onMessageCreate, onMessageUpdate and the delete handlers).
func (lr *liveRecord) note(e any) {
	var ids []string
	var created, channel string
	switch e := e.(type) {
	case *discordgo.MessageCreate:
		if e.Message != nil && e.GuildID == lr.guild {
			ids, created, channel = []string{e.ID}, e.ID, e.ChannelID
		}
	case *discordgo.MessageUpdate:
		if e.Message != nil && e.GuildID == lr.guild && e.EditedTimestamp != nil && e.Author != nil {
			ids = []string{e.ID}
		}
	case *discordgo.MessageDelete:
		if e.Message != nil && e.GuildID == lr.guild {
			ids = []string{e.ID}
		}
	case *discordgo.MessageDeleteBulk:
		if e.GuildID == lr.guild {
			ids = e.Messages
		}
	}
	if len(ids) == 0 {
		return
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	for _, id := range ids {
		lr.touched[id] = true
	}
	if created != "" {
		lr.created[created] = true
		if f, ok := lr.first[channel]; !ok || compareSnowflakes(created, f) < 0 {
			lr.first[channel] = created
		}
	}
}

// createdLive reports whether the message was created live.
func (lr *liveRecord) createdLive(id string) bool {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return lr.created[id]
}

// reached reports whether id is at or past the first message created live in the
// channel: the gateway delivered that one and everything after it.
func (lr *liveRecord) reached(channel, id string) bool {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	f, ok := lr.first[channel]
	return ok && compareSnowflakes(id, f) >= 0
}

// catchUpChannels lists the guild's captured text channels and threads (copied:
// the gateway state changes the guild's own lists afterwards), and its forum and
// media channels as parents (forum: true), whose posts are threads: the archived
// ones are looked for under them too (withArchivedThreads).
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
		case discordgo.ChannelTypeGuildForum, discordgo.ChannelTypeGuildMedia:
			ci := channelInfo{id: c.ID, name: c.Name, guild: g.ID, forum: true}
			if a.wanted(ci) {
				out = append(out, ci)
			}
		}
	}
	return out
}

// withArchivedThreads adds to chans the threads (and forum posts) GUILD_CREATE
// did not list, found by threadsSince under each channel whose start (starts:
// the newest message stored under it that this session did not capture live,
// which its threads start from too) was read. Forum channels (forum: true) are
// there only as parents: they have no messages of their own, and leave the list.
// It returns the list, the parents whose start the store did not give (unlisted:
// their threads are listed once it does, by catchUpAgain; a review found them
// never listed, a forum's posts never caught up and nothing logged), and the ids
// of the channels and threads listed (known).
func (a *Adapter) withArchivedThreads(ctx context.Context, guild string, chans []channelInfo, starts map[string]catchUpFrom) (
	out []channelInfo, unlisted map[string]channelInfo, known map[string]bool) {
	known = map[string]bool{}
	unlisted = map[string]channelInfo{}
	var parents []channelInfo
	for _, ci := range chans {
		known[ci.id] = true
		if !ci.thread {
			parents = append(parents, ci)
			if starts[ci.id].err != nil {
				unlisted[ci.id] = ci
			}
		}
		if !ci.forum {
			out = append(out, ci)
		}
	}
	return append(out, a.threadsSince(ctx, guild, parents, starts, known)...), unlisted, known
}

// threadsSince lists the public threads (and forum posts) of parents that
// GUILD_CREATE did not list and that may hold messages written since their
// parent's start: those archived since (after an hour to a week without a
// message: a thread a customer wrote in while no session was up, archived since,
// was never caught up, a review found), and then the guild's active threads, for
// a thread unarchived after GUILD_CREATE (a member wrote in it again as the
// session began) is in no archived listing either (a review's find). A parent
// whose start was not read, or that stored nothing, is left out (nothing to catch
// up from). Threads in known are left out, and those returned are added to it.
// A listing that fails is logged and the rest is caught up. (Private threads
// archived meanwhile need Manage Threads to be listed, and are not looked for.)
func (a *Adapter) threadsSince(ctx context.Context, guild string, parents []channelInfo, starts map[string]catchUpFrom, known map[string]bool) []channelInfo {
	var out []channelInfo
	homes := map[string]bool{}
	add := func(th *discordgo.Channel, parent string) {
		ci := channelInfo{id: th.ID, name: th.Name, parent: parent, thread: true, guild: guild}
		if !known[ci.id] && a.wanted(ci) {
			known[ci.id] = true
			out = append(out, ci)
		}
	}
	for _, p := range parents {
		if ctx.Err() != nil {
			return out
		}
		from := starts[p.id]
		if from.err != nil || len(from.stored) == 0 {
			continue
		}
		homes[p.id] = true
		threads, err := a.archivedThreads(ctx, p.id, from.stored[0].Message.Time)
		if err != nil {
			a.log.Warn("discord catch-up: the channel's archived threads could not all be listed; those listed and its active threads are caught up",
				"guild", guild, "channel", p.id, "listed", len(threads), "err", err)
		}
		for _, th := range threads {
			add(th, p.id)
		}
	}
	if len(homes) == 0 || ctx.Err() != nil {
		return out
	}
	var active discordgo.ThreadsList
	bucket := discordgo.EndpointGuildActiveThreads(guild)
	err := a.retryRoute(ctx, "list active threads", bucket, func() error {
		body, err := a.s.RequestWithBucketID("GET", bucket, nil, bucket, discordgo.WithContext(ctx))
		if err != nil {
			return err
		}
		return json.Unmarshal(body, &active)
	})
	if err != nil {
		a.log.Warn("discord catch-up: the server's active threads could not be listed; a thread unarchived as the session began is not caught up",
			"guild", guild, "err", err)
		return out
	}
	for _, th := range active.Threads {
		if th != nil && th.IsThread() && homes[th.ParentID] {
			add(th, th.ParentID)
		}
	}
	return out
}

// archivedThreads lists the public threads of channel archived at or after since
// (GET /channels/{id}/threads/archived/public, newest archived first, a page at a
// time), at most maxArchivedPages pages.
func (a *Adapter) archivedThreads(ctx context.Context, channel string, since time.Time) ([]*discordgo.Channel, error) {
	var out []*discordgo.Channel
	seen := map[string]bool{}
	var cursor time.Time
	bucket := discordgo.EndpointChannelPublicArchivedThreads(channel)
	for page := 0; page < maxArchivedPages; page++ {
		// (discordgo's ThreadsArchived sends the cursor without its fraction of a
		// second, which left out the next page's threads archived earlier in that
		// second, a review found: the request is made here, the cursor a
		// microsecond after the page's last, its threads met again skipped)
		endpoint := bucket + "?limit=" + strconv.Itoa(archivedPage)
		if !cursor.IsZero() {
			endpoint += "&before=" + url.QueryEscape(cursor.Add(time.Microsecond).UTC().Format(time.RFC3339Nano))
		}
		var list discordgo.ThreadsList
		err := a.retryRoute(ctx, "list archived threads", bucket, func() error {
			body, err := a.s.RequestWithBucketID("GET", endpoint, nil, bucket, discordgo.WithContext(ctx))
			if err != nil {
				return err
			}
			return json.Unmarshal(body, &list)
		})
		if err != nil {
			return out, err
		}
		fresh := 0
		for _, th := range list.Threads {
			if th == nil || th.ThreadMetadata == nil {
				continue
			}
			at := th.ThreadMetadata.ArchiveTimestamp
			if at.Before(since) {
				return out, nil // (newest archived first: the rest archived before)
			}
			if !seen[th.ID] {
				seen[th.ID] = true
				fresh++
				out = append(out, th)
			}
			if cursor.IsZero() || at.Before(cursor) {
				cursor = at
			}
		}
		if !list.HasMore || fresh == 0 {
			return out, nil
		}
	}
	return out, fmt.Errorf("more than %d pages of threads archived since %s", maxArchivedPages, since.UTC().Format(time.RFC3339))
}

// archivedPage and maxArchivedPages bound the listing of a channel's archived
// threads: 100 a page (Discord's most), ten pages.
const (
	archivedPage     = 100
	maxArchivedPages = 10
)

// home is the channel a channel's messages are stored under: a thread's are under
// its parent's.
func (ci channelInfo) home() string {
	if ci.thread {
		return ci.parent
	}
	return ci.id
}

// catchUpFrom is where the catch-up of the channels stored under one home channel
// starts: the home's stored messages, newest first, from the newest one this
// session did not capture live (none: nothing to start from), or why they could
// not be read.
type catchUpFrom struct {
	stored []store.Stored
	err    error
}

// catchUpStarts reads, for each home channel of chans and before any of them is
// caught up, its newest stored messages (older than before): where each of its
// channels and threads starts. Read as each channel's turn came, a thread started
// after what the catch-up of its parent or of a sibling thread had captured and
// analysis had stored meanwhile (messages written while no session was up, later
// than some of the thread's own), and the thread's were never fetched.
func (a *Adapter) catchUpStarts(ctx context.Context, lister messageLister, live *liveRecord, chans []channelInfo, before time.Time) map[string]catchUpFrom {
	starts := map[string]catchUpFrom{}
	for _, ci := range chans {
		home := ci.home()
		if _, ok := starts[home]; ok || ctx.Err() != nil {
			continue
		}
		stored, err := a.catchUpStart(ctx, lister, live, store.Query{Workspace: ci.guild, Channel: home, To: before, Limit: catchUpLookBack})
		if err != nil {
			err = &catchUpStoreError{fmt.Errorf("newest stored message: %w", err)}
		}
		starts[home] = catchUpFrom{stored: stored, err: err}
	}
	return starts
}

// catchUpChannel catches one channel or thread up from the newest message stored
// under its home channel before the guild's catch-up began (had is false when
// there is none), looking back over the stored messages before it (see catchUp).
func (a *Adapter) catchUpChannel(ctx context.Context, live *liveRecord, ci channelInfo, from catchUpFrom) (n catchUpCounts, had bool, err error) {
	// Stored messages are keyed by channel; a thread's are under its parent channel.
	// The parent's newest (in it or any of its threads) from before the catch-up is
	// a safe start for each: whatever a thread missed was written after the last
	// message captured before.
	stored := from.stored
	if from.err != nil {
		return n, false, from.err
	}
	if len(stored) == 0 {
		return n, false, nil
	}
	lookup, _ := a.sink.(messageLookup)
	after := stored[0].Message.ID
	// The stored messages that live in this channel (a thread's own, or the
	// channel's without its threads') are fetched again: from just before the
	// oldest of them.
	recheck := map[string]feedbackbot.Message{}
	for _, st := range stored {
		if sourceChannel(st.Message) == ci.id {
			recheck[st.Message.ID] = st.Message
		}
	}
	if first := oldestID(recheck); first != "" {
		if prev, ok := previousSnowflake(first); ok && compareSnowflakes(prev, after) < 0 {
			after = prev
		}
	}
	// Staff messages are attributed to the last customer of their conversation: start
	// from what the stored messages say, so that a message fetched again is stored
	// as it was (the same revision: nothing new).
	customers := pastCustomers{}
	customers.replay(stored, ci, "")
	members := map[string]*discordgo.Member{}
	listed := map[string]bool{}
	covered := "" // REST listed every message of the channel up to this id ("": to the end)
	defer func() {
		if ctx.Err() == nil {
			n.deleted += a.deleteUnlisted(ctx, live, ci, recheck, listed, covered)
		}
	}()
	newest := stored[0].Message.ID
	// New messages (after the newest stored) are bounded by Config.CatchUpPages
	// pages' worth; the look-back, by pages of stored messages only.
	budget := a.cfg.CatchUpPages * catchUpPage
	for lookBack := 0; ; {
		var page []*discordgo.Message
		seen := a.changeSeq.Load() // (the changes waiting for the store that arrived so far: the page holds them)
		err := a.retry(ctx, "get channel messages", func() error {
			var err error
			page, err = a.s.ChannelMessages(ci.id, catchUpPage, "", after, "", discordgo.WithContext(ctx))
			return err
		})
		if err != nil {
			covered = after
			return n, true, fmt.Errorf("get messages after %s: %w", after, err)
		}
		// Discord returns the page newest first; capture in the order written.
		slices.SortFunc(page, func(x, y *discordgo.Message) int { return compareSnowflakes(x.ID, y.ID) })
		storedOnly := len(page) == catchUpPage && compareSnowflakes(page[len(page)-1].ID, newest) <= 0
		for _, m := range page {
			if compareSnowflakes(m.ID, after) <= 0 {
				continue
			}
			if compareSnowflakes(m.ID, newest) > 0 {
				if budget == 0 {
					covered = after
					a.log.Warn("discord catch-up: more messages than the catch-up bound; import the channel's history for the rest",
						"channel", ci.id, "pages", a.cfg.CatchUpPages, "after", after)
					return n, true, nil
				}
				budget--
			}
			after = m.ID
			listed[m.ID] = true
			if live.reached(ci.id, m.ID) {
				covered = m.ID
				return n, true, nil // the gateway delivered the rest
			}
			m.GuildID = ci.guild // REST messages do not say
			if err := a.author(ctx, ci.guild, m, members); err != nil {
				covered = m.ID
				return n, true, err
			}
			prev, rechecked := recheck[m.ID]
			msg, ok, err := a.normalize(ctx, m, customers)
			if err != nil {
				a.log.Error("discord catch-up: message not captured", "message", m.ID, "channel", m.ChannelID, "err", err)
				continue
			}
			if !ok {
				if rechecked && strings.TrimSpace(m.Content) == "" && m.EditedTimestamp != nil {
					listed[m.ID] = false // edited down to no text: deleted, as a live edit would
				}
				continue
			}
			if rechecked {
				if prev.Role == feedbackbot.RoleCustomer && msg.Role == feedbackbot.RoleCustomer && prev.Account != msg.Account {
					// The conversation goes on with the account the message was stored
					// with (its author's roles may have changed since), as its staff
					// answers were.
					customers.seen(conversation(prev, ci), prev.Account)
				}
				if !msg.EditedAt.After(prev.EditedAt) {
					continue // as stored
				}
				if msg.Role == feedbackbot.RoleStaff {
					msg.Account, msg.AccountName = prev.Account, prev.AccountName
				}
				if a.queueUnlessLive(live, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg}, seen) {
					n.edited++
				} else {
					n.skipped++
				}
				continue
			}
			skip, _, err := storedAsNew(ctx, lookup, msg)
			if err != nil {
				covered = m.ID
				return n, true, &catchUpStoreError{fmt.Errorf("look up message %s: %w", m.ID, err)}
			}
			if skip {
				n.skipped++ // stored already, as edited as late or later
				continue
			}
			if a.queueUnlessLive(live, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg}, seen) {
				n.captured++
			} else {
				n.skipped++
			}
		}
		if len(page) < catchUpPage {
			return n, true, nil
		}
		after = page[len(page)-1].ID
		if storedOnly {
			lookBack++
		}
		if lookBack == catchUpLookBackPages && compareSnowflakes(after, newest) < 0 {
			// Messages capture does not store (a bot's feed) fill the look-back:
			// the stored messages not reached yet are left as they are, the
			// conversations' last customers are taken from them, and catch-up goes
			// on from the newest.
			for id := range recheck {
				if compareSnowflakes(id, after) > 0 {
					delete(recheck, id)
				}
			}
			customers.replay(stored, ci, after)
			after = newest
		}
	}
}

// replay takes the last customer of each conversation from stored messages
// (newest first, as listed) later than from ("" for all), oldest first.
func (p pastCustomers) replay(stored []store.Stored, ci channelInfo, from string) {
	for _, st := range slices.Backward(stored) {
		m := st.Message
		if m.Role != feedbackbot.RoleCustomer || from != "" && compareSnowflakes(m.ID, from) <= 0 {
			continue
		}
		p.seen(conversation(m, ci), m.Account)
	}
}

// conversation is the conversation of a stored message of ci's channel: its thread,
// or the channel.
func conversation(m feedbackbot.Message, ci channelInfo) string {
	if m.ID == ci.id {
		return ci.id // a forum post's first message: its conversation is the post
	}
	return cmpOr(m.Thread, m.Channel)
}

// deleteUnlisted deletes the stored messages of the channel that REST no longer
// has: rechecked ones it did not list (up to covered, when not ""), or listed
// emptied, each confirmed by a 404 Unknown Message for it alone, unless the
// gateway delivered it during catch-up. It returns how many it deleted.
func (a *Adapter) deleteUnlisted(ctx context.Context, live *liveRecord, ci channelInfo, recheck map[string]feedbackbot.Message, listed map[string]bool, covered string) int {
	n := 0
	for _, id := range slices.SortedFunc(maps.Keys(recheck), compareSnowflakes) {
		if listed[id] || covered != "" && compareSnowflakes(id, covered) > 0 {
			continue
		}
		if _, emptied := listed[id]; !emptied {
			gone, err := a.messageGone(ctx, ci.id, id)
			if err != nil {
				a.log.Warn("discord catch-up: could not tell whether a stored message was deleted", "message", id, "channel", ci.id, "err", err)
				continue
			}
			if !gone {
				continue
			}
		}
		m := recheck[id]
		if a.queueUnlessLive(live, feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: id,
			Platform: feedbackbot.PlatformDiscord, Workspace: m.Workspace, Channel: m.Channel}}, 0) {
			n++
		}
	}
	return n
}

// messageGone asks Discord for one message: true when it answers 404 Unknown
// Message (code 10008).
func (a *Adapter) messageGone(ctx context.Context, channel, id string) (bool, error) {
	err := a.retry(ctx, "get message", func() error {
		_, err := a.s.ChannelMessage(channel, id, discordgo.WithContext(ctx))
		return err
	})
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusNotFound && re.Message != nil &&
		re.Message.Code == discordgo.ErrCodeUnknownMessage {
		return true, nil
	}
	return false, err
}

// sourceChannel is the Discord channel (or thread) a stored message was written in,
// from its permalink (https://discord.com/channels/guild/channel/message); "" when
// it has none.
func sourceChannel(m feedbackbot.Message) string {
	parts := strings.Split(strings.TrimPrefix(m.Permalink, "https://discord.com/channels/"), "/")
	if len(parts) != 3 || parts[2] != m.ID {
		return ""
	}
	return parts[1]
}

// oldestID is the lowest snowflake among ids' keys ("" for none).
func oldestID(ids map[string]feedbackbot.Message) string {
	first := ""
	for id := range ids {
		if first == "" || compareSnowflakes(id, first) < 0 {
			first = id
		}
	}
	return first
}

// previousSnowflake is the id just before id, for a page that starts with id.
func previousSnowflake(id string) (string, bool) {
	v, err := strconv.ParseUint(id, 10, 64)
	if err != nil || v == 0 {
		return "", false
	}
	return strconv.FormatUint(v-1, 10), true
}

// queueUnlessLive queues an event of catch-up's unless the gateway delivered its
// message (created, edited or deleted) during this catch-up: the live version,
// queued already, is as new or newer. The record stays locked until the event is
// queued. A put is Discord's copy of the message, read after the changes numbered
// up to seen arrived: those waiting for the store are dropped with its queueing
// (dropWaitingReactions), as the copy holds them.
func (a *Adapter) queueUnlessLive(live *liveRecord, ev feedbackbot.Event, seen uint64) bool {
	live.mu.Lock()
	defer live.mu.Unlock()
	if live.touched[ev.Message.ID] {
		return false
	}
	a.captureMu.RLock()
	defer a.captureMu.RUnlock()
	if ev.Kind == feedbackbot.EventPut {
		a.dropWaitingReactions(ev.Message.Key(), seen)
	}
	a.push(ev)
	return true
}

// catchUpStart returns the stored messages of q's channel, newest first, from the
// newest one this session did not capture live: the point to catch up from, then
// the context before it. It queries past live messages a few times at most.
func (a *Adapter) catchUpStart(ctx context.Context, lister messageLister, live *liveRecord, q store.Query) ([]store.Stored, error) {
	for range catchUpLookups {
		stored, err := lister.Messages(ctx, q)
		if err != nil || len(stored) == 0 {
			return nil, err
		}
		for i, st := range stored {
			if !live.createdLive(st.Message.ID) {
				return stored[i:], nil
			}
		}
		q.To = stored[len(stored)-1].Message.Time // all captured live: look further back
	}
	return nil, nil
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
	mem, err := a.guildMember(ctx, guild, m.Author.ID)
	if err != nil {
		return err
	}
	cache[m.Author.ID] = mem
	m.Member = mem
	return nil
}

// compareSnowflakes orders Discord ids (decimal, without leading zeros) numerically.
func compareSnowflakes(x, y string) int {
	return cmp.Or(cmp.Compare(len(x), len(y)), cmp.Compare(x, y))
}
