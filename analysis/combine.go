package analysis

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/layer"
	"github.com/feedbackbot/feedbackbot/analysis/sentiment"
	"github.com/feedbackbot/feedbackbot/analysis/themes"
)

// The combination layer: two logistic regressions (sentiment class, intent) over
// generic features of a message, the rule engine's own outputs (its score, the
// positive and negative sums before and after the rules, which word classes and
// rules fired, the rules' intent, themes, question, emphasis) plus hashed word
// stems, stem pairs and character n-grams of words. Its weights are fitted on the
// training chat sets by `go run ./bench train` (TrainLayer) and shipped as
// data/layer.json.
//
//go:embed data/layer.json
var layerJSON []byte

// layerFile is data/layer.json.
type layerFile struct {
	About string `json:"about"`
	// Threshold: the sentiment layer overrides the rules' label only when it gives
	// its own class at least this probability.
	Threshold float64 `json:"threshold"`
	// Gate: it overrides them only in messages about the product (productTalk).
	Gate bool `json:"gate"`
	// ToNegative: it may only turn a label negative.
	ToNegative bool `json:"to_negative"`
	// KeepNeutral: it turns a neutral label negative only where the rules saw
	// trouble (troubleSeen).
	KeepNeutral bool           `json:"keep_neutral,omitempty"`
	Options     LayerOptions   `json:"options"`
	Rows        map[string]int `json:"rows"`
	Sentiment   *layer.Model   `json:"sentiment"`
	Intent      *layer.Model   `json:"intent"`
	// Themes, when present, is an Independent model with one class for each of
	// the default taxonomy's themes it learned: the theme heads. A head decides
	// its theme (instead of the taxonomy's rules) when the team's taxonomy keeps
	// that theme as the default defines it; ThemeThreshold is the probability it
	// needs.
	Themes         *layer.Model `json:"themes,omitempty"`
	ThemeThreshold float64      `json:"theme_threshold,omitempty"`
	// ThemeThresholdNew, when set, is the probability a head needs to tag a theme
	// its rules did not match in the message (ThemeThreshold stays what it needs
	// to keep one they did): a theme read from context alone needs more evidence.
	ThemeThresholdNew float64 `json:"theme_threshold_new,omitempty"`
	// ThemesTaxonomy is the taxonomyHash of the default taxonomy the heads learned
	// alongside: a head decides a theme the team keeps as the default defines it,
	// so the default must be the one it was trained with.
	ThemesTaxonomy string `json:"themes_taxonomy,omitempty"`
}

// combiner applies a loaded layer file.
type combiner struct {
	// the models' classes: the weights themselves are only in both, so the
	// models' float64 copies are not kept once it is built
	sentClasses, intentClasses []string
	intentBits                 []uint16     // intentBit of each of intentClasses
	headNames                  []string     // the theme heads' themes (none: no heads)
	both                       *layer.Stack // sentiment, intent and the heads, scored in one pass
	threshold                  float64
	headLogit                  float64 // the log odds a head needs to keep a theme its rules matched (ThemeThreshold's)
	headLogitNew               float64 // and to tag one they did not (ThemeThresholdNew's, or headLogit)
	gate, toNeg, keepNeutral   bool
	hashBits                   int
	charGrams                  int
	lengthNorm                 int      // LayerOptions.LengthNorm
	learnedFrom                []string // LayerOptions.LearnedFrom, sorted
	learnedKeyed               bool     // LayerOptions.LearnedKeyed
}

// headsAt is the column of the stack's logits where the theme heads begin.
func (c *combiner) headsAt() int { return len(c.sentClasses) + len(c.intentClasses) }

// head is the column of the stack's logits of theme name's head, or -1.
func (c *combiner) head(name string) int {
	if k := slices.Index(c.headNames, name); k >= 0 {
		return c.headsAt() + k
	}
	return -1
}

func loadLayer(data []byte) (*combiner, error) {
	var f layerFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	if f.Sentiment == nil || f.Intent == nil {
		return nil, fmt.Errorf("layer: the file lacks a model")
	}
	for _, m := range []*layer.Model{f.Sentiment, f.Intent} {
		if err := m.Check(denseNames, m.HashBits); err != nil {
			return nil, err
		}
	}
	if f.Sentiment.HashBits != f.Intent.HashBits {
		return nil, fmt.Errorf("layer: the two models hash into different sizes")
	}
	for _, c := range f.Sentiment.Classes {
		if feedbackbot.LabelFor(labelScore[feedbackbot.SentimentLabel(c)]) != feedbackbot.SentimentLabel(c) {
			return nil, fmt.Errorf("layer: unknown sentiment class %q", c)
		}
	}
	if f.Options.Engine != "" && f.Options.Engine != EngineVersion && !slices.Contains(sameRules, f.Options.Engine) {
		return nil, fmt.Errorf("layer: learned over the rules of engine %s, and this build's are %s", f.Options.Engine, EngineVersion)
	}
	models := []*layer.Model{f.Sentiment, f.Intent}
	if f.Options.LengthNorm < 0 {
		return nil, fmt.Errorf("layer: length_norm %d is negative", f.Options.LengthNorm)
	}
	c := &combiner{sentClasses: f.Sentiment.Classes, intentClasses: f.Intent.Classes, threshold: f.Threshold, gate: f.Gate, toNeg: f.ToNegative, keepNeutral: f.KeepNeutral, hashBits: f.Sentiment.HashBits, charGrams: f.Options.CharGrams,
		lengthNorm: f.Options.LengthNorm, learnedFrom: slices.Sorted(slices.Values(f.Options.LearnedFrom)), learnedKeyed: f.Options.LearnedKeyed}
	for _, name := range c.intentClasses {
		c.intentBits = append(c.intentBits, intentBit(feedbackbot.Intent(name)))
	}
	if f.Themes != nil {
		if err := f.Themes.Check(denseNames, f.Sentiment.HashBits); err != nil {
			return nil, err
		}
		if !f.Themes.Independent {
			return nil, fmt.Errorf("layer: the theme heads are not an independent model")
		}
		want, err := taxonomyHash(themes.Default())
		if err != nil {
			return nil, err
		}
		if f.ThemesTaxonomy != want {
			return nil, fmt.Errorf("layer: the theme heads were trained with another default taxonomy (%q; this build's is %q): retrain with `go run ./bench train`", f.ThemesTaxonomy, want)
		}
		if f.ThemeThreshold <= 0 || f.ThemeThreshold >= 1 {
			return nil, fmt.Errorf("layer: theme threshold %v is not a probability in (0, 1)", f.ThemeThreshold)
		}
		for _, name := range f.Themes.Classes {
			if _, ok := themeFeature[name]; !ok {
				return nil, fmt.Errorf("layer: theme head %q is not a default theme", name)
			}
		}
		c.headNames, c.headLogit = f.Themes.Classes, layer.LogOdds(f.ThemeThreshold)
		c.headLogitNew = c.headLogit
		if f.ThemeThresholdNew != 0 {
			if f.ThemeThresholdNew <= 0 || f.ThemeThresholdNew >= 1 {
				return nil, fmt.Errorf("layer: theme threshold for unmatched themes %v is not a probability in (0, 1)", f.ThemeThresholdNew)
			}
			c.headLogitNew = layer.LogOdds(f.ThemeThresholdNew)
		}
		models = append(models, f.Themes)
	}
	both, err := layer.NewStack(models...)
	if err != nil {
		return nil, err
	}
	c.both = both
	return c, nil
}

// labelScore is a score inside each label's interval.
var labelScore = map[feedbackbot.SentimentLabel]float64{feedbackbot.Positive: 1, feedbackbot.Neutral: 0, feedbackbot.Negative: -1}

// Dense features, in order. Each is in about [-1, 1] or {0, 1}.
const (
	fBias = iota
	fScore
	fScoreSq
	fRulePositive
	fRuleNegative
	fPos
	fNeg
	fBasePos
	fBaseNeg
	fMalfunction
	fSarcasm
	fContrast
	fPastedError
	fQuestion
	fQMark
	fExclaim
	fShouting
	fWish
	fDefect
	fTokens
	fClasses // 32 word classes of sentiment.Classes
)

var (
	emotionNames = []feedbackbot.Emotion{feedbackbot.EmotionAnger, feedbackbot.EmotionFrustration,
		feedbackbot.EmotionConfusion, feedbackbot.EmotionGratitude, feedbackbot.EmotionJoy}
	intentNames  = feedbackbot.Intents()
	fEmotions    = fClasses + len(sentiment.Classes)
	fIntents     = fEmotions + len(emotionNames)
	themeFeature = map[string]int{}
	denseNames   = []string{"bias", "score", "score_squared", "rule_positive", "rule_negative", "pos", "neg",
		"base_pos", "base_neg", "malfunction", "sarcasm", "contrast", "pasted_error", "question", "question_mark",
		"exclamation", "shouting", "wish", "defect_word", "tokens"}
)

func init() {
	for _, c := range sentiment.Classes {
		denseNames = append(denseNames, "class:"+c)
	}
	for _, e := range emotionNames {
		denseNames = append(denseNames, "emotion:"+string(e))
	}
	for _, i := range intentNames {
		denseNames = append(denseNames, "rule_intent:"+string(i))
	}
	// Themes by the default taxonomy's names: a team's own taxonomy shares the
	// names it keeps; others add no feature.
	for _, t := range themes.Default() {
		themeFeature[t.Name] = len(denseNames)
		denseNames = append(denseNames, "theme:"+t.Name)
	}
}

// squash maps a valence sum to (-1, 1) as the engine normalises its score.
func squash(x float64) float64 { return x / math.Sqrt(x*x+15) }

// features appends the message's features to dst: the dense ones, then a hashed
// feature for every stem, every pair of neighbouring stems, and the first stem, and
// with charGrams one for every character n-gram of every word marked at its ends
// ("<word>": a word shorter than n-2 gives none).
func features(dst []layer.Feature, hashBits, charGrams int, f *facts, stems []string, s feedbackbot.Sentiment,
	rep sentiment.Report, th []string, intent feedbackbot.Intent) []layer.Feature {
	low, clean := f.low, f.clean
	on := func(i int, ok bool) {
		if ok {
			dst = append(dst, layer.Feature{Index: int32(i), Value: 1})
		}
	}
	val := func(i int, v float64) {
		if v != 0 {
			dst = append(dst, layer.Feature{Index: int32(i), Value: v})
		}
	}
	on(fBias, true)
	val(fScore, s.Score)
	val(fScoreSq, s.Score*s.Score)
	on(fRulePositive, s.Label == feedbackbot.Positive)
	on(fRuleNegative, s.Label == feedbackbot.Negative)
	val(fPos, squash(rep.Pos))
	val(fNeg, squash(rep.Neg))
	val(fBasePos, squash(rep.BasePos))
	val(fBaseNeg, squash(rep.BaseNeg))
	on(fMalfunction, rep.Malfunction)
	on(fSarcasm, rep.Sarcasm)
	on(fContrast, rep.Contrast)
	on(fPastedError, rep.PastedError)
	on(fQuestion, f.is(factQuestion))
	on(fQMark, strings.Contains(clean, "?"))
	on(fExclaim, strings.Contains(clean, "!"))
	on(fShouting, f.is(factShouting))
	on(fWish, f.is(factWish))
	on(fDefect, f.is(factDefect))
	val(fTokens, math.Log1p(float64(len(low)))/4)
	for k := range sentiment.Classes {
		on(fClasses+k, rep.Classes&(1<<k) != 0)
	}
	for k, e := range emotionNames {
		on(fEmotions+k, s.Emotion == e)
	}
	for k, i := range intentNames {
		on(fIntents+k, intent == i)
	}
	for _, t := range th {
		if i, ok := themeFeature[t]; ok {
			on(i, true)
		}
	}
	if hashBits == 0 {
		return dst
	}
	mask := uint32(1)<<hashBits - 1
	base := int32(len(denseNames))
	prev := firstPrev
	for _, st := range stems {
		h := hashString(offset32, st)
		dst = append(dst, layer.Feature{Index: base + int32(h&mask), Value: 1},
			layer.Feature{Index: base + int32(pairHash(prev, st)&mask), Value: 1})
		prev = h
	}
	if charGrams > 0 {
		for _, w := range low {
			eachGram(w, charGrams, func(h uint32) {
				dst = append(dst, layer.Feature{Index: base + int32(h&mask), Value: 1})
			})
		}
	}
	return dst
}

// lengthScale is the factor LayerOptions.LengthNorm k gives the hashed features
// of a message of n tokens: 1 up to k tokens, sqrt(k/n) beyond (so their sum grows
// as the square root of the length, not the length); 1 with k = 0.
func lengthScale(k, n int) float64 {
	if k <= 0 || n <= k {
		return 1
	}
	return math.Sqrt(float64(k) / float64(n))
}

// scaleHashed multiplies the hashed features of x (those after the dense ones)
// by f: the length normalisation of training (TrainLayer), which scaleSums
// applies to the word sums of inference.
func scaleHashed(x []layer.Feature, f float64) {
	if f == 1 {
		return
	}
	base := int32(len(denseNames))
	for i := range x {
		if x[i].Index >= base {
			x[i].Value *= f
		}
	}
}

// scaleSums applies the layer's length normalisation (LayerOptions.LengthNorm) to
// the summed hashed features of a message of n tokens (wordSums).
func (c *combiner) scaleSums(sums []float64, n int) {
	if f := lengthScale(c.lengthNorm, n); f != 1 {
		for k := range sums {
			sums[k] *= f
		}
	}
}

// eachGram calls f with the hash of every character n-gram of w marked at its ends
// ("<word>": a word shorter than n-2 has none).
func eachGram(w string, n int, f func(h uint32)) {
	// the word in a buffer on the stack (a longer word, rare, on the heap), so the
	// grams' loop reads bytes without testing for the ends
	var buf [64]byte
	g := buf[:0]
	if len(w)+2 > len(buf) {
		g = make([]byte, 0, len(w)+2)
	}
	g = append(append(append(g, '<'), w...), '>')
	for i := 0; i+n <= len(g); i++ {
		h := uint32(offset32 ^ 0x5bd1e995)
		for _, c := range g[i : i+n] {
			h ^= uint32(c)
			h *= prime32
		}
		f(h)
	}
}

// wordRow writes into row (the layer's Width) the sum of the weights of one
// word's own hashed features, as features gives them: its stem's and its
// character n-grams', summed in float64 and kept as float32.
func (c *combiner) wordRow(row []float32, low, stem string) {
	if c.hashBits == 0 {
		return
	}
	var buf [32]float64
	sum := buf[:0]
	if len(row) > len(buf) {
		sum = make([]float64, 0, len(row))
	}
	sum = sum[:len(row)]
	mask := uint32(1)<<c.hashBits - 1
	base := int32(len(denseNames))
	c.both.AddRow(sum, base+int32(hashString(offset32, stem)&mask))
	if c.charGrams > 0 {
		eachGram(low, c.charGrams, func(h uint32) { c.both.AddRow(sum, base+int32(h&mask)) })
	}
	for k, v := range sum {
		row[k] = float32(v)
	}
}

// wordSums adds to sums (the layer's Width, zeroed) the hashed features of a
// message's words, from the word cache: each word's row, and the stem pairs
// (which depend on the word before, so are not cached).
func (c *combiner) wordSums(sums []float64, wc *wordCache, ix []int32) {
	if c.hashBits == 0 {
		return
	}
	mask := uint32(1)<<c.hashBits - 1
	base := int32(len(denseNames))
	w := len(sums)
	switch w {
	case 10:
		c.wordSums10(sums, wc, ix, mask, base)
		return
	case 23:
		c.wordSums23(sums, wc, ix, mask, base)
		return
	}
	prev := firstPrev
	for _, i := range ix {
		for k, v := range wc.rows[int(i)*w : int(i)*w+w] {
			sums[k] += float64(v)
		}
		e := &wc.ents[i]
		c.both.AddRow(sums, base+int32(pairHash(prev, e.stem)&mask))
		prev = e.h
	}
}

const (
	offset32 = 2166136261
	prime32  = 16777619
)

// firstPrev stands for the stem before a message's first, so that the first
// stem's pair feature marks it as first.
var firstPrev = hashString(offset32, "^")

// pairHash is the hashed feature of a pair of neighbouring stems, from the hash of
// the first (prev) and the second stem: one definition for training (features) and
// for the word cache's sums.
func pairHash(prev uint32, stem string) uint32 { return hashString(prev*prime32^0x1f, stem) }

// hashString is FNV-1a from h.
func hashString(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= prime32
	}
	return h
}

// wordSums10 is wordSums for the shipped shape (3 sentiment classes, 7 intents)
// with the ten sums in registers.
func (c *combiner) wordSums10(sums []float64, wc *wordCache, ix []int32, mask uint32, base int32) {
	s := sums[:10:10]
	s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]
	rows := wc.rows
	prev := firstPrev
	for _, i := range ix {
		r := rows[int(i)*10 : int(i)*10+10 : int(i)*10+10]
		e := &wc.ents[i]
		p := c.both.Row(base + int32(pairHash(prev, e.stem)&mask))
		p = p[:10:10]
		s0 += float64(r[0]) + float64(p[0])
		s1 += float64(r[1]) + float64(p[1])
		s2 += float64(r[2]) + float64(p[2])
		s3 += float64(r[3]) + float64(p[3])
		s4 += float64(r[4]) + float64(p[4])
		s5 += float64(r[5]) + float64(p[5])
		s6 += float64(r[6]) + float64(p[6])
		s7 += float64(r[7]) + float64(p[7])
		s8 += float64(r[8]) + float64(p[8])
		s9 += float64(r[9]) + float64(p[9])
		prev = e.h
	}
	s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9] = s0, s1, s2, s3, s4, s5, s6, s7, s8, s9
}

// wordSums23 is wordSums for the shipped shape with the thirteen theme heads, on
// fixed-size arrays so the loop runs without bounds checks. A first pass works out
// the pair rows' offsets and reads the first and last float of every row the sums
// will add: the rows are scattered over megabytes (the word cache's and the
// layer's hashed features), and reads in a short loop are in flight together,
// where the summing loop, long, waited for one word's rows at a time.
func (c *combiner) wordSums23(sums []float64, wc *wordCache, ix []int32, mask uint32, base int32) {
	s := (*[23]float64)(sums)
	rows := wc.rows
	w := c.both.Weights()
	pairs := slices.Grow(wc.pairs[:0], len(ix))[:len(ix)]
	wc.pairs = pairs
	prev := firstPrev
	var touch float32
	for j, i := range ix {
		e := &wc.ents[i]
		at := int(base+int32(pairHash(prev, e.stem)&mask)) * 23
		pairs[j] = int32(at)
		r := rows[int(i)*23 : int(i)*23+23]
		p := w[at : at+23]
		touch += r[0] + r[22] + p[0] + p[22]
		prev = e.h
	}
	wc.touched = touch
	// (the 23 columns written out: a loop over them cost a third more instructions
	// and a mispredicted exit a word)
	for j, i := range ix {
		r := (*[23]float32)(rows[int(i)*23:])
		p := (*[23]float32)(w[pairs[j]:])
		s[0] += float64(r[0]) + float64(p[0])
		s[1] += float64(r[1]) + float64(p[1])
		s[2] += float64(r[2]) + float64(p[2])
		s[3] += float64(r[3]) + float64(p[3])
		s[4] += float64(r[4]) + float64(p[4])
		s[5] += float64(r[5]) + float64(p[5])
		s[6] += float64(r[6]) + float64(p[6])
		s[7] += float64(r[7]) + float64(p[7])
		s[8] += float64(r[8]) + float64(p[8])
		s[9] += float64(r[9]) + float64(p[9])
		s[10] += float64(r[10]) + float64(p[10])
		s[11] += float64(r[11]) + float64(p[11])
		s[12] += float64(r[12]) + float64(p[12])
		s[13] += float64(r[13]) + float64(p[13])
		s[14] += float64(r[14]) + float64(p[14])
		s[15] += float64(r[15]) + float64(p[15])
		s[16] += float64(r[16]) + float64(p[16])
		s[17] += float64(r[17]) + float64(p[17])
		s[18] += float64(r[18]) + float64(p[18])
		s[19] += float64(r[19]) + float64(p[19])
		s[20] += float64(r[20]) + float64(p[20])
		s[21] += float64(r[21]) + float64(p[21])
		s[22] += float64(r[22]) + float64(p[22])
	}
}

// apply returns the layer's sentiment and intent for a message's features (x,
// and those summed in sums, from wordSums; nil for none), and leaves every
// model's logits in z (the stack's Width long): the theme heads' from headsAt on.
// The sentiment layer overrides the rules' label only when confident (threshold),
// in a message about the product (product) if the layer's gate is set, and turns
// a neutral label negative only where the rules saw trouble if keepNeutral is;
// then the score moves into the new label's interval (0 for neutral; for positive
// or negative the layer's own P(positive) - P(negative), at least 0.051 from 0),
// and emotions that contradict the new label are dropped.
func (c *combiner) apply(sums []float64, x []layer.Feature, z []float64, s feedbackbot.Sentiment, product, trouble bool) (feedbackbot.Sentiment, feedbackbot.Intent) {
	return c.applyVeto(sums, x, z, s, product, trouble, veto{})
}

// applyVeto is apply within what the rules leave open (v): an intent they rule
// out goes to the layer's likeliest other, and a label they rule out keeps
// theirs.
func (c *combiner) applyVeto(sums []float64, x []layer.Feature, z []float64, s feedbackbot.Sentiment, product, trouble bool, v veto) (feedbackbot.Sentiment, feedbackbot.Intent) {
	c.both.LogitsFrom(sums, x, z)
	ns, ni := len(c.sentClasses), len(c.intentClasses)
	var p [8]float64
	copy(p[:], z[:ns])
	k, ki := layer.Argmax(p[:ns]), c.allowedIntent(z[ns:ns+ni], v)
	layer.Softmax(p[:ns], k)
	lab := feedbackbot.SentimentLabel(c.sentClasses[k])
	if lab != s.Label && p[k] >= c.threshold && (product || !c.gate) && (lab == feedbackbot.Negative || !c.toNeg) &&
		(trouble || !c.keepNeutral || s.Label != feedbackbot.Neutral || lab != feedbackbot.Negative) &&
		!(v.noNegative && lab == feedbackbot.Negative) && !(v.keepPositive && s.Label == feedbackbot.Positive) {
		s = moveTo(s, lab, c.sentClasses, p[:])
	}
	return s, feedbackbot.Intent(c.intentClasses[ki])
}

// allowedIntent is the intent of the largest logit among those v allows (all
// when it allows none).
func (c *combiner) allowedIntent(z []float64, v veto) int {
	best := -1
	for k, bit := range c.intentBits {
		if v.intents&bit == 0 && (best < 0 || z[k] > z[best]) {
			best = k
		}
	}
	if best < 0 {
		return layer.Argmax(z)
	}
	return best
}

// veto is what the rules rule out for the combination layer in one message: the
// intents it may not choose (intentBit), and whether it may turn the label
// negative (noNegative) or move a positive one (keepPositive). The layer reads
// the rules' outputs and hashed words, and context sways it where the rules
// read a construction whose meaning is settled; it still decides all the rest.
type veto struct {
	intents                  uint16
	noNegative, keepPositive bool
}

// layerVeto is what the rules of a message (rep, their label and intent, whether
// they saw a churn cue) rule out for the layer:
//
//   - churn_signal without a churn cue: "we're not planning to cancel", a long
//     preamble before "we were charged twice" (churnCue);
//   - a report (bug_report, complaint, churn_signal) and a negative label where
//     trouble is told as over and no other is told: "the app doesn't crash
//     anymore", "we haven't had a single outage" (Report.Resolved);
//   - praise and other where a report follows praise and the rules read a
//     report: "love it! one issue: the export is missing rows", "great release!
//     the date filter now ignores the end date" (Report.Reports);
//   - asking and reporting, and moving a positive label, in a positive
//     exclamation worded as a question with no trouble: "how cool is that?!"
//     (Report.Exclaims).
func layerVeto(rep sentiment.Report, label feedbackbot.SentimentLabel, rules feedbackbot.Intent, churn bool) veto {
	var v veto
	if !churn {
		v.intents |= intentBit(feedbackbot.IntentChurnSignal)
	}
	if rep.Resolved {
		v.intents |= intentBit(feedbackbot.IntentBugReport) | intentBit(feedbackbot.IntentComplaint) | intentBit(feedbackbot.IntentChurnSignal)
		v.noNegative = true
	}
	if rep.Reports && (rules == feedbackbot.IntentBugReport || rules == feedbackbot.IntentComplaint) {
		v.intents |= intentBit(feedbackbot.IntentPraise) | intentBit(feedbackbot.IntentOther)
	}
	if rep.Exclaims && !rep.Reports && label == feedbackbot.Positive {
		v.intents |= intentBit(feedbackbot.IntentQuestion) | intentBit(feedbackbot.IntentFeatureRequest) |
			intentBit(feedbackbot.IntentBugReport) | intentBit(feedbackbot.IntentComplaint) | intentBit(feedbackbot.IntentChurnSignal)
		v.keepPositive = true
	}
	return v
}

func moveTo(s feedbackbot.Sentiment, lab feedbackbot.SentimentLabel, classes []string, p []float64) feedbackbot.Sentiment {
	valence := 0.0
	for k, c := range classes {
		valence += labelScore[feedbackbot.SentimentLabel(c)] * p[k]
	}
	keep := false
	switch lab {
	case feedbackbot.Positive:
		s.Score = math.Round(max(0.051, valence)*1000) / 1000
		keep = s.Emotion == feedbackbot.EmotionGratitude || s.Emotion == feedbackbot.EmotionJoy
	case feedbackbot.Negative:
		s.Score = math.Round(min(-0.051, valence)*1000) / 1000
		keep = s.Emotion == feedbackbot.EmotionAnger || s.Emotion == feedbackbot.EmotionFrustration
	default:
		s.Score = 0
		keep = s.Emotion == feedbackbot.EmotionConfusion
	}
	if !keep {
		s.Emotion = ""
	}
	s.Label = lab
	return s
}

// statusCode is the word class of an HTTP status code ("getting a 502").
var statusCode = classBit("status_code")

func classBit(name string) uint32 {
	for k, c := range sentiment.Classes {
		if c == name {
			return 1 << k
		}
	}
	panic("analysis: no word class " + name)
}

// productTalk reports a message about the product: it names a theme, or the rules
// found a malfunction, an HTTP status code or a pasted error.
func productTalk(rep sentiment.Report, th []string) bool {
	return len(th) > 0 || rep.Malfunction || rep.PastedError || rep.Classes&statusCode != 0
}

// troubleClasses are the word classes that tell of trouble without a negative
// word of the lexicon: "keeps failing", "still waiting", "since Tuesday", "why
// does", "used to work", "again", "a 502".
var troubleClasses = classBit("anger") | classBit("frustration") | classBit("fail_verb") | classBit("keep") |
	classBit("why") | classBit("span") | classBit("chase") | classBit("used") | classBit("again") |
	classBit("until") | classBit("status_code") | classBit("trouble") | classBit("sarcasm") | classBit("scarce")

// troubleSeen reports whether the rules saw any sign of trouble in a message: a
// negative word, a malfunction, a pasted error, sarcasm, or a word of a trouble
// class.
func troubleSeen(rep sentiment.Report) bool {
	return rep.BaseNeg < 0 || rep.Neg < 0 || rep.Malfunction || rep.PastedError || rep.Sarcasm || rep.Classes&troubleClasses != 0
}
