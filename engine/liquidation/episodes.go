package liquidation

import (
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// Episode is a liquidation cascade: a run of liquidations of one side,
// each less than CascadeGap after the previous one.
type Episode struct {
	Start, End engine.Nanos // first and last liquidation
	Side       perp.Side    // the side liquidated
	Notional   float64      // quote, at the liquidation prices
	Qty        float64      // base
	Count      int          // liquidations (cohorts)
	// Waves counts the bursts: maximal runs of liquidations each at most
	// WaveGap after the previous one (with WaveGap 0, the distinct
	// timestamps); with Config.EpisodeBucket, the distinct buckets (e.g.
	// minutes) holding liquidations.
	Waves int
	// PriceStart and PriceEnd are the execution prices of the first and
	// last liquidation; Move = PriceEnd/PriceStart − 1 (negative for a
	// long cascade that pushed the price down).
	PriceStart, PriceEnd float64
	Move                 float64
}

// Episodes groups a time-ordered stream of liquidations into episodes,
// streaming: each Add is O(1) and allocates nothing. An episode is
// emitted (to the callback given to NewEpisodes) once it is closed: when
// a liquidation or Advance comes at least CascadeGap after its last
// liquidation, or on Flush. Episodes below Config.EpisodeMinNotional are
// dropped. Long and short episodes run independently; when both close at
// once, the one that started first is emitted first (longs on ties).
type Episodes struct {
	gap, waveGap engine.Nanos
	bucket       engine.Nanos // 0: continuous time
	min          float64
	open         [2]Episode
	last         [2]engine.Nanos // grouping time of the open episode's last liquidation
	active       [2]bool
	emit         func(Episode)
}

// NewEpisodes returns a grouper with cfg's CascadeGap, WaveGap,
// EpisodeBucket and EpisodeMinNotional that passes closed episodes to
// emit.
func NewEpisodes(cfg Config, emit func(Episode)) *Episodes {
	return &Episodes{gap: engine.Nanos(cfg.CascadeGap), waveGap: engine.Nanos(cfg.WaveGap), bucket: engine.Nanos(cfg.EpisodeBucket),
		min: cfg.EpisodeMinNotional, emit: emit}
}

// at is the time the grouping uses: ts, or the start of its bucket.
func (x *Episodes) at(ts engine.Nanos) engine.Nanos {
	if x.bucket <= 0 {
		return ts
	}
	return engine.Nanos(floorDiv(int64(ts), int64(x.bucket)) * int64(x.bucket))
}

// Add feeds one liquidation; liquidations must come in time order.
func (x *Episodes) Add(l Liquidation) {
	x.Advance(l.TS)
	s := long
	if l.Side < 0 {
		s = short
	}
	e := &x.open[s]
	t := x.at(l.TS)
	if !x.active[s] {
		x.active[s] = true
		*e = Episode{Start: l.TS, End: l.TS, Side: l.Side, Waves: 1, PriceStart: l.Price}
	} else if x.bucket > 0 && t != x.last[s] || x.bucket <= 0 && l.TS-e.End > x.waveGap {
		e.Waves++
	}
	x.last[s] = t
	e.End = l.TS
	e.Notional += l.Notional
	e.Qty += l.Qty
	e.Count++
	e.PriceEnd = l.Price
}

// Advance closes the episodes whose last liquidation is at least
// CascadeGap before now (with EpisodeBucket: whose bucket starts at least
// CascadeGap before now's).
func (x *Episodes) Advance(now engine.Nanos) {
	t := x.at(now)
	dl := x.active[long] && t-x.last[long] >= x.gap
	ds := x.active[short] && t-x.last[short] >= x.gap
	x.close(dl, ds)
}

// Flush closes every open episode (at the end of a stream).
func (x *Episodes) Flush() { x.close(x.active[long], x.active[short]) }

func (x *Episodes) close(dl, ds bool) {
	if dl && ds && x.open[short].Start < x.open[long].Start {
		x.finish(short)
		x.finish(long)
		return
	}
	if dl {
		x.finish(long)
	}
	if ds {
		x.finish(short)
	}
}

func (x *Episodes) finish(s int) {
	x.active[s] = false
	e := x.open[s]
	if e.PriceStart > 0 {
		e.Move = e.PriceEnd/e.PriceStart - 1
	}
	if e.Notional >= x.min && x.emit != nil {
		x.emit(e)
	}
}
