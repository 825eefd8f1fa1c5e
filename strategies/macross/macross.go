// Package macross is the classic baseline: a moving-average crossover.
// It lets Cascade's results be compared with any other backtester: long
// while the fast simple moving average of bar closes is above the slow
// one, short (or flat, with short=false) while it is below, always
// sized at a fixed multiple of equity and switched with market orders.
//
// Bars are built from the engine's grid steps (OnStep): a bar closes at
// every multiple of the bar parameter (aligned to the Unix epoch), so the
// same parameters give the same trades on tick data and on 1-minute bars.
package macross

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/strategy"
)

// Name is the strategy's name in scenarios.
const Name = "ma_crossover"

// Spec describes the strategy and its parameters.
func Spec() engine.Spec {
	return engine.Spec{Name: Name, Story: "baseline: moving-average crossover (long above, short below)", Side: 0, Params: []engine.ParamSpec{
		{Name: "bar", Kind: engine.ParamDuration, Min: 60, Max: 7 * 86400, Default: time.Hour, Doc: "bar interval of the closes (a multiple of stats.step)"},
		{Name: "fast", Kind: engine.ParamInt, Min: 1, Max: 10_000, Default: int64(20), Doc: "bars in the fast moving average"},
		{Name: "slow", Kind: engine.ParamInt, Min: 2, Max: 100_000, Default: int64(50), Doc: "bars in the slow moving average (> fast)"},
		{Name: "short", Kind: engine.ParamBool, Default: true, Doc: "go short below (false: flat)"},
		{Name: "size", Kind: engine.ParamFloat, Min: 0.01, Max: 100, Default: 1.0, Doc: "position notional as a multiple of equity"},
	}}
}

// Strategy is one crossover variant.
type Strategy struct {
	bar        engine.Nanos
	fast, slow int
	short      bool
	size       float64

	closes           []float64 // ring of the last slow closes
	n                int       // closes seen
	sumFast, sumSlow float64
	want             int // target direction: +1, -1, 0
}

// New builds a variant from normalised parameters.
func New(p map[string]any) (*Strategy, error) {
	s := &Strategy{bar: engine.Nanos(p["bar"].(time.Duration)), fast: int(p["fast"].(int64)), slow: int(p["slow"].(int64)),
		short: p["short"].(bool), size: p["size"].(float64)}
	if s.fast >= s.slow {
		return nil, fmt.Errorf("%s: fast (%d) must be below slow (%d)", Name, s.fast, s.slow)
	}
	s.closes = make([]float64, s.slow)
	return s, nil
}

// Kinds implements strategy.KindFilter: the crossover reads grid steps
// only, never single events.
func (s *Strategy) Kinds() []engine.Kind { return nil }

// OnEvent implements strategy.Strategy (not called: see Kinds).
func (s *Strategy) OnEvent(*strategy.Context, *engine.Event) error { return nil }

// OnSignal implements strategy.Strategy (the crossover uses no signals).
func (s *Strategy) OnSignal(*strategy.Context, strategy.Signal) error { return nil }

// OnStep folds the step's close into the bar and trades at bar closes.
func (s *Strategy) OnStep(c *strategy.Context, st strategy.Step) error {
	if st.TS%s.bar != 0 || math.IsNaN(st.Close) {
		return nil
	}
	i := s.n % s.slow
	old := s.closes[i]
	s.closes[i] = st.Close
	s.sumSlow += st.Close
	if s.n >= s.slow {
		s.sumSlow -= old
	}
	s.sumFast += st.Close
	if s.n >= s.fast {
		s.sumFast -= s.closes[(s.n-s.fast+s.slow)%s.slow]
	}
	s.n++
	if s.n < s.slow {
		return nil
	}
	fast, slow := s.sumFast/float64(s.fast), s.sumSlow/float64(s.slow)
	want := 0
	switch {
	case fast > slow:
		want = 1
	case fast < slow && s.short:
		want = -1
	}
	if want == s.want {
		return nil
	}
	s.want = want
	return Target(c, want, s.size, "ma")
}

// Target moves the position to direction dir (+1, −1, 0) with notional
// size × equity, with one market order.
func Target(c *strategy.Context, dir int, size float64, tag string) error {
	cur := c.Account().Position()
	price := c.Price()
	if !(price > 0) {
		return nil
	}
	want := float64(dir) * size * c.Account().Equity() / price
	d := want - cur
	if math.Abs(d) < 1e-12 {
		return nil
	}
	side := perp.Long
	if d < 0 {
		side = perp.Short
	}
	_, err := c.Submit(strategy.Order{Type: strategy.Market, Side: side, Qty: math.Abs(d), Tag: tag})
	return err
}
