package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// surveyButtons returns a survey question's button values by their label.
func surveyButtons(t *testing.T, doc feedbackbot.Document) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, bl := range doc.Blocks {
		for _, b := range bl.Buttons {
			out[b.Label] = b.Value
		}
	}
	if len(out) == 0 {
		t.Fatalf("no buttons: %+v", doc)
	}
	return out
}

// askAs asks a survey as staff at the bot's clock and returns its buttons.
func askAs(t *testing.T, b *bot.Bot, text string) map[string]string {
	t.Helper()
	doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Workspace: "T1", Channel: "C1", User: "USTAFF", Staff: true, Text: text})
	if err != nil || doc.Ephemeral {
		t.Fatalf("%s: %v %+v", text, err, doc)
	}
	return surveyButtons(t, doc)
}

// pressAs presses a survey button as a customer at the bot's clock.
func pressAs(t *testing.T, b *bot.Bot, user, value string) feedbackbot.Document {
	t.Helper()
	doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Workspace: "T1", Channel: "C1", User: user, Button: true, Text: "survey.answer " + value})
	if err != nil {
		t.Fatalf("%s presses %s: %v", user, value, err)
	}
	return doc
}

// answersIn summarises the answers stored for T1 in [from, to).
func answersIn(t *testing.T, st store.Store, from, to time.Time, account string) ([]bot.SurveyAnswer, bot.Satisfaction) {
	t.Helper()
	as, err := bot.SurveyAnswers(context.Background(), st, "T1", from, to, account)
	if err != nil {
		t.Fatal(err)
	}
	return as, bot.Summarise(as, from, to, account)
}

func acmeBot(st store.Store, now *time.Time) *bot.Bot {
	return &bot.Bot{Store: st, Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, Now: func() time.Time { return *now }}
}

// TestSeparateSurveysOfOneAccountBothCount: two CSAT surveys of one account a
// month apart, neither in a thread, answered by the same customer, are two
// answers (the answer id had no survey in it, so the second replaced the first);
// pressing the second question again still replaces its own earlier press.
func TestSeparateSurveysOfOneAccountBothCount(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
			b := acmeBot(st, &now)
			oct := askAs(t, b, "survey csat acme")
			pressAs(t, b, "UCUST", oct["1"])
			now = now.Add(35 * 24 * time.Hour) // past the cooldown
			nov := askAs(t, b, "survey csat acme")
			if oct["5"] == nov["5"] {
				t.Fatalf("two surveys' buttons are alike (%q): nothing tells their answers apart", nov["5"])
			}
			pressAs(t, b, "UCUST", nov["5"])
			now = now.Add(time.Hour)
			pressAs(t, b, "UCUST", nov["4"]) // changes their mind on the November question
			from, to := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			as, s := answersIn(t, st, from, to, "acme")
			if s.CSATAnswers != 2 || s.CSATMean == nil || math.Abs(*s.CSATMean-2.5) > 1e-9 {
				t.Errorf("answers %+v: %d CSAT answers; want 2 (1 in October, 4 in November: mean 2.5)", as, s.CSATAnswers)
			}
		})
	}
}

// TestNPSCountsEachPersonOnce: NPS is a share of people. A customer who answers
// two NPS questions of one account in a period (an October one and a November
// one, in a two-month digest; a question posted before the upgrade and a new one,
// in health's recent window) is one respondent, with their latest answer; another
// person's answer still counts.
func TestNPSCountsEachPersonOnce(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
			b := acmeBot(st, &now)
			oct := askAs(t, b, "survey nps acme C1:1790000000.000100")
			now = now.Add(24 * time.Hour)
			pressAs(t, b, "UCUST", oct["0"])
			pressAs(t, b, "UOTHER", oct["10"])
			now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			nov := askAs(t, b, "survey nps acme C1:1793000000.000100")
			pressAs(t, b, "UCUST", nov["10"])
			from, to := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			as, s := answersIn(t, st, from, to, "")
			if s.NPSAnswers != 2 || s.NPS == nil || *s.NPS != 100 {
				t.Errorf("answers %+v: NPS %v over %d; want +100 over 2 respondents (UCUST's latest, 10, and UOTHER's 10)", as, s.NPS, s.NPSAnswers)
			}
			// Summarise counts people whatever list it is given.
			twice := []bot.SurveyAnswer{
				{Kind: bot.SurveyNPS, Score: 0, Account: "acme", User: "UCUST", Time: now.Add(-time.Hour)},
				{Kind: bot.SurveyNPS, Score: 9, Account: "acme", User: "UCUST", Time: now},
			}
			if s := bot.Summarise(twice, now.Add(-24*time.Hour), now.Add(time.Hour), ""); s.NPSAnswers != 1 || s.NPS == nil || *s.NPS != 100 {
				t.Errorf("one person's two NPS answers: %+v; want 1 respondent, +100 (the latest)", s)
			}
			// Health: a question posted before the upgrade (no asked time) and the
			// new one, both pressed by one customer in the recent window.
			now = now.Add(2 * 24 * time.Hour)
			pressAs(t, b, "UCUST", bot.SurveyDocument(bot.SurveyNPS, "acme", "C1:1792000000.000100").Blocks[1].Buttons[0].Value) // 0
			now = now.Add(time.Hour)
			hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "T1", Now: now, Only: "acme"})
			if err != nil || len(hs) != 1 {
				t.Fatalf("risk: %v %+v", err, hs)
			}
			if hs[0].RecentRatings != 1 {
				t.Errorf("health counts %d recent ratings from one customer's two NPS answers; want 1", hs[0].RecentRatings)
			}
		})
	}
}

// TestAnswerToAClosedSurveyIsRefused: a CSAT question is answered for
// bot.SurveyAnswerWindow (14 days) after it is asked; a press later is thanked
// politely, to the presser alone, and nothing is stored (it counted as this
// week's rating, in the digest and health, and could close an alert as
// recovered).
func TestAnswerToAClosedSurveyIsRefused(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			asked := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
			now := asked
			b := acmeBot(st, &now)
			jan := askAs(t, b, "survey csat acme C1:1767600000.000100")
			now = asked.Add(bot.SurveyAnswerWindow) // the last moment it is open
			if doc := pressAs(t, b, "UINTIME", jan["4"]); !strings.Contains(doc.Fallback, "Thank you for your feedback") {
				t.Errorf("an answer on the 14th day: %q", doc.Fallback)
			}
			now = asked.Add(bot.SurveyAnswerWindow + time.Second)
			doc := pressAs(t, b, "ULATE", jan["1"])
			if !doc.Ephemeral || !strings.Contains(doc.Fallback, "This survey has closed") || !strings.Contains(doc.Fallback, "not recorded") {
				t.Errorf("a press after the window: %+v; want the ephemeral \"survey has closed\" reply", doc)
			}
			now = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) // five months on
			pressAs(t, b, "ULATE", jan["1"])
			as, _ := answersIn(t, st, asked, now.Add(time.Hour), "")
			if len(as) != 1 || as[0].User != "UINTIME" {
				t.Errorf("stored %+v; want UINTIME's answer only", as)
			}
			// An asked time ahead of the clock is no button of ours.
			v := strings.Replace(jan["3"], fmt.Sprintf("|%d", asked.Unix()), "|1900000000", 1)
			if v == jan["3"] {
				t.Fatalf("the button %q does not carry its asked time", v)
			}
			if _, err := b.HandleCommand(context.Background(), feedbackbot.Command{Workspace: "T1", User: "UX", Button: true, Text: "survey.answer " + v}); feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
				t.Errorf("a question asked in 2030: %v", err)
			}
		})
	}
}

// TestQuietPeriodDigestShowsSurveys: a period of survey answers (button presses)
// and no message shows CSAT and NPS, in its blocks and its fallback text, as it
// shows Kano.
func TestQuietPeriodDigestShowsSurveys(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, a := range []bot.SurveyAnswer{{Kind: bot.SurveyCSAT, Score: 1}, {Kind: bot.SurveyCSAT, Score: 2}, {Kind: bot.SurveyCSAT, Score: 2},
		{Kind: bot.SurveyNPS, Score: 10}, {Kind: bot.SurveyNPS, Score: 3}} {
		a.Account, a.User, a.Time = "acme", "U"+string(rune('A'+i)), now.Add(-time.Duration(i+1)*time.Hour)
		if err := bot.PutSurveyAnswer(ctx, st, "T1", a); err != nil {
			t.Fatal(err)
		}
	}
	d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: now.Add(-7 * 24 * time.Hour), To: now, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if d.Messages != 0 || d.CSATAnswers != 3 || d.NPSAnswers != 2 {
		t.Fatalf("digest: %d messages, %d CSAT, %d NPS answers", d.Messages, d.CSATAnswers, d.NPSAnswers)
	}
	doc := bot.DigestDocument(d, nil)
	text := bot.RenderText(doc)
	for _, want := range []string{"No messages were captured", "CSAT (3 answers)", "1.7 / 5, 0% satisfied (4-5)", "NPS (2 answers)", "+0"} {
		if !strings.Contains(text, want) {
			t.Errorf("the quiet period's digest lacks %q:\n%s", want, text)
		}
	}
	for _, want := range []string{"no messages in this period.", "Survey answers: CSAT (3 answers)", "NPS (2 answers) +0"} {
		if !strings.Contains(doc.Fallback, want) {
			t.Errorf("fallback %q lacks %q", doc.Fallback, want)
		}
	}
}

// TestSmallSampleSurveyFiguresSaySo: below bot.FewSurveyAnswers (10) answers a
// CSAT or NPS figure says, next to it, that it is too few to read as a trend; an
// account's satisfaction is taken from CSAT only from
// bot.MinCSATForSatisfaction (3) answers, and says so.
func TestSmallSampleSurveyFiguresSaySo(t *testing.T) {
	field := func(doc feedbackbot.Document, prefix string) string {
		for _, bl := range doc.Blocks {
			for _, f := range bl.Fields {
				if strings.HasPrefix(f.Label, prefix) {
					return f.Label + ": " + f.Value
				}
			}
		}
		return ""
	}
	for _, tc := range []struct {
		n        int
		cautious bool
	}{{1, true}, {2, true}, {9, true}, {10, false}, {40, false}} {
		mean, share, nps := 4.0, 0.8, 100.0
		d := feedbackbot.Digest{Workspace: "T1", From: time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
			Messages: 3, CustomerMessages: 3, CSATAnswers: tc.n, CSATMean: &mean, CSATShare: &share, NPSAnswers: tc.n, NPS: &nps}
		doc := bot.DigestDocument(d, nil)
		for _, f := range []string{field(doc, "CSAT"), field(doc, "NPS")} {
			if f == "" {
				t.Fatalf("n=%d: no survey fields: %s", tc.n, bot.RenderText(doc))
			}
			if got := strings.Contains(f, "too few to read as a trend"); got != tc.cautious {
				t.Errorf("n=%d: %q; caution %v, want %v", tc.n, f, got, tc.cautious)
			}
		}
	}
	week := feedbackbot.Digest{From: time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Messages: 1, CustomerMessages: 1,
		NPSAnswers: 2, NPS: new(float64)}
	*week.NPS = 100
	if f := field(bot.DigestDocument(week, nil), "NPS"); f != "NPS (2 answers): +100 — too few to read as a trend" {
		t.Errorf("NPS of two answers reads %q", f)
	}

	// An account's satisfaction: sentiment under three CSAT answers, CSAT from three.
	for _, tc := range []struct {
		answers int
		from    string
	}{{1, "sentiment"}, {2, "sentiment"}, {3, "csat"}} {
		ctx := context.Background()
		st := backends(t)["bolt"](t)
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		var msgs []feedbackbot.Message
		for i := range 5 {
			at := now.Add(-time.Duration(i+2) * time.Hour)
			msgs = append(msgs, feedbackbot.Message{ID: "C1:" + at.Format("1504") + ".000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
				Author: "UACME", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "the export is broken again, this is really frustrating", Time: at})
		}
		captured(t, st, msgs...)
		for i := range tc.answers {
			a := bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 5, Account: "acme", User: "U" + string(rune('A'+i)), Time: now.Add(-time.Duration(i+1) * time.Minute)}
			if err := bot.PutSurveyAnswer(ctx, st, "T1", a); err != nil {
				t.Fatal(err)
			}
		}
		d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: now.Add(-7 * 24 * time.Hour), To: now, Now: now,
			Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Accounts) != 1 || d.Accounts[0].SatisfactionFrom != tc.from {
			t.Errorf("%d CSAT answers: account satisfaction %+v; want from %s", tc.answers, d.Accounts, tc.from)
		}
		text := bot.RenderText(bot.DigestDocument(d, nil))
		if csat := strings.Contains(text, "satisfaction +1.00 from 3 CSAT answers"); csat != (tc.from == "csat") {
			t.Errorf("%d CSAT answers: the account line:\n%s", tc.answers, text)
		}
	}
}

// TestRequestFindsItsKanoSurveyByAcronym: a request for "SAML SSO" finds the
// Kano survey of "SAML single sign-on", and one for "single sign-on" the survey
// of "SSO": acronyms are written out on both sides, as request grouping reads
// them.
func TestRequestFindsItsKanoSurveyByAcronym(t *testing.T) {
	for _, tc := range []struct{ feature, request string }{
		{"SAML single sign-on", "We need SAML SSO before our renewal, please add it"},
		{"SSO", "Could you add single sign-on? Our IT team insists"},
		{"CSV export", "Please add an export to comma-separated values"},
	} {
		t.Run(tc.feature, func(t *testing.T) {
			ctx := context.Background()
			st := backends(t)["bolt"](t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			accounts := map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}, "globex": {ID: "globex", Name: "Globex"}}
			b := &bot.Bot{Store: st, Accounts: accounts, Now: func() time.Time { return now }}
			doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Channel: "C1", Text: "survey kano acme " + tc.feature})
			if err != nil || doc.Ephemeral {
				t.Fatalf("survey kano: %v %+v", err, doc)
			}
			rows := kanoRows(doc)
			pressAs(t, b, "UACME", rows[0][2].Value) // neutral if had
			pressAs(t, b, "UACME", rows[1][4].Value) // dislike if not: must-be
			captured(t, st, feedbackbot.Message{ID: "C3:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C3", Author: "UGLOBEX",
				Role: feedbackbot.RoleCustomer, Account: "globex", Text: tc.request, Time: now.Add(-2 * time.Hour)})
			rep, err := bot.ReadRequests(ctx, st, "T1", now.Add(-30*24*time.Hour), now.Add(time.Hour), accounts, 10, bot.MaxRequestScan)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Requests) != 1 {
				t.Fatalf("want the one request, got %+v", rep.Requests)
			}
			if r := rep.Requests[0]; r.Kano == nil || r.Kano.Category != "must-be" {
				t.Errorf("request %q: %s; want the Kano result of %q (must-be)", r.Label, bot.RequestLine(r), tc.feature)
			}
		})
	}
}

// TestSurveyKindInCapitals: "survey NPS acme" and "survey Csat acme" ask the
// question (NPS was read as the start of an account's name).
func TestSurveyKindInCapitals(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"survey NPS acme", "recommend"}, {"survey Csat acme", "satisfied"},
	} {
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		b := acmeBot(backends(t)["bolt"](t), &now)
		doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Workspace: "T1", Channel: "C1", User: "USTAFF", Staff: true, Text: tc.text})
		if err != nil || doc.Ephemeral || !strings.Contains(doc.Fallback, tc.want) {
			t.Errorf("%s: %v; reply %q", tc.text, err, doc.Fallback)
			continue
		}
		if v := surveyButtons(t, doc)["1"]; !strings.HasPrefix(v, strings.ToLower(strings.Fields(tc.text)[1])+"|") {
			t.Errorf("%s: button value %q; want the kind in lower case", tc.text, v)
		}
	}
}

// TestDigestOneAnswerIsSingular: "CSAT (1 answer)", "NPS (1 answer)".
func TestDigestOneAnswerIsSingular(t *testing.T) {
	mean, share, nps := 5.0, 1.0, 100.0
	d := feedbackbot.Digest{Workspace: "T1", From: time.Date(2026, 11, 13, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
		Messages: 3, CustomerMessages: 3, CSATAnswers: 1, CSATMean: &mean, CSATShare: &share, NPSAnswers: 1, NPS: &nps}
	text := bot.RenderText(bot.DigestDocument(d, nil))
	if strings.Contains(text, "1 answers") || !strings.Contains(text, "CSAT (1 answer)") || !strings.Contains(text, "NPS (1 answer)") {
		t.Errorf("want CSAT (1 answer) and NPS (1 answer):\n%s", text)
	}
}

// TestOldSurveyButtonsAndAnswersStillWork: what an older version posted and
// stored keeps working. An answer stored under the old id (kind|account|thread|
// user, no instance; here in the single list of the oldest versions and in a
// week) is read and counted; a button posted in the old value format (no asked
// time) is accepted weeks on (until bot.LegacySurveysClose); pressing it again
// replaces that person's old answer; and a new survey of the account is a
// separate answer.
func TestOldSurveyButtonsAndAnswersStillWork(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			posted := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			// As an older version stored them: no "instance".
			raw := `{"kind":"csat","score":2,"account":"acme","user":"UOLDLIST","time":"2026-11-02T10:00:00Z"}`
			if err := st.PutDoc(ctx, "T1", bot.DocSurveyAnswer, "csat|acme||UOLDLIST", []byte(raw)); err != nil {
				t.Fatal(err)
			}
			if err := bot.PutSurveyAnswer(ctx, st, "T1", bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 3, Account: "acme", User: "UCUST", Time: posted.Add(2 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			week := "survey-answer/" + weekOf(posted)
			if got, err := st.GetDoc(ctx, "T1", week, "csat|acme||UCUST"); err != nil || strings.Contains(string(got), "instance") {
				t.Fatalf("an answer of a legacy question is stored under the old id, as before: %s %v", got, err)
			}
			from, to := posted.Add(-24*time.Hour), posted.Add(90*24*time.Hour)
			if _, s := answersIn(t, st, from, to, "acme"); s.CSATAnswers != 2 {
				t.Fatalf("old-format answers: %d read; want 2", s.CSATAnswers)
			}
			// The legacy question, pressed again by UCUST five weeks on: accepted (no
			// asked time; legacy questions close at bot.LegacySurveysClose), and it
			// replaces UCUST's answer to it... in the period, the later of the two
			// counts.
			now := posted.Add(35 * 24 * time.Hour)
			b := acmeBot(st, &now)
			legacy := surveyButtons(t, bot.SurveyDocument(bot.SurveyCSAT, "acme", ""))
			if strings.Count(legacy["5"], "|") != 3 {
				t.Fatalf("legacy value %q", legacy["5"])
			}
			if doc := pressAs(t, b, "UCUST", legacy["5"]); !strings.Contains(doc.Fallback, "Thank you for your feedback") {
				t.Fatalf("a legacy button five weeks on: %+v", doc)
			}
			as, s := answersIn(t, st, from, to, "acme")
			if s.CSATAnswers != 2 || math.Abs(*s.CSATMean-3.5) > 1e-9 {
				t.Errorf("after the re-press: %+v; want UOLDLIST's 2 and UCUST's 5", as)
			}
			// A new survey of the account, answered by UCUST: another answer.
			now = now.Add(time.Hour)
			fresh := askAs(t, b, "survey csat acme")
			pressAs(t, b, "UCUST", fresh["1"])
			if as, s := answersIn(t, st, from, to, "acme"); s.CSATAnswers != 3 {
				t.Errorf("a new survey's answer beside the legacy ones: %+v", as)
			}
			// Stored as JSON with its instance, which forget and export carry.
			all, err := bot.PersonSurveyAnswers(ctx, st, "T1", "UCUST")
			if err != nil {
				t.Fatal(err)
			}
			var instances []string
			for _, a := range all {
				instances = append(instances, a.Instance)
			}
			if len(all) != 3 || instances[2] == "" {
				j, _ := json.Marshal(all)
				t.Errorf("UCUST's stored answers: %s", j)
			}
		})
	}
}

// weekOf names t's ISO week as the survey store keys its answers ("2026-W45").
func weekOf(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}
