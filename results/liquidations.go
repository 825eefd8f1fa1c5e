package results

import (
	"math"

	"github.com/cascade-research/cascade/engine"
	"time"

	"github.com/cascade-research/cascade/engine/liquidation"
)

// Liquidations converts the simulator's estimated liquidations into the
// liquidations_est table.
func Liquidations(ls []liquidation.Liquidation) Table {
	n := len(ls)
	ts, side := make([]time.Time, n), make([]string, n)
	f := func() []float64 { return make([]float64, n) }
	price, lp, qty, notional, lev, entry := f(), f(), f(), f(), f(), f()
	for i, l := range ls {
		ts[i], side[i] = l.TS.Time(), l.Side.String()
		price[i], lp[i], qty[i], notional[i], lev[i], entry[i] = l.Price, l.LiqPrice, l.Qty, l.Notional, l.Leverage, l.EntryPrice
	}
	return Table{Name: "liquidations_est", Cols: []Column{
		{Name: "ts", Type: Time, TS: ts}, {Name: "side", Type: String, Str: side},
		{Name: "price", Type: Float, F64: price}, {Name: "liq_price", Type: Float, F64: lp},
		{Name: "qty", Type: Float, F64: qty}, {Name: "notional", Type: Float, F64: notional},
		{Name: "leverage", Type: Float, F64: lev}, {Name: "entry_price", Type: Float, F64: entry},
	}}
}

// Cascades converts liquidation episodes into the cascades table, with the
// OI notional at each start (from the grid) and whether the episode passes
// rule.
func Cascades(es []liquidation.Episode, g *engine.Grid, rule liquidation.CascadeRule) Table {
	n := len(es)
	start, end, side := make([]time.Time, n), make([]time.Time, n), make([]string, n)
	f := func() []float64 { return make([]float64, n) }
	notional, qty, ps, pe, mv := f(), f(), f(), f(), f()
	count, waves := make([]int64, n), make([]int64, n)
	oiv, share, is := f(), f(), make([]bool, n)
	for i, e := range es {
		oiv[i] = math.NaN()
		if j := g.Index(e.Start); j >= 0 {
			oiv[i] = g.OIValue[j]
			if math.IsNaN(oiv[i]) {
				oiv[i] = g.OI[j] * g.Close[j]
			}
		}
		share[i] = e.Notional / oiv[i]
		is[i] = !math.IsNaN(oiv[i]) && rule.IsCascade(e, oiv[i])
		start[i], end[i], side[i] = e.Start.Time(), e.End.Time(), e.Side.String()
		notional[i], qty[i], ps[i], pe[i], mv[i] = e.Notional, e.Qty, e.PriceStart, e.PriceEnd, e.Move
		count[i], waves[i] = int64(e.Count), int64(e.Waves)
	}
	return Table{Name: "cascades", Cols: []Column{
		{Name: "start_ts", Type: Time, TS: start}, {Name: "end_ts", Type: Time, TS: end}, {Name: "side", Type: String, Str: side},
		{Name: "notional", Type: Float, F64: notional}, {Name: "qty", Type: Float, F64: qty},
		{Name: "liquidations", Type: Int, I64: count}, {Name: "waves", Type: Int, I64: waves},
		{Name: "price_start", Type: Float, F64: ps}, {Name: "price_end", Type: Float, F64: pe}, {Name: "price_move", Type: Float, F64: mv},
		{Name: "oi_value", Type: Float, F64: oiv}, {Name: "oi_share", Type: Float, F64: share}, {Name: "is_cascade", Type: Bool, Bools: is},
	}}
}
