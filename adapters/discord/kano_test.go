package discordadapter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// kanoReply is an interaction's reply as Discord reads it.
type kanoReply struct {
	Type int `json:"type"`
	Data struct {
		Flags  int `json:"flags"`
		Embeds []struct {
			Description string `json:"description"`
		} `json:"embeds"`
		Components []struct {
			Type       int `json:"type"`
			Components []struct {
				CustomID string `json:"custom_id"`
				Label    string `json:"label"`
			} `json:"components"`
		} `json:"components"`
	} `json:"data"`
}

// kanoFixture is a fake Discord with the real bot, acme's customers holding the
// customer-acme role (whose account id is acct).
func kanoFixture(t *testing.T, acct, name string, now time.Time) *fixture {
	t.Helper()
	cfg := testConfig()
	cfg.RoleAccounts = map[string]string{roleAcme: acct}
	cfg.ChannelAccounts = map[string]string{chAcme: acct}
	cfg.AccountNames = map[string]string{acct: name}
	return newFixtureWith(t, cfg, func(st store.Store) Commands {
		return &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{acct: {ID: acct, Name: name}}, Now: func() time.Time { return now }}
	})
}

// askKano dispatches a staff member's /feedback survey (kind kano) in channel and
// returns the reply.
func askKano(t *testing.T, f *fixture, id, channel, account, feature string) kanoReply {
	t.Helper()
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": f.fake.AppID, "type": 2, "token": "tok-" + id,
		"guild_id": guild, "channel_id": channel,
		"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1,
			"options": []any{map[string]any{"name": "survey", "type": 1, "options": []any{
				map[string]any{"name": "kind", "type": 3, "value": "kano"}, map[string]any{"name": "account", "type": 3, "value": account},
				map[string]any{"name": "feature", "type": 3, "value": feature}}}}}})
	req, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 5*time.Second)
	if !ok {
		t.Fatal("no reply to survey kano")
	}
	var r kanoReply
	if err := json.Unmarshal(req.JSON, &r); err != nil {
		t.Fatalf("reply %s: %v", req.JSON, err)
	}
	return r
}

// pressKano dispatches a member's press of a button and returns the reply's JSON.
func pressKano(t *testing.T, f *fixture, id, user, channel string, roles []string, customID string) string {
	t.Helper()
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": id, "application_id": f.fake.AppID, "type": 3, "token": "tok-" + id,
		"guild_id": guild, "channel_id": channel, "message": map[string]any{"id": "1", "channel_id": channel},
		"member": map[string]any{"user": map[string]any{"id": user, "username": "u"}, "roles": roles},
		"data":   map[string]any{"custom_id": customID, "component_type": 2}})
	req, ok := f.fake.WaitRequest("/interactions/"+id+"/", 0, 5*time.Second)
	if !ok {
		t.Fatal("no reply to the press")
	}
	return string(req.JSON)
}

// TestKanoSurveyOnDiscord: /feedback survey with kind kano and a feature posts
// the question for the channel, its ten answers in two rows of five, numbered by
// question, each custom_id within Discord's 100 characters, for the longest
// account id the config takes (48 characters); a member of the account answers
// both questions, a member of no account is not recorded, and /feedback kano (only
// the caller sees it) says what the feature is to them.
func TestKanoSurveyOnDiscord(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	acct := strings.Repeat("a", 40) + "-emea-01" // 48 characters
	f := kanoFixture(t, acct, "Acme", now)
	r := askKano(t, f, "760000000000000001", chGeneral, acct, "Dark mode")
	if r.Data.Flags&int(ephemeralFlag) != 0 || len(r.Data.Embeds) == 0 || !strings.Contains(r.Data.Embeds[0].Description, "**Dark mode**") {
		t.Fatalf("the Kano question is not for the channel: %+v", r)
	}
	if len(r.Data.Components) != 2 {
		t.Fatalf("%d rows of buttons, want 2: %+v", len(r.Data.Components), r.Data.Components)
	}
	var ids [2][]string
	for q, row := range r.Data.Components {
		if len(row.Components) != 5 {
			t.Fatalf("row %d has %d buttons, want 5", q, len(row.Components))
		}
		for _, b := range row.Components {
			if n := utf8.RuneCountInString(b.CustomID); n > maxCustomID || !strings.HasPrefix(b.CustomID, "survey.answer ") {
				t.Errorf("custom_id %q (%d characters)", b.CustomID, n)
			}
			if !strings.HasPrefix(b.Label, []string{"1 · ", "2 · "}[q]) {
				t.Errorf("question %d's button %q is not numbered", q+1, b.Label)
			}
			ids[q] = append(ids[q], b.CustomID)
		}
	}
	bob := []string{roleAcme}
	if body := pressKano(t, f, "760000000000000002", userBob, chGeneral, bob, ids[0][stats.KanoExpect-1]); !strings.Contains(body, "Thank you") || !strings.Contains(body, `"flags":64`) {
		t.Fatalf("bob's first answer: %s", body)
	}
	if body := pressKano(t, f, "760000000000000003", userBob, chGeneral, bob, ids[1][stats.KanoDislike-1]); !strings.Contains(body, "Thank you") {
		t.Fatalf("bob's second answer: %s", body)
	}
	if body := pressKano(t, f, "760000000000000004", userAlice, chGeneral, []string{roleMember}, ids[0][0]); !strings.Contains(body, "not recorded") {
		t.Errorf("a member of no account: %s", body)
	}
	as, err := bot.SurveyAnswers(context.Background(), f.st, guild, now.Add(-time.Hour), now.Add(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].User != userBob || as[0].Account != acct || as[1].User != userBob {
		t.Fatalf("answers %+v; want bob's two for %s", as, acct)
	}
	// /feedback kano, for the caller alone.
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": "760000000000000005", "application_id": f.fake.AppID, "type": 2, "token": "tok-k",
		"guild_id": guild, "channel_id": chInternal,
		"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1, "options": []any{map[string]any{"name": "kano", "type": 1,
			"options": []any{map[string]any{"name": "period", "type": 3, "value": "30d"}}}}}})
	req, ok := f.fake.WaitRequest("/interactions/760000000000000005/", 0, 5*time.Second)
	if !ok || !strings.Contains(string(req.JSON), `"flags":64`) || !strings.Contains(string(req.JSON), "Dark mode — must-be") {
		t.Errorf("/feedback kano: %s", req.JSON)
	}
}

// TestKanoSurveyOnDiscordAccountByName: on Discord the account is an option of its
// own ("Account id or name"), so staff give the name as it is, spaces and all. The
// adapter joins the options into one text and the bot splits it on spaces: with
// account "Acme Corp" and feature "SSO", customers are asked about "Corp SSO"
// (the bot takes "Acme" for the account, found as part of acme's id), and that
// feature's 30-day cooldown is spent.
func TestKanoSurveyOnDiscordAccountByName(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	f := kanoFixture(t, "acme", "Acme Corp", now)
	f.fake.Dispatch("MESSAGE_CREATE", message(chAcme, userBob, []string{roleAcme}, "Any news on single sign-on?"))
	f.eventually("captured", func() bool { return len(f.logged()) == 1 })
	an, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&bot.Worker{Store: f.st, Analyzer: an, Consumer: "t"}).Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := askKano(t, f, "761000000000000001", chAcme, "Acme Corp", "SSO")
	if len(r.Data.Embeds) == 0 {
		t.Fatalf("no reply: %+v", r)
	}
	desc := r.Data.Embeds[0].Description
	if r.Data.Flags&int(ephemeralFlag) != 0 || !strings.Contains(desc, "**SSO**") {
		t.Errorf("asked of Acme Corp about SSO, the reply is %q (ephemeral %v)", desc, r.Data.Flags&int(ephemeralFlag) != 0)
	}
}

// TestSurveyNotAskedInAnInternalChannel: a survey asked in an internal channel is
// refused (only staff would see it there, and the account's cooldown would be
// spent on nobody), and asked in the account's channel it is posted.
func TestSurveyNotAskedInAnInternalChannel(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	f := kanoFixture(t, "acme", "Acme Corp", now)
	r := askKano(t, f, "762000000000000001", chInternal, "acme", "Dark mode")
	if len(r.Data.Embeds) == 0 || r.Data.Flags&int(ephemeralFlag) == 0 || !strings.Contains(r.Data.Embeds[0].Description, "ask in the account's own channel") || len(r.Data.Components) != 0 {
		t.Errorf("asked in the internal channel: %+v", r)
	}
	r = askKano(t, f, "762000000000000002", chAcme, "acme", "Dark mode")
	if r.Data.Flags&int(ephemeralFlag) != 0 || len(r.Data.Components) != 2 {
		t.Errorf("then in acme's channel: %+v", r)
	}
}
