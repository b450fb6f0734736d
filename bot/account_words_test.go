package bot_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestCommandsTakeAnAccountOfSeveralWords: an account's name has spaces ("Acme
// Corp"), and Discord's options arrive joined with the text after them, so log
// and survey take the longest run of leading words that names an account exactly
// (the first word read alone logged "Corp they want SSO" for Acme, and asked
// Acme's survey in a thread called "Corp"). A logged text keeps its lines.
func TestCommandsTakeAnAccountOfSeveralWords(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		typed             string
		account, text     string // log: the message logged
		surveyAccount, th string // survey: the buttons' account and thread
		refused           string // the refusal's words
	}{
		{typed: "log Acme Corp", refused: "What did *Acme Corp* say?"},
		{typed: "log Acme Corp they want SSO\nbefore renewal", account: "acme", text: "they want SSO\nbefore renewal"},
		{typed: "log acme corp  they want SSO", account: "acme", text: "they want SSO"},
		{typed: "log acme they want SSO", account: "acme", text: "they want SSO"},
		{typed: "log Globex Corp is unhappy", account: "globex", text: "Corp is unhappy"},
		{typed: "survey csat Acme Corp", surveyAccount: "acme"},
		{typed: "survey nps Acme Corp C1:1700000000.000100", surveyAccount: "acme", th: "C1:1700000000.000100"},
		{typed: "survey csat acme C1:1700000000.000100", surveyAccount: "acme", th: "C1:1700000000.000100"},
	} {
		t.Run(tc.typed, func(t *testing.T) {
			st := backends(t)["bolt"](t)
			b := &bot.Bot{Store: st, Now: func() time.Time { return now },
				Accounts: map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme Corp"}, "globex": {ID: "globex", Name: "Globex"}}}
			doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Text: tc.typed})
			if tc.refused != "" {
				if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || !strings.Contains(feedbackbot.ErrorMessage(err), tc.refused) {
					t.Fatalf("got %q, %v; want it refused with %q", doc.Fallback, err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v", err)
			}
			if tc.account != "" {
				if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(t.Context()); err != nil {
					t.Fatal(err)
				}
				msgs, err := st.Messages(t.Context(), store.Query{Workspace: "T1", Account: tc.account, To: now.Add(time.Hour)})
				if err != nil || len(msgs) != 1 || msgs[0].Message.Text != tc.text {
					t.Fatalf("logged %+v (%v); want %q for %s (reply %q)", msgs, err, tc.text, tc.account, doc.Fallback)
				}
				return
			}
			var value string
			for _, bl := range doc.Blocks {
				for _, bt := range bl.Buttons {
					value = bt.Value
				}
			}
			// kind|score|account|thread|asked (the question's asked time, unix seconds)
			f := strings.Split(value, "|")
			if len(f) != 5 || f[2] != tc.surveyAccount || f[3] != tc.th || f[4] != strconv.FormatInt(now.Unix(), 10) {
				t.Errorf("survey buttons %q (reply %q); want account %q, thread %q, asked %d", value, doc.Fallback, tc.surveyAccount, tc.th, now.Unix())
			}
		})
	}
}
