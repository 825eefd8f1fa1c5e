package liquidation

import (
	"math"
	"slices"

	"github.com/cascade-research/cascade/engine/perp"
)

// Level is one price band of a liquidation map.
type Level struct {
	// Price is the band's outer edge: price·(1+i·step) for the i-th band
	// above, price·(1−i·step) below (the last band ends at the range
	// limit).
	Price float64
	// Notional is the liquidatable notional (quote, at the liquidation
	// prices) of the cohorts whose liquidation price lies in the band.
	Notional float64
	// Cumulative is the notional from the current price out to Price.
	Cumulative float64
}

// maxLevels bounds the bands per side of a Map.
const maxLevels = 100_000

// Map is the liquidation map at one instant: where the tracked positions'
// liquidation prices lie around a price.
type Map struct {
	Price, Above, Below, Step float64
	// Shorts are the bands above the price, nearest first: band i holds
	// the shorts with LP in (Price·(1+(i−1)·Step), Price·(1+i·Step)].
	Shorts []Level
	// Longs are the bands below the price, nearest first: band i holds
	// the longs with LP in [Price·(1−i·Step), Price·(1−(i−1)·Step)).
	Longs []Level
	// ShortsWithin is the short notional with LP in (Price,
	// Price·(1+Above)]; LongsWithin the long notional with LP in
	// [Price·(1−Below), Price).
	ShortsWithin, LongsWithin float64
	// Asymmetry is ShortsWithin/LongsWithin: +Inf when there are shorts
	// but no longs within range, 1 when there are neither.
	Asymmetry float64
}

// bands returns the number of bands covering a range of width x in steps
// of step (one band if step <= 0).
func bands(x, step float64) int {
	if !(x > 0) {
		return 0
	}
	if !(step > 0) {
		return 1
	}
	return int(min(math.Ceil(x/step-1e-9), maxLevels))
}

// Map returns the liquidation map around price: bands of width step
// (fractions of price) out to +above (shorts) and −below (longs).
// Cohorts already past price are left out (they would be liquidated
// there). It allocates the result; its cost is linear in the cohorts and
// bins within range.
func (b *Book) Map(price, above, below, step float64) Map {
	m := Map{Price: price, Above: above, Below: below, Step: step, Asymmetry: 1}
	if !(price > 0 && price <= math.MaxFloat64) {
		return m
	}
	below = math.Min(below, 1)
	m.Shorts = make([]Level, bands(above, step))
	m.Longs = make([]Level, bands(below, step))
	for i := range m.Shorts {
		m.Shorts[i].Price = price * (1 + float64(i+1)*step)
	}
	for i := range m.Longs {
		m.Longs[i].Price = price * (1 - float64(i+1)*step)
	}
	hi, lo := price*(1+above), price*(1-below)
	if n := len(m.Shorts); n > 0 {
		m.Shorts[n-1].Price = hi
	}
	if n := len(m.Longs); n > 0 {
		m.Longs[n-1].Price = lo
	}
	if len(m.Shorts) > 0 {
		klo, khi := b.keyRange(short, price, hi)
		b.eachInBins(short, klo, khi, func(c *cohort) {
			if lp := b.lpOf(c); lp > price && lp <= hi {
				m.Shorts[bandAbove(m.Shorts, price, step, lp)].Notional += c.qty * b.unit(short, int(c.lev)) * lp
			}
		})
	}
	if len(m.Longs) > 0 {
		klo, khi := b.keyRange(long, lo, price)
		b.eachInBins(long, klo, khi, func(c *cohort) {
			if lp := b.lpOf(c); lp >= lo && lp < price {
				m.Longs[bandBelow(m.Longs, price, step, lp)].Notional += c.qty * b.unit(long, int(c.lev)) * lp
			}
		})
	}
	for i := range m.Shorts {
		m.ShortsWithin += m.Shorts[i].Notional
		m.Shorts[i].Cumulative = m.ShortsWithin
	}
	for i := range m.Longs {
		m.LongsWithin += m.Longs[i].Notional
		m.Longs[i].Cumulative = m.LongsWithin
	}
	switch {
	case m.LongsWithin > 0:
		m.Asymmetry = m.ShortsWithin / m.LongsWithin
	case m.ShortsWithin > 0:
		m.Asymmetry = math.Inf(1)
	}
	return m
}

// bandAbove returns the index of the band above price holding lp (price <
// lp <= last edge).
func bandAbove(ls []Level, price, step, lp float64) int {
	n := len(ls)
	i := n - 1
	if step > 0 {
		i = min(max(int(math.Ceil((lp/price-1)/step))-1, 0), n-1)
	}
	for i > 0 && lp <= ls[i-1].Price {
		i--
	}
	for i < n-1 && lp > ls[i].Price {
		i++
	}
	return i
}

// bandBelow returns the index of the band below price holding lp (last
// edge <= lp < price).
func bandBelow(ls []Level, price, step, lp float64) int {
	n := len(ls)
	i := n - 1
	if step > 0 {
		i = min(max(int(math.Ceil((1-lp/price)/step))-1, 0), n-1)
	}
	for i > 0 && lp >= ls[i-1].Price {
		i--
	}
	for i < n-1 && lp < ls[i].Price {
		i++
	}
	return i
}

// keyRange returns the LP-grid bins holding the cohorts of side s whose
// price today may lie in [lo, hi] (lo may be 0): with a funding shift,
// the keys of the prices, one bin wider for the shift's rounding.
func (b *Book) keyRange(s int, lo, hi float64) (klo, khi int32) {
	shift := b.lf.shift[s]
	if shift == 0 {
		klo = math.MinInt32
		if lo > 0 {
			klo = b.bn.bin(lo)
		}
		return klo, b.bn.bin(hi)
	}
	klo, khi = math.MinInt32, math.MinInt32 // keys are positive
	if x := lo - shift; x > 0 {
		klo = b.bn.bin(x) - 1
	}
	if x := hi - shift; x > 0 {
		khi = b.bn.bin(x) + 1
	}
	return klo, khi
}

// eachInBins calls f for every placed cohort of side s in LP bins
// [klo, khi], in grid order.
func (b *Book) eachInBins(s int, klo, khi int32, f func(c *cohort)) {
	w := b.lw[s]
	if w.n == 0 {
		return
	}
	ilo := max(int64(klo)-int64(w.off), 0)
	ihi := min(int64(khi)-int64(w.off), int64(w.n)-1)
	for i := b.locc[s].next(int(ilo)); i >= 0 && int64(i) <= ihi; i = b.locc[s].next(i + 1) {
		for _, id := range b.cells[s][i] {
			f(&b.cs[id])
		}
	}
}

// Exposure is one cohort's liquidation in a Snapshot.
type Exposure struct {
	LiqPrice float64
	Qty      float64 // base
	Notional float64 // Qty·LiqPrice (quote)
	Leverage float64
	Entry    float64
}

// Snapshot is a read-only copy of a book's liquidation levels, for Shock.
type Snapshot struct {
	Price    float64    // the book's last price
	Longs    []Exposure // by liquidation price, highest first
	Shorts   []Exposure // by liquidation price, lowest first
	MaxWaves int        // Config.MaxShockWaves
}

// Snapshot copies the book's liquidation levels (cohorts that cannot be
// liquidated are left out). It allocates; the book is not changed.
func (b *Book) Snapshot() *Snapshot {
	sn := &Snapshot{Price: b.last, MaxWaves: b.cfg.MaxShockWaves}
	for s := range 2 {
		var items []sweepItem
		for i := b.locc[s].next(0); i >= 0; i = b.locc[s].next(i + 1) {
			for _, id := range b.cells[s][i] {
				c := &b.cs[id]
				if lp := b.lpOf(c); s == long {
					items = append(items, sweepItem{-lp, -c.ebin, c.lev, id})
				} else {
					items = append(items, sweepItem{lp, c.ebin, c.lev, id})
				}
			}
		}
		slices.SortFunc(items, cmpSweep)
		ex := make([]Exposure, len(items))
		for j, it := range items {
			c := &b.cs[it.id]
			q := c.qty * b.unit(s, int(c.lev))
			lp := b.lpOf(c)
			ex[j] = Exposure{LiqPrice: lp, Qty: q, Notional: q * lp, Leverage: b.cfg.Leverage[c.lev], Entry: c.entry}
		}
		if s == long {
			sn.Longs = ex
		} else {
			sn.Shorts = ex
		}
	}
	return sn
}

// Wave is one round of a shock: the cohorts crossed by the price and the
// impact of their forced orders.
type Wave struct {
	From, To float64 // the price moved from From to To, crossing the wave's cohorts
	Cohorts  int
	Qty      float64 // base
	Notional float64 // quote at the liquidation prices
	// Move is the impact (log price) of all forced orders so far, which
	// sets the next wave's price.
	Move float64
}

// ShockResult is the outcome of Shock.
type ShockResult struct {
	Start   float64 // the price before the shock
	Shocked float64 // after the initial move
	Final   float64 // after the last wave's impact
	Side    perp.Side
	// Notional and Qty liquidated per side (only the side the move goes
	// against is liquidated).
	LongNotional, ShortNotional float64
	LongQty, ShortQty           float64
	Waves                       int  // waves that liquidated something
	Truncated                   bool // stopped by MaxWaves with cohorts still crossed
	Detail                      []Wave
}

// Shock applies an initial move (a fraction: −0.03 is 3% down) to price
// and lets the liquidations cascade: each wave liquidates the cohorts the
// price has crossed, and the price is then set to the shocked price moved
// by the impact of all forced notional so far, ln P = ln P_shocked ∓
// impact.Move(cumulative notional, price). Waves repeat until one
// liquidates nothing or s.MaxWaves is reached. Because the impact is a
// non-decreasing function of cumulative notional, a larger move never
// liquidates less. A nil impact means no feedback (one wave). s is not
// modified.
func Shock(s *Snapshot, price, move float64, impact ImpactModel) ShockResult {
	r := ShockResult{Start: price, Shocked: price, Final: price}
	if s == nil || !(price > 0) || move == 0 || !finite(move) {
		return r
	}
	p1 := math.Max(price*(1+move), 0)
	r.Shocked = p1
	levels, dir := s.Longs, -1.0
	r.Side = perp.Long
	if move > 0 {
		levels, dir = s.Shorts, 1
		r.Side = perp.Short
	}
	crossed := func(lp, p float64) bool {
		if dir < 0 {
			return lp >= p
		}
		return lp <= p
	}
	maxWaves := s.MaxWaves
	if maxWaves <= 0 {
		maxWaves = DefaultMaxShockWaves
	}
	cur, from, cum := p1, price, 0.0
	i := 0
	for w := 0; ; w++ {
		if i >= len(levels) || !crossed(levels[i].LiqPrice, cur) {
			break
		}
		if w == maxWaves {
			r.Truncated = true
			break
		}
		wv := Wave{From: from, To: cur}
		for ; i < len(levels) && crossed(levels[i].LiqPrice, cur); i++ {
			wv.Cohorts++
			wv.Qty += levels[i].Qty
			wv.Notional += levels[i].Notional
		}
		cum += wv.Notional
		if impact != nil {
			wv.Move = impact.Move(cum, price)
		}
		r.Detail = append(r.Detail, wv)
		r.Waves++
		if dir < 0 {
			r.LongNotional += wv.Notional
			r.LongQty += wv.Qty
		} else {
			r.ShortNotional += wv.Notional
			r.ShortQty += wv.Qty
		}
		from = cur
		cur = p1 * math.Exp(dir*wv.Move)
	}
	r.Final = cur
	return r
}

// Shock runs Shock on a snapshot of the book at its last price with its
// calibrated impact model. The book is not changed.
func (b *Book) Shock(move float64) ShockResult {
	return Shock(b.Snapshot(), b.last, move, b.Impact())
}
