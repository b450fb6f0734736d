package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestKanoSurveyRoundTrip: staff ask an account's customers about a feature, the
// customers answer both questions with buttons, and /feedback kano says what the
// feature is to them; the answers rate no account.
func TestKanoSurveyRoundTrip(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}, "blue": {ID: "blue", Name: "Blue"}},
				Now: func() time.Time { return now }}
			staff := feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "survey kano acme SSO with  SAML"}
			doc, err := b.HandleCommand(ctx, staff)
			if err != nil || doc.Ephemeral {
				t.Fatalf("survey kano: %v %+v", err, doc)
			}
			if !containsText(doc, "We are thinking about *SSO with SAML*") {
				t.Errorf("the question does not name the feature: %+v", doc.Blocks)
			}
			// Two rows of five: the functional question, then the dysfunctional one.
			var rows [][]feedbackbot.Button
			for _, bl := range doc.Blocks {
				if bl.Kind == feedbackbot.BlockActions {
					rows = append(rows, bl.Buttons)
				}
			}
			if len(rows) != 2 || len(rows[0]) != 5 || len(rows[1]) != 5 || rows[0][0].Label != "1 · I'd like it" || rows[1][4].Label != "2 · I'd dislike it" {
				t.Fatalf("want two rows of five answers, got %+v", rows)
			}
			fid := bot.KanoFeatureID("sso WITH saml")
			if want := "kano-f|1|acme||" + fid; rows[0][0].Value != want {
				t.Errorf("first button's value %q, want %q", rows[0][0].Value, want)
			}
			// The same feature again within the cooldown is refused; another feature,
			// another account and a CSAT question are not.
			for text, refused := range map[string]bool{"survey kano acme sso with saml": true, "survey kano acme Audit log export": false,
				"survey kano blue SSO with SAML": false, "survey csat acme": false} {
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: text})
				if err != nil || strings.Contains(doc.Fallback, "not asking again") != refused {
					t.Errorf("%s: %v %q; refused want %v", text, err, doc.Fallback, refused)
				}
			}
			press := func(user string, q, answer int) {
				t.Helper()
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: user, Button: true, Text: "survey.answer " + rows[q][answer-1].Value})
				if err != nil || !strings.Contains(doc.Fallback, "Thank you") {
					t.Fatalf("%s presses %d/%d: %v %+v", user, q, answer, err, doc)
				}
			}
			// UA expects it and would dislike its absence (must-be), UB too after
			// changing their mind, UC would like it and be neutral without (attractive),
			// UD answered the first question only.
			press("UA", 0, stats.KanoExpect)
			press("UA", 1, stats.KanoDislike)
			press("UB", 0, stats.KanoLike)
			press("UB", 1, stats.KanoNeutral)
			now = now.Add(time.Minute)
			press("UB", 0, stats.KanoNeutral)
			press("UB", 1, stats.KanoDislike)
			press("UC", 0, stats.KanoLike)
			press("UC", 1, stats.KanoNeutral)
			press("UD", 0, stats.KanoLike)
			// Staff pressing is not recorded; a forged feature id is refused.
			if doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Button: true, Text: "survey.answer " + rows[0][0].Value}); err != nil || !strings.Contains(doc.Fallback, "not recorded") {
				t.Fatalf("staff answer: %v %+v", err, doc)
			}
			for _, forged := range []string{"kano-f|1|acme||nothex", "kano-d|6|acme||" + fid, "kano-f|1|acme|"} {
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "UX", Button: true, Text: "survey.answer " + forged}); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
					t.Errorf("forged %q: %v", forged, err)
				}
			}
			report, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "kano"})
			if err != nil || !report.Ephemeral {
				t.Fatalf("kano: %v %+v", err, report)
			}
			want := "• SSO with SAML — must-be: expected, missed when absent (3 customers of 1 account: M 2, O 0, A 1, I 0); better +0.33, worse -0.67; 1 answered one question only"
			if !containsText(report, want) {
				t.Errorf("the report does not say %q: %+v", want, report.Blocks)
			}
			// A Kano answer rates the feature, not the account: health reads no rating.
			// (Every account's, as a digest reads them: one account's read is of its
			// CSAT and NPS answers alone.)
			captured(t, st, feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "UA",
				Role: feedbackbot.RoleCustomer, Account: "acme", Text: "morning all", Time: now.Add(-20 * 24 * time.Hour)})
			hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "T1", Now: now})
			if err != nil || len(hs) != 1 || hs[0].RecentRatings != 0 || !hs[0].LastRatingAt.IsZero() {
				t.Errorf("acme's health: %+v, %v; want no rating", hs, err)
			}
			// Forgetting a person takes their Kano answers too.
			if as, err := bot.PersonSurveyAnswers(ctx, st, "T1", "UA"); err != nil || len(as) != 2 {
				t.Errorf("UA's answers: %+v, %v; want their two", as, err)
			}
		})
	}
}

// TestKanoSurveyNotSent: a Kano question the adapter could not post takes back
// its cooldown, and only its own.
func TestKanoSurveyNotSent(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
			ask := func(text string) feedbackbot.Document {
				t.Helper()
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: text})
				if err != nil {
					t.Fatal(err)
				}
				return doc
			}
			csat := ask("survey csat acme")
			doc := ask("survey kano acme Dark mode")
			if err := b.SurveyNotSent(ctx, "T1", doc); err != nil {
				t.Fatal(err)
			}
			if again := ask("survey kano acme dark mode"); again.Ephemeral {
				t.Errorf("not sent, yet asking again is refused: %q", again.Fallback)
			}
			if again := ask("survey csat acme"); !again.Ephemeral || csat.Ephemeral {
				t.Errorf("the CSAT question's cooldown went with the Kano one: %q", again.Fallback)
			}
		})
	}
}

func TestKanoReport(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var as []bot.SurveyAnswer
	add := func(kind, user, acct, feature string, score int, minutes int) {
		as = append(as, bot.SurveyAnswer{Kind: kind, Score: score, Account: acct, User: user, Feature: feature, Time: at.Add(time.Duration(minutes) * time.Minute)})
	}
	for i := range 3 { // f1: one-dimensional for three customers of two accounts
		add(bot.SurveyKanoF, fmt.Sprint("U", i), fmt.Sprint("a", i%2), "f1", stats.KanoLike, 0)
		add(bot.SurveyKanoD, fmt.Sprint("U", i), fmt.Sprint("a", i%2), "f1", stats.KanoDislike, 0)
	}
	add(bot.SurveyKanoF, "U9", "a0", "f2", stats.KanoNeutral, 5) // f2: the later answer counts
	add(bot.SurveyKanoF, "U9", "a0", "f2", stats.KanoDislike, 1)
	add(bot.SurveyKanoD, "U9", "a0", "f2", stats.KanoNeutral, 2)
	add(bot.SurveyCSAT, "U1", "a0", "", 5, 0) // not Kano
	rs := bot.KanoReport(as, map[string]string{"f1": "Audit log"})
	if len(rs) != 2 {
		t.Fatalf("%d features, want 2: %+v", len(rs), rs)
	}
	if r := rs[0]; r.Name != "Audit log" || r.Category != string(stats.KanoOneDimensional) || r.Tally.Total() != 3 || r.Accounts != 2 || *r.Better != 1 || *r.Worse != -1 {
		t.Errorf("f1: %+v", r)
	}
	if r := rs[1]; r.Name != "f2" || r.Category != string(stats.KanoIndifferent) || r.Tally.Total() != 1 {
		t.Errorf("f2 (latest answers neutral, neutral): %+v", r)
	}
}

// TestDigestShowsKano: a digest lists the features customers answered Kano
// surveys about in its period, each counted over the 90 days before its end (a
// survey's answers come in over days); a feature answered only before the period
// is not listed, and a period without Kano answers has no such section.
func TestDigestShowsKano(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}, "blue": {ID: "blue", Name: "Blue"}},
				Now: func() time.Time { return now }}
			ask := func(text string) [][]feedbackbot.Button {
				t.Helper()
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: text})
				if err != nil || doc.Ephemeral {
					t.Fatalf("%s: %v %+v", text, err, doc)
				}
				var rows [][]feedbackbot.Button
				for _, bl := range doc.Blocks {
					if bl.Kind == feedbackbot.BlockActions {
						rows = append(rows, bl.Buttons)
					}
				}
				return rows
			}
			press := func(rows [][]feedbackbot.Button, user string, f, d int) {
				t.Helper()
				for q, answer := range []int{f, d} {
					if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: user, Button: true, Text: "survey.answer " + rows[q][answer-1].Value}); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Dark mode: one answer a month ago, one this week; Audit log: a month ago only.
			dark, audit := ask("survey kano acme Dark mode"), ask("survey kano acme Audit log")
			press(dark, "UA", stats.KanoLike, stats.KanoNeutral)
			press(audit, "UA", stats.KanoExpect, stats.KanoDislike)
			now = now.AddDate(0, 0, 30)
			press(ask("survey kano blue Dark mode"), "UB", stats.KanoLike, stats.KanoLiveWith)
			d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: now.Add(-7 * 24 * time.Hour), To: now.Add(time.Hour), Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Kano) != 1 || d.Kano[0].Name != "Dark mode" || d.Kano[0].Customers != 2 || d.Kano[0].Accounts != 2 || d.Kano[0].Category != string(stats.KanoAttractive) {
				t.Fatalf("digest kano %+v; want Dark mode alone, both customers counted", d.Kano)
			}
			want := "• Dark mode — attractive: delights, not missed (2 customers of 2 accounts: M 0, O 0, A 2, I 0); better +1.00, worse +0.00"
			if !containsText(bot.DigestDocument(d, nil), want) {
				t.Errorf("the digest does not say %q: %+v", want, bot.DigestDocument(d, nil).Blocks)
			}
			// A week without Kano answers has no Kano section.
			d, err = bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: now.Add(-21 * 24 * time.Hour), To: now.Add(-14 * 24 * time.Hour), Now: now})
			if err != nil || d.Kano != nil || containsText(bot.DigestDocument(d, nil), "Kano") {
				t.Errorf("a week without Kano answers: %+v, %v", d.Kano, err)
			}
		})
	}
}
