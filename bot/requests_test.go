package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/stats"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestFeatureRequestsRoundTrip: customers ask for features in chat; /feedback
// requests, the digest and ReadRequests group the requests by what they ask for
// (a thread's once, staff's not at all), name the accounts and their value, and
// show what a Kano survey about the feature found.
func TestFeatureRequestsRoundTrip(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			accounts := map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme", Value: 12000}, "blue": {ID: "blue", Name: "Blue"},
				"globex": {ID: "globex", Name: "Globex", Value: 50000}}
			b := &bot.Bot{Store: st, Accounts: accounts, Now: func() time.Time { return now }}
			at := func(d time.Duration) time.Time { return now.Add(-d) }
			msg := func(id, account, channel, thread string, role feedbackbot.Role, text string, t time.Time) feedbackbot.Message {
				return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: channel, Thread: thread,
					Author: "U" + strings.ToUpper(account), Role: role, Account: account, Text: text, Time: t}
			}
			captured(t, st,
				msg("C1:1", "acme", "C1", "", feedbackbot.RoleCustomer, "Would love dark mode for the dashboards, the white is blinding", at(72*time.Hour)),
				msg("C2:1", "blue", "C2", "", feedbackbot.RoleCustomer, "is there a dark mode?", at(48*time.Hour)),
				msg("C2:2", "blue", "C2", "C2:1", feedbackbot.RoleStaff, "Not yet, it's on the roadmap.", at(47*time.Hour)),
				msg("C2:3", "blue", "C2", "C2:1", feedbackbot.RoleCustomer, "ok, would be great to have dark mode soon", at(46*time.Hour)),
				msg("C3:1", "globex", "C3", "", feedbackbot.RoleCustomer, "We need SAML SSO before our renewal, please add it", at(30*time.Hour)),
				msg("C1:2", "acme", "C1", "", feedbackbot.RoleCustomer, "the export is broken since the release", at(20*time.Hour)),
				msg("C1:3", "acme", "C1", "", feedbackbot.RoleStaff, "Dark mode ships next month, and a Terraform provider too", at(10*time.Hour)),
			)
			// Kano: dark mode asked of Acme and answered (one-dimensional); SAML SSO
			// asked of Globex, not answered yet.
			doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Channel: "C1", Text: "survey kano acme Dark mode"})
			if err != nil {
				t.Fatal(err)
			}
			rows := kanoRows(doc)
			for q, answer := range []int{stats.KanoLike, stats.KanoDislike} {
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "UACME", Button: true, Text: "survey.answer " + rows[q][answer-1].Value}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Channel: "C3", Text: "survey kano globex SAML single sign-on (SSO)"}); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Hour)

			rep, err := bot.ReadRequests(ctx, st, "T1", now.Add(-30*24*time.Hour), now, accounts, 10, bot.MaxRequestScan)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Messages != 7 || rep.Partial {
				t.Errorf("read %d messages (partial %v), want all 7", rep.Messages, rep.Partial)
			}
			if len(rep.Requests) != 2 {
				t.Fatalf("want dark mode and SSO, got %+v", rep.Requests)
			}
			dark, sso := rep.Requests[0], rep.Requests[1]
			if dark.Label != "dark mode" || len(dark.Accounts) != 2 || dark.Accounts[0].Name != "Acme" || dark.Accounts[1].Name != "Blue" ||
				dark.Requests != 2 || dark.Value != 12000 {
				t.Errorf("dark mode: %+v (want Acme and Blue, Blue's thread once, Acme's value)", dark)
			}
			if dark.Kano == nil || dark.Kano.Category != string(stats.KanoOneDimensional) || dark.Kano.Tally.Total() != 1 {
				t.Errorf("dark mode's Kano result: %+v", dark.Kano)
			}
			if dark.Quote.MessageKey == "" || !strings.Contains(strings.ToLower(dark.Quote.Text), "dark mode") {
				t.Errorf("dark mode's quote: %+v", dark.Quote)
			}
			if sso.Label != "SAML SSO" || sso.Kano == nil || sso.Kano.Category != "" || sso.Kano.Name != "SAML single sign-on (SSO)" || sso.Value != 50000 {
				t.Errorf("sso: %+v (kano %+v)", sso, sso.Kano)
			}

			doc, err = b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Channel: "C9", Text: "requests 30d"})
			if err != nil || !doc.Ephemeral {
				t.Fatalf("requests: %v %+v", err, doc)
			}
			text := docText(doc)
			for _, want := range []string{"dark mode — 2 accounts: Acme, Blue; $12k/yr; Kano: one-dimensional (1 customer)",
				"SAML SSO — 1 account: Globex; $50k/yr; Kano survey “SAML single sign-on (SSO)”: no complete answers yet"} {
				if !strings.Contains(text, want) {
					t.Errorf("/feedback requests lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(strings.ToLower(text), "terraform") {
				t.Errorf("a staff message is not a customer's request:\n%s", text)
			}

			d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: now.Add(-7 * 24 * time.Hour), To: now, Now: now, Accounts: accounts})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Requests) != 2 || d.Requests[0].Label != "dark mode" || d.Requests[0].Kano == nil || d.Requests[1].Kano == nil {
				t.Fatalf("digest requests: %+v", d.Requests)
			}
			if !strings.Contains(docText(bot.DigestDocument(d, nil)), "What customers asked for") {
				t.Error("the digest does not show the requests")
			}

			// A period with none says so.
			doc, err = b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "USTAFF", Staff: true, Channel: "C9", Text: "requests 1h"})
			if err != nil || !strings.Contains(docText(doc), "No feature requests") {
				t.Fatalf("requests 1h: %v %s", err, docText(doc))
			}
		})
	}
}

// TestReadRequestsStopsAtMax: a period of more messages than the bound is read
// newest first up to it, and said partial.
func TestReadRequestsStopsAtMax(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	for i := range 5 {
		msgs = append(msgs, feedbackbot.Message{ID: "C1:" + string(rune('a'+i)), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
			Author: "U1", Role: feedbackbot.RoleCustomer, Account: "acme", Text: "would love dark mode", Time: now.Add(-time.Duration(i+1) * time.Hour)})
	}
	captured(t, st, msgs...)
	rep, err := bot.ReadRequests(t.Context(), st, "T1", now.Add(-24*time.Hour), now, nil, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Messages != 3 || !rep.Partial || len(rep.Requests) != 1 || rep.Requests[0].Requests != 3 {
		t.Fatalf("read %d (partial %v): %+v; want the newest 3, partial", rep.Messages, rep.Partial, rep.Requests)
	}
}

// TestRequestsOfCustomersOfNoAccount: customers whose messages carry no account
// are each one asker, by who they are, and no account: not one blank account
// merging them (a review's find: "2 account(s): , Acme").
func TestRequestsOfCustomersOfNoAccount(t *testing.T) {
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	msg := func(id, account, author, text string) feedbackbot.Message {
		return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: author,
			Role: feedbackbot.RoleCustomer, Account: account, Text: text, Time: now.Add(-time.Hour)}
	}
	captured(t, st,
		msg("C1:1", "", "UANN", "would love dark mode"),
		msg("C1:2", "", "UBOB", "any plans for dark mode?"),
		msg("C1:3", "acme", "UACME", "dark mode please"),
	)
	rep, err := bot.ReadRequests(t.Context(), st, "T1", now.Add(-24*time.Hour), now, map[string]feedbackbot.Account{"acme": {ID: "acme", Name: "Acme"}}, 10, bot.MaxRequestScan)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Requests) != 1 {
		t.Fatalf("requests: %+v", rep.Requests)
	}
	r := rep.Requests[0]
	if r.Label != "dark mode" { // (every message of the period uses it: the pair still says more than "dark")
		t.Errorf("label %q, want dark mode", r.Label)
	}
	if len(r.Accounts) != 1 || r.Accounts[0].ID != "acme" || r.People != 2 || r.Requests != 3 {
		t.Errorf("dark mode: accounts %+v, people %d, requests %d; want Acme and 2 customers of no account", r.Accounts, r.People, r.Requests)
	}
	if line := bot.RequestLine(r); !strings.Contains(line, "1 account: Acme; and 2 customers of no account") {
		t.Errorf("line: %s", line)
	}
}
