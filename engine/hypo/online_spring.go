package hypo

import (
	"math"

	"github.com/cascade-research/cascade/engine"
)

// springOnline is wyckoff_spring row by row: the bar in progress is
// aggregated as its rows complete; at a bar's last row (the next row
// starts another bar) its support comes from the same monotonic deque as
// support, a sweep opens an episode, and every open episode (at most
// reclaim_bars+1) is checked against the bar's close.
type springOnline struct {
	g   *engine.Grid
	s   wyckoffSpring
	bar engine.Nanos
	liq liqTrack

	// Bar in progress.
	open       bool
	cur        engine.Nanos // bar number (floorDiv(start, bar))
	h, l, c    float64
	first      liqPrefix // liquidation prefix before the bar's first row
	k          int       // completed bars so far (the bar in progress is bar k)
	lows       []float64 // ring: lows of bars k−lookback..k−1 at lows[b % len]
	dq         []int     // support deque (bar numbers with increasing lows), from dqHead on
	dqHead     int
	nan        int // NaN lows in the support window
	pending    []episode
	on         bool
	feat       [4]float64 // features at the current row when on
	featSet    bool
	lookbackN1 int
}

// episode is an open sweep: bar k swept below support S.
type episode struct {
	k        int
	support  float64
	floor    float64
	depth    float64 // 1 − Low_k/S
	liqFirst liqPrefix
}

func newSpringOnline(g *engine.Grid, s wyckoffSpring, col LiqColumn) *springOnline {
	return &springOnline{g: g, s: s, bar: engine.Nanos(s.bar), liq: liqTrack{mode: col},
		lows: make([]float64, s.lookback+1), lookbackN1: s.lookback + 1}
}

func (p *springOnline) step(i int) bool {
	g := p.g
	p.on, p.featSet = false, false
	before := p.liq.prefix()
	p.liq.add(g, i)
	t := g.Time(i)
	if b := floorDiv(t, p.bar); !p.open || b != p.cur {
		p.open, p.cur = true, b
		p.h, p.l, p.c = g.High[i], g.Low[i], g.Close[i]
		p.first = before
	} else {
		p.h = math.Max(p.h, g.High[i])
		p.l = math.Min(p.l, g.Low[i])
		p.c = g.Close[i]
	}
	if t+g.Step < (p.cur+1)*p.bar {
		return false // the bar goes on
	}
	p.open = false
	p.closeBar()
	return p.on
}

// closeBar handles the close of bar k (the last row just stepped).
func (p *springOnline) closeBar() {
	k, lb := p.k, p.s.lookback
	p.k++
	// Support of bar k, then bar k enters the window: as support.
	S := math.NaN()
	if k >= lb && p.nan == 0 && len(p.dq) > p.dqHead {
		S = p.low(p.dq[p.dqHead])
	}
	p.lows[k%p.lookbackN1] = p.l
	if math.IsNaN(p.l) {
		p.nan++
	} else {
		for len(p.dq) > p.dqHead && p.low(p.dq[len(p.dq)-1]) >= p.l {
			p.dq = p.dq[:len(p.dq)-1]
		}
		p.dq = append(p.dq, k)
	}
	if old := k - lb + 1; old > 0 {
		if math.IsNaN(p.low(old - 1)) {
			p.nan--
		}
		if len(p.dq) > p.dqHead && p.dq[p.dqHead] <= old-1 {
			p.dqHead++
		}
	}
	if p.dqHead > 64 && 2*p.dqHead > len(p.dq) {
		n := copy(p.dq, p.dq[p.dqHead:])
		p.dq, p.dqHead = p.dq[:n], 0
	}
	// A sweep opens an episode.
	if k >= lb {
		floor := S * (1 - p.s.sweepMax)
		if p.l < S && p.l >= floor {
			p.pending = append(p.pending, episode{k: k, support: S, floor: floor, depth: 1 - p.l/S, liqFirst: p.first})
		}
	}
	// Every open episode (ascending k: the first to fire gives the
	// features, as in Fire) meets bar k.
	now := p.liq.prefix()
	keep := p.pending[:0]
	for _, e := range p.pending {
		switch {
		case p.c < e.floor:
			continue
		case p.c > e.support:
			l := p.liq.sum(e.liqFirst, now)
			if p.s.liqBurst > 0 && l < p.s.liqBurst {
				continue
			}
			p.on = true
			if !p.featSet {
				p.feat, p.featSet = [4]float64{e.support, e.depth, float64(k - e.k), l}, true
			}
			continue
		}
		if k < e.k+p.s.reclaim {
			keep = append(keep, e)
		}
	}
	p.pending = keep
}

// low is the low of bar b, one of the last lookback+1 bars.
func (p *springOnline) low(b int) float64 { return p.lows[b%p.lookbackN1] }

func (p *springOnline) values(i int, dst []float64) {
	if !p.featSet {
		fillNaN(dst[:4])
		return
	}
	copy(dst, p.feat[:])
}

func (p *springOnline) features() []string {
	return []string{"support", "depth", "reclaim_bars", "liq_long"}
}
func (p *springOnline) name() string { return "wyckoff_spring" }
