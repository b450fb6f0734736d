package main

import (
	"archive/zip"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	slackadapter "github.com/feedbackbot/feedbackbot/adapters/slack"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
)

func init() {
	destinationChecks = append(destinationChecks, destinationCheck{platform: "slack", check: checkSlackDestinations})
	platformStarters["slack"] = startSlack
	importers["slack"] = importer{flag: "slack-export", help: "the Slack workspace export `FILE.zip` to import; name your workspace with --team (and its domain with --team-domain, for links)",
		needsTeam: true, domain: slackadapter.ParseTeamDomain, check: checkSlackExport, open: openSlackExport, run: importSlack}
}

// checkSlackExport refuses, before any store is opened, a --slack-export that is
// no zip archive: above all the folder the export unzips to (Slack's export is a
// .zip, and the import reads it as one).
func checkSlackExport(path string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		return usagef("import: --slack-export %s is a directory: give the export's .zip, not the unzipped folder", path)
	case !fi.Mode().IsRegular():
		// (never opened: a FIFO would block the open until someone writes to it)
		return usagef("import: --slack-export %s is not a regular file (a FIFO or a device): give the export's .zip", path)
	}
	zr, err := zip.OpenReader(path)
	if zr != nil {
		zr.Close()
	}
	var pe *fs.PathError
	switch {
	case err == nil, errors.Is(err, zip.ErrInsecurePath):
		return nil // (the import refuses an archive's unsafe names itself, naming them)
	case errors.Is(err, zip.ErrFormat):
		return usagef("import: --slack-export %s is not a zip archive (or a damaged one): give the .zip Slack's export downloads", path)
	case errors.As(err, &pe):
		err = pe.Err // (the path is said once)
	}
	return fmt.Errorf("import: --slack-export %s: %w", path, err)
}

// slackImportOptions are the Slack importer's options for an import as
// configured.
func slackImportOptions(cfg config.Config, opts importOptions) slackadapter.ImportOptions {
	return slackadapter.ImportOptions{HomeTeam: cmp.Or(opts.Team, cfg.Slack.TeamID), ChannelAccounts: cfg.Slack.ChannelAccounts,
		AccountNames: accountNames(cfg), StaffUsers: cfg.Slack.StaffUsers, IgnoreChannels: cfg.Slack.IgnoreChannels, IgnoreUsers: cfg.Slack.IgnoreUsers,
		TeamDomain: opts.TeamDomain, Progress: opts.Progress}
}

// openSlackExport checks a Slack export before any store is opened: its
// archive's structure (../ or absolute names, symbolic links, too many or too
// large members), its users.json and channel lists, and --team among its users.
func openSlackExport(cfg config.Config, path string, opts importOptions) (io.Closer, error) {
	exp, err := slackadapter.OpenExport(path, slackImportOptions(cfg, opts))
	if err != nil {
		return nil, err // (not a nil *Export in a non-nil io.Closer)
	}
	return exp, nil
}

// importSlack imports a Slack export (the one openSlackExport opened, or path)
// and prints the summary.
func importSlack(ctx context.Context, m *Main, st store.Store, cfg config.Config, path string, opts importOptions) error {
	exp, ok := opts.Opened.(*slackadapter.Export)
	if !ok {
		var err error
		if exp, err = slackadapter.OpenExport(path, slackImportOptions(cfg, opts)); err != nil {
			return err
		}
		defer exp.Close()
	}
	sum, err := exp.Import(ctx, st)
	if err != nil {
		return importStopped{stored: sum.Appended, err: err}
	}
	fmt.Fprintf(m.Stdout, "Imported %s: %s, %s, %d new (re-imports store nothing twice).\n", path,
		feedbackbot.CountNoun(sum.Files, "daily file", "daily files"), feedbackbot.CountNoun(sum.Messages, "message", "messages"), sum.Appended)
	if opts.TeamDomain == "" && sum.Appended > 0 {
		// (the configuration has no domain, and live capture learns it from Slack)
		fmt.Fprint(m.Stdout, "  no links to Slack: a Slack export does not name its workspace's domain, so quotes cannot link to their messages; "+
			"give it with --team-domain (acme for acme.slack.com). Messages already stored keep what they were first imported with (an import only adds).\n")
	}
	if sum.AlreadyStored > 0 {
		fmt.Fprintf(m.Stdout, "  %s not stored anew: held already, and left as they are (names and links included), or refused (by people forgotten, or erased).\n", feedbackbot.CountNoun(sum.AlreadyStored, "message was", "messages were"))
		if opts.TeamDomain != "" {
			// (a re-import to add links said nothing of their not being added, a review's find)
			fmt.Fprint(m.Stdout, "  --team-domain gives links to the messages this import stored, not to those already held: "+
				"an import never rewrites a stored message. New messages captured live get links from Slack at start.\n")
		}
	}
	for _, reason := range slices.Sorted(maps.Keys(sum.Skipped)) {
		fmt.Fprintf(m.Stdout, "  skipped %d: %s\n", sum.Skipped[reason], reason)
	}
	if sum.UsersSkipped > 0 {
		fmt.Fprintf(m.Stdout, "  skipped %d users.json entr(ies) of the wrong shape\n", sum.UsersSkipped)
	}
	for _, e := range sum.Errors {
		fmt.Fprintf(m.Stdout, "  problem: %s\n", printable(e))
	}
	if sum.Problems() > 0 {
		// None imported: no message reached the store, new or held already.
		// sum.Messages counts the messages read, those of a channel skipped for
		// its id too, so an import that skipped every channel said "everything
		// else was imported and analysed" (a review's find).
		return importProblems{n: sum.Problems(), none: sum.Appended+sum.AlreadyStored == 0}
	}
	return nil
}

// The Slack adapter searches its channels for its posts (run.go's postFinder):
// the scheduler and the alerter adopt a post a replica died after.
var _ postFinder = (*slackadapter.Adapter)(nil)

// startSlack starts the Slack adapter in HTTP mode when a bot token is configured.
func startSlack(ctx context.Context, env platformEnv) (*platform, error) {
	c := env.Config.Slack
	if !c.Enabled() {
		return nil, nil
	}
	names := accountNames(env.Config)
	signing := c.SigningSecret.Value()
	if c.Mode == "socket" && signing == "" {
		signing = "unused-in-socket-mode" // Socket Mode envelopes arrive over the authenticated websocket
	}
	a, err := slackadapter.New(slackadapter.Config{BotToken: c.BotToken.Value(), SigningSecret: signing, APIURL: c.APIURL,
		TeamID: c.TeamID, StaffUsers: c.StaffUsers, StaffUserGroups: c.StaffUserGroups, ChannelAccounts: c.ChannelAccounts, AccountNames: names,
		IgnoreChannels: c.IgnoreChannels, IgnoreUsers: c.IgnoreUsers, InternalChannels: c.InternalChannels, Logger: env.Logger,
		SurveyReaction: env.Config.Surveys.SlackReaction, SurveySample: env.Config.Surveys.Sample, SurveyKind: env.Config.Surveys.Kind},
		env.Store, env.Commands)
	if err != nil {
		return nil, err
	}
	if err := a.Start(ctx); err != nil {
		return nil, err
	}
	if errs := a.CheckDestinations(ctx, c.InternalChannels); len(errs) > 0 {
		return nil, fmt.Errorf("slack internal channels: %w", errs[0])
	}
	// (run goes on without a scope, as it did: what needs it fails where it is
	// used; the log says why at start)
	if err := scopesProblem(ctx, a); err != nil {
		env.Logger.Warn("slack: " + err.Error())
	}
	if c.Mode == "socket" {
		appToken := c.AppToken.Value()
		return &platform{Name: feedbackbot.PlatformSlack, Poster: a, Run: func(ctx context.Context) error {
			return a.RunSocket(ctx, appToken)
		}}, nil
	}
	a.Register(env.Mux)
	return &platform{Name: feedbackbot.PlatformSlack, Poster: a, Run: func(ctx context.Context) error {
		<-ctx.Done()
		a.Close()
		return nil
	}}, nil
}

func (m *Main) cmdBackfill(ctx context.Context, args []string) error {
	fs, cfgPath := m.flags("backfill")
	channel := fs.String("channel", "", "the Slack channel `ID` to back-fill (the bot must be a member)")
	since := 30 * 24 * time.Hour
	fs.Var(durationFlag{d: &since}, "since", "how far back to fetch, a `PERIOD` such as 30d or 12h (1h..92d)")
	lookback := 30 * 24 * time.Hour
	fs.Var(durationFlag{d: &lookback, max: 365 * 24 * time.Hour}, "thread-lookback", "how far before --since to look for older threads answered in the period, a `PERIOD` of 0..365d (0 to skip)")
	pageSize := fs.Int("page-size", 200, "messages per conversations.history call, `N` of 1..1000 (15 for apps outside the Marketplace)")
	rate := fs.Int("calls-per-minute", 50, "the rate Slack allows this app, `N` calls a minute, for the time estimate (1 for non-Marketplace apps)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *channel == "" {
		return usagef("backfill: --channel is required")
	}
	// (0 or -5 became 200 unsaid, and Slack refuses more than 1,000)
	if *pageSize < 1 || *pageSize > 1000 {
		return usagef("backfill: --page-size %d is out of range 1..1000 (Slack's own limit; 15 for apps outside the Marketplace)", *pageSize)
	}
	if *rate < 1 {
		return usagef("backfill: --calls-per-minute %d: give the rate Slack allows this app, 1 or more", *rate)
	}
	// Backfill only calls Slack's Web API: the signing secret or app-level token
	// that receiving events needs is not asked for (it was: "slack.mode is http but
	// SLACK_SIGNING_SECRET is not set").
	cfg, err := loadConfig(*cfgPath, m.Getenv)
	if err = config.WithoutReceiving(err); err != nil {
		return err
	}
	m.logger = newLogger(m.Stderr, cfg.Log)
	if !cfg.Slack.Enabled() {
		return usagef("backfill needs SLACK_BOT_TOKEN (and the bot invited to %s)", *channel)
	}
	// The same capture rules as live capture: ignored users and channels are never
	// captured, whichever way their messages arrive.
	ac := slackadapter.Config{BotToken: cfg.Slack.BotToken.Value(), SigningSecret: "unused-for-backfill", APIURL: cfg.Slack.APIURL,
		TeamID: cfg.Slack.TeamID, StaffUsers: cfg.Slack.StaffUsers, ChannelAccounts: cfg.Slack.ChannelAccounts, AccountNames: accountNames(cfg),
		IgnoreChannels: cfg.Slack.IgnoreChannels, IgnoreUsers: cfg.Slack.IgnoreUsers, Logger: m.log()}
	// Slack is asked first (auth.test), and the store opened only once it takes
	// the token, as import checks its file first: a revoked token or an
	// unreachable Slack left a new, empty store behind (FEEDBACKBOT_DATA
	// mistyped, every read command then said "the store holds no messages yet"
	// rather than "no store": a review's find).
	probe, err := slackadapter.New(slackadapter.Config{BotToken: ac.BotToken, SigningSecret: ac.SigningSecret, APIURL: ac.APIURL, TeamID: ac.TeamID}, nil, nil)
	if err != nil {
		return err
	}
	if err := probe.Start(ctx); err != nil {
		return err
	}
	st, where, err := m.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	a, err := slackadapter.New(ac, st, nil)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "Back-filling into the %s\n", where)
	now := time.Now().UTC()
	sum, err := a.Backfill(ctx, slackadapter.BackfillOptions{Channel: *channel, Since: now.Add(-since), Now: now, Progress: m.Stderr,
		Cursors: st, PageSize: *pageSize, CallsPerMinute: *rate, ThreadLookback: lookback})
	if err != nil {
		return err
	}
	an, err := newAnalyzer(cfg)
	if err != nil {
		return err
	}
	n, err := (&bot.Worker{Store: st, Analyzer: an, Consumer: "backfill", Batch: cfg.Analysis.Batch, Logger: m.log()}).Drain(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Back-filled %s: %s, %s, %s, %s answered since, %d new; analysed %s.\n",
		*channel, feedbackbot.CountNoun(sum.Pages, "page", "pages"), feedbackbot.CountNoun(sum.Messages, "message", "messages"), feedbackbot.CountNoun(sum.Threads, "thread", "threads"),
		feedbackbot.CountNoun(sum.OlderThreads, "older thread", "older threads"), sum.Appended, feedbackbot.CountNoun(n, "log entry", "log entries"))
	return nil
}

// checkSlackDestinations asks Slack whether it takes the bot token (auth.test) and
// about every channel digests and alerts may go to.
func checkSlackDestinations(ctx context.Context, cfg config.Config) []error {
	c := cfg.Slack
	if !c.Enabled() {
		return nil
	}
	channels := slices.Clone(c.InternalChannels)
	for _, d := range cfg.Digests {
		if d.Platform == "slack" && !slices.Contains(channels, d.Channel) {
			channels = append(channels, d.Channel)
		}
	}
	if cfg.Alerts.Platform == "slack" && cfg.Alerts.Channel != "" && !slices.Contains(channels, cfg.Alerts.Channel) {
		channels = append(channels, cfg.Alerts.Channel)
	}
	// The same configuration as run's, so that the checks are the same: with
	// staff_user_groups, a member outside them (or a public channel) is refused at
	// start and was passed here.
	a, err := slackadapter.New(slackadapter.Config{BotToken: c.BotToken.Value(), SigningSecret: "unused-for-checks", APIURL: c.APIURL,
		TeamID: c.TeamID, StaffUsers: c.StaffUsers, StaffUserGroups: c.StaffUserGroups, InternalChannels: c.InternalChannels}, nil, nil)
	if err != nil {
		return []error{err}
	}
	// auth.test, as run asks it at start, also with no channel to check: a token
	// Slack refuses was found only by run.
	if err := a.Start(ctx); err != nil { // (the Grid organisation, as run learns it)
		return []error{err}
	}
	var errs []error
	if err := scopesProblem(ctx, a); err != nil {
		errs = append(errs, err)
	}
	if c.Mode == "socket" && !c.AppToken.Empty() {
		if err := a.CheckAppToken(ctx, c.AppToken.Value()); err != nil {
			errs = append(errs, err)
		}
	}
	if len(channels) == 0 {
		return errs
	}
	return append(errs, a.CheckDestinations(ctx, channels)...)
}

// scopesProblem says which scopes the bot token lacks, and what goes without
// each (Adapter.MissingScopes); nil when it has them all, or Slack did not say.
func scopesProblem(ctx context.Context, a *slackadapter.Adapter) error {
	missing, err := a.MissingScopes(ctx)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("the Slack bot token lacks %s: %s; add them to the app (OAuth & Permissions, or deploy/slack-app-manifest.yaml) and reinstall it to the workspace",
		feedbackbot.CountNoun(len(missing), "scope", "scopes"), strings.Join(missing, "; "))
}
