package hypo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cascade-research/cascade/engine/stats"
)

func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// sparseFactor: variants with at most sparseFactor × blocks-per-replicate
// events take the coverage path, the others prefix sums (a variable so
// tests can force either path).
var sparseFactor = 2.0

func hashSteps(s []int32) uint64 {
	h := uint64(14695981039346656037)
	for _, x := range s {
		h = (h ^ uint64(uint32(x))) * 1099511628211
	}
	return h
}

// diffStats is the bootstrap part of one test.
type diffStats struct {
	ci   stats.Interval
	p    float64
	note string
}

// test runs the difference-of-means tests of every variant × horizon in
// one sample. Horizons with the same mean block length share one block
// plan; within a plan, variants with few events share one coverage pass
// (O(#blocks + #event positions) per replicate for all of them, then
// O(#events) per variant), and variants with more events than blocks per
// replicate use prefix sums (O(#blocks) per replicate).
//
// With a matched baseline (ms != nil, per variant), the event values are
// the paired differences y − (the event's control mean) and each variant
// has its own baseline term: the replicate sum of its linearised control
// series (matchSet.zPrefix), O(#blocks) per replicate and horizon.
func (r *specRun) test(s *sampleRun, vs []*variantSample, ms []*matchSet) [][]diffStats {
	cfg := r.ev.cfg
	nv, nh, n := len(vs), len(r.hs), len(s.rows)
	out := make([][]diffStats, nv)
	for v := range out {
		out[v] = make([]diffStats, nh)
		for h := range out[v] {
			out[v][h].p = math.NaN()
		}
	}
	minEv := r.env.Opt.MinEvents
	var testable []int
	skip := make([][]bool, nv) // [variant][horizon]: untestable
	for v := range nv {
		skip[v] = make([]bool, nh)
		K := len(vs[v].pos)
		ok := false
		for h, hs := range r.hs {
			switch G := vs[v].episodes(hs); {
			case K < minEv:
				out[v][h].note = fmt.Sprintf("too few events for a test (%d < %d)", K, minEv)
				skip[v][h] = true
			case G < minEv:
				out[v][h].note = fmt.Sprintf("too few independent episodes at this horizon (%d < %d)", G, minEv)
				skip[v][h] = true
			case ms != nil && !ms[v].ok: // the note is the matched set's
				skip[v][h] = true
			default:
				ok = true
			}
		}
		if ok {
			testable = append(testable, v)
		}
	}
	// Variants with the same events (e.g. a window that only matters
	// when zscore > 0) have the same test: run it once.
	same := map[uint64][]int{}
	dupOf := map[int]int{}
	uniq := testable[:0:0]
	for _, v := range testable {
		h := hashSteps(vs[v].step)
		found := false
		for _, w := range same[h] {
			if slices.Equal(vs[w].step, vs[v].step) {
				dupOf[v] = w
				found = true
				break
			}
		}
		if !found {
			same[h] = append(same[h], v)
			uniq = append(uniq, v)
		}
	}
	defer func() {
		for v, w := range dupOf {
			copy(out[v], out[w])
		}
	}()
	testable = uniq
	if len(testable) == 0 {
		return out
	}
	type group struct {
		mean float64
		hs   []int
	}
	var groups []group
	for h, hd := range r.sp.Horizons {
		L := r.durationRows(max(cfg.BlockLength, hd))
		found := false
		for gi := range groups {
			if groups[gi].mean == L {
				groups[gi].hs = append(groups[gi].hs, h)
				found = true
			}
		}
		if !found {
			groups = append(groups, group{L, []int{h}})
		}
	}
	reps := cfg.Bootstrap
	invN := 1 / float64(n)
	var cnt []int32    // reused by denseReplicates
	var zbuf []float64 // reused by zPrefix
	for _, gr := range groups {
		m := len(gr.hs)
		// The variants with a test to run at one of the group's horizons.
		var todo []int
		for _, v := range testable {
			for _, h := range gr.hs {
				if !skip[v][h] {
					todo = append(todo, v)
					break
				}
			}
		}
		if len(todo) == 0 {
			continue
		}
		if n < 10 || float64(n) < 2*gr.mean {
			for _, v := range todo {
				for _, h := range gr.hs {
					if !skip[v][h] {
						out[v][h].note = fmt.Sprintf("sample of %d rows is shorter than two mean blocks (%.0f rows)", n, gr.mean)
					}
				}
			}
			continue
		}
		plan := r.ev.plan(planKey{s.def.name, n, gr.mean})
		perRep := float64(plan.Blocks()) / float64(plan.Reps())
		// bases[v][j]: per replicate, the resampled baseline sum of
		// variant v at horizon gr.hs[j], times scale; evs[v]: the event
		// values the replicates average.
		bases := make([][][]float64, nv)
		evs, scale := vs, invN
		if ms == nil {
			base := make([][]float64, m)
			for j, h := range gr.hs {
				base[j] = plan.SumsPrefix(stats.Prefix(s.y[h]), nil)
			}
			for _, v := range todo {
				bases[v] = base
			}
		} else {
			evs, scale = slices.Clone(vs), 1
			for _, v := range todo {
				evs[v] = &variantSample{pos: vs[v].pos, y: ms[v].d, step: vs[v].step}
				bases[v] = make([][]float64, m)
				for j, h := range gr.hs {
					zbuf = ms[v].zPrefix(s, h, zbuf)
					bases[v][j] = plan.SumsPrefix(zbuf, nil)
				}
			}
		}
		diffs := make([][][]float64, nv) // [variant][j] replicate diffs
		var sparse []int
		for _, v := range todo {
			diffs[v] = make([][]float64, m)
			for j := range m {
				diffs[v][j] = make([]float64, 0, reps)
			}
			// A sparse variant costs ~(1+m) per event and replicate, a
			// dense one ~(2+2m) per block and replicate.
			if float64(len(vs[v].pos)) <= sparseFactor*perRep {
				sparse = append(sparse, v)
				continue
			}
			cnt = r.denseReplicates(plan, gr.hs, evs[v], bases[v], scale, diffs[v], cnt)
		}
		if len(sparse) > 0 {
			r.sparseReplicates(plan, gr.hs, evs, sparse, bases, scale, diffs)
		}
		for _, v := range todo {
			K := float64(len(vs[v].pos))
			for j, h := range gr.hs {
				d := diffs[v][j]
				if skip[v][h] {
					continue
				}
				if len(d) < reps/2 {
					out[v][h].note = fmt.Sprintf("only %d of %d bootstrap replicates draw an event", len(d), reps)
					continue
				}
				var se float64
				for _, y := range vs[v].y[h] {
					se += y
				}
				obs := se/K - s.sum[h]/float64(n) // as Summary.Diff
				if ms != nil {
					obs = se/K - ms[v].mean[h]
				}
				out[v][h].ci, out[v][h].p = stats.BootstrapTest(obs, d, cfg.Alpha)
			}
		}
	}
	return out
}

// denseReplicates appends, per replicate, the difference of means of one
// variant with many events from prefix sums: the number of events before
// each row (stats.Ranks, in the reusable buffer cnt) and, per horizon, the
// prefix sums of the event outcomes in event order, so each block costs
// two rank lookups and two sums per horizon.
func (r *specRun) denseReplicates(plan *stats.BlockPlan, hs []int, v *variantSample, base [][]float64, invN float64,
	diffs [][]float64, cnt []int32) []int32 {
	n, m := plan.N(), len(hs)
	cnt = stats.Ranks(v.pos, n, cnt)
	K := int32(len(v.pos))
	pre := make([][]float64, m)
	for j, h := range hs {
		pre[j] = stats.Prefix(v.y[h])
	}
	se := make([]float64, m)
	for rep := range plan.Reps() {
		var ne int32
		clear(se)
		for _, bl := range plan.Replicate(rep) {
			a := int(bl.Start)
			e := a + int(bl.Len)
			if e <= n {
				c1, c2 := cnt[a], cnt[e]
				ne += c2 - c1
				for j := range m {
					se[j] += pre[j][c2] - pre[j][c1]
				}
			} else {
				c1, c2 := cnt[a], cnt[e-n]
				ne += K - c1 + c2
				for j := range m {
					se[j] += pre[j][K] - pre[j][c1] + pre[j][c2]
				}
			}
		}
		if ne == 0 {
			continue
		}
		for j := range m {
			diffs[j] = append(diffs[j], se[j]/float64(ne)-base[j][rep]*invN)
		}
	}
	return cnt
}

// sparseReplicates appends, per replicate, the difference of means of each
// sparse variant from the coverage counts at the union of their event rows;
// bases[v] is variant v's baseline term.
func (r *specRun) sparseReplicates(plan *stats.BlockPlan, hs []int, vs []*variantSample, sparse []int,
	bases [][][]float64, invN float64, diffs [][][]float64) {
	m := len(hs)
	var U []int32
	for _, v := range sparse {
		U = append(U, vs[v].pos...)
	}
	slices.Sort(U)
	U = slices.Compact(U)
	type sv struct {
		v    int
		uidx []int32
		vals []float64 // event k, horizon j at k*m+j
	}
	svs := make([]sv, len(sparse))
	for i, v := range sparse {
		x := sv{v: v, uidx: make([]int32, len(vs[v].pos)), vals: make([]float64, len(vs[v].pos)*m)}
		for k, p := range vs[v].pos {
			u, _ := slices.BinarySearch(U, p)
			x.uidx[k] = int32(u)
			for j, h := range hs {
				x.vals[k*m+j] = vs[v].y[h][k]
			}
		}
		svs[i] = x
	}
	acc := make([]float64, m)
	plan.Coverage(U, func(rep int, cov []float64) {
		for _, x := range svs {
			var ne float64
			switch m {
			case 1: // branch-free: c = 0 adds nothing
				var a0 float64
				for k, u := range x.uidx {
					cf := cov[u]
					ne += cf
					a0 += cf * x.vals[k]
				}
				acc[0] = a0
			case 2:
				var a0, a1 float64
				vals := x.vals[:2*len(x.uidx)]
				for k, u := range x.uidx {
					cf := cov[u]
					ne += cf
					a0 += cf * vals[2*k]
					a1 += cf * vals[2*k+1]
				}
				acc[0], acc[1] = a0, a1
			default:
				clear(acc)
				for k, u := range x.uidx {
					cf := cov[u]
					ne += cf
					row := x.vals[k*m : k*m+m]
					for j, y := range row {
						acc[j] += cf * y
					}
				}
			}
			if ne == 0 {
				continue
			}
			d, base := diffs[x.v], bases[x.v]
			for j := range m {
				d[j] = append(d[j], acc[j]/ne-base[j][rep]*invN)
			}
		}
	})
}
