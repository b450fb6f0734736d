package slackadapter

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/feedbackbot/feedbackbot"
)

// httpDoer posts deferred replies to response_url.
type httpDoer interface {
	Do(*http.Request) (*http.Response, error)
}

var defaultHTTP httpDoer = &http.Client{Timeout: 10 * time.Second}

// refusal is all a non-staff caller learns.
const refusal = "Sorry, /feedback is only available to the team that runs feedbackbot."

// cannotCheck answers a command whose caller could not be looked up in time.
const cannotCheck = "Sorry, Slack did not let feedbackbot check who you are just now (it is limiting the bot's requests or not answering). Please try again in a minute."

func (a *Adapter) handleCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sc, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "malformed command", http.StatusBadRequest)
		return
	}
	a.answer(w, r.Context(), a.slashCommand(sc), sc.TeamID, sc.EnterpriseID, sc.ResponseURL, false)
}

// slashCommand is the bot's command for a /feedback invocation (HTTP or Socket Mode).
//
// Slack escapes &, < and > in what was typed ("AT&T" arrives as "AT&amp;T"): the
// text is unescaped once here, so that names match and a log is stored as written
// (the bot escapes whatever of it a reply echoes). A button's value is ours, never
// escaped, and is left alone.
func (a *Adapter) slashCommand(sc slack.SlashCommand) feedbackbot.Command {
	return feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: a.workspace(sc.TeamID), Channel: sc.ChannelID,
		User: sc.UserID, UserName: sc.UserName, Text: feedbackbot.UnescapeMarkup(sc.Text)}
}

// buttonCommand is the bot's command for a button press (HTTP or Socket Mode); ok is
// false for anything else (view submissions, shortcuts), which is acknowledged and
// ignored. The team and enterprise are the presser's, checked like a slash
// command's.
func (a *Adapter) buttonCommand(cb slack.InteractionCallback) (cmd feedbackbot.Command, team, enterprise string, ok bool) {
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 || cb.ActionCallback.BlockActions[0] == nil {
		return feedbackbot.Command{}, "", "", false
	}
	act := cb.ActionCallback.BlockActions[0]
	action, _, _ := strings.Cut(act.ActionID, actionSep)
	cmd = feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: a.workspace(cb.Team.ID), Channel: cb.Channel.ID,
		User: cb.User.ID, UserName: cb.User.Name, Button: true, Text: strings.TrimSpace(action + " " + act.Value)}
	team = cmp.Or(cb.User.TeamID, cb.Team.ID)
	return cmd, team, cb.Enterprise.ID, true
}

func (a *Adapter) workspace(team string) string {
	if a.cfg.TeamID != "" {
		return a.cfg.TeamID
	}
	return team
}

// staff decides whether the caller may see customer data: a member of the home
// workspace (or Enterprise Grid organisation) who is not a guest. Any doubt refuses.
func (a *Adapter) staff(ctx context.Context, user, team, enterprise string) bool {
	ok, err := a.staffCheck(ctx, user, team, enterprise)
	if err != nil {
		a.log.Warn("slack: cannot check the caller; refusing", "user", user, "err", err)
	}
	return ok
}

// staffCheck is staff, with the lookup that could not be made (users.info or the
// user groups, rate limited, timed out or down): the caller is then not known to
// be staff. A lookup Slack answers with an error (user_not_found) is a refusal.
func (a *Adapter) staffCheck(ctx context.Context, user, team, enterprise string) (ok bool, err error) {
	defer func() {
		if err != nil && !lookupUnanswered(err) {
			a.log.Warn("slack: the caller's lookup was refused; refusing", "user", user, "err", err)
			ok, err = false, nil
		}
	}()
	if strings.TrimSpace(user) == "" {
		return false, nil // Slack always names the caller; a payload that does not is refused
	}
	if slices.Contains(a.cfg.StaffUsers, user) {
		return true, nil
	}
	u, err := a.user(ctx, user)
	if err != nil {
		return false, err
	}
	if !a.isHome(u.team, u.enterprise) || u.restricted || (team != "" && !a.isHome(team, enterprise)) {
		return false, nil
	}
	if len(a.cfg.StaffUserGroups) == 0 {
		return true, nil
	}
	in, err := a.inStaffGroup(ctx, user)
	if err != nil {
		return false, fmt.Errorf("staff user groups: %w", err)
	}
	return in, nil
}

// answer writes the immediate reply to a command or button press.
func (a *Adapter) answer(w http.ResponseWriter, ctx context.Context, cmd feedbackbot.Command, team, enterprise, responseURL string, replace bool) {
	res, doc := a.replyDoc(ctx, cmd, team, enterprise, responseURL, replace)
	if err := writeJSON(w, res); err != nil {
		a.log.Warn("slack: a command's reply could not be written", "err", err)
		a.surveyNotSent(ctx, cmd.Workspace, doc)
	}
}

// reply runs a command and returns the immediate reply: the answer itself when the
// bot is quick, or "Working on it…" while the answer is posted to response_url later.
// Non-staff get a refusal that reveals nothing, without the bot being asked.
func (a *Adapter) reply(ctx context.Context, cmd feedbackbot.Command, team, enterprise, responseURL string, replace bool) map[string]any {
	res, _ := a.replyDoc(ctx, cmd, team, enterprise, responseURL, replace)
	return res
}

// replyDoc is reply, with the bot's document when the reply is its answer (a
// survey question's cooldown is taken back if that reply is not delivered). The
// command's time counts from the start, the staff check included: a slow check
// (users.info, user groups) followed by a command just within CommandTimeout sent
// its answer after Slack's 3 seconds, where it was lost (a survey question with its
// cooldown kept, a review found); past the time, the answer goes to response_url.
func (a *Adapter) replyDoc(ctx context.Context, cmd feedbackbot.Command, team, enterprise, responseURL string, replace bool) (map[string]any, feedbackbot.Document) {
	deadline := time.Now().Add(a.cfg.CommandTimeout)
	isSurveyAnswer := cmd.Button && strings.HasPrefix(cmd.Text, "survey.answer ")
	// The check ends within Slack's budget: users.info waiting out a Retry-After
	// held the reply past Slack's 3 seconds (a review found). A check that cannot be
	// made says so, rather than refusing staff as strangers.
	cctx, cancel := context.WithTimeout(ctx, ackBudget)
	if isSurveyAnswer {
		// A survey answer is recorded only for a presser known to be no colleague:
		// a staff press taken as the customer's (users.info rate limited, or a
		// member outside slack.staff_user_groups) was stored as the account's rating.
		not := a.notRater(cctx, cmd.User, team)
		cancel()
		if not != "" {
			return note(not), feedbackbot.Document{}
		}
		if !a.askedOf(cmd, team) {
			// In a channel several organisations share, anyone there may press the
			// buttons: an answer counts only for the account it was asked of (another
			// organisation's member's was recorded under it, a review found).
			return note(notYourSurvey), feedbackbot.Document{}
		}
		return a.run(ctx, cmd, responseURL, replace, deadline)
	}
	staff, err := a.staffCheck(cctx, cmd.User, team, enterprise)
	cancel()
	cmd.Staff = staff
	if err != nil {
		a.log.Warn("slack: cannot check the caller", "user", cmd.User, "err", err)
		return note(cannotCheck), feedbackbot.Document{}
	}
	if !cmd.Staff {
		return note(refusal), feedbackbot.Document{}
	}
	if !cmd.Button && strings.EqualFold(firstField(cmd.Text), "survey") && slices.Contains(a.cfg.InternalChannels, cmd.Channel) {
		// A survey question is posted where it is asked: here only staff would see
		// it, their presses are not recorded, and the account's cooldown would be
		// spent on nobody.
		return note(surveyInInternal), feedbackbot.Document{}
	}
	return a.run(ctx, cmd, responseURL, replace, deadline)
}

// run has the bot answer a command whose caller was checked, within its time
// (deadline); past it, the answer goes to responseURL when ready.
func (a *Adapter) run(ctx context.Context, cmd feedbackbot.Command, responseURL string, replace bool, deadline time.Time) (map[string]any, feedbackbot.Document) {
	// The answer, with where it may be shown decided (shown may ask Slack about the
	// channel), within the command's time.
	type answered struct {
		res map[string]any
		doc feedbackbot.Document // as the bot answered: a survey question's cooldown is taken back if it is not posted
	}
	done := make(chan answered, 1)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		// The command outlives the request when it is deferred.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 25*time.Minute)
		defer cancel()
		doc, err := a.cmds.HandleCommand(cctx, cmd)
		if err != nil && feedbackbot.ErrorCode(err) == feedbackbot.EINTERNAL {
			a.log.Error("slack command failed", "user", cmd.User, "err", err)
		}
		done <- answered{a.shown(cctx, cmd, docOrError(doc, err), replace), doc}
	}()
	select {
	case r := <-done:
		return r.res, r.doc
	case <-time.After(time.Until(deadline)):
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			r := <-done
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := a.postResponse(cctx, responseURL, r.res); err != nil {
				a.log.Error("slack: deferred reply failed", "err", err)
				a.surveyNotSent(cctx, cmd.Workspace, r.doc)
			}
		}()
		return map[string]any{"response_type": "ephemeral", "text": workingOnIt}, feedbackbot.Document{}
	}
}

// note is a reply of one text for the caller alone.
func note(text string) map[string]any { return response(textDoc(text), false) }

// textDoc is a document of one text, for the caller alone.
func textDoc(text string) feedbackbot.Document {
	return feedbackbot.Document{Ephemeral: true, Fallback: text, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: text}}}
}

// surveyInInternal answers a survey asked in an internal channel.
const surveyInInternal = "A survey question is posted where you ask it, for the customer to answer: ask in the account's own channel, not in this internal one (nobody here could answer it, nor would the account be asked this again for 30 days)."

// notYourSurvey answers a survey button pressed by someone of another account.
const notYourSurvey = "Thanks! This question was for another organisation in this channel, so your answer was not recorded."

// surveyNotChecked answers a survey press whose presser could not be looked up
// (users.info rate limited, timed out, down, or answering with any error but
// "no such user"): nothing is recorded.
const surveyNotChecked = "Sorry, your answer could not be recorded: Slack did not let feedbackbot check who pressed it just now. Please press your answer again in a minute."

// staffNotCounted answers a survey press by a member of the home workspace (or
// organisation) who is not a guest: nothing is recorded.
const staffNotCounted = "Thanks, but your answer was not recorded: staff answers are not counted (this question is for the customer, and members of this workspace count as staff)."

// notRater says why a survey press by user (of team, the payload's user.team_id)
// is not recorded, "" when it may be: a presser named in slack.staff_users, or a
// member of the home workspace or organisation who is not a guest, is staff,
// whatever slack.staff_user_groups says (capture files their messages as staff:
// a colleague outside the groups rated as the customer). A presser whose lookup
// failed is not known to be a customer, and is asked to press again: users.info
// rate limited, and also answering internal_error, fatal_error,
// service_unavailable, request_timeout, missing_scope, invalid_auth… (a staff
// member's "1" was stored as the account's rating: every error Slack answered
// was read as "no member of ours"). Only Slack saying there is no such user
// (noSuchUser) lets the press go on, as before, to askedOf, and not when the
// payload names the home team: that presser is ours, guest or staff, and which
// is unknown.
func (a *Adapter) notRater(ctx context.Context, user, team string) string {
	if strings.TrimSpace(user) == "" {
		return surveyNotChecked // (Slack always names the presser)
	}
	if slices.Contains(a.cfg.StaffUsers, user) {
		return staffNotCounted
	}
	u, err := a.user(ctx, user)
	switch {
	case err != nil && (!noSuchUser(err) || a.isHome(team, "")):
		a.log.Warn("slack: cannot check a survey answer's presser; not recorded", "user", user, "err", err)
		return surveyNotChecked
	case err != nil:
		return "" // (no member of ours: askedOf decides)
	case a.isHome(u.team, u.enterprise) && !u.guest:
		return staffNotCounted
	}
	return ""
}

// noSuchUser says whether a lookup failed because Slack has no such user to show
// this app (user_not_found, user_not_visible): an answer about the user, unlike
// any other error (Slack's own trouble, or this app's token or scopes), which
// says nothing of who they are.
func noSuchUser(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && (se.Err == "user_not_found" || se.Err == "user_not_visible")
}

// askedOf says whether a survey answer's presser belongs to the account the survey
// asked (its value: kind|score|account|…, the account the third part whatever
// follows it: thread, asked time; see bot.SurveyQuestion): the channel's
// configured account, else the presser's team, as capture attributes their
// messages.
func (a *Adapter) askedOf(cmd feedbackbot.Command, team string) bool {
	parts := strings.SplitN(strings.TrimPrefix(cmd.Text, "survey.answer "), "|", 4)
	if len(parts) != 4 {
		return true // (the bot says the button is not valid)
	}
	acct, ok := a.cfg.ChannelAccounts[cmd.Channel]
	if !ok {
		acct = team
	}
	return acct == parts[2]
}

// workingOnIt is the placeholder answer of a command that takes longer than
// CommandTimeout.
const workingOnIt = "Working on it…"

// shown is the reply to a command as Slack is to show it. A typed command's answer
// is ephemeral, whatever the bot marked it, except a survey question (it is for the
// customer, with no analysis in it): a command may be typed in a Slack Connect
// channel, and "alert.ack" typed there must not show the alert to the customer. A
// button's answer for the channel (an alert acknowledged or snoozed, with its
// evidence) replaces the message the button was on only where analysis may be
// posted now (CheckDestination, as every post and edit): the button may be on an
// ephemeral answer to a command typed in a customer's channel, or on an alert
// posted before its channel was shared with another organisation. Anywhere else the
// caller alone sees it, and the message stays as it was.
func (a *Adapter) shown(ctx context.Context, cmd feedbackbot.Command, doc feedbackbot.Document, replace bool) map[string]any {
	if !cmd.Button && !strings.EqualFold(firstField(cmd.Text), "survey") {
		doc.Ephemeral = true
	}
	if cmd.Button && !doc.Ephemeral {
		if err := a.CheckDestination(ctx, cmd.Channel); err != nil {
			a.log.Warn("slack: a button's answer stays with the caller: its channel is not one analysis may be posted to",
				"channel", cmd.Channel, "user", cmd.User, "reason", err)
			doc.Ephemeral, replace = true, false
		}
	}
	if doc.Ephemeral {
		// A reply that replaces the message keeps that message's audience: "Open
		// account" on an alert the channel sees put the account's evidence in front
		// of everyone there, a Slack Connect customer included. The caller's own
		// answer is a new message only they see.
		replace = false
	}
	return response(doc, replace)
}

func firstField(s string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return f
}

func docOrError(doc feedbackbot.Document, err error) feedbackbot.Document {
	if err == nil {
		return doc
	}
	return textDoc(feedbackbot.ErrorMessage(err))
}

// response is a slash-command or response_url reply.
func response(doc feedbackbot.Document, replace bool) map[string]any {
	blocks, fallback := RenderBlocks(doc)
	typ := "ephemeral"
	if !doc.Ephemeral {
		typ = "in_channel"
	}
	out := map[string]any{"response_type": typ, "text": fallback, "blocks": blocks}
	if replace {
		out["replace_original"] = true
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

func (a *Adapter) postResponse(ctx context.Context, responseURL string, v any) error {
	u, err := url.Parse(responseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("bad response_url")
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		// Not the URL: whoever has it can post as the bot in that channel for 30
		// minutes, and the error is logged.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post to response_url: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("response_url answered %s", resp.Status)
	}
	return nil
}

func (a *Adapter) handleInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	// Slack takes a button's answer from response_url only (the body of the
	// acknowledgement of a block_actions payload is not read), as in Socket Mode.
	w.WriteHeader(http.StatusOK)
	cmd, team, enterprise, ok := a.buttonCommand(cb)
	if !ok {
		return
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.pressed(context.WithoutCancel(r.Context()), cmd, team, enterprise, cb.ResponseURL)
	}()
}

// pressed answers a button press at its response_url (a slow answer is sent there by
// reply itself, when it is ready).
func (a *Adapter) pressed(ctx context.Context, cmd feedbackbot.Command, team, enterprise, responseURL string) {
	if resp := a.reply(ctx, cmd, team, enterprise, responseURL, true); resp["text"] != workingOnIt {
		if err := a.postResponse(ctx, responseURL, resp); err != nil {
			a.log.Error("slack: button reply failed", "err", err)
		}
	}
}
