package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// TestRetention: the daily pass deletes messages, survey answers and alert quotes
// older than the retention age, keeps the hourly totals, runs once per day across
// replicas and is audited.
func TestRetention(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			ages := []time.Duration{100 * 24 * time.Hour, 95 * 24 * time.Hour, 10 * 24 * time.Hour, time.Hour}
			var events []feedbackbot.Event
			for i, age := range ages {
				at := now.Add(-age)
				m := feedbackbot.Message{ID: fmt.Sprintf("C1:%d.000100", at.Unix()), Platform: feedbackbot.PlatformSlack,
					Workspace: "T1", Channel: "C1", Author: fmt.Sprintf("U%d", i), Role: feedbackbot.RoleCustomer, Account: "acme",
					Text: "we were charged twice and nobody answers", Time: at}
				if err := m.Normalize(); err != nil {
					t.Fatal(err)
				}
				events = append(events, feedbackbot.Event{Kind: feedbackbot.EventPut, Message: m})
			}
			events = append(events, feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: events[1].Message})
			if _, err := st.Append(ctx, events...); err != nil {
				t.Fatal(err)
			}
			w := &bot.Worker{Store: st, Analyzer: analyzer(t), Consumer: "t"}
			if _, err := w.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			oldKey, newKey := events[0].Message.Key(), events[2].Message.Key()
			docs := []struct {
				kind, id string
				v        any
			}{
				{bot.DocSurveyAnswer, "old", bot.SurveyAnswer{Kind: "csat", Score: 2, Account: "acme", User: "U0", Time: now.Add(-99 * 24 * time.Hour)}},
				{bot.DocSurveyAnswer, "new", bot.SurveyAnswer{Kind: "csat", Score: 5, Account: "acme", User: "U2", Time: now.Add(-9 * 24 * time.Hour)}},
				{bot.DocAlert, "fp1", feedbackbot.Alert{Fingerprint: "fp1", Workspace: "T1", Reasons: []feedbackbot.Reason{{Code: "negative_share",
					Evidence: []feedbackbot.Evidence{
						{MessageKey: oldKey, Quote: "we were charged twice", Time: events[0].Message.Time},
						{MessageKey: newKey, Quote: "we were charged twice", Time: events[2].Message.Time},
						{Figure: "3 of 3 negative"}}}}}},
			}
			for _, d := range docs {
				raw, _ := json.Marshal(d.v)
				if err := st.PutDoc(ctx, "T1", d.kind, d.id, raw); err != nil {
					t.Fatal(err)
				}
			}
			from, to := now.Add(-200*24*time.Hour), now.Add(time.Hour)
			before, err := st.Rollups(ctx, "T1", from, to)
			if err != nil {
				t.Fatal(err)
			}

			r := &bot.Retention{Store: st, MaxAge: 90 * 24 * time.Hour}
			got, ran, err := r.RunOnce(ctx, now)
			if err != nil || !ran {
				t.Fatalf("RunOnce = %v, ran %v", err, ran)
			}
			if want := (bot.Expired{Messages: 2, SurveyAnswers: 1, Evidence: 1}); got != want {
				t.Errorf("RunOnce expired %+v, want %+v (the 100-day message, the 95-day deleted one, one answer, one quote)", got, want)
			}
			// Another replica the same day does nothing.
			if _, ran, err := r.RunOnce(ctx, now.Add(2*time.Hour)); err != nil || ran {
				t.Errorf("second pass the same day ran=%v err=%v, want it skipped", ran, err)
			}

			after, err := st.Rollups(ctx, "T1", from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) {
				t.Fatalf("rollups: %d buckets after retention, %d before", len(after), len(before))
			}
			for i := range before {
				if !before[i].Start.Equal(after[i].Start) || !maps.Equal(before[i].Counts, after[i].Counts) {
					t.Errorf("rollup %s changed: %v -> %v", before[i].Start, before[i].Counts, after[i].Counts)
				}
			}
			if _, err := st.Message(ctx, oldKey); !feedbackbot.IsNotFound(err) {
				t.Errorf("the 100-day-old message is still there: %v", err)
			}
			if _, err := st.Message(ctx, newKey); err != nil {
				t.Errorf("the 10-day-old message is gone: %v", err)
			}
			answers, _ := st.ListDocs(ctx, "T1", bot.DocSurveyAnswer)
			if _, ok := answers["new"]; !ok || len(answers) != 1 {
				t.Errorf("survey answers after retention: %v, want only the new one", slices.Collect(maps.Keys(answers)))
			}
			raw, _ := st.GetDoc(ctx, "T1", bot.DocAlert, "fp1")
			var al feedbackbot.Alert
			if err := json.Unmarshal(raw, &al); err != nil {
				t.Fatal(err)
			}
			if ev := al.Reasons[0].Evidence; len(ev) != 2 || ev[0].MessageKey != newKey || ev[1].Figure == "" {
				t.Errorf("alert evidence after retention: %+v, want the new quote and the figure", ev)
			}
			audits, _ := st.ListDocs(ctx, "T1", bot.DocAudit)
			if len(audits) != 1 {
				t.Fatalf("%d audit entries, want 1", len(audits))
			}
			for _, a := range audits {
				if s := string(a); !strings.Contains(s, `"expire"`) || !strings.Contains(s, "2 messages") || !strings.Contains(s, `"retention"`) {
					t.Errorf("audit entry %s does not say who and what", s)
				}
			}

			// The next day: nothing more is old enough, nothing is written.
			got, ran, err = r.RunOnce(ctx, now.Add(24*time.Hour))
			if err != nil || !ran || got != (bot.Expired{}) {
				t.Errorf("next day's pass = %+v ran=%v err=%v, want nothing expired", got, ran, err)
			}
			if audits, _ := st.ListDocs(ctx, "T1", bot.DocAudit); len(audits) != 1 {
				t.Errorf("%d audit entries after an empty pass, want still 1", len(audits))
			}
			// Off when MaxAge is zero.
			if _, ran, _ := (&bot.Retention{Store: st}).RunOnce(ctx, now.Add(48*time.Hour)); ran {
				t.Error("a retention of 0 ran")
			}
		})
	}
}

// TestErasedQuotesLeavePostedAlerts: when retention (or forget) removes a quote from a
// stored alert, the alerter's next pass edits the alert's chat messages so the quote
// leaves the chat too, for open and for recovered alerts (their recovery notices
// included), each message once.
func TestErasedQuotesLeavePostedAlerts(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := recordingAlerter(st)
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
			const secret = "call me on 555-0199 about the invoice"
			risk := func(id string) feedbackbot.Health {
				return feedbackbot.Health{Account: feedbackbot.Account{ID: id, Name: id}, Score: 30, AtRisk: true,
					Reasons: []feedbackbot.Reason{{Code: "negative_share", Text: "negative", Impact: -40, Evidence: []feedbackbot.Evidence{
						{MessageKey: "slack:T1:C1:1", Quote: secret, Time: now.Add(-100 * 24 * time.Hour)},
						{MessageKey: "slack:T1:C1:2", Quote: "recent complaint", Time: now.Add(-time.Hour)}}}}}
			}
			// acme stays open; bolt recovers (its message now says "Recovered").
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{risk("acme"), risk("bolt")}, now); err != nil {
				t.Fatal(err)
			}
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{risk("acme")}, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got, err := bot.ExpireOld(ctx, st, "T1", now.Add(-90*24*time.Hour)); err != nil || got.Evidence != 2 {
				t.Fatalf("ExpireOld = %+v, %v; want 2 quotes removed", got, err)
			}
			p.mu.Lock()
			before := len(p.updated)
			p.mu.Unlock()
			// The next pass, with health computed after the expiry, edits every posted
			// message, the recovered alert's and its notice included, and never shows
			// the quote again.
			fresh := risk("acme")
			fresh.Reasons[0].Evidence = fresh.Reasons[0].Evidence[1:]
			for i := range 2 {
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{fresh}, now.Add(time.Duration(2+i)*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			p.mu.Lock()
			edits := p.updated[before:]
			p.mu.Unlock()
			if len(edits) != 3 { // bolt's recovery notice quoted it too
				t.Fatalf("%d alert messages edited after the quotes were removed, want 3 (each message once: acme's, bolt's and bolt's recovery notice)", len(edits))
			}
			for _, d := range edits {
				raw, _ := json.Marshal(d)
				rest := "recent complaint" // the open alert's other quote
				if d.Color != "danger" {
					rest = "• negative" // a closed alert's messages list its reasons, quoting nothing
				}
				if strings.Contains(string(raw), "555-0199") || !strings.Contains(string(raw), rest) {
					t.Errorf("edited alert message still quotes the expired message, or lost the rest (%q):\n%s", rest, raw)
				}
			}
			docs, _ := st.ListDocs(ctx, "T1", bot.DocAlert)
			for id, raw := range docs {
				if strings.Contains(string(raw), `"redacted":true`) {
					t.Errorf("alert %s still marked redacted after the pass", id)
				}
			}
		})
	}
}

// TestRetentionSaysWhatItDeleted: the audit entry and the log line of a pass say
// every kind of thing it deleted, staff's corrections of expired messages too: a
// pass that deleted only corrections (of messages an earlier pass expired before
// it failed) was audited as "0 messages, 0 survey answers, 0 alert quotes" and its
// log line left them out (a review's find).
func TestRetentionSaysWhatItDeleted(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for name, open := range backends(t) {
		for _, tc := range []struct {
			name        string
			corrections int
			survey      bool
			want        string
			wantLog     []string
		}{
			{"corrections only", 1, false, ": 0 messages, 0 survey answers, 0 alert quotes, 0 digest quotes, 1 staff correction",
				[]string{"messages=0", "survey_answers=0", "alert_quotes=0", "digest_quotes=0", "corrections=1"}},
			{"corrections and an answer", 2, true, ": 0 messages, 1 survey answer, 0 alert quotes, 0 digest quotes, 2 staff corrections",
				[]string{"survey_answers=1", "corrections=2"}},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				ctx := context.Background()
				st := open(t)
				captured(t, st, feedbackbot.Message{ID: "C1:new", Platform: feedbackbot.PlatformSlack, Workspace: "T1", Channel: "C1",
					Author: "U1", Role: feedbackbot.RoleCustomer, Text: "a recent message, kept", Time: now.Add(-time.Hour)}) // (the workspace's)
				for i := range tc.corrections {
					raw, _ := json.Marshal(feedbackbot.Correction{Sentiment: feedbackbot.Negative, MessageTime: now.Add(-100 * 24 * time.Hour), By: "UC", At: now.Add(-99 * 24 * time.Hour)})
					if err := st.PutDoc(ctx, "T1", bot.DocCorrection, fmt.Sprintf("slack/T1/C1:%d", i), raw); err != nil {
						t.Fatal(err)
					}
				}
				if tc.survey {
					raw, _ := json.Marshal(bot.SurveyAnswer{Kind: "csat", Score: 2, Account: "acme", User: "U0", Time: now.Add(-99 * 24 * time.Hour)})
					if err := st.PutDoc(ctx, "T1", bot.DocSurveyAnswer, "old", raw); err != nil {
						t.Fatal(err)
					}
				}
				var logs syncBuffer
				r := &bot.Retention{Store: st, MaxAge: 90 * 24 * time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
				got, ran, err := r.RunOnce(ctx, now)
				if err != nil || !ran || got.Corrections != tc.corrections {
					t.Fatalf("RunOnce = %+v, ran %v, %v", got, ran, err)
				}
				audits, err := st.ListDocs(ctx, "T1", bot.DocAudit)
				if err != nil || len(audits) != 1 {
					t.Fatalf("%d audit entries (%v), want 1", len(audits), err)
				}
				for _, raw := range audits {
					var e struct{ Target string }
					if err := json.Unmarshal(raw, &e); err != nil || !strings.HasSuffix(e.Target, tc.want) {
						t.Errorf("audit entry says %q, want it to end %q", e.Target, tc.want)
					}
				}
				for _, w := range tc.wantLog {
					if !strings.Contains(logs.String(), w) {
						t.Errorf("log lacks %s:\n%s", w, logs.String())
					}
				}
			})
		}
	}
}
