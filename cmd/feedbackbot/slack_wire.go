package main

import (
	"context"
	"fmt"

	"github.com/feedbackbot/feedbackbot"
	slackadapter "github.com/feedbackbot/feedbackbot/adapters/slack"
)

func init() {
	platformStarters["slack"] = startSlack
}

// startSlack starts the Slack adapter in HTTP mode when a bot token is configured.
func startSlack(ctx context.Context, env platformEnv) (*platform, error) {
	c := env.Config.Slack
	if !c.Enabled() {
		return nil, nil
	}
	if c.Mode == "socket" {
		return nil, fmt.Errorf("slack Socket Mode is not available in this build yet: set SLACK_MODE=http and SLACK_SIGNING_SECRET, and point the app's Request URLs at /slack/events, /slack/commands and /slack/interactions")
	}
	names := map[string]string{}
	for _, a := range env.Config.Accounts {
		names[a.ID] = a.Name
	}
	a, err := slackadapter.New(slackadapter.Config{BotToken: c.BotToken.Value(), SigningSecret: c.SigningSecret.Value(), APIURL: c.APIURL,
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
	a.Register(env.Mux)
	return &platform{Name: feedbackbot.PlatformSlack, Poster: a, Run: func(ctx context.Context) error {
		<-ctx.Done()
		a.Close()
		return nil
	}}, nil
}
