package analysis

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

type chatFigures struct {
	n                                 int
	macroF1, accuracy, themeP, themeR float64
	intent                            float64
}

// measureChatSet scores the analyzer on a hand-labelled JSON Lines file of chat
// messages (text, label, themes, intent) of at least 300 rows: the rules alone
// (Analyze) and with the combination layer (AnalyzeMessage).
func measureChatSet(t *testing.T, path string) (rules, layer chatFigures) {
	t.Helper()
	return measureChatSetN(t, path, 300)
}

// measureChatSetN is measureChatSet for a set that must hold at least minRows rows.
func measureChatSetN(t *testing.T, path string, minRows int) (rules, layer chatFigures) {
	t.Helper()
	return measureWith(t, path, minRows, false), measureWith(t, path, minRows, true)
}

// measureWith scores the rules alone, or with chat the rules and the layer.
func measureWith(t *testing.T, path string, minRows int, chat bool) chatFigures {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := newA(t)
	classes := []feedbackbot.SentimentLabel{feedbackbot.Positive, feedbackbot.Neutral, feedbackbot.Negative}
	tp, fp, fn := map[feedbackbot.SentimentLabel]int{}, map[feedbackbot.SentimentLabel]int{}, map[feedbackbot.SentimentLabel]int{}
	var n, correct, intentOK, thTP, thFP, thFN int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct {
			Text   string   `json:"text"`
			Label  string   `json:"label"`
			Themes []string `json:"themes"`
			Intent string   `json:"intent"`
		}
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%s line %d: %v", path, n+1, err)
		}
		n++
		tags := a.Analyze(row.Text)
		if chat {
			tags = a.AnalyzeMessage(&feedbackbot.Message{Text: row.Text, Role: feedbackbot.RoleCustomer})
		}
		gold := feedbackbot.SentimentLabel(row.Label)
		if gold == tags.Sentiment.Label {
			tp[gold]++
			correct++
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < minRows {
		t.Fatalf("%s has %d rows; keep at least %d", path, n, minRows)
	}
	m := chatFigures{n: n, accuracy: float64(correct) / float64(n), intent: float64(intentOK) / float64(n),
		themeP: float64(thTP) / float64(max(1, thTP+thFP)), themeR: float64(thTP) / float64(max(1, thTP+thFN))}
	for _, c := range classes {
		p := float64(tp[c]) / float64(max(1, tp[c]+fp[c]))
		r := float64(tp[c]) / float64(max(1, tp[c]+fn[c]))
		if p+r > 0 {
			m.macroF1 += 2 * p * r / (p + r) / 3
		}
	}
	how := "rules alone"
	if chat {
		how = "rules and layer"
	}
	t.Logf("%s, %s: n=%d sentiment macro-F1 %.3f (accuracy %.3f), themes P %.3f R %.3f, intent accuracy %.3f",
		path, how, n, m.macroF1, m.accuracy, m.themeP, m.themeR, m.intent)
	return m
}

// TestChatRegressionSet measures the hand-labelled support-chat set (testdata/
// chat_labelled.jsonl, labelled before looking at the analyzer's output, but the
// rules were then found by reading its errors, so its figures are fitted) and fails
// if they drop below the floors, which sit just under today's figures (rules alone,
// engines fb-7 and fb-8: macro-F1 0.925, theme P 0.901 R 0.807, intent 0.812; fb-6
// had 0.921, fb-5 0.878 and intent 0.802; with fb-8's layer, which was trained on
// these rows, see layerFloors; fb-10's nineteen-set layer, which learned ordinary
// traffic too, fits them less closely: 0.967, intent 0.968).
func TestChatRegressionSet(t *testing.T) {
	m, l := measureChatSet(t, "testdata/chat_labelled.jsonl")
	layerFloors(t, l, 0.96, 0.94) // fitted: 0.968, intent 0.946 on twenty-four sets
	ruleFloors(t, "regression", m, 0.915, 0.88, 0.82, 0.81)
}

// TestChatDevSet measures the development chat set (testdata/chat_dev.jsonl, 188
// rows labelled blind and committed before the analyzer ran on them; since then rules
// have been found by reading its errors, so its figures are fitted too). Engines fb-6
// and fb-7: macro-F1 0.900, theme P 0.718 R 0.694, intent 0.777 (fb-5: 0.812, intent
// 0.713).
func TestChatDevSet(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_dev.jsonl", 150)
	layerFloors(t, l, 0.97, 0.95)
	ruleFloors(t, "dev-set", m, 0.89, 0.69, 0.74, 0.77)
}

// TestChatDev2Set measures the second development set (testdata/chat_dev2.jsonl,
// 150 rows of support and community chat), written and labelled blind by an
// eighteenth annotator from the README's definitions alone (not LABELLING.md, so
// some of its conventions differ: a request to a person is "other" there) and
// measured once unseen with engine fb-9 and the eighteen-set layer: macro-F1 0.866
// (accuracy 0.867), intent 0.753, themes P 0.809 R 0.707; rules alone 0.696 (0.700),
// intent 0.527. Then read to find general rules (fb-10: 0.872, rules 0.702, theme
// P 0.759 R 0.615); the layer is not trained on it. The floors sit just under.
func TestChatDev2Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_dev2.jsonl", 150)
	layerFloors(t, l, 0.86, 0.74)
	ruleFloors(t, "second dev-set", m, 0.69, 0.75, 0.61, 0.52)
}

// TestChatTrain2Set measures the second training set (testdata/chat_train2.jsonl,
// 461 rows of support and community chat from many kinds of product, labelled blind
// and committed before the analyzer ran on them). Its first run (engine fb-5) gave
// macro-F1 0.595 (accuracy 0.599), theme P 0.761 R 0.498, intent 0.495, close to the
// held-out set's; the fb-6 rules were then found by reading its errors, so today's
// figures are fitted: fb-6 macro-F1 0.829 (accuracy 0.859), intent 0.633; fb-7, whose
// word classes were found mostly on chat_train3, 0.837 (0.868), intent 0.636; themes
// unchanged at P 0.761 R 0.498.
func TestChatTrain2Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_train2.jsonl", 400)
	layerFloors(t, l, 0.94, 0.93) // fitted: 0.949, intent 0.937 on twenty-four sets (0.957, 0.950 on twenty-two, 0.967, 0.961 on eighteen, 0.976, 0.970 on sixteen)
	ruleFloors(t, "train2", m, 0.83, 0.74, 0.55, 0.63)
}

// TestChatTrain3Set measures the third training set (testdata/chat_train3.jsonl, 435
// rows in another voice than train2's: terse engineers, non-native English, angry
// admins, polite enterprise buyers, gamers, community members and staff; weighted
// towards negatives told with polite or praise words or none, and neutrals with
// positive-looking words), labelled blind and committed (af428ff) before the analyzer
// ran on it. Its first run (engine fb-6) is the honest measure of round 1's
// generality: macro-F1 0.563 (accuracy 0.584), theme P 0.531 R 0.457, intent 0.455,
// below the held-out set's 0.647. The fb-7 word classes were then found by reading
// its errors, so today's figures are fitted: macro-F1 0.632 (accuracy 0.653), themes
// unchanged, intent 0.490.
func TestChatTrain3Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_train3.jsonl", 400)
	layerFloors(t, l, 0.945, 0.925) // fitted: 0.954, intent 0.931 on twenty-four sets (0.964 and 0.933 on twenty-two, 0.970 and 0.938 on twenty, 0.976 and 0.947 on eighteen, 0.976 and 0.963 on sixteen)
	ruleFloors(t, "train3", m, 0.625, 0.53, 0.49, 0.48)
}

// TestChatTrain4Set measures the fourth training set (testdata/chat_train4.jsonl,
// 457 rows of Slack Connect and Discord chat from many kinds of product: SaaS, dev
// tools, games, fintech, e-commerce, hardware, education, healthcare admin,
// logistics; a third neutral, a quarter positive), labelled blind and committed
// (61e22e5) before the analyzer ran on it, for the combination layer: no rule was
// found on it. Its first run, before the layer was trained on it, was an unseen test
// of fb-8 as trained on four sets: rules alone (fb-7) macro-F1 0.676 (accuracy
// 0.676), theme P 0.573 R 0.515, intent 0.536; with the layer 0.743 (accuracy 0.744),
// intent 0.670. The layer now trains on it, so its layer figures are fitted (0.996,
// intent 0.993); the rules' are still first-run figures.
func TestChatTrain4Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_train4.jsonl", 420)
	layerFloors(t, l, 0.955, 0.93) // fitted: 0.960, intent 0.939 on twenty-four sets
	ruleFloors(t, "train4", m, 0.67, 0.555, 0.53, 0.53)
}

// TestChatTrain5Set measures the fifth training set (testdata/chat_train5.jsonl,
// 448 rows of Slack Connect and Discord chat from many kinds of product), written
// and labelled blind by another annotator than the first five sets' (a helper that
// never saw the analyzer) and committed before the analyzer ran on it. Its first
// run, before the layer was trained on it, was an unseen test of fb-8 as trained on
// five sets: rules alone macro-F1 0.678 (accuracy 0.681), theme P 0.616 R 0.414,
// intent 0.538; with the layer 0.802 (accuracy 0.806), intent 0.645. The layer now
// trains on it, so its layer figures are fitted; the rules' are first-run figures.
func TestChatTrain5Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_train5.jsonl", 420)
	layerFloors(t, l, 0.97, 0.95)
	ruleFloors(t, "train5", m, 0.67, 0.61, 0.43, 0.53)
}

// TestChatTrain6Set measures the sixth training set (testdata/chat_train6.jsonl,
// 452 rows in voices unlike the other sets': public sector, agencies, creators,
// restaurant POS, legal, telehealth, hardware, open-source communities), written and
// labelled blind by a third annotator and committed before the analyzer ran on it.
// Its first run, before the layer was trained on it, was an unseen test of fb-8 as
// trained on six sets: rules alone macro-F1 0.617 (accuracy 0.628), theme P 0.579 R
// 0.404, intent 0.551; with the layer 0.802 (accuracy 0.803), intent 0.723. The
// layer now trains on it, so its layer figures are fitted; the rules' are first-run
// figures.
func TestChatTrain6Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_train6.jsonl", 430)
	layerFloors(t, l, 0.97, 0.95)
	ruleFloors(t, "train6", m, 0.61, 0.58, 0.445, 0.545)
}

// TestChatTrain7Set measures the seventh training set (testdata/chat_train7.jsonl,
// 450 rows: Discord communities of games, modding, VR, music plugins, CAD, home
// automation and wearables; Slack Connect customers in logistics, manufacturing,
// construction, insurance, real estate, veterinary, schools, ticketing, travel),
// written and labelled blind by a fourth annotator and committed (389f185) before the
// analyzer ran on it. Its first run, before the layer was trained on it, was an
// unseen test of fb-8 as trained on seven sets: rules alone macro-F1 0.641 (accuracy
// 0.647), theme P 0.643 R 0.420, intent 0.564; with the layer 0.847 (accuracy
// 0.851), intent 0.722. The layer now trains on it, so its layer figures are fitted;
// the rules' are first-run figures.
func TestChatTrain7Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_train7.jsonl", 440)
	layerFloors(t, l, 0.97, 0.95)
	ruleFloors(t, "train7", m, 0.635, 0.645, 0.445, 0.56)
}

// TestChatTrain8Set measures the eighth training set (testdata/chat_train8.jsonl,
// 450 rows: observability, data and ML platforms, CI/CD, security and identity,
// payroll and HR, clinical and pharmacy systems, hospitality, field service,
// agriculture, utilities, telecom, marketplaces), written and labelled blind by a
// fifth annotator and committed before the analyzer ran on it. Its first run, before
// the layer was trained on it, was an unseen test of fb-8 as trained on seven sets:
// rules alone macro-F1 0.662 (accuracy 0.669), theme P 0.580 R 0.423, intent 0.613;
// with the layer 0.832 (accuracy 0.838), intent 0.784. The layer now trains on it,
// so its layer figures are fitted; the rules' are first-run figures.
func TestChatTrain8Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_train8.jsonl", 440)
	layerFloors(t, l, 0.965, 0.95) // fitted: 0.970, intent 0.982 on twenty-four sets
	ruleFloors(t, "train8", m, 0.655, 0.59, 0.465, 0.60)
}

// TestChatNewSets measures the five training sets written and labelled blind on
// 2026-12-02 by five more annotators from testdata/LABELLING.md and committed before
// the analyzer ran on them (see that file). Their first runs were unseen tests of
// fb-8 with the layer trained on the nine sets before them: sentiment macro-F1
// (accuracy), intent, themes P / R, then the rules alone: chat_train9 0.885 (0.881),
// 0.785, 0.760 / 0.585, rules 0.684 (0.694), 0.597; chat_train10 0.886 (0.884),
// 0.764, 0.627 / 0.538, rules 0.674 (0.680), 0.551; chat_train11 0.923 (0.924),
// 0.787, 0.677 / 0.587, rules 0.713 (0.716), 0.635; chat_train12 0.909 (0.912),
// 0.777, 0.698 / 0.553, rules 0.681 (0.686), 0.580; chat_train13 0.903 (0.902),
// 0.800, 0.639 / 0.618, rules 0.701 (0.705), 0.596. Two more sets, written and
// labelled blind on 2026-12-04 by a thirteenth and a fourteenth annotator, were first
// run against the layer trained on the fourteen sets before them: chat_train14 0.885
// (0.884), 0.764, 0.751 / 0.668, rules 0.624 (0.647), 0.580, themes 0.676 / 0.522;
// chat_train15 0.874 (0.871), 0.818, 0.763 / 0.717, rules 0.655 (0.667), 0.587,
// themes 0.674 / 0.540. chat_train18, ordinary channel traffic in natural
// proportions (half mundane neutral talk) written and labelled blind on 2026-12-06
// by a twenty-first annotator, first ran against the eighteen-set layer: 0.881
// (0.889), 0.831, 0.793 / 0.757, rules 0.651 (0.667), 0.647, themes 0.712 / 0.631;
// chat_train19, five channels' ordinary traffic by a twenty-second annotator,
// against the nineteen-set layer: 0.853 (0.862), 0.811, 0.714 / 0.642, rules 0.601
// (0.602), 0.598, themes 0.605 / 0.493. chat_train20 and chat_train21, ten more
// channels' ordinary traffic by a twenty-fourth and a twenty-fifth annotator, against
// the twenty-set layer: 0.789 (0.808), 0.762, 0.595 / 0.609, rules 0.526 (0.530),
// 0.581, themes 0.560 / 0.461; and 0.768 (0.783), 0.769, 0.654 / 0.641, rules 0.475
// (0.469), 0.529, themes 0.575 / 0.482. chat_train22 and chat_train23, ten more
// channels' ordinary traffic by a twenty-sixth and a twenty-seventh annotator,
// against the twenty-two-set layer: 0.785 (0.812), 0.803, 0.656 / 0.588, rules
// 0.532 (0.535), 0.546, themes 0.560 / 0.443; and 0.792 (0.818), 0.787, 0.681 /
// 0.580, rules 0.512 (0.521), 0.561, themes 0.541 / 0.438. The layer now trains on them,
// so its figures here are fitted; the rules' are first-run figures, and the floors
// sit just under them (rules: macro-F1, themes P, R, intent).
func TestChatNewSets(t *testing.T) {
	for _, tc := range []struct {
		file                       string
		f1, themeP, themeR, intent float64
	}{
		{"chat_train9.jsonl", 0.68, 0.74, 0.495, 0.59},
		{"chat_train10.jsonl", 0.67, 0.59, 0.455, 0.545},
		{"chat_train11.jsonl", 0.71, 0.66, 0.495, 0.63},
		{"chat_train12.jsonl", 0.675, 0.655, 0.45, 0.575},
		{"chat_train13.jsonl", 0.695, 0.61, 0.52, 0.59},
		{"chat_train14.jsonl", 0.62, 0.67, 0.515, 0.575},
		{"chat_train15.jsonl", 0.65, 0.67, 0.535, 0.58},
		{"chat_train16.jsonl", 0.57, 0.565, 0.565, 0.46},
		{"chat_train17.jsonl", 0.585, 0.54, 0.43, 0.46},
		{"chat_train18.jsonl", 0.645, 0.705, 0.625, 0.64},
		{"chat_train19.jsonl", 0.595, 0.60, 0.49, 0.59},
		{"chat_train20.jsonl", 0.52, 0.555, 0.455, 0.575},
		{"chat_train21.jsonl", 0.47, 0.57, 0.47, 0.525},
		{"chat_train22.jsonl", 0.525, 0.555, 0.435, 0.54},
		{"chat_train23.jsonl", 0.505, 0.535, 0.43, 0.555},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, l := measureChatSetN(t, "testdata/"+tc.file, 430)
			layerFloors(t, l, 0.955, 0.95) // fitted on twenty-four sets: 0.962 to 0.998, intent 0.962 to 0.991
			ruleFloors(t, tc.file, m, tc.f1, tc.themeP, tc.themeR, tc.intent)
		})
	}
}

// TestChatHoldoutSet measures the held-out chat set (testdata/chat_holdout.jsonl,
// labelled blind and committed before the analyzer ever ran on it). Rules are never
// chosen by reading its rows; it tells how the analyzer does on chat it was not fitted
// to. Its figures before any rule was changed (engine fb-2): macro-F1 0.575, theme P
// 0.816 R 0.435, intent 0.511; engine fb-5: 0.585, 0.786 / 0.502, 0.523. Engine fb-6,
// whose rules came from chat_train2's errors with the held-out aggregates looked at
// seven times: macro-F1 0.647 (accuracy 0.657), theme P 0.786 R 0.502, intent 0.568.
// Engine fb-7, whose word classes came from chat_train3's errors (held-out aggregates
// looked at three times this round: 0.650, 0.655, 0.655): macro-F1 0.655 (accuracy
// 0.669), theme P 0.786 R 0.502, intent 0.574: still the figures of the rules alone
// (Analyze). Engine fb-8 adds the combination layer for chat messages
// (AnalyzeMessage), trained on the four training sets with options chosen by
// leave-one-set-out cross-validation over them; the held-out aggregates were looked
// at twice, at the end (bench analysis, then this test on unchanged code): macro-F1
// 0.761 (accuracy 0.778), intent 0.733, themes unchanged. Retrained on five sets
// (chat_train4 added, options re-chosen by five-fold cross-validation), looked at
// once, after the retrain had been committed on the cross-validated figures alone:
// macro-F1 0.822 (accuracy 0.833), intent 0.754. Retrained on six sets (chat_train5,
// by another annotator, added; options kept, six-fold cross-validation 0.851 against
// the grid's best 0.852), looked at once: macro-F1 0.790 (accuracy 0.802), intent
// 0.778, while the second held-out set (another annotator's) rose 0.851 → 0.858 (the
// first set's figures seen twice on that code: this test, then bench analysis).
// Retrained on seven sets (chat_train6, a third annotator's, added; options kept),
// looked at once: macro-F1 0.794 (accuracy 0.809), intent 0.748. With character
// 6-grams in 2^14 buckets (chosen by cross-validation, 0.843 -> 0.863), once: 0.848
// (accuracy 0.857), intent 0.745. Retrained on nine sets (chat_train7 and
// chat_train8, by a fourth and a fifth annotator, added; options kept) and with
// themes that follow from the intent, looked at once: macro-F1 0.859 (accuracy
// 0.866), intent 0.751, themes P 0.786 R 0.502 -> P 0.729 R 0.614 (rules alone P
// 0.773 R 0.526). Retrained on fourteen sets (chat_train9 to chat_train13, by five
// more annotators, added; options kept), looked at once: macro-F1 0.870 (accuracy
// 0.875), intent 0.778, themes P 0.730 R 0.625. With the performance, reliability,
// security and usability vocabulary of 2026-12-02 (found on the first nine
// training sets), looked at twice (before and after six words were dropped for
// stray hits on the tweets): themes P 0.730 R 0.646 (rules alone 0.768 / 0.547),
// intent 0.775, sentiment unchanged. With the theme heads: themes P 0.742 R 0.695.
// Retrained on sixteen sets (chat_train14 and chat_train15 added; options kept),
// looked at once: macro-F1 0.866 (accuracy 0.875), intent 0.775, themes P 0.747 R
// 0.695. On eighteen sets (chat_train16 and chat_train17 added), once: 0.865
// (accuracy 0.872), intent 0.772, themes P 0.739 R 0.705. On twenty (chat_train18
// and chat_train19, ordinary channel traffic, added), once: 0.862 (0.869), intent
// 0.763, themes P 0.746 R 0.712. The floors sit just under.
//
// On twenty-four sets (chat_train20 to chat_train23, ordinary traffic, added),
// once: 0.859 (0.863), intent 0.751, themes P 0.751 R 0.719.
//
// Engine fb-12 (the thirty-second session's rule fixes), retrained, once: 0.859
// (0.863), intent 0.745, themes 0.747 / 0.716.
func TestChatHoldoutSet(t *testing.T) {
	m, l := measureChatSet(t, "testdata/chat_holdout.jsonl")
	layerFloors(t, l, 0.85, 0.74)
	ruleFloors(t, "held-out", m, 0.65, 0.76, 0.54, 0.57)
}

// TestChatHoldout2Set measures the second held-out set (testdata/chat_holdout2.jsonl,
// 360 rows), written and labelled blind by another annotator than the first five
// sets' and the first held-out set's (a helper that never saw the analyzer) and
// committed before the analyzer ran on it. Nothing is chosen by it. Its first run
// (fb-8, the layer trained on five sets) was an unseen test: macro-F1 0.851
// (accuracy 0.847), theme P 0.625 R 0.488, intent 0.725; rules alone 0.726 (0.728),
// intent 0.600. With the layer trained on six sets (chat_train5 added, chosen by
// cross-validation), looked at once: macro-F1 0.858 (accuracy 0.856), intent 0.742;
// on seven sets (chat_train6 added), once: 0.865 (accuracy 0.861), intent 0.750; with
// character 6-grams in 2^14 buckets, once: 0.870 (accuracy 0.864), intent 0.769; on
// nine sets with themes that follow from the intent, once: 0.879 (accuracy 0.875),
// intent 0.792, themes P 0.625 R 0.488 -> P 0.629 R 0.579 (rules alone P 0.627 R
// 0.515); on fourteen sets, once: 0.912 (accuracy 0.908), intent 0.800, themes P
// 0.632 R 0.592; with the new theme vocabulary, twice: themes P 0.633 R 0.616 (rules
// alone 0.629 / 0.539), intent 0.806; with the theme heads P 0.719 R 0.648; on
// sixteen sets, once: 0.907 (accuracy 0.903), intent 0.808, themes P 0.728 R 0.685;
// on eighteen, once: 0.922 (accuracy 0.919), intent 0.808, themes P 0.730 R 0.677.
// The floors sit just under today's.
//
// Engine fb-12, retrained on twenty-four sets, once: 0.911 (0.908), intent
// 0.797, themes 0.755 / 0.707.
func TestChatHoldout2Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout2.jsonl", 340)
	layerFloors(t, l, 0.90, 0.79)
	ruleFloors(t, "second held-out", m, 0.72, 0.62, 0.53, 0.59)
}

// TestChatHoldout3Set measures the third held-out set (testdata/chat_holdout3.jsonl,
// 395 rows of B2B Slack Connect and Discord community chat), written and labelled
// blind by a ninth annotator from testdata/LABELLING.md and committed before the
// analyzer ran on it. Nothing is chosen by it. Its first run (fb-8, the layer trained
// on nine sets) was an unseen test: macro-F1 0.895 (accuracy 0.896), theme P 0.713 R
// 0.618, intent 0.752; rules alone 0.721 (0.724), intent 0.565. With the layer
// retrained on fourteen sets (chat_train9 to chat_train13 added; options kept),
// looked at once: macro-F1 0.916 (accuracy 0.916), intent 0.808, themes P 0.721 R
// 0.630 (rules alone P 0.698 R 0.552); with the new theme vocabulary, twice: themes
// P 0.719 R 0.656 (rules alone 0.695 / 0.578), intent 0.808; with the theme heads P
// 0.787 R 0.711; on sixteen sets, once: 0.913 (accuracy 0.914), intent 0.810,
// themes P 0.790 R 0.720; on eighteen, once: 0.921 (accuracy 0.922), intent 0.818,
// themes P 0.777 R 0.727. The floors sit just under today's.
func TestChatHoldout3Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout3.jsonl", 380)
	layerFloors(t, l, 0.905, 0.80)
	ruleFloors(t, "third held-out", m, 0.715, 0.69, 0.57, 0.56)
}

// TestChatHoldout4Set measures the fourth held-out set (testdata/chat_holdout4.jsonl,
// 398 rows of chat about 25 kinds of product), written and labelled blind by a
// twelfth annotator from testdata/LABELLING.md and committed before the analyzer ran
// on it. Nothing is chosen by it. Its first run (fb-8, the layer trained on fourteen
// sets) was an unseen test: macro-F1 0.942 (accuracy 0.942), theme P 0.826 R 0.718,
// intent 0.819; rules alone 0.722 (0.736), theme P 0.701 R 0.557, intent 0.585. On
// sixteen sets (chat_train14 and chat_train15 added), looked at once: 0.944
// (accuracy 0.945), intent 0.827, themes P 0.825 R 0.728; on eighteen, once: 0.949
// (accuracy 0.950), intent 0.832, themes P 0.837 R 0.744. The floors sit just under.
//
// On twenty-four sets, once: 0.931 (0.932), intent 0.819, themes 0.823 / 0.759.
func TestChatHoldout4Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout4.jsonl", 390)
	layerFloors(t, l, 0.925, 0.81)
	ruleFloors(t, "fourth held-out", m, 0.715, 0.69, 0.55, 0.575)
}

// TestChatHoldout5Set measures the fifth held-out set (testdata/chat_holdout5.jsonl,
// 399 rows about 20+ kinds of product), written and labelled blind by a seventeenth
// annotator from testdata/LABELLING.md, half of it weighted to five kinds of message
// a reviewer's unkept set had found missed (complaints and bug reports written as
// questions, neutral requests with trouble-sounding words, sarcasm with no marker,
// defects told in plain facts, theme words in another sense), and committed before
// the analyzer ran on it. Nothing is chosen by it. Its first run (the layer trained on
// sixteen sets) was an unseen test: macro-F1 0.818 (accuracy 0.815), theme P 0.714 R
// 0.681, intent 0.712; rules alone 0.572 (0.571), intent 0.479. On eighteen sets
// (chat_train16 and chat_train17, weighted alike, added), looked at once: 0.849
// (accuracy 0.847), intent 0.764, themes P 0.721 R 0.713. On twenty-two (four sets
// of ordinary traffic among them): 0.846 (0.842), intent 0.749, themes 0.741 / 0.724.
// The floors sit just under.
//
// On twenty-four sets (chat_train22 and chat_train23 added), once: 0.833
// (0.830), intent 0.757, themes 0.749 / 0.721.
func TestChatHoldout5Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout5.jsonl", 390)
	layerFloors(t, l, 0.825, 0.745)
	ruleFloors(t, "fifth held-out", m, 0.565, 0.55, 0.47, 0.47)
}

// TestChatHoldout6Set measures the sixth held-out set (testdata/chat_holdout6.jsonl,
// 160 rows about four products: an analytics SaaS, a developer API with a Discord
// community, a payroll tool in Slack Connect and a game-modding community; a third
// of the writers non-native, others terse engineers or Discord regulars, with
// markup, stack traces and status codes), written and labelled blind by a
// nineteenth annotator from testdata/LABELLING.md alone and committed before the
// analyzer ran on it. Nothing is chosen by it. Its first run (engine fb-10, the
// layer trained on eighteen sets) was an unseen test: macro-F1 0.905 (accuracy
// 0.906), theme P 0.831 R 0.710, intent 0.863; rules alone 0.703 (0.713), themes
// P 0.730 R 0.560, intent 0.613. With chat_train18 added to the layer's training:
// 0.919 (0.919), themes 0.826 / 0.734, intent 0.856; with chat_train19 too: 0.920
// (0.919), 0.825 / 0.729, 0.863. The floors sit just under.
//
// On twenty-four sets (fb-11), once: 0.896 (0.894), intent 0.875; engine fb-12,
// once: 0.889 (0.887), intent 0.863, themes 0.832 / 0.739.
func TestChatHoldout6Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout6.jsonl", 160)
	layerFloors(t, l, 0.88, 0.855)
	ruleFloors(t, "sixth held-out", m, 0.695, 0.72, 0.55, 0.60)
}

// TestChatHoldout7Set measures the seventh held-out set (testdata/chat_holdout7.jsonl,
// 240 rows), the ordinary traffic of three channels over a fortnight in natural
// proportions (about half mundane neutral talk: scheduling, introductions, status
// narration with product words), written and labelled blind by a twentieth
// annotator from testdata/LABELLING.md alone and committed before the analyzer ran
// on it. Nothing is chosen by it. Its first run (the eighteen-set layer) was an
// unseen test, and the lowest of any held-out set: macro-F1 0.785 (accuracy 0.817),
// themes P 0.678 R 0.663, intent 0.788; the earlier sets, weighted to interesting
// cases, had overstated how the layer does on everyday chatter. With chat_train18
// (ordinary traffic from another annotator) added to the layer's training, looked
// at once: 0.813 (0.846), themes 0.680 / 0.657, intent 0.775; rules alone 0.515
// (0.521), themes 0.521 / 0.491, intent 0.517. With chat_train19 (a third
// annotator's ordinary traffic, added whatever this set showed) too, once: 0.827
// (0.858), themes 0.711 / 0.674, intent 0.808. With chat_train20 and chat_train21
// (two more annotators' ordinary traffic, added whatever chat_holdout8 showed), once:
// 0.825 (0.863), themes 0.707 / 0.674, intent 0.825. The floors sit just under.
//
// On twenty-four sets (chat_train22 and chat_train23, added by a rule set before
// this set was looked at: the cross-validation's), once: 0.807 (0.846), themes
// 0.736 / 0.686, intent 0.838.
//
// Engine fb-12, once: 0.815 (0.854), intent 0.825, themes 0.736 / 0.686.
func TestChatHoldout7Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout7.jsonl", 240)
	layerFloors(t, l, 0.80, 0.80)
	ruleFloors(t, "seventh held-out", m, 0.51, 0.515, 0.485, 0.51)
}

// TestChatHoldout8Set measures the eighth held-out set (testdata/chat_holdout8.jsonl,
// 240 rows), the ordinary traffic of four channels over a fortnight (a
// warehouse-software vendor and a logistics firm, a budgeting app's Discord, a
// helpdesk vendor and a travel agency, a game launcher's Discord), 60% neutral,
// written and labelled blind by a twenty-third annotator from
// testdata/LABELLING.md alone and committed before the analyzer ran on it.
// Nothing is chosen by it. Its first run (the twenty-set layer, engine fb-10) was
// an unseen test: macro-F1 0.836 (accuracy 0.838), themes P 0.717 R 0.709, intent
// 0.829; rules alone 0.530 (0.525), themes 0.574 / 0.556, intent 0.533. With
// chat_train20 and chat_train21 (ordinary traffic, decided in advance) added to the
// layer's training, once: 0.865 (0.867), themes 0.722 / 0.741, intent 0.846. The
// floors sit just under the first run.
//
// On twenty-four sets, once: 0.872 (0.875), themes 0.709 / 0.746, intent 0.846.
func TestChatHoldout8Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout8.jsonl", 240)
	layerFloors(t, l, 0.83, 0.82)
	ruleFloors(t, "eighth held-out", m, 0.525, 0.57, 0.55, 0.525)
}

// TestChatHoldout9Set measures the ninth held-out set (testdata/chat_holdout9.jsonl,
// 240 rows), the ordinary traffic of five channels (an invoice-approval vendor and a
// food company's finance team, a docs-site tool's Discord, clinic booking and physio
// clinics, a streamers' alerts tool's Discord, a data-sync service and an outdoor
// retailer's data team), 58% neutral, written and labelled blind by a
// twenty-eighth annotator from testdata/LABELLING.md alone and committed before the
// analyzer ran on it. Nothing is chosen by it. Its first run (engine fb-14, the
// twenty-four-set layer, 2026-12-07) was an unseen test: macro-F1 0.833 (accuracy
// 0.842), themes P 0.643 R 0.564, intent 0.812; rules alone 0.545 (0.542), themes
// 0.577 / 0.480, intent 0.562. Its themes are the lowest of any held-out set's
// (performance, reliability, security and usability recall 0.31-0.50). The floors
// sit just under the first run.
func TestChatHoldout9Set(t *testing.T) {
	m, l := measureChatSetN(t, "testdata/chat_holdout9.jsonl", 240)
	layerFloors(t, l, 0.825, 0.80)
	ruleFloors(t, "ninth held-out", m, 0.535, 0.565, 0.47, 0.55)
}

// ruleFloors fails when the rules' figures (Analyze, no layer) on a set drop below
// floors.
func ruleFloors(t *testing.T, set string, m chatFigures, f1, themeP, themeR, intent float64) {
	t.Helper()
	if m.macroF1 < f1 || m.themeP < themeP || m.themeR < themeR || m.intent < intent {
		t.Errorf("below the %s floors (macro-F1 %g, theme P %g R %g, intent %g)", set, f1, themeP, themeR, intent)
	}
}

// layerFloors fails when the figures with the combination layer (AnalyzeMessage)
// drop below floors. On the training sets they are fitted (the layer was trained on
// these rows). Engine fb-8 trained on eighteen sets: chat_train16 0.987, chat_train17
// 0.988, intent 0.993, 0.982. On sixteen sets with 2^14 buckets and character
// 6-grams: macro-F1 0.976 to 1.000, intent 0.963 to 1.000 (`go run ./bench analysis -speed=false`);
// on fourteen, 0.980 to 1.000 and 0.961 to 1.000. On nine sets: macro-F1 0.993, 1.000, 0.992, 0.993, 0.989, 0.993,
// 1.000, 0.995, 0.992, intent 0.977, 1.000, 0.993, 0.991, 0.991, 1.000, 1.000,
// 1.000, 0.998. With 2^12 buckets and no n-grams on seven: 0.985, 1.000, 0.990,
// 0.986, 0.984, 0.993, 0.998, intent 0.980, 1.000, 0.983, 0.991, 0.987, 0.996,
// 1.000. The honest figures are TestLayerCrossValidation's and the held-out sets'.
func layerFloors(t *testing.T, m chatFigures, f1, intent float64) {
	t.Helper()
	if m.macroF1 < f1 || m.intent < intent {
		t.Errorf("with the layer: below the floors (macro-F1 %.3f, intent %.3f)", f1, intent)
	}
}
