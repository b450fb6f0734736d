package stats

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// KMeans clusters the rows of x (observations x features) into k groups after
// standardising each feature (z-scores), with k-means++ seeding from a fixed seed so
// results are reproducible. It returns each row's cluster and the centroids in the
// standardised space.
func KMeans(x *mat.Dense, k int, seed uint64) (labels []int, centroids *mat.Dense) {
	return KMeansRaw(Standardise(x), k, seed)
}

// KMeansRaw clusters the rows of z as they are (for vectors already on one scale,
// such as L2-normalised TF-IDF).
func KMeansRaw(z *mat.Dense, k int, seed uint64) (labels []int, centroids *mat.Dense) {
	n, d := z.Dims()
	if n == 0 || k <= 0 {
		return nil, nil
	}
	k = min(k, n)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	centroids = mat.NewDense(k, d, nil)
	// k-means++: the first centre at random, then proportional to squared distance.
	centroids.SetRow(0, z.RawRowView(rng.IntN(n)))
	dist := make([]float64, n)
	for c := 1; c < k; c++ {
		total := 0.0
		for i := range n {
			dist[i] = math.Inf(1)
			for j := range c {
				dist[i] = math.Min(dist[i], sqDist(z.RawRowView(i), centroids.RawRowView(j)))
			}
			total += dist[i]
		}
		pick, r := n-1, rng.Float64()*total
		for i := range n {
			if r -= dist[i]; r <= 0 {
				pick = i
				break
			}
		}
		centroids.SetRow(c, z.RawRowView(pick))
	}
	labels = make([]int, n)
	for iter := 0; iter < 100; iter++ {
		changed := false
		for i := range n {
			best, bestD := 0, math.Inf(1)
			for c := range k {
				if dd := sqDist(z.RawRowView(i), centroids.RawRowView(c)); dd < bestD {
					best, bestD = c, dd
				}
			}
			if labels[i] != best || iter == 0 {
				changed = changed || labels[i] != best
				labels[i] = best
			}
		}
		sums := mat.NewDense(k, d, nil)
		counts := make([]float64, k)
		for i := range n {
			c := labels[i]
			counts[c]++
			for j := range d {
				sums.Set(c, j, sums.At(c, j)+z.At(i, j))
			}
		}
		for c := range k {
			if counts[c] == 0 {
				continue // an empty cluster keeps its centre
			}
			for j := range d {
				centroids.Set(c, j, sums.At(c, j)/counts[c])
			}
		}
		if !changed && iter > 0 {
			break
		}
	}
	return labels, centroids
}

// Standardise returns x with each column scaled to mean 0 and standard deviation 1
// (a constant column becomes 0).
func Standardise(x *mat.Dense) *mat.Dense {
	n, d := x.Dims()
	z := mat.NewDense(n, d, nil)
	col := make([]float64, n)
	for j := range d {
		mat.Col(col, j, x)
		mean, sd := stat.MeanStdDev(col, nil)
		for i := range n {
			if sd > 1e-12 && !math.IsNaN(sd) {
				z.Set(i, j, (col[i]-mean)/sd)
			}
		}
	}
	return z
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}
