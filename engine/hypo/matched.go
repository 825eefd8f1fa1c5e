package hypo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cascade-research/cascade/engine/stats"
)

// The matched baseline (StatsConfig.Baseline "matched"): each event is
// compared with the baseline rows of its sample in the same cell of market
// state (trailing volatility bin × trailing return bin). The package
// documentation has the definitions; this file computes them.

// matchState is the market state the matched baseline conditions on, per
// grid step, from data up to the close of the step: the realised
// volatility sqrt(Σ r_j²) of the log returns r_j = ln(Close[j]/Close[j−1]),
// j = i−W+1..i, and the return Close[i]/Close[i−W] − 1, W =
// ceil(MatchWindow/Step); NaN when i < W or a close in i−W..i is not
// finite and positive.
type matchState struct{ vol, ret []float64 }

func (env *Env) matchState() *matchState {
	return cached(env, "match:state", func() *matchState {
		g := env.Grid
		n := g.Len()
		w := stepsOf(env.Opt.MatchWindow, g.Step)
		ss := make([]float64, n+1) // ss[i+1] = Σ r_j² over j <= i (r_0 = 0)
		bad := make([]int32, n+1)  // bad[i+1] = closes j <= i not finite and positive
		for i := range n {
			var x float64
			if i > 0 && finitePos(g.Close[i]) && finitePos(g.Close[i-1]) {
				l := math.Log(g.Close[i] / g.Close[i-1])
				x = l * l
			}
			ss[i+1] = ss[i] + x
			bad[i+1] = bad[i]
			if !finitePos(g.Close[i]) {
				bad[i+1]++
			}
		}
		st := &matchState{vol: make([]float64, n), ret: make([]float64, n)}
		for i := range n {
			st.vol[i], st.ret[i] = math.NaN(), math.NaN()
			if i < w || bad[i+1] != bad[i-w] {
				continue
			}
			st.vol[i] = math.Sqrt(math.Max(0, ss[i+1]-ss[i-w+1]))
			st.ret[i] = g.Close[i]/g.Close[i-w] - 1
		}
		return st
	})
}

// cellStats are the per-cell sums of a sample's baseline rows (shared by
// the variants of a spec): controls, per horizon Σy, Σy² and hits
// (index c·nh+h), target-before-stop hits, and independent episodes per
// cell and per volatility bin.
type cellStats struct {
	cnt, tbs     []int
	sy, syy, hit []float64
	ep, epV      []int
}

// matchCells cuts the sample's state into bins at the quantiles of its
// baseline rows, labels each row with its cell and sums the cells.
// tbsHit[j] reports target before stop at row j.
func (r *specRun) matchCells(s *sampleRun, tbsHit []bool) {
	opt := r.env.Opt
	st := r.state
	vol := make([]float64, len(s.rows))
	ret := make([]float64, len(s.rows))
	for j, row := range s.rows {
		vol[j], ret[j] = st.vol[row], st.ret[row]
	}
	s.vEdges = stats.QuantileEdges(vol, opt.MatchVolBins)
	s.rEdges = stats.QuantileEdges(ret, opt.MatchRetBins)
	s.cell = make([]int16, len(s.rows))
	nh, rb, nc := len(r.hs), opt.MatchRetBins, opt.MatchVolBins*opt.MatchRetBins
	cs := &cellStats{cnt: make([]int, nc), tbs: make([]int, nc), sy: make([]float64, nc*nh), syy: make([]float64, nc*nh),
		hit: make([]float64, nc*nh), ep: make([]int, nc), epV: make([]int, opt.MatchVolBins)}
	last, lastV := make([]int32, nc), make([]int32, opt.MatchVolBins)
	H := int32(r.hmax)
	for j, row := range s.rows {
		c := r.cellOf(s, vol[j], ret[j])
		s.cell[j] = int16(c)
		if c < 0 {
			continue
		}
		cs.cnt[c]++
		if tbsHit[j] {
			cs.tbs[c]++
		}
		for h := range nh {
			y := s.y[h][j]
			cs.sy[c*nh+h] += y
			cs.syy[c*nh+h] += y * y
			if r.isHit(y, s.med[h]) {
				cs.hit[c*nh+h]++
			}
		}
		if cs.ep[c] == 0 || row-last[c] >= H {
			cs.ep[c]++
			last[c] = row
		}
		if vb := c / rb; cs.epV[vb] == 0 || row-lastV[vb] >= H {
			cs.epV[vb]++
			lastV[vb] = row
		}
	}
	s.cells = cs
}

// cellOf is the cell of a state (volatility bin × return bins + return
// bin), or -1 when the state is undefined.
func (r *specRun) cellOf(s *sampleRun, vol, ret float64) int {
	if math.IsNaN(vol) || math.IsNaN(ret) {
		return -1
	}
	return stats.Bin(s.vEdges, vol)*r.env.Opt.MatchRetBins + stats.Bin(s.rEdges, ret)
}

// matchSet is one variant's matched baseline in one sample.
type matchSet struct {
	ok    bool   // every event has controls
	note  string // fallbacks and failures
	nBase int    // distinct control rows
	// Per horizon: the matched baseline mean, hit rate, and variance of
	// the matched control distribution (for Cohen's d); and the target
	// before stop rate.
	mean, hit, vc []float64
	tbs           float64
	d             [][]float64 // per horizon, per event: y − its control mean
	grp           []int32     // per event: its control group
	dil           []float64   // per horizon: share of an event jump in the baseline
	// The control group of each cell and volatility bin (-1: none), and
	// per group the weight w_g (share of the events / controls) and the
	// control mean B_g per horizon.
	cellG, volG []int32
	w           []float64
	b           [][]float64
	// Per cell: the weight of each of its rows in the baseline mean, a_c
	// = Σ w_g, and per horizon Σ w_g·B_g (over the groups containing it).
	a  []float64
	ab [][]float64
}

// matchedBase builds the matched baseline of the events v of a variant in
// sample s.
func (r *specRun) matchedBase(s *sampleRun, v *variantSample) *matchSet {
	opt := r.env.Opt
	cs := s.cells
	nh := len(r.hs)
	rb := opt.MatchRetBins
	nc := opt.MatchVolBins * rb
	ms := &matchSet{}
	K := len(v.step)
	if K == 0 {
		return ms
	}
	// Each event takes its cell's controls, or its volatility bin's when
	// the cell has too few episodes.
	ms.cellG, ms.volG = make([]int32, nc), make([]int32, opt.MatchVolBins)
	for i := range ms.cellG {
		ms.cellG[i] = -1
	}
	for i := range ms.volG {
		ms.volG[i] = -1
	}
	var groups [][]int // cells of each group
	grp := make([]int32, K)
	var volOnly, thin int
	thinBin, thinEp := -1, 0
	for k, step := range v.step {
		c := r.cellOf(s, r.state.vol[step], r.state.ret[step]) // defined: events are eligible
		grp[k] = -1
		switch {
		case cs.ep[c] >= opt.MinControls:
			if ms.cellG[c] < 0 {
				ms.cellG[c] = int32(len(groups))
				groups = append(groups, []int{c})
			}
			grp[k] = ms.cellG[c]
		case cs.epV[c/rb] >= opt.MinControls:
			vb := c / rb
			volOnly++
			if ms.volG[vb] < 0 {
				ms.volG[vb] = int32(len(groups))
				var cells []int
				for x := vb * rb; x < (vb+1)*rb; x++ {
					cells = append(cells, x)
				}
				groups = append(groups, cells)
			}
			grp[k] = ms.volG[vb]
		default:
			thin++
			if thinBin < 0 {
				thinBin, thinEp = c/rb, cs.epV[c/rb]
			}
		}
	}
	if thin > 0 {
		ms.note = fmt.Sprintf("matched: no baseline for %d of %d events: only %d control episodes in volatility bin %d of %d (need %d)",
			thin, K, thinEp, thinBin+1, opt.MatchVolBins, opt.MinControls)
		return ms
	}
	var notes []string
	if volOnly > 0 {
		notes = append(notes, fmt.Sprintf("matched: %d of %d events on volatility only (fewer than %d control episodes in their cell)",
			volOnly, K, opt.MinControls))
	}
	ms.ok = true
	// Group statistics, weighted by the groups' shares of the events.
	ng := len(groups)
	kg := make([]int, ng)
	for _, g := range grp {
		kg[g]++
	}
	ms.mean, ms.hit, ms.vc = make([]float64, nh), make([]float64, nh), make([]float64, nh)
	ms.w, ms.b = make([]float64, ng), make([][]float64, ng)
	vg := make([][]float64, ng)
	for g, cells := range groups {
		var n, th int
		gy, gyy, gh := make([]float64, nh), make([]float64, nh), make([]float64, nh)
		for _, c := range cells {
			n += cs.cnt[c]
			th += cs.tbs[c]
			for h := range nh {
				gy[h] += cs.sy[c*nh+h]
				gyy[h] += cs.syy[c*nh+h]
				gh[h] += cs.hit[c*nh+h]
			}
		}
		wk := float64(kg[g]) / float64(K)
		ms.w[g] = wk / float64(n)
		ms.b[g], vg[g] = make([]float64, nh), make([]float64, nh)
		for h := range nh {
			b := gy[h] / float64(n)
			ms.b[g][h] = b
			if n > 1 {
				vg[g][h] = math.Max(0, (gyy[h]-float64(n)*b*b)/float64(n-1))
			}
			ms.mean[h] += wk * b
			ms.hit[h] += wk * gh[h] / float64(n)
		}
		ms.tbs += wk * float64(th) / float64(n)
	}
	for g := range groups {
		wk := float64(kg[g]) / float64(K)
		for h := range nh {
			dv := ms.b[g][h] - ms.mean[h]
			ms.vc[h] += wk * (vg[g][h] + dv*dv)
		}
	}
	for c := range nc {
		if ms.cellG[c] >= 0 || ms.volG[c/rb] >= 0 {
			ms.nBase += cs.cnt[c]
		}
	}
	ms.a, ms.ab = make([]float64, nc), make([][]float64, nh)
	for h := range nh {
		ms.ab[h] = make([]float64, nc)
	}
	for c := range nc {
		for _, g := range []int32{ms.cellG[c], ms.volG[c/rb]} {
			if g >= 0 {
				ms.a[c] += ms.w[g]
				for h := range nh {
					ms.ab[h][c] += ms.w[g] * ms.b[g][h]
				}
			}
		}
	}
	ms.note = strings.Join(notes, "; ")
	ms.dil = ms.dilution(s, v, r.hs)
	ms.grp = grp
	ms.d = make([][]float64, nh)
	for h := range nh {
		ms.d[h] = make([]float64, K)
		for k, g := range grp {
			ms.d[h][k] = v.y[h][k] - ms.b[g][h]
		}
	}
	return ms
}

// dilution returns, per horizon h (steps), the share of an effect that
// follows every event as a jump right after its entry which would also be
// in the matched baseline: Σ_j W_j·#{events i : j <= i < j+h} over the
// control rows j (steps), W_j the row's weight in the baseline mean (the
// weights sum to 1), counting the sample's events.
func (ms *matchSet) dilution(s *sampleRun, v *variantSample, hs []int) []float64 {
	pw := make([]float64, len(s.rows)+1) // prefix sums of the row weights
	for j, c := range s.cell {
		w := 0.0
		if c >= 0 {
			w = ms.a[c]
		}
		pw[j+1] = pw[j] + w
	}
	out := make([]float64, len(hs))
	for h, hh := range hs {
		for _, i := range v.step {
			lo, _ := slices.BinarySearch(s.rows, i-int32(hh)+1)
			hi, _ := slices.BinarySearch(s.rows, i+1)
			out[h] += pw[hi] - pw[lo]
		}
	}
	return out
}

// zPrefix returns the prefix sums (len n+1, in dst when it has room) of
// the linearised control series of horizon h: row j of cell c carries
// Σ over the groups g containing it of w_g·(y_j − B_g) = a_c·y_j −
// Σ w_g·B_g, so that a replicate's resampled sum is the first-order change
// of the matched baseline mean.
func (ms *matchSet) zPrefix(s *sampleRun, h int, dst []float64) []float64 {
	n := len(s.rows)
	if cap(dst) < n+1 {
		dst = make([]float64, n+1)
	}
	dst = dst[:n+1]
	dst[0] = 0
	y, a, ab := s.y[h], ms.a, ms.ab[h]
	var acc float64
	for j, c := range s.cell {
		if c >= 0 {
			acc += a[c]*y[j] - ab[c]
		}
		dst[j+1] = acc
	}
	return dst
}

// cohen is Cohen's d of the events' outcomes against the matched control
// distribution (the groups' controls mixed in the events' proportions).
func (ms *matchSet) cohen(ys []float64, h int) float64 {
	K := len(ys)
	n := ms.nBase
	if K < 2 || n < 2 {
		return math.NaN()
	}
	me, ve := meanVar(ys)
	sp := math.Sqrt((float64(K-1)*ve + float64(n-1)*ms.vc[h]) / float64(K+n-2))
	if sp == 0 {
		return math.NaN()
	}
	return (me - ms.mean[h]) / sp
}

// dilutionNote is the baseline's share of an event jump from which a
// summary notes it.
const dilutionNote = 0.2

// matchedSummary replaces the baseline fields of a summary by the
// variant's matched baseline.
func matchedSummary(sm *Summary, ms *matchSet, v *variantSample, h int) {
	nan := math.NaN()
	sm.NBase = ms.nBase
	sm.MeanBase, sm.Diff, sm.BaseHitRate, sm.BaseTBSRate, sm.EffectSize = nan, nan, nan, nan, nan
	if ms.ok {
		sm.MeanBase = ms.mean[h]
		sm.Diff = sm.MeanEvent - sm.MeanBase
		sm.BaseHitRate = ms.hit[h]
		sm.BaseTBSRate = ms.tbs
		sm.EffectSize = ms.cohen(v.y[h], h)
	}
	note := ms.note
	if ms.ok && ms.dil[h] >= dilutionNote {
		if note != "" {
			note += "; "
		}
		note += fmt.Sprintf("matched: %.0f%% of an effect right after each event is also in the baseline (Diff understates it)", 100*ms.dil[h])
	}
	switch {
	case sm.Note == "":
		sm.Note = note
	case note != "":
		sm.Note += "; " + note
	}
}
