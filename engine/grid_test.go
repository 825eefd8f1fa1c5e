package engine_test

import (
	"math"
	"testing"

	"github.com/cascade-research/cascade/engine"
)

func TestGridBuilder(t *testing.T) {
	m := engine.Minute
	names := []string{"fear_greed"}
	b := engine.NewGridBuilder(5*m, func(i uint16) string { return names[i] })
	evs := []engine.Event{
		{TS: 1 * m, Kind: engine.KindOI, Qty: 100, Value: math.NaN()},
		{TS: 2 * m, Kind: engine.KindTrade, Price: 10, Qty: 1, Side: 1},
		{TS: 3 * m, Kind: engine.KindTrade, Price: 12, Qty: 2, Side: -1},
		{TS: 4 * m, Kind: engine.KindTrade, Price: 9, Qty: 1, Side: 1},
		{TS: 8 * m, Kind: engine.KindFunding, Value: 0.0001, Aux: 1}, // hourly rate 0.01% = 0.08% per 8h
		{TS: 9 * m, Kind: engine.KindSeries, Series: 0, Value: 20},
		// row 2 (10..15m) empty
		{TS: 16 * m, Kind: engine.KindTrade, Price: 11, Qty: 1, Side: 1},
		{TS: 17 * m, Kind: engine.KindLiquidation, Side: 1, Value: 500},
	}
	for i := range evs {
		b.Add(&evs[i])
	}
	b.AddEstimatedLiquidation(18*m, -1, 700)
	g := b.Grid()
	if g.Len() != 4 || g.T0 != 0 {
		t.Fatalf("len %d t0 %d", g.Len(), g.T0)
	}
	want := []struct{ o, h, l, c, v, oi, f, s float64 }{
		{10, 12, 9, 9, 4, 100, math.NaN(), math.NaN()},
		{9, 9, 9, 9, 0, 100, 0.0008, 20},
		{9, 9, 9, 9, 0, 100, 0.0008, 20},
		{11, 11, 11, 11, 1, 100, 0.0008, 20},
	}
	eq := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-15 }
	for i, w := range want {
		got := []float64{g.Open[i], g.High[i], g.Low[i], g.Close[i], g.Volume[i], g.OI[i], g.Funding[i], g.Series["fear_greed"][i]}
		exp := []float64{w.o, w.h, w.l, w.c, w.v, w.oi, w.f, w.s}
		for j := range got {
			if !eq(got[j], exp[j]) {
				t.Errorf("row %d col %d = %v, want %v (row %v)", i, j, got[j], exp[j], got)
				break
			}
		}
	}
	if !g.FundingSettled[1] || g.FundingSettled[0] || g.RecLiqLong[3] != 500 || g.EstLiqShort[3] != 700 || g.BuyVolume[0] != 2 {
		t.Errorf("flags/liquidations wrong: %+v", g)
	}
	if g.Index(7*m) != 1 || g.Index(-1) != -1 || g.Index(100*m) != -1 {
		t.Error("Index")
	}
}
