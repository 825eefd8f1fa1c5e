package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Options bound what a report shows. The zero value of a field means its
// default (DefaultOptions).
type Options struct {
	// MapAt is the moment of the liquidation-map chart: the last heatmap
	// sample at or before it. Zero means the last sample.
	MapAt time.Time
	// Above and Below are the asymmetry ranges (fractions of the price):
	// shorts within +Above against longs within −Below. Default 0.10.
	Above, Below float64
	// MaxCols and MaxRows bound the heatmap grid (default 400 × 120).
	MaxCols, MaxRows int
	// LinePoints bounds the points of a price or equity line (default 1600).
	LinePoints int
	// MaxPathOffsets bounds the offsets on each side of an event path
	// (default 120).
	MaxPathOffsets int
	// MaxVariantCharts bounds the strategy variants drawn, over all
	// strategies (default 12; the tables list every variant).
	MaxVariantCharts int
	// MaxFillMarks bounds the fills marked per variant (default 1000).
	MaxFillMarks int
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{Above: 0.10, Below: 0.10, MaxCols: 400, MaxRows: 120, LinePoints: 1600,
		MaxPathOffsets: 120, MaxVariantCharts: 12, MaxFillMarks: 1000}
}

// withDefaults fills zero fields.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if !(o.Above > 0) {
		o.Above = d.Above
	}
	if !(o.Below > 0) || o.Below >= 1 {
		o.Below = d.Below
	}
	if o.MaxCols <= 0 {
		o.MaxCols = d.MaxCols
	}
	if o.MaxRows <= 0 {
		o.MaxRows = d.MaxRows
	}
	if o.LinePoints < 4 {
		o.LinePoints = d.LinePoints
	}
	if o.MaxPathOffsets <= 0 {
		o.MaxPathOffsets = d.MaxPathOffsets
	}
	if o.MaxVariantCharts <= 0 {
		o.MaxVariantCharts = d.MaxVariantCharts
	}
	if o.MaxFillMarks <= 0 {
		o.MaxFillMarks = d.MaxFillMarks
	}
	return o
}

// Float is a float64 that encodes NaN as JSON null and ±Inf as "inf" /
// "-inf", with 10 significant digits (stable golden files).
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsNaN(x):
		return []byte("null"), nil
	case math.IsInf(x, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-inf"`), nil
	}
	return strconv.AppendFloat(nil, x, 'g', 10, 64), nil
}

// Point is one point of a time series.
type Point struct {
	T time.Time `json:"t"`
	V Float     `json:"v"`
}

// Model is what the report shows, computed from Data by Build. Its size
// is bounded by Options, whatever the length of the run.
type Model struct {
	Run      Run       `json:"run"`
	Alpha    Float     `json:"alpha"`
	Scenario string    `json:"-"` // scenario_json, indented
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// Price is the close over time, at most Options.LinePoints points
	// (per-bucket low and high, in time order); PriceSource names the
	// table it came from.
	Price       []Point        `json:"price"`
	PriceSource string         `json:"price_source"`
	Heat        *HeatGrid      `json:"heat,omitempty"`
	Cascades    []CascadeMark  `json:"cascades"`
	Map         *LiqMap        `json:"map,omitempty"`
	Hypotheses  []HypoPath     `json:"hypotheses"`
	HypoTable   []HypoRow      `json:"hypothesis_table"`
	Strategies  []StrategyView `json:"strategies"`
	// StrategyTables says whether the database has the strategy tables.
	StrategyTables bool     `json:"strategy_tables"`
	Notes          []string `json:"notes,omitempty"`
}

// HeatGrid is the liquidation heatmap re-binned onto Cols time columns ×
// Rows price rows. Long[r][c] (Short[r][c]) is the mean over the samples
// in column c of the long (short) notional whose liquidation price lies
// in row r's price range; row 0 is the lowest price.
type HeatGrid struct {
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	PriceLo Float     `json:"price_lo"`
	PriceHi Float     `json:"price_hi"`
	Cols    int       `json:"cols"`
	Rows    int       `json:"rows"`
	Long    [][]Float `json:"long"`
	Short   [][]Float `json:"short"`
	// Scale is the notional drawn at full colour: the 99th percentile of
	// the non-empty cells of both sides.
	Scale Float `json:"scale"`
	// Samples and Bands count the input snapshots and rows; Cells the
	// non-empty cells.
	Samples int `json:"samples"`
	Bands   int `json:"bands"`
	Cells   int `json:"cells"`
}

// CascadeMark marks one cascade episode on the price chart.
type CascadeMark struct {
	T        time.Time `json:"t"`
	Price    Float     `json:"price"`
	Side     string    `json:"side"`
	Notional Float     `json:"notional"`
}

// LiqMap is the liquidation map at one moment: bands of notional at risk,
// nearest first, with the cumulative notional from the price outwards.
type LiqMap struct {
	At     time.Time  `json:"at"`
	Price  Float      `json:"price"`
	Above  Float      `json:"above"`
	Below  Float      `json:"below"`
	Longs  []MapLevel `json:"longs"`
	Shorts []MapLevel `json:"shorts"`
	// ShortsWithin is the short notional with liquidation price in
	// (Price, Price·(1+Above)], LongsWithin the long notional in
	// [Price·(1−Below), Price) (bands straddling a limit count pro rata).
	ShortsWithin Float `json:"shorts_within"`
	LongsWithin  Float `json:"longs_within"`
	// Asymmetry is ShortsWithin/LongsWithin (+Inf with shorts and no
	// longs, 1 with neither).
	Asymmetry Float  `json:"asymmetry"`
	Source    string `json:"source"`
}

// MapLevel is one band of a LiqMap.
type MapLevel struct {
	Lo         Float `json:"lo"`
	Hi         Float `json:"hi"`
	Notional   Float `json:"notional"`
	Cumulative Float `json:"cumulative"`
}

// HypoPath is the average cumulative return path around one hypothesis's
// events (its best variant), against the unconditional path.
type HypoPath struct {
	Spec       int64  `json:"spec"`
	Hypothesis string `json:"hypothesis"`
	Variant    int64  `json:"variant"`
	Params     string `json:"params"`
	Side       int64  `json:"side"`
	BestQ      Float  `json:"best_q"`
	Events     int    `json:"events"`
	StepS      int64  `json:"step_s"`
	// Offsets are seconds from the event; Mean, Lo and Hi the mean path
	// and its 95% band (normal approximation across events); N the events
	// with data at each offset; Base the mean over every bar.
	Offsets []int64 `json:"offsets"`
	Mean    []Float `json:"mean"`
	Lo      []Float `json:"lo"`
	Hi      []Float `json:"hi"`
	Base    []Float `json:"base"`
	N       []int   `json:"n"`
	Note    string  `json:"note,omitempty"`
}

// HypoRow is one row of the hypothesis summary table.
type HypoRow struct {
	Spec       int64  `json:"spec"`
	Hypothesis string `json:"hypothesis"`
	Variant    int64  `json:"variant"`
	Params     string `json:"params"`
	Horizon    string `json:"horizon"`
	Sample     string `json:"sample"`
	N          int64  `json:"n"`
	Effect     Float  `json:"effect"`
	CILo       Float  `json:"ci_lo"`
	CIHi       Float  `json:"ci_hi"`
	P          Float  `json:"p"`
	Q          Float  `json:"q"`
	Surviving  bool   `json:"surviving"`
}

// StrategyView is one strategy variant: its metrics rows and, when
// charted, its equity and drawdown curves and fills.
type StrategyView struct {
	Strategy string       `json:"strategy"`
	Variant  int64        `json:"variant"`
	Params   string       `json:"params"`
	Metrics  []MetricsRow `json:"metrics"`
	Charted  bool         `json:"charted"`
	Equity   []Point      `json:"equity,omitempty"`
	Drawdown []Point      `json:"drawdown,omitempty"`
	Fills    []FillMark   `json:"fills,omitempty"`
	// FillsTotal counts every fill; Fills holds at most
	// Options.MaxFillMarks of them (evenly spaced).
	FillsTotal int `json:"fills_total"`
}

// MetricsRow is one strategy_metrics row as shown.
type MetricsRow struct {
	Sample       string `json:"sample"`
	TotalReturn  Float  `json:"total_return"`
	CAGR         Float  `json:"cagr"`
	Volatility   Float  `json:"volatility"`
	Sharpe       Float  `json:"sharpe"`
	Sortino      Float  `json:"sortino"`
	MaxDrawdown  Float  `json:"max_drawdown"`
	Calmar       Float  `json:"calmar"`
	WinRate      Float  `json:"win_rate"`
	ProfitFactor Float  `json:"profit_factor"`
	Exposure     Float  `json:"exposure"`
	Turnover     Float  `json:"turnover"`
	Fees         Float  `json:"fees"`
	Funding      Float  `json:"funding"`
	Liquidations int64  `json:"liquidations"`
	Trades       int64  `json:"trades"`
	Fills        int64  `json:"fills"`
	PSR          Float  `json:"psr"`
	DSR          Float  `json:"dsr"`
}

// FillMark marks one fill on a price chart.
type FillMark struct {
	T           time.Time `json:"t"`
	Price       Float     `json:"price"`
	Buy         bool      `json:"buy"`
	Liquidation bool      `json:"liquidation,omitempty"`
}

// indentJSON pretty-prints js (keeping its key order), or returns it as
// is when it does not parse.
func indentJSON(js string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(js), "", "  ") != nil {
		return js
	}
	return b.String()
}
