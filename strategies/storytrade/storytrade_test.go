package storytrade_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/strategy"
	"github.com/cascade-research/cascade/strategies/storytrade"
)

// market returns one trade a minute for a day from price p0 following
// path(minute), and its 5-minute grid.
func market(p0 float64, path func(m int) float64) ([]engine.Event, *engine.Grid) {
	var evs []engine.Event
	b := engine.NewGridBuilder(5*engine.Minute, nil)
	for m := range 24 * 60 {
		e := engine.Event{TS: engine.Nanos(m) * engine.Minute, Kind: engine.KindTrade, Price: p0 * path(m), Qty: 1}
		evs = append(evs, e)
		b.Add(&e)
	}
	return evs, b.Grid()
}

func story(t *testing.T, name string) storytrade.Story {
	for _, s := range storytrade.Stories() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no story %s", name)
	return storytrade.Story{}
}

func params(s storytrade.Story, set map[string]any) map[string]any {
	p := map[string]any{}
	for _, ps := range s.Spec().Params {
		p[ps.Name] = ps.Default
	}
	for k, v := range set {
		p[k] = v
	}
	return p
}

func run(t *testing.T, s storytrade.Story, p map[string]any, evs []engine.Event, g *engine.Grid, fire []int, feats []string, vals []float64) strategy.Result {
	t.Helper()
	st, _, _, err := s.New(p)
	if err != nil {
		t.Fatal(err)
	}
	on := make([]bool, g.Len())
	for _, i := range fire {
		on[i] = true
	}
	in := strategy.SignalInput{Name: s.Signal, On: on, Features: feats}
	if len(feats) > 0 {
		in.Values = func(i int, dst []float64) { copy(dst, vals) }
	}
	acct := strategy.DefaultAccountConfig()
	acct.Capital, acct.Leverage, acct.MakerFee, acct.TakerFee = 100_000, 3, 0, 0
	rs, err := strategy.Run(context.Background(), memfeed.New(evs), []strategy.Variant{{Name: s.Name, Strategy: st, Account: acct, Signals: []strategy.SignalInput{in}}},
		strategy.Config{Grid: g, EquityEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

func TestStoryTrades(t *testing.T) {
	flat := func(int) float64 { return 1 }
	for _, tc := range []struct {
		name      string
		story     string
		set       map[string]any
		path      func(m int) float64
		fire      []int
		feats     []string
		vals      []float64
		exitTag   string  // how the trade ended: the exit order's tag (suffix)
		exitPrice float64 // fill price of the exit
		side      float64 // sign of the entry
	}{
		// Price rises 12% over the day: the long's 10% target fills as a
		// limit at exactly +10% of the entry reference (the last price).
		{name: "target", story: "asymmetry_long", path: func(m int) float64 { return 1 + 0.12*float64(m)/1440 },
			fire: []int{0}, exitTag: ".tp", side: 1},
		// Price falls 8%: the 5% stop triggers.
		{name: "stop", story: "flush_bounce", path: func(m int) float64 { return 1 - 0.08*float64(m)/1440 },
			fire: []int{0}, exitTag: ".sl", side: 1},
		// Flat market: the position is closed after hold.
		{name: "hold", story: "asymmetry_long", set: map[string]any{"hold": 2 * time.Hour}, path: flat,
			fire: []int{0, 3}, exitTag: "hold", exitPrice: 100, side: 1},
		// Funding fade with crowded longs goes short.
		{name: "fade short", story: "funding_fade", set: map[string]any{"hold": time.Hour}, path: flat,
			fire: []int{0}, exitTag: "hold", exitPrice: 100, side: -1},
		// crowded=short fades the shorts: long.
		{name: "fade long", story: "funding_fade", set: map[string]any{"hold": time.Hour, "crowded": "short"}, path: flat,
			fire: []int{0}, exitTag: "hold", exitPrice: 100, side: 1},
		// Spring: swept low 99 × (1 − 0.002) = 98.802 is nearer than the
		// 5% stop, so a fall to 98 stops out near 98.8.
		{name: "spring stop below sweep", story: "spring_long", path: func(m int) float64 { return 1 - 0.02*float64(m)/1440 },
			fire: []int{0}, feats: []string{"support", "depth", "reclaim_bars", "liq_long"}, vals: []float64{100, 0.01, 2, 0},
			exitTag: ".sl", side: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := story(t, tc.story)
			evs, g := market(100, tc.path)
			r := run(t, s, params(s, tc.set), evs, g, tc.fire, tc.feats, tc.vals)
			if len(r.Fills) != 2 {
				t.Fatalf("%d fills, want entry and exit: %+v", len(r.Fills), r.Fills)
			}
			entry, exit := r.Fills[0], r.Fills[1]
			if entry.Side.Sign() != tc.side || exit.Side == entry.Side {
				t.Fatalf("entry %v exit %v", entry.Side, exit.Side)
			}
			// The signal of row 0 is delivered at its close (5 minutes); the
			// market entry fills at the next trade.
			if entry.TS != 5*engine.Minute {
				t.Errorf("entry at %s, want the first trade at the row's close", entry.TS)
			}
			var exitOrder strategy.OrderRecord
			for _, o := range r.Orders {
				if o.ID == exit.OrderID {
					exitOrder = o
				}
			}
			if !strings.HasSuffix(exitOrder.Tag, tc.exitTag) {
				t.Errorf("exit by %q (%+v), want %q", exitOrder.Tag, exitOrder, tc.exitTag)
			}
			ref := evs[4].Price // last price when the signal arrived
			switch tc.exitTag {
			case ".tp":
				if want := ref * 1.10; math.Abs(exit.Price-want) > 1e-9 {
					t.Errorf("target filled at %v, want %v", exit.Price, want)
				}
			case ".sl":
				stop := ref * 0.95
				if tc.story == "spring_long" {
					stop = 99 * 0.998
				}
				if exit.Price > stop || exit.Price < stop*0.999 {
					t.Errorf("stop filled at %v, want just below %v", exit.Price, stop)
				}
			case "hold":
				if exit.Price != tc.exitPrice {
					t.Errorf("hold exit at %v", exit.Price)
				}
			}
		})
	}
}
