package analysis

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/layer"
)

// Review 32's rules (engine fb-12), each as a table of variants of one pattern,
// with the neighbours that must keep their reading.

// r32 tags s as a customer's chat message (rules, then the layer).
func r32(a *Analyzer, s string) feedbackbot.Tags {
	return a.AnalyzeMessage(&feedbackbot.Message{Text: s, Role: feedbackbot.RoleCustomer})
}

func r32report(i feedbackbot.Intent) bool {
	return i == feedbackbot.IntentBugReport || i == feedbackbot.IntentComplaint
}

// TestFixedProblemIsNoReport: trouble told as over ("no longer", "no more",
// "not ... anymore", "haven't had a single", "hasn't ... once/since", "nothing
// wrong", "stopped crashing") is no negative report and waits for no reply, by
// the rules and with the layer; trouble that goes on is still a report.
func TestFixedProblemIsNoReport(t *testing.T) {
	a := newA(t)
	for _, msg := range []string{
		"no longer crashes after the update, thanks!",
		"the import no longer fails",
		"the dashboard no longer times out",
		"the app doesn't crash anymore",
		"the page isn't slow any more",
		"the sync hasn't failed once since tuesday",
		"we haven't had a single outage this quarter",
		"nothing wrong with the export, it works",
		"no more timeouts since the upgrade",
		"the app stopped crashing after 2.1",
	} {
		for mode, g := range map[string]feedbackbot.Tags{"rules": a.Analyze(msg), "chat": r32(a, msg)} {
			if g.Sentiment.Label == feedbackbot.Negative || r32report(g.Intent) || mode == "chat" && g.NeedsReply {
				t.Errorf("%s %q: %s %.3f %s reply=%v; a fix is no report", mode, msg, g.Sentiment.Label, g.Sentiment.Score, g.Intent, g.NeedsReply)
			}
		}
	}
	for _, msg := range []string{
		"the app still crashes",
		"the import no longer works",
		"it doesn't crash anymore but the export is still broken",
		"the app can't stop crashing",
		"the sync hasn't stopped failing since tuesday",
		"support said there are no known issues, but the sync keeps failing",
	} {
		if g := r32(a, msg); g.Sentiment.Label != feedbackbot.Negative || !g.NeedsReply {
			t.Errorf("%q: %s %s reply=%v; the trouble goes on", msg, g.Sentiment.Label, g.Intent, g.NeedsReply)
		}
	}
}

// TestPraiseThenProblemIsAReport: praise, then a problem (after "yet", "also",
// "one issue:", "only thing:", a sentence ending in "though", or a plain report
// sentence) is a report that waits for a reply; praise with no problem after it
// stays praise.
func TestPraiseThenProblemIsAReport(t *testing.T) {
	a := newA(t)
	for _, msg := range []string{
		"love it! one issue: the csv export is missing half the rows",
		"thanks so much for the quick fix! the invoice still shows the old address though",
		"amazing support as always :heart: also the webhook stopped firing yesterday",
		"the team is lovely and helpful, yet the invoices are wrong every month",
		"great release! the date filter now ignores the end date",
		"what a great update :tada: only thing: notifications stopped arriving",
		"love the new editor! the save button does nothing though",
		"great app, one problem: the sync fails every night",
	} {
		if g := r32(a, msg); !g.NeedsReply || !r32report(g.Intent) {
			t.Errorf("%q: %s %s reply=%v; want a report that waits for a reply", msg, g.Sentiment.Label, g.Intent, g.NeedsReply)
		}
		if g := a.Analyze(msg); !r32report(g.Intent) {
			t.Errorf("rules %q: %s %s; want a report", msg, g.Sentiment.Label, g.Intent)
		}
	}
	for _, msg := range []string{
		"great release! the date filter finally works",
		"love it! thanks for the quick fix",
		"thanks so much! the export works now",
		"nice, thanks for the heads up",
	} {
		if g := r32(a, msg); g.Sentiment.Label != feedbackbot.Positive || r32report(g.Intent) || g.NeedsReply {
			t.Errorf("%q: %s %s reply=%v; praise", msg, g.Sentiment.Label, g.Intent, g.NeedsReply)
		}
	}
}

// TestRequestsWithoutAQuestionMarkNeedAReply: a customer's request worded without
// '?' waits for a reply, whatever its intent; offers, asides and a staff
// member's requests do not.
func TestRequestsWithoutAQuestionMarkNeedAReply(t *testing.T) {
	a := newA(t)
	for _, msg := range []string{
		"can you take a look at this",
		"let me know when it's fixed",
		"need help setting up SSO",
		"pls advise",
		"kindly send me the receipt for march",
		"please send over the signed DPA",
		"we need an invoice with our VAT number on it",
		"our admin left the company and we need to transfer ownership",
		"we need our money back",
		"could someone check our account",
		"I'd like a copy of the invoice",
		"lmk when the integration is out of beta",
	} {
		if g := r32(a, msg); !g.NeedsReply {
			t.Errorf("%q: %s %s; a customer asks for something", msg, g.Sentiment.Label, g.Intent)
		}
		if g := a.AnalyzeMessage(&feedbackbot.Message{Text: msg, Role: feedbackbot.RoleStaff}); g.NeedsReply {
			t.Errorf("staff %q: needs a reply", msg)
		}
	}
	for _, msg := range []string{
		"let me know if you need anything else",
		"no need to reply",
		"thanks, that's everything I need",
		"if we need help we'll reach out",
		"thanks!",
	} {
		if g := r32(a, msg); g.NeedsReply {
			t.Errorf("%q: %s %s needs a reply; it asks for nothing", msg, g.Sentiment.Label, g.Intent)
		}
	}
}

// TestRhetoricalQuestionsAreExclamations: exclamations worded as questions are
// positive and wait for no reply; real questions with praise words still ask.
func TestRhetoricalQuestionsAreExclamations(t *testing.T) {
	a := newA(t)
	for _, msg := range []string{
		"how cool is that?!",
		"how awesome is the new editor?!",
		"who knew it could be this easy?",
		"how did we ever live without this feature?",
		"what more could we ask for? thanks team!",
		"how great is it that exports are instant now?!",
		"isn't it great?",
		"who would have thought it could be this fast?",
	} {
		for mode, g := range map[string]feedbackbot.Tags{"rules": a.Analyze(msg), "chat": r32(a, msg)} {
			if g.Sentiment.Label != feedbackbot.Positive || g.Intent == feedbackbot.IntentQuestion || mode == "chat" && g.NeedsReply {
				t.Errorf("%s %q: %s %s reply=%v; an exclamation", mode, msg, g.Sentiment.Label, g.Intent, g.NeedsReply)
			}
		}
	}
	for _, msg := range []string{
		"how good is the API for large teams?",
		"how easy is it to set up SSO?",
		"how did you set up the webhook?",
		"who knows how to export?",
	} {
		if g := r32(a, msg); g.Intent != feedbackbot.IntentQuestion || !g.NeedsReply {
			t.Errorf("%q: %s %s reply=%v; a question", msg, g.Sentiment.Label, g.Intent, g.NeedsReply)
		}
	}
}

// TestSarcasmOverAHarmIsNegative: praise or thanks whose object is a harm
// (charged twice, data deleted, an outage, being ignored, a long wait) is sarcasm;
// thanks for undoing the harm stay thanks.
func TestSarcasmOverAHarmIsNegative(t *testing.T) {
	a := newA(t)
	for _, msg := range []string{
		"thanks a lot for deleting all my data",
		"wow, only took you 5 days to reply",
		"perfect timing for the dashboard to go down right before our board meeting",
		"great job charging us twice",
		"really appreciate being ignored for a week",
		"thanks for double charging us",
		"love how the update wiped all our files",
	} {
		for mode, g := range map[string]feedbackbot.Tags{"rules": a.Analyze(msg), "chat": r32(a, msg)} {
			if g.Sentiment.Label != feedbackbot.Negative || mode == "chat" && !g.NeedsReply {
				t.Errorf("%s %q: %s %.3f %s reply=%v; sarcasm", mode, msg, g.Sentiment.Label, g.Sentiment.Score, g.Intent, g.NeedsReply)
			}
		}
	}
	for _, msg := range []string{
		"thanks for fixing the double charge",
		"thanks for refunding the double charge",
		"great job restoring our data",
		"really appreciate the quick fix",
		"really appreciate you looking into it",
	} {
		if g := r32(a, msg); g.Sentiment.Label != feedbackbot.Positive {
			t.Errorf("%q: %s %.3f; thanks", msg, g.Sentiment.Label, g.Sentiment.Score)
		}
	}
}

// TestOtherLanguagesAreNotScoredAsEnglish: the function words of a German or
// Spanish message ("die", "no") are not scored as the English words they spell;
// in an English message they still are.
func TestOtherLanguagesAreNotScoredAsEnglish(t *testing.T) {
	a := newA(t)
	for _, msg := range []string{
		"die neue Version ist super, danke",
		"die Lösung hat geklappt, vielen Dank",
		"die Integration läuft jetzt stabil",
		"no hay problema, gracias",
		"no te preocupes, ya funciona",
		"das war die Lösung, danke",
	} {
		for mode, g := range map[string]feedbackbot.Tags{"rules": a.Analyze(msg), "chat": r32(a, msg)} {
			if g.Sentiment.Label == feedbackbot.Negative || r32report(g.Intent) {
				t.Errorf("%s %q: %s %.3f %s; a thank-you or an all-clear", mode, msg, g.Sentiment.Label, g.Sentiment.Score, g.Intent)
			}
		}
	}
	for _, msg := range []string{
		"I could die, this is so slow",
		"no, the export still fails",
		"the export is broken, die die die",
	} {
		if g := a.Analyze(msg); g.Sentiment.Label != feedbackbot.Negative {
			t.Errorf("%q: %s %.3f; English", msg, g.Sentiment.Label, g.Sentiment.Score)
		}
	}
}

// TestLayerKeepsNegatedChurnOut: the layer neither picks churn_signal nor adds a
// churn theme where the rules saw no churn cue, or saw it only denied; denied
// renewal is churn.
func TestLayerKeepsNegatedChurnOut(t *testing.T) {
	a := newA(t)
	for _, msg := range []string{
		"we're not planning to cancel, just curious about the terms",
		"cancelling is not on the table, but we do need help with SSO",
		"we're definitely not switching to another tool, just need help with SSO",
		"nobody here wants to cancel, we just need the export fixed",
		"we won't be cancelling, the new release fixed everything",
		"we have no plans to cancel",
		"Hi, a bit of context first. We are a team of forty people in three offices and we use the workspace for " +
			"planning, reporting and the weekly review with the leadership group. We were charged twice this month.",
	} {
		for mode, g := range map[string]feedbackbot.Tags{"rules": a.Analyze(msg), "chat": r32(a, msg)} {
			if g.Intent == feedbackbot.IntentChurnSignal || slices.Contains(g.Themes, "cancellation") {
				t.Errorf("%s %q: %s %v; nobody is leaving", mode, msg, g.Intent, g.Themes)
			}
		}
	}
	for _, msg := range []string{
		"we aren't going to renew",
		"we won't be renewing",
		"we're looking at alternatives",
		"how do I cancel my subscription?",
		"we're moving our data out this month",
	} {
		if g := r32(a, msg); g.Intent != feedbackbot.IntentChurnSignal {
			t.Errorf("%q: %s %v; churn", msg, g.Intent, g.Themes)
		}
	}
	// The veto itself: without a cue the layer's churn_signal goes to its next
	// class, and a head adds no theme mentioned only negated.
	sc := a.scratchBuf()
	defer a.release(sc)
	_, sent, rep, th, intent := a.rules("we're not planning to cancel, just curious about the terms", sc)
	if a.churnCue(th, sc, rep.Clauses) {
		t.Error("a churn cue in a denied cancellation")
	}
	if v := layerVeto(rep, sent.Label, intent, false); v.intents&intentBit(feedbackbot.IntentChurnSignal) == 0 {
		t.Error("churn_signal allowed without a cue")
	}
	if neg := a.negatedThemes(th, sc, rep.Clauses); !slices.Contains(neg, "cancellation") {
		t.Errorf("negated themes %v, want cancellation", neg)
	}
}

// TestLayerLengthNormOption: LayerOptions.LengthNorm scales the hashed features
// of long messages by sqrt(k/n) in training and inference alike, is recorded in
// the layer file, and is off by default (the shipped layer's file and figures are
// as before).
func TestLayerLengthNormOption(t *testing.T) {
	for _, c := range []struct {
		k, n int
		want float64
	}{{0, 100, 1}, {16, 10, 1}, {16, 16, 1}, {16, 64, 0.5}, {4, 100, 0.2}} {
		if got := lengthScale(c.k, c.n); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("lengthScale(%d, %d) = %v, want %v", c.k, c.n, got, c.want)
		}
	}
	if DefaultLayerOptions.LengthNorm != 0 {
		t.Error("length normalisation is on by default")
	}
	if bytes.Contains(layerJSON, []byte(`"length_norm"`)) {
		t.Error("the shipped layer records a length normalisation")
	}
	skipTrainingUnderRace(t)
	rows := readExamples(t, "testdata/chat_dev.jsonl")
	o := DefaultLayerOptions
	o.LengthNorm = 8
	o.Themes = nil
	b, err := TrainLayer(rows, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	var f layerFile
	if err := json.Unmarshal(b, &f); err != nil || f.Options.LengthNorm != 8 {
		t.Fatalf("the trained file's length_norm is %d (%v), want 8", f.Options.LengthNorm, err)
	}
	a, err := NewWithLayer(DefaultTaxonomy(), b)
	if err != nil {
		t.Fatal(err)
	}
	if a.comb.lengthNorm != 8 {
		t.Fatalf("the loaded layer's length norm is %d", a.comb.lengthNorm)
	}
	// Inference (word cache sums, scaled) and training's features (LayerFeatures)
	// give the same logits, for short messages and long ones.
	long := strings.Repeat("we use the shared workspace for planning and the weekly review. ", 8) + "The invoice is wrong again."
	msgs := []string{long, "the export is broken", "thanks!"}
	for _, r := range rows[:60] {
		msgs = append(msgs, r.Text)
	}
	sc := a.scratchBuf()
	defer a.release(sc)
	w := a.comb.both.Width()
	longScaled := false
	for _, m := range msgs {
		x := a.LayerFeatures(m, o)
		want := make([]float64, w)
		a.comb.both.Logits(x, want)
		clean, sent, rep, th, intent := a.rules(m, sc)
		fx := newFacts(sc.low, clean, rep)
		dense := features(nil, 0, 0, &fx, nil, sent, rep, th, intent)
		sums := make([]float64, w)
		a.comb.wordSums(sums, &sc.wc, sc.ix)
		a.comb.scaleSums(sums, len(sc.low))
		got := make([]float64, w)
		a.comb.both.LogitsFrom(sums, dense, got)
		for k := range want {
			if math.Abs(want[k]-got[k]) > 1e-5*(1+math.Abs(want[k])) {
				t.Fatalf("%q: logits %v from the cache, want %v", m, got, want)
			}
		}
		if len(sc.low) > 8 && hashedScale(x) < 1 {
			longScaled = true
		}
	}
	if !longScaled {
		t.Error("no long message's hashed features were scaled")
	}
	// Off, a long message's hashed features keep their value 1.
	if s := hashedScale(a.LayerFeatures(long, DefaultLayerOptions)); s != 1 {
		t.Errorf("hashed features of %v with length normalisation off", s)
	}
}

// hashedScale is the value of x's first hashed feature (1 when none).
func hashedScale(x []layer.Feature) float64 {
	for _, f := range x {
		if f.Index >= int32(len(denseNames)) {
			return f.Value
		}
	}
	return 1
}
