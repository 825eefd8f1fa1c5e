package replay_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/replay"
)

// market builds a few days of trades with a crash, OI every 5 minutes
// and 8-hourly funding.
func market() []engine.Event {
	r := rand.New(rand.NewPCG(9, 9))
	var evs []engine.Event
	p, oi := 50000.0, 1000.0
	for ts := engine.Nanos(0); ts < 4*engine.Day; ts += 10 * engine.Second {
		if ts%(8*engine.Hour) == 0 {
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindFunding, Value: 0.0001, Aux: 8, Price: p})
		}
		if ts%(5*engine.Minute) == 0 {
			oi *= 1 + 0.002*r.NormFloat64() + 0.0005
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindOI, Qty: oi, Value: oi * p})
		}
		step := r.NormFloat64() * 0.0005
		if ts > 3*engine.Day && ts < 3*engine.Day+engine.Hour {
			step -= 0.0008 // a one-hour crash
		}
		p *= math.Exp(step)
		evs = append(evs, engine.Event{TS: ts, Kind: engine.KindTrade, Price: p, Qty: r.ExpFloat64(), Side: int8(1 - 2*r.IntN(2))})
	}
	return evs
}

func run(t *testing.T, evs []engine.Event) *replay.Report {
	t.Helper()
	cfg := liquidation.DefaultConfig()
	rep, err := replay.Run(context.Background(), engine.Merge(memfeed.New(evs)), replay.Config{
		GridStep: 5 * time.Minute, Simulator: &cfg, Maps: []replay.MapRequest{{Above: 0.1, Below: 0.1, Every: time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestRunSimulatorGridAndMaps(t *testing.T) {
	evs := market()
	rep := run(t, evs)
	if rep.Tally.Events != int64(len(evs)) || rep.Grid.Len() != 4*288 || len(rep.Daily) != 4 {
		t.Fatalf("events %d grid %d daily %d", rep.Tally.Events, rep.Grid.Len(), len(rep.Daily))
	}
	var long float64
	for _, l := range rep.Liquidations {
		if l.TS > 3*engine.Day && l.TS < 3*engine.Day+2*engine.Hour {
			long += l.Notional
		}
	}
	if long <= 0 || len(rep.Episodes) == 0 {
		t.Fatalf("the crash liquidated %v of longs in %d episodes; want some", long, len(rep.Episodes))
	}
	var grid float64
	for i := range rep.Grid.EstLiqLong {
		grid += rep.Grid.EstLiqLong[i] + rep.Grid.EstLiqShort[i]
	}
	var all float64
	for _, l := range rep.Liquidations {
		all += l.Notional
	}
	if math.Abs(grid-all) > 1e-6*all {
		t.Errorf("grid liquidations %v, events %v", grid, all)
	}
	if m := rep.Maps[0]; len(m.Times) != 4*24 || len(m.Shorts) != len(m.Times) {
		t.Errorf("map samples: %d times", len(m.Times))
	}
	if again := run(t, evs); !reflect.DeepEqual(again.Liquidations, rep.Liquidations) || !reflect.DeepEqual(again.Maps, rep.Maps) {
		t.Error("same events, different results")
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := replay.Run(ctx, engine.Merge(memfeed.New(market())), replay.Config{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestMapsNeedSimulator(t *testing.T) {
	_, err := replay.Run(context.Background(), engine.Merge(memfeed.New(market())), replay.Config{Maps: []replay.MapRequest{{0.1, 0.1, time.Hour}}})
	if err == nil {
		t.Fatal("map samples without the simulator accepted")
	}
}

// TestOIProxy runs the market without its OI events through the volume
// proxy, and with them anchored once a day: both give the simulator
// positions to liquidate in the crash.
func TestOIProxy(t *testing.T) {
	var noOI []engine.Event
	for _, e := range market() {
		if e.Kind != engine.KindOI {
			noOI = append(noOI, e)
		}
	}
	for _, tc := range []struct {
		name string
		evs  []engine.Event
		px   replay.OIProxy
	}{
		{"volume proxy", noOI, replay.OIProxy{Turnover: 12 * time.Hour, Window: 24 * time.Hour, Every: 5 * time.Minute}},
		{"daily OI spread by volume", market(), replay.OIProxy{Turnover: 12 * time.Hour, Window: 24 * time.Hour, Every: 5 * time.Minute, Anchor: 24 * time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := liquidation.DefaultConfig()
			px := tc.px
			rep, err := replay.Run(context.Background(), engine.Merge(memfeed.New(tc.evs)), replay.Config{Simulator: &cfg, OIProxy: &px})
			if err != nil {
				t.Fatal(err)
			}
			st := rep.Book.Stats()
			if len(rep.Liquidations) == 0 || !(st.OI > 0) {
				t.Fatalf("%d liquidations, book OI %v", len(rep.Liquidations), st.OI)
			}
			if tc.px.Anchor > 0 {
				// Anchored: the book's OI stays on the scale of the observed OI
				// (about 1000 base units), not of the raw volume proxy.
				if st.OI < 100 || st.OI > 10000 {
					t.Errorf("anchored book OI %v, want on the order of the observed 1000", st.OI)
				}
			}
		})
	}
	bad := replay.OIProxy{Every: time.Minute}
	cfg := liquidation.DefaultConfig()
	if _, err := replay.Run(context.Background(), engine.Merge(memfeed.New(noOI)), replay.Config{Simulator: &cfg, OIProxy: &bad}); err == nil {
		t.Error("a proxy without turnover and window accepted")
	}
}

// The heatmap's bands at each snapshot add up to the map totals sampled at
// the same instants over the same range, lie on the right side of the
// price, and stay within ±range.
func TestHeatmapMatchesMapSamples(t *testing.T) {
	cfg := liquidation.DefaultConfig()
	rep, err := replay.Run(context.Background(), engine.Merge(memfeed.New(market())), replay.Config{
		GridStep: 5 * time.Minute, Simulator: &cfg,
		Maps:    []replay.MapRequest{{Above: 0.2, Below: 0.2, Every: 4 * time.Hour}},
		Heatmap: &replay.HeatmapRequest{Every: 4 * time.Hour, Range: 0.2, Step: 0.005}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Heatmap) == 0 {
		t.Fatal("no heatmap bands")
	}
	type sums struct{ long, short float64 }
	by := map[engine.Nanos]*sums{}
	for _, b := range rep.Heatmap {
		s := by[b.TS]
		if s == nil {
			s = &sums{}
			by[b.TS] = s
		}
		if !(b.Lo < b.Hi && b.Notional > 0) || b.Lo < b.Price*0.8-1e-6 || b.Hi > b.Price*1.2+1e-6 {
			t.Fatalf("bad band %+v", b)
		}
		if b.Side > 0 {
			s.long += b.Notional
			if b.Hi > b.Price {
				t.Fatalf("long band above price: %+v", b)
			}
		} else {
			s.short += b.Notional
			if b.Lo < b.Price {
				t.Fatalf("short band below price: %+v", b)
			}
		}
	}
	m := rep.Maps[0]
	for i, ts := range m.Times {
		s := by[ts]
		if s == nil {
			if m.Longs[i]+m.Shorts[i] != 0 {
				t.Fatalf("%s: map has notional, heatmap none", ts)
			}
			continue
		}
		if math.Abs(s.long-m.Longs[i]) > 1e-6*m.Longs[i]+1e-9 || math.Abs(s.short-m.Shorts[i]) > 1e-6*m.Shorts[i]+1e-9 {
			t.Fatalf("%s: heatmap long %g short %g, map %g %g", ts, s.long, s.short, m.Longs[i], m.Shorts[i])
		}
	}
	if _, err := replay.Run(context.Background(), engine.Merge(memfeed.New(market())), replay.Config{
		Heatmap: &replay.HeatmapRequest{Every: time.Hour, Range: 0.2, Step: 0.005}}); err == nil {
		t.Fatal("heatmap without simulator accepted")
	}
}
