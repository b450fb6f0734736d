package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis"
)

func init() {
	subcommands["learn"] = subcommand{"measure what learning from staff corrections buys (feedbackbot learn): a training set plays a team, its rows the layer gets wrong its corrections", runLearn}
}

// runLearn measures `feedbackbot learn` without a team's data: each chosen
// training set plays a team whose messages the layer never saw. The layer is
// trained on the other sets (as shipped, less that set); the rows of the set it
// gets wrong (sentiment or intent) are what staff would correct. The corrections
// are split in folds: the layer is retrained with all folds but one added (each
// row weight times, as LearnLayer does), and both layers are scored on the
// set's rows that were not added: the fold left out and every row the layer got
// right (whether learning broke what worked). The held-out sets are not used.
func runLearn(ctx context.Context, args []string) error {
	fs := newFlags("learn")
	names := fs.String("sets", "chat_train12.jsonl,chat_train13.jsonl,chat_train14.jsonl,chat_train15.jsonl", "the training sets that play a team, comma-separated")
	weights := fs.String("weights", "1,3,10", "the weights of a correction to compare, comma-separated")
	folds := fs.Int("folds", 3, "folds over each set's corrections")
	fs.Parse(args)
	var ws []int
	for _, w := range strings.Split(*weights, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 {
			return fmt.Errorf("-weights: %q is not a whole number of 1 or more", w)
		}
		ws = append(ws, n)
	}
	if *folds < 2 {
		return fmt.Errorf("-folds %d: at least 2", *folds)
	}
	sets := map[string][]analysis.Example{}
	for _, name := range analysis.TrainingSets {
		rows, err := readChat(filepath.Join("analysis", "testdata", name))
		if err != nil {
			return err
		}
		for _, r := range rows {
			sets[name] = append(sets[name], analysis.Example{Text: r.Text, Label: feedbackbot.SentimentLabel(r.Label), Intent: feedbackbot.Intent(r.Intent), Themes: r.Themes})
		}
	}
	type score struct{ sent, intent, themeF1 float64 }
	type result struct {
		Set         string  `json:"set"`
		Rows        int     `json:"rows"`
		Corrections int     `json:"corrections"`
		Weight      int     `json:"weight"`
		BaseSent    float64 `json:"base_sentiment_accuracy"`
		LearnSent   float64 `json:"learned_sentiment_accuracy"`
		BaseIntent  float64 `json:"base_intent_accuracy"`
		LearnIntent float64 `json:"learned_intent_accuracy"`
		BaseThemes  float64 `json:"base_theme_f1"`
		LearnThemes float64 `json:"learned_theme_f1"`
		// On the corrections left out alone (the layer got each one's sentiment or
		// intent wrong): the share the learned layer gets right.
		HeldSent   float64 `json:"held_out_corrections_sentiment_accuracy"`
		HeldIntent float64 `json:"held_out_corrections_intent_accuracy"`
		BaseHeldS  float64 `json:"base_held_out_corrections_sentiment_accuracy"`
		BaseHeldI  float64 `json:"base_held_out_corrections_intent_accuracy"`
	}
	scoreOn := func(a *analysis.Analyzer, rows []analysis.Example) score {
		var s, i int
		var tc analysis.ThemeCounts
		for _, r := range rows {
			tags := a.AnalyzeChat(r.Text)
			if tags.Sentiment.Label == r.Label {
				s++
			}
			if tags.Intent == r.Intent {
				i++
			}
			tc.Add(tags.Themes, r.Themes)
		}
		n := float64(max(1, len(rows)))
		return score{float64(s) / n, float64(i) / n, tc.F1()}
	}
	train := func(rows []analysis.Example) (*analysis.Analyzer, error) {
		b, err := analysis.TrainLayer(rows, nil, analysis.DefaultLayerOptions)
		if err != nil {
			return nil, err
		}
		return analysis.NewWithLayer(analysis.DefaultTaxonomy(), b)
	}
	var results []result
	for _, name := range strings.Split(*names, ",") {
		name = strings.TrimSpace(name)
		team, ok := sets[name]
		if !ok {
			return fmt.Errorf("-sets: %q is not a training set (%s)", name, strings.Join(analysis.TrainingSets, ", "))
		}
		var others []analysis.Example
		for _, n := range analysis.TrainingSets {
			if n != name {
				others = append(others, sets[n]...)
			}
		}
		start := time.Now()
		fmt.Fprintf(os.Stderr, "bench learn: %s: training the layer without it (%d rows)…\n", name, len(others))
		base, err := train(others)
		if err != nil {
			return err
		}
		var wrong, right []analysis.Example
		for _, r := range team {
			tags := base.AnalyzeChat(r.Text)
			if tags.Sentiment.Label != r.Label || tags.Intent != r.Intent {
				wrong = append(wrong, r)
			} else {
				right = append(right, r)
			}
		}
		for _, w := range ws {
			var sb, sl, hb, hl score
			for f := range *folds {
				var added, held []analysis.Example
				for i, r := range wrong {
					if i%*folds == f {
						held = append(held, r)
					} else {
						added = append(added, r)
					}
				}
				rows := slices.Clone(others)
				for _, r := range added {
					for range w {
						rows = append(rows, r)
					}
				}
				fmt.Fprintf(os.Stderr, "bench learn: %s: weight %d, fold %d of %d: %d corrections added (%s so far)…\n", name, w, f+1, *folds, len(added), time.Since(start).Round(time.Second))
				learned, err := train(rows)
				if err != nil {
					return err
				}
				// Scored on every row not added: the fold's corrections and the rows
				// the layer got right (what learning may have broken).
				eval := append(slices.Clone(held), right...)
				b, l := scoreOn(base, eval), scoreOn(learned, eval)
				bh, lh := scoreOn(base, held), scoreOn(learned, held)
				hb.sent, hb.intent, hl.sent, hl.intent = hb.sent+bh.sent, hb.intent+bh.intent, hl.sent+lh.sent, hl.intent+lh.intent
				sb.sent, sb.intent, sb.themeF1 = sb.sent+b.sent, sb.intent+b.intent, sb.themeF1+b.themeF1
				sl.sent, sl.intent, sl.themeF1 = sl.sent+l.sent, sl.intent+l.intent, sl.themeF1+l.themeF1
			}
			k := float64(*folds)
			results = append(results, result{Set: name, Rows: len(team), Corrections: len(wrong), Weight: w,
				BaseSent: sb.sent / k, LearnSent: sl.sent / k, BaseIntent: sb.intent / k, LearnIntent: sl.intent / k,
				BaseThemes: sb.themeF1 / k, LearnThemes: sl.themeF1 / k,
				BaseHeldS: hb.sent / k, BaseHeldI: hb.intent / k, HeldSent: hl.sent / k, HeldIntent: hl.intent / k})
		}
	}
	rows := [][]string{{"set (a team)", "rows", "corrections", "weight", "uncorrected rows: sentiment acc, layer → learned", "intent acc", "theme F1",
		"corrections left out: sentiment acc", "intent acc"}}
	f := func(a, b float64) string { return fmt.Sprintf("%.3f → %.3f (%+.3f)", a, b, b-a) }
	for _, r := range results {
		rows = append(rows, []string{r.Set, strconv.Itoa(r.Rows), strconv.Itoa(r.Corrections), strconv.Itoa(r.Weight),
			f(r.BaseSent, r.LearnSent), f(r.BaseIntent, r.LearnIntent), f(r.BaseThemes, r.LearnThemes),
			f(r.BaseHeldS, r.HeldSent), f(r.BaseHeldI, r.HeldIntent)})
	}
	table(rows)
	printJSON(map[string]any{"learn": results})
	return nil
}
