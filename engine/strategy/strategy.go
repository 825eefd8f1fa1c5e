package strategy

import (
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// Strategy is a trading strategy run by the engine. Callbacks return
// errors; an error aborts the run naming the variant.
type Strategy interface {
	// OnEvent is called for every market event (trades, bars, funding,
	// oi, series, liquidations) after the account has processed it
	// (fills, funding, own liquidation).
	OnEvent(c *Context, e *engine.Event) error
	// OnSignal is called when one of the variant's signals fires at the
	// close of a grid row, before the first event at or after that close
	// time.
	OnSignal(c *Context, s Signal) error
}

// Stepper is optional: OnStep is called at each grid-row close with the
// row just closed (before OnSignal of that row).
type Stepper interface {
	OnStep(c *Context, s Step) error
}

// KindFilter is optional: OnEvent is only called for the listed kinds (the
// account still sees every event). A strategy returning nil kinds gets no
// OnEvent calls.
type KindFilter interface {
	Kinds() []engine.Kind
}

// Signal is one firing of a variant's signal at the close of grid row Row.
type Signal struct {
	Index    int          // index of the signal in Variant.Signals
	Name     string       // SignalInput.Name
	TS       engine.Nanos // the row's close time, Grid.Time(Row+1)
	Row      int
	Features []string  // SignalInput.Features (shared, do not modify)
	Values   []float64 // the feature values at Row (a fresh slice per firing)
}

// Step is a closed grid row, delivered at its close time. Prices are
// quote per base unit; NaN where the grid has no value.
type Step struct {
	Row                     int
	TS                      engine.Nanos // close time, Grid.Time(Row+1)
	Open, High, Low, Close  float64
	Volume                  float64 // base units
	Notional                float64 // quote
	OIValue                 float64 // open interest in quote (NaN if unknown)
	Funding                 float64 // last settled funding rate per 8h (NaN before the first)
	EstLiqLong, EstLiqShort float64 // simulator-estimated liquidated notional (quote)
	RecLiqLong, RecLiqShort float64 // recorded liquidated notional (quote)
	Trades                  int64   // trades in the row (0: prices repeat the previous close)
	OI                      float64 // open interest in base units (NaN if unknown)
	FundingSettled          bool    // a funding settlement happened in the row
}

// SignalInput is one signal of a variant, computed on Config.Grid before
// the run. It mirrors hypo.Fired without importing hypo: On[i] reports
// that the condition holds at the close of grid row i, computed from data
// up to the end of row i only.
type SignalInput struct {
	Name     string
	On       []bool // one per grid row
	Features []string
	Values   func(i int, dst []float64) // writes len(Features) values; nil if none
	// At, if set, replaces On and Values: it is called once for every
	// row, in order, when the row has closed, and reports whether the
	// signal holds there, writing the features into dst (len(Features))
	// if so. It is how signals computed online during a single replay
	// (Config.Live) reach the strategies.
	At func(i int, dst []float64) bool
}

// Variant is one strategy instance with its own account: a parameter
// combination of a strategy. Variants of one Run share the market stream
// but nothing else.
type Variant struct {
	Name, Params string
	Strategy     Strategy
	Account      AccountConfig
	Signals      []SignalInput
}

// Config configures Run.
type Config struct {
	// Grid gives the rows for Step and signal timing; nil means no steps
	// and no signals (a variant with signals is then an error).
	Grid *engine.Grid
	// Live says Grid is being built while the events are fed (a single
	// replay that also builds the grid, the simulator and the signals): a
	// row is closed once an event at or after its end arrives, and its
	// steps and signals are delivered then. The caller adds each event to
	// the grid before passing it to Runner.Event.
	Live bool
	// EquityEvery is the equity-curve sampling interval (default 1h),
	// aligned to the Unix epoch.
	EquityEvery time.Duration
}

// Result is everything one variant's run recorded. Fills, Ledger and
// RoundTrips are in time order; Orders in submission (ID) order.
type Result struct {
	Name, Params string
	Fills        []Fill
	Orders       []OrderRecord
	Ledger       []Cashflow
	Equity       []EquityPoint
	RoundTrips   []RoundTrip
	Summary      Summary
}

// Liquidity values of Fill.Liquidity.
const (
	Maker = "maker"
	Taker = "taker"
)

// Fill is one execution. Qty is positive base units; Side is the side of
// the order (Long = buy). Price includes Slippage.
type Fill struct {
	TS          engine.Nanos
	OrderID     OrderID
	Side        perp.Side
	Qty, Price  float64
	Fee         float64 // quote paid (trading fee, or the liquidation fee for a liquidation)
	Liquidity   string  // maker|taker
	RealizedPnL float64 // s·closed qty·(price − entry), before fees
	Liquidation bool
	Tag         string
	// Slippage is the impact-model price move included in Price (quote per
	// base unit, >= 0, against the taker): the price before slippage was
	// Price − Side·Slippage.
	Slippage float64
}

// Cashflow kinds.
const (
	CashFee            = "fee"
	CashFunding        = "funding"
	CashRealizedPnL    = "realized_pnl"
	CashLiquidationFee = "liquidation_fee"
	// CashInsuranceFund is what an isolated liquidation leaves of the
	// position margin after the liquidation fee (negative: it goes to the
	// insurance fund), or a deficit the fund covers (positive: a bankrupt
	// position is not charged below zero).
	CashInsuranceFund = "insurance_fund"
)

// Cashflow is one entry of the account ledger. Amount is signed (positive
// credits the wallet); Balance is the wallet balance after it.
type Cashflow struct {
	TS      engine.Nanos
	Kind    string // fee|funding|realized_pnl|liquidation_fee|insurance_fund
	Amount  float64
	Balance float64
	Ref     OrderID // the order behind the cashflow (0 for funding)
}

// EquityPoint is a sample of the account. Equity = Cash + Unrealized.
type EquityPoint struct {
	TS         engine.Nanos
	Equity     float64
	Cash       float64 // wallet balance
	Unrealized float64
	Position   float64 // signed base quantity
	Price      float64 // last trade price (0 before the first trade)
}

// RoundTrip is a position from open to flat (or to a flip, which closes
// one round trip and opens the next).
type RoundTrip struct {
	Side        perp.Side
	Open, Close engine.Nanos
	MaxQty      float64 // largest absolute position (base)
	EntryPrice  float64 // average price of the increases
	ExitPrice   float64 // average price of the reductions
	RealizedPnL float64 // sum of the fills' RealizedPnL
	Fees        float64 // trading fees, liquidation fee and insurance-fund transfers paid (>0 = paid)
	Funding     float64 // funding received (>0) or paid (<0) while open
	PnL         float64 // RealizedPnL − Fees + Funding
	Liquidated  bool
}

// Summary aggregates a variant's run. Trades counts closed round trips;
// WinningTrades/LosingTrades count those with PnL > 0 / < 0; GrossProfit
// is the sum of the winners' PnL and GrossLoss the sum of the losers' PnL
// as a positive number (profit factor = GrossProfit / GrossLoss).
type Summary struct {
	Start, End             engine.Nanos // first and last event
	StartEquity, EndEquity float64
	Fees                   float64 // trading fees paid (>0 = paid)
	Funding                float64 // net funding received (>0) or paid (<0)
	LiquidationFees        float64 // liquidation fees paid
	InsuranceFund          float64 // net paid to the insurance fund on isolated liquidations
	Liquidations           int
	Trades                 int // round trips closed
	Fills                  int
	TurnoverNotional       float64 // sum of |qty|·price over fills (quote)
	ExposureTime           float64 // fraction of [Start, End] with a position
	WinningTrades          int
	LosingTrades           int
	GrossProfit, GrossLoss float64
	Orders, Rejected       int // orders submitted, of which rejected
	MaxPosition            float64
	RealizedPnL            float64 // sum of the fills' RealizedPnL
}
