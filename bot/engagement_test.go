package bot_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestRiskListingSaysEngagement: /feedback risk gives each account at risk its RFM
// standing among the workspace's accounts, once there are enough of them to rank.
func TestRiskListingSaysEngagement(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	add := func(acct, text string, at time.Time) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%s:%d", acct, len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C" + acct, Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, Text: text, Time: at})
	}
	// acme wrote the most, and lately to leave; four others wrote less.
	for i := range 12 {
		add("acme", "the dashboard looks fine today", now.Add(-time.Duration(10+i)*24*time.Hour))
	}
	add("acme", "we are evaluating other vendors after this outage", now.Add(-20*time.Hour))
	add("acme", "we will cancel our subscription at the end of the month", now.Add(-30*time.Hour))
	others := []string{"b", "c", "d", "e"}
	for _, acct := range others[:1] {
		add(acct, "thanks, that works", now.Add(-3*24*time.Hour))
	}
	for _, store := range []string{"two accounts", "five accounts"} {
		if store == "five accounts" {
			for i, acct := range others[1:] {
				add(acct, "thanks, that works", now.Add(-time.Duration(4+i)*24*time.Hour))
			}
		}
		for name, open := range backends(t) {
			t.Run(store+"/"+name, func(t *testing.T) {
				ctx := t.Context()
				st := open(t)
				captured(t, st, msgs...)
				hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "TE", Now: now})
				if err != nil || len(bot.AtRisk(hs)) != 1 || hs[0].Account.ID != "acme" {
					t.Fatalf("risk: %+v, %v; want acme at risk", hs, err)
				}
				b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
				doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "TE", User: "UM", UserName: "maria", Staff: true, Text: "risk"})
				if err != nil {
					t.Fatal(err)
				}
				said := containsText(doc, "engagement ")
				if store == "two accounts" {
					if said || hs[0].Engagement != nil {
						t.Errorf("two accounts ranked: %v; %+v", hs[0].Engagement, doc.Blocks)
					}
					return
				}
				e := hs[0].Engagement
				if e == nil || e.Recency != 5 || e.Frequency != 5 || e.Segment != feedbackbot.SegmentChampion {
					t.Fatalf("acme, the most and latest to write: engagement %v", e)
				}
				if want := "engagement " + e.String(); !containsText(doc, want) {
					t.Errorf("the risk listing does not say %q: %+v", want, doc.Blocks)
				}
				if strings.Count(fmt.Sprint(doc.Blocks), "engagement ") != 1 {
					t.Errorf("engagement said of accounts not at risk: %+v", doc.Blocks)
				}
			})
		}
	}
}

// TestDigestNamesDriftingAccounts: the digest names the accounts that wrote the
// most and went quiet while health does not flag them yet (their silence costs
// too few points), and names none when there are too few accounts to rank.
func TestDigestNamesDriftingAccounts(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var msgs []feedbackbot.Message
	add := func(acct, text string, at time.Time) {
		msgs = append(msgs, feedbackbot.Message{ID: fmt.Sprintf("C%s:%d", acct, len(msgs)), Platform: feedbackbot.PlatformSlack, Workspace: "TE",
			Channel: "C" + acct, Author: "U" + acct, Role: feedbackbot.RoleCustomer, Account: acct, AccountName: "Account " + acct, Text: text, Time: at})
	}
	// "big" wrote every other day for five weeks, then nothing for 18 days.
	for d := 18; d < 53; d += 2 {
		add("big", "the new report builder is handy", now.Add(-time.Duration(d)*24*time.Hour))
	}
	for i, acct := range []string{"b", "c", "d", "e"} {
		for j := 0; j <= i; j++ {
			add(acct, "thanks, that works", now.Add(-time.Duration(1+i+j)*24*time.Hour))
		}
	}
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			captured(t, st, msgs...)
			rr := bot.RiskRequest{Workspace: "TE", Now: now}
			d, err := bot.DigestWithRisk(ctx, st, rr, bot.DigestRequest{Workspace: "TE", From: now.Add(-7 * 24 * time.Hour), To: now, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.AtRisk) != 0 || len(d.Drifting) != 1 || d.Drifting[0].Account.ID != "big" {
				t.Fatalf("at risk %v, drifting %v; want big drifting alone", ids(d.AtRisk), ids(d.Drifting))
			}
			e := d.Drifting[0].Engagement
			want := "• *Account big* — " + e.String() + ", last wrote 18 days ago"
			if e.Segment != feedbackbot.SegmentCannotLose || !containsText(bot.DigestDocument(d, nil), want) {
				t.Errorf("engagement %v; the digest does not say %q: %+v", e, want, bot.DigestDocument(d, nil).Blocks)
			}
			// Two accounts fewer, and nothing is ranked: nobody is named drifting.
			rr.Only = ""
			var fewer []feedbackbot.Message
			for _, m := range msgs {
				if m.Account != "d" && m.Account != "e" {
					fewer = append(fewer, m)
				}
			}
			st2 := open(t)
			captured(t, st2, fewer...)
			d, err = bot.DigestWithRisk(ctx, st2, rr, bot.DigestRequest{Workspace: "TE", From: now.Add(-7 * 24 * time.Hour), To: now, Now: now})
			if err != nil || len(d.Drifting) != 0 || containsText(bot.DigestDocument(d, nil), "gone quiet") {
				t.Errorf("three accounts: drifting %v, %v", ids(d.Drifting), err)
			}
		})
	}
}

func ids(hs []feedbackbot.Health) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Account.ID)
	}
	return out
}

// TestAlertSaysEngagement: an alert raised from a ranked health carries the
// account's engagement and shows it beside its revenue, tier and owner (how much
// the team stands to lose); a closed alert does not.
func TestAlertSaysEngagement(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "Acme", Value: 120000}, Score: 20, AtRisk: true,
		Reasons:    []feedbackbot.Reason{{Code: "sentiment_low", Text: "Customer sentiment is low", Impact: -30}},
		Engagement: &feedbackbot.Engagement{Recency: 1, Frequency: 5, Value: 5, Segment: feedbackbot.SegmentCannotLose}}
	al := bot.AlertFor("TE", h, now)
	if al.Engagement == nil || *al.Engagement != *h.Engagement {
		t.Fatalf("alert engagement %v, want %v", al.Engagement, h.Engagement)
	}
	field := func(doc feedbackbot.Document) string {
		for _, b := range doc.Blocks {
			for _, f := range b.Fields {
				if f.Label == "Engagement" {
					return f.Value
				}
			}
		}
		return ""
	}
	if got := field(bot.AlertDocument(al)); got != "can't lose: R1 F5 V5" {
		t.Errorf("the alert's Engagement field is %q", got)
	}
	al.Status = feedbackbot.AlertResolved
	if got := field(bot.AlertDocument(al)); got != "" {
		t.Errorf("a closed alert shows engagement %q", got)
	}
	h.Engagement = nil // (assessed alone)
	if got := field(bot.AlertDocument(bot.AlertFor("TE", h, now))); got != "" {
		t.Errorf("an alert of an unranked account shows engagement %q", got)
	}
}

// TestAlertEngagementFollowsThePass: an open alert's engagement is the one its
// latest pass ranked, and none when that pass ranked no account (fewer than five):
// a standing kept from an earlier pass would read as current.
func TestAlertEngagementFollowsThePass(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			al, _ := recordingAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			h := atRisk("acme", 20, "sentiment_low")
			h.Engagement = &feedbackbot.Engagement{Recency: 1, Frequency: 5, Segment: feedbackbot.SegmentCannotLose}
			stored := func() *feedbackbot.Engagement {
				t.Helper()
				docs, err := st.ListDocs(ctx, "TE", bot.DocAlert)
				if err != nil || len(docs) != 1 {
					t.Fatalf("alerts: %d, %v", len(docs), err)
				}
				for _, raw := range docs {
					var a feedbackbot.Alert
					if err := json.Unmarshal(raw, &a); err != nil {
						t.Fatal(err)
					}
					return a.Engagement
				}
				return nil
			}
			if _, err := al.Evaluate(ctx, "TE", []feedbackbot.Health{h}, t0); err != nil {
				t.Fatal(err)
			}
			if e := stored(); e == nil || e.Segment != feedbackbot.SegmentCannotLose {
				t.Fatalf("raised with engagement %v", e)
			}
			h.Engagement = nil
			if _, err := al.Evaluate(ctx, "TE", []feedbackbot.Health{h}, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if e := stored(); e != nil {
				t.Errorf("a pass that ranked none left engagement %v", e)
			}
		})
	}
}
