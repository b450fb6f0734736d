package slackadapter

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// interaction is a block_actions payload: one button pressed by user (of team) in a
// workspace whose payload team is payloadTeam.
func interaction(user, team, payloadTeam, enterprise, actionID, value string) string {
	p := map[string]any{"type": "block_actions", "user": map[string]any{"id": user, "team_id": team, "name": "n"},
		"team": map[string]any{"id": payloadTeam}, "channel": map[string]any{"id": "CINTERNAL"}, "response_url": "https://hooks.example/y",
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
	var mu sync.Mutex
	var asked []feedbackbot.Command
	f.cmds = commandsFunc(func(_ context.Context, c feedbackbot.Command) (feedbackbot.Document, error) {
		mu.Lock()
		asked = append(asked, c)
		mu.Unlock()
		return feedbackbot.Document{Ephemeral: true, Fallback: "ok: " + c.Text, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "ok: " + c.Text}}}, nil
	})
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
			code, body := f.post("/slack/interactions", interaction(c.user, c.team, c.team, c.enterprise, b[0], b[1]), "application/x-www-form-urlencoded", nil)
			if code != 200 || body != want {
				t.Errorf("%s: button %s: %d %s; want the refusal %s", c.name, b[0], code, body, want)
			}
		}
	}
	if len(asked) != 0 {
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
			_, body := f.post("/slack/interactions", interaction(s.user, s.team, s.team, s.enterprise, b[0], b[1]), "application/x-www-form-urlencoded", nil)
			if !strings.Contains(body, "ok: "+b[0]+" "+b[1]) {
				t.Errorf("staff %s pressing %s: %s", s.user, b[0], body)
			}
		}
		_, body := f.post("/slack/commands", slash(s.user, s.team, "risk", "https://hooks.example/x")+"&enterprise_id="+s.enterprise, "application/x-www-form-urlencoded", nil)
		if !strings.Contains(body, "ok: risk") {
			t.Errorf("staff %s: %s", s.user, body)
		}
	}
	for _, c := range asked {
		if !c.Staff || c.Workspace != home {
			t.Errorf("staff command %+v: want Staff in the home workspace", c)
		}
	}

	// The one thing a customer may do: answer a survey. It reaches the bot as not staff.
	asked = nil
	_, body := f.post("/slack/interactions", interaction("XDANA", "TACME", "TACME", "", "survey.answer", "csat|4|TACME|"), "application/x-www-form-urlencoded", nil)
	if len(asked) != 1 || asked[0].Staff || asked[0].Text != "survey.answer csat|4|TACME|" || !strings.Contains(body, "ok: survey.answer") {
		t.Fatalf("a customer's survey answer: %+v %s", asked, body)
	}
	// Typed, it is a command like any other: refused.
	asked = nil
	if _, body := f.post("/slack/commands", slash("XDANA", "TACME", "survey.answer csat|1|TACME|", "https://hooks.example/x"), "application/x-www-form-urlencoded", nil); body != want || len(asked) != 0 {
		t.Fatalf("a typed survey answer from a customer: %s (bot asked %d)", body, len(asked))
	}
}
