package replay_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sync/atomic"
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

// longMarket is market() at one trade a second: about 350 000 events, well
// past the point where Run starts reading ahead on a second goroutine.
func longMarket() []engine.Event {
	r := rand.New(rand.NewPCG(3, 4))
	var evs []engine.Event
	p, oi := 50000.0, 1000.0
	for ts := engine.Nanos(0); ts < 4*engine.Day; ts += engine.Second {
		if ts%(8*engine.Hour) == 0 {
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindFunding, Value: 0.0001, Aux: 8, Price: p})
		}
		if ts%(5*engine.Minute) == 0 {
			oi *= 1 + 0.002*r.NormFloat64() + 0.0005
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindOI, Qty: oi, Value: oi * p})
		}
		step := r.NormFloat64() * 0.00015
		if ts > 3*engine.Day && ts < 3*engine.Day+engine.Hour {
			step -= 0.00025
		}
		p *= math.Exp(step)
		evs = append(evs, engine.Event{TS: ts, Kind: engine.KindTrade, Price: p, Qty: r.ExpFloat64(), Side: int8(1 - 2*r.IntN(2)), ID: int64(ts / engine.Second)})
	}
	return evs
}

// TestReadAheadSameResult: reading ahead on a second goroutine gives the
// same report as reading on one, bit for bit.
func TestReadAheadSameResult(t *testing.T) {
	evs := longMarket()
	runWith := func(procs int) *replay.Report {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		cfg := liquidation.DefaultConfig()
		var progress []engine.Nanos
		rep, err := replay.Run(context.Background(), engine.Merge(memfeed.New(evs)), replay.Config{
			Simulator: &cfg, Maps: []replay.MapRequest{{Above: 0.05, Below: 0.05, Every: time.Hour}},
			Heatmap:  &replay.HeatmapRequest{Every: 6 * time.Hour, Range: 0.1, Step: 0.01},
			Progress: func(ts engine.Nanos, n int64) { progress = append(progress, ts) }, ProgressEvery: 50_000})
		if err != nil {
			t.Fatal(err)
		}
		if len(progress) != len(evs)/50_000 {
			t.Errorf("%d progress calls, want %d", len(progress), len(evs)/50_000)
		}
		return rep
	}
	one, two := runWith(1), runWith(2)
	if len(one.Liquidations) == 0 || one.Tally.Events != int64(len(evs)) {
		t.Fatalf("%d liquidations, %d events", len(one.Liquidations), one.Tally.Events)
	}
	for _, c := range []struct {
		name string
		a, b any
	}{{"tally", one.Tally, two.Tally}, {"liquidations", one.Liquidations, two.Liquidations},
		{"episodes", one.Episodes, two.Episodes}, {"grid", one.Grid, two.Grid}, {"daily", one.Daily, two.Daily},
		{"maps", one.Maps, two.Maps}, {"heatmap", one.Heatmap, two.Heatmap},
		{"book", one.Book.Cohorts(), two.Book.Cohorts()}} {
		if !reflect.DeepEqual(c.a, c.b) {
			t.Errorf("%s differs between one and two goroutines", c.name)
		}
	}
}

// lender is a replay.CPUs that refuses the first `refuse` requests.
type lender struct {
	refuse, asked, held, lent int
}

func (l *lender) TryAcquire() bool {
	l.asked++
	if l.asked <= l.refuse {
		return false
	}
	l.held++
	l.lent++
	return true
}

func (l *lender) Release() { l.held-- }

// TestLentCPU: a run given a CPU pool reads ahead only once the pool
// lends a CPU (asking again while it does not), returns it, and gives the
// same report as a run on one goroutine.
func TestLentCPU(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	evs := longMarket()
	cfg := liquidation.DefaultConfig()
	run := func(cpus replay.CPUs) *replay.Report {
		rep, err := replay.Run(context.Background(), engine.Merge(memfeed.New(evs)), replay.Config{Simulator: &cfg, CPUs: cpus})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	for _, c := range []struct {
		name        string
		refuse      int
		asked, lent int
	}{{"lent at once", 0, 1, 1}, {"lent later", 1, 2, 1}, {"never lent", 1 << 20, 2, 0}} {
		t.Run(c.name, func(t *testing.T) {
			l := &lender{refuse: c.refuse}
			got := run(l)
			if l.asked != c.asked || l.lent != c.lent || l.held != 0 {
				t.Errorf("asked %d, lent %d, still held %d; want %d, %d, 0", l.asked, l.lent, l.held, c.asked, c.lent)
			}
			want := run(&lender{refuse: 1 << 20})
			if !reflect.DeepEqual(got.Liquidations, want.Liquidations) || !reflect.DeepEqual(got.Grid, want.Grid) || got.Tally != want.Tally {
				t.Error("report differs from the run without read-ahead")
			}
		})
	}
}

// failing is a source that fails (or panics) after n events.
type failing struct {
	engine.Source
	n     int
	panic bool
}

var errBroken = errors.New("broken source")

func (f *failing) Next() bool {
	if f.n == 0 {
		if f.panic {
			panic(errBroken)
		}
		return false
	}
	f.n--
	return f.Source.Next()
}

func (f *failing) Err() error {
	if f.n == 0 {
		return errBroken
	}
	return nil
}

// watched is a source that notes reads after it was closed.
type watched struct {
	engine.Source
	closed, late atomic.Bool
}

func (w *watched) Next() bool {
	if w.closed.Load() {
		w.late.Store(true)
	}
	return w.Source.Next()
}

// TestReadAheadStops: a source error, a panic in the source and a
// cancellation all end the run while reading ahead, and Run returns only
// after the reading goroutine has stopped using the source.
func TestReadAheadStops(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	evs := longMarket()
	cfg := liquidation.DefaultConfig()
	if _, err := replay.Run(context.Background(), &failing{Source: memfeed.New(evs), n: 200_000}, replay.Config{Simulator: &cfg}); !errors.Is(err, errBroken) {
		t.Errorf("source error: got %v", err)
	}
	func() {
		defer func() {
			if p := recover(); p != errBroken {
				t.Errorf("source panic: recovered %v", p)
			}
		}()
		replay.Run(context.Background(), &failing{Source: memfeed.New(evs), n: 200_000, panic: true}, replay.Config{Simulator: &cfg})
		t.Error("source panic: Run returned")
	}()
	// A panic on the engine's side (here a progress callback's) also
	// stops the reader before it leaves Run.
	src := &watched{Source: memfeed.New(evs)}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("engine panic: recovered %v", p)
			}
		}()
		replay.Run(context.Background(), src, replay.Config{Simulator: &cfg, ProgressEvery: 100_000,
			Progress: func(engine.Nanos, int64) { panic("boom") }})
	}()
	src.closed.Store(true)
	time.Sleep(20 * time.Millisecond)
	if src.late.Load() {
		t.Error("the source was read after Run returned")
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := replay.Run(ctx, memfeed.New(evs), replay.Config{Simulator: &cfg, ProgressEvery: 1000,
		Progress: func(engine.Nanos, int64) {
			if n++; n == 150 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}
