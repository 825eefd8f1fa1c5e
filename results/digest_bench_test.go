package results_test

import (
	"testing"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/results"
)

// BenchmarkDigest hashes a million estimated liquidations (the table that
// dominates a run's rows).
func BenchmarkDigest(b *testing.B) {
	ls := make([]liquidation.Liquidation, 1_000_000)
	for i := range ls {
		ls[i] = liquidation.Liquidation{TS: engine.Nanos(i) * 1e9, Side: perp.Side(1 - 2*(i%2)), Price: 60000 + float64(i%977),
			LiqPrice: 60000, Qty: 0.01 * float64(i%13+1), Notional: 600, Leverage: 25, EntryPrice: 61000}
	}
	tables := []results.Table{results.Liquidations(ls)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := results.Digest(tables); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds()/1e6, "Mrows/s")
}
