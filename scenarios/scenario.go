package scenarios

import (
	"time"
)

// Scenario is a validated, normalised experiment description. Treat it as
// immutable: Load returns a fresh value and nothing downstream modifies it.
type Scenario struct {
	Name        string        `json:"name"`
	Description string        `json:"-"`
	Seed        uint64        `json:"seed"`
	Data        Data          `json:"data"`
	Simulator   Simulator     `json:"simulator"`
	Hypotheses  []Hypothesis  `json:"hypotheses"`
	Strategies  []Strategy    `json:"strategies"`
	Stats       Stats         `json:"stats"`
	Account     Account       `json:"account"`
	Report      Report        `json:"report"`
	Results     Results       `json:"-"`
	Source      string        `json:"-"` // file it was loaded from
	Overrides   []Override    `json:"-"` // env and --set overrides applied
	Hash        string        `json:"-"` // hex SHA-256 of the normalised scenario
	Normalised  []byte        `json:"-"` // canonical JSON the hash is computed over
	Loaded      time.Duration `json:"-"`
}

// Data selects the dataset slice a scenario replays.
type Data struct {
	Root     string    `json:"root"`
	Exchange string    `json:"exchange"`
	Symbol   string    `json:"symbol"`
	Start    time.Time `json:"start"` // first UTC day
	End      time.Time `json:"end"`   // last UTC day, inclusive
	Kinds    []string  `json:"kinds"`
	// Extra lists further partitions merged into the same stream, e.g.
	// funding from the exchange, OI from an aggregator and a sentiment
	// series from elsewhere (real data is rarely in one place).
	Extra []Source `json:"extra,omitempty"`
	// Fallback lists partitions that stand in for the main one on UTC
	// days where it has no file of a kind (e.g. spot bars where perp bars
	// are missing); the days' data_quality names them.
	Fallback []Fallback `json:"fallback,omitempty"`
}

// Fallback is a partition read for the given kinds on the days the main
// partition lacks them; Note is the data-quality flag of those days.
type Fallback struct {
	Source
	Note string `json:"note"`
}

// Source is one more exchange/symbol partition of the same dataset root
// and the kinds read from it.
type Source struct {
	Exchange string   `json:"exchange"`
	Symbol   string   `json:"symbol"`
	Kinds    []string `json:"kinds"`
}

// Bracket is one maintenance-margin tier: notional floor and cap (quote),
// maximum leverage and maintenance-margin rate.
type Bracket struct {
	Floor       float64 `json:"floor"`
	Cap         float64 `json:"cap"`
	MaxLeverage float64 `json:"max_leverage"`
	MMR         float64 `json:"mmr"`
}

// Impact configures the price-impact model of forced orders.
type Impact struct {
	Model       string        `json:"model"`       // "sqrt"
	Coefficient float64       `json:"coefficient"` // dimensionless Y in ΔP/P = Y·σ·sqrt(Q/V)
	Window      time.Duration `json:"window"`      // volume and volatility calibration window
}

// Simulator configures the market-wide liquidation simulator.
type Simulator struct {
	Enabled          bool          `json:"enabled"`
	PriceBin         float64       `json:"price_bin"` // cohort entry-price bin width, fraction of price
	Leverage         []float64     `json:"leverage"`  // leverage buckets
	AggressorWeights []float64     `json:"aggressor_weights"`
	PassiveWeights   []float64     `json:"passive_weights"`
	Outflow          string        `json:"outflow"`         // proportional | losers_first | oldest_first
	BracketTable     string        `json:"bracket_table"`   // name of a built-in table, or "custom"
	Brackets         []Bracket     `json:"brackets"`        // the table in force (filled from BracketTable)
	Funding          bool          `json:"funding"`         // funding erodes margin
	InflowInterval   time.Duration `json:"inflow_interval"` // OI aggregation step
	Impact           Impact        `json:"impact"`
	CascadeGap       time.Duration `json:"cascade_gap"`      // liquidations closer than this join one episode
	WaveGap          time.Duration `json:"wave_gap"`         // a pause longer than this starts a new wave within an episode
	MinEpisode       float64       `json:"min_episode"`      // episodes below this notional (quote) are dropped
	LeveragedShare   float64       `json:"leveraged_share"`  // share of each OI increase that is leveraged speculation
	AccountNotional  float64       `json:"account_notional"` // representative account size (quote) choosing the margin tier
	HoldHalfLife     time.Duration `json:"hold_half_life"`   // holding half-life of a 1x position (L: /sqrt(L)); 0 = off
	FundingTilt      float64       `json:"funding_tilt"`     // long/short split of new positions tilted by funding; 0 = off
	EpisodeBucket    time.Duration `json:"episode_bucket"`   // episodes counted in buckets of this length (waves = busy buckets); 0 = continuous
	// OIProxyTurnover and OIProxyWindow configure the volume-based open
	// interest proxy used when the data has no OI at all: OI value =
	// turnover × EMA(window) of the traded quote volume rate.
	OIProxyTurnover time.Duration `json:"oi_proxy_turnover"`
	OIProxyWindow   time.Duration `json:"oi_proxy_window"`
	// OISpread, when > 0, treats the data's open interest as coarse
	// (one observation per OISpread, e.g. 24h for daily OI) and spreads
	// it over the period by traded volume (the proxy anchored to it).
	OISpread time.Duration `json:"oi_spread"`
}

// Param is one parameter of a hypothesis or strategy: a single value or a
// grid of values (normalised: float64, int64, time.Duration, bool, string).
type Param struct {
	Name   string `json:"name"`
	Values []any  `json:"values"`
}

// Hypothesis is one hypothesis family to evaluate, with its parameter grid.
type Hypothesis struct {
	Name     string          `json:"name"`
	Params   []Param         `json:"params"` // sorted by name, every parameter present
	Horizons []time.Duration `json:"horizons"`
	Cooldown time.Duration   `json:"cooldown"`
	Target   float64         `json:"target"` // "target before stop": +target ...
	Stop     float64         `json:"stop"`   // ... before -stop (fractions)
	Side     int             `json:"side"`   // expected direction: +1 up, -1 down
	// Compose is "all" or "any" for a composite hypothesis (Parts hold
	// its signals and Params their parameters, named <prefix>.<param>);
	// empty for a catalogue hypothesis.
	Compose string `json:"compose,omitempty"`
	Parts   []Part `json:"parts,omitempty"`
}

// Part is one catalogue signal of a composite hypothesis.
type Part struct {
	Signal string `json:"signal"`
	// Prefix names the part's parameters in the hypothesis' Params: the
	// signal name, or signal_<n> for its n-th repeat (n >= 2).
	Prefix string        `json:"prefix"`
	Within time.Duration `json:"within,omitempty"` // the signal held at some time in the last Within (0: at the same step)
}

// Strategy is one strategy to trade, with its parameter grid.
type Strategy struct {
	Name   string  `json:"name"`
	Params []Param `json:"params"`
}

// Stats configures the statistics.
type Stats struct {
	Bootstrap   int           `json:"bootstrap"`    // bootstrap draws
	BlockLength time.Duration `json:"block_length"` // mean block length of the stationary bootstrap
	Alpha       float64       `json:"alpha"`
	Split       float64       `json:"split"` // in-sample share of the time range (0 < split <= 1)
	WalkForward bool          `json:"walk_forward"`
	Baseline    string        `json:"baseline"` // all | matched
	Step        time.Duration `json:"step"`     // sampling grid step for signals and outcomes
}

// Account configures the simulated perpetual-futures account every
// strategy variant trades.
type Account struct {
	Capital        float64 `json:"capital"`         // initial wallet balance (quote)
	Margin         string  `json:"margin"`          // isolated | cross
	Leverage       float64 `json:"leverage"`        // initial leverage of new positions
	MakerFee       float64 `json:"maker_fee"`       // fraction of notional
	TakerFee       float64 `json:"taker_fee"`       // fraction of notional
	LiquidationFee float64 `json:"liquidation_fee"` // fraction of notional charged on an own liquidation
	Slippage       string  `json:"slippage"`        // impact (the simulator's impact model) | none
}

// Report configures what a run records for pictures: hourly-ish bars of
// the grid and snapshots of the estimated liquidation map.
type Report struct {
	BarsEvery    time.Duration `json:"bars_every"`    // market_bars interval (a multiple of stats.step)
	HeatmapEvery time.Duration `json:"heatmap_every"` // liq_heatmap snapshot interval; 0 = off
	HeatmapRange float64       `json:"heatmap_range"` // ± fraction of price covered
	HeatmapStep  float64       `json:"heatmap_step"`  // band width, fraction of price
}

// Results configures where results go.
type Results struct {
	DB             string        `json:"db"`
	EquityInterval time.Duration `json:"equity_interval"`
}

// Override records one configuration override applied on load.
type Override struct {
	Source string `json:"source"` // "env" or "--set"
	Key    string `json:"key"`
	Value  string `json:"value"`
}

// Variants returns the number of parameter combinations of h.
func (h Hypothesis) Variants() int { return gridSize(h.Params) }

// Variants returns the number of parameter combinations of s.
func (s Strategy) Variants() int { return gridSize(s.Params) }

func gridSize(ps []Param) int {
	n := 1
	for _, p := range ps {
		n *= len(p.Values)
	}
	return n
}

// Grid expands a parameter grid into its combinations, in a fixed order
// (the last parameter varies fastest).
func Grid(ps []Param) []map[string]any {
	out := []map[string]any{{}}
	for _, p := range ps {
		var next []map[string]any
		for _, m := range out {
			for _, v := range p.Values {
				c := make(map[string]any, len(m)+1)
				for k, x := range m {
					c[k] = x
				}
				c[p.Name] = v
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}
