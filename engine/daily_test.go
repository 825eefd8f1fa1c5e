package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refDaily is the per-event reference for DailyFromGrid: it accumulates DailyStat rows from an event stream in time order.
type refDaily struct {
	rows []DailyStat
	cur  *DailyStat
}

// Add folds one event into the day it belongs to.
func (d *refDaily) Add(e *Event) {
	day := e.TS.DayStart()
	if d.cur == nil || d.cur.Day != day {
		d.rows = append(d.rows, newDay(day))
		d.cur = &d.rows[len(d.rows)-1]
	}
	c := d.cur
	switch e.Kind {
	case KindTrade:
		if c.Trades == 0 {
			c.Open, c.High, c.Low = e.Price, e.Price, e.Price
		}
		c.High = math.Max(c.High, e.Price)
		c.Low = math.Min(c.Low, e.Price)
		c.Close = e.Price
		c.Trades++
		c.Volume += e.Qty
		c.Notional += e.Price * e.Qty
		if e.Side > 0 {
			c.BuyVolume += e.Qty
		}
	case KindFunding:
		c.FundingSum += e.Value
		c.FundingCount++
		c.FundingLast = e.Value
	case KindOI:
		if !math.IsNaN(e.Qty) {
			if math.IsNaN(c.OIOpen) {
				c.OIOpen = e.Qty
			}
			c.OIClose = e.Qty
		}
		if !math.IsNaN(e.Value) {
			c.OIValueClose = e.Value
		}
	}
}

// Rows returns the days accumulated so far, in time order.
func (d *refDaily) Rows() []DailyStat { return d.rows }

func TestDailyFromGridMatchesPerEvent(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	b := NewGridBuilder(5*Minute, nil)
	var ref refDaily
	ts := Nanos(0)
	p := 100.0
	for k := 0; k < 20000; k++ {
		ts += Nanos(r.IntN(int(20 * Minute)))
		var e Event
		switch x := r.IntN(20); {
		case x == 0:
			e = Event{TS: ts, Kind: KindFunding, Value: r.NormFloat64() * 1e-4, Aux: 8}
		case x == 1:
			e = Event{TS: ts, Kind: KindOI, Qty: 1000 + r.Float64()*100, Value: math.NaN()}
		default:
			p *= 1 + r.NormFloat64()*1e-3
			e = Event{TS: ts, Kind: KindTrade, Price: p, Qty: r.ExpFloat64(), Side: int8(1 - 2*r.IntN(2))}
		}
		b.Add(&e)
		ref.Add(&e)
	}
	got, want := DailyFromGrid(b.Grid()), ref.Rows()
	if len(got) != len(want) {
		t.Fatalf("%d days, want %d", len(got), len(want))
	}
	near := func(a, b float64) bool {
		return a == b || (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
	}
	for i := range got {
		g, w := got[i], want[i]
		ok := g.Day == w.Day && near(g.Open, w.Open) && near(g.High, w.High) && near(g.Low, w.Low) && near(g.Close, w.Close) &&
			g.Trades == w.Trades && near(g.Volume, w.Volume) && near(g.Notional, w.Notional) && near(g.BuyVolume, w.BuyVolume) &&
			near(g.FundingSum, w.FundingSum) && g.FundingCount == w.FundingCount && near(g.OIClose, w.OIClose)
		if !ok {
			t.Fatalf("day %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}
