package synth

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// Model constants. Rates are per minute unless stated.
const (
	minutesPerDay = 1440

	garchAlpha = 0.05 // GARCH(1,1) on 1-minute returns
	garchBeta  = 0.94
	garchMax   = 30 // cap on the variance multiplier

	levShare       = 0.35  // leveraged share of typical open interest
	impactY        = 1.0   // square-root impact coefficient: Δln p = Y·σ_day·sqrt(Q/V_day)
	impactMax      = 0.06  // cap on one minute's impact
	transientShare = 0.5   // share of impact that reverts afterwards
	transientTau   = 20.0  // minutes over which it reverts
	fundingCap     = 0.003 // exchange cap on |funding rate| per interval
	ticketMedian   = 20_000.0
	swingWindow    = 720 // minutes of bar lows behind a swing low (12 h)

	nullVolBoost      = 1.2 // null mode: volatility lost with the cascades
	nullActivityBoost = 1.1 // null mode: trade activity lost with them
)

type regime uint8

const (
	regRange regime = iota
	regTrend
	regCrash
)

// Regime parameters, indexed by regime: volatility multiplier, mean stay
// (minutes) and activity of new positioning.
var (
	regVol      = [...]float64{0.75, 1.0, 2.2}
	regStay     = [...]float64{3.5 * minutesPerDay, 2.5 * minutesPerDay, 120}
	regActivity = [...]float64{0.9, 1.5, 0.5}
)

// gen generates one symbol's market, minute by minute.
type gen struct {
	prof   profile
	null   bool
	scale  float64
	rp     *rand.Rand // price, regimes
	rb     *rand.Rand // positioning, OI, premium
	rt     *rand.Rand // trades
	re     *rand.Rand // planted events
	bs     perp.Brackets
	sigma0 float64 // base 1-minute volatility
	vday   float64 // daily volume (base) for impact
	base   float64 // mean trades per minute at the current scale

	// price state
	lp, anchor  float64 // log mid price; long-run anchor
	garch       float64 // variance multiplier (mean 1)
	reg         regime
	regMin      int64 // minutes in the current regime
	drift       float64
	center      float64 // range centre (log)
	push        float64 // impact to apply in the next minute
	transient   float64 // impact still to revert
	lastBarLow  float64
	lows        [swingWindow]float64
	lowsN       int
	lp5         float64 // log price at the last positioning step
	lp5step     int64   // positioning steps so far
	sentiment   float64
	passive     float64
	levTarget   float64
	opensBase   float64
	premAR      float64
	premSum     float64
	premN       int
	book        *book
	nextID      int64
	lastOI      float64
	lastFunding float64

	// events
	ep    episode
	cool  int64 // no new episode before this minute
	cl    [2]cluster
	truth []TruthRow

	// scratch and the day being generated
	path  []float64
	incr  []float64
	times []int64
	out   *dayTables
}

// dayTables holds one UTC day of one symbol's output.
type dayTables struct {
	day     engine.Nanos
	trades  dataset.Trades
	bars    dataset.Bars
	funding dataset.Funding
	oi      dataset.OI
}

// reset empties the tables, keeping their storage.
func (d *dayTables) reset(day engine.Nanos) {
	d.day = day
	t := &d.trades
	t.TS, t.Price, t.Qty, t.Side, t.ID = t.TS[:0], t.Price[:0], t.Qty[:0], t.Side[:0], empty(t.ID)
	b := &d.bars
	b.Interval = time.Minute
	b.TS, b.Open, b.High, b.Low, b.Close = b.TS[:0], b.Open[:0], b.High[:0], b.Low[:0], b.Close[:0]
	b.Volume, b.TakerBuy = b.Volume[:0], empty(b.TakerBuy)
	f := &d.funding
	f.TS, f.Rate, f.IntervalHours, f.MarkPrice = f.TS[:0], f.Rate[:0], f.IntervalHours[:0], empty(f.MarkPrice)
	d.oi.TS, d.oi.OI, d.oi.Value = d.oi.TS[:0], d.oi.OI[:0], d.oi.Value[:0]
}

// empty returns s with length 0, non-nil so that optional columns are
// written.
func empty[T any](s []T) []T {
	if s == nil {
		return make([]T, 0, 1024)
	}
	return s[:0]
}

// tables lists the day's tables in the order they are written.
func (d *dayTables) tables() []dataset.Table {
	return []dataset.Table{&d.trades, &d.bars, &d.funding, &d.oi}
}

func newGen(cfg Config, sym string) *gen {
	p := profileFor(sym)
	g := &gen{
		prof:      p,
		null:      cfg.Null,
		scale:     cfg.Scale,
		rp:        newRand(cfg.Seed, sym, streamPrice),
		rb:        newRand(cfg.Seed, sym, streamBook),
		rt:        newRand(cfg.Seed, sym, streamTrade),
		re:        newRand(cfg.Seed, sym, streamEvent),
		bs:        perp.BinanceBTCUSDT2024,
		sigma0:    p.dailyVol / math.Sqrt(minutesPerDay),
		vday:      p.tradesPerDay * p.meanQty,
		base:      p.tradesPerDay * cfg.Scale / minutesPerDay / intensityNorm,
		lp:        math.Log(p.price),
		garch:     1,
		sentiment: 0.1,
		passive:   (1 - levShare) * p.oi,
		levTarget: levShare * p.oi,
		nextID:    1_000_000,
		cool:      int64(engine.FromTime(cfg.Start)/engine.Minute) + swingWindow, // no events in the first 12 h
	}
	if g.null {
		// Without cascades the regime mix alone gives about 2.6% a day;
		// scale it to the symbol's typical volatility, and the activity
		// with it.
		g.sigma0 *= nullVolBoost
		g.base *= nullActivityBoost
	}
	g.anchor, g.center, g.lp5 = g.lp, g.lp, g.lp
	g.opensBase = g.levTarget / steadyStock()
	g.book = newBook(g.bs, g.opensBase*0.02)
	g.warmup()
	return g
}

// warmup fills the book with three days of cohorts opened along a random
// walk that ends at the start price, then drops those already liquidated.
func (g *gen) warmup() {
	const steps = 3 * 288
	walk := make([]float64, steps)
	x := 0.0
	for i := steps - 1; i >= 0; i-- {
		walk[i] = x
		x += g.sigma0 * math.Sqrt(5) * g.rb.NormFloat64()
	}
	for i := range steps {
		if i%12 == 0 {
			g.book.seal()
		}
		g.book.decay()
		g.openCohorts(math.Exp(g.lp+walk[i]), 1, 0, 0)
	}
	p := math.Exp(g.lp)
	g.book.liquidate(p, p)
}

// minute advances the market by one minute starting at minute index m
// (minutes since the Unix epoch) and appends its rows to the day's tables.
func (g *gen) minute(m int64) {
	ts := engine.Nanos(m) * engine.Minute
	if m%480 == 0 {
		g.settleFunding(ts)
	}
	if m%5 == 0 {
		g.position()
		g.snapshotOI(ts)
	}
	g.stepRegime()
	g.stepEpisode(m)

	vs := regVol[g.reg] * seasonVol(ts)
	sigma := g.sigma0 * vs * math.Sqrt(g.garch)
	var r, drift float64
	if g.ep.targeting() {
		r = (g.ep.target-g.lp)/float64(g.ep.remaining(m)) + 0.3*sigma*studentT4(g.rp)
		g.push, g.transient = 0, 0
	} else {
		if !g.null {
			drift = g.drift + g.ep.drift
			if g.reg == regRange {
				drift -= (g.lp - g.center) / 300
			}
		}
		r = drift + sigma*studentT4(g.rp) + g.push + g.ep.push
		g.push = 0
		rev := g.transient * (1 - math.Exp(-1/transientTau))
		g.transient -= rev
		r += rev
	}
	open := math.Exp(g.lp)
	g.emitMinute(m, ts, open, r, sigma, vs)

	z2 := math.Min((r-drift)*(r-drift)/(g.sigma0*g.sigma0*vs*vs), 400)
	g.garch = math.Min(garchMax, (1-garchAlpha-garchBeta)+garchAlpha*z2+garchBeta*g.garch)
	g.lp += r
	g.lows[m%swingWindow] = g.lastBarLow
	g.lowsN = min(g.lowsN+1, swingWindow)

	imb := g.book.imbalance()
	g.premAR = 0.995*g.premAR + 1.5e-5*g.rb.NormFloat64()
	g.premSum += premium(imb) + g.premAR
	g.premN++
	g.endMinute(m, open, math.Exp(g.lp))
}

// premium is the mean premium index implied by the leveraged book's
// imbalance: crowded longs bid the perpetual above the index.
func premium(imb float64) float64 { return 0.00005 + 0.0008*imb + 0.004*imb*imb*imb }

// seasonFactor is the intraday and weekly activity profile: busiest around
// 14:30 UTC, quieter at weekends.
func seasonFactor(ts engine.Nanos) float64 {
	t := ts.Time()
	h := float64(t.Hour()) + float64(t.Minute())/60
	f := 1 + 0.3*math.Cos(2*math.Pi*(h-14.5)/24)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		f *= 0.7
	}
	return f
}

func seasonVol(ts engine.Nanos) float64 { return math.Sqrt(seasonFactor(ts)) }

// stepRegime moves the regime Markov chain by one minute.
func (g *gen) stepRegime() {
	g.regMin++
	if !chance(g.rp, 1/regStay[g.reg]) {
		return
	}
	switch g.reg {
	case regRange:
		if chance(g.rp, 0.08) {
			g.enter(regCrash)
		} else {
			g.enter(regTrend)
		}
	case regTrend:
		if chance(g.rp, 0.1) {
			g.enter(regCrash)
		} else {
			g.enter(regRange)
		}
	case regCrash:
		g.enter(regRange)
	}
}

func (g *gen) enter(r regime) {
	g.reg, g.regMin, g.center, g.drift = r, 0, g.lp, 0
	switch r {
	case regTrend:
		dir := -1.0
		if chance(g.rp, logistic(-2.5*(g.lp-g.anchor))) {
			dir = 1
		}
		g.drift = dir * uniform(g.rp, 0.006, 0.025) / minutesPerDay
	case regCrash:
		g.drift = -uniform(g.rp, 0.02, 0.06) / regStay[regCrash]
	}
}

// position runs the 5-minute positioning step: sentiment, passive open
// interest, voluntary exits and new leveraged cohorts.
func (g *gen) position() {
	ret5 := g.lp - g.lp5
	g.lp5 = g.lp
	target, pull := 0.1, 0.01
	if !g.null {
		switch {
		case g.reg == regTrend && g.drift > 0:
			target = 0.35
		case g.reg == regTrend:
			target = -0.2
		case g.reg == regCrash:
			target = -0.3
		}
		if s := g.ep.crowd(); s != 0 {
			target, pull = s, 0.03
		}
		g.sentiment += 0.015 * ret5 / (g.sigma0 * math.Sqrt(5))
	}
	g.sentiment = clamp(g.sentiment+pull*(target-g.sentiment)+0.03*g.rb.NormFloat64(), -0.95, 0.95)
	base := (1 - levShare) * g.prof.oi
	g.passive *= math.Exp(0.002*math.Log(base/g.passive) + 0.0012*g.rb.NormFloat64())

	if g.lp5step++; g.lp5step%12 == 0 {
		g.book.seal()
	}
	g.book.decay()
	act := math.Exp(0.35*g.rb.NormFloat64()-0.06) * math.Sqrt(g.levTarget/math.Max(g.book.longQty+g.book.shortQty, g.levTarget*0.05))
	var tiltL, tiltS float64
	if !g.null {
		act *= regActivity[g.reg]
		if s := g.ep.crowd(); s != 0 {
			act *= 1.8
			if s > 0 {
				tiltL = 1
			} else {
				tiltS = 1
			}
		}
		if g.cl[0].active || g.cl[1].active {
			act *= 0.2
		}
	}
	g.openCohorts(math.Exp(g.lp), act, tiltL, tiltS)
}

// openCohorts opens the step's new leveraged positions at price p, split
// between the sides by sentiment and between the leverage buckets by the
// (tilted) leverage mix.
func (g *gen) openCohorts(p, act, tiltL, tiltS float64) {
	total := g.opensBase * act
	long := total * (1 + g.sentiment) / 2
	for _, s := range [2]struct {
		side int8
		qty  float64
		tilt float64
	}{{1, long, tiltL}, {-1, total - long, tiltS}} {
		for i, w := range levMix(s.tilt) {
			g.book.open(s.side, i, s.qty*w, p, ticketMedian*math.Exp(1.2*g.rb.NormFloat64()))
		}
	}
}

func (g *gen) openInterest() float64 { return g.passive + g.book.longQty + g.book.shortQty }

func (g *gen) snapshotOI(ts engine.Nanos) {
	oi := roundTo(g.openInterest(), 0.001)
	g.lastOI = oi
	g.out.oi.TS = append(g.out.oi.TS, ts)
	g.out.oi.OI = append(g.out.oi.OI, oi)
	g.out.oi.Value = append(g.out.oi.Value, math.Round(oi*math.Exp(g.lp)*100)/100)
}

// settleFunding settles the 8-hour funding at ts from the mean premium of
// the past interval: F = perp.FundingRate(P, 0.01%), capped at ±0.3%.
func (g *gen) settleFunding(ts engine.Nanos) {
	imb := g.book.imbalance()
	p := premium(imb) + g.premAR
	if g.premN > 0 {
		p = g.premSum / float64(g.premN)
	}
	g.premSum, g.premN = 0, 0
	f := clamp(perp.FundingRate(p, perp.DefaultInterestRate), -fundingCap, fundingCap)
	f = math.Round(f*1e8) / 1e8
	mark := roundTo(math.Exp(g.lp), g.prof.tick)
	g.lastFunding = f
	g.out.funding.TS = append(g.out.funding.TS, ts)
	g.out.funding.Rate = append(g.out.funding.Rate, f)
	g.out.funding.IntervalHours = append(g.out.funding.IntervalHours, 8)
	g.out.funding.MarkPrice = append(g.out.funding.MarkPrice, mark)
	if !g.null {
		g.book.fund(mark, f)
		g.ep.onFunding(f)
	}
}

// genDay generates the UTC day starting at day into d.
func (g *gen) genDay(day engine.Nanos, d *dayTables) {
	d.reset(day)
	g.out = d
	m0 := int64(day / engine.Minute)
	for m := m0; m < m0+minutesPerDay; m++ {
		g.minute(m)
	}
	g.out = nil
}
