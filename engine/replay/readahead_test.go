package replay

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
)

// TestReadAheadPath runs the same events through the read-ahead ring and
// through the direct loop, whatever the CPU count, and compares the
// reports. Trades carry all the fields a packed event keeps; the bars
// and funding events need the full list.
func TestReadAheadPath(t *testing.T) {
	var evs []engine.Event
	p := 100.0
	for i := range 3*readAheadBatch + 17 {
		ts := engine.Nanos(i) * engine.Second
		switch {
		case i%1000 == 0:
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindOI, Qty: 1000 + float64(i)/10, Value: math.NaN()})
		case i%5000 == 1:
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindFunding, Value: 0.0003, Aux: 8, Price: p})
		case i%777 == 2:
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindSeries, Series: 1, Value: float64(i)})
		default:
			p *= 1 + 0.001*math.Sin(float64(i)/300)
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindTrade, Price: p, Qty: 0.5, ID: int64(i), Side: int8(1 - 2*(i%2)), Flags: uint8(i % 3 / 2)})
		}
	}
	names := func(i uint16) string { return []string{"a", "b"}[i] }
	report := func(ahead bool) *Report {
		cfg := liquidation.DefaultConfig()
		r, err := newRun(Config{Simulator: &cfg, SeriesName: names})
		if err != nil {
			t.Fatal(err)
		}
		if ahead {
			err = r.readAhead(context.Background(), memfeed.New(evs))
		} else {
			err = r.serial(context.Background(), memfeed.New(evs), math.MaxInt64)
		}
		if err != nil {
			t.Fatal(err)
		}
		return r.finish()
	}
	a, b := report(true), report(false)
	if a.Tally.Events != int64(len(evs)) || len(a.Liquidations) == 0 {
		t.Fatalf("%d events, %d liquidations", a.Tally.Events, len(a.Liquidations))
	}
	for _, c := range []struct {
		name string
		a, b any
	}{{"tally", a.Tally, b.Tally}, {"grid", a.Grid, b.Grid}, {"liquidations", a.Liquidations, b.Liquidations},
		{"cohorts", a.Book.Cohorts(), b.Book.Cohorts()}} {
		// %v: the grid holds NaNs (OI value unknown), which DeepEqual
		// never finds equal.
		if x, y := fmt.Sprintf("%v", c.a), fmt.Sprintf("%v", c.b); x != y {
			t.Errorf("%s: read ahead and direct differ", c.name)
		}
	}
	if len(a.Grid.Series["b"]) != a.Grid.Len() {
		t.Errorf("series b: %d rows, grid %d", len(a.Grid.Series["b"]), a.Grid.Len())
	}
}
