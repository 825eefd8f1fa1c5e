package hypo

import (
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// pathBlock is the block size of the High/Low summaries that make path
// scans (MFE, MAE, first passage) cost O(H/pathBlock + pathBlock).
const pathBlock = 64

// path answers questions about the price path after a step.
type path struct {
	g      *engine.Grid
	bh, bl []float64 // per block: max High, min Low (NaN ignored)
}

func newPath(g *engine.Grid) *path {
	n := g.Len()
	nb := (n + pathBlock - 1) / pathBlock
	p := &path{g: g, bh: make([]float64, nb), bl: make([]float64, nb)}
	for b := range nb {
		hi, lo := math.Inf(-1), math.Inf(1)
		for j := b * pathBlock; j < min(n, (b+1)*pathBlock); j++ {
			if g.High[j] > hi {
				hi = g.High[j]
			}
			if g.Low[j] < lo {
				lo = g.Low[j]
			}
		}
		p.bh[b], p.bl[b] = hi, lo
	}
	return p
}

// extremes returns the highest High and lowest Low over steps from..to
// (inclusive); NaN values are ignored.
func (p *path) extremes(from, to int) (hi, lo float64) {
	g := p.g
	hi, lo = math.Inf(-1), math.Inf(1)
	j := from
	for ; j <= to && j%pathBlock != 0; j++ {
		if g.High[j] > hi {
			hi = g.High[j]
		}
		if g.Low[j] < lo {
			lo = g.Low[j]
		}
	}
	for ; j+pathBlock-1 <= to; j += pathBlock {
		b := j / pathBlock
		if p.bh[b] > hi {
			hi = p.bh[b]
		}
		if p.bl[b] < lo {
			lo = p.bl[b]
		}
	}
	for ; j <= to; j++ {
		if g.High[j] > hi {
			hi = g.High[j]
		}
		if g.Low[j] < lo {
			lo = g.Low[j]
		}
	}
	return hi, lo
}

// firstCross returns the first step j in from..to (inclusive) whose High
// reaches up or whose Low reaches dn, and which of the two happened; j =
// -1 if neither.
func (p *path) firstCross(from, to int, up, dn float64) (j int, hitUp, hitDn bool) {
	g := p.g
	j = from
	for ; j <= to && j%pathBlock != 0; j++ {
		if g.High[j] >= up || g.Low[j] <= dn {
			return j, g.High[j] >= up, g.Low[j] <= dn
		}
	}
	for ; j+pathBlock-1 <= to; j += pathBlock {
		b := j / pathBlock
		if p.bh[b] >= up || p.bl[b] <= dn {
			break
		}
	}
	for ; j <= to; j++ {
		if g.High[j] >= up || g.Low[j] <= dn {
			return j, g.High[j] >= up, g.Low[j] <= dn
		}
	}
	return -1, false, false
}

// tbs is "target before stop" for an entry at the close of step i over
// steps i+1..i+h: +1 target first, −1 stop first, 0 neither; at is the
// step where it was decided (-1 if neither). Side +1: +target vs −stop;
// side −1: −target vs +stop; side 0: ±target, no stop. A step that
// reaches both counts as stop first (conservative: the order inside a
// step is unknown).
func (p *path) tbs(i, h, side int, target, stop float64) (res int8, at int) {
	e := p.g.Close[i]
	to := min(i+h, p.g.Len()-1)
	var up, dn float64
	switch side {
	case 1:
		up, dn = e*(1+target), e*(1-stop)
	case -1:
		up, dn = e*(1+stop), e*(1-target)
	default:
		up, dn = e*(1+target), e*(1-target)
	}
	j, hu, hd := p.firstCross(i+1, to, up, dn)
	switch {
	case j < 0:
		return 0, -1
	case side == 0:
		return 1, j
	case hu && hd:
		return -1, j
	case (side == 1) == hu:
		return 1, j
	}
	return -1, j
}

// isCascade reports whether step j is a cascade step and its direction:
// +1 when short liquidations dominate (price squeezed up), −1 when long
// liquidations dominate (price flushed down).
func isCascade(g *engine.Grid, j int, share, floor float64) int8 {
	l, s := g.EstLiqLong[j], g.EstLiqShort[j]
	big, small, dir := l, s, int8(-1)
	if s > l {
		big, small, dir = s, l, 1
	}
	thr := floor
	if v := oiValue(g, j); !math.IsNaN(v) {
		thr = math.Max(thr, share*v)
	}
	if big > 0 && big >= thr && big >= 2*small {
		return dir
	}
	return 0
}

// cascades holds, per step, the next cascade step after it.
type cascades struct {
	next []int32 // first cascade step > i, or -1
	dir  []int8  // direction of step i if it is a cascade step
	none bool    // the grid has no estimated liquidations
}

func (env *Env) cascades() *cascades {
	return cached(env, "cascades", func() *cascades {
		g := env.Grid
		n := g.Len()
		c := &cascades{next: make([]int32, n), dir: make([]int8, n)}
		if !anyPositive(g.EstLiqLong, n) && !anyPositive(g.EstLiqShort, n) || len(g.EstLiqLong) != n || len(g.EstLiqShort) != n {
			c.none = true
			for i := range c.next {
				c.next[i] = -1
			}
			return c
		}
		nxt := int32(-1)
		for i := n - 1; i >= 0; i-- {
			c.next[i] = nxt
			c.dir[i] = isCascade(g, i, env.Opt.CascadeShare, env.Opt.CascadeMin)
			if c.dir[i] != 0 {
				nxt = int32(i)
			}
		}
		return c
	})
}

// outcome computes an event's outcomes at step i (entry = Close[i]).
func (r *specRun) outcome(i int, ev *Event) {
	g := r.env.Grid
	n := g.Len()
	e := g.Close[i]
	ev.Entry = e
	ev.Returns = make([]float64, len(r.hs))
	for k, h := range r.hs {
		ev.Returns[k] = math.NaN()
		if i+h < n {
			ev.Returns[k] = g.Close[i+h]/e - 1
		}
	}
	H := r.hmax
	ev.MFE, ev.MAE = math.NaN(), math.NaN()
	if i+1 < n {
		hi, lo := r.path.extremes(i+1, min(i+H, n-1))
		up, down := hi/e-1, lo/e-1
		if r.sp.Side == -1 {
			ev.MFE, ev.MAE = -down, -up
		} else {
			ev.MFE, ev.MAE = up, down
		}
	}
	res, at := r.path.tbs(i, H, r.sp.Side, r.sp.Target, r.sp.Stop)
	ev.TBS, ev.TimeToTarget = res, -1
	if res == 1 {
		ev.TimeToTarget = time.Duration(engine.Nanos(at-i) * g.Step)
	}
	c := r.env.cascades()
	ev.NextCascadeIn = -1
	if j := c.next[i]; j >= 0 {
		ev.NextCascade = c.dir[j]
		ev.NextCascadeIn = time.Duration(engine.Nanos(int(j)-i) * g.Step)
	}
}
