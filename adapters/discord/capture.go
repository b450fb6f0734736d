package discordadapter

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
)

// channelInfo is what capture needs to know about where a message was written.
type channelInfo struct {
	id, name string
	parent   string // for threads and forum posts: the channel they belong to
	thread   bool
	guild    string
	// forum: a forum or media channel, listed by catchUpChannels only as the
	// parent of its posts (it has no messages of its own)
	forum bool
}

// channel looks a channel up in the gateway state, then over REST (cached in state).
func (a *Adapter) channel(ctx context.Context, id string) (channelInfo, error) {
	c, err := a.s.State.Channel(id)
	if err != nil || c == nil {
		// A message the lookup fails for is lost (the gateway does not send it again,
		// and catch-up starts after the newer ones), so rate limits are waited out
		// and a server error or a broken connection is tried again, a few times.
		for attempt := 1; ; attempt++ {
			err = a.retry(ctx, "channel lookup", func() (err error) {
				c, err = a.s.Channel(id, discordgo.WithContext(ctx))
				return err
			})
			if err == nil || attempt == lookupAttempts || !transient(err) {
				break
			}
			select {
			case <-ctx.Done():
				return channelInfo{}, ctx.Err()
			case <-time.After(time.Duration(attempt) * 250 * time.Millisecond):
			}
		}
		if err != nil {
			return channelInfo{}, err
		}
		_ = a.s.State.ChannelAdd(c)
	}
	return channelInfo{id: c.ID, name: c.Name, parent: c.ParentID, thread: c.IsThread(), guild: c.GuildID}, nil
}

// lookupAttempts bounds the tries of a channel lookup that fails with a server
// error or a broken connection.
const lookupAttempts = 4

// transient says whether a REST call's error may pass if tried again: a 5xx, or
// no answer at all (not a 4xx: the channel is gone, or not ours to read).
func transient(err error) bool {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		return re.Response != nil && re.Response.StatusCode >= 500
	}
	var rl *discordgo.RateLimitError
	return !errors.As(err, &rl) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// wanted reports whether messages in this channel are captured.
func (a *Adapter) wanted(ci channelInfo) bool {
	return channelSkip(ci, a.cfg.Channels, a.cfg.IgnoreChannels, a.cfg.InternalChannels) == ""
}

// Why a channel's messages are not captured; an import counts the messages it
// skips under these.
const (
	skipIgnoredChannel  = "ignored channel"
	skipInternalChannel = "internal channel (discord.internal_channels)"
	skipUnlistedChannel = "channel not in discord.channels"
)

// channelSkip says why messages in a channel, or in a thread of it, are not
// captured ("" when they are): ignored and internal channels never are, and with
// an allow-list (channels) only the channels listed are. Live capture, catch-up
// and import all decide by it.
func channelSkip(ci channelInfo, channels, ignore, internal []string) string {
	home := ci.id
	if ci.thread {
		home = ci.parent
	}
	in := func(list []string) bool { return slices.Contains(list, ci.id) || slices.Contains(list, home) }
	switch {
	case in(ignore):
		return skipIgnoredChannel
	case in(internal):
		return skipInternalChannel
	case len(channels) > 0 && !in(channels):
		return skipUnlistedChannel
	}
	return ""
}

// isStaff decides by user id, guild ownership and roles.
func (a *Adapter) isStaff(guild, user string, roles []string) bool {
	if slices.Contains(a.cfg.StaffUsers, user) {
		return true
	}
	for _, r := range roles {
		if slices.Contains(a.cfg.StaffRoles, r) {
			return true
		}
	}
	if g, err := a.s.State.Guild(guild); err == nil && g.OwnerID != "" && g.OwnerID == user {
		return a.ownerTrusted(guild)
	}
	return false
}

// ownerTrusted says whether a server's owner counts as staff: in the servers
// listed in guilds, or, with guilds empty (every server the bot is in), only in a
// server holding one of internal_channels. Anyone can invite a public bot to a
// server of their own, so "the owner is staff" anywhere made a stranger staff in
// that server: /feedback account answered them with an account's tier and value.
func (a *Adapter) ownerTrusted(guild string) bool {
	if len(a.cfg.Guilds) > 0 {
		return slices.Contains(a.cfg.Guilds, guild)
	}
	for _, id := range a.cfg.InternalChannels {
		if ch, err := a.s.State.Channel(id); err == nil && ch.GuildID == guild {
			return true
		}
	}
	return false
}

// lastCustomers remembers, per conversation (thread or channel), the account of the
// last customer message: staff messages there are about that account.
type lastCustomers interface {
	last(conv string) string
	seen(conv, account string)
}

// liveCustomers is the gateway's: what was captured last, shared by all handlers.
type liveCustomers struct{ a *Adapter }

func (l liveCustomers) last(conv string) string {
	l.a.mu.Lock()
	defer l.a.mu.Unlock()
	return l.a.threadLast[conv]
}

func (l liveCustomers) seen(conv, account string) {
	l.a.mu.Lock()
	if _, ok := l.a.threadLast[conv]; !ok && len(l.a.threadLast) >= maxConversations {
		// a long-lived community opens threads without end: past the bound the
		// memory starts again (a conversation's last customer is then read from the
		// store once, as after a restart)
		clear(l.a.threadLast)
	}
	l.a.threadLast[conv] = account
	l.a.mu.Unlock()
}

// maxConversations bounds the conversations whose last customer the gateway remembers.
const maxConversations = 100_000

// stored is the account of the conversation's latest stored customer message, for
// a conversation this process has seen no customer in since it started (a
// restart): without it the staff answer counted for no account, and the account's
// question looked unanswered. The store is asked once per conversation and
// storedCustomerRetry.
func (l liveCustomers) stored(ctx context.Context, ci channelInfo, conv string) string {
	lister, ok := l.a.sink.(messageLister)
	if !ok {
		return ""
	}
	l.a.mu.Lock()
	if at, ok := l.a.askedStore[conv]; ok && time.Since(at) < storedCustomerRetry {
		l.a.mu.Unlock()
		return ""
	}
	if len(l.a.askedStore) >= maxConversations {
		clear(l.a.askedStore) // (bounded as threadLast is)
	}
	l.a.askedStore[conv] = time.Now()
	l.a.mu.Unlock()
	home := ci.id
	if ci.thread {
		home = ci.parent
	}
	rows, err := lister.Messages(ctx, store.Query{Workspace: ci.guild, Channel: home, Limit: storedCustomerLookBack})
	if err != nil {
		l.a.log.Warn("discord: the conversation's last customer could not be read; the staff message counts for no account", "conversation", conv, "err", err)
		return ""
	}
	for _, r := range rows { // newest first
		m := r.Message
		in := m.Thread == conv || m.ID == conv || m.Thread == "" && m.Channel == conv
		if m.Role == feedbackbot.RoleCustomer && m.Account != "" && in {
			l.a.mu.Lock()
			defer l.a.mu.Unlock()
			if l.a.threadLast[conv] == "" { // (unless a customer spoke meanwhile)
				l.a.threadLast[conv] = m.Account
			}
			return l.a.threadLast[conv]
		}
	}
	return ""
}

// storedCustomerLookBack is how many of a channel's newest stored messages
// liveCustomers.stored reads for a customer's, and storedCustomerRetry how long it
// waits before asking again about a conversation where it found none.
const (
	storedCustomerLookBack = 50
	storedCustomerRetry    = 5 * time.Minute
)

// pastCustomers is a catch-up's own: it walks older messages than the gateway
// captures meanwhile, and must not change what those are attributed to.
type pastCustomers map[string]string

func (p pastCustomers) last(conv string) string   { return p[conv] }
func (p pastCustomers) seen(conv, account string) { p[conv] = account }

// Normalize turns a Discord message into a capture event; ok is false for what is not
// captured (bots, webhooks, system messages, other guilds and channels, empty text).
func (a *Adapter) Normalize(ctx context.Context, m *discordgo.Message) (feedbackbot.Message, bool, error) {
	return a.normalize(ctx, m, liveCustomers{a})
}

// capturable reports whether a message is of the kind capture takes, whatever
// its text: a member's (not a bot's, a webhook's or a system message) in a
// captured channel of an allowed guild. ci is its channel.
func (a *Adapter) capturable(ctx context.Context, m *discordgo.Message) (ci channelInfo, ok bool, err error) {
	if m == nil || m.GuildID == "" || m.ID == "" || m.Author == nil || m.Author.ID == "" || m.Author.Bot || m.Author.System || m.WebhookID != "" {
		return channelInfo{}, false, nil
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return channelInfo{}, false, nil
	}
	if !a.guildAllowed(m.GuildID) {
		return channelInfo{}, false, nil
	}
	ci, err = a.channel(ctx, m.ChannelID)
	if err != nil {
		return channelInfo{}, false, err
	}
	if !a.wanted(ci) || ci.guild != "" && ci.guild != m.GuildID {
		return channelInfo{}, false, nil // not ours, or a payload whose guild and channel disagree
	}
	return ci, true, nil
}

func (a *Adapter) normalize(ctx context.Context, m *discordgo.Message, lc lastCustomers) (feedbackbot.Message, bool, error) {
	if m == nil || strings.TrimSpace(m.Content) == "" {
		return feedbackbot.Message{}, false, nil
	}
	ci, ok, err := a.capturable(ctx, m)
	if err != nil || !ok {
		return feedbackbot.Message{}, false, err
	}
	out := feedbackbot.Message{ID: m.ID, Platform: feedbackbot.PlatformDiscord, Workspace: m.GuildID, Channel: ci.id,
		ChannelName: ci.name, Author: m.Author.ID, AuthorName: displayName(m.Author, m.Member), Text: m.Content, Time: m.Timestamp,
		Permalink: "https://discord.com/channels/" + m.GuildID + "/" + m.ChannelID + "/" + m.ID}
	if ci.thread {
		out.Channel = ci.parent
		if m.ID != ci.id { // a forum post's (or thread's) first message is the thread's root
			out.Thread = ci.id
		}
	}
	if m.EditedTimestamp != nil {
		out.EditedAt = *m.EditedTimestamp
	}
	if m.MessageReference != nil && m.Type == discordgo.MessageTypeReply {
		out.ReplyTo = m.MessageReference.MessageID
	}
	if len(m.Reactions) > 0 {
		out.Reactions = map[string]int{}
		for _, r := range m.Reactions {
			if r.Emoji != nil && r.Count > 0 {
				out.Reactions[emojiName(r.Emoji)] = r.Count
			}
		}
	}
	var roles []string
	if m.Member != nil {
		roles = m.Member.Roles
		// (as Discord has them now: a staff message mentioning the author looks
		// nothing up for a while, see mentionedAccount; with the nickname and user,
		// as a REST read has them: catch-up names authors by it, and the roles
		// alone named them by their user name, a review found)
		a.members.put(m.GuildID, m.Author.ID, &discordgo.Member{User: m.Author, Nick: m.Member.Nick, Roles: slices.Clone(roles)}, time.Now())
	}
	conv := cmpOr(out.Thread, ci.id) // the conversation: a thread, or the channel
	if a.isStaff(m.GuildID, m.Author.ID, roles) {
		out.Role = feedbackbot.RoleStaff
		out.Account = a.staffAccount(ctx, ci, conv, m, lc)
	} else {
		out.Role = feedbackbot.RoleCustomer
		out.Account = a.customerAccount(ci, m.Author.ID, roles)
		lc.seen(conv, out.Account)
	}
	out.AccountName = a.cfg.AccountNames[out.Account]
	if out.AccountName == "" && out.Role == feedbackbot.RoleCustomer && out.Account == m.Author.ID {
		out.AccountName = out.AuthorName
	}
	if err := out.Normalize(); err != nil {
		return feedbackbot.Message{}, false, err
	}
	return out, true, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// customerAccount: a channel mapped to an account, else a role mapped to one, else
// the member is their own account.
func (a *Adapter) customerAccount(ci channelInfo, author string, roles []string) string {
	for _, id := range []string{ci.id, ci.parent} {
		if acct, ok := a.cfg.ChannelAccounts[id]; ok && id != "" {
			return acct
		}
	}
	for _, r := range roles {
		if acct, ok := a.cfg.RoleAccounts[r]; ok {
			return acct
		}
	}
	return author
}

// staffAccount is the account a staff message is about: the channel's, else the
// one of the message being replied to, else the one of the customers it mentions
// when they are of one, else the last customer seen in the thread.
func (a *Adapter) staffAccount(ctx context.Context, ci channelInfo, conv string, m *discordgo.Message, lc lastCustomers) string {
	for _, id := range []string{ci.id, ci.parent} {
		if acct, ok := a.cfg.ChannelAccounts[id]; ok && id != "" {
			return acct
		}
	}
	live, isLive := lc.(liveCustomers)
	if isLive && m.EditedTimestamp != nil {
		// An edit of a message already captured keeps the account it counted for
		// (keepCaptured puts it back whatever is decided here): looking the
		// replied-to author up again only held the gateway's reader.
		if prev, found, err := a.newest(ctx, string(feedbackbot.PlatformDiscord)+"/"+m.GuildID+"/"+m.ID); err == nil && found {
			return prev.Account
		}
	}
	// The members' lookups of the replied-to author and of the mentioned share one
	// bound in live capture (a reply pings its author: looked up twice, it held the
	// gateway's reader twice as long, a review found); catch-up waits for an
	// answer: it runs beside the gateway.
	lookup := ctx
	if isLive {
		var cancel context.CancelFunc
		lookup, cancel = context.WithTimeout(ctx, memberLookupBudget)
		defer cancel()
	}
	if acct := a.repliedAccount(ctx, lookup, ci, m); acct != "" {
		return acct
	}
	if acct := a.mentionedAccount(lookup, ci, m); acct != "" {
		return acct
	}
	if acct := lc.last(conv); acct != "" {
		return acct
	}
	if isLive {
		return live.stored(ctx, ci, conv)
	}
	return ""
}

// memberLookupBudget bounds the REST lookup of a replied-to author's roles in
// live capture. With SyncEvents, handlers run on discordgo's reader goroutine:
// every later event, interactions included (which Discord answers within 3 s),
// waits for it. A lookup that takes longer (a rate limit, a slow answer) gives
// up, and the staff message counts for the conversation's last customer, as on
// any failed lookup.
const memberLookupBudget = time.Second

// repliedAccount is the account of the message a staff message replies to ("" when
// that says nothing: not a reply, a reply to a bot, or to a colleague's message
// stored for no account). Discord's referenced_message (gateway and REST alike)
// carries neither member nor guild_id, so its author's roles are unknown: deciding
// by them made a staff reply to a role-mapped customer count for the customer's
// user id instead of their account, and a reply to a colleague count for the
// colleague as a customer. The message as captured decides instead (queued here or
// stored: the account it counted for, a colleague's included), else its author's
// roles as Discord has them now (state, then REST), read within lookup (which
// staffAccount bounds in live capture: see memberLookupBudget).
func (a *Adapter) repliedAccount(ctx, lookup context.Context, ci channelInfo, m *discordgo.Message) string {
	ref := m.ReferencedMessage
	id := ""
	if ref != nil {
		id = ref.ID
	}
	if id == "" && m.Type == discordgo.MessageTypeReply && m.MessageReference != nil {
		id = m.MessageReference.MessageID
	}
	if id == "" || ref != nil && ref.Author != nil && ref.Author.Bot {
		return ""
	}
	prev, found, err := a.newest(ctx, string(feedbackbot.PlatformDiscord)+"/"+m.GuildID+"/"+id)
	if err != nil {
		a.log.Warn("discord: the replied-to message could not be read; deciding by its author", "message", m.ID, "replied_to", id, "err", err)
	}
	if found {
		return prev.Account // a colleague's message: the customer it answered
	}
	if ref == nil || ref.Author == nil || ref.Author.ID == "" {
		return ""
	}
	author := ref.Author.ID
	if a.isStaff(m.GuildID, author, nil) {
		return "" // staff by user id or ownership: whatever their roles
	}
	var roles []string
	if ref.Member != nil {
		roles = ref.Member.Roles
	} else {
		mem, err := a.guildMember(lookup, m.GuildID, author)
		if err != nil {
			a.log.Warn("discord: the replied-to author's roles could not be read; the staff message counts for the conversation's last customer",
				"message", m.ID, "user", author, "err", err)
			return ""
		}
		if mem != nil {
			roles = mem.Roles
		}
	}
	if a.isStaff(m.GuildID, author, roles) {
		return ""
	}
	return a.customerAccount(ci, author, roles)
}

// mentionedAccount is the account of the customers a staff message mentions, when
// they are all of one, else "": in a community channel, "@dana the export is
// fixed" answers dana (or her role's account), not whichever member wrote last (it
// counted for them, and dana's question stayed unanswered in her health). A
// mentioned user's roles come from the gateway's state, their latest message seen
// live (for memberTTL), else REST (guildMember, within ctx, which staffAccount
// bounds in live capture: a lookup that fails or takes longer leaves them out);
// bots and staff are no customers.
func (a *Adapter) mentionedAccount(ctx context.Context, ci channelInfo, m *discordgo.Message) string {
	var users []string
	for _, u := range m.Mentions {
		if u != nil && u.ID != "" && !u.Bot && u.ID != m.Author.ID && !slices.Contains(users, u.ID) && len(users) < maxMentions {
			users = append(users, u.ID)
		}
	}
	if len(users) == 0 {
		return ""
	}
	acct := ""
	for _, id := range users {
		if a.isStaff(m.GuildID, id, nil) {
			continue // staff by user id or ownership
		}
		mem, err := a.guildMember(ctx, m.GuildID, id)
		if err != nil {
			a.log.Warn("discord: a mentioned member's roles could not be read; the staff message does not count for them", "message", m.ID, "user", id, "err", err)
			continue
		}
		var roles []string
		if mem != nil {
			roles = mem.Roles
		}
		if a.isStaff(m.GuildID, id, roles) {
			continue
		}
		switch known := a.customerAccount(ci, id, roles); {
		case acct == "":
			acct = known
		case acct != known:
			return "" // customers of two accounts: no one's
		}
	}
	return acct
}

// maxMentions bounds the mentions of one staff message mentionedAccount reads.
const maxMentions = 8

// newest is the newest captured version of a message: the one queued here, else
// the newest the store holds, read through its log (newestStored) whether or not
// analysis has applied it yet (found is false for one unknown to both, or deleted
// since). The analysed copy alone (store.Message) missed a message captured before
// a restart while analysis was behind: an edit then took Discord's reaction counts
// (bots' included) or none, and a reaction to it was dropped.
func (a *Adapter) newest(ctx context.Context, key string) (m feedbackbot.Message, found bool, err error) {
	if m, ok, deleted := a.recent.Get(key); ok || deleted {
		return m, ok, nil
	}
	lk, ok := a.sink.(messageLookup)
	if !ok {
		return feedbackbot.Message{}, false, nil
	}
	return newestStored(ctx, lk, key)
}

// guildMember is a guild's member as Discord has them now: from the gateway state,
// else as read over REST in the last memberTTL, else over REST; nil (no error) for
// someone who is no longer a member. The REST call waits out its route's rate
// limit itself (retryRoute), honouring ctx: discordgo would sleep it out ignoring ctx.
func (a *Adapter) guildMember(ctx context.Context, guild, user string) (*discordgo.Member, error) {
	if mem, err := a.s.State.Member(guild, user); err == nil && mem != nil {
		return mem, nil
	}
	if mem, ok := a.members.get(guild, user, time.Now()); ok {
		return mem, nil
	}
	var mem *discordgo.Member
	err := a.retryRoute(ctx, "get member", discordgo.EndpointGuildMember(guild, ""), func() error {
		var err error
		mem, err = a.s.GuildMember(guild, user, discordgo.WithContext(ctx))
		return err
	})
	var re *discordgo.RESTError
	switch {
	case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusNotFound:
		mem = nil // no longer a member: no roles
	case err != nil:
		return nil, fmt.Errorf("look up member %s: %w", user, err)
	}
	a.members.put(guild, user, mem, time.Now())
	return mem, nil
}

// memberCache remembers members read over REST (and who is no member), for
// memberTTL: a conversation's staff replies to one author's uncaptured messages
// cost one lookup, not one each. Not the gateway state: without the Guild Members
// intent no update or removal reaches it, and a member kept there would keep
// their roles of that day for good.
type memberCache struct {
	mu sync.Mutex
	m  map[string]cachedMember // guild/user
}

type cachedMember struct {
	mem     *discordgo.Member // nil: not a member
	expires time.Time
}

// memberTTL is how long a member read over REST is taken as theirs (a role given
// or taken away shows after it), and maxMembersCached how many are remembered.
const (
	memberTTL        = 5 * time.Minute
	maxMembersCached = 10_000
)

func (c *memberCache) get(guild, user string, now time.Time) (*discordgo.Member, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[guild+"/"+user]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.mem, true
}

func (c *memberCache) put(guild, user string, mem *discordgo.Member, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedMember{}
	}
	key := guild + "/" + user
	if _, ok := c.m[key]; !ok && len(c.m) >= maxMembersCached {
		maps.DeleteFunc(c.m, func(_ string, e cachedMember) bool { return !now.Before(e.expires) })
		if len(c.m) >= maxMembersCached {
			clear(c.m) // all fresh: start again (each is read once more)
		}
	}
	c.m[key] = cachedMember{mem: mem, expires: now.Add(memberTTL)}
}

func displayName(u *discordgo.User, m *discordgo.Member) string {
	if m != nil && m.Nick != "" {
		return m.Nick
	}
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// emojiName is a unicode emoji itself, or a custom emoji's name.
func emojiName(e *discordgo.Emoji) string {
	if e.Name != "" {
		return e.Name
	}
	return e.ID
}

// captureTimeout bounds the capture of one gateway message (a variable for tests).
var captureTimeout = 10 * time.Second

func (a *Adapter) capture(m *discordgo.Message, what string) {
	ctx, cancel := context.WithTimeout(context.Background(), captureTimeout)
	defer cancel()
	msg, ok, err := a.Normalize(ctx, m)
	if err != nil {
		a.log.Error("discord: message not captured", "what", what, "message", m.ID, "channel", m.ChannelID, "err", err)
		return
	}
	if !ok {
		return
	}
	if what != "edit" {
		a.enqueue(feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg})
		return
	}
	// An edit builds on the captured version (keepCaptured), read and queued as a
	// reaction's is: while the store cannot say what it is, the edit waits with the
	// message's reactions, in order. Queued with what it lists, it took Discord's
	// counts (bots' included) or none, which wiped the members' and, with them,
	// the reactions waiting (a review's find).
	a.changed(ctx, msg.Key(), m.ID, waitingChange{edit: &msg})
}

// keepCaptured gives an edited message what capture tracked for it that an edit
// does not change, from prev, the newest version queued here, else the store's:
//   - its reaction counts: MESSAGE_UPDATE lists Discord's (bots' included, which
//     live capture leaves out: an auto-react bot's ✅ came back and marked the
//     conversation resolved) or none at all (which wiped the members' counts);
//   - a staff message's account: one not written as a reply counts for the
//     channel's latest customer, and by the time of the edit that may be another
//     one: recomputed, a typo fix would move the answer to another account.
//
// A message captured for the first time by its edit keeps what the edit lists.
func keepCaptured(prev feedbackbot.Message, msg *feedbackbot.Message) {
	msg.Reactions = prev.Reactions
	if msg.Role == feedbackbot.RoleStaff {
		msg.Account, msg.AccountName = prev.Account, prev.AccountName
	}
}

func (a *Adapter) onMessageCreate(_ *discordgo.Session, m *discordgo.MessageCreate) {
	a.capture(m.Message, "create")
}

// onMessageUpdate re-captures edited messages; updates without an edit time (embeds
// unfurling, pins) change nothing the member wrote. An edit that removed all the
// text (an attachment is left) deletes the stored message, so that the text the
// member took back is neither kept, analysed nor quoted.
func (a *Adapter) onMessageUpdate(_ *discordgo.Session, m *discordgo.MessageUpdate) {
	if m.Message == nil || m.EditedTimestamp == nil || m.Author == nil {
		return
	}
	if strings.TrimSpace(m.Content) == "" {
		a.emptied(m.Message)
		return
	}
	a.capture(m.Message, "edit")
}

// emptied deletes a message whose edit removed all its text, as MESSAGE_DELETE
// does, if it is of the kind capture takes. A message that never had text was
// never stored, and the store ignores a delete of it.
func (a *Adapter) emptied(m *discordgo.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, ok, err := a.capturable(ctx, m)
	if err != nil {
		a.log.Error("discord: message emptied by an edit not deleted", "message", m.ID, "channel", m.ChannelID, "err", err)
		return
	}
	if ok {
		a.deleted(m.GuildID, m.ChannelID, m.ID)
	}
}

func (a *Adapter) deleted(guild, channel, id string) {
	if guild == "" || id == "" || !a.guildAllowed(guild) {
		return
	}
	a.enqueue(feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: feedbackbot.Message{ID: id,
		Platform: feedbackbot.PlatformDiscord, Workspace: guild, Channel: channel}})
}

func (a *Adapter) onMessageDelete(_ *discordgo.Session, m *discordgo.MessageDelete) {
	if m.Message != nil {
		a.deleted(m.GuildID, m.ChannelID, m.ID)
	}
}

func (a *Adapter) onMessageDeleteBulk(_ *discordgo.Session, m *discordgo.MessageDeleteBulk) {
	for _, id := range m.Messages {
		a.deleted(m.GuildID, m.ChannelID, id)
	}
}

func (a *Adapter) onReactionAdd(_ *discordgo.Session, r *discordgo.MessageReactionAdd) {
	if r.MessageReaction == nil {
		return
	}
	if (r.Member != nil && r.Member.User != nil && r.Member.User.Bot) || r.UserID == a.botUserID() {
		// A bot's reaction is no one's satisfaction: an auto-react bot's ✅ on every
		// message marked every conversation resolved. Its removals are skipped too.
		a.mu.Lock()
		if a.botReacted == nil || len(a.botReacted) >= maxBotsRemembered {
			a.botReacted = map[string]bool{}
		}
		a.botReacted[r.UserID] = true
		a.mu.Unlock()
		return
	}
	a.reaction(r.MessageReaction, +1)
	if a.cfg.SurveyReaction != "" && emojiName(&r.Emoji) == a.cfg.SurveyReaction && r.Member != nil &&
		a.isStaff(r.GuildID, r.UserID, r.Member.Roles) {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			ctx, cancel := context.WithTimeout(a.base, 30*time.Second)
			defer cancel()
			if err := a.autoSurvey(ctx, r.MessageReaction); err != nil {
				a.log.Error("discord: automatic survey failed", "message", r.MessageID, "err", err)
			}
		}()
	}
}

// sampled decides, the same way every time for the same message, whether it is in
// the asked share.
func sampled(key string, share float64) bool {
	h := fnv.New64a()
	h.Write([]byte(key))
	return float64(h.Sum64()%10_000) < share*10_000
}

// autoSurvey asks the customer whose message a staff member marked resolved how
// satisfied they are: a survey question (no analysis in it) posted as a reply.
func (a *Adapter) autoSurvey(ctx context.Context, r *discordgo.MessageReaction) error {
	lk, ok := a.sink.(messageLookup)
	if !ok || a.cmds == nil {
		return nil
	}
	key := string(feedbackbot.PlatformDiscord) + "/" + r.GuildID + "/" + r.MessageID
	if !sampled(key, a.cfg.SurveySample) {
		return nil
	}
	st, err := lk.Message(ctx, key)
	if err != nil {
		if feedbackbot.IsNotFound(err) {
			return nil // not a captured customer message (or not analysed yet)
		}
		return err
	}
	m := st.Message
	if m.Role != feedbackbot.RoleCustomer || m.Account == "" {
		return nil
	}
	kind := cmpOr(a.cfg.SurveyKind, "csat")
	doc, err := a.cmds.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformDiscord, Workspace: r.GuildID,
		Channel: r.ChannelID, User: r.UserID, Staff: true, Text: "survey " + kind + " " + m.Account + " " + cmpOr(m.Thread, m.ID)})
	if err != nil {
		return err
	}
	if doc.Ephemeral {
		a.log.Info("discord: survey not asked (cooldown)", "account", m.Account)
		return nil
	}
	rd := Render(doc)
	err = a.retry(ctx, "post survey", func() error {
		_, err := a.s.ChannelMessageSendComplex(r.ChannelID, &discordgo.MessageSend{Embeds: rd.Embeds, Components: rd.Components,
			AllowedMentions: noMentions, Reference: &discordgo.MessageReference{MessageID: r.MessageID, ChannelID: r.ChannelID, GuildID: r.GuildID}},
			discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		a.surveyNotSent(ctx, r.GuildID, doc)
	}
	return err
}

func (a *Adapter) onReactionRemove(_ *discordgo.Session, r *discordgo.MessageReactionRemove) {
	if r.MessageReaction == nil {
		return
	}
	a.mu.Lock()
	bot := a.botReacted[r.UserID] || r.UserID == a.botUserID()
	a.mu.Unlock()
	if !bot {
		a.reaction(r.MessageReaction, -1)
	}
}

// maxBotsRemembered bounds the bots remembered as reacting (a removal carries no
// member, so a bot is known by its adds).
const maxBotsRemembered = 10_000

// reaction re-captures a known message with its updated reaction counts: reactions
// on members' messages are satisfaction signals.
func (a *Adapter) reaction(r *discordgo.MessageReaction, delta int) {
	if r.Emoji.Name == "" && r.Emoji.ID == "" {
		return
	}
	name := emojiName(&r.Emoji)
	a.reactions(r.GuildID, r.MessageID, func(counts map[string]int) {
		if counts[name] += delta; counts[name] <= 0 {
			delete(counts, name)
		}
	})
}

// onReactionRemoveAll clears a message's reactions (a moderator removed them all):
// a stale ✅ would keep its conversation resolved.
func (a *Adapter) onReactionRemoveAll(_ *discordgo.Session, r *discordgo.MessageReactionRemoveAll) {
	if r.MessageReaction != nil {
		a.reactions(r.GuildID, r.MessageID, func(counts map[string]int) { clear(counts) })
	}
}

// onRawEvent takes the events discordgo has no type for:
// MESSAGE_REACTION_REMOVE_EMOJI (a moderator removed one emoji's reactions).
func (a *Adapter) onRawEvent(_ *discordgo.Session, e *discordgo.Event) {
	if e.Type != "MESSAGE_REACTION_REMOVE_EMOJI" {
		return
	}
	var r discordgo.MessageReaction
	if err := json.Unmarshal(e.RawData, &r); err != nil || (r.Emoji.Name == "" && r.Emoji.ID == "") {
		a.log.Warn("discord: malformed event ignored", "type", e.Type, "err", err)
		return
	}
	name := emojiName(&r.Emoji)
	a.reactions(r.GuildID, r.MessageID, func(counts map[string]int) { delete(counts, name) })
}

// reactions re-captures a known message with its reaction counts changed (see
// changed).
func (a *Adapter) reactions(guild, message string, change func(map[string]int)) {
	if _, ok := a.sink.(messageLookup); !ok || guild == "" || message == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.changed(ctx, string(feedbackbot.PlatformDiscord)+"/"+guild+"/"+message, message, waitingChange{reaction: change})
}

// changed re-captures a message (key) with a change built on its newest captured
// version: a reaction's, or an edit's. Discord sends either once: while the store
// cannot say what the message holds now (an outage), the change waits and is
// tried again with backoff, as the capture queue retries what it holds, until the
// store answers or the bot stops (then it is tried once more, and given up and
// counted if the store still does not answer). Later changes to the same message
// wait behind it, so they apply in Discord's order (a removal after an add is not
// undone by the add). It waits on a goroutine of its own: the handlers run on the
// gateway's reader (SyncEvents), which every later event, interactions included,
// waits for; its first try reads the store within ctx (an edit's: what is left of
// its capture's bound, which staffAccount's read of the same version may have
// spent). An edit that cannot wait (too many do, or the bot is stopping), or
// waits in vain, is queued with what it lists: only reactions are given up.
func (a *Adapter) changed(ctx context.Context, key, message string, change waitingChange) {
	what := "reaction"
	if change.edit != nil {
		what = "edit"
	}
	change.seq = a.changeSeq.Add(1)
	a.waitMu.Lock()
	if w := a.waiting[key]; w != nil {
		w.changes = append(w.changes, change) // behind the ones waiting: in order
		w.edit = cmp.Or(change.edit, w.edit)
		a.waitMu.Unlock()
		return
	}
	if a.waiting == nil {
		a.waiting = map[string]*waitingReactions{}
	}
	// Held there while its first try reads and queues, too: a deletion or
	// catch-up's copy queued meanwhile drops it (dropWaitingReactions) as it does
	// the changes that wait (catch-up's copy, read while a reaction read a slow
	// store, had the reaction counted twice).
	w := &waitingReactions{edit: change.edit}
	a.waiting[key] = w
	a.waitMu.Unlock()
	err := a.react(ctx, key, []waitingChange{change}, w)
	// (a read that ran out of ctx's time waits too, whatever the store calls it)
	wait := err != nil && (feedbackbot.ErrorCode(err) == feedbackbot.EUNAVAILABLE || ctx.Err() != nil) && a.base.Err() == nil
	if wait && a.reactionsWaiting.Add(1) > maxReactionsWaiting {
		a.reactionsWaiting.Add(-1)
		wait = false
	}
	if !wait {
		if change.edit != nil && err != nil {
			a.captureMu.Lock() // (a deletion is queued before, dropping it, or after it)
		}
		a.waitMu.Lock()
		// Changes that arrived during this try wait on (another reader's: a session
		// reopened while this one's reader was held here; forgotten with the entry,
		// they were neither applied nor counted).
		more := len(w.changes) > 0
		if !more {
			delete(a.waiting, key)
		}
		dropped := w.droppedBy(change)
		a.waitMu.Unlock()
		if err != nil && !dropped {
			a.giveUpChanges(message, []waitingChange{change}, err)
		}
		if change.edit != nil && err != nil {
			a.captureMu.Unlock()
		}
		if !more {
			return
		}
		a.reactionsWaiting.Add(1) // (past the bound too: the goroutine below takes it off)
	} else {
		a.waitMu.Lock()
		if !w.droppedBy(change) {
			w.changes = slices.Insert(w.changes, 0, change) // (before those that came during its try)
		}
		a.waitMu.Unlock()
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer a.reactionsWaiting.Add(-1)
		backoff := 100 * time.Millisecond
		for {
			a.log.Warn("discord: "+what+" waits for the store; retrying it (Discord does not redeliver)", "message", message, "err", err, "in", backoff)
			stopping := false
			select {
			case <-time.After(backoff):
			case <-a.base.Done():
				stopping = true // one more try: the store may be back
			}
			a.waitMu.Lock()
			changes := w.changes
			w.changes = nil
			a.waitMu.Unlock()
			rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = a.react(rctx, key, changes, w)
			cancel()
			if err == nil {
				a.waitMu.Lock()
				done := len(w.changes) == 0
				if done {
					delete(a.waiting, key)
				}
				a.waitMu.Unlock()
				if done {
					return
				}
				backoff = 0 // (more came while it applied these)
				continue
			}
			giveUp := feedbackbot.ErrorCode(err) != feedbackbot.EUNAVAILABLE || stopping || a.base.Err() != nil
			if giveUp {
				// (held until the newest edit is queued: a deletion is queued
				// before, dropping it, or after it)
				a.captureMu.Lock()
			}
			a.waitMu.Lock()
			w.changes = append(slices.DeleteFunc(changes, w.droppedBy), w.changes...)
			var given []waitingChange
			if giveUp {
				delete(a.waiting, key)
				given = w.changes
			}
			a.waitMu.Unlock()
			if giveUp {
				a.giveUpChanges(message, given, err)
				a.captureMu.Unlock()
				return
			}
			backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
		}
	}()
}

// giveUpChanges gives up changes to message that cannot wait for the store (err):
// the newest edit among them is queued with what it lists (its counts hold the
// reactions before it), for the capture queue to write once the store takes it
// (given up, the member's new text was lost), and the reactions after it are
// logged and counted as lost. The caller holds captureMu when changes hold an
// edit (a deletion is queued before it, dropping it, or after it).
func (a *Adapter) giveUpChanges(message string, changes []waitingChange, err error) {
	var last *feedbackbot.Message // the newest edit given up
	lost := 0                     // the reactions given up after it
	for _, c := range changes {
		if c.edit != nil {
			last, lost = c.edit, 0
		} else {
			lost++
		}
	}
	if last != nil {
		a.log.Warn("discord: the edited message's captured version could not be read; taking its reactions from the edit, and a staff message's account from the channel's latest customer",
			"message", message, "err", err)
		a.push(feedbackbot.Event{Kind: feedbackbot.EventPut, Message: *last})
	}
	if lost > 0 {
		a.log.Error("discord: reactions not recorded (Discord does not send them again)", "message", message, "reactions", lost, "err", err)
		a.gaveUp(lost)
	}
}

// waitingReactions are the changes to one message (reactions, edits) waiting for
// the store, in Discord's order.
type waitingReactions struct {
	changes []waitingChange
	dropped uint64               // changes numbered up to this one are dropped (dropWaitingReactions)
	edit    *feedbackbot.Message // the newest edit that waited here: where the message is (waitingEdits)
}

// waitingEdits are the messages, as last edited, that edits waiting for the store
// (or being applied) would queue, of those match accepts: a deleted channel's or
// thread's (purge), whose deletion the store's listing, of analysed messages, does
// not hold them for.
func (a *Adapter) waitingEdits(match func(feedbackbot.Message) bool) []feedbackbot.Message {
	a.waitMu.Lock()
	defer a.waitMu.Unlock()
	var out []feedbackbot.Message
	for _, w := range a.waiting {
		if w.edit != nil && match(*w.edit) {
			out = append(out, *w.edit)
		}
	}
	return out
}

// droppedBy says whether c is dropped (the caller holds waitMu).
func (w *waitingReactions) droppedBy(c waitingChange) bool { return c.seq <= w.dropped }

// waitingChange is a reaction's change of a message's counts, or an edit (the
// message as edited, before keepCaptured), numbered in the order they arrived
// (Adapter.changeSeq).
type waitingChange struct {
	seq      uint64
	reaction func(map[string]int)
	edit     *feedbackbot.Message
}

// dropWaitingReactions forgets the changes waiting for the store for key that
// arrived up to the one numbered through (Adapter.changeSeq), as what is queued
// now holds them: the message's deletion, made after them (an edit applied after
// it would bring the message back), or catch-up's copy of the message as Discord
// had it after them (its counts hold the reactions: applied again, they counted
// twice). The caller holds captureMu (for reading, at least: react checks under
// its write lock, so a retry in flight does not queue them after it).
func (a *Adapter) dropWaitingReactions(key string, through uint64) {
	a.waitMu.Lock()
	defer a.waitMu.Unlock()
	if w := a.waiting[key]; w != nil {
		w.dropped = max(w.dropped, through)
		w.changes = slices.DeleteFunc(w.changes, w.droppedBy)
	}
}

// maxReactionsWaiting bounds the messages whose reactions (and edits) wait for the
// store in an outage (each a goroutine); past it, a reaction is given up and
// counted, and an edit queued with what it lists.
const maxReactionsWaiting = 10_000

// react reads a message's newest version (within ctx) and queues it with changes
// applied, in order; an error says the store could not be read (nothing was
// queued). The
// store is read before captureMu is taken, so that a store that hangs holds no
// capture up (the handlers of every later event take captureMu, on the gateway's
// reader); under the lock, a version queued here since wins over it, and the
// changes w (when set: they waited there) dropped meanwhile are left out
// (dropWaitingReactions).
func (a *Adapter) react(ctx context.Context, key string, changes []waitingChange, w *waitingReactions) error {
	if len(changes) == 0 {
		return nil
	}
	var stored feedbackbot.Message
	var storedFound bool
	var storedErr error
	read := false
	if _, ok, deleted := a.recent.Get(key); !ok && !deleted {
		if lk, ok := a.sink.(messageLookup); ok {
			stored, storedFound, storedErr = newestStored(ctx, lk, key)
			read = true
		}
	}
	// Queued alone: no capture of the message and no other reaction comes between
	// the version it builds on and its queueing.
	a.captureMu.Lock()
	defer a.captureMu.Unlock()
	if w != nil {
		a.waitMu.Lock()
		changes = slices.DeleteFunc(slices.Clone(changes), w.droppedBy)
		a.waitMu.Unlock()
		if len(changes) == 0 {
			return nil
		}
	}
	m, found, err := stored, storedFound, storedErr
	if r, ok, deleted := a.recent.Get(key); ok || deleted {
		m, found, err = r, ok, nil
	} else if !read {
		m, found, err = a.newest(ctx, key)
	}
	if err != nil {
		return err
	}
	before, edited := len(m.Reactions), false
	for _, c := range changes {
		if c.edit != nil {
			e := *c.edit
			if found && !e.EditedAt.After(m.EditedAt) {
				continue // held already, or an older edit (one waiting here while catch-up queued Discord's copy)
			}
			if found {
				keepCaptured(m, &e)
			}
			m, found, edited = e, true, true
			continue
		}
		if !found {
			continue // one never captured, or deleted since: a reaction must not bring it back
		}
		m.Reactions = maps.Clone(m.Reactions)
		if m.Reactions == nil {
			m.Reactions = map[string]int{}
		}
		c.reaction(m.Reactions)
		if len(m.Reactions) == 0 {
			m.Reactions = nil
		}
	}
	if !found || !edited && before == 0 && len(m.Reactions) == 0 {
		return nil // nothing to queue, or nothing to clear
	}
	a.push(feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
	return nil
}
