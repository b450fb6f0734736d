package bot_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/bot"
)

// kanoRows are the Kano question's two rows of answer buttons.
func kanoRows(doc feedbackbot.Document) [][]feedbackbot.Button {
	var rows [][]feedbackbot.Button
	for _, bl := range doc.Blocks {
		if bl.Kind == feedbackbot.BlockActions {
			rows = append(rows, bl.Buttons)
		}
	}
	return rows
}

// TestKanoQuestionFallbackCannotPing: the feature's name is the staff member's
// typing, and the question is posted where customers read. Every name in a post
// has &, < and > escaped (TestNamesCannotPing checks the fallback too: Slack sends
// it as the message's text, read for notifications); the Kano question escapes the
// name in its blocks but not in its fallback.
func TestKanoQuestionFallbackCannotPing(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true,
		Text: "survey kano acme <!channel> dark mode for <@U1>"})
	if err != nil || doc.Ephemeral {
		t.Fatalf("survey kano: %v %+v", err, doc)
	}
	texts := []string{doc.Fallback}
	for _, bl := range doc.Blocks {
		texts = append(texts, bl.Text)
	}
	for _, s := range texts {
		for _, raw := range []string{"<!channel>", "<@U1>"} {
			if strings.Contains(s, raw) {
				t.Errorf("the feature's name reached the question's markup unescaped (%s): %q", raw, s)
			}
		}
	}
}

// TestKanoSurveyAccountNamedInWords: an account is named by id or name, and names
// have spaces ("Acme Corp"; on Discord the account is its own option, so staff type
// the name there as it is). The Kano survey takes the first word as the account
// and the rest as the feature: "Acme" finds acme (the one account whose id holds
// it), and customers are asked about "Corp SSO", with that feature's cooldown
// spent. (Without a stored message of acme, the same command answers "No account
// matches Acme", though Acme Corp is the configured name.)
func TestKanoSurveyAccountNamedInWords(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	captured(t, st, feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "UA",
		Role: feedbackbot.RoleCustomer, Account: "acme", Text: "morning all", Time: now.Add(-2 * 24 * time.Hour)})
	b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme Corp"}}, Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "survey kano Acme Corp SSO"})
	if err != nil {
		t.Fatalf("survey kano Acme Corp SSO: %v", err)
	}
	if doc.Ephemeral {
		t.Fatalf("survey kano Acme Corp SSO was not asked: %q", doc.Fallback)
	}
	if rows := kanoRows(doc); len(rows) != 2 || !strings.HasSuffix(rows[0][0].Value, "|"+bot.KanoFeatureID("SSO")) {
		t.Errorf("the account named by its configured name, Acme Corp: asked %q, buttons %+v; want the feature SSO", doc.Fallback, rows)
	}
}

// TestKanoLineWithoutCompleteAnswers: a feature whose customers answered one
// question only has no Kano category and no coefficients; its line gives
// "better +0.00, worse +0.00", the figures of a feature every customer is
// indifferent to, and the JSON the same zeros (a ranking by better/worse puts it
// beside the indifferent ones).
func TestKanoLineWithoutCompleteAnswers(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	rs := bot.KanoReport([]bot.SurveyAnswer{
		{Kind: bot.SurveyKanoF, Score: stats.KanoLike, Account: "a0", User: "U1", Feature: "f1", Time: at},
		{Kind: bot.SurveyKanoD, Score: stats.KanoDislike, Account: "a0", User: "U2", Feature: "f1", Time: at},
	}, map[string]string{"f1": "Dark mode"})
	if len(rs) != 1 || rs[0].Incomplete != 2 || rs[0].Tally.Total() != 0 {
		t.Fatalf("report: %+v", rs)
	}
	if line := bot.KanoLine(rs[0]); strings.Contains(line, "better +0.00") || strings.Contains(line, "worse +0.00") {
		t.Errorf("a feature without one complete answer pair is given coefficients: %q", line)
	}
}

// TestKanoAnswersForgottenExpiredAndPressedAgain: a customer pressing again
// changes their answer (counted once), one answering a single question is counted
// as such, forget takes a person's Kano answers out of the report, and retention
// takes the old ones.
func TestKanoAnswersForgottenExpiredAndPressedAgain(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
			doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "survey kano acme Audit log export"})
			if err != nil || doc.Ephemeral {
				t.Fatalf("survey kano: %v %+v", err, doc)
			}
			rows := kanoRows(doc)
			press := func(user string, q, answer int) {
				t.Helper()
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: user, Button: true, Text: "survey.answer " + rows[q][answer-1].Value}); err != nil {
					t.Fatal(err)
				}
			}
			report := func() bot.KanoFeatureResult {
				t.Helper()
				as, err := bot.SurveyAnswers(ctx, st, "T1", now.Add(-90*24*time.Hour), now.Add(time.Nanosecond), "")
				if err != nil {
					t.Fatal(err)
				}
				names, err := bot.KanoFeatureNames(ctx, st, "T1")
				if err != nil {
					t.Fatal(err)
				}
				rs := bot.KanoReport(as, names)
				if len(rs) == 0 {
					return bot.KanoFeatureResult{}
				}
				if len(rs) != 1 || rs[0].Name != "Audit log export" {
					t.Fatalf("report: %+v", rs)
				}
				return rs[0]
			}
			press("UA", 0, stats.KanoLike)
			press("UA", 1, stats.KanoDislike)
			now = now.Add(10 * 24 * time.Hour) // pressed again a week and a half later
			press("UA", 0, stats.KanoNeutral)
			press("UB", 0, stats.KanoLike) // the first question only
			r := report()
			if r.Tally.Total() != 1 || r.Tally.MustBe != 1 || r.Incomplete != 1 || r.Accounts != 1 {
				t.Fatalf("UA must-be (neutral, dislike), UB one question only: %+v", r)
			}
			if _, err := bot.ForgetPerson(ctx, st, "T1", "UA"); err != nil {
				t.Fatal(err)
			}
			if r := report(); r.Tally.Total() != 0 || r.Incomplete != 1 {
				t.Errorf("after forgetting UA: %+v", r)
			}
			if as, err := bot.PersonSurveyAnswers(ctx, st, "T1", "UA"); err != nil || len(as) != 0 {
				t.Errorf("UA's answers after forget: %+v %v", as, err)
			}
			if _, err := bot.ExpireOld(ctx, st, "T1", now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if r := report(); r.Incomplete != 0 || r.Tally.Total() != 0 {
				t.Errorf("after retention: %+v", r)
			}
		})
	}
}

// TestKanoAnswerOfOneQuestionAsksForTheOther: Kano classifies a feature by the
// pair of answers; a customer who presses a button of the first question only is
// told "Thank you for your feedback!", the same as for a complete pair, and reads
// it as done: they are counted as "answered one question only" and classify
// nothing. The reply to the first of the two answers should ask for the other.
func TestKanoAnswerOfOneQuestionAsksForTheOther(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: "survey kano acme Dark mode"})
	if err != nil || doc.Ephemeral {
		t.Fatalf("survey kano: %v %+v", err, doc)
	}
	rows := kanoRows(doc)
	first, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "UA", Button: true, Text: "survey.answer " + rows[0][0].Value})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToLower(first.Fallback+bot.RenderText(first)), "question") {
		t.Errorf("the reply to the first of two answers says %q: nothing of the second question", first.Fallback)
	}
	// The second, three weeks later: thanked, not asked for the first again (it
	// looked two weeks back, and the report pairs answers over 90 days).
	now = now.AddDate(0, 0, 21)
	second, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "UA", Button: true, Text: "survey.answer " + rows[1][4].Value})
	if err != nil || strings.Contains(second.Fallback, "One more") || !strings.Contains(second.Fallback, "Thank you") {
		t.Errorf("the second answer, three weeks on: %q, %v", second.Fallback, err)
	}
}

// TestKanoFeatureNames: the feature's name as typed, within limits: 120
// characters are taken and 121 refused (saying so), invalid UTF-8 is stored
// repaired, and the same name in another case or spacing is the same feature.
func TestKanoFeatureNames(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}, "blue": {ID: "blue", Name: "Blue"}},
		Now: func() time.Time { return now }}
	ask := func(text string) (feedbackbot.Document, error) {
		return b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: text})
	}
	if _, err := ask("survey kano acme " + strings.Repeat("é", 121)); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID ||
		!strings.Contains(feedbackbot.ErrorMessage(err), "121 characters") {
		t.Errorf("121 characters: %v", err)
	}
	if doc, err := ask("survey kano acme " + strings.Repeat("é", 120)); err != nil || doc.Ephemeral {
		t.Errorf("120 characters: %v %q", err, doc.Fallback)
	}
	if doc, err := ask("survey kano blue Export \xff\xfe to PDF"); err != nil || doc.Ephemeral {
		t.Fatalf("invalid UTF-8: %v %q", err, doc.Fallback)
	}
	names, err := bot.KanoFeatureNames(t.Context(), st, "T1")
	if err != nil {
		t.Fatal(err)
	}
	for id, name := range names {
		if !utf8.ValidString(name) {
			t.Errorf("feature %s stored as invalid UTF-8: %q", id, name)
		}
	}
	if doc, err := ask("survey kano acme   EXPORT  \xff\xfe to pdf"); err != nil || doc.Ephemeral {
		t.Errorf("a feature acme was not asked about: %v %q", err, doc.Fallback)
	}
	if doc, err := ask("survey kano blue   EXPORT  \xff\xfe to pdf"); err != nil || !strings.Contains(doc.Fallback, "not asking again") {
		t.Errorf("the same feature in other case and spacing, of the same account: %v %q", err, doc.Fallback)
	}
}
