package pipeline

import (
	"fmt"
	"math"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/hypo"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/replay"
	"github.com/cascade-research/cascade/engine/strategy"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

// tradePlan is a scenario's strategy variants, built before the replay so
// that the liquidation-map samples their signals need are recorded.
type tradePlan struct {
	variants []strategy.Variant
	runs     []results.StrategyRun // Strategy and Variant filled; Result and Metrics after trading
	needs    [][]strategies.Need   // per variant
	runner   *strategy.Runner      // set when the replay starts
}

// planStrategies builds every variant of the scenario's strategies.
func planStrategies(s *scenarios.Scenario) (*tradePlan, error) {
	p := &tradePlan{}
	acct, err := accountConfig(s)
	if err != nil {
		return nil, err
	}
	for _, st := range s.Strategies {
		for vi, params := range scenarios.Grid(st.Params) {
			strat, needs, err := strategies.New(st.Name, params)
			if err != nil {
				return nil, fmt.Errorf("%s: strategies.%s variant %d (%s): %w", s.Source, st.Name, vi, hypo.FormatParams(params), err)
			}
			p.variants = append(p.variants, strategy.Variant{Name: fmt.Sprintf("%s[%d]", st.Name, vi), Params: hypo.FormatParams(params), Strategy: strat, Account: acct})
			p.runs = append(p.runs, results.StrategyRun{Strategy: st.Name, Variant: vi})
			p.needs = append(p.needs, needs)
		}
	}
	return p, nil
}

// accountConfig converts the scenario's account section.
func accountConfig(s *scenarios.Scenario) (strategy.AccountConfig, error) {
	a := s.Account
	tiers := make([]perp.Bracket, len(s.Simulator.Brackets))
	for i, b := range s.Simulator.Brackets {
		tiers[i] = perp.Bracket{Floor: b.Floor, Cap: b.Cap, MaxLeverage: b.MaxLeverage, MMR: b.MMR}
	}
	bs, err := perp.NewBrackets(tiers)
	if err != nil {
		return strategy.AccountConfig{}, fmt.Errorf("%s: simulator.brackets: %w", s.Source, err)
	}
	c := strategy.AccountConfig{Capital: a.Capital, Margin: strategy.Isolated, Leverage: a.Leverage, MakerFee: a.MakerFee,
		TakerFee: a.TakerFee, LiquidationFee: a.LiquidationFee, Brackets: bs}
	if a.Margin == "cross" {
		c.Margin = strategy.Cross
	}
	if a.Slippage == "impact" {
		im := s.Simulator.Impact
		c.CalibratedImpact = &liquidation.ImpactConfig{Model: im.Model, Coefficient: im.Coefficient, Window: im.Window}
	}
	return c, nil
}

// mapSpecs returns the liq_asymmetry needs as hypothesis specs (for
// MapRequests).
func (p *tradePlan) mapSpecs() []hypo.Spec {
	var out []hypo.Spec
	for _, ns := range p.needs {
		for _, n := range ns {
			if n.Signal == "liq_asymmetry" {
				out = append(out, hypo.Spec{Name: n.Signal, Variants: []map[string]any{n.Params}})
			}
		}
	}
	return out
}

// sink returns the replay's sink constructor: at the start of the replay
// it builds the online form of every variant's signals on the grid being
// built (hypo.NewOnline: bit for bit the batch signals the hypotheses use,
// computed row by row as rows close) and the strategy runner that then
// receives every event. The strategies thus trade in the same single
// replay as the simulator and the hypotheses. nil when there are no
// strategies.
func (p *tradePlan) sink(j *Job) func(g *engine.Grid, maps []*replay.MapSeries) (replay.Sink, error) {
	if len(p.variants) == 0 {
		return nil
	}
	s := j.Scenario
	opt := hypo.OnlineOptions{Liquidations: hypo.LiqAuto, Sentiment: hypo.SentimentProxy}
	switch {
	case s.Simulator.Enabled:
		opt.Liquidations = hypo.LiqEstimated
	case hasKind(j, engine.KindLiquidation):
		opt.Liquidations = hypo.LiqRecorded
	}
	if hasKind(j, engine.KindSeries) {
		opt.Sentiment = hypo.SentimentSeries
	}
	return func(g *engine.Grid, maps []*replay.MapSeries) (replay.Sink, error) {
		opt.MapSamples = maps
		shared := map[string]strategy.SignalInput{}
		for i, ns := range p.needs {
			for _, n := range ns {
				key := n.Signal + "|" + hypo.FormatParams(n.Params)
				in, ok := shared[key]
				if !ok {
					o, err := hypo.NewOnline(n.Signal, n.Params, g, opt)
					if err != nil {
						return nil, fmt.Errorf("%s: strategies.%s: signal %s: %w", s.Source, p.variants[i].Name, n.Signal, err)
					}
					in = strategy.SignalInput{Name: o.Name(), Features: o.Features(), At: o.At}
					shared[key] = in
				}
				p.variants[i].Signals = append(p.variants[i].Signals, in)
			}
		}
		r, err := strategy.NewRunner(p.variants, strategy.Config{Grid: g, Live: true, EquityEvery: s.Results.EquityInterval})
		if err != nil {
			return nil, fmt.Errorf("%s: strategies: %w", s.Source, err)
		}
		p.runner = r
		return r, nil
	}
}

// finish closes the trading after the replay and returns the strategy
// tables.
func (p *tradePlan) finish(j *Job, g *engine.Grid) ([]results.Table, error) {
	if p.runner == nil {
		return nil, nil
	}
	s := j.Scenario
	res, err := p.runner.Finish()
	if err != nil {
		return nil, fmt.Errorf("%s: strategies: %w", s.Source, err)
	}
	every := s.Results.EquityInterval
	ms := strategy.Evaluate(res, windows(g, s.Stats.Split), every, len(res))
	for i := range p.runs {
		p.runs[i].Result = &res[i]
		p.runs[i].Metrics = ms[i]
	}
	return results.StrategyTables(p.runs, len(res)), nil
}

// windows returns the samples strategies are measured on: the whole run,
// and the in- and out-of-sample parts split at the same grid row as the
// hypothesis tests.
func windows(g *engine.Grid, split float64) []strategy.Window {
	n := g.Len()
	if n == 0 {
		return []strategy.Window{{Sample: "all", From: math.MinInt64, To: math.MaxInt64}}
	}
	end := g.Time(n) + 1 // the final equity point sits at the last event
	ws := []strategy.Window{{Sample: "all", From: g.T0, To: end}}
	if split > 0 && split < 1 && n > 1 {
		k := min(max(int(math.Round(split*float64(n))), 1), n-1)
		ws = append(ws, strategy.Window{Sample: "in", From: g.T0, To: g.Time(k)}, strategy.Window{Sample: "out", From: g.Time(k), To: end})
	}
	return ws
}
