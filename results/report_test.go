package results

import (
	"math"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/replay"
)

func TestMarketBars(t *testing.T) {
	// 5-minute rows from 00:30: six in the first hour, a gap row without
	// trades, then rows into the next hour.
	b := engine.NewGridBuilder(5*engine.Minute, nil)
	t0 := 30 * engine.Minute
	for i := range 12 {
		if i == 7 {
			continue // no trade: the row exists with Trades = 0
		}
		p := 100 + float64(i)
		switch i {
		case 0:
			b.AddEstimatedLiquidation(t0, 1, 1000)
		case 8:
			b.AddEstimatedLiquidation(t0+40*engine.Minute, -1, 500)
		}
		b.Add(&engine.Event{TS: t0 + engine.Nanos(i)*5*engine.Minute, Kind: engine.KindTrade, Price: p, Qty: 1})
		b.Add(&engine.Event{TS: t0 + engine.Nanos(i)*5*engine.Minute + engine.Second, Kind: engine.KindTrade, Price: p + 0.5, Qty: 2})
	}
	g := b.Grid()
	tb := MarketBars(g, time.Hour, true)
	col := func(name string) Column {
		for _, c := range tb.Cols {
			if c.Name == name {
				return c
			}
		}
		t.Fatalf("no column %s", name)
		return Column{}
	}
	ts := col("ts").TS
	if len(ts) != 2 || !ts[0].Equal(time.Unix(0, 0).UTC()) || !ts[1].Equal(time.Unix(3600, 0).UTC()) {
		t.Fatalf("bar starts %v", ts)
	}
	want := map[string][2]float64{
		"open": {100, 106}, "high": {105.5, 111.5}, "low": {100, 106}, "close": {105.5, 111.5},
		"volume": {18, 15}, "est_liq_long": {1000, 0}, "est_liq_short": {0, 500},
	}
	for name, w := range want {
		got := col(name).F64
		if got[0] != w[0] || got[1] != w[1] {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	if iv := col("interval_s").I64; iv[0] != 3600 {
		t.Errorf("interval_s %v", iv)
	}
	if el := MarketBars(g, time.Hour, false).Cols[10].F64; !math.IsNaN(el[0]) {
		t.Errorf("estimated liquidations without simulator = %v, want NULL", el)
	}
	if n := MarketBars(nil, time.Hour, true).Cols[0].Len(); n != 0 {
		t.Errorf("nil grid gave %d bars", n)
	}
}

func TestLiqHeatmap(t *testing.T) {
	tb := LiqHeatmap([]replay.HeatBand{{TS: engine.Hour, Price: 100, Side: perp.Long, Lo: 99, Hi: 100, Notional: 5},
		{TS: engine.Hour, Price: 100, Side: perp.Short, Lo: 100, Hi: 101, Notional: 7}})
	if tb.Cols[2].Str[0] != "long" || tb.Cols[2].Str[1] != "short" || tb.Cols[5].F64[1] != 7 || tb.Cols[3].F64[0] != 99 {
		t.Fatalf("%+v", tb.Cols)
	}
}
