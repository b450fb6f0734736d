package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// FuzzHandleCommand feeds command texts (typed after /feedback, or a button's
// action and value) to the bot, as staff and as a customer. Nothing panics; a
// customer gets the refusal for anything but a survey answer; a failure is a clear
// user error (invalid, not found), never an internal one, on a healthy store.
func FuzzHandleCommand(f *testing.F) {
	for _, s := range []string{"help", "risk", "account acme", "account", "themes 30d", "themes 99999999999999999999d", "digest 2w", "digest -1d",
		"log acme they love it", "log", "survey nps acme C1:1.2", "survey", "forget <@XDANA>", "forget.confirm XDANA", "alert.ack fp1",
		"alert.snooze", "account.open acme", "survey.answer csat|5|acme|", "survey.answer nps|11|acme|t", "survey.answer |||", "\xff\xfe", "ACCOUNT   acme  "} {
		f.Add(s, true, false)
		f.Add(s, false, true)
	}
	st, err := boltstore.Open(context.Background(), f.TempDir(), boltstore.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	auditFixture(f, st, now)
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, text string, staff, button bool) {
		doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "UFUZZ",
			Staff: staff, Button: button, Text: text})
		surveyAnswer := button && strings.HasPrefix(strings.TrimSpace(text), "survey.answer")
		if err != nil {
			switch feedbackbot.ErrorCode(err) {
			case feedbackbot.EINVALID, feedbackbot.ENOTFOUND:
			default:
				t.Fatalf("%q: %v (code %s)", text, err, feedbackbot.ErrorCode(err))
			}
			if !utf8.ValidString(feedbackbot.ErrorMessage(err)) {
				t.Fatalf("%q: the error shown is not valid UTF-8", text)
			}
			return
		}
		if !staff && !surveyAnswer && !strings.Contains(doc.Fallback, "only available to the team") {
			t.Fatalf("a customer's %q was answered: %q", text, doc.Fallback)
		}
	})
}
