package strategy

import (
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/stats"
)

// Window is a time range [From, To) of a run, named by its sample (all,
// in, out).
type Window struct {
	Sample   string
	From, To engine.Nanos
}

// Metrics is one variant's performance over one window.
type Metrics struct {
	Sample                 string
	Start, End             engine.Nanos // first and last equity sample in the window
	StartEquity, EndEquity float64
	// Perf holds the equity-curve statistics (returns, Sharpe, drawdown,
	// PSR and DSR deflated by the variants tried).
	Perf stats.Performance
	// WinRate and ProfitFactor are over the round trips closed in the
	// window (NaN without any).
	WinRate, ProfitFactor float64
	// Exposure is the share of equity samples with a position; Turnover
	// the traded notional over the mean equity.
	Exposure, Turnover float64
	// Fees (trading fees paid, > 0 = cost), Funding (received, < 0 =
	// paid) and LiquidationFees (liquidation fees and insurance-fund
	// transfers paid) are sums of the ledger over the window.
	Fees, Funding, LiquidationFees float64
	Liquidations, Trades, Fills    int
}

// Evaluate computes the metrics of every result over every window. The
// equity curves must be sampled every every. The deflated Sharpe ratio of
// each window uses trials variants (at least len(rs)) and the
// cross-sectional variance of the variants' per-period Sharpe ratios in
// that window. out[i][w] is result i over window w.
func Evaluate(rs []Result, ws []Window, every time.Duration, trials int) [][]Metrics {
	trials = max(trials, len(rs))
	out := make([][]Metrics, len(rs))
	curves := make([][][]float64, len(rs))
	for i := range rs {
		out[i] = make([]Metrics, len(ws))
		curves[i] = make([][]float64, len(ws))
		for w, win := range ws {
			out[i][w], curves[i][w] = window(&rs[i], win)
		}
	}
	perYear := math.Sqrt(float64(stats.Year) / float64(every))
	for w := range ws {
		srs := make([]float64, len(rs))
		for i := range rs {
			srs[i] = stats.Perf(curves[i][w], every, 1, 0).Sharpe / perYear
		}
		v := stats.SharpeVariance(srs)
		for i := range rs {
			out[i][w].Perf = stats.Perf(curves[i][w], every, trials, v)
		}
	}
	return out
}

// window computes everything but Perf for one result and window, and
// returns the window's equity values.
func window(r *Result, win Window) (Metrics, []float64) {
	in := func(t engine.Nanos) bool { return t >= win.From && t < win.To }
	m := Metrics{Sample: win.Sample, WinRate: math.NaN(), ProfitFactor: math.NaN(), Exposure: math.NaN(), Turnover: math.NaN()}
	var eq []float64
	var held int
	var sum float64
	for _, p := range r.Equity {
		if !in(p.TS) {
			continue
		}
		if len(eq) == 0 {
			m.Start, m.StartEquity = p.TS, p.Equity
		}
		m.End, m.EndEquity = p.TS, p.Equity
		eq = append(eq, p.Equity)
		sum += p.Equity
		if p.Position != 0 {
			held++
		}
	}
	if len(eq) > 0 {
		m.Exposure = float64(held) / float64(len(eq))
	}
	var notional float64
	for _, f := range r.Fills {
		if !in(f.TS) {
			continue
		}
		m.Fills++
		notional += math.Abs(f.Qty) * f.Price
		if f.Liquidation {
			m.Liquidations++
		}
	}
	if sum > 0 {
		m.Turnover = notional / (sum / float64(len(eq)))
	}
	for _, c := range r.Ledger {
		if !in(c.TS) {
			continue
		}
		switch c.Kind {
		case CashFee:
			m.Fees -= c.Amount
		case CashFunding:
			m.Funding += c.Amount
		case CashLiquidationFee, CashInsuranceFund:
			m.LiquidationFees -= c.Amount
		}
	}
	var pnls []float64
	for _, t := range r.RoundTrips {
		if in(t.Close) {
			pnls = append(pnls, t.PnL)
		}
	}
	m.Trades = len(pnls)
	if len(pnls) > 0 {
		m.WinRate, m.ProfitFactor = stats.TradeStats(pnls)
	}
	return m, eq
}
