package slackadapter

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// surveyOnSlack sets f up with the real bot over f's store, Acme (TACME) mapped
// to CMAPPED, and asks Acme a CSAT question: it returns the buttons'
// values by label, and a function listing the answers stored.
func surveyOnSlack(t *testing.T, f *fixture) (map[string]string, func() []bot.SurveyAnswer) {
	t.Helper()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: f.st, Accounts: map[string]feedbackbot.Account{"TACME": {ID: "TACME", Name: "Acme"}}, Now: func() time.Time { return now }}
	f.cmds = b
	f.a.cfg.ChannelAccounts = map[string]string{"CMAPPED": "TACME"}
	doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: home, Channel: "CMAPPED",
		User: "UMARIA", Staff: true, Text: "survey csat TACME"})
	if err != nil || doc.Ephemeral {
		t.Fatalf("survey: %v %+v", err, doc)
	}
	values := map[string]string{}
	for _, bl := range doc.Blocks {
		for _, bt := range bl.Buttons {
			values[bt.Label] = bt.Value
		}
	}
	stored := func() []bot.SurveyAnswer {
		t.Helper()
		as, err := bot.SurveyAnswers(context.Background(), f.st, home, now.Add(-time.Hour), now.Add(time.Hour), "")
		if err != nil {
			t.Fatal(err)
		}
		return as
	}
	return values, stored
}

// TestStaffPressWhileLookupIsLimitedIsNotRecorded: a staff member presses "1" on
// Acme's CSAT question in Acme's mapped channel while users.info is rate limited.
// Who pressed cannot be checked, so nothing is recorded and they are asked, alone,
// to press again (the press went on as a customer's and was stored as Acme's
// rating); pressed again once Slack answers, it is a staff press, not recorded
// either; the customer's own press is.
func TestStaffPressWhileLookupIsLimitedIsNotRecorded(t *testing.T) {
	var calls atomic.Int64
	f := newFixture(t, limitedOnce(&calls))
	values, stored := surveyOnSlack(t, f)
	_, body := f.press(interactionIn("CMAPPED", "UMARIA", home, home, "", "survey.answer", values["1"]))
	if !strings.Contains(body, surveyNotChecked) || !strings.Contains(body, `"ephemeral"`) {
		t.Errorf("a press whose presser could not be checked: %s; want the ephemeral %q", body, surveyNotChecked)
	}
	if as := stored(); len(as) != 0 {
		t.Fatalf("stored %+v while the presser could not be checked", as)
	}
	if _, body = f.press(interactionIn("CMAPPED", "UMARIA", home, home, "", "survey.answer", values["1"])); !strings.Contains(body, staffNotCounted) {
		t.Errorf("staff's press once Slack answers: %s", body)
	}
	if _, body = f.press(interactionIn("CMAPPED", "XDANA", "TACME", "TACME", "", "survey.answer", values["4"])); !strings.Contains(body, "Thank you for your feedback") {
		t.Errorf("the customer's press: %s", body)
	}
	if as := stored(); len(as) != 1 || as[0].User != "XDANA" || as[0].Score != 4 || as[0].Account != "TACME" {
		t.Errorf("stored %+v; want XDANA's 4 only", as)
	}
}

// TestHomeMemberOutsideStaffGroupsIsNoRater: with slack.staff_user_groups set,
// a member of the home workspace outside the groups (UTOM, an engineer; capture
// files his messages as staff) pressing Acme's CSAT question is not recorded
// ("staff answers are not counted"), nor is a member of the groups; a guest of
// the home workspace in Acme's mapped channel is a customer, and is recorded.
func TestHomeMemberOutsideStaffGroupsIsNoRater(t *testing.T) {
	groups := func(c slacktest.Customize) {
		c.Handle("/usergroups.users.list", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"ok":true,"users":["UMARIA"]}`))
		})
	}
	f := newFixture(t, groups)
	f.a.cfg.StaffUserGroups = []string{"SCS"}
	values, stored := surveyOnSlack(t, f)
	for _, user := range []string{"UTOM", "UMARIA"} {
		_, body := f.press(interactionIn("CMAPPED", user, home, home, "", "survey.answer", values["1"]))
		if !strings.Contains(body, staffNotCounted) || !strings.Contains(body, `"ephemeral"`) {
			t.Errorf("%s's press: %s; want the ephemeral %q", user, body, staffNotCounted)
		}
	}
	if as := stored(); len(as) != 0 {
		t.Fatalf("stored %+v from members of the home workspace", as)
	}
	if _, body := f.press(interactionIn("CMAPPED", "GGUEST", home, home, "", "survey.answer", values["5"])); !strings.Contains(body, "Thank you for your feedback") {
		t.Errorf("a guest's press: %s", body)
	}
	if as := stored(); len(as) != 1 || as[0].User != "GGUEST" || as[0].Account != "TACME" {
		t.Errorf("stored %+v; want the guest's answer", as)
	}
}

// TestLegacySurveyButtonOnSlack: a question posted before buttons carried their
// asked time (kind|score|account|thread) is still answered through Slack.
func TestLegacySurveyButtonOnSlack(t *testing.T) {
	f := newFixture(t)
	_, stored := surveyOnSlack(t, f)
	legacy := bot.SurveyDocument(bot.SurveyCSAT, "TACME", "").Blocks[1].Buttons[2].Value // 3
	if _, body := f.press(interactionIn("CMAPPED", "XDANA", "TACME", "TACME", "", "survey.answer", legacy)); !strings.Contains(body, "Thank you for your feedback") {
		t.Errorf("a legacy button's press: %s", body)
	}
	if as := stored(); len(as) != 1 || as[0].Score != 3 || as[0].Instance != "" {
		t.Errorf("stored %+v; want XDANA's 3, of no instance", as)
	}
}
