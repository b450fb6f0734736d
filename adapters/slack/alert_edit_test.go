package slackadapter

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
)

func atRiskHealth(id string, score int, ev ...feedbackbot.Evidence) feedbackbot.Health {
	return feedbackbot.Health{Account: feedbackbot.Account{ID: id, Name: id}, Score: score, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: health.ReasonChurnSignal, Text: "1 churn signal(s)", Impact: -40, Evidence: ev}}}
}

// TestAlertMessageDeletedInSlackHoldsNoOtherAlertBack: an open alert's message
// deleted in Slack (chat.update answers message_not_found) neither stops the
// pass nor the passes after it: another account at risk is alerted, and the
// alert whose message is gone is posted anew at its next repeat (a review's find:
// every later alert of the workspace was lost, pass after pass).
func TestAlertMessageDeletedInSlackHoldsNoOtherAlertBack(t *testing.T) {
	var posts, updates atomic.Int64
	var gone atomic.Bool
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/conversations.info", func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,"is_channel":true,"is_private":true}}`, r.Form.Get("channel"))
		})
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"ok":true,"channel":"CINTERNAL","ts":"1700000999.00010%d"}`, posts.Add(1))
		})
		c.Handle("/chat.update", func(w http.ResponseWriter, r *http.Request) {
			updates.Add(1)
			if gone.Load() {
				fmt.Fprint(w, `{"ok":false,"error":"message_not_found"}`)
				return
			}
			fmt.Fprint(w, `{"ok":true,"channel":"CINTERNAL","ts":"1700000999.000101"}`)
		})
	})
	ctx := context.Background()
	al := &bot.Alerter{Store: f.st, Poster: f.a, Channel: "CINTERNAL", RepeatInterval: 24 * time.Hour}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	if out, err := al.Evaluate(ctx, home, []feedbackbot.Health{atRiskHealth("TACME", 30)}, now); err != nil || out.Raised != 1 {
		t.Fatalf("first pass: %+v %v", out, err)
	}
	gone.Store(true) // Acme's alert message deleted in Slack
	for pass := 1; pass <= 3; pass++ {
		out, err := al.Evaluate(ctx, home, []feedbackbot.Health{atRiskHealth("TACME", 30-pass), atRiskHealth("TGLOBEX", 20)}, now.Add(time.Duration(pass)*time.Hour))
		if err != nil {
			t.Errorf("pass %d: %v (a message gone is no failure)", pass, err)
		}
		if pass == 1 && out.Raised != 1 {
			t.Errorf("pass 1 raised %d, want Globex's alert", out.Raised)
		}
	}
	if posts.Load() != 2 {
		t.Errorf("%d posts, want Acme's and Globex's", posts.Load())
	}
	if updates.Load() != 1 {
		t.Errorf("%d edits: a message found gone is not edited again", updates.Load())
	}
	// The next repeat posts Acme's alert again, as a new message.
	if _, err := al.Evaluate(ctx, home, []feedbackbot.Health{atRiskHealth("TACME", 26), atRiskHealth("TGLOBEX", 20)}, now.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if posts.Load() != 4 {
		t.Errorf("%d posts after the repeat, want both alerts posted again (Acme's as a new message)", posts.Load())
	}
}

// TestErasedQuoteDeletedFromAChannelSharedSince: a person forgotten after the
// alerts channel became a Slack Connect channel: the alert quoting them may not
// be edited there (nothing new goes to a shared channel), so it is deleted.
func TestErasedQuoteDeletedFromAChannelSharedSince(t *testing.T) {
	var updates, deletes atomic.Int64
	var shared, deleteFails atomic.Bool
	f := newFixture(t, func(c slacktest.Customize) {
		c.Handle("/conversations.info", privateChannelInfo(&shared))
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"ok":true,"channel":"CINTERNAL","ts":"1700000999.000100"}`)
		})
		c.Handle("/chat.update", func(w http.ResponseWriter, r *http.Request) {
			updates.Add(1)
			fmt.Fprint(w, `{"ok":true,"channel":"CINTERNAL","ts":"1700000999.000100"}`)
		})
		c.Handle("/chat.delete", func(w http.ResponseWriter, r *http.Request) {
			deletes.Add(1)
			if deleteFails.Load() {
				fmt.Fprint(w, `{"ok":false,"error":"fatal_error"}`)
				return
			}
			fmt.Fprint(w, `{"ok":true}`)
		})
	})
	ctx := context.Background()
	al := &bot.Alerter{Store: f.st, Poster: f.a, Channel: "CINTERNAL", RepeatInterval: 24 * time.Hour}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	quote := feedbackbot.Evidence{MessageKey: "slack/" + home + "/CX:1700000000.000100", Author: "XDANA",
		Quote: "we are moving to a competitor, our CFO signed off", Time: now.Add(-time.Hour)}
	if _, err := al.Evaluate(ctx, home, []feedbackbot.Health{atRiskHealth("TACME", 10, quote)}, now); err != nil {
		t.Fatal(err)
	}
	shared.Store(true)
	deleteFails.Store(true)
	res, err := bot.ForgetPerson(ctx, f.st.(bot.PrivacyStore), home, "XDANA")
	if err != nil || res.Evidence != 1 {
		t.Fatalf("forget: %+v %v", res, err)
	}
	// A delete that fails is tried again next pass, and then succeeds.
	for pass := 1; pass <= 2; pass++ {
		if _, err := al.Evaluate(ctx, home, []feedbackbot.Health{atRiskHealth("TACME", 10)}, now.Add(time.Duration(pass)*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if int(deletes.Load()) != pass {
			t.Fatalf("pass %d: %d deletes, want %d", pass, deletes.Load(), pass)
		}
		deleteFails.Store(false)
	}
	if updates.Load() != 0 {
		t.Errorf("%d edits of a message in a shared channel", updates.Load())
	}
	// Done with: not deleted again.
	if _, err := al.Evaluate(ctx, home, []feedbackbot.Health{atRiskHealth("TACME", 10)}, now.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if deletes.Load() != 2 {
		t.Errorf("%d deletes, want 2: the erasure was done", deletes.Load())
	}
}

// privateChannelInfo answers conversations.info with a private channel, shared
// with another organisation (Slack Connect) once shared is set.
func privateChannelInfo(shared *atomic.Bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		kind := `"is_channel":true,"is_private":true`
		if shared.Load() {
			kind += `,"is_ext_shared":true,"is_shared":true`
		}
		fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q,%s}}`, r.Form.Get("channel"), kind)
	}
}
