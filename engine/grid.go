package engine

import "math"

// Grid is the regular time grid a run samples while it replays: one row per
// Step, in time order, from the first step holding an event to the last.
// Hypothesis signals and outcomes are computed on it after the replay, so a
// whole parameter grid of variants costs one replay.
//
// Row i covers [T0 + i·Step, T0 + (i+1)·Step). Prices come from trades
// (real or bar-path); a step without trades repeats the previous close with
// zero volume (High = Low = Open = Close). State columns (OI, funding,
// series) hold the last value known at the end of the step (NaN before the
// first observation).
type Grid struct {
	T0   Nanos
	Step Nanos

	Open, High, Low, Close []float64
	Volume, BuyVolume      []float64 // base units
	Notional               []float64 // quote: sum of price × qty
	Trades                 []int64
	OI                     []float64 // base units (NaN if unknown)
	OIValue                []float64 // quote (NaN if unknown)
	Funding                []float64 // last settled funding rate, per 8 hours (fraction)
	FundingSettled         []bool    // a funding settlement happened in this step
	FundingRaw             []float64 // sum of the rates settled in this step, per their own interval
	FundingN               []int64   // settlements in this step
	Series                 map[string][]float64
	// Recorded liquidations from the data (liquidations kind), quote
	// notional per step by side liquidated.
	RecLiqLong, RecLiqShort []float64
	// Estimated liquidations from the simulator, quote notional per step.
	EstLiqLong, EstLiqShort []float64
}

// Len returns the number of rows.
func (g *Grid) Len() int { return len(g.Close) }

// Time returns the start time of row i.
func (g *Grid) Time(i int) Nanos { return g.T0 + Nanos(i)*g.Step }

// Index returns the row containing t, or -1 if t is outside the grid.
func (g *Grid) Index(t Nanos) int {
	if t < g.T0 || g.Step <= 0 {
		return -1
	}
	i := int((t - g.T0) / g.Step)
	if i >= g.Len() {
		return -1
	}
	return i
}

// GridBuilder fills a Grid from a time-ordered event stream. It is
// allocation-free per event except when a new row is started.
//
// The current row's trade columns are accumulated in the builder's own
// fields and written to the grid when the row is left (or the grid is
// read): the per-trade work touches no slice. The sums are the same
// additions in the same order, so the grid is bit for bit what adding
// into the slices would give.
type GridBuilder struct {
	g           Grid
	seriesNames func(uint16) string
	started     bool
	cur         int
	end         Nanos // end of the current row (exclusive)
	// Current row's trade columns; close is also the last close (it
	// carries over to the next row).
	open, high, low, close float64
	trades                 int64
	vol, notional          float64
	bySide                 [2]float64 // taker-buy volume in [1], the rest in [0]
	oi, oiv                float64
	funding                float64
	series                 map[string]float64
}

// NewGridBuilder returns a builder with the given step. seriesName maps an
// event's Series index to its name (nil if the stream has no series).
func NewGridBuilder(step Nanos, seriesName func(uint16) string) *GridBuilder {
	return &GridBuilder{g: Grid{Step: step, Series: map[string][]float64{}}, seriesNames: seriesName,
		close: math.NaN(), oi: math.NaN(), oiv: math.NaN(), funding: math.NaN(), series: map[string]float64{}}
}

// flush writes the current row's trade columns to the grid.
func (b *GridBuilder) flush() {
	if !b.started {
		return
	}
	g, i := &b.g, b.cur
	g.Open[i], g.High[i], g.Low[i], g.Close[i] = b.open, b.high, b.low, b.close
	g.Trades[i], g.Volume[i], g.Notional[i], g.BuyVolume[i] = b.trades, b.vol, b.notional, b.bySide[1]
}

// grow makes room for one more row in every column, growing the
// capacity by half when it runs out (append grows long slices by a
// quarter, copying every column about twice as often over a long run).
func (b *GridBuilder) grow() {
	g := &b.g
	if len(g.Close) < cap(g.Close) {
		return
	}
	n := max(cap(g.Close)*3/2, 1024)
	for _, c := range []*[]float64{&g.Open, &g.High, &g.Low, &g.Close, &g.Volume, &g.BuyVolume, &g.Notional,
		&g.OI, &g.OIValue, &g.Funding, &g.FundingRaw, &g.RecLiqLong, &g.RecLiqShort, &g.EstLiqLong, &g.EstLiqShort} {
		*c = append(make([]float64, 0, n), *c...)
	}
	g.Trades = append(make([]int64, 0, n), g.Trades...)
	g.FundingN = append(make([]int64, 0, n), g.FundingN...)
	g.FundingSettled = append(make([]bool, 0, n), g.FundingSettled...)
}

func (b *GridBuilder) appendRow() {
	b.grow()
	g := &b.g
	c := b.close
	b.open, b.high, b.low = c, c, c
	b.trades, b.vol, b.notional, b.bySide = 0, 0, 0, [2]float64{}
	g.Open = append(g.Open, c)
	g.High = append(g.High, c)
	g.Low = append(g.Low, c)
	g.Close = append(g.Close, c)
	g.Volume = append(g.Volume, 0)
	g.Notional = append(g.Notional, 0)
	g.FundingRaw = append(g.FundingRaw, 0)
	g.FundingN = append(g.FundingN, 0)
	g.BuyVolume = append(g.BuyVolume, 0)
	g.Trades = append(g.Trades, 0)
	g.OI = append(g.OI, b.oi)
	g.OIValue = append(g.OIValue, b.oiv)
	g.Funding = append(g.Funding, b.funding)
	g.FundingSettled = append(g.FundingSettled, false)
	g.RecLiqLong = append(g.RecLiqLong, 0)
	g.RecLiqShort = append(g.RecLiqShort, 0)
	g.EstLiqLong = append(g.EstLiqLong, 0)
	g.EstLiqShort = append(g.EstLiqShort, 0)
	n := len(g.Close)
	for name, v := range b.series {
		s := g.Series[name]
		for len(s) < n-1 {
			s = append(s, math.NaN())
		}
		g.Series[name] = append(s, v)
	}
}

// advance makes the current row the one containing t.
func (b *GridBuilder) advance(t Nanos) {
	if !b.started {
		b.g.T0 = t - ((t%b.g.Step)+b.g.Step)%b.g.Step
		b.appendRow()
		b.started = true
		b.cur = 0
		b.end = b.g.T0 + b.g.Step
	}
	if t < b.end {
		return
	}
	b.flush()
	for t >= b.g.T0+Nanos(b.cur+1)*b.g.Step {
		b.appendRow()
		b.cur++
	}
	b.end = b.g.T0 + Nanos(b.cur+1)*b.g.Step
}

// Add folds one event into the grid.
func (b *GridBuilder) Add(e *Event) {
	if e.TS >= b.end || !b.started {
		b.advance(e.TS)
	}
	if e.Kind == KindTrade {
		b.addTrade(e.Price, e.Qty, e.Side)
		if e.Flags&FlagBuyQty != 0 { // a recorded taker split: move it from the side
			b.splitBuy(e.Qty, e.Side, e.Value)
		}
		return
	}
	b.addState(e)
}

// addTrade folds a trade into the current row.
func (b *GridBuilder) addTrade(p, q float64, side int8) {
	if b.trades == 0 {
		b.open, b.high, b.low = p, p, p
	} else {
		if p > b.high {
			b.high = p
		}
		if p < b.low {
			b.low = p
		}
	}
	b.close = p
	b.trades++
	b.vol += q
	b.notional += p * q
	buy := 0 // an index, not a branch: taker sides alternate unpredictably
	if side > 0 {
		buy = 1
	}
	b.bySide[buy] += q
}

// splitBuy corrects the current row for a trade of q that addTrade put
// on side's taker side but whose taker-buy part is buy (bar path points).
// Path points are few (four per bar), so the subtraction's rounding is
// immaterial.
func (b *GridBuilder) splitBuy(q float64, side int8, buy float64) {
	if side > 0 {
		b.bySide[1] += buy - q
		b.bySide[0] += q - buy
	} else {
		b.bySide[1] += buy
		b.bySide[0] -= buy
	}
}

// addState folds a non-trade event into the current row.
func (b *GridBuilder) addState(e *Event) {
	g, i := &b.g, b.cur
	switch e.Kind {
	case KindOI:
		if !math.IsNaN(e.Qty) {
			b.oi = e.Qty
			g.OI[i] = e.Qty
		} else if !math.IsNaN(e.Value) && b.close > 0 {
			b.oi = e.Value / b.close
			g.OI[i] = b.oi
		}
		if !math.IsNaN(e.Value) {
			b.oiv = e.Value
			g.OIValue[i] = e.Value
		}
	case KindFunding:
		r := e.Value
		if e.Aux > 0 {
			r = r * 8 / e.Aux // per 8 hours
		}
		b.funding = r
		g.Funding[i] = r
		g.FundingSettled[i] = true
		g.FundingRaw[i] += e.Value
		g.FundingN[i]++
	case KindLiquidation:
		if e.Side > 0 {
			g.RecLiqLong[i] += e.Value
		} else {
			g.RecLiqShort[i] += e.Value
		}
	case KindSeries:
		if b.seriesNames == nil {
			return
		}
		name := b.seriesNames(e.Series)
		b.series[name] = e.Value
		s := g.Series[name]
		for len(s) < i {
			s = append(s, math.NaN())
		}
		if len(s) == i {
			s = append(s, e.Value)
		} else {
			s[i] = e.Value
		}
		g.Series[name] = s
	}
}

// AddEstimatedLiquidation adds simulator-estimated liquidated notional
// (quote) at time t to the grid; side +1 means longs were liquidated.
func (b *GridBuilder) AddEstimatedLiquidation(t Nanos, side int8, notional float64) {
	if t >= b.end || !b.started {
		b.advance(t)
	}
	if side > 0 {
		b.g.EstLiqLong[b.cur] += notional
	} else {
		b.g.EstLiqShort[b.cur] += notional
	}
}

// Grid returns the grid built so far; series columns are padded to the
// grid's length.
func (b *GridBuilder) Grid() *Grid {
	b.flush()
	g := &b.g
	for name, s := range g.Series {
		last := math.NaN()
		if len(s) > 0 {
			last = s[len(s)-1]
		}
		for len(s) < g.Len() {
			s = append(s, last)
		}
		g.Series[name] = s
	}
	return g
}

// DailyFromGrid summarises the grid by UTC day (the step must divide a
// day): OHLC from the steps with trades, sums of volume, notional and
// funding, and the open interest at the end of the day's first and last
// steps.
func DailyFromGrid(g *Grid) []DailyStat {
	var out []DailyStat
	var c *DailyStat
	for i := 0; i < g.Len(); i++ {
		day := g.Time(i).DayStart()
		if c == nil || c.Day != day {
			out = append(out, newDay(day))
			c = &out[len(out)-1]
			c.OIOpen = g.OI[i]
		}
		if n := g.Trades[i]; n > 0 {
			if c.Trades == 0 {
				c.Open, c.High, c.Low = g.Open[i], g.High[i], g.Low[i]
			}
			c.High = math.Max(c.High, g.High[i])
			c.Low = math.Min(c.Low, g.Low[i])
			c.Close = g.Close[i]
			c.Trades += n
			c.Volume += g.Volume[i]
			c.Notional += g.Notional[i]
			c.BuyVolume += g.BuyVolume[i]
		}
		if g.FundingN[i] > 0 {
			c.FundingSum += g.FundingRaw[i]
			c.FundingCount += g.FundingN[i]
			c.FundingLast = g.FundingRaw[i] / float64(g.FundingN[i])
		}
		if !math.IsNaN(g.OI[i]) {
			if math.IsNaN(c.OIOpen) {
				c.OIOpen = g.OI[i]
			}
			c.OIClose = g.OI[i]
		}
		if !math.IsNaN(g.OIValue[i]) {
			c.OIValueClose = g.OIValue[i]
		}
		c.EstLiqLong += g.EstLiqLong[i]
		c.EstLiqShort += g.EstLiqShort[i]
	}
	return out
}

// Live returns the grid being built, without padding, for reading while
// events are still added (online signals). The pointer stays valid as rows
// are appended; re-read its columns after each Add, since appending may
// move them.
//
// Rows 0..Len()−2 are complete. Row Len()−1 is the current row: its state
// columns (OI, funding, liquidations, series) are up to date, and its
// trade columns (Open, High, Low, Close, Volume, BuyVolume, Notional,
// Trades) as of the last call to Live or Grid; they are written in full
// when the builder leaves the row. When the stream has ended, call Live
// (or Grid) once more: the last row is then complete too. Unlike Grid,
// Live does not pad series: a column appears with its series' first event
// (NaN before it) and may be shorter than Len(); its missing rows hold its
// last value, as Grid's padding would give.
func (b *GridBuilder) Live() *Grid {
	b.flush()
	return &b.g
}
