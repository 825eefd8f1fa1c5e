package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestWilson(t *testing.T) {
	// Reference values (Wilson 1927; e.g. R's prop.test(correct=FALSE) / statsmodels proportion_confint(method="wilson")).
	for _, tc := range []struct {
		k, n   int
		alpha  float64
		lo, hi float64
	}{
		{81, 263, 0.05, 0.2553, 0.3662},
		{0, 10, 0.05, 0, 0.2775},
		{10, 10, 0.05, 0.7225, 1},
		{5, 10, 0.05, 0.2366, 0.7634},
		{1, 2, 0.10, 0.1209, 0.8791}, // z=1.6449: centre 0.5, half-width 0.37915
	} {
		iv := Wilson(tc.k, tc.n, tc.alpha)
		if !near(iv.Lo, tc.lo, 1e-4) || !near(iv.Hi, tc.hi, 1e-4) {
			t.Errorf("Wilson(%d,%d,%g) = [%.4f, %.4f], want [%.4f, %.4f]", tc.k, tc.n, tc.alpha, iv.Lo, iv.Hi, tc.lo, tc.hi)
		}
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	// Values checked against R: p.adjust(c(0.01,0.04,0.03,0.005,0.5), "BH").
	ps := []float64{0.01, 0.04, 0.03, 0.005, 0.5}
	want := []float64{0.025, 0.05, 0.05, 0.025, 0.5}
	q := BenjaminiHochberg(ps)
	for i := range want {
		if !near(q[i], want[i], 1e-12) {
			t.Errorf("q[%d] = %v, want %v", i, q[i], want[i])
		}
	}
	q = BenjaminiHochberg([]float64{0.01, math.NaN(), 0.02})
	if !near(q[0], 0.02, 1e-12) || !math.IsNaN(q[1]) || !near(q[2], 0.02, 1e-12) {
		t.Errorf("with NaN: %v", q)
	}
	b := Bonferroni([]float64{0.01, 0.3, math.NaN()})
	if b[0] != 0.02 || b[1] != 0.6 || !math.IsNaN(b[2]) {
		t.Errorf("Bonferroni %v", b)
	}
}

func TestCohenD(t *testing.T) {
	a := []float64{2, 4, 4, 4, 5, 5, 7, 9}
	b := []float64{1, 2, 3, 4, 5}
	// pooled sd: sqrt((7*4.571428571 + 4*2.5)/11) = 1.9518...
	if d := CohenD(a, b); !near(d, (5-3)/math.Sqrt((7*32.0/7+4*2.5)/11), 1e-12) {
		t.Errorf("d = %v", d)
	}
}

func TestStationaryIndicesMeanBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	idx := make([]int, 200000)
	StationaryIndices(r, 1000, 20, idx)
	breaks := 0
	for i := 1; i < len(idx); i++ {
		if idx[i] != (idx[i-1]+1)%1000 {
			breaks++
		}
	}
	mean := float64(len(idx)) / float64(breaks+1)
	if mean < 18 || mean > 22 {
		t.Errorf("mean block length %.2f, want about 20", mean)
	}
}

func TestDiffOfMeansDetectsAndControls(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	n := 5000
	// AR(1) outcome series; events every ~50 steps.
	x := make([]float64, n)
	ev := make([]bool, n)
	for i := 1; i < n; i++ {
		x[i] = 0.6*x[i-1] + r.NormFloat64()
		ev[i] = i%50 == 0
	}
	res, err := DiffOfMeans(rand.New(rand.NewPCG(1, 1)), x, ev, 10, 1000, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 99 || res.P < 0.01 {
		t.Errorf("null case: n=%d p=%v diff=%v ci=%v (want a non-significant result)", res.N, res.P, res.Diff, res.CI)
	}
	for i := range x {
		if ev[i] {
			x[i] += 1.0 // planted effect
		}
	}
	res, err = DiffOfMeans(rand.New(rand.NewPCG(1, 1)), x, ev, 10, 1000, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if res.P > 0.01 || res.CI.Lo <= 0 || res.Diff < 0.5 {
		t.Errorf("planted case: p=%v diff=%v ci=%v", res.P, res.Diff, res.CI)
	}
	// Determinism.
	again, _ := DiffOfMeans(rand.New(rand.NewPCG(1, 1)), x, ev, 10, 1000, 0.05)
	if again != res {
		t.Error("same seed, different result")
	}
}

// TestDiffOfMeansSize checks the false-positive rate under the null over
// many independent series: it must stay near alpha (a test that fails if
// the bootstrap ignores autocorrelation: an iid bootstrap over-rejects).
func TestDiffOfMeansSize(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	r := rand.New(rand.NewPCG(3, 3))
	const trials = 200
	rejects := 0
	for k := 0; k < trials; k++ {
		n := 2000
		x := make([]float64, n)
		ev := make([]bool, n)
		for i := 1; i < n; i++ {
			x[i] = 0.8*x[i-1] + r.NormFloat64()
		}
		// Events cluster too (a persistent signal), the dangerous case.
		on := false
		for i := range ev {
			if r.Float64() < 0.02 {
				on = !on
			}
			ev[i] = on && r.Float64() < 0.2
		}
		res, err := DiffOfMeans(rand.New(rand.NewPCG(uint64(k), 9)), x, ev, 25, 300, 0.05)
		if err != nil {
			continue
		}
		if res.P < 0.05 {
			rejects++
		}
	}
	rate := float64(rejects) / trials
	if rate > 0.10 {
		t.Errorf("false-positive rate %.3f at alpha 0.05 (want <= 0.10 with %d trials)", rate, trials)
	}
	t.Logf("false-positive rate %.3f", rate)
}
