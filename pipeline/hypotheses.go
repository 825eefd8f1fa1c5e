package pipeline

import (
	"fmt"
	"strings"
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
		sp := hypo.Spec{Name: h.Name, Variants: scenarios.Grid(h.Params), Horizons: h.Horizons,
			Cooldown: h.Cooldown, Target: h.Target, Stop: h.Stop, Side: h.Side}
		if h.Compose != "" {
			sp.Signal = composite(h)
		}
		out = append(out, sp)
	}
	return out
}

// composite builds the signal of a composite hypothesis for one variant:
// each part's catalogue signal with its parameters (the variant's keys
// <prefix>.<param>), wrapped in Within when the part has one, combined
// with All or Any.
func composite(h scenarios.Hypothesis) func(map[string]any) (hypo.Signal, error) {
	return func(v map[string]any) (hypo.Signal, error) {
		sigs := make([]hypo.Signal, len(h.Parts))
		for k, part := range h.Parts {
			sig, err := hypo.NewSignal(part.Signal, partParams(part, v))
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", h.Name, part.Prefix, err)
			}
			if part.Within > 0 {
				sig = hypo.Within(sig, part.Within)
			}
			sigs[k] = sig
		}
		if h.Compose == "any" {
			return hypo.Any(sigs...), nil
		}
		return hypo.All(sigs...), nil
	}
}

// partParams picks a part's parameters out of a composite's variant.
func partParams(part scenarios.Part, v map[string]any) map[string]any {
	out := map[string]any{}
	for k, x := range v {
		if name, ok := strings.CutPrefix(k, part.Prefix+"."); ok {
			out[name] = x
		}
	}
	return out
}

// compositeMapSpecs returns the liq_asymmetry parts of composite
// hypotheses as catalogue specs, so that their map samples are recorded.
func compositeMapSpecs(s *scenarios.Scenario) []hypo.Spec {
	var out []hypo.Spec
	for _, h := range s.Hypotheses {
		for _, part := range h.Parts {
			if part.Signal != "liq_asymmetry" {
				continue
			}
			var vs []map[string]any
			for _, v := range scenarios.Grid(h.Params) {
				vs = append(vs, partParams(part, v))
			}
			out = append(out, hypo.Spec{Name: part.Signal, Variants: vs})
		}
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
	cfg := hypo.StatsConfig{Bootstrap: s.Stats.Bootstrap, BlockLength: s.Stats.BlockLength, Alpha: s.Stats.Alpha,
		Split: s.Stats.Split, WalkForward: s.Stats.WalkForward, Baseline: s.Stats.Baseline, Seed: s.Seed}
	res, err := hypo.Evaluate(rep.Grid, specs, cfg, hypo.Options{MapSamples: rep.Maps})
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
