package layer

import (
	"errors"
	"fmt"
	"math"
)

// Options are the regularisation and weighting of a training run.
type Options struct {
	// L2Dense and L2Hash are the L2 penalties on the dense (named) features' and
	// the hashed features' weights; the bias (dense feature 0) is not penalised.
	L2Dense, L2Hash float64
	// Balanced weighs each class's rows by N / (classes × rows of the class), so a
	// rare class counts as much as a common one (macro-F1 is the figure).
	Balanced bool
	// MaxIter bounds the L-BFGS iterations (0: 500).
	MaxIter int
}

// penalty is the L2 penalty on weight j of a model with nd dense features: none on
// the bias (feature 0), L2Dense on the other dense ones, L2Hash on the hashed.
func (o Options) penalty(j, nd int) float64 {
	switch {
	case j == 0:
		return 0
	case j < nd:
		return o.L2Dense
	}
	return o.L2Hash
}

// penalties is penalty(j, nd) for each of d weights (a table: the gradient's
// penalty pass reads it for every weight of every evaluation).
func (o Options) penalties(d, nd int) []float64 {
	p := make([]float64, d)
	for j := range p {
		p[j] = o.penalty(j, nd)
	}
	return p
}

// iters is the L-BFGS iteration bound: MaxIter, 500 when it is 0.
func (o Options) iters() int {
	if o.MaxIter == 0 {
		return 500
	}
	return o.MaxIter
}

// Train fits a model to the rows x (sparse features built with names and hashBits)
// with labels y (indices into classes): mean (weighted) cross-entropy plus the L2
// penalties, minimised by L-BFGS from zero weights. It is deterministic: it uses no
// randomness and sums in row order.
func Train(classes, names []string, hashBits int, x [][]Feature, y []int, o Options) (*Model, error) {
	if len(x) != len(y) || len(x) == 0 {
		return nil, errors.New("layer: no rows, or rows and labels differ in number")
	}
	m := &Model{Classes: classes, Names: names, HashBits: hashBits}
	k, d := len(classes), m.Dim()
	weight := make([]float64, k)
	count := make([]float64, k)
	for _, c := range y {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("layer: label %d out of range", c)
		}
		count[c]++
	}
	for c := range weight {
		weight[c] = 1
		if o.Balanced && count[c] > 0 {
			weight[c] = float64(len(y)) / (float64(k) * count[c])
		}
	}
	pen := o.penalties(d, len(names))
	n := float64(len(y))
	z := make([]float64, k)
	grad := func(g, w []float64) float64 {
		for i := range g {
			g[i] = 0
		}
		loss := 0.0
		for i, row := range x {
			scores(z, w, d, row)
			top := math.Inf(-1)
			for _, s := range z {
				top = max(top, s)
			}
			sum := 0.0
			for c := range k {
				z[c] = math.Exp(z[c] - top)
				sum += z[c]
			}
			wt := weight[y[i]] / n
			loss -= wt * math.Log(z[y[i]]/sum)
			if g != nil {
				for c := range k {
					p := z[c] / sum
					if c == y[i] {
						p--
					}
					z[c] = wt * p // (the product as wt * p * f.Value computed it)
				}
				addScaled(g, z, d, row)
			}
		}
		for c := range k {
			wc := w[c*d : (c+1)*d]
			for j, wj := range wc {
				if wj == 0 {
					continue
				}
				l := pen[j]
				loss += 0.5 * l * wj * wj
				if g != nil {
					g[c*d+j] += l * wj
				}
			}
		}
		return loss
	}
	w := lbfgs(grad, k*d, o.iters())
	for c := range k {
		m.W = append(m.W, append([]float64(nil), w[c*d:(c+1)*d]...))
	}
	m.Round()
	return m, m.Check(names, hashBits)
}

// TrainIndependent fits an Independent model: for each of labels, a binary
// logistic regression over the same rows, whose class row holds the log odds of
// the label: mean (weighted) log loss plus the L2 penalties, minimised by L-BFGS
// from zero weights. has reports whether row i carries label k. Balanced weighs a
// label's present and absent rows to count alike. Deterministic as Train is.
func TrainIndependent(labels, names []string, hashBits int, x [][]Feature, has func(i, k int) bool, o Options) (*Model, error) {
	if len(x) == 0 {
		return nil, errors.New("layer: no rows")
	}
	m := &Model{Classes: labels, Names: names, HashBits: hashBits, Independent: true}
	d, n := m.Dim(), float64(len(x))
	pen := o.penalties(d, len(names))
	y := make([]bool, len(x))
	for k := range labels {
		pos := 0.0
		for i := range x {
			y[i] = has(i, k)
			if y[i] {
				pos++
			}
		}
		wPos, wNeg := 1.0, 1.0
		if o.Balanced && pos > 0 && pos < n {
			wPos, wNeg = n/(2*pos), n/(2*(n-pos))
		}
		grad := func(g, w []float64) float64 {
			clear(g)
			loss := 0.0
			for i, row := range x {
				z := 0.0
				for _, f := range row {
					z += w[f.Index] * f.Value
				}
				// the log loss, -log p(present) = log(1 + e^-z) for a present label
				// and log(1 + e^z) for an absent one
				wt, target := wNeg/n, 0.0
				if y[i] {
					wt, target = wPos/n, 1
				}
				loss += wt * softplus(z*(1-2*target))
				if g == nil {
					continue
				}
				r := wt * (Logistic(z) - target)
				for _, f := range row {
					g[f.Index] += r * f.Value
				}
			}
			for j, wj := range w {
				if wj == 0 {
					continue
				}
				l := pen[j]
				loss += 0.5 * l * wj * wj
				if g != nil {
					g[j] += l * wj
				}
			}
			return loss
		}
		m.W = append(m.W, lbfgs(grad, d, o.iters()))
	}
	m.Round()
	return m, m.Check(names, hashBits)
}

// scores sets z[c] to the score of row under class c's weights (w[c*d:(c+1)*d]),
// each summed in the row's order. Classes go two at a time: each sum waits on its
// previous addition, and two of them side by side take the time of one.
func scores(z, w []float64, d int, row []Feature) {
	c := 0
	for ; c+1 < len(z); c += 2 {
		w0, w1 := w[c*d:(c+1)*d], w[(c+1)*d:(c+2)*d]
		s0, s1 := 0.0, 0.0
		for _, f := range row {
			s0 += w0[f.Index] * f.Value
			s1 += w1[f.Index] * f.Value
		}
		z[c], z[c+1] = s0, s1
	}
	if c < len(z) {
		wc, s := w[c*d:(c+1)*d], 0.0
		for _, f := range row {
			s += wc[f.Index] * f.Value
		}
		z[c] = s
	}
}

// addScaled adds r[c] times row to class c's gradient (g[c*d:(c+1)*d]), in the
// row's order, two classes at a time as scores does.
func addScaled(g, r []float64, d int, row []Feature) {
	c := 0
	for ; c+1 < len(r); c += 2 {
		g0, g1, r0, r1 := g[c*d:(c+1)*d], g[(c+1)*d:(c+2)*d], r[c], r[c+1]
		for _, f := range row {
			g0[f.Index] += r0 * f.Value
			g1[f.Index] += r1 * f.Value
		}
	}
	if c < len(r) {
		gc, rc := g[c*d:(c+1)*d], r[c]
		for _, f := range row {
			gc[f.Index] += rc * f.Value
		}
	}
}

// softplus is log(1 + e^z), computed without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// lbfgs minimises a smooth convex function f (f(g, w) returns the value at w and,
// when g is not nil, writes the gradient into g) from w = 0 by limited-memory BFGS
// with a backtracking (Armijo) line search. It is written here rather than taken
// from gonum/optimize to keep the dependency set as it is; it is deterministic.
func lbfgs(f func(g, w []float64) float64, n, iters int) []float64 {
	const mem = 10
	w, g := make([]float64, n), make([]float64, n)
	fx := f(g, w)
	var ss, ys, spare [][]float64
	var rho []float64
	dir, wNew, gNew := make([]float64, n), make([]float64, n), make([]float64, n)
	alpha := make([]float64, mem)
	for it := 0; it < iters; it++ {
		if norm(g) < 1e-7 {
			break
		}
		// Two-loop recursion: dir = -H g.
		copy(dir, g)
		for i := len(ss) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(ss[i], dir)
			axpy(-alpha[i], ys[i], dir)
		}
		if l := len(ss); l > 0 {
			scale(dot(ss[l-1], ys[l-1])/dot(ys[l-1], ys[l-1]), dir)
		} else {
			scale(1/math.Max(1, norm(g)), dir)
		}
		for i := range ss {
			beta := rho[i] * dot(ys[i], dir)
			axpy(alpha[i]-beta, ss[i], dir)
		}
		scale(-1, dir)
		slope := dot(g, dir)
		if slope >= 0 { // not a descent direction: restart from the gradient
			ss, ys, rho = ss[:0], ys[:0], rho[:0]
			copy(dir, g)
			scale(-1/math.Max(1, norm(g)), dir)
			slope = dot(g, dir)
		}
		step, fNew := 1.0, 0.0
		for try := 0; ; try++ {
			copy(wNew, w)
			axpy(step, dir, wNew)
			fNew = f(gNew, wNew)
			if fNew <= fx+1e-4*step*slope || try == 40 {
				break
			}
			step /= 2
		}
		if fx-fNew <= 1e-12*math.Max(1, math.Abs(fx)) {
			copy(w, wNew)
			break
		}
		// (the pair the memory drops next, or last round's unkept one, is
		// written over: a new pair each round allocated 2n floats a round)
		var s, y []float64
		if len(spare) > 0 {
			s, y, spare = spare[len(spare)-2], spare[len(spare)-1], spare[:len(spare)-2]
		} else {
			s, y = make([]float64, n), make([]float64, n)
		}
		for i := range s {
			s[i], y[i] = wNew[i]-w[i], gNew[i]-g[i]
		}
		copy(w, wNew)
		copy(g, gNew)
		fx = fNew
		if sy := dot(s, y); sy > 1e-12 {
			if len(ss) == mem {
				spare = append(spare, ss[0], ys[0])
				ss, ys, rho = ss[1:], ys[1:], rho[1:]
			}
			ss, ys, rho = append(ss, s), append(ys, y), append(rho, 1/sy)
		} else {
			spare = append(spare, s, y)
		}
	}
	return w
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

func norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}
