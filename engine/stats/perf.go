package stats

import (
	"math"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Year is the length of a year used to annualise: 365.25 days. Crypto
// perpetuals trade around the clock, so an equity curve sampled every d has
// Year/d periods per year (8766 for hourly samples, 365.25 for daily ones).
const Year = 8766 * time.Hour

// eulerGamma is the Euler–Mascheroni constant γ.
const eulerGamma = 0.57721566490153286060651209008240243104215933593992

// zeroVarTol is the relative tolerance below which a return series counts
// as having no variance: sd ≤ zeroVarTol·mean(|r|). A curve that grows by
// exactly the same factor every period has returns that differ only by
// rounding (~1e-17), and its Sharpe ratio must be NaN, not 1e15.
const zeroVarTol = 1e-9

// Performance summarises an equity curve sampled at a fixed interval.
//
// Returns are simple per-period returns r_t = e_t/e_{t−1} − 1 with a risk
// free rate of zero. Annualised fields use P = Year/every periods per year.
// Fields that cannot be computed are NaN (see Perf).
type Performance struct {
	// TotalReturn is e_last/e_first − 1.
	TotalReturn float64
	// CAGR is the compound annual growth rate,
	// (e_last/e_first)^(P/Periods) − 1; −1 when the curve ends at or below
	// zero (ruin).
	CAGR float64
	// Volatility is the annualised sample standard deviation (n−1
	// denominator) of the simple per-period returns: sd·√P.
	Volatility float64
	// Sharpe is the annualised Sharpe ratio mean(r)/sd(r)·√P. The
	// per-period ratio, the one PSR and DSR take, is Sharpe/√P.
	Sharpe float64
	// Sortino is the annualised Sortino ratio mean(r)/TDD·√P, where TDD is
	// the target downside deviation with target 0 averaged over ALL
	// periods, √(Σ min(r_t, 0)² / Periods) (Sortino & Price 1994), not only
	// over the losing ones. +Inf when no period lost and the mean is
	// positive.
	Sortino float64
	// MaxDrawdown is the largest fall from a running peak, as a positive
	// fraction of that peak: max_t 1 − e_t/max_{s≤t} e_s. 0.25 is −25 %.
	MaxDrawdown float64
	// Calmar is CAGR/MaxDrawdown over the whole curve; +Inf when the curve
	// never fell and CAGR is positive.
	Calmar float64
	// MaxDrawdownDuration is the longest time spent under water: from a
	// peak to the first sample back at or above it, or to the last sample
	// if the curve never recovered. It need not be the spell of the deepest
	// drawdown. Multiples of every.
	MaxDrawdownDuration time.Duration
	// Periods is the number of returns, len(equity) − 1.
	Periods int
	// Skew is the skewness of the per-period returns, from population
	// (biased, 1/n) central moments: m3/m2^1.5.
	Skew float64
	// Kurtosis is the non-excess kurtosis (normal = 3) of the per-period
	// returns, from population central moments: m4/m2².
	Kurtosis float64
	// PSR is the probabilistic Sharpe ratio against SR* = 0: the
	// probability that the true Sharpe ratio is positive.
	PSR float64
	// DSR is the deflated Sharpe ratio: PSR against the expected maximum
	// Sharpe ratio of the variants tried (DeflatedSharpe).
	DSR float64
}

// Perf computes the Performance of an equity curve sampled every every,
// with P = Year/every periods per year (crypto trades 24/7) and a risk free
// rate of zero. trials is the number of strategy variants tried, the
// selected one included, and sharpeVariance the cross-sectional variance
// of their per-period Sharpe ratios (SharpeVariance); both feed DSR only,
// and with trials ≤ 1 DSR equals PSR.
//
// Perf never panics; what it cannot compute is NaN:
//   - fewer than two samples, a non-finite sample, a first sample ≤ 0 or
//     every ≤ 0: every float field is NaN (Periods is still len−1).
//   - a flat curve or one growing by the same factor every period (zero
//     variance): Sharpe, Skew, Kurtosis, PSR and DSR are NaN; Volatility
//     is 0. Sortino and Calmar are +Inf if the curve rose, NaN if flat.
//     With a single return (two samples) Volatility is NaN as well.
//   - a curve that reaches zero or below before its last sample (ruin):
//     its later returns are undefined, so Volatility, Sharpe, Sortino,
//     Skew, Kurtosis, PSR and DSR are NaN; the drawdown fields and returns
//     still report the loss.
func Perf(equity []float64, every time.Duration, trials int, sharpeVariance float64) Performance {
	nan := math.NaN()
	p := Performance{
		TotalReturn: nan, CAGR: nan, Volatility: nan, Sharpe: nan, Sortino: nan,
		MaxDrawdown: nan, Calmar: nan, Skew: nan, Kurtosis: nan, PSR: nan, DSR: nan,
	}
	if len(equity) > 1 {
		p.Periods = len(equity) - 1
	}
	if p.Periods == 0 || every <= 0 || !(equity[0] > 0) {
		return p
	}
	for _, e := range equity {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return p
		}
	}
	perYear := float64(Year) / float64(every)

	first, last := equity[0], equity[len(equity)-1]
	p.TotalReturn = last/first - 1
	if last <= 0 {
		p.CAGR = -1
	} else {
		p.CAGR = math.Pow(last/first, perYear/float64(p.Periods)) - 1
	}
	p.MaxDrawdown, p.MaxDrawdownDuration = drawdown(equity, every)
	p.Calmar = Ratio(p.CAGR, p.MaxDrawdown)

	for _, e := range equity[:len(equity)-1] {
		if e <= 0 {
			return p // ruin: the returns after it are undefined
		}
	}
	r := make([]float64, p.Periods)
	for i := range r {
		r[i] = equity[i+1]/equity[i] - 1
	}
	m := moments(r)
	ann := math.Sqrt(perYear)
	p.Volatility = m.sd * ann
	p.Sortino = Ratio(m.mean, m.tdd) * ann
	p.Skew, p.Kurtosis = m.skew, m.kurt
	if m.flat {
		return p
	}
	sr := m.mean / m.sd
	p.Sharpe = sr * ann
	p.PSR = ProbabilisticSharpe(sr, 0, p.Periods, m.skew, m.kurt)
	p.DSR = DeflatedSharpe(sr, p.Periods, m.skew, m.kurt, trials, sharpeVariance)
	return p
}

// retMoments holds the summary statistics of a return series.
type retMoments struct {
	mean, sd   float64 // sd with the n−1 denominator
	tdd        float64 // target downside deviation, target 0, over all n
	skew, kurt float64 // population moments; NaN when flat
	flat       bool    // sd ≤ zeroVarTol·mean(|r|) (or n < 2)
}

// moments computes retMoments in two passes, in index order.
func moments(r []float64) retMoments {
	n := float64(len(r))
	var sum, sumAbs, down float64
	for _, v := range r {
		sum += v
		sumAbs += math.Abs(v)
		if v < 0 {
			down += v * v
		}
	}
	m := retMoments{mean: sum / n, tdd: math.Sqrt(down / n)}
	var m2, m3, m4 float64
	for _, v := range r {
		d := v - m.mean
		d2 := d * d
		m2 += d2
		m3 += d2 * d
		m4 += d2 * d2
	}
	if len(r) > 1 {
		m.sd = math.Sqrt(m2 / (n - 1))
	}
	m.flat = len(r) < 2 || m.sd <= zeroVarTol*sumAbs/n
	if m.flat {
		m.skew, m.kurt = math.NaN(), math.NaN()
		m.sd = 0
		if len(r) < 2 {
			m.sd = math.NaN()
		}
		return m
	}
	m2, m3, m4 = m2/n, m3/n, m4/n
	m.skew = m3 / math.Pow(m2, 1.5)
	m.kurt = m4 / (m2 * m2)
	return m
}

// drawdown returns the maximum drawdown of equity (a positive fraction of
// the running peak) and the longest under-water spell, peak to recovery
// or to the end, in units of every. equity[0] must be positive.
func drawdown(equity []float64, every time.Duration) (float64, time.Duration) {
	peak, peakAt := equity[0], 0
	var maxDD float64
	longest := 0
	for i, e := range equity {
		if e >= peak {
			if d := i - peakAt; d > 1 && d > longest {
				longest = d // under water from peakAt+1 to i−1, recovered at i
			}
			peak, peakAt = e, i
			continue
		}
		if dd := 1 - e/peak; dd > maxDD {
			maxDD = dd
		}
	}
	if end := len(equity) - 1; equity[end] < peak && end-peakAt > longest {
		longest = end - peakAt // still under water at the end
	}
	return maxDD, time.Duration(longest) * every
}

// Ratio returns num/den, except that a zero denominator gives +Inf for a
// positive numerator and NaN otherwise (nothing lost: infinitely good; 0/0
// and a loss with no risk: undefined).
func Ratio(num, den float64) float64 {
	if den == 0 {
		if num > 0 {
			return math.Inf(1)
		}
		return math.NaN()
	}
	return num / den
}

// ProbabilisticSharpe returns the probabilistic Sharpe ratio (Bailey &
// López de Prado 2012, "The Sharpe Ratio Efficient Frontier"): the
// probability that the true Sharpe ratio exceeds srStar, given an observed
// Sharpe ratio sr over n returns with skewness skew and non-excess
// kurtosis kurt (normal = 3),
//
//	PSR = Φ( (sr − srStar)·√(n−1) / √(1 − skew·sr + (kurt−1)/4·sr²) ).
//
// sr and srStar are per period, not annualised. It returns NaN when n < 2,
// an input is NaN, or the variance term is not positive.
func ProbabilisticSharpe(sr, srStar float64, n int, skew, kurt float64) float64 {
	if n < 2 || math.IsNaN(sr) || math.IsNaN(srStar) || math.IsNaN(skew) || math.IsNaN(kurt) {
		return math.NaN()
	}
	v := 1 - skew*sr + (kurt-1)/4*sr*sr
	if !(v > 0) {
		return math.NaN()
	}
	return distuv.UnitNormal.CDF((sr - srStar) * math.Sqrt(float64(n-1)) / math.Sqrt(v))
}

// ExpectedMaxSharpe returns the expected maximum of trials independent
// Sharpe ratio estimates of strategies whose true Sharpe ratio is zero and
// whose estimates have cross-sectional variance sharpeVariance (Bailey,
// Borwein, López de Prado & Zhu 2014; Bailey & López de Prado 2014, "The
// Deflated Sharpe Ratio"):
//
//	SR0 = √V · ((1−γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))),
//
// with γ the Euler–Mascheroni constant. It is in the units of the Sharpe
// ratios behind sharpeVariance (per period for DeflatedSharpe). It returns
// 0 for trials ≤ 1 (nothing was selected) and NaN for a negative or NaN
// sharpeVariance.
func ExpectedMaxSharpe(trials int, sharpeVariance float64) float64 {
	if trials <= 1 {
		return 0
	}
	if !(sharpeVariance >= 0) {
		return math.NaN()
	}
	n := float64(trials)
	// Φ⁻¹(1−p) = −Φ⁻¹(p) keeps precision for large N.
	z := -(1-eulerGamma)*distuv.UnitNormal.Quantile(1/n) - eulerGamma*distuv.UnitNormal.Quantile(1/(n*math.E))
	return math.Sqrt(sharpeVariance) * z
}

// DeflatedSharpe returns the deflated Sharpe ratio (Bailey & López de
// Prado 2014): the probabilistic Sharpe ratio of the selected strategy
// against the Sharpe ratio the best of trials skill-less variants would be
// expected to show,
//
//	DSR = ProbabilisticSharpe(sr, ExpectedMaxSharpe(trials, sharpeVariance), n, skew, kurt).
//
// sr is per period over n returns, sharpeVariance the variance of the
// per-period Sharpe ratios of all variants tried (SharpeVariance), skew and
// kurt (non-excess) those of the selected strategy's returns. With
// trials ≤ 1 it equals the PSR against zero.
func DeflatedSharpe(sr float64, n int, skew, kurt float64, trials int, sharpeVariance float64) float64 {
	return ProbabilisticSharpe(sr, ExpectedMaxSharpe(trials, sharpeVariance), n, skew, kurt)
}

// SharpeVariance returns the cross-sectional sample variance (n−1
// denominator) of the per-period Sharpe ratios of the variants tried, the
// V[SR] input of DeflatedSharpe. NaNs are ignored; fewer than two finite
// values give NaN.
func SharpeVariance(srs []float64) float64 {
	var n, sum float64
	for _, s := range srs {
		if !math.IsNaN(s) {
			n++
			sum += s
		}
	}
	if n < 2 {
		return math.NaN()
	}
	mean := sum / n
	var ss float64
	for _, s := range srs {
		if !math.IsNaN(s) {
			ss += (s - mean) * (s - mean)
		}
	}
	return ss / (n - 1)
}

// TradeStats returns the win rate (the fraction of trades with a positive
// PnL; a zero PnL is a trade but not a win) and the profit factor (gross
// profit / gross loss) of per-trade PnLs. NaN PnLs are ignored. With no
// trades both are NaN; with no losing trade the profit factor is +Inf if
// some trade won and NaN if every PnL was zero.
func TradeStats(pnls []float64) (winRate, profitFactor float64) {
	var trades, wins int
	var profit, loss float64
	for _, x := range pnls {
		switch {
		case math.IsNaN(x):
			continue
		case x > 0:
			wins++
			profit += x
		case x < 0:
			loss -= x
		}
		trades++
	}
	if trades == 0 {
		return math.NaN(), math.NaN()
	}
	return float64(wins) / float64(trades), Ratio(profit, loss)
}
