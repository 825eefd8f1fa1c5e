package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

const day = 24 * time.Hour

// same reports whether a and b agree within tol, treating NaN as equal to
// NaN and an infinity as equal only to itself.
func same(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return near(a, b, tol)
}

func TestProbabilisticSharpe(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		sr, srStar           float64
		n                    int
		skew, kurt, want, to float64
	}{
		// Bailey & López de Prado (2012), "The Sharpe Ratio Efficient
		// Frontier": monthly SR 0.458 over 24 months; PSR(0) = 0.982 for
		// normal returns and 0.913 with skew −2.448, kurtosis 10.164 (as
		// pinned in rubenbriones/Probabilistic-Sharpe-Ratio
		// tests/test_sharpe_ratio_stats.py).
		// Normal: z = 0.458·√23 / √(1 + 2/4·0.458²) = 2.08962.
		{"psr paper normal", 0.458, 0, 24, 0, 3, 0.982, 5e-4},
		{"psr paper skewed", 0.458, 0, 24, -2.448, 10.164, 0.913, 5e-4},
		{"psr paper normal full", 0.458, 0, 24, 0, 3, 0.9816749191, 1e-9},
		{"at benchmark", 0.1, 0.1, 500, -1, 8, 0.5, 1e-15},
		// z = (0.1−0)·√99/√(1 + 0.5·0.01) = 0.992509 → Φ = 0.839525.
		{"hand normal", 0.1, 0, 100, 0, 3, 0.839525, 1e-6},
		{"one return", 0.1, 0, 1, 0, 3, math.NaN(), 0},
		{"nan skew", 0.1, 0, 100, math.NaN(), 3, math.NaN(), 0},
		{"nan sr", math.NaN(), 0, 100, 0, 3, math.NaN(), 0},
		// 1 − 10·1 + (3−1)/4 = −8.5: impossible moments, no variance.
		{"negative variance term", 1, 0, 100, 10, 3, math.NaN(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ProbabilisticSharpe(tc.sr, tc.srStar, tc.n, tc.skew, tc.kurt)
			if !same(got, tc.want, tc.to) {
				t.Errorf("PSR = %.10f, want %.10f", got, tc.want)
			}
		})
	}
}

func TestExpectedMaxSharpe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		trials int
		v      float64
		want   float64
		tol    float64
	}{
		// E[max] of 100 standard normals by the EVT approximation; the same
		// value is pinned in esvhd/pypbo's expected_max and in third-party
		// DSR test suites (2.5306028932016846).
		{"N=100 V=1", 100, 1, 2.5306028932016846, 1e-12},
		// N=2: Φ⁻¹(1/2) = 0, so SR0 = γ·Φ⁻¹(1 − 1/(2e)) = 0.57722·0.90045.
		{"N=2 V=1", 2, 1, eulerGamma * distuv.UnitNormal.Quantile(1-1/(2*math.E)), 1e-15},
		{"N=2 V=1 hand", 2, 1, 0.51976, 1e-5},
		// DSR paper example: V[SR] = 1/2 annualised on 250 days a year,
		// i.e. 0.002 per day: SR0 = 0.113172 daily, 1.7894 annualised.
		{"DSR paper", 100, 0.5 / 250, 0.1131720019, 1e-9},
		{"scales with sd", 100, 4, 2 * 2.5306028932016846, 1e-12},
		{"zero variance", 50, 0, 0, 0},
		{"one trial", 1, 1, 0, 0},
		{"no trials", 0, 1, 0, 0},
		{"negative variance", 10, -1, math.NaN(), 0},
		{"nan variance", 10, math.NaN(), math.NaN(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExpectedMaxSharpe(tc.trials, tc.v); !same(got, tc.want, tc.tol) {
				t.Errorf("ExpectedMaxSharpe(%d, %g) = %.12f, want %.12f", tc.trials, tc.v, got, tc.want)
			}
		})
	}
	// Increasing in the number of trials.
	prev := 0.0
	for _, n := range []int{2, 10, 100, 1000, 1e6} {
		e := ExpectedMaxSharpe(n, 1)
		if !(e > prev) {
			t.Errorf("ExpectedMaxSharpe(%d, 1) = %v, not above %v", n, e, prev)
		}
		prev = e
	}
}

// TestDeflatedSharpePaper reproduces the numerical example of Bailey &
// López de Prado (2014), "The Deflated Sharpe Ratio": the best of N = 100
// trials has an annualised SR of 2.5 over T = 1250 daily returns (five
// years of 250 days), skewness −3 and kurtosis 10, and the trials' Sharpe
// ratios have annualised variance 1/2. Then DSR ≈ 0.9004 (a 90 % chance
// that the true SR is positive), and the strategist would have met the
// 95 % bar only had he stopped after N = 46 trials (DSR ≈ 0.9505).
//
// By hand: SR = 2.5/√250 = 0.158114, SR0 = √(0.002)·2.530603 = 0.113172,
// z = (0.158114 − 0.113172)·√1249 / √(1 + 3·0.158114 + 9/4·0.158114²)
// = 1.58830/1.23717 = 1.28382, Φ(z) = 0.90040.
func TestDeflatedSharpePaper(t *testing.T) {
	sr := 2.5 / math.Sqrt(250)
	for _, tc := range []struct {
		trials int
		want   float64
		tol    float64
	}{
		{100, 0.9004, 5e-5},
		{100, 0.9003968344, 1e-9},
		{46, 0.9505, 5e-5},
		{47, 0.9494, 5e-5}, // below 0.95: 46 is the last N that passes
	} {
		got := DeflatedSharpe(sr, 1250, -3, 10, tc.trials, 0.5/250)
		if !near(got, tc.want, tc.tol) {
			t.Errorf("DSR(N=%d) = %.10f, want %.10f", tc.trials, got, tc.want)
		}
	}
	// With one trial there is no selection: DSR is the PSR against zero.
	for _, trials := range []int{-1, 0, 1} {
		if got, psr := DeflatedSharpe(sr, 1250, -3, 10, trials, 0.002), ProbabilisticSharpe(sr, 0, 1250, -3, 10); got != psr {
			t.Errorf("DSR(trials=%d) = %v, want PSR %v", trials, got, psr)
		}
	}
}

func TestSharpeVariance(t *testing.T) {
	for _, tc := range []struct {
		name string
		srs  []float64
		want float64
	}{
		{"sample variance", []float64{2, 4, 4, 4, 5, 5, 7, 9}, 32.0 / 7},
		{"NaNs ignored", []float64{0.1, math.NaN(), 0.2, 0.3}, 0.01},
		{"one value", []float64{0.1, math.NaN()}, math.NaN()},
		{"empty", nil, math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SharpeVariance(tc.srs); !same(got, tc.want, 1e-15) {
				t.Errorf("SharpeVariance = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTradeStats(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		name     string
		pnls     []float64
		win, pfw float64
	}{
		{"mixed", []float64{10, -5, 0, 20, -15}, 0.4, 1.5}, // 30 / 20
		{"no losses", []float64{1, 2}, 1, inf},
		{"only losses", []float64{-1, -3}, 0, 0},
		{"all zero", []float64{0, 0}, 0, math.NaN()},
		{"no trades", nil, math.NaN(), math.NaN()},
		{"NaN ignored", []float64{math.NaN(), 5, -5}, 0.5, 1},
		{"only NaN", []float64{math.NaN()}, math.NaN(), math.NaN()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, pf := TradeStats(tc.pnls)
			if !same(w, tc.win, 1e-15) || !same(pf, tc.pfw, 1e-15) {
				t.Errorf("TradeStats = (%v, %v), want (%v, %v)", w, pf, tc.win, tc.pfw)
			}
		})
	}
}

func TestPerfDrawdown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		equity []float64
		mdd    float64
		dur    time.Duration // with every = 1h
	}{
		// Peak 120 (t1), trough 60 (t3): −50 %; back above 120 at t5: 4h.
		// Then 130 → 117 → 125, still under water at the end: 2h.
		{"deepest is longest", []float64{100, 120, 90, 60, 80, 130, 117, 125}, 0.5, 4 * time.Hour},
		// 100 (t0) under water until 101 at t5: 5h, only −10 %; then
		// 101 → 50 → 102: −50.495 % but 2h.
		{"longest is not deepest", []float64{100, 90, 95, 99, 98, 101, 50, 102}, 1 - 50.0/101, 5 * time.Hour},
		{"never recovers", []float64{100, 80, 90}, 0.2, 2 * time.Hour},
		{"recovery to equal peak", []float64{100, 90, 100, 100}, 0.1, 2 * time.Hour},
		{"monotone", []float64{1, 2, 3}, 0, 0},
		{"flat", []float64{5, 5, 5, 5}, 0, 0},
		{"ruin", []float64{100, 50, 0}, 1, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Perf(tc.equity, time.Hour, 1, 0)
			if !near(p.MaxDrawdown, tc.mdd, 1e-15) || p.MaxDrawdownDuration != tc.dur {
				t.Errorf("MaxDrawdown = %v over %v, want %v over %v", p.MaxDrawdown, p.MaxDrawdownDuration, tc.mdd, tc.dur)
			}
		})
	}
}

// TestPerfHandComputed checks every field on four returns, r = 10 %, −5 %,
// 2 %, −3 %, sampled once a year so that annualised equals per period.
func TestPerfHandComputed(t *testing.T) {
	eq := []float64{100, 110, 104.5, 106.59, 103.3923}
	p := Perf(eq, Year, 1, 0)
	// mean 0.01; deviations 0.09, −0.06, 0.01, −0.04; Σd² = 0.0134,
	// Σd³ = 0.00045, Σd⁴ = 0.00008114.
	m2, m3, m4 := 0.0134/4, 0.00045/4, 0.00008114/4
	cagr := math.Pow(1.033923, 0.25) - 1 // 0.0083738
	mdd := 1 - 103.3923/110              // peak 110 at t1, never regained
	for _, f := range []struct {
		name           string
		got, want, tol float64
	}{
		{"TotalReturn", p.TotalReturn, 0.033923, 1e-12},
		{"CAGR", p.CAGR, cagr, 1e-12},
		{"Volatility", p.Volatility, math.Sqrt(0.0134 / 3), 1e-12},
		{"Sharpe", p.Sharpe, 0.01 / math.Sqrt(0.0134/3), 1e-12},
		{"Sharpe hand", p.Sharpe, 0.149626, 1e-6},
		// Sortino & Price: TDD over all four periods, √((0.05² + 0.03²)/4)
		// = √0.00085 = 0.0291548, not over the two losing ones (0.0412311,
		// which would give 0.242536).
		{"Sortino", p.Sortino, 0.01 / math.Sqrt(0.00085), 1e-12},
		{"Sortino hand", p.Sortino, 0.342997, 1e-6},
		{"MaxDrawdown", p.MaxDrawdown, mdd, 1e-12},
		{"MaxDrawdown hand", p.MaxDrawdown, 0.060070, 1e-6},
		{"Calmar", p.Calmar, cagr / mdd, 1e-12},
		{"Skew", p.Skew, m3 / math.Pow(m2, 1.5), 1e-12},
		{"Skew hand", p.Skew, 0.580210, 1e-6},
		{"Kurtosis", p.Kurtosis, m4 / (m2 * m2), 1e-12},
		{"Kurtosis hand", p.Kurtosis, 1.807530, 1e-6},
		{"PSR", p.PSR, ProbabilisticSharpe(0.01/math.Sqrt(0.0134/3), 0, 4, m3/math.Pow(m2, 1.5), m4/(m2*m2)), 1e-12},
	} {
		if !near(f.got, f.want, f.tol) {
			t.Errorf("%s = %.12f, want %.12f", f.name, f.got, f.want)
		}
	}
	if p.Periods != 4 || p.MaxDrawdownDuration != 3*Year {
		t.Errorf("Periods = %d, MaxDrawdownDuration = %v", p.Periods, p.MaxDrawdownDuration)
	}
	if p.DSR != p.PSR {
		t.Errorf("DSR with one trial = %v, want PSR %v", p.DSR, p.PSR)
	}
}

func TestPerfCAGR(t *testing.T) {
	// +10 % a year for two years, sampled yearly; the same growth sampled
	// every half year gives the same CAGR.
	if p := Perf([]float64{100, 110, 121}, Year, 1, 0); !near(p.CAGR, 0.1, 1e-12) || !near(p.TotalReturn, 0.21, 1e-12) {
		t.Errorf("yearly: CAGR %v, TotalReturn %v", p.CAGR, p.TotalReturn)
	}
	half := math.Sqrt(1.1)
	if p := Perf([]float64{100, 100 * half, 110, 110 * half, 121}, Year/2, 1, 0); !near(p.CAGR, 0.1, 1e-12) {
		t.Errorf("half-yearly: CAGR %v", p.CAGR)
	}
}

// TestPerfConstantGrowth: a curve that grows 0.1 % a day has no drawdown
// and no variance.
func TestPerfConstantGrowth(t *testing.T) {
	eq := make([]float64, 366)
	eq[0] = 100
	for i := 1; i < len(eq); i++ {
		eq[i] = eq[i-1] * 1.001
	}
	p := Perf(eq, day, 10, 0.01)
	inf := math.Inf(1)
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"TotalReturn", p.TotalReturn, math.Pow(1.001, 365) - 1},
		{"CAGR", p.CAGR, math.Pow(1.001, 365.25) - 1}, // 365 periods of 365.25 a year
		{"Volatility", p.Volatility, 0},
		{"MaxDrawdown", p.MaxDrawdown, 0},
		{"Sharpe", p.Sharpe, math.NaN()},
		{"Sortino", p.Sortino, inf},
		{"Calmar", p.Calmar, inf},
		{"Skew", p.Skew, math.NaN()},
		{"Kurtosis", p.Kurtosis, math.NaN()},
		{"PSR", p.PSR, math.NaN()},
		{"DSR", p.DSR, math.NaN()},
	} {
		if !same(f.got, f.want, 1e-10) {
			t.Errorf("%s = %v, want %v", f.name, f.got, f.want)
		}
	}
	if p.MaxDrawdownDuration != 0 || p.Periods != 365 {
		t.Errorf("MaxDrawdownDuration = %v, Periods = %d", p.MaxDrawdownDuration, p.Periods)
	}
}

// TestPerfIIDNormal: for i.i.d. normal returns the annualised Sharpe ratio
// and volatility are the per-period ones times √(periods per year), the
// estimate lies within its standard error of μ/σ, and the moments are near
// normal.
func TestPerfIIDNormal(t *testing.T) {
	const n, mu, sigma = 20000, 0.001, 0.02
	r := rand.New(rand.NewPCG(11, 12))
	rets := make([]float64, n)
	eq := make([]float64, n+1)
	eq[0] = 1000
	for i := range rets {
		rets[i] = mu + sigma*r.NormFloat64()
		eq[i+1] = eq[i] * (1 + rets[i])
	}
	daily := Perf(eq, day, 1, 0)
	hourly := Perf(eq, time.Hour, 1, 0)
	m, sd := stat.MeanStdDev(rets, nil)
	if !near(daily.Sharpe, m/sd*math.Sqrt(365.25), 1e-9) {
		t.Errorf("daily Sharpe %v, want %v", daily.Sharpe, m/sd*math.Sqrt(365.25))
	}
	if !near(hourly.Sharpe/daily.Sharpe, math.Sqrt(24), 1e-12) || !near(hourly.Volatility/daily.Volatility, math.Sqrt(24), 1e-12) {
		t.Errorf("hourly/daily: Sharpe %v, Volatility %v, want √24", hourly.Sharpe/daily.Sharpe, hourly.Volatility/daily.Volatility)
	}
	if !near(daily.Volatility, sd*math.Sqrt(365.25), 1e-12) {
		t.Errorf("Volatility %v, want %v", daily.Volatility, sd*math.Sqrt(365.25))
	}
	// Lo (2002): se(SR) = √((1 + SR²/2)/n) per period.
	sr := daily.Sharpe / math.Sqrt(365.25)
	if se := math.Sqrt((1 + 0.5*mu*mu/sigma/sigma) / n); math.Abs(sr-mu/sigma) > 3*se {
		t.Errorf("per-period SR %v, want %v ± %v", sr, mu/sigma, 3*se)
	}
	if math.Abs(daily.Skew) > 3*math.Sqrt(6.0/n) || math.Abs(daily.Kurtosis-3) > 3*math.Sqrt(24.0/n) {
		t.Errorf("skew %v, kurtosis %v: not near normal", daily.Skew, daily.Kurtosis)
	}
	if want := ProbabilisticSharpe(sr, 0, n, daily.Skew, daily.Kurtosis); daily.PSR != want || daily.DSR != want {
		t.Errorf("PSR %v, DSR %v, want %v", daily.PSR, daily.DSR, want)
	}
	// Deflating for 1000 variants lowers it; PSR does not depend on every.
	if d := Perf(eq, day, 1000, 0.05/365.25); !(d.DSR < d.PSR) || d.PSR != hourly.PSR {
		t.Errorf("DSR %v, PSR %v, hourly PSR %v", d.DSR, d.PSR, hourly.PSR)
	}
}

// TestPerfDegenerate: bad or too little input gives NaN, never a panic.
func TestPerfDegenerate(t *testing.T) {
	nan := math.NaN()
	inf := math.Inf(1)
	for _, tc := range []struct {
		name    string
		equity  []float64
		every   time.Duration
		periods int
		// TotalReturn, CAGR, Volatility, Sharpe, Sortino, MaxDrawdown,
		// Calmar, Skew, Kurtosis, PSR, DSR
		want [11]float64
	}{
		{"nil", nil, day, 0, [11]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}},
		{"one sample", []float64{100}, day, 0, [11]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}},
		{"NaN sample", []float64{100, nan, 110}, day, 2, [11]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}},
		{"Inf sample", []float64{100, inf, 110}, day, 2, [11]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}},
		{"zero start", []float64{0, 1, 2}, day, 2, [11]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}},
		{"negative start", []float64{-1, 1, 2}, day, 2, [11]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}},
		{"zero interval", []float64{100, 110}, 0, 1, [11]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}},
		{"flat", []float64{100, 100, 100}, day, 2, [11]float64{0, 0, 0, nan, nan, 0, nan, nan, nan, nan, nan}},
		// One return: no dispersion; Sortino and Calmar are +Inf (rose, no loss).
		{"one return", []float64{100, 110}, Year, 1, [11]float64{0.1, 0.1, nan, nan, inf, 0, inf, nan, nan, nan, nan}},
		// Ruin inside the curve: 100 → 0 → 10. Returns after 0 are
		// undefined; the loss is still reported.
		{"ruin then more", []float64{100, 0, 10}, Year, 2, [11]float64{-0.9, math.Sqrt(0.1) - 1, nan, nan, nan, 1, (math.Sqrt(0.1) - 1) / 1, nan, nan, nan, nan}},
		// Ruin at the end: 100 → 50 → 0, returns −50 %, −100 %: mean −0.75,
		// sd √0.125, TDD √0.625, deviations ±0.25 so skew 0, kurtosis 1.
		{"ruin at end", []float64{100, 50, 0}, Year, 2, [11]float64{-1, -1, math.Sqrt(0.125), -0.75 / math.Sqrt(0.125), -0.75 / math.Sqrt(0.625), 1, -1, 0, 1,
			distuv.UnitNormal.CDF(-0.75 / math.Sqrt(0.125)), DeflatedSharpe(-0.75/math.Sqrt(0.125), 2, 0, 1, 5, 0.01)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Perf(tc.equity, tc.every, 5, 0.01)
			got := [11]float64{p.TotalReturn, p.CAGR, p.Volatility, p.Sharpe, p.Sortino, p.MaxDrawdown, p.Calmar, p.Skew, p.Kurtosis, p.PSR, p.DSR}
			names := [11]string{"TotalReturn", "CAGR", "Volatility", "Sharpe", "Sortino", "MaxDrawdown", "Calmar", "Skew", "Kurtosis", "PSR", "DSR"}
			for i := range got {
				if !same(got[i], tc.want[i], 1e-12) {
					t.Errorf("%s = %v, want %v", names[i], got[i], tc.want[i])
				}
			}
			if p.Periods != tc.periods {
				t.Errorf("Periods = %d, want %d", p.Periods, tc.periods)
			}
		})
	}
}

// ExampleDeflatedSharpe reproduces the numerical example of Bailey &
// López de Prado's "The Deflated Sharpe Ratio" (2014).
func ExampleDeflatedSharpe() {
	const daysPerYear = 250
	sr := 2.5 / math.Sqrt(daysPerYear) // annualised SR 2.5 on daily returns
	v := 0.5 / daysPerYear             // annualised V[SR] = 1/2
	fmt.Printf("SR0 = %.4f annualised\n", ExpectedMaxSharpe(100, v)*math.Sqrt(daysPerYear))
	fmt.Printf("DSR(N=100) = %.4f\n", DeflatedSharpe(sr, 5*daysPerYear, -3, 10, 100, v))
	fmt.Printf("DSR(N=46)  = %.4f\n", DeflatedSharpe(sr, 5*daysPerYear, -3, 10, 46, v))
	// Output:
	// SR0 = 1.7894 annualised
	// DSR(N=100) = 0.9004
	// DSR(N=46)  = 0.9505
}
