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
	if r < 0.86 || acc < 0.88 {
		t.Errorf("below the floor: r %.3f (>= 0.86), accuracy %.3f (>= 0.88)", r, acc)
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
