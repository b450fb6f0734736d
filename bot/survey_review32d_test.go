package bot_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/bot"
	"github.com/feedbackbot/feedbackbot/store"
)

// accountLine is the line of a rendered digest that lists the figures of the
// account named name.
func accountLine(t *testing.T, text, name string) string {
	t.Helper()
	for l := range strings.Lines(text) {
		if strings.HasPrefix(l, "• "+name+":") {
			return strings.TrimSpace(l)
		}
	}
	t.Fatalf("no line of %s in the digest:\n%s", name, text)
	return ""
}

// rewriteDigestRecord edits T1's one posted digest record: edit changes its
// account id, as decoded JSON.
func rewriteDigestRecord(t *testing.T, st store.Store, id string, edit func(acct map[string]any)) {
	t.Helper()
	ctx := context.Background()
	recs, err := st.ListDocs(ctx, "T1", "digest-posted")
	if err != nil || len(recs) != 1 {
		t.Fatalf("posted records: %v %v", recs, err)
	}
	for run, raw := range recs {
		var rec map[string]any
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range rec["digest"].(map[string]any)["accounts"].([]any) {
			if a := a.(map[string]any); a["id"] == id {
				edit(a)
				found = true
			}
		}
		if !found {
			t.Fatalf("%s is not among the digest's accounts: %s", id, raw)
		}
		out, _ := json.Marshal(rec)
		if err := st.PutDoc(ctx, "T1", "digest-posted", run, out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOldDigestRerenderedKeepsItsWording: a digest posted by the version before
// 714da30 took acme's satisfaction from its one CSAT answer, and its record holds
// no count of them. When a quote in it is erased (forget here; retention does the
// same), the message is edited from that record: it says "satisfaction +1.00
// from CSAT answers" as it did, not "from 3+ CSAT answers" (the renderer printed
// the threshold of today's version, next to "CSAT (1 answer)").
func TestOldDigestRerenderedKeepsItsWording(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	quotedPair(t, st, now)
	if err := bot.PutSurveyAnswer(ctx, st, "T1", bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 5, Account: "acme", User: "UCUST",
		Time: now.Add(-30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	p := &editingPoster{}
	s := digestScheduler(t, st, p)
	if n, err := s.Tick(ctx, now); err != nil || n != 1 {
		t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
	}
	// The record as the version before wrote it: satisfaction from the one answer,
	// no count.
	rewriteDigestRecord(t, st, "acme", func(a map[string]any) {
		a["satisfaction"], a["satisfaction_from"] = 1.0, "csat"
		delete(a, "csat_answers")
	})
	if _, err := bot.ForgetPerson(ctx, st, "T1", "XDANA"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tick(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	edits := p.edits()
	if len(edits) != 1 {
		t.Fatalf("%d edits of the posted digest, want 1", len(edits))
	}
	text := bot.RenderText(edits[0])
	line := accountLine(t, text, "acme")
	if !strings.HasSuffix(line, "; satisfaction +1.00 from CSAT answers") {
		t.Errorf("the edited digest's account line: %q; want its satisfaction \"from CSAT answers\", as posted:\n%s", line, text)
	}
	if !strings.Contains(text, "CSAT (1 answer)") {
		t.Errorf("the edited digest lost its CSAT figure:\n%s", text)
	}
}

// TestDigestSaysHowManyCSATAnswersSatisfactionIsFrom: an account whose
// satisfaction is taken from its four CSAT answers says so with its count, "from
// 4 CSAT answers" (it said "3+" whatever the count), in the digest as posted and
// in the message edited from its record once a quote in it is erased.
func TestDigestSaysHowManyCSATAnswersSatisfactionIsFrom(t *testing.T) {
	ctx := context.Background()
	st := backends(t)["bolt"](t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	quotedPair(t, st, now)
	for i, score := range []int{5, 4, 5, 4} { // mean 4.5: (4.5-3)/2 = +0.75
		if err := bot.PutSurveyAnswer(ctx, st, "T1", bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: score, Account: "acme",
			User: "UCUST" + string(rune('A'+i)), Time: now.Add(-time.Duration(i+1) * 10 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	p := &editingPoster{}
	s := digestScheduler(t, st, p)
	if n, err := s.Tick(ctx, now); err != nil || n != 1 {
		t.Fatalf("Tick = %d, %v; want the digest posted", n, err)
	}
	const want = "; satisfaction +0.75 from 4 CSAT answers"
	if line := accountLine(t, bot.RenderText(p.posts[0]), "acme"); !strings.HasSuffix(line, want) {
		t.Errorf("the posted digest's account line: %q; want it to end %q", line, want)
	}
	if _, err := bot.ForgetPerson(ctx, st, "T1", "XDANA"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tick(ctx, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	edits := p.edits()
	if len(edits) != 1 {
		t.Fatalf("%d edits of the posted digest, want 1", len(edits))
	}
	if line := accountLine(t, bot.RenderText(edits[0]), "acme"); !strings.HasSuffix(line, want) {
		t.Errorf("the edited digest's account line: %q; want it to end %q", line, want)
	}
}

// TestOlderReplicasPressCountsOnce: during a rolling upgrade an older replica
// read a new question's button (csat|score|acme|thread|asked) in four parts and
// stored thread "thread|asked" with no instance, under an id of its own. The
// same customer pressing the same question on a new replica is the same answer:
// the period counts the later of the two once, read as the new replica stores
// it (its thread and instance apart), whichever replica took the later press.
// An answer to a legacy question (a Slack channel:ts or Discord snowflake
// thread, no instance) is read as it is.
func TestOlderReplicasPressCountsOnce(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			b := acmeBot(st, &now)
			q := askAs(t, b, "survey csat acme C1:1796000000.000100")
			instance := "1796634000" // now, as the buttons carry it
			if !strings.HasSuffix(q["1"], "|C1:1796000000.000100|"+instance) {
				t.Fatalf("button value %q", q["1"])
			}
			// What an older replica stored for a press of value v, at.
			olderReplica := func(user, v string, at time.Time) {
				t.Helper()
				parts := strings.SplitN(v, "|", 4)
				var score int
				json.Unmarshal([]byte(parts[1]), &score)
				if err := bot.PutSurveyAnswer(ctx, st, "T1", bot.SurveyAnswer{Kind: parts[0], Score: score, Account: parts[2], Thread: parts[3],
					User: user, Time: at}); err != nil {
					t.Fatal(err)
				}
			}
			// UFIRST pressed 1 on an older replica, then 5 on a new one; ULATER
			// pressed 2 on a new replica, then 4 on an older one.
			olderReplica("UFIRST", q["1"], now.Add(time.Hour))
			now = now.Add(2 * time.Hour)
			pressAs(t, b, "UFIRST", q["5"])
			pressAs(t, b, "ULATER", q["2"])
			olderReplica("ULATER", q["4"], now.Add(time.Hour))
			// And an answer to a legacy question of a Discord thread.
			legacy := bot.SurveyAnswer{Kind: bot.SurveyCSAT, Score: 3, Account: "acme", Thread: "1312345678901234567", User: "UOLD", Time: now}
			if err := bot.PutSurveyAnswer(ctx, st, "T1", legacy); err != nil {
				t.Fatal(err)
			}
			for _, account := range []string{"acme", ""} {
				as, s := answersIn(t, st, now.Add(-24*time.Hour), now.Add(24*time.Hour), account)
				if s.CSATAnswers != 3 || math.Abs(*s.CSATMean-4) > 1e-9 {
					t.Errorf("account %q: %d CSAT answers: %+v; want 3 (UFIRST's 5, ULATER's 4, UOLD's 3)", account, s.CSATAnswers, as)
				}
				for _, a := range as {
					want := map[string]string{"UFIRST": "C1:1796000000.000100|" + instance, "ULATER": "C1:1796000000.000100|" + instance,
						"UOLD": "1312345678901234567|"}[a.User]
					if a.Thread+"|"+a.Instance != want {
						t.Errorf("%s's answer read as thread %q, instance %q; want %q", a.User, a.Thread, a.Instance, want)
					}
				}
			}
			// Account health reads them the same way.
			hs, err := bot.Risk(ctx, st, bot.RiskRequest{Workspace: "T1", Now: now.Add(2 * time.Hour), Only: "acme"})
			if err != nil || len(hs) != 1 {
				t.Fatalf("risk: %v %+v", err, hs)
			}
			if got := hs[0].RecentRatings; got != 3 {
				t.Errorf("account health counts %d ratings; want 3", got)
			}
		})
	}
}

// TestLegacySurveyClosesAfterTheUpgradeWindow: a question posted before
// questions carried their asked time (kind|score|account|thread) takes answers
// until bot.LegacySurveysClose, 2026-12-21T00:00:00Z (two weeks after the
// release, rounded to midnight UTC); from then on a press is refused with the
// ephemeral "this survey has closed" reply and nothing is stored (it never
// closed: a rating of help a year past counted as the week's). A question of this
// version is closed by its own asked time, and a Kano question (no asked time in
// either version) takes answers as before.
func TestLegacySurveyClosesAfterTheUpgradeWindow(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			closes := time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC) // bot.LegacySurveysClose
			now := closes.Add(-24 * time.Hour)
			b := acmeBot(st, &now)
			fresh := askAs(t, b, "survey csat acme") // asked 2026-12-20
			legacy := surveyButtons(t, bot.SurveyDocument(bot.SurveyCSAT, "acme", "C1:1795000000.000100"))
			legacyNPS := surveyButtons(t, bot.SurveyDocument(bot.SurveyNPS, "acme", ""))
			kano := bot.KanoDocument("acme", "", bot.KanoFeatureID("SSO"), "SSO").Blocks[2].Buttons[0].Value // "with it": I like it

			now = closes.Add(-time.Second) // the last moment legacy questions are open
			if doc := pressAs(t, b, "UINTIME", legacy["4"]); !strings.Contains(doc.Fallback, "Thank you for your feedback") {
				t.Errorf("a legacy button a second before it closes: %q", doc.Fallback)
			}
			now = closes
			for _, v := range []string{legacy["1"], legacyNPS["0"]} {
				doc := pressAs(t, b, "ULATE", v)
				if !doc.Ephemeral || !strings.Contains(doc.Fallback, "This survey has closed") || !strings.Contains(doc.Fallback, "not recorded") {
					t.Errorf("legacy button %q at %s: %+v; want the ephemeral \"survey has closed\" reply", v, now, doc)
				}
			}
			now = closes.Add(48 * time.Hour)
			if doc := pressAs(t, b, "UFRESH", fresh["5"]); !strings.Contains(doc.Fallback, "Thank you for your feedback") {
				t.Errorf("a question asked the day before legacy ones close, pressed two days after: %q", doc.Fallback)
			}
			if doc := pressAs(t, b, "UKANO", kano); doc.Ephemeral || !strings.Contains(doc.Fallback, "Thank you") {
				t.Errorf("a Kano button after legacy questions close: %+v", doc)
			}
			as, _ := answersIn(t, st, closes.Add(-48*time.Hour), now.Add(time.Hour), "")
			got := map[string]int{}
			for _, a := range as {
				got[a.User]++
			}
			if len(as) != 3 || got["UINTIME"] != 1 || got["UFRESH"] != 1 || got["UKANO"] != 1 {
				t.Errorf("stored %+v; want UINTIME's, UFRESH's and UKANO's answers, none of ULATE's", as)
			}
		})
	}
}
