package engine

import "math"

// DailyStat summarises one UTC day of a replayed market: the price path
// from trades (real or bar-path), traded volume and notional, taker flow,
// funding and open interest. It is the base feature table of every run.
type DailyStat struct {
	Day                     Nanos // 00:00 UTC
	Open, High, Low, Close  float64
	Trades                  int64   // trade events (bar-path points included)
	Volume                  float64 // base units
	Notional                float64 // quote
	BuyVolume               float64 // taker-buy base volume
	FundingSum              float64 // sum of funding rates settled in the day
	FundingCount            int64
	FundingLast             float64 // NaN if none
	OIOpen, OIClose         float64 // base units at the end of the day's first and last grid steps (DailyFromGrid); NaN if none
	OIValueClose            float64 // quote; NaN if none
	EstLiqLong, EstLiqShort float64 // simulator-estimated liquidations (quote)
}

func newDay(day Nanos) DailyStat {
	nan := math.NaN()
	return DailyStat{Day: day, Open: nan, High: nan, Low: nan, Close: nan, FundingLast: nan, OIOpen: nan, OIClose: nan, OIValueClose: nan}
}
