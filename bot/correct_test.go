package bot_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestCorrectRoundTrip: staff correct a message's tags with its Slack link; the
// store's tags and the rollups change at once, and the correction holds when the
// message is edited (the worker analyses it again), when history is re-analysed,
// and merged with a later correction; undo puts analysis's tags back; forgetting
// the author and expiring the message delete it.
func TestCorrectRoundTrip(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			a := analyzer(t)
			msg := func(id, author, text string) feedbackbot.Message {
				return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: author,
					Role: feedbackbot.RoleCustomer, Account: "acme", Text: text, Time: now.Add(-2 * time.Hour)}
			}
			m := msg("C1:1700000000.123456", "UC", "thanks, the new dashboard is great!")
			captured(t, st, m, msg("C1:1700000001.000100", "UD", "how do I set up SSO with Okta?"))
			key := m.Key()
			link := "https://acme.slack.com/archives/C1/p1700000000123456"
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Analyzer: a, Themes: analysis.DefaultTaxonomy().Names()}
			run := func(text string) string {
				t.Helper()
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C9", User: "USTAFF", Staff: true, Text: text})
				if err != nil {
					t.Fatalf("%s: %v", text, err)
				}
				if !doc.Ephemeral {
					t.Errorf("%s: the answer is not ephemeral", text)
				}
				return docText(doc)
			}
			tags := func() feedbackbot.Tags {
				t.Helper()
				s, err := st.Message(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				return s.Tags
			}
			counts := func() (pos, neg int64) {
				t.Helper()
				rs, err := st.Rollups(ctx, "T1", now.Add(-24*time.Hour), now)
				if err != nil {
					t.Fatal(err)
				}
				tot := feedbackbot.Totals(rs)
				return tot[feedbackbot.CounterName(feedbackbot.DimAccount, "acme", feedbackbot.CntPositive)], tot[feedbackbot.CounterName(feedbackbot.DimAccount, "acme", feedbackbot.CntNegative)]
			}
			analysed := tags()
			if analysed.Sentiment.Label != feedbackbot.Positive || analysed.Intent != feedbackbot.IntentPraise {
				t.Fatalf("analysis gave %+v; the test needs a positive praise to correct", analysed)
			}
			pos0, neg0 := counts()
			if got := run("correct " + link); !strings.Contains(got, "Not corrected") || !strings.Contains(got, "the new dashboard is great") {
				t.Errorf("correct LINK alone:\n%s", got)
			}
			isCorrected := func(when string, themes ...string) {
				t.Helper()
				got := tags()
				if got.Sentiment.Label != feedbackbot.Negative || got.Sentiment.Score >= 0 || got.Intent != feedbackbot.IntentComplaint ||
					!got.NeedsReply || !slices.Equal(got.Themes, themes) || !strings.Contains(got.Analyzer, "+fix.") {
					t.Errorf("%s: tags %+v; want negative complaint waiting for a reply, themes %v", when, got, themes)
				}
				if pos, neg := counts(); pos != pos0-1 || neg != neg0+1 {
					t.Errorf("%s: acme's positive/negative counts %d/%d, want %d/%d", when, pos, neg, pos0-1, neg0+1)
				}
			}
			got := run("correct <" + link + "|message> negative complaint +billing")
			for _, w := range []string{"*Corrected.*", "sentiment: *negative", "(analysis: positive", "intent: *complaint* (analysis: praise)", "themes: *billing*", "Corrected by USTAFF"} {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in\n%s", w, got)
				}
			}
			isCorrected("corrected", "billing")

			// An edit: the worker analyses the new text and applies the correction over it.
			edited := m
			edited.Text, edited.EditedAt = "thanks, the new dashboard is great!!", now.Add(-time.Hour)
			captured(t, st, edited)
			isCorrected("after an edit", "billing")

			res, err := bot.Reanalyze(ctx, st, a, "T1", 100, nil)
			if err != nil || res.Corrected == 0 {
				t.Fatalf("reanalyze: %+v, %v", res, err)
			}
			isCorrected("after reanalyze", "billing")

			run("correct " + link + " -billing +bug")
			isCorrected("merged with a later correction", "bug")

			if got := run("correct " + link + " undo"); !strings.Contains(got, "Correction removed") {
				t.Errorf("undo:\n%s", got)
			}
			if got := tags(); got.Sentiment.Label != feedbackbot.Positive || got.Intent != feedbackbot.IntentPraise || strings.Contains(got.Analyzer, "+fix.") {
				t.Errorf("after undo: %+v, want analysis's", got)
			}
			if pos, neg := counts(); pos != pos0 || neg != neg0 {
				t.Errorf("after undo: counts %d/%d, want %d/%d", pos, neg, pos0, neg0)
			}
			if _, err := st.GetDoc(ctx, "T1", bot.DocCorrection, key); !feedbackbot.IsNotFound(err) {
				t.Errorf("after undo the correction is still stored (%v)", err)
			}

			// Forget the author: the correction of their message goes; one made by the
			// person forgotten, as staff, stays without their id.
			run("correct " + link + " negative")
			by := &bot.Bot{Store: st, Now: func() time.Time { return now }, Analyzer: a, Themes: b.Themes}
			if _, err := by.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "UC", Staff: true,
				Text: "correct https://acme.slack.com/archives/C1/p1700000001000100 complaint"}); err != nil {
				t.Fatal(err)
			}
			f, err := bot.ForgetPerson(ctx, st, "T1", "UC")
			if err != nil || f.Corrections != 1 {
				t.Fatalf("forget: %+v, %v; want 1 correction deleted", f, err)
			}
			raw, err := st.GetDoc(ctx, "T1", bot.DocCorrection, "slack/T1/C1:1700000001.000100")
			var kept feedbackbot.Correction
			if err != nil || json.Unmarshal(raw, &kept) != nil || kept.By != "" || kept.Intent != feedbackbot.IntentComplaint {
				t.Errorf("the correction UC made: %s, %v; want it kept without UC's id", raw, err)
			}
			// Expire: the other message is older than the cut.
			e, err := bot.ExpireOld(ctx, st, "T1", now.Add(-time.Hour))
			if err != nil || e.Corrections != 1 {
				t.Fatalf("expire: %+v, %v; want 1 correction deleted", e, err)
			}
			if docs, err := st.ListDocs(ctx, "T1", bot.DocCorrection); err != nil || len(docs) != 0 {
				t.Errorf("corrections left: %v, %v", docs, err)
			}
		})
	}
}

// TestCorrectRefuses: what the correct command will not do, with a reply that
// says why; nothing is stored.
func TestCorrectRefuses(t *testing.T) {
	st := backends(t)["bolt"](t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	captured(t, st, feedbackbot.Message{ID: "C1:1700000000.123456", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
		Author: "UC", Role: feedbackbot.RoleCustomer, Text: "the export is broken", Time: now.Add(-time.Hour)})
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Analyzer: analyzer(t), Themes: analysis.DefaultTaxonomy().Names()}
	link := "https://x.slack.com/archives/C1/p1700000000123456"
	for _, c := range []struct{ text, want string }{
		{"correct", "Usage: `correct MESSAGE_LINK"},
		{"correct " + link + " positive negative", "both set the sentiment"},
		{"correct " + link + " +billingz", "There is no theme `billingz`"},
		{"correct " + link + " billing", "write `+billing`"},
		{"correct " + link + " intent=rant", "There is no intent `rant`"},
		{"correct " + link + " reply=maybe", "`reply=` is `yes`"},
		{"correct " + link + " themes=bug +billing", "set the themes exactly or add and take away"},
		{"correct " + link + " undo negative", "`undo` takes no other changes"},
		{"correct https://x.slack.com/archives/C1/p1700000000999999 negative", "I hold no message at that link"},
		{"correct https://discord.com/channels/999/1/2 negative", "another Discord server"},
		{"correct https://example.com/a negative", "not a Slack or Discord message link"},
	} {
		_, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: c.text})
		if msg := feedbackbot.ErrorMessage(err); !strings.Contains(msg, c.want) {
			t.Errorf("%s: %q, want %q", c.text, msg, c.want)
		}
	}
	doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "UC", Text: "correct " + link + " positive"})
	if err != nil || !strings.Contains(docText(doc), "only available to the team") {
		t.Errorf("a customer's correct: %v, %v", docText(doc), err)
	}
	if docs, err := st.ListDocs(ctx, "T1", bot.DocCorrection); err != nil || len(docs) != 0 {
		t.Errorf("corrections stored: %v, %v", docs, err)
	}
}

func TestMessageRef(t *testing.T) {
	for _, c := range []struct{ ref, ws, want, err string }{
		{"https://acme.slack.com/archives/C0123ABC/p1700000000123456", "T1", "slack/T1/C0123ABC:1700000000.123456", ""},
		{"<https://acme.slack.com/archives/C0123ABC/p1700000000123456?thread_ts=1700000000.000100&cid=C0123ABC>", "T1", "slack/T1/C0123ABC:1700000000.123456", ""},
		{"https://discord.com/channels/111/222/333", "111", "discord/111/333", ""},
		{"https://ptb.discord.com/channels/111/222/333", "111", "discord/111/333", ""},
		{"slack/T1/C1:1700000000.123456", "T1", "slack/T1/C1:1700000000.123456", ""},
		{"slack/T2/C1:1700000000.123456", "T1", "", "another workspace"},
		{"https://discord.com/channels/111/222/333", "999", "", "another Discord server"},
		{"https://acme.slack.com/archives/C0123ABC/x17000", "T1", "", "p and the message's time stamp"},
		{"https://discord.com/channels/111/222/abc", "111", "", "no message id"},
		{"ftp://acme.slack.com/archives/C1/p1700000000123456", "T1", "", "not a web address"},
		{"hello", "T1", "", "neither a link nor a message key"},
	} {
		got, err := bot.MessageRef(c.ref, c.ws)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(feedbackbot.ErrorMessage(err), c.err)) {
			t.Errorf("MessageRef(%q, %q) = %q, %v; want %q, error with %q", c.ref, c.ws, got, err, c.want, c.err)
		}
	}
}

// TestWorkerSkipsDamagedCorrections: a correction document that cannot be read
// leaves its message with analysis's tags and the batch goes on.
func TestWorkerSkipsDamagedCorrections(t *testing.T) {
	st := backends(t)["bolt"](t)
	ctx := context.Background()
	m := feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "UC",
		Role: feedbackbot.RoleCustomer, Text: "thanks, the new dashboard is great!", Time: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	if err := st.PutDoc(ctx, "T1", bot.DocCorrection, m.Key(), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	captured(t, st, m)
	got, err := st.Message(ctx, m.Key())
	if err != nil || got.Tags.Sentiment.Label != feedbackbot.Positive {
		t.Errorf("stored %+v, %v; want analysis's positive", got.Tags, err)
	}
}
