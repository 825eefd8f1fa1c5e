package liquidation

import (
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// ImpactModel turns forced-order notional into a price move.
type ImpactModel interface {
	// Move returns the log-price move (>= 0, in the direction of the
	// orders) caused by executing notional (quote) of same-direction
	// orders as one metaorder, at reference price. It must be
	// non-decreasing in notional.
	Move(notional, price float64) float64
}

// SqrtImpact is the square-root law: Δln P = Coefficient·DailyVol·
// sqrt(notional/DailyVolume). A zero or unknown daily volume or
// volatility gives no impact. MaxMove, if positive, caps the move.
type SqrtImpact struct {
	Coefficient float64 // Y, dimensionless (typically 0.5–1)
	DailyVolume float64 // traded notional per day (quote)
	DailyVol    float64 // daily volatility (fraction, log-return sd)
	MaxMove     float64 // cap on the move (0 = none)
}

// Move implements ImpactModel.
func (m SqrtImpact) Move(notional, _ float64) float64 {
	if !(notional > 0 && m.DailyVolume > 0 && m.DailyVol > 0 && m.Coefficient > 0) {
		return 0
	}
	x := m.Coefficient * m.DailyVol * math.Sqrt(notional/m.DailyVolume)
	if m.MaxMove > 0 {
		x = math.Min(x, m.MaxMove)
	}
	return x
}

// calBuckets is the number of buckets a Calibrator's window is split into.
const calBuckets = 288

// Calibrator keeps the rolling traded notional and realised volatility
// over a window, in calBuckets equal buckets (5 minutes for a 24-hour
// window): volume is summed per bucket and volatility is the root of the
// summed squared log returns between bucket closes, both scaled to a day
// over the completed buckets in the window. Adding a trade is O(1) and
// does not allocate; a bucket roll is O(1) per bucket closed. The window
// sums are recomputed from the buckets, in ring order, when they are next
// read (O(calBuckets), once per roll at most), so they carry no running
// float drift and do not depend on how often they are read. A Calibrator
// is not safe for concurrent use (reading it may update those sums).
type Calibrator struct {
	next  engine.Nanos // end of the current bucket (0: not started)
	cur   float64      // quote volume in the current bucket
	last  float64      // last price
	width engine.Nanos

	prevClose float64
	vol, r2   []float64 // completed buckets, a ring; r2 < 0: no return
	head      int
	filled    int
	sumV      float64
	sumR2     float64
	nR2       int
	stale     bool // the buckets changed since the sums were computed
}

// NewCalibrator returns a calibrator over window (at least a minute).
func NewCalibrator(window time.Duration) *Calibrator {
	w := engine.Nanos(window) / calBuckets
	if w <= 0 {
		w = 1
	}
	c := &Calibrator{width: w, vol: make([]float64, calBuckets), r2: make([]float64, calBuckets)}
	for i := range c.r2 {
		c.r2[i] = -1
	}
	return c
}

// Add records a trade of qty base units at price (or a bar's volume at
// its close).
func (c *Calibrator) Add(ts engine.Nanos, price, qty float64) {
	if !(price > 0 && price <= math.MaxFloat64) {
		return
	}
	if ts >= c.next {
		c.roll(ts)
	}
	if qty > 0 && qty <= math.MaxFloat64 {
		c.cur += price * qty
	}
	c.last = price
}

// roll closes the buckets that ended at or before ts.
func (c *Calibrator) roll(ts engine.Nanos) {
	if c.next == 0 {
		c.next = engine.Nanos(floorDiv(int64(ts), int64(c.width))+1) * c.width
		return
	}
	n := len(c.vol)
	for k := 0; ts >= c.next; k++ {
		if k >= n { // a gap longer than the window: skip to ts
			c.next = engine.Nanos(floorDiv(int64(ts), int64(c.width))+1) * c.width
			break
		}
		r := -1.0
		if c.prevClose > 0 && c.last > 0 {
			x := math.Log(c.last / c.prevClose)
			r = x * x
		}
		if c.last > 0 {
			c.prevClose = c.last
		}
		c.vol[c.head], c.r2[c.head] = c.cur, r
		c.head = (c.head + 1) % n
		c.filled++
		c.cur = 0
		c.next += c.width
	}
	c.stale = true
}

// sums recomputes the window sums if the buckets changed.
func (c *Calibrator) sums() {
	if !c.stale {
		return
	}
	c.stale = false
	c.sumV, c.sumR2, c.nR2 = 0, 0, 0
	for i := range len(c.vol) {
		c.sumV += c.vol[i]
		if c.r2[i] >= 0 {
			c.sumR2 += c.r2[i]
			c.nR2++
		}
	}
}

// Ready reports whether at least one bucket with a return has completed.
func (c *Calibrator) Ready() bool {
	c.sums()
	return c.nR2 > 0 && c.sumV > 0
}

// DailyVolume returns the traded notional (quote) per day over the
// completed buckets in the window (0 if none).
func (c *Calibrator) DailyVolume() float64 {
	m := min(c.filled, len(c.vol))
	if m == 0 {
		return 0
	}
	c.sums()
	return c.sumV * float64(engine.Day) / (float64(m) * float64(c.width))
}

// DailyVol returns the daily volatility (log-return sd) over the
// completed buckets in the window (0 if none).
func (c *Calibrator) DailyVol() float64 {
	c.sums()
	if c.nR2 == 0 {
		return 0
	}
	return math.Sqrt(c.sumR2 * float64(engine.Day) / (float64(c.nR2) * float64(c.width)))
}

// Impact returns the square-root model with the calibrated volume and
// volatility.
func (c *Calibrator) Impact(cfg ImpactConfig) SqrtImpact {
	return SqrtImpact{Coefficient: cfg.Coefficient, DailyVolume: c.DailyVolume(), DailyVol: c.DailyVol(), MaxMove: cfg.MaxMove}
}

// Impact returns the book's impact model, calibrated on the trades (or
// bars) it has seen over Config.Impact.Window.
func (b *Book) Impact() SqrtImpact { return b.cal.Impact(b.cfg.Impact) }
