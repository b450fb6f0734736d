package discordadapter

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
)

// CommandName is the application command feedbackbot registers in each guild.
const CommandName = "feedback"

func str(name, desc string, required bool) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc, Required: required}
}

func sub(name, desc string, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionSubCommand, Name: name, Description: desc, Options: opts}
}

// ApplicationCommands is /feedback with the same subcommands as Slack's. Options are joined in
// this order into the text the bot parses ("log acme it keeps crashing").
func ApplicationCommands() []*discordgo.ApplicationCommand {
	noDM := false
	return []*discordgo.ApplicationCommand{{
		Name: CommandName, Description: "Customer feedback: accounts, themes, risk and digests (staff only)", DMPermission: &noDM,
		Options: []*discordgo.ApplicationCommandOption{
			sub("help", "What feedbackbot can do"),
			sub("log", "Log feedback heard elsewhere", str("account", "Account id or name", true), str("text", "What the customer said", true)),
			sub("account", "Health, sentiment and evidence for one account", str("account", "Account id or name", true)),
			sub("themes", "What customers talk about, with trends", str("period", "e.g. 7d, 30d (default 7d)", false)),
			sub("risk", "Accounts most at risk, with the reasons"),
			sub("digest", "The satisfaction digest, here and now (only you see it)", str("period", "e.g. 7d, 30d (default 7d)", false)),
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "survey", Description: "Ask a customer a CSAT, NPS or Kano question in this channel",
				Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionString, Name: "kind", Description: "csat, nps or kano", Required: true,
						Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "CSAT (1-5)", Value: "csat"}, {Name: "NPS (0-10)", Value: "nps"},
							{Name: "Kano (a feature: with it, without it)", Value: "kano"}}},
					str("account", "Account id or name", true),
					str("feature", "For kano: the feature to ask about", false),
				}},
			sub("kano", "What the features asked about are to customers (only you see it)", str("period", "e.g. 30d, 90d (default 90d)", false)),
			sub("requests", "What customers asked for, grouped, with who asked (only you see it)", str("period", "e.g. 30d, 90d (default 30d)", false)),
			sub("correct", "Fix a message's tags where analysis got them wrong (only you see the answer)",
				str("message", "The message's link (⋯ › Copy Message Link)", true),
				str("changes", "e.g. negative complaint +billing -cancellation reply=no; undo; empty shows its tags", false)),
			sub("forget", "Erase a person's messages, survey answers and quotes (asks to confirm)",
				&discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionUser, Name: "user", Description: "The person to forget", Required: true}),
		},
	}}
}

// RegisterCommands overwrites the guild's commands with /feedback (guild commands
// appear at once, unlike global ones).
func (a *Adapter) RegisterCommands(ctx context.Context, guild string) error {
	a.mu.Lock()
	appID := a.appID
	a.mu.Unlock()
	if appID == "" {
		return fmt.Errorf("discord: application id unknown (not connected yet)")
	}
	return a.retry(ctx, "register commands", func() error {
		_, err := a.s.ApplicationCommandBulkOverwrite(appID, guild, ApplicationCommands(), discordgo.WithContext(ctx))
		return err
	})
}

// CommandText turns /feedback's subcommand and options into the bot's command text.
func CommandText(data discordgo.ApplicationCommandInteractionData) string {
	if data.Name != CommandName || len(data.Options) == 0 {
		return "help"
	}
	sc := data.Options[0]
	parts := []string{sc.Name}
	order := map[string][]string{"log": {"account", "text"}, "account": {"account"}, "themes": {"period"},
		"digest": {"period"}, "survey": {"kind", "account", "feature"}, "kano": {"period"}, "requests": {"period"}, "forget": {"user"},
		"correct": {"message", "changes"}}[sc.Name]
	kano := false // (the feature option is kano's; with csat or nps it was read as a thread)
	for _, o := range sc.Options {
		if v, _ := o.Value.(string); sc.Name == "survey" && o.Name == "kind" && strings.TrimSpace(v) == "kano" {
			kano = true
		}
	}
	for _, name := range order {
		if name == "feature" && !kano {
			continue
		}
		for _, o := range sc.Options {
			if o.Name != name {
				continue
			}
			var v string
			switch o.Type {
			case discordgo.ApplicationCommandOptionString, discordgo.ApplicationCommandOptionUser:
				// The text, or the user's id. Not o.StringValue(): it panics on a value
				// that is not a string (null), and a payload must not stop the bot.
				v, _ = o.Value.(string)
			}
			if v = strings.TrimSpace(v); v != "" {
				parts = append(parts, v)
			}
		}
	}
	return strings.Join(parts, " ")
}

const refusal = "Sorry, this command is only available to the team that runs feedbackbot."

func (a *Adapter) onInteraction(_ *discordgo.Session, i *discordgo.InteractionCreate) {
	if i.Interaction == nil || a.cmds == nil {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer func() {
			// One payload must not stop the bot: net/http recovers a Slack handler's
			// panic for the same reason.
			if p := recover(); p != nil {
				a.log.Error("discord: interaction handler panicked; interaction dropped", "interaction", i.ID, "panic", redactTokens(fmt.Sprint(p)))
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 14*time.Minute) // the token lives 15 minutes
		defer cancel()
		// At shutdown an interaction in flight has interactionGrace to finish (its
		// deferred answer, usually), not the 14 minutes that held shutdown up.
		stop := context.AfterFunc(a.base, func() { time.AfterFunc(interactionGrace, cancel) })
		defer stop()
		a.HandleInteraction(ctx, i.Interaction)
	}()
}

// internalChannel says whether channel is internal: listed, or a thread of one
// listed (as capture reads it).
func (a *Adapter) internalChannel(ctx context.Context, channel string) bool {
	if slices.Contains(a.cfg.InternalChannels, channel) {
		return true
	}
	ci, err := a.channel(ctx, channel)
	return err == nil && channelSkip(ci, nil, nil, a.cfg.InternalChannels) == skipInternalChannel
}

// surveyInInternal answers a survey asked in an internal channel.
const surveyInInternal = "A survey question is posted where you ask it, for the customer to answer: ask in the account's own channel, not in this internal one (nobody here could answer it, nor would the account be asked this again for 30 days)."

// notYourSurvey answers a survey button pressed by a member of another account.
const notYourSurvey = "Thanks! This question was for another customer, so your answer was not recorded."

// askedOf says whether a survey answer's presser belongs to the account the survey
// asked (its value: kind|score|account|…, the account the third part whatever
// follows it: thread, asked time; see bot.SurveyQuestion, and Slack's askedOf,
// which reads it the same way), as capture attributes their
// messages in that channel (customerAccount: the channel's or its parent's
// configured account, else one of their roles', else themselves). A channel that
// cannot be looked up is taken by its id alone.
func (a *Adapter) askedOf(ctx context.Context, cmd feedbackbot.Command, roles []string) bool {
	parts := strings.SplitN(strings.TrimPrefix(cmd.Text, "survey.answer "), "|", 4)
	if len(parts) != 4 {
		return true // (the bot says the button is not valid)
	}
	ci, err := a.channel(ctx, cmd.Channel)
	if err != nil {
		ci = channelInfo{id: cmd.Channel}
	}
	return a.customerAccount(ci, cmd.User, roles) == parts[2]
}

// interactionRoles are the presser's roles (none outside a server).
func interactionRoles(i *discordgo.Interaction) []string {
	if i.Member != nil {
		return i.Member.Roles
	}
	return nil
}

// interactionGrace is how long an interaction in flight may still take once the
// adapter is stopping (a variable for tests).
var interactionGrace = 20 * time.Second

// HandleInteraction answers a /feedback command or a button press: refused at once
// for non-staff (except survey answers), answered within CommandTimeout, otherwise
// deferred and then edited in. Replies are ephemeral except a survey question.
func (a *Adapter) HandleInteraction(ctx context.Context, i *discordgo.Interaction) {
	cmd, ok := a.interactionCommand(i)
	if !ok {
		return
	}
	deadline := a.replyDeadline(i.ID, time.Now())
	isSurveyAnswer := cmd.Button && strings.HasPrefix(cmd.Text, "survey.answer ")
	if !cmd.Staff && !isSurveyAnswer {
		a.log.Info("discord: command refused to non-staff", "guild", i.GuildID, "user", cmd.User)
		a.respond(ctx, i, Render(ephemeralText(refusal)))
		return
	}
	// The checks' channel lookups end by the deadline too (a lookup waiting out a
	// rate limit held the first answer past Discord's 3 seconds); one that cannot
	// finish falls back as a failed lookup does.
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if !cmd.Button && firstWord(cmd.Text) == "survey" && a.internalChannel(cctx, cmd.Channel) {
		// A survey question is posted where it is asked: here only staff would see
		// it, their presses are not recorded, and the account's cooldown would be
		// spent on nobody.
		a.respond(ctx, i, Render(ephemeralText(surveyInInternal)))
		return
	}
	if isSurveyAnswer && !cmd.Staff && !a.askedOf(cctx, cmd, interactionRoles(i)) {
		// Anyone who can see a channel may press a survey's buttons: an answer counts
		// only for the account it was asked of (another member's was recorded under
		// it, lowering that account's health, a review found).
		a.respond(ctx, i, Render(ephemeralText(notYourSurvey)))
		return
	}
	text := cmd.Text
	type result struct {
		doc feedbackbot.Document
		err error
	}
	done := make(chan result, 1)
	go func() {
		doc, err := a.cmds.HandleCommand(ctx, cmd)
		done <- result{doc, err}
	}()
	reply := func(r result) Rendered {
		if r.err != nil {
			msg := feedbackbot.ErrorMessage(r.err)
			if feedbackbot.ErrorCode(r.err) == feedbackbot.EINTERNAL {
				a.log.Error("discord: command failed", "command", firstWord(text), "err", r.err)
				msg = "Something went wrong answering that; it has been logged for the team."
			}
			return Render(ephemeralText(msg))
		}
		// Only a survey question (no analysis in it) is shown to the channel.
		if firstWord(text) != "survey" {
			r.doc.Ephemeral = true
		}
		return Render(r.doc)
	}
	select {
	case r := <-done:
		if err := a.respond(ctx, i, reply(r)); err != nil {
			a.surveyNotSent(ctx, cmd.Workspace, r.doc)
		}
		return
	case <-time.After(max(time.Until(deadline), minCommandWait)):
	}
	// Slower than Discord's 3 seconds allow: acknowledge now, fill in later. The
	// acknowledgement decides who sees the reply that replaces it: the channel for a
	// survey question, which is meant for the customer, the caller for the rest.
	public := firstWord(text) == "survey"
	deferred := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: ephemeralFlag}}
	if public {
		deferred.Data = nil
	}
	err := a.retry(ctx, "defer reply", func() error {
		return a.s.InteractionRespond(i, deferred, discordgo.WithContext(ctx))
	})
	if err != nil {
		a.log.Error("discord: could not defer reply", "err", err)
	}
	r := <-done
	out := reply(r)
	if public && out.Flags&ephemeralFlag != 0 {
		// No question after all (an error, or the account's cooldown): that answer is
		// the caller's alone, and the public acknowledgement cannot be made ephemeral.
		a.replyPrivately(ctx, i, out)
		return
	}
	err = a.retry(ctx, "edit deferred reply", func() error {
		_, err := a.s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Embeds: &out.Embeds, Components: &out.Components,
			Files: out.files(), AllowedMentions: noMentions}, discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		a.log.Error("discord: could not send deferred reply", "err", err)
		a.surveyNotSent(ctx, cmd.Workspace, r.doc)
	}
}

// replyDeadline is when a reply not ready yet is deferred: CommandTimeout after
// Discord created the interaction (its id's time), as Discord's 3 seconds count
// from then and the handler may start late (with SyncEvents, only once the
// gateway's earlier events are handled: one waiting on REST held it past the 3
// seconds). A creation time more than interactionWindow from this host's clock is
// taken for the clock's skew (a reply that late could not reach Discord in time
// anyway), and one ahead of it for a clock somewhat behind: CommandTimeout then
// counts from now. Whatever the deadline, a command gets minCommandWait to answer
// directly.
func (a *Adapter) replyDeadline(id string, now time.Time) time.Time {
	created := snowflakeTime(id)
	if created.IsZero() {
		return now.Add(a.cfg.CommandTimeout)
	}
	if age := now.Sub(created); age > interactionWindow || age < -interactionWindow {
		a.log.Warn("discord: an interaction's creation time is far from this host's clock (is the clock off, or were the gateway's handlers slow?); counting its reply time from now",
			"interaction", id, "age", age.Round(time.Millisecond))
		return now.Add(a.cfg.CommandTimeout)
	}
	if created.After(now) {
		created = now
	}
	return created.Add(a.cfg.CommandTimeout)
}

// interactionWindow is how long after its creation Discord takes an interaction's
// first answer; minCommandWait, how long a command may still answer directly once
// its deadline has passed (a clock somewhat ahead of Discord's makes every
// interaction look older than it is).
const (
	interactionWindow = 3 * time.Second
	minCommandWait    = 100 * time.Millisecond
)

// replyPrivately replaces a public deferred reply with an ephemeral follow-up:
// the acknowledgement is deleted, and the reply sent to the caller alone.
func (a *Adapter) replyPrivately(ctx context.Context, i *discordgo.Interaction, out Rendered) {
	err := a.retry(ctx, "delete deferred reply", func() error {
		return a.s.InteractionResponseDelete(i, discordgo.WithContext(ctx))
	})
	if err != nil {
		a.log.Error("discord: could not delete the deferred reply", "err", err)
	}
	err = a.retry(ctx, "send ephemeral follow-up", func() error {
		_, err := a.s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Embeds: out.Embeds, Components: out.Components,
			Files: out.files(), Flags: out.Flags, AllowedMentions: noMentions}, discordgo.WithContext(ctx))
		return err
	})
	if err != nil {
		a.log.Error("discord: could not send the ephemeral follow-up", "err", err)
	}
}

func (a *Adapter) respond(ctx context.Context, i *discordgo.Interaction, r Rendered) error {
	err := a.retry(ctx, "reply", func() error {
		return a.s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Embeds: r.Embeds, Components: r.Components, Files: r.files(), Flags: r.Flags,
				AllowedMentions: noMentions}}, discordgo.WithContext(ctx))
	})
	if err != nil {
		a.log.Error("discord: could not reply to interaction", "err", err)
	}
	return err
}

func ephemeralText(s string) feedbackbot.Document {
	return feedbackbot.Document{Ephemeral: true, Fallback: s, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: s}}}
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return w
}

// interactionCommand reads the bot's command from an interaction; ok is false for
// what is not ours (another application command, autocomplete, modals). Staff is
// decided here: never in a direct message, in a server the bot is not configured
// for, or without a user; there the caller gets the same refusal as any non-staff
// member, so it tells them nothing.
func (a *Adapter) interactionCommand(i *discordgo.Interaction) (cmd feedbackbot.Command, ok bool) {
	if i == nil {
		return cmd, false
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		data, isCmd := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !isCmd || data.Name != CommandName {
			return cmd, false
		}
		cmd.Text = CommandText(data)
	case discordgo.InteractionMessageComponent:
		data, isComp := i.Data.(discordgo.MessageComponentInteractionData)
		if !isComp {
			return cmd, false
		}
		cmd.Text, cmd.Button = data.CustomID, true
	default:
		return cmd, false
	}
	var roles []string
	if i.Member != nil && i.Member.User != nil {
		cmd.User, roles, cmd.UserName = i.Member.User.ID, i.Member.Roles, displayName(i.Member.User, i.Member)
	} else if i.User != nil {
		cmd.User, cmd.UserName = i.User.ID, displayName(i.User, nil)
	}
	cmd.Platform, cmd.Workspace, cmd.Channel = feedbackbot.PlatformDiscord, i.GuildID, i.ChannelID
	cmd.Staff = i.GuildID != "" && cmd.User != "" && i.Member != nil && a.guildAllowed(i.GuildID) && a.isStaff(i.GuildID, cmd.User, roles)
	if i.GuildID == "" || !a.guildAllowed(i.GuildID) {
		cmd.Text, cmd.Button = "", false // outside our servers nothing is done, not even a survey answer
	}
	return cmd, true
}
