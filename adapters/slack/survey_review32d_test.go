package slackadapter

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack/slacktest"
)

// usersInfoErring answers users.info for the users named with Slack's error body
// {"ok":false,"error":slackErr}, and for anyone else as usersJSON does.
func usersInfoErring(slackErr string, users ...string) slacktest.Binder {
	return func(c slacktest.Customize) {
		c.Handle("/users.info", func(w http.ResponseWriter, r *http.Request) {
			r.ParseForm()
			if slices.Contains(users, r.Form.Get("user")) {
				w.Write([]byte(`{"ok":false,"error":"` + slackErr + `"}`))
				return
			}
			usersJSON(w, r)
		})
	}
}

// TestStaffPressWhileSlackErrsIsNotRecorded: a staff member (UMARIA, of the home
// workspace) presses "1" on Acme's CSAT question in Acme's mapped channel while
// users.info answers with an error of Slack's own (or of this app's token or
// scopes), not "no such user". Who pressed was not checked: nothing is stored
// and the presser alone is asked to press again (every error Slack answered was
// read as "no member of ours", and the press was stored as Acme's rating).
// Pressed again once Slack answers, it is a staff press, not recorded either.
func TestStaffPressWhileSlackErrsIsNotRecorded(t *testing.T) {
	for _, slackErr := range []string{"internal_error", "fatal_error", "service_unavailable", "request_timeout", "missing_scope", "invalid_auth", "ratelimited"} {
		t.Run(slackErr, func(t *testing.T) {
			f := newFixture(t, usersInfoErring(slackErr, "UMARIA"))
			values, stored := surveyOnSlack(t, f)
			_, body := f.press(interactionIn("CMAPPED", "UMARIA", home, home, "", "survey.answer", values["1"]))
			if !strings.Contains(body, surveyNotChecked) || !strings.Contains(body, `"ephemeral"`) {
				t.Errorf("users.info answered %q: reply %s; want the ephemeral %q", slackErr, body, surveyNotChecked)
			}
			if as := stored(); len(as) != 0 {
				t.Errorf("users.info answered %q for a home member: stored %+v", slackErr, as)
			}
		})
	}
}

// TestPresserSlackDoesNotKnowIsCheckedByChannel: users.info answering that there
// is no such user (user_not_found, user_not_visible: an external member Slack
// does not show this app) is an answer about the presser, not a failed check:
// one of Acme's workspace is recorded in Acme's mapped channel, as before. The
// same answer for a presser whose payload names the home team is not taken (a
// home member is staff or a guest, and which was not checked): they are asked to
// press again, and nothing is stored.
func TestPresserSlackDoesNotKnowIsCheckedByChannel(t *testing.T) {
	for _, slackErr := range []string{"user_not_found", "user_not_visible"} {
		t.Run(slackErr, func(t *testing.T) {
			f := newFixture(t, usersInfoErring(slackErr, "XDANA", "UMARIA"))
			values, stored := surveyOnSlack(t, f)
			_, body := f.press(interactionIn("CMAPPED", "UMARIA", home, home, "", "survey.answer", values["1"]))
			if !strings.Contains(body, surveyNotChecked) {
				t.Errorf("a home-team presser Slack answered %q for: %s; want %q", slackErr, body, surveyNotChecked)
			}
			if as := stored(); len(as) != 0 {
				t.Fatalf("stored %+v from a presser whose payload names the home team", as)
			}
			if _, body = f.press(interactionIn("CMAPPED", "XDANA", "TACME", "TACME", "", "survey.answer", values["4"])); !strings.Contains(body, "Thank you for your feedback") {
				t.Errorf("Acme's presser Slack answered %q for: %s", slackErr, body)
			}
			if as := stored(); len(as) != 1 || as[0].User != "XDANA" || as[0].Score != 4 || as[0].Account != "TACME" {
				t.Errorf("stored %+v; want XDANA's 4", as)
			}
		})
	}
}
