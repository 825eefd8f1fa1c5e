package hypo

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// ---- shared grid columns (cached per Env) ----

// settlements returns the steps with a funding settlement and a finite
// rate, ascending.
func (env *Env) settlements() []int {
	return cached(env, "settlements", func() []int {
		g := env.Grid
		var out []int
		for i, s := range g.FundingSettled {
			if s && i < len(g.Funding) && !math.IsNaN(g.Funding[i]) {
				out = append(out, i)
			}
		}
		return out
	})
}

// liqSeries is a per-step liquidation column and its prefix sums.
type liqSeries struct {
	prefix []float64 // prefix[i] = sum of steps < i
	source string
}

func (l liqSeries) sum(from, to int) float64 { return l.prefix[to+1] - l.prefix[from] } // steps from..to

func anyPositive(x []float64, n int) bool {
	if len(x) != n {
		return false
	}
	for _, v := range x {
		if v > 0 {
			return true
		}
	}
	return false
}

// longLiq returns the long-liquidation column a signal uses: the
// simulator's estimates, or the recorded liquidations when the estimates
// are all zero or absent.
func (env *Env) longLiq() liqSeries {
	return cached(env, "liq:long", func() liqSeries {
		g := env.Grid
		n := g.Len()
		col, src := g.EstLiqLong, "estimated liquidations"
		if !anyPositive(col, n) {
			col, src = g.RecLiqLong, "recorded liquidations (no estimates)"
			if !anyPositive(col, n) {
				col, src = nil, "no liquidation data"
			}
		}
		p := make([]float64, n+1)
		for i := 0; i < n && col != nil; i++ {
			v := col[i]
			if math.IsNaN(v) {
				v = 0
			}
			p[i+1] = p[i] + v
		}
		return liqSeries{prefix: p, source: src}
	})
}

// oiValue is the open-interest value (quote) at step i: OIValue, or OI ×
// Close when the value column is missing.
func oiValue(g *engine.Grid, i int) float64 {
	if i < len(g.OIValue) && !math.IsNaN(g.OIValue[i]) {
		return g.OIValue[i]
	}
	if i < len(g.OI) {
		return g.OI[i] * g.Close[i]
	}
	return math.NaN()
}

func change(a, b float64) float64 { return b/a - 1 }

// changes returns x[i]/x[i−w] − 1 per step (NaN for i < w) for the
// column "close" or "oi", cached: variants share their windows.
func (env *Env) changes(col string, w int) []float64 {
	return cached(env, fmt.Sprintf("chg:%s:%d", col, w), func() []float64 {
		x := env.Grid.Close
		if col == "oi" {
			x = env.Grid.OI
		}
		out := make([]float64, len(x))
		for i := range out {
			out[i] = math.NaN()
			if i >= w {
				out[i] = change(x[i-w], x[i])
			}
		}
		return out
	})
}

// ---- funding_overheat ----

type fundingOverheat struct {
	level, z float64
	window   time.Duration
	short    bool // crowded shorts: mirror image (funding <= -level, z <= -zscore)
}

// minZ is the fewest prior settlements a funding z-score needs.
const minZ = 10

func (s fundingOverheat) Fire(env *Env) (*Fired, error) {
	g := env.Grid
	idx := env.settlements()
	var zs []float64
	if s.z > 0 {
		zs = env.fundingZ(s.window)
	}
	on := make([]bool, g.Len())
	for k, i := range idx {
		f, z := g.Funding[i], math.NaN()
		if zs != nil {
			z = zs[k]
		}
		if s.short {
			f, z = -f, -z
		}
		if f >= s.level || (zs != nil && z >= s.z) {
			on[i] = true
		}
	}
	return &Fired{Name: "funding_overheat", On: on, Features: []string{"funding", "zscore"}, Values: func(i int, dst []float64) {
		dst[0] = g.Funding[i]
		dst[1] = math.NaN()
		if k := sort.SearchInts(idx, i); k < len(idx) && idx[k] == i {
			dst[1] = env.fundingZ(s.window)[k]
		}
	}}, nil
}

// fundingZ returns, per settlement (aligned with settlements()), the
// z-score of its rate against the settlements in [t−window, t): NaN with
// fewer than minZ of them or a standard deviation below 1e-12.
func (env *Env) fundingZ(window time.Duration) []float64 {
	return cached(env, "fz:"+FormatDuration(window), func() []float64 {
		g := env.Grid
		idx := env.settlements()
		out := make([]float64, len(idx))
		lo := 0
		for k, i := range idx {
			t := g.Time(i)
			for lo < k && g.Time(idx[lo]) < t-engine.Nanos(window) {
				lo++
			}
			out[k] = math.NaN()
			m := k - lo
			if m < minZ {
				continue
			}
			var mean float64
			for _, j := range idx[lo:k] {
				mean += g.Funding[j]
			}
			mean /= float64(m)
			var ss float64
			for _, j := range idx[lo:k] {
				d := g.Funding[j] - mean
				ss += d * d
			}
			sd := math.Sqrt(ss / float64(m-1))
			if sd < 1e-12 {
				continue
			}
			out[k] = (g.Funding[i] - mean) / sd
		}
		return out
	})
}

// ---- oi_divergence ----

type oiDivergence struct {
	window            time.Duration
	oiRise, priceFall float64
}

func (s oiDivergence) Fire(env *Env) (*Fired, error) {
	g := env.Grid
	n := g.Len()
	if len(g.OI) != n {
		return nil, fmt.Errorf("oi_divergence: grid has no open interest")
	}
	w := stepsOf(s.window, g.Step)
	oc, pc := env.changes("oi", w), env.changes("close", w)
	on := make([]bool, n)
	oc, pc = oc[:n], pc[:n]
	rise, fall := s.oiRise, -s.priceFall
	for i := range on {
		on[i] = oc[i] >= rise && pc[i] <= fall
	}
	return &Fired{Name: "oi_divergence", On: on, Features: []string{"oi_change", "price_change"}, Values: func(i int, dst []float64) {
		dst[0], dst[1] = oc[i], pc[i]
	}}, nil
}

// ---- deleveraging_flush ----

type delevFlush struct {
	window                      time.Duration
	priceDrop, oiDrop, liqShare float64
	breaker                     bool
}

// fundingReset is the funding level (per 8h) at or below which the
// circuit breaker counts funding as reset: 0.01%.
const fundingReset = 0.0001

func (s delevFlush) Fire(env *Env) (*Fired, error) {
	g := env.Grid
	n := g.Len()
	if len(g.OI) != n {
		return nil, fmt.Errorf("deleveraging_flush: grid has no open interest")
	}
	w := stepsOf(s.window, g.Step)
	liq := env.longLiq()
	on := make([]bool, n)
	pcs, ocs := env.changes("close", w), env.changes("oi", w)
	if !s.breaker {
		for i := w; i < n; i++ {
			if pcs[i] <= -s.priceDrop && ocs[i] <= -s.oiDrop && liq.sum(i-w+1, i) >= s.liqShare*oiValue(g, i-w) {
				on[i] = true
			}
		}
		return &Fired{Name: "deleveraging_flush", On: on, Source: liq.source,
			Features: []string{"price_change", "oi_change", "liq_long", "liq_share"}, Values: func(i int, dst []float64) {
				if i < w { // before the window is full (possible under Any): no features
					fillNaN(dst)
					return
				}
				dst[0] = change(g.Close[i-w], g.Close[i])
				dst[1] = change(g.OI[i-w], g.OI[i])
				dst[2] = liq.sum(i-w+1, i)
				dst[3] = dst[2] / oiValue(g, i-w)
			}}, nil
	}
	for i := 2 * w; i < n; i++ {
		oc := ocs[i]
		recent, prev := liq.sum(i-w+1, i), liq.sum(i-2*w+1, i-w)
		if oc < 0 && oc <= -s.oiDrop && g.Funding[i] <= fundingReset &&
			recent < 0.5*prev && prev >= s.liqShare*oiValue(g, i-2*w) {
			on[i] = true
		}
	}
	return &Fired{Name: "deleveraging_flush", On: on, Source: liq.source,
		Features: []string{"oi_change", "funding", "liq_recent", "liq_prev"}, Values: func(i int, dst []float64) {
			if i < 2*w { // before both windows are full (possible under Any): no features
				fillNaN(dst)
				return
			}
			dst[0] = change(g.OI[i-w], g.OI[i])
			dst[1] = g.Funding[i]
			dst[2] = liq.sum(i-w+1, i)
			dst[3] = liq.sum(i-2*w+1, i-w)
		}}, nil
}
