package results

import (
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/replay"
)

// MarketBars downsamples the sampling grid into bars of length every (a
// multiple of the grid step, aligned to the Unix epoch) for the
// market_bars table. Bars without trades are left out. simulated says
// whether the simulator ran (its estimated liquidations are NULL
// otherwise).
func MarketBars(g *engine.Grid, every time.Duration, simulated bool) Table {
	var (
		ts                                    []time.Time
		open, high, low, cl, vol, notional    []float64
		oiv, funding, estLong, estShort, ivls []float64
	)
	if g != nil && g.Len() > 0 && g.Step > 0 {
		k := max(engine.Nanos(every)/g.Step, 1)
		span := k * g.Step
		for i := 0; i < g.Len(); {
			start := g.Time(i) / span * span
			o, h, l, c, v, q := math.NaN(), math.Inf(-1), math.Inf(1), math.NaN(), 0.0, 0.0
			el, es := 0.0, 0.0
			last := i
			for ; i < g.Len() && g.Time(i) < start+span; i++ {
				el += g.EstLiqLong[i]
				es += g.EstLiqShort[i]
				if g.Trades[i] == 0 {
					continue
				}
				if math.IsNaN(o) {
					o = g.Open[i]
				}
				h, l, c = math.Max(h, g.High[i]), math.Min(l, g.Low[i]), g.Close[i]
				v += g.Volume[i]
				q += g.Notional[i]
				last = i
			}
			if math.IsNaN(o) {
				continue
			}
			if !simulated {
				el, es = math.NaN(), math.NaN()
			}
			x := g.OIValue[last]
			if math.IsNaN(x) {
				x = g.OI[last] * g.Close[last]
			}
			ts = append(ts, start.Time())
			open, high, low, cl = append(open, o), append(high, h), append(low, l), append(cl, c)
			vol, notional = append(vol, v), append(notional, q)
			oiv, funding = append(oiv, x), append(funding, g.Funding[last])
			estLong, estShort = append(estLong, el), append(estShort, es)
			ivls = append(ivls, float64(span/engine.Second))
		}
	}
	iv := make([]int64, len(ivls))
	for i, x := range ivls {
		iv[i] = int64(x)
	}
	return Table{Name: "market_bars", Cols: []Column{
		{Name: "ts", Type: Time, TS: ts}, {Name: "interval_s", Type: Int, I64: iv},
		{Name: "open", Type: Float, F64: open}, {Name: "high", Type: Float, F64: high},
		{Name: "low", Type: Float, F64: low}, {Name: "close", Type: Float, F64: cl},
		{Name: "volume", Type: Float, F64: vol}, {Name: "notional", Type: Float, F64: notional},
		{Name: "oi_value", Type: Float, F64: oiv}, {Name: "funding", Type: Float, F64: funding},
		{Name: "est_liq_long", Type: Float, F64: estLong}, {Name: "est_liq_short", Type: Float, F64: estShort},
	}}
}

// LiqHeatmap converts liquidation-map snapshots into the liq_heatmap table.
func LiqHeatmap(bs []replay.HeatBand) Table {
	n := len(bs)
	ts, side := make([]time.Time, n), make([]string, n)
	f := func() []float64 { return make([]float64, n) }
	price, lo, hi, notional := f(), f(), f(), f()
	for i, b := range bs {
		ts[i], side[i] = b.TS.Time(), b.Side.String()
		price[i], lo[i], hi[i], notional[i] = b.Price, b.Lo, b.Hi, b.Notional
	}
	return Table{Name: "liq_heatmap", Cols: []Column{
		{Name: "ts", Type: Time, TS: ts}, {Name: "price", Type: Float, F64: price}, {Name: "side", Type: String, Str: side},
		{Name: "level_lo", Type: Float, F64: lo}, {Name: "level_hi", Type: Float, F64: hi}, {Name: "notional", Type: Float, F64: notional},
	}}
}
