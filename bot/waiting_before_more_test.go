package bot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestDigestWaitingBeforeEachAskerByItsTier: a thread in a shared channel asked first
// by one account and then by another of a different tier. Each account that asked
// waits by its own ask and its own tier's target, as its health says: the one past
// its target is named, the other not. The wait was named by the first asker and
// timed by the latest asker's tier, naming an account not yet past its target
// and missing one past it (a review's find).
func TestDigestWaitingBeforeEachAskerByItsTier(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-time.Hour)
	tiers := map[string]health.Targets{"gold": {Business: time.Hour, Outside: time.Hour}}
	for _, tc := range []struct {
		name       string
		goldAcct   string // the account of the gold tier
		wantNamed  string // the account whose own target passed
		wantUnansw string
	}{
		{"first asker default, second gold", "mmm", "mmm", "mmm"},
		{"first asker gold, second default", "nnn", "nnn", "nnn"},
	} {
		accts := map[string]feedbackbot.Account{tc.goldAcct: {ID: tc.goldAcct, Name: "Gold " + tc.goldAcct, Tier: "gold"}}
		msg := func(id, thread, acct, text string, at time.Time) feedbackbot.Message {
			return feedbackbot.Message{ID: id, Thread: thread, Platform: feedbackbot.PlatformSlack, Workspace: "TW", Channel: "Cshared",
				Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, AccountName: "Account " + acct, Text: text, Time: at}
		}
		msgs := []feedbackbot.Message{
			msg("1700000000.000100", "", "nnn", "How do we export the invoices to CSV?", now.Add(-3*time.Hour)),
			msg("1700000000.000200", "1700000000.000100", "mmm", "Same problem here, how do we export them?", now.Add(-2*time.Hour)),
		}
		for name, open := range backends(t) {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				st := open(t)
				captured(t, st, msgs...)
				rr := bot.RiskRequest{Workspace: "TW", Now: now, Accounts: accts, TierTargets: tiers}
				hs, err := bot.Risk(t.Context(), st, rr)
				if err != nil {
					t.Fatal(err)
				}
				var unanswered []string
				for _, h := range hs {
					if bot.HasReason(h, health.ReasonUnanswered) {
						unanswered = append(unanswered, h.Account.ID)
					}
				}
				d, err := bot.DigestWithRisk(t.Context(), st, rr, bot.DigestRequest{Workspace: "TW", From: from, To: now, Now: now, Accounts: accts, TierTargets: tiers})
				if err != nil {
					t.Fatal(err)
				}
				var named []string
				for _, w := range d.WaitingBefore {
					named = append(named, fmt.Sprintf("%s(%d)", w.Account.ID, w.Count))
				}
				if fmt.Sprint(unanswered) != fmt.Sprint([]string{tc.wantUnansw}) {
					t.Fatalf("health unanswered %v, want %s (test premise)", unanswered, tc.wantUnansw)
				}
				if fmt.Sprint(named) != fmt.Sprint([]string{tc.wantNamed + "(1)"}) {
					t.Errorf("digest names %v as waiting from before the period; health says only %s waits past its target", named, tc.wantUnansw)
				}
			})
		}
	}
}

// TestDigestWaitingBeforeBesideABusyAccount: one busy account (more than the 10,000
// messages health reads of it in its 16 days, so its read stops short of the
// period) leaves the other accounts' waits from before the period named; it took
// them all out (a review's find).
func TestDigestWaitingBeforeBesideABusyAccount(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-24 * time.Hour)
	msgs := []feedbackbot.Message{{ID: "1", Platform: feedbackbot.PlatformSlack, Workspace: "TW", Channel: "Cacme", Author: "Uacme",
		Role: feedbackbot.RoleCustomer, Account: "acme", AccountName: "Acme", Text: "How do we export the invoices to CSV?", Time: now.Add(-3 * 24 * time.Hour)}}
	for i := range 11_500 {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("b%d", i), Platform: feedbackbot.PlatformSlack, Workspace: "TW", Channel: "Cbusy",
			Author: "Ustaff", Role: feedbackbot.RoleStaff, Account: "busy", Text: "status update", Time: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	st := backends(t)["redis"](t)
	captured(t, st, msgs...)
	rr := bot.RiskRequest{Workspace: "TW", Now: now}
	hs, err := bot.Risk(t.Context(), st, rr)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.Account.ID == "acme" && !bot.HasReason(h, health.ReasonUnanswered) {
			t.Fatalf("premise: acme's health %+v has no unanswered reason", h.Reasons)
		}
	}
	d, err := bot.DigestWithRisk(t.Context(), st, rr, bot.DigestRequest{Workspace: "TW", From: from, To: now, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.WaitingBefore) != 1 || d.WaitingBefore[0].Account.ID != "acme" {
		t.Errorf("waiting from before the period: %+v, want acme's question of 3 days ago (health: unanswered)", d.WaitingBefore)
	}
}

// TestDigestWaitingBeforeNamesAConfiguredAccountWithoutName: an account configured for
// its tier alone (no name) is named among the waits from before the period as
// health names it, by its messages' account name, not by its id (a review's find).
func TestDigestWaitingBeforeNamesAConfiguredAccountWithoutName(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	accts := map[string]feedbackbot.Account{"T0GOLD": {ID: "T0GOLD", Tier: "gold"}}
	var msgs []feedbackbot.Message
	for i, text := range []string{"How do we export the invoices to CSV?", "Is there an API for the audit log?", "Why is the sync failing every night?"} {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprint(i + 1), Platform: feedbackbot.PlatformSlack, Workspace: "TW", Channel: "Cgold", Author: "U1",
			Role: feedbackbot.RoleCustomer, Account: "T0GOLD", AccountName: "Gold Co", Text: text, Time: now.Add(-time.Duration(3+i) * 24 * time.Hour)})
	}
	st := backends(t)["bolt"](t)
	captured(t, st, msgs...)
	rr := bot.RiskRequest{Workspace: "TW", Now: now, Accounts: accts}
	d, err := bot.DigestWithRisk(t.Context(), st, rr, bot.DigestRequest{Workspace: "TW", From: now.Add(-24 * time.Hour), To: now, Now: now, Accounts: accts})
	if err != nil {
		t.Fatal(err)
	}
	hs, err := bot.Risk(t.Context(), st, rr)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Account.Name != "Gold Co" {
		t.Fatalf("premise: health %+v", hs)
	}
	if len(d.WaitingBefore) != 1 || d.WaitingBefore[0].Account.Name != "Gold Co" {
		t.Errorf("waiting from before: %+v, want it named Gold Co as health names it", d.WaitingBefore)
	}
}

// TestDigestWaitingBeforeNotJudgedWhereABusyReadStops: a thread Alice (111)
// asked in before the period, Bob (222) joined, and staff answered under Bob's
// account, all before the period. When Bob's account is busy, its read is cut
// at its newest 10,000 messages (all in another channel), so Bob's thread
// message and the staff reply filed under him are not read: a conversation
// begun before that cut is not judged, and Alice's answered question is not
// named as waiting. It was, where only the channels of the rows read were left
// out (a review's find).
func TestDigestWaitingBeforeNotJudgedWhereABusyReadStops(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-24 * time.Hour)
	msg := func(id, author string, role feedbackbot.Role, acct, text string, at time.Time) feedbackbot.Message {
		thread := "9001"
		if id == thread {
			thread = ""
		}
		return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformDiscord, Workspace: "G1", Channel: "500", Thread: thread,
			Author: author, Role: role, Account: acct, AccountName: "Acct " + acct, Text: text, Time: at}
	}
	base := []feedbackbot.Message{
		msg("9001", "111", feedbackbot.RoleCustomer, "111", "How do we export the invoices to CSV?", now.Add(-48*time.Hour)),
		msg("9003", "222", feedbackbot.RoleCustomer, "222", "Same problem here, how do we export them?", now.Add(-47*time.Hour)),
		msg("9004", "999", feedbackbot.RoleStaff, "222", "Billing, then Invoices, then Export: it gives a CSV.", now.Add(-46*time.Hour)),
	}
	for _, busy := range []bool{false, true} {
		t.Run(fmt.Sprintf("busy=%v", busy), func(t *testing.T) {
			msgs := append([]feedbackbot.Message(nil), base...)
			if busy {
				for i := range 11_500 {
					msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("b%d", i), Platform: feedbackbot.PlatformDiscord, Workspace: "G1", Channel: "600",
						Author: "999", Role: feedbackbot.RoleStaff, Account: "222", Text: "status update", Time: now.Add(-time.Duration(i+1) * 10 * time.Second)})
				}
			}
			st := backends(t)["redis"](t)
			captured(t, st, msgs...)
			d, err := bot.DigestWithRisk(t.Context(), st, bot.RiskRequest{Workspace: "G1", Now: now},
				bot.DigestRequest{Workspace: "G1", From: from, To: now, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.WaitingBefore) != 0 {
				t.Errorf("answered thread named as waiting from before the period: %s", waitingBeforeList(d.WaitingBefore))
			}
		})
	}
}

// TestDigestWaitingBeforeBegunWhereTheReadBegins: a thread begun exactly where the
// at-risk pass's read begins (its msgFrom, a UTC midnight 15 days back), every
// account's read whole from there, with a follow-up inside the 14 days and no
// reply. Health (feedbackbot risk) finds it unanswered, and the digest names it;
// it was left out as begun where a read may miss messages (a review's find).
func TestDigestWaitingBeforeBegunWhereTheReadBegins(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-24 * time.Hour)
	msgFrom := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC) // store.DayStart(now-14d-riskMargin)
	for _, off := range []time.Duration{time.Second, 0} {
		t.Run(off.String(), func(t *testing.T) {
			root := msgFrom.Add(off)
			m := func(id, thread, text string, at time.Time) feedbackbot.Message {
				return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "TW", Channel: "Cacme", Thread: thread,
					Author: "Uacme", Role: feedbackbot.RoleCustomer, Account: "acme", AccountName: "Acme", Text: text, Time: at}
			}
			st := backends(t)["redis"](t)
			captured(t, st,
				m("1000.1", "", "How do we export the invoices to CSV?", root),
				m("1000.2", "1000.1", "Any update on this? We still can't export.", now.Add(-12*24*time.Hour)))
			hs, err := bot.Risk(t.Context(), st, bot.RiskRequest{Workspace: "TW", Now: now, SkipSilent: true})
			if err != nil {
				t.Fatal(err)
			}
			unanswered := len(hs) == 1 && bot.HasReason(hs[0], health.ReasonUnanswered)
			if !unanswered {
				t.Fatalf("premise: health %+v has no unanswered reason", hs)
			}
			d, err := bot.DigestWithRisk(t.Context(), st, bot.RiskRequest{Workspace: "TW", Now: now},
				bot.DigestRequest{Workspace: "TW", From: from, To: now, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if unanswered != (len(d.WaitingBefore) == 1) {
				t.Errorf("root at %s: health unanswered=%v, digest WaitingBefore=%q", root, unanswered, waitingBeforeList(d.WaitingBefore))
			}
		})
	}
}
