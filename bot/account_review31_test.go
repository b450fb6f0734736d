package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// acctMsg is a message of an account scenario with the tags analysis would give it.
type acctMsg struct {
	platform  feedbackbot.Platform // Slack when empty
	age       time.Duration        // before now
	staff     bool
	score     float64
	intent    feedbackbot.Intent
	themes    []string
	ask       bool
	text      string
	permalink string
}

// putAcctMsgs stores msgs of account acct (named name, in channel C<acct>) as of
// now with their tags, in the embedded store st.
func putAcctMsgs(t *testing.T, st store.Store, now time.Time, acct, name string, msgs ...acctMsg) {
	t.Helper()
	tags := map[string]feedbackbot.Tags{}
	var evs []feedbackbot.Event
	for i, r := range msgs {
		at := now.Add(-r.age)
		p := r.platform
		if p == "" {
			p = feedbackbot.PlatformSlack
		}
		role, author := feedbackbot.RoleCustomer, "U"+acct
		if r.staff {
			role, author = feedbackbot.RoleStaff, "USTAFF"
		}
		m := feedbackbot.Message{ID: fmt.Sprintf("C%s:%d.%06d", acct, at.Unix(), i), Platform: p, Workspace: "T1", Channel: "C" + acct,
			Author: author, AuthorName: author, Role: role, Account: acct, AccountName: name, Text: r.text, Time: at, Permalink: r.permalink}
		if err := m.Normalize(); err != nil {
			t.Fatal(err)
		}
		tags[m.Key()] = feedbackbot.Tags{Sentiment: feedbackbot.Sentiment{Score: r.score, Label: feedbackbot.LabelFor(r.score)},
			NeedsReply: r.ask, Intent: r.intent, Themes: r.themes, Analyzer: "test"}
		evs = append(evs, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
	}
	storetest.AppendApplyEach(context.Background(), t, st, evs, func(e store.Entry) feedbackbot.Tags { return tags[e.Event.Message.Key()] })
}

// acctNotes are n neutral customer messages a day or two old: the latest messages,
// so that what the reply quotes of the reasons comes from their evidence alone.
func acctNotes(n int) []acctMsg {
	var out []acctMsg
	for i := range n {
		out = append(out, acctMsg{age: 48*time.Hour - time.Duration(i)*time.Hour, text: fmt.Sprintf("note %d from the team", i)})
	}
	return out
}

// TestAccountReplyGivesEvidenceAndNextStep: /feedback account gives every reason
// with the quotes (their time linked to the message) and figures behind it, and
// the suggested next step when the account is at risk, as risk --account and the
// alert do (README: "Both give the score, every reason with its points, the quotes
// and figures behind each, the next step when at risk"). It gave the reasons'
// texts alone: which question waits, and who said they are leaving, were not
// there when the latest messages were others. A quote pings no one: a Slack
// entity split by a line break, and a Discord member's mentions, stay text.
func TestAccountReplyGivesEvidenceAndNextStep(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const link = "https://cobalt.slack.com/archives/Ccobalt/p1763197200000100"
	for _, c := range []struct {
		name      string
		platform  feedbackbot.Platform
		msgs      []acctMsg
		atRisk    string // "yes", "no", or "" (either)
		want, not []string
	}{
		{
			name: "churn and a waiting question", atRisk: "yes",
			msgs: append([]acctMsg{
				{age: 6 * 24 * time.Hour, score: -0.3, intent: feedbackbot.IntentChurnSignal, themes: []string{"cancellation"},
					text: "we are evaluating other vendors for next year", permalink: link},
				{age: 5 * 24 * time.Hour, score: -0.4, intent: feedbackbot.IntentChurnSignal, themes: []string{"cancellation"},
					text: "finance asked us to look at downgrading to the basic plan"},
				{age: 3 * 24 * time.Hour, score: -0.2, intent: feedbackbot.IntentQuestion, ask: true, text: "how do we rotate the API key without downtime?"},
			}, acctNotes(5)...),
			want: []string{
				"• 2 churn signals", "    > “finance asked us to look at downgrading to the basic plan” — Nov 15 09:00",
				"    > “we are evaluating other vendors for next year” — <" + link + "|Nov 14 09:00>",
				"• 1 customer question still waiting", "    > “how do we rotate the API key without downtime?” — Nov 17 09:00",
				"*Suggested next step:* Call the account owner today",
			},
		},
		{
			name: "a sentiment drop's figure", atRisk: "yes",
			msgs: func() []acctMsg {
				var out []acctMsg
				for d := 50; d >= 20; d -= 2 {
					out = append(out, acctMsg{age: time.Duration(d) * 24 * time.Hour, score: 0.6, text: "all good, thanks"})
				}
				for d := 10; d >= 1; d-- {
					out = append(out, acctMsg{age: time.Duration(d) * 24 * time.Hour, score: -0.7, intent: feedbackbot.IntentComplaint, text: fmt.Sprintf("the sync failed again, day %d", d)})
				}
				return out
			}(),
			want: []string{"Sentiment fell from", "    baseline +0.60 over", "    > “the sync failed again, day", "*Suggested next step:* "},
		},
		{
			name: "healthy: no next step", atRisk: "no",
			msgs: []acctMsg{{age: 24 * time.Hour, score: 0.2, text: "thanks, that fixed it"}, {age: 23 * time.Hour, staff: true, text: "glad to hear"}},
			not:  []string{"next step"},
		},
		{
			// (QuoteText leaves a Slack entity holding a line break; ShortText joins it)
			name: "slack markup split by a line break",
			msgs: append([]acctMsg{{age: 3 * 24 * time.Hour, score: -0.6, intent: feedbackbot.IntentChurnSignal, themes: []string{"cancellation"},
				text: "we are cancelling <!channel|\nheads up> and <!everyone> too"}}, acctNotes(5)...),
			want: []string{"    > “we are cancelling ", " and @everyone too”"},
			not:  []string{"<!channel", "<!everyone"},
		},
		{
			name: "discord mentions", platform: feedbackbot.PlatformDiscord,
			msgs: append([]acctMsg{{platform: feedbackbot.PlatformDiscord, age: 3 * 24 * time.Hour, score: -0.6, intent: feedbackbot.IntentChurnSignal,
				themes: []string{"cancellation"}, text: "@everyone we are leaving <@&123> <!channel> [login](https://evil.example)"}}, acctNotes(5)...),
			want: []string{"@everyone we are leaving &lt;@&amp;123&gt; &lt;!channel&gt;"},
			not:  []string{"<!channel", "<@&"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st := backends(t)["bolt"](t)
			for i := range c.msgs {
				if c.msgs[i].platform == "" {
					c.msgs[i].platform = c.platform
				}
			}
			putAcctMsgs(t, st, now, "cobalt", "Cobalt Retail", c.msgs...)
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
			doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: acctPlatform(c.platform), Workspace: "T1", User: "U1", Staff: true, Text: "account cobalt"})
			if err != nil {
				t.Fatal(err)
			}
			got := docText(doc)
			if c.atRisk != "" && !strings.Contains(got, "At risk: "+c.atRisk) {
				t.Fatalf("not at risk: %s:\n%s", c.atRisk, got)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q in\n%s", w, got)
				}
			}
			for _, w := range c.not {
				if strings.Contains(got, w) {
					t.Errorf("%q in\n%s", w, got)
				}
			}
			if strings.Contains(got, "At risk: yes") {
				// the alert's next step, the one risk --account gives
				hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "T1", Now: now, Only: "cobalt", SkipSilent: true})
				if err != nil || len(hs) != 1 {
					t.Fatalf("risk: %v, %v", hs, err)
				}
				if step := bot.AlertFor("T1", hs[0], now).NextStep; !strings.Contains(got, "*Suggested next step:* "+step) {
					t.Errorf("no next step %q in\n%s", step, got)
				}
			}
		})
	}
}

func acctPlatform(p feedbackbot.Platform) feedbackbot.Platform {
	if p == "" {
		return feedbackbot.PlatformSlack
	}
	return p
}

// TestAccountHelpSaysWhatTheReplyGives: the help promised "trend … open
// questions", which the reply does not give as such (a sentiment trend only in a
// drop's reason, questions only once waiting past their target); it names what
// the reply gives.
func TestAccountHelpSaysWhatTheReplyGives(t *testing.T) {
	var line string
	for l := range strings.Lines(bot.HelpText) {
		if strings.Contains(l, "`account ACCOUNT`") {
			line = l
		}
	}
	for _, w := range []string{"quotes and figures", "next step when at risk", "how they felt", "latest messages", "where its alert stands"} {
		if !strings.Contains(line, w) {
			t.Errorf("the help's account line has no %q: %q", w, line)
		}
	}
	for _, w := range []string{"trend", "open questions"} {
		if strings.Contains(line, w) {
			t.Errorf("the help's account line promises %q, which the reply does not give: %q", w, line)
		}
	}
}

// TestResolveAccountNameOfSeveralConfigured: a name or id (any case) that several
// configured accounts answer to is refused, naming them in their ids' order, the
// same every time; it answered with whichever the map gave first. An id given
// exactly, as configured, is the one account; a name one account has is that one.
func TestResolveAccountNameOfSeveralConfigured(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	configured := map[string]feedbackbot.Account{
		"acme-us": {ID: "acme-us", Name: "Acme Corp", Value: 120000},
		"acme-eu": {ID: "acme-eu", Name: "Acme Corp", Value: 30000},
		"acme-ap": {ID: "acme-ap", Name: "ACME CORP"},
		"globex":  {ID: "globex", Name: "Globex"},
		"gx":      {ID: "gx", Name: "GLOBEX"}, // a name another's id is, in another case
		"initech": {ID: "initech", Name: "Initech"},
	}
	for _, c := range []struct {
		q, id, err string
	}{
		{q: "acme corp", err: `"acme corp" matches several accounts: ACME CORP (acme-ap), Acme Corp (acme-eu), Acme Corp (acme-us); give the id.`},
		{q: "Acme Corp", err: `"Acme Corp" matches several accounts: ACME CORP (acme-ap), Acme Corp (acme-eu), Acme Corp (acme-us); give the id.`},
		{q: "Globex", err: `"Globex" matches several accounts: Globex (globex), GLOBEX (gx); give the id.`},
		{q: "globex", id: "globex"}, // the id as configured
		{q: "acme-eu", id: "acme-eu"},
		{q: "ACME-EU", id: "acme-eu"},
		{q: "initech", id: "initech"},
		{q: "INITECH", id: "initech"},
	} {
		for range 20 { // (map order differs between runs)
			a, err := bot.ResolveAccount(ctx, st, configured, "T1", c.q)
			if c.err != "" {
				if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || feedbackbot.ErrorMessage(err) != c.err {
					t.Fatalf("%q: %+v, %v; want EINVALID %q", c.q, a, err, c.err)
				}
				continue
			}
			if err != nil || a.ID != c.id {
				t.Fatalf("%q: %+v, %v; want %s", c.q, a, err, c.id)
			}
		}
	}
	// The command says so, and shows neither account.
	b := &bot.Bot{Store: st, Accounts: configured, Now: func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) }}
	doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "U1", Staff: true, Text: "account acme corp"})
	if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || !strings.Contains(feedbackbot.ErrorMessage(err), "matches several accounts") {
		t.Errorf("account acme corp: %q, %v", docText(doc), err)
	}
}

// TestAccountReplyReasonsKeepWithinOneMessage: an account with many reasons,
// each with long quotes, gets every reason's text and as much evidence as fits,
// each reason's first quote before any reason's second, the rest counted; the
// whole reply stays within Discord's 6,000 characters (which cut the alert's
// state and the latest messages off the end).
func TestAccountReplyReasonsKeepWithinOneMessage(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	long := strings.Repeat("the export keeps failing and we cannot reach anyone about it, ", 5)
	link := func(i int) string {
		return fmt.Sprintf("https://discord.com/channels/112233445566778899/223344556677889900/%018d", i)
	}
	var msgs []acctMsg
	for d := 50; d >= 20; d -= 2 {
		msgs = append(msgs, acctMsg{age: time.Duration(d) * 24 * time.Hour, score: 0.6, text: "all good, thanks " + long, permalink: link(d)})
	}
	for i := range 12 {
		m := acctMsg{age: time.Duration(13-i) * 24 * time.Hour, score: -0.8, intent: feedbackbot.IntentComplaint, themes: []string{"bug"},
			text: fmt.Sprintf("%d %s", i, long), permalink: link(100 + i)}
		switch i % 3 {
		case 0:
			m.intent, m.themes = feedbackbot.IntentChurnSignal, []string{"cancellation"}
		case 1:
			m.intent, m.ask = feedbackbot.IntentQuestion, true
		}
		msgs = append(msgs, m)
	}
	putAcctMsgs(t, st, now, "cobalt", strings.Repeat("Cobalt Retail ", 4), msgs...)
	hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "T1", Now: now, Only: "cobalt", SkipSilent: true})
	if err != nil || len(hs) != 1 || len(hs[0].Reasons) < 4 {
		t.Fatalf("setup: %+v, %v", hs, err)
	}
	// its alert, open and acknowledged: the reply says where it stands
	al := bot.AlertFor("T1", hs[0], now.Add(-5*24*time.Hour))
	al.Status, al.AckedBy, al.AnsweredAt = feedbackbot.AlertAcknowledged, strings.Repeat("maria ", 6), now.Add(-4*24*time.Hour)
	raw, err := json.Marshal(al)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutDoc(ctx, "T1", bot.DocAlert, al.Fingerprint, raw); err != nil {
		t.Fatal(err)
	}
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
	doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformDiscord, Workspace: "T1", User: "U1", Staff: true, Text: "account cobalt"})
	if err != nil {
		t.Fatal(err)
	}
	got := docText(doc)
	if !strings.Contains(got, "*Alert* ") {
		t.Errorf("the reply does not say where its alert stands:\n%s", got)
	}
	quotes := 0
	for _, r := range hs[0].Reasons {
		if !strings.Contains(got, r.Text) {
			t.Errorf("reason %q left out:\n%s", r.Text, got)
		}
		quotes += len(r.Evidence)
	}
	if !strings.Contains(got, "left out to fit the message") {
		t.Errorf("%d pieces of evidence, none said left out:\n%s", quotes, got)
	}
	// each reason with evidence gives its first
	for block := range strings.SplitSeq(got, "\n• ") {
		if strings.Contains(block, "churn signal") || strings.Contains(block, "still waiting") {
			if !strings.Contains(block, "    > “") {
				t.Errorf("a reason with quotes shows none:\n%s", block)
			}
		}
	}
	if !strings.Contains(got, "*Latest messages*") || !strings.Contains(got, "*Suggested next step:*") {
		t.Errorf("the reply lost its next step or latest messages:\n%s", got)
	}
	if n := acctReplySize(doc); n > 6000 {
		t.Errorf("the reply is %d characters, over Discord's 6,000:\n%s", n, got)
	}
	for _, bl := range doc.Blocks {
		if n := len([]rune(bl.Text)); n > 4096 {
			t.Errorf("a block of %d characters, over a Discord description's 4,096", n)
		}
	}
}

// acctReplySize is how many characters a reply shows: its blocks' texts and fields.
func acctReplySize(d feedbackbot.Document) int {
	n := 0
	for _, bl := range d.Blocks {
		n += len([]rune(bl.Text))
		for _, f := range bl.Fields {
			n += len([]rune(f.Label)) + len([]rune(f.Value))
		}
	}
	return n
}
