package pipeline

import (
	"fmt"
	"time"

	"github.com/cascade-research/cascade/engine/hypo"
	"github.com/cascade-research/cascade/engine/replay"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/scenarios"
)

// hypothesisSpecs converts a scenario's hypotheses into engine specs with
// their parameter grids expanded.
func hypothesisSpecs(s *scenarios.Scenario) []hypo.Spec {
	var out []hypo.Spec
	for _, h := range s.Hypotheses {
		out = append(out, hypo.Spec{Name: h.Name, Variants: scenarios.Grid(h.Params), Horizons: h.Horizons,
			Cooldown: h.Cooldown, Target: h.Target, Stop: h.Stop, Side: h.Side})
	}
	return out
}

// mapRequests lists the liquidation-map samples the specs need.
func mapRequests(specs []hypo.Spec) ([]replay.MapRequest, error) {
	reqs, err := hypo.MapRequests(specs)
	if err != nil {
		return nil, err
	}
	out := make([]replay.MapRequest, len(reqs))
	for i, r := range reqs {
		out[i] = replay.MapRequest{Above: r.Above, Below: r.Below, Every: r.Every}
	}
	return out, nil
}

// evaluateHypotheses runs the event studies on the replay's grid and
// returns the hypothesis_results and hypothesis_events tables.
func evaluateHypotheses(s *scenarios.Scenario, rep *replay.Report, specs []hypo.Spec) ([]results.Table, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	var maps []hypo.MapSeries
	for _, m := range rep.Maps {
		maps = append(maps, hypo.MapSeries{Above: m.Above, Below: m.Below, Times: m.Times, Shorts: m.Shorts, Longs: m.Longs})
	}
	cfg := hypo.StatsConfig{Bootstrap: s.Stats.Bootstrap, BlockLength: s.Stats.BlockLength, Alpha: s.Stats.Alpha,
		Split: s.Stats.Split, WalkForward: s.Stats.WalkForward, Baseline: s.Stats.Baseline, Seed: s.Seed}
	res, err := hypo.Evaluate(rep.Grid, specs, cfg, hypo.Options{MapSamples: maps})
	if err != nil {
		return nil, fmt.Errorf("%s: hypotheses: %w", s.Source, err)
	}
	sides := make([]int, len(specs))
	horizons := make([][]time.Duration, len(specs))
	for i, sp := range specs {
		sides[i], horizons[i] = sp.Side, sp.Horizons
	}
	return []results.Table{results.HypothesisResults(res, sides), results.HypothesisEvents(res, horizons)}, nil
}
