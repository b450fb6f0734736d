// Package stats holds the satisfaction statistics feedbackbot reports: one-way ANOVA
// from per-group sums (so it runs on rollups, not raw messages), the Gini index of
// how concentrated complaints are, and exponential moving averages. Pure functions.
package stats

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"
)

// Group summarises one group's scores: count, sum and sum of squares.
type Group struct {
	Name  string
	N     float64
	Sum   float64
	SumSq float64
}

// ANOVA is the result of a one-way analysis of variance.
type ANOVA struct {
	F, P              float64
	DFBetween, DFWith int
	Groups            int
	// Significant is P < Alpha.
	Significant bool
}

// Alpha is the significance level the digest uses.
const Alpha = 0.05

// OneWayANOVA tests whether group means differ by more than chance. Groups with
// fewer than 2 observations are left out; ok is false when fewer than two groups
// remain or there is no variance within groups to compare against.
func OneWayANOVA(groups []Group) (ANOVA, bool) {
	var gs []Group
	for _, g := range groups {
		if g.N >= 2 {
			gs = append(gs, g)
		}
	}
	k := len(gs)
	if k < 2 {
		return ANOVA{}, false
	}
	var n, sum float64
	for _, g := range gs {
		n += g.N
		sum += g.Sum
	}
	grand := sum / n
	var ssb, ssw float64
	for _, g := range gs {
		mean := g.Sum / g.N
		ssb += g.N * (mean - grand) * (mean - grand)
		ssw += g.SumSq - g.N*mean*mean
	}
	dfb, dfw := k-1, int(n)-k
	if dfw <= 0 || ssw <= 1e-12 {
		return ANOVA{}, false
	}
	f := (ssb / float64(dfb)) / (ssw / float64(dfw))
	p := 1 - distuv.F{D1: float64(dfb), D2: float64(dfw)}.CDF(f)
	return ANOVA{F: f, P: p, DFBetween: dfb, DFWith: dfw, Groups: k, Significant: p < Alpha}, true
}

// Gini is the Gini index of non-negative values: 0 when spread evenly, towards 1
// when a few hold almost everything.
func Gini(values []float64) float64 {
	xs := slices.Clone(values)
	slices.Sort(xs)
	var total, weighted float64
	for i, x := range xs {
		total += x
		weighted += float64(i+1) * x
	}
	n := float64(len(xs))
	if n == 0 || total == 0 {
		return 0
	}
	return (2*weighted)/(n*total) - (n+1)/n
}

// TopShare is the share of the total held by the k largest values.
func TopShare(values []float64, k int) float64 {
	xs := slices.Clone(values)
	slices.SortFunc(xs, func(a, b float64) int { return cmp.Compare(b, a) })
	var top, total float64
	for i, x := range xs {
		total += x
		if i < k {
			top += x
		}
	}
	if total == 0 {
		return 0
	}
	return top / total
}

// EMA returns the exponential moving average of a series with smoothing alpha in
// (0, 1]; NaN entries (no data that step) carry the previous average forward.
func EMA(series []float64, alpha float64) []float64 {
	out := make([]float64, len(series))
	prev, started := 0.0, false
	for i, x := range series {
		switch {
		case math.IsNaN(x) && !started:
			out[i] = math.NaN()
			continue
		case math.IsNaN(x):
		case !started:
			prev, started = x, true
		default:
			prev = alpha*x + (1-alpha)*prev
		}
		out[i] = prev
	}
	return out
}

// Median is the median of xs (the mean of the middle two when their number is
// even); ok is false when xs is empty. It sorts xs in place.
func Median(xs []float64) (m float64, ok bool) {
	if len(xs) == 0 {
		return 0, false
	}
	slices.Sort(xs)
	m = xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	return m, true
}
