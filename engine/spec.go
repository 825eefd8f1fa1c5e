package engine

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// ParamKind is the type of a hypothesis or strategy parameter.
type ParamKind uint8

// Parameter kinds.
const (
	ParamFloat    ParamKind = iota + 1 // a real number
	ParamInt                           // a whole number
	ParamDuration                      // a time span, written like 90m, 24h, 7d
	ParamBool                          // true or false
	ParamString                        // one of Choices, or free text when Choices is empty
)

func (k ParamKind) String() string {
	switch k {
	case ParamFloat:
		return "number"
	case ParamInt:
		return "whole number"
	case ParamDuration:
		return "duration (e.g. 90m, 24h, 7d)"
	case ParamBool:
		return "true or false"
	case ParamString:
		return "string"
	}
	return "unknown"
}

// ParamSpec describes one parameter: its type, its allowed range (for
// numbers and durations, inclusive) and its default.
type ParamSpec struct {
	Name     string
	Kind     ParamKind
	Min, Max float64 // numbers; durations in seconds
	Default  any     // float64, int64, time.Duration, bool or string
	Choices  []string
	Doc      string
}

// Check validates one value against the spec and returns it normalised:
// float64 for numbers, int64 for whole numbers, time.Duration, bool or
// string.
func (p ParamSpec) Check(v any) (any, error) {
	switch p.Kind {
	case ParamFloat, ParamInt:
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("got %v (%T), want a %s", v, v, p.Kind)
		}
		if p.Kind == ParamInt && f != math.Trunc(f) {
			return nil, fmt.Errorf("got %v, want a whole number", v)
		}
		if f < p.Min || f > p.Max || math.IsNaN(f) {
			return nil, fmt.Errorf("got %v, want a value in [%g, %g]", v, p.Min, p.Max)
		}
		if p.Kind == ParamInt {
			return int64(f), nil
		}
		return f, nil
	case ParamDuration:
		d, err := toDuration(v)
		if err != nil {
			return nil, err
		}
		if s := d.Seconds(); s < p.Min || s > p.Max {
			return nil, fmt.Errorf("got %s, want a duration in [%s, %s]", d, time.Duration(p.Min*1e9), time.Duration(p.Max*1e9))
		}
		return d, nil
	case ParamBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("got %v (%T), want true or false", v, v)
		}
		return b, nil
	case ParamString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("got %v (%T), want a string", v, v)
		}
		if len(p.Choices) > 0 {
			for _, c := range p.Choices {
				if c == s {
					return s, nil
				}
			}
			return nil, fmt.Errorf("got %q, want one of %v", s, p.Choices)
		}
		return s, nil
	}
	return nil, fmt.Errorf("parameter %s has no kind", p.Name)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// ParseDuration parses Go durations plus whole days ("7d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	var days time.Duration
	for i := 0; i < len(s); i++ {
		if s[i] == 'd' {
			var n int64
			if _, err := fmt.Sscanf(s[:i], "%d", &n); err != nil || fmt.Sprint(n) != s[:i] {
				break
			}
			days = time.Duration(n) * 24 * time.Hour
			s = s[i+1:]
			if s == "" {
				return days, nil
			}
			break
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want e.g. 90m, 24h, 7d", s)
	}
	return days + d, nil
}

func toDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case time.Duration:
		return x, nil
	case string:
		return ParseDuration(x)
	}
	return 0, fmt.Errorf("got %v (%T), want a duration like 90m, 24h or 7d", v, v)
}

// Spec describes a hypothesis family the engine evaluates or a strategy
// it trades: its name as written in scenarios, the story it tests and its
// parameters.
type Spec struct {
	Name   string
	Story  string
	Side   int // direction the story predicts: +1 up, -1 down, 0 either (volatility)
	Params []ParamSpec
}

// Param returns the spec of the named parameter.
func (h Spec) Param(name string) (ParamSpec, bool) {
	for _, p := range h.Params {
		if p.Name == name {
			return p, true
		}
	}
	return ParamSpec{}, false
}

const (
	sec  = 1.0 // seconds, for ParamSpec ranges
	hour = 3600 * sec
	day  = 24 * hour
)

// Hypotheses returns the catalogue of hypothesis families, sorted by name.
// docs/hypotheses.md gives each signal's exact definition.
func Hypotheses() []Spec {
	hs := []Spec{
		{Name: "liq_asymmetry", Side: 1, Story: "asymmetric short liquidity above price precedes relief rallies", Params: []ParamSpec{
			{Name: "above", Kind: ParamFloat, Min: 0.001, Max: 1, Default: 0.12, Doc: "range above price for shorts at risk, fraction (0.12 = +12%)"},
			{Name: "below", Kind: ParamFloat, Min: 0.001, Max: 0.99, Default: 0.10, Doc: "range below price for longs at risk, fraction"},
			{Name: "ratio", Kind: ParamFloat, Min: 0.01, Max: 1000, Default: 3.0, Doc: "signal when shorts-at-risk / longs-at-risk >= ratio"},
			{Name: "every", Kind: ParamDuration, Min: 60 * sec, Max: 7 * day, Default: time.Hour, Doc: "how often the map is sampled"},
		}},
		{Name: "wyckoff_spring", Side: 1, Story: "a sweep below range support that is reclaimed marks a bottom", Params: []ParamSpec{
			{Name: "bar", Kind: ParamDuration, Min: 60 * sec, Max: 7 * day, Default: time.Hour, Doc: "bar interval the pattern is read on"},
			{Name: "lookback", Kind: ParamInt, Min: 5, Max: 2000, Default: int64(72), Doc: "bars defining the range and its swing-low support"},
			{Name: "sweep_max", Kind: ParamFloat, Min: 0.0001, Max: 0.5, Default: 0.03, Doc: "maximum depth of the sweep below support, fraction"},
			{Name: "reclaim_bars", Kind: ParamInt, Min: 1, Max: 500, Default: int64(6), Doc: "bars within which price must close back above support"},
			{Name: "liq_burst", Kind: ParamFloat, Min: 0, Max: 1e12, Default: 0.0, Doc: "minimum estimated long liquidations (quote) during the sweep; 0 = not required"},
		}},
		{Name: "funding_overheat", Side: -1, Story: "funding far above normal means an overcrowded long side that gets squeezed", Params: []ParamSpec{
			{Name: "level", Kind: ParamFloat, Min: -0.01, Max: 0.01, Default: 0.0007, Doc: "signal when the funding rate per 8h >= level (0.0007 = 0.07%)"},
			{Name: "zscore", Kind: ParamFloat, Min: 0, Max: 20, Default: 0.0, Doc: "alternatively, z-score of funding over window >= zscore; 0 = off"},
			{Name: "window", Kind: ParamDuration, Min: hour, Max: 365 * day, Default: 30 * 24 * time.Hour, Doc: "z-score window"},
			{Name: "crowded", Kind: ParamString, Default: "long", Choices: []string{"long", "short"}, Doc: "crowded side: long (funding >= level) or short (funding <= -level, a short squeeze / relief rally; use side +1)"},
		}},
		{Name: "oi_divergence", Side: 0, Story: "open interest rising while price falls is fuel for volatility", Params: []ParamSpec{
			{Name: "window", Kind: ParamDuration, Min: 5 * 60 * sec, Max: 30 * day, Default: 24 * time.Hour, Doc: "look-back window"},
			{Name: "oi_rise", Kind: ParamFloat, Min: 0, Max: 10, Default: 0.05, Doc: "minimum OI rise over the window, fraction"},
			{Name: "price_fall", Kind: ParamFloat, Min: 0, Max: 0.99, Default: 0.02, Doc: "minimum price fall over the window, fraction"},
		}},
		{Name: "deleveraging_flush", Side: 1, Story: "a flush (price down, OI down, liquidation burst) is followed by a bounce; the treadmill stops when OI falls, funding resets and bursts fade", Params: []ParamSpec{
			{Name: "window", Kind: ParamDuration, Min: 5 * 60 * sec, Max: 30 * day, Default: 4 * time.Hour, Doc: "look-back window"},
			{Name: "price_drop", Kind: ParamFloat, Min: 0, Max: 0.99, Default: 0.04, Doc: "minimum price drop over the window, fraction"},
			{Name: "oi_drop", Kind: ParamFloat, Min: 0, Max: 0.99, Default: 0.03, Doc: "minimum OI drop over the window, fraction"},
			{Name: "liq_share", Kind: ParamFloat, Min: 0, Max: 1, Default: 0.005, Doc: "minimum estimated long liquidations over the window as a share of OI"},
			{Name: "mode", Kind: ParamString, Default: "flush", Choices: []string{"flush", "circuit_breaker"}, Doc: "flush events, or the circuit-breaker state (OI falling, funding reset, bursts fading)"},
		}},
		{Name: "sentiment_extreme", Side: 1, Story: "extreme fear precedes rebounds, extreme greed precedes pullbacks", Params: []ParamSpec{
			{Name: "series", Kind: ParamString, Default: "fear_greed", Doc: "recorded series name; when absent from the data, a proxy from market data is used"},
			{Name: "below", Kind: ParamFloat, Min: 0, Max: 100, Default: 20.0, Doc: "extreme fear: index <= below"},
			{Name: "above", Kind: ParamFloat, Min: 0, Max: 101, Default: 101.0, Doc: "extreme greed: index >= above (101 = off)"},
		}},
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].Name < hs[j].Name })
	return hs
}

// LookupHypothesis returns the spec of the named hypothesis family.
func LookupHypothesis(name string) (Spec, bool) {
	for _, h := range Hypotheses() {
		if h.Name == name {
			return h, true
		}
	}
	return Spec{}, false
}
