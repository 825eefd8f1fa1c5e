package synth

import (
	"math"
	"math/rand/v2"
)

// Random streams. Each symbol draws from independent PCG streams so that,
// e.g., the microstructure never shifts the price path in null mode.
const (
	streamPrice uint64 = iota + 1 // returns, regimes
	streamBook                    // positioning, open interest, premium
	streamTrade                   // trade counts, times, sizes, sides
	streamEvent                   // planted events
)

// newRand returns the PCG stream of one symbol.
func newRand(seed uint64, sym string, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, symHash(sym)^(stream*0x9e3779b97f4a7c15)))
}

// studentT4 returns a Student-t draw with 4 degrees of freedom scaled to
// unit variance: Z/sqrt(χ²₄/4)/sqrt(2), with χ²₄ = −2·ln(U₁U₂).
func studentT4(r *rand.Rand) float64 {
	z := r.NormFloat64()
	chi := -2 * math.Log((1-r.Float64())*(1-r.Float64()))
	return z / math.Sqrt(chi/4) / math.Sqrt2
}

// poisson draws a Poisson count with mean lambda: by multiplication for
// small means, by a rounded normal approximation above 30.
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		n := math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64())
		return int(math.Max(0, n))
	}
	l, k, p := math.Exp(-lambda), 0, r.Float64()
	for p > l {
		k++
		p *= r.Float64()
	}
	return k
}

// uniform returns a draw from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
