// Package layer is logistic regression over sparse features: the data-fitted
// combination layer that reads the rule engine's outputs (and hashed word stems)
// and picks a class (a multinomial Model, Train) or says which labels apply (an
// Independent Model, TrainIndependent); a Stack scores several models in one pass.
// Training is deterministic (the same rows and options give the same weights, bit
// for bit, on one platform); a Model is immutable once built and safe for
// concurrent use.
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
	// Independent models score each class on its own, present or not (a
	// multi-label model, as TrainIndependent fits it): a class's logit is the log
	// odds of its presence, its probability the logistic of that, and the classes'
	// probabilities do not sum to one. Otherwise the classes exclude each other
	// (softmax).
	Independent bool `json:"independent,omitempty"`
	// W holds one row of Dim() weights per class.
	W Rows `json:"weights"`
	// byFeature is W feature by feature (the classes' weights of feature j at
	// j*len(Classes)), built by Check: a message's few features then read a few
	// short runs of memory instead of one scattered word per class.
	byFeature []float64
}

// Rows are a model's weight rows, one a class. Their JSON is read by a scanner
// of its own: through encoding/json's reflection the shipped layer's 377,000
// weights took 0.08 s of every process's start (83% of building an analyzer).
// Anything it does not expect (JSON's own number syntax only) is left to
// encoding/json, so the result and the errors are the same.
type Rows [][]float64

// UnmarshalJSON reads a JSON array of arrays of numbers.
func (r *Rows) UnmarshalJSON(b []byte) error {
	if rows, ok := parseRows(b); ok {
		*r = rows
		return nil
	}
	var std [][]float64
	if err := json.Unmarshal(b, &std); err != nil {
		return err
	}
	*r = std
	return nil
}

// parseRows reads b as [[n, ...], ...] with JSON's white space between tokens,
// and reports false for anything else.
func parseRows(b []byte) ([][]float64, bool) {
	s := string(b) // (one copy: the numbers are then read in place)
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	expect := func(c byte) bool {
		skip()
		if i < len(s) && s[i] == c {
			i++
			return true
		}
		return false
	}
	if !expect('[') {
		return nil, false
	}
	rows := [][]float64{}
	if expect(']') {
		skip()
		return rows, i == len(s)
	}
	for {
		if !expect('[') {
			return nil, false
		}
		row := []float64{}
		if !expect(']') {
			for {
				skip()
				j := jsonNumber(s, i)
				if j == i {
					return nil, false
				}
				v, err := strconv.ParseFloat(s[i:j], 64)
				if err != nil {
					return nil, false // (out of range: encoding/json says so)
				}
				row = append(row, v)
				i = j
				if expect(']') {
					break
				}
				if !expect(',') {
					return nil, false
				}
			}
		}
		rows = append(rows, row)
		if expect(']') {
			skip()
			return rows, i == len(s)
		}
		if !expect(',') {
			return nil, false
		}
	}
}

// jsonNumber returns the end of the JSON number at s[i:], or i if none starts
// there: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func jsonNumber(s string, i int) int {
	start := i
	digits := func() int {
		k := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - k
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return start
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return start
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return start
		}
	}
	return i
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
// and returns the most likely class. An Independent model's probabilities are
// each class's own (Logistic of its logit).
func (m *Model) Probs(x []Feature, out []float64) int {
	best := m.Logits(x, out)
	if m.Independent {
		for k, z := range out[:len(m.Classes)] {
			out[k] = Logistic(z)
		}
		return best
	}
	Softmax(out[:len(m.Classes)], best)
	return best
}

// Logistic is 1 / (1 + e^-z): the probability of log odds z.
func Logistic(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// LogOdds is the logit of probability p: Logistic's inverse.
func LogOdds(p float64) float64 { return math.Log(p / (1 - p)) }

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

// Stack scores several models over the same features in one pass. A message's
// hashed features are scattered over a table of megabytes, so each is a cache
// miss; with the models' weights of a feature side by side (the first model's
// classes, then the second's, and so on) each miss serves them all. The table
// holds the weights as float32, half the memory (and cache misses) of float64;
// sums are float64. The logits are each model's own Logits to float32's precision
// of each weight (a relative 6e-8): every class sums the same products in the same
// order.
type Stack struct {
	k int // the models' classes in all
	w []float32
}

// NewStack interleaves the weights of models, which must have been checked (Check)
// and have the same features.
func NewStack(models ...*Model) (*Stack, error) {
	if len(models) == 0 {
		return nil, fmt.Errorf("layer: a stack of no models")
	}
	s := &Stack{}
	for _, m := range models {
		if m.byFeature == nil {
			return nil, fmt.Errorf("layer: NewStack before Check")
		}
		if m.Dim() != models[0].Dim() {
			return nil, fmt.Errorf("layer: models of %d and %d features cannot share a pass", models[0].Dim(), m.Dim())
		}
		s.k += len(m.Classes)
	}
	d := models[0].Dim()
	s.w = make([]float32, d*s.k)
	for j := range d {
		at := j * s.k
		for _, m := range models {
			n := len(m.Classes)
			for _, w := range m.byFeature[j*n : j*n+n] {
				s.w[at] = float32(w)
				at++
			}
		}
	}
	return s, nil
}

// Width is the number of class scores a Stack sums: all its models' classes.
func (s *Stack) Width() int { return s.k }

// AddRow adds feature j's weights, at value 1, to sums (Width long: the first
// model's classes, then the next's). A caller that meets the same group of
// features again and again (a word's) sums their rows once and passes the sum to
// LogitsFrom.
func (s *Stack) AddRow(sums []float64, j int32) {
	k := s.k
	for c, w := range s.w[int(j)*k : int(j)*k+k] {
		sums[c] += float64(w)
	}
}

// Weights is every feature's row (Width floats each, feature j's at j*Width), for
// reading only.
func (s *Stack) Weights() []float32 { return s.w }

// Row is feature j's weights (Width long, in AddRow's order), for reading only.
func (s *Stack) Row(j int32) []float32 {
	k := s.k
	return s.w[int(j)*k : int(j)*k+k : int(j)*k+k]
}

// Logits writes every model's class scores of x into out (Width long: the first
// model's, then the next's).
func (s *Stack) Logits(x []Feature, out []float64) {
	s.LogitsFrom(nil, x, out)
}

// LogitsFrom is Logits with sums (Width long, from AddRow; nil for none) added:
// the class scores of x and of the features whose rows they hold.
func (s *Stack) LogitsFrom(sums []float64, x []Feature, out []float64) {
	switch s.k {
	case 10:
		s.logits10(sums, x, out)
		return
	case 23:
		s.logits23(sums, x, out)
		return
	}
	k := s.k
	out = out[:k]
	if sums != nil {
		copy(out, sums[:k])
	} else {
		clear(out)
	}
	for _, f := range x {
		ws := s.w[int(f.Index)*k : int(f.Index)*k+k]
		for c, w := range ws {
			out[c] += float64(w) * f.Value
		}
	}
}

// logits10 is LogitsFrom for ten classes in all (the shipped sentiment and intent
// models without theme heads) with the ten sums in registers: the same products
// added in the same order.
func (s *Stack) logits10(sums []float64, x []Feature, out []float64) {
	var a0, a1, a2, b0, b1, b2, b3, b4, b5, b6 float64
	if sums != nil {
		s := sums[:10:10]
		a0, a1, a2, b0, b1, b2, b3, b4, b5, b6 = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9]
	}
	w := s.w
	for _, f := range x {
		i := int(f.Index) * 10
		ws := w[i : i+10 : i+10]
		v := f.Value
		a0 += float64(ws[0]) * v
		a1 += float64(ws[1]) * v
		a2 += float64(ws[2]) * v
		b0 += float64(ws[3]) * v
		b1 += float64(ws[4]) * v
		b2 += float64(ws[5]) * v
		b3 += float64(ws[6]) * v
		b4 += float64(ws[7]) * v
		b5 += float64(ws[8]) * v
		b6 += float64(ws[9]) * v
	}
	out = out[:10:10]
	out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8], out[9] = a0, a1, a2, b0, b1, b2, b3, b4, b5, b6
}

// logits23 is LogitsFrom for 23 classes in all (the shipped models with the theme
// heads of the default taxonomy's thirteen themes), on fixed-size arrays so the
// loop runs without bounds checks: the same products added in the same order.
func (s *Stack) logits23(sums []float64, x []Feature, out []float64) {
	o := (*[23]float64)(out)
	if sums != nil {
		*o = *(*[23]float64)(sums)
	} else {
		*o = [23]float64{}
	}
	w := s.w
	// (the 23 classes written out: a loop over them cost a third more instructions)
	for _, f := range x {
		ws := (*[23]float32)(w[int(f.Index)*23:])
		v := f.Value
		o[0] += float64(ws[0]) * v
		o[1] += float64(ws[1]) * v
		o[2] += float64(ws[2]) * v
		o[3] += float64(ws[3]) * v
		o[4] += float64(ws[4]) * v
		o[5] += float64(ws[5]) * v
		o[6] += float64(ws[6]) * v
		o[7] += float64(ws[7]) * v
		o[8] += float64(ws[8]) * v
		o[9] += float64(ws[9]) * v
		o[10] += float64(ws[10]) * v
		o[11] += float64(ws[11]) * v
		o[12] += float64(ws[12]) * v
		o[13] += float64(ws[13]) * v
		o[14] += float64(ws[14]) * v
		o[15] += float64(ws[15]) * v
		o[16] += float64(ws[16]) * v
		o[17] += float64(ws[17]) * v
		o[18] += float64(ws[18]) * v
		o[19] += float64(ws[19]) * v
		o[20] += float64(ws[20]) * v
		o[21] += float64(ws[21]) * v
		o[22] += float64(ws[22]) * v
	}
}

// Argmax is the index of the largest value, the first of equals.
func Argmax(v []float64) int {
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
	return Argmax(out)
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
		Classes     []string          `json:"classes"`
		Names       []string          `json:"dense"`
		HashBits    int               `json:"hash_bits"`
		Independent bool              `json:"independent,omitempty"`
		W           []json.RawMessage `json:"weights"`
	}
	p := plain{Classes: m.Classes, Names: m.Names, HashBits: m.HashBits, Independent: m.Independent}
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
