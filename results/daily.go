package results

import (
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// MarketDaily converts the engine's daily statistics into the market_daily
// table; simulated says whether the simulator ran (its estimated
// liquidations are NULL otherwise).
func MarketDaily(rows []engine.DailyStat, simulated bool) Table {
	n := len(rows)
	day := make([]time.Time, n)
	f := func() []float64 { return make([]float64, n) }
	open, high, low, cl, vol, notional, buy := f(), f(), f(), f(), f(), f(), f()
	fsum, flast, oiOpen, oiClose, oiVal := f(), f(), f(), f(), f()
	trades, fcount := make([]int64, n), make([]int64, n)
	el, es := f(), f()
	for i, r := range rows {
		el[i], es[i] = math.NaN(), math.NaN()
		if simulated {
			el[i], es[i] = r.EstLiqLong, r.EstLiqShort
		}
		day[i] = r.Day.Time()
		open[i], high[i], low[i], cl[i] = r.Open, r.High, r.Low, r.Close
		trades[i], vol[i], notional[i], buy[i] = r.Trades, r.Volume, r.Notional, r.BuyVolume
		fsum[i], fcount[i], flast[i] = r.FundingSum, r.FundingCount, r.FundingLast
		oiOpen[i], oiClose[i], oiVal[i] = r.OIOpen, r.OIClose, r.OIValueClose
	}
	return Table{Name: "market_daily", Cols: []Column{
		{Name: "day", Type: Date, TS: day},
		{Name: "open", Type: Float, F64: open}, {Name: "high", Type: Float, F64: high},
		{Name: "low", Type: Float, F64: low}, {Name: "close", Type: Float, F64: cl},
		{Name: "trades", Type: Int, I64: trades}, {Name: "volume", Type: Float, F64: vol},
		{Name: "notional", Type: Float, F64: notional}, {Name: "buy_volume", Type: Float, F64: buy},
		{Name: "funding_sum", Type: Float, F64: fsum}, {Name: "funding_count", Type: Int, I64: fcount},
		{Name: "funding_last", Type: Float, F64: flast},
		{Name: "oi_open", Type: Float, F64: oiOpen}, {Name: "oi_close", Type: Float, F64: oiClose},
		{Name: "oi_value_close", Type: Float, F64: oiVal},
		{Name: "est_liq_long", Type: Float, F64: el}, {Name: "est_liq_short", Type: Float, F64: es},
	}}
}
