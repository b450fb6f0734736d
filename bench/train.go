package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
	"github.com/feedbackbot/feedbackbot/analysis/layer"
)

func init() {
	subcommands["train"] = subcommand{"fit the analyzer's combination layer on the training chat sets (writes analysis/data/layer.json); -cv: leave-one-set-out figures", runTrain}
}

// trainingSets are the paths of analysis.TrainingSets, the chat sets the
// combination layer learns from. The held-out sets are not among them and cannot
// be passed: they are never trained or selected on.
var trainingSets = func() []string {
	out := make([]string, len(analysis.TrainingSets))
	for i, name := range analysis.TrainingSets {
		out[i] = filepath.Join("analysis", "testdata", name)
	}
	return out
}()

func runTrain(ctx context.Context, args []string) error {
	fs := newFlags("train")
	out := fs.String("out", "analysis/data/layer.json", "where to write the layer's weights")
	cv := fs.Bool("cv", false, "print leave-one-set-out figures (train on the other sets, score the one left out) for the default options instead of writing weights")
	grid := fs.Bool("grid", false, "with -cv: search the options' grid and print each point's mean figures")
	gate := fs.String("gate", "", "with -cv: override the default gate (true or false)")
	hashBits := fs.Int("hash", -1, "with -cv: override the default hash bits")
	charGrams := fs.Int("char", -1, "with -cv: override the default character n-gram length (0: none)")
	tweets := fs.String("tweets", "", "with -cv: also score the tweets (a test set: look sparingly) in this directory, under the layer trained on all the training sets, with and without the gate")
	toNeg := fs.String("to-negative", "", "with -cv: override the default to_negative (true or false)")
	keepNeutral := fs.String("keep-neutral", "", "with -cv: override the default keep_neutral (true or false), or both: score the layer each way in the same folds")
	lengthNorm := fs.String("length-norm", "", "with -cv: override the default length normalisation of the hashed word features (LayerOptions.LengthNorm): false (off), true (sqrt(k/n) beyond k = analysis.DefaultLengthNorm tokens), both, or a comma-separated list of k (0: off), each trained and scored in the same folds")
	thr := fs.Float64("threshold", -1, "with -cv: override the default threshold")
	sl2d := fs.Float64("l2-dense", -1, "with -cv: override the sentiment model's default dense L2 penalty")
	sl2h := fs.Float64("l2-hash", -1, "with -cv: override the sentiment model's default hashed-stem L2 penalty")
	sbal := fs.String("balanced", "", "with -cv: override the sentiment model's default class balance (true or false)")
	flips := fs.Bool("flips", false, "with -cv: count the layer's label changes by kind, over the folds")
	themeModels := fs.Bool("themes", false, "with -cv: cross-validate the layer's theme heads (precision, recall and F1 of the themes, pooled over the left-out sets) at several thresholds, against the taxonomy's rules alone")
	themeL2 := fs.String("theme-l2", "", "with -cv -themes: comma-separated dense:hash L2 penalty pairs of the theme heads to compare (default: the shipped options')")
	themeOne := fs.String("theme", "", "with -cv -themes: also print this theme's counts, precision, recall, F1 and F0.5 at every threshold setting")
	themeBal := fs.Bool("theme-balanced", false, "with -cv -themes: weigh each head's present and absent rows alike")
	fs.Parse(args)

	sets := make([][]analysis.Example, len(trainingSets))
	for i, p := range trainingSets {
		rows, err := readChat(p)
		if err != nil {
			return err
		}
		for _, r := range rows {
			sets[i] = append(sets[i], analysis.Example{Text: r.Text, Label: feedbackbot.SentimentLabel(r.Label), Intent: feedbackbot.Intent(r.Intent), Themes: r.Themes})
		}
	}
	if !*cv {
		var all []analysis.Example
		counts := map[string]int{}
		for i, s := range sets {
			all = append(all, s...)
			counts[filepath.Base(trainingSets[i])] = len(s)
		}
		b, err := analysis.TrainLayer(all, counts, analysis.DefaultLayerOptions)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s (%d bytes) from %d rows\n", *out, len(b), len(all))
		return nil
	}
	if *grid {
		return searchGrid(ctx, sets)
	}
	norms, err := lengthNorms(*lengthNorm)
	if err != nil {
		return err
	}
	if *themeModels {
		if len(norms) > 1 {
			return fmt.Errorf("-themes: give -length-norm one value")
		}
		return themeCV(ctx, sets, *themeL2, *themeBal, *themeOne, norms)
	}
	o := analysis.DefaultLayerOptions
	if len(norms) == 1 {
		o.LengthNorm = norms[0]
	}
	if *gate != "" {
		o.Gate = *gate == "true"
	}
	if *toNeg != "" {
		o.ToNegative = *toNeg == "true"
	}
	if *keepNeutral == "true" || *keepNeutral == "false" {
		o.KeepNeutral = *keepNeutral == "true"
	} else if *keepNeutral != "" && *keepNeutral != "both" {
		return fmt.Errorf("-keep-neutral %q: want true, false or both", *keepNeutral)
	}
	if *charGrams >= 0 {
		o.CharGrams = *charGrams
	}
	if *hashBits >= 0 {
		o.HashBits = *hashBits
	}
	if *thr >= 0 {
		o.Threshold = *thr
	}
	if *sl2d >= 0 {
		o.Sentiment.L2Dense = *sl2d
	}
	if *sl2h >= 0 {
		o.Sentiment.L2Hash = *sl2h
	}
	if *sbal != "" {
		o.Sentiment.Balanced = *sbal == "true"
	}
	if *flips {
		return flipCounts(sets, o, variant{o.Threshold, o.Gate, o.ToNegative, o.KeepNeutral})
	}
	rows := [][]string{{"fold (scored set)", "rules: macro-F1 (acc)", "layer: macro-F1 (acc)", "rules: intent", "layer: intent"}}
	variants := []variant{{o.Threshold, o.Gate, o.ToNegative, o.KeepNeutral}}
	if *keepNeutral == "both" {
		variants = []variant{{o.Threshold, o.Gate, o.ToNegative, false}, {o.Threshold, o.Gate, o.ToNegative, true}}
	}
	// One training per length normalisation (it changes the features), each
	// scored under every variant: res[norm*len(variants)+variant][fold].
	var res [][]chatFigures
	runs := norms
	if len(runs) == 0 {
		runs = []int{o.LengthNorm}
	}
	for ni, k := range runs {
		ok := o
		if len(norms) > 1 {
			ok.LengthNorm = k
		}
		r, err := crossValidate(sets, ok, variants)
		if err != nil {
			return err
		}
		res = append(res, r...)
		for vi, v := range variants {
			if ni == 0 && vi == 0 {
				continue // the "layer" columns
			}
			name := "layer"
			if len(norms) > 1 {
				name += fmt.Sprintf(", length_norm %d", ok.LengthNorm)
			}
			if len(variants) > 1 && v.keepNeutral {
				name += ", keep_neutral"
			}
			rows[0] = append(rows[0], name+": macro-F1 (acc)", name+": intent")
		}
	}
	if len(norms) > 1 {
		rows[0][2], rows[0][4] = fmt.Sprintf("layer, length_norm %d: macro-F1 (acc)", norms[0]), fmt.Sprintf("layer, length_norm %d: intent", norms[0])
	}
	rules, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), nil)
	if err != nil {
		return err
	}
	var mr chatFigures
	ml := make([]chatFigures, len(res)) // each column group's mean
	k := float64(len(trainingSets))
	for i, p := range trainingSets {
		r := measureChat(rules, toLabelled(sets[i]), false)
		l := res[0][i]
		row := []string{filepath.Base(p), fmt.Sprintf("%.3f (%.3f)", r.macroF1, r.accuracy), fmt.Sprintf("%.3f (%.3f)", l.macroF1, l.accuracy),
			fmt.Sprintf("%.3f", r.intent), fmt.Sprintf("%.3f", l.intent)}
		for _, v := range res[1:] {
			row = append(row, fmt.Sprintf("%.3f (%.3f)", v[i].macroF1, v[i].accuracy), fmt.Sprintf("%.3f", v[i].intent))
		}
		rows = append(rows, row)
		mr.macroF1, mr.accuracy, mr.intent = mr.macroF1+r.macroF1/k, mr.accuracy+r.accuracy/k, mr.intent+r.intent/k
		for j := range res {
			l := res[j][i]
			ml[j].macroF1, ml[j].accuracy, ml[j].intent = ml[j].macroF1+l.macroF1/k, ml[j].accuracy+l.accuracy/k, ml[j].intent+l.intent/k
		}
	}
	if *tweets != "" {
		if err := tweetCheck(*tweets, sets, o); err != nil {
			return err
		}
	}
	mean := []string{fmt.Sprintf("mean of the %d folds", len(trainingSets)), fmt.Sprintf("%.3f (%.3f)", mr.macroF1, mr.accuracy), fmt.Sprintf("%.3f (%.3f)", ml[0].macroF1, ml[0].accuracy),
		fmt.Sprintf("%.3f", mr.intent), fmt.Sprintf("%.3f", ml[0].intent)}
	for _, m := range ml[1:] {
		mean = append(mean, fmt.Sprintf("%.3f (%.3f)", m.macroF1, m.accuracy), fmt.Sprintf("%.3f", m.intent))
	}
	rows = append(rows, mean)
	table(rows)
	return nil
}

// lengthNorms parses -length-norm: nil for the default options' own, or the
// LengthNorm values to train with (0: off).
func lengthNorms(s string) ([]int, error) {
	switch s {
	case "":
		return nil, nil
	case "false":
		return []int{0}, nil
	case "true":
		return []int{analysis.DefaultLengthNorm}, nil
	case "both":
		return []int{0, analysis.DefaultLengthNorm}, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 0 {
			return nil, fmt.Errorf("-length-norm %q: want true, false, both or a comma-separated list of token counts (0: off)", s)
		}
		out = append(out, k)
	}
	return out, nil
}

func toLabelled(ex []analysis.Example) []labelled {
	out := make([]labelled, len(ex))
	for i, e := range ex {
		out[i] = labelled{Text: e.Text, Label: string(e.Label), Intent: string(e.Intent)}
	}
	return out
}

// crossValidate trains on all the sets but one and scores the one left out, for
// each set in turn, once per threshold: res[t][fold].
func crossValidate(sets [][]analysis.Example, o analysis.LayerOptions, thresholds []variant) ([][]chatFigures, error) {
	res := make([][]chatFigures, len(thresholds))
	for fold := range sets {
		b, err := analysis.TrainFold(sets, fold, o)
		if err != nil {
			return nil, err
		}
		for ti, t := range thresholds {
			a, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), withThreshold(b, t))
			if err != nil {
				return nil, err
			}
			res[ti] = append(res[ti], measureChat(a, toLabelled(sets[fold]), false))
		}
	}
	return res, nil
}

// variant is how a trained layer is applied: its threshold and gate.
type variant struct {
	threshold                float64
	gate, toNeg, keepNeutral bool
}

func (v variant) String() string {
	s := fmt.Sprintf("thr=%g gate=%v to_negative=%v", v.threshold, v.gate, v.toNeg)
	if v.keepNeutral {
		s += " keep_neutral=true"
	}
	return s
}

// withThreshold rewrites a layer file's threshold, gate, to_negative and
// keep_neutral.
func withThreshold(b []byte, v variant) []byte {
	return rewriteLayer(b, map[string]any{"threshold": v.threshold, "gate": v.gate, "to_negative": v.toNeg, "keep_neutral": v.keepNeutral})
}

// rewriteLayer sets fields of a layer file's top level and drops others (b as
// it was if it is not a JSON object).
func rewriteLayer(b []byte, set map[string]any, drop ...string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return b
	}
	for k, v := range set {
		m[k], _ = json.Marshal(v)
	}
	for _, k := range drop {
		delete(m, k)
	}
	out, _ := json.Marshal(m)
	return out
}

// searchGrid prints the mean leave-one-set-out figures over a grid of options: L2
// penalties, class balance, threshold, gate and to_negative, at the default hashing. The sentiment and intent
// models are independent (the intent model reads the rules' sentiment), so each
// point scores both and each model's options are chosen on its own figure.
func searchGrid(ctx context.Context, sets [][]analysis.Example) error {
	var thresholds []variant
	for _, g := range []bool{false, true} {
		for _, t := range []float64{0, 0.5, 0.6, 0.7} {
			thresholds = append(thresholds, variant{t, g, false, false}, variant{t, g, true, false})
		}
	}
	type point struct {
		name                              string
		f1, acc, last, intent, intentLast float64
	}
	var pts []point
	// At the default hashing (buckets and character n-grams, chosen by their own
	// -cv runs with -hash and -char).
	def := analysis.DefaultLayerOptions
	for _, ld := range []float64{0.001, 0.003, 0.01, 0.03} {
		for _, lh := range []float64{0.0003, 0.001, 0.003} {
			for _, bal := range []bool{false, true} {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				lo := layer.Options{L2Dense: ld, L2Hash: lh, Balanced: bal}
				o := analysis.LayerOptions{HashBits: def.HashBits, CharGrams: def.CharGrams, Sentiment: lo, Intent: lo}
				res, err := crossValidate(sets, o, thresholds)
				if err != nil {
					return err
				}
				for ti, t := range thresholds {
					p := point{name: fmt.Sprintf("l2d=%g l2h=%g bal=%v %v", ld, lh, bal, t)}
					for _, f := range res[ti] {
						p.f1 += f.macroF1 / float64(len(sets))
						p.acc += f.accuracy / float64(len(sets))
						p.intent += f.intent / float64(len(sets))
					}
					p.last, p.intentLast = res[ti][len(sets)-1].macroF1, res[ti][len(sets)-1].intent
					pts = append(pts, p)
					fmt.Fprintf(os.Stderr, "%-50s F1 %.3f acc %.3f last set %.3f | intent %.3f last set %.3f\n", p.name, p.f1, p.acc, p.last, p.intent, p.intentLast)
				}
			}
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].f1 > pts[j].f1 })
	fmt.Println("best by mean sentiment macro-F1:")
	for _, p := range pts[:min(10, len(pts))] {
		fmt.Printf("  %-50s F1 %.3f acc %.3f last set %.3f\n", p.name, p.f1, p.acc, p.last)
	}
	var ipts []point
	for _, p := range pts {
		if strings.HasSuffix(p.name, "thr=0 gate=false to_negative=false") {
			ipts = append(ipts, p)
		}
	}
	sort.SliceStable(ipts, func(i, j int) bool { return ipts[i].intent > ipts[j].intent })
	fmt.Println("best by mean intent accuracy (threshold plays no part):")
	for _, p := range ipts[:min(10, len(ipts))] {
		fmt.Printf("  %-50s intent %.3f last set %.3f\n", p.name, p.intent, p.intentLast)
	}
	return nil
}

// tweetCheck prints the tweet figures of the rules alone and of the layer trained
// on all the training sets, with and without the gate: the tweets are a test set, never
// trained or selected on; this shows whether a layer keeps the tweet targets.
func tweetCheck(dir string, sets [][]analysis.Example, o analysis.LayerOptions) error {
	texts, truth, err := readTweets(filepath.Join(dir, "tweets_GroundTruth.txt"))
	if err != nil {
		return err
	}
	var all []analysis.Example
	for _, s := range sets {
		all = append(all, s...)
	}
	b, err := analysis.TrainLayer(all, nil, o)
	if err != nil {
		return err
	}
	rules, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), nil)
	if err != nil {
		return err
	}
	base := make([]feedbackbot.Sentiment, len(texts))
	for i, t := range texts {
		base[i] = rules.Analyze(t).Sentiment
	}
	for _, v := range []*variant{nil, {o.Threshold, false, false, false}, {o.Threshold, true, false, false}, {o.Threshold, false, true, false}, {o.Threshold, true, true, false}, {o.Threshold, false, false, true}} {
		a, name := rules, "rules alone"
		if v != nil {
			name = "layer " + v.String()
			if a, err = analysis.NewWithLayer(analysis.DefaultTaxonomy(), withThreshold(b, *v)); err != nil {
				return err
			}
		}
		var xs []float64
		var gold, pred []feedbackbot.SentimentLabel
		changed, fixed, broke := 0, 0, 0
		for i, t := range texts {
			s := a.Analyze(t).Sentiment
			xs = append(xs, s.Score)
			g := vaderLabel(truth[i])
			gold, pred = append(gold, g), append(pred, vaderLabel(s.Score))
			if s.Label != base[i].Label {
				changed++
				switch {
				case vaderLabel(s.Score) == g:
					fixed++
				case vaderLabel(base[i].Score) == g:
					broke++
				}
			}
		}
		acc, f1 := accuracyF1(gold, pred)
		fmt.Printf("tweets, %-28s r %.4f accuracy %.4f macro-F1 %.3f; labels changed %d (now right %d, now wrong %d)\n",
			name, stat.Correlation(xs, truth, nil), acc, f1, changed, fixed, broke)
	}
	return nil
}

// flipCounts prints, over the folds, how the layer changed the rules' labels
// (from -> to) and how often the change was right or wrong.
func flipCounts(sets [][]analysis.Example, o analysis.LayerOptions, v variant) error {
	rules, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), nil)
	if err != nil {
		return err
	}
	type key struct{ from, to feedbackbot.SentimentLabel }
	right, wrong := map[key]int{}, map[key]int{}
	for fold := range sets {
		b, err := analysis.TrainFold(sets, fold, o)
		if err != nil {
			return err
		}
		a, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), withThreshold(b, v))
		if err != nil {
			return err
		}
		for _, r := range sets[fold] {
			from, to := rules.AnalyzeChat(r.Text).Sentiment.Label, a.AnalyzeChat(r.Text).Sentiment.Label
			if from == to {
				continue
			}
			switch r.Label {
			case to:
				right[key{from, to}]++
			case from:
				wrong[key{from, to}]++
			}
		}
	}
	for _, from := range []feedbackbot.SentimentLabel{feedbackbot.Positive, feedbackbot.Neutral, feedbackbot.Negative} {
		for _, to := range []feedbackbot.SentimentLabel{feedbackbot.Positive, feedbackbot.Neutral, feedbackbot.Negative} {
			if k := (key{from, to}); from != to {
				fmt.Printf("%-8s -> %-8s right %3d wrong %3d\n", from, to, right[k], wrong[k])
			}
		}
	}
	return nil
}

// themeCV cross-validates the layer's theme heads: leave-one-set-out, the layer
// (heads included) trained on the other sets under each pair of L2 penalties
// (l2s: "dense:hash,..."; empty: the shipped options'), the left-out set's themes
// scored at each threshold against its labels, and against the taxonomy's rules
// alone (the layer without heads). Micro precision, recall and F1, pooled over the
// folds.
func themeCV(ctx context.Context, sets [][]analysis.Example, l2s string, balanced bool, theme string, norms []int) error {
	base := analysis.DefaultLayerOptions
	if len(norms) == 1 {
		base.LengthNorm = norms[0]
	}
	type point struct{ dense, hash float64 }
	var points []point
	if l2s == "" {
		points = append(points, point{base.Themes.L2Dense, base.Themes.L2Hash})
	}
	for _, f := range strings.Split(l2s, ",") {
		if f == "" {
			continue
		}
		d, h, ok := strings.Cut(f, ":")
		var p point
		var errD, errH error
		p.dense, errD = strconv.ParseFloat(d, 64)
		p.hash, errH = strconv.ParseFloat(h, 64)
		if !ok || errD != nil || errH != nil || p.dense < 0 || p.hash < 0 {
			return fmt.Errorf("-theme-l2 %q: want dense:hash pairs of penalties such as 0.001:0.001", f)
		}
		points = append(points, p)
	}
	// The threshold settings scored: one probability for every theme, then a
	// theme the rules matched kept at the first and one they did not tagged at
	// the second (theme_threshold_new).
	type setting struct{ kept, added float64 }
	var settings []setting
	for _, t := range []float64{0.25, 0.3, 0.35, 0.4, 0.45, 0.5} {
		settings = append(settings, setting{t, 0})
	}
	for _, kept := range []float64{0.25, 0.3} {
		for _, added := range []float64{0.4, 0.5, 0.6, 0.7} {
			settings = append(settings, setting{kept, added})
		}
	}
	shipped := setting{base.ThemeThreshold, base.ThemeThresholdNew}
	if !slices.Contains(settings, shipped) {
		settings = append(settings, shipped)
	}
	names := analysis.DefaultTaxonomy().Names()
	// counts[point][setting] pooled over the folds, and each theme's; the rules'
	type scored struct {
		all themeCount
		by  []themeCount
	}
	score := func(sc *scored, got, want []string) {
		sc.all.Add(got, want)
		if sc.by == nil {
			sc.by = make([]themeCount, len(names))
		}
		for k, name := range names {
			sc.by[k].Add(only(got, name), only(want, name))
		}
	}
	var rules scored
	counts := make([][]scored, len(points))
	for pi, pt := range points {
		counts[pi] = make([]scored, len(settings))
		o := base
		o.Themes = &layer.Options{L2Dense: pt.dense, L2Hash: pt.hash, Balanced: balanced}
		for fold := range sets {
			if err := ctx.Err(); err != nil {
				return err
			}
			b, err := analysis.TrainFold(sets, fold, o)
			if err != nil {
				return err
			}
			if pi == 0 {
				noHeads, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), rewriteLayer(b, nil, "themes", "theme_threshold", "theme_threshold_new"))
				if err != nil {
					return err
				}
				for _, r := range sets[fold] {
					score(&rules, noHeads.AnalyzeMessage(&feedbackbot.Message{Text: r.Text, Role: feedbackbot.RoleCustomer}).Themes, r.Themes)
				}
			}
			for si, st := range settings {
				set := map[string]any{"theme_threshold": st.kept}
				var drop []string
				if st.added != 0 {
					set["theme_threshold_new"] = st.added
				} else {
					drop = append(drop, "theme_threshold_new")
				}
				a, err := analysis.NewWithLayer(analysis.DefaultTaxonomy(), rewriteLayer(b, set, drop...))
				if err != nil {
					return err
				}
				for _, r := range sets[fold] {
					score(&counts[pi][si], a.AnalyzeMessage(&feedbackbot.Message{Text: r.Text, Role: feedbackbot.RoleCustomer}).Themes, r.Themes)
				}
			}
			fmt.Fprintf(os.Stderr, "L2 %g:%g, fold %d/%d (%s) done\n", pt.dense, pt.hash, fold+1, len(sets), filepath.Base(trainingSets[fold]))
		}
	}
	label := func(st setting) string {
		if st.added == 0 {
			return fmt.Sprintf("p >= %g", st.kept)
		}
		return fmt.Sprintf("p >= %g, unmatched p >= %g", st.kept, st.added)
	}
	out := [][]string{{"themes, left-out sets pooled (all themes)", "precision", "recall", "F1"}}
	row := func(name string, c themeCount) {
		p, r := c.Rates()
		out = append(out, []string{name, fmt.Sprintf("%.3f", p), fmt.Sprintf("%.3f", r), fmt.Sprintf("%.3f", c.F1())})
	}
	row("the taxonomy's rules (the layer without heads)", rules.all)
	for pi, pt := range points {
		for si, st := range settings {
			row(fmt.Sprintf("heads, L2 %g:%g, balanced %v, %s", pt.dense, pt.hash, balanced, label(st)), counts[pi][si].all)
		}
	}
	table(out)
	fmt.Println()
	at := counts[0][slices.Index(settings, shipped)]
	by := [][]string{{fmt.Sprintf("theme, left-out sets pooled (heads: L2 %g:%g, %s)", points[0].dense, points[0].hash, label(shipped)), "labelled", "rules P / R / F1", "heads P / R / F1"}}
	for k, name := range names {
		rp, rr := rules.by[k].Rates()
		hp, hr := at.by[k].Rates()
		by = append(by, []string{name, strconv.Itoa(rules.by[k].TP + rules.by[k].FN),
			fmt.Sprintf("%.2f / %.2f / %.3f", rp, rr, rules.by[k].F1()), fmt.Sprintf("%.2f / %.2f / %.3f", hp, hr, at.by[k].F1())})
	}
	table(by)
	if theme == "" {
		return nil
	}
	k := slices.Index(names, theme)
	if k < 0 {
		return fmt.Errorf("-theme %q: not a default theme (%s)", theme, strings.Join(names, ", "))
	}
	fmt.Println()
	one := [][]string{{fmt.Sprintf("%s, left-out sets pooled", theme), "TP", "FP", "FN", "P / R", "F1", "F0.5"}}
	add := func(name string, c themeCount) {
		p, r := c.Rates()
		one = append(one, []string{name, strconv.Itoa(c.TP), strconv.Itoa(c.FP), strconv.Itoa(c.FN),
			fmt.Sprintf("%.3f / %.3f", p, r), fmt.Sprintf("%.3f", c.F1()), fmt.Sprintf("%.3f", fBeta(0.5, p, r))})
	}
	add("the taxonomy's rules", rules.by[k])
	for pi, pt := range points {
		for si, st := range settings {
			add(fmt.Sprintf("heads, L2 %g:%g, %s", pt.dense, pt.hash, label(st)), counts[pi][si].by[k])
		}
	}
	table(one)
	return nil
}

// fBeta is the F-measure weighing recall beta times as much as precision (0.5:
// precision twice as much as recall).
func fBeta(beta, p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	b2 := beta * beta
	return (1 + b2) * p * r / (b2*p + r)
}

// only is [name] when themes holds it, else none.
func only(themes []string, name string) []string {
	if slices.Contains(themes, name) {
		return []string{name}
	}
	return nil
}
