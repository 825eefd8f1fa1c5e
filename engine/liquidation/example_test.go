package liquidation_test

import (
	"fmt"
	"math"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
)

// Open interest rises by 10 BTC while BTC trades at 60 000; a drop to
// 57 000 liquidates the 25x longs (and takes as much from the shorts,
// whose holders are assumed to close against the forced sells).
func ExampleBook() {
	cfg := liquidation.DefaultConfig()
	cfg.Leverage = []float64{10, 25}
	cfg.AggressorWeights = []float64{1, 3}
	cfg.PassiveWeights = []float64{3, 1}
	book, err := liquidation.New(cfg)
	if err != nil {
		panic(err)
	}
	t0 := engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	events := []engine.Event{
		{TS: t0, Kind: engine.KindOI, Qty: 1000, Value: math.NaN()},
		{TS: t0 + engine.Minute, Kind: engine.KindTrade, Price: 60_000, Qty: 2, Side: 1},
		{TS: t0 + 2*engine.Minute, Kind: engine.KindTrade, Price: 60_000, Qty: 1, Side: -1},
		{TS: t0 + 5*engine.Minute, Kind: engine.KindOI, Qty: 1010, Value: math.NaN()},
		{TS: t0 + 6*engine.Minute, Kind: engine.KindTrade, Price: 57_000, Qty: 1, Side: -1},
	}
	for i := range events {
		for _, l := range book.OnEvent(&events[i]) {
			fmt.Printf("%s %gx entry %.0f liquidated at %.2f: %.3f BTC, %.0f USDT\n",
				l.Side, l.Leverage, l.EntryPrice, l.Price, l.Qty, l.Notional)
		}
	}
	m := book.Map(book.Price(), 0.15, 0.15, 0.05)
	fmt.Printf("within 15%%: shorts %.0f, longs %.0f, asymmetry %.2f\n", m.ShortsWithin, m.LongsWithin, m.Asymmetry)
	// Output:
	// long 25x entry 60000 liquidated at 57831.33: 5.833 BTC, 337349 USDT
	// within 15%: shorts 107902, longs 225904, asymmetry 0.48
}
