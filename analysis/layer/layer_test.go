package layer

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// toy is a three-class problem: dense feature 1 says class 0, feature 2 class 2,
// neither class 1; hashed feature 3 (bucket 0) also says class 2.
func toy() (names []string, x [][]Feature, y []int) {
	names = []string{"bias", "a", "b"}
	for i := range 60 {
		row := []Feature{{0, 1}}
		switch i % 3 {
		case 0:
			row = append(row, Feature{1, 1})
		case 2:
			row = append(row, Feature{2, 1}, Feature{3, 1})
		}
		x, y = append(x, row), append(y, i%3)
	}
	return names, x, y
}

func TestTrainLearnsAndIsDeterministic(t *testing.T) {
	names, x, y := toy()
	o := Options{L2Dense: 0.01, L2Hash: 0.1, Balanced: true}
	m, err := Train([]string{"a", "none", "b"}, names, 1, x, y, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(names, 1); err != nil {
		t.Fatal(err)
	}
	p := make([]float64, 3)
	for i, row := range x {
		if k := m.Probs(row, p); k != y[i] {
			t.Fatalf("row %d: class %d, want %d (probabilities %v)", i, k, y[i], p)
		}
		if s := p[0] + p[1] + p[2]; math.Abs(s-1) > 1e-12 {
			t.Fatalf("probabilities sum to %v", s)
		}
	}
	again, err := Train([]string{"a", "none", "b"}, names, 1, x, y, o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, again) {
		t.Error("two training runs on the same rows differ")
	}
}

func TestStrongerPenaltyShrinksWeights(t *testing.T) {
	names, x, y := toy()
	size := func(l2 float64) float64 {
		m, err := Train([]string{"a", "none", "b"}, names, 1, x, y, Options{L2Dense: l2, L2Hash: l2})
		if err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for _, row := range m.W {
			for _, w := range row[1:] {
				s += w * w
			}
		}
		return s
	}
	if weak, strong := size(0.001), size(1); strong >= weak {
		t.Errorf("L2 1 leaves weights of squared size %v, L2 0.001 %v", strong, weak)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	names, x, y := toy()
	m, err := Train([]string{"a", "none", "b"}, names, 1, x, y, Options{L2Dense: 0.01, L2Hash: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Check(names, 1); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, &back) {
		t.Error("a model read back from its JSON differs from the trained one")
	}
	if err := back.Check([]string{"bias", "a", "c"}, 1); err == nil {
		t.Error("Check accepts a model built on other features")
	}
	if err := back.Check(names, 2); err == nil {
		t.Error("Check accepts a model of another hash size")
	}
}

// randomModel is a checked model of k classes over names and hashBits with
// pseudo-random weights.
func randomModel(t *testing.T, r *rand.Rand, k int, names []string, hashBits int) *Model {
	t.Helper()
	m := &Model{Names: names, HashBits: hashBits}
	for c := range k {
		m.Classes = append(m.Classes, string(rune('a'+c)))
		row := make([]float64, m.Dim())
		for j := range row {
			row[j] = r.NormFloat64()
		}
		m.W = append(m.W, row)
	}
	if err := m.Check(names, hashBits); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPairIsEachModel: a pair's logits are each model's own, bit for bit, for the
// shipped shape (3 and 7 classes, its own loop) and another.
func TestPairIsEachModel(t *testing.T) {
	names := []string{"bias", "a", "b"}
	r := rand.New(rand.NewPCG(1, 2))
	for _, shape := range [][2]int{{3, 7}, {2, 4}} {
		a, b := randomModel(t, r, shape[0], names, 6), randomModel(t, r, shape[1], names, 6)
		p, err := NewPair(a, b)
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			var x []Feature
			for range r.IntN(40) {
				x = append(x, Feature{Index: int32(r.IntN(a.Dim())), Value: r.Float64()*2 - 1})
			}
			wantA, wantB := make([]float64, shape[0]), make([]float64, shape[1])
			ka, kb := a.Logits(x, wantA), b.Logits(x, wantB)
			gotA, gotB := make([]float64, 8), make([]float64, 8)
			ga, gb := p.Logits(x, gotA, gotB)
			if ga != ka || gb != kb || !reflect.DeepEqual(gotA[:shape[0]], wantA) || !reflect.DeepEqual(gotB[:shape[1]], wantB) {
				t.Fatalf("shape %v: pair %d %v / %d %v, models %d %v / %d %v", shape, ga, gotA, gb, gotB, ka, wantA, kb, wantB)
			}
		}
	}
	if _, err := NewPair(randomModel(t, r, 3, names, 6), randomModel(t, r, 7, names, 5)); err == nil {
		t.Error("NewPair accepts models of different features")
	}
}
