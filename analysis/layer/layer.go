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
	top := out[best]
	sum := 0.0
	for k := range m.W {
		out[k] = math.Exp(out[k] - top)
		sum += out[k]
	}
	for k := range m.W {
		out[k] /= sum
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
	best, top := 0, math.Inf(-1)
	for k, z := range out {
		if z > top {
			best, top = k, z
		}
	}
	return best
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
