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

// TestStackIsEachModel: a stack's logits are each model's own, to float32's
// precision of each weight, for the shape without theme heads (3 and 7 classes,
// its own loop), the shape with them (23, its own loop) and others.
func TestStackIsEachModel(t *testing.T) {
	names := []string{"bias", "a", "b"}
	r := rand.New(rand.NewPCG(1, 2))
	for _, shape := range [][]int{{3, 7}, {2, 4}, {3, 7, 13}, {5}} {
		var ms []*Model
		for _, k := range shape {
			ms = append(ms, randomModel(t, r, k, names, 6))
		}
		s, err := NewStack(ms...)
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			var x []Feature
			for range r.IntN(40) {
				x = append(x, Feature{Index: int32(r.IntN(ms[0].Dim())), Value: r.Float64()*2 - 1})
			}
			var want, bound []float64
			for _, m := range ms {
				out := make([]float64, len(m.Classes))
				m.Logits(x, out)
				want = append(want, out...)
				for c := range m.Classes {
					b := 0.0
					for _, f := range x {
						b += math.Abs(m.W[c][f.Index] * f.Value)
					}
					bound = append(bound, b)
				}
			}
			got := make([]float64, s.Width())
			s.Logits(x, got)
			for c := range want {
				// each weight within 2^-24 of its own value, each product summed alike
				if math.Abs(got[c]-want[c]) > 0x1p-24*bound[c]+1e-12 {
					t.Fatalf("shape %v: class %d: stack %v, models %v", shape, c, got[c], want[c])
				}
			}
		}
	}
	if _, err := NewStack(randomModel(t, r, 3, names, 6), randomModel(t, r, 7, names, 5)); err == nil {
		t.Error("NewStack accepts models of different features")
	}
	if _, err := NewStack(); err == nil {
		t.Error("NewStack accepts no models")
	}
}

// TestTrainIndependent: each label is learned on its own, from the rows that carry
// it, whatever the other labels do; the file keeps the model independent.
func TestTrainIndependent(t *testing.T) {
	names := []string{"bias", "x", "y"}
	r := rand.New(rand.NewPCG(3, 4))
	var x [][]Feature
	var labels [][2]bool
	for range 400 {
		a, b := r.IntN(2) == 1, r.IntN(2) == 1
		row := []Feature{{Index: 0, Value: 1}}
		if a {
			row = append(row, Feature{Index: 1, Value: 1})
		}
		if b {
			row = append(row, Feature{Index: 2, Value: 1})
		}
		x = append(x, row)
		labels = append(labels, [2]bool{a, a && b}) // "x" is x; "both" needs x and y
	}
	m, err := TrainIndependent([]string{"x", "both"}, names, 0, x, func(i, k int) bool { return labels[i][k] }, Options{L2Dense: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, 2)
	for _, tc := range []struct {
		row      []Feature
		x, both  bool
		describe string
	}{
		{[]Feature{{0, 1}}, false, false, "neither"},
		{[]Feature{{0, 1}, {1, 1}}, true, false, "x alone"},
		{[]Feature{{0, 1}, {2, 1}}, false, false, "y alone"},
		{[]Feature{{0, 1}, {1, 1}, {2, 1}}, true, true, "x and y"},
	} {
		m.Probs(tc.row, p)
		if (p[0] >= 0.5) != tc.x || (p[1] >= 0.5) != tc.both {
			t.Errorf("%s: probabilities %v, want x %v both %v", tc.describe, p, tc.x, tc.both)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Model
	if err := json.Unmarshal(b, &back); err != nil || !back.Independent {
		t.Fatalf("read back: independent %v, err %v", back.Independent, err)
	}
	if _, err := TrainIndependent([]string{"x"}, names, 0, nil, func(int, int) bool { return false }, Options{}); err == nil {
		t.Error("TrainIndependent accepts no rows")
	}
}

// rowsStd is Rows read by encoding/json alone.
func rowsStd(b []byte) ([][]float64, error) {
	var std [][]float64
	err := json.Unmarshal(b, &std)
	return std, err
}

// TestRowsReadAsEncodingJSONReadsThem: the weights' own scanner gives what
// encoding/json gives, and refuses (to encoding/json, whose error it returns)
// what that refuses.
func TestRowsReadAsEncodingJSONReadsThem(t *testing.T) {
	for _, tt := range []struct {
		in   string
		fast bool // read by the scanner itself
	}{
		{`[]`, true},
		{`[[]]`, true},
		{`[[1,2,3],[-0.5,1e-7,-2.5E+3]]`, true},
		{" [ [ 1 , 2 ]\n,\t[ 0 ] ] ", true},
		{`[[0.000123,-0,0e0,123456789012345678901234567890]]`, true},
		{`null`, false},
		{`[[01]]`, false},
		{`[[+1]]`, false},
		{`[[1.]]`, false},
		{`[[.5]]`, false},
		{`[[1e]]`, false},
		{`[[1,]]`, false},
		{`[[1]`, false},
		{`[[1]]x`, false},
		{`[["1"]]`, false},
		{`[[1e999]]`, false},
		{`[[Infinity]]`, false},
		{`[[0x10]]`, false},
		{`[[1_000]]`, false},
		{`[1]`, false},
	} {
		_, fast := parseRows([]byte(tt.in))
		if fast != tt.fast {
			t.Errorf("%q: read by the scanner %v, want %v", tt.in, fast, tt.fast)
		}
		var got Rows
		err := json.Unmarshal([]byte(`{"w":`+tt.in+`}`), &struct {
			W *Rows `json:"w"`
		}{&got})
		want, wantErr := rowsStd([]byte(tt.in))
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%q: error %v, encoding/json's %v", tt.in, err, wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual([][]float64(got), want) {
			t.Errorf("%q: %v, encoding/json reads %v", tt.in, got, want)
		}
	}
}

func FuzzRows(f *testing.F) {
	for _, s := range []string{`[[1,2],[3]]`, ` [ [ -0.5e3 ] ] `, `[[01]]`, `[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got Rows
		err := got.UnmarshalJSON([]byte(s))
		want, wantErr := rowsStd([]byte(s))
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", s, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual([][]float64(got), want) {
			t.Fatalf("%q: %v, encoding/json reads %v", s, got, want)
		}
	})
}
