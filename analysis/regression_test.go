package analysis

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestChatRegressionSet measures the hand-labelled support-chat set (testdata/
// chat_labelled.jsonl, labelled before looking at the analyzer's output) and fails if
// the figures drop below today's, measured 2026-11-23: sentiment macro-F1 0.654,
// theme precision 0.880 / recall 0.590, intent accuracy 0.637. The aim is 0.85
// macro-F1; these floors only guard against regressions.
func TestChatRegressionSet(t *testing.T) {
	f, err := os.Open("testdata/chat_labelled.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := newA(t)
	classes := []feedbackbot.SentimentLabel{feedbackbot.Positive, feedbackbot.Neutral, feedbackbot.Negative}
	tp, fp, fn := map[feedbackbot.SentimentLabel]int{}, map[feedbackbot.SentimentLabel]int{}, map[feedbackbot.SentimentLabel]int{}
	var n, intentOK, thTP, thFP, thFN int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct {
			Text   string   `json:"text"`
			Label  string   `json:"label"`
			Themes []string `json:"themes"`
			Intent string   `json:"intent"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		tags := a.Analyze(row.Text)
		gold := feedbackbot.SentimentLabel(row.Label)
		if gold == tags.Sentiment.Label {
			tp[gold]++
		} else {
			fp[tags.Sentiment.Label]++
			fn[gold]++
		}
		if string(tags.Intent) == row.Intent {
			intentOK++
		}
		want := map[string]bool{}
		for _, th := range row.Themes {
			want[th] = true
		}
		for _, th := range tags.Themes {
			if want[th] {
				thTP++
				delete(want, th)
			} else {
				thFP++
			}
		}
		thFN += len(want)
	}
	if n < 300 {
		t.Fatalf("the set has %d rows; keep at least 300", n)
	}
	f1 := 0.0
	for _, c := range classes {
		p := float64(tp[c]) / float64(max(1, tp[c]+fp[c]))
		r := float64(tp[c]) / float64(max(1, tp[c]+fn[c]))
		if p+r > 0 {
			f1 += 2 * p * r / (p + r) / 3
		}
	}
	prec, rec := float64(thTP)/float64(max(1, thTP+thFP)), float64(thTP)/float64(max(1, thTP+thFN))
	intent := float64(intentOK) / float64(n)
	t.Logf("chat set: n=%d sentiment macro-F1 %.3f, themes P %.3f R %.3f, intent accuracy %.3f", n, f1, prec, rec, intent)
	if f1 < 0.84 || prec < 0.85 || rec < 0.56 || intent < 0.73 {
		t.Errorf("below the regression floors (macro-F1 0.84, theme P 0.85 R 0.56, intent 0.73)")
	}
}
