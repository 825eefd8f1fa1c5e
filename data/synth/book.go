package synth

import (
	"math"

	"github.com/cascade-research/cascade/engine/perp"
)

// Leverage buckets of new cohorts and their base weights (by notional).
var (
	levBuckets = [...]float64{2, 3, 5, 10, 20, 25, 50, 75, 100, 125}
	levWeights = [...]float64{10, 12, 20, 25, 13, 8, 6, 3, 2, 1}
)

// holdHalfLifeDays is how long a cohort of leverage l keeps half its
// positions open: higher leverage is held for shorter.
func holdHalfLifeDays(l float64) float64 { return 4 / math.Sqrt(l) }

// cohort is a group of identical isolated-margin positions opened together.
// The liquidation price is that of one representative account (ticket),
// so it does not depend on how many accounts the cohort holds.
type cohort struct {
	side   int8    // +1 long, -1 short
	qty    float64 // base units, all accounts
	entry  float64 // entry price
	lev    float64 // initial leverage
	ticket float64 // one account's position (base)
	margin float64 // one account's isolated margin (quote)
	liq    float64 // liquidation price of the account
	surv   float64 // fraction still open after each 5-minute step
}

// book is the leveraged positioning of one market. New positions of each
// side and leverage bucket accumulate for an hour in an open cohort (at
// their volume-weighted entry), which is then sealed into the list of
// older cohorts; the list keeps opening order (never reordered, so results
// are deterministic).
type book struct {
	bs          perp.Brackets
	c           []cohort
	cur         [2][len(levBuckets)]cohort // this hour's cohorts; qty 0 = empty
	longQty     float64
	shortQty    float64
	maxLongLiq  float64 // highest long liquidation price (0 if none)
	minShortLiq float64 // lowest short liquidation price (+Inf if none)
	minQty      float64 // cohorts below this are closed
}

func newBook(bs perp.Brackets, minQty float64) *book {
	return &book{bs: bs, minShortLiq: math.Inf(1), minQty: minQty}
}

// liqPrice computes the cohort's isolated liquidation price with the tiered
// brackets.
func (b *book) liqPrice(c *cohort) float64 {
	lp, _ := b.bs.IsolatedLiquidationPrice(perp.Side(c.side), c.ticket, c.entry, c.margin)
	return lp
}

// open adds qty base units at price entry to this hour's cohort of the side
// and leverage bucket li. A new cohort's account notional is ticketQuote,
// capped by the brackets' maximum for its leverage.
func (b *book) open(side int8, li int, qty, entry, ticketQuote float64) {
	if qty <= 0 || entry <= 0 {
		return
	}
	c := &b.cur[sideIdx(side)][li]
	lev := levBuckets[li]
	if c.qty == 0 {
		ticketQuote = math.Min(ticketQuote, b.bs.MaxNotional(lev))
		*c = cohort{side: side, lev: lev, entry: entry, ticket: ticketQuote / entry,
			surv: math.Exp(-math.Ln2 * 5 / (holdHalfLifeDays(lev) * 1440))}
	} else {
		c.entry = (c.entry*c.qty + entry*qty) / (c.qty + qty)
	}
	c.qty += qty
	c.margin = c.ticket * c.entry / lev
	c.liq = b.liqPrice(c)
	b.add(c)
}

// seal moves this hour's cohorts into the list of older cohorts.
func (b *book) seal() {
	for s := range b.cur {
		for i := range b.cur[s] {
			if c := &b.cur[s][i]; c.qty > 0 {
				b.c = append(b.c, *c)
				*c = cohort{}
			}
		}
	}
}

// each calls f on every live cohort: the older ones, then this hour's.
func (b *book) each(f func(c *cohort)) {
	for i := range b.c {
		f(&b.c[i])
	}
	for s := range b.cur {
		for i := range b.cur[s] {
			if c := &b.cur[s][i]; c.qty > 0 {
				f(c)
			}
		}
	}
}

// compact drops the older cohorts whose qty is 0 and recounts the totals.
func (b *book) compact() {
	k := 0
	for _, c := range b.c {
		if c.qty > 0 {
			b.c[k] = c
			k++
		}
	}
	b.c = b.c[:k]
	b.longQty, b.shortQty, b.maxLongLiq, b.minShortLiq = 0, 0, 0, math.Inf(1)
	b.each(b.add)
}

func (b *book) add(c *cohort) {
	if c.side > 0 {
		b.longQty += c.qty
		b.maxLongLiq = math.Max(b.maxLongLiq, c.liq)
	} else {
		b.shortQty += c.qty
		b.minShortLiq = math.Min(b.minShortLiq, c.liq)
	}
}

// decay closes the voluntarily exited share of every cohort (one 5-minute
// step) and drops cohorts that have become negligible.
func (b *book) decay() {
	b.each(func(c *cohort) {
		if c.qty *= c.surv; c.qty < b.minQty {
			c.qty = 0
		}
	})
	b.compact()
}

// fund settles a funding payment at rate and mark against every cohort's
// isolated margin (payers lose margin, receivers gain it) and recomputes
// the liquidation prices.
func (b *book) fund(mark, rate float64) {
	b.each(func(c *cohort) {
		c.margin -= float64(c.side) * c.ticket * mark * rate
		c.liq = b.liqPrice(c)
	})
	b.compact()
}

// liquidate removes every long cohort whose liquidation price is at or
// above low and every short cohort whose price is at or below high. It
// returns the liquidated quantities (base) and notionals (quote, at the
// liquidation prices) per side.
func (b *book) liquidate(low, high float64) (longQty, longNotional, shortQty, shortNotional float64) {
	if low > b.maxLongLiq && high < b.minShortLiq {
		return
	}
	b.each(func(c *cohort) {
		switch {
		case c.side > 0 && c.liq >= low:
			longQty += c.qty
			longNotional += c.qty * c.liq
			c.qty = 0
		case c.side < 0 && c.liq <= high:
			shortQty += c.qty
			shortNotional += c.qty * c.liq
			c.qty = 0
		}
	})
	b.compact()
	return
}

// exposure returns the notional (quote) of long cohorts liquidated if the
// price fell to p·(1−frac) and of short cohorts liquidated if it rose to
// p·(1+frac).
func (b *book) exposure(p, frac float64) (long, short float64) {
	lo, hi := p*(1-frac), p*(1+frac)
	b.each(func(c *cohort) {
		if c.side > 0 && c.liq >= lo && c.liq < p {
			long += c.qty * c.liq
		} else if c.side < 0 && c.liq <= hi && c.liq > p {
			short += c.qty * c.liq
		}
	})
	return
}

// imbalance is (long − short)/(long + short) of the leveraged book.
func (b *book) imbalance() float64 {
	t := b.longQty + b.shortQty
	if t <= 0 {
		return 0
	}
	return (b.longQty - b.shortQty) / t
}

// levMix returns the leverage mix of new positions as fractions; tilt > 0
// makes leverage of 20x and above (1+tilt) times as likely.
func levMix(tilt float64) (w [len(levWeights)]float64) {
	total := 0.0
	for i, x := range levWeights {
		if levBuckets[i] >= 20 {
			x *= 1 + tilt
		}
		w[i] = x
		total += x
	}
	for i := range w {
		w[i] /= total
	}
	return w
}

// steadyStock returns the leveraged open interest that one unit of opens
// per 5-minute step sustains at the base leverage mix: Σ wᵢ/(1−survᵢ).
func steadyStock() float64 {
	total, s := 0.0, 0.0
	for _, w := range levWeights {
		total += w
	}
	for i, w := range levWeights {
		surv := math.Exp(-math.Ln2 * 5 / (holdHalfLifeDays(levBuckets[i]) * 1440))
		s += w / total / (1 - surv)
	}
	return s
}
