package hypo

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// Online evaluates a signal row by row while the grid grows, so that a
// strategy can act on it in the replay that builds the grid. For the
// catalogue signals and their compositions it gives, row for row, the
// very On[i] and Values(i) of the batch Fire on the finished grid (see
// OnlineOptions for the two inputs a batch Fire chooses from the whole
// grid). Work per row is constant or bounded by a window (the funding
// settlements in the z-score window, a spring's open episodes, the
// proxy's 365-day ranks once a day), never by the grid's length.
//
// An Online reads the grid on its caller's goroutine while the builder
// is not adding to it; it is not safe for concurrent use.
type Online interface {
	// At reports whether the signal holds at the close of row i and, when
	// it does, writes its feature values into dst (len(Features()); nil
	// skips them). Row i must be complete in the grid (the grid may hold
	// a partial row i+1 and, for liq_asymmetry, map samples of later
	// rows: At reads neither). Rows come in increasing order; a row may
	// be asked again, and rows skipped between two calls are evaluated
	// internally (they must be complete too), so every row is seen once.
	// At panics when i goes back by more than one row.
	At(i int, dst []float64) bool
	Features() []string
	Name() string
}

// LiqColumn selects the long-liquidation column of the online
// deleveraging_flush and wyckoff_spring (its liq_burst and liq_long).
type LiqColumn uint8

const (
	// LiqAuto reads the estimated liquidations once one estimate has been
	// positive, before that the recorded ones once one has been positive,
	// before that none. The batch Fire decides the same from the whole
	// grid, so the two agree unless recorded liquidations come before the
	// first positive estimate and enter a window or sweep sum; fix the
	// column when that can happen.
	LiqAuto LiqColumn = iota
	// LiqEstimated always reads the simulator's estimates: what the batch
	// reads when the finished grid has a positive estimate (a replay with
	// the simulator on, which liquidated someone).
	LiqEstimated
	// LiqRecorded always reads the recorded liquidations: what the batch
	// reads when the finished grid has no positive estimate but a positive
	// recorded value.
	LiqRecorded
)

// SentimentSource selects what the online sentiment_extreme reads.
type SentimentSource uint8

const (
	// SentimentAuto reads the recorded series from the first row where it
	// has a value (not NaN) on, the proxy before. The batch Fire reads the
	// series everywhere when the finished grid has one value of it, so the
	// two agree unless the proxy is extreme before the series starts (the
	// proxy needs about 120 days of data).
	SentimentAuto SentimentSource = iota
	// SentimentSeries always reads the recorded series (NaN, no signal,
	// before its first value): the batch's choice when the replay carries
	// the series.
	SentimentSeries
	// SentimentProxy always reads the market-data proxy: the batch's choice
	// when the replay does not carry the series.
	SentimentProxy
)

// OnlineOptions carries the inputs of online signals the live grid lacks.
// The zero value is usable (without map samples).
type OnlineOptions struct {
	// MapSamples are the liquidation-map series being recorded during the
	// replay, one per (above, below) pair; their Times, Shorts and Longs
	// grow as samples are taken (re-read at every row). A sample must be
	// appended before At is called for the row containing its time; At(i)
	// reads the samples with a time before the close of row i only.
	MapSamples []*MapSeries
	// Liquidations and Sentiment fix the choices the batch Fire makes from
	// the whole grid; the zero values decide from the rows seen so far.
	Liquidations LiqColumn
	Sentiment    SentimentSource
}

// NewOnline builds the online form of the catalogue signal name with the
// given parameters (checked and completed like NewSignal), reading the
// live grid g (engine.GridBuilder.Live: its Step is set, its rows grow).
func NewOnline(name string, p map[string]any, g *engine.Grid, opt OnlineOptions) (Online, error) {
	ps, err := normalise(name, p)
	if err != nil {
		return nil, err
	}
	if g == nil || g.Step <= 0 {
		return nil, fmt.Errorf("%s: online signal needs a grid with a step", name)
	}
	var s stepper
	switch name {
	case "funding_overheat":
		s = newFundingOnline(g, fundingOverheat{level: ps.f("level"), z: ps.f("zscore"), window: ps.d("window"), short: ps.s("crowded") == "short"})
	case "oi_divergence":
		s = newOIOnline(g, oiDivergence{window: ps.d("window"), oiRise: ps.f("oi_rise"), priceFall: ps.f("price_fall")})
	case "wyckoff_spring":
		sp := wyckoffSpring{bar: ps.d("bar"), lookback: int(ps.i("lookback")), sweepMax: ps.f("sweep_max"),
			reclaim: int(ps.i("reclaim_bars")), liqBurst: ps.f("liq_burst")}
		if engine.Nanos(sp.bar) < g.Step {
			return nil, fmt.Errorf("wyckoff_spring: bar %s is shorter than the grid step %s", sp.bar, time.Duration(g.Step))
		}
		s = newSpringOnline(g, sp, opt.Liquidations)
	case "deleveraging_flush":
		s = newFlushOnline(g, delevFlush{window: ps.d("window"), priceDrop: ps.f("price_drop"), oiDrop: ps.f("oi_drop"),
			liqShare: ps.f("liq_share"), breaker: ps.s("mode") == "circuit_breaker"}, opt.Liquidations)
	case "sentiment_extreme":
		s = newSentimentOnline(g, sentimentExtreme{series: ps.s("series"), below: ps.f("below"), above: ps.f("above")}, opt.Sentiment)
	case "liq_asymmetry":
		la := liqAsymmetry{above: ps.f("above"), below: ps.f("below"), ratio: ps.f("ratio"), every: ps.d("every")}
		var ms *MapSeries
		for _, m := range opt.MapSamples {
			if m != nil && math.Abs(m.Above-la.above) < mapTol && math.Abs(m.Below-la.below) < mapTol {
				ms = m
				break
			}
		}
		if ms == nil {
			return nil, fmt.Errorf("liq_asymmetry above=%g below=%g: %w (OnlineOptions.MapSamples has no series for this pair; see MapRequests)",
				la.above, la.below, ErrNoMapSamples)
		}
		s = &asymOnline{g: g, ms: ms, ratio: la.ratio, every: engine.Nanos(la.every), prev: math.MinInt64}
	default:
		return nil, fmt.Errorf("%q: %w", name, ErrUnknownHypothesis)
	}
	return &online{s: s}, nil
}

// stepper is the row-by-row core of an online signal.
type stepper interface {
	// step evaluates row i; rows come once each, in order from 0.
	step(i int) bool
	// values writes what the batch Values(i) writes at the row i just
	// stepped, whether the signal held there or not (compositions under
	// Any ask parts that did not hold).
	values(i int, dst []float64)
	features() []string
	name() string
}

// online adapts a stepper to Online: it steps every row once, in order,
// and remembers the last result, so a part shared by compositions (or
// also asked directly) is stepped once per row.
type online struct {
	s    stepper
	next int  // next row to step
	last bool // result at row next−1
}

func (o *online) advance(i int) bool {
	if i < o.next-1 {
		panic(fmt.Sprintf("hypo: online %s: row %d asked after row %d (rows must come in order)", o.s.name(), i, o.next-1))
	}
	for o.next <= i {
		o.last = o.s.step(o.next)
		o.next++
	}
	return o.last
}

func (o *online) At(i int, dst []float64) bool {
	on := o.advance(i)
	if on && dst != nil {
		o.s.values(i, dst[:len(o.s.features())])
	}
	return on
}

func (o *online) Features() []string { return o.s.features() }
func (o *online) Name() string       { return o.s.name() }

// foreign adapts an Online of another package to a part of a
// composition. Batch compositions ask a custom signal's Values also where
// it does not hold; an Online writes features only where it holds, so a
// foreign part reports NaN features there.
type foreign struct {
	o   Online
	buf []float64
	on  bool
}

func (f *foreign) step(i int) bool {
	f.on = f.o.At(i, f.buf)
	return f.on
}

func (f *foreign) values(i int, dst []float64) {
	if f.on {
		copy(dst, f.buf)
		return
	}
	fillNaN(dst)
}

func (f *foreign) features() []string { return f.o.Features() }
func (f *foreign) name() string       { return f.o.Name() }

func part(o Online) *online {
	if p, ok := o.(*online); ok {
		return p
	}
	return &online{s: &foreign{o: o, buf: make([]float64, len(o.Features()))}}
}

func fillNaN(dst []float64) {
	for k := range dst {
		dst[k] = math.NaN()
	}
}

// OnlineAll is the online All: it holds at a row where every part holds.
// Features are named as All names them. A part belongs to the
// composition: asking it directly too is allowed (it is stepped once per
// row) as long as rows come in order. Without parts it never holds (All
// returns an error).
func OnlineAll(parts ...Online) Online { return newCombo("all", parts, true) }

// OnlineAny is the online Any: it holds at a row where at least one part
// holds, and writes every part's features (those of a part that does not
// hold as its batch Values would: see foreign for non-catalogue parts).
func OnlineAny(parts ...Online) Online { return newCombo("any", parts, false) }

type combo struct {
	nm    string
	and   bool
	parts []*online
	feats []string
}

func newCombo(name string, parts []Online, and bool) Online {
	c := &combo{nm: name, and: and}
	for k, p := range parts {
		o := part(p)
		c.parts = append(c.parts, o)
		for _, ft := range o.Features() {
			c.feats = append(c.feats, fmt.Sprintf("%s%d.%s", o.Name(), k, ft))
		}
	}
	return &online{s: c}
}

func (c *combo) step(i int) bool {
	if len(c.parts) == 0 {
		return false
	}
	on := c.and
	for _, p := range c.parts {
		v := p.advance(i) // every part sees every row: no short cut
		if c.and {
			on = on && v
		} else {
			on = on || v
		}
	}
	return on
}

func (c *combo) values(i int, dst []float64) {
	o := 0
	for _, p := range c.parts {
		n := len(p.s.features())
		p.s.values(i, dst[o:o+n])
		o += n
	}
}

func (c *combo) features() []string { return c.feats }
func (c *combo) name() string       { return c.nm }

// OnlineWithin is the online Within on a grid of the given step: it holds
// at row i when s held at some row j <= i with i − j <= floor(d/step).
// Its features are s's features at the latest such j (kept when s held)
// and age_h; NaN where it does not hold.
func OnlineWithin(s Online, d time.Duration, step time.Duration) Online {
	if step <= 0 {
		panic("hypo: OnlineWithin needs the grid step (> 0)")
	}
	p := part(s)
	return &online{s: &withinOnline{p: p, w: int(engine.Nanos(d) / engine.Nanos(step)), stepN: engine.Nanos(step),
		last: -1, buf: make([]float64, len(p.Features())), feats: append(append([]string(nil), p.Features()...), "age_h")}}
}

type withinOnline struct {
	p     *online
	w     int
	stepN engine.Nanos
	last  int       // latest row where p held, or −1
	buf   []float64 // p's features at last
	on    bool
	feats []string
}

func (w *withinOnline) step(i int) bool {
	if w.p.advance(i) {
		w.last = i
		w.p.s.values(i, w.buf)
	}
	w.on = w.last >= 0 && i-w.last <= w.w
	return w.on
}

func (w *withinOnline) values(i int, dst []float64) {
	if !w.on {
		fillNaN(dst[:len(w.buf)+1])
		return
	}
	copy(dst, w.buf)
	dst[len(w.buf)] = float64(engine.Nanos(i-w.last)*w.stepN) / float64(engine.Hour)
}

func (w *withinOnline) features() []string { return w.feats }
func (w *withinOnline) name() string       { return w.p.Name() }
