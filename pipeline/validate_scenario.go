package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/replay"
	"github.com/cascade-research/cascade/scenarios"
)

// RecordedRow is one correlation of estimated with recorded liquidations
// per step, over one part of the span, for one simulator setting.
type RecordedRow struct {
	Setting             string // "defaults" or "calibrated"
	LeveragedShare      float64
	OIProxyTurnover     time.Duration
	Part                string // all, first half, second half
	Steps               int
	CorrLong, CorrShort float64
	CorrTotal           float64
	EstOverRec          float64 // estimated / recorded notional (recorded feeds undercount)
	// EstLongShare and RecLongShare are the long side's share of the
	// estimated and of the recorded notional: a side bias shows here even
	// when the totals are not comparable.
	EstLongShare, RecLongShare float64
}

// ValidateRecordedScenario replays a scenario's data — which must include
// recorded liquidations (kind liquidations) — through the simulator with
// the scenario's settings (and the volume OI proxy when the data has no
// OI) and correlates the estimated with the recorded liquidations per
// step, over the whole span and its two halves. With calibrate it also
// chooses leveraged_share and oi_proxy_turnover on the first half from a
// small grid (best total correlation) and reports the chosen setting on
// the second half: honest out-of-sample figures.
func ValidateRecordedScenario(ctx context.Context, j *Job, step time.Duration, calibrate bool) ([]RecordedRow, error) {
	if !hasKind(j, engine.KindLiquidation) {
		return nil, fmt.Errorf("%s: no recorded liquidations in the data (add a part with kinds [liquidations])", j.Scenario.Source)
	}
	run := func(sim scenarios.Simulator) (*engine.Grid, error) {
		cfg, err := SimulatorConfig(sim)
		if err != nil {
			return nil, err
		}
		rc := replay.Config{GridStep: j.Scenario.Stats.Step, Simulator: &cfg}
		if !hasKind(j, engine.KindOI) {
			rc.OIProxy = &replay.OIProxy{Turnover: sim.OIProxyTurnover, Window: sim.OIProxyWindow, Every: sim.InflowInterval}
		}
		rep, _, err := replayParts(ctx, j, rc, slog.New(slog.DiscardHandler), 0)
		if err != nil {
			return nil, err
		}
		return rep.Grid, nil
	}
	score := func(g *engine.Grid, setting string, sim scenarios.Simulator, parts ...string) []RecordedRow {
		k := int(engine.Nanos(step) / g.Step)
		if k < 1 {
			k = 1
		}
		var el, es, rl, rs, et, rt []float64
		for i := 0; i < g.Len(); i += k {
			var a, b, c, d float64
			for x := i; x < i+k && x < g.Len(); x++ {
				a += g.EstLiqLong[x]
				b += g.EstLiqShort[x]
				c += g.RecLiqLong[x]
				d += g.RecLiqShort[x]
			}
			el, es, rl, rs, et, rt = append(el, a), append(es, b), append(rl, c), append(rs, d), append(et, a+b), append(rt, c+d)
		}
		n := len(et)
		ranges := map[string][2]int{"all": {0, n}, "first half": {0, n / 2}, "second half": {n / 2, n}}
		var out []RecordedRow
		for _, p := range parts {
			r := ranges[p]
			var se, sr, sel, srl float64
			for i := r[0]; i < r[1]; i++ {
				se, sr, sel, srl = se+et[i], sr+rt[i], sel+el[i], srl+rl[i]
			}
			out = append(out, RecordedRow{Setting: setting, LeveragedShare: sim.LeveragedShare, OIProxyTurnover: sim.OIProxyTurnover, Part: p,
				Steps: r[1] - r[0], CorrLong: corr(el[r[0]:r[1]], rl[r[0]:r[1]]), CorrShort: corr(es[r[0]:r[1]], rs[r[0]:r[1]]),
				CorrTotal: corr(et[r[0]:r[1]], rt[r[0]:r[1]]), EstOverRec: se / sr, EstLongShare: sel / se, RecLongShare: srl / sr})
		}
		return out
	}
	base := j.Scenario.Simulator
	g, err := run(base)
	if err != nil {
		return nil, err
	}
	rows := score(g, "defaults", base, "all", "first half", "second half")
	if !calibrate {
		return rows, nil
	}
	var best scenarios.Simulator
	bestCorr := -2.0
	for _, ls := range []float64{0.1, 0.2, 0.35, 0.5, 1} {
		for _, to := range []time.Duration{6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
			sim := base
			sim.LeveragedShare, sim.OIProxyTurnover = ls, to
			g, err := run(sim)
			if err != nil {
				return nil, err
			}
			if c := score(g, "", sim, "first half")[0].CorrTotal; c > bestCorr {
				bestCorr, best = c, sim
			}
		}
	}
	g, err = run(best)
	if err != nil {
		return nil, err
	}
	return append(rows, score(g, "calibrated on the first half", best, "first half", "second half")...), nil
}

func corr(x, y []float64) float64 {
	if len(x) < 3 {
		return math.NaN()
	}
	return stat.Correlation(x, y, nil)
}
