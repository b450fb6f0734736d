// Package config loads feedbackbot's configuration: one typed struct from a YAML file
// plus environment overrides, validated at start with every problem reported at once.
// Secrets come only from the environment or from files and never print their value.
package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/health"
)

// DefaultFile is read when --config is not given and the file exists.
const DefaultFile = "feedbackbot.yaml"

// MaxFileBytes bounds the config file we are willing to parse.
const MaxFileBytes = 1 << 20

// Config is the whole configuration.
type Config struct {
	Store    Store                 `yaml:"store"`
	Server   Server                `yaml:"server"`
	Log      Log                   `yaml:"log"`
	Analysis Analysis              `yaml:"analysis"`
	Accounts []feedbackbot.Account `yaml:"accounts"`
	Slack    Slack                 `yaml:"slack"`
	Discord  Discord               `yaml:"discord"`
	Digests  []Digest              `yaml:"digests"`
	Targets  ResponseTargets       `yaml:"response_targets"`
	Alerts   Alerts                `yaml:"alerts"`
	Surveys  Surveys               `yaml:"surveys"`
	// Retention bounds how long customer messages are kept.
	Retention Retention `yaml:"retention"`

	// fromEnv names, by a setting's YAML key ("log.level"), the environment
	// variable that set it ("FEEDBACKBOT_LOG_LEVEL"): a problem with its value
	// names what the user set (FEEDBACKBOT_LOG_LEVEL=verbose was reported as
	// log.level, which no file of theirs wrote: a review's find).
	fromEnv map[string]string
	// slackModeInferred: slack.mode was set by nobody, but inferred from the
	// tokens present (http without SLACK_APP_TOKEN): a problem with it names the
	// tokens, not a slack.mode the user never wrote.
	slackModeInferred bool
}

// setFromEnv records that the environment variable name set the setting key.
func (c *Config) setFromEnv(key, name string) {
	if c.fromEnv == nil {
		c.fromEnv = map[string]string{}
	}
	c.fromEnv[key] = name
}

// source is how a problem names the setting key: by the environment variable
// that set it, else by its YAML key.
func (c *Config) source(key string) string {
	if name, ok := c.fromEnv[key]; ok {
		return name
	}
	return key
}

// named is how a problem names the setting key with its value: as the file writes
// it (`log.level: "verbose"`), or as the environment does
// (`FEEDBACKBOT_LOG_LEVEL="verbose"`) when a variable set it.
func (c *Config) named(key, value string) string {
	if name, ok := c.fromEnv[key]; ok {
		return name + "=" + value
	}
	return key + ": " + value
}

// MinRetention is the shortest retention accepted: account health compares the last
// weeks with the account's own normal over 56 days, which needs those messages.
const MinRetention = 60 * 24 * time.Hour

// Retention configures the daily retention job.
type Retention struct {
	// Messages is the age after which a message is deleted (its text, analysis and
	// every log entry, plus survey answers and quotes in alerts); hourly totals are
	// kept, so trends and old digests still add up. 0 keeps everything.
	Messages Duration `yaml:"messages"`
}

// Surveys configures the satisfaction question asked automatically when a staff
// member marks a customer's message resolved with a reaction.
type Surveys struct {
	Kind string `yaml:"kind"` // csat (1-5) or nps (0-10)
	// SlackReaction and DiscordReaction turn the automatic survey on: the reaction name
	// on Slack (e.g. white_check_mark), the emoji on Discord (e.g. ✅). Empty: off.
	SlackReaction   string `yaml:"slack_reaction"`
	DiscordReaction string `yaml:"discord_reaction"`
	// Sample is the share of resolved conversations asked (0..1); the per-account
	// cooldown applies on top, so customers are not pestered.
	Sample float64 `yaml:"sample"`
}

// Store selects and tunes the storage backend.
type Store struct {
	// RedisURL selects Redis when set (env REDIS_URL); otherwise the embedded store.
	RedisURL Secret `yaml:"-"`
	// DataDir holds the embedded store's single file (env FEEDBACKBOT_DATA).
	DataDir string `yaml:"data_dir"`
	// KeyPrefix prefixes every Redis key.
	KeyPrefix string `yaml:"key_prefix"`
	// ClaimIdle is how long a worker may hold a log entry before another claims it.
	ClaimIdle Duration `yaml:"claim_idle"`
}

// Server is the HTTP listener for health, metrics and Slack HTTP events.
type Server struct {
	Addr string `yaml:"addr"` // env FEEDBACKBOT_ADDR
}

// Log configures log/slog.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error (env FEEDBACKBOT_LOG_LEVEL)
	Format string `yaml:"format"` // text or json
}

// DefaultWorkers is how many analysis workers a process runs unless configured. A
// worker waits on the store for part of each batch, so twice the two cores of a small
// machine keep Redis busier: `go run ./bench pipeline -stores redis -batch 200`
// measured 24,100 messages/s with 2 workers and 32,000 with 4 (medians of 3), while
// the embedded store, with its single writer, did not change (19,300 and 18,000 at
// batch 500).
const DefaultWorkers = 4

// DefaultBatch is how many log entries a worker reads (and applies in one store
// transaction) at most. Live traffic makes small batches anyway; a backlog (an import,
// a restart) is where the size counts: the embedded store commits (and fsyncs) once
// per batch, and `go run ./bench pipeline -stores bolt` measured 10,500-11,200
// messages/s at 200 and 17,500-18,400 at 500 (2 and 4 workers, medians of 3); Redis
// splits a batch into scripts of 200 and did not change (29,800 and 31,200).
const DefaultBatch = 500

// Analysis configures the analysis workers and the theme taxonomy.
type Analysis struct {
	Workers int `yaml:"workers"`
	Batch   int `yaml:"batch"`
	// Themes replaces the default taxonomy when non-empty.
	Themes analysis.Taxonomy `yaml:"themes"`
	// Layer is a combination layer file written by `feedbackbot learn` (the
	// shipped layer retrained with the team's staff corrections), used instead of
	// the shipped one; "" for the shipped one.
	Layer string `yaml:"layer"`
}

// Slack configures the Slack adapter. Tokens come from SLACK_BOT_TOKEN, SLACK_APP_TOKEN
// and SLACK_SIGNING_SECRET, or from the files named by *_FILE variables or *_file keys.
type Slack struct {
	Mode              string            `yaml:"mode"` // socket or http (env SLACK_MODE)
	BotTokenFile      string            `yaml:"bot_token_file"`
	AppTokenFile      string            `yaml:"app_token_file"`
	SigningSecretFile string            `yaml:"signing_secret_file"`
	BotToken          Secret            `yaml:"-"`
	AppToken          Secret            `yaml:"-"`
	SigningSecret     Secret            `yaml:"-"`
	APIURL            string            `yaml:"api_url"` // env SLACK_API_URL
	TeamID            string            `yaml:"team_id"`
	StaffUsers        []string          `yaml:"staff_users"`
	StaffUserGroups   []string          `yaml:"staff_user_groups"`
	ChannelAccounts   map[string]string `yaml:"channel_accounts"`
	IgnoreChannels    []string          `yaml:"ignore_channels"`
	IgnoreUsers       []string          `yaml:"ignore_users"`
	InternalChannels  []string          `yaml:"internal_channels"`
}

// Enabled reports whether Slack credentials are present.
func (s *Slack) Enabled() bool { return !s.BotToken.Empty() }

// Discord configures the Discord adapter. The token comes from DISCORD_TOKEN or a file.
type Discord struct {
	TokenFile        string            `yaml:"token_file"`
	Token            Secret            `yaml:"-"`
	Guilds           []string          `yaml:"guilds"`
	Channels         []string          `yaml:"channels"`
	IgnoreChannels   []string          `yaml:"ignore_channels"`
	StaffRoles       []string          `yaml:"staff_roles"`
	StaffUsers       []string          `yaml:"staff_users"`
	RoleAccounts     map[string]string `yaml:"role_accounts"`
	ChannelAccounts  map[string]string `yaml:"channel_accounts"`
	InternalChannels []string          `yaml:"internal_channels"`
}

// Enabled reports whether a Discord token is present.
func (d *Discord) Enabled() bool { return !d.Token.Empty() }

// Digest is one scheduled digest destination.
type Digest struct {
	Name      string   `yaml:"name"`
	Platform  string   `yaml:"platform"` // slack or discord
	Channel   string   `yaml:"channel"`  // internal channel id
	Workspace string   `yaml:"workspace"`
	Schedule  string   `yaml:"schedule"` // cron expression, 5 fields
	Timezone  string   `yaml:"timezone"` // IANA name, default UTC
	Period    Duration `yaml:"period"`   // how far back the digest looks, default 24h
}

// ResponseTargets are first-response targets, tighter in business hours, per tier.
type ResponseTargets struct {
	BusinessHours BusinessHours     `yaml:"business_hours"`
	Default       Target            `yaml:"default"`
	Tiers         map[string]Target `yaml:"tiers"`
}

// BusinessHours are the support team's working hours.
type BusinessHours struct {
	Timezone string   `yaml:"timezone"`
	Start    int      `yaml:"start"` // hour of day, inclusive
	End      int      `yaml:"end"`   // hour of day, exclusive
	Days     []string `yaml:"days"`  // mon..sun; default mon-fri
}

// Target is a first-response target inside and outside business hours.
type Target struct {
	Business Duration `yaml:"business"`
	Outside  Duration `yaml:"outside"`
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// TierTargets turns the response targets into health targets by tier ("" is the
// default). It assumes Validate passed.
func (c *Config) TierTargets() map[string]health.Targets {
	bh := c.Targets.BusinessHours
	loc, err := time.LoadLocation(cmpOr(bh.Timezone, "UTC"))
	if err != nil {
		loc = time.UTC
	}
	hours := health.BusinessHours{Location: loc, Start: bh.Start, End: bh.End}
	for _, d := range bh.Days {
		hours.Days[weekdays[strings.ToLower(d)]] = true
	}
	conv := func(t Target) health.Targets {
		return health.Targets{Business: t.Business.D(), Outside: t.Outside.D(), Hours: hours}
	}
	out := map[string]health.Targets{"": conv(c.Targets.Default)}
	for tier, t := range c.Targets.Tiers {
		out[tier] = conv(t)
	}
	return out
}

// HealthParams are the health model's parameters from config.
func (c *Config) HealthParams() health.Params { return health.Params{Threshold: c.Alerts.Threshold} }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r *ResponseTargets) validate() []error {
	var errs []error
	bh := r.BusinessHours
	if _, err := time.LoadLocation(cmpOr(bh.Timezone, "UTC")); err != nil {
		errs = append(errs, fmt.Errorf("response_targets.business_hours.timezone: %q is not a known IANA zone%s", bh.Timezone, zoneHint(bh.Timezone)))
	}
	if bh.Start < 0 || bh.End > 24 || bh.Start >= bh.End {
		errs = append(errs, fmt.Errorf("response_targets.business_hours: start %d and end %d must satisfy 0 <= start < end <= 24", bh.Start, bh.End))
	}
	for _, d := range bh.Days {
		if _, ok := weekdays[strings.ToLower(d)]; !ok {
			errs = append(errs, fmt.Errorf("response_targets.business_hours.days: %q is not one of mon, tue, wed, thu, fri, sat, sun", d))
		}
	}
	check := func(where string, t Target) {
		if t.Business.D() <= 0 || t.Outside.D() <= 0 {
			errs = append(errs, fmt.Errorf("%s: business and outside targets must both be positive (e.g. 15m and 2h)", where))
		}
	}
	check("response_targets.default", r.Default)
	for tier, t := range r.Tiers {
		check("response_targets.tiers."+tier, t)
	}
	return errs
}

// Alerts configures at-risk alerts.
type Alerts struct {
	Platform       string   `yaml:"platform"`
	Channel        string   `yaml:"channel"`
	Threshold      int      `yaml:"threshold"`       // health score below which an account is at risk
	RepeatInterval Duration `yaml:"repeat_interval"` // do not repeat an unchanged alert sooner
	// MinSeverity is the least severe alert posted: warning (every alert) or critical
	// (warnings appear only in digests).
	MinSeverity string `yaml:"min_severity"`

	// channelWritten is set by Parse when the file writes alerts.channel, even as "":
	// the shipped example's `platform: slack` beside `channel: ""` turns alerts off on
	// purpose, while a platform with no channel key at all is a channel forgotten.
	channelWritten bool
}

// validate checks the alerts' destination: a platform and a channel go together
// (`alerts: {channel: C1}` said `alerts: platform "" is not slack or discord`, and
// `alerts: {platform: slak}` passed, a review found).
func (a *Alerts) validate(c *Config) []error {
	var errs []error
	platformOK := a.Platform == "slack" || a.Platform == "discord"
	switch {
	case a.Platform == "" && a.Channel != "":
		errs = append(errs, fmt.Errorf("alerts.platform is missing: set slack or discord (the platform of alerts.channel %s)", a.Channel))
	case a.Platform != "" && !platformOK:
		errs = append(errs, fmt.Errorf("alerts.platform %q is not slack or discord", a.Platform))
	}
	if a.Platform != "" && a.Channel == "" && !a.channelWritten {
		list := "an internal channel's id"
		if platformOK {
			list = "the id of one of " + a.Platform + ".internal_channels"
		}
		errs = append(errs, fmt.Errorf("alerts.channel is missing, though alerts.platform is %q: set it to %s, or write channel: \"\" to post no alerts",
			a.Platform, list))
	}
	if platformOK && a.Channel != "" {
		errs = append(errs, validDestination("alerts", a.Platform, a.Channel, c)...)
	}
	return errs
}

// noteWrittenKeys records what the decoded struct cannot tell: whether alerts.channel
// is written in the file (even empty). A file the decoder refuses counts as not.
func noteWrittenKeys(data []byte, cfg *Config) {
	var probe struct {
		Alerts struct {
			Channel yaml.Node `yaml:"channel"`
		} `yaml:"alerts"`
	}
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&probe)
	cfg.Alerts.channelWritten = err == nil && probe.Alerts.Channel.Kind != 0
}

// Default returns the configuration used when nothing is configured.
func Default() Config {
	return Config{
		Store:    Store{DataDir: "./feedbackbot-data", KeyPrefix: "fb", ClaimIdle: Duration(time.Minute)},
		Server:   Server{Addr: "127.0.0.1:8080"},
		Log:      Log{Level: "info", Format: "text"},
		Analysis: Analysis{Workers: DefaultWorkers, Batch: DefaultBatch},
		Alerts:   Alerts{Threshold: 50, RepeatInterval: Duration(24 * time.Hour), MinSeverity: "warning"},
		Surveys:  Surveys{Kind: "csat", Sample: 1},
		Targets: ResponseTargets{BusinessHours: BusinessHours{Timezone: "UTC", Start: 9, End: 18},
			Default: Target{Business: Duration(4 * time.Hour), Outside: Duration(4 * time.Hour)}},
	}
}

// Load reads the file at path (empty: DefaultFile if it exists), applies environment
// overrides from getenv and validates. All problems come back together as one error.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Default()
	explicit := path != ""
	if !explicit {
		path = DefaultFile
	}
	var problems []error
	file := "" // the file read
	data, err := readFile(path)
	switch {
	case err == nil:
		file = path
		if err := Parse(data, &cfg); err != nil {
			// Keys and values that did not fit are reported with everything else;
			// a file that is not YAML at all stops here.
			var p *Problems
			if !errors.As(err, &p) {
				return cfg, fmt.Errorf("config %s: %w", path, err)
			}
			for _, e := range p.Errs {
				problems = append(problems, fmt.Errorf("%s:%w", path, e))
			}
		}
	case errors.Is(err, os.ErrNotExist) && !explicit:
		// no file: defaults plus environment
	default:
		return cfg, fmt.Errorf("config: %w", err)
	}
	problems = append(problems, cfg.applyEnv(getenv)...)
	problems = append(problems, cfg.Validate()...)
	if len(problems) > 0 {
		return cfg, &Problems{Errs: problems, File: file, Implicit: !explicit}
	}
	return cfg, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFileBytes)
	}
	return data, nil
}

// Parse decodes YAML into cfg, refusing unknown keys so typos are caught. Keys and
// values that do not fit (an unknown key, a word where a number belongs) come back
// together as *Problems, each starting with its line number ("12: ..."), and the rest
// of the file is still decoded; a file that is not YAML is a single error.
func Parse(data []byte, cfg *Config) error {
	if !isUTF8(data) {
		return errors.New("file is not valid UTF-8")
	}
	noteWrittenKeys(data, cfg)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			p := &Problems{}
			for _, msg := range te.Errors {
				p.Errs = append(p.Errs, errors.New(explainTypeError(msg)))
			}
			return p
		}
		return fmt.Errorf("invalid YAML: %w", err)
	}
	// A second document (after "---") would be ignored whole, its typos and values
	// with it: refused.
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return errors.New("the file holds more than one YAML document (a line \"---\"): only one is read, so put everything in it")
	}
	return nil
}

func isUTF8(b []byte) bool { return strings.ToValidUTF8(string(b), "\uFFFD") == string(b) }

// applyEnv applies environment overrides; secrets come from NAME or NAME_FILE.
func (c *Config) applyEnv(getenv func(string) string) []error {
	var errs []error
	str := func(name, key string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
			c.setFromEnv(key, name)
		}
	}
	secret := func(name, fileFromYAML string, dst *Secret) {
		s, err := secretFrom(getenv, name, fileFromYAML)
		if err != nil {
			errs = append(errs, err)
			return
		}
		*dst = s
	}
	secret("REDIS_URL", "", &c.Store.RedisURL)
	str("FEEDBACKBOT_DATA", "store.data_dir", &c.Store.DataDir)
	str("FEEDBACKBOT_ADDR", "server.addr", &c.Server.Addr)
	str("FEEDBACKBOT_LOG_LEVEL", "log.level", &c.Log.Level)
	str("FEEDBACKBOT_LOG_FORMAT", "log.format", &c.Log.Format)
	str("SLACK_MODE", "slack.mode", &c.Slack.Mode)
	str("SLACK_API_URL", "slack.api_url", &c.Slack.APIURL)
	str("SLACK_TEAM_ID", "slack.team_id", &c.Slack.TeamID)
	secret("SLACK_BOT_TOKEN", c.Slack.BotTokenFile, &c.Slack.BotToken)
	secret("SLACK_APP_TOKEN", c.Slack.AppTokenFile, &c.Slack.AppToken)
	secret("SLACK_SIGNING_SECRET", c.Slack.SigningSecretFile, &c.Slack.SigningSecret)
	secret("DISCORD_TOKEN", c.Discord.TokenFile, &c.Discord.Token)
	if v := getenv("FEEDBACKBOT_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("FEEDBACKBOT_WORKERS=%q is not a number", v))
		} else {
			c.Analysis.Workers = n
			c.setFromEnv("analysis.workers", "FEEDBACKBOT_WORKERS")
		}
	}
	if c.Slack.Mode == "" && c.Slack.Enabled() {
		c.Slack.Mode = "http"
		if !c.Slack.AppToken.Empty() {
			c.Slack.Mode = "socket"
		}
		c.slackModeInferred = true
	}
	return errs
}

// secretFrom reads NAME, else the file named by NAME_FILE, else the file named in YAML.
func secretFrom(getenv func(string) string, name, yamlFile string) (Secret, error) {
	if v := getenv(name); v != "" {
		if strings.TrimSpace(v) == "" {
			// set, but to blanks: refused rather than read as unset (a REDIS_URL of
			// spaces fell back to the embedded store without a word)
			return "", fmt.Errorf("%s is set but blank: set it to a value, or unset it", name)
		}
		return Secret(strings.TrimSpace(v)), nil
	}
	file, from := getenv(name+"_FILE"), name+"_FILE"
	if file == "" {
		file, from = yamlFile, "the config file"
	}
	if file == "" {
		return "", nil
	}
	// The path is not repeated: a secret put in NAME_FILE by mistake (the token, the
	// URL with its password) was printed in full by this error (a review's find).
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: cannot read the secret file named by %s (path not shown, in case it is the secret itself; "+
			"to give the secret directly, set %s): %w", name, from, name, errors.Unwrap(err))
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		// A secret mounted but not filled in: taken as "not set", it would switch a
		// platform off or the store to the embedded one without a word.
		return "", fmt.Errorf("%s: secret file %s (named by %s) is empty", name, file, from) // (a real path: it was read)
	}
	return Secret(secret), nil
}

// Validate checks the whole configuration and returns every problem found.
func (c *Config) Validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Store.RedisURL.Empty() && strings.TrimSpace(c.Store.DataDir) == "" {
		if name, ok := c.fromEnv["store.data_dir"]; ok { // (set, to blanks)
			bad("%s is blank, and REDIS_URL is not set: one of them must name a store", name)
		} else {
			bad("store.data_dir: empty, and REDIS_URL is not set: one of them must name a store")
		}
	}
	if c.Store.ClaimIdle.D() < time.Second {
		bad("store.claim_idle: %s is too short (at least 1s)", c.Store.ClaimIdle)
	}
	if _, port, err := net.SplitHostPort(c.Server.Addr); err != nil {
		bad("%s is not host:port (%v)", c.named("server.addr", strconv.Quote(c.Server.Addr)), err)
	} else if n, err := net.LookupPort("tcp", port); port == "" || err != nil || n < 0 || n > 65535 {
		// (run failed on 99999 or -1 after the check passed them, and listened on a
		// random port for an empty one, where no probe or Slack could reach it; an
		// explicit 0 asks for one, as tests do)
		bad("%s has no usable port: give one from 1 to 65535, such as 127.0.0.1:8080", c.named("server.addr", strconv.Quote(c.Server.Addr)))
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "warning", "error":
	default:
		bad("%s is not one of debug, info, warn, error", c.named("log.level", strconv.Quote(c.Log.Level)))
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("%s is not text or json", c.named("log.format", strconv.Quote(c.Log.Format)))
	}
	if c.Analysis.Workers < 1 || c.Analysis.Workers > 256 {
		bad("%s is out of range 1..256", c.named("analysis.workers", strconv.Itoa(c.Analysis.Workers)))
	}
	if c.Analysis.Batch < 1 || c.Analysis.Batch > 10_000 {
		bad("analysis.batch: %d is out of range 1..10000", c.Analysis.Batch)
	}
	errs = append(errs, c.analyzerProblems()...)
	seen := map[string]bool{}
	for i, a := range c.Accounts {
		switch {
		case a.ID == "":
			bad("accounts[%d]: id is empty", i)
		case seen[a.ID]:
			bad("accounts[%d]: id %q appears twice", i, a.ID)
		case !accountID(a.ID):
			bad("accounts[%d]: id %q has a '|' or a space, or is longer than %d characters (survey buttons and chat commands carry ids): use letters, digits, '-', '_' or '.'", i, a.ID, maxAccountID)
		}
		seen[a.ID] = true
		if a.Value < 0 {
			bad("accounts[%d] (%s): value %v is negative", i, a.ID, a.Value)
		}
	}
	errs = append(errs, c.slackProblems()...)
	errs = append(errs, c.discordProblems()...)
	for kind, m := range map[string]map[string]string{"slack.channel_accounts": c.Slack.ChannelAccounts, "discord.channel_accounts": c.Discord.ChannelAccounts} {
		for ch, acct := range m {
			if p := accountIDProblem(acct); p != "" {
				bad("%s: channel %s's account %q %s", kind, ch, acct, p)
			}
		}
	}
	for role, acct := range c.Discord.RoleAccounts {
		if !discordID(role) {
			bad("discord.role_accounts: %q is not a role id (a number)", role)
		}
		if p := accountIDProblem(acct); p != "" {
			bad("discord.role_accounts: role %s's account %q %s", role, acct, p)
		}
		if slices.Contains(c.Discord.StaffRoles, role) {
			bad("discord: role %s is both a staff role and a customer account role", role)
		}
	}
	jobs := map[string]int{} // workspace and job name -> the digest's index
	for i, d := range c.Digests {
		where := fmt.Sprintf("digests[%d]", i)
		if d.Name != "" {
			where += " (" + d.Name + ")"
		}
		errs = append(errs, d.validate(where, c)...)
		// A digest's runs are recorded by workspace and name (the channel when it
		// has none): two of one name would share them, and one would never post.
		name := d.JobName()
		key := d.Workspace + "\x00" + name
		if j, dup := jobs[key]; dup && name != "" {
			bad("%s: digests[%d] has the same name %q in the same workspace; give each digest its own name", where, j, name)
		} else {
			jobs[key] = i
		}
	}
	errs = append(errs, c.Alerts.validate(c)...)
	errs = append(errs, c.Targets.validate()...)
	if c.Alerts.Threshold < 0 || c.Alerts.Threshold > 100 {
		bad("alerts.threshold: %d is out of range 0..100", c.Alerts.Threshold)
	}
	if c.Alerts.MinSeverity != "warning" && c.Alerts.MinSeverity != "critical" {
		bad("alerts.min_severity: %q is not warning or critical", c.Alerts.MinSeverity)
	}
	if c.Surveys.Kind != "csat" && c.Surveys.Kind != "nps" {
		bad("surveys.kind: %q is not csat or nps", c.Surveys.Kind)
	}
	if !(c.Surveys.Sample >= 0 && c.Surveys.Sample <= 1) { // (NaN too: .nan is valid YAML)
		bad("surveys.sample: %v is not a share between 0 and 1", c.Surveys.Sample)
	}
	if r := c.Retention.Messages.D(); r != 0 && r < MinRetention {
		bad("retention.messages: %s is too short: at least %s, since account health compares recent weeks with the last 56 days (0 keeps everything)",
			FormatDuration(r), FormatDuration(MinRetention))
	}
	if c.Alerts.RepeatInterval.D() < time.Minute {
		bad("alerts.repeat_interval: %s is too short (at least 1m)", c.Alerts.RepeatInterval)
	}
	return errs
}

// SectionProblems are the problems Validate finds in one part of the
// configuration: "analyzer" (analysis.layer and analysis.themes, what the
// analyzer is built from), "slack" or "discord" (the platform's mode, tokens and
// ids). config check runs the online checks of a part whose settings have no
// problem of their own, whatever the problems elsewhere.
func (c *Config) SectionProblems(section string) []error {
	switch section {
	case "analyzer":
		return c.analyzerProblems()
	case "slack":
		return c.slackProblems()
	case "discord":
		return c.discordProblems()
	}
	return nil
}

// analyzerProblems checks what the analyzer is built from.
func (c *Config) analyzerProblems() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Analysis.Layer != "" {
		if fi, err := os.Stat(c.Analysis.Layer); err != nil {
			bad("analysis.layer: %v (a file written by feedbackbot learn)", err)
		} else if !fi.Mode().IsRegular() {
			bad("analysis.layer: %s is not a regular file (a file written by feedbackbot learn)", c.Analysis.Layer)
		}
	}
	for _, err := range c.Analysis.Themes.Validate() {
		bad("analysis.themes: %w", err)
	}
	return errs
}

// slackProblems checks Slack's mode and tokens.
func (c *Config) slackProblems() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	// The mode is checked whether or not a token is set: config check, run
	// before the secrets are in place, said OK to "sockets".
	if m := c.Slack.Mode; m != "" && m != "socket" && m != "http" {
		bad("%s is not socket or http", c.named("slack.mode", strconv.Quote(m)))
	}
	if c.Slack.Enabled() {
		if c.Slack.Mode == "socket" && c.Slack.AppToken.Empty() {
			errs = append(errs, receivingProblem(c.source("slack.mode")+" is socket but SLACK_APP_TOKEN (an xapp- app-level token) is not set"))
		}
		switch {
		case c.Slack.Mode == "http" && c.Slack.SigningSecret.Empty() && c.slackModeInferred:
			// (nobody set slack.mode: "slack.mode is http" sent people looking for a
			// setting that is nowhere, and did not name Socket Mode's token)
			errs = append(errs, receivingProblem("SLACK_BOT_TOKEN is set without a way to receive events: set SLACK_SIGNING_SECRET (HTTP events, "+
				"to /slack/events) or SLACK_APP_TOKEN (an xapp- app-level token, for Socket Mode)"))
		case c.Slack.Mode == "http" && c.Slack.SigningSecret.Empty():
			errs = append(errs, receivingProblem(c.source("slack.mode")+" is http but SLACK_SIGNING_SECRET is not set: requests could not be verified"))
		}
		if !strings.HasPrefix(c.Slack.BotToken.Value(), "xoxb-") {
			bad("SLACK_BOT_TOKEN does not look like a bot token (xoxb-...)")
		}
		if !c.Slack.AppToken.Empty() && !strings.HasPrefix(c.Slack.AppToken.Value(), "xapp-") {
			bad("SLACK_APP_TOKEN does not look like an app-level token (xapp-...)")
		}
	} else if !c.Slack.AppToken.Empty() || !c.Slack.SigningSecret.Empty() {
		bad("slack: SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not")
	}
	return errs
}

// discordProblems checks Discord's token and ids.
func (c *Config) discordProblems() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Discord.Enabled() {
		if tok := strings.TrimPrefix(c.Discord.Token.Value(), "Bot "); strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \t\n") {
			bad("DISCORD_TOKEN does not look like a bot token (three dot-separated parts, from the Developer Portal's Bot page)")
		}
	}
	for kind, ids := range map[string][]string{"guilds": c.Discord.Guilds, "channels": c.Discord.Channels, "ignore_channels": c.Discord.IgnoreChannels,
		"staff_roles": c.Discord.StaffRoles, "staff_users": c.Discord.StaffUsers, "internal_channels": c.Discord.InternalChannels} {
		for _, id := range ids {
			if !discordID(id) {
				bad("discord.%s: %q is not a Discord id (a number; turn on Developer Mode and use Copy ID)", kind, id)
			}
		}
	}
	return errs
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// cronFields are a schedule's five fields: their names, ranges and the names
// their values may take (months and weekdays, by their first three letters).
var cronFields = []struct {
	name   string
	lo, hi int
	names  []string
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of the month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of the week", 0, 6, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// cronSyntax says how a schedule is written, for the messages about one.
const cronSyntax = "five fields, minute hour day-of-month month day-of-week, such as \"0 9 * * 1-5\" (09:00 on weekdays; days of the week 0-6 or sun-sat)"

// cronProblem says what is wrong with a five-field schedule in words a person
// configuring it reads (the parser's said "failed to parse int from funday:
// strconv.Atoi: ..." or "expected exactly 5 fields, found 6: [0 0 9 * * *]"),
// or "" when it finds nothing (the parser still decides). Descriptors such as
// @daily are left to the parser.
func cronProblem(expr string) string {
	f := strings.Fields(expr)
	if len(f) > 0 && strings.HasPrefix(f[0], "@") {
		return ""
	}
	if len(f) != 5 {
		extra := ""
		if len(f) == 6 {
			extra = " (a sixth field, for seconds, is not taken)"
		}
		return fmt.Sprintf("has %s%s; a schedule is %s", feedbackbot.Plural(len(f), "field"), extra, cronSyntax)
	}
	for i, field := range f {
		c := cronFields[i]
		value := func(v string) (int, string) {
			if n, err := strconv.Atoi(v); err == nil {
				if n < c.lo || n > c.hi {
					return 0, fmt.Sprintf("the %s field %q: %d is outside %d-%d", c.name, field, n, c.lo, c.hi)
				}
				return n, ""
			}
			if k := slices.Index(c.names, strings.ToLower(v)); k >= 0 {
				return k + c.lo, ""
			}
			what := "a number"
			if c.names != nil {
				what += " or a name (" + c.names[0] + "-" + c.names[len(c.names)-1] + ")"
			}
			return 0, fmt.Sprintf("the %s field %q: %q is not %s", c.name, field, v, what)
		}
		for part := range strings.SplitSeq(field, ",") {
			rng, step, hasStep := strings.Cut(part, "/")
			if hasStep {
				if n, err := strconv.Atoi(step); err != nil || n < 1 {
					return fmt.Sprintf("the %s field %q: the step after / must be a whole number of 1 or more", c.name, field)
				}
			}
			if rng == "*" || rng == "?" {
				continue
			}
			a, b, isRange := strings.Cut(rng, "-")
			lo, problem := value(a)
			if problem != "" {
				return problem
			}
			if isRange {
				hi, problem := value(b)
				if problem != "" {
					return problem
				}
				if hi < lo {
					return fmt.Sprintf("the %s field %q: the range %s runs backwards", c.name, field, rng)
				}
			}
		}
	}
	return ""
}

// JobName is the name the scheduler knows a digest by: its name, else its channel.
func (d *Digest) JobName() string { return cmp.Or(d.Name, d.Channel) }

// ParseSchedule parses a digest's cron expression in its time zone.
func (d *Digest) ParseSchedule() (cron.Schedule, *time.Location, error) {
	tz := d.Timezone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, nil, fmt.Errorf("timezone %q is not a known IANA zone%s", d.Timezone, zoneHint(d.Timezone))
	}
	s, err := cronParser.Parse(d.Schedule)
	if err != nil {
		return nil, nil, fmt.Errorf("schedule %q: %w", d.Schedule, err)
	}
	return s, loc, nil
}

func (d *Digest) validate(where string, c *Config) []error {
	var errs []error
	if d.Schedule == "" {
		errs = append(errs, fmt.Errorf("%s: schedule is empty (a cron expression such as \"0 9 * * 1-5\")", where))
	} else if f := strings.Fields(d.Schedule); strings.HasPrefix(f[0], "TZ=") || strings.HasPrefix(f[0], "CRON_TZ=") {
		// the parser takes the prefix, but the schedule runs on the timezone's wall
		// clock, so the zone applied twice: 09:00 New York posted at 13:00
		errs = append(errs, fmt.Errorf("%s: schedule %q: give the zone as timezone: %s, not in the schedule", where, d.Schedule, strings.SplitN(f[0], "=", 2)[1]))
	} else if strings.HasPrefix(f[0], "@every") {
		// @every counts from when it is read, not from the clock: its runs have no
		// fixed times for replicas to agree on, nor a run before for a period to
		// start at
		errs = append(errs, fmt.Errorf("%s: schedule %q: @every has no fixed times; write the times as cron fields, such as \"0 */2 * * *\" (every two hours, on the hour)", where, d.Schedule))
	} else if problem := cronProblem(d.Schedule); problem != "" {
		errs = append(errs, fmt.Errorf("%s: schedule %q: %s", where, d.Schedule, problem))
	} else if s, err := cronParser.Parse(d.Schedule); err != nil {
		errs = append(errs, fmt.Errorf("%s: schedule %q: %w", where, d.Schedule, err))
	} else if s.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		// (the parser searches five years, so 29 February is found)
		errs = append(errs, fmt.Errorf("%s: schedule %q never fires (a day the month does not have?)", where, d.Schedule))
	}
	if d.Timezone != "" {
		if _, err := time.LoadLocation(d.Timezone); err != nil {
			errs = append(errs, fmt.Errorf("%s: timezone %q is not a known IANA zone%s", where, d.Timezone, zoneHint(d.Timezone)))
		}
	}
	if strings.TrimSpace(d.Workspace) == "" {
		errs = append(errs, fmt.Errorf("%s: workspace is empty (whose conversations to summarise: the Slack team id or Discord server id)", where))
	}
	if d.Period.D() < 0 || (d.Period.D() > 0 && d.Period.D() < time.Hour) || d.Period.D() > 92*24*time.Hour {
		errs = append(errs, fmt.Errorf("%s: period %s is out of range 1h..92d", where, d.Period))
	}
	return append(errs, validDestination(where, d.Platform, d.Channel, c)...)
}

// validDestination checks what can be checked offline: the platform is configured and
// the channel is one of its internal channels. Adapters re-check at post time.
func validDestination(where, platform, channel string, c *Config) []error {
	var internal []string
	switch platform {
	case "slack":
		internal = c.Slack.InternalChannels
	case "discord":
		internal = c.Discord.InternalChannels
	case "":
		return []error{fmt.Errorf("%s: platform is missing: set slack or discord", where)}
	default:
		return []error{fmt.Errorf("%s: platform %q is not slack or discord", where, platform)}
	}
	if channel == "" {
		return []error{fmt.Errorf("%s: channel is empty", where)}
	}
	for _, ch := range internal {
		if ch == channel {
			return nil
		}
	}
	return []error{fmt.Errorf("%s: channel %s is not listed in %s.internal_channels; analysis is posted only to internal channels", where, channel, platform)}
}

// discordID accepts Discord snowflakes: 1 to 20 decimal digits.
func discordID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Problems is every configuration problem found at once.
type Problems struct {
	Errs []error
	// File is the configuration file read with the environment ("" for none),
	// and Implicit says it was DefaultFile, read without --config: the problems
	// name it, as a value's problem ("log.level: …") did not, and a file read
	// without asking is the last a user thinks of (a new user's review).
	File     string
	Implicit bool
}

func (p *Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d configuration problem", len(p.Errs))
	if len(p.Errs) != 1 {
		b.WriteString("s")
	}
	b.WriteString(":")
	for _, e := range p.Errs {
		b.WriteString("\n  - ")
		b.WriteString(e.Error())
	}
	switch {
	case p.File != "" && p.Implicit:
		fmt.Fprintf(&b, "\n  (configuration file: ./%s, read by default: no --config was given)", filepath.ToSlash(filepath.Clean(p.File)))
	case p.File != "":
		fmt.Fprintf(&b, "\n  (configuration file: %s)", p.File)
	}
	return b.String()
}

// Unwrap exposes each problem to errors.Is / errors.As.
func (p *Problems) Unwrap() []error { return p.Errs }

// receivingProblem is a problem only for receiving Slack's events (a missing
// signing secret or app-level token): a command that only calls Slack's Web API,
// such as backfill, works without them.
type receivingProblem string

func (r receivingProblem) Error() string { return string(r) }

// WithoutReceiving returns err, from Load, less its problems of receiving
// Slack's events (nil when those were all): for commands that only call Slack.
func WithoutReceiving(err error) error {
	var p *Problems
	if !errors.As(err, &p) {
		return err
	}
	var rest []error
	for _, e := range p.Errs {
		var r receivingProblem
		if !errors.As(e, &r) {
			rest = append(rest, e)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	return &Problems{Errs: rest, File: p.File, Implicit: p.Implicit}
}

// accountID reports whether id can name an account: not empty, and without the '|'
// that separates the parts of a survey button's value and an answer's id, or the
// white space that separates a chat command's words.
func accountID(id string) bool { return accountIDProblem(id) == "" }

// accountIDProblem says what is wrong with an account id ("" when nothing is).
func accountIDProblem(id string) string {
	switch {
	case id == "":
		return "is empty"
	case utf8.RuneCountInString(id) > maxAccountID:
		return fmt.Sprintf("is longer than %d characters (survey buttons carry ids)", maxAccountID)
	case strings.ContainsRune(id, '|'):
		return "has a '|' (survey buttons separate fields with it)"
	case strings.ContainsFunc(id, unicode.IsSpace):
		return "has a space (chat commands split on spaces)"
	}
	return ""
}

// maxAccountID bounds an account id: a survey's Discord buttons carry it in a
// custom_id of at most 100 characters, "survey.answer nps|10|ACCOUNT|THREAD|ASKED"
// (bot.SurveyQuestion: the thread a 19-digit id, the asked time 10 digits of unix
// seconds until 2286): 14 + 7 + 48 + 1 + 19 + 1 + 10 = 100. A longer id lost every
// answer button (a review's find); a Kano button, "kano-f|5|ACCOUNT||FEATURE" (no
// thread, a 12-character feature id), is shorter.
const maxAccountID = 48

// Account returns the configured account with the given id, if any.
func (c *Config) Account(id string) (feedbackbot.Account, bool) {
	for _, a := range c.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return feedbackbot.Account{}, false
}

// Taxonomy returns the configured taxonomy, or the default one.
func (c *Config) Taxonomy() analysis.Taxonomy {
	if len(c.Analysis.Themes) > 0 {
		return c.Analysis.Themes
	}
	return analysis.DefaultTaxonomy()
}

// ThemeNames lists the names of Taxonomy's themes, in its order.
func (c *Config) ThemeNames() []string { return c.Taxonomy().Names() }
