package synth

import (
	"math"

	"github.com/cascade-research/cascade/engine"
)

// intensityNorm calibrates the mean trade count: the average of the
// activity multiplier in emitMinute over a long run.
const intensityNorm = 0.76

// Trade-size model: lognormal body with a Pareto tail.
const (
	qtySigma     = 1.3
	qtyTailProb  = 0.01
	qtyTailAlpha = 1.3
	qtyTailMax   = 1000
)

// qtyMean is the mean trade size (base) at the generator's scale.
func (g *gen) qtyMean() float64 {
	tailMean := qtyTailAlpha / (qtyTailAlpha - 1)
	return g.prof.meanQty / g.scale / (1 - qtyTailProb + qtyTailProb*tailMean)
}

func (g *gen) drawQty(mean float64) float64 {
	q := mean * math.Exp(qtySigma*g.rt.NormFloat64()-qtySigma*qtySigma/2)
	if chance(g.rt, qtyTailProb) {
		q *= math.Min(qtyTailMax, math.Pow(1-g.rt.Float64(), -1/qtyTailAlpha))
	}
	return g.roundQty(q)
}

func (g *gen) roundQty(q float64) float64 {
	return math.Max(g.prof.qtyStep, roundTo(q, g.prof.qtyStep))
}

// floorTick and ceilTick put a mid price on the bid and ask of the tick
// grid.
func (g *gen) floorTick(x float64) float64 {
	t := g.prof.tick
	var p float64
	if t < 1 {
		inv := math.Round(1 / t)
		p = math.Floor(x*inv+1e-7) / inv
	} else {
		p = math.Floor(x/t+1e-7) * t
	}
	return math.Max(t, p)
}

func (g *gen) ceilTick(x float64) float64 {
	t := g.prof.tick
	var p float64
	if t < 1 {
		inv := math.Round(1 / t)
		p = math.Ceil(x*inv-1e-7) / inv
	} else {
		p = math.Ceil(x/t-1e-7) * t
	}
	return math.Max(t, p)
}

// emitMinute writes the trades and the 1-minute bar of minute m. The mid
// follows a Brownian bridge from open to open·e^r through the minute's
// trades; the number of trades is Poisson with an intensity that follows
// volatility and the size of the move; each taker's side leans towards the
// direction of the price step it prints on. Forced liquidation orders
// triggered by the minute's extremes print at the extreme.
func (g *gen) emitMinute(m int64, ts engine.Nanos, open, r, sigma, vs float64) {
	act := seasonFactor(ts) * regVol[g.reg] * math.Sqrt(g.garch) * (0.7 + 0.4*math.Min(math.Abs(r)/sigma, 15))
	n := max(1, poisson(g.rt, g.base*act))
	if cap(g.path) < n {
		g.path = make([]float64, n, 2*n)
		g.incr = make([]float64, n, 2*n)
		g.times = make([]int64, n, 2*n)
	}
	path, incr, times := g.path[:n], g.incr[:n], g.times[:n]

	// Arrival times: normalised exponential spacings are sorted uniforms.
	s := 0.0
	for i := range n {
		s -= math.Log(1 - g.rt.Float64())
		path[i] = s
	}
	s -= math.Log(1 - g.rt.Float64())
	for i := range n {
		times[i] = int64(path[i] / s * 60_000) // milliseconds into the minute
	}

	// Brownian bridge of the log mid from 0 to r.
	ss := sigma / math.Sqrt(float64(n))
	w := 0.0
	for i := range n {
		w += g.rt.NormFloat64()
		path[i] = w
	}
	lo, hi, prev := 0, 0, 0.0
	for i := range n {
		f := float64(i+1) / float64(n)
		b := ss*(path[i]-f*w) + f*r
		path[i] = b
		incr[i] = (b - prev) / ss
		prev = b
		if b < path[lo] {
			lo = i
		}
		if b > path[hi] {
			hi = i
		}
	}

	var forcedSell, forcedBuy float64
	if !g.null {
		forcedSell, forcedBuy = g.liquidations(m, open*math.Exp(path[lo]), open*math.Exp(path[hi]), open, open*math.Exp(r))
	}

	k0 := len(g.out.trades.TS)
	mean := g.qtyMean()
	for i := range n {
		mid := open * math.Exp(path[i])
		t := ts + engine.Nanos(times[i])*engine.Millisecond
		var side int8 = -1
		price := g.floorTick(mid)
		if chance(g.rt, logistic(1.5*incr[i])) {
			side, price = 1, g.ceilTick(mid)
		}
		g.appendTrade(t, price, g.drawQty(mean), side)
		if i == lo && forcedSell > 0 {
			g.forced(t, -1, forcedSell, g.floorTick(mid), mean)
		}
		if i == hi && forcedBuy > 0 {
			g.forced(t, 1, forcedBuy, g.ceilTick(mid), mean)
		}
	}
	g.appendBar(ts, k0)
}

func (g *gen) appendTrade(t engine.Nanos, price, qty float64, side int8) {
	tr := &g.out.trades
	tr.TS = append(tr.TS, t)
	tr.Price = append(tr.Price, price)
	tr.Qty = append(tr.Qty, qty)
	tr.Side = append(tr.Side, side)
	tr.ID = append(tr.ID, g.nextID)
	g.nextID++
}

// forced prints liquidation orders for qty base units as a burst of taker
// trades walking the book one tick per order from price.
func (g *gen) forced(t engine.Nanos, side int8, qty, price, mean float64) {
	k := int(clamp(math.Ceil(qty/(5*mean)), 1, 50))
	var w [50]float64
	total := 0.0
	for j := range k {
		w[j] = uniform(g.rt, 0.5, 1.5)
		total += w[j]
	}
	for j := range k {
		p := math.Max(g.prof.tick, roundTo(price+float64(side)*float64(j)*g.prof.tick, g.prof.tick))
		g.appendTrade(t, p, g.roundQty(qty*w[j]/total), side)
	}
}

// appendBar derives the minute's bar from the trades appended since index
// k0 (there is always at least one).
func (g *gen) appendBar(ts engine.Nanos, k0 int) {
	tr := &g.out.trades
	o := tr.Price[k0]
	h, l, vol, buy := o, o, 0.0, 0.0
	for i := k0; i < len(tr.TS); i++ {
		p, q := tr.Price[i], tr.Qty[i]
		h, l = math.Max(h, p), math.Min(l, p)
		vol += q
		if tr.Side[i] > 0 {
			buy += q
		}
	}
	b := &g.out.bars
	b.TS = append(b.TS, ts)
	b.Open = append(b.Open, o)
	b.High = append(b.High, h)
	b.Low = append(b.Low, l)
	b.Close = append(b.Close, tr.Price[len(tr.Price)-1])
	b.Volume = append(b.Volume, roundTo(vol, g.prof.qtyStep))
	b.TakerBuy = append(b.TakerBuy, roundTo(buy, g.prof.qtyStep))
	g.lastBarLow = l
}
