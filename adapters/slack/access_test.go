package slackadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// interaction is a block_actions payload: one button pressed by user (of team) in a
// workspace whose payload team is payloadTeam.
func interaction(user, team, payloadTeam, enterprise, actionID, value string) string {
	return interactionIn("CINTERNAL", user, team, payloadTeam, enterprise, actionID, value)
}

// interactionIn is interaction with the button pressed in channel.
func interactionIn(channel, user, team, payloadTeam, enterprise, actionID, value string) string {
	p := map[string]any{"type": "block_actions", "user": map[string]any{"id": user, "team_id": team, "name": "n"},
		"team": map[string]any{"id": payloadTeam}, "channel": map[string]any{"id": channel}, "response_url": "https://hooks.example/y",
		"actions": []map[string]any{{"action_id": actionID, "block_id": "b1", "type": "button", "value": value}}}
	if enterprise != "" {
		p["enterprise"] = map[string]any{"id": enterprise}
	}
	b, _ := json.Marshal(p)
	return url.Values{"payload": {string(b)}}.Encode()
}

// TestAccessControl: every /feedback subcommand and every staff button (acknowledge,
// snooze, open account, confirm forget), from each kind of caller who is not staff,
// gets the same refusal, byte for byte, and the bot is never asked. Callers: a Slack
// Connect customer, a guest, a single-channel guest, an admin of another workspace,
// a home member calling from another workspace, a member of another Enterprise Grid
// organisation, a customer claiming the home team in the payload, and a user Slack
// does not know. A member of another workspace of the home Grid organisation is staff.
func TestAccessControl(t *testing.T) {
	f := newFixture(t)
	f.a.cfg.EnterpriseID = "EHOME"
	bot := &askRecorder{}
	f.cmds = bot
	commands := []string{"help", "risk", "account acme", "themes 30d", "digest 7d", "log acme they love it", "survey csat acme", "forget XDANA", "alert.ack fp1"}
	buttons := [][2]string{{"alert.ack", "fp1"}, {"alert.snooze", "fp1"}, {"account.open", "acme"}, {"forget.confirm", "XDANA"}, {"account", "acme"}}
	callers := []struct {
		name, user, team, enterprise string
	}{
		{"Slack Connect customer", "XDANA", "TACME", ""},
		{"customer claiming the home team", "XDANA", home, ""},
		{"guest of the home workspace", "GGUEST", home, ""},
		{"single-channel guest", "RGUEST", home, ""},
		{"admin of another workspace", "OADMIN", "TOTHER", ""},
		{"home member calling from another workspace", "UMARIA", "TOTHER", ""},
		{"member of another Grid organisation", "FOUT", "TFOREIGN", "EFOREIGN"},
		{"member of another organisation claiming ours", "FOUT", "TFOREIGN", "EHOME"},
		{"unknown to Slack", "NGHOST", home, ""},
	}
	var want string
	for _, c := range callers {
		for _, text := range commands {
			code, body := f.post("/slack/commands", slash(c.user, c.team, text, "https://hooks.example/x")+"&enterprise_id="+c.enterprise,
				"application/x-www-form-urlencoded", nil)
			if want == "" {
				want = body
				if !strings.Contains(want, refusal) || strings.Contains(want, "ok:") {
					t.Fatalf("first refusal is not the refusal: %s", want)
				}
			}
			if code != 200 || body != want {
				t.Errorf("%s: /feedback %s: %d %s; want the refusal %s", c.name, text, code, body, want)
			}
		}
		for _, b := range buttons {
			code, body := f.press(interaction(c.user, c.team, c.team, c.enterprise, b[0], b[1]))
			if code != 200 || body != strings.TrimSpace(want) { // (the same JSON, posted to response_url)
				t.Errorf("%s: button %s: %d %s; want the refusal %s", c.name, b[0], code, body, want)
			}
		}
	}
	if asked := bot.calls(); len(asked) != 0 {
		t.Fatalf("the bot was asked %d times on behalf of non-staff callers: %+v", len(asked), asked[0])
	}
	// The refusal names nothing the bot holds: no account, channel, user or command.
	for _, leak := range []string{"acme", "fp1", "XDANA", "CINTERNAL", "risk", "digest"} {
		if strings.Contains(strings.ToLower(want), strings.ToLower(leak)) {
			t.Errorf("the refusal mentions %q: %s", leak, want)
		}
	}

	// Staff: a home member, and a member of another workspace of the home Grid
	// organisation; each command and button reaches the bot as staff.
	for _, s := range []struct{ user, team, enterprise string }{{"UMARIA", home, ""}, {"EGRID", "TGRID2", "EHOME"}} {
		for _, b := range buttons {
			_, body := f.press(interaction(s.user, s.team, s.team, s.enterprise, b[0], b[1]))
			if !strings.Contains(body, "ok: "+b[0]+" "+b[1]) {
				t.Errorf("staff %s pressing %s: %s", s.user, b[0], body)
			}
		}
		_, body := f.post("/slack/commands", slash(s.user, s.team, "risk", "https://hooks.example/x")+"&enterprise_id="+s.enterprise, "application/x-www-form-urlencoded", nil)
		if !strings.Contains(body, "ok: risk") {
			t.Errorf("staff %s: %s", s.user, body)
		}
	}
	for _, c := range bot.calls() {
		if !c.Staff || c.Workspace != home {
			t.Errorf("staff command %+v: want Staff in the home workspace", c)
		}
	}

	// The one thing a customer may do: answer a survey. It reaches the bot as not staff.
	bot.reset()
	_, body := f.press(interaction("XDANA", "TACME", "TACME", "", "survey.answer", "csat|4|TACME|"))
	if asked := bot.calls(); len(asked) != 1 || asked[0].Staff || asked[0].Text != "survey.answer csat|4|TACME|" || !strings.Contains(body, "ok: survey.answer") {
		t.Fatalf("a customer's survey answer: %+v %s", asked, body)
	}
	// Typed, it is a command like any other: refused.
	bot.reset()
	if _, body := f.post("/slack/commands", slash("XDANA", "TACME", "survey.answer csat|1|TACME|", "https://hooks.example/x"), "application/x-www-form-urlencoded", nil); body != want || len(bot.calls()) != 0 {
		t.Fatalf("a typed survey answer from a customer: %s (bot asked %d)", body, len(bot.calls()))
	}
}

// TestSocketModeRefusesNonStaff: over Socket Mode, a customer's slash command is
// acknowledged with the refusal, their button press is acknowledged and answered
// with the refusal at response_url, a malformed events_api payload is acknowledged
// (not redelivered forever), and the bot is never asked.
func TestSocketModeRefusesNonStaff(t *testing.T) {
	acks := make(chan map[string]any, 4)
	hooked := make(chan string, 2)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooked <- string(b)
	}))
	defer hook.Close()
	socket := socketServer(t, acks, 3, func() []map[string]any {
		return []map[string]any{
			{"type": "slash_commands", "envelope_id": "env-cmd", "payload": map[string]any{
				"command": "/feedback", "text": "account acme", "user_id": "XDANA", "team_id": home, "channel_id": "CSHARED", "response_url": hook.URL}},
			{"type": "interactive", "envelope_id": "env-btn", "payload": map[string]any{
				"type": "block_actions", "user": map[string]any{"id": "XDANA", "team_id": "TACME"}, "team": map[string]any{"id": "TACME"},
				"channel": map[string]any{"id": "CSHARED"}, "response_url": hook.URL,
				"actions": []map[string]any{{"action_id": "forget.confirm", "block_id": "b", "type": "button", "value": "XLEE"}}}},
			{"type": "events_api", "envelope_id": "env-bad", "payload": map[string]any{"type": "event_callback", "event": "not an object"}},
		}
	})
	f := newFixture(t, socket)
	f.cmds = commandsFunc(func(_ context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		t.Errorf("the bot was asked: %+v", c)
		return feedbackbot.Document{}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.a.RunSocket(ctx, "xapp-test") }()
	got := map[string]string{}
	for range 3 {
		select {
		case ack := <-acks:
			b, _ := json.Marshal(ack["payload"])
			got[fmt.Sprint(ack["envelope_id"])] = string(b)
		case <-time.After(10 * time.Second):
			t.Fatalf("acks received: %v", got)
		}
	}
	select {
	case b := <-hooked:
		if !strings.Contains(b, refusal) {
			t.Errorf("button reply at response_url: %s", b)
		}
	case <-time.After(5 * time.Second):
		t.Error("no refusal posted for the button")
	}
	cancel()
	<-done
	if !strings.Contains(got["env-cmd"], refusal) || strings.Contains(got["env-cmd"], "acme") {
		t.Errorf("slash command ack: %s", got["env-cmd"])
	}
	for _, env := range []string{"env-btn", "env-bad"} {
		if _, ok := got[env]; !ok {
			t.Errorf("%s not acknowledged: %v", env, got)
		}
	}
}

// TestTypedCommandsStayWithTheCaller: whatever the bot answers, a typed command's
// reply is ephemeral (an alert typed as "alert.ack fp1" in a Slack Connect channel
// would otherwise be shown to the customer), except a survey question; a pressed
// alert button replaces its own (internal) message.
func TestTypedCommandsStayWithTheCaller(t *testing.T) {
	f := newFixture(t)
	f.cmds = commandsFunc(func(_ context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		return feedbackbot.Document{Ephemeral: false, Fallback: "Acme is at risk: “we are cancelling”"}, nil
	})
	for _, tc := range []struct{ text, want string }{
		{"alert.ack fp1", `"response_type":"ephemeral"`},
		{"account.open acme", `"response_type":"ephemeral"`},
		{"digest", `"response_type":"ephemeral"`},
		{"survey csat acme", `"response_type":"in_channel"`},
	} {
		// (CEXTACME: a customer's channel. CSHARED is configured internal, where a
		// survey question is refused: only staff would read it.)
		form := url.Values{"command": {"/feedback"}, "text": {tc.text}, "user_id": {"UMARIA"}, "team_id": {home}, "channel_id": {"CEXTACME"},
			"response_url": {"https://hooks.example/x"}}.Encode()
		if _, body := f.post("/slack/commands", form, "application/x-www-form-urlencoded", nil); !strings.Contains(body, tc.want) {
			t.Errorf("typed %q in a shared channel: %s; want %s", tc.text, body, tc.want)
		}
	}
	_, body := f.press(interaction("UMARIA", home, home, "", "alert.ack", "fp1"))
	if !strings.Contains(body, `"replace_original":true`) {
		t.Errorf("a pressed alert button should replace its message: %s", body)
	}
}

// TestButtonAnswersOnlyWhereAnalysisMayGo: a pressed button's answer for the channel
// (an alert acknowledged or snoozed, with its evidence) replaces the button's message
// only in a channel analysis may be posted to now; pressed in a channel since shared
// with another organisation (Slack Connect), in one not listed as internal, or on an
// ephemeral answer to a command typed in a customer's channel, the caller alone sees
// the answer and the message stays as it was.
func TestButtonAnswersOnlyWhereAnalysisMayGo(t *testing.T) {
	f := newFixture(t, conversationsInfo(map[string]bool{"CSHARED": true}))
	quote := "Acme is at risk: “we are cancelling”"
	f.cmds = commandsFunc(func(_ context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		return feedbackbot.Document{Ephemeral: !c.Button, Fallback: quote, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: quote}}}, nil
	})
	for _, tc := range []struct {
		channel string
		shown   bool // in the channel, replacing the button's message
	}{
		{"CINTERNAL", true},
		{"CSHARED", false}, // listed as internal, but shared with another organisation since
		{"COTHER", false},  // not listed as internal
	} {
		for _, action := range []string{"alert.ack", "alert.snooze"} {
			_, body := f.press(interactionIn(tc.channel, "UMARIA", home, home, "", action, "fp1"))
			var got struct {
				Type    string `json:"response_type"`
				Replace bool   `json:"replace_original"`
				Text    string `json:"text"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%s in %s: %v: %s", action, tc.channel, err, body)
			}
			if got.Text != quote {
				t.Errorf("%s in %s: the caller should see the answer, got %q", action, tc.channel, got.Text)
			}
			if shown := got.Type == "in_channel"; shown != tc.shown || got.Replace != tc.shown {
				t.Errorf("%s in %s: response_type %q, replace_original %v; want in the channel: %v", action, tc.channel, got.Type, got.Replace, tc.shown)
			}
		}
	}
}

// TestStaffStatusIsRecheckedAfterTTL: a looked-up user is trusted for userTTL only,
// so a member made a guest stops being staff without a restart.
func TestStaffStatusIsRecheckedAfterTTL(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// GGUEST was a full member when last looked up; users.info now says guest.
	f.a.mu.Lock()
	f.a.userTeams["GGUEST"] = userInfo{team: home, at: time.Now()}
	f.a.mu.Unlock()
	if !f.a.staff(ctx, "GGUEST", home, "") {
		t.Fatal("a fresh lookup should be trusted")
	}
	f.a.mu.Lock()
	f.a.userTeams["GGUEST"] = userInfo{team: home, at: time.Now().Add(-userTTL - time.Second)}
	f.a.mu.Unlock()
	if f.a.staff(ctx, "GGUEST", home, "") {
		t.Fatal("after userTTL the guest is still treated as staff")
	}
}

// TestGridColleagueCapturedAsStaff: on an Enterprise Grid, a message event names the
// author's team but not its organisation; a colleague of another workspace of the
// home organisation is staff (as the commands already treat them), and a member of
// another organisation stays a customer of their team.
func TestGridColleagueCapturedAsStaff(t *testing.T) {
	f := newFixture(t)
	f.a.cfg.EnterpriseID = "EHOME"
	for _, tc := range []struct {
		user, team, ts string
		role           feedbackbot.Role
		account        string
	}{
		{"EGRID", "TGRID2", "1700000000.000301", feedbackbot.RoleStaff, ""},
		{"FOUT", "TFOREIGN", "1700000000.000302", feedbackbot.RoleCustomer, "TFOREIGN"},
		{"XDANA", "TACME", "1700000000.000303", feedbackbot.RoleCustomer, "TACME"},
	} {
		if code := f.event("Ev"+tc.ts, map[string]any{"type": "message", "user": tc.user, "user_team": tc.team, "channel": "CGRID", "ts": tc.ts, "text": "hello from " + tc.user}); code != 200 {
			t.Fatalf("%s: status %d", tc.user, code)
		}
		s, ok := f.stored(key("CGRID", tc.ts))
		if !ok || s.Message.Role != tc.role || (tc.account != "" && s.Message.Account != tc.account) {
			t.Errorf("%s of %s stored as %q of %q (found %v), want %q of %q", tc.user, tc.team, s.Message.Role, s.Message.Account, ok, tc.role, tc.account)
		}
	}
}

// TestHomeGuestsCapturedAsCustomers: a guest of the home workspace, multi-channel
// (is_restricted) or single-channel (is_ultra_restricted), is captured as a customer,
// as the commands and CheckDestination treat guests; they were filed as staff, with
// no account, and counted as staff answers to other customers' questions (a review's
// find). A guest's message counts for the channel's slack.channel_accounts account,
// else none (never the home team, nor the conversation's last customer, which an
// edit read later would not find again), and a guest is not the last customer staff
// answers count for. Members, bot users and Slack Connect customers are as before.
// The rows run in order: an account may be the one an earlier row left.
func TestHomeGuestsCapturedAsCustomers(t *testing.T) {
	f := newFixture(t)
	f.a.cfg.ChannelAccounts = map[string]string{"CMAPPED": "TACME"}
	for i, tc := range []struct {
		name, user, team, channel string
		role                      feedbackbot.Role
		account                   string
	}{
		{"member, mapped channel", "UMARIA", home, "CMAPPED", feedbackbot.RoleStaff, "TACME"},
		{"single-channel guest, mapped channel", "RGUEST", home, "CMAPPED", feedbackbot.RoleCustomer, "TACME"},
		{"multi-channel guest, mapped channel", "GGUEST", home, "CMAPPED", feedbackbot.RoleCustomer, "TACME"},
		{"Slack Connect customer, mapped channel", "XDANA", "TACME", "CMAPPED", feedbackbot.RoleCustomer, "TACME"},
		{"multi-channel guest before any customer", "GGUEST", home, "CSHARED2", feedbackbot.RoleCustomer, ""},
		{"Slack Connect customer", "XBEN", "TBETA", "CSHARED2", feedbackbot.RoleCustomer, "TBETA"},
		{"single-channel guest, team looked up", "RGUEST", "", "CSHARED2", feedbackbot.RoleCustomer, ""},
		{"member after the guest", "UMARIA", home, "CSHARED2", feedbackbot.RoleStaff, "TBETA"},
		{"member, team looked up", "UTOM", "", "CSHARED2", feedbackbot.RoleStaff, "TBETA"},
		{"bot user without a bot_id", "UBOT", home, "CSHARED2", feedbackbot.RoleStaff, "TBETA"},
	} {
		ts := fmt.Sprintf("1700000000.%06d", 400+i)
		ev := map[string]any{"type": "message", "user": tc.user, "channel": tc.channel, "ts": ts, "text": "hello from " + tc.user}
		if tc.team != "" {
			ev["user_team"] = tc.team
		}
		if code := f.event("Ev"+ts, ev); code != http.StatusOK {
			t.Fatalf("%s: status %d", tc.name, code)
		}
		m, found, err := f.st.Newest(t.Context(), key(tc.channel, ts))
		if err != nil || !found || m.Role != tc.role || m.Account != tc.account {
			t.Errorf("%s (%s): stored as %q of account %q (found %v, %v); want %q of %q", tc.name, tc.user, m.Role, m.Account, found, err, tc.role, tc.account)
		}
	}
	// A home author users.info cannot answer for is not guessed staff: the event is
	// not acknowledged (Slack delivers it again) and nothing is stored.
	const ts = "1700000000.000999"
	if code := f.event("Ev"+ts, map[string]any{"type": "message", "user": "NGHOST", "user_team": home, "channel": "CSHARED2", "ts": ts, "text": "who am I"}); code != http.StatusInternalServerError {
		t.Errorf("a home author whose lookup fails: status %d, want 500 so that Slack delivers the event again", code)
	}
	if m, found, _ := f.st.Newest(t.Context(), key("CSHARED2", ts)); found {
		t.Errorf("a home author whose lookup fails was stored as %q of %q", m.Role, m.Account)
	}
}

// TestOpenAccountStaysWithTheCaller: "Open account" on an alert answers with the
// account's health and quotes for the caller alone. The answer replaced the alert,
// and a replacement keeps the alert's audience: in a channel shared with a customer
// organisation (after the alert was posted), everyone there saw it (a review's find).
// Both the quick answer and a slow one, sent to response_url later.
func TestOpenAccountStaysWithTheCaller(t *testing.T) {
	for _, slow := range []bool{false, true} {
		f := newFixture(t, conversationsInfo(map[string]bool{"CSHARED": true}))
		f.cmds = &bot.Bot{Store: f.st, Accounts: map[string]feedbackbot.Account{"TACME": {ID: "TACME", Name: "Acme"}}}
		if slow {
			f.a.cfg.CommandTimeout = time.Nanosecond
		}
		f.event("E1", map[string]any{"type": "message", "user": "XDANA", "user_team": "TACME", "channel": "C1", "ts": "1700000000.000100", "text": "we are cancelling next month"})
		f.stored(key("C1", "1700000000.000100"))
		_, body := f.press(interactionIn("CSHARED", "UMARIA", home, home, "", "account.open", "TACME"))
		var got struct {
			Type    string `json:"response_type"`
			Replace bool   `json:"replace_original"`
			Text    string `json:"text"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err, body)
		}
		if got.Replace || got.Type != "ephemeral" || !strings.Contains(body, "Acme") {
			t.Errorf("slow %v: the account view %s; want it for the caller alone, not in place of the alert", slow, body)
		}
	}
}

// TestSurveyButtonsHaveUniqueActionIDs: Slack refuses a block whose buttons share
// an action_id (invalid_blocks), and the survey's five answers were one action with
// five values, so no survey could be posted (a review's find; slacktest does not
// check). Each answer's press still reaches the bot as "survey.answer <value>".
func TestSurveyButtonsHaveUniqueActionIDs(t *testing.T) {
	for _, kind := range []string{"csat", "nps"} {
		blocks, _ := RenderBlocks(bot.SurveyDocument(kind, "TACME", ""))
		raw, _ := json.Marshal(blocks)
		var bs []struct {
			Type     string `json:"type"`
			Elements []struct {
				ActionID string `json:"action_id"`
				Value    string `json:"value"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(raw, &bs); err != nil {
			t.Fatal(err)
		}
		presses := 0
		for i, b := range bs {
			if b.Type != "actions" {
				continue
			}
			seen := map[string]bool{}
			for _, e := range b.Elements {
				if seen[e.ActionID] {
					t.Errorf("%s: block %d repeats action_id %q", kind, i, e.ActionID)
				}
				seen[e.ActionID] = true
				f := newFixture(t)
				asked := &askRecorder{}
				f.cmds = asked
				f.press(interaction("XDANA", "TACME", "TACME", "", e.ActionID, e.Value))
				if calls := asked.calls(); len(calls) != 1 || calls[0].Text != "survey.answer "+e.Value {
					t.Errorf("%s: pressing %q (%s) reached the bot as %+v; want survey.answer %s", kind, e.ActionID, e.Value, calls, e.Value)
				}
				presses++
			}
		}
		if presses < 5 {
			t.Errorf("%s: %d answer buttons", kind, presses)
		}
	}
}

// TestStartLearnsTheGridAndTheDomain: with slack.team_id configured, Start did not
// ask Slack who the token belongs to, so the Enterprise Grid organisation (whose
// colleagues in other workspaces are staff) and the domain of permalinks were never
// known (a review's find). It asks now, and keeps the configured team.
func TestStartLearnsTheGridAndTheDomain(t *testing.T) {
	api := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"ok":true,"url":"https://northwind.enterprise.slack.com/","team":"Northwind","team_id":"THOME","enterprise_id":"EHOME","user_id":"UBOT"}`)
		})
	})
	api.Start()
	t.Cleanup(api.Stop)
	a, err := New(Config{BotToken: "xoxb-test", SigningSecret: secret, APIURL: api.GetAPIURL(), TeamID: "THOME"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a.cfg.TeamID != "THOME" || a.cfg.EnterpriseID != "EHOME" || a.cfg.TeamDomain != "northwind.enterprise" {
		t.Errorf("after Start: team %q, enterprise %q, domain %q; want THOME, EHOME, northwind.enterprise", a.cfg.TeamID, a.cfg.EnterpriseID, a.cfg.TeamDomain)
	}
	for raw, want := range map[string]string{"https://acme.slack.com/": "acme", "https://example.com/": "", "::": ""} {
		if got := teamDomain(raw); got != want {
			t.Errorf("teamDomain(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestSurveyAnswerOnlyFromTheAccountAsked: in a channel several customer
// organisations share, anyone there may press a survey's buttons; an answer counts
// only when the presser belongs to the account asked (another organisation's
// member's answer was recorded under it, a review found).
func TestSurveyAnswerOnlyFromTheAccountAsked(t *testing.T) {
	f := newFixture(t)
	asked := &askRecorder{}
	f.cmds = asked
	_, body := f.press(interactionIn("CMULTI", "XBEN", "TBETA", "TBETA", "", "survey.answer", "csat|1|TACME|"))
	if calls := asked.calls(); len(calls) != 0 || !strings.Contains(body, "for another organisation") {
		t.Errorf("another organisation's answer: the bot was asked %+v, answered %s; want it not recorded", calls, body)
	}
	f.press(interactionIn("CMULTI", "XDANA", "TACME", "TACME", "", "survey.answer", "csat|5|TACME|"))
	if calls := asked.calls(); len(calls) != 1 || calls[0].Text != "survey.answer csat|5|TACME|" {
		t.Errorf("the account's own answer reached the bot as %+v", calls)
	}
}
