package emerging

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// kmeans clusters points, point i standing for weight[i] equal vectors, into at
// most k groups (k-means++ seeding from seed, then Lloyd's iterations, ties to the
// lower cluster), and returns each point's cluster and the clustering's cost: the
// weighted sum of squared distances to the centres. It reads the points in their
// order only, so equal input gives equal output.
func kmeans(pts [][]float64, weight []float64, k int, seed uint64) (labels []int, cost float64) {
	n := len(pts)
	if n == 0 || k <= 0 {
		return nil, 0
	}
	k = min(k, n)
	d := len(pts[0])
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	centres := make([][]float64, k)
	// k-means++: the first centre by weight, then by weight times squared distance.
	pick := func(p []float64) int {
		total := floats.Sum(p)
		r := rng.Float64() * total
		for i, v := range p {
			if r -= v; r < 0 {
				return i
			}
		}
		for i := n - 1; i >= 0; i-- {
			if p[i] > 0 {
				return i
			}
		}
		return n - 1
	}
	centres[0] = append([]float64(nil), pts[pick(weight)]...)
	dist := make([]float64, n)
	p := make([]float64, n)
	for i := range n {
		dist[i] = math.Inf(1)
	}
	for c := 1; c < k; c++ {
		for i, x := range pts {
			dist[i] = math.Min(dist[i], sqDist(x, centres[c-1]))
			p[i] = weight[i] * dist[i]
		}
		if floats.Sum(p) == 0 {
			k = c // (fewer distinct points than clusters)
			break
		}
		centres[c] = append([]float64(nil), pts[pick(p)]...)
	}
	centres = centres[:k]
	labels = make([]int, n)
	sums := make([]float64, k*d)
	counts := make([]float64, k)
	for iter := range 100 {
		changed := false
		for i, x := range pts {
			best, bestD := 0, math.Inf(1)
			for c, ctr := range centres {
				if dd := sqDist(x, ctr); dd < bestD {
					best, bestD = c, dd
				}
			}
			if labels[i] != best {
				labels[i], changed = best, true
			}
		}
		if !changed && iter > 0 {
			break
		}
		clear(sums)
		clear(counts)
		for i, x := range pts {
			c := labels[i]
			counts[c] += weight[i]
			floats.AddScaled(sums[c*d:(c+1)*d], weight[i], x)
		}
		for c := range centres {
			if counts[c] > 0 { // (an empty cluster keeps its centre)
				floats.ScaleTo(centres[c], 1/counts[c], sums[c*d:(c+1)*d])
			}
		}
	}
	for i, x := range pts {
		cost += weight[i] * sqDist(x, centres[labels[i]])
	}
	return labels, cost
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		e := v - b[i]
		s += e * e
	}
	return s
}
