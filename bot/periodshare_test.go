package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// TestDigestSharesTheRiskPassReads: a digest built beside the at-risk pass takes
// its period's messages from what the pass read, and is the digest built on its own,
// exactly; where the pass did not read them all (a message of no account, a period
// longer than its window, an account's read cut short) the digest reads them itself.
func TestDigestSharesTheRiskPassReads(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			// Three weeks of five accounts: questions, staff replies in the thread, a
			// few at one instant.
			var msgs []feedbackbot.Message
			for i := range 300 {
				at := now.Add(-time.Duration(i)*97*time.Minute - time.Minute)
				if i%50 == 7 {
					at = now.Add(-time.Duration(i-1)*97*time.Minute - time.Minute) // the instant of the one before
				}
				acct := fmt.Sprintf("acct-%d", i%5)
				m := feedbackbot.Message{ID: fmt.Sprintf("C%d:%d.%06d", i%5, at.Unix(), i), Platform: feedbackbot.PlatformSlack, Workspace: "T1",
					Channel: fmt.Sprintf("C%d", i%5), Author: fmt.Sprintf("U%d", i%11), Role: feedbackbot.RoleCustomer, Account: acct,
					Text: texts[i%len(texts)], Time: at}
				if i%3 == 2 {
					m.Role, m.Author = feedbackbot.RoleStaff, "S1"
					m.Thread = fmt.Sprintf("%d.%06d", at.Add(-10*time.Minute).Unix(), i-1)
				}
				msgs = append(msgs, m)
			}
			captured(t, st, msgs...)
			rr := bot.RiskRequest{Workspace: "T1", Now: now}
			dr := bot.DigestRequest{Workspace: "T1", From: now.Add(-week), To: now, Now: now, Themes: []string{"billing", "bug"}}

			for _, max := range []int{10, 5000} {
				want, wantPartial, err := bot.PeriodMessages(ctx, st, dr, max)
				if err != nil {
					t.Fatal(err)
				}
				got, partial, ok, err := bot.SharedPeriod(ctx, st, rr, dr.From, dr.To, max)
				if err != nil || !ok {
					t.Fatalf("max %d: shared read: ok %v, %v; want the pass's messages", max, ok, err)
				}
				if partial != wantPartial || !sameRows(got, want) {
					t.Errorf("max %d: shared read gave %d messages (partial %v), its own read %d (partial %v), or not the same ones",
						max, len(got), partial, len(want), wantPartial)
				}
			}
			same := func(what string) {
				t.Helper()
				shared, err := bot.DigestWithRisk(ctx, st, rr, dr)
				if err != nil {
					t.Fatal(err)
				}
				hs, err := bot.Risk(ctx, st, rr)
				if err != nil {
					t.Fatal(err)
				}
				solo := dr
				solo.AtRisk = bot.AtRisk(hs) // (segments never call an at-risk account happy)
				alone, err := bot.BuildDigest(ctx, st, solo)
				if err != nil {
					t.Fatal(err)
				}
				alone.AtRisk, alone.Drifting = bot.AtRisk(hs), bot.Drifting(hs, rr.Now)
				shared.WaitingBefore = nil // (the at-risk pass's alone: TestDigestNamesAsksWaitingFromBeforeThePeriod)
				a, _ := json.Marshal(shared)
				b, _ := json.Marshal(alone)
				if string(a) != string(b) {
					t.Errorf("%s: the digest built beside the at-risk pass differs from the one built on its own:\n%s\n%s", what, a, b)
				}
			}
			same("every message has an account")

			long := dr
			long.From = now.Add(-5 * week) // older than the pass's window
			if _, _, ok, err := bot.SharedPeriod(ctx, st, rr, long.From, long.To, 5000); err != nil || ok {
				t.Errorf("a period longer than the pass's window: ok %v, %v; want the digest to read it", ok, err)
			}
			captured(t, st, feedbackbot.Message{ID: "C9:1", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C9", Author: "U9",
				Role: feedbackbot.RoleCustomer, Text: "the export is broken since the release", Time: now.Add(-time.Hour)})
			if _, _, ok, err := bot.SharedPeriod(ctx, st, rr, dr.From, dr.To, 5000); err != nil || ok {
				t.Errorf("a message of no account in the period: ok %v, %v; want the digest to read it", ok, err)
			}
			same("a message of no account")
		})
	}
}

// sameRows reports whether two reads gave the same messages, in the same order,
// with the same content.
func sameRows(a, b []store.Stored) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, _ := json.Marshal(a[i])
		y, _ := json.Marshal(b[i])
		if string(x) != string(y) {
			return false
		}
	}
	return true
}
