package analysis

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/emerging"
)

// rulesA is the analyzer without the combination layer: these tests are of the
// rules' reading of chat markup and wordings (the layer is fitted on top of it).
func rulesA(t testing.TB) *Analyzer {
	t.Helper()
	a, err := NewWithLayer(DefaultTaxonomy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func r32Tags(g feedbackbot.Tags) string {
	return fmt.Sprintf("%s %.3f intent=%s themes=%v", g.Sentiment.Label, g.Sentiment.Score, g.Intent, g.Themes)
}

// r32Emerging returns every label and phrase of the emerging themes of texts (each
// by its own author) against a quiet history.
func r32Emerging(texts []string) []string {
	t0 := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	var period, history []emerging.Doc
	for i := range 12 {
		period = append(period, emerging.Doc{Key: fmt.Sprint("p", i), Text: texts[i%len(texts)],
			Time: t0.Add(time.Duration(i) * time.Hour), Author: fmt.Sprint("u", i)})
	}
	for i := range 60 {
		history = append(history, emerging.Doc{Key: fmt.Sprint("h", i), Text: "the export works fine and the dashboard is quick",
			Time: t0.Add(-time.Duration(i+24) * time.Hour), Author: fmt.Sprint("h", i%7)})
	}
	var out []string
	for _, th := range emerging.Emerging(period, history, 5, emerging.NewVocabulary(DefaultTaxonomy())) {
		out = append(out, th.Label)
		out = append(out, th.Phrases...)
	}
	return out
}

// TestChannelLabelGivesNoTags: a channel's name is no word of the author's: it
// gives no sentiment, theme or intent, and no emerging theme.
func TestChannelLabelGivesNoTags(t *testing.T) {
	a := rulesA(t)
	for _, tc := range []struct{ msg, theme string }{
		{"the notes are in <#C024BE7LR|outages>", "reliability"},
		{"details are in <#C024BE7LR|incidents>", "reliability"},
		{"the invite is in <#C024BE7LR|onboarding>", "onboarding"},
		{"posted in <#C024BE7LR|cancellations>", "cancellation"},
		{"check <#C1|bug-reports> for that", "bug"},
		{"joined <#C1|kudos> today", ""},
	} {
		g := a.Analyze(tc.msg)
		if g.Sentiment.Label != feedbackbot.Neutral || tc.theme != "" && slices.Contains(g.Themes, tc.theme) ||
			slices.Contains([]feedbackbot.Intent{feedbackbot.IntentBugReport, feedbackbot.IntentComplaint, feedbackbot.IntentChurnSignal, feedbackbot.IntentPraise}, g.Intent) {
			t.Errorf("%q: %s (from the channel's name)", tc.msg, r32Tags(g))
		}
	}
	got := r32Emerging([]string{
		"see <#C1|quarterly-planning> thread, the calendar view is fine",
		"cross posting to <#C1|quarterly-planning> sorry",
		"moving this to <#C1|quarterly-planning>",
	})
	for _, p := range got {
		if strings.Contains(p, "quarterly") {
			t.Errorf("emerging phrase %q is a channel's name (all: %q)", p, got)
		}
	}
}

// TestMarkupIsNotTheWritersClaim: code fenced mid-line, ">>>" quotes and struck
// text carry none of the writer's sentiment, themes or intent; the words around
// them still do.
func TestMarkupIsNotTheWritersClaim(t *testing.T) {
	a := rulesA(t)
	for _, msg := range []string{
		"the trace: ```\nat cancel()\nat refund()\n```\nall good now, thanks for the help!",
		"logs: ```\nFATAL cancel subscription failed\n``` any idea?",
		"quoting the ticket\n>>> SSO is down for everyone\nwe are evaluating other vendors",
		"fyi what they wrote:\n&gt;&gt;&gt; your product is garbage\nI want a refund today",
		"~~the export is broken~~ nvm, it works now",
		"~the invoice is wrong~ my bad, it's correct",
		"~~sso is down for everyone~~ false alarm, it was our VPN",
	} {
		g := a.Analyze(msg)
		if g.Sentiment.Label == feedbackbot.Negative || slices.Contains(g.Themes, "cancellation") ||
			slices.Contains([]feedbackbot.Intent{feedbackbot.IntentBugReport, feedbackbot.IntentComplaint, feedbackbot.IntentChurnSignal}, g.Intent) {
			t.Errorf("%q: %s (from the code, the quote or the struck text)", msg, r32Tags(g))
		}
	}
	// the writer's own words after the markup still count
	for _, msg := range []string{
		"here's the log ```\nINFO ok\n```\nthe export is broken again and nobody answers",
		"~~false alarm~~ no, the export really is broken",
	} {
		if g := a.Analyze(msg); g.Sentiment.Label != feedbackbot.Negative {
			t.Errorf("%q: %s; want the writer's complaint", msg, r32Tags(g))
		}
	}
	got := r32Emerging([]string{
		"logs: ```\nWARN retry budget exhausted for tenant\n``` any idea?",
		"here you go ```\nWARN retry budget exhausted for tenant\n``` thoughts?",
		"trace ```\nWARN retry budget exhausted for tenant\n``` help",
	})
	for _, p := range got {
		if strings.Contains(p, "exhausted") || strings.Contains(p, "warn") {
			t.Errorf("emerging phrase %q comes from pasted code (all: %q)", p, got)
		}
	}
}

// TestSlackEmojiNameScoresAsTheEmoji: Slack's canonical emoji names read as the
// emoji do.
func TestSlackEmojiNameScoresAsTheEmoji(t *testing.T) {
	a := rulesA(t)
	for _, p := range []struct{ code, emoji string }{
		{"waiting 3 days for a reply, love it :face_with_rolling_eyes:", "waiting 3 days for a reply, love it 🙄"},
		{"support got back to me within minutes :star-struck:", "support got back to me within minutes 🤩"},
		{"the release notes :white_frowning_face:", "the release notes ☹️"},
		{"no idea what happened :man-shrugging:", "no idea what happened 🤷‍♂️"},
		{"fixed :+1::skin-tone-3:", "fixed 👍🏼"},
	} {
		g, w := a.Analyze(p.code), a.Analyze(p.emoji)
		if g.Sentiment != w.Sentiment || g.Intent != w.Intent {
			t.Errorf("%q: %s, but %q: %s", p.code, r32Tags(g), p.emoji, r32Tags(w))
		}
	}
}

// TestFigureDownIsNoComplaint: a figure that is down reads as no trouble; a service
// that is down still does.
func TestFigureDownIsNoComplaint(t *testing.T) {
	a := rulesA(t)
	for _, msg := range []string{
		"costs are down 20%",
		"support tickets are down a lot this month",
		"our error rate is down to zero since the fix",
		"latency is down 40% since the upgrade, great work",
		"the queue is down by half",
		"I wrote down the steps we took",
	} {
		g := a.Analyze(msg)
		if g.Sentiment.Label == feedbackbot.Negative || slices.Contains(g.Themes, "reliability") ||
			slices.Contains([]feedbackbot.Intent{feedbackbot.IntentBugReport, feedbackbot.IntentComplaint}, g.Intent) {
			t.Errorf("%q: %s; no outage", msg, r32Tags(g))
		}
	}
	for _, msg := range []string{"the site is down", "the API is down again", "is SSO down?", "we were down 6 hours yesterday"} {
		if g := a.Analyze(msg); !slices.Contains(g.Themes, "reliability") || g.Sentiment.Label != feedbackbot.Negative {
			t.Errorf("%q: %s; an outage", msg, r32Tags(g))
		}
	}
}

// TestCancellingSomethingElseIsNoChurnSignal: the rules' intent follows the
// cancellation theme's objects.
func TestCancellingSomethingElseIsNoChurnSignal(t *testing.T) {
	a := rulesA(t)
	for _, msg := range []string{
		"please cancel the export job, I started the wrong one",
		"I accidentally started the sync, how do I cancel it?",
		"we're moving to a new office next week, so expect slow replies",
		"we're moving to SSO next quarter",
		"we're moving to Postgres 16 next month, anything to watch out for?",
		"can we cancel the meeting tomorrow? something came up",
	} {
		if g := a.Analyze(msg); g.Intent == feedbackbot.IntentChurnSignal || slices.Contains(g.Themes, "cancellation") {
			t.Errorf("%q: %s; nobody is leaving", msg, r32Tags(g))
		}
	}
	for _, msg := range []string{"we're switching to Zendesk next month", "we want to cancel our subscription", "we want to cancel"} {
		if g := a.Analyze(msg); g.Intent != feedbackbot.IntentChurnSignal {
			t.Errorf("%q: %s; a churn signal", msg, r32Tags(g))
		}
	}
}
