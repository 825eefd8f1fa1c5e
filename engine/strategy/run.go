package strategy

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
)

// DefaultEquityEvery is the default equity-curve sampling interval.
const DefaultEquityEvery = time.Hour

// checkEvery is how many events Run handles between context checks.
const checkEvery = 1 << 14

// variantState is one variant's run state.
type variantState struct {
	name    string
	strat   Strategy
	stepper Stepper
	mask    uint8 // bit k: OnEvent for Kind k
	signals []SignalInput
	scratch []float64 // feature values of online signals
	ctx     Context
	acct    Account
	res     Result
}

// runner is the state of one Run.
type runner struct {
	mkt      market
	vs       []variantState
	grid     *engine.Grid
	live     bool // grid is being built during the run
	row      int  // next grid row to close
	steppers bool
	every    engine.Nanos
	nextEq   engine.Nanos
	next     engine.Nanos // min(nextEq, next row close)
	started  bool
	start    engine.Nanos
	end      engine.Nanos
	cals     []*calibrator
}

type calibrator struct {
	window time.Duration
	cal    *liquidation.Calibrator
}

// Run replays src once for all variants: every variant has its own account
// and strategy and sees the same events. It checks ctx every few thousand
// events and returns its error, wrapped, when cancelled; a strategy
// callback's error aborts the run naming the variant. It does not close
// src. Results are in the order of vs.
func Run(ctx context.Context, src engine.Source, vs []Variant, cfg Config) ([]Result, error) {
	r, err := NewRunner(vs, cfg)
	if err != nil {
		return nil, err
	}
	var n int64
	for src.Next() {
		e := src.Event()
		if err := r.Event(e); err != nil {
			return nil, err
		}
		n++
		if n&(checkEvery-1) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("strategy run cancelled at %s after %d events: %w", e.TS, n, err)
			}
		}
	}
	if err := src.Err(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("strategy run cancelled: %w", err)
	}
	return r.Finish()
}

// Runner trades every variant on events fed one at a time, for callers
// that own the event loop (the single replay of engine/replay). Run is
// NewRunner, Event for every event, then Finish.
type Runner struct{ r *runner }

// NewRunner validates the variants and returns a Runner.
func NewRunner(vs []Variant, cfg Config) (*Runner, error) {
	r, err := newRunner(vs, cfg)
	if err != nil {
		return nil, err
	}
	return &Runner{r}, nil
}

// Event processes one event: the steps, signals and equity samples due
// before it, then every variant's account (fills, funding, own
// liquidation) and strategy. Events must come in time order.
func (rn *Runner) Event(e *engine.Event) error {
	r := rn.r
	if e.TS >= r.next {
		if err := r.boundary(e.TS); err != nil {
			return err
		}
	}
	r.mkt.now = e.TS
	r.end = e.TS
	trade := false
	if e.Kind == engine.KindTrade {
		if p := e.Price; p > 0 && p <= math.MaxFloat64 {
			trade = true
			r.mkt.prev, r.mkt.last = r.mkt.last, p
			path := e.Flags&engine.FlagBarPath != 0
			r.mkt.cont = path && r.mkt.inBar
			r.mkt.inBar = path && e.Flags&engine.FlagBarClose == 0
			for _, c := range r.cals {
				c.cal.Add(e.TS, p, e.Qty)
			}
		}
	}
	for i := range r.vs {
		v := &r.vs[i]
		a := &v.acct
		if trade {
			if a.pos != 0 || len(a.open) != 0 {
				a.onTrade(e.Price)
			}
		} else if e.Kind == engine.KindFunding && a.pos != 0 {
			r.funding(a, e)
		}
		if v.mask&(1<<e.Kind) != 0 {
			if err := v.strat.OnEvent(&v.ctx, e); err != nil {
				return fmt.Errorf("variant %q: OnEvent at %s: %w", v.name, e.TS, err)
			}
		}
	}
	return nil
}

// Finish delivers the rows left, takes the final equity samples and
// returns the results in the order of the variants.
func (rn *Runner) Finish() ([]Result, error) { return rn.r.finish() }

func newRunner(vs []Variant, cfg Config) (*runner, error) {
	every := cfg.EquityEvery
	switch {
	case every == 0:
		every = DefaultEquityEvery
	case every < 0:
		return nil, fmt.Errorf("equity every %v, want > 0", every)
	}
	r := &runner{grid: cfg.Grid, live: cfg.Live, every: engine.Nanos(every), next: math.MinInt64, vs: make([]variantState, len(vs))}
	rows := 0
	if r.grid != nil {
		rows = r.grid.Len()
		if rows > 0 && r.grid.Step <= 0 {
			return nil, fmt.Errorf("grid step %v, want > 0", r.grid.Step)
		}
	}
	names := make(map[string]bool, len(vs))
	for i := range vs {
		v := &vs[i]
		switch {
		case v.Name == "":
			return nil, fmt.Errorf("variant %d: no name", i)
		case names[v.Name]:
			return nil, fmt.Errorf("variant %q: duplicate name", v.Name)
		case v.Strategy == nil:
			return nil, fmt.Errorf("variant %q: no strategy", v.Name)
		}
		names[v.Name] = true
		ac := v.Account.WithDefaults()
		if err := ac.Validate(); err != nil {
			return nil, fmt.Errorf("variant %q: account: %w", v.Name, err)
		}
		if len(v.Signals) > 0 && r.grid == nil {
			return nil, fmt.Errorf("variant %q: %d signals but no grid", v.Name, len(v.Signals))
		}
		for k, s := range v.Signals {
			if s.At == nil && cfg.Live {
				return nil, fmt.Errorf("variant %q: signal %d (%s): a live grid needs online signals (At)", v.Name, k, s.Name)
			}
			if s.At == nil && len(s.On) != rows {
				return nil, fmt.Errorf("variant %q: signal %d (%s): %d values for a grid of %d rows", v.Name, k, s.Name, len(s.On), rows)
			}
		}
		st := &r.vs[i]
		st.name, st.strat, st.signals = v.Name, v.Strategy, v.Signals
		st.res = Result{Name: v.Name, Params: v.Params, Fills: make([]Fill, 0, 64), Orders: make([]OrderRecord, 0, 64),
			Ledger: make([]Cashflow, 0, 128)}
		if g := r.grid; g != nil && rows > 0 && !cfg.Live {
			st.res.Equity = make([]EquityPoint, 0, int(engine.Nanos(rows)*g.Step/r.every)+3)
		}
		st.acct = newAccount(ac, &r.mkt, &st.res)
		if ic := ac.CalibratedImpact; ic != nil {
			st.acct.cal, st.acct.calCfg = r.calibrator(ic.Window), *ic
		}
		st.ctx = Context{mkt: &r.mkt, acct: &st.acct, name: v.Name}
		st.mask = 0xff
		if kf, ok := v.Strategy.(KindFilter); ok {
			st.mask = 0
			for _, k := range kf.Kinds() {
				if k < 8 {
					st.mask |= 1 << k
				}
			}
		}
		if sp, ok := v.Strategy.(Stepper); ok && (rows > 0 || cfg.Live) {
			st.stepper = sp
			r.steppers = true
		}
	}
	return r, nil
}

// calibrator returns the run's calibrator over window, creating it once.
func (r *runner) calibrator(window time.Duration) *liquidation.Calibrator {
	for _, c := range r.cals {
		if c.window == window {
			return c.cal
		}
	}
	c := &calibrator{window: window, cal: liquidation.NewCalibrator(window)}
	r.cals = append(r.cals, c)
	return c.cal
}

// funding settles a funding event for account a.
func (r *runner) funding(a *Account, e *engine.Event) {
	rate := e.Value
	if math.IsNaN(rate) || math.IsInf(rate, 0) {
		return
	}
	mark := e.Price
	if !(mark > 0 && mark <= math.MaxFloat64) {
		mark = r.mkt.last
	}
	if mark > 0 {
		a.fund(rate, mark)
	}
}

// boundary runs what is due before an event at ts: the first event's
// set-up, the equity samples and the grid rows that closed.
func (r *runner) boundary(ts engine.Nanos) error {
	if !r.started {
		r.started, r.start = true, ts
		b := floorTo(ts, r.every)
		r.mkt.now = b
		for i := range r.vs {
			r.sample(&r.vs[i], b)
		}
		r.nextEq = b + r.every
	}
	// One point per boundary, gaps included (the state carries over), so
	// that the curve is evenly spaced for the metrics.
	for ts >= r.nextEq {
		b := r.nextEq
		r.mkt.now = b
		for i := range r.vs {
			r.sample(&r.vs[i], b)
		}
		r.nextEq = b + r.every
	}
	if err := r.closeRows(ts); err != nil {
		return err
	}
	r.next = r.nextEq
	if g := r.grid; g != nil && (r.row < g.Len() || r.live && g.Step > 0) {
		r.next = min(r.next, r.rowEnd(r.row))
	}
	return nil
}

// closeRows delivers the steps and signals of every grid row that closed
// at or before ts.
func (r *runner) closeRows(ts engine.Nanos) error {
	g := r.grid
	if g == nil {
		return nil
	}
	for r.row < g.Len() && r.rowEnd(r.row) <= ts {
		i := r.row
		close := r.rowEnd(i)
		r.mkt.now = close
		var step Step
		if r.steppers {
			step = stepAt(g, i)
		}
		for k := range r.vs {
			v := &r.vs[k]
			if v.stepper != nil {
				if err := v.stepper.OnStep(&v.ctx, step); err != nil {
					return fmt.Errorf("variant %q: OnStep row %d at %s: %w", v.name, i, close, err)
				}
			}
			for j := range v.signals {
				s := &v.signals[j]
				var sig Signal
				if s.At != nil {
					if cap(v.scratch) < len(s.Features) {
						v.scratch = make([]float64, len(s.Features))
					}
					if !s.At(i, v.scratch[:len(s.Features)]) {
						continue
					}
					sig = Signal{Index: j, Name: s.Name, TS: close, Row: i, Features: s.Features}
					if len(s.Features) > 0 {
						sig.Values = append([]float64(nil), v.scratch[:len(s.Features)]...)
					}
				} else {
					if !s.On[i] {
						continue
					}
					sig = Signal{Index: j, Name: s.Name, TS: close, Row: i, Features: s.Features}
					if len(s.Features) > 0 {
						sig.Values = make([]float64, len(s.Features))
						if s.Values != nil {
							s.Values(i, sig.Values)
						}
					}
				}
				if err := v.strat.OnSignal(&v.ctx, sig); err != nil {
					return fmt.Errorf("variant %q: OnSignal %s row %d at %s: %w", v.name, s.Name, i, close, err)
				}
			}
		}
		r.row++
	}
	return nil
}

// rowEnd is the close time of grid row i. A live grid's rows are laid
// from T0, which is set by the grid's first event: before it, no row
// can close.
func (r *runner) rowEnd(i int) engine.Nanos {
	g := r.grid
	if g.Len() == 0 {
		return math.MaxInt64
	}
	return g.Time(i + 1)
}

func at(s []float64, i int) float64 {
	if i < len(s) {
		return s[i]
	}
	return math.NaN()
}

func stepAt(g *engine.Grid, i int) Step {
	s := Step{Row: i, TS: g.Time(i + 1), Open: at(g.Open, i), High: at(g.High, i), Low: at(g.Low, i), Close: g.Close[i],
		Volume: at(g.Volume, i), Notional: at(g.Notional, i), OIValue: at(g.OIValue, i), OI: at(g.OI, i),
		Funding: at(g.Funding, i), EstLiqLong: at(g.EstLiqLong, i), EstLiqShort: at(g.EstLiqShort, i),
		RecLiqLong: at(g.RecLiqLong, i), RecLiqShort: at(g.RecLiqShort, i)}
	if i < len(g.Trades) {
		s.Trades = g.Trades[i]
	}
	if i < len(g.FundingSettled) {
		s.FundingSettled = g.FundingSettled[i]
	}
	return s
}

// floorTo rounds t down to a multiple of d (epoch-aligned).
func floorTo(t, d engine.Nanos) engine.Nanos {
	q := t / d
	if t < 0 && t%d != 0 {
		q--
	}
	return q * d
}

// sample appends an equity point at ts.
func (r *runner) sample(v *variantState, ts engine.Nanos) {
	a := &v.acct
	u := a.Unrealized()
	p := EquityPoint{TS: ts, Equity: a.balance + u, Cash: a.balance, Unrealized: u, Position: a.pos, Price: r.mkt.last}
	eq := v.res.Equity
	if n := len(eq); n > 0 && eq[n-1].TS >= ts {
		eq[n-1] = p
		return
	}
	v.res.Equity = append(eq, p)
}

// finish delivers the rows left, takes the final samples and summaries.
func (r *runner) finish() ([]Result, error) {
	if g := r.grid; g != nil && r.row < g.Len() {
		if err := r.closeRows(g.Time(g.Len())); err != nil {
			return nil, err
		}
	}
	r.mkt.now = r.end
	out := make([]Result, len(r.vs))
	for i := range r.vs {
		v := &r.vs[i]
		a := &v.acct
		s := &v.res.Summary
		s.StartEquity = a.cfg.Capital
		s.EndEquity = a.Equity()
		if r.started {
			r.sample(v, r.end)
			s.Start, s.End = r.start, r.end
			exp := a.exposure
			if a.pos != 0 {
				exp += r.end - a.posSince
			}
			if r.end > r.start {
				s.ExposureTime = float64(exp) / float64(r.end-r.start)
			}
		}
		s.Fills = len(v.res.Fills)
		s.Orders = len(v.res.Orders)
		out[i] = v.res
	}
	return out, nil
}
