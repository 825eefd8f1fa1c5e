package strategy

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
)

// randomTrader places random orders of every kind on trades and random
// bracket entries on signals. With t set it checks the account invariants
// after every event.
type randomTrader struct {
	r    *rand.Rand
	rate float64 // probability of an action per trade
	t    *testing.T
	name string

	prevTrade float64 // the trade before the current one
	lastTrade float64
	checked   int // fills checked so far
	events    int
	ids       []OrderID
}

func newRandomTrader(seed uint64, rate float64, t *testing.T, name string) *randomTrader {
	return &randomTrader{r: rand.New(rand.NewPCG(seed, 7)), rate: rate, t: t, name: name}
}

func (s *randomTrader) act(c *Context) error {
	a := c.Account()
	p := c.Price()
	if p <= 0 {
		return nil
	}
	side := perp.Side(1 - 2*s.r.IntN(2))
	lev := a.Config().Leverage
	qty := a.Equity() * lev * (0.05 + 0.6*s.r.Float64()) / p
	off := 1 + float64(side)*(s.r.Float64()*0.01)
	var o Order
	switch k := s.r.IntN(12); {
	case k < 3:
		o = Order{Type: Market, Side: side, Qty: qty}
	case k < 5:
		o = Order{Type: Limit, Side: side, Qty: qty, Price: p * (2 - off)} // below for a buy: rests
	case k == 5:
		o = Order{Type: Limit, Side: side, Qty: qty, Price: p * off} // marketable
	case k == 6:
		o = Order{Type: Stop, Side: side, Qty: qty, StopPrice: p * off}
	case k == 7:
		if a.Position() == 0 {
			return nil
		}
		o = Order{Type: Market, Side: -a.Side(), Qty: math.Abs(a.Position()) * 2 * s.r.Float64(), ReduceOnly: true}
		if s.r.IntN(2) == 0 {
			o.Type, o.Price = Limit, p*(1-float64(a.Side())*0.003)
		}
	case k == 8:
		o = Order{Type: Market, Side: side, Notional: a.Equity() * lev * 0.3,
			TakeProfit: p * (1 + float64(side)*0.004), StopLoss: p * (1 - float64(side)*0.004)}
	case k == 9:
		if len(s.ids) > 0 {
			return c.Cancel(s.ids[s.r.IntN(len(s.ids))])
		}
		return nil
	case k == 10:
		_, err := c.Close("close")
		return err
	default:
		c.CancelAll()
		return nil
	}
	o.Tag = fmt.Sprintf("r%d", s.events)
	id, err := c.Submit(o)
	s.ids = append(s.ids, id)
	return err
}

func (s *randomTrader) OnEvent(c *Context, e *engine.Event) error {
	s.events++
	if e.Kind == engine.KindTrade {
		s.prevTrade, s.lastTrade = s.lastTrade, e.Price
	}
	if s.t != nil {
		s.check(c, e)
	}
	if e.Kind == engine.KindTrade && s.r.Float64() < s.rate {
		return s.act(c)
	}
	return nil
}

func (s *randomTrader) OnSignal(c *Context, sg Signal) error {
	p := c.Price()
	if p <= 0 {
		return nil
	}
	side := perp.Side(1 - 2*s.r.IntN(2))
	_, err := c.Submit(Order{Type: Market, Side: side, Notional: c.Account().Equity() * 0.5,
		TakeProfit: p * (1 + float64(side)*0.01), StopLoss: p * (1 - float64(side)*0.01), Tag: sg.Name})
	return err
}

// check verifies the invariants after event e.
func (s *randomTrader) check(c *Context, e *engine.Event) {
	t := s.t
	t.Helper()
	a := c.Account()
	fail := func(format string, args ...any) {
		t.Fatalf("%s: event %d at %s (kind %s): %s", s.name, s.events, e.TS, e.Kind, fmt.Sprintf(format, args...))
	}
	// Balance = capital + Σ ledger, entry by entry, and never negative.
	bal := a.Config().Capital
	for i, cf := range c.Ledger() {
		bal += cf.Amount
		if cf.Balance != bal {
			fail("ledger %d (%s) balance %v, running sum %v", i, cf.Kind, cf.Balance, bal)
		}
	}
	if bal != a.Balance() {
		fail("balance %v, capital + Σ ledger %v", a.Balance(), bal)
	}
	if a.Balance() < -1e-9 {
		fail("negative wallet %v", a.Balance())
	}
	// Equity = balance + unrealised at the last trade.
	upnl := a.Position() * (c.Price() - a.Entry())
	if d := a.Equity() - (a.Balance() + upnl); math.Abs(d) > 1e-9*math.Max(1, math.Abs(a.Equity())) {
		fail("equity %v, balance + unrealised %v", a.Equity(), a.Balance()+upnl)
	}
	// New fills happen at this trade, within the range traded from the
	// previous trade to this one, plus the recorded slippage.
	fills := c.Fills()
	pos := 0.0
	for _, f := range fills {
		pos += f.Side.Sign() * f.Qty
	}
	if math.Abs(pos-a.Position()) > 1e-9*math.Max(1, math.Abs(pos)) {
		fail("position %v, Σ fills %v", a.Position(), pos)
	}
	for ; s.checked < len(fills); s.checked++ {
		f := fills[s.checked]
		if e.Kind != engine.KindTrade || f.TS != e.TS {
			fail("fill %+v not at this trade", f)
		}
		lo, hi := e.Price, e.Price
		if s.prevTrade > 0 {
			lo, hi = math.Min(lo, s.prevTrade), math.Max(hi, s.prevTrade)
		}
		raw := f.Price - f.Side.Sign()*f.Slippage
		if f.Slippage < 0 || raw < lo*(1-1e-12) || raw > hi*(1+1e-12) {
			fail("fill %+v: price before slippage %v outside [%v, %v]", f, raw, lo, hi)
		}
		if f.Qty <= 0 || f.Price <= 0 {
			fail("fill %+v", f)
		}
	}
	// Flat: no reduce-only order (bracket legs included) is left open.
	if a.Position() == 0 {
		for _, o := range c.AppendOpenOrders(nil) {
			if o.ReduceOnly {
				fail("reduce-only order %+v open while flat", o)
			}
		}
	}
}

func invariantVariants(t *testing.T, g *engine.Grid) []Variant {
	mk := func(name string, mode MarginMode, lev, capital float64, mod func(*AccountConfig)) Variant {
		ac := DefaultAccountConfig()
		ac.Margin, ac.Leverage, ac.Capital = mode, lev, capital
		if mod != nil {
			mod(&ac)
		}
		v := Variant{Name: name, Strategy: newRandomTrader(uint64(len(name))*31+uint64(lev), 0.02, t, name), Account: ac}
		if g != nil {
			on := make([]bool, g.Len())
			for i := range on {
				on[i] = i%37 == 5
			}
			v.Signals = []SignalInput{{Name: "every37", On: on}}
		}
		return v
	}
	return []Variant{
		mk("iso1x", Isolated, 1, 10_000, nil),
		mk("iso20x", Isolated, 20, 10_000, nil),
		mk("iso75x-impact", Isolated, 75, 2_000, func(c *AccountConfig) { c.Impact = constImpact(0.0005) }),
		mk("cross5x", Cross, 5, 10_000, nil),
		mk("cross50x-lowfee", Cross, 50, 1_000, func(c *AccountConfig) { c.LiquidationFee = 0.001 }),
		mk("cross10x-calibrated", Cross, 10, 10_000, func(c *AccountConfig) {
			c.CalibratedImpact = &liquidation.ImpactConfig{Model: "sqrt", Coefficient: 1, Window: 6 * time.Hour}
		}),
		mk("iso125x-tiny", Isolated, 125, 300, nil),
	}
}

// TestInvariants runs random traders over random-walk markets (ticks and
// bar paths, funding with NaN marks, OI and series events) and checks the
// accounting invariants after every event.
func TestInvariants(t *testing.T) {
	streams := map[string][]engine.Event{
		"ticks": walkStream(3, 40_000, 5*engine.Second, 0.0015, 0.002),
		"bars":  barStream(4, 6_000, engine.Minute, 0.004, 0.002),
	}
	for _, name := range []string{"ticks", "bars"} {
		evs := streams[name]
		t.Run(name, func(t *testing.T) {
			g := gridOf(evs)
			vs := invariantVariants(t, g)
			rs, err := Run(context.Background(), memfeed.New(evs), vs, Config{Grid: g, EquityEvery: 30 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			liqs, fills, rejected := 0, 0, 0
			for i, res := range rs {
				checkResult(t, vs[i].Account.WithDefaults(), res)
				liqs += res.Summary.Liquidations
				fills += res.Summary.Fills
				rejected += res.Summary.Rejected
			}
			t.Logf("%d fills, %d liquidations, %d rejected orders over %d variants", fills, liqs, rejected, len(rs))
			if liqs == 0 || fills < 500 || rejected == 0 {
				t.Errorf("the random traders did not exercise enough: %d fills, %d liquidations, %d rejections", fills, liqs, rejected)
			}
		})
	}
}

// checkResult checks a result's internal consistency.
func checkResult(t *testing.T, ac AccountConfig, res Result) {
	t.Helper()
	s := res.Summary
	last := res.Equity[len(res.Equity)-1]
	if last.TS != s.End || last.Equity != s.EndEquity {
		t.Errorf("%s: last equity point %+v, summary end %v %v", res.Name, last, s.End, s.EndEquity)
	}
	if bal := ledgerSum(ac.Capital, res.Ledger); bal != last.Cash {
		t.Errorf("%s: final cash %v, capital + Σ ledger %v", res.Name, last.Cash, bal)
	}
	for i, e := range res.Equity {
		if math.Abs(e.Equity-(e.Cash+e.Unrealized)) > 1e-9*math.Abs(e.Equity) {
			t.Errorf("%s: equity point %d %+v", res.Name, i, e)
		}
		if i > 0 && e.TS <= res.Equity[i-1].TS {
			t.Errorf("%s: equity points %d, %d out of order", res.Name, i-1, i)
		}
	}
	var turnover, fees, liqFees float64
	for _, f := range res.Fills {
		turnover += f.Qty * f.Price
		if f.Liquidation {
			liqFees += f.Fee
		} else {
			fees += f.Fee
		}
	}
	near(t, res.Name+" turnover", s.TurnoverNotional, turnover, 1e-6*turnover)
	near(t, res.Name+" fees", s.Fees, fees, 1e-6)
	near(t, res.Name+" fee ledger", -kindSum(res.Ledger, CashFee), fees, 1e-6)
	near(t, res.Name+" liquidation fees", s.LiquidationFees, liqFees, 1e-6)
	near(t, res.Name+" funding", s.Funding, kindSum(res.Ledger, CashFunding), 1e-6)
	var pnl float64
	wins, losses := 0, 0
	for _, rt := range res.RoundTrips {
		pnl += rt.PnL
		if rt.PnL > 0 {
			wins++
		} else if rt.PnL < 0 {
			losses++
		}
	}
	if s.Trades != len(res.RoundTrips) || s.WinningTrades != wins || s.LosingTrades != losses {
		t.Errorf("%s: summary trades %d/%d/%d, round trips %d/%d/%d", res.Name, s.Trades, s.WinningTrades, s.LosingTrades, len(res.RoundTrips), wins, losses)
	}
	near(t, res.Name+" gross profit − loss", s.GrossProfit-s.GrossLoss, pnl, 1e-6)
	if last.Position == 0 {
		// Flat at the end: the round trips account for every cashflow.
		near(t, res.Name+" Σ round-trip PnL", pnl, s.EndEquity-ac.Capital, 1e-6)
	}
	if !(s.ExposureTime >= 0 && s.ExposureTime <= 1) {
		t.Errorf("%s: exposure %v", res.Name, s.ExposureTime)
	}
	for i, r := range res.Orders {
		if r.ID != OrderID(i+1) {
			t.Errorf("%s: order record %d has ID %d", res.Name, i, r.ID)
		}
		if (r.Status == StatusOpen) != (r.Done == 0) {
			t.Errorf("%s: order %+v", res.Name, r)
		}
	}
}
