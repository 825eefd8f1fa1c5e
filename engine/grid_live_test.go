package engine_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/cascade-research/cascade/engine"
)

// TestGridBuilderLive: Live is the grid being built (the same pointer
// throughout), its rows before the current one are final, series are not
// padded, and after the last event Live holds what Grid returns.
func TestGridBuilderLive(t *testing.T) {
	m := engine.Minute
	b := engine.NewGridBuilder(5*m, func(uint16) string { return "fg" })
	g := b.Live()
	if g.Len() != 0 {
		t.Fatalf("empty builder: %d rows", g.Len())
	}
	evs := []engine.Event{
		{TS: 1 * m, Kind: engine.KindTrade, Price: 10, Qty: 1},
		{TS: 3 * m, Kind: engine.KindTrade, Price: 12, Qty: 1},
		{TS: 6 * m, Kind: engine.KindTrade, Price: 11, Qty: 2},
		{TS: 7 * m, Kind: engine.KindSeries, Value: 40},
		{TS: 21 * m, Kind: engine.KindTrade, Price: 9, Qty: 1},
	}
	var closes [][]float64
	for i := range evs {
		b.Add(&evs[i])
		closes = append(closes, append([]float64(nil), g.Close[:g.Len()-1]...)) // complete rows
	}
	if got, want := fmt.Sprint(closes), "[[] [] [12] [12] [12 11 11 11]]"; got != want {
		t.Errorf("complete rows' closes %s, want %s", got, want)
	}
	if s := g.Series["fg"]; len(s) != g.Len() || !math.IsNaN(s[0]) || s[1] != 40 {
		t.Errorf("series %v", s)
	}
	if b.Live() != g || g.Close[4] != 9 {
		t.Errorf("Live after the stream: %p vs %p, last close %v", b.Live(), g, g.Close[4])
	}
	if b.Grid() != g {
		t.Error("Grid and Live differ")
	}
}
