package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestErasureFindsEveryQuoteOfADigest: every section of a digest that quotes a
// customer (complaints, praise, asks still waiting, an emerging theme's and a
// feature request's example, at-risk and drifting accounts' evidence) loses the
// forgotten person's quote, the sections and the others' quotes kept, and the
// rendered digest shows no empty quote.
func TestErasureFindsEveryQuoteOfADigest(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	gone := feedbackbot.Quote{MessageKey: "k1", AuthorID: "XDANA", Author: "dana", Text: "call me on 555-0199", Time: at}
	kept := feedbackbot.Quote{MessageKey: "k2", AuthorID: "XLEE", Author: "lee", Text: "the export keeps failing", Time: at}
	ev := []feedbackbot.Evidence{{MessageKey: "k1", Author: "XDANA", Quote: gone.Text, Time: at}, {MessageKey: "k2", Author: "XLEE", Quote: kept.Text, Time: at}}
	health := func(id string) feedbackbot.Health {
		return feedbackbot.Health{Account: feedbackbot.Account{ID: id}, Reasons: []feedbackbot.Reason{{Code: "x", Text: "x", Evidence: append([]feedbackbot.Evidence(nil), ev...)}}}
	}
	d := feedbackbot.Digest{
		From: at.Add(-24 * time.Hour), To: at, Messages: 2, CustomerMessages: 2,
		Praise: []feedbackbot.Quote{gone, kept}, Complaints: []feedbackbot.Quote{kept, gone},
		Emerging:  []feedbackbot.EmergingTheme{{Label: "export", Phrases: []string{"export"}, Size: 2, Quote: gone}, {Label: "csv", Phrases: []string{"csv"}, Size: 2, Quote: kept}},
		Requests:  []feedbackbot.FeatureRequest{{Label: "dark mode", Requests: 1, People: 1, Quote: gone}},
		Responses: &feedbackbot.ResponseSummary{WaitingCount: 2, Waiting: []feedbackbot.Quote{gone, kept}},
		AtRisk:    []feedbackbot.Health{health("acme")}, Drifting: []feedbackbot.Health{health("bolt")},
	}
	n := dropDigestQuotes(&d, func(q feedbackbot.Quote) bool { return q.AuthorID == "XDANA" }, func(e feedbackbot.Evidence) bool { return e.Author == "XDANA" })
	if n != 7 {
		t.Errorf("removed %d quotes, want 7 (one in each of the seven places)", n)
	}
	raw, _ := json.Marshal(d)
	if strings.Contains(string(raw), "555-0199") || strings.Contains(string(raw), "XDANA") {
		t.Errorf("the digest still quotes them:\n%s", raw)
	}
	if got := strings.Count(string(raw), kept.Text); got != 6 {
		t.Errorf("the other customer's quote is left %d times, want 6:\n%s", got, raw)
	}
	if len(d.Emerging) != 2 || len(d.Requests) != 1 || len(d.AtRisk) != 1 {
		t.Errorf("a section was dropped with its quote: %+v", d)
	}
	doc := DigestDocument(d, nil)
	text, _ := json.Marshal(doc)
	if strings.Contains(string(text), "“”") || strings.Contains(string(text), "e.g. “”") {
		t.Errorf("an erased quote shows as an empty one:\n%s", text)
	}
}

// TestErasureFindsEveryEntryOfAnOwnAccount: forgetting a member who is their own
// account takes the account out of every section of a digest that names it (the
// accounts heard from, at risk, drifting, the alerts' follow-up, a feature
// request's accounts, segments), the other accounts kept; the request counts
// them as a customer of no account instead, and a segment left empty goes.
func TestErasureFindsEveryEntryOfAnOwnAccount(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	acct := func(id, name string) feedbackbot.Account { return feedbackbot.Account{ID: id, Name: name} }
	d := feedbackbot.Digest{
		From: at.Add(-24 * time.Hour), To: at,
		Accounts: []feedbackbot.GroupStat{{ID: "XDANA", Name: "Dana Privatename", Count: 1}, {ID: "acme", Name: "Acme", Count: 2}},
		AtRisk:   []feedbackbot.Health{{Account: acct("XDANA", "Dana Privatename")}, {Account: acct("acme", "Acme")}},
		Drifting: []feedbackbot.Health{{Account: acct("XDANA", "Dana Privatename")}},
		FollowUp: &feedbackbot.AlertFollowUp{
			Open:      []feedbackbot.AlertBrief{{Account: "Dana Privatename", AccountID: "XDANA"}, {Account: "Acme", AccountID: "acme"}},
			Recovered: []feedbackbot.AlertBrief{{Account: "Dana Privatename", AccountID: "XDANA"}}, WentSilent: []feedbackbot.AlertBrief{{Account: "Dana Privatename", AccountID: "XDANA"}},
			ChurnStands: []feedbackbot.AlertBrief{{Account: "Dana Privatename", AccountID: "XDANA"}},
		},
		Requests: []feedbackbot.FeatureRequest{{Label: "dark mode", Requests: 2, Accounts: []feedbackbot.AccountRef{{ID: "XDANA", Name: "Dana Privatename"}, {ID: "acme", Name: "Acme"}}}},
		Segments: []feedbackbot.Segment{{Name: "unhappy", Accounts: []string{"Dana Privatename"}}, {Name: "happy", Accounts: []string{"Acme"}}},
	}
	if got := digestAccounts(&d); strings.Join(got, ",") != "XDANA,acme" {
		t.Errorf("digestAccounts = %v, want XDANA and acme", got)
	}
	quotes, changed := digestCut{quote: func(feedbackbot.Quote) bool { return false }, evidence: func(feedbackbot.Evidence) bool { return false },
		account: func(id string) bool { return id == "XDANA" }}.apply(&d)
	if quotes != 0 || !changed {
		t.Errorf("apply = %d quotes, changed %v; want no quote and the digest changed", quotes, changed)
	}
	raw, _ := json.Marshal(d)
	if strings.Contains(string(raw), "XDANA") || strings.Contains(string(raw), "Dana Privatename") {
		t.Errorf("the digest still names them:\n%s", raw)
	}
	if got := strings.Count(string(raw), `"Acme"`); got != 5 {
		t.Errorf("the other account is named %d times, want 5 (every section it was in):\n%s", got, raw)
	}
	if r := d.Requests[0]; len(r.Accounts) != 1 || r.People != 1 || r.Requests != 2 {
		t.Errorf("the request: %+v; want Acme and one customer of no account, its two requests kept", r)
	}
	if len(d.Segments) != 1 || d.Segments[0].Name != "happy" {
		t.Errorf("segments %+v; want the emptied one gone", d.Segments)
	}
	// Two members of one name: the forgotten one's entry goes, the other's stays
	// (both went, and their segment with them: a review's find).
	d = feedbackbot.Digest{
		Accounts: []feedbackbot.GroupStat{{ID: "111", Name: "Sam"}, {ID: "222", Name: "Sam"}},
		Segments: []feedbackbot.Segment{{Name: "happy", Accounts: []string{"Sam", "Sam"}}},
	}
	digestCut{quote: func(feedbackbot.Quote) bool { return false }, evidence: func(feedbackbot.Evidence) bool { return false },
		account: func(id string) bool { return id == "111" }}.apply(&d)
	if len(d.Accounts) != 1 || d.Accounts[0].ID != "222" || len(d.Segments) != 1 || len(d.Segments[0].Accounts) != 1 {
		t.Errorf("accounts %+v, segments %+v; want the other Sam kept in both", d.Accounts, d.Segments)
	}
}
