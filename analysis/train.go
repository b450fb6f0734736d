package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/layer"
)

// Example is a labelled chat message to train the combination layer on.
type Example struct {
	Text   string                     `json:"text"`
	Label  feedbackbot.SentimentLabel `json:"label"`
	Intent feedbackbot.Intent         `json:"intent"`
	// Themes are the default taxonomy's themes the message is about.
	Themes []string `json:"themes"`
}

// TrainingSets are the labelled chat sets (files in analysis/testdata) the
// combination layer is trained on, in this order: by `go run ./bench train` and by
// the tests that rebuild and cross-validate it. The held-out sets are never among
// them.
var TrainingSets = []string{"chat_labelled.jsonl", "chat_dev.jsonl", "chat_train2.jsonl",
	"chat_train3.jsonl", "chat_train4.jsonl", "chat_train5.jsonl", "chat_train6.jsonl", "chat_train7.jsonl", "chat_train8.jsonl",
	"chat_train9.jsonl", "chat_train10.jsonl", "chat_train11.jsonl", "chat_train12.jsonl", "chat_train13.jsonl", "chat_train14.jsonl", "chat_train15.jsonl",
	"chat_train16.jsonl", "chat_train17.jsonl", "chat_train18.jsonl", "chat_train19.jsonl", "chat_train20.jsonl", "chat_train21.jsonl",
	"chat_train22.jsonl", "chat_train23.jsonl"}

// LayerOptions are the combination layer's hyperparameters, chosen by
// leave-one-set-out cross-validation over the training sets (`go run ./bench train
// -cv`), never on held-out data or tweets.
type LayerOptions struct {
	// HashBits: 2^HashBits buckets for hashed stems and stem pairs (0: none).
	HashBits int `json:"hash_bits"`
	// CharGrams: also hash every character n-gram of this length of each word,
	// marked at its ends ("<word>"), into the same buckets (0: none).
	CharGrams int `json:"char_grams,omitempty"`
	// LengthNorm, when set (k > 0), scales the hashed features of a message of n
	// tokens by sqrt(k/n) when n > k, in training and inference alike: their sum
	// then grows as the square root of a long message's length, not as the
	// length, so a preamble or a pasted log does not outvote the rules' features
	// of the problem it leads to. 0 (the default, and the shipped layer's): off.
	// `go run ./bench train -cv -length-norm both` compares.
	LengthNorm int           `json:"length_norm,omitempty"`
	Sentiment  layer.Options `json:"sentiment"`
	Intent     layer.Options `json:"intent"`
	// Threshold is the probability the sentiment layer needs to override the
	// rules' label.
	Threshold float64 `json:"threshold"`
	// Gate: the sentiment layer overrides the rules' label only in a message about
	// the product (a theme, a malfunction, an HTTP status code or a pasted error).
	Gate bool `json:"gate"`
	// ToNegative: the sentiment layer may only turn a label negative (a complaint
	// the rules missed), never damp praise to neutral nor lift a label.
	ToNegative bool `json:"to_negative"`
	// KeepNeutral: the sentiment layer turns a label the rules read neutral into a
	// negative one only where the rules saw some sign of trouble (troubleSeen):
	// everyday talk with no trouble word stays neutral.
	KeepNeutral bool `json:"keep_neutral,omitempty"`
	// Themes, when set, trains a theme head for each default theme (an
	// Independent model) with these options; ThemeThreshold is the probability a
	// head needs to tag its theme.
	Themes         *layer.Options `json:"themes,omitempty"`
	ThemeThreshold float64        `json:"theme_threshold,omitempty"`
	// ThemeThresholdNew, when set, is the probability a head needs to tag a theme
	// the taxonomy's rules did not match (0: ThemeThreshold).
	ThemeThresholdNew float64 `json:"theme_threshold_new,omitempty"`
	// Engine, when set, is the EngineVersion whose rules the layer learned over
	// (LearnLayer sets it): another build's rules give other features, so such a
	// layer is refused there, where it must be learned again.
	Engine string `json:"engine,omitempty"`
	// LearnedFrom, when set, names the stored messages whose staff corrections
	// the layer learned from (LearnLayer), each by LearnedKey: forgetting a person
	// can then say whether the layer in use learned from their messages, and must
	// be learned again without them.
	LearnedFrom []string `json:"learned_from,omitempty"`
	// LearnedKeyed says LearnedFrom names messages by LearnedKeyed, keyed with a
	// secret the file does not hold (its store's): whoever has the file and a
	// channel's history cannot tell which messages it learned from. Unset, they are
	// by LearnedKey (layers learned before 2026-12-05).
	LearnedKeyed bool `json:"learned_keyed,omitempty"`
}

// DefaultLengthNorm is the LengthNorm `go run ./bench train -cv -length-norm
// true` tries: messages of up to 16 tokens (most chat) keep their word features'
// weight.
const DefaultLengthNorm = 16

// DefaultLayerOptions are the options data/layer.json is trained with, chosen by
// the mean sentiment macro-F1 of `go run ./bench train -cv` over the seven training
// sets: 2^14 buckets and character 6-grams of each word hashed beside the stems and
// stem pairs (0.863, intent 0.767; 2^12 buckets and no n-grams, the options before,
// 0.843 and 0.750; 2^14 without n-grams 0.853; 2^15 with them 0.865, for a file
// twice the size). Threshold 0: the sentiment layer's most probable class is the
// label. The penalties are the five-set grid's best (its seven-set re-run: 0.843
// against the best point's 0.844). The theme heads' penalties and threshold are
// the best pooled theme F1 of `go run ./bench train -cv -themes` over the fourteen
// sets (0.709 at P 0.742, R 0.678; the rules 0.644; over sixteen, 0.718 at P 0.749,
// R 0.689, the rules 0.646, and p >= 0.25 within 0.002 of it): of L2 penalties 0.0001 to
// 0.003 and thresholds 0.25 to 0.5, balanced or not, the points within 0.002 of
// it, the one of the highest precision.
var DefaultLayerOptions = LayerOptions{
	HashBits:       14,
	CharGrams:      6,
	Sentiment:      layer.Options{L2Dense: 0.01, L2Hash: 0.001, Balanced: true},
	Intent:         layer.Options{L2Dense: 0.001, L2Hash: 0.001},
	Threshold:      0,
	Themes:         &layer.Options{L2Dense: 0.0003, L2Hash: 0.0003},
	ThemeThreshold: 0.3,
}

// sentimentClasses and intentClasses are the layer's classes, in weight-row order.
var sentimentClasses = []string{string(feedbackbot.Negative), string(feedbackbot.Neutral), string(feedbackbot.Positive)}

func intentClasses() []string {
	out := make([]string, len(intentNames))
	for i, n := range intentNames {
		out[i] = string(n)
	}
	return out
}

// TrainFold trains the layer (TrainLayer) on every set but sets[leftOut], for
// leave-one-set-out cross-validation.
func TrainFold(sets [][]Example, leftOut int, o LayerOptions) ([]byte, error) {
	var rows []Example
	for i, s := range sets {
		if i != leftOut {
			rows = append(rows, s...)
		}
	}
	return TrainLayer(rows, nil, o)
}

// TrainLayer fits the combination layer to labelled rows (sets names each set
// and its row count, for the file's record) and returns the data/layer.json it
// makes. The features come from the rules alone, under the default taxonomy. It
// is deterministic: the same rows and options give the same bytes.
func TrainLayer(rows []Example, sets map[string]int, o LayerOptions) ([]byte, error) {
	a, err := NewWithLayer(DefaultTaxonomy(), nil)
	if err != nil {
		return nil, err
	}
	x := make([][]layer.Feature, len(rows))
	ys, yi := make([]int, len(rows)), make([]int, len(rows))
	sentIdx, intentIdx := index(sentimentClasses), index(intentClasses())
	sc := a.scratchBuf()
	for i, r := range rows {
		clean, sent, rep, th, intent := a.rules(r.Text, sc)
		f := newFacts(sc.low, clean, rep)
		x[i] = features(nil, o.HashBits, o.CharGrams, &f, sc.words.Stems, sent, rep, th, intent)
		scaleHashed(x[i], lengthScale(o.LengthNorm, len(sc.low)))
		var ok1, ok2 bool
		ys[i], ok1 = sentIdx[string(r.Label)]
		yi[i], ok2 = intentIdx[string(r.Intent)]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("row %d: unknown label %q or intent %q", i+1, r.Label, r.Intent)
		}
	}
	ms, err := layer.Train(sentimentClasses, denseNames, o.HashBits, x, ys, o.Sentiment)
	if err != nil {
		return nil, err
	}
	mi, err := layer.Train(intentClasses(), denseNames, o.HashBits, x, yi, o.Intent)
	if err != nil {
		return nil, err
	}
	f := layerFile{
		About: "Combination layer of the feedbackbot analyzer: logistic regressions over the rule engine's outputs " +
			"and hashed stems, fitted on the training chat sets by `go run ./bench train` (do not edit by hand).",
		Threshold: o.Threshold, Gate: o.Gate, ToNegative: o.ToNegative, KeepNeutral: o.KeepNeutral, Options: o, Rows: sets, Sentiment: ms, Intent: mi,
	}
	if o.Themes != nil {
		names := DefaultTaxonomy().Names()
		has := func(i, k int) bool { return slices.Contains(rows[i].Themes, names[k]) }
		if f.Themes, err = layer.TrainIndependent(names, denseNames, o.HashBits, x, has, *o.Themes); err != nil {
			return nil, fmt.Errorf("theme heads: %w", err)
		}
		f.ThemeThreshold, f.ThemeThresholdNew = o.ThemeThreshold, o.ThemeThresholdNew
		if f.ThemesTaxonomy, err = taxonomyHash(DefaultTaxonomy()); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	// One line per weight row, so the file's diffs are readable.
	b = bytes.ReplaceAll(b, []byte("],["), []byte("],\n["))
	b = bytes.ReplaceAll(b, []byte(`,"`), []byte(",\n\""))
	return append(b, '\n'), nil
}

// LayerFeatures are the combination layer's features of a chat message under
// options o (the rules' outputs and the hashed words, as TrainLayer builds them),
// for experiments with other models over them (`go run ./bench train -cv -themes`).
func (a *Analyzer) LayerFeatures(text string, o LayerOptions) []layer.Feature {
	sc := a.scratchBuf()
	defer a.release(sc)
	clean, sent, rep, th, intent := a.rules(text, sc)
	f := newFacts(sc.low, clean, rep)
	x := features(nil, o.HashBits, o.CharGrams, &f, sc.words.Stems, sent, rep, th, intent)
	scaleHashed(x, lengthScale(o.LengthNorm, len(sc.low)))
	return x
}

// LayerFeatureNames are the names of LayerFeatures' dense features, in index order
// (the hashed ones follow them).
func LayerFeatureNames() []string { return slices.Clone(denseNames) }

// ThemeCounts are micro counts of the themes tagged against the themes labelled,
// for measuring themes (the bench, the tests).
type ThemeCounts struct{ TP, FP, FN int }

// Add counts the themes got against the themes wanted.
func (c *ThemeCounts) Add(got, want []string) {
	for _, g := range got {
		if slices.Contains(want, g) {
			c.TP++
		} else {
			c.FP++
		}
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			c.FN++
		}
	}
}

// Merge adds o's counts.
func (c *ThemeCounts) Merge(o ThemeCounts) { c.TP, c.FP, c.FN = c.TP+o.TP, c.FP+o.FP, c.FN+o.FN }

// Rates are the precision and recall (0 when nothing was tagged or labelled).
func (c ThemeCounts) Rates() (precision, recall float64) {
	return float64(c.TP) / float64(max(1, c.TP+c.FP)), float64(c.TP) / float64(max(1, c.TP+c.FN))
}

// F1 is the harmonic mean of precision and recall.
func (c ThemeCounts) F1() float64 { return 2 * float64(c.TP) / float64(max(1, 2*c.TP+c.FP+c.FN)) }

func index(names []string) map[string]int {
	m := map[string]int{}
	for i, n := range names {
		m[n] = i
	}
	return m
}
