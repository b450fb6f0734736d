package slackadapter

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/bot"
)

// slashIn is a signed-form /feedback invocation typed in channel.
func slashIn(channel, user, team, text string) string {
	return url.Values{"command": {"/feedback"}, "text": {text}, "user_id": {user}, "user_name": {"n"}, "team_id": {team},
		"channel_id": {channel}, "response_url": {"https://hooks.example/x"}}.Encode()
}

// slackReply is a slash command's or button's reply as Slack reads it.
type slackReply struct {
	Type   string `json:"response_type"`
	Text   string `json:"text"`
	Blocks []struct {
		Type     string                 `json:"type"`
		Text     *struct{ Text string } `json:"text"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Text     struct{ Text string }
		} `json:"elements"`
	} `json:"blocks"`
}

func parseReply(t *testing.T, body string) slackReply {
	t.Helper()
	var r slackReply
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("reply %q: %v", body, err)
	}
	return r
}

// TestKanoSurveyOnSlack: a staff member's /feedback survey kano in a customer's
// channel posts the question for the channel (not only for them) with two action
// blocks of five buttons, each action_id unique in its block and every label
// numbered by its question; the account's customer answers both questions
// through the interactivity endpoint (pressing one again changes the answer), a
// member of another organisation in the channel is not recorded, and /feedback
// kano says what the feature is to them.
func TestKanoSurveyOnSlack(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: f.st, Accounts: map[string]feedbackbot.Account{"TACME": {ID: "TACME", Name: "Acme"}}, Now: func() time.Time { return now }}
	f.cmds = b
	code, body := f.post("/slack/commands", slashIn("CEXTACME", "UMARIA", home, "survey kano TACME SAML single sign-on"), "application/x-www-form-urlencoded", nil)
	if code != 200 {
		t.Fatalf("survey kano: %d %s", code, body)
	}
	r := parseReply(t, body)
	if r.Type != "in_channel" || !strings.Contains(r.Text, "SAML single sign-on") {
		t.Fatalf("the Kano question is not for the channel: %s", body)
	}
	var rows [][]struct{ id, value, label string }
	for i, bl := range r.Blocks {
		if bl.Type != "actions" {
			continue
		}
		var row []struct{ id, value, label string }
		seen := map[string]bool{}
		for _, e := range bl.Elements {
			if seen[e.ActionID] {
				t.Errorf("block %d repeats action_id %q", i, e.ActionID)
			}
			seen[e.ActionID] = true
			row = append(row, struct{ id, value, label string }{e.ActionID, e.Value, e.Text.Text})
		}
		rows = append(rows, row)
	}
	if len(rows) != 2 || len(rows[0]) != 5 || len(rows[1]) != 5 {
		t.Fatalf("want two action blocks of five buttons: %s", body)
	}
	for q, row := range rows {
		for _, btn := range row {
			if !strings.HasPrefix(btn.label, []string{"1 · ", "2 · "}[q]) {
				t.Errorf("question %d's button %q is not numbered", q+1, btn.label)
			}
		}
	}
	press := func(user, team string, q, answer int) string {
		t.Helper()
		btn := rows[q][answer-1]
		_, body := f.press(interactionIn("CEXTACME", user, team, team, "", btn.id, btn.value))
		return body
	}
	for _, p := range []struct {
		q, answer int
	}{{0, stats.KanoLike}, {1, stats.KanoDislike}, {0, stats.KanoExpect}} { // changes their mind on the first
		if body := press("XDANA", "TACME", p.q, p.answer); !strings.Contains(body, "Thank you") || !strings.Contains(body, `"ephemeral"`) {
			t.Fatalf("the customer's press: %s", body)
		}
	}
	if body := press("FOUT", "TFOREIGN", 0, stats.KanoDislike); !strings.Contains(body, "another organisation") {
		t.Errorf("another organisation's press: %s", body)
	}
	// Staff pressing: told it is not recorded.
	if body := press("UMARIA", home, 0, stats.KanoLike); !strings.Contains(body, "not recorded") {
		t.Errorf("staff press: %s", body)
	}
	as, err := bot.SurveyAnswers(t.Context(), f.st, home, now.Add(-time.Hour), now.Add(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("stored answers %+v; want XDANA's two", as)
	}
	for _, a := range as {
		if a.User != "XDANA" || a.Account != "TACME" || a.Feature != bot.KanoFeatureID("saml single sign-on") {
			t.Errorf("answer %+v", a)
		}
	}
	_, body = f.post("/slack/commands", slashIn("CINTERNAL", "UMARIA", home, "kano"), "application/x-www-form-urlencoded", nil)
	if r := parseReply(t, body); r.Type != "ephemeral" || !strings.Contains(body, "SAML single sign-on — must-be") {
		t.Errorf("/feedback kano: %s", body)
	}
}

// TestKanoQuestionTextCannotPingOnSlack: the question's text (Slack's
// notification and fallback text of the in_channel reply) carries the feature's
// name as typed: "<!channel>" in it reaches Slack unescaped, in the customer's
// channel, where the blocks show it escaped.
func TestKanoQuestionTextCannotPingOnSlack(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f.cmds = &bot.Bot{Store: f.st, Accounts: map[string]feedbackbot.Account{"TACME": {ID: "TACME", Name: "Acme"}}, Now: func() time.Time { return now }}
	// Slack sends an @channel typed into a command as <!channel> (escaping on).
	_, body := f.post("/slack/commands", slashIn("CEXTACME", "UMARIA", home, "survey kano TACME <!channel> beta access"), "application/x-www-form-urlencoded", nil)
	r := parseReply(t, body)
	if r.Type != "in_channel" {
		t.Fatalf("no question posted: %s", body)
	}
	if strings.Contains(r.Text, "<!channel>") {
		t.Errorf("the posted question's text is %q: a mention Slack reads in the customer's channel", r.Text)
	}
	for _, bl := range r.Blocks {
		if bl.Text != nil && strings.Contains(bl.Text.Text, "<!channel>") {
			t.Errorf("a block holds the mention: %q", bl.Text.Text)
		}
	}
}

// TestKanoQuestionNotPostedInAnInternalChannel: the README has the Kano question
// posted "in the account's channel"; it is posted wherever the command is typed.
// Typed in an internal channel (slack.internal_channels: staff only), the
// question goes to the staff there, where no customer can answer (staff presses
// are not recorded), and the feature's 30-day cooldown for the account is spent:
// typed again in the customer's channel, it is refused.
func TestKanoQuestionNotPostedInAnInternalChannel(t *testing.T) {
	f := newFixture(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f.cmds = &bot.Bot{Store: f.st, Accounts: map[string]feedbackbot.Account{"TACME": {ID: "TACME", Name: "Acme"}}, Now: func() time.Time { return now }}
	_, body := f.post("/slack/commands", slashIn("CINTERNAL", "UMARIA", home, "survey kano TACME Dark mode"), "application/x-www-form-urlencoded", nil)
	if r := parseReply(t, body); r.Type == "in_channel" {
		t.Errorf("the Kano question for Acme's customers was posted in the internal channel: %s", r.Text)
	}
	_, body = f.post("/slack/commands", slashIn("CEXTACME", "UMARIA", home, "survey kano TACME Dark mode"), "application/x-www-form-urlencoded", nil)
	if r := parseReply(t, body); r.Type != "in_channel" {
		t.Errorf("then, in Acme's channel: %s", r.Text)
	}
}
