package strategy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// fillCase submits orders after event 0 (or the given indexes) of a
// one-trade-per-second stream and checks the fills.
type fillCase struct {
	name   string
	prices []float64
	orders map[int][]Order
	ac     *AccountConfig
	want   []string // "i side qty@price liquidity slip" per fill, i = event index
}

func fillString(f Fill) string {
	return fmt.Sprintf("%d %s %g@%.6g %s %.6g", (f.TS-t0)/engine.Second, f.Side, f.Qty, f.Price, f.Liquidity, f.Slippage)
}

func runFillCases(t *testing.T, tests []fillCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ac := zeroFees()
			if tc.ac != nil {
				ac = *tc.ac
			}
			res := run1(t, trades(tc.prices...), &plan{at: tc.orders}, ac)
			var got []string
			for _, f := range res.Fills {
				got = append(got, fillString(f))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("fills:\n%s\nwant:\n%s\norders: %+v", strings.Join(got, "\n"), strings.Join(tc.want, "\n"), res.Orders)
			}
		})
	}
}

func withImpact(m float64) *AccountConfig {
	c := zeroFees()
	c.Impact = constImpact(m)
	return &c
}

func TestMarketAndStopFills(t *testing.T) {
	runFillCases(t, []fillCase{
		{"market fills at the next trade, not the last price", []float64{100, 101, 102},
			map[int][]Order{0: {buy(1)}}, nil, []string{"1 long 1@101 taker 0"}},
		{"market with slippage", []float64{100, 100, 100},
			map[int][]Order{0: {buy(1)}, 1: {sell(1)}}, withImpact(0.001),
			[]string{"1 long 1@100.1 taker 0.1", "2 short 1@99.9 taker 0.1"}},
		{"sell stop triggers when reached", []float64{100, 96, 95, 94},
			map[int][]Order{0: {{Type: Stop, Side: perp.Short, Qty: 1, StopPrice: 95}}}, nil,
			[]string{"2 short 1@95 taker 0"}},
		{"buy stop fills at the trigger trade with slippage", []float64{100, 104, 106, 107},
			map[int][]Order{0: {{Type: Stop, Side: perp.Long, Qty: 1, StopPrice: 105}}}, withImpact(0.001),
			[]string{"2 long 1@106.106 taker 0.106"}},
		{"stop already reached triggers at the next trade", []float64{100, 99},
			map[int][]Order{0: {{Type: Stop, Side: perp.Long, Qty: 1, StopPrice: 90}}}, nil,
			[]string{"1 long 1@99 taker 0"}},
	})
}

func TestLimitFills(t *testing.T) {
	runFillCases(t, []fillCase{
		{"buy limit: touching is not enough", []float64{100, 99, 99.5, 98.9, 98},
			map[int][]Order{0: {{Type: Limit, Side: perp.Long, Qty: 1, Price: 99}}}, nil,
			[]string{"3 long 1@99 maker 0"}},
		{"sell limit trades through", []float64{100, 101, 101.01},
			map[int][]Order{0: {{Type: Limit, Side: perp.Short, Qty: 1, Price: 101}}}, nil,
			[]string{"2 short 1@101 maker 0"}},
		{"marketable buy limit fills as taker at the next trade", []float64{100, 100.5},
			map[int][]Order{0: {{Type: Limit, Side: perp.Long, Qty: 1, Price: 101}}}, nil,
			[]string{"1 long 1@100.5 taker 0"}},
		{"marketable limit beyond the next trade rests", []float64{100, 102, 101, 100.9},
			map[int][]Order{0: {{Type: Limit, Side: perp.Long, Qty: 1, Price: 101}}}, nil,
			[]string{"3 long 1@101 maker 0"}},
		{"marketable limit: slippage capped at the limit", []float64{100, 100.5},
			map[int][]Order{0: {{Type: Limit, Side: perp.Long, Qty: 1, Price: 101}}}, withImpact(0.01),
			[]string{"1 long 1@101 taker 0.5"}},
		{"marketable sell limit", []float64{100, 99.5, 99.7},
			map[int][]Order{0: {{Type: Limit, Side: perp.Short, Qty: 1, Price: 99}}}, nil,
			[]string{"1 short 1@99.5 taker 0"}},
	})
}

func TestReduceOnlyAndBrackets(t *testing.T) {
	ro := func(side perp.Side, q float64) Order {
		return Order{Type: Market, Side: side, Qty: q, ReduceOnly: true}
	}
	bracket := Order{Type: Market, Side: perp.Long, Qty: 1, TakeProfit: 110, StopLoss: 90, Tag: "b"}
	tests := []struct {
		name    string
		prices  []float64
		orders  map[int][]Order
		fills   []string
		status  []string // status of every order record, in ID order
		endPos  float64
		reasons []string // substrings of the reasons, in ID order ("" = any)
	}{
		{"clipped to the position", []float64{100, 100, 101, 102},
			map[int][]Order{0: {buy(1)}, 1: {ro(perp.Short, 3)}},
			[]string{"1 long 1@100 taker 0", "2 short 1@101 taker 0"},
			[]string{StatusFilled, StatusFilled}, 0, nil},
		{"cancelled when flat", []float64{100, 100},
			map[int][]Order{0: {ro(perp.Short, 1)}}, nil,
			[]string{StatusCancelled}, 0, []string{"no position"}},
		{"rejected on the position's side", []float64{100, 100, 100},
			map[int][]Order{0: {buy(1)}, 1: {ro(perp.Long, 1)}},
			[]string{"1 long 1@100 taker 0"},
			[]string{StatusFilled, StatusRejected}, 1, []string{"", "increase"}},
		{"resting reduce-only cancelled when the position closes", []float64{100, 100, 100, 100, 120},
			map[int][]Order{0: {buy(1)}, 1: {{Type: Limit, Side: perp.Short, Qty: 1, Price: 110, ReduceOnly: true}}, 2: {{Tag: "close"}}},
			[]string{"1 long 1@100 taker 0", "3 short 1@100 taker 0"},
			[]string{StatusFilled, StatusCancelled, StatusFilled}, 0, []string{"", "position closed", ""}},
		{"bracket: take profit fills, stop loss cancelled", []float64{100, 100, 105, 110, 110.5, 80},
			map[int][]Order{0: {bracket}},
			[]string{"1 long 1@100 taker 0", "4 short 1@110 maker 0"},
			[]string{StatusFilled, StatusFilled, StatusCancelled}, 0, []string{"", "", "one-cancels-other"}},
		{"bracket: stop loss fills, take profit cancelled", []float64{100, 100, 95, 89, 120},
			map[int][]Order{0: {bracket}},
			[]string{"1 long 1@100 taker 0", "3 short 1@89 taker 0"},
			[]string{StatusFilled, StatusCancelled, StatusFilled}, 0, []string{"", "one-cancels-other", ""}},
		{"bracket legs cancelled when the position is closed", []float64{100, 100, 100, 101, 120, 80},
			map[int][]Order{0: {bracket}, 2: {{Tag: "close"}}},
			[]string{"1 long 1@100 taker 0", "3 short 1@101 taker 0"},
			[]string{StatusFilled, StatusCancelled, StatusCancelled, StatusFilled}, 0, []string{"", "position closed", "position closed", ""}},
		{"bracket legs cancelled on a flip", []float64{100, 100, 100, 101, 120, 80},
			map[int][]Order{0: {bracket}, 2: {sell(3)}},
			[]string{"1 long 1@100 taker 0", "3 short 3@101 taker 0"},
			[]string{StatusFilled, StatusCancelled, StatusCancelled, StatusFilled}, -2, nil},
		{"bracket with the take profit below the price is rejected", []float64{100, 100},
			map[int][]Order{0: {{Type: Limit, Side: perp.Long, Qty: 1, Price: 99, TakeProfit: 98, StopLoss: 90}}}, nil,
			[]string{StatusRejected}, 0, []string{"take profit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ac := zeroFees()
			ac.Leverage = 5
			res := run1(t, trades(tc.prices...), &plan{at: tc.orders}, ac)
			var got []string
			for _, f := range res.Fills {
				got = append(got, fillString(f))
			}
			if strings.Join(got, "\n") != strings.Join(tc.fills, "\n") {
				t.Errorf("fills:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.fills, "\n"))
			}
			var st []string
			for _, r := range res.Orders {
				st = append(st, r.Status)
			}
			if strings.Join(st, ",") != strings.Join(tc.status, ",") {
				t.Errorf("statuses %v, want %v\n%+v", st, tc.status, res.Orders)
			}
			for i, want := range tc.reasons {
				if i < len(res.Orders) && !strings.Contains(res.Orders[i].Reason, want) {
					t.Errorf("order %d reason %q, want it to contain %q", i+1, res.Orders[i].Reason, want)
				}
			}
			pos := 0.0
			for _, f := range res.Fills {
				pos += f.Side.Sign() * f.Qty
			}
			near(t, "final position", pos, tc.endPos, 1e-12)
		})
	}
}

func TestBracketLegs(t *testing.T) {
	var open []Order
	p := &plan{at: map[int][]Order{0: {{Type: Market, Side: perp.Short, Qty: 2, TakeProfit: 90, StopLoss: 105, Tag: "s"}}}}
	s := &script{event: func(c *Context, e *engine.Event) error {
		if err := p.OnEvent(c, e); err != nil {
			return err
		}
		if c.Account().Position() != 0 {
			open = c.OpenOrders()
		}
		return nil
	}}
	run1(t, trades(100, 100, 100), s, zeroFees())
	if len(open) != 2 {
		t.Fatalf("open orders %+v, want two legs", open)
	}
	tp, sl := open[0], open[1]
	if tp.Type != Limit || tp.Side != perp.Long || tp.Qty != 2 || tp.Price != 90 || !tp.ReduceOnly || tp.Tag != "s.tp" {
		t.Errorf("take profit leg %+v", tp)
	}
	if sl.Type != Stop || sl.Side != perp.Long || sl.Qty != 2 || sl.StopPrice != 105 || !sl.ReduceOnly || sl.Tag != "s.sl" {
		t.Errorf("stop loss leg %+v", sl)
	}
}

func TestRejections(t *testing.T) {
	tests := []struct {
		name    string
		ac      AccountConfig
		prices  []float64
		orders  map[int][]Order
		status  []string
		reason  string // of the last order
		invalid bool   // Submit returns ErrInvalidOrder
	}{
		{"leverage tier: 125x above 50k notional", AccountConfig{Capital: 10_000, Leverage: 125}, []float64{60_000, 60_000},
			map[int][]Order{0: {buy(1)}}, []string{StatusRejected}, "largest tier allowing 125x", false},
		{"leverage tier: 125x within 50k", AccountConfig{Capital: 10_000, Leverage: 125}, []float64{60_000, 60_000},
			map[int][]Order{0: {buy(0.8)}}, []string{StatusFilled}, "", false},
		{"insufficient margin at submit", AccountConfig{Capital: 1_000, Leverage: 1}, []float64{50_000, 50_000},
			map[int][]Order{0: {buy(1)}}, []string{StatusRejected}, "insufficient margin", false},
		{"insufficient margin at the fill", AccountConfig{Capital: 10_000, Leverage: 1}, []float64{50_000, 50_000},
			map[int][]Order{0: {buy(0.15), buy(0.15)}}, []string{StatusFilled, StatusRejected}, "insufficient margin", false},
		{"fees count against the margin", AccountConfig{Capital: 5_000, Leverage: 1, TakerFee: 0.0005}, []float64{50_000, 50_000},
			map[int][]Order{0: {buy(0.1)}}, []string{StatusRejected}, "insufficient margin", false},
		// 2x: 0.1 @ 50 000 takes 2 500; at 100 000 the unrealised 5 000
		// less the margin at mark (5 000) leaves 5 000 in cross, while
		// isolated has only the 2 500 of wallet outside the position.
		{"cross: unrealised profit is available", AccountConfig{Capital: 5_000, Leverage: 2, Margin: Cross}, []float64{50_000, 50_000, 100_000, 100_000},
			map[int][]Order{0: {buy(0.1)}, 2: {buy(0.06)}}, []string{StatusFilled, StatusFilled}, "", false},
		{"isolated: unrealised profit is not", AccountConfig{Capital: 5_000, Leverage: 2, Margin: Isolated}, []float64{50_000, 50_000, 100_000, 100_000},
			map[int][]Order{0: {buy(0.1)}, 2: {buy(0.06)}}, []string{StatusFilled, StatusRejected}, "insufficient margin", false},
		{"flip: the closing part frees the margin", AccountConfig{Capital: 5_000, Leverage: 1}, []float64{50_000, 50_000, 50_000},
			map[int][]Order{0: {buy(0.1)}, 1: {sell(0.2)}}, []string{StatusFilled, StatusFilled}, "", false},
		{"reductions are never rejected", AccountConfig{Capital: 5_000, Leverage: 1}, []float64{50_000, 50_000, 50_000},
			map[int][]Order{0: {buy(0.1)}, 1: {sell(0.1)}}, []string{StatusFilled, StatusFilled}, "", false},
		{"notional before the first trade", AccountConfig{Capital: 5_000}, nil, nil, []string{StatusRejected}, "no price", false},
		{"invalid: negative qty", AccountConfig{Capital: 5_000}, []float64{100}, map[int][]Order{0: {buy(-1)}}, []string{StatusRejected}, "qty", true},
		{"invalid: limit without price", AccountConfig{Capital: 5_000}, []float64{100},
			map[int][]Order{0: {{Type: Limit, Side: perp.Long, Qty: 1}}}, []string{StatusRejected}, "limit price", true},
		{"invalid: stop without trigger", AccountConfig{Capital: 5_000}, []float64{100},
			map[int][]Order{0: {{Type: Stop, Side: perp.Long, Qty: 1}}}, []string{StatusRejected}, "stop price", true},
		{"invalid: no side", AccountConfig{Capital: 5_000}, []float64{100},
			map[int][]Order{0: {{Type: Market, Qty: 1}}}, []string{StatusRejected}, "side", true},
		{"invalid: reduce-only bracket", AccountConfig{Capital: 5_000}, []float64{100},
			map[int][]Order{0: {{Type: Market, Side: perp.Long, Qty: 1, ReduceOnly: true, StopLoss: 90}}}, []string{StatusRejected}, "reduce-only", true},
		{"invalid: crossed bracket", AccountConfig{Capital: 5_000}, []float64{100},
			map[int][]Order{0: {{Type: Market, Side: perp.Long, Qty: 1, TakeProfit: 90, StopLoss: 110}}}, []string{StatusRejected}, "wrong sides", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := trades(tc.prices...)
			var p Strategy
			pl := &plan{at: tc.orders}
			p = pl
			if tc.prices == nil {
				// Submit in OnSignal of a grid row that closes before any trade.
				evs = []engine.Event{funding(t0+6*engine.Minute, 0.0001, math.NaN())}
				p = &script{signal: func(c *Context, s Signal) error {
					id, err := c.Submit(Order{Type: Market, Side: perp.Long, Notional: 1000})
					pl.ids, pl.err = append(pl.ids, id), append(pl.err, err)
					return nil
				}}
			}
			g := &engine.Grid{T0: t0, Step: 5 * engine.Minute, Close: []float64{math.NaN(), math.NaN()}}
			rs, err := Run(context.Background(), memfeed.New(evs), []Variant{{Name: "v", Strategy: p, Account: tc.ac,
				Signals: []SignalInput{{Name: "s", On: []bool{true, false}}}}}, Config{Grid: g})
			if err != nil {
				t.Fatal(err)
			}
			res := rs[0]
			var st []string
			for _, r := range res.Orders {
				st = append(st, r.Status)
			}
			if strings.Join(st, ",") != strings.Join(tc.status, ",") {
				t.Fatalf("statuses %v, want %v\n%+v", st, tc.status, res.Orders)
			}
			last := res.Orders[len(res.Orders)-1]
			if !strings.Contains(last.Reason, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", last.Reason, tc.reason)
			}
			lastErr := pl.err[len(pl.err)-1]
			if tc.invalid != errors.Is(lastErr, ErrInvalidOrder) {
				t.Errorf("Submit error %v, want ErrInvalidOrder: %v", lastErr, tc.invalid)
			}
			if !tc.invalid && lastErr != nil {
				t.Errorf("Submit error %v for a state rejection, want nil", lastErr)
			}
			n := 0
			for _, s := range st {
				if s == StatusRejected {
					n++
				}
			}
			if res.Summary.Rejected != n {
				t.Errorf("Summary.Rejected = %d, want %d", res.Summary.Rejected, n)
			}
		})
	}
}

func TestNotionalSizingAndFlip(t *testing.T) {
	p := &plan{at: map[int][]Order{0: {{Type: Market, Side: perp.Long, Notional: 5_000}}, 1: {sell(0.3)}}}
	res := run1(t, trades(50_000, 50_000, 40_000, 40_000), p, zeroFees())
	if len(res.Fills) != 2 {
		t.Fatalf("fills %+v", res.Fills)
	}
	near(t, "notional → qty at the last price", res.Fills[0].Qty, 0.1, 1e-15)
	f := res.Fills[1]
	near(t, "flip realized", f.RealizedPnL, 0.1*(40_000-50_000), 1e-9)
	if len(res.RoundTrips) != 1 || res.RoundTrips[0].Side != perp.Long || res.Summary.LosingTrades != 1 {
		t.Errorf("round trips %+v", res.RoundTrips)
	}
	last := res.Equity[len(res.Equity)-1]
	near(t, "position after the flip", last.Position, -0.2, 1e-15)
	near(t, "equity", last.Equity, 10_000-1000, 1e-9)
}

func TestCancel(t *testing.T) {
	var errs []error
	s := &script{event: func(c *Context, e *engine.Event) error {
		switch e.TS {
		case t0:
			id, err := c.Submit(Order{Type: Limit, Side: perp.Long, Qty: 1, Price: 50})
			if err != nil {
				return err
			}
			c.Submit(Order{Type: Limit, Side: perp.Long, Qty: 1, Price: 40})
			errs = append(errs, c.Cancel(id), c.Cancel(id), c.Cancel(99))
			if n := c.NumOpenOrders(); n != 1 {
				return fmt.Errorf("%d open orders after cancel, want 1", n)
			}
			c.CancelAll()
			if n := len(c.AppendOpenOrders(nil)); n != 0 {
				return fmt.Errorf("%d open orders after CancelAll", n)
			}
		}
		return nil
	}}
	res := run1(t, trades(100, 30), s, zeroFees())
	if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], ErrUnknownOrder) {
		t.Errorf("cancel errors %v", errs)
	}
	if len(res.Fills) != 0 || res.Orders[0].Status != StatusCancelled || res.Orders[1].Status != StatusCancelled {
		t.Errorf("fills %+v orders %+v", res.Fills, res.Orders)
	}
}

// Steps and signals are delivered at each row's close, before the first
// event at or after it, steps first, then signals in order; rows still
// open at the end are closed after the stream.
func TestSignalsAndSteps(t *testing.T) {
	g := &engine.Grid{T0: t0, Step: 5 * engine.Minute,
		Open: []float64{1, 2, 3, 4}, High: []float64{1, 2, 3, 4}, Low: []float64{1, 2, 3, 4}, Close: []float64{10, 20, 30, 40},
		Volume: []float64{1, 1, 1, 1}, Notional: []float64{1, 1, 1, 1}, OIValue: []float64{5, 6, 7, 8},
		Funding: []float64{1e-4, 1e-4, 1e-4, 1e-4}, EstLiqLong: []float64{0, 9, 0, 0}, EstLiqShort: []float64{0, 0, 0, 0}}
	var log []string
	min := func(ts engine.Nanos) string { return time.Duration(ts - t0).String() }
	s := &script{
		event: func(c *Context, e *engine.Event) error {
			log = append(log, "event "+min(e.TS))
			return nil
		},
		step: func(c *Context, st Step) error {
			if c.Now() != st.TS {
				return fmt.Errorf("Now %v in OnStep, want %v", c.Now(), st.TS)
			}
			log = append(log, fmt.Sprintf("step %d %s close %g estliq %g", st.Row, min(st.TS), st.Close, st.EstLiqLong))
			return nil
		},
		signal: func(c *Context, sg Signal) error {
			log = append(log, fmt.Sprintf("signal %d %s row %d %s %v %v", sg.Index, sg.Name, sg.Row, min(sg.TS), sg.Features, sg.Values))
			return nil
		},
	}
	sigs := []SignalInput{
		{Name: "a", On: []bool{true, false, true, false}},
		{Name: "b", On: []bool{true, false, false, true}, Features: []string{"x"},
			Values: func(i int, dst []float64) { dst[0] = float64(i) * 10 }},
	}
	evs := []engine.Event{trade(at0(time.Minute), 1), trade(at0(6*time.Minute), 2), trade(at0(10*time.Minute), 3), trade(at0(12*time.Minute), 4)}
	rs, err := Run(context.Background(), memfeed.New(evs), []Variant{{Name: "v", Strategy: s, Account: zeroFees(), Signals: sigs}}, Config{Grid: g})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"event 1m0s",
		"step 0 5m0s close 10 estliq 0",
		"signal 0 a row 0 5m0s [] []",
		"signal 1 b row 0 5m0s [x] [0]",
		"event 6m0s",
		"step 1 10m0s close 20 estliq 9",
		"event 10m0s",
		"event 12m0s",
		"step 2 15m0s close 30 estliq 0",
		"signal 0 a row 2 15m0s [] []",
		"step 3 20m0s close 40 estliq 0",
		"signal 1 b row 3 20m0s [x] [30]",
	}
	if strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
	if rs[0].Summary.End != at0(12*time.Minute) {
		t.Errorf("End %v", rs[0].Summary.End)
	}
	// A signal with the wrong length is an error.
	_, err = Run(context.Background(), memfeed.New(evs), []Variant{{Name: "v", Strategy: s, Account: zeroFees(),
		Signals: []SignalInput{{Name: "short", On: []bool{true}}}}}, Config{Grid: g})
	if err == nil || !strings.Contains(err.Error(), "short") {
		t.Errorf("err %v, want a signal-length error", err)
	}
}

func TestKindFilter(t *testing.T) {
	n := 0
	count := &script{event: func(*Context, *engine.Event) error { n++; return nil }}
	evs := []engine.Event{trade(t0, 1), funding(t0+1, 1e-4, 1), trade(t0+2, 1), funding(t0+3, 1e-4, 1)}
	vs := []Variant{
		{Name: "funding only", Strategy: filtered{count, []engine.Kind{engine.KindFunding}}, Account: zeroFees()},
		{Name: "none", Strategy: filtered{&script{event: func(*Context, *engine.Event) error {
			return errors.New("called")
		}}, nil}, Account: zeroFees()},
	}
	if _, err := Run(context.Background(), memfeed.New(evs), vs, Config{}); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d OnEvent calls, want 2 (funding only)", n)
	}
}

func TestEquityCurve(t *testing.T) {
	var evs []engine.Event
	for i, d := range []time.Duration{10 * time.Minute, 50 * time.Minute, 61 * time.Minute, 200 * time.Minute, 201 * time.Minute} {
		evs = append(evs, trade(at0(d), 100+float64(i)))
	}
	p := &plan{at: map[int][]Order{0: {buy(1)}}}
	res := run1(t, evs, p, zeroFees())
	var got []string
	for _, e := range res.Equity {
		got = append(got, fmt.Sprintf("%s %g %g %g %g %g", time.Duration(e.TS-t0), e.Equity, e.Cash, e.Unrealized, e.Position, e.Price))
		near(t, "equity = cash + unrealised", e.Equity, e.Cash+e.Unrealized, 0)
	}
	want := []string{
		"0s 10000 10000 0 0 0",       // the boundary before the first event: the capital
		"1h0m0s 10000 10000 0 1 101", // filled at 101 at 50m
		"2h0m0s 10001 10000 1 1 102", // the gap 61m..200m: every boundary, the state carried over
		"3h0m0s 10001 10000 1 1 102",
		"3h21m0s 10003 10000 3 1 104", // the final state at the last event
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("equity:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	near(t, "exposure", res.Summary.ExposureTime, float64(151)/float64(191), 1e-12)
}

func TestCallbackErrorAndCancel(t *testing.T) {
	boom := errors.New("boom")
	s := &script{event: func(c *Context, e *engine.Event) error {
		if e.TS > t0 {
			return boom
		}
		return nil
	}}
	_, err := Run(context.Background(), memfeed.New(trades(1, 2)), []Variant{{Name: "fast=3", Strategy: s, Account: zeroFees()}}, Config{})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `"fast=3"`) {
		t.Errorf("err %v, want boom naming the variant", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	evs := make([]engine.Event, 3*checkEvery)
	for i := range evs {
		evs[i] = trade(t0+engine.Nanos(i), 100)
	}
	_, err = Run(ctx, memfeed.New(evs), []Variant{{Name: "v", Strategy: noop{}, Account: zeroFees()}}, Config{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	for _, vs := range [][]Variant{
		{{Name: "", Strategy: noop{}, Account: zeroFees()}},
		{{Name: "a", Strategy: noop{}, Account: zeroFees()}, {Name: "a", Strategy: noop{}, Account: zeroFees()}},
		{{Name: "a", Account: zeroFees()}},
		{{Name: "a", Strategy: noop{}}},
		{{Name: "a", Strategy: noop{}, Account: zeroFees(), Signals: []SignalInput{{Name: "s"}}}},
	} {
		if _, err := Run(context.Background(), memfeed.New(nil), vs, Config{}); err == nil {
			t.Errorf("variants %+v: no error", vs)
		}
	}
}

// On a bar's intra-bar path the price is assumed continuous between path
// points: a stop crossed between two points fills at its own price (plus
// slippage), not at the bar's extreme; on real trades it fills at the
// trade that triggered it.
func TestStopOnBarPath(t *testing.T) {
	evs := trades(100, 100, 90, 95)
	for i := range evs {
		evs[i].Flags = engine.FlagBarPath
	}
	for _, tc := range []struct {
		name string
		path bool
		want string
	}{
		{"bar path", true, "2 short 1@94.905 taker 0.095"},
		{"real trades", false, "2 short 1@89.91 taker 0.09"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := append([]engine.Event(nil), evs...)
			if !tc.path {
				e = trades(100, 100, 90, 95)
			}
			res := run1(t, e, &plan{at: map[int][]Order{0: {{Type: Stop, Side: perp.Short, Qty: 1, StopPrice: 95}}}}, *withImpact(0.001))
			if len(res.Fills) != 1 || fillString(res.Fills[0]) != tc.want {
				t.Fatalf("fills %v, want %s", res.Fills, tc.want)
			}
		})
	}
}

// A bar's open is not continuous with the previous bar's close: a stop
// gapped over at the open fills at the open, not at the stop price.
func TestStopGappedAtBarOpen(t *testing.T) {
	evs := trades(100, 101, 99, 100, 90, 89, 91, 90)
	for i := range evs {
		evs[i].Flags = engine.FlagBarPath
	}
	evs[3].Flags |= engine.FlagBarClose // bar 1: 100, 101, 99, 100; bar 2 opens at 90
	evs[7].Flags |= engine.FlagBarClose
	res := run1(t, evs, &plan{at: map[int][]Order{0: {{Type: Stop, Side: perp.Short, Qty: 1, StopPrice: 95}}}}, zeroFees())
	if len(res.Fills) != 1 || fillString(res.Fills[0]) != "4 short 1@90 taker 0" {
		t.Fatalf("fills %v, want the stop filled at the gapped open 90", res.Fills)
	}
}

// On a bar's path a protective stop above the liquidation price is reached
// before it: the stop fills, the account is not liquidated.
func TestStopBeforeLiquidationOnBarPath(t *testing.T) {
	evs := trades(100, 100, 85, 95)
	for i := range evs {
		evs[i].Flags = engine.FlagBarPath
	}
	ac := zeroFees()
	ac.Leverage = 10
	res := run1(t, evs, &plan{at: map[int][]Order{0: {{Type: Market, Side: perp.Long, Qty: 10, StopLoss: 95}}}}, ac)
	if len(res.Fills) != 2 || res.Fills[1].Liquidation || res.Fills[1].Price != 95 {
		t.Fatalf("fills %+v, want the stop-loss at 95 and no liquidation", res.Fills)
	}
	if res.Summary.Liquidations != 0 {
		t.Fatalf("%d liquidations", res.Summary.Liquidations)
	}
}
