package strategy

import (
	"math"
	"math/rand/v2"

	"github.com/cascade-research/cascade/engine"
)

// walkStream is a random-walk market of trades every step, with funding
// every 8 hours (rate ±fund, mark = NaN every other time so the last
// trade is used), OI every 5 minutes and a series value every hour, in
// merge order (funding, oi, series, trade at equal times).
func walkStream(seed uint64, n int, step engine.Nanos, vol, fund float64) []engine.Event {
	r := rand.New(rand.NewPCG(seed, 1))
	evs := make([]engine.Event, 0, n+n/16)
	p := 50_000.0
	for i := range n {
		ts := t0 + engine.Nanos(i)*step
		if ts%(8*engine.Hour) == 0 {
			mark := p
			if (ts/(8*engine.Hour))%2 == 1 {
				mark = math.NaN()
			}
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindFunding, Value: fund * (2*r.Float64() - 0.5), Aux: 8, Price: mark})
		}
		if ts%(5*engine.Minute) == 0 {
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindOI, Qty: 70_000, Value: 70_000 * p})
		}
		if ts%engine.Hour == 0 {
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindSeries, Value: r.Float64(), Series: 0})
		}
		p *= math.Exp(vol * r.NormFloat64())
		p = math.Round(p*10) / 10
		evs = append(evs, engine.Event{TS: ts, Kind: engine.KindTrade, Price: p, Qty: 0.001 + r.ExpFloat64()*0.05,
			Side: int8(1 - 2*r.IntN(2)), ID: int64(i + 1)})
	}
	return evs
}

// barStream is n bars of interval iv replayed as data/parquetfeed does:
// four path trades (open, nearer extreme, other extreme, close, flagged
// FlagBarPath) and a KindBar event at the close, with funding every 8
// hours (rate ±fund) ordered before the bar event at the same time.
func barStream(seed uint64, n int, iv engine.Nanos, vol, fund float64) []engine.Event {
	r := rand.New(rand.NewPCG(seed, 2))
	evs := make([]engine.Event, 0, 5*n+n/int(max(1, 8*engine.Hour/iv))+1)
	o := 50_000.0
	prev := o
	sign := func(x float64) int8 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	}
	for i := range n {
		ts := t0 + engine.Nanos(i)*iv
		c := o * math.Exp(vol*r.NormFloat64())
		h := math.Max(o, c) * math.Exp(math.Abs(vol*r.NormFloat64())/2)
		l := math.Min(o, c) * math.Exp(-math.Abs(vol*r.NormFloat64())/2)
		v := 1 + 10*r.ExpFloat64()
		first, second := h, l
		if math.Abs(o-l) <= math.Abs(h-o) {
			first, second = l, h
		}
		pts := [4]float64{o, first, second, c}
		times := [4]engine.Nanos{ts, ts + iv/3, ts + 2*iv/3, ts + iv - 1}
		for k := range 4 {
			e := engine.Event{TS: times[k], Kind: engine.KindTrade, Price: pts[k], Qty: v / 4, Side: sign(pts[k] - prev), Flags: engine.FlagBarPath}
			if k == 3 {
				e.Flags |= engine.FlagBarClose
			}
			evs = append(evs, e)
			prev = pts[k]
		}
		end := ts + iv
		if fund != 0 && end%(8*engine.Hour) == 0 {
			evs = append(evs, engine.Event{TS: end, Kind: engine.KindFunding, Value: fund * (2*r.Float64() - 0.5), Aux: 8, Price: math.NaN()})
		}
		evs = append(evs, engine.Event{TS: end, Kind: engine.KindBar, Price: c, Open: o, High: h, Low: l, Qty: v, Value: math.NaN(),
			Aux: float64(iv) / float64(engine.Second)})
		o = c
	}
	return evs
}

// gridOf builds the 5-minute grid of a stream.
func gridOf(evs []engine.Event) *engine.Grid {
	b := engine.NewGridBuilder(5*engine.Minute, nil)
	for i := range evs {
		b.Add(&evs[i])
	}
	return b.Grid()
}
