package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// storeReads counts the store's reads that resolving an account makes: the
// account list, and the pages of messages its stored names are read from.
type storeReads struct {
	store.Store
	accounts, messages atomic.Int64
}

func (c *storeReads) Accounts(ctx context.Context, ws string) ([]string, error) {
	c.accounts.Add(1)
	return c.Store.Accounts(ctx, ws)
}

func (c *storeReads) Messages(ctx context.Context, q store.Query) ([]store.Stored, error) {
	c.messages.Add(1)
	return c.Store.Messages(ctx, q)
}

// refusal is what a command naming several accounts must answer: EINVALID, naming
// them in their ids' order.
func refusal(q string, choices ...string) string {
	return fmt.Sprintf("%q matches several accounts: %s; give the id.", q, strings.Join(choices, ", "))
}

// TestLeadingRunNamingSeveralAccountsIsRefused: /feedback log and survey read the
// account as the longest run of leading words naming one; a run naming several
// (two configured accounts named "Acme Corp") was passed over for a shorter one,
// so "log Acme Corp they want SSO" logged "Corp they want SSO" for a third
// account, "Acme", and "survey csat Acme Corp" asked Acme. Such a run is refused,
// as "account Acme Corp" is, with the accounts in their ids' order; an id, or a
// name one account has, still picks it.
func TestLeadingRunNamingSeveralAccountsIsRefused(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	configured := map[string]feedbackbot.Account{
		"acme-us": {ID: "acme-us", Name: "Acme Corp"},
		"acme-eu": {ID: "acme-eu", Name: "Acme Corp"},
		"acme":    {ID: "acme", Name: "Acme"},
	}
	several := refusal("Acme Corp", "Acme Corp (acme-eu)", "Acme Corp (acme-us)")
	tests := []struct {
		text    string
		err     string // the refusal, or "" for none
		account string // the account logged for or asked, without err
		logged  string // the text logged
	}{
		{text: "log Acme Corp they want SSO", err: several},
		{text: "log acme corp they want SSO", err: refusal("acme corp", "Acme Corp (acme-eu)", "Acme Corp (acme-us)")},
		{text: "log Acme Corp", err: several}, // (it logged "Corp" for Acme)
		{text: "log Acme Corp SSO", err: several},
		{text: "survey csat Acme Corp", err: several},
		{text: "survey nps Acme Corp 1795168800.000100", err: several},
		{text: "survey Acme Corp", err: several},
		{text: "survey kano Acme Corp SSO with SAML", err: several},
		{text: "survey kano Acme Corp SSO", err: several},
		{text: "log acme-us they want SSO", account: "acme-us", logged: "they want SSO"},
		{text: "log Acme they want SSO", account: "acme", logged: "they want SSO"},
		{text: "survey csat acme-eu", account: "acme-eu"},
		{text: "survey csat Acme", account: "acme"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			st := backends(t)["bolt"](t)
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Accounts: configured}
			doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", Channel: "C1", User: "USTAFF", Staff: true, Text: tt.text})
			if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(t.Context()); err != nil {
				t.Fatal(err) // (what was logged is stored)
			}
			if tt.err != "" {
				if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || feedbackbot.ErrorMessage(err) != tt.err {
					t.Fatalf("reply %q, err %v; want EINVALID %q", docText(doc), err, tt.err)
				}
				for id := range configured {
					if msgs, _ := st.Messages(t.Context(), store.Query{Workspace: "T1", Account: id, To: now.Add(time.Hour)}); len(msgs) > 0 {
						t.Errorf("logged for %s: %q", id, msgs[0].Message.Text)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("reply %q, err %v; want it for %s", docText(doc), err, tt.account)
			}
			if tt.logged != "" {
				msgs, _ := st.Messages(t.Context(), store.Query{Workspace: "T1", Account: tt.account, To: now.Add(time.Hour)})
				if len(msgs) != 1 || msgs[0].Message.Text != tt.logged {
					t.Errorf("logged for %s: %+v; want %q", tt.account, msgs, tt.logged)
				}
				return
			}
			var value string
			for _, bl := range doc.Blocks {
				for _, bt := range bl.Buttons {
					value = bt.Value
				}
			}
			if !strings.Contains(value, "|"+tt.account+"|") {
				t.Errorf("survey buttons %q; want them for %s", value, tt.account)
			}
		})
	}
}

// TestConfiguredNameSharedWithStoredName: a configured account and an
// unconfigured one (a Slack Connect team seen in history, named by its messages)
// both named "Acme Corp": the configured one was the answer, without a word of the
// other, so staff read one company's health as the other's. The name is refused
// by account, log and survey alike, naming both; each id, in any case, picks its
// account; a configured name no stored name shares, and a stored name no
// configured one shares, still pick theirs.
func TestConfiguredNameSharedWithStoredName(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	st := backends(t)["bolt"](t)
	putAcctMsgs(t, st, now, "acmeus", "Acme Corp", acctMsg{age: 24 * time.Hour, text: "all good"})
	putAcctMsgs(t, st, now, "TACMEEU", "Acme Corp", acctMsg{age: 24 * time.Hour, text: "we are leaving"})
	putAcctMsgs(t, st, now, "TINIT", "Initech", acctMsg{age: 24 * time.Hour, text: "hello"})
	putAcctMsgs(t, st, now, "globex", "Globex Inc", acctMsg{age: 24 * time.Hour, text: "hi"})
	configured := map[string]feedbackbot.Account{
		"acmeus": {ID: "acmeus", Name: "Acme Corp"},
		"globex": {ID: "globex", Name: "Globex"},
	}
	several := refusal("Acme Corp", "Acme Corp (TACMEEU)", "Acme Corp (acmeus)")
	t.Run("ResolveAccount", func(t *testing.T) {
		for _, tt := range []struct{ q, id, err string }{
			{q: "Acme Corp", err: several},
			{q: "ACME CORP", err: refusal("ACME CORP", "Acme Corp (TACMEEU)", "Acme Corp (acmeus)")},
			{q: "acmeus", id: "acmeus"},
			{q: "ACMEUS", id: "acmeus"},
			{q: "TACMEEU", id: "TACMEEU"},
			{q: "Globex", id: "globex"},
			{q: "Globex Inc", id: "globex"}, // its stored name, no configured one matching
			{q: "Initech", id: "TINIT"},
		} {
			a, err := bot.ResolveAccount(t.Context(), st, configured, "T1", tt.q)
			if tt.err != "" {
				if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || feedbackbot.ErrorMessage(err) != tt.err {
					t.Errorf("%q: %+v, %v; want EINVALID %q", tt.q, a, err, tt.err)
				}
				continue
			}
			if err != nil || a.ID != tt.id {
				t.Errorf("%q: %+v, %v; want %s", tt.q, a, err, tt.id)
			}
		}
	})
	for _, text := range []string{"account Acme Corp", "log Acme Corp they want SSO", "log Acme Corp hi", "survey csat Acme Corp", "survey kano Acme Corp SSO"} {
		t.Run(text, func(t *testing.T) {
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }, Accounts: configured}
			doc, err := b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", Channel: "C1", User: "USTAFF", Staff: true, Text: text})
			if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID || feedbackbot.ErrorMessage(err) != several {
				t.Errorf("reply %q, err %v; want EINVALID %q", docText(doc), err, several)
			}
		})
	}
}

// TestResolveAccountStoreReads: what resolving an account reads of the store. An
// id as configured reads nothing; a configured name one account has lists the
// accounts and reads the stored names of the unconfigured ones only (a page of
// messages each: the check that none shares the name), where it read nothing
// before; a name no configured account has reads every account's, as before.
func TestResolveAccountStoreReads(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const unconfigured = 6
	configured := map[string]feedbackbot.Account{
		"acmeus": {ID: "acmeus", Name: "Acme Corp"},
		"globex": {ID: "globex", Name: "Globex"},
	}
	tests := []struct {
		name               string
		others             int    // unconfigured accounts with messages
		q                  string // ResolveAccount's query
		command            string // else a command's text
		accounts, messages int64
	}{
		{name: "configured id", others: unconfigured, q: "acmeus"},
		{name: "configured id, another case", others: unconfigured, q: "ACMEUS"},
		{name: "configured name, every account configured", q: "Acme Corp", accounts: 1},
		{name: "configured name, unconfigured accounts too", others: unconfigured, q: "Acme Corp", accounts: 1, messages: unconfigured},
		{name: "stored name", others: unconfigured, q: "Team 3", accounts: 1, messages: unconfigured + 2},
		{name: "survey by configured id", others: unconfigured, command: "survey csat acmeus"},
		{name: "kano survey by configured id", others: unconfigured, command: "survey kano acmeus SSO"},
		{name: "survey by configured name", others: unconfigured, command: "survey csat Acme Corp", accounts: 1, messages: unconfigured},
		{name: "kano survey by configured name", others: unconfigured, command: "survey kano Acme Corp SSO", accounts: 1, messages: unconfigured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := backends(t)["bolt"](t)
			putAcctMsgs(t, st, now, "acmeus", "Acme Corp", acctMsg{age: time.Hour, text: "hi"})
			putAcctMsgs(t, st, now, "globex", "Globex", acctMsg{age: time.Hour, text: "hi"})
			for i := range tt.others {
				putAcctMsgs(t, st, now, fmt.Sprintf("T%d", i), fmt.Sprintf("Team %d", i), acctMsg{age: time.Hour, text: "hi"})
			}
			cs := &storeReads{Store: st}
			var err error
			if tt.command != "" {
				b := &bot.Bot{Store: cs, Accounts: configured, Now: func() time.Time { return now }}
				_, err = b.HandleCommand(t.Context(), feedbackbot.Command{Workspace: "T1", Channel: "C1", User: "USTAFF", Staff: true, Text: tt.command})
			} else {
				_, err = bot.ResolveAccount(t.Context(), cs, configured, "T1", tt.q)
			}
			if err != nil {
				t.Fatal(err)
			}
			if a, m := cs.accounts.Load(), cs.messages.Load(); a != tt.accounts || m != tt.messages {
				t.Errorf("%q: %d account lists, %d message pages; want %d, %d", tt.q+tt.command, a, m, tt.accounts, tt.messages)
			}
		})
	}
}
