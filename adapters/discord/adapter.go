// Package discordadapter connects feedbackbot to Discord communities through the
// gateway (discordgo): it captures messages, thread and forum posts, edits, deletions
// and reactions in the configured guild channels, recognises staff by role, answers
// the /feedback application command, and posts digests (embeds with the chart
// attached) and alerts (with buttons) only into channels community members cannot
// read. It also imports DiscordChatExporter JSON files.
//
// Several replicas may run with the same bot token: with a lease configured, only
// the replica holding it opens the gateway, and the others take over when it is
// released or expires. After every fresh gateway session (not a resume), messages
// written while no session was up are fetched over REST and captured.
package discordadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/adapters/recent"
	"github.com/feedbackbot/feedbackbot/store"
)

// Sink is where captured events go; it returns only after a durable write.
type Sink interface {
	Append(ctx context.Context, events ...feedbackbot.Event) (int, error)
}

// queueSink is a sink that counts captures (bot.Capture, as run wires it): the
// capture queue hands a batch over once and then retries it itself until the
// store takes it, since Discord never sends an event again. AppendQueued's retry
// says the batch was handed over before, so that its events are counted once and
// a failed attempt is no capture given up on; QueueGaveUp counts a batch the queue
// gives up on (lost).
type queueSink interface {
	AppendQueued(ctx context.Context, retry bool, events ...feedbackbot.Event) (int, error)
	QueueGaveUp(events int)
}

// messageLookup is implemented by stores; reactions update the stored message.
type messageLookup interface {
	Message(ctx context.Context, key string) (store.Stored, error)
}

// Commands answers /feedback and button presses (the bot).
type Commands interface {
	HandleCommand(ctx context.Context, cmd feedbackbot.Command) (feedbackbot.Document, error)
}

// surveyWithdrawer takes back the cooldown of a survey question the adapter could
// not post (the bot's SurveyNotSent): asking wrote it, and without this a failed
// post kept the customer from being asked for 30 days.
type surveyWithdrawer interface {
	SurveyNotSent(ctx context.Context, workspace string, doc feedbackbot.Document) error
}

// surveyNotSent tells the bot that doc, what it answered, was not posted: a survey
// question's cooldown is taken back (the bot leaves any other document alone, and
// does it whether or not ctx has ended).
func (a *Adapter) surveyNotSent(ctx context.Context, workspace string, doc feedbackbot.Document) {
	w, ok := a.cmds.(surveyWithdrawer)
	if !ok {
		return
	}
	if err := w.SurveyNotSent(ctx, workspace, doc); err != nil {
		a.log.Error("discord: a survey question was not posted, and its cooldown could not be taken back", "err", err)
	}
}

// Intents are the gateway intents the adapter asks for. Message Content is privileged:
// it must be enabled in the Developer Portal. Guild Members is not needed: message and
// interaction payloads carry the author's roles, and the few whose roles they do not
// carry (REST messages' authors, the author of a message replied to that capture
// did not store) are read one at a time over REST.
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent |
	discordgo.IntentsGuildMessageReactions

// Config is the adapter's configuration. The token is a plain string here; the
// caller keeps it out of logs.
type Config struct {
	Token string
	// Guilds limits capture and command registration to these guilds (all the bot is in when empty).
	Guilds []string
	// Channels limits capture to these channels (and their threads); all readable ones when empty.
	Channels       []string
	IgnoreChannels []string
	// StaffRoles are role ids whose members are staff; StaffUsers are user ids. A
	// guild's owner is staff in the guilds listed in Guilds (with Guilds empty, in a
	// guild holding an internal channel: see ownerTrusted).
	StaffRoles []string
	StaffUsers []string
	// RoleAccounts maps a role id (e.g. "customer-acme") to an account id; ChannelAccounts
	// maps a channel id to the account whose channel it is.
	RoleAccounts    map[string]string
	ChannelAccounts map[string]string
	AccountNames    map[string]string
	// InternalChannels are the only channels analysis may be posted to, and only while
	// no community member can read them.
	InternalChannels []string
	Logger           *slog.Logger
	// CommandTimeout is how long after Discord created an interaction a command's
	// reply may come before it is deferred (default 2.5s, inside Discord's 3-second
	// limit, which counts from the creation too).
	CommandTimeout time.Duration
	// MaxBackoff caps the wait between reconnection attempts (default 2 minutes).
	MaxBackoff time.Duration
	// OpenTimeout bounds one connection to the gateway without a lease (dial,
	// hello, identify; default 30s): a gateway that accepts the connection and then
	// says nothing is abandoned and retried, instead of holding start-up, reconnects
	// and shutdown forever. With a lease, the lease's deadline bounds it instead.
	OpenTimeout time.Duration
	// SurveyReaction, when set (e.g. "✅"), asks the customer a satisfaction question
	// when a staff member puts it on the customer's message, for a SurveySample share
	// (0..1) of messages, with the bot's per-account cooldown. SurveyKind is csat or nps.
	SurveyReaction string
	SurveySample   float64
	SurveyKind     string
	// CaptureQueue bounds events waiting for the store (default 10,000). When it is
	// full, the gateway reader waits: Discord then replays the missed events on resume.
	CaptureQueue int

	// Lease, when set, makes the gateway single across replicas that share a store:
	// only the replica holding the lease GatewayLease (as LeaseHolder) opens it; the
	// others stand by and take over once it is released or has expired. Without a
	// lease the adapter always connects.
	Lease Leases
	// LeaseHolder names this replica (e.g. hostname:pid); required with Lease.
	LeaseHolder string
	// LeaseTTL is how long the lease lasts unrenewed (default 30s): the takeover time
	// after a holder dies without releasing it. It is renewed every LeaseTTL/3.
	LeaseTTL time.Duration
	// CatchUpPages bounds, per channel, the REST pages of 100 messages fetched after a
	// fresh gateway session (default 10).
	CatchUpPages int
}

// Leases is what the adapter needs from the store to elect the replica that holds
// the gateway (store.Leases provides it).
type Leases interface {
	// AcquireLease takes the lease for holder, or renews it if holder has it; false
	// while another holder's lease is unexpired.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder has it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// GatewayLease is the name of the lease whose holder opens the gateway.
const GatewayLease = "discord-gateway"

// Validate reports every problem at once.
func (c *Config) Validate() []error {
	var errs []error
	if strings.TrimSpace(strings.TrimPrefix(c.Token, "Bot ")) == "" {
		errs = append(errs, errors.New("discord: token is empty (set DISCORD_TOKEN)"))
	}
	if c.Lease != nil && strings.TrimSpace(c.LeaseHolder) == "" {
		errs = append(errs, errors.New("discord: a gateway lease needs a holder name"))
	}
	if c.LeaseTTL < 0 {
		errs = append(errs, fmt.Errorf("discord: lease ttl %s is negative", c.LeaseTTL))
	}
	for role := range c.RoleAccounts {
		if slices.Contains(c.StaffRoles, role) {
			errs = append(errs, fmt.Errorf("discord: role %s is both a staff role and a customer account role", role))
		}
	}
	return errs
}

// Adapter is a Discord connection.
type Adapter struct {
	cfg  Config
	s    *discordgo.Session
	sink Sink
	cmds Commands
	log  *slog.Logger

	queue   chan feedbackbot.Event
	qmu     sync.RWMutex // guards qclosed; enqueue holds it for reading
	qclosed bool
	// recent holds the newest version of recent messages as queued for the log,
	// for reactions; captureMu orders a reaction's read and queueing against the
	// captures' queueing (captures share it, reactions take it alone).
	recent       *recent.Messages
	captureMu    sync.RWMutex
	members      memberCache  // members read over REST, for a while
	selfID       atomic.Value // string: the bot's user id as GET /users/@me gave it (ownID)
	captureDone  chan struct{}
	drainUntil   time.Time // the capture loop's own: when a shutdown's retries end
	drainLost    bool      // the capture loop's own: an attempt failed past drainUntil, the rest go untried
	disconnected chan struct{}
	wg           sync.WaitGroup // interactions, registrations and surveys in flight
	// base is cancelled at shutdown: background work (registration, surveys) stops.
	base     context.Context
	stopBase context.CancelFunc
	// reactionsWaiting counts the messages whose reactions wait for the store, and
	// waiting holds those reactions by message key (reactions).
	reactionsWaiting atomic.Int64
	waitMu           sync.Mutex
	waiting          map[string]*waitingReactions
	changeSeq        atomic.Uint64 // numbers the reactions and edits built on a message's captured version, as they arrive

	mu         sync.Mutex
	botReacted map[string]bool      // bots seen reacting (their removals are not counted either)
	registered map[string]bool      // guilds whose commands are registered
	threadLast map[string]string    // thread or channel -> last customer account seen
	askedStore map[string]time.Time // thread or channel -> when the store was asked for it
	appID      string
	failures   int64 // capture batches that failed and were retried
	fatal      error // a refusal seen by discordgo's reader
	// catch-up after a fresh session: guilds whose GUILD_CREATE is awaited, with the
	// time the session became ready, and the context of the session's catch-up.
	catchUpFor    map[string]time.Time
	catchUpCtx    context.Context
	catchUpCancel context.CancelFunc

	lead leader // lease state; only Start and then Run touch it
}

// noteFatal remembers a gateway close that reconnecting cannot cure.
func (a *Adapter) noteFatal(err error) {
	var fatal *FatalError
	if errors.As(classify(err), &fatal) {
		a.mu.Lock()
		a.fatal = fatal
		a.mu.Unlock()
	}
}

func (a *Adapter) fatalErr() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.fatal
}

// dgLogger receives discordgo's own log lines (it has one global logger); the
// newest adapter's logger wins. Its debug lines (which include the identify
// payload) are never enabled, so the bot token cannot reach the log; the lines
// that are logged are redacted, as a request's URL may hold an interaction's token.
//
// It is also how a gateway close code that arrives while connected (discordgo's
// reader logs it, then reconnects) reaches the adapter: 4004 or 4014 after a
// resume-then-identify must stop the adapter, not loop.
var (
	dgLogger  atomic.Pointer[slog.Logger]
	dgAdapter atomic.Pointer[Adapter]
)

func init() {
	discordgo.Logger = func(level, _ int, format string, args ...any) {
		if a := dgAdapter.Load(); a != nil {
			for _, arg := range args {
				if err, ok := arg.(error); ok {
					a.noteFatal(err)
				}
			}
		}
		l := dgLogger.Load()
		if l == nil || level > discordgo.LogWarning {
			return
		}
		lv := slog.LevelWarn
		if level == discordgo.LogError {
			lv = slog.LevelError
		}
		l.Log(context.Background(), lv, "discordgo: "+redactTokens(fmt.Sprintf(format, args...)))
	}
}

// FatalError is a gateway refusal that reconnecting cannot cure (bad token, intents).
type FatalError struct {
	Code int
	msg  string
}

func (e *FatalError) Error() string { return e.msg }

// New builds an adapter. It does not contact Discord until Start.
func New(cfg Config, sink Sink, cmds Commands) (*Adapter, error) {
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 2500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 2 * time.Minute
	}
	if cfg.OpenTimeout <= 0 {
		cfg.OpenTimeout = 30 * time.Second
	}
	if cfg.CaptureQueue <= 0 {
		cfg.CaptureQueue = 10_000
	}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.CatchUpPages <= 0 {
		cfg.CatchUpPages = 10
	}
	token := strings.TrimSpace(cfg.Token)
	if !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	s.Identify.Intents = Intents
	// We reconnect ourselves so that a refused token or intent stops with an
	// explanation instead of retrying forever, and we wait out rate limits ourselves
	// so that a context can cancel the wait.
	s.ShouldReconnectOnError = false
	s.ShouldRetryOnRateLimit = false
	s.SyncEvents = true // capture in gateway order: a create before its edit
	s.LogLevel = discordgo.LogWarning
	dgLogger.Store(cfg.Logger)
	s.StateEnabled = true
	a := &Adapter{cfg: cfg, s: s, sink: sink, cmds: cmds, log: cfg.Logger, recent: recent.New(reactableMessages),
		queue: make(chan feedbackbot.Event, cfg.CaptureQueue), captureDone: make(chan struct{}),
		disconnected: make(chan struct{}, 1), registered: map[string]bool{}, threadLast: map[string]string{}, askedStore: map[string]time.Time{},
		catchUpFor: map[string]time.Time{}}
	a.base, a.stopBase = context.WithCancel(context.Background())
	a.catchUpCtx, a.catchUpCancel = context.WithCancel(a.base)
	dgAdapter.Store(a)
	s.AddHandler(a.onReady)
	s.AddHandler(a.onGuildCreate)
	s.AddHandler(a.onMessageCreate)
	s.AddHandler(a.onMessageUpdate)
	s.AddHandler(a.onMessageDelete)
	s.AddHandler(a.onMessageDeleteBulk)
	s.AddHandler(a.onReactionAdd)
	s.AddHandler(a.onReactionRemove)
	s.AddHandler(a.onReactionRemoveAll)
	s.AddHandler(a.onRawEvent)
	s.AddHandler(a.onThreadDelete)
	s.AddHandler(a.onChannelDelete)
	s.AddHandler(a.onChannelUpdate)
	s.AddHandler(a.onGuildRoleUpdate)
	s.AddHandler(a.onInteraction)
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		select {
		case a.disconnected <- struct{}{}:
		default:
		}
	})
	return a, nil
}

// Session exposes the discordgo session (for tests and diagnostics).
func (a *Adapter) Session() *discordgo.Session { return a.s }

// Start connects to the gateway. A refused token (4004) or a refused privileged
// intent (4014) returns a *FatalError explaining what to change.
//
// With a lease configured, Start connects only if this replica gets the lease;
// otherwise it checks the token over REST (so a bad token shows on every replica)
// and stands by: Run takes the gateway over when the lease becomes free.
func (a *Adapter) Start(ctx context.Context) error {
	go a.captureLoop(ctx)
	a.dialGatewayOurselves()
	if a.cfg.Lease == nil {
		if err := a.openBounded(ctx); err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	}
	return a.startLeased(ctx)
}

// Run keeps the connection up until ctx ends, reconnecting (and resuming the session
// where Discord allows) with exponential backoff. It returns a *FatalError when
// Discord refuses the bot for good, and nil after a clean shutdown. With a lease
// configured, it also renews the lease, connects while it holds it and closes the
// gateway when it does not (see runLeased).
func (a *Adapter) Run(ctx context.Context) error {
	defer a.shutdown()
	if a.cfg.Lease != nil {
		return a.runLeased(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.disconnected:
		}
		if ctx.Err() != nil {
			return nil
		}
		if err := a.reconnect(ctx); err != nil || ctx.Err() != nil {
			return err
		}
	}
}

// reconnect opens the gateway, retrying with exponential backoff, until it is open
// (nil), ctx ends (nil) or Discord refuses the bot for good (*FatalError).
func (a *Adapter) reconnect(ctx context.Context) error {
	wait := time.Second
	for {
		if err := a.fatalErr(); err != nil {
			return err
		}
		err := a.openBounded(ctx)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		var fatal *FatalError
		if errors.As(err, &fatal) {
			return err
		}
		a.log.Warn("discord gateway reconnect failed; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(wait*2, a.cfg.MaxBackoff)
	}
}

// shutdown closes the gateway (and gives the lease up, so that a standby replica
// takes over at once), finishes interactions in flight and drains the capture queue
// into the store.
func (a *Adapter) shutdown() {
	if a.cfg.Lease != nil {
		a.closeHolding()
		a.release()
	} else {
		_ = a.s.Close()
	}
	a.stopBase()
	a.wg.Wait()
	a.qmu.Lock()
	if !a.qclosed {
		a.qclosed = true
		close(a.queue)
	}
	a.qmu.Unlock()
	<-a.captureDone
}

// errOpenTimeout says the gateway took longer than OpenTimeout to let us in.
var errOpenTimeout = errors.New("no answer from the gateway in time")

// openBounded opens the gateway without a lease, abandoning the attempt (closing its
// connections, which makes discordgo's Open return) when ctx ends or OpenTimeout
// passes: discordgo reads the gateway's hello with no deadline, and holds the
// session's lock meanwhile, which Close needs too.
func (a *Adapter) openBounded(ctx context.Context) error {
	a.lead.conns.begin()
	defer a.lead.conns.end()
	done := make(chan error, 1)
	go func() { done <- a.open() }()
	timer := time.NewTimer(a.cfg.OpenTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		a.lead.conns.abort()
		<-done
		return ctx.Err()
	case <-timer.C:
		a.lead.conns.abort()
		if err := <-done; err == nil {
			// It opened as time ran out: the abort closed its connection, so the
			// session's disconnect brings Run back here.
			return nil
		}
		return fmt.Errorf("discord: cannot connect to the gateway (it accepted the connection but did not complete the handshake within %s): %w",
			a.cfg.OpenTimeout, errOpenTimeout)
	}
}

func (a *Adapter) open() error {
	err := a.s.Open()
	if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
		return nil
	}
	return classify(err)
}

// classify turns the gateway's refusals into explanations.
func classify(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004:
			return &FatalError{Code: 4004, msg: "discord rejected the bot token (gateway close 4004, authentication failed): " +
				"set DISCORD_TOKEN to the bot token from the Developer Portal (Applications → your app → Bot → Reset Token), " +
				"not the client secret or the application id"}
		case 4014:
			return &FatalError{Code: 4014, msg: "discord refused the privileged Message Content intent (gateway close 4014, disallowed intents): " +
				"feedbackbot needs it to read what members write. Enable it in the Developer Portal (Applications → your app → Bot → " +
				"Privileged Gateway Intents → Message Content Intent) and restart; apps in 100 or more servers need Discord's approval for it"}
		case 4013:
			return &FatalError{Code: 4013, msg: "discord says the intents sent are invalid (gateway close 4013); this is a feedbackbot bug, please report it"}
		case 4011:
			return &FatalError{Code: 4011, msg: "discord requires sharding for this bot (gateway close 4011, sharding required): it is in more servers " +
				"than one gateway connection may serve (Discord requires sharding from 2,500 servers), and feedbackbot does not support sharding yet. " +
				"Remove the bot from the servers it does not serve, or use a separate bot application for each group of servers"}
		case 4010:
			return &FatalError{Code: 4010, msg: "discord says the shard sent when identifying is invalid (gateway close 4010, invalid shard); " +
				"feedbackbot does not use sharding, so this is a feedbackbot bug, please report it"}
		case 4012:
			return &FatalError{Code: 4012, msg: "discord no longer accepts gateway API version " + discordgo.APIVersion + " (close 4012); upgrade feedbackbot"}
		}
		return fmt.Errorf("discord gateway closed the connection (%d %s): %w", ce.Code, ce.Text, err)
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == 401 || errors.Is(err, discordgo.ErrUnauthorized) {
		return &FatalError{Code: 401, msg: "discord rejected the bot token (HTTP 401): set DISCORD_TOKEN to the bot token from the Developer Portal (Applications → your app → Bot)"}
	}
	return fmt.Errorf("discord: cannot connect to the gateway (is discord.com reachable from here?): %w", err)
}

// onReady remembers the application id, needed to register and answer commands.
// READY starts a fresh session (a resume gets RESUMED instead): Discord replays
// nothing from before it, so each guild's GUILD_CREATE that follows starts a
// catch-up over REST (see catchUp).
func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	now := time.Now()
	a.mu.Lock()
	if r.Application != nil {
		a.appID = r.Application.ID
	}
	a.catchUpCancel() // a previous session's catch-up: this one starts over
	a.catchUpCtx, a.catchUpCancel = context.WithCancel(a.base)
	clear(a.catchUpFor)
	for _, g := range r.Guilds {
		if g != nil && a.guildAllowed(g.ID) {
			a.catchUpFor[g.ID] = now
		}
	}
	a.mu.Unlock()
	a.log.Info("discord connected", "bot_user", r.User.ID, "guilds", len(r.Guilds))
}

// onGuildCreate registers /feedback in each guild once per process and, after a
// fresh session, catches up on what the guild's channels missed.
func (a *Adapter) onGuildCreate(_ *discordgo.Session, g *discordgo.GuildCreate) {
	if g.Guild == nil || !a.guildAllowed(g.ID) {
		return
	}
	a.mu.Lock()
	done := a.registered[g.ID]
	appID := a.appID
	a.registered[g.ID] = true
	readyAt, catchUp := a.catchUpFor[g.ID]
	delete(a.catchUpFor, g.ID)
	cctx := a.catchUpCtx
	a.mu.Unlock()
	if catchUp {
		chans := a.catchUpChannels(g.Guild)
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.catchUp(cctx, g.ID, chans, readyAt)
		}()
	}
	if done || appID == "" {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(a.base, 30*time.Second)
		defer cancel()
		if err := a.RegisterCommands(ctx, g.ID); err != nil {
			a.log.Error("discord: registering /feedback failed", "guild", g.ID, "err", err)
			a.mu.Lock()
			a.registered[g.ID] = false
			a.mu.Unlock()
		}
	}()
}

func (a *Adapter) guildAllowed(id string) bool {
	return len(a.cfg.Guilds) == 0 || slices.Contains(a.cfg.Guilds, id)
}

// Failures counts capture batches that failed and were retried.
func (a *Adapter) Failures() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failures
}

// captureLoop writes queued events to the store in order, batching what has piled
// up, and retries with backoff while the store is unavailable: nothing is dropped.
func (a *Adapter) captureLoop(ctx context.Context) {
	defer close(a.captureDone)
	batch := make([]feedbackbot.Event, 0, 64)
	for ev := range a.queue {
		batch = append(batch[:0], ev)
	fill:
		for len(batch) < cap(batch) {
			select {
			case more, ok := <-a.queue:
				if !ok {
					break fill
				}
				batch = append(batch, more)
			default:
				break fill
			}
		}
		a.write(ctx, batch)
	}
}

// write appends a batch, retrying (with backoff) until the store takes it. A batch
// the store refuses as invalid is written event by event, each retried the same
// way, so that one bad event neither blocks the rest nor, while the store also has
// an outage, takes good ones down with it (they were tried once each).
func (a *Adapter) write(ctx context.Context, batch []feedbackbot.Event) {
	a.writeBatch(ctx, batch, false)
}

// writeBatch is write; handed says the batch's events were handed to the sink
// before (a batch refused whole, now written one by one): a counting sink
// (queueSink) counts each event once, however often it is tried.
func (a *Adapter) writeBatch(ctx context.Context, batch []feedbackbot.Event, handed bool) {
	wait := 100 * time.Millisecond
	for {
		// A short-lived context per attempt: shutdown still drains the queue. While
		// stopping, no attempt outlasts the drain's grace, and once one has failed
		// past it the rest are given up at once: a store that hangs rather than
		// refusing held each batch of a full queue for its 10 s, some 26 minutes
		// in all (a review's find).
		timeout := 10 * time.Second
		if a.base.Err() != nil {
			if a.drainUntil.IsZero() {
				a.drainUntil = time.Now().Add(captureDrainGrace)
			}
			if a.drainLost {
				a.log.Error("discord capture: the store stayed unreachable during shutdown; events not stored (Discord will not send them again: run feedbackbot import or rely on the next start's catch-up)",
					"events", len(batch))
				a.gaveUp(len(batch))
				return
			}
			timeout = min(timeout, max(time.Until(a.drainUntil), minDrainAttempt))
		}
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		_, err := a.appendBatch(actx, handed, batch)
		cancel()
		if err == nil {
			return
		}
		handed = true
		a.mu.Lock()
		a.failures++
		a.mu.Unlock()
		if feedbackbot.ErrorCode(err) == feedbackbot.EINVALID {
			if len(batch) == 1 {
				a.log.Error("discord capture: event refused", "key", batch[0].Message.Key(), "err", err)
				a.gaveUp(1)
				return
			}
			a.log.Warn("discord capture: the store refused a batch; writing its events one by one", "events", len(batch), "err", err)
			for _, ev := range batch {
				a.writeBatch(ctx, []feedbackbot.Event{ev}, true)
			}
			return
		}
		if a.base.Err() != nil { // stopping: the drain is bounded
			if a.drainUntil.IsZero() {
				a.drainUntil = time.Now().Add(captureDrainGrace)
			}
			if time.Now().After(a.drainUntil) {
				// A store still down this long into a shutdown would hold the process
				// until it is killed, losing these anyway: say so, and let it stop.
				a.drainLost = true
				a.log.Error("discord capture: the store stayed unreachable during shutdown; events not stored (Discord will not send them again: run feedbackbot import or rely on the next start's catch-up)",
					"events", len(batch), "err", err)
				a.gaveUp(len(batch))
				return
			}
		}
		// (Discord does not redeliver: this queue tries again, nothing is lost yet)
		a.log.Warn("discord capture: store write failed; the capture queue retries it (Discord does not redeliver)", "events", len(batch), "err", err, "in", wait)
		time.Sleep(wait)
		wait = min(wait*2, 5*time.Second)
	}
}

// appendBatch hands a batch to the sink: through AppendQueued where the sink
// counts captures (retry: the batch was handed over before).
func (a *Adapter) appendBatch(ctx context.Context, retry bool, batch []feedbackbot.Event) (int, error) {
	if q, ok := a.sink.(queueSink); ok {
		return q.AppendQueued(ctx, retry, batch...)
	}
	return a.sink.Append(ctx, batch...)
}

// gaveUp tells a counting sink (queueSink) that the capture queue gave up on
// events: they are lost.
func (a *Adapter) gaveUp(events int) {
	if q, ok := a.sink.(queueSink); ok {
		q.QueueGaveUp(events)
	}
}

// minDrainAttempt is the shortest attempt a shutdown's drain gives a batch: past
// its grace, a store that answers, slowly too, still takes the rest of the queue
// (250 ms gave up the queue behind one batch of a store taking 350 ms, a
// review found), and one that hangs costs the grace and one such attempt.
const minDrainAttempt = 2 * time.Second

// captureDrainGrace bounds how long a shutdown keeps retrying queued events against
// a store that does not answer (a variable for tests).
var captureDrainGrace = 15 * time.Second

// enqueue hands events to the capture loop, waiting when the queue is full.
func (a *Adapter) enqueue(events ...feedbackbot.Event) {
	a.captureMu.RLock()
	defer a.captureMu.RUnlock()
	a.push(events...)
}

// reactableMessages is how many recently captured messages the adapter remembers for
// the reactions to them (about a megabyte per thousand).
const reactableMessages = 10_000

// push queues events for the log, in order, and remembers the newest version of
// each message (the queue never drops an event, so what is queued is what the log
// will hold); a deletion drops the changes waiting for the store for its message
// (dropWaitingReactions). The caller holds captureMu.
func (a *Adapter) push(events ...feedbackbot.Event) {
	a.qmu.RLock()
	defer a.qmu.RUnlock()
	if a.qclosed {
		// (a handler the gateway's close did not wait for: lost, and counted as the
		// queue's own give-ups are)
		a.log.Error("discord capture arrived during shutdown and was not stored", "events", len(events))
		a.gaveUp(len(events))
		return
	}
	for _, ev := range events {
		if ev.Kind == feedbackbot.EventDelete {
			a.dropWaitingReactions(ev.Message.Key(), a.changeSeq.Load()) // (they came before the deletion)
		}
		a.queue <- ev
		a.recent.Apply(ev)
	}
}
