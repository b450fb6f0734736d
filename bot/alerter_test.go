package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/health"
	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

func atRisk(id string, score int, code string, evidence ...string) feedbackbot.Health {
	var ev []feedbackbot.Evidence
	for _, e := range evidence {
		ev = append(ev, feedbackbot.Evidence{MessageKey: e})
	}
	return feedbackbot.Health{Account: feedbackbot.Account{ID: id, Name: id}, Score: score, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: code, Text: code, Impact: -40, Evidence: ev}}}
}

// recordingAlerter is an alerter that posts to CALERTS through a recordingPoster
// and repeats an unchanged alert daily.
func recordingAlerter(st store.Store) (*bot.Alerter, *recordingPoster) {
	p := &recordingPoster{}
	return &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}, p
}

func TestAlerterLifecycle(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := recordingAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			step := func(at time.Duration, hs ...feedbackbot.Health) bot.AlertOutcome {
				t.Helper()
				out, err := al.Evaluate(ctx, "T1", hs, t0.Add(at))
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			// Raised once.
			if out := step(0, atRisk("acme", 40, health.ReasonUnanswered, "k1")); out.Raised != 1 || p.count() != 1 {
				t.Fatalf("raise: %+v posts %d", out, p.count())
			}
			// Same cause, same evidence, an hour later: quiet.
			if out := step(time.Hour, atRisk("acme", 40, health.ReasonUnanswered, "k1")); out.Quiet != 1 || p.count() != 1 {
				t.Fatalf("dedupe: %+v posts %d", out, p.count())
			}
			// New evidence: the open alert's message is updated in place, no new post.
			if out := step(2*time.Hour, atRisk("acme", 38, health.ReasonUnanswered, "k1", "k2")); out.Updated != 1 || p.count() != 1 || p.updates != 1 {
				t.Fatalf("update: %+v posts %d updates %d", out, p.count(), p.updates)
			}
			// Worse by 10+ points: re-sent early.
			if out := step(3*time.Hour, atRisk("acme", 20, health.ReasonUnanswered, "k1", "k2")); out.Repeated != 1 || p.count() != 2 {
				t.Fatalf("worse: %+v posts %d", out, p.count())
			}
			// Repeat interval passes: reminded once.
			if out := step(28*time.Hour, atRisk("acme", 20, health.ReasonUnanswered, "k1", "k2")); out.Repeated != 1 || p.count() != 3 {
				t.Fatalf("repeat: %+v posts %d", out, p.count())
			}
			// Recovered: a resolved notice closes the loop.
			if out := step(30 * time.Hour); out.Resolved != 1 || p.count() != 4 {
				t.Fatalf("resolve: %+v posts %d", out, p.count())
			}
			// Still fine: nothing more.
			if out := step(31 * time.Hour); out.Resolved != 0 || p.count() != 4 {
				t.Fatalf("after resolve: %+v posts %d", out, p.count())
			}
		})
	}
}

func TestAlerterAcknowledgeAndSnooze(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := recordingAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			h := atRisk("acme", 40, health.ReasonWentQuiet, "k1")
			al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0)
			fp := bot.AlertFor("T1", h, t0).Fingerprint
			b := &bot.Bot{Store: st, Now: func() time.Time { return t0.Add(time.Hour) }}
			doc, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", UserName: "maria", Staff: true, Button: true, Text: "alert.snooze " + fp})
			if err != nil {
				t.Fatal(err)
			}
			if !containsText(doc, "Snoozed by maria") {
				t.Fatalf("snooze reply does not say who: %+v", doc.Blocks)
			}
			// Snoozed: not repeated after the interval, until the snooze ends.
			al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0.Add(48*time.Hour))
			if p.count() != 1 {
				t.Fatalf("snoozed alert repeated: %d posts", p.count())
			}
			al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0.Add(8*24*time.Hour))
			if p.count() != 2 {
				t.Fatalf("after the snooze the alert should repeat: %d posts", p.count())
			}
			// Acknowledged: not repeated for the same cause at the same severity.
			if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", Staff: true, Button: true, Text: "alert.ack " + fp}); err != nil {
				t.Fatal(err)
			}
			al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, t0.Add(10*24*time.Hour))
			if p.count() != 2 {
				t.Fatalf("acknowledged alert repeated: %d posts", p.count())
			}
		})
	}
}

func TestLesserAlertInhibited(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := recordingAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 20, health.ReasonChurnSignal, "k1")}, t0) // critical
			out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 45, health.ReasonSlowReplies, "k2")}, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if out.Inhibited != 1 || p.count() != 1 {
				t.Fatalf("lesser alert not inhibited: %+v posts %d", out, p.count())
			}
		})
	}
}

func TestCommandsRefuseNonStaff(t *testing.T) {
	st := backends(t)["bolt"](t)
	b := &bot.Bot{Store: st}
	for _, text := range []string{"risk", "account acme", "digest", "alert.ack x", "log acme hi"} {
		doc, err := b.HandleCommand(context.Background(), feedbackbot.Command{Workspace: "T1", User: "UEXT", Text: text})
		if err != nil || !doc.Ephemeral || !containsText(doc, "only available to the team") {
			t.Errorf("%q by non-staff: %v %+v", text, err, doc)
		}
	}
}

func containsText(doc feedbackbot.Document, s string) bool {
	for _, b := range doc.Blocks {
		if strings.Contains(b.Text, s) {
			return true
		}
	}
	return false
}

func TestReplyDueWarning(t *testing.T) {
	st := backends(t)["bolt"](t)
	al, p := recordingAlerter(st)
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme"}, Score: 90, Reasons: []feedbackbot.Reason{
		{Code: health.ReasonReplyDue, Text: "1 question(s) will pass the first-response target soon", Impact: -3}}}
	out, err := al.Evaluate(context.Background(), "T1", []feedbackbot.Health{h}, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	if err != nil || out.Raised != 1 || !containsText(p.posts[0], "response target is about to pass") {
		t.Fatalf("reply-due warning not raised: %+v %v", out, err)
	}
}

// TestAlerterRoutesMinorSignalsToTheDigest: with MinSeverity critical, a warning is
// left to the digest (no post, and no "recovered" notice later), while a critical
// alert is posted.
func TestAlerterRoutesMinorSignalsToTheDigest(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			p := &recordingPoster{}
			al := &bot.Alerter{Store: open(t), Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, MinSeverity: feedbackbot.SeverityCritical}
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			tests := []struct {
				at      time.Duration
				hs      []feedbackbot.Health
				digest  int
				raised  int
				posts   int
				resolve int
			}{
				{0, []feedbackbot.Health{atRisk("acme", 45, health.ReasonUnanswered, "k1")}, 1, 0, 0, 0},          // a warning: digest only
				{time.Hour, []feedbackbot.Health{atRisk("grid", 10, health.ReasonChurnSignal, "k2")}, 0, 1, 1, 0}, // critical: posted
				{2 * time.Hour, nil, 0, 0, 2, 1}, // both clear: one recovery notice, for the posted alert only
			}
			for i, tc := range tests {
				out, err := al.Evaluate(ctx, "T1", tc.hs, t0.Add(tc.at))
				if err != nil {
					t.Fatal(err)
				}
				if out.DigestOnly != tc.digest || out.Raised != tc.raised || p.count() != tc.posts || out.Resolved != tc.resolve {
					t.Errorf("step %d: %+v, %d posts", i, out, p.count())
				}
			}
		})
	}
}

// refPoster keeps the latest document of every message it posted, by reference.
type refPoster struct {
	docs map[string]feedbackbot.Document
	n    int
}

func (p *refPoster) Post(_ context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	p.n++
	ref := feedbackbot.PostRef{Platform: "test", Destination: channel, ID: fmt.Sprint(p.n)}
	p.docs[ref.ID] = doc
	return ref, nil
}

func (p *refPoster) Delete(_ context.Context, ref feedbackbot.PostRef) error {
	if _, ok := p.docs[ref.ID]; !ok {
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no message %s", ref.ID)
	}
	delete(p.docs, ref.ID)
	return nil
}

func (p *refPoster) Update(_ context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error {
	if _, ok := p.docs[ref.ID]; !ok {
		return feedbackbot.Errorf(feedbackbot.ENOTFOUND, "no message %s", ref.ID) // (as the platforms say it)
	}
	p.docs[ref.ID] = doc
	return nil
}

// refAlerter is an alerter whose poster keeps every message it posted, by reference.
func refAlerter(st store.Store) (*bot.Alerter, *refPoster) {
	p := &refPoster{docs: map[string]feedbackbot.Document{}}
	return &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}, p
}

// TestForgottenQuoteLeavesEveryAlertMessage: an alert posted, re-sent, recovered and
// raised again has posted four messages quoting a person; forgetting them (their
// message already deleted on the platform, so only the quote's author names them)
// edits the quote out of all four, not only the latest.
func TestForgottenQuoteLeavesEveryAlertMessage(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := refAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			h := atRisk("acme", 30, health.ReasonUnanswered)
			h.Reasons[0].Evidence = []feedbackbot.Evidence{{MessageKey: "slack/T1/C1:1.000100", Author: "XDANA", Quote: "call me on 555-0199, nobody answers"}}
			for _, s := range []struct {
				at time.Duration
				hs []feedbackbot.Health
			}{{0, []feedbackbot.Health{h}}, {25 * time.Hour, []feedbackbot.Health{h}}, {26 * time.Hour, nil}, {27 * time.Hour, []feedbackbot.Health{h}}} {
				if _, err := al.Evaluate(ctx, "T1", s.hs, t0.Add(s.at)); err != nil {
					t.Fatal(err)
				}
			}
			if p.n != 4 {
				t.Fatalf("%d messages posted, want 4 (raised, repeated, recovered, raised again)", p.n)
			}
			res, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "T1", "XDANA")
			if err != nil || res.Evidence != 1 {
				t.Fatalf("forget: %+v %v", res, err)
			}
			gone := atRisk("acme", 30, health.ReasonUnanswered) // the account as assessed without the erased message
			if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{gone}, t0.Add(28*time.Hour)); err != nil {
				t.Fatal(err)
			}
			for id, doc := range p.docs {
				raw, _ := json.Marshal(doc)
				if strings.Contains(string(raw), "555-0199") {
					t.Errorf("message %s still quotes the forgotten person: %s", id, doc.Fallback)
				}
			}
		})
	}
}

// TestForgetMemberClosesTheirAlerts: a Discord community member is their own account
// (its id theirs, its name their display name). Forgetting them takes the name out
// of the alert and its posted message and closes the alert without a recovery
// notice, which would post the name again.
func TestForgetMemberClosesTheirAlerts(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := refAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			h := atRisk("U4242", 30, health.ReasonUnanswered)
			h.Account.Name = "Jonas Doe"
			if _, err := al.Evaluate(ctx, "G1", []feedbackbot.Health{h}, t0); err != nil {
				t.Fatal(err)
			}
			if _, err := bot.ForgetPerson(ctx, st.(bot.PrivacyStore), "G1", "U4242"); err != nil {
				t.Fatal(err)
			}
			// Their messages gone, the member is not assessed any more.
			out, err := al.Evaluate(ctx, "G1", nil, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if p.n != 1 || out.Resolved != 0 {
				t.Errorf("%d messages posted (want the alert alone), %d resolved with a notice", p.n, out.Resolved)
			}
			for id, doc := range p.docs {
				if raw, _ := json.Marshal(doc); strings.Contains(string(raw), "Jonas Doe") {
					t.Errorf("message %s still names the forgotten member: %s", id, doc.Fallback)
				}
				// (edited to say why it closed: it said "Recovered: U4242")
				if doc.Fallback != "Closed: U4242 (the person's data was erased)" || doc.Color != "warning" {
					t.Errorf("message %s after forget: %q in %q", id, doc.Fallback, doc.Color)
				}
			}
			docs, err := st.ListDocs(ctx, "G1", bot.DocAlert)
			if err != nil {
				t.Fatal(err)
			}
			for id, raw := range docs {
				if strings.Contains(string(raw), "Jonas Doe") || !strings.Contains(string(raw), `"status":"resolved"`) ||
					!strings.Contains(string(raw), `"closed_reason":"forgotten"`) {
					t.Errorf("alert %s after forget: %s", id, raw)
				}
			}
		})
	}
}

// health builds an at-risk health with reasons given as code and impact pairs.
func healthWith(id string, score int, reasons ...any) feedbackbot.Health {
	h := feedbackbot.Health{Account: feedbackbot.Account{ID: id, Name: id}, Score: score, AtRisk: true}
	for i := 0; i < len(reasons); i += 2 {
		code := reasons[i].(string)
		h.Reasons = append(h.Reasons, feedbackbot.Reason{Code: code, Text: code, Impact: reasons[i+1].(float64),
			Evidence: []feedbackbot.Evidence{{MessageKey: code + "-k"}}})
	}
	return h
}

// TestAlertEpisodes: an account has one alert while it stays at risk. Its reasons
// trading places (an unanswered question's weight falls back, sentiment's rises)
// neither pages again nor posts "recovered" (both happened: the alert's id came
// from whichever reason was on top); a greater alert whose cause has gone does not
// hold back the account's current cause for ever (it did, and stayed open); a slide
// of a few points a pass is re-sent once it is 10 points worse than what was sent
// (the comparison was with the last pass, so it never was); a churn signal makes
// the alert critical whatever reason tops it; the "recovered" notice gives the
// score the account has now.
func TestAlertEpisodes(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			at := func(m int) time.Time { return t0.Add(time.Duration(m) * 5 * time.Minute) }
			type step struct {
				h                  feedbackbot.Health
				posts              int // posts so far
				recovered, updated bool
			}
			for _, c := range []struct {
				name  string
				steps []step
			}{
				{"reasons trade places", []step{
					{h: healthWith("acme", 40, "unanswered", -24.0, "sentiment_low", -20.0), posts: 1},
					{h: healthWith("acme", 48, "sentiment_low", -20.0, "unanswered", -12.0), posts: 1, updated: true},
					{h: healthWith("acme", 47, "sentiment_low", -21.0, "unanswered", -12.0), posts: 1, updated: true},
				}},
				{"a greater cause that has gone", []step{
					{h: healthWith("acme", 20, "churn_signal", -40.0), posts: 1},
					{h: healthWith("acme", 45, "slow_replies", -30.0), posts: 1, updated: true},
					{h: healthWith("acme", 44, "slow_replies", -31.0), posts: 1, updated: true},
					{h: feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 85, RecentMessages: 2, LastCustomerAt: t0.Add(time.Minute)}, posts: 2, recovered: true, updated: true},
				}},
				{"a slow slide", []step{
					{h: healthWith("acme", 48, "sentiment_low", -30.0), posts: 1},
					{h: healthWith("acme", 43, "sentiment_low", -35.0), posts: 1, updated: true},
					{h: healthWith("acme", 38, "sentiment_low", -40.0), posts: 2},
					{h: healthWith("acme", 33, "sentiment_low", -45.0), posts: 2, updated: true},
				}},
				{"a churn signal under another reason", []step{
					{h: healthWith("acme", 45, "sentiment_low", -30.0), posts: 1},
					{h: healthWith("acme", 44, "sentiment_low", -30.0, "churn_signal", -10.0), posts: 2},
				}},
			} {
				t.Run(c.name, func(t *testing.T) {
					p := &recordingPoster{}
					al := &bot.Alerter{Store: open(t), Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
					for i, st := range c.steps {
						updates := p.updates
						out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{st.h}, at(i))
						if err != nil {
							t.Fatal(err)
						}
						if p.count() != st.posts || (out.Resolved == 1) != st.recovered || (p.updates > updates) != st.updated {
							t.Fatalf("step %d: %d posts, outcome %+v, %d updates; want %d posts, recovered %v, updated %v", i, p.count(), out, p.updates-updates, st.posts, st.recovered, st.updated)
						}
						if st.recovered && !strings.Contains(p.posts[len(p.posts)-1].Fallback, "health 85/100") {
							t.Errorf("step %d: the recovered notice says %q, want the score now (85)", i, p.posts[len(p.posts)-1].Fallback)
						}
					}
					if c.name == "a churn signal under another reason" && !strings.HasPrefix(p.posts[1].Fallback, "Critical") {
						t.Errorf("the churn signal's re-send: %q, want a critical alert", p.posts[1].Fallback)
					}
				})
			}
		})
	}
}

// TestReplyDueAfterAnAtRiskAlert: an account whose at-risk alert is open stops
// being at risk while a question is about to pass its response target: the
// heads-up is posted (it was folded into the old alert, which changed silently)
// and the old alert recovers.
func TestReplyDueAfterAnAtRiskAlert(t *testing.T) {
	st := backends(t)["bolt"](t)
	al, p := recordingAlerter(st)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 45, health.ReasonSentimentLow, "k1")}, t0); err != nil {
		t.Fatal(err)
	}
	due := feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 88, Reasons: []feedbackbot.Reason{
		{Code: health.ReasonReplyDue, Text: "1 question(s) will pass the first-response target soon", Impact: -3}}}
	out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{due}, t0.Add(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range p.posts[1:] {
		found = found || containsText(d, "response target is about to pass")
	}
	if !found || out.Raised != 1 || out.Resolved != 1 {
		t.Errorf("outcome %+v, %d posts, the heads-up posted: %v; want it raised and the old alert recovered", out, p.count(), found)
	}
}

// TestWarningsStayDigestOnlyAfterACriticalAlert: with MinSeverity critical, an
// account paged as critical that eases to a warning (still at risk) keeps its alert
// updated in place and is not paged again every RepeatInterval (it was).
func TestWarningsStayDigestOnlyAfterACriticalAlert(t *testing.T) {
	st := backends(t)["bolt"](t)
	p := &recordingPoster{}
	al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, MinSeverity: feedbackbot.SeverityCritical}
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 20, health.ReasonSentimentLow, "k1")}, t0); err != nil {
		t.Fatal(err)
	}
	for day := 1; day <= 3; day++ {
		if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{atRisk("acme", 45, health.ReasonSentimentLow, "k1")}, t0.Add(time.Duration(day)*25*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range p.posts[1:] {
		t.Errorf("post %d below MinSeverity: %q", i+1, d.Fallback)
	}
}

// TestReplyDueThenAtRiskPostsNoRecovery: an account with a reply-due heads-up whose
// question then passes its target, taking it below the threshold, gets its at-risk
// alert, and the heads-up closes quietly: it was closed with a "Recovered" notice
// right after the new alert (a review's find). The heads-up is titled as one, not
// "at risk".
func TestReplyDueThenAtRiskPostsNoRecovery(t *testing.T) {
	st := backends(t)["bolt"](t)
	al, p := recordingAlerter(st)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	acct := feedbackbot.Account{ID: "acme", Name: "Acme"}
	low := feedbackbot.Reason{Code: health.ReasonSentimentLow, Text: "low", Impact: -24}
	due := feedbackbot.Health{Account: acct, Score: 55, Reasons: []feedbackbot.Reason{low, {Code: health.ReasonReplyDue, Text: "due soon", Impact: -3}}}
	if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{due}, t0); err != nil {
		t.Fatal(err)
	}
	late := feedbackbot.Health{Account: acct, Score: 46, AtRisk: true, Reasons: []feedbackbot.Reason{low, {Code: health.ReasonUnanswered, Text: "waiting", Impact: -12}}}
	out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{late}, t0.Add(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, d := range p.posts {
		titles = append(titles, d.Fallback)
	}
	if len(titles) != 2 || !strings.HasPrefix(titles[0], "Reply due: Acme") || !strings.Contains(titles[1], "at risk: Acme (health 46/100)") || out.Resolved != 0 {
		t.Errorf("posted %q (resolved %d); want the heads-up, then the at-risk alert, and no recovery", titles, out.Resolved)
	}
}

// TestAlertOfASilentAccountIsNotARecovery: an alert whose account's health came
// back with nothing its customers said since the alert (the evidence aged out of
// the weeks health reads, leaving too little to judge), with nothing left to
// assess (its messages moved or were erased), or not listed any more, closes as
// that, not "Recovered ... (health 100/100)", which told the team the opposite of
// what silence after an alert often means. A customer message or a survey answer
// since the alert makes it a recovery, and so, for a question left unanswered,
// does a reply with the customer's messages in the window; a staff reply alone
// does not (the alert prompts one), nor do customer messages from before the
// alert (two reviews' finds).
func TestAlertOfASilentAccountIsNotARecovery(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := recordingAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			before, after := t0.Add(-48*time.Hour), t0.Add(30*time.Minute)
			healthy := func(id string, score int, silent bool, messages int, customer, rated time.Time) feedbackbot.Health {
				h := feedbackbot.Health{Account: feedbackbot.Account{ID: id, Name: id}, Score: score, Silent: silent,
					RecentMessages: messages, LastCustomerAt: customer, LastRatingAt: rated, LastStaffAt: after}
				if !rated.IsZero() {
					h.RecentRatings = 1
				}
				return h
			}
			cases := []struct {
				id      string
				cause   string
				now     *feedbackbot.Health // nil: not listed
				recover bool
			}{
				{"wrote", health.ReasonSentimentLow, ptr(healthy("wrote", 85, false, 3, after, time.Time{})), true},
				{"rated", health.ReasonLowRatings, ptr(healthy("rated", 80, false, 0, time.Time{}, after)), true},
				{"answered", health.ReasonUnanswered, ptr(healthy("answered", 80, false, 1, before, time.Time{})), true},
				{"aged", health.ReasonSentimentLow, ptr(healthy("aged", 100, false, 2, before, before)), false},
				{"staff-replied", health.ReasonSentimentLow, ptr(healthy("staff-replied", 90, false, 0, time.Time{}, time.Time{})), false},
				{"quiet", health.ReasonWentQuiet, ptr(healthy("quiet", 95, false, 0, before, time.Time{})), false},
				{"moved", health.ReasonUnanswered, ptr(healthy("moved", 100, true, 0, time.Time{}, time.Time{})), false},
				{"unlisted", health.ReasonUnanswered, nil, false},
			}
			var raised, now []feedbackbot.Health
			for _, c := range cases {
				raised = append(raised, atRisk(c.id, 40, c.cause, "k-"+c.id))
				if c.now != nil {
					now = append(now, *c.now)
				}
			}
			if out, err := al.Evaluate(ctx, "T1", raised, t0); err != nil || out.Raised != len(cases) {
				t.Fatalf("raise: %+v, %v", out, err)
			}
			out, err := al.Evaluate(ctx, "T1", now, t0.Add(time.Hour))
			if err != nil || out.Resolved != len(cases) {
				t.Fatalf("close: %+v, %v", out, err)
			}
			colours := map[string]string{}
			for _, doc := range p.posts[len(cases):] {
				colours[doc.Fallback] = doc.Color
			}
			docs, err := st.ListDocs(ctx, "T1", bot.DocAlert)
			if err != nil {
				t.Fatal(err)
			}
			byAccount := map[string]feedbackbot.Alert{}
			for _, raw := range docs {
				var a feedbackbot.Alert
				if err := json.Unmarshal(raw, &a); err != nil {
					t.Fatal(err)
				}
				byAccount[a.Account.ID] = a
			}
			for _, c := range cases {
				a := byAccount[c.id]
				wantReason, wantScore, wantTitle, wantColour := bot.ClosedSilent, 40, "Closed: "+c.id+" (nothing recent to judge; not a recovery)", "warning"
				if c.recover {
					wantReason, wantScore, wantTitle, wantColour = "", c.now.Score, fmt.Sprintf("Recovered: %s (health %d/100)", c.id, c.now.Score), "good"
				}
				if a.Status != feedbackbot.AlertResolved || a.ClosedReason != wantReason || a.Recovered != c.recover || a.Score != wantScore {
					t.Errorf("%s: status %s, closed_reason %q, recovered %v, score %d; want resolved, %q, %v, %d",
						c.id, a.Status, a.ClosedReason, a.Recovered, a.Score, wantReason, c.recover, wantScore)
				}
				if ep := a.Episode(); ep.ClosedReason != wantReason || ep.Recovered != c.recover {
					t.Errorf("%s: episode closed_reason %q, recovered %v", c.id, ep.ClosedReason, ep.Recovered)
				}
				if colour, ok := colours[wantTitle]; !ok || colour != wantColour {
					t.Errorf("%s: notice %q posted %v in %q, want %q; notices %v", c.id, wantTitle, ok, colour, wantColour, colours)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestAnAlertThatCannotBeReadIsLeftOut: an alert document that does not decode
// (damaged, or of a form this version cannot read) is left out and logged, and the
// account's alert is raised again over it; it failed every pass (no account's
// alert raised, updated or closed any more), every digest and the account's
// lookup.
func TestAnAlertThatCannotBeReadIsLeftOut(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			acme := atRisk("acme", 30, health.ReasonUnanswered, "k1")
			fp := bot.AlertFor("T1", acme, t0).Fingerprint
			// (a field of a type this version does not read, and a cut-off document)
			unreadable := map[string]string{fp: `{"fingerprint": 5, "posts": [{"platform": "slack", "destination": "C9", "id": "111.1"}], "earlier": [{"platform": "slack", "destination": "C9", "id": "99.1"}]}`,
				"0123456789abcdef": `{"fingerprint": "0123456789abcdef", "status": `}
			for id, doc := range unreadable {
				if err := st.PutDoc(ctx, "T1", bot.DocAlert, id, []byte(doc)); err != nil {
					t.Fatal(err)
				}
			}
			var logs bytes.Buffer
			p := &recordingPoster{}
			al := &bot.Alerter{Store: st, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{acme, atRisk("beta", 35, health.ReasonSentimentLow, "k2")}, t0)
			if err != nil || out.Raised != 2 || p.count() != 2 {
				t.Fatalf("a pass beside unreadable alerts: %+v, %v, %d posts; want both raised", out, err, p.count())
			}
			if n := strings.Count(logs.String(), "an alert document cannot be read"); n != 2 {
				t.Errorf("%d warnings, want one a document:\n%s", n, logs.String())
			}
			raw, err := st.GetDoc(ctx, "T1", bot.DocAlert, fp)
			var a feedbackbot.Alert
			if err != nil || json.Unmarshal(raw, &a) != nil || a.Account.ID != "acme" {
				t.Errorf("acme's alert after the pass: %s, %v; want it raised over the unreadable one", raw, err)
			}
			// The messages the unreadable one was posted as are kept, for an erasure to edit.
			for _, id := range []string{"111.1", "99.1"} {
				if !slices.Contains(a.Earlier, feedbackbot.PostRef{Platform: feedbackbot.PlatformSlack, Destination: "C9", ID: id}) {
					t.Errorf("acme's alert lost the unreadable one's message %s: earlier %+v", id, a.Earlier)
				}
			}
			d, err := bot.BuildDigest(ctx, st, bot.DigestRequest{Workspace: "T1", From: t0.Add(-24 * time.Hour), To: t0.Add(time.Hour), Now: t0.Add(time.Hour)})
			if err != nil || d.FollowUp == nil || d.FollowUp.Raised != 2 {
				t.Errorf("a digest beside an unreadable alert: %+v, %v; want both followed up", d.FollowUp, err)
			}
		})
	}
}

// TestAlertRemembersWhenItWasAnswered: each stretch of an episode that staff had
// answered is kept (a snooze until it ran out, an acknowledgement until the
// alert got worse, one still running), and an episode the next one replaces
// keeps them: the follow-up of a past period asks whether an alert was answered
// at its end, which the first and last answer alone cannot tell once it was
// opened again.
func TestAlertRemembersWhenItWasAnswered(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, _ := recordingAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			day := func(d float64) time.Time { return t0.Add(time.Duration(d * float64(24*time.Hour))) }
			now := t0
			b := &bot.Bot{Store: st, Now: func() time.Time { return now }}
			command := func(at time.Time, text string) {
				t.Helper()
				now = at
				if _, err := b.HandleCommand(ctx, feedbackbot.Command{Workspace: "T1", User: "U1", UserName: "maria", Staff: true, Button: true, Text: text}); err != nil {
					t.Fatal(err)
				}
			}
			evaluate := func(at time.Time, h feedbackbot.Health) {
				t.Helper()
				if _, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{h}, at); err != nil {
					t.Fatal(err)
				}
			}
			h := atRisk("acme", 40, health.ReasonWentQuiet, "k1")
			evaluate(t0, h)
			fp := bot.AlertFor("T1", h, t0).Fingerprint
			command(day(0.1), "alert.snooze "+fp)
			evaluate(day(8), h) // the snooze ran out
			command(day(9), "alert.ack "+fp)
			command(day(9.5), "alert.ack "+fp)                                  // (answered still: the same stretch)
			evaluate(day(10), atRisk("acme", 20, health.ReasonWentQuiet, "k1")) // worse
			command(day(11), "alert.ack "+fp)
			want := []feedbackbot.AlertSpan{{From: day(0.1), To: day(8)}, {From: day(9), To: day(10)}, {From: day(11)}}
			a := readAlert(t, st, fp)
			if !reflect.DeepEqual(a.Answered, want) {
				t.Fatalf("answered %+v, want %+v", a.Answered, want)
			}
			if !a.AckedAt.Equal(day(0.1)) || !a.AnsweredAt.Equal(day(11)) {
				t.Errorf("first answered %s, last %s; want %s and %s", a.AckedAt, a.AnsweredAt, day(0.1), day(11))
			}
			for _, c := range []struct {
				at   time.Time
				want bool
			}{{day(0.05), false}, {day(5), true}, {day(8.5), false}, {day(9.7), true}, {day(10.5), false}, {day(20), true}} {
				if got, known := feedbackbot.AnsweredAtTime(a.Answered, c.at); got != c.want || !known {
					t.Errorf("answered at %s: %v (known %v), want %v", c.at, got, known, c.want)
				}
			}
			// Recovered, then raised again: the first episode keeps its stretches,
			// the new one starts with none.
			evaluate(day(12), feedbackbot.Health{Account: feedbackbot.Account{ID: "acme", Name: "acme"}, Score: 85, RecentMessages: 3, LastCustomerAt: day(11.5)})
			evaluate(day(13), h)
			a = readAlert(t, st, fp)
			if len(a.Episodes) != 1 || !reflect.DeepEqual(a.Episodes[0].Answered, want) || len(a.Answered) != 0 {
				t.Errorf("after a new episode: earlier %+v, current %+v; want the first episode's %+v and none", a.Episodes, a.Answered, want)
			}
		})
	}
}

// TestAlertButtonsActOnTheAlertsWorkspace: one alerts channel takes every
// workspace's alerts, so a button pressed there comes from staff of the channel's
// workspace, which may not be the alert's: its value names the alert's workspace,
// and Acknowledge, Snooze and Open account act there (they answered "That alert no
// longer exists", and opened another workspace's account of the same id). Only the
// bot's buttons carry a workspace: the same text typed is the presser's own.
func TestAlertButtonsActOnTheAlertsWorkspace(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			al, p := recordingAlerter(st)
			t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
			captured(t, st, feedbackbot.Message{ID: "C1:1", Platform: feedbackbot.PlatformDiscord, Workspace: "G2", Channel: "C1", Author: "UA",
				Role: feedbackbot.RoleCustomer, Account: "acme", AccountName: "Acme of G2", Text: "the export is broken", Time: t0.Add(-time.Hour)})
			h := atRisk("acme", 40, health.ReasonWentQuiet, "k1")
			if _, err := al.Evaluate(ctx, "G2", []feedbackbot.Health{h}, t0); err != nil || p.count() != 1 {
				t.Fatalf("raise: %v, %d posts", err, p.count())
			}
			values := map[string]string{}
			for _, bl := range p.posts[0].Blocks {
				for _, btn := range bl.Buttons {
					values[btn.Action] = btn.Value
				}
			}
			b := &bot.Bot{Store: st, Now: func() time.Time { return t0.Add(time.Hour) }}
			press := func(action string, button bool) (feedbackbot.Document, error) {
				return b.HandleCommand(ctx, feedbackbot.Command{Platform: feedbackbot.PlatformSlack, Workspace: "T1", User: "U1", UserName: "maria",
					Staff: true, Button: button, Text: action + " " + values[action]})
			}
			// typed, the text names no workspace of the presser's: nothing there
			if _, err := press("alert.ack", false); feedbackbot.ErrorCode(err) != feedbackbot.ENOTFOUND {
				t.Errorf("typed alert.ack with a workspace: %v, want not found in the presser's workspace", err)
			}
			if doc, err := press("account.open", true); err != nil || !containsText(doc, "Acme of G2") {
				t.Errorf("Open account from another workspace's channel: %v %+v", err, doc)
			}
			if doc, err := press("alert.snooze", true); err != nil || !containsText(doc, "Snoozed by maria") {
				t.Fatalf("Snooze from another workspace's channel: %v %+v", err, doc)
			}
			if doc, err := press("alert.ack", true); err != nil || !containsText(doc, "Acknowledged by maria") {
				t.Fatalf("Acknowledge from another workspace's channel: %v %+v", err, doc)
			}
			raw, err := st.GetDoc(ctx, "G2", bot.DocAlert, bot.AlertFor("G2", h, t0).Fingerprint)
			var got feedbackbot.Alert
			if err != nil || json.Unmarshal(raw, &got) != nil || got.Status != feedbackbot.AlertAcknowledged {
				t.Errorf("G2's alert after the presses: %v %q", err, got.Status)
			}
		})
	}
}

// unsavingStore is a real store whose writes of documents and leases fail, as
// Redis at maxmemory with noeviction refuses them, while reads go on.
type unsavingStore struct{ store.Store }

func (unsavingStore) PutDoc(context.Context, string, string, string, []byte) error {
	return errors.New("OOM command not allowed when used memory > 'maxmemory'")
}

func (unsavingStore) AcquireLease(context.Context, string, string, time.Duration) (bool, error) {
	return false, errors.New("OOM command not allowed when used memory > 'maxmemory'")
}

// TestAlertPassStopsWhenNothingCanBeSaved: a store that cannot save an alert ends
// the pass at its first alert, as it did before one refused message stopped
// holding the others back: going on, every new alert was posted and lost at every
// pass (a review's find: 15 posts for 5 accounts in 3 passes).
func TestAlertPassStopsWhenNothingCanBeSaved(t *testing.T) {
	st := backends(t)["bolt"](t)
	p := &refPoster{docs: map[string]feedbackbot.Document{}}
	al := &bot.Alerter{Store: unsavingStore{st}, Poster: p, Channel: "CALERTS", RepeatInterval: 24 * time.Hour}
	var hs []feedbackbot.Health
	for i := range 5 {
		hs = append(hs, atRisk(fmt.Sprintf("acct%d", i), 20, health.ReasonChurnSignal))
	}
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for pass := range 3 {
		if _, err := al.Evaluate(context.Background(), "T1", hs, t0.Add(time.Duration(pass)*time.Hour)); err == nil {
			t.Errorf("pass %d: no error, though nothing could be saved", pass)
		}
	}
	if p.n > 3 {
		t.Errorf("%d posts in 3 passes that could save nothing, want at most one a pass", p.n)
	}
}

// TestClosedAlertDoesNotGiveTheOldReasonsAsWhy: an alert raised at health 40 for
// a reason costing 60 points, with a customer's quote and a figure, closes (its
// account recovered, went silent, or its reply is not due any more). Its notice
// and its edited message list the reason it was raised for, without the points
// (they were the old score's: "Recovered: acme (health 90/100)" over "-60 points"
// did not add up) and without the quote, which the notice posted again (a
// review's find). The open alert still says why, with both.
func TestClosedAlertDoesNotGiveTheOldReasonsAsWhy(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	acme := feedbackbot.Account{ID: "acme", Name: "acme"}
	const quote, figure = "this is the worst support we ever had", "baseline +0.40 over 9 messages"
	reason := func(code string) []feedbackbot.Reason {
		return []feedbackbot.Reason{{Code: code, Text: "Customer sentiment over the last 14 days is -0.60", Impact: -60, Evidence: []feedbackbot.Evidence{
			{MessageKey: "k1", Quote: quote, Time: t0.Add(-time.Hour)}, {Figure: figure}}}}
	}
	atRiskH := feedbackbot.Health{Account: acme, Score: 40, AtRisk: true, Reasons: reason(health.ReasonSentimentLow)}
	replyDue := feedbackbot.Health{Account: acme, Score: 80, Reasons: reason(health.ReasonReplyDue)}
	for _, tc := range []struct {
		name, title, head string
		raise             feedbackbot.Health
		close             []feedbackbot.Health // the closing pass's health list
	}{
		{"recovered", "Recovered: acme (health 90/100)", "*Was at risk for*", atRiskH,
			[]feedbackbot.Health{{Account: acme, Score: 90, RecentMessages: 3, LastCustomerAt: t0.Add(time.Hour)}}},
		{"silent", "Closed: acme (nothing recent to judge", "*Was at risk for*", atRiskH, nil},
		{"reply no longer due", "No reply due any more: acme", "*Was raised for*", replyDue,
			[]feedbackbot.Health{{Account: acme, Score: 90, RecentMessages: 3, LastCustomerAt: t0.Add(time.Hour)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := backends(t)["bolt"](t)
			ctx := context.Background()
			al, p := recordingAlerter(st)
			if out, err := al.Evaluate(ctx, "T1", []feedbackbot.Health{tc.raise}, t0); err != nil || out.Raised != 1 {
				t.Fatalf("raise: %+v %v", out, err)
			}
			if open := docText(p.posts[0]); !strings.Contains(open, "*Why*") || !strings.Contains(open, "(-60 points)") || !strings.Contains(open, quote) {
				t.Errorf("the open alert does not say why, with points and quotes:\n%s", open)
			}
			if out, err := al.Evaluate(ctx, "T1", tc.close, t0.Add(2*time.Hour)); err != nil || out.Resolved != 1 {
				t.Fatalf("close: %+v %v", out, err)
			}
			if len(p.posts) != 2 || p.updates != 1 {
				t.Fatalf("%d posts, %d edits; want the notice and the original message marked closed", len(p.posts), p.updates)
			}
			for what, doc := range map[string]feedbackbot.Document{"notice": p.posts[1], "edited alert": p.updated[0]} {
				txt := docText(doc)
				if !strings.HasPrefix(txt, tc.title) || !strings.Contains(txt, tc.head+"\n• Customer sentiment over the last 14 days is -0.60") {
					t.Errorf("%s: want %q and the reason under %s:\n%s", what, tc.title, tc.head, txt)
				}
				for _, bad := range []string{"*Why*", "points)", quote, figure} {
					if strings.Contains(txt, bad) {
						t.Errorf("%s says %q:\n%s", what, bad, txt)
					}
				}
			}
		})
	}
}
