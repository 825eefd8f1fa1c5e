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
type GridBuilder struct {
	g           Grid
	seriesNames func(uint16) string
	started     bool
	cur         int
	lastClose   float64
	oi, oiv     float64
	funding     float64
	series      map[string]float64
}

// NewGridBuilder returns a builder with the given step. seriesName maps an
// event's Series index to its name (nil if the stream has no series).
func NewGridBuilder(step Nanos, seriesName func(uint16) string) *GridBuilder {
	return &GridBuilder{g: Grid{Step: step, Series: map[string][]float64{}}, seriesNames: seriesName,
		lastClose: math.NaN(), oi: math.NaN(), oiv: math.NaN(), funding: math.NaN(), series: map[string]float64{}}
}

func (b *GridBuilder) appendRow() {
	g := &b.g
	c := b.lastClose
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
		b.started = true
		b.g.T0 = t - ((t%b.g.Step)+b.g.Step)%b.g.Step
		b.appendRow()
		b.cur = 0
	}
	for t >= b.g.T0+Nanos(b.cur+1)*b.g.Step {
		b.appendRow()
		b.cur++
	}
}

// Add folds one event into the grid.
func (b *GridBuilder) Add(e *Event) {
	b.advance(e.TS)
	g, i := &b.g, b.cur
	switch e.Kind {
	case KindTrade:
		p := e.Price
		if g.Trades[i] == 0 {
			g.Open[i], g.High[i], g.Low[i] = p, p, p
		} else {
			if p > g.High[i] {
				g.High[i] = p
			}
			if p < g.Low[i] {
				g.Low[i] = p
			}
		}
		g.Close[i] = p
		b.lastClose = p
		g.Trades[i]++
		g.Volume[i] += e.Qty
		g.Notional[i] += p * e.Qty
		if e.Side > 0 {
			g.BuyVolume[i] += e.Qty
		}
	case KindOI:
		if !math.IsNaN(e.Qty) {
			b.oi = e.Qty
			g.OI[i] = e.Qty
		} else if !math.IsNaN(e.Value) && b.lastClose > 0 {
			b.oi = e.Value / b.lastClose
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
	b.advance(t)
	if side > 0 {
		b.g.EstLiqLong[b.cur] += notional
	} else {
		b.g.EstLiqShort[b.cur] += notional
	}
}

// Grid returns the grid built so far; series columns are padded to the
// grid's length.
func (b *GridBuilder) Grid() *Grid {
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
