package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
)

// pythonVADERPerSec is the reference implementation's speed on this machine, quoted
// from ../shared/data/README.md (PyPI is not reachable here, so the package cannot be
// rerun; the port in analysis/testdata/vader_reference.py is timed in each run).
const pythonVADERPerSec = 18600

type labelled struct {
	Text   string   `json:"text"`
	Label  string   `json:"label"`
	Themes []string `json:"themes"`
	Intent string   `json:"intent"`
}

// chatSets are the labelled chat sets `bench analysis` measures, each under a flag
// named by its key (the default path is analysis/testdata/file).
var chatSets = []struct{ key, file, help, name, note string }{
	{"chat", "chat_labelled.jsonl", "labelled chat messages (JSON Lines)",
		"chat, fitted", "rules were found by reading these rows' errors; the layer was trained on them"},
	{"dev", "chat_dev.jsonl", "development labelled chat messages (JSON Lines), read to find general rules",
		"chat, dev (fitted)", "labelled blind, then rules found on its errors; the layer was trained on them"},
	{"dev2", "chat_dev2.jsonl", "second development set (JSON Lines), 150 messages written and labelled blind by an eighteenth annotator from the README's definitions (not LABELLING.md), measured once unseen, then read to find general rules; not trained on",
		"chat, dev2", "labelled blind from the README alone; first run (unseen, the eighteen-set layer) 0.866, accuracy 0.867, intent 0.753 (macro 0.724); then read to find general rules; not trained on"},
	{"train2", "chat_train2.jsonl", "second training labelled chat messages (JSON Lines), labelled blind, then read to find general rules",
		"chat, train2 (fitted)", "labelled blind, then rules found on its errors; the layer was trained on them"},
	{"train3", "chat_train3.jsonl", "third training labelled chat messages (JSON Lines), labelled blind in another voice, then read to find general rules",
		"chat, train3 (fitted)", "labelled blind, then rules found on its errors, the layer trained on them; first run (fb-6) 0.563, accuracy 0.584, themes 0.531 / 0.457, intent 0.455"},
	{"train4", "chat_train4.jsonl", "fourth training labelled chat messages (JSON Lines), labelled blind for the combination layer; no rule was found on it",
		"chat, train4 (fitted)", "labelled blind; no rule found on it, the layer trained on it; first run: rules (fb-7) 0.676, accuracy 0.676, intent 0.536; fb-8 (layer trained on the four other sets) 0.743, accuracy 0.744, intent 0.670; themes 0.573 / 0.515"},
	{"train5", "chat_train5.jsonl", "fifth training labelled chat messages (JSON Lines), written and labelled blind by another annotator for the combination layer; no rule was found on it",
		"chat, train5 (fitted)", "labelled blind by another annotator; no rule found on it, the layer trained on it; first run: rules 0.678, accuracy 0.681, intent 0.538; layer trained on the five other sets 0.802, accuracy 0.806, intent 0.645; themes 0.616 / 0.414"},
	{"train6", "chat_train6.jsonl", "sixth training labelled chat messages (JSON Lines), written and labelled blind by a third annotator for the combination layer; no rule was found on it",
		"chat, train6 (fitted)", "labelled blind by a third annotator; no rule found on it, the layer trained on it; first run: rules 0.617, accuracy 0.628, intent 0.551; layer trained on the six other sets 0.802, accuracy 0.803, intent 0.723; themes 0.579 / 0.404"},
	{"train7", "chat_train7.jsonl", "seventh training labelled chat messages (JSON Lines), written and labelled blind by a fourth annotator for the combination layer; no rule was found on it",
		"chat, train7 (fitted)", "labelled blind by a fourth annotator; no rule found on it, the layer trained on it; first run: rules 0.641, accuracy 0.647, intent 0.564; layer trained on the seven other sets 0.847, accuracy 0.851, intent 0.722; themes 0.643 / 0.420"},
	{"train8", "chat_train8.jsonl", "eighth training labelled chat messages (JSON Lines), written and labelled blind by a fifth annotator for the combination layer; no rule was found on it",
		"chat, train8 (fitted)", "labelled blind by a fifth annotator; no rule found on it, the layer trained on it; first run: rules 0.662, accuracy 0.669, intent 0.613; layer trained on the seven other sets 0.832, accuracy 0.838, intent 0.784; themes 0.580 / 0.423"},
	{"train9", "chat_train9.jsonl", "ninth training set (JSON Lines), written and labelled blind by a sixth annotator from analysis/testdata/LABELLING.md; no rule was found on it",
		"chat, train9 (fitted)", "labelled blind by a sixth annotator; no rule found on it, the layer trained on it; first run: rules 0.684, accuracy 0.694, intent 0.597; layer trained on the nine sets before it 0.885, accuracy 0.881, intent 0.785; themes 0.760 / 0.585"},
	{"train10", "chat_train10.jsonl", "tenth training set (JSON Lines), written and labelled blind by a seventh annotator from analysis/testdata/LABELLING.md; no rule was found on it",
		"chat, train10 (fitted)", "labelled blind by a seventh annotator; no rule found on it, the layer trained on it; first run: rules 0.674, accuracy 0.680, intent 0.551; layer trained on the nine sets before it 0.886, accuracy 0.884, intent 0.764; themes 0.627 / 0.538"},
	{"train11", "chat_train11.jsonl", "eleventh training set (JSON Lines), written and labelled blind by an eighth annotator from analysis/testdata/LABELLING.md; no rule was found on it",
		"chat, train11 (fitted)", "labelled blind by an eighth annotator; no rule found on it, the layer trained on it; first run: rules 0.713, accuracy 0.716, intent 0.635; layer trained on the nine sets before it 0.923, accuracy 0.924, intent 0.787; themes 0.677 / 0.587"},
	{"train12", "chat_train12.jsonl", "twelfth training set (JSON Lines), written and labelled blind by a tenth annotator from analysis/testdata/LABELLING.md; no rule was found on it",
		"chat, train12 (fitted)", "labelled blind by a tenth annotator; no rule found on it, the layer trained on it; first run: rules 0.681, accuracy 0.686, intent 0.580; layer trained on nine sets 0.909, accuracy 0.912, intent 0.777; themes 0.698 / 0.553"},
	{"train13", "chat_train13.jsonl", "thirteenth training set (JSON Lines), written and labelled blind by an eleventh annotator from analysis/testdata/LABELLING.md; no rule was found on it",
		"chat, train13 (fitted)", "labelled blind by an eleventh annotator; no rule found on it, the layer trained on it; first run: rules 0.701, accuracy 0.705, intent 0.596; layer trained on nine sets 0.903, accuracy 0.902, intent 0.800; themes 0.639 / 0.618"},
	{"train14", "chat_train14.jsonl", "fourteenth training set (JSON Lines), written and labelled blind by a thirteenth annotator from analysis/testdata/LABELLING.md; no rule was found on it",
		"chat, train14 (fitted)", "labelled blind by a thirteenth annotator; no rule found on it, the layer trained on it; first run: rules 0.624, accuracy 0.647, intent 0.580; layer trained on fourteen sets 0.885, accuracy 0.884, intent 0.764; themes 0.751 / 0.668"},
	{"train15", "chat_train15.jsonl", "fifteenth training set (JSON Lines), written and labelled blind by a fourteenth annotator from analysis/testdata/LABELLING.md; no rule was found on it",
		"chat, train15 (fitted)", "labelled blind by a fourteenth annotator; no rule found on it, the layer trained on it; first run: rules 0.655, accuracy 0.667, intent 0.587; layer trained on fourteen sets 0.874, accuracy 0.871, intent 0.818; themes 0.763 / 0.717"},
	{"train16", "chat_train16.jsonl", "sixteenth training set (JSON Lines), B2B SaaS, half weighted to five kinds of miss, written and labelled blind by a fifteenth annotator from analysis/testdata/LABELLING.md",
		"chat, train16 (fitted)", "labelled blind by a fifteenth annotator, half weighted to five kinds of miss (LABELLING.md), the layer trained on it; first run: rules 0.578, accuracy 0.576, intent 0.467; layer trained on sixteen sets 0.833, accuracy 0.829, intent 0.707; themes 0.673 / 0.671"},
	{"train17", "chat_train17.jsonl", "seventeenth training set (JSON Lines), consumer products and Discord communities, half weighted to five kinds of miss, written and labelled blind by a sixteenth annotator from analysis/testdata/LABELLING.md",
		"chat, train17 (fitted)", "labelled blind by a sixteenth annotator, half weighted to five kinds of miss (LABELLING.md), the layer trained on it; first run: rules 0.592, accuracy 0.591, intent 0.469; layer trained on sixteen sets 0.790, accuracy 0.789, intent 0.716; themes 0.707 / 0.622"},
	{"train18", "chat_train18.jsonl", "eighteenth training set (JSON Lines), ordinary channel traffic in natural proportions (half mundane neutral talk), written and labelled blind by a twenty-first annotator from analysis/testdata/LABELLING.md",
		"chat, train18 (fitted)", "ordinary traffic, labelled blind by a twenty-first annotator, the layer trained on it; first run: rules 0.651, accuracy 0.667, intent 0.647; layer trained on eighteen sets 0.881, accuracy 0.889, intent 0.831; themes 0.793 / 0.757"},
	{"train19", "chat_train19.jsonl", "nineteenth training set (JSON Lines), five channels' ordinary traffic in natural proportions, written and labelled blind by a twenty-second annotator from analysis/testdata/LABELLING.md",
		"chat, train19 (fitted)", "ordinary traffic, labelled blind by a twenty-second annotator, the layer trained on it; first run: see TestChatNewSets"},
	{"train20", "chat_train20.jsonl", "twentieth training set (JSON Lines), five channels' ordinary traffic in natural proportions, written and labelled blind by a twenty-fourth annotator from analysis/testdata/LABELLING.md",
		"chat, train20 (fitted)", "ordinary traffic, labelled blind by a twenty-fourth annotator, the layer trained on it; first run: rules 0.526, accuracy 0.530, intent 0.581; layer trained on twenty sets 0.789, accuracy 0.808, intent 0.762; themes 0.595 / 0.609"},
	{"train21", "chat_train21.jsonl", "twenty-first training set (JSON Lines), five channels' ordinary traffic in natural proportions, written and labelled blind by a twenty-fifth annotator from analysis/testdata/LABELLING.md",
		"chat, train21 (fitted)", "ordinary traffic, labelled blind by a twenty-fifth annotator, the layer trained on it; first run: rules 0.475, accuracy 0.469, intent 0.529; layer trained on twenty sets 0.768, accuracy 0.783, intent 0.769; themes 0.654 / 0.641"},
	{"train22", "chat_train22.jsonl", "twenty-second training set (JSON Lines), five channels' ordinary traffic in natural proportions, written and labelled blind by a twenty-sixth annotator from analysis/testdata/LABELLING.md",
		"chat, train22 (fitted)", "ordinary traffic, labelled blind by a twenty-sixth annotator, the layer trained on it; first run: rules 0.532, accuracy 0.535, intent 0.546; layer trained on twenty-two sets 0.785, accuracy 0.812, intent 0.803; themes 0.656 / 0.588"},
	{"train23", "chat_train23.jsonl", "twenty-third training set (JSON Lines), five channels' ordinary traffic in natural proportions, written and labelled blind by a twenty-seventh annotator from analysis/testdata/LABELLING.md",
		"chat, train23 (fitted)", "ordinary traffic, labelled blind by a twenty-seventh annotator, the layer trained on it; first run: rules 0.512, accuracy 0.521, intent 0.561; layer trained on twenty-two sets 0.792, accuracy 0.818, intent 0.787; themes 0.681 / 0.580"},
	{"holdout", "chat_holdout.jsonl", "held-out labelled chat messages (JSON Lines), never read to choose rules",
		"chat, held out", "labelled blind; never used to choose rules, train or select the layer; seven sets 0.848, nine 0.859"},
	{"holdout2", "chat_holdout2.jsonl", "second held-out set (JSON Lines), written and labelled blind by another annotator; never read, trained or selected on",
		"chat, held out 2", "labelled blind by another annotator; never used to choose rules, train or select the layer; first run (layer trained on five sets) 0.851, accuracy 0.847, intent 0.725; seven sets 0.870, nine 0.879"},
	{"holdout3", "chat_holdout3.jsonl", "third held-out set (JSON Lines), a general set written and labelled blind by a ninth annotator from analysis/testdata/LABELLING.md; never read, trained or selected on",
		"chat, held out 3", "labelled blind by a ninth annotator; never used to choose rules, train or select the layer; first run (layer trained on nine sets) 0.895, accuracy 0.896, intent 0.752; rules 0.721 (0.724), intent 0.565"},
	{"holdout4", "chat_holdout4.jsonl", "fourth held-out set (JSON Lines), 25 kinds of product, written and labelled blind by a twelfth annotator from analysis/testdata/LABELLING.md; never read, trained or selected on",
		"chat, held out 4", "labelled blind by a twelfth annotator; never used to choose rules, train or select the layer; first run (layer trained on fourteen sets) 0.942, accuracy 0.942, intent 0.819; themes 0.826 / 0.718; rules 0.722 (0.736), intent 0.585"},
	{"holdout5", "chat_holdout5.jsonl", "fifth held-out set (JSON Lines), 20+ kinds of product, half weighted to five kinds of miss, written and labelled blind by a seventeenth annotator from analysis/testdata/LABELLING.md; never read, trained or selected on",
		"chat, held out 5", "labelled blind by a seventeenth annotator, half weighted to five kinds of miss; never used to choose rules, train or select the layer; first run (layer trained on sixteen sets) 0.818, accuracy 0.815, intent 0.712; themes 0.714 / 0.681; rules 0.572 (0.571), intent 0.479"},
	{"holdout6", "chat_holdout6.jsonl", "sixth held-out set (JSON Lines), 160 messages about four products (non-native and terse writers, markup, stack traces), written and labelled blind by a nineteenth annotator from analysis/testdata/LABELLING.md; never read, trained or selected on",
		"chat, held out 6", "labelled blind by a nineteenth annotator; never used to choose rules, train or select the layer; first run (engine fb-10, layer trained on eighteen sets) 0.905, accuracy 0.906, intent 0.863; themes 0.831 / 0.710; rules 0.703 (0.713), intent 0.613"},
	{"holdout7", "chat_holdout7.jsonl", "seventh held-out set (JSON Lines), 240 messages of three channels' ordinary traffic in natural proportions (about half mundane neutral talk), written and labelled blind by a twentieth annotator from analysis/testdata/LABELLING.md; never read, trained or selected on",
		"chat, held out 7", "ordinary traffic, labelled blind by a twentieth annotator; never used to choose rules, train or select the layer; first run (the eighteen-set layer) 0.785, accuracy 0.817, intent 0.788; themes 0.678 / 0.663; rules 0.515 (0.521), intent 0.517"},
	{"holdout8", "chat_holdout8.jsonl", "eighth held-out set (JSON Lines), 240 messages of four channels' ordinary traffic in natural proportions (about 60% neutral), written and labelled blind by a twenty-third annotator from analysis/testdata/LABELLING.md; never read, trained or selected on",
		"chat, held out 8", "ordinary traffic, labelled blind by a twenty-third annotator; never used to choose rules, train or select the layer; first run (the twenty-set layer) 0.836, accuracy 0.838, intent 0.829; themes 0.717 / 0.709; rules 0.530 (0.525), intent 0.533"},
	{"holdout9", "chat_holdout9.jsonl", "ninth held-out set (JSON Lines), 240 messages of five channels' ordinary traffic in natural proportions (58% neutral), written and labelled blind by a twenty-eighth annotator from analysis/testdata/LABELLING.md; never read, trained or selected on",
		"chat, held out 9", "ordinary traffic, labelled blind by a twenty-eighth annotator; never used to choose rules, train or select the layer; first run (engine fb-14, the twenty-four-set layer) 0.833, accuracy 0.842, intent 0.812; themes 0.643 / 0.564; rules 0.545 (0.542), intent 0.562"},
}

func runAnalysis(ctx context.Context, args []string) error {
	fs := newFlags("analysis")
	data := fs.String("data", "../shared/data/vader", "directory with tweets_GroundTruth.txt")
	paths := map[string]*string{}
	for _, set := range chatSets {
		paths[set.key] = fs.String(set.key, "analysis/testdata/"+set.file, set.help)
	}
	showErrors := fs.Bool("errors", false, "print the training sets' misclassified rows (never the held-out sets')")
	byTheme := fs.String("by-theme", "", "also print each theme's precision and recall over these chat sets, pooled (comma-separated keys: chat, dev, dev2, train2 … train23, holdout, holdout2 … holdout9)")
	speed := fs.Bool("speed", true, "measure speed too (false: accuracy only, in seconds)")
	runs := fs.Int("runs", 5, "speed runs (the median is reported)")
	lines := fs.Int("lines", 1_000_000, "lines piped through `feedbackbot analyze`")
	refTexts := fs.Int("reference-texts", 42_000, "texts the VADER port (python3 analysis/testdata/vader_reference.py) scores, before and after the in-process figures and before each round of the whole process's, for the reference's speed on this machine now (0: quote 18,600/s only)")
	fs.Parse(args)

	a, err := analysis.New(analysis.DefaultTaxonomy())
	if err != nil {
		return err
	}
	rules, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), nil)
	if err != nil {
		return err
	}
	out := map[string]any{}
	var rows [][]string
	rows = append(rows, []string{"figure", "value", "reference / target"})

	tweets, truth, err := readTweets(filepath.Join(*data, "tweets_GroundTruth.txt"))
	if err != nil {
		return err
	}
	// Three classes at +-0.05 in VADER's own convention (positive >= 0.05, negative
	// <= -0.05, for the human mean and for the score alike), the one the reference
	// figures were measured in; and strictly (> 0.05, < -0.05), the convention of
	// feedbackbot.LabelFor. A VADER port (analysis/testdata/vader_reference.py) that
	// reproduces the reference's 0.872 / 0.899 / 0.740 gives 0.885 / 0.726 strictly.
	var xs []float64
	var gold, pred, goldStrict, predStrict []feedbackbot.SentimentLabel
	for i, t := range tweets {
		s := a.Analyze(t).Sentiment
		xs = append(xs, s.Score)
		gold, pred = append(gold, vaderLabel(truth[i])), append(pred, vaderLabel(s.Score))
		goldStrict, predStrict = append(goldStrict, feedbackbot.LabelFor(truth[i])), append(predStrict, s.Label)
	}
	r := stat.Correlation(xs, truth, nil)
	acc, f1 := accuracyF1(gold, pred)
	accS, f1S := accuracyF1(goldStrict, predStrict)
	out["tweets_n"], out["tweets_pearson_r"], out["tweets_accuracy"], out["tweets_macro_f1"] = len(tweets), r, acc, f1
	out["tweets_accuracy_strict"], out["tweets_macro_f1_strict"] = accS, f1S
	rows = append(rows,
		[]string{"tweets: Pearson r (score vs mean/4)", fmt.Sprintf("%.3f", r), "Python VADER 0.872; target >= 0.88"},
		[]string{"tweets: 3-class accuracy (>= +0.05, <= -0.05)", fmt.Sprintf("%.3f", acc), "Python VADER 0.899; target >= 0.90"},
		[]string{"tweets: macro-F1 (>= +0.05, <= -0.05)", fmt.Sprintf("%.3f", f1), "Python VADER 0.740"},
		[]string{"tweets: 3-class accuracy (> +0.05, < -0.05)", fmt.Sprintf("%.3f", accS), "VADER port 0.885"},
		[]string{"tweets: macro-F1 (> +0.05, < -0.05)", fmt.Sprintf("%.3f", f1S), "VADER port 0.726"})

	figs := map[string]chatFigures{}
	for _, set := range chatSets {
		path := *paths[set.key]
		chatRows, err := readChat(path)
		if err != nil || len(chatRows) == 0 {
			rows = append(rows, []string{set.name + " set", "not found: " + path, "run from the repository root"})
			continue
		}
		m := measureChat(a, chatRows, *showErrors && !strings.HasPrefix(set.key, "holdout"))
		r := measureChat(rules, chatRows, false)
		figs[set.key] = m
		out[set.key+"_rules_macro_f1"], out[set.key+"_rules_accuracy"], out[set.key+"_rules_intent_accuracy"] = r.macroF1, r.accuracy, r.intent
		out[set.key+"_n"], out[set.key+"_accuracy"], out[set.key+"_macro_f1"] = m.n, m.accuracy, m.macroF1
		out[set.key+"_themes_precision"], out[set.key+"_themes_recall"] = m.themeP, m.themeR
		out[set.key+"_intent_accuracy"] = m.intent
		rows = append(rows,
			[]string{fmt.Sprintf("%s (%d labelled): sentiment macro-F1", set.name, m.n), fmt.Sprintf("%.3f", m.macroF1), "target >= 0.85; " + set.note},
			[]string{set.name + ": sentiment accuracy", fmt.Sprintf("%.3f", m.accuracy), ""},
			[]string{set.name + ": theme precision / recall", fmt.Sprintf("%.3f / %.3f", m.themeP, m.themeR), ""},
			[]string{set.name + ": intent accuracy", fmt.Sprintf("%.3f", m.intent), ""},
			[]string{set.name + ": rules alone: macro-F1 (accuracy), intent", fmt.Sprintf("%.3f (%.3f), %.3f", r.macroF1, r.accuracy, r.intent), "without the combination layer"})
	}
	if *byTheme != "" {
		if err := themeTable(strings.Split(*byTheme, ","), figs); err != nil {
			return err
		}
		fmt.Println()
	}
	if !*speed {
		table(rows)
		printJSON(out)
		return nil
	}

	// The reference, in the same run on the same texts: the VADER port, timed on one
	// core before and after the in-process figures (their ratios are to the median
	// of every port run) and before each round of the whole process's, as the
	// machine's speed moves from hour to hour.
	var refRates []float64
	// reference times the port once, keeps the rate and returns it (0: not timed).
	reference := func() float64 {
		if *refTexts <= 0 {
			return 0
		}
		r, err := portRate(ctx, *data, *refTexts)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench analysis: the VADER port was not timed: %v\n", err)
			return 0
		}
		refRates = append(refRates, r)
		return r
	}
	type speedRow struct {
		name, key string
		rate      float64
		target    bool
		// ratio, where set, is the median of the rounds' ratios to the port timed
		// just before each (the whole process's figures)
		ratio float64
	}
	var speedRows []speedRow
	reference()
	// Analyzer speed, in process: plain text (Analyze, the rules alone) and chat
	// messages (AnalyzeMessage, with the combination layer).
	for _, chatMsg := range []bool{false, true} {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			var rates []float64
			for range *runs {
				rates = append(rates, analyzerRate(a, tweets, workers, 200_000, chatMsg))
			}
			key, name := fmt.Sprintf("analyzer_texts_per_sec_%dcpu", workers), fmt.Sprintf("analyzer texts/s, %d goroutine(s)", workers)
			if chatMsg {
				key, name = fmt.Sprintf("analyzer_messages_per_sec_%dcpu", workers), fmt.Sprintf("analyzer chat messages/s (with the layer), %d goroutine(s)", workers)
			}
			speedRows = append(speedRows, speedRow{name: name, key: key, rate: median(rates)})
		}
	}
	reference()

	// Whole process: build the binary and pipe JSON Lines through `feedbackbot analyze`,
	// in its default mode (chat: rules and layer) and --mode text (the rules alone),
	// in rounds: the port, then each mode, so that every ratio is taken between runs
	// minutes apart at most, and the machine's drift from hour to hour (up to 1.8x)
	// falls on both sides of it; the figure is the median of the rounds' ratios.
	proc, err := newProcessBench(ctx, tweets, *lines)
	if err != nil {
		return err
	}
	defer proc.close()
	modes := []string{"chat", "text"}
	procRates := map[string][]float64{}
	procRatios := map[string][]float64{}
	procRSS := map[string]float64{}
	for r := range *runs {
		fmt.Fprintf(os.Stderr, "bench analysis: whole process, round %d of %d\n", r+1, *runs)
		port := reference()
		for _, mode := range modes {
			rate, rss, err := proc.run(ctx, mode)
			if err != nil {
				return err
			}
			procRates[mode] = append(procRates[mode], rate)
			procRSS[mode] = max(procRSS[mode], rss)
			if port > 0 {
				procRatios[mode] = append(procRatios[mode], rate/port)
			}
		}
	}
	var rssRows [][]string
	for _, mode := range modes {
		key := "analyze_process"
		if mode == "text" {
			key += "_text"
		}
		out[key+"_max_rss_mib"] = procRSS[mode]
		row := speedRow{name: fmt.Sprintf("`feedbackbot analyze --mode %s` whole process, %d lines", mode, *lines), key: key + "_texts_per_sec", rate: median(procRates[mode]), target: true}
		if len(procRatios[mode]) > 0 {
			row.ratio = median(procRatios[mode])
			out[key+"_vs_port_rounds"] = procRatios[mode]
		}
		speedRows = append(speedRows, row)
		rssRows = append(rssRows, []string{fmt.Sprintf("`feedbackbot analyze --mode %s` max RSS", mode), fmt.Sprintf("%.0f MiB", procRSS[mode]), "constant in input size"})
	}

	ref := 0.0
	if len(refRates) > 0 {
		ref = median(refRates)
		out["vader_port_texts_per_sec"] = ref
		rows = append(rows, []string{fmt.Sprintf("VADER port (analysis/testdata/vader_reference.py), this run, one core, %d texts", *refTexts),
			fmt.Sprintf("%.0f texts/s", ref), fmt.Sprintf("median of %d; the package's own figure here: 18,600/s", len(refRates))})
	}
	for _, r := range speedRows {
		out[r.key] = r.rate
		note := fmt.Sprintf("%.1fx Python VADER (18,600/s)", r.rate/pythonVADERPerSec)
		vsPort := strings.TrimSuffix(strings.TrimSuffix(r.key, "_texts_per_sec"), "_messages_per_sec") + "_vs_port"
		switch {
		case r.ratio > 0:
			out[vsPort] = r.ratio
			note = fmt.Sprintf("%.1fx the port (median of %d rounds' ratios, the port timed before each); %.1fx 18,600/s", r.ratio, *runs, r.rate/pythonVADERPerSec)
		case ref > 0:
			out[vsPort] = r.rate / ref
			note = fmt.Sprintf("%.1fx the port this run; %.1fx 18,600/s", r.rate/ref, r.rate/pythonVADERPerSec)
		}
		if r.target {
			note += "; target >= 10x"
		}
		rows = append(rows, []string{r.name, fmt.Sprintf("%.0f", r.rate), note})
	}
	rows = append(rows, rssRows...)
	table(rows)
	printJSON(out)
	return nil
}

type chatFigures struct {
	n                                         int
	accuracy, macroF1, themeP, themeR, intent float64
	// byTheme counts each theme's hits, false hits and misses.
	byTheme map[string]*themeCount
}

type themeCount = analysis.ThemeCounts

// measureChat scores the analyzer on labelled chat rows; with show it prints each
// row it gets wrong (sentiment, themes or intent) to stderr.
func measureChat(a *analysis.Analyzer, chatRows []labelled, show bool) chatFigures {
	var g, p []feedbackbot.SentimentLabel
	intentOK := 0
	var all themeCount
	byTheme := map[string]*themeCount{}
	count := func(t string) *themeCount {
		if byTheme[t] == nil {
			byTheme[t] = &themeCount{}
		}
		return byTheme[t]
	}
	for _, c := range chatRows {
		tags := a.AnalyzeMessage(&feedbackbot.Message{Text: c.Text, Role: feedbackbot.RoleCustomer})
		g, p = append(g, feedbackbot.SentimentLabel(c.Label)), append(p, tags.Sentiment.Label)
		if c.Intent == string(tags.Intent) {
			intentOK++
		}
		all.Add(tags.Themes, c.Themes)
		var missing, extra []string
		for _, t := range tags.Themes {
			if slices.Contains(c.Themes, t) {
				count(t).TP++
			} else {
				count(t).FP++
				extra = append(extra, t)
			}
		}
		for _, t := range c.Themes {
			if !slices.Contains(tags.Themes, t) {
				count(t).FN++
				missing = append(missing, t)
			}
		}
		if show && (c.Label != string(tags.Sentiment.Label) || c.Intent != string(tags.Intent) || len(missing) > 0 || len(extra) > 0) {
			fmt.Fprintf(os.Stderr, "%-8s %-8s %+.2f | %-15s %-15s | -%v +%v | %q\n", c.Label, tags.Sentiment.Label, tags.Sentiment.Score,
				c.Intent, tags.Intent, missing, extra, c.Text)
		}
	}
	acc, f1 := accuracyF1(g, p)
	themeP, themeR := all.Rates()
	return chatFigures{n: len(chatRows), accuracy: acc, macroF1: f1, themeP: themeP, themeR: themeR,
		intent: float64(intentOK) / float64(len(chatRows)), byTheme: byTheme}
}

// themeTable prints each theme's precision and recall over the sets named in keys,
// pooled.
func themeTable(keys []string, figs map[string]chatFigures) error {
	sum := map[string]*themeCount{}
	for _, k := range keys {
		f, ok := figs[k]
		if !ok {
			var known []string
			for _, set := range chatSets {
				if _, ok := figs[set.key]; ok {
					known = append(known, set.key)
				}
			}
			return fmt.Errorf("-by-theme: no chat set %q was measured (measured: %s)", k, strings.Join(known, ", "))
		}
		for t, c := range f.byTheme {
			if sum[t] == nil {
				sum[t] = &themeCount{}
			}
			sum[t].Merge(*c)
		}
	}
	names := make([]string, 0, len(sum))
	for t := range sum {
		names = append(names, t)
	}
	sort.Strings(names)
	rows := [][]string{{"theme (" + strings.Join(keys, ", ") + ")", "labelled", "tagged", "precision / recall", "F1"}}
	var all themeCount
	row := func(name string, c themeCount) {
		p, r := c.Rates()
		rows = append(rows, []string{name, strconv.Itoa(c.TP + c.FN), strconv.Itoa(c.TP + c.FP), fmt.Sprintf("%.2f / %.2f", p, r), fmt.Sprintf("%.3f", c.F1())})
	}
	for _, t := range names {
		c := sum[t]
		row(t, *c)
		all.Merge(*c)
	}
	row("all themes, pooled", all)
	table(rows)
	return nil
}

// vaderLabel is VADER's own three-class convention: positive at >= 0.05, negative
// at <= -0.05 (feedbackbot.LabelFor is strict at both ends).
func vaderLabel(x float64) feedbackbot.SentimentLabel {
	switch {
	case x >= 0.05:
		return feedbackbot.Positive
	case x <= -0.05:
		return feedbackbot.Negative
	}
	return feedbackbot.Neutral
}

func readTweets(path string) ([]string, []float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (pass -data DIR)", err)
	}
	defer f.Close()
	var texts []string
	var truth []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(strings.TrimRight(sc.Text(), "\r"), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		v, err := strconv.ParseFloat(parts[1], 64)
		if err != nil {
			continue
		}
		texts, truth = append(texts, parts[2]), append(truth, v/4)
	}
	return texts, truth, sc.Err()
}

func readChat(path string) ([]labelled, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, l)
	}
	return out, sc.Err()
}

func accuracyF1(gold, pred []feedbackbot.SentimentLabel) (float64, float64) {
	correct := 0
	labels := []feedbackbot.SentimentLabel{feedbackbot.Positive, feedbackbot.Neutral, feedbackbot.Negative}
	tp, fp, fn := map[feedbackbot.SentimentLabel]int{}, map[feedbackbot.SentimentLabel]int{}, map[feedbackbot.SentimentLabel]int{}
	for i := range gold {
		if gold[i] == pred[i] {
			correct++
			tp[gold[i]]++
		} else {
			fp[pred[i]]++
			fn[gold[i]]++
		}
	}
	f1 := 0.0
	for _, l := range labels {
		p := float64(tp[l]) / float64(max(1, tp[l]+fp[l]))
		r := float64(tp[l]) / float64(max(1, tp[l]+fn[l]))
		if p+r > 0 {
			f1 += 2 * p * r / (p + r)
		}
	}
	return float64(correct) / float64(len(gold)), f1 / 3
}

// analyzerRate is the analyzer's rate on workers goroutines, each with its own
// Session, as a worker loop holds one.
func analyzerRate(a *analysis.Analyzer, texts []string, workers, n int, chatMsg bool) float64 {
	start := time.Now()
	var wg sync.WaitGroup
	per := n / workers
	for w := range workers {
		wg.Go(func() {
			ses := a.Session()
			defer ses.Close()
			var m feedbackbot.Message
			for i := range per {
				if chatMsg {
					m.Text = texts[(w*per+i)%len(texts)]
					ses.AnalyzeMessage(&m)
					continue
				}
				ses.Analyze(texts[(w*per+i)%len(texts)])
			}
		})
	}
	wg.Wait()
	return float64(per*workers) / time.Since(start).Seconds()
}

// portRate times the VADER port (analysis/testdata/vader_reference.py, run by
// python3) scoring n of the tweets' texts on one core, and returns its texts/s.
func portRate(ctx context.Context, dataDir string, n int) (float64, error) {
	cmd := exec.CommandContext(ctx, "python3", filepath.Join("analysis", "testdata", "vader_reference.py"), dataDir, "--speed", strconv.Itoa(n))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		return 0, fmt.Errorf("python3 analysis/testdata/vader_reference.py (run from the repository root): %w: %s", err, lines[len(lines)-1])
	}
	f := strings.Fields(string(b))
	if len(f) != 2 || f[0] != "texts_per_sec" {
		return 0, fmt.Errorf("the VADER port printed %q, not texts_per_sec N", b)
	}
	r, err := strconv.ParseFloat(f[1], 64)
	if err != nil || r <= 0 {
		return 0, fmt.Errorf("the VADER port printed %q: %v", b, err)
	}
	return r, nil
}

// processBench times `feedbackbot analyze` over n JSON lines (the tweets
// repeated): its binary, built once, and the input file.
type processBench struct {
	dir, bin, input string
	n               int
}

func newProcessBench(ctx context.Context, tweets []string, n int) (*processBench, error) {
	dir, err := os.MkdirTemp("", "feedbackbot-bench-")
	if err != nil {
		return nil, err
	}
	p := &processBench{dir: dir, bin: filepath.Join(dir, "feedbackbot"), input: filepath.Join(dir, "in.jsonl"), n: n}
	build := exec.CommandContext(ctx, "go", "build", "-o", p.bin, "./cmd/feedbackbot")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		p.close()
		return nil, fmt.Errorf("build feedbackbot (run from the repository root): %w", err)
	}
	f, err := os.Create(p.input)
	if err != nil {
		p.close()
		return nil, err
	}
	w := bufio.NewWriter(f)
	for i := range n {
		b, _ := json.Marshal(map[string]string{"text": tweets[i%len(tweets)]})
		w.Write(b)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *processBench) close() { os.RemoveAll(p.dir) }

// run times `feedbackbot analyze --mode MODE < input > /dev/null` once: lines a
// second, and its max RSS in MiB.
func (p *processBench) run(ctx context.Context, mode string) (float64, float64, error) {
	in, err := os.Open(p.input)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	cmd := exec.CommandContext(ctx, p.bin, "analyze", "--mode", mode)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, nil, os.Stderr
	start := time.Now()
	kib, _, err := runPeakRSS(cmd)
	if err != nil {
		return 0, 0, fmt.Errorf("feedbackbot analyze: %w", err)
	}
	return float64(p.n) / time.Since(start).Seconds(), float64(kib) / 1024, nil
}
