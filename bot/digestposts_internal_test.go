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
