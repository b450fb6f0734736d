package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestDigestNamesAsksWaitingFromBeforeThePeriod: a customer who asked before the
// digest's period and is still waiting is named in the digest (how many of the
// account's conversations, since when), once: not again where the period itself
// counts the wait (a follow-up inside the period of a question asked just before
// it), and not at all when answered or older than health's recent window. A quiet
// period (no message in it) names them too.
func TestDigestNamesAsksWaitingFromBeforeThePeriod(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(acct string, role feedbackbot.Role, text string, at time.Time) {
		author := "U" + acct
		if role == feedbackbot.RoleStaff {
			author = "UStaff"
		}
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%s:%d", acct, len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TW",
			Channel: "C" + acct, Author: author, Role: role, Account: acct, AccountName: "Account " + acct, Text: text, Time: at})
	}
	day := 24 * time.Hour
	// acme: two questions, three and two days ago, never answered.
	add("acme", feedbackbot.RoleCustomer, "How do we export the invoices to CSV?", now.Add(-3*day))
	add("acme", feedbackbot.RoleCustomer, "Is there an API for the audit log?", now.Add(-2*day))
	// beta: a question two days ago, and another ten hours ago (in the period).
	add("beta", feedbackbot.RoleCustomer, "Can you reset the SSO configuration for our team?", now.Add(-2*day))
	add("beta", feedbackbot.RoleCustomer, "Can you tell us when the login fix ships?", now.Add(-10*time.Hour))
	// gamma: a question ten minutes before the period, its follow-up five minutes
	// into it: one conversation, the period's own wait.
	add("gamma", feedbackbot.RoleCustomer, "How do I add a new admin user?", from.Add(-10*time.Minute))
	add("gamma", feedbackbot.RoleCustomer, "Also, where do I find the billing settings?", from.Add(5*time.Minute))
	// delta: answered.
	add("delta", feedbackbot.RoleCustomer, "How do I rotate the API key?", now.Add(-3*day))
	add("delta", feedbackbot.RoleStaff, "Settings, then API, then rotate: it takes a minute.", now.Add(-3*day+2*time.Hour))
	// old: asked before health's recent window (14 days): abandoned, not waiting.
	add("old", feedbackbot.RoleCustomer, "Why is the sync job failing every night?", now.Add(-20*day))

	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			captured(t, st, msgs...)
			rr := bot.RiskRequest{Workspace: "TW", Now: now}
			d, err := bot.DigestWithRisk(ctx, st, rr, bot.DigestRequest{Workspace: "TW", From: from, To: now, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := waitingBeforeList(d.WaitingBefore), "acme 2 since 3d, beta 1 since 2d"; got != want {
				t.Errorf("waiting from before: %s, want %s", got, want)
			}
			if d.Responses == nil || d.Responses.WaitingCount != 2 {
				t.Fatalf("the period's own waits: %+v, want beta's and gamma's", d.Responses)
			}
			text := docText(bot.DigestDocument(d, nil))
			want := "• *Customers of 2 accounts asked before this period* and still wait past the response target, the longest waiting first: *Account acme* — 2 conversations, the oldest asked 3 days ago; *Account beta* — asked 2 days ago"
			if !strings.Contains(text, want) || !strings.Contains(text, "*2 still waiting*") {
				t.Errorf("the digest does not say %q beside the period's 2:\n%s", want, text)
			}

			// The last hour wrote nothing: the quiet digest names every wait.
			d, err = bot.DigestWithRisk(ctx, st, rr, bot.DigestRequest{Workspace: "TW", From: now.Add(-time.Hour), To: now, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := waitingBeforeList(d.WaitingBefore), "acme 2 since 3d, beta 2 since 2d, gamma 1 since 1d"; got != want || d.Messages != 0 {
				t.Errorf("quiet hour: waiting from before %s, want %s (%d messages)", got, want, d.Messages)
			}
			if text := docText(bot.DigestDocument(d, nil)); !strings.Contains(text, "No messages were captured") ||
				!strings.Contains(text, "*Customers of 3 accounts asked before this period* and still wait") ||
				!strings.Contains(text, "no messages in this period. Customers of 3 accounts asked before it and still wait.") {
				t.Errorf("the quiet digest does not name the waits:\n%s", text)
			}
		})
	}
}

// waitingBeforeList writes each account's waits as "acme 2 since 3d", the age in
// whole days rounded down.
func waitingBeforeList(ws []feedbackbot.AccountWaiting) string {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%s %d since %dd", w.Account.ID, w.Count, int(now.Sub(w.Since).Hours()/24)))
	}
	return strings.Join(out, ", ")
}

// TestDigestWaitingBeforeInAThreadOfTwoAccounts: in a Discord forum thread, Alice
// (her own account) asked two days ago and again in the thread inside the period,
// and Bob (his own) asked the same there after her. The period counts the thread
// as one conversation still waiting, quoting Bob; Alice is not named again among
// the waits from before it. Answered in the thread inside the period by staff
// (filed under Bob's account, the thread's last customer's, as Discord's capture
// files it), nobody is named. Both were named before the waits were read from
// the workspace's messages instead of each account's health (a review's find).
func TestDigestWaitingBeforeInAThreadOfTwoAccounts(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-24 * time.Hour)
	msg := func(id, author, name string, role feedbackbot.Role, acct, text string, at time.Time) feedbackbot.Message {
		thread := "9001"
		if id == thread {
			thread = ""
		}
		return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord, Workspace: "G1", Channel: "500", Thread: thread,
			Author: author, AuthorName: name, Role: role, Account: acct, AccountName: name, Text: text, Time: at}
	}
	alice := msg("9001", "111", "Alice", feedbackbot.RoleCustomer, "111", "How do we export the invoices to CSV?", now.Add(-48*time.Hour))
	for _, tc := range []struct {
		name        string
		msgs        []feedbackbot.Message
		periodWaits int
	}{
		{"Bob asks after Alice's nudge", []feedbackbot.Message{alice,
			msg("9002", "111", "Alice", feedbackbot.RoleCustomer, "111", "Any update? How do we export the invoices?", now.Add(-20*time.Hour)),
			msg("9003", "222", "Bob", feedbackbot.RoleCustomer, "222", "Same problem here, how do we export them?", now.Add(-19*time.Hour))}, 1},
		{"staff answer in the thread", []feedbackbot.Message{alice,
			msg("9003", "222", "Bob", feedbackbot.RoleCustomer, "222", "Same problem here, how do we export them?", now.Add(-20*time.Hour)),
			msg("9004", "999", "Sam", feedbackbot.RoleStaff, "222", "Billing, then Invoices, then Export: it gives a CSV.", now.Add(-19*time.Hour))}, 0},
	} {
		for name, open := range backends(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				st := open(t)
				captured(t, st, tc.msgs...)
				d, err := bot.DigestWithRisk(t.Context(), st, bot.RiskRequest{Workspace: "G1", Now: now},
					bot.DigestRequest{Workspace: "G1", From: from, To: now, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				if d.Responses == nil || d.Responses.WaitingCount != tc.periodWaits {
					t.Fatalf("the period's own waits: %+v, want %d", d.Responses, tc.periodWaits)
				}
				if len(d.WaitingBefore) != 0 {
					t.Errorf("named from before the period too: %s\n%s", waitingBeforeList(d.WaitingBefore), docText(bot.DigestDocument(d, nil)))
				}
			})
		}
	}
}

// TestDigestWaitingBeforeAnsweredPendingAndTiers: an ask before the period answered
// inside it is not named; one whose customer followed up in its thread an hour
// ago is (the period's figures see the follow-up alone, not yet past target, but
// the customer has waited since before the period); an account's tier target
// decides whether its ask is past target.
func TestDigestWaitingBeforeAnsweredPendingAndTiers(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-24 * time.Hour)
	var msgs []feedbackbot.Message
	add := func(acct string, role feedbackbot.Role, thread, text string, at time.Time) string {
		author := "U" + acct
		if role == feedbackbot.RoleStaff {
			author = "UStaff"
		}
		id := fmt.Sprintf("C%s:%d", acct, len(msgs))
		msgs = append(msgs, feedbackbot.Message{ID: id, Thread: thread, Platform: feedbackbot.PlatformSlack, Workspace: "TW",
			Channel: "C" + acct, Author: author, Role: role, Account: acct, AccountName: "Account " + acct, Text: text, Time: at})
		return id
	}
	add("ans", feedbackbot.RoleCustomer, "", "How do we export the invoices to CSV?", from.Add(-6*time.Hour))
	add("ans", feedbackbot.RoleStaff, "", "Billing, then Invoices, then Export.", from.Add(time.Hour))
	root := add("pend", feedbackbot.RoleCustomer, "", "Can you reset the SSO configuration for our team?", from.Add(-6*time.Hour))
	add("pend", feedbackbot.RoleCustomer, root, "Any news? Can you reset it today?", now.Add(-time.Hour))
	add("gold", feedbackbot.RoleCustomer, "", "Is there an API for the audit log?", now.Add(-150*time.Minute))
	tiers := map[string]health.Targets{"gold": {Business: time.Hour, Outside: time.Hour}}
	accts := map[string]feedbackbot.Account{"gold": {ID: "gold", Name: "Gold Co", Tier: "gold"}}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			captured(t, st, msgs...)
			digest := func(from time.Time, tiers map[string]health.Targets) feedbackbot.Digest {
				t.Helper()
				d, err := bot.DigestWithRisk(t.Context(), st, bot.RiskRequest{Workspace: "TW", Now: now, Accounts: accts, TierTargets: tiers},
					bot.DigestRequest{Workspace: "TW", From: from, To: now, Now: now, Accounts: accts, TierTargets: tiers})
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			if got, want := waitingBeforeList(digest(from, tiers).WaitingBefore), "pend 1 since 1d"; got != want {
				t.Errorf("a day's digest: waiting from before %s, want %s", got, want)
			}
			// Two hours: gold asked half an hour before, 2h30 ago: past its tier's
			// hour, not past the default 4 hours.
			d := digest(now.Add(-2*time.Hour), tiers)
			if got, want := waitingBeforeList(d.WaitingBefore), "pend 1 since 1d, gold 1 since 0d"; got != want || d.WaitingBefore[1].Account.Name != "Gold Co" {
				t.Errorf("two hours, tiers: waiting from before %s (%+v), want %s, Gold Co by its configured name", got, d.WaitingBefore, want)
			}
			if got, want := waitingBeforeList(digest(now.Add(-2*time.Hour), nil).WaitingBefore), "pend 1 since 1d"; got != want {
				t.Errorf("two hours, no tiers: waiting from before %s, want %s", got, want)
			}
		})
	}
}
