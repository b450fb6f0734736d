package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

type auditRecord struct {
	Time     time.Time `json:"time"`
	Platform string    `json:"platform"`
	User     string    `json:"user"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
}

func audits(t *testing.T, st store.Store) []auditRecord {
	t.Helper()
	docs, err := st.ListDocs(context.Background(), "T1", bot.DocAudit)
	if err != nil {
		t.Fatal(err)
	}
	var out []auditRecord
	for id, raw := range docs {
		var a auditRecord
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("audit %s: %v", id, err)
		}
		out = append(out, a)
	}
	return out
}

// auditFixture stores analysed messages of account acme by XDANA and an open alert.
func auditFixture(t testing.TB, st store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	var msgs []feedbackbot.Message
	for i := range 3 {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", now.Add(-time.Duration(i+1)*time.Hour).Unix()), Platform: feedbackbot.PlatformSlack,
			Workspace: "T1", Channel: "C1", Author: "XDANA", Role: feedbackbot.RoleCustomer, Account: "acme",
			Text: "we were charged twice and nobody answers", Time: now.Add(-time.Duration(i+1) * time.Hour)})
	}
	captured(t, st, msgs...)
	alert, _ := json.Marshal(feedbackbot.Alert{Fingerprint: "fp1", Workspace: "T1", Account: feedbackbot.Account{ID: "acme"}, Status: feedbackbot.AlertOpen})
	if err := st.PutDoc(ctx, "T1", bot.DocAlert, "fp1", alert); err != nil {
		t.Fatal(err)
	}
}

// TestCommandsAreAudited: every command that reveals or changes customer data writes
// one audit entry (who, what, about which account or person, when, on which
// platform), typed or pressed; help, refusals and survey answers write none. Two
// commands in the same clock tick keep both entries. A typed command's answer, other
// than a survey question, is for the caller only.
func TestCommandsAreAudited(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			auditFixture(t, st, now)
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }} // a fixed clock: every entry in the same tick
			steps := []struct {
				text           string
				button         bool
				action, target string
			}{
				{"log acme they want SSO", false, "log", "acme"},
				{"account acme", false, "account", "acme"},
				{"account.open acme", true, "account", "acme"},
				{"themes 30d", false, "themes", ""},
				{"risk", false, "risk", ""},
				{"digest 7d", false, "digest", ""},
				{"survey csat acme", false, "survey", "acme"},
				{"alert.ack fp1", true, "alert.ack", "fp1"},
				{"alert.snooze fp1", true, "alert.snooze", "fp1"},
				{"alert.ack fp1", false, "alert.ack", "fp1"}, // typed
				{"forget.confirm XDANA", true, "forget", "XDANA"},
			}
			for i, s := range steps {
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformDiscord, Workspace: "T1", User: "USAM",
					UserName: "sam", Staff: true, Button: s.button, Text: s.text})
				if err != nil {
					t.Fatalf("%s: %v", s.text, err)
				}
				if !doc.Ephemeral && !s.button && s.action != "survey" {
					t.Errorf("typed %q answers for the whole channel to see", s.text)
				}
				got := audits(t, st)
				if len(got) != i+1 {
					t.Fatalf("after %q: %d audit entries, want %d", s.text, len(got), i+1)
				}
				found := false
				for _, a := range got {
					if a.Action == s.action && a.Target == s.target && a.User == "USAM" && a.Platform == "discord" && a.Time.Equal(now) {
						found = true
					}
				}
				if !found {
					t.Fatalf("%q: no audit entry {%s %s USAM discord %v} in %+v", s.text, s.action, s.target, now, got)
				}
			}
			// Nothing is audited for what reveals nothing or is refused.
			n := len(audits(t, st))
			for _, c := range []feedbackbot.Command{
				{Workspace: "T1", User: "USAM", Staff: true, Text: "help"},
				{Workspace: "T1", User: "XLEE", Text: "account acme"},
				{Workspace: "T1", User: "XLEE", Button: true, Text: "alert.ack fp1"},
				{Workspace: "T1", User: "XLEE", Button: true, Text: "survey.answer csat|5|acme|"},
			} {
				if _, err := b.HandleCommand(ctx, c); err != nil {
					t.Fatalf("%q: %v", c.Text, err)
				}
			}
			if got := len(audits(t, st)); got != n {
				t.Errorf("help, refusals and survey answers wrote %d audit entries", got-n)
			}
		})
	}
}

// failingAudit is the real store whose audit writes fail (a full disk, a lost
// connection at the wrong moment).
type failingAudit struct{ store.Store }

func (f failingAudit) PutDoc(ctx context.Context, ws, kind, id string, data []byte) error {
	if kind == bot.DocAudit {
		return errors.New("injected: audit write failed")
	}
	return f.Store.PutDoc(ctx, ws, kind, id, data)
}

// TestUnauditedCommandIsNotCarriedOut: when the audit entry cannot be written, a
// command that reveals data answers with an error and reveals nothing, and one that
// changes data changes nothing (no logged feedback, alert left open, survey not
// marked asked, nobody forgotten).
func TestUnauditedCommandIsNotCarriedOut(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	auditFixture(t, st, now)
	backlog := func() int64 {
		n, err := st.Backlog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	b := &bot.Bot{Store: failingAudit{st}, Now: func() time.Time { return now }}
	for _, c := range []struct {
		text   string
		button bool
	}{
		{"log acme they want SSO", false}, {"account acme", false}, {"account.open acme", true}, {"themes", false}, {"risk", false},
		{"digest", false}, {"survey csat acme", false}, {"alert.ack fp1", true}, {"alert.snooze fp1", true}, {"forget.confirm XDANA", true},
	} {
		doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USAM", Staff: true, Button: c.button, Text: c.text})
		if err == nil {
			t.Errorf("%q carried out without an audit entry: %+v", c.text, doc)
			continue
		}
		if strings.Contains(feedbackbot.ErrorMessage(err), "charged twice") {
			t.Errorf("%q revealed data in its error: %v", c.text, err)
		}
	}
	if n := backlog(); n != 0 {
		t.Errorf("feedback was logged without an audit entry (%d waiting)", n)
	}
	raw, err := st.GetDoc(ctx, "T1", bot.DocAlert, "fp1")
	if err != nil || !strings.Contains(string(raw), `"status":"open"`) {
		t.Errorf("the alert changed without an audit entry: %s %v", raw, err)
	}
	if _, err := st.GetDoc(ctx, "T1", bot.DocSurveyAsked, "csat|acme"); !feedbackbot.IsNotFound(err) {
		t.Errorf("the survey was marked asked without an audit entry: %v", err)
	}
	if n := authored(t, st, "XDANA"); n != 3 {
		t.Errorf("forget ran without an audit entry: %d of 3 messages left", n)
	}
	if got := audits(t, st); len(got) != 0 {
		t.Errorf("audit entries: %+v", got)
	}
}

// TestLoggedTextStoredAsWritten: a logged message is stored as the customer said it
// (Slack's escapes of a command's text are undone by the Slack adapter:
// TestSlashCommandTextUnescaped), and quoted with the escapes every document's text
// has (a staff member's "<!channel>" in a log reached the internal channel as a
// live broadcast).
func TestLoggedTextStoredAsWritten(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	auditFixture(t, st, now)
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
	const said = "the page shows <b> & <!channel>"
	for _, c := range []struct {
		platform feedbackbot.Platform
		typed    string
	}{
		{feedbackbot.PlatformSlack, said}, // (as the Slack adapter hands it on)
		{feedbackbot.PlatformDiscord, said},
	} {
		now = now.Add(time.Minute)
		if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: c.platform, Workspace: "T1", User: "USAM", Staff: true, Text: "log acme " + c.typed}); err != nil {
			t.Fatal(err)
		}
		if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := st.Messages(ctx, store.Query{Workspace: "T1", Account: "acme", From: now, To: now.Add(time.Second)})
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s: %d logged messages, %v", c.platform, len(rows), err)
		}
		if got := rows[0].Message.Text; got != said {
			t.Errorf("logged from %s: stored %q, want %q", c.platform, got, said)
		}
		if q := feedbackbot.QuoteText(rows[0].Message); strings.Contains(q, "<") {
			t.Errorf("logged from %s: quoted %q, with markup", c.platform, q)
		}
	}
}

// TestTypedTextNamesAndEchoes: typed text as an adapter delivers it (Slack's
// escapes undone: TestSlashCommandTextUnescaped in adapters/slack) finds the account
// named "AT&T", and what a reply echoes of it is escaped, so "<!channel>" stays text.
func TestTypedTextNamesAndEchoes(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Accounts: map[string]feedbackbot.Account{"att": {ID: "att", Name: "AT&T"}}}
	if _, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USAM", Staff: true,
		Text: "log AT&T the bill is wrong"}); err != nil { // (as typed: the Slack adapter undoes Slack's escapes)
		t.Fatalf("log AT&T: %v", err)
	}
	if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := st.Messages(ctx, store.Query{Workspace: "T1", Account: "att"})
	if err != nil || len(rows) != 1 || rows[0].Message.Text != "the bill is wrong" {
		t.Fatalf("logged for AT&T: %d messages, %v", len(rows), err)
	}
	for _, typed := range []string{"account <!channel>", "digest <!here>", "<!channel>", "forget U1<!channel>"} {
		doc, err := b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "USAM", Staff: true, Text: typed})
		shown := feedbackbot.ErrorMessage(err)
		for _, bl := range doc.Blocks {
			shown += bl.Text
		}
		if strings.Contains(shown, "<!") || !strings.Contains(shown, "&lt;!") {
			t.Errorf("%q: the reply echoes the typed text unescaped: %q", typed, shown)
		}
	}
}
