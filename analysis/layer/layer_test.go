package layer

import (
	"encoding/json"
	"math"
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
