package slackadapter

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// MaxBodyBytes bounds every request body Slack sends us.
const MaxBodyBytes = 1 << 20

// Register adds /slack/events, /slack/commands and /slack/interactions to mux.
func (a *Adapter) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /slack/events", a.handleEvents)
	mux.HandleFunc("POST /slack/commands", a.handleCommand)
	mux.HandleFunc("POST /slack/interactions", a.handleInteraction)
}

// verified reads the body (bounded) and checks Slack's signature and timestamp.
// It writes the error response itself and returns ok=false on any problem.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, a.cfg.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		a.log.Warn("slack request refused: bad or stale signature", "path", r.URL.Path, "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

type envelope struct {
	Type           string          `json:"type"`
	Challenge      string          `json:"challenge"`
	TeamID         string          `json:"team_id"`
	EnterpriseID   string          `json:"enterprise_id"`
	EventID        string          `json:"event_id"`
	Event          json.RawMessage `json:"event"`
	Authorizations []struct {
		TeamID       string `json:"team_id"`
		EnterpriseID string `json:"enterprise_id"`
	} `json:"authorizations"`
}

// Event is a Slack message-family event, as the Events API and exports carry it.
type Event struct {
	Type       string `json:"type"`
	Subtype    string `json:"subtype"`
	User       string `json:"user"`
	BotID      string `json:"bot_id"`
	Text       string `json:"text"`
	TS         string `json:"ts"`
	ThreadTS   string `json:"thread_ts"`
	Channel    string `json:"channel"`
	Team       string `json:"team"`
	UserTeam   string `json:"user_team"`
	SourceTeam string `json:"source_team"`
	DeletedTS  string `json:"deleted_ts"`
	Edited     *struct {
		TS string `json:"ts"`
	} `json:"edited"`
	Message   *Event `json:"message"`
	Previous  *Event `json:"previous_message"` // (message_deleted: what was deleted)
	Reaction  string `json:"reaction"`
	ItemUser  string `json:"item_user"` // (reactions: the reacted message's author)
	Reactions []struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	} `json:"reactions"`
	Item *struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
}

func (a *Adapter) handleEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		// Malformed but authentic: tell Slack not to retry what will never parse.
		w.Header().Set("X-Slack-No-Retry", "1")
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	switch env.Type {
	case "url_verification":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, env.Challenge)
		return
	case "event_callback":
	default:
		a.notice(body, env)
		w.WriteHeader(http.StatusOK)
		return
	}
	switch a.claimDelivery(env.EventID, time.Now()) {
	case deliveryDone:
		w.WriteHeader(http.StatusOK) // a retry of an event already captured
		return
	case deliveryInFlight:
		// Slack retried while the first delivery is still being written (a slow
		// store): acknowledging now would lose the event if that write fails.
		http.Error(w, "still capturing the first delivery", http.StatusServiceUnavailable)
		return
	}
	if err := a.captureEnvelope(r.Context(), env, r.Header.Get("X-Slack-Retry-Num") != ""); err != nil {
		a.forget(env.EventID)
		if feedbackbot.ErrorCode(err) == feedbackbot.EINVALID {
			w.Header().Set("X-Slack-No-Retry", "1")
			http.Error(w, "malformed event", http.StatusBadRequest)
			return
		}
		if errors.Is(err, errReactionEarly) {
			a.log.Info("slack: a reaction came before its message; Slack will deliver it again", "event_id", env.EventID)
			http.Error(w, "message not captured yet", http.StatusServiceUnavailable)
			return
		}
		a.log.Error("slack event not captured; Slack will retry", "event_id", env.EventID, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	a.delivered(env.EventID)
	w.WriteHeader(http.StatusOK)
}

// ackBudget bounds the work of one event, lookups and the store's write
// together, inside the 3 seconds Slack waits for its acknowledgement (HTTP) or
// ack (Socket Mode).
const ackBudget = 2500 * time.Millisecond

// notice logs what Slack tells the app outside events: app_rate_limited means
// Slack is dropping this workspace's events (over 30,000 an hour), which no
// redelivery brings back, so the operator is told to back-fill the minute it
// names. Other envelope types are ignored.
func (a *Adapter) notice(body []byte, env envelope) {
	if env.Type != "app_rate_limited" {
		return
	}
	var rl struct {
		Minute int64 `json:"minute_rate_limited"`
	}
	_ = json.Unmarshal(body, &rl) // (a missing minute is logged as 0)
	since := time.Unix(rl.Minute, 0).UTC()
	a.log.Error("slack: Slack is dropping this workspace's events (app_rate_limited, over 30,000 an hour); messages from then on are lost until it stops: back-fill the channels when it has (feedbackbot backfill --channel C… --since a PERIOD reaching back past that minute)",
		"team_id", env.TeamID, "minute_rate_limited", since.Format(time.RFC3339))
	if g, ok := a.sink.(giveUpCounter); ok {
		g.GaveUp()
	}
}

// slackbotUser is Slackbot's user id in every workspace.
const slackbotUser = "USLACKBOT"

// captureEnvelope normalises an event_callback's event and appends it durably,
// within ackBudget. retried says Slack delivers it again (its first delivery
// failed or was late).
func (a *Adapter) captureEnvelope(ctx context.Context, env envelope, retried bool) error {
	ctx, cancel := context.WithTimeout(ctx, ackBudget)
	defer cancel()
	workspace := env.TeamID
	if len(env.Authorizations) > 0 && env.Authorizations[0].TeamID != "" {
		workspace = env.Authorizations[0].TeamID // our own team: team_id may be the other side's
	}
	if a.cfg.TeamID != "" {
		workspace = a.cfg.TeamID
	}
	var ev Event
	if err := json.Unmarshal(env.Event, &ev); err != nil {
		return feedbackbot.Errorf(feedbackbot.EINVALID, "malformed event %s: %v", env.EventID, err)
	}
	if ev.Type == "reaction_added" || ev.Type == "reaction_removed" {
		return a.react(ctx, workspace, env.EventID, ev)
	}
	if ev.Type == "channel_shared" || ev.Type == "member_joined_channel" {
		return a.channelChanged(ctx, workspace, ev.Type, ev.Channel)
	}
	events, err := a.Normalize(ctx, workspace, ev)
	if err != nil || len(events) == 0 {
		if err == nil && ev.Type == "message" && ev.Subtype != "message_changed" {
			a.noteUncaptured(ev.Channel, ev.TS)
		}
		return err
	}
	if ev.Type == "message" && ev.Subtype == "message_deleted" {
		// (a reaction to it will not find it any more)
		defer a.noteUncaptured(ev.Channel, ev.DeletedTS)
	}
	if vs, ok := a.captureVersions(); ok && ev.Subtype == "message_changed" && len(events) == 1 && events[0].Kind == feedbackbot.EventPut {
		return a.edit(ctx, vs, opFor(env.EventID), ev.Message.Reactions == nil, events[0])
	}
	if retried {
		if events, err = a.notOlder(ctx, events); err != nil || len(events) == 0 {
			return err
		}
	}
	for i := range events {
		if m := &events[i].Message; events[i].Kind == feedbackbot.EventPut && m.Role == feedbackbot.RoleStaff && m.Account == "" {
			a.storedCustomer(ctx, workspace, m)
		}
	}
	if na, ok := a.sink.(newAppender); ok && firstVersions(events) {
		// Slack delivers events concurrently and in no promised order: a message's
		// edit or delete can be stored before the message arrives, and a first
		// version must not replace it (a review's find: the edited-out text came
		// back). The store decides, atomically, on every delivery.
		_, err = na.AppendNew(ctx, events...)
		return err
	}
	_, err = a.sink.Append(ctx, events...)
	return err
}

// channelCheckBudget bounds channelChanged's check of the channel, inside
// ackBudget.
const channelCheckBudget = 1500 * time.Millisecond

// channelChanger takes the bot's posts out of a channel that may not hold
// customer analysis any more (bot.Bot.ChannelChanged).
type channelChanger interface {
	ChannelChanged(ctx context.Context, platform feedbackbot.Platform, workspace, channel string,
		check func(context.Context) error) (digests, alerts int, err error)
}

// channelChanged handles channel_shared (a channel shared with another
// organisation: Slack Connect partners read its history) and member_joined_channel
// (a guest, or someone of another organisation, may have joined): the digests
// and alerts the bot posted in the channel are edited on the next pass, which
// deletes each one the channel may not hold any more (CheckDestination). An error
// of the store's is returned, so Slack delivers the event again.
func (a *Adapter) channelChanged(ctx context.Context, workspace, kind, channel string) error {
	cc, ok := a.cmds.(channelChanger)
	if !ok || channel == "" {
		return nil
	}
	digests, alerts, err := cc.ChannelChanged(ctx, feedbackbot.PlatformSlack, workspace, channel, func(ctx context.Context) error {
		// (within the event's acknowledgement: a check that takes longer, on a
		// channel of many members, counts as a refusal, and the posts are
		// checked again as they are edited)
		ctx, cancel := context.WithTimeout(ctx, channelCheckBudget)
		defer cancel()
		return a.CheckDestination(ctx, channel)
	})
	if err != nil {
		return fmt.Errorf("slack %s in %s: mark the bot's posts there for their check: %w", kind, channel, err)
	}
	if digests+alerts > 0 {
		a.log.Warn("slack: a channel the bot posted analysis in may not hold it any more: its posted digests and alerts are deleted on the next pass where the channel refuses them",
			"event", kind, "channel", channel, "digests", digests, "alerts", alerts)
	}
	return nil
}

// newAppender is a sink that appends a message only where it holds no version
// of it (store.Filler; bot.Capture.AppendNew).
type newAppender interface {
	AppendNew(ctx context.Context, events ...feedbackbot.Event) (int, error)
}

// firstVersions says whether every event is a message's first version (a put
// never edited): what a new message's delivery brings.
func firstVersions(events []feedbackbot.Event) bool {
	for _, ev := range events {
		if ev.Kind != feedbackbot.EventPut || !ev.Message.EditedAt.IsZero() {
			return false
		}
	}
	return len(events) > 0
}

// notOlder leaves out the puts of a redelivered event that are not newer than their
// message's newest version: a message whose first delivery failed while its edit
// landed would otherwise get its first text back, and one whose first delivery did
// land (its reply was lost) its reactions counted since wiped (the store skips only
// an equal version). Only redeliveries are checked: one read of the store each, and Slack
// redelivers few events.
func (a *Adapter) notOlder(ctx context.Context, events []feedbackbot.Event) ([]feedbackbot.Event, error) {
	vs, ok := a.captureVersions()
	if !ok {
		return events, nil
	}
	out := events[:0:0]
	for _, ev := range events {
		if ev.Kind == feedbackbot.EventPut {
			cur, found, err := storedVersion(ctx, vs, ev.Message.Key())
			if err != nil {
				return nil, fmt.Errorf("slack: %w", err)
			}
			if found && !ev.Message.EditedAt.After(cur.EditedAt) {
				// the stored version is as new (its reactions and account since then
				// kept: a redelivered original wiped the reactions counted on it) or newer
				continue
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// storedVersion is the newest version of a message in the log, as Newest says; one
// whose newest version cannot be read (trimmed from the log before analysis applied
// it: ECONFLICT) counts as not found, so what is captured now stands.
func storedVersion(ctx context.Context, vs versions, key string) (feedbackbot.Message, bool, error) {
	cur, found, err := vs.Newest(ctx, key)
	switch {
	case feedbackbot.ErrorCode(err) == feedbackbot.ECONFLICT:
		return feedbackbot.Message{}, false, nil
	case err != nil:
		return cur, false, fmt.Errorf("the stored version of %s: %w", key, err)
	}
	return cur, found, nil
}

// customerLister is implemented by stores: a channel's stored messages.
type customerLister interface {
	Messages(ctx context.Context, q store.Query) ([]store.Stored, error)
}

// storedCustomer gives a staff message the account of its channel's latest stored
// customer message when this replica has seen no customer there since it started
// (a restart, or another replica behind the load balancer took the customer's
// message): a staff answer without an account is missing from the account's
// conversations, whose question then looks unanswered. It asks the store once per
// channel and storedCustomerRetry.
func (a *Adapter) storedCustomer(ctx context.Context, workspace string, m *feedbackbot.Message) {
	lister, ok := a.sink.(customerLister)
	if !ok {
		return
	}
	a.mu.Lock()
	if a.askedStore == nil {
		a.askedStore = map[string]time.Time{}
	}
	if at, ok := a.askedStore[m.Channel]; ok && time.Since(at) < storedCustomerRetry {
		a.mu.Unlock()
		return
	}
	a.askedStore[m.Channel] = time.Now()
	a.mu.Unlock()
	rows, err := lister.Messages(ctx, store.Query{Workspace: workspace, Channel: m.Channel, Limit: storedCustomerLookBack})
	if err != nil {
		a.log.Warn("slack: the channel's last customer could not be read; the staff message counts for no account", "channel", m.Channel, "err", err)
		return
	}
	for _, r := range rows { // newest first
		if r.Message.Role == feedbackbot.RoleCustomer && r.Message.Account != "" {
			a.mu.Lock()
			if a.lastCustomer == nil {
				a.lastCustomer = map[string]string{}
			}
			if a.lastCustomer[m.Channel] == "" { // (unless a customer spoke meanwhile)
				a.lastCustomer[m.Channel] = r.Message.Account
			}
			m.Account = a.lastCustomer[m.Channel]
			a.mu.Unlock()
			m.AccountName = a.cfg.AccountNames[m.Account]
			return
		}
	}
}

// storedCustomerLookBack is how many of a channel's newest stored messages
// storedCustomer reads for a customer's, and storedCustomerRetry how long it waits
// before asking again about a channel where it found none.
const (
	storedCustomerLookBack = 50
	storedCustomerRetry    = 5 * time.Minute
)

// edit captures an edited message over its newest version: Slack's edit says
// what the text is now, not what we counted since, so the version it replaces
// keeps its reaction counts (when the edit carries none) and, for a staff
// message, the account it was filed under (recomputed, it would be this
// replica's latest customer of the channel: another account in a community
// channel, or none on a replica that has seen no customer there since it started).
// An edit older than the newest version (Slack redelivered it after a later one
// landed) changes nothing. A message never captured is captured as the edit says.
func (a *Adapter) edit(ctx context.Context, vs versions, op string, keepReactions bool, ev feedbackbot.Event) error {
	edited := ev.Message
	_, found, err := a.overNewest(ctx, vs, edited.Key(), op, func(cur feedbackbot.Message) feedbackbot.Message {
		if edited.EditedAt.Before(cur.EditedAt) {
			return cur // an older edit, redelivered after a newer one: it changes nothing
		}
		out := edited
		if keepReactions {
			out.Reactions = maps.Clone(cur.Reactions)
		}
		if out.Role == feedbackbot.RoleStaff && cur.Role == feedbackbot.RoleStaff {
			out.Account, out.AccountName = cur.Account, cur.AccountName
		}
		return out
	})
	if err != nil {
		return fmt.Errorf("slack: edit of %s: %w", edited.Key(), err)
	}
	if !found {
		_, err = a.sink.Append(ctx, ev)
	}
	return err
}

// opFor names the change an event makes, the same on every attempt and replica:
// Slack's event id (so a redelivery to another replica counts once), or a random
// name for an event without one.
func opFor(eventID string) string {
	if eventID == "" {
		return "slack:" + strconv.FormatUint(rand.Uint64(), 36) + strconv.FormatUint(rand.Uint64(), 36)
	}
	return "slack:" + eventID
}

// overNewest writes change(newest version of key) over that version, reading it
// again (after a short random wait) while another capture comes first. found is
// false, and nothing is written, when the message was never captured or is
// deleted; m is what was written.
func (a *Adapter) overNewest(ctx context.Context, vs versions, key, op string, change func(feedbackbot.Message) feedbackbot.Message) (m feedbackbot.Message, found bool, err error) {
	for attempt := range reactAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return m, false, ctx.Err()
			case <-time.After(rand.N(min(reactBackoff, time.Millisecond<<attempt))):
			}
		}
		cur, found, err := vs.Newest(ctx, key)
		if err != nil || !found {
			return m, false, err
		}
		m = change(cur)
		written, err := vs.AppendOver(ctx, cur.Revision(), op, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
		if err != nil {
			return m, false, err
		}
		if written {
			return m, true, nil
		}
	}
	if g, ok := a.sink.(giveUpCounter); ok {
		g.GaveUp()
	}
	return m, false, feedbackbot.Errorf(feedbackbot.ECONFLICT, "the message changed on each of %d attempts; Slack will send the event again", reactAttempts)
}

// giveUpCounter is a sink that counts the events an adapter gave up on (capture's
// failure metric).
type giveUpCounter interface{ GaveUp() }

// messageSubtypes are the subtypes of what a person wrote: a plain message (no
// subtype), a thread reply also sent to the channel, a file shared with a comment,
// a /me message. Every other subtype (joins, topic and permission changes,
// archiving, huddles, bots, reminders) is Slack telling of something done, noise:
// an allow-list, as a list of noise missed each subtype it did not name (a
// review found five, a staff member's posting-permission change counting as a
// staff answer among them).
var messageSubtypes = map[string]bool{"": true, "thread_broadcast": true, "reply_broadcast": true, "file_share": true, "me_message": true}

// skipped reports whether a message of this subtype is noise.
func skipped(subtype string) bool { return !messageSubtypes[subtype] }

// notCaptured says a message is never captured: its subtype's, a bot's, Slackbot's,
// or an ignored channel's or author's.
func (a *Adapter) notCaptured(channel, user, subtype, botID string) bool {
	return skipped(subtype) || botID != "" || user == "" || user == slackbotUser || a.ignored(channel, user)
}

// deleteOf is the capture event deleting the message ts of channel.
func deleteOf(workspace, channel, ts string) []feedbackbot.Event {
	return []feedbackbot.Event{{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{
		ID: channel + ":" + ts, Platform: feedbackbot.PlatformSlack, Workspace: workspace, Channel: channel}}}
}

// Normalize turns one Slack event into capture events (none for noise).
func (a *Adapter) Normalize(ctx context.Context, workspace string, ev Event) ([]feedbackbot.Event, error) {
	if ev.Type != "message" {
		return nil, nil // (a reaction is a read-modify-write of its message: see react)
	}
	switch ev.Subtype {
	case "tombstone":
		// the placeholder of a deleted thread parent, as history and exports list it
		return deleteOf(workspace, ev.Channel, ev.TS), nil
	case "message_deleted":
		ts := ev.DeletedTS
		if ts == "" && ev.Message != nil {
			ts = ev.Message.TS
		}
		// A delete of what capture never keeps, whatever the configuration (a bot's
		// message, a join or a topic change), is noise: passed on, it left a tombstone
		// for ever (the store keeps one for any message it never held, against a late
		// redelivery). (Ignored channels and people are passed on: the configuration
		// may have changed since their messages were captured; so are Slackbot's,
		// which versions before 2026-12-07 captured.)
		if p := ev.Previous; p != nil && (p.BotID != "" || skipped(p.Subtype)) {
			return nil, nil
		}
		return deleteOf(workspace, ev.Channel, ts), nil
	case "message_changed":
		if ev.Message == nil {
			return nil, nil
		}
		inner := *ev.Message
		inner.Type, inner.Channel = "message", ev.Channel
		if inner.Subtype == "tombstone" {
			// A deleted thread parent with replies: Slack keeps a "This message was
			// deleted." placeholder and says so with this, not with message_deleted.
			return a.Normalize(ctx, workspace, inner)
		}
		if inner.Edited == nil {
			return nil, nil // unfurls and other non-edits change nothing the customer wrote
		}
		return a.Normalize(ctx, workspace, inner)
	}
	// (Slackbot's reminders and custom responses come with no bot_id, from a
	// user users.info says is no bot: they were filed as staff answers, a review
	// found. An app's bot user posting without a bot_id stays staff: a helpdesk
	// integration's answers are the team's.)
	if a.notCaptured(ev.Channel, ev.User, ev.Subtype, ev.BotID) {
		return nil, nil
	}
	m, err := a.message(ctx, workspace, ev)
	if err != nil {
		return nil, err
	}
	if err := m.Normalize(); err != nil {
		return nil, err
	}
	return []feedbackbot.Event{{Kind: feedbackbot.EventPut, Message: m}}, nil
}

func (a *Adapter) message(ctx context.Context, workspace string, ev Event) (feedbackbot.Message, error) {
	t, err := parseTS(ev.TS)
	if err != nil {
		return feedbackbot.Message{}, feedbackbot.Errorf(feedbackbot.EINVALID, "slack message in %s has a bad ts %q", ev.Channel, ev.TS)
	}
	m := feedbackbot.Message{ID: ev.Channel + ":" + ev.TS, Platform: feedbackbot.PlatformSlack, Workspace: workspace,
		Channel: ev.Channel, Author: ev.User, Text: ev.Text, Time: t}
	if ev.ThreadTS != "" && ev.ThreadTS != ev.TS {
		m.Thread = ev.Channel + ":" + ev.ThreadTS
	}
	if ev.Edited != nil {
		if et, err := parseTS(ev.Edited.TS); err == nil {
			m.EditedAt = et
		}
	}
	if len(ev.Reactions) > 0 {
		m.Reactions = map[string]int{}
		for _, r := range ev.Reactions {
			m.Reactions[r.Name] = r.Count
		}
	}
	m.Permalink = permalink(a.cfg.TeamDomain, ev.Channel, ev.TS, ev.ThreadTS)
	team, enterprise := ev.UserTeam, ""
	if team == "" {
		team = ev.Team
	}
	// The event names the author's team but neither its organisation nor whether the
	// author is a guest, so the author is looked up (users.info, cached for userTTL)
	// unless slack.staff_users names them or their team is known and another
	// organisation's: a guest of the home workspace (is_restricted or
	// is_ultra_restricted) is a customer, as the commands and CheckDestination treat
	// guests (they were filed as staff, and counted as staff answers: a review's
	// find), and on an Enterprise Grid a colleague of another workspace of the home
	// organisation is staff. A lookup that fails fails the capture, as one for an
	// event naming no team always did: Slack delivers the event again (Socket Mode:
	// it is not acknowledged), rather than the message being filed under a guess.
	staffUser, guest := slices.Contains(a.cfg.StaffUsers, ev.User), false
	if !staffUser && (team == "" || a.isHome(team, "") || a.cfg.EnterpriseID != "") {
		switch u, err := a.user(ctx, ev.User); {
		case err == nil:
			team, enterprise, guest = cmp.Or(team, u.team), u.enterprise, u.guest
		case a.offline && team != "":
			// An export's users.json that lacks an author whose team the message
			// names: of that team as far as the export tells (a member of the home
			// team as before guests were told apart; a customer of another: the
			// message was imported so, and failing it would lose it). Asked only
			// where the team is home, or on a grid.
		default:
			return m, err
		}
	}
	home := a.isHome(team, enterprise)
	switch {
	case staffUser, home && !guest:
		m.Role = feedbackbot.RoleStaff
		m.Account = a.staffAccount(ctx, m)
	case home:
		// A guest of the home workspace: a customer whose team (ours) names no
		// account. Their message counts for the channel's slack.channel_accounts
		// account, else none: an account taken from the conversation (its last
		// customer) would move when the message is edited or back-filled later, on
		// another replica or after a restart (a review's find), and a guest never
		// becomes the last customer staff answers count for.
		m.Role = feedbackbot.RoleCustomer
		m.Account = a.cfg.ChannelAccounts[ev.Channel]
	default:
		m.Role = feedbackbot.RoleCustomer
		m.Account = a.customerAccount(ev.Channel, m.Thread, m.ID, ev.User, team)
	}
	m.AccountName = a.cfg.AccountNames[m.Account]
	return m, nil
}

// customerAccount is the configured account of a single-customer channel, else the
// customer's team, which it remembers as the channel's (and the thread's, or as
// the thread's its message id roots, when a reply came first) last customer for
// the staff messages after it, and as the author's account for the staff messages
// that mention them.
func (a *Adapter) customerAccount(channel, thread, id, user, team string) string {
	if acct, ok := a.cfg.ChannelAccounts[channel]; ok {
		return acct
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if team == "" { // (not known: the conversation's last customer's)
		if acct := a.threadCustomer[thread]; thread != "" && acct != "" && acct != noThreadCustomer {
			return acct
		}
		return a.lastCustomer[channel]
	}
	if a.lastCustomer == nil {
		a.lastCustomer = map[string]string{}
	}
	a.lastCustomer[channel] = team
	if thread != "" {
		a.rememberThread(thread, team)
	} else if acct, ok := a.threadCustomer[id]; ok && acct == noThreadCustomer {
		// A thread whose staff reply came before it (Slack delivers in no
		// promised order) was remembered as having no customer: its later
		// replies count for its customer, not for whoever wrote last.
		a.threadCustomer[id] = team
	}
	if user != "" {
		a.customerOf = putBounded(a.customerOf, user, team)
	}
	return team
}

// mentionedAccount is the account of the customers a staff message mentions
// (<@U…>), when they are all of one, else "": in a channel several customer
// organisations share, "<@dana> the export is fixed" answers dana's organisation,
// not whichever customer wrote last. A mentioned user is known from their
// messages captured here, else looked up (users.info, cached, within
// mentionLookupBudget and what ackBudget leaves but writeReserve: a lookup that
// fails or takes longer leaves them out); colleagues, guests of the home
// workspace (who belong to no organisation's account) and bots are not customers.
func (a *Adapter) mentionedAccount(ctx context.Context, text string) string {
	users := mentionedUsers(text)
	if len(users) == 0 {
		return ""
	}
	ctx, cancel := lookupContext(ctx)
	defer cancel()
	acct := ""
	for _, id := range users {
		a.mu.Lock()
		known, ok := a.customerOf[id]
		a.mu.Unlock()
		if !ok {
			if slices.Contains(a.cfg.StaffUsers, id) {
				continue
			}
			u, err := a.user(ctx, id)
			if err != nil || u.bot || a.isHome(u.team, u.enterprise) || u.team == "" {
				continue // (unknown, a colleague, a home guest or a bot)
			}
			known = u.team
		}
		switch {
		case acct == "":
			acct = known
		case acct != known:
			return "" // customers of two organisations: no one's
		}
	}
	return acct
}

// mentionedUsers are the distinct users a Slack message's text mentions (<@U123>,
// <@U123|name>), the first maxMentions of them.
func mentionedUsers(text string) []string {
	var out []string
	for len(out) < maxMentions {
		i := strings.Index(text, "<@")
		if i < 0 {
			break
		}
		text = text[i+2:]
		end := strings.IndexByte(text, '>')
		if end < 0 {
			break
		}
		id, _, _ := strings.Cut(text[:end], "|")
		if slackID(id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// slackID reports whether s reads as a Slack id: capitals and digits, 2 to 32.
func slackID(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// lookupContext bounds the lookups of one captured message (its mentions, its
// thread's parent): mentionLookupBudget, and never past the event's deadline
// less writeReserve (the store's write comes after: lookups that ran to the
// ack's deadline left it none, and the event was refused, a review found).
func lookupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	budget := mentionLookupBudget
	if deadline, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(deadline)-writeReserve)
	}
	return context.WithTimeout(ctx, max(budget, 0))
}

// mentionLookupBudget bounds the users.info lookups of the users one staff message
// mentions (inside ackBudget, leaving writeReserve of it for the store's write),
// and maxMentions how many mentions are read.
const (
	mentionLookupBudget = time.Second
	writeReserve        = time.Second
	maxMentions         = 8
)

// staffAccount is the account a staff message counts for: the configured account of
// a single-customer channel; in a thread, the thread's customer (the last customer
// who wrote in it, else its parent's author when that is a customer, read from the
// store once when this replica has not seen it: another replica, or before a
// restart); else the organisation of the customers it mentions, when they are of
// one (mentionedAccount); else the customer last seen in the channel, so staff
// replies in a Slack Connect channel count for that customer. In a channel several customer
// organisations share, an answer in one customer's thread counted for whichever
// customer wrote last anywhere in the channel.
func (a *Adapter) staffAccount(ctx context.Context, m feedbackbot.Message) string {
	if acct, ok := a.cfg.ChannelAccounts[m.Channel]; ok {
		return acct
	}
	if m.Thread != "" {
		a.mu.Lock()
		acct, known := a.threadCustomer[m.Thread]
		a.mu.Unlock()
		if !known {
			acct = a.threadParentCustomer(ctx, m)
		}
		if acct != noThreadCustomer {
			return acct
		}
	}
	if acct := a.mentionedAccount(ctx, m.Text); acct != "" {
		return acct
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastCustomer[m.Channel]
}

// threadParentCustomer reads a thread's parent from the store and remembers the
// thread's customer: the parent's account when a customer wrote it, else
// noThreadCustomer (the channel's last customer then counts, as it did before
// threads were told apart). A parent not stored yet (Slack delivers a reply before
// the message it answers, at times) is asked of Slack (parentAccount). A failed
// read returns noThreadCustomer without remembering it, so the thread's next
// reply asks again.
func (a *Adapter) threadParentCustomer(ctx context.Context, m feedbackbot.Message) string {
	acct := noThreadCustomer
	if vs, ok := a.sink.(versions); ok {
		parent := feedbackbot.Message{ID: m.Thread, Platform: m.Platform, Workspace: m.Workspace}
		p, found, err := vs.Newest(ctx, parent.Key())
		switch {
		case err != nil:
			// not remembered: the next reply in the thread asks again
			if ctx.Err() == nil {
				a.log.Warn("slack: a thread's parent could not be read; the staff reply counts for the channel's last customer", "thread", m.Thread, "err", err)
			}
			return noThreadCustomer
		case found && p.Role == feedbackbot.RoleCustomer && p.Account != "":
			acct = p.Account
		case !found && !a.offline && ctx.Value(noParentLookup{}) == nil:
			var known bool
			if acct, known = a.parentAccount(ctx, m.Thread); !known {
				return noThreadCustomer // (not remembered either)
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if cur, ok := a.threadCustomer[m.Thread]; ok {
		return cur // (a customer wrote in it meanwhile)
	}
	a.rememberThread(m.Thread, acct)
	return acct
}

// parentAccount asks Slack (conversations.replies) for the parent of a thread
// (its id, "channel:ts") and returns its customer's account, noThreadCustomer
// where staff, a guest of the home workspace or a bot wrote it, and known false
// where it could not be told in time (lookupContext, as the mention lookups): a
// refusal, a rate limit, a parent deleted meanwhile.
func (a *Adapter) parentAccount(ctx context.Context, thread string) (acct string, known bool) {
	channel, ts, ok := strings.Cut(thread, ":")
	if !ok || channel == "" || ts == "" {
		return "", false
	}
	ctx, cancel := lookupContext(ctx)
	defer cancel()
	msgs, _, _, err := a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: ts, Limit: 1})
	if err != nil || len(msgs) == 0 || msgs[0].Timestamp != ts {
		if err != nil && ctx.Err() == nil {
			a.log.Warn("slack: a thread's parent, not captured yet, could not be read; the staff reply counts for the channel's last customer", "thread", thread, "err", err)
		}
		return "", false
	}
	p := msgs[0]
	if a.notCaptured(channel, p.User, p.SubType, p.BotID) || slices.Contains(a.cfg.StaffUsers, p.User) {
		return noThreadCustomer, true // (one never captured names no account: an ignored author's)
	}
	team, enterprise, guest := p.Team, "", false // (history names the author's team as "team")
	if team == "" || a.isHome(team, "") || a.cfg.EnterpriseID != "" {
		u, err := a.user(ctx, p.User)
		if err != nil {
			return "", false
		}
		team, enterprise, guest = cmp.Or(team, u.team), u.enterprise, u.guest
	}
	if team == "" || guest || a.isHome(team, enterprise) {
		return noThreadCustomer, true // (a home guest's messages name no account but the channel's)
	}
	return team, true
}

// noParentLookup marks a context whose captures do not ask Slack for a thread's
// parent (parentAccount): a back-fill reads each thread's question itself, just
// before its replies.
type noParentLookup struct{}

// rememberThread records a thread's customer; a.mu is held. Past maxThreads the
// memory starts again (threads are read from the store again as they come).
func (a *Adapter) rememberThread(thread, acct string) {
	a.threadCustomer = putBounded(a.threadCustomer, thread, acct)
}

// putBounded sets m[k] = v and returns m, a new map when m is nil or holds
// maxThreads entries already (the memory starts again).
func putBounded(m map[string]string, k, v string) map[string]string {
	if m == nil || len(m) >= maxThreads {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// noThreadCustomer marks a thread with no customer known (its parent is staff's or
// not stored); maxThreads bounds the threads remembered.
const (
	noThreadCustomer = "\x00"
	maxThreads       = 100_000
)

// versions is what the read-modify-writes (reactions, edits, back-fill,
// redeliveries) need from the sink (the store, through capture): the newest
// version of a message in the log, and an append over it.
type versions interface {
	Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error)
	AppendOver(ctx context.Context, base, op string, ev feedbackbot.Event) (bool, error)
}

// retriedNewest is a sink that reads a message's newest version for a capture
// with an append's backoff while the store is unavailable (bot.Capture's), so
// that an edit, a reaction or a redelivery rides out a blip as a new message does
// instead of failing at once.
type retriedNewest interface {
	NewestRetried(ctx context.Context, key string) (feedbackbot.Message, bool, error)
}

// patientVersions is versions whose Newest is the sink's NewestRetried.
type patientVersions struct {
	versions
	r retriedNewest
}

func (p patientVersions) Newest(ctx context.Context, key string) (feedbackbot.Message, bool, error) {
	return p.r.NewestRetried(ctx, key)
}

// captureVersions is the sink's versions for live capture's read-modify-writes:
// their reads retried where the sink can (retriedNewest).
func (a *Adapter) captureVersions() (versions, bool) {
	vs, ok := a.sink.(versions)
	if r, patient := a.sink.(retriedNewest); ok && patient {
		return patientVersions{vs, r}, true
	}
	return vs, ok
}

// reactAttempts bounds how often a reaction (or an edit) reads its message again
// because another version was captured between its read and its write; between attempts
// it waits a random while, up to reactBackoff, so that reactions racing for one
// popular message do not keep overtaking each other in step.
const (
	reactAttempts = 40
	reactBackoff  = 20 * time.Millisecond
)

// react re-captures a known message with its updated reaction counts: reactions on
// customer messages are satisfaction signals. It reads the newest version in the
// log (captured by whichever replica, analysed or not), changes the count and
// appends the result over that version, reading again when another capture (an
// edit, another reaction, on this replica or another behind the same load
// balancer) came first: a reaction never brings back text an edit replaced, and no
// reaction is lost to another. Its write is named by Slack's event id, so that a
// redelivery (to this replica or another) or a retry after a lost reply counts it
// once.
func (a *Adapter) react(ctx context.Context, workspace, eventID string, ev Event) error {
	vs, ok := a.captureVersions()
	if !ok || ev.Item == nil || ev.Item.Type != "message" || ev.Reaction == "" {
		return nil
	}
	if ev.User != "" {
		// A bot's reaction (ours, or an app that reacts to every message) is no one's
		// satisfaction, and its ✅ would mark conversations resolved. A lookup Slack
		// refuses (user_not_found) counts the reaction; one that could not be made
		// (rate limited past the event's budget) is tried again with Slack's
		// redelivery, or a bot's ✅ was counted, a review found.
		u, err := a.user(ctx, ev.User)
		if lookupUnanswered(err) {
			return fmt.Errorf("slack: reaction by %s: %w", ev.User, err)
		}
		if err == nil && u.bot {
			return nil
		}
	}
	key := string(feedbackbot.PlatformSlack) + "/" + workspace + "/" + ev.Item.Channel + ":" + ev.Item.TS
	m, found, err := a.overNewest(ctx, vs, key, opFor(eventID), func(m feedbackbot.Message) feedbackbot.Message {
		m.Reactions = maps.Clone(m.Reactions)
		if m.Reactions == nil {
			m.Reactions = map[string]int{}
		}
		if ev.Type == "reaction_added" {
			m.Reactions[ev.Reaction]++
		} else if m.Reactions[ev.Reaction]--; m.Reactions[ev.Reaction] <= 0 {
			delete(m.Reactions, ev.Reaction)
		}
		return m
	})
	if err != nil {
		return fmt.Errorf("slack: reaction to %s: %w", key, err)
	}
	// (not found: one we never captured, a bot's or from before we joined, or one
	// deleted since; nothing is written)
	if !found && a.mayArriveLater(ctx, ev, time.Now()) {
		return errReactionEarly
	}
	if found && ev.Type == "reaction_added" {
		a.maybeSurvey(ctx, workspace, key, ev, m)
	}
	return nil
}

// errReactionEarly asks Slack to deliver a reaction again: its message is not stored
// yet (Slack's events are not ordered, and with several replicas the message may
// still be being written by another), and was lost.
var errReactionEarly = errors.New("reaction before its message: Slack will deliver it again")

// reactionGrace is how young a reacted message must be for its reaction to wait for
// it: Slack retries a failed delivery at once, after a minute and after five, so a
// reaction waits at most for its first two retries.
const reactionGrace = 2 * time.Minute

// mayArriveLater says whether a reaction's message, not stored, may still come: it
// was written in the last reactionGrace by someone whose messages are captured (not
// a bot, not ignored, in a channel that is not ignored).
// Slackbot's messages (which users.info does not call a bot's) and the messages
// this replica was delivered and did not capture, or saw deleted, will not come:
// each delivery of a reaction to one failed until Slack gave up (a review's find:
// people react to joins and to Slackbot's reminders).
func (a *Adapter) mayArriveLater(ctx context.Context, ev Event, now time.Time) bool {
	t, err := parseTS(ev.Item.TS)
	if err != nil || ev.ItemUser == "" || ev.ItemUser == slackbotUser || now.Sub(t) > reactionGrace || t.Sub(now) > reactionGrace ||
		a.ignored(ev.Item.Channel, ev.ItemUser) || a.wasUncaptured(ev.Item.Channel, ev.Item.TS) {
		return false
	}
	u, err := a.user(ctx, ev.ItemUser)
	if lookupUnanswered(err) {
		return true // (not known to be a bot: wait for the message, as for a member's)
	}
	return err == nil && !u.bot
}

// maxUncaptured bounds the messages noteUncaptured remembers.
const maxUncaptured = 4096

// noteUncaptured remembers a message of channel this replica did not capture, or
// saw deleted (see mayArriveLater).
func (a *Adapter) noteUncaptured(channel, ts string) {
	if channel == "" || ts == "" {
		return
	}
	key := channel + ":" + ts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.uncaptured == nil {
		a.uncaptured = map[string]bool{}
	}
	if a.uncaptured[key] {
		return
	}
	if len(a.uncapturedRing) >= maxUncaptured {
		delete(a.uncaptured, a.uncapturedRing[0])
		a.uncapturedRing = a.uncapturedRing[1:]
	}
	a.uncaptured[key] = true
	a.uncapturedRing = append(a.uncapturedRing, key)
}

// wasUncaptured says whether noteUncaptured remembers the message.
func (a *Adapter) wasUncaptured(channel, ts string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.uncaptured[channel+":"+ts]
}

// lookupUnanswered reports a lookup that failed without Slack's answer (rate
// limited, timed out, unreachable), as opposed to one Slack refused
// (user_not_found): trying again later may answer it.
func lookupUnanswered(err error) bool {
	var se slack.SlackErrorResponse
	return err != nil && !errors.As(err, &se)
}

// maybeSurvey asks for a rating, in the background, when staff marked a customer's
// message with the survey reaction (and the message is in the sampled share).
func (a *Adapter) maybeSurvey(ctx context.Context, workspace, key string, ev Event, m feedbackbot.Message) {
	if a.cfg.SurveyReaction == "" || ev.Reaction != a.cfg.SurveyReaction || m.Role != feedbackbot.RoleCustomer || m.Account == "" ||
		a.cmds == nil || a.offline || !sampled(key, a.cfg.SurveySample) {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := a.autoSurvey(ctx, workspace, ev.User, m); err != nil {
			a.log.Error("slack: automatic survey failed", "message", key, "err", err)
		}
	}()
}

// sampled decides, the same way every time for the same message, whether it is in
// the asked share.
func sampled(key string, share float64) bool {
	h := fnv.New64a()
	h.Write([]byte(key))
	return float64(h.Sum64()%10_000) < share*10_000
}

// autoSurvey asks the customer whose message a staff member marked resolved how
// satisfied they are, in the message's thread. It is a question (no analysis), so it
// may go to a shared channel.
func (a *Adapter) autoSurvey(ctx context.Context, workspace, reactor string, m feedbackbot.Message) error {
	if !a.staff(ctx, reactor, "", "") {
		return nil // only staff resolve conversations
	}
	_, ts, _ := strings.Cut(m.ID, ":")
	thread := ts
	if m.Thread != "" {
		_, thread, _ = strings.Cut(m.Thread, ":")
	}
	kind := a.cfg.SurveyKind
	if kind == "" {
		kind = "csat"
	}
	doc, err := a.cmds.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: workspace, Channel: m.Channel,
		User: reactor, Staff: true, Text: "survey " + kind + " " + m.Account + " " + m.Channel + ":" + thread})
	if err != nil {
		return err
	}
	if doc.Ephemeral {
		a.log.Info("slack: survey not asked (cooldown)", "account", m.Account)
		return nil
	}
	blocks, fallback := RenderBlocks(doc)
	err = a.retry(ctx, func() error {
		_, _, err := a.api.PostMessageContext(ctx, m.Channel, slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(fallback, false),
			slack.MsgOptionTS(thread))
		return err
	})
	if err != nil {
		a.surveyNotSent(ctx, workspace, doc)
	}
	return err
}

// lastTS is the last second of the year 9999, the last time the store can write.
const lastTS = 253402300799

// permalink is the link to a message in Slack, "" without the workspace's domain
// or for a channel id that is no Slack id (an export's channels.json names the
// ids: "CACME|Nov 2><!channel>" ended the link of every quote of the channel in a
// digest early, and pinged the channel) or a ts that is not Slack's (digits, a
// dot, digits: parseTS). A thread reply's (threadTS, its parent's ts, another
// than its own) names its thread and channel as chat.getPermalink's do
// (?thread_ts=…&cid=…): Slack opens the thread at the reply, where a link of the
// ts alone may open the channel without it. A threadTS that is not Slack's is
// left out of the link, which still leads to the channel.
func permalink(domain, channel, ts, threadTS string) string {
	if domain == "" || !slackChannelID(channel) {
		return ""
	}
	if _, err := parseTS(ts); err != nil {
		return ""
	}
	link := fmt.Sprintf("https://%s.slack.com/archives/%s/p%s", domain, channel, strings.ReplaceAll(ts, ".", ""))
	if threadTS == "" || threadTS == ts {
		return link
	}
	if _, err := parseTS(threadTS); err != nil {
		return link
	}
	return link + "?thread_ts=" + threadTS + "&cid=" + channel
}

// maxChannelID bounds a Slack channel id: they are 9 to 11 characters now
// (C0123ABCD, C05KXRJ1G2L) and grow longer as Slack hands out more.
const maxChannelID = 32

// slackChannelID reports whether id looks like a Slack conversation's id: C (a
// channel, public or private), G (a private channel or group DM made before 2021)
// or D (a DM), then capital letters and digits, at most maxChannelID in all.
func slackChannelID(id string) bool {
	if len(id) < 2 || len(id) > maxChannelID || strings.IndexByte("CGD", id[0]) < 0 {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func parseTS(ts string) (time.Time, error) {
	sec, frac, dot := strings.Cut(ts, ".")
	// Digits only, both sides: the ts is also the message's id, and anything after
	// the sixth decimal (or a sign) would make two ids of one message.
	if !digits(sec) || (dot && (!digits(frac) || len(frac) > 6)) {
		return time.Time{}, fmt.Errorf("bad ts %q", ts)
	}
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 || s > lastTS {
		return time.Time{}, fmt.Errorf("bad ts %q", ts)
	}
	var us int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		if us, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, fmt.Errorf("bad ts %q", ts)
		}
	}
	return time.Unix(s, us*1000).UTC(), nil
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
