package hypo

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// bars is the grid aggregated into bars aligned to multiples of the bar
// interval since the Unix epoch (hourly bars start on the hour). The first
// bar may be partial (the grid started inside it); an unfinished last bar
// is dropped.
type bars struct {
	first, last []int // grid steps of each bar
	o, h, l, c  []float64
}

func floorDiv(a, b engine.Nanos) engine.Nanos {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (env *Env) bars(bar time.Duration) *bars {
	return cached(env, "bars:"+FormatDuration(bar), func() *bars {
		g := env.Grid
		B := engine.Nanos(bar)
		out := &bars{}
		cur := engine.Nanos(math.MinInt64)
		for i := range g.Len() {
			k := floorDiv(g.Time(i), B)
			if k != cur {
				cur = k
				out.first = append(out.first, i)
				out.last = append(out.last, i)
				out.o = append(out.o, g.Open[i])
				out.h = append(out.h, g.High[i])
				out.l = append(out.l, g.Low[i])
				out.c = append(out.c, g.Close[i])
				continue
			}
			b := len(out.c) - 1
			out.last[b] = i
			out.h[b] = math.Max(out.h[b], g.High[i])
			out.l[b] = math.Min(out.l[b], g.Low[i])
			out.c[b] = g.Close[i]
		}
		if nb := len(out.c); nb > 0 {
			end := (cur + 1) * B
			if g.Time(out.last[nb-1])+g.Step < end {
				out.first, out.last = out.first[:nb-1], out.last[:nb-1]
				out.o, out.h, out.l, out.c = out.o[:nb-1], out.h[:nb-1], out.l[:nb-1], out.c[:nb-1]
			}
		}
		return out
	})
}

// support returns, per bar k, the lowest low of bars k−lookback..k−1 (NaN
// when k < lookback or a low in the window is NaN).
func (env *Env) support(bar time.Duration, lookback int) []float64 {
	return cached(env, fmt.Sprintf("support:%s:%d", FormatDuration(bar), lookback), func() []float64 {
		b := env.bars(bar)
		nb := len(b.l)
		out := make([]float64, nb)
		dq := make([]int, 0, lookback+1) // indices with increasing lows
		nan := 0                         // NaN lows in the window
		for k := range nb {
			out[k] = math.NaN()
			if k >= lookback && nan == 0 && len(dq) > 0 {
				out[k] = b.l[dq[0]]
			}
			// add bar k to the window for k+1, drop bar k−lookback
			if math.IsNaN(b.l[k]) {
				nan++
			} else {
				for len(dq) > 0 && b.l[dq[len(dq)-1]] >= b.l[k] {
					dq = dq[:len(dq)-1]
				}
				dq = append(dq, k)
			}
			if old := k - lookback + 1; old > 0 {
				if math.IsNaN(b.l[old-1]) {
					nan--
				}
				if len(dq) > 0 && dq[0] <= old-1 {
					dq = dq[1:]
				}
			}
		}
		return out
	})
}

type wyckoffSpring struct {
	bar      time.Duration
	lookback int
	sweepMax float64
	reclaim  int
	liqBurst float64
}

func (s wyckoffSpring) Fire(env *Env) (*Fired, error) {
	g := env.Grid
	if engine.Nanos(s.bar) < g.Step {
		return nil, fmt.Errorf("wyckoff_spring: bar %s is shorter than the grid step %s", s.bar, time.Duration(g.Step))
	}
	b := env.bars(s.bar)
	sup := env.support(s.bar, s.lookback)
	liq := env.longLiq()
	nb := len(b.c)
	on := make([]bool, g.Len())
	type feat struct{ support, depth, bars, liq float64 }
	feats := map[int]feat{}
	for k := s.lookback; k < nb; k++ {
		S := sup[k]
		floor := S * (1 - s.sweepMax)
		if !(b.l[k] < S && b.l[k] >= floor) {
			continue
		}
		for j := k; j < nb && j <= k+s.reclaim; j++ {
			if b.c[j] < floor {
				break
			}
			if b.c[j] > S {
				l := liq.sum(b.first[k], b.last[j])
				if s.liqBurst > 0 && l < s.liqBurst {
					break
				}
				i := b.last[j]
				on[i] = true
				if _, ok := feats[i]; !ok {
					feats[i] = feat{S, 1 - b.l[k]/S, float64(j - k), l}
				}
				break
			}
		}
	}
	src := ""
	if s.liqBurst > 0 {
		src = liq.source
	}
	return &Fired{Name: "wyckoff_spring", On: on, Source: src, Features: []string{"support", "depth", "reclaim_bars", "liq_long"},
		Values: func(i int, dst []float64) {
			f, ok := feats[i]
			if !ok {
				f = feat{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
			}
			dst[0], dst[1], dst[2], dst[3] = f.support, f.depth, f.bars, f.liq
		}}, nil
}
