package stats

import (
	"math"
	"testing"
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
