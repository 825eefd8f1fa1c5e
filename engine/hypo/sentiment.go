package hypo

import (
	"math"

	"github.com/cascade-research/cascade/engine"
)

type sentimentExtreme struct {
	series       string
	below, above float64
}

// Sentiment proxy constants; see doc.go.
const (
	proxyRankDays = 365 // trailing window of each component's percentile rank
	proxyMinRank  = 90  // fewest finite past values a rank needs
	proxyMinComp  = 2   // fewest components the proxy needs
)

// ProxySource describes the sentiment proxy in results.
const ProxySource = "proxy: mean percentile rank (365d, daily) of 30d momentum, -30d realised vol, 7d mean funding, 30d/365d volume"

func (s sentimentExtreme) Fire(env *Env) (*Fired, error) {
	g := env.Grid
	n := g.Len()
	val, src := env.sentiment(s.series)
	on := make([]bool, n)
	for i, v := range val {
		on[i] = v <= s.below || v >= s.above
	}
	return &Fired{Name: "sentiment_extreme", On: on, Source: src, Features: []string{"value"},
		Values: func(i int, dst []float64) { dst[0] = val[i] }}, nil
}

// sentiment returns the per-step sentiment value (0–100) and its source:
// the recorded series when the grid has it with at least one finite value,
// the market-data proxy otherwise.
func (env *Env) sentiment(name string) ([]float64, string) {
	g := env.Grid
	if s, ok := g.Series[name]; ok && len(s) == g.Len() {
		for _, v := range s {
			if !math.IsNaN(v) {
				return s, "series " + name
			}
		}
	}
	return env.proxy(), ProxySource + " (series " + name + " absent)"
}

// proxy computes the sentiment proxy per step from past data only: the
// value computed at the end of UTC day d holds for every step of day d+1.
func (env *Env) proxy() []float64 {
	return cached(env, "proxy", func() []float64 {
		g := env.Grid
		n := g.Len()
		// Daily rows.
		var dayOf []int // step -> day index
		var last []int  // day -> last step
		var qv []float64
		cur := engine.Nanos(math.MinInt64)
		for i := range n {
			d := floorDiv(g.Time(i), engine.Day)
			if d != cur {
				cur = d
				last = append(last, i)
				qv = append(qv, 0)
			}
			k := len(last) - 1
			last[k] = i
			if v := g.Volume[i] * g.Close[i]; !math.IsNaN(v) {
				qv[k] += v
			}
			dayOf = append(dayOf, k)
		}
		nd := len(last)
		closeD := make([]float64, nd)
		for d, i := range last {
			closeD[d] = g.Close[i]
		}
		nan := math.NaN()
		comp := make([][]float64, 4)
		for c := range comp {
			comp[c] = make([]float64, nd)
			for d := range comp[c] {
				comp[c][d] = nan
			}
		}
		sets := env.settlements()
		lo, hi := 0, 0
		for d := range nd {
			if d >= 30 {
				comp[0][d], comp[1][d] = momentumVol(closeD, d)
			}
			// 7-day mean of settled funding, settlements in (end−7d, end].
			end := g.Time(last[d]) + g.Step
			for hi < len(sets) && g.Time(sets[hi]) < end {
				hi++
			}
			for lo < hi && g.Time(sets[lo]) < end-7*engine.Day {
				lo++
			}
			if hi > lo {
				var f float64
				for _, j := range sets[lo:hi] {
					f += g.Funding[j]
				}
				comp[2][d] = f / float64(hi-lo)
			}
			if d >= proxyMinRank-1 {
				if r, ok := volumeRatio(qv, d); ok {
					comp[3][d] = r
				}
			}
		}
		daily := make([]float64, nd)
		for d := range nd {
			var sum float64
			cnt := 0
			for c := range comp {
				if r := trailingRank(comp[c], d); !math.IsNaN(r) {
					sum += r
					cnt++
				}
			}
			daily[d] = nan
			if cnt >= proxyMinComp {
				daily[d] = sum / float64(cnt)
			}
		}
		out := make([]float64, n)
		for i := range n {
			out[i] = nan
			if d := dayOf[i]; d > 0 {
				out[i] = daily[d-1]
			}
		}
		return out
	})
}

// trailingRank is the percentile rank (0–100, ties at mid-rank) of x[d]
// among the finite x[d−364..d]; NaN if x[d] is NaN or fewer than
// proxyMinRank values are finite.
func trailingRank(x []float64, d int) float64 {
	v := x[d]
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return math.NaN()
	}
	var less, eq, cnt int
	for k := max(0, d-proxyRankDays+1); k <= d; k++ {
		w := x[k]
		if math.IsNaN(w) || math.IsInf(w, 0) {
			continue
		}
		cnt++
		if w < v {
			less++
		} else if w == v {
			eq++
		}
	}
	if cnt < proxyMinRank {
		return math.NaN()
	}
	return 100 * (float64(less) + 0.5*float64(eq-1)) / float64(cnt-1)
}

// volumeRatio is the proxy's volume component at day d (>= 29): the mean
// daily quote volume of the last 30 days over that of the last
// proxyRankDays (fewer at the start); ok is false without volume.
func volumeRatio(qv []float64, d int) (float64, bool) {
	var a, b float64
	for k := d - 29; k <= d; k++ {
		a += qv[k]
	}
	from := max(0, d-proxyRankDays+1)
	for k := from; k <= d; k++ {
		b += qv[k]
	}
	if b > 0 {
		return (a / 30) / (b / float64(d-from+1)), true
	}
	return 0, false
}

// momentumVol is the proxy's momentum and (negated) volatility components
// at day d (>= 30): the 30-day return and minus the sample standard
// deviation of the last 30 daily log returns.
func momentumVol(closeD []float64, d int) (momentum, negVol float64) {
	var m, ss float64
	for k := d - 29; k <= d; k++ {
		m += math.Log(closeD[k] / closeD[k-1])
	}
	m /= 30
	for k := d - 29; k <= d; k++ {
		r := math.Log(closeD[k]/closeD[k-1]) - m
		ss += r * r
	}
	return closeD[d]/closeD[d-30] - 1, -math.Sqrt(ss / 29)
}
