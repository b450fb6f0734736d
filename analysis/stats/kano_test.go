package stats

import (
	"math"
	"testing"
)

// TestKanoClass checks every cell of the Kano evaluation table.
func TestKanoClass(t *testing.T) {
	const (
		A = KanoAttractive
		O = KanoOneDimensional
		M = KanoMustBe
		I = KanoIndifferent
		R = KanoReverse
		Q = KanoQuestionable
	)
	// Rows: functional like, expect, neutral, live with, dislike; columns the same,
	// dysfunctional.
	table := [5][5]KanoCategory{
		{Q, A, A, A, O},
		{R, I, I, I, M},
		{R, I, I, I, M},
		{R, I, I, I, M},
		{R, R, R, R, Q},
	}
	for f := range 5 {
		for d := range 5 {
			if got := KanoClass(f+1, d+1); got != table[f][d] {
				t.Errorf("KanoClass(%d, %d) = %q, want %q", f+1, d+1, got, table[f][d])
			}
		}
	}
	for _, bad := range [][2]int{{0, 3}, {3, 6}, {-1, -1}} {
		if got := KanoClass(bad[0], bad[1]); got != "" {
			t.Errorf("KanoClass(%d, %d) = %q, want none", bad[0], bad[1], got)
		}
	}
}

func TestKanoTally(t *testing.T) {
	for _, tc := range []struct {
		name          string
		pairs         [][2]int
		want          KanoCategory
		better, worse float64
	}{
		{"none", nil, "", 0, 0},
		{"must-be", [][2]int{{KanoExpect, KanoDislike}, {KanoNeutral, KanoDislike}, {KanoLike, KanoLiveWith}}, KanoMustBe, 1.0 / 3, -2.0 / 3},
		{"a tie goes to must-be", [][2]int{{KanoLike, KanoNeutral}, {KanoNeutral, KanoDislike}}, KanoMustBe, 0.5, -0.5},
		{"one-dimensional over attractive", [][2]int{{KanoLike, KanoDislike}, {KanoLike, KanoNeutral}, {KanoLike, KanoDislike}}, KanoOneDimensional, 1, -2.0 / 3},
		{"indifferent", [][2]int{{KanoNeutral, KanoNeutral}, {KanoLiveWith, KanoNeutral}, {KanoLike, KanoExpect}}, KanoIndifferent, 1.0 / 3, 0},
		{"reverse and questionable left out of the coefficients", [][2]int{{KanoDislike, KanoLike}, {KanoDislike, KanoNeutral}, {KanoLike, KanoLike}}, KanoReverse, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var k KanoTally
			for _, p := range tc.pairs {
				k.Add(KanoClass(p[0], p[1]))
			}
			if k.Total() != len(tc.pairs) || k.Category() != tc.want || math.Abs(k.Better()-tc.better) > 1e-9 || math.Abs(k.Worse()-tc.worse) > 1e-9 {
				t.Errorf("%+v: total %d, category %q, better %.3f, worse %.3f; want %d, %q, %.3f, %.3f",
					k, k.Total(), k.Category(), k.Better(), k.Worse(), len(tc.pairs), tc.want, tc.better, tc.worse)
			}
		})
	}
}
