package slackadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/feedbackbot/feedbackbot"
)

// RunSocket serves Slack over Socket Mode (no public URL needed) until ctx ends.
// slack-go reconnects on its own; an envelope is acknowledged only after its event is
// durable, so an unacknowledged one is redelivered by Slack.
func (a *Adapter) RunSocket(ctx context.Context, appToken string) error {
	opts := []slack.Option{slack.OptionAppLevelToken(appToken)}
	if a.cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(a.cfg.APIURL))
	}
	client := socketmode.New(slack.New(a.cfg.BotToken, opts...))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(runCtx) }()
	defer a.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack socket mode: %w", err)
		case evt, ok := <-client.Events:
			if !ok {
				return nil
			}
			if err := a.socketEvent(ctx, client, evt); err != nil {
				return err
			}
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) error {
	switch evt.Type {
	case socketmode.EventTypeInvalidAuth:
		return fmt.Errorf("slack refused the app-level token (SLACK_APP_TOKEN, xapp-...): check it has connections:write")
	case socketmode.EventTypeEventsAPI:
		var env envelope
		if evt.Request == nil || json.Unmarshal(evt.Request.Payload, &env) != nil {
			return nil
		}
		if env.Type == "event_callback" && a.firstDelivery(env.EventID, time.Now()) {
			if err := a.captureEnvelope(ctx, env); err != nil && feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
				a.forget(env.EventID)
				a.log.Error("slack event not captured; not acknowledged, Slack will redeliver", "event_id", env.EventID, "err", err)
				return nil
			}
		}
		return client.Ack(*evt.Request)
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return nil
		}
		cmd := feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: a.workspace(sc.TeamID), Channel: sc.ChannelID,
			User: sc.UserID, UserName: sc.UserName, Text: sc.Text}
		return client.Ack(*evt.Request, a.reply(ctx, cmd, sc.TeamID, sc.EnterpriseID, sc.ResponseURL, false))
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return nil
		}
		if err := client.Ack(*evt.Request); err != nil {
			return err
		}
		if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 {
			return nil
		}
		act := cb.ActionCallback.BlockActions[0]
		cmd := feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: a.workspace(cb.Team.ID), Channel: cb.Channel.ID,
			User: cb.User.ID, UserName: cb.User.Name, Button: true, Text: strings.TrimSpace(act.ActionID + " " + act.Value)}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if resp := a.reply(ctx, cmd, cb.User.TeamID, "", cb.ResponseURL, true); resp["text"] != "Working on it…" {
				if err := a.postResponse(context.WithoutCancel(ctx), cb.ResponseURL, resp); err != nil {
					a.log.Error("slack: button reply failed", "err", err)
				}
			}
		}()
	}
	return nil
}
