package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestCorrectIsAuditedOnce: every correct command that finds its message writes
// one audit entry before it shows or changes anything, naming what it asked for:
// "correct LINK" alone (which shows the customer's words and tags) and an undo
// with nothing to undo (which shows them too) are correct.view; they wrote none,
// so a staff member could read any stored customer message by its key,
// unaudited. A link to no message reveals nothing and writes none.
func TestCorrectIsAuditedOnce(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	auditFixture(t, st, now) // customer messages of acme by XDANA in C1
	b := &bot.Bot{Store: st, Analyzer: analyzer(t), Themes: analysis.DefaultTaxonomy().Names(), Now: func() time.Time { return now }}
	key := fmt.Sprintf("slack/T1/C1:%d.000100", now.Add(-time.Hour).Unix())
	for _, c := range []struct {
		changes, action string
		shows           string // in the reply
	}{
		{"", "correct.view", "Not corrected"},
		{"undo", "correct.view", "Nothing to undo"},
		{"UNDO", "correct.view", "Nothing to undo"},
		{"positive", "correct", "*Corrected.*"},
		{"", "correct.view", "Corrected by USAM"},
		{"undo", "correct.undo", "Correction removed"},
		{"reset", "correct.view", "Nothing to undo"},
	} {
		before := len(audits(t, st))
		doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USAM", Staff: true,
			Text: strings.TrimSpace("correct " + key + " " + c.changes)})
		if err != nil {
			t.Fatalf("correct %s: %v", c.changes, err)
		}
		if got := docText(doc); !strings.Contains(got, c.shows) || !strings.Contains(got, "charged twice") {
			t.Errorf("correct %s: no %q, or not the message, in\n%s", c.changes, c.shows, got)
		}
		got := audits(t, st)
		if len(got) != before+1 {
			t.Fatalf("correct %s: %d audit entries written, want 1", c.changes, len(got)-before)
		}
		found := false
		for _, a := range got {
			found = found || a.Action == c.action && a.Target == key && a.User == "USAM" && a.Platform == "slack"
		}
		if !found {
			t.Errorf("correct %s: no audit entry {%s %s USAM} in %+v", c.changes, c.action, key, got)
		}
	}
	before := len(audits(t, st))
	if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USAM", Staff: true,
		Text: "correct slack/T1/C1:1.000100"}); feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND {
		t.Errorf("correct of no message: %v", err)
	}
	if got := len(audits(t, st)); got != before {
		t.Errorf("correct of no message wrote %d audit entries", got-before)
	}
}

// TestUnauditedCorrectShowsNothing: when its audit entry cannot be written, the
// correct command refuses: it neither shows the message (alone, or with an undo
// that has nothing to undo) nor changes its tags.
func TestUnauditedCorrectShowsNothing(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	auditFixture(t, st, now)
	b := &bot.Bot{Store: failingAudit{st}, Analyzer: analyzer(t), Themes: analysis.DefaultTaxonomy().Names(), Now: func() time.Time { return now }}
	key := fmt.Sprintf("slack/T1/C1:%d.000100", now.Add(-time.Hour).Unix())
	before, err := st.Message(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, changes := range []string{"", " undo", " positive praise"} {
		doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USAM", Staff: true,
			Text: "correct " + key + changes})
		if err == nil {
			t.Errorf("correct%s carried out without an audit entry: %q", changes, docText(doc))
			continue
		}
		if strings.Contains(feedbackbot.ErrorMessage(err), "charged twice") || strings.Contains(err.Error(), "charged twice") {
			t.Errorf("correct%s revealed the message in its error: %v", changes, err)
		}
	}
	after, err := st.Message(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if after.Tags.Sentiment != before.Tags.Sentiment || after.Tags.Intent != before.Tags.Intent {
		t.Errorf("the tags changed without an audit entry: %+v, were %+v", after.Tags, before.Tags)
	}
	if docs, err := st.ListDocs(ctx, "T1", bot.DocCorrection); err != nil || len(docs) != 0 {
		t.Errorf("a correction was saved without an audit entry: %v, %v", docs, err)
	}
	if got := audits(t, st); len(got) != 0 {
		t.Errorf("audit entries: %+v", got)
	}
}
