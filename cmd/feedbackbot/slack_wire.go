package main

import (
	"cmp"
	"context"
	"fmt"

	"github.com/feedbackbot/feedbackbot"
	slackadapter "github.com/feedbackbot/feedbackbot/adapters/slack"
	"github.com/feedbackbot/feedbackbot/config"
	"github.com/feedbackbot/feedbackbot/store"
)

func init() {
	platformStarters["slack"] = startSlack
	importers["slack"] = importer{flag: "slack-export", help: "a Slack workspace export (.zip) to import; name your workspace with --team", run: importSlack}
}

// importSlack imports a Slack export and prints the summary.
func importSlack(ctx context.Context, m *Main, st store.Store, cfg config.Config, path string, opts importOptions) error {
	team := cmp.Or(opts.Team, cfg.Slack.TeamID)
	names := map[string]string{}
	for _, a := range cfg.Accounts {
		names[a.ID] = a.Name
	}
	sum, err := slackadapter.ImportExport(ctx, path, slackadapter.ImportOptions{HomeTeam: team, ChannelAccounts: cfg.Slack.ChannelAccounts,
		AccountNames: names, StaffUsers: cfg.Slack.StaffUsers, Progress: opts.Progress}, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Imported %s: %d daily files, %d messages, %d new (re-imports store nothing twice).\n", path, sum.Files, sum.Messages, sum.Appended)
	for reason, n := range sum.Skipped {
		fmt.Fprintf(m.Stdout, "  skipped %d: %s\n", n, reason)
	}
	for _, e := range sum.Errors {
		fmt.Fprintf(m.Stdout, "  problem: %s\n", e)
	}
	return nil
}

// startSlack starts the Slack adapter in HTTP mode when a bot token is configured.
func startSlack(ctx context.Context, env platformEnv) (*platform, error) {
	c := env.Config.Slack
	if !c.Enabled() {
		return nil, nil
	}
	names := map[string]string{}
	for _, a := range env.Config.Accounts {
		names[a.ID] = a.Name
	}
	signing := c.SigningSecret.Value()
	if c.Mode == "socket" && signing == "" {
		signing = "unused-in-socket-mode" // Socket Mode envelopes arrive over the authenticated websocket
	}
	a, err := slackadapter.New(slackadapter.Config{BotToken: c.BotToken.Value(), SigningSecret: signing, APIURL: c.APIURL,
		TeamID: c.TeamID, StaffUsers: c.StaffUsers, ChannelAccounts: c.ChannelAccounts, AccountNames: names,
		IgnoreChannels: c.IgnoreChannels, IgnoreUsers: c.IgnoreUsers, InternalChannels: c.InternalChannels, Logger: env.Logger},
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
