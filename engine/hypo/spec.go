package hypo

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// Sentinel errors callers can branch on with errors.Is.
var (
	// ErrUnknownHypothesis: a Spec names no catalogue hypothesis and has
	// no Signal builder.
	ErrUnknownHypothesis = errors.New("unknown hypothesis")
	// ErrNoMapSamples: liq_asymmetry needs liquidation-map samples
	// (Options.MapSamples) for its (above, below) pair.
	ErrNoMapSamples = errors.New("no liquidation-map samples")
)

// Spec is one hypothesis family to evaluate, with its parameter grid
// already expanded (it mirrors scenarios.Hypothesis; cmd/ converts).
type Spec struct {
	Name string
	// Variants holds one map per parameter combination, values
	// normalised: float64, int64, time.Duration, bool or string.
	// Parameters a map leaves out take the catalogue default. An empty
	// slice means one variant with every default.
	Variants []map[string]any
	Horizons []time.Duration // forward-return horizons, each > 0
	Cooldown time.Duration   // fires within Cooldown of an event are ignored
	Target   float64         // "target before stop": target move, fraction (> 0)
	Stop     float64         // stop move, fraction (> 0)
	Side     int             // expected direction: +1 up, −1 down, 0 either (volatility)
	// Signal, when set, builds each variant's signal instead of the
	// catalogue entry named Name: compositions (All, Any, Within) or
	// custom signals. Its params are the variant map, unchecked.
	Signal func(params map[string]any) (Signal, error)
}

// StatsConfig configures the statistics (it mirrors scenarios.Stats plus
// the scenario seed).
type StatsConfig struct {
	Bootstrap   int           // stationary-bootstrap replicates (0 = 2000)
	BlockLength time.Duration // minimum mean block length (0 = 24h); per horizon max(BlockLength, horizon)
	Alpha       float64       // interval level 1−Alpha (0 = 0.05)
	Split       float64       // in-sample share of the grid span; <= 0 or >= 1: one sample "all"
	WalkForward bool          // choose each hypothesis×horizon's best in-sample variant and mark it
	Baseline    string        // "all" (default) or "matched": see the package documentation
	Seed        uint64
}

// MapSeries holds liquidation-map samples recorded during the replay for
// one (above, below) pair: at each time, the quote notional of short
// positions whose liquidation price lies within +Above of the price and of
// long positions within −Below.
type MapSeries struct {
	Above, Below float64
	Times        []engine.Nanos // ascending
	Shorts       []float64
	Longs        []float64
}

// MapRequest is one (above, below) pair and the finest sampling interval
// the specs ask for; see MapRequests.
type MapRequest struct {
	Above, Below float64
	Every        time.Duration
}

// Options carries inputs the grid lacks and evaluation knobs. The zero
// value is usable.
type Options struct {
	// MapSamples are liquidation-map samples for liq_asymmetry.
	MapSamples []MapSeries
	// EvalStep is the step of the baseline series: the outcome is
	// sampled at every EvalStep (a multiple of the grid step; 0 = the
	// grid step). An event counts in the row containing it, with its own
	// outcome.
	EvalStep time.Duration
	// MinEvents is the fewest events a test needs for a p-value
	// (0 = 10).
	MinEvents int
	// CascadeShare and CascadeMin define a cascade step: the dominant
	// side's estimated liquidations >= max(CascadeMin, CascadeShare × OI
	// value) (defaults 0.001 and 0).
	CascadeShare, CascadeMin float64
	// The matched baseline (StatsConfig.Baseline "matched") conditions on
	// the market state over the trailing MatchWindow (0 = 24h): realised
	// volatility in MatchVolBins bins (0 = 5, quintiles) and return in
	// MatchRetBins bins (0 = 3, terciles; 1 = volatility only), the bins
	// cut at the sample's own quantiles. A cell needs MinControls
	// independent control episodes (0 = 10); see the package
	// documentation. Scenarios use the defaults.
	MatchWindow                time.Duration
	MatchVolBins, MatchRetBins int
	MinControls                int
}

func (o Options) withDefaults() Options {
	if o.MinEvents <= 0 {
		o.MinEvents = 10
	}
	if o.CascadeShare <= 0 {
		o.CascadeShare = 0.001
	}
	if o.MatchWindow <= 0 {
		o.MatchWindow = 24 * time.Hour
	}
	if o.MatchVolBins <= 0 {
		o.MatchVolBins = 5
	}
	if o.MatchRetBins <= 0 {
		o.MatchRetBins = 3
	}
	if o.MinControls <= 0 {
		o.MinControls = 10
	}
	return o
}

func (c StatsConfig) withDefaults() StatsConfig {
	if c.Bootstrap <= 0 {
		c.Bootstrap = 2000
	}
	if c.BlockLength <= 0 {
		c.BlockLength = 24 * time.Hour
	}
	if c.Alpha <= 0 || c.Alpha >= 1 {
		c.Alpha = 0.05
	}
	if c.Baseline == "" {
		c.Baseline = "all"
	}
	return c
}

// MapRequests lists the liquidation-map pairs the liq_asymmetry variants
// of specs need, with the finest interval each is asked at, sorted by
// (above, below), so the replay can record exactly those samples.
func MapRequests(specs []Spec) ([]MapRequest, error) {
	var out []MapRequest
	for _, s := range specs {
		if s.Name != "liq_asymmetry" || s.Signal != nil {
			continue
		}
		for _, v := range variantsOf(s) {
			p, err := normalise(s.Name, v)
			if err != nil {
				return nil, err
			}
			a, b, e := p.f("above"), p.f("below"), p.d("every")
			found := false
			for i := range out {
				if out[i].Above == a && out[i].Below == b {
					out[i].Every = min(out[i].Every, e)
					found = true
				}
			}
			if !found {
				out = append(out, MapRequest{a, b, e})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Above != out[j].Above {
			return out[i].Above < out[j].Above
		}
		return out[i].Below < out[j].Below
	})
	return out, nil
}

func variantsOf(s Spec) []map[string]any {
	if len(s.Variants) == 0 {
		return []map[string]any{{}}
	}
	return s.Variants
}

// params is a normalised variant of a catalogue hypothesis.
type params map[string]any

func (p params) f(k string) float64 { return p[k].(float64) }
func (p params) i(k string) int64   { return p[k].(int64) }
func (p params) s(k string) string  { return p[k].(string) }
func (p params) d(k string) time.Duration {
	return p[k].(time.Duration)
}

// normalise checks a variant against the catalogue and fills defaults.
func normalise(name string, v map[string]any) (params, error) {
	spec, ok := engine.LookupHypothesis(name)
	if !ok {
		return nil, fmt.Errorf("%q: %w", name, ErrUnknownHypothesis)
	}
	out := params{}
	for k, x := range v {
		ps, ok := spec.Param(k)
		if !ok {
			return nil, fmt.Errorf("%s: unknown parameter %q", name, k)
		}
		y, err := ps.Check(x)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", name, k, err)
		}
		out[k] = y
	}
	for _, ps := range spec.Params {
		if _, ok := out[ps.Name]; !ok {
			out[ps.Name] = ps.Default
		}
	}
	return out, nil
}

// FormatParams renders a variant as a stable string: key=value pairs
// sorted by key and joined by commas, e.g. "level=0.0007,window=720h".
func FormatParams(v map[string]any) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(formatValue(v[k]))
	}
	return b.String()
}

func formatValue(x any) string {
	switch v := x.(type) {
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case time.Duration:
		return FormatDuration(v)
	case bool:
		return strconv.FormatBool(v)
	case string:
		return v
	}
	return fmt.Sprint(x)
}

// FormatDuration writes whole hours as "720h", whole minutes as "90m",
// whole seconds as "30s", and anything else as time.Duration does: how
// parameter strings and result horizons spell durations.
func FormatDuration(d time.Duration) string {
	switch {
	case d != 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d != 0 && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d != 0 && d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// stepsOf converts a duration to grid steps, rounding up, at least 1.
func stepsOf(d time.Duration, step engine.Nanos) int {
	s := int((engine.Nanos(d) + step - 1) / step)
	return max(s, 1)
}

func finitePos(x float64) bool { return x > 0 && !math.IsInf(x, 1) }
