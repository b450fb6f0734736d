package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestSegmentsNeverCallAnAccountAtRiskHappy: a segment's mood was its accounts'
// mean sentiment alone, so an account that wrote kindly for weeks and went quiet
// after one complaint was listed at risk ("Fennel Foods — health 45/100, went
// quiet") and in "happy (3)" in the same digest (a new user's review). An account
// at risk is named "at risk", never "happy": in the digest the bot posts
// (DigestWithRisk, where the at-risk list is known only after the digest's reads),
// and in one built with an at-risk list given; the other happy accounts stay
// happy.
func TestSegmentsNeverCallAnAccountAtRiskHappy(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	add := func(acct, name, text string, at time.Time) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%s:%d", acct, len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TG",
			Channel: "C" + acct, Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, AccountName: name, Text: text, Time: at})
	}
	for i, a := range []string{"acme", "globex", "initech", "umbrella"} {
		for j := range 3 {
			add(a, strings.ToUpper(a[:1])+a[1:], "thanks, the new dashboard is great!", now.Add(-time.Duration(2+i+j)*24*time.Hour))
		}
	}
	// Every other day, kindly, then a complaint and 16 days of silence.
	for d := 50; d > 17; d -= 2 {
		add("fennel", "Fennel Foods", "thanks, the new dashboard is great!", now.Add(-time.Duration(d)*24*time.Hour))
	}
	add("fennel", "Fennel Foods", "the export is broken again and nobody answers, this is frustrating", now.Add(-16*24*time.Hour))
	check := func(t *testing.T, d feedbackbot.Digest) {
		t.Helper()
		if len(d.AtRisk) != 1 || d.AtRisk[0].Account.ID != "fennel" {
			t.Fatalf("at risk %v, want fennel", ids(d.AtRisk))
		}
		var happy []string
		found := false
		for _, sg := range d.Segments {
			words := strings.Split(sg.Name, ", ")
			if slices.Contains(words, "happy") {
				happy = append(happy, sg.Accounts...)
			}
			if slices.Contains(sg.Accounts, "Fennel Foods") {
				found = true
				if slices.Contains(words, "happy") || !slices.Contains(words, "at risk") {
					t.Errorf("Fennel Foods, at risk, is in segment %q", sg.Name)
				}
			}
		}
		if !found || !slices.Equal(happy, []string{"Acme", "Globex", "Initech", "Umbrella"}) {
			t.Errorf("segments %+v: want Fennel Foods in one, the four others happy", d.Segments)
		}
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			rr := bot.RiskRequest{Workspace: "TG", Now: now}
			dr := bot.DigestRequest{Workspace: "TG", From: now.Add(-30 * 24 * time.Hour), To: now, Now: now}
			d, err := bot.DigestWithRisk(t.Context(), st, rr, dr)
			if err != nil {
				t.Fatal(err)
			}
			check(t, d)
			hs, err := bot.Risk(t.Context(), st, rr)
			if err != nil {
				t.Fatal(err)
			}
			dr.AtRisk = bot.AtRisk(hs)
			if d, err = bot.BuildDigest(t.Context(), st, dr); err != nil {
				t.Fatal(err)
			}
			check(t, d)
		})
	}
}
