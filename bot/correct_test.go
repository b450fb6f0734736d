package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
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
			// UC wrote the message and made a correction as staff: both are held.
			if h, err := bot.PersonHeld(ctx, st, "T1", "UC"); err != nil || h.Signed != 1 || h.Nothing() || !strings.Contains(h.String(), "their id is on 1 correction they made as staff") {
				t.Errorf("held of UC: %+v (%q), %v; want the correction they made counted", h, h.String(), err)
			}
			f, err := bot.ForgetPerson(ctx, st, "T1", "UC")
			if err != nil || f.Corrections != 1 || f.Unsigned != 1 {
				t.Fatalf("forget: %+v, %v; want 1 correction deleted and 1 unsigned", f, err)
			}
			if h, err := bot.PersonHeld(ctx, st, "T1", "UC"); err != nil || !h.Nothing() {
				t.Errorf("held of UC after forget: %+v, %v; want nothing", h, err)
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
		Author: "UC", Role: feedbackbot.RoleCustomer, Text: "the export is broken", Time: now.Add(-time.Hour)},
		feedbackbot.Message{ID: "C1:1700000001.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: "US", Role: feedbackbot.RoleStaff, Text: "looking into it now", Time: now.Add(-time.Hour)})
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
		{"correct https://discord.com/channels/999/1/2 negative", "That is a Discord message: correct it from Discord"},
		// staff and bot messages count in no figure: nothing to correct
		{"correct https://x.slack.com/archives/C1/p1700000001000100 negative", "That message is by staff"},
		{"correct <https://x.slack.com/archives/C1/p1700000000123456|the export message> +billingz", "There is no theme `billingz`"},
		{"correct https://example.com/a negative", "not a Slack or Discord message link"},
	} {
		_, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: c.text})
		if msg := feedbackbot.ErrorMessage(err); !strings.Contains(msg, c.want) {
			t.Errorf("%s: %q, want %q", c.text, msg, c.want)
		}
	}
	// undo of a message with no correction says so, and stores nothing
	if doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: "correct " + link + " undo"}); err != nil ||
		!strings.Contains(docText(doc), "Nothing to undo") {
		t.Errorf("undo with no correction: %v, %v", docText(doc), err)
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
	const slack, discord = feedbackbot.PlatformSlack, feedbackbot.PlatformDiscord
	for _, c := range []struct {
		ref, ws  string
		platform feedbackbot.Platform
		want     string
		err      string
	}{
		{"https://acme.slack.com/archives/C0123ABC/p1700000000123456", "T1", slack, "slack/T1/C0123ABC:1700000000.123456", ""},
		{"<https://acme.slack.com/archives/C0123ABC/p1700000000123456?thread_ts=1700000000.000100&cid=C0123ABC>", "T1", slack, "slack/T1/C0123ABC:1700000000.123456", ""},
		{"<https://acme.slack.com/archives/C0123ABC/p1700000000123456|a label>", "T1", slack, "slack/T1/C0123ABC:1700000000.123456", ""},
		{"https://acme.enterprise.slack.com/archives/C0123ABC/p1700000000123456", "T1", slack, "slack/T1/C0123ABC:1700000000.123456", ""},
		{"https://app.slack.com/archives/C0123ABC/p1700000000123456", "T1", slack, "slack/T1/C0123ABC:1700000000.123456", ""},
		{"https://discord.com/channels/111/222/333", "111", discord, "discord/111/333", ""},
		{"https://ptb.discord.com/channels/111/222/333", "111", discord, "discord/111/333", ""},
		{"https://canary.discordapp.com/channels/111/222/333", "111", discord, "discord/111/333", ""},
		{"slack/T1/C1:1700000000.123456", "T1", slack, "slack/T1/C1:1700000000.123456", ""},
		{"slack/T2/C1:1700000000.123456", "T1", slack, "", "another workspace"},
		{"https://discord.com/channels/111/222/333", "999", discord, "", "another Discord server"},
		{"https://discord.com/channels/@me/222/333", "111", discord, "", "a direct message"},
		{"https://discord.com/channels/111/222/333", "T1", slack, "", "That is a Discord message: correct it from Discord"},
		{"https://acme.slack.com/archives/C1/p1700000000123456", "111", discord, "", "That is a Slack message: correct it from Slack"},
		{"https://acme.slack.com/archives/C0123ABC/x17000", "T1", slack, "", "p and the message's time stamp"},
		{"https://discord.com/channels/111/222/abc", "111", discord, "", "no message id"},
		{"ftp://acme.slack.com/archives/C1/p1700000000123456", "T1", slack, "", "not a web address"},
		{"https://notslack.com/archives/C1/p1700000000123456", "T1", slack, "", "not a Slack or Discord message link"},
		{"hello", "T1", slack, "", "neither a link nor a message key"},
	} {
		got, err := bot.MessageRef(c.ref, c.ws, c.platform)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(feedbackbot.ErrorMessage(err), c.err)) {
			t.Errorf("MessageRef(%q, %q, %s) = %q, %v; want %q, error with %q", c.ref, c.ws, c.platform, got, err, c.want, c.err)
		}
	}
}

func TestParseCorrection(t *testing.T) {
	themes := []string{"billing", "SSO", "bug"}
	for _, c := range []struct {
		words     string
		removable []string
		want      feedbackbot.Correction
		err       string
	}{
		{"negative sentiment=negative", nil, feedbackbot.Correction{Sentiment: feedbackbot.Negative}, ""},
		{"complaint intent=complaint", nil, feedbackbot.Correction{Intent: feedbackbot.IntentComplaint}, ""},
		{"+sso -BILLING", nil, feedbackbot.Correction{AddThemes: []string{"SSO"}, RemoveThemes: []string{"billing"}}, ""},
		{"themes=Sso,bug", nil, feedbackbot.Correction{OnlyThemes: true, AddThemes: []string{"SSO", "bug"}}, ""},
		{"-cancellation", []string{"cancellation"}, feedbackbot.Correction{RemoveThemes: []string{"cancellation"}}, ""},
		{"+cancellation", []string{"cancellation"}, feedbackbot.Correction{}, "There is no theme `cancellation`"},
		{"+billing themes=bug", nil, feedbackbot.Correction{}, "set the themes exactly or add and take away"},
		{"themes=bug +billing", nil, feedbackbot.Correction{}, "set the themes exactly or add and take away"},
		{"negative positive", nil, feedbackbot.Correction{}, "both set the sentiment"},
		{"reply=yes reply=no", nil, feedbackbot.Correction{}, "both set the reply"},
	} {
		got, _, err := bot.ParseCorrection(strings.Fields(c.words), themes, c.removable)
		if c.err != "" {
			if !strings.Contains(feedbackbot.ErrorMessage(err), c.err) {
				t.Errorf("%q: %v, want an error with %q", c.words, err, c.err)
			}
			continue
		}
		if err != nil || got.Sentiment != c.want.Sentiment || got.Intent != c.want.Intent || got.OnlyThemes != c.want.OnlyThemes ||
			!slices.Equal(got.AddThemes, c.want.AddThemes) || !slices.Equal(got.RemoveThemes, c.want.RemoveThemes) {
			t.Errorf("%q: %+v, %v; want %+v", c.words, got, err, c.want)
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

// hookedStore is a real store whose Apply runs hook once, first: the moment a
// staff correction lands between a worker's (or reanalyze's) read of the
// corrections and its write.
type hookedStore struct {
	store.Store
	once sync.Once
	hook func()
}

func (h *hookedStore) Apply(ctx context.Context, items ...store.Applied) (int, error) {
	h.once.Do(h.hook)
	return h.Store.Apply(ctx, items...)
}

// TestCorrectionDuringABatch: a correction saved, or undone, while a worker's
// batch with the message is on its way holds: the worker reads the corrections
// again after its write and applies the message again (its tags, under another
// analyzer name, replaced the correction's). Reanalyze reads them batch by batch,
// so one made while it runs holds too.
func TestCorrectionDuringABatch(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			a := analyzer(t)
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Analyzer: a, Themes: analysis.DefaultTaxonomy().Names()}
			correct := func(text string) {
				t.Helper()
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: text}); err != nil {
					t.Fatalf("%s: %v", text, err)
				}
			}
			label := func(key string) feedbackbot.SentimentLabel {
				t.Helper()
				s, err := st.Message(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				return s.Tags.Sentiment.Label
			}
			msg := func(id string) feedbackbot.Message {
				m := feedbackbot.Message{ID: "C1:" + id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "UC",
					Role: feedbackbot.RoleCustomer, Text: "thanks, the new dashboard is great!", Time: now.Add(-time.Hour)}
				if err := m.Normalize(); err != nil {
					t.Fatal(err)
				}
				return m
			}
			drainWith := func(hook func(), msgs ...feedbackbot.Message) {
				t.Helper()
				for _, m := range msgs {
					if _, err := st.Append(ctx, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m}); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := (&bot.Worker{Store: &hookedStore{Store: st, hook: hook}, Analyzer: a, Consumer: "t"}).Drain(ctx); err != nil {
					t.Fatal(err)
				}
			}
			m := msg("1700000000.000100")
			drainWith(func() { correct("correct https://x.slack.com/archives/C1/p1700000000000100 negative") }, m)
			if got := label(m.Key()); got != feedbackbot.Negative {
				t.Errorf("corrected during the batch that analysed it: %s, want negative", got)
			}
			edit := m
			edit.Text, edit.EditedAt = "thanks, the new dashboard is great!!", now.Add(-30*time.Minute)
			drainWith(func() { correct("correct https://x.slack.com/archives/C1/p1700000000000100 undo") }, edit)
			if got := label(m.Key()); got != feedbackbot.Positive {
				t.Errorf("undone during the batch of an edit: %s, want analysis's positive", got)
			}

			// Reanalyze: the second message is corrected while the first one's batch is written.
			m2 := msg("1700000001.000100")
			drainWith(func() {}, m2)
			hs := &hookedStore{Store: st, hook: func() { correct("correct https://x.slack.com/archives/C1/p1700000001000100 negative") }}
			res, err := bot.Reanalyze(ctx, hs, a, "T1", 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := label(m2.Key()); got != feedbackbot.Negative || res.Corrected != 1 {
				t.Errorf("corrected while reanalyze ran: %s, %d corrected; want negative, 1", got, res.Corrected)
			}
		})
	}
}

// TestCorrectionsAtOnceBothCount: two staff correcting one message at the same
// moment (one the sentiment, one a theme) both count: the message's lease holds
// each read, merge and write together.
func TestCorrectionsAtOnceBothCount(t *testing.T) {
	st := backends(t)["redis"](t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	for i := range 5 {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:170000000%d.000100", i), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: "UC", Role: feedbackbot.RoleCustomer, Text: "thanks, the new dashboard is great!", Time: now.Add(-time.Hour)})
	}
	captured(t, st, msgs...)
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Analyzer: analyzer(t), Themes: analysis.DefaultTaxonomy().Names()}
	for i, m := range msgs {
		link := fmt.Sprintf("https://x.slack.com/archives/C1/p170000000%d000100", i)
		var wg sync.WaitGroup
		for _, change := range []string{"negative", "+billing"} {
			wg.Go(func() {
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "U" + change, Staff: true, Text: "correct " + link + " " + change}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := st.Message(ctx, m.Key())
		if err != nil || got.Tags.Sentiment.Label != feedbackbot.Negative || !slices.Contains(got.Tags.Themes, "billing") {
			t.Errorf("message %d: %+v, %v; want both corrections, negative and billing", i, got.Tags, err)
		}
	}
}

// TestCorrectionOfARemovedTheme: a theme a correction added is not tagged once
// the taxonomy no longer has it (digests listed it still), and `-theme` takes it
// out of the correction.
func TestCorrectionOfARemovedTheme(t *testing.T) {
	st := backends(t)["bolt"](t)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	m := feedbackbot.Message{ID: "C1:1700000000.000100", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "UC",
		Role: feedbackbot.RoleCustomer, Text: "thanks, the new dashboard is great!", Time: now.Add(-time.Hour)}
	captured(t, st, m)
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Analyzer: analyzer(t), Themes: analysis.DefaultTaxonomy().Names()}
	run := func(b *bot.Bot, text string) {
		t.Helper()
		if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USTAFF", Staff: true, Text: text}); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
	}
	run(b, "correct https://x.slack.com/archives/C1/p1700000000000100 negative +billing")
	var tax analysis.Taxonomy
	for _, th := range analysis.DefaultTaxonomy() {
		if th.Name != "billing" {
			tax = append(tax, th)
		}
	}
	a2, err := analysis.New(tax)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Reanalyze(ctx, st, a2, "T1", 100, nil); err != nil {
		t.Fatal(err)
	}
	got, err := st.Message(ctx, m.Key())
	if err != nil || slices.Contains(got.Tags.Themes, "billing") || got.Tags.Sentiment.Label != feedbackbot.Negative {
		t.Errorf("after billing left the taxonomy: %+v, %v; want negative without billing", got.Tags, err)
	}
	b2 := &bot.Bot{Store: st, Now: func() time.Time { return now }, Analyzer: a2, Themes: tax.Names()}
	run(b2, "correct https://x.slack.com/archives/C1/p1700000000000100 -billing")
	raw, err := st.GetDoc(ctx, "T1", bot.DocCorrection, m.Key())
	var c feedbackbot.Correction
	if err != nil || json.Unmarshal(raw, &c) != nil || slices.Contains(c.AddThemes, "billing") || c.Sentiment != feedbackbot.Negative {
		t.Errorf("correction after -billing: %s, %v", raw, err)
	}
}

// TestDigestCountsCorrections: the digest says how many messages staff corrected
// in its period, by what they set; those of other periods, and none, say nothing.
func TestDigestCountsCorrections(t *testing.T) {
	st := backends(t)["bolt"](t)
	ctx := context.Background()
	end := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	yes := true
	for i, c := range []feedbackbot.Correction{
		{Sentiment: feedbackbot.Negative, Intent: feedbackbot.IntentComplaint, At: end.Add(-time.Hour)},
		{AddThemes: []string{"billing"}, NeedsReply: &yes, At: end.Add(-48 * time.Hour)},
		{Sentiment: feedbackbot.Positive, At: end.Add(-10 * 24 * time.Hour)}, // before the period
		{Intent: feedbackbot.IntentOther, At: end},                           // after it (its end is not in it)
	} {
		raw, _ := json.Marshal(c)
		if err := st.PutDoc(ctx, "T1", bot.DocCorrection, fmt.Sprintf("slack/T1/C1:%d.000100", i), raw); err != nil {
			t.Fatal(err)
		}
	}
	st.PutDoc(ctx, "T1", bot.DocCorrection, "slack/T1/C1:9.000100", []byte("{damaged"))
	d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: end.Add(-7 * 24 * time.Hour), To: end, Now: end})
	if err != nil {
		t.Fatal(err)
	}
	want := feedbackbot.CorrectionCounts{Messages: 2, Sentiment: 1, Intent: 1, Themes: 1, Reply: 1}
	if d.Corrections == nil || *d.Corrections != want {
		t.Fatalf("corrections %+v, want %+v", d.Corrections, want)
	}
	d.Messages, d.CustomerMessages = 1, 1 // past the "no messages" early return
	if got := docText(bot.DigestDocument(d, nil)); !strings.Contains(got, "*Staff corrections*\n• 2 messages corrected this period (sentiment 1, intent 1, themes 1, waiting for a reply 1)") {
		t.Errorf("digest text:\n%s", got)
	}
	d, err = bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: end.Add(-60 * 24 * time.Hour), To: end.Add(-30 * 24 * time.Hour), Now: end})
	if err != nil || d.Corrections != nil {
		t.Errorf("a period without corrections: %+v, %v", d.Corrections, err)
	}
}
