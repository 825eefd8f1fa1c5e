package hypo

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/stats"
)

type liqAsymmetry struct {
	above, below, ratio float64
	every               time.Duration
}

// mapTol is how close a MapSeries pair must be to the requested one.
const mapTol = 1e-9

func (s liqAsymmetry) Fire(env *Env) (*Fired, error) {
	g := env.Grid
	var ms *MapSeries
	for k := range env.Opt.MapSamples {
		m := &env.Opt.MapSamples[k]
		if math.Abs(m.Above-s.above) < mapTol && math.Abs(m.Below-s.below) < mapTol {
			ms = m
			break
		}
	}
	if ms == nil {
		return nil, fmt.Errorf("liq_asymmetry above=%g below=%g: %w (Options.MapSamples has no series for this pair; see MapRequests)",
			s.above, s.below, ErrNoMapSamples)
	}
	if len(ms.Shorts) != len(ms.Times) || len(ms.Longs) != len(ms.Times) {
		return nil, fmt.Errorf("liq_asymmetry above=%g below=%g: %d times, %d shorts, %d longs",
			s.above, s.below, len(ms.Times), len(ms.Shorts), len(ms.Longs))
	}
	on := make([]bool, g.Len())
	type feat struct{ shorts, longs float64 }
	feats := map[int]feat{}
	every := engine.Nanos(s.every)
	prev := engine.Nanos(math.MinInt64)
	for k, t := range ms.Times {
		// Keep the first sample in each interval of length every
		// (aligned to the Unix epoch).
		slot := floorDiv(t, every)
		if slot == prev {
			continue
		}
		prev = slot
		i := g.Index(t)
		if i < 0 {
			continue
		}
		sh, lo := ms.Shorts[k], ms.Longs[k]
		if asymmetry(sh, lo) >= s.ratio {
			on[i] = true
			feats[i] = feat{sh, lo}
		}
	}
	return &Fired{Name: "liq_asymmetry", On: on, Source: "liquidation map", Features: []string{"shorts_at_risk", "longs_at_risk", "ratio"},
		Values: func(i int, dst []float64) {
			f, ok := feats[i]
			if !ok {
				dst[0], dst[1], dst[2] = math.NaN(), math.NaN(), math.NaN()
				return
			}
			dst[0], dst[1], dst[2] = f.shorts, f.longs, f.shorts/f.longs
		}}, nil
}

// asymmetry is shorts/longs at risk: +Inf with shorts and no longs, NaN
// (never above a ratio) with neither.
func asymmetry(shorts, longs float64) float64 { return stats.Ratio(shorts, longs) }
