package stats

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func TestBlockPlanShape(t *testing.T) {
	for _, tc := range []struct {
		n    int
		mean float64
	}{{1, 5}, {7, 1}, {100, 0.3}, {1000, 20}, {5000, 250}} {
		p := NewBlockPlan(rand.New(rand.NewPCG(1, 2)), tc.n, tc.mean, 300)
		var lens, breaks float64
		for r := range p.Reps() {
			tot := 0
			for _, b := range p.Replicate(r) {
				if b.Start < 0 || int(b.Start) >= tc.n || b.Len < 1 {
					t.Fatalf("n=%d: bad block %+v", tc.n, b)
				}
				tot += int(b.Len)
			}
			if tot != tc.n {
				t.Fatalf("n=%d: replicate %d covers %d positions", tc.n, r, tot)
			}
			// All blocks but the last (cut) one count for the mean length.
			bs := p.Replicate(r)
			for _, b := range bs[:len(bs)-1] {
				lens += float64(b.Len)
				breaks++
			}
		}
		if tc.n >= 1000 && tc.mean <= float64(tc.n)/50 {
			if m := lens / breaks; math.Abs(m-tc.mean) > 0.05*tc.mean {
				t.Errorf("n=%d: mean block length %.2f, want about %g", tc.n, m, tc.mean)
			}
		}
		q := NewBlockPlan(rand.New(rand.NewPCG(1, 2)), tc.n, tc.mean, 300)
		if q.Blocks() != p.Blocks() || q.Replicate(299)[0] != p.Replicate(299)[0] {
			t.Errorf("n=%d: same seed, different plan", tc.n)
		}
	}
}

// arSeries returns an AR(1) series and clustered events (a persistent
// signal), the hard case for a bootstrap.
func arSeries(r *rand.Rand, n int, phi, evRate float64) ([]float64, []bool) {
	x := make([]float64, n)
	ev := make([]bool, n)
	for i := 1; i < n; i++ {
		x[i] = phi*x[i-1] + r.NormFloat64()
	}
	on := false
	for i := range ev {
		if r.Float64() < 0.02 {
			on = !on
		}
		ev[i] = on && r.Float64() < evRate
	}
	return x, ev
}

// naiveReplicates resamples point by point with StationaryIndices, the
// reference the block plan must agree with.
func naiveReplicates(r *rand.Rand, x []float64, ev []bool, meanBlock float64, reps int) []float64 {
	idx := make([]int, len(x))
	var out []float64
	for range reps {
		StationaryIndices(r, len(x), meanBlock, idx)
		var se, sb float64
		ne := 0
		for _, j := range idx {
			sb += x[j]
			if ev[j] {
				se += x[j]
				ne++
			}
		}
		if ne > 0 {
			out = append(out, se/float64(ne)-sb/float64(len(x)))
		}
	}
	return out
}

func toFloats(ev []bool) []float64 {
	out := make([]float64, len(ev))
	for i, e := range ev {
		if e {
			out[i] = 1
		}
	}
	return out
}

// TestBlockPlanMatchesNaive checks that replicate statistics from a block
// plan have the same distribution as the point-by-point resampler: mean,
// standard deviation and tail quantiles agree within Monte Carlo error.
func TestBlockPlanMatchesNaive(t *testing.T) {
	const n, reps = 3000, 10000
	for _, mb := range []float64{1, 10, 60} {
		x, ev := arSeries(rand.New(rand.NewPCG(5, 5)), n, 0.7, 0.2)
		plan := NewBlockPlan(rand.New(rand.NewPCG(11, 1)), n, mb, reps)
		a := plan.diffReplicates(x, toFloats(ev))
		b := naiveReplicates(rand.New(rand.NewPCG(12, 1)), x, ev, mb, reps)
		ma, sa := stat.MeanStdDev(a, nil)
		mbb, sb := stat.MeanStdDev(b, nil)
		sort.Float64s(a)
		sort.Float64s(b)
		if math.Abs(sa/sb-1) > 0.05 {
			t.Errorf("meanBlock %g: sd %.4f (plan) vs %.4f (naive)", mb, sa, sb)
		}
		if math.Abs(ma-mbb) > 0.1*sb {
			t.Errorf("meanBlock %g: mean %.4f (plan) vs %.4f (naive), sd %.4f", mb, ma, mbb, sb)
		}
		for _, q := range []float64{0.025, 0.5, 0.975} {
			qa := stat.Quantile(q, stat.Empirical, a, nil)
			qb := stat.Quantile(q, stat.Empirical, b, nil)
			if math.Abs(qa-qb) > 0.2*sb {
				t.Errorf("meanBlock %g: quantile %g %.4f (plan) vs %.4f (naive)", mb, q, qa, qb)
			}
		}
	}
}

// TestCoverageMatchesSums checks the sparse path (coverage counts at event
// positions) against the dense prefix-sum path on the same plan.
func TestCoverageMatchesSums(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	const n = 2000
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	var pos []int32
	e := make([]float64, n)
	xe := make([]float64, n)
	for i := 0; i < n; i += 1 + r.IntN(40) {
		pos = append(pos, int32(i))
		e[i], xe[i] = 1, x[i]
	}
	pos = append(pos, n-1)
	e[n-1], xe[n-1] = 1, x[n-1]
	plan := NewBlockPlan(rand.New(rand.NewPCG(9, 9)), n, 37, 200)
	ne, se := plan.Sums(e), plan.Sums(xe)
	plan.Coverage(pos, func(rep int, cov []float64) {
		var c, s float64
		for k, p := range pos {
			c += cov[k]
			s += cov[k] * x[p]
		}
		if c != ne[rep] || math.Abs(s-se[rep]) > 1e-9 {
			t.Fatalf("rep %d: coverage gives (%v, %v), sums (%v, %v)", rep, c, s, ne[rep], se[rep])
		}
	})
}

func TestBlockPlanDiffOfMeans(t *testing.T) {
	x, ev := arSeries(rand.New(rand.NewPCG(7, 7)), 5000, 0.6, 0.3)
	for i := range x {
		if ev[i] {
			x[i] += 0.8
		}
	}
	x[3] = math.NaN() // not eligible: dropped
	plan := NewBlockPlan(rand.New(rand.NewPCG(1, 1)), 4999, 10, 1000)
	res, err := plan.DiffOfMeans(x, ev, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := DiffOfMeans(rand.New(rand.NewPCG(1, 1)), x, ev, 10, 1000, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if res.N != ref.N || res.Diff != ref.Diff || res.P > 0.01 || res.CI.Lo <= 0 {
		t.Errorf("plan %+v\nnaive %+v", res, ref)
	}
	if w := ref.CI.Hi - ref.CI.Lo; math.Abs((res.CI.Hi-res.CI.Lo)/w-1) > 0.2 {
		t.Errorf("interval width %.4f (plan) vs %.4f (naive)", res.CI.Hi-res.CI.Lo, w)
	}
	if _, err := NewBlockPlan(rand.New(rand.NewPCG(1, 1)), 10, 2, 10).DiffOfMeans(x, ev, 0.05); err == nil {
		t.Error("length mismatch accepted")
	}
}

// TestBlockPlanSize checks the false-positive rate of plan-based tests
// under an autocorrelated null with clustered events: at most about alpha
// with blocks of the right length, and clearly above it with an iid
// bootstrap (meanBlock 1), which shows the check can fail.
func TestBlockPlanSize(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const trials, n = 300, 4000
	rate := func(meanBlock float64) float64 {
		r := rand.New(rand.NewPCG(3, 3))
		rejects, done := 0, 0
		for k := range trials {
			x, ev := arSeries(r, n, 0.8, 0.2)
			plan := NewBlockPlan(rand.New(rand.NewPCG(uint64(k), 9)), n, meanBlock, 300)
			res, err := plan.DiffOfMeans(x, ev, 0.05)
			if err != nil {
				continue
			}
			done++
			if res.P < 0.05 {
				rejects++
			}
		}
		return float64(rejects) / float64(done)
	}
	good := rate(40)
	iid := rate(1)
	t.Logf("false-positive rate at alpha 0.05: %.3f (meanBlock 40), %.3f (iid)", good, iid)
	if good > 0.08 {
		t.Errorf("false-positive rate %.3f with meanBlock 40, want <= 0.08", good)
	}
	if iid < 0.12 {
		t.Errorf("iid bootstrap rejects only %.3f of nulls; the size check cannot tell honest from dishonest", iid)
	}
}

func BenchmarkBlockPlan(b *testing.B) {
	const n = 315360 // 3 years of 5-minute steps
	x := make([]float64, n)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i] = r.NormFloat64()
	}
	plan := NewBlockPlan(rand.New(rand.NewPCG(1, 2)), n, 288, 2000)
	pre := Prefix(x)
	var dst []float64
	b.Run("generate", func(b *testing.B) {
		for b.Loop() {
			NewBlockPlan(rand.New(rand.NewPCG(1, 2)), n, 288, 2000)
		}
	})
	b.Run("sums", func(b *testing.B) {
		for b.Loop() {
			dst = plan.SumsPrefix(pre, dst)
		}
	})
}

// TestBootstrapTestMatchesSort checks the selection-based interval against
// gonum's empirical quantiles of the sorted replicates, ties included.
func TestBootstrapTestMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{1, 2, 3, 10, 39, 40, 41, 999, 2000} {
		for _, alpha := range []float64{0.05, 0.1, 0.01} {
			x := make([]float64, n)
			for i := range x {
				x[i] = math.Round(r.NormFloat64()*4) / 4 // ties
			}
			s := append([]float64(nil), x...)
			sort.Float64s(s)
			want := Interval{stat.Quantile(alpha/2, stat.Empirical, s, nil), stat.Quantile(1-alpha/2, stat.Empirical, s, nil)}
			got, p := BootstrapTest(0.3, x, alpha)
			if got != want || !(p > 0 && p <= 1) {
				t.Errorf("n=%d alpha=%g: %v, want %v (p %v)", n, alpha, got, want, p)
			}
		}
	}
}
