package stats

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func group(name string, xs ...float64) Group {
	g := Group{Name: name}
	for _, x := range xs {
		g.N++
		g.Sum += x
		g.SumSq += x * x
	}
	return g
}

func TestOneWayANOVA(t *testing.T) {
	// Textbook case: means 2, 5, 8; SSB 54, SSW 6, F(2, 6) = 27, p ~ 0.001.
	a, ok := OneWayANOVA([]Group{group("a", 1, 2, 3), group("b", 4, 5, 6), group("c", 7, 8, 9)})
	if !ok || math.Abs(a.F-27) > 1e-9 || a.DFBetween != 2 || a.DFWith != 6 || a.P > 0.002 || a.P < 0.0005 || !a.Significant {
		t.Fatalf("textbook ANOVA: %+v ok=%v", a, ok)
	}
	// Same distribution in every group: no significant difference.
	b, ok := OneWayANOVA([]Group{group("a", 0.1, -0.2, 0.3, 0.0), group("b", 0.2, -0.1, 0.1, 0.0), group("c", 0.0, 0.1, -0.1, 0.2)})
	if !ok || b.Significant || b.P < 0.3 {
		t.Fatalf("similar groups should not differ: %+v", b)
	}
	if _, ok := OneWayANOVA([]Group{group("a", 1, 2)}); ok {
		t.Fatal("one group cannot be compared")
	}
	if _, ok := OneWayANOVA([]Group{group("a", 1, 1), group("b", 2, 2)}); ok {
		t.Fatal("no within-group variance: no test")
	}
}

func TestGiniAndTopShare(t *testing.T) {
	tests := []struct {
		xs   []float64
		gini float64
	}{
		{[]float64{1, 1, 1, 1}, 0},
		{[]float64{0, 0, 0, 1}, 0.75},
		{nil, 0},
		{[]float64{0, 0}, 0},
	}
	for _, tt := range tests {
		if g := Gini(tt.xs); math.Abs(g-tt.gini) > 1e-9 {
			t.Errorf("Gini(%v) = %v, want %v", tt.xs, g, tt.gini)
		}
	}
	if s := TopShare([]float64{7, 1, 1, 1}, 1); math.Abs(s-0.7) > 1e-9 {
		t.Errorf("TopShare = %v", s)
	}
}

func TestEMA(t *testing.T) {
	nan := math.NaN()
	got := EMA([]float64{nan, 1, nan, 0}, 0.5)
	if !math.IsNaN(got[0]) || got[1] != 1 || got[2] != 1 || got[3] != 0.5 {
		t.Fatalf("EMA = %v", got)
	}
}

func TestKMeansSeparatesObviousGroups(t *testing.T) {
	rows := []float64{
		100, 0.5, // chatty, happy
		90, 0.6,
		95, 0.4,
		3, -0.7, // quiet, unhappy
		5, -0.6,
		4, -0.8,
	}
	x := mat.NewDense(6, 2, rows)
	labels, cents := KMeans(x, 2, 1)
	if labels[0] != labels[1] || labels[1] != labels[2] || labels[3] != labels[4] || labels[4] != labels[5] || labels[0] == labels[3] {
		t.Fatalf("labels %v", labels)
	}
	again, _ := KMeans(x, 2, 1)
	for i := range labels {
		if labels[i] != again[i] {
			t.Fatal("k-means must be deterministic for a seed")
		}
	}
	if r, _ := cents.Dims(); r != 2 {
		t.Fatalf("centroids %d", r)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{7}, 7, true},
		{[]float64{9, 1, 5}, 5, true},
		{[]float64{40, 10, 30, 20}, 25, true},
		{[]float64{3, 3, 1, 100}, 3, true},
	} {
		got, ok := Median(slices.Clone(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("Median(%v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
