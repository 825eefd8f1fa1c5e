package parquetfeed

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// barPath holds the events still to be yielded for the current bar: the
// remaining intra-bar path points and the bar event itself.
type barPath struct {
	pending [4]engine.Event
	n, pos  int

	lastIvStr string
	lastIv    engine.Nanos
	iv        []engine.Nanos // interval of each row of the current batch
	lastEnd   engine.Nanos   // close time of the previous bar
	prevClose float64
}

// next copies the next pending event into ev.
func (b *barPath) next(ev *engine.Event) bool {
	if b.pos >= b.n {
		return false
	}
	*ev = b.pending[b.pos]
	b.pos++
	return true
}

func sign(x float64) int8 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// validateBars checks bar rows [lo, hi) and parses their intervals into
// b.iv.
func (s *kindSource) validateBars(lo, hi int, bad func(i int, col, msg string) error) error {
	c := s.cols
	b := s.barPath
	if cap(b.iv) < len(c[cTS].i64) {
		b.iv = make([]engine.Nanos, len(c[cTS].i64))
	}
	for i := lo; i < hi; i++ {
		ivs := c[cInterval].strs[i]
		if ivs != b.lastIvStr || b.lastIv == 0 {
			d, err := dataset.ParseInterval(ivs)
			if err != nil {
				return bad(i, "interval", err.Error())
			}
			b.lastIvStr, b.lastIv = ivs, engine.Nanos(d/time.Nanosecond)
		}
		b.iv[i] = b.lastIv
		o, h, l, cl, v := c[cOpen].f64[i], c[cHigh].f64[i], c[cLow].f64[i], c[cClose].f64[i], c[cVolume].f64[i]
		for _, x := range [4]struct {
			n string
			v float64
		}{{"open", o}, {"high", h}, {"low", l}, {"close", cl}} {
			if badPositive(x.v) {
				return bad(i, x.n, fmt.Sprintf("got %v, want a finite number > 0", x.v))
			}
		}
		if h < math.Max(o, cl) || l > math.Min(o, cl) {
			return bad(i, "high/low", fmt.Sprintf("high %v and low %v do not enclose open %v and close %v", h, l, o, cl))
		}
		if badNonNeg(v) {
			return bad(i, "volume", fmt.Sprintf("got %v, want a finite number >= 0", v))
		}
		if tb := c[cTakerBuy].f64[i]; badOptNonNeg(tb) {
			return bad(i, "taker_buy_volume", fmt.Sprintf("got %v, want a finite number >= 0 or null", tb))
		}
		ts := engine.Nanos(c[cTS].i64[i])
		if ts < b.lastEnd {
			return bad(i, "ts", fmt.Sprintf("bar opens at %s, before the previous bar closed at %s (overlapping bars of mixed intervals?)", ts, b.lastEnd))
		}
		b.lastEnd = ts + b.lastIv
	}
	return nil
}

// emitBar yields validated bar row i's first path point in s.ev and queues
// the rest of the path and the bar event.
func (s *kindSource) emitBar(i int) {
	c := s.cols
	b := s.barPath
	ts, iv := engine.Nanos(c[cTS].i64[i]), b.iv[i]
	o, h, l, cl, v := c[cOpen].f64[i], c[cHigh].f64[i], c[cLow].f64[i], c[cClose].f64[i], c[cVolume].f64[i]
	// Path: open, nearer extreme, other extreme, close.
	first, second := h, l
	if math.Abs(o-l) <= math.Abs(h-o) {
		first, second = l, h
	}
	pts := [4]float64{o, first, second, cl}
	times := [4]engine.Nanos{ts, ts + iv/3, ts + 2*iv/3, ts + iv - 1}
	q := v / 4
	prev := b.prevClose
	if prev == 0 {
		prev = o
	}
	// The side of a path point is its tick direction; the bar's recorded
	// taker-buy volume, when there is one, splits each point's volume.
	flags, buy := engine.FlagBarPath, 0.0
	if tb := c[cTakerBuy].f64[i]; tb >= 0 && tb <= v {
		flags, buy = flags|engine.FlagBuyQty, tb/4
	}
	var evs [5]engine.Event
	for k := 0; k < 4; k++ {
		evs[k] = engine.Event{TS: times[k], Kind: engine.KindTrade, Price: pts[k], Qty: q, Side: sign(pts[k] - prev), Flags: flags, Value: buy}
		prev = pts[k]
	}
	evs[3].Flags |= engine.FlagBarClose
	evs[4] = engine.Event{TS: ts + iv, Kind: engine.KindBar, Price: cl, Open: o, High: h, Low: l, Qty: v, Value: c[cTakerBuy].f64[i],
		Aux: float64(iv) / float64(engine.Second)}
	b.prevClose = cl
	s.ev = evs[0]
	copy(b.pending[:], evs[1:])
	b.n, b.pos = 4, 0
	if ts+iv >= s.to {
		// The bar event is stamped at the bar's close, the start of the
		// next bar: for the range's last bar, the range's end, outside
		// [from, to). Its path is inside; the event is left out.
		b.n = 3
	}
}
