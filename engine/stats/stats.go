package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// ErrTooFew reports a sample too small for the statistic.
var ErrTooFew = errors.New("too few observations")

// Interval is a two-sided confidence interval.
type Interval struct{ Lo, Hi float64 }

// Wilson returns the Wilson score interval for k successes in n trials at
// confidence 1-alpha.
func Wilson(k, n int, alpha float64) Interval {
	if n <= 0 {
		return Interval{math.NaN(), math.NaN()}
	}
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	p := float64(k) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / den
	h := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return Interval{math.Max(0, c-h), math.Min(1, c+h)}
}

// CohenD returns (mean(a) − mean(b)) / pooled standard deviation.
func CohenD(a, b []float64) float64 {
	if len(a) < 2 || len(b) < 2 {
		return math.NaN()
	}
	ma, va := stat.MeanVariance(a, nil)
	mb, vb := stat.MeanVariance(b, nil)
	na, nb := float64(len(a)), float64(len(b))
	sp := math.Sqrt(((na-1)*va + (nb-1)*vb) / (na + nb - 2))
	if sp == 0 {
		return math.NaN()
	}
	return (ma - mb) / sp
}

// BenjaminiHochberg returns the BH q-values (adjusted p-values controlling
// the false discovery rate) of ps, in the same order. NaN p-values stay NaN
// and do not count towards the family size.
func BenjaminiHochberg(ps []float64) []float64 {
	q := make([]float64, len(ps))
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		q[i] = math.NaN()
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	m := float64(len(idx))
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	prev := 1.0
	for r := len(idx) - 1; r >= 0; r-- {
		i := idx[r]
		v := math.Min(prev, ps[i]*m/float64(r+1))
		q[i] = v
		prev = v
	}
	return q
}

// Bonferroni returns min(1, p·m) for each p, with m the number of non-NaN
// p-values.
func Bonferroni(ps []float64) []float64 {
	m := 0
	for _, p := range ps {
		if !math.IsNaN(p) {
			m++
		}
	}
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = math.Min(1, p*float64(m))
	}
	return out
}

// StationaryIndices fills idx with one stationary-bootstrap resample of the
// indices 0..n-1: blocks start at uniform positions and have geometric
// lengths with mean meanBlock, wrapping around the end (Politis & Romano
// 1994). len(idx) is the resample size.
func StationaryIndices(r *rand.Rand, n int, meanBlock float64, idx []int) {
	if n == 0 {
		return
	}
	p := 1 / math.Max(1, meanBlock)
	j := r.IntN(n)
	for i := range idx {
		if i > 0 {
			if r.Float64() < p {
				j = r.IntN(n)
			} else {
				j++
				if j == n {
					j = 0
				}
			}
		}
		idx[i] = j
	}
}

// DiffResult is the outcome of a difference-of-means test.
type DiffResult struct {
	N, NBase     int      // event count; baseline count
	MeanEvent    float64  // mean outcome at events
	MeanBase     float64  // mean outcome over the baseline
	Diff         float64  // MeanEvent − MeanBase
	CI           Interval // stationary-bootstrap percentile interval of Diff
	P            float64  // two-sided bootstrap p-value of Diff = 0
	EffectSize   float64  // Cohen's d of event vs non-event outcomes
	BootstrapRep int
}

// DiffOfMeans tests whether the mean outcome at signal times differs from
// the mean over all eligible times. x holds the outcome at each eligible
// time (a regular grid, in time order; NaN = not eligible) and event marks
// the times where the signal fired. The time series is resampled jointly
// (x_t, event_t) with the stationary bootstrap, preserving the
// autocorrelation of both; the p-value comes from the bootstrap
// distribution recentred on zero (the null of no difference).
func DiffOfMeans(r *rand.Rand, x []float64, event []bool, meanBlock float64, reps int, alpha float64) (DiffResult, error) {
	var xs []float64
	var ev []bool
	for i, v := range x {
		if !math.IsNaN(v) {
			xs = append(xs, v)
			ev = append(ev, event[i])
		}
	}
	res := DiffResult{NBase: len(xs), BootstrapRep: reps}
	var evVals, nonVals []float64
	for i, v := range xs {
		if ev[i] {
			evVals = append(evVals, v)
		} else {
			nonVals = append(nonVals, v)
		}
	}
	res.N = len(evVals)
	if err := res.means(xs, evVals, nonVals); err != nil {
		return res, err
	}
	idx := make([]int, len(xs))
	diffs := make([]float64, 0, reps)
	for b := 0; b < reps; b++ {
		StationaryIndices(r, len(xs), meanBlock, idx)
		var se, sb float64
		var ne int
		for _, j := range idx {
			sb += xs[j]
			if ev[j] {
				se += xs[j]
				ne++
			}
		}
		if ne == 0 {
			continue
		}
		diffs = append(diffs, se/float64(ne)-sb/float64(len(idx)))
	}
	if len(diffs) < reps/2 {
		return res, ErrTooFew
	}
	res.CI, res.P = BootstrapTest(res.Diff, diffs, alpha)
	return res, nil
}

// means fills the point estimates of a difference test (event mean,
// baseline mean over all of xs, their difference, Cohen's d), or returns
// ErrTooFew with fewer than 2 events or 10 values.
func (res *DiffResult) means(xs, evVals, nonVals []float64) error {
	if len(evVals) < 2 || len(xs) < 10 {
		return ErrTooFew
	}
	res.MeanEvent = stat.Mean(evVals, nil)
	res.MeanBase = stat.Mean(xs, nil)
	res.Diff = res.MeanEvent - res.MeanBase
	res.EffectSize = CohenD(evVals, nonVals)
	return nil
}
