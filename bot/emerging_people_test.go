package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestDigestEmergingNeedsTwoPeople: "new this period" counted messages, not people
// (the digest passed no author), so one customer writing about their own webhook
// four times in a week was a theme of four messages, quoted from them, ahead of
// what several customers said (a review's find). The digest gives each message its
// author, and a theme takes two people.
func TestDigestEmergingNeedsTwoPeople(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	add := func(at time.Time, author, text string) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d", len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TR",
			Channel: "C1", Author: author, Role: feedbackbot.RoleCustomer, Account: "A1", Text: text, Time: at})
	}
	for i := range 40 { // four weeks of the usual, from several people
		add(end.Add(-8*24*time.Hour-time.Duration(i)*12*time.Hour), fmt.Sprintf("U%d", i%5), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for i := range 10 {
		add(end.Add(-time.Duration(i+10)*time.Hour), fmt.Sprintf("U%d", i%5), fmt.Sprintf("how do I invite teammate number %d to the workspace?", i))
	}
	for i, text := range []string{
		"our webhook retries are stuck again",
		"webhook retries still stuck, any news?",
		"hello? webhook retries are piling up",
		"webhook retries stuck for 3 days now",
	} {
		add(end.Add(-time.Duration(i+1)*time.Hour), "U9", text) // one person
	}
	add(end.Add(-5*time.Hour), "U1", "the query editor froze twice today")
	add(end.Add(-6*time.Hour), "U2", "is the query editor going to support snippets?")
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			d, err := bot.BuildDigest(t.Context(), st, bot.DigestRequest{Workspace: "TR", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range d.Emerging {
				got = append(got, e.Phrases...)
				if e.Quote.AuthorID == "U9" || strings.Contains(strings.Join(e.Phrases, " "), "webhook") {
					t.Errorf("one customer's four messages are a theme: %+v (quote by %s)", e, e.Quote.AuthorID)
				}
			}
			if !slices.Contains(got, "query editor") {
				t.Errorf("two customers' query editor is new, not among %q", got)
			}
		})
	}
}
