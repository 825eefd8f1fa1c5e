package dataset

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// Table is a column-oriented batch of rows of one kind, sorted by time.
// Nullable float columns use NaN for null.
type Table interface {
	// Kind is the dataset kind the rows belong to.
	Kind() engine.Kind
	// Len is the number of rows.
	Len() int
	// TSAt returns the timestamp of row i.
	TSAt(i int) engine.Nanos
	// Slice returns rows [i, j) sharing storage with the receiver.
	Slice(i, j int) Table
	// Validate checks every row and returns an error naming the first bad
	// row (0-based) and column.
	Validate() error
}

// Trades are tick trades. Side is +1 for a taker buy and -1 for a taker
// sell. ID, when non-nil, holds exchange trade ids (strictly increasing).
type Trades struct {
	TS    []engine.Nanos
	Price []float64 // quote per base unit
	Qty   []float64 // base units
	Side  []int8
	ID    []int64 // optional
}

// Bars are klines of one interval; TS is the bar's open time.
type Bars struct {
	Interval time.Duration
	TS       []engine.Nanos
	Open     []float64
	High     []float64
	Low      []float64
	Close    []float64
	Volume   []float64 // base units
	TakerBuy []float64 // optional: taker-buy volume in base units (NaN = unknown)
}

// Funding holds funding settlements. Rate is a fraction per interval
// (0.0001 = 0.01%); positive means longs pay shorts.
type Funding struct {
	TS            []engine.Nanos
	Rate          []float64
	IntervalHours []float64
	MarkPrice     []float64 // optional (NaN = unknown)
}

// OI holds open-interest observations. At least one of OI (base units) and
// Value (quote) is known for each row.
type OI struct {
	TS    []engine.Nanos
	OI    []float64 // base units (NaN = unknown)
	Value []float64 // quote notional (NaN = unknown)
}

// Liquidations are recorded (exchange or vendor) liquidations. Side is +1
// when a long was liquidated and -1 when a short was.
type Liquidations struct {
	TS       []engine.Nanos
	Side     []int8
	Price    []float64 // NaN = unknown
	Notional []float64 // quote
}

// Series holds values of named auxiliary time series (e.g. "fear_greed").
type Series struct {
	TS    []engine.Nanos
	Name  []string
	Value []float64
}

func (*Trades) Kind() engine.Kind       { return engine.KindTrade }
func (*Bars) Kind() engine.Kind         { return engine.KindBar }
func (*Funding) Kind() engine.Kind      { return engine.KindFunding }
func (*OI) Kind() engine.Kind           { return engine.KindOI }
func (*Liquidations) Kind() engine.Kind { return engine.KindLiquidation }
func (*Series) Kind() engine.Kind       { return engine.KindSeries }

func (t *Trades) Len() int       { return len(t.TS) }
func (t *Bars) Len() int         { return len(t.TS) }
func (t *Funding) Len() int      { return len(t.TS) }
func (t *OI) Len() int           { return len(t.TS) }
func (t *Liquidations) Len() int { return len(t.TS) }
func (t *Series) Len() int       { return len(t.TS) }

func (t *Trades) TSAt(i int) engine.Nanos       { return t.TS[i] }
func (t *Bars) TSAt(i int) engine.Nanos         { return t.TS[i] }
func (t *Funding) TSAt(i int) engine.Nanos      { return t.TS[i] }
func (t *OI) TSAt(i int) engine.Nanos           { return t.TS[i] }
func (t *Liquidations) TSAt(i int) engine.Nanos { return t.TS[i] }
func (t *Series) TSAt(i int) engine.Nanos       { return t.TS[i] }

func sl[T any](s []T, i, j int) []T {
	if s == nil {
		return nil
	}
	return s[i:j:j]
}

func (t *Trades) Slice(i, j int) Table {
	return &Trades{TS: sl(t.TS, i, j), Price: sl(t.Price, i, j), Qty: sl(t.Qty, i, j), Side: sl(t.Side, i, j), ID: sl(t.ID, i, j)}
}
func (t *Bars) Slice(i, j int) Table {
	return &Bars{Interval: t.Interval, TS: sl(t.TS, i, j), Open: sl(t.Open, i, j), High: sl(t.High, i, j), Low: sl(t.Low, i, j),
		Close: sl(t.Close, i, j), Volume: sl(t.Volume, i, j), TakerBuy: sl(t.TakerBuy, i, j)}
}
func (t *Funding) Slice(i, j int) Table {
	return &Funding{TS: sl(t.TS, i, j), Rate: sl(t.Rate, i, j), IntervalHours: sl(t.IntervalHours, i, j), MarkPrice: sl(t.MarkPrice, i, j)}
}
func (t *OI) Slice(i, j int) Table {
	return &OI{TS: sl(t.TS, i, j), OI: sl(t.OI, i, j), Value: sl(t.Value, i, j)}
}
func (t *Liquidations) Slice(i, j int) Table {
	return &Liquidations{TS: sl(t.TS, i, j), Side: sl(t.Side, i, j), Price: sl(t.Price, i, j), Notional: sl(t.Notional, i, j)}
}
func (t *Series) Slice(i, j int) Table {
	return &Series{TS: sl(t.TS, i, j), Name: sl(t.Name, i, j), Value: sl(t.Value, i, j)}
}

// RowError describes a bad value in a table row.
type RowError struct {
	Row    int    // 0-based row within the table or file
	Column string // column name
	Msg    string // what was wrong and what was expected
}

func (e *RowError) Error() string {
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Msg)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func checkLens(n int, cols map[string]int) error {
	for name, l := range cols {
		if l != n && l != -1 {
			return fmt.Errorf("column %s has %d values, want %d", name, l, n)
		}
	}
	return nil
}

func optLen[T any](s []T) int {
	if s == nil {
		return -1
	}
	return len(s)
}

func checkTS(ts []engine.Nanos, i int) error {
	if i > 0 && ts[i] < ts[i-1] {
		return &RowError{i, "ts", fmt.Sprintf("%s is before the previous row's %s; rows must be in time order", ts[i], ts[i-1])}
	}
	return nil
}

func positive(row int, col string, x float64) error {
	if !finite(x) || x <= 0 {
		return &RowError{row, col, fmt.Sprintf("got %v, want a finite number > 0", x)}
	}
	return nil
}

func nonNegOrNaN(row int, col string, x float64) error {
	if math.IsInf(x, 0) || x < 0 {
		return &RowError{row, col, fmt.Sprintf("got %v, want a finite number >= 0 or null", x)}
	}
	return nil
}

// Validate checks time order, finite positive prices and quantities, side
// values and strictly increasing trade ids.
func (t *Trades) Validate() error {
	n := len(t.TS)
	if err := checkLens(n, map[string]int{"price": len(t.Price), "qty": len(t.Qty), "side": len(t.Side), "trade_id": optLen(t.ID)}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := checkTS(t.TS, i); err != nil {
			return err
		}
		if err := positive(i, "price", t.Price[i]); err != nil {
			return err
		}
		if err := positive(i, "qty", t.Qty[i]); err != nil {
			return err
		}
		if s := t.Side[i]; s != 1 && s != -1 {
			return &RowError{i, "side", fmt.Sprintf("got %d, want +1 (taker buy) or -1 (taker sell)", s)}
		}
		if t.ID != nil && i > 0 && t.ID[i] <= t.ID[i-1] {
			return &RowError{i, "trade_id", fmt.Sprintf("id %d after %d: duplicate or out-of-order trade id", t.ID[i], t.ID[i-1])}
		}
	}
	return nil
}

// Validate checks time order and OHLC consistency.
func (t *Bars) Validate() error {
	n := len(t.TS)
	if err := checkLens(n, map[string]int{"open": len(t.Open), "high": len(t.High), "low": len(t.Low), "close": len(t.Close),
		"volume": len(t.Volume), "taker_buy_volume": optLen(t.TakerBuy)}); err != nil {
		return err
	}
	if t.Interval <= 0 {
		return fmt.Errorf("bar interval %s, want > 0", t.Interval)
	}
	for i := 0; i < n; i++ {
		if i > 0 && t.TS[i] <= t.TS[i-1] {
			return &RowError{i, "ts", fmt.Sprintf("%s is not after the previous bar's %s; bars must be in strictly increasing time order", t.TS[i], t.TS[i-1])}
		}
		for _, c := range []struct {
			n string
			v float64
		}{{"open", t.Open[i]}, {"high", t.High[i]}, {"low", t.Low[i]}, {"close", t.Close[i]}} {
			if err := positive(i, c.n, c.v); err != nil {
				return err
			}
		}
		if t.High[i] < math.Max(t.Open[i], t.Close[i]) || t.Low[i] > math.Min(t.Open[i], t.Close[i]) {
			return &RowError{i, "high/low", fmt.Sprintf("high %v and low %v do not enclose open %v and close %v", t.High[i], t.Low[i], t.Open[i], t.Close[i])}
		}
		if !finite(t.Volume[i]) || t.Volume[i] < 0 {
			return &RowError{i, "volume", fmt.Sprintf("got %v, want a finite number >= 0", t.Volume[i])}
		}
		if t.TakerBuy != nil {
			if err := nonNegOrNaN(i, "taker_buy_volume", t.TakerBuy[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks time order, finite rates and positive intervals.
func (t *Funding) Validate() error {
	n := len(t.TS)
	if err := checkLens(n, map[string]int{"rate": len(t.Rate), "interval_hours": len(t.IntervalHours), "mark_price": optLen(t.MarkPrice)}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := checkTS(t.TS, i); err != nil {
			return err
		}
		if !finite(t.Rate[i]) || math.Abs(t.Rate[i]) > 0.5 {
			return &RowError{i, "rate", fmt.Sprintf("got %v, want a finite fraction per interval (0.0001 = 0.01%%) with |rate| <= 0.5", t.Rate[i])}
		}
		if err := positive(i, "interval_hours", t.IntervalHours[i]); err != nil {
			return err
		}
		if t.MarkPrice != nil && !math.IsNaN(t.MarkPrice[i]) {
			if err := positive(i, "mark_price", t.MarkPrice[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks time order and that each row has a non-negative OI.
func (t *OI) Validate() error {
	n := len(t.TS)
	if err := checkLens(n, map[string]int{"oi": len(t.OI), "oi_value": len(t.Value)}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := checkTS(t.TS, i); err != nil {
			return err
		}
		if err := nonNegOrNaN(i, "oi", t.OI[i]); err != nil {
			return err
		}
		if err := nonNegOrNaN(i, "oi_value", t.Value[i]); err != nil {
			return err
		}
		if math.IsNaN(t.OI[i]) && math.IsNaN(t.Value[i]) {
			return &RowError{i, "oi", "both oi and oi_value are null; want at least one"}
		}
	}
	return nil
}

// Validate checks time order, side and notional.
func (t *Liquidations) Validate() error {
	n := len(t.TS)
	if err := checkLens(n, map[string]int{"side": len(t.Side), "price": len(t.Price), "notional": len(t.Notional)}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := checkTS(t.TS, i); err != nil {
			return err
		}
		if s := t.Side[i]; s != 1 && s != -1 {
			return &RowError{i, "side", fmt.Sprintf("got %d, want +1 (long liquidated) or -1 (short liquidated)", s)}
		}
		if !math.IsNaN(t.Price[i]) {
			if err := positive(i, "price", t.Price[i]); err != nil {
				return err
			}
		}
		if !finite(t.Notional[i]) || t.Notional[i] < 0 {
			return &RowError{i, "notional", fmt.Sprintf("got %v, want a finite number >= 0", t.Notional[i])}
		}
	}
	return nil
}

// Validate checks time order, names and finite values.
func (t *Series) Validate() error {
	n := len(t.TS)
	if err := checkLens(n, map[string]int{"name": len(t.Name), "value": len(t.Value)}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if err := checkTS(t.TS, i); err != nil {
			return err
		}
		if t.Name[i] == "" {
			return &RowError{i, "name", "empty series name"}
		}
		if !finite(t.Value[i]) {
			return &RowError{i, "value", fmt.Sprintf("got %v, want a finite number", t.Value[i])}
		}
	}
	return nil
}

// IntervalString formats a bar interval the way Binance names klines
// ("1m", "5m", "1h", "4h", "1d"); other durations use Go syntax.
func IntervalString(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// ParseInterval parses a bar interval written by IntervalString ("1m",
// "4h", "1d", "30s") or in Go duration syntax.
func ParseInterval(s string) (time.Duration, error) {
	d, err := engine.ParseDuration(s) // Go syntax plus whole days
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad bar interval %q: want e.g. 1m, 5m, 1h, 4h, 1d", s)
	}
	return d, nil
}
