package engine

import "math"

// DailyStat summarises one UTC day of a replayed market: the price path
// from trades (real or bar-path), traded volume and notional, taker flow,
// funding and open interest. It is the base feature table of every run.
type DailyStat struct {
	Day                    Nanos // 00:00 UTC
	Open, High, Low, Close float64
	Trades                 int64   // trade events (bar-path points included)
	Volume                 float64 // base units
	Notional               float64 // quote
	BuyVolume              float64 // taker-buy base volume
	FundingSum             float64 // sum of funding rates settled in the day
	FundingCount           int64
	FundingLast            float64 // NaN if none
	OIOpen, OIClose        float64 // base units; NaN if none
	OIValueClose           float64 // quote; NaN if none
}

// DailyStats accumulates DailyStat rows from an event stream in time order.
type DailyStats struct {
	rows []DailyStat
	cur  *DailyStat
}

func newDay(day Nanos) DailyStat {
	nan := math.NaN()
	return DailyStat{Day: day, Open: nan, High: nan, Low: nan, Close: nan, FundingLast: nan, OIOpen: nan, OIClose: nan, OIValueClose: nan}
}

// Add folds one event into the day it belongs to.
func (d *DailyStats) Add(e *Event) {
	day := e.TS.DayStart()
	if d.cur == nil || d.cur.Day != day {
		d.rows = append(d.rows, newDay(day))
		d.cur = &d.rows[len(d.rows)-1]
	}
	c := d.cur
	switch e.Kind {
	case KindTrade:
		if c.Trades == 0 {
			c.Open, c.High, c.Low = e.Price, e.Price, e.Price
		}
		c.High = math.Max(c.High, e.Price)
		c.Low = math.Min(c.Low, e.Price)
		c.Close = e.Price
		c.Trades++
		c.Volume += e.Qty
		c.Notional += e.Price * e.Qty
		if e.Side > 0 {
			c.BuyVolume += e.Qty
		}
	case KindFunding:
		c.FundingSum += e.Value
		c.FundingCount++
		c.FundingLast = e.Value
	case KindOI:
		if !math.IsNaN(e.Qty) {
			if math.IsNaN(c.OIOpen) {
				c.OIOpen = e.Qty
			}
			c.OIClose = e.Qty
		}
		if !math.IsNaN(e.Value) {
			c.OIValueClose = e.Value
		}
	}
}

// Rows returns the days accumulated so far, in time order.
func (d *DailyStats) Rows() []DailyStat { return d.rows }
