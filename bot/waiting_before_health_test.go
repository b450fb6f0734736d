package bot_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestDigestWaitingBeforeAgreesWithHealth: over twelve generated workspaces of six
// single-account Slack Connect channels (questions at random over three weeks,
// follow-ups in their threads and staff replies at random), nothing written in
// the last hour, the accounts the digest names as waiting from before its hour
// are those whose health (feedbackbot risk) says something waits unanswered.
func TestDigestWaitingBeforeAgreesWithHealth(t *testing.T) {
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	from := now.Add(-time.Hour)
	questions := []string{"How do we export the invoices to CSV?", "Is there an API for the audit log?",
		"Can you reset the SSO configuration for our team?", "Why is the sync job failing every night?"}
	followups := []string{"Any update on this?", "Can someone please look at this?"}
	bad, named := 0, 0
	for seed := uint64(1); seed <= 12; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		var msgs []feedbackbot.Message
		for a := range 6 {
			acct := fmt.Sprintf("a%d", a)
			for q := range 1 + r.IntN(3) {
				at := now.Add(-time.Duration(r.Int64N(int64(21 * 24 * time.Hour)))).Truncate(time.Second)
				if !at.Before(from) {
					at = from.Add(-time.Minute)
				}
				root := fmt.Sprintf("%d.%d", at.Unix(), q*10+a)
				add := func(role feedbackbot.Role, text string, t time.Time, thread string) {
					author := "U" + acct
					if role == feedbackbot.RoleStaff {
						author = "UStaff"
					}
					if !t.Before(from) {
						return
					}
					msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("%d.%06d", t.Unix(), len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TW",
						Channel: "C" + acct, Thread: thread, Author: author, Role: role, Account: acct, AccountName: "Account " + acct, Text: text, Time: t})
				}
				msgs = append(msgs, feedbackbot.Message{ID: root, Platform: feedbackbot.PlatformSlack, Workspace: "TW",
					Channel: "C" + acct, Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, AccountName: "Account " + acct, Text: questions[r.IntN(len(questions))], Time: at})
				t2 := at
				if r.IntN(2) == 0 { // follow-up in thread days later
					t2 = at.Add(time.Duration(r.Int64N(int64(6 * 24 * time.Hour))))
					add(feedbackbot.RoleCustomer, followups[r.IntN(len(followups))], t2, root)
				}
				if r.IntN(2) == 0 { // staff reply in thread
					add(feedbackbot.RoleStaff, "Here is how: Settings, then Export.", t2.Add(time.Duration(r.Int64N(int64(48*time.Hour)))), root)
				}
			}
		}
		st := backends(t)["redis"](t)
		captured(t, st, msgs...)
		hs, err := bot.Risk(t.Context(), st, bot.RiskRequest{Workspace: "TW", Now: now, SkipSilent: true})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, h := range hs {
			if bot.HasReason(h, health.ReasonUnanswered) {
				want = append(want, h.Account.ID)
			}
		}
		d, err := bot.DigestWithRisk(t.Context(), st, bot.RiskRequest{Workspace: "TW", Now: now},
			bot.DigestRequest{Workspace: "TW", From: from, To: now, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range d.WaitingBefore {
			got = append(got, w.Account.ID)
		}
		slices.Sort(want)
		slices.Sort(got)
		named += len(got)
		if !slices.Equal(got, want) {
			bad++
			t.Errorf("seed %d: health unanswered %v, digest WaitingBefore %v (%s)", seed, want, got, waitingBeforeList(d.WaitingBefore))
			for _, h := range hs {
				for _, rs := range h.Reasons {
					if rs.Code == health.ReasonUnanswered {
						t.Logf("  health %s: %s", h.Account.ID, rs.Text)
					}
				}
			}
			var lines []string
			for _, m := range msgs {
				lines = append(lines, fmt.Sprintf("    %s %s %-8s thread=%s %s", m.Channel, now.Sub(m.Time).Round(time.Hour), m.Role, m.Thread, m.Text))
			}
			slices.Sort(lines)
			t.Log("\n" + strings.Join(lines, "\n"))
		}
	}
	if bad > 0 || named == 0 {
		t.Errorf("%d of 12 workspaces disagree; %d accounts named in all", bad, named)
	}
}
