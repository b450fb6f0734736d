package discordadapter

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestSurveyButtonsCarryTheirAskedTimeOnDiscord: a CSAT question's buttons carry
// the survey's asked time (kind|score|account|thread|asked), as on Slack, and
// still fit Discord's 100-character custom_id at the worst: the longest account
// id the config takes (48 characters), a 19-digit thread, NPS's "10". A member
// of the account answers through them, a member of no account is not recorded,
// and after bot.SurveyAnswerWindow the question is closed; a button posted before
// (no asked time) is still answered.
func TestSurveyButtonsCarryTheirAskedTimeOnDiscord(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	worst := Render(bot.SurveyQuestion(bot.SurveyNPS, strings.Repeat("a", 48), "1312345678901234567", now))
	n := 0
	for _, row := range worst.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			n++
			if id := c.(discordgo.Button).CustomID; utf8.RuneCountInString(id) > maxCustomID || !strings.HasSuffix(id, fmt.Sprintf("|%d", now.Unix())) {
				t.Errorf("custom_id %q: over the limit, or without its asked time", id)
			}
		}
	}
	if n != 11 {
		t.Fatalf("NPS question rendered with %d of 11 answer buttons", n)
	}

	var clock atomic.Int64
	clock.Store(now.Unix())
	var st store.Store
	f := newFixtureWith(t, testConfig(), func(s store.Store) Commands {
		st = s
		return &bot.Bot{Store: s, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme Corp"}},
			Now: func() time.Time { return time.Unix(clock.Load(), 0).UTC() }}
	})
	f.fake.Dispatch("INTERACTION_CREATE", map[string]any{"id": "764000000000000001", "application_id": f.fake.AppID, "type": 2, "token": "tok-ask",
		"guild_id": guild, "channel_id": chAcme,
		"member": map[string]any{"user": map[string]any{"id": userStaff, "username": "s"}, "roles": []string{roleStaff}},
		"data": map[string]any{"id": "1", "name": "feedback", "type": 1,
			"options": []any{map[string]any{"name": "survey", "type": 1, "options": []any{
				map[string]any{"name": "kind", "type": 3, "value": "csat"}, map[string]any{"name": "account", "type": 3, "value": "acme"}}}}}})
	req, ok := f.fake.WaitRequest("/interactions/764000000000000001/", 0, 5*time.Second)
	if !ok {
		t.Fatal("no reply to survey csat")
	}
	var r kanoReply
	if err := json.Unmarshal(req.JSON, &r); err != nil {
		t.Fatalf("reply %s: %v", req.JSON, err)
	}
	ids := map[string]string{}
	for _, row := range r.Data.Components {
		for _, c := range row.Components {
			ids[c.Label] = c.CustomID
		}
	}
	if want := fmt.Sprintf("survey.answer csat|4|acme||%d", now.Unix()); ids["4"] != want {
		t.Fatalf("the 4 button's custom_id is %q, want %q (reply %s)", ids["4"], want, req.JSON)
	}
	if body := pressKano(t, f, "764000000000000002", userBob, chAcme, []string{roleAcme}, ids["4"]); !strings.Contains(body, "Thank you for your feedback") {
		t.Errorf("the account's member's press: %s", body)
	}
	if body := pressKano(t, f, "764000000000000003", userAlice, chGeneral, []string{roleMember}, ids["1"]); !strings.Contains(body, "not recorded") {
		t.Errorf("a member of no account's press: %s", body)
	}
	legacy := "survey.answer " + bot.SurveyDocument(bot.SurveyCSAT, "acme", "").Blocks[1].Buttons[1].Value // 2
	clock.Store(now.Add(bot.SurveyAnswerWindow + time.Hour).Unix())
	if body := pressKano(t, f, "764000000000000004", userBob, chAcme, []string{roleAcme}, ids["1"]); !strings.Contains(body, "This survey has closed") || !strings.Contains(body, `"flags":64`) {
		t.Errorf("a press after the window: %s", body)
	}
	if body := pressKano(t, f, "764000000000000005", userBob, chAcme, []string{roleAcme}, legacy); !strings.Contains(body, "Thank you for your feedback") {
		t.Errorf("a legacy button's press: %s", body)
	}
	as, err := bot.SurveyAnswers(t.Context(), st, guild, now.Add(-time.Hour), now.Add(30*24*time.Hour), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("stored %+v; want the member's 4 and their legacy 2", as)
	}
	for _, a := range as {
		if want := map[int]string{4: fmt.Sprint(now.Unix()), 2: ""}[a.Score]; a.User != userBob || a.Instance != want {
			t.Errorf("stored %+v; want %s's answer of instance %q", a, userBob, want)
		}
	}
}
