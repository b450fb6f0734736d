package discordadapter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// Rate-limit retries: at most maxAttempts calls, each wait capped at maxRetryWait.
const (
	maxAttempts  = 5
	maxRetryWait = time.Minute
)

// retry runs fn again after Discord's retry_after when it is rate limited (429,
// per-route or global). The wait honours ctx; after the last attempt the error is
// returned so a digest is never dropped silently. Every REST call goes through it,
// so the errors it returns are redacted (see redact): they may be logged.
func (a *Adapter) retry(ctx context.Context, what string, fn func() error) error {
	return a.retryRoute(ctx, what, "", fn)
}

// retryRoute is retry for a call whose discordgo rate-limit bucket is known: before
// each attempt it waits out the bucket's limit itself, honouring ctx, and refuses a
// wait longer than maxRetryWait. (discordgo sleeps through a bucket's limit before
// sending, ignoring the context: a post to a limited route held shutdown for as
// long as Discord asked, over a minute included.)
func (a *Adapter) retryRoute(ctx context.Context, what, bucket string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		if bucket != "" {
			if err := a.bucketWait(ctx, what, bucket); err != nil {
				return err
			}
		}
		err := redact(fn())
		var rl *discordgo.RateLimitError
		if !errors.As(err, &rl) || attempt == maxAttempts {
			if rl != nil {
				return fmt.Errorf("discord %s: still rate limited after %d attempts: %w", what, attempt, err)
			}
			return err
		}
		wait := 100 * time.Millisecond
		if rl.RateLimit != nil && rl.TooManyRequests != nil {
			wait = max(rl.RetryAfter, 50*time.Millisecond)
		}
		if err := a.waitOut(ctx, what, wait, err, "attempt", attempt); err != nil {
			return err
		}
	}
}

// waitOut waits a rate limit out, honouring ctx, and refuses one longer than
// maxRetryWait (cause, when not nil, is the error that said so). A wait that would
// outlast ctx's deadline fails at once (as context.DeadlineExceeded): sitting it
// out held the caller, e.g. live capture's member lookup on the gateway's reader,
// for the rest of its time for nothing.
func (a *Adapter) waitOut(ctx context.Context, what string, wait time.Duration, cause error, attrs ...any) error {
	if wait > maxRetryWait {
		if cause != nil {
			return fmt.Errorf("discord %s: rate limited for %s, longer than we wait: %w", what, wait, cause)
		}
		return fmt.Errorf("discord %s: rate limited for %s, longer than we wait", what, wait.Round(time.Second))
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		if cause != nil {
			return fmt.Errorf("discord %s: rate limited for %s, past the call's deadline: %w (%w)", what, wait, context.DeadlineExceeded, cause)
		}
		return fmt.Errorf("discord %s: rate limited for %s, past the call's deadline: %w", what, wait.Round(time.Millisecond), context.DeadlineExceeded)
	}
	a.log.Warn("discord rate limited; waiting", append([]any{"call", what, "retry_after", wait}, attrs...)...)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return nil
	}
}

// bucketWait waits until discordgo's bucket for a route would let a request
// through, or fails when that is further away than maxRetryWait or ctx ends first.
func (a *Adapter) bucketWait(ctx context.Context, what, bucket string) error {
	rl := a.s.Ratelimiter
	if rl == nil {
		return nil
	}
	b := rl.GetBucket(bucket)
	b.Lock() // (as discordgo reads and writes the bucket; a request in flight holds it)
	wait := rl.GetWaitTime(b, 1)
	b.Unlock()
	if wait <= 0 {
		return nil
	}
	return a.waitOut(ctx, what, wait, nil)
}

// tokenInURL matches the token in the URL of an interaction or a webhook
// (/interactions/{id}/{token}/callback, /webhooks/{application}/{token}/...):
// whoever has it can answer as the bot until it expires.
var tokenInURL = regexp.MustCompile(`(/(?:interactions|webhooks)/[^/\s"'?#]+/)[^/\s"'?#]+`)

// redactTokens replaces the token in the interaction and webhook URLs in s, and
// keeps the rest (the route and the interaction's id) for whoever reads the log.
func redactTokens(s string) string {
	if !strings.Contains(s, "/interactions/") && !strings.Contains(s, "/webhooks/") {
		return s
	}
	return tokenInURL.ReplaceAllString(s, "${1}[token]")
}

// redactedError is an error whose text went through redactTokens. It unwraps to
// the original, so that errors.As still finds a rate limit or a REST error in it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact keeps interaction and webhook tokens out of a REST call's error: discordgo's
// rate-limit errors and net/http's network errors name the request's URL, and
// an interaction's URL holds its token. The URLs in those errors are redacted too,
// for whoever unwraps them.
func redact(err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil {
		rl.URL = redactTokens(rl.URL)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redactTokens(ue.URL)
	}
	msg := err.Error()
	if safe := redactTokens(msg); safe != msg {
		return &redactedError{msg: safe, err: err}
	}
	return err
}

// CheckDestination refuses a channel analysis must not go to: one not listed in
// internal_channels (when the list is set), one that is not a text channel, or one
// that @everyone, a role that is not a staff role, or a member who is not staff can
// read. Discord's permission rules decide: a role's base permissions, Administrator,
// then the channel's overwrites for @everyone, the role and single members.
func (a *Adapter) CheckDestination(ctx context.Context, channel string) error {
	if len(a.cfg.InternalChannels) > 0 && !slices.Contains(a.cfg.InternalChannels, channel) {
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "discord channel %s is not an internal channel (discord.internal_channels); refusing to post customer analysis there", channel)
	}
	ch, err := a.restChannel(ctx, channel)
	if err != nil {
		return err
	}
	if ch.GuildID == "" || !a.guildAllowed(ch.GuildID) {
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "discord channel %s (#%s) is not in a server feedbackbot is configured for (discord.guilds); refusing to post customer analysis there", channel, ch.Name)
	}
	switch ch.Type {
	case discordgo.ChannelTypeGuildText:
	case discordgo.ChannelTypeGuildPrivateThread:
		// A private thread is readable by its members and by whoever can read (and
		// manage threads in) the parent: check the parent.
		return a.CheckDestination(ctx, ch.ParentID)
	default:
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "discord channel %s (#%s) is not a private text channel (type %d); refusing to post customer analysis there", channel, ch.Name, ch.Type)
	}
	roles, err := a.guildRoles(ctx, ch.GuildID)
	if err != nil {
		return err
	}
	who, err := a.readers(ctx, ch, roles)
	if err != nil {
		return err
	}
	if who != "" {
		return feedbackbot.Errorf(feedbackbot.EUNAUTHORIZED, "discord channel #%s (%s) can be read by %s; refusing to post customer analysis where community members can read it "+
			"(deny View Channel to @everyone and member roles, or add staff roles to discord.staff_roles)", ch.Name, channel, who)
	}
	return nil
}

// guildRole is a role as Discord's REST API serves it, with the tags discordgo does
// not decode. Discord marks several kinds of role "managed": a bot's own role (tags
// bot_id), but also the server's boosters' (premium_subscriber) and an integration's
// subscribers' (integration_id, such as Twitch or YouTube members), which community
// members hold: only a bot's role may read an internal channel without being a staff
// role.
type guildRole struct {
	discordgo.Role
	Tags *struct {
		BotID string `json:"bot_id"`
	} `json:"tags"`
}

// bot reports whether the role is a bot's own.
func (r *guildRole) bot() bool { return r.Managed && r.Tags != nil && r.Tags.BotID != "" }

// guildRoles fetches a guild's roles with their tags.
func (a *Adapter) guildRoles(ctx context.Context, guild string) ([]*guildRole, error) {
	var roles []*guildRole
	err := a.retry(ctx, "get roles", func() error {
		url := discordgo.EndpointGuildRoles(guild)
		body, err := a.s.RequestWithBucketID("GET", url, nil, url, discordgo.WithContext(ctx))
		if err != nil {
			return err
		}
		roles = nil
		return json.Unmarshal(body, &roles)
	})
	if err != nil {
		return nil, fmt.Errorf("discord: look up roles of guild %s: %w", guild, err)
	}
	return roles, nil
}

// readers names who, other than staff and bots, can view the channel ("" if nobody).
func (a *Adapter) readers(ctx context.Context, ch *discordgo.Channel, roles []*guildRole) (string, error) {
	var everyone *guildRole
	for _, r := range roles {
		if r.ID == ch.GuildID {
			everyone = r
		}
	}
	if everyone == nil {
		return "", fmt.Errorf("discord: guild %s has no @everyone role in its role list", ch.GuildID)
	}
	overwrite := func(id string, typ discordgo.PermissionOverwriteType) *discordgo.PermissionOverwrite {
		for _, o := range ch.PermissionOverwrites {
			if o.ID == id && o.Type == typ {
				return o
			}
		}
		return nil
	}
	canView := func(base int64, extra ...*discordgo.PermissionOverwrite) bool {
		if base&discordgo.PermissionAdministrator != 0 {
			return true
		}
		perms := base
		for _, o := range append([]*discordgo.PermissionOverwrite{overwrite(ch.GuildID, discordgo.PermissionOverwriteTypeRole)}, extra...) {
			if o != nil {
				perms = perms&^o.Deny | o.Allow
			}
		}
		return perms&discordgo.PermissionViewChannel != 0
	}
	if canView(everyone.Permissions) {
		return "@everyone", nil
	}
	for _, r := range roles {
		if r.ID == ch.GuildID || r.bot() || slices.Contains(a.cfg.StaffRoles, r.ID) {
			continue // bots' own roles and staff roles may read
		}
		if canView(everyone.Permissions|r.Permissions, overwrite(r.ID, discordgo.PermissionOverwriteTypeRole)) {
			return fmt.Sprintf("the role %q (%s), which is not a staff role", r.Name, r.ID), nil
		}
	}
	for _, o := range ch.PermissionOverwrites {
		if o.Type != discordgo.PermissionOverwriteTypeMember || o.Allow&discordgo.PermissionViewChannel == 0 {
			continue
		}
		if o.ID == a.botUserID() || slices.Contains(a.cfg.StaffUsers, o.ID) {
			continue
		}
		var m *discordgo.Member
		err := a.retry(ctx, "get member", func() error {
			var err error
			m, err = a.s.GuildMember(ch.GuildID, o.ID, discordgo.WithContext(ctx))
			return err
		})
		var re *discordgo.RESTError
		if errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeUnknownMember {
			// someone who has left the server (Discord keeps their overwrite): they
			// read nothing now, and every post checks again, so a return is caught
			continue
		}
		if err != nil {
			return "", fmt.Errorf("discord: look up member %s allowed into #%s: %w", o.ID, ch.Name, err)
		}
		if (m.User == nil || !m.User.Bot) && !a.isStaff(ch.GuildID, o.ID, m.Roles) {
			return fmt.Sprintf("the member %s, who is not staff", o.ID), nil
		}
	}
	return "", nil
}

// botUserID is the bot's own user id from the gateway's READY, read under the
// state's lock: a reconnect's READY rewrites it while the previous connection's
// reader may still be handling an event (a data race under -race otherwise).
func (a *Adapter) botUserID() string {
	st := a.s.State
	if st == nil {
		return ""
	}
	st.RLock()
	defer st.RUnlock()
	if st.User != nil {
		return st.User.ID
	}
	return ""
}

// Post posts a document (a digest with its chart attached, or an alert with buttons)
// to an internal channel, after checking that no community member can read it.
func (a *Adapter) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	if err := a.CheckDestination(ctx, channel); err != nil {
		return feedbackbot.PostRef{}, err
	}
	r := Render(doc)
	var msg *discordgo.Message
	err := a.retryRoute(ctx, "post message", discordgo.EndpointChannelMessages(channel), func() error {
		// (the files' readers afresh at each try: a rate-limited try read them)
		send := &discordgo.MessageSend{Embeds: r.Embeds, Components: r.Components, Files: r.files(), AllowedMentions: noMentions}
		var err error
		if doc.Mark != "" {
			msg, err = a.sendOnce(ctx, channel, send, markNonce(doc.Mark))
		} else {
			msg, err = a.s.ChannelMessageSendComplex(channel, send, discordgo.WithContext(ctx))
		}
		return err
	})
	if err != nil {
		return feedbackbot.PostRef{}, fmt.Errorf("discord: post to %s: %w", channel, err)
	}
	return feedbackbot.PostRef{Platform: feedbackbot.PlatformDiscord, Destination: channel, ID: msg.ID}, nil
}

// markNonce is the message nonce a Document.Mark is posted with: its SHA-256,
// in the 25 characters Discord takes.
func markNonce(mark string) string {
	sum := sha256.Sum256([]byte(mark))
	return hex.EncodeToString(sum[:])[:25]
}

// markRef is what a marked message (a digest's or an alert's post) shows of its
// Document.Mark, at the end of its last embed's footer: "ref " and the first 12
// hex digits of the mark's nonce. Discord keeps no field a reader does not see
// and a read of the channel returns (a message's nonce is not kept; Slack has
// message metadata), so the mark is shown, short: what FindPost finds the post
// by, among the bot's own messages.
func markRef(mark string) string {
	return "ref " + markNonce(mark)[:12]
}

// sendOnce posts send with nonce and enforce_nonce, which discordgo's
// MessageSend does not carry: Discord answers a post whose nonce the bot used
// in the last few minutes with the message it posted then instead of a second
// one. A digest or an alert whose post call failed after the message went out
// (a timeout), tried again at the next tick, is not shown twice. A replica
// taking over after a lease (minutes) is past that window: it finds the post
// by its ref (FindPost).
func (a *Adapter) sendOnce(ctx context.Context, channel string, send *discordgo.MessageSend, nonce string) (*discordgo.Message, error) {
	for _, e := range send.Embeds {
		if e.Type == "" {
			e.Type = discordgo.EmbedTypeRich // (as ChannelMessageSendComplex sets it)
		}
	}
	payload := struct {
		*discordgo.MessageSend
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
	}{send, nonce, true}
	endpoint := discordgo.EndpointChannelMessages(channel)
	var resp []byte
	var err error
	if len(send.Files) > 0 {
		contentType, body, err := discordgo.MultipartBodyWithJSON(payload, send.Files)
		if err != nil {
			return nil, err
		}
		resp, err = a.s.RequestRaw("POST", endpoint, contentType, body, endpoint, 0, discordgo.WithContext(ctx))
		if err != nil {
			return nil, err
		}
	} else if resp, err = a.s.RequestWithBucketID("POST", endpoint, payload, endpoint, discordgo.WithContext(ctx)); err != nil {
		return nil, err
	}
	var m discordgo.Message
	if err := json.Unmarshal(resp, &m); err != nil {
		return nil, fmt.Errorf("discord: the answer to a post: %w", err)
	}
	return &m, nil
}

// maxFindPages bounds the pages of history (100 messages each) FindPost reads.
const maxFindPages = 10

// FindPost finds the message the bot posted in channel with doc.Mark mark
// (its ref, markRef, at the end of an embed's footer), at or after since: a
// digest or an alert a replica posted and died before recording. It reads the
// channel's history forward from since (GET /channels/{id}/messages?after=, the
// Read Message History permission), a page of the oldest 100 after the last
// read at a time, to its end: the post came soon after since, so it is found in
// the first pages however busy the channel has been since (read newest first,
// down to since, it was not looked for past a thousand later messages). Only
// the bot's own messages count (a member could write the same ref). None is
// ENOTFOUND; a history that cannot be read is an error, and so is one of more
// than maxFindPages pages since since (a lookup that did not look everywhere
// does not say there is none).
func (a *Adapter) FindPost(ctx context.Context, channel, mark string, since time.Time) (feedbackbot.PostRef, error) {
	ref := markRef(mark)
	me, err := a.ownID(ctx)
	if err != nil {
		return feedbackbot.PostRef{}, fmt.Errorf("%w (looking for the bot's post %s in %s)", err, ref, channel)
	}
	after := "0"
	if !since.IsZero() {
		if first := snowflakeAt(since); first != "0" {
			after, _ = previousSnowflake(first) // (a message of since's own millisecond counts)
		}
	}
	for page := 1; ; page++ {
		var msgs []*discordgo.Message
		err := a.retryRoute(ctx, "get channel messages", discordgo.EndpointChannelMessages(channel), func() error {
			var err error
			msgs, err = a.s.ChannelMessages(channel, findPage, "", after, "", discordgo.WithContext(ctx))
			return err
		})
		if err != nil {
			return feedbackbot.PostRef{}, fmt.Errorf("discord: read the history of %s (looking for the bot's post %s): %w", channel, ref, err)
		}
		// (fewer than a page: the newest reached; a page's own order is newest first)
		done := len(msgs) < findPage
		for _, m := range msgs {
			if m.Author != nil && m.Author.ID == me && showsRef(m, ref) {
				return feedbackbot.PostRef{Platform: feedbackbot.PlatformDiscord, Destination: channel, ID: m.ID}, nil
			}
			if compareSnowflakes(m.ID, after) > 0 {
				after = m.ID
			}
		}
		if done && page == 1 && len(msgs) == 0 {
			// Discord answers a bot without Read Message History with no
			// messages, not an error: an empty channel says "none" only where
			// the bot may read it (a review's find: the post was made again, and
			// the sweep left a dead pass's message for good)
			if err := a.canReadHistory(ctx, channel); err != nil {
				return feedbackbot.PostRef{}, fmt.Errorf("discord: %s's history read empty, and %w; the bot's post %s not looked for", channel, err, ref)
			}
		}
		if done {
			return feedbackbot.PostRef{}, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "discord: no post %s of the bot's in %s since %s", ref, channel, since.UTC().Format(time.RFC3339))
		}
		if page == maxFindPages {
			return feedbackbot.PostRef{}, fmt.Errorf("discord: more than %d pages of %s's history since %s; the bot's post %s not looked for in all of them", maxFindPages, channel, since.UTC().Format(time.RFC3339), ref)
		}
	}
}

// findPage is the messages FindPost asks for at a time (Discord's most).
const findPage = 100

// canReadHistory is nil where the bot may read channel's history (access).
func (a *Adapter) canReadHistory(ctx context.Context, channel string) error {
	b, err := a.access(ctx, channel)
	if err != nil {
		return fmt.Errorf("whether the bot may read it could not be told: %w", err)
	}
	if b.perms&discordgo.PermissionReadMessageHistory == 0 {
		return errors.New("the bot lacks Read Message History there (Discord then answers with no messages)")
	}
	return nil
}

// showsRef says whether m shows ref at the end of an embed's footer.
func showsRef(m *discordgo.Message, ref string) bool {
	for _, e := range m.Embeds {
		if e != nil && e.Footer != nil && strings.HasSuffix(e.Footer.Text, ref) {
			return true
		}
	}
	return false
}

// ownID is the bot's user id: the gateway session's, or, before one is up
// (a standby replica's), GET /users/@me's, asked once.
func (a *Adapter) ownID(ctx context.Context) (string, error) {
	if id := a.botUserID(); id != "" {
		return id, nil
	}
	if id, _ := a.selfID.Load().(string); id != "" {
		return id, nil
	}
	var u *discordgo.User
	err := a.retry(ctx, "get the bot's user", func() error {
		var err error
		u, err = a.s.User("@me", discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("discord: ask who the bot is: %w", err)
	}
	if u == nil || u.ID == "" {
		return "", errors.New("discord: /users/@me named no user")
	}
	a.selfID.Store(u.ID)
	return u.ID, nil
}

// Update replaces a posted message's embeds and buttons (new evidence on an open
// alert, a recovery). Attachments stay as they were.
func (a *Adapter) Update(ctx context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error {
	if err := a.CheckDestination(ctx, ref.Destination); err != nil {
		return unknownMessage(err, ref) // (a channel deleted since: the message is gone with it)
	}
	r := Render(doc)
	components := r.Components
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	return unknownMessage(a.retryRoute(ctx, "edit message", discordgo.EndpointChannelMessage(ref.Destination, ""), func() error {
		_, err := a.s.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: ref.ID, Channel: ref.Destination, Embeds: &r.Embeds,
			Components: &components, AllowedMentions: noMentions}, discordgo.WithContext(ctx))
		return err
	}), ref)
}

// Delete deletes a message the bot posted: what an erasure does to an alert in a
// channel it may not post to any more (a deletion adds nothing there to read). A
// message already gone is ENOTFOUND.
func (a *Adapter) Delete(ctx context.Context, ref feedbackbot.PostRef) error {
	return unknownMessage(a.retryRoute(ctx, "delete message", discordgo.EndpointChannelMessage(ref.Destination, ""), func() error {
		return a.s.ChannelMessageDelete(ref.Destination, ref.ID, discordgo.WithContext(ctx))
	}), ref)
}

// unknownMessage marks Discord's Unknown Message as ENOTFOUND: the message was
// deleted in the chat; and Unknown Channel: the channel was, with the message
// (its posts were tried on every tick, never recorded gone, a review found).
func unknownMessage(err error, ref feedbackbot.PostRef) error {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeUnknownMessage {
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "discord message %s in %s is gone (deleted in Discord): %v", ref.ID, ref.Destination, err)
	}
	if errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeUnknownChannel {
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "discord channel %s is gone (deleted in Discord), and message %s with it: %v", ref.Destination, ref.ID, err)
	}
	return err
}
