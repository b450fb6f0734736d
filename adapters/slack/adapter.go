// Package slackadapter connects feedbackbot to Slack over the HTTP Events API: it
// verifies every request with the signing secret, turns message events (channel
// messages, thread replies, edits, deletions, Slack Connect customers) into capture
// events, answers /feedback and button presses through the bot, and posts digests
// and alerts as Block Kit, refusing any channel that is not internal.
package slackadapter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedbackbot/feedbackbot"
)

// Sink is where captured events go; it returns only after a durable write.
type Sink interface {
	Append(ctx context.Context, events ...feedbackbot.Event) (int, error)
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
		a.log.Error("slack: a survey question was not posted, and its cooldown could not be taken back", "err", err)
	}
}

// Config is the adapter's configuration. Secrets are plain strings here; the caller
// keeps them out of logs.
type Config struct {
	BotToken      string
	SigningSecret string
	APIURL        string // override of https://slack.com/api/ (tests, proxies)
	// TeamID is the home workspace: its members are staff. Learned from auth.test when empty.
	TeamID string
	// EnterpriseID is the home Enterprise Grid organisation, if any: its members count as home.
	EnterpriseID string
	TeamDomain   string // for permalinks, e.g. "acme" for acme.slack.com
	StaffUsers   []string
	// StaffUserGroups, when set, limit staff to members of these user groups.
	StaffUserGroups  []string
	ChannelAccounts  map[string]string // single-customer channels
	AccountNames     map[string]string // account id -> name
	IgnoreChannels   []string
	IgnoreUsers      []string
	InternalChannels []string // the only channels analysis may be posted to
	Logger           *slog.Logger
	// SurveyReaction, when set (e.g. "white_check_mark"), asks the customer a
	// satisfaction question in the thread when a staff member adds it to the
	// customer's message, for a SurveySample share (0..1) of messages, with the bot's
	// per-account cooldown. SurveyKind is csat or nps.
	SurveyReaction string
	SurveySample   float64
	SurveyKind     string
	// CommandTimeout is how long a slash command may take before the reply is deferred
	// to response_url (default 2.5s, inside Slack's 3-second limit).
	CommandTimeout time.Duration
}

// Validate reports every problem at once.
func (c *Config) Validate() []error {
	var errs []error
	if c.BotToken == "" {
		errs = append(errs, errors.New("slack: bot token is empty"))
	}
	if c.SigningSecret == "" {
		errs = append(errs, errors.New("slack: signing secret is empty: HTTP requests could not be verified"))
	}
	return errs
}

// Adapter is a running Slack connection.
type Adapter struct {
	cfg  Config
	api  *slack.Client
	sink Sink
	cmds Commands
	log  *slog.Logger

	mu        sync.Mutex
	seen      map[string]seenEvent // event_id -> its delivery, to drop Slack's retries cheaply
	scopes    []string             // the X-OAuth-Scopes header of Start's auth.test answer (nil: none)
	userTeams map[string]userInfo  // cached users.info
	// lastCustomer remembers a channel's last customer team (for staff replies), and
	// askedStore when the store was last asked for it (see storedCustomer).
	// threadCustomer is a thread's (keyed by its parent's message id): its last
	// customer account, or noThreadCustomer where its parent is no customer's and no
	// customer wrote in it yet (the channel's then counts); at most maxThreads.
	lastCustomer   map[string]string
	askedStore     map[string]time.Time
	threadCustomer map[string]string
	// customerOf is the account of each customer this replica captured a message
	// of (by user id, at most maxThreads), for the staff messages that mention them
	// (mentionedAccount).
	customerOf map[string]string
	wg         sync.WaitGroup // deferred command replies in flight
	http       httpDoer
	groups     map[string]groupCache // user group -> members, refreshed every 10 minutes
	botUser    string                // the bot's own user id (auth.test), whose thread replies Delete removes
	// uncaptured are the messages (channel:ts) this replica was delivered and did
	// not capture (a join, Slackbot's, a bot's) or saw deleted: a reaction to one
	// of them is not asked for again (see mayArriveLater); at most maxUncaptured,
	// the oldest forgotten first.
	uncaptured     map[string]bool
	uncapturedRing []string
	// offline adapters (imports) never call the Web API.
	offline bool
	// socketFailures counts Socket Mode's failed connection attempts since it
	// last connected (RunSocket's loop alone uses it).
	socketFailures int
}

type groupCache struct {
	members []string
	at      time.Time
}

// inStaffGroup reports whether user belongs to one of the configured staff groups.
func (a *Adapter) inStaffGroup(ctx context.Context, user string) (bool, error) {
	for _, g := range a.cfg.StaffUserGroups {
		a.mu.Lock()
		gc, ok := a.groups[g]
		a.mu.Unlock()
		if !ok || time.Since(gc.at) > 10*time.Minute {
			var members []string
			err := a.retry(ctx, func() error {
				var err error
				members, err = a.api.GetUserGroupMembersContext(ctx, g)
				return err
			})
			if err != nil {
				return false, fmt.Errorf("slack usergroups.users.list %s: %w", g, err)
			}
			gc = groupCache{members: members, at: time.Now()}
			a.mu.Lock()
			if a.groups == nil {
				a.groups = map[string]groupCache{}
			}
			a.groups[g] = gc
			a.mu.Unlock()
		}
		if slices.Contains(gc.members, user) {
			return true, nil
		}
	}
	return false, nil
}

type userInfo struct {
	team       string
	enterprise string
	restricted bool // a guest, or deactivated: never staff for access (commands, destinations)
	guest      bool // a guest (users.info's is_restricted or is_ultra_restricted): a customer in capture
	name       string
	bot        bool      // a bot or app user (ours among them): not a reader to worry about
	at         time.Time // when users.info said so (zero for an export's users.json)
}

// apiTimeout bounds one Slack Web API request, a chart's upload included.
const apiTimeout = time.Minute

// New builds an adapter. It does not contact Slack until it needs to.
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
	// Every Web API call is bounded (slack-go's default client has no timeout: a
	// connection that stalls held its caller until its context ended, a post's
	// two minutes, a review's find); calls that wait out a rate limit are tried
	// again by the adapter, each try bounded anew.
	opts := []slack.Option{slack.OptionHTTPClient(&http.Client{Timeout: apiTimeout})}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	return &Adapter{cfg: cfg, api: slack.New(cfg.BotToken, opts...), sink: sink, cmds: cmds, log: cfg.Logger,
		seen: map[string]seenEvent{}, userTeams: map[string]userInfo{}, http: defaultHTTP}, nil
}

// Start learns the home team from auth.test when it is not configured.
//
// It asks Slack (auth.test) even when the team is configured: the answer also names
// the Enterprise Grid organisation (whose colleagues in other workspaces are staff,
// not customers) and the workspace's domain (the permalinks of quotes in digests
// and alerts), which the configuration did not set, so neither was known whenever
// slack.team_id was (a review's find).
func (a *Adapter) Start(ctx context.Context) error {
	resp, err := a.api.AuthTestContext(ctx)
	if err != nil {
		// The hint follows the failure: the token is blamed only when Slack answered
		// that it is not valid (a DNS failure or a refused connection said "is
		// SLACK_BOT_TOKEN valid?" too, a review found).
		where := cmp.Or(a.cfg.APIURL, slack.APIURL)
		if u, perr := url.Parse(where); perr == nil {
			where = u.Redacted()
		}
		var (
			answer  slack.SlackErrorResponse
			status  slack.StatusCodeError
			limited *slack.RateLimitedError
			uerr    *url.Error
		)
		switch {
		case errors.As(err, &answer):
			switch answer.Err {
			case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type",
				"ekm_access_denied", "team_access_not_granted", "org_login_required":
				return fmt.Errorf("slack auth.test: Slack says SLACK_BOT_TOKEN is not valid (%w): set it to the app's Bot User OAuth Token "+
					"(xoxb-..., on the app's OAuth & Permissions page), and reinstall the app if it was revoked", err)
			}
			return fmt.Errorf("slack auth.test: Slack answered with an error (%w); the token was not refused", err)
		case errors.As(err, &limited):
			return fmt.Errorf("slack auth.test: Slack is rate limiting this app; try again later: %w", err)
		case errors.As(err, &status):
			return fmt.Errorf("slack auth.test: the Slack API at %s answered HTTP %d, not Slack's answer (is SLACK_API_URL right, or is Slack down?): %w",
				where, status.Code, err)
		case errors.As(err, &uerr), ctx.Err() != nil:
			return fmt.Errorf("slack auth.test: cannot reach Slack at %s (the network, DNS, a proxy, or SLACK_API_URL; the token was not checked): %w", where, err)
		}
		return fmt.Errorf("slack auth.test: no usable answer from the Slack API at %s (is SLACK_API_URL right?): %w", where, err)
	}
	switch {
	case a.cfg.TeamID == "":
		a.cfg.TeamID = resp.TeamID
	case a.cfg.TeamID != resp.TeamID:
		a.log.Warn("slack: the bot token belongs to another workspace than slack.team_id; keeping slack.team_id", "team_id", a.cfg.TeamID, "token_team", resp.TeamID)
	}
	a.cfg.EnterpriseID = cmp.Or(a.cfg.EnterpriseID, resp.EnterpriseID)
	a.mu.Lock()
	a.botUser = resp.UserID
	a.scopes = resp.Header["X-Oauth-Scopes"] // (MissingScopes' answer, without asking again)
	a.mu.Unlock()
	if a.cfg.TeamDomain == "" {
		a.cfg.TeamDomain = teamDomain(resp.URL)
	}
	a.log.Info("slack connected", "team", a.cfg.TeamID, "enterprise", a.cfg.EnterpriseID, "domain", a.cfg.TeamDomain, "bot_user", resp.UserID)
	return nil
}

// teamDomain is the workspace's domain in auth.test's URL ("https://acme.slack.com/"
// is "acme"; a Grid workspace's "acme.enterprise"), or "" when it is not a Slack URL.
func teamDomain(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	d, ok := strings.CutSuffix(u.Hostname(), ".slack.com")
	if !ok || d == "" {
		return ""
	}
	return d
}

// Close waits for deferred command replies to finish.
func (a *Adapter) Close() { a.wg.Wait() }

// delivery is what the adapter knows of an event id.
type delivery int

const (
	deliveryNew      delivery = iota // not seen: capture it
	deliveryInFlight                 // being captured now: not acknowledged yet
	deliveryDone                     // captured: a retry is acknowledged at once
)

// seenEvent is an event id's delivery: when it was first seen, and whether its
// capture has succeeded.
type seenEvent struct {
	at   time.Time
	done bool
}

// claimDelivery records an event id as being captured and reports what it was
// before: new (the caller captures it, then calls delivered or forget), in flight (a
// retry that came while the first delivery is still being written: it must not be
// acknowledged, since that write may yet fail) or done. Entries older than an hour
// are forgotten: Slack retries within minutes.
func (a *Adapter) claimDelivery(id string, now time.Time) delivery {
	if id == "" {
		return deliveryNew
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, ok := a.seen[id]; ok {
		if e.done {
			return deliveryDone
		}
		return deliveryInFlight
	}
	if len(a.seen) > 50_000 {
		for k, e := range a.seen {
			if now.Sub(e.at) > time.Hour {
				delete(a.seen, k)
			}
		}
	}
	a.seen[id] = seenEvent{at: now}
	return deliveryNew
}

// delivered marks a claimed event id as captured.
func (a *Adapter) delivered(id string) {
	if id == "" {
		return
	}
	a.mu.Lock()
	if e, ok := a.seen[id]; ok {
		e.done = true
		a.seen[id] = e
	}
	a.mu.Unlock()
}

// forget undoes claimDelivery when capture failed, so Slack's retry is processed.
func (a *Adapter) forget(id string) {
	a.mu.Lock()
	delete(a.seen, id)
	a.mu.Unlock()
}

// userTTL bounds how long a looked-up user is trusted: a member made a guest, or
// deactivated, stops counting as staff within it.
const userTTL = 10 * time.Minute

// user looks up (and caches for userTTL) a user's team and status.
func (a *Adapter) user(ctx context.Context, id string) (userInfo, error) {
	a.mu.Lock()
	u, ok := a.userTeams[id]
	a.mu.Unlock()
	if ok && (a.offline || time.Since(u.at) < userTTL) { // an export's users.json does not change
		return u, nil
	}
	if a.offline {
		return userInfo{}, feedbackbot.Errorf(feedbackbot.EINVALID, "user %s is not in the export's users.json", id)
	}
	var info *slack.User
	err := a.retry(ctx, func() error {
		var err error
		info, err = a.api.GetUserInfoContext(ctx, id)
		return err
	})
	if err != nil {
		return userInfo{}, fmt.Errorf("slack users.info %s: %w", id, err)
	}
	guest := info.IsRestricted || info.IsUltraRestricted
	u = userInfo{team: info.TeamID, enterprise: info.Enterprise.EnterpriseID, restricted: guest || info.Deleted, guest: guest,
		name: info.Name, bot: info.IsBot || info.IsAppUser, at: time.Now()}
	a.mu.Lock()
	a.userTeams[id] = u
	a.mu.Unlock()
	return u, nil
}

func (a *Adapter) isHome(team, enterprise string) bool {
	return team != "" && team == a.cfg.TeamID || (a.cfg.EnterpriseID != "" && enterprise == a.cfg.EnterpriseID)
}

func (a *Adapter) ignored(channel, user string) bool {
	return slices.Contains(a.cfg.IgnoreChannels, channel) || slices.Contains(a.cfg.IgnoreUsers, user)
}
