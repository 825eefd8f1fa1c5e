package strategy_test

import (
	"context"
	"fmt"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/strategy"
)

// breakout buys once with a bracket: take profit +2%, stop loss -1%.
type breakout struct{ done bool }

func (b *breakout) OnEvent(c *strategy.Context, e *engine.Event) error {
	if b.done || e.Kind != engine.KindTrade {
		return nil
	}
	b.done = true
	p := c.Price()
	_, err := c.Submit(strategy.Order{Type: strategy.Market, Side: perp.Long, Notional: 5_000,
		TakeProfit: p * 1.02, StopLoss: p * 0.99, Tag: "breakout"})
	return err
}

func (b *breakout) OnSignal(*strategy.Context, strategy.Signal) error { return nil }

// A market entry with a bracket: the entry fills at the next trade, the
// take profit when a later trade trades through 51 000, and the stop loss
// is cancelled (one-cancels-other).
func ExampleRun() {
	var evs []engine.Event
	for i, p := range []float64{50_000, 50_100, 50_600, 51_000, 51_050, 49_000} {
		evs = append(evs, engine.Event{TS: engine.Nanos(i) * engine.Second, Kind: engine.KindTrade, Price: p, Qty: 1})
	}
	v := strategy.Variant{Name: "breakout", Strategy: &breakout{}, Account: strategy.DefaultAccountConfig()}
	rs, err := strategy.Run(context.Background(), memfeed.New(evs), []strategy.Variant{v}, strategy.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rs[0]
	for _, f := range r.Fills {
		fmt.Printf("%s %s %.1f @ %.0f fee %.2f %s pnl %.2f\n", f.Tag, f.Side, f.Qty, f.Price, f.Fee, f.Liquidity, f.RealizedPnL)
	}
	for _, o := range r.Orders {
		fmt.Printf("order %d %s %s %s", o.ID, o.Tag, o.Type, o.Status)
		if o.Reason != "" {
			fmt.Printf(" (%s)", o.Reason)
		}
		fmt.Println()
	}
	fmt.Printf("equity %.2f, %d round trip, %d winning\n", r.Summary.EndEquity, r.Summary.Trades, r.Summary.WinningTrades)
	// Output:
	// breakout long 0.1 @ 50100 fee 2.50 taker pnl 0.00
	// breakout.tp short 0.1 @ 51000 fee 1.02 maker pnl 90.00
	// order 1 breakout market filled
	// order 2 breakout.tp limit filled
	// order 3 breakout.sl stop cancelled (one-cancels-other)
	// equity 10086.48, 1 round trip, 1 winning
}
