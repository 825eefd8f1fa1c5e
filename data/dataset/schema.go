package dataset

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/cascade-research/cascade/engine"
)

// TSType is the Arrow type of every ts column: microseconds, UTC.
var TSType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

func field(name string, t arrow.DataType, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: nullable}
}

var (
	f64 = arrow.PrimitiveTypes.Float64
	i64 = arrow.PrimitiveTypes.Int64
	i8  = arrow.PrimitiveTypes.Int8
	str = arrow.BinaryTypes.String
)

// Schema returns the Arrow schema written for kind k. For trades, withID
// adds the optional trade_id column; for bars it adds taker_buy_volume.
func Schema(k engine.Kind, withOptional bool) *arrow.Schema {
	ts := field("ts", TSType, false)
	var fs []arrow.Field
	switch k {
	case engine.KindTrade:
		fs = []arrow.Field{ts, field("price", f64, false), field("qty", f64, false), field("side", i8, false)}
		if withOptional {
			fs = append(fs, field("trade_id", i64, false))
		}
	case engine.KindBar:
		fs = []arrow.Field{ts, field("interval", str, false), field("open", f64, false), field("high", f64, false),
			field("low", f64, false), field("close", f64, false), field("volume", f64, false)}
		if withOptional {
			fs = append(fs, field("taker_buy_volume", f64, true))
		}
	case engine.KindFunding:
		fs = []arrow.Field{ts, field("rate", f64, false), field("interval_hours", f64, false), field("mark_price", f64, true)}
	case engine.KindOI:
		fs = []arrow.Field{ts, field("oi", f64, true), field("oi_value", f64, true)}
	case engine.KindLiquidation:
		fs = []arrow.Field{ts, field("side", str, false), field("price", f64, true), field("notional", f64, false)}
	case engine.KindSeries:
		fs = []arrow.Field{ts, field("name", str, false), field("value", f64, false)}
	default:
		panic("dataset: unknown kind " + k.String())
	}
	return arrow.NewSchema(fs, nil)
}

func tsArray(mem memory.Allocator, ts []engine.Nanos) arrow.Array {
	b := array.NewTimestampBuilder(mem, TSType)
	defer b.Release()
	b.Reserve(len(ts))
	for _, t := range ts {
		b.UnsafeAppend(arrow.Timestamp(floorDiv(int64(t), 1000)))
	}
	return b.NewArray()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func f64Array(mem memory.Allocator, v []float64, nullable bool) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	if !nullable {
		b.AppendValues(v, nil)
		return b.NewArray()
	}
	b.Reserve(len(v))
	for _, x := range v {
		if math.IsNaN(x) {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(x)
		}
	}
	return b.NewArray()
}

func nanArray(mem memory.Allocator, n int) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendNulls(n)
	return b.NewArray()
}

func strArray(mem memory.Allocator, n int, at func(i int) string) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		b.Append(at(i))
	}
	return b.NewArray()
}

// Record converts t to an Arrow record with the kind's schema. The caller
// must Release it.
func Record(mem memory.Allocator, t Table) arrow.Record {
	var cols []arrow.Array
	var sc *arrow.Schema
	n := t.Len()
	switch t := t.(type) {
	case *Trades:
		sc = Schema(engine.KindTrade, t.ID != nil)
		sb := array.NewInt8Builder(mem)
		sb.AppendValues(t.Side, nil)
		cols = []arrow.Array{tsArray(mem, t.TS), f64Array(mem, t.Price, false), f64Array(mem, t.Qty, false), sb.NewArray()}
		sb.Release()
		if t.ID != nil {
			ib := array.NewInt64Builder(mem)
			ib.AppendValues(t.ID, nil)
			cols = append(cols, ib.NewArray())
			ib.Release()
		}
	case *Bars:
		sc = Schema(engine.KindBar, t.TakerBuy != nil)
		iv := IntervalString(t.Interval)
		cols = []arrow.Array{tsArray(mem, t.TS), strArray(mem, n, func(int) string { return iv }), f64Array(mem, t.Open, false),
			f64Array(mem, t.High, false), f64Array(mem, t.Low, false), f64Array(mem, t.Close, false), f64Array(mem, t.Volume, false)}
		if t.TakerBuy != nil {
			cols = append(cols, f64Array(mem, t.TakerBuy, true))
		}
	case *Funding:
		sc = Schema(engine.KindFunding, false)
		mark := nanArray(mem, n)
		if t.MarkPrice != nil {
			mark.Release()
			mark = f64Array(mem, t.MarkPrice, true)
		}
		cols = []arrow.Array{tsArray(mem, t.TS), f64Array(mem, t.Rate, false), f64Array(mem, t.IntervalHours, false), mark}
	case *OI:
		sc = Schema(engine.KindOI, false)
		cols = []arrow.Array{tsArray(mem, t.TS), f64Array(mem, t.OI, true), f64Array(mem, t.Value, true)}
	case *Liquidations:
		sc = Schema(engine.KindLiquidation, false)
		cols = []arrow.Array{tsArray(mem, t.TS), strArray(mem, n, func(i int) string { return SideName(t.Side[i]) }),
			f64Array(mem, t.Price, true), f64Array(mem, t.Notional, false)}
	case *Series:
		sc = Schema(engine.KindSeries, false)
		cols = []arrow.Array{tsArray(mem, t.TS), strArray(mem, n, func(i int) string { return t.Name[i] }), f64Array(mem, t.Value, false)}
	default:
		panic("dataset: unknown table type")
	}
	rec := array.NewRecord(sc, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// SideName names a liquidated side: +1 "long", -1 "short".
func SideName(s int8) string {
	if s > 0 {
		return "long"
	}
	return "short"
}

// ParseSide is the inverse of SideName; it also accepts "buy" (a short was
// liquidated by a forced buy) and "sell" (a long, by a forced sell), the way
// exchanges report the forced order's side.
func ParseSide(s string) (int8, bool) {
	switch s {
	case "long", "LONG", "Long", "sell", "SELL", "Sell":
		return 1, true
	case "short", "SHORT", "Short", "buy", "BUY", "Buy":
		return -1, true
	}
	return 0, false
}
