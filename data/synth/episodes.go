package synth

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// Planted-event rates (per day, while no other episode runs) and shapes.
const (
	shockPerDay    = 1.0 / 5  // a price shock into the more exposed side
	springPerDay   = 1.0 / 2  // while a range has lasted 12 h
	overheatPerDay = 1.0 / 18 // long crowding, then a long squeeze
	reliefPerDay   = 1.0 / 18 // short crowding, then a short squeeze
	cooldownMin    = 360      // quiet minutes after an episode
	crowdDrift     = 0.01     // drift per day during a crowding set-up
	hotFunding     = 0.0005   // funding rate counted as overheated
	clusterGap     = 3        // a cascade ends after this many minutes without a wave
	cascadeMinOI   = 0.01     // a cascade liquidates at least this share of OI notional
	cascadeMinWave = 3        // … in at least this many wave minutes
	nearMinOI      = 0.0025   // smaller runs passing the rest of the rule: near_cascade
)

type epKind uint8

const (
	epNone epKind = iota
	epShock
	epSpring
	epOverheat
	epRelief
)

var epNames = [...]string{"", "shock", TruthSpring, TruthFundingOverheat, TruthReliefRally}

// episode is the planted event in progress (at most one at a time). Phases
// run over minutes [phaseStart, phaseEnd).
type episode struct {
	kind                   epKind
	phase                  int
	start, phaseStart      int64
	phaseEnd               int64
	side                   int8 // side affected: +1 longs, -1 shorts
	priceStart             float64
	drift, push            float64 // this minute's extra drift and push (log)
	target                 float64 // log mid to steer to (springs)
	pushPer                float64 // push per minute of a shock or squeeze
	swingLow, depth, lowSn float64
	reclaim                float64
	reclaimLen             int64
	maxEnd                 int64 // latest squeeze start of a crowding set-up
	extremeF               float64
	hot                    int
	squeezeAt              int64
	squeezePrice           float64
	squeezeImb             float64
	liqNotional            float64
	waves                  int32
}

// targeting reports whether the mid is being steered to e.target.
func (e *episode) targeting() bool { return e.kind == epSpring }

func (e *episode) remaining(m int64) int64 { return max(1, e.phaseEnd-m) }

// crowd returns the sentiment a crowding set-up imposes (0 if none).
func (e *episode) crowd() float64 {
	if (e.kind == epOverheat || e.kind == epRelief) && e.phase == 0 {
		return 0.85 * float64(e.side)
	}
	return 0
}

func (e *episode) onFunding(f float64) {
	if e.phase != 0 {
		return
	}
	switch e.kind {
	case epOverheat:
		e.extremeF = math.Max(e.extremeF, f)
		if f >= hotFunding {
			e.hot++
		}
	case epRelief:
		e.extremeF = math.Min(e.extremeF, f)
		if f <= -perp.DefaultInterestRate {
			e.hot++
		}
	}
}

// cluster is a run of liquidation waves of one side.
type cluster struct {
	active     bool
	first      int64 // first wave minute
	last       int64 // last wave minute
	endMin     int64
	priceStart float64
	priceEnd   float64
	oiStart    float64 // OI notional before the first wave
	notional   float64
	waves      int32
	trigger    string
}

func sideIdx(side int8) int {
	if side > 0 {
		return 0
	}
	return 1
}

func minuteTS(m int64) engine.Nanos { return engine.Nanos(m) * engine.Minute }

func (g *gen) price(x float64) float64 { return roundTo(x, g.prof.tick) }

func (g *gen) fmtPrice(x float64) string { return strconv.FormatFloat(g.price(x), 'f', -1, 64) }

// stepEpisode advances the planted event, if any, at the start of minute
// m, or starts one.
func (g *gen) stepEpisode(m int64) {
	e := &g.ep
	e.drift, e.push = 0, 0
	if g.null {
		return
	}
	if e.kind == epNone {
		if m >= g.cool {
			g.maybeStart(m)
		}
		if e.kind == epNone {
			return
		}
	}
	switch e.kind {
	case epShock:
		if m >= e.phaseEnd {
			g.endEpisode(m)
			return
		}
		e.push = e.pushPer
	case epSpring:
		if e.phase == 0 && m >= e.phaseEnd {
			e.phase, e.phaseStart, e.phaseEnd = 1, m, m+e.reclaimLen
			e.target = math.Log(e.swingLow * (1 + e.reclaim))
		}
		if e.phase == 1 && m >= e.phaseEnd {
			g.finishSpring(m)
		}
	case epOverheat, epRelief:
		if e.phase == 1 && m >= e.phaseEnd {
			e.phase, e.phaseStart = 2, m
		}
		if e.phase == 2 {
			quiet := !g.cl[sideIdx(e.side)].active && m-e.phaseStart >= 15
			if quiet || m-e.phaseStart >= 180 {
				g.finishCrowding(m)
			}
			return
		}
		if e.phase == 0 && g.squeezeReady(m) {
			k := int64(3 + g.re.IntN(3))
			size := uniform(g.re, 0.03, 0.06)
			e.phase, e.phaseStart, e.phaseEnd = 1, m, m+k
			e.pushPer = -float64(e.side) * size / float64(k)
			e.squeezeAt, e.squeezePrice, e.squeezeImb = m, math.Exp(g.lp), g.book.imbalance()
		}
		if e.phase == 0 {
			e.drift = float64(e.side) * crowdDrift / minutesPerDay
		} else {
			e.push = e.pushPer
		}
	}
}

func (g *gen) endEpisode(m int64) {
	g.ep = episode{}
	g.cool = m + cooldownMin
}

// maybeStart draws whether a planted event starts at minute m.
func (g *gen) maybeStart(m int64) {
	u := g.re.Float64() * minutesPerDay
	pSpring := 0.0
	if g.reg == regRange && g.regMin >= swingWindow && g.lowsN >= swingWindow {
		pSpring = springPerDay
	}
	switch {
	case u < shockPerDay:
		g.tryShock(m)
	case u < shockPerDay+pSpring:
		g.trySpring(m)
	case u < shockPerDay+pSpring+overheatPerDay:
		g.startCrowding(m, epOverheat)
	case u < shockPerDay+pSpring+overheatPerDay+reliefPerDay:
		g.startCrowding(m, epRelief)
	}
}

// tryShock pushes the price 1.5–3.5% over 2–4 minutes towards the side
// with more liquidations within 4%, if that exposure is material; the
// cascade, if any, comes from the book.
func (g *gen) tryShock(m int64) {
	p := math.Exp(g.lp)
	el, es := g.book.exposure(p, 0.04)
	side, ex := int8(1), el
	if es > el {
		side, ex = -1, es
	}
	if ex < 0.004*g.openInterest()*p {
		return
	}
	k := int64(2 + g.re.IntN(3))
	size := uniform(g.re, 0.015, 0.035)
	g.ep = episode{kind: epShock, start: m, phaseStart: m, phaseEnd: m + k, side: side, priceStart: p,
		pushPer: -float64(side) * size / float64(k)}
}

func (g *gen) swingLow() float64 {
	lo := math.Inf(1)
	for _, x := range g.lows {
		lo = math.Min(lo, x)
	}
	return lo
}

// trySpring starts a sweep below the 12-hour swing low of a range when the
// price is close above it.
func (g *gen) trySpring(m int64) {
	sl, p := g.swingLow(), math.Exp(g.lp)
	d := p/sl - 1
	if d < 0.002 || d > 0.02 {
		return
	}
	depth := uniform(g.re, 0.0015, 0.008)
	sweep := int64(2 + int(d/0.005) + g.re.IntN(3))
	g.ep = episode{kind: epSpring, start: m, phaseStart: m, phaseEnd: m + sweep, side: 1, priceStart: p,
		swingLow: sl, depth: depth, lowSn: math.Inf(1), reclaim: uniform(g.re, 0.002, 0.006),
		reclaimLen: int64(3 + g.re.IntN(6)), target: math.Log(sl * (1 - depth))}
}

func (g *gen) startCrowding(m int64, k epKind) {
	if g.reg == regCrash {
		return
	}
	side := int8(1)
	if k == epRelief {
		side = -1
	}
	g.ep = episode{kind: k, start: m, phaseStart: m, side: side, priceStart: math.Exp(g.lp),
		maxEnd: m + int64(uniform(g.re, 2, 3.5)*minutesPerDay), extremeF: g.lastFunding}
}

func (g *gen) squeezeReady(m int64) bool {
	e := &g.ep
	if m >= e.maxEnd {
		return true
	}
	if m-e.start < 720 {
		return false
	}
	if e.kind == epOverheat {
		return e.hot >= 2
	}
	return g.book.imbalance() <= -0.5
}

func (g *gen) finishSpring(m int64) {
	e := &g.ep
	p := math.Exp(g.lp)
	if e.lowSn < e.swingLow && p > e.swingLow {
		g.truth = append(g.truth, TruthRow{
			Kind: TruthSpring, Start: minuteTS(e.start), End: minuteTS(m), Side: 1,
			NotionalLiquidated: e.liqNotional, PriceStart: g.price(e.priceStart), PriceEnd: g.price(p), Waves: e.waves,
			Detail: fmt.Sprintf("swing_low=%s depth_pct=%.3f low=%s sweep_bars=%d reclaim_bars=%d",
				g.fmtPrice(e.swingLow), e.depth*100, g.fmtPrice(e.lowSn), e.phaseStart-e.start, e.reclaimLen),
		})
	}
	g.endEpisode(m)
}

func (g *gen) finishCrowding(m int64) {
	e := &g.ep
	p := math.Exp(g.lp)
	var ok bool
	var detail string
	at := minuteTS(e.squeezeAt).String()
	if e.kind == epOverheat {
		ok = e.extremeF >= hotFunding && e.liqNotional > 0 && p < e.squeezePrice
		detail = fmt.Sprintf("max_funding=%.6f hot_settlements=%d", e.extremeF, e.hot)
	} else {
		ok = e.squeezeImb <= -0.3 && e.extremeF < 0 && e.liqNotional > 0 && p > e.squeezePrice
		detail = fmt.Sprintf("min_funding=%.6f", e.extremeF)
	}
	if ok {
		g.truth = append(g.truth, TruthRow{
			Kind: epNames[e.kind], Start: minuteTS(e.start), End: minuteTS(m), Side: e.side,
			NotionalLiquidated: e.liqNotional, PriceStart: g.price(e.priceStart), PriceEnd: g.price(p), Waves: e.waves,
			Detail: fmt.Sprintf("%s imbalance=%.3f squeeze_at=%s squeeze_price=%s", detail, e.squeezeImb, at, g.fmtPrice(e.squeezePrice)),
		})
	}
	g.endEpisode(m)
}

// liquidations liquidates the cohorts crossed by the minute's extremes
// (mid low and high), schedules the square-root impact of the forced
// orders for the next minute and records the waves. It returns the forced
// sell (long) and buy (short) quantities.
func (g *gen) liquidations(m int64, low, high, open, close float64) (sell, buy float64) {
	lq, ln, sq, sn := g.book.liquidate(low, high)
	if lq > 0 {
		imp := math.Min(impactMax, impactY*g.prof.dailyVol*math.Sqrt(lq/g.vday))
		g.push -= imp
		g.transient += transientShare * imp
		g.onLiq(m, 1, ln, open, close)
	}
	if sq > 0 {
		imp := math.Min(impactMax, impactY*g.prof.dailyVol*math.Sqrt(sq/g.vday))
		g.push += imp
		g.transient -= transientShare * imp
		g.onLiq(m, -1, sn, open, close)
	}
	return lq, sq
}

func (g *gen) onLiq(m int64, side int8, notional, open, close float64) {
	i := sideIdx(side)
	c := &g.cl[i]
	if c.active && m-c.last > clusterGap {
		g.finishCluster(i)
	}
	if !c.active {
		trig := "organic"
		switch {
		case g.ep.kind != epNone:
			trig = epNames[g.ep.kind]
		case g.reg == regCrash:
			trig = "crash"
		}
		*c = cluster{active: true, first: m, priceStart: open, oiStart: g.lastOI * open, trigger: trig}
	}
	c.last, c.endMin, c.priceEnd = m, m+1, close
	c.notional += notional
	c.waves++
	if e := &g.ep; e.side == side && (e.kind == epSpring || (e.kind == epOverheat || e.kind == epRelief) && e.phase >= 1) {
		e.liqNotional += notional
		e.waves++
	}
}

// endMinute closes finished cascades and tracks the spring's low after
// minute m, whose mid went from open to close.
func (g *gen) endMinute(m int64, open, close float64) {
	for i := range g.cl {
		c := &g.cl[i]
		if !c.active {
			continue
		}
		if m == c.last+1 { // the last wave's impact lands in this minute
			c.priceEnd, c.endMin = close, m+1
		}
		if m-c.last >= clusterGap {
			g.finishCluster(i)
		}
	}
	if g.ep.kind == epSpring {
		g.ep.lowSn = math.Min(g.ep.lowSn, g.lastBarLow)
	}
}

func (g *gen) finishCluster(i int) {
	c := &g.cl[i]
	c.active = false
	side, kind := int8(1), TruthLongCascade
	moved := c.priceEnd < c.priceStart
	if i == 1 {
		side, kind, moved = -1, TruthShortCascade, c.priceEnd > c.priceStart
	}
	if c.waves < cascadeMinWave || c.notional < nearMinOI*c.oiStart || !moved {
		return
	}
	if c.notional < cascadeMinOI*c.oiStart {
		kind = TruthNearCascade
	}
	g.truth = append(g.truth, TruthRow{
		Kind: kind, Start: minuteTS(c.first), End: minuteTS(c.endMin), Side: side, NotionalLiquidated: c.notional,
		PriceStart: g.price(c.priceStart), PriceEnd: g.price(c.priceEnd), Waves: c.waves,
		Detail: fmt.Sprintf("trigger=%s oi_share=%.4f move_pct=%.3f", c.trigger, c.notional/c.oiStart, (c.priceEnd/c.priceStart-1)*100),
	})
}

// finish closes open cascades at the end of the run (unfinished episodes
// are dropped) and sorts the truth rows by start.
func (g *gen) finish() []TruthRow {
	for i := range g.cl {
		if g.cl[i].active {
			g.finishCluster(i)
		}
	}
	sort.SliceStable(g.truth, func(a, b int) bool { return g.truth[a].Start < g.truth[b].Start })
	return g.truth
}
