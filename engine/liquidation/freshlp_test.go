package liquidation

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFreshLiqPriceScales checks the fresh tier's linear formula against
// the exact tiered formula over random entries, sides, leverages and
// margins: the same price up to rounding (the formula is the same
// expression divided through by the account's quantity).
func TestFreshLiqPriceScales(t *testing.T) {
	b, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 5000; k++ {
		s, i := r.IntN(2), r.IntN(len(b.cfg.Leverage))
		entry := math.Exp(r.Float64()*12 - 2)                        // 0.14 .. 22 000
		mpu := entry / b.cfg.Leverage[i] * (1 + r.NormFloat64()*0.2) // funding moves margins
		got := b.liqPrice(s, i, entry, mpu)
		want := b.exactLiqPrice(s, i, entry, mpu)
		if math.Abs(got-want) > 1e-14*entry {
			t.Fatalf("side %d lev %v entry %v: shortcut %v, exact %v", s, b.cfg.Leverage[i], entry, got, want)
		}
	}
}
