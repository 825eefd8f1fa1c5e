package ingest

import (
	"math"
	"sort"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// row is one dataset row of any kind, plus where it came from. The meaning
// of v depends on the kind:
//
//	trades:       v[0] price, v[1] qty; side, id (hasID)
//	bars:         v[0..4] open, high, low, close, volume; v[5] taker-buy
//	              volume (NaN unknown); aux = close time (0 none)
//	funding:      v[0] rate, v[1] interval hours, v[2] mark price
//	oi:           v[0] oi, v[1] oi value
//	liquidations: v[0] price, v[1] notional; side
//	series:       v[0] value; name
type row struct {
	ts    engine.Nanos
	v     [6]float64
	id    int64
	aux   int64
	name  string
	side  int8
	hasID bool
	src   int32 // 0 = the existing day file; i > 0 = input file i
	line  int32 // source line (1-based); row index for src 0
}

func nanRow() row {
	var r row
	for i := range r.v {
		r.v[i] = math.NaN()
	}
	return r
}

// sameFloat is numeric equality with every NaN equal to every NaN.
func sameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// sameRow compares the data of two rows, not their origin.
func sameRow(a, b *row) bool {
	if a.ts != b.ts || a.id != b.id || a.hasID != b.hasID || a.side != b.side || a.name != b.name {
		return false
	}
	for i := range a.v {
		if !sameFloat(a.v[i], b.v[i]) {
			return false
		}
	}
	return true
}

// rowKey identifies rows that describe the same thing: trades by id (else
// the full row), bars, funding and oi by ts, liquidations by (ts, side),
// series by (ts, name).
type rowKey struct {
	ts   engine.Nanos
	id   int64
	a, b float64
	side int8
	name string
}

func keyOf(k engine.Kind, r *row) rowKey {
	switch k {
	case engine.KindTrade:
		if r.hasID {
			return rowKey{id: r.id}
		}
		return rowKey{ts: r.ts, a: r.v[0], b: r.v[1], side: r.side}
	case engine.KindLiquidation:
		return rowKey{ts: r.ts, side: r.side}
	case engine.KindSeries:
		return rowKey{ts: r.ts, name: r.name}
	}
	return rowKey{ts: r.ts}
}

// less orders rows by ts, then trade id, liquidated side (long first) or
// series name, so a merged day comes out the same whatever the order of
// imports.
func less(k engine.Kind, a, b *row) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	switch k {
	case engine.KindTrade:
		return a.hasID && b.hasID && a.id < b.id
	case engine.KindLiquidation:
		return a.side > b.side
	case engine.KindSeries:
		return a.name < b.name
	}
	return false
}

// mergeResult counts what merging did.
type mergeResult struct {
	rows       []row
	duplicates int        // incoming rows equal to a row already present or earlier in the input
	conflicts  []conflict // rows (incoming, or existing) whose values lost to a different row
}

type conflict struct {
	lost, won row
}

// merge combines the rows of an existing day with incoming rows. Rows with
// the same key are collapsed; the last one (incoming over existing, later
// lines over earlier) wins. Every row that differs from the winner of its
// key is a conflict; an incoming row equal to a winner that was already
// there is a duplicate. The result is sorted by less, stably.
func merge(k engine.Kind, existing, incoming []row) mergeResult {
	var res mergeResult
	out := make([]row, 0, len(existing)+len(incoming))
	idx := make(map[rowKey]int, len(existing)+len(incoming))
	all := func(yield func(r *row, isNew bool) bool) {
		for i := range existing {
			if !yield(&existing[i], false) {
				return
			}
		}
		for i := range incoming {
			if !yield(&incoming[i], true) {
				return
			}
		}
	}
	for r := range all {
		key := keyOf(k, r)
		if j, ok := idx[key]; ok {
			out[j] = *r
			continue
		}
		idx[key] = len(out)
		out = append(out, *r)
	}
	landed := make([]bool, len(out))
	for r, isNew := range all {
		j := idx[keyOf(k, r)]
		switch {
		case !sameRow(r, &out[j]):
			res.conflicts = append(res.conflicts, conflict{lost: *r, won: out[j]})
		case landed[j] && isNew:
			res.duplicates++
		default:
			landed[j] = true
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return less(k, &out[i], &out[j]) })
	res.rows = out
	return res
}

// sameRows reports whether two row lists hold the same data in order.
func sameRows(a, b []row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameRow(&a[i], &b[i]) {
			return false
		}
	}
	return true
}

// toTable builds a dataset table from rows. Optional columns (trade ids,
// taker-buy volume, mark price) are included when any row has a value.
func toTable(k engine.Kind, rows []row, interval time.Duration) dataset.Table {
	n := len(rows)
	ts := make([]engine.Nanos, n)
	for i := range rows {
		ts[i] = rows[i].ts
	}
	col := func(j int) []float64 {
		out := make([]float64, n)
		for i := range rows {
			out[i] = rows[i].v[j]
		}
		return out
	}
	optCol := func(j int) []float64 {
		for i := range rows {
			if !math.IsNaN(rows[i].v[j]) {
				return col(j)
			}
		}
		return nil
	}
	sides := func() []int8 {
		out := make([]int8, n)
		for i := range rows {
			out[i] = rows[i].side
		}
		return out
	}
	switch k {
	case engine.KindTrade:
		t := &dataset.Trades{TS: ts, Price: col(0), Qty: col(1), Side: sides()}
		if n > 0 && rows[0].hasID {
			t.ID = make([]int64, n)
			for i := range rows {
				t.ID[i] = rows[i].id
			}
		}
		return t
	case engine.KindBar:
		return &dataset.Bars{Interval: interval, TS: ts, Open: col(0), High: col(1), Low: col(2), Close: col(3), Volume: col(4), TakerBuy: optCol(5)}
	case engine.KindFunding:
		return &dataset.Funding{TS: ts, Rate: col(0), IntervalHours: col(1), MarkPrice: optCol(2)}
	case engine.KindOI:
		return &dataset.OI{TS: ts, OI: col(0), Value: col(1)}
	case engine.KindLiquidation:
		return &dataset.Liquidations{TS: ts, Side: sides(), Price: col(0), Notional: col(1)}
	case engine.KindSeries:
		t := &dataset.Series{TS: ts, Name: make([]string, n), Value: col(0)}
		for i := range rows {
			t.Name[i] = rows[i].name
		}
		return t
	}
	panic("ingest: unknown kind " + k.String())
}

// fromTable converts a table read from a day file to rows with src 0.
func fromTable(t dataset.Table) []row {
	n := t.Len()
	rows := make([]row, n)
	for i := range rows {
		rows[i] = nanRow()
		rows[i].ts = t.TSAt(i)
		rows[i].line = int32(i)
	}
	at := func(s []float64, i int) float64 {
		if s == nil {
			return math.NaN()
		}
		return s[i]
	}
	for i := range rows {
		r := &rows[i]
		switch t := t.(type) {
		case *dataset.Trades:
			r.v[0], r.v[1], r.side = t.Price[i], t.Qty[i], t.Side[i]
			if t.ID != nil {
				r.id, r.hasID = t.ID[i], true
			}
		case *dataset.Bars:
			r.v[0], r.v[1], r.v[2], r.v[3], r.v[4], r.v[5] = t.Open[i], t.High[i], t.Low[i], t.Close[i], t.Volume[i], at(t.TakerBuy, i)
		case *dataset.Funding:
			r.v[0], r.v[1], r.v[2] = t.Rate[i], t.IntervalHours[i], at(t.MarkPrice, i)
		case *dataset.OI:
			r.v[0], r.v[1] = at(t.OI, i), at(t.Value, i)
		case *dataset.Liquidations:
			r.v[0], r.v[1], r.side = at(t.Price, i), t.Notional[i], t.Side[i]
		case *dataset.Series:
			r.v[0], r.name = t.Value[i], t.Name[i]
		}
	}
	return rows
}

// rowColumns maps a dataset column name (as in dataset.RowError) to the
// target ids it comes from, to name the source column in errors.
var rowColumns = map[string][]int{
	"price": {tPrice}, "qty": {tQty}, "side": {tSide, tBuyerMaker}, "trade_id": {tTradeID},
	"open": {tOpen}, "high": {tHigh}, "low": {tLow}, "close": {tClose}, "high/low": {tHigh, tLow},
	"volume": {tVolume}, "taker_buy_volume": {tTakerBuy}, "rate": {tRate}, "interval_hours": {tIntervalHours},
	"mark_price": {tMark}, "oi": {tOI, tOIValue}, "oi_value": {tOIValue}, "notional": {tNotional, tLongNotional, tShortNotional},
}
