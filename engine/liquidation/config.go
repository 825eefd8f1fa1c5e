package liquidation

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine/perp"
)

// ErrBadConfig reports an invalid Config; Validate's errors wrap it.
var ErrBadConfig = errors.New("bad liquidation config")

// OutflowRule says which positions a fall in open interest closes.
type OutflowRule string

// Outflow rules (the strings scenarios use).
const (
	// OutflowProportional closes the same fraction of every cohort.
	OutflowProportional OutflowRule = "proportional"
	// OutflowLosersFirst closes the positions most underwater at the
	// current price first: longs from the highest entry down, shorts from
	// the lowest entry up.
	OutflowLosersFirst OutflowRule = "losers_first"
	// OutflowOldestFirst closes positions in the order they were opened
	// (first in, first out).
	OutflowOldestFirst OutflowRule = "oldest_first"
)

// ImpactConfig configures the price-impact model of forced orders used by
// Shock and calibrated by Calibrator.
type ImpactConfig struct {
	// Model names the model; only "sqrt" (SqrtImpact) exists.
	Model string
	// Coefficient is the dimensionless Y in Δln P = Y·σ_daily·sqrt(Q/V_daily).
	Coefficient float64
	// Window is the calibration window of the rolling volume and
	// volatility.
	Window time.Duration
	// MaxMove caps the total log-price move a cascade's forced orders can
	// cause (0 = no cap).
	MaxMove float64
}

// Config configures a Book, Shock and Episodes. It mirrors
// scenarios.Simulator plus the parameters the model needs that scenarios
// do not (yet) carry. Start from DefaultConfig and change fields; New
// validates and copies it. Durations are time.Duration (nanoseconds, like
// engine.Nanos).
type Config struct {
	// PriceBin is the width of the geometric price bins, as a fraction of
	// price: bin k covers [e^(k·w), e^((k+1)·w)) with w = ln(1+PriceBin).
	// Entry prices, the volume-at-price histogram and the liquidation-price
	// grid all use it. Default 0.001 (0.1%).
	PriceBin float64
	// Leverage lists the leverage buckets. Default 2, 3, 5, 10, 20, 25,
	// 50, 75, 100, 125.
	Leverage []float64
	// AggressorWeights and PassiveWeights are the leverage mixes (one
	// weight per bucket, normalised on use) of the aggressor and passive
	// side of new contracts. Defaults: scenarios.DefaultAggressorWeights
	// and scenarios.DefaultPassiveWeights.
	AggressorWeights []float64
	PassiveWeights   []float64
	// Outflow is the rule for falls in open interest. Default
	// proportional.
	Outflow OutflowRule
	// Brackets is the contract's tier table. Default
	// perp.BinanceBTCUSDT2024.
	Brackets perp.Brackets
	// Funding makes funding settlements move isolated margins. Default
	// true.
	Funding bool
	// InflowInterval is the OI aggregation step: at most one OI
	// observation per interval (the first at or after each boundary, on
	// the Unix-epoch grid) is turned into inflow or outflow, using the
	// trade volume since the previous one. Default 5 minutes.
	InflowInterval time.Duration
	// Impact configures the impact model. Default sqrt, coefficient 1,
	// window 24 hours, no cap.
	Impact ImpactConfig
	// CascadeGap: liquidations of one side closer than this join one
	// episode. Default 5 minutes.
	CascadeGap time.Duration
	// WaveGap: within an episode, a liquidation more than WaveGap after
	// the previous one starts a new wave (burst). Default 30 seconds.
	WaveGap time.Duration
	// EpisodeBucket, if > 0, groups liquidations into episodes by
	// buckets of this length on the Unix-epoch grid (e.g. minutes, like
	// per-minute liquidation data): an episode continues while the next
	// liquidation's bucket starts less than CascadeGap after the last
	// one's, and its Waves are the distinct buckets with liquidations
	// (WaveGap is then unused). With 1-minute buckets, CascadeGap 4m ends
	// an episode after 3 quiet minutes. Default 0 (continuous time).
	EpisodeBucket time.Duration
	// EpisodeMinNotional drops episodes below this liquidated notional
	// (quote). Default 0 (keep all).
	EpisodeMinNotional float64
	// LeveragedShare is the share of each open-interest increase that
	// enters the leveraged cohorts; the rest joins the untracked pool
	// (positions that are never liquidated: unlevered, hedged or cross
	// margined with deep collateral). Default 1 (every new contract is
	// leveraged with the configured mix).
	LeveragedShare float64
	// AccountNotional is the notional (quote) of a typical account,
	// which picks the maintenance-margin tier: each cohort's liquidation
	// price is that of one account of min(AccountNotional, the largest
	// notional its leverage allows) at the cohort's entry. Default 20 000.
	AccountNotional float64
	// FundingTilt tilts the side split of new leveraged positions by the
	// last funding rate F (per interval; I is the interest component,
	// 0.01% per 8 hours, scaled to the interval): with tilt = clamp(
	// FundingTilt·(F − I), −1, 1), longs get LeveragedShare·(1+tilt) of
	// each OI increase and shorts LeveragedShare·(1−tilt) (each capped at
	// 1), the rest joining the untracked pool. Funding above the interest
	// rate means the perpetual trades at a premium: longs are crowded. A
	// rate counts for three funding intervals after its settlement; with
	// no newer one the split is even again. Default 0 (off: both sides get
	// LeveragedShare).
	FundingTilt float64
	// MaxShockWaves caps the waves of one Shock. Default 100.
	MaxShockWaves int
	// HoldHalfLife is the holding-time half-life of a 1x position: a
	// cohort of leverage L closes voluntarily at a constant rate, with
	// half-life HoldHalfLife/sqrt(L), whatever the open interest does.
	// The closed quantity leaves the tracked book and the book's OI, so
	// the next OI observation counts the positions that replaced it as
	// new inflow. Default 0 (off: positions close only when OI falls).
	HoldHalfLife time.Duration
}

// Default parameter values (see Config).
const (
	DefaultPriceBin        = 0.001
	DefaultInflowInterval  = 5 * time.Minute
	DefaultImpactWindow    = 24 * time.Hour
	DefaultCascadeGap      = 5 * time.Minute
	DefaultWaveGap         = 30 * time.Second
	DefaultAccountNotional = 20_000.0
	DefaultMaxShockWaves   = 100
)

// DefaultLeverage, DefaultAggressorWeights and DefaultPassiveWeights are
// the leverage buckets and mixes of DefaultConfig (the same as the
// scenarios package's defaults). Treat them as read-only; DefaultConfig
// returns copies.
var (
	DefaultLeverage         = []float64{2, 3, 5, 10, 20, 25, 50, 75, 100, 125}
	DefaultAggressorWeights = []float64{0.02, 0.04, 0.08, 0.16, 0.20, 0.14, 0.16, 0.08, 0.07, 0.05}
	DefaultPassiveWeights   = []float64{0.15, 0.15, 0.20, 0.22, 0.12, 0.06, 0.05, 0.02, 0.02, 0.01}
)

// DefaultConfig returns the default configuration (fresh slices).
func DefaultConfig() Config {
	return Config{
		PriceBin:         DefaultPriceBin,
		Leverage:         append([]float64(nil), DefaultLeverage...),
		AggressorWeights: append([]float64(nil), DefaultAggressorWeights...),
		PassiveWeights:   append([]float64(nil), DefaultPassiveWeights...),
		Outflow:          OutflowProportional,
		Brackets:         perp.BinanceBTCUSDT2024,
		Funding:          true,
		InflowInterval:   DefaultInflowInterval,
		Impact:           ImpactConfig{Model: "sqrt", Coefficient: 1, Window: DefaultImpactWindow},
		CascadeGap:       DefaultCascadeGap,
		WaveGap:          DefaultWaveGap,
		LeveragedShare:   1,
		AccountNotional:  DefaultAccountNotional,
		MaxShockWaves:    DefaultMaxShockWaves,
	}
}

// maxBuckets bounds the number of leverage buckets (they are indexed by a
// byte).
const maxBuckets = 64

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate checks the configuration. Errors wrap ErrBadConfig and name
// the field.
func (c Config) Validate() error {
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadConfig, field, fmt.Sprintf(format, a...))
	}
	if !(c.PriceBin >= 1e-5 && c.PriceBin <= 0.1) {
		return bad("PriceBin", "%v, want a fraction in [1e-5, 0.1]", c.PriceBin)
	}
	if err := c.Brackets.Validate(); err != nil {
		return bad("Brackets", "%v", err)
	}
	if len(c.Leverage) == 0 || len(c.Leverage) > maxBuckets {
		return bad("Leverage", "%d buckets, want 1 to %d", len(c.Leverage), maxBuckets)
	}
	for i, l := range c.Leverage {
		if !(l >= 1 && finite(l)) {
			return bad("Leverage", "bucket %d is %v, want >= 1", i, l)
		}
		if c.Brackets.MaxNotional(l) <= 0 {
			return bad("Leverage", "bucket %d is %vx, above the brackets' maximum %vx", i, l, c.Brackets[0].MaxLeverage)
		}
	}
	for _, w := range []struct {
		name string
		ws   []float64
	}{{"AggressorWeights", c.AggressorWeights}, {"PassiveWeights", c.PassiveWeights}} {
		if len(w.ws) != len(c.Leverage) {
			return bad(w.name, "%d weights, want one per leverage bucket (%d)", len(w.ws), len(c.Leverage))
		}
		sum := 0.0
		for i, x := range w.ws {
			if !(x >= 0 && finite(x)) {
				return bad(w.name, "weight %d is %v, want >= 0", i, x)
			}
			sum += x
		}
		if !(sum > 0 && finite(sum)) {
			return bad(w.name, "weights sum to %v, want > 0", sum)
		}
	}
	switch c.Outflow {
	case OutflowProportional, OutflowLosersFirst, OutflowOldestFirst:
	default:
		return bad("Outflow", "%q, want proportional, losers_first or oldest_first", c.Outflow)
	}
	if c.InflowInterval <= 0 {
		return bad("InflowInterval", "%v, want > 0", c.InflowInterval)
	}
	if c.Impact.Model != "sqrt" {
		return bad("Impact.Model", "%q, want sqrt", c.Impact.Model)
	}
	if !(c.Impact.Coefficient >= 0 && finite(c.Impact.Coefficient)) {
		return bad("Impact.Coefficient", "%v, want >= 0", c.Impact.Coefficient)
	}
	if c.Impact.Window < time.Minute {
		return bad("Impact.Window", "%v, want >= 1m", c.Impact.Window)
	}
	if !(c.Impact.MaxMove >= 0 && finite(c.Impact.MaxMove)) {
		return bad("Impact.MaxMove", "%v, want >= 0 (0 = no cap)", c.Impact.MaxMove)
	}
	if c.CascadeGap <= 0 {
		return bad("CascadeGap", "%v, want > 0", c.CascadeGap)
	}
	if c.WaveGap < 0 || c.WaveGap > c.CascadeGap {
		return bad("WaveGap", "%v, want in [0, CascadeGap %v]", c.WaveGap, c.CascadeGap)
	}
	if c.EpisodeBucket < 0 || c.EpisodeBucket > c.CascadeGap {
		return bad("EpisodeBucket", "%v, want in [0, CascadeGap %v] (0 = continuous time)", c.EpisodeBucket, c.CascadeGap)
	}
	if !(c.EpisodeMinNotional >= 0 && finite(c.EpisodeMinNotional)) {
		return bad("EpisodeMinNotional", "%v, want >= 0", c.EpisodeMinNotional)
	}
	if !(c.LeveragedShare > 0 && c.LeveragedShare <= 1) {
		return bad("LeveragedShare", "%v, want a fraction in (0, 1]", c.LeveragedShare)
	}
	if !(c.AccountNotional > 0 && finite(c.AccountNotional)) {
		return bad("AccountNotional", "%v, want > 0", c.AccountNotional)
	}
	if !(c.FundingTilt >= 0 && finite(c.FundingTilt)) {
		return bad("FundingTilt", "%v, want >= 0 (0 = off)", c.FundingTilt)
	}
	if c.HoldHalfLife < 0 {
		return bad("HoldHalfLife", "%v, want >= 0 (0 = no decay)", c.HoldHalfLife)
	}
	if c.MaxShockWaves < 1 {
		return bad("MaxShockWaves", "%d, want >= 1", c.MaxShockWaves)
	}
	return nil
}

// clone returns c with its slices copied.
func (c Config) clone() Config {
	c.Leverage = append([]float64(nil), c.Leverage...)
	c.AggressorWeights = append([]float64(nil), c.AggressorWeights...)
	c.PassiveWeights = append([]float64(nil), c.PassiveWeights...)
	c.Brackets = append(perp.Brackets(nil), c.Brackets...)
	return c
}
