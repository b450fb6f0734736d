package sentiment

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/text"
)

func engine(t testing.TB) *Engine {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestChatCases(t *testing.T) {
	e := engine(t)
	tests := []struct {
		text string
		want feedbackbot.SentimentLabel
	}{
		{"not bad at all", feedbackbot.Positive},
		{"this is great, thank you so much! :tada:", feedbackbot.Positive},
		{"it's fine but support has been slow", feedbackbot.Negative},
		{"great, another outage 🙄", feedbackbot.Negative},
		{"we were charged twice", feedbackbot.Negative},
		{"still waiting on a reply", feedbackbot.Negative},
		{"the export is broken since the release", feedbackbot.Negative},
		{"we're evaluating other vendors", feedbackbot.Negative},
		{"THIS IS UNACCEPTABLE!!!", feedbackbot.Negative},
		{"how do I add a user to the workspace?", feedbackbot.Neutral},
		{"why is the export broken again?", feedbackbot.Negative},
		{"> this is terrible\nthanks, that fixed it", feedbackbot.Positive},
		{"<@U123> can you check `error: failed`?", feedbackbot.Neutral},
		{":rage: the dashboard is down again", feedbackbot.Negative},
		{"", feedbackbot.Neutral},
	}
	for _, tt := range tests {
		got := e.Score(tt.text)
		if got.Label != tt.want {
			t.Errorf("%q: %s (%.3f), want %s", tt.text, got.Label, got.Score, tt.want)
		}
		if got.Score < -1 || got.Score > 1 {
			t.Errorf("%q: score %v out of range", tt.text, got.Score)
		}
	}
}

// TestQuestionsAskAboutPositiveWords: a positive word weighs less in a question than
// in a statement; a negative one does not.
func TestQuestionsAskAboutPositiveWords(t *testing.T) {
	e := engine(t)
	if q, s := e.Score("someone recommended a good editor?").Score, e.Score("someone recommended a good editor.").Score; !(q < s/2) {
		t.Errorf("question %.3f vs statement %.3f", q, s)
	}
	if q, s := e.Score("the export is broken?").Score, e.Score("the export is broken.").Score; q != s {
		t.Errorf("negative words keep their weight in questions: %.3f vs %.3f", q, s)
	}
}

func TestEmotion(t *testing.T) {
	e := engine(t)
	tests := []struct {
		text string
		want feedbackbot.Emotion
	}{
		{"this is unacceptable, we are furious", feedbackbot.EmotionAnger},
		{"still broken, third time this month 😤", feedbackbot.EmotionFrustration},
		{"thanks so much, really appreciate it", feedbackbot.EmotionGratitude},
		{"I'm confused, how do I export?", feedbackbot.EmotionConfusion},
		{"love the new dashboard, amazing work 🎉", feedbackbot.EmotionJoy},
		{"the invoice is attached", ""},
	}
	for _, tt := range tests {
		if got := e.Score(tt.text).Emotion; got != tt.want {
			t.Errorf("%q: emotion %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestTweetsGroundTruth measures against the VADER paper's tweet set when the shared
// data is beside the repository; the floor guards against regressions.
func TestTweetsGroundTruth(t *testing.T) {
	f, err := os.Open("../../../shared/data/vader/tweets_GroundTruth.txt")
	if err != nil {
		t.Skipf("tweets ground truth not available: %v", err)
	}
	defer f.Close()
	e := engine(t)
	var xs, ys []float64
	correct := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(strings.TrimRight(sc.Text(), "\r"), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		truth, err := strconv.ParseFloat(parts[1], 64)
		if err != nil {
			continue
		}
		s := e.Score(parts[2]).Score
		xs, ys = append(xs, s), append(ys, truth/4)
		if feedbackbot.LabelFor(s) == feedbackbot.LabelFor(truth/4) {
			correct++
		}
	}
	r := stat.Correlation(xs, ys, nil)
	acc := float64(correct) / float64(len(xs))
	t.Logf("tweets: n=%d pearson r=%.4f accuracy=%.4f", len(xs), r, acc)
	// Strict thresholds (LabelFor): the reference gets 0.885 this way, 0.899 in
	// VADER's own convention (>= 0.05), where we get 0.901 (go run ./bench analysis).
	if r < 0.88 || acc < 0.885 {
		t.Errorf("below the floor: r %.3f (>= 0.88), accuracy %.3f (>= 0.885)", r, acc)
	}
}

func BenchmarkSentiment(b *testing.B) {
	e := engine(b)
	s := "Hey, the CSV export is broken AGAIN since Tuesday's release :rage: we were charged twice too!!!"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		e.Score(s)
	}
}

// TestSegment: clauses and sentences begin after punctuation between tokens (or a
// break written inside a token), and a question's tokens are marked.
func TestSegment(t *testing.T) {
	tests := []struct {
		text string
		want string // per token: S sentence start, C clause start, . neither; ? after it in a question
	}{
		{"the export is broken", "S . . ."},
		{"thanks, that fixed it", "S C . ."},
		{"is it down? we can't log in", "S? .? .? S . . ."},
		{"it failed again... any update?", "S . . S? .?"},
		{"ok.why is it slow?", "S? .? .? .?"}, // a lower-case letter after "." is no break (e.g)
		{"time...Any news", "S S"},
		{"see v2.0 notes", "S . ."},
		{"works in Chrome – not in Safari", "S . . . C . ."},
		{"line one\nline two", "S . S ."},
		{"what? really?! ok", "S? S? S"},
		{"(see the docs) then retry; or not", "S . . C . C ."},
	}
	for _, tt := range tests {
		toks := text.Tokens(tt.text, nil)
		var got []string
		for _, f := range segment(tt.text, toks, nil) {
			c := "."
			switch {
			case f&segSentence != 0:
				c = "S"
			case f&segClause != 0:
				c = "C"
			}
			if f&segQuestion != 0 {
				c += "?"
			}
			got = append(got, c)
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("%q %q: %s, want %s", tt.text, toks, g, tt.want)
		}
	}
	// Tokens that are not substrings of the text are searched for.
	toks := []string{"is", "it", "down", "we", "can't"}
	if got := segment("is it down? we can't", append([]string(nil), toks...), nil); got[3]&segSentence == 0 || got[2]&segQuestion == 0 {
		t.Errorf("copied tokens: %v", got)
	}
}

// label is a short name for a sentiment label in the rule tables.
func label(s string) feedbackbot.SentimentLabel {
	switch s {
	case "+":
		return feedbackbot.Positive
	case "-":
		return feedbackbot.Negative
	}
	return feedbackbot.Neutral
}

type ruleCase struct {
	text string
	want string // "+", "-" or "0"
}

func checkRules(t *testing.T, tests []ruleCase) {
	t.Helper()
	e := engine(t)
	for _, tt := range tests {
		if got := e.Score(tt.text); got.Label != label(tt.want) {
			t.Errorf("%q: %s (%.3f), want %s", tt.text, got.Label, got.Score, label(tt.want))
		}
	}
}

// TestNegationStaysInItsClause: a negation does not reach past a comma or a full stop.
func TestNegationStaysInItsClause(t *testing.T) {
	checkRules(t, []ruleCase{
		{"restarting didn't help, same error", "-"},
		{"restarting didn't help same error", "-"}, // no comma: still the "didn't help" and "same error" phrases
		{"not bad", "+"},
		{"I don't think so. great work though", "+"},
	})
	e := engine(t)
	if a, b := e.Score("that didn't help, the error remains").Score, e.Score("that didn't help the error remains").Score; !(a < b) {
		t.Errorf("a comma ends the negation: %.3f vs %.3f", a, b)
	}
}

// TestScarcelyNegatesPraise: hardly, barely and scarcely before a positive word deny it.
func TestScarcelyNegatesPraise(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the editor is hardly usable on mobile", "-"},
		{"sync barely works", "-"},
		{"scarcely reliable these days", "-"},
		{"the new editor is usable", "+"},
		{"it's barely broken, just a typo in the footer", "-"}, // softened, not flipped
	})
	e := engine(t)
	if a, b := e.Score("barely broken").Score, e.Score("broken").Score; !(a > b && a < 0) {
		t.Errorf("barely softens a negative word: %.3f vs %.3f", a, b)
	}
}

// TestIdiomsAndHedges: phrases that replace their words' valence.
func TestIdiomsAndHedges(t *testing.T) {
	checkRules(t, []ruleCase{
		{"can't wait for the new API", "+"},
		{"this couldn't be better", "+"},
		{"the timing could not be worse", "-"},
		{"thanks for nothing", "-"},
		{"no complaints so far", "+"},
		{"not sure which plan we need", "0"},
		{"what's the best way to share a dashboard", "0"},
		{"we're on the free tier", "0"},
		{"uploads are limited to 100 MB", "0"},
		{"the docs are good enough", "+"},
		{"another price increase", "-"},
		{"looking forward to the release", "+"},
		{"please help", "-"},
	})
	e := engine(t)
	if a, b := e.Score("the docs are good enough").Score, e.Score("the docs are good").Score; !(a < b) {
		t.Errorf("good enough is lukewarm: %.3f vs %.3f", a, b)
	}
}

// TestStillBrokenPhrases: support chat's ways of saying the trouble goes on.
func TestStillBrokenPhrases(t *testing.T) {
	checkRules(t, []ruleCase{
		{"still nothing from the team", "-"},
		{"I'm still seeing the old invoice", "-"},
		{"same issue on the staging workspace", "-"},
		{"the API was down for an hour", "-"},
		{"the SDK docs are out of date", "-"},
		{"reports are taking forever", "-"},
		{"anyone there", "-"},
		{"this release has a breaking change in webhooks", "-"},
	})
}

// TestTypographicApostrophe: "don’t" from a phone is "don't".
func TestTypographicApostrophe(t *testing.T) {
	e := engine(t)
	for _, pair := range [][2]string{
		{"I don’t like the new editor", "I don't like the new editor"},
		{"the page won’t load", "the page won't load"},
	} {
		if a, b := e.Score(pair[0]), e.Score(pair[1]); a != b {
			t.Errorf("%q %v != %q %v", pair[0], a, pair[1], b)
		}
	}
}

// TestProductVocabulary: chat words for product quality, security, price and speed.
func TestProductVocabulary(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the settings page is cluttered", "-"},
		{"the scanner reported a vulnerability in the widget", "-"},
		{"way too expensive for a team of five", "-"},
		{"search is fast now", "+"},
		{"the importer creates duplicates", "-"},
		{"how do I create a dashboard", "0"},
		{"can I duplicate a dashboard", "0"},
	})
}

// TestMalfunctions: a negated function verb is a complaint, without sentiment words.
func TestMalfunctions(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the dashboard won't load", "-"},
		{"I can't seem to log in", "-"},
		{"invoices aren't syncing", "-"},
		{"the webhook never fired", "-"},
		{"unable to export the report", "-"},
		{"nothing shows up in the feed", "-"},
		{"Salesforce won't let me sign in", "-"},
		{"we didn't send the invite yet", "0"},     // what people chose not to do
		{"don't update the pricing page yet", "0"}, // an imperative, not a malfunction
		{"without updating the app", "0"},
		{"the report loads", "0"},
		// Done wrong rather than not done.
		{"the query returns nothing", "-"},
		{"the webhook fires twice for each event", "-"},
		{"support couldn't fix it", "-"},
		{"the invite email never arrived", "-"},
		{"if not, fix it", "0"}, // the negation is in another clause
	})
}

// TestTablesLoad: malformed data files are reported, with the line.
func TestTablesLoad(t *testing.T) {
	var got []string
	err := readTable([]byte("# comment\n\nok\t1\n"), "x.tsv", func(k, v string) error {
		got = append(got, k+"="+v)
		return nil
	})
	if err != nil || len(got) != 1 || got[0] != "ok=1" {
		t.Errorf("readTable: %v %v", got, err)
	}
	if err := readTable([]byte("ok\t1\nbroken\n"), "x.tsv", func(k, v string) error { return nil }); err == nil || !strings.Contains(err.Error(), "x.tsv line 2") {
		t.Errorf("a line without a tab: %v", err)
	}
	if s := stripComments([]byte("a b # c\n# d\ne\n")); strings.Join(strings.Fields(s), " ") != "a b e" {
		t.Errorf("stripComments: %q", s)
	}
}

// TestRepetitions: keeps + a verb in -ing is a complaint, unless what repeats is good
// or "keep" is an imperative.
func TestRepetitions(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the Slack app keeps disconnecting", "-"},
		{"I keep getting logged out", "-"},
		{"it kept on asking for my password", "-"},
		{"keep going", "0"},
		{"the editor keeps getting better", "+"},
	})
}

// TestRhetoricalQuestions: why-questions with a negation or a word of persistence
// complain; "why not" suggests; plain why-questions ask.
func TestRhetoricalQuestions(t *testing.T) {
	checkRules(t, []ruleCase{
		{"why is the invoice still wrong?", "-"},
		{"why does the sync never finish", "-"},
		{"how come it doesn't show my team?", "-"},
		{"so why is the bill so high?", "-"},
		{"why does the sync take a minute?", "0"},
		{"why not use the API for that?", "0"},
	})
}

// TestLongWaits: a long span after a verb of waiting or taking is a complaint.
func TestLongWaits(t *testing.T) {
	checkRules(t, []ruleCase{
		{"it's been three days", "-"},
		{"the export took 4 hours", "-"},
		{"we waited a couple of weeks for the invoice", "-"},
		{"the export took 4 minutes", "0"},
		{"we have been customers for 3 years", "0"},
	})
}

// TestChases: chasing an answer, and a cry for help.
func TestChases(t *testing.T) {
	checkRules(t, []ruleCase{
		{"hello?", "-"},
		{"anyone?", "-"},
		{"bump", "-"},
		{"bumping this", "-"},
		{"help!", "-"},
		{"hello, how do I add a user", "0"},
		{"can you help me set up SSO", "0"},
		{"ping", "0"},
	})
}

// TestUnmarkedQuestions: chat often leaves out the question mark; such a question
// weighs its praise words as a marked one does.
func TestUnmarkedQuestions(t *testing.T) {
	e := engine(t)
	for _, tt := range []struct{ question, statement string }{
		{"can you recommend a good template", "you recommended a good template"},
		{"how do I make the chart look nice", "I made the chart look nice"},
		{"could you recommend a nice template", "you recommended a nice template"},
	} {
		q, m, s := e.Score(tt.question).Score, e.Score(tt.question+"?").Score, e.Score(tt.statement).Score
		if q != m || !(q < s/2) {
			t.Errorf("%q %.3f (with '?' %.3f) vs %q %.3f", tt.question, q, m, tt.statement, s)
		}
	}
	checkRules(t, []ruleCase{
		{"can you help me set up SSO", "0"},
		{"can you believe how good this is!", "+"}, // an exclamation
	})
}

// TestWishes: praise under a modal that asks for something is no praise.
func TestWishes(t *testing.T) {
	checkRules(t, []ruleCase{
		{"would be great if we could export to Excel", "0"},
		{"I'd love an option to mute alerts", "0"},
		{"it would help if the API returned totals", "0"},
		{"I'd be honoured to speak at your conference", "+"},
		{"that would be a great story", "+"},
	})
}

// TestNoIntention: "no plans to cancel" is neither a threat nor praise.
func TestNoIntention(t *testing.T) {
	checkRules(t, []ruleCase{
		{"no plans to cancel", "0"},
		{"we have no intention to downgrade", "0"},
		{"we plan to cancel", "-"},
	})
}

// TestNoAsAnswer: a "no" standing as its own clause answers; before a word it negates.
func TestNoAsAnswer(t *testing.T) {
	checkRules(t, []ruleCase{
		{"no, that's not what I meant", "0"},
		{"Also, no, I had not contacted her", "0"},
		{"no good", "-"},
		{"no", "-"},
	})
}

// TestEllipses: a short clause that only negates the praise before it.
func TestEllipses(t *testing.T) {
	checkRules(t, []ruleCase{
		{"The editor is great. The importer is not.", "-"},
		{"sync works on desktop, not on mobile", "-"},
		{"nice idea, but not for us", "-"},
		{"great work. if not, tell me", "+"},
		{"it works, not gonna lie", "+"},
	})
}

// TestSarcasticThanks: thanks for something bad are no thanks. And "/s" marks sarcasm
// though the tokenizer strips its slash.
func TestSarcasticThanks(t *testing.T) {
	checkRules(t, []ruleCase{
		{"great job on the release /s", "-"},
		{"great job on the release, it's an s-tier product", "+"},
		{"thanks for breaking the API again", "-"},
		{"thank you so much for the useless answer", "-"},
		{"thanks for the quick fix", "+"},
		// (fb-13: the phrase "thanks for nothing" did not reach these, read as praise)
		{"thanks a lot for nothing", "-"},
		{"thank you so much for absolutely nothing", "-"},
		{"wow thanks for nothing", "-"},
		{"oh wow, thanks for nothing", "-"},
		{"wow, thanks for the quick fix", "+"},
		{"thanks, nothing else from us today", "+"},
		// (a review of fb-13's first rules: "nothing" that does not end its clause,
		// and a trouble word made a fix, are thanks)
		{"thank you so much for nothing breaking during the upgrade", "+"},
		{"thanks a ton for nothing going down this time", "+"},
		{"wow thanks for the bug fix", "+"},
		{"yay thanks for the bug fix", "+"},
		{"thanks for the outage report", "+"},
		// (the phrase "thanks for nothing" itself read the sincere one as sarcasm,
		// "thanks for nothing breaking during the upgrade"; and "nothing" with a
		// word after it that is no verb still ends the thanks)
		{"thanks for nothing breaking during the upgrade", "+"},
		{"thanks for nothing going down this time", "+"},
		{"thanks for nothing", "-"},
		{"well thanks for nothing guys", "-"},
		{"thanks for nothing lol", "-"},
		{"thanks a lot for nothing guys", "-"},
		// (fb-14's first rule took any -ing word for a verb: a review's find)
		{"thank you for nothing breaking during the upgrade", "+"},
		{"thanks for nothing crashing this release", "+"},
		{"thanks for nothing pricing went up again", "-"},
		{"thanks for nothing regarding the refund", "-"},
		{"thanks for nothing considering we pay 50k a year", "-"},
		{"thanks for nothing everything still broken", "-"},
		{"thanks for nothing amazing support as usual", "-"},
		{"thanks for nothing darling", "-"},
		// (its second rule took any negative -ing word for trouble: a third review)
		{"thanks for nothing annoying bot", "-"},
		{"thank you for nothing insulting response from your team", "-"},
		{"thanks for nothing frustrating company", "-"},
		{"thanks for nothing confusing docs and no answers", "-"},
		{"thanks for nothing timing out during the demo", "+"},
		// (and trouble with an object or a repetition happened: a fourth review)
		{"thanks for nothing hanging up on me", "-"},
		{"thanks for nothing dropping the ball again", "-"},
		{"thanks for nothing dropping you guys next month", "-"},
		{"thanks for nothing failing me again", "-"},
		{"thanks for nothing stalling my refund for weeks", "-"},
		{"thanks for nothing timing out on every call", "-"},
		{"thanks for nothing being out of office all week", "-"},
		{"thanks for nothing breaking your promise", "-"},
		{"thanks for nothing going down during the migration", "+"},
		{"thanks for nothing crashing this release", "+"},
		// (a repetition after when or where, and "this" on an object, say it
		// happened; "nothing short of" is praise: a fifth review)
		{"thanks for nothing timing out at every login", "-"},
		{"thanks for nothing crashing during every demo", "-"},
		{"thanks for nothing lagging in every match", "-"},
		{"thanks for nothing crashing during the demo again", "-"},
		{"thanks for nothing freezing at 99% again", "-"},
		{"thanks for nothing failing at the worst possible moment", "-"},
		{"thanks for nothing breaking this integration", "-"},
		{"thanks for nothing breaking this time", "+"},
		{"thanks again for nothing short of amazing help", "+"},
	})
	e := engine(t)
	if a, b := e.Score("thanks for looking into the outage").Score, e.Score("thanks for the outage").Score; !(a > b+0.3) {
		t.Errorf("thanks for looking into a problem are real thanks: %.3f vs %.3f", a, b)
	}
}

// TestSaidNoOneEver: "said no one ever" tags what comes before it as sarcasm
// (fb-13: "LOVE the new dashboard... said no one ever" was joy and praise); a
// report of what someone said is no tag.
func TestSaidNoOneEver(t *testing.T) {
	checkRules(t, []ruleCase{
		{"LOVE the new dashboard... said no one ever", "-"},
		{"best update ever, said nobody", "-"},
		{"great, said no one ever", "-"},
		{"the new pricing is so fair - said noone", "-"},
		{"support said no one else had the problem, and the fix works great", "+"},
		{"the release is great, our CTO said so", "+"},
		// (a review of fb-13's first rule: what someone said, "nobody" ending a
		// clause, is no tag)
		{"I asked who should approve it and the admin said nobody, thanks, that works great", "+"},
		{"great support today: I asked if anyone else needed access and Dana said no one", "+"},
		{"love the new dashboard, and when I asked who complained the team said nobody!", "+"},
	})
}

// TestNoRushIsCourtesy: "no rush", "no hurry" and "no pressure" reassure, as "no
// worries" does (mildly positive), and are no negative "no" (fb-13: they were
// negative, complaints needing a reply); under a sarcasm marker they turn, as
// praise does.
func TestNoRushIsCourtesy(t *testing.T) {
	checkRules(t, []ruleCase{
		{"no rush on this one", "+"},
		{"no hurry on our side", "+"},
		{"no pressure", "+"},
		{"no rush, but the export is broken again", "-"},
		{"sure, take your time, no rush /s", "-"},
		// (not opening its clause, or before "to": a complaint, as before fb-13)
		{"apparently there's no rush to answer customers here", "-"},
		{"no rush to fix it, I see", "-"},
	})
}

// TestQuestionsAndConfusion: confusion inside a question asks for help.
func TestQuestionsAndConfusion(t *testing.T) {
	checkRules(t, []ruleCase{
		{"I'm confused, where do I find the API key?", "0"},
		{"I'm confused by the new billing page", "-"},
		{"the new billing page is unclear", "-"},
	})
}

// TestMoreSupportPhrases: recurrence, difficulty and regressions after an update.
func TestMoreSupportPhrases(t *testing.T) {
	checkRules(t, []ruleCase{
		{"another outage", "-"},
		{"the settings are hard to find", "-"},
		{"the widget shows a blank page after the update", "-"},
		{"honestly disappointed", "-"},
		{"honestly the editor is lovely", "+"},
	})
	e := engine(t)
	if a, b := e.Score("another outage").Score, e.Score("an outage").Score; !(a < b) {
		t.Errorf("another outage is worse than an outage: %.3f vs %.3f", a, b)
	}
}

// TestMoreTroubleAndRelief: phrases for trouble, for things back to normal, and for
// methods that are no opinion.
func TestMoreTroubleAndRelief(t *testing.T) {
	checkRules(t, []ruleCase{
		{"queries time out on big tables", "-"},
		{"the dashboard is blank after login", "-"},
		{"I don't understand the new roles", "-"},
		{"I've been trying to reach someone in sales", "-"},
		{"could be better", "-"},
		{"our quote went up 40%, we need to talk", "-"},
		{"dashboards are back up", "+"},
		{"this is exactly what we needed", "+"},
		{"is there a good way to model revenue", "0"},
		{"whatever works", "0"},
		{"never had an issue with uptime", "+"},
		{"we have an issue with exports", "-"},
		{"kindly update our billing address", "0"},
		{"can we edit alert rules", "0"},
	})
}

// TestWishesAndDoubts: counterfactual wishes complain, "without doubt" is no
// negation, "why!!!" is exasperation, and "I guess" makes praise lukewarm.
func TestWishesAndDoubts(t *testing.T) {
	checkRules(t, []ruleCase{
		{"I wish the search were faster", "-"},
		{"wish it would sync on its own", "-"},
		{"I wish I was there!", "+"},
		{"wish you a happy new year", "+"},
		{"without doubt the best tool we've used", "+"},
		{"why!!!", "-"},
		{"why?", "0"},
		{"it's ok I guess", "0"},
		{"I guess it works", "0"},
		{"the new theme is nice", "+"},
	})
	e := engine(t)
	if a, b := e.Score("it's nice I guess").Score, e.Score("it's nice").Score; !(a < b/2) {
		t.Errorf("a hedge makes praise lukewarm: %.3f vs %.3f", a, b)
	}
}

// TestVADERSpecialCasesAndEmoticonCase: VADER's own special-case idioms, and
// emoticons whose case matters ("D:" is horror, "d:" a tongue).
func TestVADERSpecialCasesAndEmoticonCase(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the new editor is bad ass", "+"},
		{"this release is the bomb", "+"},
		{"a kiss of death for the plugin", "-"},
		{"the export broke again D:", "-"},
		{"they cancelled the launch D:", "-"},
		{"D:", "-"},
		{"D=", "-"},
	})
	e := engine(t)
	if a, b := e.Score("ok D:").Score, e.Score("ok d:").Score; !(a < 0 && b > 0) {
		t.Errorf("D: %.3f, d: %.3f", a, b)
	}
}

// TestBoostersOfTheirOwn: "seriously" and "super" boost the word after them, and
// say their own valence when no sentiment word follows.
func TestBoostersOfTheirOwn(t *testing.T) {
	checkRules(t, []ruleCase{
		{"seriously?", "-"},
		{"empty export again. seriously", "-"},
		{"super!", "+"},
		{"seriously good release", "+"},
		{"super annoying popup", "-"},
	})
	e := engine(t)
	if a, b := e.Score("super annoying").Score, e.Score("annoying").Score; !(a < b) {
		t.Errorf("super boosts: %.3f vs %.3f", a, b)
	}
}

// TestUnprecedented: "never ... so/this" and "haven't been this" intensify rather
// than negate; a plain negation still negates.
func TestUnprecedented(t *testing.T) {
	checkRules(t, []ruleCase{
		{"never been so happy with a release", "+"},
		{"I have never slept so well", "+"},
		{"haven't been this frustrated in years", "-"},
		{"the sync is never reliable", "-"},
		{"haven't been happy with it", "-"},
	})
}

// TestDevSetConstructions: constructions found on the development chat set.
func TestDevSetConstructions(t *testing.T) {
	checkRules(t, []ruleCase{
		{"reset emails take over an hour to arrive", "-"},
		{"the import took the entire night", "-"},
		{"it took a few minutes", "0"},
		{"it used to be great, now it's slow", "-"},
		{"we used to love this app", "-"},
		{"I'm used to it", "0"},
		{"your docs are the clearest I've read", "+"},
		{"the easiest setup ever", "+"},
		{"shared links don't expire", "-"},
		{"nothing matches the dashboard", "-"},
		{"the API returns 503 every few minutes", "-"},
		{"what's the point of alerts that arrive late", "-"},
		{"it would be great to be able to pin dashboards", "0"},
		{"please fix the login page", "-"},
		// fb-6: a promise recalled complains (the dev set labels both negative).
		{"the promised callback never happened", "-"},
		{"we were told it would be fixed", "-"},
	})
}

// TestProblemReports (fb-6): trouble told without a sentiment word.
func TestProblemReports(t *testing.T) {
	checkRules(t, []ruleCase{
		// statusCodes: a status after a verb of receiving or before "error".
		{"getting a 500 when I open the report", "-"},
		{"we see 502 errors on every request", "-"},
		{"we have 500 seats", "0"},
		// …with a determiner between the verb and the code.
		{"also seeing the 429s", "-"},
		{"getting the occasional 502 on uploads", "-"},
		{"we bought the 500 seats", "0"},
		{"we got the 500 seats we ordered", "0"},
		{"we finally hit the 500 users mark", "0"},
		{"we received the 400 licenses this morning", "0"},
		{"customers are seeing a 502 today", "-"},
		{"getting the 500 again this morning", "-"},
		{"seeing those 429s today", "-"},
		// slowSteps: a named step measured in minutes; anything stuck for a while.
		{"the code email takes 20 minutes to arrive", "-"},
		{"builds have been queued for 40 minutes", "-"},
		{"the call takes 20 minutes", "0"},
		// anomalies: a display verb showing nothing, zero, deleted or stale things.
		{"the report shows 0 for every region", "-"},
		{"the dropdown shows deleted users", "-"},
		{"the report shows the totals", "0"},
		// thingsDenied: a thing, not a person, that doesn't do what it should.
		{"the export doesn't include archived items", "-"},
		{"we don't include archived items", "0"},
		{"it doesn't matter", "0"},
		// adversePassives: something done to the customer, told with "get".
		{"we got kicked from the call", "-"},
		// again: exasperation alone, and weight added to a complaint.
		{"sigh. again?", "-"},
		// malfunctions: "no longer", "is" and "of them" between, received is no choice.
		{"the sync no longer imports contacts", "-"},
		{"nothing is loading", "-"},
		{"I didn't receive the code", "-"},
		{"that shouldn't be published yet", "0"},
		// stillThere: "still" in a sentence with no sentiment.
		{"the old logo still shows on invoices", "-"},
		{"it still works", "+"},
		// rhetorical questions: "every" persists.
		{"why does every update reset the theme?", "-"},
	})
}

// TestPastedErrors (fb-6): an error pasted as code reports trouble unless asked about.
func TestPastedErrors(t *testing.T) {
	checkRules(t, []ruleCase{
		{"```\nTraceback (most recent call last):\nKeyError: 'id'\n```", "-"},
		{"`ERROR 500` when saving a dashboard", "-"},
		{"```\nretries: 3\n```", "0"},
		{"<@U123> can you check `error: failed`?", "0"},
	})
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"`NullPointerException` in the export", true},
		{"```\n$ curl -I https://x\nHTTP/2 503\n```", true},
		{"run `fb export --all` please", false},
		{"no code here, just an error", false},
	} {
		if got := text.CodeTrouble(tt.in); got != tt.want {
			t.Errorf("CodeTrouble(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestPraiseThatDoesNotPraise (fb-6): conditions the product fails, praise only
// expected, ended, said by someone else, of the old version, naming a control.
func TestPraiseThatDoesNotPraise(t *testing.T) {
	checkRules(t, []ruleCase{
		// unmetConditions
		{"would be great if it actually worked", "-"},
		{"it could be a great tool if the sync was reliable", "-"},
		{"would be great if we could schedule reports", "0"},
		{"it's great even if it isn't cheap", "+"}, // no modal: a concession
		// expectations
		{"I wanted to love this update", "-"},
		{"I wanted to thank you", "+"},
		// praiseUntil
		{"it was great until the redesign", "-"},
		// reportedPraise, in a report of trouble
		{"the status page said all good while everything was down", "-"},
		// oldVersions
		{"the old version was way better", "-"},
		// controls named by a sentiment word
		{"the save button is greyed out", "-"},
		// impersonal wishes
		{"it would be nice to have keyboard shortcuts", "0"},
		{"that would be interesting to see", "+"},
		// a time that works is agreed
		{"Tuesday works", "0"},
		// bare acknowledgements
		{"ok", "0"},
		{"Fine.", "0"},
		{"ok!", "+"},
	})
}

// TestSarcasmAndPoliteness (fb-6): praise that opens or frames a report of trouble
// is sarcasm; thanks, greetings and laughter around it are manners.
func TestSarcasmAndPoliteness(t *testing.T) {
	checkRules(t, []ruleCase{
		{"oh perfect, the update deleted my saved filters", "-"},
		{"Cool cool cool, so the API is down", "-"},
		{"love how it logs me out every five minutes", "-"},
		{"great, see you tomorrow", "+"}, // no trouble: no sarcasm
		{"thanks for the quick reply! unfortunately the export is still empty", "-"},
		{"Hi! Hope you're well. The reports have been empty since Monday, thanks so much!", "-"},
		{"thanks so much for the quick fix!", "+"},
	})
}

// TestReliefAndOwnMistakes (fb-6): trouble that is over, never came, is only asked
// about, names a document, or was the customer's own.
func TestReliefAndOwnMistakes(t *testing.T) {
	checkRules(t, []ruleCase{
		{"no more timeouts", "+"},
		{"zero outages this year", "+"},
		{"never had a single outage with you", "+"},
		{"the crash is fixed on 4.1", "+"},
		{"false alarm, the error was on our side", "0"},
		{"that's on me, wrong filter", "0"},
		{"what should we do if the sync fails during the migration?", "0"},
		{"what happens to our data if we cancel?", "-"},
		{"the outage postmortem is linked in the thread", "0"},
		{"how do I report a bug?", "0"},
	})
}

// TestMoreTroubleVocabulary (fb-6): defect words and phrases of data/*.tsv.
func TestMoreTroubleVocabulary(t *testing.T) {
	checkRules(t, []ruleCase{
		{"firmware 2.4 bricked two sensors", "-"},
		{"the EU region is unreachable", "-"},
		{"the screen is flickering", "-"},
		{"the page is empty", "-"},
		{"it only shows the first page of results", "-"},
		{"push notifications don't come through", "-"},
		{"new users get stuck in a redirect loop", "-"},
		{"the iOS app logs me out every time", "-"},
		{"we were billed on the 3rd and again on the 5th", "-"},
		{"we won't be renewing in June", "-"},
		{"this might be a dealbreaker", "-"},
		{"the export has been broken since Monday", "-"},
		{"the webhooks are firing again", "+"},
		{"not what I meant", "0"},
	})
}

// TestRegressions (fb-7): a change event in a sentence with no sentiment reports
// what the change broke; praise around it stays praise.
func TestRegressions(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the widget renders twice as tall after patch 2.2", "-"},
		{"half the tablets dropped off the network after the firmware push", "-"},
		{"the agent pins a core on idle machines since 3.4.1", "-"},
		{"zero crashes since the update", "+"},
		{"we'll test it after the release", "-"}, // a known limit: a plan reads as a report
	})
}

// TestRecurrences (fb-7): recurrence markers in a sentence without praise complain.
func TestRecurrences(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the nightly job skipped the third night in a row", "-"},
		{"we have asked about this repeatedly", "-"},
		{"I've restarted the router four times", "-"},
		{"this is the fifth agent who asks for my invoice number", "-"},
		{"so happy to see the login page for the fourth time today", "-"},
		{"the new engine is three times faster", "+"},
		{"the fifth time I've recommended you, love this tool", "+"},
	})
}

// TestOffersPlansAndManners (fb-7): offers, logistics after an acknowledgement and
// thanks after a request are no praise.
func TestOffersPlansAndManners(t *testing.T) {
	checkRules(t, []ruleCase{
		{"happy to send the config, which address?", "0"},
		{"happy to see it back!", "+"},
		{"great, I'll book the room for Monday", "0"},
		{"thanks, I'll pass this on to our network team", "0"},
		{"perfect, let me ask finance", "0"},
		{"great, see you tomorrow", "+"},
		{"could you send me the SOC 2 letter? thanks!", "0"},
		{"could you add a Gantt view? thank you", "0"},
		{"thanks! that fixed it", "+"},
	})
}

// TestReportMarkers (fb-7): a report after praise, introduced by "heads up", "fyi"
// or "one thing:", is the message.
func TestReportMarkers(t *testing.T) {
	checkRules(t, []ruleCase{
		{"great release. fyi the sidebar overlaps the chart on tablets", "-"},
		{"nice work on v2, one thing: the filter panel opens behind the map", "-"},
		{"great release. fyi I'm out tomorrow, love it", "+"},
	})
}

// TestFailureVerbs (fb-7): what a thing does by itself when it fails.
func TestFailureVerbs(t *testing.T) {
	checkRules(t, []ruleCase{
		{"the form resets when I switch tabs", "-"},
		{"the title reverts after a reload", "-"},
		{"the importer skips rows with a comma", "-"},
		{"the preview is blank", "-"},
	})
}

// TestMovesToTheProductsOwnNewThing: "switching to", "moving to" are a churn cue
// when they lead away from the product, not when their destination is the
// product's own ("the new dashboard", "your cloud tier", "the latest version").
func TestMovesToTheProductsOwnNewThing(t *testing.T) {
	checkRules(t, []ruleCase{
		{"We are moving to the new dashboard next week, any tips?", "0"},
		{"we're switching to the new editor on monday", "0"},
		{"switching to your cloud tier next month", "0"},
		{"moving to the latest version this sprint, anything to watch for?", "0"},
		{"we're moving to a competitor next quarter", "-"},
		{"we're switching to another tool", "-"},
		{"moving to Looker next quarter", "-"},
		{"we're moving to a new vendor in May", "-"},
		{"we're moving to the new vendor in May", "-"},
		{"switching to the new provider at renewal", "-"},
		// a move to a time is a reschedule
		{"the voice hour is moving to Tuesdays", "0"},
		{"our weekly sync moved to 3pm", "0"},
		{"the webinar is moving to next week", "0"},
		{"we're moving to a competitor next week", "-"},
	})
}

// TestReportForTheLayer: the report names the word classes seen (Classes is in the
// order of the flags) and the valence sums before and after the rules, which the
// analyzer's combination layer reads.
func TestReportForTheLayer(t *testing.T) {
	if fMark != 1<<31 || Classes[31] != "report_mark" || Classes[2] != "negation" || Classes[11] != "function_verb" {
		t.Fatal("Classes is out of step with the word flags")
	}
	e := engine(t)
	for _, tt := range []struct {
		text    string
		class   uint32
		neg     bool // Neg < 0
		praise  bool // BasePos > 0
		sarcasm bool
	}{
		{"the dashboard won't load", fFunc | fNeg, true, false, false},
		{"great, another outage 🙄", fSarcasm | fTrouble, true, true, true},
		{"love the new editor", fLex, false, true, false},
	} {
		toks := text.Tokens(text.Clean(tt.text), nil)
		var low []string
		for _, w := range toks {
			low = append(low, text.Lower(w))
		}
		_, rep := e.ScoreTokensReport(toks, low, text.Clean(tt.text))
		if rep.Classes&tt.class != tt.class || (rep.Neg < 0) != tt.neg || (rep.BasePos > 0) != tt.praise || rep.Sarcasm != tt.sarcasm {
			t.Errorf("%q: report %+v", tt.text, rep)
		}
	}
}
