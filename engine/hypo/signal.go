package hypo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// Signal computes where a story's condition holds on a grid.
type Signal interface {
	Fire(env *Env) (*Fired, error)
}

// SignalFunc adapts a function to Signal.
type SignalFunc func(env *Env) (*Fired, error)

// Fire calls f.
func (f SignalFunc) Fire(env *Env) (*Fired, error) { return f(env) }

// Fired is a signal's output on a grid.
type Fired struct {
	Name string
	// On[i] reports that the condition holds at the close of step i,
	// computed from data up to the end of step i only.
	On []bool
	// Features names the values Values writes (may be empty).
	Features []string
	// Values writes the feature values at step i into dst
	// (len(Features)). Called only at event steps; nil if no features.
	Values func(i int, dst []float64)
	// Source says which data the signal used (e.g. "series fear_greed",
	// "proxy", "estimated liquidations"); empty when there is no choice.
	Source string
}

// Env is what a signal may read: the grid, the options, and a cache for
// computations shared by the variants of a run (bars, prefix sums, the
// sentiment proxy). An Env belongs to one Evaluate call.
type Env struct {
	Grid *engine.Grid
	Opt  Options
	memo map[string]any
}

// NewEnv returns an Env over g (for calling signals outside Evaluate).
func NewEnv(g *engine.Grid, opt Options) *Env {
	return &Env{Grid: g, Opt: opt.withDefaults(), memo: map[string]any{}}
}

// cached returns the value stored under key, computing it once.
func cached[T any](env *Env, key string, f func() T) T {
	if v, ok := env.memo[key]; ok {
		return v.(T)
	}
	v := f()
	env.memo[key] = v
	return v
}

// NewSignal builds the catalogue signal name with the given parameters
// (checked against engine.Hypotheses and completed with defaults).
func NewSignal(name string, p map[string]any) (Signal, error) {
	ps, err := normalise(name, p)
	if err != nil {
		return nil, err
	}
	switch name {
	case "funding_overheat":
		return fundingOverheat{level: ps.f("level"), z: ps.f("zscore"), window: ps.d("window"), short: ps.s("crowded") == "short"}, nil
	case "oi_divergence":
		return oiDivergence{window: ps.d("window"), oiRise: ps.f("oi_rise"), priceFall: ps.f("price_fall")}, nil
	case "wyckoff_spring":
		return wyckoffSpring{bar: ps.d("bar"), lookback: int(ps.i("lookback")), sweepMax: ps.f("sweep_max"),
			reclaim: int(ps.i("reclaim_bars")), liqBurst: ps.f("liq_burst")}, nil
	case "deleveraging_flush":
		return delevFlush{window: ps.d("window"), priceDrop: ps.f("price_drop"), oiDrop: ps.f("oi_drop"),
			liqShare: ps.f("liq_share"), breaker: ps.s("mode") == "circuit_breaker"}, nil
	case "sentiment_extreme":
		return sentimentExtreme{series: ps.s("series"), below: ps.f("below"), above: ps.f("above")}, nil
	case "liq_asymmetry":
		return liqAsymmetry{above: ps.f("above"), below: ps.f("below"), ratio: ps.f("ratio"), every: ps.d("every")}, nil
	}
	return nil, fmt.Errorf("%q: %w", name, ErrUnknownHypothesis)
}

// All holds where every signal holds at the same step. Point-like signals
// (funding settlements, map samples, bar closes) rarely coincide: wrap
// them in Within.
func All(sigs ...Signal) Signal { return combine("all", sigs, true) }

// Any holds where at least one signal holds.
func Any(sigs ...Signal) Signal { return combine("any", sigs, false) }

func combine(name string, sigs []Signal, and bool) Signal {
	return SignalFunc(func(env *Env) (*Fired, error) {
		if len(sigs) == 0 {
			return nil, fmt.Errorf("%s: no signals", name)
		}
		n := env.Grid.Len()
		on := make([]bool, n)
		for i := range on {
			on[i] = and
		}
		var kids []*Fired
		var feats, srcs []string
		for k, s := range sigs {
			f, err := s.Fire(env)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", name, k, err)
			}
			if len(f.On) != n {
				return nil, fmt.Errorf("%s[%d]: %d values for a grid of %d", name, k, len(f.On), n)
			}
			for i, v := range f.On {
				if and {
					on[i] = on[i] && v
				} else {
					on[i] = on[i] || v
				}
			}
			kids = append(kids, f)
			for _, ft := range f.Features {
				feats = append(feats, fmt.Sprintf("%s%d.%s", f.Name, k, ft))
			}
			if f.Source != "" {
				srcs = append(srcs, fmt.Sprintf("%s%d: %s", f.Name, k, f.Source))
			}
		}
		return &Fired{Name: name, On: on, Features: feats, Source: strings.Join(srcs, "; "),
			Values: func(i int, dst []float64) {
				o := 0
				for _, f := range kids {
					if f.Values != nil {
						f.Values(i, dst[o:o+len(f.Features)])
					}
					o += len(f.Features)
				}
			}}, nil
	})
}

// Within holds at step i when s held at some step j <= i no more than d
// earlier ("a spring within the last 48h"). Its features are s's features
// at the latest such j, plus "age_h", the hours since j.
func Within(s Signal, d time.Duration) Signal {
	return SignalFunc(func(env *Env) (*Fired, error) {
		f, err := s.Fire(env)
		if err != nil {
			return nil, err
		}
		g := env.Grid
		w := int(engine.Nanos(d) / g.Step)
		last := make([]int32, len(f.On)) // latest j <= i with f.On[j], or -1
		on := make([]bool, len(f.On))
		l := int32(-1)
		for i, v := range f.On {
			if v {
				l = int32(i)
			}
			last[i] = l
			on[i] = l >= 0 && i-int(l) <= w
		}
		feats := append(append([]string(nil), f.Features...), "age_h")
		return &Fired{Name: f.Name, On: on, Features: feats, Source: f.Source, Values: func(i int, dst []float64) {
			j := int(last[i])
			if !on[i] { // s has not held within d (possible under Any): no features
				for k := range dst[:len(f.Features)+1] {
					dst[k] = math.NaN()
				}
				return
			}
			if f.Values != nil {
				f.Values(j, dst[:len(f.Features)])
			}
			dst[len(f.Features)] = float64(engine.Nanos(i-j)*g.Step) / float64(engine.Hour)
		}}, nil
	})
}
