package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestCountsReadRightAtOneAndMany: counts in the Kano, requests, forget and digest
// texts say "1 account" and "2 accounts", not "account(s)" (a new user's find).
func TestCountsReadRightAtOneAndMany(t *testing.T) {
	kano := func(customers, accounts int) string {
		return KanoLine(KanoFeatureResult{Name: "SSO", Category: "attractive",
			Tally: feedbackbot.KanoCounts{Attractive: customers}, Accounts: accounts})
	}
	request := func(accounts, people, kano int) string {
		r := feedbackbot.FeatureRequest{Label: "dark mode", People: people, Requests: accounts + people}
		if kano > 0 {
			r.Kano = &feedbackbot.KanoFeature{Category: "attractive", Tally: feedbackbot.KanoCounts{Attractive: kano}}
		}
		for _, id := range []string{"acme", "blue"}[:accounts] {
			r.Accounts = append(r.Accounts, feedbackbot.AccountRef{ID: id})
		}
		return RequestLine(r)
	}
	digest := func(corrected, conversations int) string {
		doc := DigestDocument(feedbackbot.Digest{Messages: 10,
			Corrections: &feedbackbot.CorrectionCounts{Messages: corrected, Sentiment: corrected},
			Responses:   &feedbackbot.ResponseSummary{Conversations: conversations, Answered: conversations}}, nil)
		var b strings.Builder
		for _, bl := range doc.Blocks {
			b.WriteString(bl.Text + "\n")
		}
		return b.String()
	}
	for _, c := range []struct {
		name, got, want string
	}{
		{"kano line, one", kano(1, 1), "SSO — attractive: delights, not missed (1 customer of 1 account: M 0, O 0, A 1, I 0)"},
		{"kano line, many", kano(2, 2), "SSO — attractive: delights, not missed (2 customers of 2 accounts: M 0, O 0, A 2, I 0)"},
		{"kano title, one", kanoTitle(1, 90*24*time.Hour), "Kano: what 1 feature is to customers (answers of the last 90 days)"},
		{"kano title, many", kanoTitle(2, 90*24*time.Hour), "Kano: what 2 features are to customers (answers of the last 90 days)"},
		{"request, one", request(1, 1, 0), "dark mode — 1 account: acme; and 1 customer of no account; not asked in a Kano survey"},
		{"request, many", request(2, 2, 2), "dark mode — 2 accounts: acme, blue; and 2 customers of no account; Kano: attractive (2 customers)"},
		{"request, accounts only", request(1, 0, 1), "dark mode — 1 account: acme; Kano: attractive (1 customer)"},
		{"request, no account, one", request(0, 1, 0), "dark mode — 1 customer of no account;"},
		{"request, no account, many", request(0, 2, 0), "dark mode — 2 customers of no account;"},
		{"held, one", Held{Messages: 1, Logged: 1, Answers: 1}.String(),
			"1 message analysed and 1 more in the capture log not analysed yet or deleted on the platform, and 1 survey answer"},
		{"held, many", Held{Messages: 2, Answers: 2}.String(), "2 messages analysed and 2 survey answers"},
		{"held, logged only, one", Held{Logged: 1}.String(), "1 message in the capture log not analysed yet or deleted on the platform, and 0 survey answers"},
		{"forgot, one", forgotText("U1", Forgotten{Messages: 1, SurveyAnswers: 1, Evidence: 1, DigestQuotes: 1, Corrections: 1}),
			"Forgot U1: 1 message, 1 survey answer, 1 quote in alerts, 1 in posted digests. Their future messages will not be stored. 1 staff correction of their messages deleted."},
		{"forgot, many", forgotText("U1", Forgotten{Messages: 2, SurveyAnswers: 2, Evidence: 2, DigestQuotes: 2, Corrections: 2}),
			"Forgot U1: 2 messages, 2 survey answers, 2 quotes in alerts, 2 in posted digests. Their future messages will not be stored. 2 staff corrections of their messages deleted."},
		{"digest, one", digest(1, 1), "• 1 message corrected this period (sentiment 1)"},
		{"digest, many", digest(2, 2), "• 2 messages corrected this period (sentiment 2)"},
		{"responses, one", digest(1, 1), "• 1 conversation asked something; 1 answered"},
		{"responses, many", digest(2, 2), "• 2 conversations asked something; 2 answered"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s: %q, want it to say %q", c.name, c.got, c.want)
		}
		if strings.Contains(c.got, "(s)") {
			t.Errorf("%s: %q says (s)", c.name, c.got)
		}
	}
}
