package results

import (
	"time"

	"github.com/cascade-research/cascade/engine/strategy"
)

// StrategyRun is one traded variant with its metrics per sample.
type StrategyRun struct {
	Strategy string // name in the scenario
	Variant  int    // index in its parameter grid
	Result   *strategy.Result
	Metrics  []strategy.Metrics
}

// StrategyTables converts traded variants into the strategy_metrics,
// strategy_orders, strategy_fills, strategy_ledger and strategy_equity
// tables; tried is the number of variants tried in the run.
func StrategyTables(runs []StrategyRun, tried int) []Table {
	return []Table{strategyMetrics(runs, tried), strategyOrders(runs), strategyFills(runs), strategyLedger(runs), strategyEquity(runs)}
}

// keys holds the three leading columns every strategy table shares.
type keys struct {
	name    []string
	variant []int64
}

func (k *keys) add(r *StrategyRun) {
	k.name = append(k.name, r.Strategy)
	k.variant = append(k.variant, int64(r.Variant))
}

func (k *keys) cols() []Column {
	return []Column{{Name: "strategy", Type: String, Str: k.name}, {Name: "variant", Type: Int, I64: k.variant}}
}

func strategyMetrics(runs []StrategyRun, tried int) Table {
	var k keys
	var params, sample []string
	var start, end []time.Time
	var ddS, liqs, trades, fills, triedC []int64
	fs := make([][]float64, 18)
	for i := range runs {
		r := &runs[i]
		for _, m := range r.Metrics {
			k.add(r)
			params, sample = append(params, r.Result.Params), append(sample, m.Sample)
			start, end = append(start, m.Start.Time()), append(end, m.End.Time())
			p := m.Perf
			for j, x := range []float64{m.StartEquity, m.EndEquity, p.TotalReturn, p.CAGR, p.Volatility, p.Sharpe, p.Sortino,
				p.MaxDrawdown, p.Calmar, m.WinRate, m.ProfitFactor, m.Exposure, m.Turnover, m.Fees, m.Funding, m.LiquidationFees, p.PSR, p.DSR} {
				fs[j] = append(fs[j], x)
			}
			ddS = append(ddS, int64(p.MaxDrawdownDuration/time.Second))
			liqs, trades, fills = append(liqs, int64(m.Liquidations)), append(trades, int64(m.Trades)), append(fills, int64(m.Fills))
			triedC = append(triedC, int64(tried))
		}
	}
	f := func(name string, j int) Column { return Column{Name: name, Type: Float, F64: fs[j]} }
	cols := append(k.cols(), Column{Name: "params", Type: String, Str: params}, Column{Name: "sample", Type: String, Str: sample},
		Column{Name: "start_ts", Type: Time, TS: start}, Column{Name: "end_ts", Type: Time, TS: end},
		f("start_equity", 0), f("end_equity", 1), f("total_return", 2), f("cagr", 3), f("volatility", 4), f("sharpe", 5), f("sortino", 6),
		f("max_drawdown", 7), Column{Name: "max_drawdown_s", Type: Int, I64: ddS}, f("calmar", 8), f("win_rate", 9), f("profit_factor", 10),
		f("exposure", 11), f("turnover", 12), f("fees", 13), f("funding", 14), f("liquidation_fees", 15),
		Column{Name: "liquidations", Type: Int, I64: liqs}, Column{Name: "trades", Type: Int, I64: trades}, Column{Name: "fills", Type: Int, I64: fills},
		f("psr", 16), f("dsr", 17), Column{Name: "variants_tried", Type: Int, I64: triedC})
	return Table{Name: "strategy_metrics", Cols: cols}
}

// orderType names an order type as the tables write it.
func orderType(t strategy.OrderType) string {
	switch t {
	case strategy.Market:
		return "market"
	case strategy.Limit:
		return "limit"
	case strategy.Stop:
		return "stop"
	}
	return "unknown"
}

func strategyOrders(runs []StrategyRun) Table {
	var k keys
	var id []int64
	var sub, done []time.Time
	var typ, side, status, reason, tag []string
	var qty, price, stop, tp, sl, filled, avg []float64
	var ro []bool
	for i := range runs {
		r := &runs[i]
		for _, o := range r.Result.Orders {
			k.add(r)
			id = append(id, int64(o.ID))
			sub, done = append(sub, o.Submitted.Time()), append(done, o.Done.Time())
			typ, side, status, reason, tag = append(typ, orderType(o.Type)), append(side, o.Side.String()), append(status, o.Status), append(reason, o.Reason), append(tag, o.Tag)
			qty, price, stop = append(qty, o.Qty), append(price, o.Price), append(stop, o.StopPrice)
			tp, sl, filled, avg = append(tp, o.TakeProfit), append(sl, o.StopLoss), append(filled, o.FilledQty), append(avg, o.AvgPrice)
			ro = append(ro, o.ReduceOnly)
		}
	}
	return Table{Name: "strategy_orders", Cols: append(k.cols(),
		Column{Name: "order_id", Type: Int, I64: id}, Column{Name: "submitted", Type: Time, TS: sub}, Column{Name: "done", Type: Time, TS: done},
		Column{Name: "type", Type: String, Str: typ}, Column{Name: "side", Type: String, Str: side},
		Column{Name: "qty", Type: Float, F64: qty}, Column{Name: "price", Type: Float, F64: price}, Column{Name: "stop_price", Type: Float, F64: stop},
		Column{Name: "reduce_only", Type: Bool, Bools: ro}, Column{Name: "take_profit", Type: Float, F64: tp}, Column{Name: "stop_loss", Type: Float, F64: sl},
		Column{Name: "status", Type: String, Str: status}, Column{Name: "reason", Type: String, Str: reason},
		Column{Name: "filled_qty", Type: Float, F64: filled}, Column{Name: "avg_price", Type: Float, F64: avg}, Column{Name: "tag", Type: String, Str: tag})}
}

func strategyFills(runs []StrategyRun) Table {
	var k keys
	var ts []time.Time
	var id []int64
	var side, liq, tag []string
	var qty, price, slip, fee, pnl []float64
	var isLiq []bool
	for i := range runs {
		r := &runs[i]
		for _, f := range r.Result.Fills {
			k.add(r)
			ts, id = append(ts, f.TS.Time()), append(id, int64(f.OrderID))
			side, liq, tag = append(side, f.Side.String()), append(liq, f.Liquidity), append(tag, f.Tag)
			qty, price, slip, fee, pnl = append(qty, f.Qty), append(price, f.Price), append(slip, f.Slippage), append(fee, f.Fee), append(pnl, f.RealizedPnL)
			isLiq = append(isLiq, f.Liquidation)
		}
	}
	return Table{Name: "strategy_fills", Cols: append(k.cols(),
		Column{Name: "ts", Type: Time, TS: ts}, Column{Name: "order_id", Type: Int, I64: id}, Column{Name: "side", Type: String, Str: side},
		Column{Name: "qty", Type: Float, F64: qty}, Column{Name: "price", Type: Float, F64: price}, Column{Name: "slippage", Type: Float, F64: slip},
		Column{Name: "fee", Type: Float, F64: fee}, Column{Name: "liquidity", Type: String, Str: liq}, Column{Name: "realized_pnl", Type: Float, F64: pnl},
		Column{Name: "liquidation", Type: Bool, Bools: isLiq}, Column{Name: "tag", Type: String, Str: tag})}
}

func strategyLedger(runs []StrategyRun) Table {
	var k keys
	var ts []time.Time
	var kind []string
	var amount, bal []float64
	var ref []int64
	for i := range runs {
		r := &runs[i]
		for _, c := range r.Result.Ledger {
			k.add(r)
			ts, kind = append(ts, c.TS.Time()), append(kind, c.Kind)
			amount, bal, ref = append(amount, c.Amount), append(bal, c.Balance), append(ref, int64(c.Ref))
		}
	}
	return Table{Name: "strategy_ledger", Cols: append(k.cols(),
		Column{Name: "ts", Type: Time, TS: ts}, Column{Name: "kind", Type: String, Str: kind},
		Column{Name: "amount", Type: Float, F64: amount}, Column{Name: "balance", Type: Float, F64: bal}, Column{Name: "order_id", Type: Int, I64: ref})}
}

func strategyEquity(runs []StrategyRun) Table {
	var k keys
	var ts []time.Time
	var eq, cash, upnl, pos, price []float64
	for i := range runs {
		r := &runs[i]
		for _, p := range r.Result.Equity {
			k.add(r)
			ts = append(ts, p.TS.Time())
			eq, cash, upnl, pos, price = append(eq, p.Equity), append(cash, p.Cash), append(upnl, p.Unrealized), append(pos, p.Position), append(price, p.Price)
		}
	}
	return Table{Name: "strategy_equity", Cols: append(k.cols(),
		Column{Name: "ts", Type: Time, TS: ts}, Column{Name: "equity", Type: Float, F64: eq}, Column{Name: "cash", Type: Float, F64: cash},
		Column{Name: "unrealized", Type: Float, F64: upnl}, Column{Name: "position", Type: Float, F64: pos}, Column{Name: "price", Type: Float, F64: price})}
}
