package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Build computes the report's model from the loaded data. It is pure and
// deterministic; its output size is bounded by opt.
func Build(d *Data, opt Options) *Model {
	opt = opt.withDefaults()
	m := &Model{Run: d.Run, Alpha: Float(d.Alpha), Scenario: indentJSON(d.Run.ScenarioJSON),
		StrategyTables: d.Tables["strategy_metrics"], Cascades: []CascadeMark{}, Hypotheses: []HypoPath{},
		HypoTable: []HypoRow{}, Strategies: []StrategyView{}}
	m.From, m.To = span(d)
	m.Price, m.PriceSource = priceLine(d, opt.LinePoints)
	m.Heat = heatGrid(d.Heatmap, opt)
	for _, c := range d.Cascades {
		m.Cascades = append(m.Cascades, CascadeMark{T: c.Start, Price: Float(c.PriceStart), Side: c.Side, Notional: Float(c.Notional)})
	}
	var note string
	m.Map, note = mapAt(d.Heatmap, opt)
	if note != "" {
		m.Notes = append(m.Notes, note)
	}
	m.Hypotheses = hypoPaths(d, opt)
	m.HypoTable = hypoTable(d)
	m.Strategies = strategyViews(d, opt)
	if !d.Tables["market_bars"] || !d.Tables["liq_heatmap"] {
		m.Notes = append(m.Notes, "this database predates the market_bars and liq_heatmap tables (schema version 4): the price comes from "+
			orNone(m.PriceSource)+" and there is no heatmap")
	}
	return m
}

func orNone(s string) string {
	if s == "" {
		return "nowhere"
	}
	return s
}

// span returns the run's data range, or the range of the rows drawn.
func span(d *Data) (from, to time.Time) {
	from, to = d.Run.DataFrom, d.Run.DataTo
	grow := func(t time.Time) {
		if from.IsZero() || t.Before(from) {
			from = t
		}
		if to.IsZero() || t.After(to) {
			to = t
		}
	}
	if from.IsZero() || to.IsZero() {
		if n := len(d.Bars); n > 0 {
			grow(d.Bars[0].TS)
			grow(d.Bars[n-1].TS.Add(time.Duration(d.Bars[n-1].IntervalS) * time.Second))
		}
		if n := len(d.Heatmap); n > 0 {
			grow(d.Heatmap[0].TS)
			grow(d.Heatmap[n-1].TS)
		}
	}
	return from, to
}

// priceLine returns the close over time from market_bars (at the bar's
// close time), else the heatmap sample prices, else the daily closes.
func priceLine(d *Data, limit int) ([]Point, string) {
	var ts []time.Time
	var vs []float64
	src := ""
	switch {
	case len(d.Bars) > 0:
		src = "market_bars"
		for _, b := range d.Bars {
			if !math.IsNaN(b.Close) {
				ts = append(ts, b.TS.Add(time.Duration(b.IntervalS)*time.Second))
				vs = append(vs, b.Close)
			}
		}
	case len(d.Heatmap) > 0:
		src = "liq_heatmap"
		for _, s := range d.Heatmap {
			ts, vs = append(ts, s.TS), append(vs, s.Price)
		}
	case len(d.Daily) > 0:
		src = "market_daily"
		for _, c := range d.Daily {
			if !math.IsNaN(c.Close) {
				ts, vs = append(ts, c.Day.Add(24*time.Hour)), append(vs, c.Close)
			}
		}
	}
	return envelope(ts, vs, limit), src
}

// envelope downsamples a time series to at most limit points: the series
// is cut into limit/2 equal time buckets and each keeps its lowest and highest
// point, in time order, so peaks and troughs (and drawdowns) survive.
func envelope(ts []time.Time, vs []float64, limit int) []Point {
	out := []Point{}
	var keep []int
	for i, v := range vs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			keep = append(keep, i)
		}
	}
	if len(keep) <= limit {
		for _, i := range keep {
			out = append(out, Point{ts[i], Float(vs[i])})
		}
		return out
	}
	buckets := limit / 2
	t0, t1 := ts[keep[0]], ts[keep[len(keep)-1]]
	width := max(float64(t1.Sub(t0))/float64(buckets), 1)
	for k := 0; k < len(keep); {
		b := min(int(float64(ts[keep[k]].Sub(t0))/width), buckets-1)
		lo, hi := keep[k], keep[k]
		for ; k < len(keep) && min(int(float64(ts[keep[k]].Sub(t0))/width), buckets-1) == b; k++ {
			i := keep[k]
			if vs[i] < vs[lo] {
				lo = i
			}
			if vs[i] > vs[hi] {
				hi = i
			}
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		out = append(out, Point{ts[lo], Float(vs[lo])})
		if hi != lo {
			out = append(out, Point{ts[hi], Float(vs[hi])})
		}
	}
	return out
}

// heatGrid re-bins the heatmap samples onto at most MaxCols × MaxRows
// cells: one column per sample while they fit (else consecutive samples
// share a column and are averaged), and rows no finer than the stored
// bands.
func heatGrid(samples []HeatSample, opt Options) *HeatGrid {
	if len(samples) == 0 {
		return nil
	}
	n := len(samples)
	t0, last := samples[0].TS, samples[n-1].TS
	spacing := time.Hour
	if n > 1 {
		gaps := make([]time.Duration, n-1)
		for i := 1; i < n; i++ {
			gaps[i-1] = samples[i].TS.Sub(samples[i-1].TS)
		}
		slices.Sort(gaps)
		spacing = max(gaps[len(gaps)/2], time.Second)
	}
	t1 := last.Add(spacing)
	lo, hi := math.Inf(1), math.Inf(-1)
	var widths []float64
	bands := 0
	for _, s := range samples {
		bands += len(s.Bands)
	}
	stride := max(1, bands/10000)
	k := 0
	for _, s := range samples {
		for _, b := range s.Bands {
			lo, hi = math.Min(lo, b.Lo), math.Max(hi, b.Hi)
			if k%stride == 0 && b.Hi > b.Lo {
				widths = append(widths, b.Hi-b.Lo)
			}
			k++
		}
	}
	g := &HeatGrid{From: t0, To: t1, Samples: n, Bands: bands}
	if !(hi > lo) {
		return g
	}
	cols := min(opt.MaxCols, n)
	rows := 1
	if len(widths) > 0 {
		slices.Sort(widths)
		rows = int(math.Ceil((hi - lo) / widths[len(widths)/2] * (1 - 1e-9)))
	}
	rows = min(max(rows, 1), opt.MaxRows)
	h := (hi - lo) / float64(rows)
	colW := float64(t1.Sub(t0)) / float64(cols)
	long, short := grid(rows, cols), grid(rows, cols)
	count := make([]int, cols)
	lastTS := make([]time.Time, cols)
	// With a column per sample, a sample goes to the nearest column start
	// (the sample times jitter by seconds); else to the column holding it.
	round := 0.0
	if cols == n {
		round = 0.5
	}
	for _, s := range samples {
		c := min(int(float64(s.TS.Sub(t0))/colW+round), cols-1)
		count[c]++
		lastTS[c] = s.TS
		for _, b := range s.Bands {
			dst := long
			if b.Short {
				dst = short
			}
			spread(dst, c, b, lo, h, rows)
		}
	}
	// A snapshot holds until the next one: a column left empty only
	// because the sample times jitter against the column edges shows the
	// previous column (at most 1.5 sample spacings after its sample).
	for c := 1; c < cols; c++ {
		start := t0.Add(time.Duration(float64(c) * colW))
		if count[c] > 0 || count[c-1] == 0 || start.Sub(lastTS[c-1]) > spacing*3/2 {
			continue
		}
		for r := range rows {
			long[r][c], short[r][c] = long[r][c-1]/float64(count[c-1]), short[r][c-1]/float64(count[c-1])
		}
		count[c], lastTS[c] = 1, lastTS[c-1]
	}
	g.PriceLo, g.PriceHi, g.Cols, g.Rows = Float(lo), Float(hi), cols, rows
	g.Long, g.Short = make([][]Float, rows), make([][]Float, rows)
	var vals []float64
	for r := range rows {
		g.Long[r], g.Short[r] = make([]Float, cols), make([]Float, cols)
		for c := range cols {
			if count[c] > 0 {
				long[r][c] /= float64(count[c])
				short[r][c] /= float64(count[c])
			}
			g.Long[r][c], g.Short[r][c] = Float(long[r][c]), Float(short[r][c])
			if long[r][c] > 0 || short[r][c] > 0 {
				g.Cells++
			}
			for _, v := range []float64{long[r][c], short[r][c]} {
				if v > 0 {
					vals = append(vals, v)
				}
			}
		}
	}
	if len(vals) > 0 {
		slices.Sort(vals)
		g.Scale = Float(vals[min(len(vals)-1, int(0.99*float64(len(vals))))])
	}
	return g
}

func grid(rows, cols int) [][]float64 {
	g := make([][]float64, rows)
	for r := range g {
		g[r] = make([]float64, cols)
	}
	return g
}

// spread adds band b's notional to column c of dst, over the rows it
// overlaps, pro rata to the overlap.
func spread(dst [][]float64, c int, b HeatBand, lo, h float64, rows int) {
	if !(b.Notional > 0) {
		return
	}
	w := b.Hi - b.Lo
	r0 := min(max(int((b.Lo-lo)/h), 0), rows-1)
	if !(w > 0) {
		dst[r0][c] += b.Notional
		return
	}
	r1 := min(max(int((b.Hi-lo)/h), 0), rows-1)
	for r := r0; r <= r1; r++ {
		ov := math.Min(b.Hi, lo+float64(r+1)*h) - math.Max(b.Lo, lo+float64(r)*h)
		if r == rows-1 {
			ov = b.Hi - math.Max(b.Lo, lo+float64(r)*h)
		}
		if ov > 0 {
			dst[r][c] += b.Notional * ov / w
		}
	}
}

// mapAt returns the liquidation map of the last sample at or before
// opt.MapAt (the last sample when MapAt is zero), and a note when the
// requested time could not be honoured.
func mapAt(samples []HeatSample, opt Options) (*LiqMap, string) {
	if len(samples) == 0 {
		return nil, ""
	}
	i, note := len(samples)-1, ""
	if !opt.MapAt.IsZero() {
		i = sort.Search(len(samples), func(k int) bool { return samples[k].TS.After(opt.MapAt) }) - 1
		if i < 0 {
			i = 0
			note = fmt.Sprintf("--map-at %s is before the first heatmap sample; the map shows the first (%s)",
				opt.MapAt.UTC().Format(time.RFC3339), samples[0].TS.Format(time.RFC3339))
		}
	}
	s := samples[i]
	m := SnapshotMap(s.TS, s.Price, s.Bands, opt.Above, opt.Below)
	m.Source = "liq_heatmap sample at " + s.TS.Format(time.RFC3339)
	return m, note
}

// SnapshotMap builds the liquidation map of one snapshot: longs below
// price and shorts above, nearest band first, with cumulative notional
// and the asymmetry of shorts within +above to longs within −below.
func SnapshotMap(at time.Time, price float64, bands []HeatBand, above, below float64) *LiqMap {
	m := &LiqMap{At: at, Price: Float(price), Above: Float(above), Below: Float(below), Longs: []MapLevel{}, Shorts: []MapLevel{}}
	var longs, shorts []HeatBand
	for _, b := range bands {
		if b.Short {
			shorts = append(shorts, b)
		} else {
			longs = append(longs, b)
		}
	}
	sort.SliceStable(longs, func(i, j int) bool { return longs[i].Hi > longs[j].Hi })
	sort.SliceStable(shorts, func(i, j int) bool { return shorts[i].Lo < shorts[j].Lo })
	cum := 0.0
	var within float64
	for _, b := range longs {
		cum += b.Notional
		m.Longs = append(m.Longs, MapLevel{Float(b.Lo), Float(b.Hi), Float(b.Notional), Float(cum)})
		within += b.Notional * overlap(b, price*(1-below), price)
	}
	m.LongsWithin = Float(within)
	cum, within = 0, 0
	for _, b := range shorts {
		cum += b.Notional
		m.Shorts = append(m.Shorts, MapLevel{Float(b.Lo), Float(b.Hi), Float(b.Notional), Float(cum)})
		within += b.Notional * overlap(b, price, price*(1+above))
	}
	m.ShortsWithin = Float(within)
	switch {
	case m.LongsWithin > 0:
		m.Asymmetry = m.ShortsWithin / m.LongsWithin
	case m.ShortsWithin > 0:
		m.Asymmetry = Float(math.Inf(1))
	default:
		m.Asymmetry = 1
	}
	return m
}

// overlap returns the share of band b inside [lo, hi].
func overlap(b HeatBand, lo, hi float64) float64 {
	w := b.Hi - b.Lo
	if !(w > 0) {
		if b.Lo >= lo && b.Lo <= hi {
			return 1
		}
		return 0
	}
	return math.Max(0, math.Min(b.Hi, hi)-math.Max(b.Lo, lo)) / w
}
