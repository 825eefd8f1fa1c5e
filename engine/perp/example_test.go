package perp_test

import (
	"fmt"

	"github.com/cascade-research/cascade/engine/perp"
)

// A 10x isolated long and short at 60 000 on the BTCUSDT table: the exact
// price (MM at the liquidation notional) against the common shortcut.
func ExampleBrackets_IsolatedLiquidationPrice() {
	bs := perp.BinanceBTCUSDT2024
	const q, ep, lev = 0.1, 60_000.0, 10.0
	for _, side := range []perp.Side{perp.Long, perp.Short} {
		lp, tier := bs.IsolatedLiquidationPrice(side, q, ep, q*ep/lev)
		fmt.Printf("%-5s exact %.2f shortcut %.2f (MMR %.2f%%)\n", side, lp,
			perp.ShortcutLiquidationPrice(side, ep, lev, tier.MMR), tier.MMR*100)
	}
	// Output:
	// long  exact 54216.87 shortcut 54240.00 (MMR 0.40%)
	// short exact 65737.05 shortcut 65760.00 (MMR 0.40%)
}

func ExampleFundingRate() {
	for _, p := range []float64{0.0003, -0.0002, 0.0010, -0.0010} {
		fmt.Printf("P %+.2f%% -> F %+.2f%%\n", p*100, perp.FundingRate(p, perp.DefaultInterestRate)*100)
	}
	// Output:
	// P +0.03% -> F +0.01%
	// P -0.02% -> F +0.01%
	// P +0.10% -> F +0.05%
	// P -0.10% -> F -0.05%
}
