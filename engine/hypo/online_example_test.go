package hypo_test

import (
	"fmt"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/hypo"
)

// A signal evaluated in the replay that builds the grid: each row is
// asked as soon as the builder has moved past it, the last one when the
// stream ends.
func ExampleNewOnline() {
	b := engine.NewGridBuilder(engine.Hour, nil)
	g := b.Live()
	div, err := hypo.NewOnline("oi_divergence", map[string]any{"window": 4 * time.Hour, "oi_rise": 0.05, "price_fall": 0.02}, g, hypo.OnlineOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	dst := make([]float64, len(div.Features()))
	ask := func(i int) {
		if div.At(i, dst) {
			fmt.Printf("row %d: %s %+.3f, %s %+.3f\n", i, div.Features()[0], dst[0], div.Features()[1], dst[1])
		}
	}
	next := 0
	for h := range 12 {
		t := engine.Nanos(h) * engine.Hour
		p, oi := 100.0, 1000.0
		if h >= 6 {
			p, oi = 97, 1060 // price down 3%, OI up 6%
		}
		b.Add(&engine.Event{TS: t, Kind: engine.KindOI, Qty: oi, Value: oi * p})
		b.Add(&engine.Event{TS: t + engine.Minute, Kind: engine.KindTrade, Price: p, Qty: 1})
		for ; next < g.Len()-1; next++ {
			ask(next)
		}
	}
	b.Live() // the stream has ended: the last row is complete
	for ; next < g.Len(); next++ {
		ask(next)
	}
	// Output:
	// row 6: oi_change +0.060, price_change -0.030
	// row 7: oi_change +0.060, price_change -0.030
	// row 8: oi_change +0.060, price_change -0.030
	// row 9: oi_change +0.060, price_change -0.030
}
