package perp

import "math"

// Funding constants (Binance USDⓈ-M, per 8-hour interval).
const (
	// DefaultInterestRate is the interest rate component I of the funding
	// rate: 0.01% per 8 hours.
	DefaultInterestRate = 0.0001
	// FundingClampRange is the bound on the interest-minus-premium term
	// of the funding rate formula: ±0.05%.
	FundingClampRange = 0.0005
)

// FundingRate returns F = P + clamp(I − P, −0.05%, +0.05%) for the
// interval's average premium index P and interest rate I (fractions per
// interval). F = I whenever |I − P| <= 0.05%. Exchanges also cap F per
// contract; apply that cap separately.
func FundingRate(premium, interest float64) float64 {
	return premium + math.Max(-FundingClampRange, math.Min(FundingClampRange, interest-premium))
}

// FundingPayment returns |Q|·mark·F, the amount a long pays (and a short
// receives) at a funding settlement; it is negative when the rate is
// negative (shorts pay longs).
func FundingPayment(qty, mark, rate float64) float64 {
	return math.Abs(qty) * mark * rate
}

// FundingCashflow returns the cash a position of the given side receives
// at a funding settlement: −s·|Q|·mark·F.
func FundingCashflow(side Side, qty, mark, rate float64) float64 {
	return -side.Sign() * FundingPayment(qty, mark, rate)
}
