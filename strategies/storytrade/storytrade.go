// Package storytrade trades the mission's stories: when a hypothesis
// signal fires (engine.Hypotheses: liq_asymmetry, wyckoff_spring,
// funding_overheat, deleveraging_flush), enter in the story's direction
// with a market order carrying a bracket — a stop-loss and a
// take-profit — and close after a holding limit if neither was hit. One
// position at a time: signals while a position or an entry is open are
// skipped.
//
// The signal is the very one the hypothesis tests evaluate, computed on
// the run's grid and delivered at the close of the step where it fired,
// so "does the story hold?" and "could I have traded it?" read the same
// events.
package storytrade

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/strategy"
)

// Story is one built-in story strategy.
type Story struct {
	Name, Signal, Doc string
	// Side is the trade direction; 0 means it follows the signal's
	// crowded parameter (funding_overheat: crowded long → short).
	Side perp.Side
	// StopAtSweep places the stop below the sweep's low (wyckoff_spring's
	// support and depth features) instead of a fixed distance.
	StopAtSweep bool
}

// Stories returns the built-in story strategies.
func Stories() []Story {
	return []Story{
		{Name: "asymmetry_long", Signal: "liq_asymmetry", Side: perp.Long,
			Doc: "long when shorts at risk above outweigh longs at risk below (relief-rally story)"},
		{Name: "spring_long", Signal: "wyckoff_spring", Side: perp.Long, StopAtSweep: true,
			Doc: "long on a reclaimed sweep below range support, stop below the swept low"},
		{Name: "funding_fade", Signal: "funding_overheat",
			Doc: "fade the crowded side when funding is extreme: short overheated longs (crowded=long), long a crowded short side"},
		{Name: "flush_bounce", Signal: "deleveraging_flush", Side: perp.Long,
			Doc: "long after a deleveraging flush (price down, OI down, long liquidations)"},
	}
}

// tradeParams are the parameters every story strategy adds to its
// signal's.
func tradeParams(sweep bool) []engine.ParamSpec {
	ps := []engine.ParamSpec{
		{Name: "size", Kind: engine.ParamFloat, Min: 0.01, Max: 100, Default: 1.0, Doc: "position notional as a multiple of equity"},
		{Name: "stop", Kind: engine.ParamFloat, Min: 0.001, Max: 0.9, Default: 0.05, Doc: "stop-loss distance from the entry price, fraction"},
		{Name: "target", Kind: engine.ParamFloat, Min: 0.001, Max: 10, Default: 0.10, Doc: "take-profit distance from the entry price, fraction"},
		{Name: "hold", Kind: engine.ParamDuration, Min: 60, Max: 365 * 86400, Default: 72 * time.Hour, Doc: "close at market after this long if neither stop nor target was hit"},
	}
	if sweep {
		ps = append(ps, engine.ParamSpec{Name: "stop_buffer", Kind: engine.ParamFloat, Min: 0, Max: 0.5, Default: 0.002,
			Doc: "stop this far below the swept low (fraction); the stop is the nearer of this and stop"})
	}
	return ps
}

// Spec returns the strategy's spec: its signal's parameters, then the
// trade parameters.
func (s Story) Spec() engine.Spec {
	sig, ok := engine.LookupHypothesis(s.Signal)
	if !ok {
		panic("storytrade: unknown signal " + s.Signal) // a programming error in Stories
	}
	side := int(s.Side)
	return engine.Spec{Name: s.Name, Story: s.Doc, Side: side, Params: append(append([]engine.ParamSpec{}, sig.Params...), tradeParams(s.StopAtSweep)...)}
}

// New builds a variant from normalised parameters and returns it with the
// signal it trades and the signal's parameters.
func (s Story) New(p map[string]any) (strategy.Strategy, string, map[string]any, error) {
	sig, _ := engine.LookupHypothesis(s.Signal)
	sp := map[string]any{}
	for _, q := range sig.Params {
		v, ok := p[q.Name]
		if !ok {
			return nil, "", nil, fmt.Errorf("%s: missing parameter %s", s.Name, q.Name)
		}
		sp[q.Name] = v
	}
	t := &Trader{name: s.Name, side: s.Side, size: p["size"].(float64), stop: p["stop"].(float64), target: p["target"].(float64),
		hold: engine.Nanos(p["hold"].(time.Duration)), sweep: s.StopAtSweep}
	if t.side == 0 {
		t.side = perp.Short
		if p["crowded"] == "short" {
			t.side = perp.Long
		}
	}
	if s.StopAtSweep {
		t.buffer = p["stop_buffer"].(float64)
	}
	return t, s.Signal, sp, nil
}

// Trader enters on a signal with a bracket and exits after a holding
// limit.
type Trader struct {
	name               string
	side               perp.Side
	size, stop, target float64
	buffer             float64
	sweep              bool
	hold               engine.Nanos
	entered            engine.Nanos // signal time of the open trade (0: none)
}

// Kinds implements strategy.KindFilter: the trader acts on signals and
// steps only.
func (t *Trader) Kinds() []engine.Kind { return nil }

// OnEvent implements strategy.Strategy (not called: see Kinds).
func (t *Trader) OnEvent(*strategy.Context, *engine.Event) error { return nil }

// OnStep closes a position held longer than the holding limit.
func (t *Trader) OnStep(c *strategy.Context, st strategy.Step) error {
	if t.entered == 0 {
		return nil
	}
	if c.Account().Position() == 0 {
		if c.NumOpenOrders() == 0 { // stopped out, took profit or liquidated
			t.entered = 0
		}
		return nil
	}
	if st.TS-t.entered >= t.hold {
		c.CancelAll()
		_, err := c.Close("hold")
		t.entered = 0
		return err
	}
	return nil
}

// OnSignal enters in the story's direction when flat.
func (t *Trader) OnSignal(c *strategy.Context, s strategy.Signal) error {
	if t.entered != 0 || c.Account().Position() != 0 {
		return nil
	}
	price := c.Price()
	eq := c.Account().Equity()
	if !(price > 0 && eq > 0) {
		return nil
	}
	sign := t.side.Sign()
	stop := price * (1 - sign*t.stop)
	if t.sweep {
		if low, ok := t.sweptLow(s); ok && t.side == perp.Long {
			stop = math.Max(stop, low*(1-t.buffer)) // the nearer stop
			if stop >= price {
				return nil // already back below the swept low: no trade
			}
		}
	}
	_, err := c.Submit(strategy.Order{Type: strategy.Market, Side: t.side, Qty: t.size * eq / price,
		StopLoss: stop, TakeProfit: price * (1 + sign*t.target), Tag: t.name})
	if err != nil {
		return err
	}
	t.entered = s.TS
	return nil
}

// sweptLow is support × (1 − depth) from the spring's features.
func (t *Trader) sweptLow(s strategy.Signal) (float64, bool) {
	sup, dep := math.NaN(), math.NaN()
	for i, f := range s.Features {
		switch f {
		case "support":
			sup = s.Values[i]
		case "depth":
			dep = s.Values[i]
		}
	}
	if math.IsNaN(sup) || math.IsNaN(dep) {
		return 0, false
	}
	return sup * (1 - dep), true
}
