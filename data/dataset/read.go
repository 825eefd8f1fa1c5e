package dataset

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/cascade-research/cascade/engine"
)

// ErrSchemaMismatch reports a Parquet file whose columns do not match any
// dataset kind, or a column of the wrong type. Check it with errors.Is.
var ErrSchemaMismatch = errors.New("schema mismatch")

// ReadFile reads one dataset Parquet file (as written by WriteFile) back
// into a Table. It is meant for cold paths such as importers that merge new
// rows into an existing day; replay streams through data/parquetfeed.
//
// The kind is inferred from the column names (interval → bars, rate →
// funding, oi/oi_value → oi, notional → liquidations, name+value → series,
// price+qty+side → trades). Nulls in nullable float columns become NaN;
// liquidation sides "long"/"short" become +1/-1; the bars' interval column
// must hold one value, parsed with ParseInterval (an empty bars file has
// Interval 0). Timestamps are converted to engine.Nanos whatever their
// stored unit. ReadFile does not call Validate. Errors name the file and,
// where one is at fault, the column.
func ReadFile(path string) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	mem := memory.NewGoAllocator()
	tbl, err := pqarrow.ReadTable(context.Background(), f, parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer tbl.Release()
	r := &tableReader{path: path, tbl: tbl}
	k, err := r.kind()
	if err != nil {
		return nil, err
	}
	t, err := r.read(k)
	if err != nil {
		return nil, err
	}
	if t.Len() != int(tbl.NumRows()) {
		return nil, fmt.Errorf("read %s: %d rows decoded, file has %d: %w", path, t.Len(), tbl.NumRows(), ErrSchemaMismatch)
	}
	return t, nil
}

type tableReader struct {
	path string
	tbl  arrow.Table
}

func (r *tableReader) has(name string) bool {
	return len(r.tbl.Schema().FieldIndices(name)) > 0
}

func (r *tableReader) kind() (engine.Kind, error) {
	switch {
	case r.has("interval"):
		return engine.KindBar, nil
	case r.has("rate"):
		return engine.KindFunding, nil
	case r.has("oi") || r.has("oi_value"):
		return engine.KindOI, nil
	case r.has("notional"):
		return engine.KindLiquidation, nil
	case r.has("name") && r.has("value"):
		return engine.KindSeries, nil
	case r.has("price") && r.has("qty") && r.has("side"):
		return engine.KindTrade, nil
	}
	return 0, fmt.Errorf("read %s: columns %v match no dataset kind: %w", r.path, r.tbl.Schema().Fields(), ErrSchemaMismatch)
}

func (r *tableReader) errf(col, format string, a ...any) error {
	return fmt.Errorf("read %s: column %s: %s: %w", r.path, col, fmt.Sprintf(format, a...), ErrSchemaMismatch)
}

// column returns the chunks of a column, or nil if the column is absent
// and not required.
func (r *tableReader) column(name string, required bool) (*arrow.Chunked, error) {
	idx := r.tbl.Schema().FieldIndices(name)
	if len(idx) == 0 {
		if required {
			return nil, r.errf(name, "missing")
		}
		return nil, nil
	}
	return r.tbl.Column(idx[0]).Data(), nil
}

func (r *tableReader) ts() ([]engine.Nanos, error) {
	c, err := r.column("ts", true)
	if err != nil {
		return nil, err
	}
	tt, ok := c.DataType().(*arrow.TimestampType)
	if !ok {
		return nil, r.errf("ts", "type %s, want timestamp", c.DataType())
	}
	mul := int64(tt.Unit.Multiplier()) // nanoseconds per unit
	out := make([]engine.Nanos, 0, c.Len())
	for _, ch := range c.Chunks() {
		a := ch.(*array.Timestamp)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				return nil, r.errf("ts", "null at row %d", len(out))
			}
			v := int64(a.Value(i))
			if v > math.MaxInt64/mul || v < math.MinInt64/mul {
				return nil, r.errf("ts", "value %d %s at row %d overflows nanoseconds", v, tt.Unit, len(out))
			}
			out = append(out, engine.Nanos(v*mul))
		}
	}
	return out, nil
}

// floats reads a float64 column. Nulls become NaN when nullable, else they
// are an error. An absent optional column yields nil.
func (r *tableReader) floats(name string, required, nullable bool) ([]float64, error) {
	c, err := r.column(name, required)
	if c == nil {
		return nil, err
	}
	if c.DataType().ID() != arrow.FLOAT64 {
		return nil, r.errf(name, "type %s, want double", c.DataType())
	}
	out := make([]float64, 0, c.Len())
	for _, ch := range c.Chunks() {
		a := ch.(*array.Float64)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				if !nullable {
					return nil, r.errf(name, "null at row %d, want a number", len(out))
				}
				out = append(out, math.NaN())
				continue
			}
			out = append(out, a.Value(i))
		}
	}
	return out, nil
}

func (r *tableReader) strings(name string) ([]string, error) {
	c, err := r.column(name, true)
	if err != nil {
		return nil, err
	}
	if c.DataType().ID() != arrow.STRING {
		return nil, r.errf(name, "type %s, want string", c.DataType())
	}
	out := make([]string, 0, c.Len())
	for _, ch := range c.Chunks() {
		a := ch.(*array.String)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				return nil, r.errf(name, "null at row %d, want a string", len(out))
			}
			out = append(out, a.Value(i))
		}
	}
	return out, nil
}

func (r *tableReader) int8s(name string) ([]int8, error) {
	c, err := r.column(name, true)
	if err != nil {
		return nil, err
	}
	if c.DataType().ID() != arrow.INT8 {
		return nil, r.errf(name, "type %s, want int8", c.DataType())
	}
	out := make([]int8, 0, c.Len())
	for _, ch := range c.Chunks() {
		a := ch.(*array.Int8)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				return nil, r.errf(name, "null at row %d, want +1 or -1", len(out))
			}
			out = append(out, a.Value(i))
		}
	}
	return out, nil
}

func (r *tableReader) int64s(name string) ([]int64, error) {
	c, err := r.column(name, false)
	if c == nil {
		return nil, err
	}
	if c.DataType().ID() != arrow.INT64 {
		return nil, r.errf(name, "type %s, want int64", c.DataType())
	}
	out := make([]int64, 0, c.Len())
	for _, ch := range c.Chunks() {
		a := ch.(*array.Int64)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				return nil, r.errf(name, "null at row %d, want an integer", len(out))
			}
			out = append(out, a.Value(i))
		}
	}
	return out, nil
}

func (r *tableReader) read(k engine.Kind) (Table, error) {
	ts, err := r.ts()
	if err != nil {
		return nil, err
	}
	var errs []error
	f := func(name string, required, nullable bool) []float64 {
		v, err := r.floats(name, required, nullable)
		errs = append(errs, err)
		return v
	}
	var t Table
	switch k {
	case engine.KindTrade:
		tr := &Trades{TS: ts, Price: f("price", true, false), Qty: f("qty", true, false)}
		tr.Side, err = r.int8s("side")
		errs = append(errs, err)
		tr.ID, err = r.int64s("trade_id")
		errs = append(errs, err)
		t = tr
	case engine.KindBar:
		b := &Bars{TS: ts, Open: f("open", true, false), High: f("high", true, false), Low: f("low", true, false),
			Close: f("close", true, false), Volume: f("volume", true, false), TakerBuy: f("taker_buy_volume", false, true)}
		b.Interval, err = r.interval()
		errs = append(errs, err)
		t = b
	case engine.KindFunding:
		t = &Funding{TS: ts, Rate: f("rate", true, false), IntervalHours: f("interval_hours", true, false), MarkPrice: f("mark_price", false, true)}
	case engine.KindOI:
		o := &OI{TS: ts, OI: f("oi", false, true), Value: f("oi_value", false, true)}
		if o.OI == nil {
			o.OI = nanSlice(len(ts))
		}
		if o.Value == nil {
			o.Value = nanSlice(len(ts))
		}
		t = o
	case engine.KindLiquidation:
		l := &Liquidations{TS: ts, Price: f("price", false, true), Notional: f("notional", true, false)}
		if l.Price == nil {
			l.Price = nanSlice(len(ts))
		}
		sides, err := r.strings("side")
		errs = append(errs, err)
		l.Side = make([]int8, len(sides))
		for i, s := range sides {
			v, ok := ParseSide(s)
			if !ok {
				return nil, r.errf("side", "row %d: %q, want long or short", i, s)
			}
			l.Side[i] = v
		}
		t = l
	case engine.KindSeries:
		s := &Series{TS: ts, Value: f("value", true, false)}
		s.Name, err = r.strings("name")
		errs = append(errs, err)
		t = s
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return t, nil
}

func (r *tableReader) interval() (time.Duration, error) {
	ivs, err := r.strings("interval")
	if err != nil || len(ivs) == 0 {
		return 0, err
	}
	for i, s := range ivs {
		if s != ivs[0] {
			return 0, r.errf("interval", "row %d has %q but row 0 has %q; want one interval per file", i, s, ivs[0])
		}
	}
	d, err := ParseInterval(ivs[0])
	if err != nil {
		return 0, r.errf("interval", "%v", err)
	}
	return d, nil
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}
