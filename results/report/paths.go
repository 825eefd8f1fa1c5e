package report

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// closeGrid is the close on a regular grid: V[k] is the last close known
// at T0 + (k+1)·Step (bars without trades carry the previous close).
type closeGrid struct {
	T0   time.Time
	Step time.Duration
	V    []float64
}

// closes returns the close grid of market_bars (else of market_daily).
func closes(d *Data) (closeGrid, bool) {
	type tv struct {
		t time.Time
		v float64
	}
	var pts []tv
	var step time.Duration
	if len(d.Bars) > 0 {
		for _, b := range d.Bars {
			if s := time.Duration(b.IntervalS) * time.Second; s > 0 && (step == 0 || s < step) {
				step = s
			}
			pts = append(pts, tv{b.TS, b.Close})
		}
	} else {
		step = 24 * time.Hour
		for _, c := range d.Daily {
			pts = append(pts, tv{c.Day, c.Close})
		}
	}
	if len(pts) == 0 || step <= 0 {
		return closeGrid{}, false
	}
	g := closeGrid{T0: pts[0].t, Step: step}
	n := int(pts[len(pts)-1].t.Sub(g.T0)/step) + 1
	if n > 50_000_000 {
		return closeGrid{}, false
	}
	g.V = make([]float64, n)
	for i := range g.V {
		g.V[i] = math.NaN()
	}
	for _, p := range pts {
		if k := int(p.t.Sub(g.T0) / step); k >= 0 && k < n && !math.IsNaN(p.v) {
			g.V[k] = p.v
		}
	}
	for k := 1; k < n; k++ {
		if math.IsNaN(g.V[k]) {
			g.V[k] = g.V[k-1]
		}
	}
	return g, true
}

// anchor returns the index of the last close known at t, or -1.
func (g closeGrid) anchor(t time.Time) int {
	if t.Before(g.T0.Add(g.Step)) {
		return -1
	}
	return min(int(t.Sub(g.T0)/g.Step)-1, len(g.V)-1)
}

// ret returns V[k+j]/V[k] − 1, or NaN outside the grid.
func (g closeGrid) ret(k, j int) float64 {
	if k < 0 || k >= len(g.V) || k+j < 0 || k+j >= len(g.V) {
		return math.NaN()
	}
	return g.V[k+j]/g.V[k] - 1
}

// hypoPaths returns, for each hypothesis of the run, the mean cumulative
// return path around the events of its best variant (lowest q, then
// lowest p, then lowest variant), offsets −H..+H steps where H covers the
// longest horizon tested, with a 95% normal-approximation band, against
// the same offsets' mean over every grid step (the unconditional drift).
func hypoPaths(d *Data, opt Options) []HypoPath {
	out := []HypoPath{}
	g, ok := closes(d)
	baseCache := map[[2]int][]Float{}
	for _, rows := range groupBy(d.Results, func(r HypoResult) int64 { return r.Spec }) {
		best := slices.MinFunc(rows, func(a, b HypoResult) int {
			return cmp.Or(cmpNaNLast(a.Q, b.Q), cmpNaNLast(a.P, b.P), cmp.Compare(a.Variant, b.Variant))
		})
		hp := HypoPath{Spec: best.Spec, Hypothesis: best.Hypothesis, Variant: best.Variant, Params: best.Params, Side: best.Side, BestQ: Float(best.Q)}
		var events []time.Time
		for _, e := range d.Events {
			if e.Spec == best.Spec && e.Variant == best.Variant {
				events = append(events, e.TS)
			}
		}
		hp.Events = len(events)
		var horizon int64
		for _, r := range rows {
			horizon = max(horizon, r.HorizonS)
		}
		if !ok {
			hp.Note = "no market_bars or market_daily rows: no price path"
			out = append(out, hp)
			continue
		}
		h := max(int(math.Ceil(float64(time.Duration(horizon)*time.Second)/float64(g.Step))), 1)
		stride := max(1, (h+opt.MaxPathOffsets-1)/opt.MaxPathOffsets)
		h = (h + stride - 1) / stride // offsets per side
		hp.StepS = int64(g.Step/time.Second) * int64(stride)
		anchors := make([]int, 0, len(events))
		for _, t := range events {
			if k := g.anchor(t); k >= 0 && !math.IsNaN(g.V[k]) {
				anchors = append(anchors, k)
			}
		}
		if len(anchors) < len(events) {
			hp.Note = "some events fall before the first bar and are left out"
		}
		for i := -h; i <= h; i++ {
			j := i * stride
			var n int
			var mean, m2 float64
			for _, k := range anchors {
				r := g.ret(k, j)
				if math.IsNaN(r) {
					continue
				}
				n++
				dlt := r - mean
				mean += dlt / float64(n)
				m2 += dlt * (r - mean)
			}
			mu, lo, hi := math.NaN(), math.NaN(), math.NaN()
			if n > 0 {
				mu = mean
			}
			if n > 1 {
				se := math.Sqrt(m2/float64(n-1)) / math.Sqrt(float64(n))
				lo, hi = mean-1.96*se, mean+1.96*se
			}
			hp.Offsets = append(hp.Offsets, int64(j)*int64(g.Step/time.Second))
			hp.Mean, hp.Lo, hp.Hi, hp.N = append(hp.Mean, Float(mu)), append(hp.Lo, Float(lo)), append(hp.Hi, Float(hi)), append(hp.N, n)
		}
		key := [2]int{h, stride}
		if _, ok := baseCache[key]; !ok {
			baseCache[key] = baseline(g, h, stride)
		}
		hp.Base = baseCache[key]
		out = append(out, hp)
	}
	return out
}

// baseline returns, for offsets −h..h (times stride), the mean of
// V[k+j]/V[k] − 1 over every k where both are known.
func baseline(g closeGrid, h, stride int) []Float {
	out := make([]Float, 0, 2*h+1)
	for i := -h; i <= h; i++ {
		j := i * stride
		var sum float64
		var n int
		for k := max(0, -j); k < len(g.V) && k+j < len(g.V); k++ {
			if r := g.V[k+j]/g.V[k] - 1; !math.IsNaN(r) && !math.IsInf(r, 0) {
				sum += r
				n++
			}
		}
		v := math.NaN()
		if n > 0 {
			v = sum / float64(n)
		}
		out = append(out, Float(v))
	}
	return out
}

// hypoTable lists every hypothesis_results row, the surviving ones (q <
// alpha) first by q, the others in load order (spec, variant, horizon,
// sample).
func hypoTable(d *Data) []HypoRow {
	out := []HypoRow{}
	for _, r := range d.Results {
		out = append(out, HypoRow{Spec: r.Spec, Hypothesis: r.Hypothesis, Variant: r.Variant, Params: r.Params, Horizon: r.Horizon,
			Sample: r.Sample, N: r.N, Effect: Float(r.Effect), CILo: Float(r.CILo), CIHi: Float(r.CIHi), P: Float(r.P), Q: Float(r.Q),
			Surviving: r.Q < d.Alpha})
	}
	slices.SortStableFunc(out, func(a, b HypoRow) int {
		switch {
		case a.Surviving && b.Surviving:
			return cmp.Compare(a.Q, b.Q)
		case a.Surviving:
			return -1
		case b.Surviving:
			return 1
		}
		return 0
	})
	return out
}

// strategyViews returns one view per strategy variant, in (strategy,
// variant) order. At most MaxVariantCharts variants in all get their
// curves and fills: the best of each strategy by the Sharpe ratio (out of
// sample, else over all), then the second best of each, and so on.
func strategyViews(d *Data, opt Options) []StrategyView {
	type key struct {
		s string
		v int64
	}
	idx := map[key]int{}
	var views []StrategyView
	view := func(s string, v int64) *StrategyView {
		k := key{s, v}
		if i, ok := idx[k]; ok {
			return &views[i]
		}
		idx[k] = len(views)
		views = append(views, StrategyView{Strategy: s, Variant: v, Metrics: []MetricsRow{}})
		return &views[len(views)-1]
	}
	for _, m := range d.Metrics {
		sv := view(m.Strategy, m.Variant)
		sv.Params = m.Params
		sv.Metrics = append(sv.Metrics, MetricsRow{Sample: m.Sample, TotalReturn: Float(m.TotalReturn), CAGR: Float(m.CAGR),
			Volatility: Float(m.Volatility), Sharpe: Float(m.Sharpe), Sortino: Float(m.Sortino), MaxDrawdown: Float(m.MaxDrawdown),
			Calmar: Float(m.Calmar), WinRate: Float(m.WinRate), ProfitFactor: Float(m.ProfitFactor), Exposure: Float(m.Exposure),
			Turnover: Float(m.Turnover), Fees: Float(m.Fees), Funding: Float(m.Funding), Liquidations: m.Liquidations,
			Trades: m.Trades, Fills: m.Fills, PSR: Float(m.PSR), DSR: Float(m.DSR)})
	}
	for _, e := range d.Equity {
		view(e.Strategy, e.Variant)
	}
	for _, f := range d.Fills {
		view(f.Strategy, f.Variant)
	}
	slices.SortStableFunc(views, func(a, b StrategyView) int {
		return cmp.Or(cmp.Compare(a.Strategy, b.Strategy), cmp.Compare(a.Variant, b.Variant))
	})
	// Rank the variants of each strategy; chart the best of each strategy,
	// then the second best of each, and so on, up to MaxVariantCharts.
	var ranked [][]int // per strategy: indices into views, best first
	first := 0
	for _, group := range groupBy(views, func(v StrategyView) string { return v.Strategy }) {
		order := make([]int, len(group))
		for i := range order {
			order[i] = first + i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmpNaNLast(-rankSharpe(views[a]), -rankSharpe(views[b])) })
		ranked = append(ranked, order)
		first += len(group)
	}
	for budget, round := opt.MaxVariantCharts, 0; budget > 0; round++ {
		more := false
		for _, order := range ranked {
			if round < len(order) && budget > 0 {
				views[order[round]].Charted = true
				budget--
				more = true
			}
		}
		if !more {
			break
		}
	}
	for i := range views {
		sv := &views[i]
		if !sv.Charted {
			continue
		}
		var ts []time.Time
		var ev, dv []float64
		peak := math.Inf(-1)
		for _, e := range d.Equity {
			if e.Strategy != sv.Strategy || e.Variant != sv.Variant || math.IsNaN(e.Equity) {
				continue
			}
			peak = math.Max(peak, e.Equity)
			ts, ev = append(ts, e.TS), append(ev, e.Equity)
			dd := 0.0
			if peak > 0 {
				dd = e.Equity/peak - 1
			}
			dv = append(dv, dd)
		}
		sv.Equity, sv.Drawdown = envelope(ts, ev, opt.LinePoints), envelope(ts, dv, opt.LinePoints)
		var fills []Fill
		for _, f := range d.Fills {
			if f.Strategy == sv.Strategy && f.Variant == sv.Variant {
				fills = append(fills, f)
			}
		}
		sv.FillsTotal = len(fills)
		n := min(len(fills), opt.MaxFillMarks)
		for k := range n {
			f := fills[k*len(fills)/n]
			sv.Fills = append(sv.Fills, FillMark{T: f.TS, Price: Float(f.Price), Buy: f.Side == "long" || f.Side == "buy", Liquidation: f.Liquidation})
		}
	}
	if views == nil {
		views = []StrategyView{}
	}
	return views
}

// rankSharpe is the Sharpe ratio a variant is ranked by: out of sample if
// there is such a row, else over all, else the first row's.
func rankSharpe(v StrategyView) float64 {
	for _, s := range []string{"out", "all"} {
		for _, m := range v.Metrics {
			if m.Sample == s {
				return float64(m.Sharpe)
			}
		}
	}
	if len(v.Metrics) > 0 {
		return float64(v.Metrics[0].Sharpe)
	}
	return math.NaN()
}

// cmpNaNLast orders a before b when a < b, NaN last.
func cmpNaNLast(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}

// groupBy splits xs into runs of consecutive elements with the same key
// (xs must be ordered by key).
func groupBy[T any, K comparable](xs []T, key func(T) K) [][]T {
	var out [][]T
	for i := 0; i < len(xs); {
		j := i + 1
		for j < len(xs) && key(xs[j]) == key(xs[i]) {
			j++
		}
		out = append(out, xs[i:j])
		i = j
	}
	return out
}
