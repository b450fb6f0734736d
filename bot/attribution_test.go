package bot_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestReattributeMovesHistory: a channel mapped to an account after its messages
// were captured (slack.channel_accounts added to the config) moves them to that
// account, on both stores: a new version of each in the log, which analysis
// applies, so the account's messages, days and the list of accounts have them. A
// second run appends nothing; a changed map moves them again; another channel's
// messages stay. Before, nothing re-attributed history: capture attributed each
// message once, and re-analysis kept its account.
func TestReattributeMovesHistory(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			var msgs []feedbackbot.Message
			for i := range 6 {
				ch, acct := "CSHARED", "TCUST" // a customer's team, as Slack Connect capture names it
				if i%3 == 2 {
					ch, acct = "COTHER", "TOTHER"
				}
				msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("%s0123ABCDEF:1700000000.00000%d", ch, i), Platform: feedbackbot.PlatformSlack, Workspace: "T1",
					Channel: ch, Author: "U1", Role: feedbackbot.RoleCustomer, Account: acct, Text: texts[i%len(texts)], Time: t0.Add(time.Duration(i) * time.Hour)})
			}
			captured(t, st, msgs...)
			accountOf := func(acct string) int {
				t.Helper()
				rows, err := st.Messages(ctx, store.Query{Workspace: "T1", Account: acct})
				if err != nil {
					t.Fatal(err)
				}
				return len(rows)
			}
			reattribute := func(channels map[string]string) int {
				t.Helper()
				at := bot.Attribution{Channels: map[feedbackbot.Platform]map[string]string{feedbackbot.PlatformSlack: channels},
					Names: map[string]string{"acme": "Acme"}}
				res, err := bot.Reattribute(ctx, st, at, "T1")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(ctx); err != nil {
					t.Fatal(err)
				}
				return res.Moved
			}
			if n := reattribute(map[string]string{"CSHARED": "acme"}); n != 4 {
				t.Errorf("mapping CSHARED moved %d messages, want its 4", n)
			}
			if a, c, o := accountOf("acme"), accountOf("TCUST"), accountOf("TOTHER"); a != 4 || c != 0 || o != 2 {
				t.Errorf("after the map: acme %d, TCUST %d, TOTHER %d messages; want 4, 0, 2", a, c, o)
			}
			got, err := st.Message(ctx, msgs[0].Key())
			if err != nil || got.Message.Account != "acme" || got.Message.AccountName != "Acme" || got.Message.Text != msgs[0].Text {
				t.Errorf("message: %+v, %v; want the mapped account and its name, the text kept", got.Message, err)
			}
			if newest, _, err := st.Newest(ctx, msgs[0].Key()); err != nil || newest.Account != "acme" {
				t.Errorf("the log's newest version: %q, %v; want acme's (an export, a reaction build on it)", newest.Account, err)
			}
			days, err := st.AccountDays(ctx, "T1", "acme", t0.Add(-24*time.Hour), t0.Add(48*time.Hour), feedbackbot.CntCustomer)
			if err != nil || len(days) != 1 || days[0].Counts[feedbackbot.CntCustomer] != 4 {
				t.Errorf("acme's days: %+v, %v; want its 4 customer messages on one day", days, err)
			}
			if accts, err := st.Accounts(ctx, "T1"); err != nil || !slices.Contains(accts, "acme") {
				t.Errorf("accounts %v, %v: want acme listed", accts, err)
			}
			if n := reattribute(map[string]string{"CSHARED": "acme"}); n != 0 {
				t.Errorf("the same map again moved %d messages, want none", n)
			}
			// Mapped to the account capture gave them, then to acme again, minutes
			// apart: moved each time (the second move to acme, over the same revision
			// as the first, was skipped as a write already landed).
			if n := reattribute(map[string]string{"CSHARED": "TCUST"}); n != 4 || accountOf("TCUST") != 4 {
				t.Errorf("mapped to TCUST: %d moved, TCUST %d; want 4, 4", n, accountOf("TCUST"))
			}
			if n := reattribute(map[string]string{"CSHARED": "acme"}); n != 4 || accountOf("acme") != 4 || accountOf("TCUST") != 0 {
				t.Errorf("mapped back: %d moved, acme %d, TCUST %d; want 4, 4, 0", n, accountOf("acme"), accountOf("TCUST"))
			}
			// An account id as long as the config allows (48), with a key of Slack's
			// length: the store's op stays within Redis's 128 bytes.
			long := strings.Repeat("g", 48)
			if n := reattribute(map[string]string{"CSHARED": long}); n != 4 || accountOf(long) != 4 || accountOf("acme") != 0 {
				t.Errorf("a changed map: %d moved, %s %d, acme %d; want 4, 4, 0", n, long, accountOf(long), accountOf("acme"))
			}
		})
	}
}

// TestAttribute: which messages a channel map moves.
func TestAttribute(t *testing.T) {
	at := bot.Attribution{Channels: map[feedbackbot.Platform]map[string]string{
		feedbackbot.PlatformSlack:   {"C1": "acme"},
		feedbackbot.PlatformDiscord: {"D1": "acme", "THREAD9": "globex"},
	}, Names: map[string]string{"acme": "Acme"}}
	for _, tc := range []struct {
		name        string
		m           feedbackbot.Message
		moved       bool
		account, nm string
	}{
		{"a Slack message in a mapped channel", feedbackbot.Message{Platform: feedbackbot.PlatformSlack, Channel: "C1", Account: "TX", AccountName: "X"}, true, "acme", "Acme"},
		{"already the mapped account", feedbackbot.Message{Platform: feedbackbot.PlatformSlack, Channel: "C1", Account: "acme", AccountName: "Acme"}, false, "acme", "Acme"},
		{"an unmapped channel", feedbackbot.Message{Platform: feedbackbot.PlatformSlack, Channel: "C2", Account: "TX", AccountName: "X"}, false, "TX", "X"},
		{"another platform's channel id", feedbackbot.Message{Platform: feedbackbot.PlatformSlack, Channel: "D1", Account: "TX"}, false, "TX", ""},
		{"a Discord thread of a mapped channel", feedbackbot.Message{Platform: feedbackbot.PlatformDiscord, Channel: "D1", Thread: "T5", Account: "u1",
			Permalink: "https://discord.com/channels/G/T5/M1"}, true, "acme", "Acme"},
		{"a mapped Discord thread of an unmapped channel", feedbackbot.Message{Platform: feedbackbot.PlatformDiscord, Channel: "D2", Thread: "THREAD9", Account: "u1",
			Permalink: "https://discord.com/channels/G/THREAD9/M2"}, true, "globex", ""},
		{"a mapped Discord thread of a mapped channel: the thread's, as capture", feedbackbot.Message{Platform: feedbackbot.PlatformDiscord, Channel: "D1", Thread: "THREAD9", Account: "u1",
			Permalink: "https://discord.com/channels/G/THREAD9/M3"}, true, "globex", ""},
		{"a forum post's first message, posted in its mapped thread", feedbackbot.Message{ID: "THREAD9", Platform: feedbackbot.PlatformDiscord, Channel: "D1", Account: "u1",
			Permalink: "https://discord.com/channels/G/THREAD9/THREAD9"}, true, "globex", ""},
		{"a channel message a thread was started from, posted in the channel", feedbackbot.Message{ID: "THREAD9", Platform: feedbackbot.PlatformDiscord, Channel: "D1", Account: "u1",
			Permalink: "https://discord.com/channels/G/D1/THREAD9"}, true, "acme", "Acme"},
		{"a Discord thread message without a permalink", feedbackbot.Message{Platform: feedbackbot.PlatformDiscord, Channel: "D1", Thread: "THREAD9", Account: "u1"}, true, "globex", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			if moved := at.Attribute(&m); moved != tc.moved || m.Account != tc.account || m.AccountName != tc.nm {
				t.Errorf("Attribute: moved %v, account %q (%q); want %v, %q (%q)", moved, m.Account, m.AccountName, tc.moved, tc.account, tc.nm)
			}
		})
	}
}

// TestRiskSkipSilent: a listing leaves out the accounts with nothing to assess (an
// account that wrote nothing in the eight weeks health reads showed as healthy,
// 100 and no reasons, and so did one whose messages all moved to another), and so
// does a lookup of that one account that skips them; the alerter's full assessment
// still includes it.
func TestRiskSkipSilent(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			captured(t, st,
				feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1", Author: "U1",
					Role: feedbackbot.RoleCustomer, Account: "active", Text: "the export is broken since the release", Time: now.Add(-48 * time.Hour)},
				feedbackbot.Message{ID: "C2:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C2", Author: "U2",
					Role: feedbackbot.RoleCustomer, Account: "longgone", Text: "thanks, all good", Time: now.Add(-120 * 24 * time.Hour)})
			ids := func(req bot.RiskRequest) []string {
				t.Helper()
				hs, err := bot.Risk(ctx, st, req)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, h := range hs {
					out = append(out, h.Account.ID)
				}
				slices.Sort(out)
				return out
			}
			req := bot.RiskRequest{Workspace: "T1", Now: now}
			if got := ids(req); !slices.Equal(got, []string{"active", "longgone"}) {
				t.Errorf("every account: %v", got)
			}
			// The full assessment says which had nothing to assess (the alerter
			// closes their alerts as that, not as recovered).
			all, err := bot.Risk(ctx, st, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range all {
				if want := h.Account.ID == "longgone"; h.Silent != want {
					t.Errorf("%s: Silent %v, want %v", h.Account.ID, h.Silent, want)
				}
				// (what the alerter asks of a closing alert: anything new since?)
				if want := now.Add(-48 * time.Hour); h.Account.ID == "active" && (!h.LastCustomerAt.Equal(want) || !h.LastStaffAt.IsZero()) {
					t.Errorf("active: last customer message %v, staff %v; want %v and none", h.LastCustomerAt, h.LastStaffAt, want)
				}
			}
			req.SkipSilent = true
			if got := ids(req); !slices.Equal(got, []string{"active"}) {
				t.Errorf("a listing: %v, want the account with something to assess", got)
			}
			// One account asked for with nothing to assess: none, so the caller can say
			// so (risk --account reported it healthy, 100); the alerter's request,
			// without SkipSilent, still has it.
			req.Only = "longgone"
			if got := ids(req); len(got) != 0 {
				t.Errorf("one account asked for, skipping silent ones: %v, want none", got)
			}
			req.Only = "active"
			if got := ids(req); !slices.Equal(got, []string{"active"}) {
				t.Errorf("one account with something to assess asked for: %v", got)
			}
			req.Only, req.SkipSilent = "longgone", false
			if got := ids(req); !slices.Equal(got, []string{"longgone"}) {
				t.Errorf("one account asked for: %v", got)
			}
		})
	}
}

// TestReattributeDiscordThreads: on Discord a thread's messages are stored under
// its parent channel. With the parent and the thread both mapped, the thread's own
// mapping wins, as in capture (it went to the parent's, and capture put new ones
// back on the thread's at every reanalyze); a thread mapped by its own id under a
// parent nobody mapped is reached too, the parent's other messages left alone.
func TestReattributeDiscordThreads(t *testing.T) {
	for _, tc := range []struct {
		name  string
		maps  map[string]string
		moved int
		want  map[string]string // account by message id
	}{
		{"parent and thread mapped", map[string]string{"500": "acme", "900": "globex"}, 3, map[string]string{"601": "acme", "602": "globex", "603": "globex"}},
		{"thread alone", map[string]string{"900": "globex"}, 2, map[string]string{"601": "u1", "602": "globex", "603": "globex"}},
	} {
		for name, open := range backends(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
				msg := func(id, thread string, at time.Duration) feedbackbot.Message {
					posted := cmp.Or(thread, "500")
					return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord, Workspace: "G1", Channel: "500", Thread: thread,
						Author: "u1", Role: feedbackbot.RoleCustomer, Account: "u1", Text: "the export is broken since the release", Time: t0.Add(at),
						Permalink: "https://discord.com/channels/G1/" + posted + "/" + id}
				}
				captured(t, st, msg("601", "", 0), msg("602", "900", time.Hour), msg("603", "900", 2*time.Hour))
				at := bot.Attribution{Channels: map[feedbackbot.Platform]map[string]string{feedbackbot.PlatformDiscord: tc.maps}}
				res, err := bot.Reattribute(ctx, st, at, "G1")
				if err != nil || res.Moved != tc.moved {
					t.Fatalf("moved %d, %v; want %d", res.Moved, err, tc.moved)
				}
				if _, err := (&bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}).Drain(ctx); err != nil {
					t.Fatal(err)
				}
				for id, want := range tc.want {
					m := msg(id, "", 0)
					got, err := st.Message(ctx, m.Key())
					if err != nil || got.Message.Account != want {
						t.Errorf("message %s: account %q, %v; want %q", id, got.Message.Account, err, want)
					}
				}
				if res, err := bot.Reattribute(ctx, st, at, "G1"); err != nil || res.Moved != 0 {
					t.Errorf("again: moved %d, %v; want none", res.Moved, err)
				}
			})
		}
	}
}

// TestResolveAccountByStoredName: an account is found by the name stored with its
// messages (a Slack Connect team's name, an account seen only in history), not
// only by its id or a configured name: exactly, or by the one account a part of it
// names; several are refused with their names and ids, none is not found.
func TestResolveAccountByStoredName(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			msg := func(id, acct, acctName string, age time.Duration) feedbackbot.Message {
				return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C" + acct, Author: "U" + id,
					Role: feedbackbot.RoleCustomer, Account: acct, AccountName: acctName, Text: "the export is broken since the release", Time: now.Add(-age)}
			}
			captured(t, st,
				msg("C1:1", "T0GLOBEX", "Globex Corp", time.Hour),
				msg("C2:1", "acme", "Acme Logistics", 2*time.Hour),
				msg("C3:1", "T0ACMER", "Acme Retail", 3*time.Hour),
				msg("C4:1", "T0OLD", "Umbrella Holdings", 200*24*time.Hour), // seen only in history
				msg("C5:1", "initech", "Initech Stored", time.Hour),
			)
			configured := map[string]feedbackbot.Account{"initech": {ID: "initech", Name: "Initech", Tier: "enterprise"}}
			for _, tc := range []struct {
				q, id, name string
				code        string   // an error's code
				names       []string // in the error's message
			}{
				{q: "globex corp", id: "T0GLOBEX", name: "Globex Corp"},
				{q: "Globex", id: "T0GLOBEX", name: "Globex Corp"},
				{q: "umbrella", id: "T0OLD", name: "Umbrella Holdings"},
				{q: "t0globex", id: "T0GLOBEX"},
				{q: "acme", id: "acme"},
				{q: "Acme Retail", id: "T0ACMER", name: "Acme Retail"},
				{q: "logistics", id: "acme", name: "Acme Logistics"},
				{q: "Initech", id: "initech", name: "Initech"},
				{q: "initech stored", id: "initech", name: "Initech"}, // the configured name wins
				{q: "acm", code: feedbackbot.EINVALID, names: []string{"Acme Logistics (acme)", "Acme Retail (T0ACMER)"}},
				{q: "holdingz", code: feedbackbot.ENOTFOUND, names: []string{`No account matches "holdingz"`}},
			} {
				a, err := bot.ResolveAccount(ctx, st, configured, "T1", tc.q)
				if tc.code != "" {
					msg := feedbackbot.ErrorMessage(err)
					if feedbackbot.ErrorCode(err) != tc.code {
						t.Errorf("%q: %+v, %v; want %s", tc.q, a, err, tc.code)
					}
					for _, n := range tc.names {
						if !strings.Contains(msg, n) {
							t.Errorf("%q: %q lacks %q", tc.q, msg, n)
						}
					}
					continue
				}
				if err != nil || a.ID != tc.id || (tc.name != "" && a.Name != tc.name) {
					t.Errorf("%q: %+v, %v; want %s (%s)", tc.q, a, err, tc.id, tc.name)
				}
			}
		})
	}
}

// TestResolveAccountManyAccounts: past bot.MaxNameScan accounts the names stored
// with messages are not read (a chat command would outlast its few seconds), and
// the reply says so; ids still match.
func TestResolveAccountManyAccounts(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			msgs := make([]feedbackbot.Message, bot.MaxNameScan+1)
			for i := range msgs {
				msgs[i] = feedbackbot.Message{ID: fmt.Sprintf("C1:%d", i), Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
					Author: fmt.Sprintf("U%d", i), Role: feedbackbot.RoleCustomer, Account: fmt.Sprintf("acct%d", i),
					AccountName: fmt.Sprintf("Member Number %d", i), Text: "hello there", Time: now.Add(-time.Duration(i) * time.Second)}
			}
			captured(t, st, msgs...)
			if a, err := bot.ResolveAccount(ctx, st, nil, "T1", "ACCT7"); err != nil || a.ID != "acct7" {
				t.Errorf("by id: %+v, %v", a, err)
			}
			_, err := bot.ResolveAccount(ctx, st, nil, "T1", "Member Number 7")
			if feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND || !strings.Contains(feedbackbot.ErrorMessage(err), "not searched") {
				t.Errorf("by stored name past the bound: %v; want ENOTFOUND saying names are not searched", err)
			}
		})
	}
}
