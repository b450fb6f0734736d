// Package layer is a multinomial logistic regression over sparse features: the
// data-fitted combination layer that reads the rule engine's outputs (and hashed
// word stems) and picks a class. Train is deterministic (the same rows and options
// give the same weights, bit for bit, on one platform); a Model is immutable once
// built and safe for concurrent use.
package layer

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Feature is one non-zero entry of a sparse feature vector: dense features come
// first (0 .. len(Names)-1), hashed ones after them.
type Feature struct {
	Index int32
	Value float64
}

// Model holds the weights of one classifier.
type Model struct {
	// Classes are the labels, in the order of the weight rows.
	Classes []string `json:"classes"`
	// Names are the dense features, in the order the caller builds them; a model
	// whose names differ from the caller's is refused (Check).
	Names []string `json:"dense"`
	// HashBits: 2^HashBits hashed features follow the dense ones.
	HashBits int `json:"hash_bits"`
	// W holds one row of Dim() weights per class.
	W [][]float64 `json:"weights"`
	// byFeature is W feature by feature (the classes' weights of feature j at
	// j*len(Classes)), built by Check: a message's few features then read a few
	// short runs of memory instead of one scattered word per class.
	byFeature []float64
}

// Dim is the number of features: dense plus hashed (none when HashBits is 0).
func (m *Model) Dim() int {
	if m.HashBits == 0 {
		return len(m.Names)
	}
	return len(m.Names) + 1<<m.HashBits
}

// Check reports an error unless the model fits features built with names and
// hashBits, and readies the model for Probs.
func (m *Model) Check(names []string, hashBits int) error {
	if m.HashBits != hashBits || len(m.Names) != len(names) {
		return fmt.Errorf("layer: model has %d dense features and %d hash bits, want %d and %d", len(m.Names), m.HashBits, len(names), hashBits)
	}
	for i, n := range names {
		if m.Names[i] != n {
			return fmt.Errorf("layer: dense feature %d is %q in the model, %q here", i, m.Names[i], n)
		}
	}
	if len(m.W) != len(m.Classes) {
		return fmt.Errorf("layer: %d weight rows for %d classes", len(m.W), len(m.Classes))
	}
	for _, row := range m.W {
		if len(row) != m.Dim() {
			return fmt.Errorf("layer: a weight row has %d weights, want %d", len(row), m.Dim())
		}
	}
	k := len(m.Classes)
	m.byFeature = make([]float64, m.Dim()*k)
	for c, row := range m.W {
		for j, w := range row {
			m.byFeature[j*k+c] = w
		}
	}
	return nil
}

// Probs writes the class probabilities of x into out (len(out) >= len(Classes))
// and returns the most likely class.
func (m *Model) Probs(x []Feature, out []float64) int {
	best := m.Logits(x, out)
	Softmax(out[:len(m.Classes)], best)
	return best
}

// Softmax turns logits into probabilities in place; best is the index of the
// largest logit (as Logits returns it).
func Softmax(logits []float64, best int) {
	top := logits[best]
	sum := 0.0
	for k := range logits {
		logits[k] = math.Exp(logits[k] - top)
		sum += logits[k]
	}
	for k := range logits {
		logits[k] /= sum
	}
}

// Pair scores two models over the same features in one pass. A message's hashed
// features are scattered over a table of a megabyte or more, so each is a cache
// miss; with the two models' weights of a feature side by side (a's classes, then
// b's) each miss serves both. The logits are those of each model's own Logits, bit
// for bit: every class sums the same products in the same order.
type Pair struct {
	ka, kb int
	w      []float64
}

// NewPair interleaves the weights of a and b, which must have been checked
// (Check) and have the same features.
func NewPair(a, b *Model) (*Pair, error) {
	if a.byFeature == nil || b.byFeature == nil {
		return nil, fmt.Errorf("layer: NewPair before Check")
	}
	if a.Dim() != b.Dim() {
		return nil, fmt.Errorf("layer: models of %d and %d features cannot share a pass", a.Dim(), b.Dim())
	}
	ka, kb := len(a.Classes), len(b.Classes)
	k := ka + kb
	w := make([]float64, a.Dim()*k)
	for j := 0; j < a.Dim(); j++ {
		copy(w[j*k:], a.byFeature[j*ka:j*ka+ka])
		copy(w[j*k+ka:], b.byFeature[j*kb:j*kb+kb])
	}
	return &Pair{ka: ka, kb: kb, w: w}, nil
}

// Width is the number of class scores a Pair sums: both models' classes.
func (p *Pair) Width() int { return p.ka + p.kb }

// AddRow adds feature j's weights, at value 1, to sums (Width long: the first
// model's classes, then the second's). A caller that meets the same group of
// features again and again (a word's) sums their rows once and passes the sum to
// LogitsFrom.
func (p *Pair) AddRow(sums []float64, j int32) {
	k := p.ka + p.kb
	for c, w := range p.w[int(j)*k : int(j)*k+k] {
		sums[c] += w
	}
}

// Row is feature j's weights (Width long: the first model's classes, then the
// second's), for reading only.
func (p *Pair) Row(j int32) []float64 {
	k := p.ka + p.kb
	return p.w[int(j)*k : int(j)*k+k : int(j)*k+k]
}

// Logits writes each model's class scores of x into outA and outB (as long as
// each model's classes at least) and returns each one's most likely class.
func (p *Pair) Logits(x []Feature, outA, outB []float64) (int, int) {
	return p.LogitsFrom(nil, x, outA, outB)
}

// LogitsFrom is Logits with sums (Width long, from AddRow; nil for none) added:
// the class scores of x and of the features whose rows they hold.
func (p *Pair) LogitsFrom(sums []float64, x []Feature, outA, outB []float64) (int, int) {
	if p.ka == 3 && p.kb == 7 {
		return p.logits37(sums, x, outA, outB)
	}
	k := p.ka + p.kb
	outA, outB = outA[:p.ka], outB[:p.kb]
	clear(outA)
	clear(outB)
	if sums != nil {
		copy(outA, sums[:p.ka])
		copy(outB, sums[p.ka:k])
	}
	for _, f := range x {
		ws := p.w[int(f.Index)*k : int(f.Index)*k+k]
		for c, w := range ws[:p.ka] {
			outA[c] += w * f.Value
		}
		for c, w := range ws[p.ka:] {
			outB[c] += w * f.Value
		}
	}
	return argmax(outA), argmax(outB)
}

// logits37 is LogitsFrom for the shipped shape (3 sentiment classes, 7 intents)
// with the ten sums in registers: the same products added in the same order.
func (p *Pair) logits37(sums []float64, x []Feature, outA, outB []float64) (int, int) {
	var a0, a1, a2, b0, b1, b2, b3, b4, b5, b6 float64
	if sums != nil {
		s := sums[:10:10]
		a0, a1, a2, b0, b1, b2, b3, b4, b5, b6 = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]
	}
	w := p.w
	for _, f := range x {
		i := int(f.Index) * 10
		ws := w[i : i+10 : i+10]
		v := f.Value
		a0 += ws[0] * v
		a1 += ws[1] * v
		a2 += ws[2] * v
		b0 += ws[3] * v
		b1 += ws[4] * v
		b2 += ws[5] * v
		b3 += ws[6] * v
		b4 += ws[7] * v
		b5 += ws[8] * v
		b6 += ws[9] * v
	}
	outA, outB = outA[:3], outB[:7]
	outA[0], outA[1], outA[2] = a0, a1, a2
	outB[0], outB[1], outB[2], outB[3], outB[4], outB[5], outB[6] = b0, b1, b2, b3, b4, b5, b6
	return argmax(outA), argmax(outB)
}

// argmax is the index of the largest value, the first of equals.
func argmax(v []float64) int {
	best, top := 0, math.Inf(-1)
	for k, z := range v {
		if z > top {
			best, top = k, z
		}
	}
	return best
}

// Logits writes the class scores of x (the logarithms of the probabilities, up to
// a constant) into out (len(out) >= len(Classes)) and returns the most likely
// class, without the cost of the probabilities.
func (m *Model) Logits(x []Feature, out []float64) int {
	if m.byFeature == nil {
		panic("layer: Logits before Check")
	}
	nk := len(m.Classes)
	out = out[:nk]
	clear(out)
	for _, f := range x {
		ws := m.byFeature[int(f.Index)*nk : int(f.Index)*nk+nk]
		for k, w := range ws {
			out[k] += w * f.Value
		}
	}
	return argmax(out)
}

// digits is the precision weights are written with: enough to classify exactly as
// the trained model does, short enough to keep the data file small and its diffs
// readable.
const digits = 6

// round keeps digits significant digits, as the data file does, so a model
// trained in memory and one read back from its file are the same model.
func round(w float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(w, 'g', digits, 64), 64)
	return v
}

// Round rounds every weight to the precision of the data file.
func (m *Model) Round() {
	for _, row := range m.W {
		for i, w := range row {
			row[i] = round(w)
		}
	}
}

// MarshalJSON writes the weights with the data file's precision.
func (m *Model) MarshalJSON() ([]byte, error) {
	type plain struct {
		Classes  []string          `json:"classes"`
		Names    []string          `json:"dense"`
		HashBits int               `json:"hash_bits"`
		W        []json.RawMessage `json:"weights"`
	}
	p := plain{Classes: m.Classes, Names: m.Names, HashBits: m.HashBits}
	for _, row := range m.W {
		b := []byte{'['}
		for i, w := range row {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, round(w), 'g', digits, 64)
		}
		p.W = append(p.W, append(b, ']'))
	}
	return json.Marshal(p)
}
