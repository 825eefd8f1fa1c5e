package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Block is one block of a stationary-bootstrap replicate: the positions
// Start, Start+1, …, Start+Len−1 of the original series, wrapping modulo n.
type Block struct{ Start, Len int32 }

// BlockPlan is a fixed set of stationary-bootstrap replicates of a series
// of length n, each stored as its list of blocks rather than as n indices.
// One plan serves every test on series of that length and mean block
// length: a replicate statistic is computed from prefix sums over the
// blocks, O(#blocks) per replicate instead of O(n), or, for sparse events,
// from per-replicate coverage counts (Coverage).
//
// Block lengths are geometric with mean meanBlock (support 1, 2, …), block
// starts uniform on 0..n−1, and the last block of a replicate is cut so the
// replicate has exactly n positions: the same distribution as
// StationaryIndices (Politis & Romano 1994). Memory is 8 bytes per block,
// about 8·reps·n/meanBlock bytes.
//
// A plan is immutable after construction and safe for concurrent reads.
type BlockPlan struct {
	n, reps   int
	meanBlock float64
	blocks    []Block
	off       []int // replicate r is blocks[off[r]:off[r+1]]
}

// NewBlockPlan draws reps stationary-bootstrap replicates of a series of
// length n with mean block length meanBlock (values below 1 mean 1). The
// plan depends only on the state of r and the arguments.
func NewBlockPlan(r *rand.Rand, n int, meanBlock float64, reps int) *BlockPlan {
	if meanBlock < 1 || math.IsNaN(meanBlock) {
		meanBlock = 1
	}
	p := &BlockPlan{n: n, reps: reps, meanBlock: meanBlock}
	if n <= 0 || reps <= 0 {
		p.reps = max(reps, 0)
		p.off = make([]int, p.reps+1)
		return p
	}
	// Geometric(q) with q = 1/meanBlock: 1 + floor(E/λ), E ~ Exp(1),
	// λ = −ln(1−q); P(len > k) = (1−q)^k.
	lam := math.Inf(1)
	if meanBlock > 1 {
		lam = -math.Log1p(-1 / meanBlock)
	}
	// Expected blocks per replicate are about n/meanBlock + 1; leave room
	// for a few standard deviations so the slice rarely grows.
	mu := float64(reps) * (float64(n)/meanBlock + 1)
	p.blocks = make([]Block, 0, int(mu+4*math.Sqrt(mu))+16)
	p.off = make([]int, reps+1)
	for b := range reps {
		left := n
		for left > 0 {
			l := left
			if f := r.ExpFloat64() / lam; f < float64(left-1) {
				l = 1 + int(f)
			}
			p.blocks = append(p.blocks, Block{Start: int32(r.IntN(n)), Len: int32(l)})
			left -= l
		}
		p.off[b+1] = len(p.blocks)
	}
	return p
}

// N returns the series length the plan resamples.
func (p *BlockPlan) N() int { return p.n }

// Reps returns the number of replicates.
func (p *BlockPlan) Reps() int { return p.reps }

// MeanBlock returns the mean block length.
func (p *BlockPlan) MeanBlock() float64 { return p.meanBlock }

// Blocks returns the number of blocks over all replicates.
func (p *BlockPlan) Blocks() int { return len(p.blocks) }

// Replicate returns the blocks of replicate r. The slice must not be
// modified.
func (p *BlockPlan) Replicate(r int) []Block { return p.blocks[p.off[r]:p.off[r+1]] }

// Prefix returns the prefix sums of x: out[0] = 0, out[i+1] = out[i] + x[i].
func Prefix(x []float64) []float64 {
	out := make([]float64, len(x)+1)
	var s float64
	for i, v := range x {
		s += v
		out[i+1] = s
	}
	return out
}

// SumsPrefix returns, for each replicate, the sum of the resampled series
// whose prefix sums are prefix (len n+1, see Prefix). dst is reused when it
// has room.
func (p *BlockPlan) SumsPrefix(prefix, dst []float64) []float64 {
	if len(prefix) != p.n+1 {
		panic(fmt.Sprintf("stats: prefix of length %d for a plan of n=%d", len(prefix), p.n))
	}
	dst = grow(dst, p.reps)
	n := p.n
	total := prefix[n]
	for r := range p.reps {
		var acc float64
		for _, bl := range p.blocks[p.off[r]:p.off[r+1]] {
			s := int(bl.Start)
			e := s + int(bl.Len)
			if e <= n {
				acc += prefix[e] - prefix[s]
			} else {
				acc += total - prefix[s] + prefix[e-n]
			}
		}
		dst[r] = acc
	}
	return dst
}

// Sums returns, for each replicate, the sum of the resampled x (len n).
func (p *BlockPlan) Sums(x []float64) []float64 {
	if len(x) != p.n {
		panic(fmt.Sprintf("stats: series of length %d for a plan of n=%d", len(x), p.n))
	}
	return p.SumsPrefix(Prefix(x), nil)
}

// Coverage calls fn once per replicate, in replicate order, with cov[k] =
// the number of times position pos[k] is drawn in that replicate (a whole
// number, as float64 so callers weight outcomes without conversions). pos
// must be non-decreasing and inside [0, n). cov is reused between calls;
// fn must not keep it. The cost per replicate is O(#blocks + len(pos)),
// shared by every sparse event set whose positions are a subset of pos.
func (p *BlockPlan) Coverage(pos []int32, fn func(rep int, cov []float64)) {
	n := p.n
	cnt := Ranks(pos, n, nil)
	cov := make([]float64, len(pos))
	all := cnt[n]
	for r := range p.reps {
		clear(cov)
		for _, bl := range p.blocks[p.off[r]:p.off[r+1]] {
			s := int(bl.Start)
			e := s + int(bl.Len)
			if e <= n {
				inc(cov[cnt[s]:cnt[e]])
			} else {
				inc(cov[cnt[s]:all])
				inc(cov[:cnt[e-n]])
			}
		}
		fn(r, cov)
	}
}

// Ranks returns cnt with cnt[i] = #{k : pos[k] < i} for i in 0..n, pos
// non-decreasing inside [0, n). dst is reused when it has room.
func Ranks(pos []int32, n int, dst []int32) []int32 {
	if cap(dst) < n+1 {
		dst = make([]int32, n+1)
	}
	cnt := dst[:n+1]
	k := 0
	for i := range cnt {
		for k < len(pos) && int(pos[k]) < i {
			k++
		}
		cnt[i] = int32(k)
	}
	return cnt
}

func inc(c []float64) {
	for i := range c {
		c[i]++
	}
}

func grow(dst []float64, n int) []float64 {
	if cap(dst) < n {
		return make([]float64, n)
	}
	return dst[:n]
}

// BootstrapTest turns replicate statistics into a percentile interval at
// confidence 1−alpha and a two-sided p-value of obs = 0: the share (with
// +1 smoothing) of recentred replicates |d − obs| at least as extreme as
// |obs|. The interval ends are empirical quantiles (gonum's
// stat.Empirical of the sorted replicates), found by selection in O(len)
// rather than by sorting. reps is reordered in place; NaN replicates must
// have been dropped.
func BootstrapTest(obs float64, reps []float64, alpha float64) (Interval, float64) {
	n := len(reps)
	if n == 0 {
		return Interval{math.NaN(), math.NaN()}, math.NaN()
	}
	extreme := 0
	a := math.Abs(obs)
	for _, d := range reps {
		if math.Abs(d-obs) >= a {
			extreme++
		}
	}
	k1, k2 := empiricalIndex(alpha/2, n), empiricalIndex(1-alpha/2, n)
	lo := SelectK(reps, k1)
	hi := lo
	if k2 > k1 {
		hi = SelectK(reps[k1+1:], k2-k1-1)
	}
	return Interval{lo, hi}, (float64(extreme) + 1) / (float64(n) + 1)
}

// empiricalIndex is the index in sorted order of stat.Empirical's p
// quantile of n values: the first i with i+1 >= p·n.
func empiricalIndex(p float64, n int) int {
	f := p * float64(n)
	i := int(math.Ceil(f)) - 1
	return min(max(i, 0), n-1)
}

// SelectK reorders x so that x[k] holds its k-th smallest value, with no
// larger value before it and no smaller one after, and returns it
// (Hoare's selection with middle pivots: deterministic).
func SelectK(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	for lo < hi {
		p := x[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for x[i] < p {
				i++
			}
			for x[j] > p {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return x[k]
		}
	}
	return x[k]
}

// DiffOfMeans is the plan-based version of the package-level DiffOfMeans:
// the same statistic, interval and p-value, with the replicates taken from
// the plan. x may hold NaN (not eligible); the plan's n must equal the
// number of non-NaN values, which are resampled in order. Each replicate
// costs O(#blocks): three prefix-sum lookups per block.
func (p *BlockPlan) DiffOfMeans(x []float64, event []bool, alpha float64) (DiffResult, error) {
	if len(event) != len(x) {
		return DiffResult{}, fmt.Errorf("x has %d values, event %d", len(x), len(event))
	}
	xs := make([]float64, 0, len(x))
	es := make([]float64, 0, len(x))
	var evVals, nonVals []float64
	for i, v := range x {
		if math.IsNaN(v) {
			continue
		}
		xs = append(xs, v)
		if event[i] {
			es = append(es, 1)
			evVals = append(evVals, v)
		} else {
			es = append(es, 0)
			nonVals = append(nonVals, v)
		}
	}
	if len(xs) != p.n {
		return DiffResult{}, fmt.Errorf("plan resamples %d values, x has %d eligible", p.n, len(xs))
	}
	res := DiffResult{NBase: len(xs), N: len(evVals), BootstrapRep: p.reps}
	if err := res.means(xs, evVals, nonVals); err != nil {
		return res, err
	}
	diffs := p.diffReplicates(xs, es)
	if len(diffs) < p.reps/2 {
		return res, ErrTooFew
	}
	res.CI, res.P = BootstrapTest(res.Diff, diffs, alpha)
	return res, nil
}

// diffReplicates returns the replicate differences of means for the
// compressed series xs with event indicators es (0/1), skipping replicates
// that draw no event.
func (p *BlockPlan) diffReplicates(xs, es []float64) []float64 {
	xe := make([]float64, len(xs))
	for i := range xs {
		xe[i] = xs[i] * es[i]
	}
	sb := p.Sums(xs)
	ne := p.Sums(es)
	se := p.Sums(xe)
	diffs := make([]float64, 0, p.reps)
	for r := range p.reps {
		if ne[r] < 0.5 {
			continue
		}
		diffs = append(diffs, se[r]/ne[r]-sb[r]/float64(p.n))
	}
	return diffs
}
