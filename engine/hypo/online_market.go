package hypo

import (
	"math"

	"github.com/cascade-research/cascade/engine"
)

// Online forms of funding_overheat, oi_divergence and deleveraging_flush.
// Each repeats the batch arithmetic in the same order, so the results are
// bit for bit those of Fire.

// ---- long liquidations ----

// liqTrack keeps the running prefix sums of both long-liquidation columns
// (NaN counted as 0), added in row order exactly as longLiq builds its
// prefix array, and picks the column as longLiq does, from the rows seen
// so far (see LiqColumn).
type liqTrack struct {
	mode           LiqColumn
	est, rec       float64 // sums over the rows added so far
	estPos, recPos bool    // a positive value seen
}

// liqPrefix is both columns' prefix sums before some row.
type liqPrefix struct{ est, rec float64 }

func (l *liqTrack) add(g *engine.Grid, i int) {
	accumulate(g.EstLiqLong, i, &l.est, &l.estPos)
	accumulate(g.RecLiqLong, i, &l.rec, &l.recPos)
}

// accumulate adds col[i] (NaN as 0; nothing past the column's end) to
// *sum and notes in *pos whether it was positive.
func accumulate(col []float64, i int, sum *float64, pos *bool) {
	if i >= len(col) {
		return
	}
	v := col[i]
	if v > 0 {
		*pos = true
	}
	if math.IsNaN(v) {
		v = 0
	}
	*sum += v
}

func (l *liqTrack) prefix() liqPrefix { return liqPrefix{l.est, l.rec} }

// sum is the chosen column's sum over the rows between prefixes a and b,
// b.x − a.x as liqSeries.sum computes it (0 without liquidation data).
func (l *liqTrack) sum(a, b liqPrefix) float64 {
	switch l.column() {
	case LiqEstimated:
		return b.est - a.est
	case LiqRecorded:
		return b.rec - a.rec
	}
	return 0
}

// column is the column read now: LiqEstimated, LiqRecorded or LiqAuto
// for none.
func (l *liqTrack) column() LiqColumn {
	switch {
	case l.mode != LiqAuto:
		return l.mode
	case l.estPos:
		return LiqEstimated
	case l.recPos:
		return LiqRecorded
	}
	return LiqAuto
}

// ---- funding_overheat ----

type fundingOnline struct {
	g     *engine.Grid
	s     fundingOverheat
	times []engine.Nanos // settlements (finite rate) from lo on, ascending
	rates []float64
	lo    int
	z     float64 // z-score at the current row (NaN unless a settlement)
}

func newFundingOnline(g *engine.Grid, s fundingOverheat) *fundingOnline {
	return &fundingOnline{g: g, s: s}
}

func (f *fundingOnline) step(i int) bool {
	g := f.g
	f.z = math.NaN()
	if !(i < len(g.FundingSettled) && g.FundingSettled[i] && i < len(g.Funding) && !math.IsNaN(g.Funding[i])) {
		return false
	}
	t := g.Time(i)
	k := len(f.times)
	for f.lo < k && f.times[f.lo] < t-engine.Nanos(f.s.window) {
		f.lo++
	}
	if m := k - f.lo; m >= minZ { // as fundingZ
		var mean float64
		for _, v := range f.rates[f.lo:k] {
			mean += v
		}
		mean /= float64(m)
		var ss float64
		for _, v := range f.rates[f.lo:k] {
			d := v - mean
			ss += d * d
		}
		if sd := math.Sqrt(ss / float64(m-1)); !(sd < 1e-12) {
			f.z = (g.Funding[i] - mean) / sd
		}
	}
	if f.lo > 256 && 2*f.lo > k { // drop the settlements that left the window
		n := copy(f.times, f.times[f.lo:])
		copy(f.rates, f.rates[f.lo:])
		f.times, f.rates, f.lo = f.times[:n], f.rates[:n], 0
	}
	f.times = append(f.times, t)
	f.rates = append(f.rates, g.Funding[i])
	r, z := g.Funding[i], math.NaN()
	if f.s.z > 0 {
		z = f.z
	}
	if f.s.short {
		r, z = -r, -z
	}
	return r >= f.s.level || (f.s.z > 0 && z >= f.s.z)
}

func (f *fundingOnline) values(i int, dst []float64) {
	dst[0] = f.g.Funding[i]
	dst[1] = f.z
}

func (f *fundingOnline) features() []string { return []string{"funding", "zscore"} }
func (f *fundingOnline) name() string       { return "funding_overheat" }

// ---- oi_divergence ----

type oiOnline struct {
	g          *engine.Grid
	w          int
	rise, fall float64
	oc, pc     float64 // changes at the current row (NaN before w)
}

func newOIOnline(g *engine.Grid, s oiDivergence) *oiOnline {
	return &oiOnline{g: g, w: stepsOf(s.window, g.Step), rise: s.oiRise, fall: -s.priceFall}
}

func (o *oiOnline) step(i int) bool {
	o.oc, o.pc = math.NaN(), math.NaN()
	if i < o.w {
		return false
	}
	g := o.g
	o.oc, o.pc = change(g.OI[i-o.w], g.OI[i]), change(g.Close[i-o.w], g.Close[i])
	return o.oc >= o.rise && o.pc <= o.fall
}

func (o *oiOnline) values(i int, dst []float64) { dst[0], dst[1] = o.oc, o.pc }
func (o *oiOnline) features() []string          { return []string{"oi_change", "price_change"} }
func (o *oiOnline) name() string                { return "oi_divergence" }

// ---- deleveraging_flush ----

type flushOnline struct {
	g    *engine.Grid
	s    delevFlush
	w    int
	liq  liqTrack
	ring []liqPrefix // ring[k % len] = prefix before row k, for the last 2w+1 k
}

func newFlushOnline(g *engine.Grid, s delevFlush, col LiqColumn) *flushOnline {
	w := stepsOf(s.window, g.Step)
	return &flushOnline{g: g, s: s, w: w, liq: liqTrack{mode: col}, ring: make([]liqPrefix, 2*w+2)}
}

// sum is the liquidation sum over rows from..to (within the ring).
func (f *flushOnline) sum(from, to int) float64 {
	n := len(f.ring)
	return f.liq.sum(f.ring[from%n], f.ring[(to+1)%n])
}

func (f *flushOnline) step(i int) bool {
	g, w, s := f.g, f.w, f.s
	f.liq.add(g, i)
	f.ring[(i+1)%len(f.ring)] = f.liq.prefix() // ring[0] is the zero prefix before row 0
	if !s.breaker {
		if i < w {
			return false
		}
		return change(g.Close[i-w], g.Close[i]) <= -s.priceDrop && change(g.OI[i-w], g.OI[i]) <= -s.oiDrop &&
			f.sum(i-w+1, i) >= s.liqShare*oiValue(g, i-w)
	}
	if i < 2*w {
		return false
	}
	oc := change(g.OI[i-w], g.OI[i])
	recent, prev := f.sum(i-w+1, i), f.sum(i-2*w+1, i-w)
	return oc < 0 && oc <= -s.oiDrop && g.Funding[i] <= fundingReset &&
		recent < 0.5*prev && prev >= s.liqShare*oiValue(g, i-2*w)
}

// values writes the batch features. Before the window is full (rows
// i < W, circuit breaker i < 2W) the batch Values indexes before the
// grid's start and panics (only reachable under Any); online writes NaN.
func (f *flushOnline) values(i int, dst []float64) {
	g, w := f.g, f.w
	if !f.s.breaker {
		if i < w {
			fillNaN(dst[:4])
			return
		}
		dst[0] = change(g.Close[i-w], g.Close[i])
		dst[1] = change(g.OI[i-w], g.OI[i])
		dst[2] = f.sum(i-w+1, i)
		dst[3] = dst[2] / oiValue(g, i-w)
		return
	}
	if i < 2*w {
		fillNaN(dst[:4])
		return
	}
	dst[0] = change(g.OI[i-w], g.OI[i])
	dst[1] = g.Funding[i]
	dst[2] = f.sum(i-w+1, i)
	dst[3] = f.sum(i-2*w+1, i-w)
}

func (f *flushOnline) features() []string {
	if f.s.breaker {
		return []string{"oi_change", "funding", "liq_recent", "liq_prev"}
	}
	return []string{"price_change", "oi_change", "liq_long", "liq_share"}
}
func (f *flushOnline) name() string { return "deleveraging_flush" }
