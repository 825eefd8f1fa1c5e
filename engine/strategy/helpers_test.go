package strategy

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

var t0 = engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))

func at0(d time.Duration) engine.Nanos { return t0 + engine.Nanos(d) }

func trade(ts engine.Nanos, p float64) engine.Event {
	return engine.Event{TS: ts, Kind: engine.KindTrade, Price: p, Qty: 1}
}

func funding(ts engine.Nanos, rate, mark float64) engine.Event {
	return engine.Event{TS: ts, Kind: engine.KindFunding, Value: rate, Aux: 8, Price: mark}
}

// trades returns one trade per second from t0 at the given prices.
func trades(ps ...float64) []engine.Event {
	evs := make([]engine.Event, len(ps))
	for i, p := range ps {
		evs[i] = trade(t0+engine.Nanos(i)*engine.Second, p)
	}
	return evs
}

// script is a Strategy and Stepper built from functions (nil = no-op).
type script struct {
	event  func(c *Context, e *engine.Event) error
	signal func(c *Context, s Signal) error
	step   func(c *Context, s Step) error
}

func (s *script) OnEvent(c *Context, e *engine.Event) error {
	if s.event != nil {
		return s.event(c, e)
	}
	return nil
}

func (s *script) OnSignal(c *Context, sg Signal) error {
	if s.signal != nil {
		return s.signal(c, sg)
	}
	return nil
}

func (s *script) OnStep(c *Context, st Step) error {
	if s.step != nil {
		return s.step(c, st)
	}
	return nil
}

// filtered adds a KindFilter to a script.
type filtered struct {
	*script
	kinds []engine.Kind
}

func (f filtered) Kinds() []engine.Kind { return f.kinds }

// noop does nothing and asks for no events.
type noop struct{}

func (noop) OnEvent(*Context, *engine.Event) error { return nil }
func (noop) OnSignal(*Context, Signal) error       { return nil }
func (noop) Kinds() []engine.Kind                  { return nil }

// plan submits scripted orders at given event indexes.
type plan struct {
	at  map[int][]Order // event index → orders to submit after it
	ids []OrderID
	n   int
	err []error
}

func (p *plan) OnEvent(c *Context, e *engine.Event) error {
	for _, o := range p.at[p.n] {
		var id OrderID
		var err error
		if o.Type == 0 && o.Tag == "close" {
			id, err = c.Close("close")
		} else {
			id, err = c.Submit(o)
		}
		p.ids = append(p.ids, id)
		p.err = append(p.err, err)
	}
	p.n++
	return nil
}

func (p *plan) OnSignal(*Context, Signal) error { return nil }

// zeroFees is a 10 000 isolated 1x account without fees.
func zeroFees() AccountConfig {
	c := DefaultAccountConfig()
	c.MakerFee, c.TakerFee = 0, 0
	return c
}

func run1(t *testing.T, evs []engine.Event, s Strategy, ac AccountConfig) Result {
	t.Helper()
	rs, err := Run(context.Background(), memfeed.New(evs), []Variant{{Name: "v", Strategy: s, Account: ac}}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g, want %.10g (±%g)", name, got, want, tol)
	}
}

func buy(q float64) Order  { return Order{Type: Market, Side: perp.Long, Qty: q} }
func sell(q float64) Order { return Order{Type: Market, Side: perp.Short, Qty: q} }

// constImpact moves every fill by a fixed fraction.
type constImpact float64

func (m constImpact) Move(notional, _ float64) float64 { return float64(m) }

// ledgerSum returns capital + Σ amounts, in ledger order.
func ledgerSum(capital float64, l []Cashflow) float64 {
	s := capital
	for _, c := range l {
		s += c.Amount
	}
	return s
}

// kindSum sums the ledger amounts of one kind.
func kindSum(l []Cashflow, kind string) float64 {
	s := 0.0
	for _, c := range l {
		if c.Kind == kind {
			s += c.Amount
		}
	}
	return s
}
