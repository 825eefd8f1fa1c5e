package liquidation

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// t0 is 2024-01-01 00:00 UTC.
var t0 = engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))

func at(d time.Duration) engine.Nanos { return t0 + engine.Nanos(d) }

func trade(ts engine.Nanos, p, q float64, side int8) engine.Event {
	return engine.Event{TS: ts, Kind: engine.KindTrade, Price: p, Qty: q, Side: side}
}

func oiEv(ts engine.Nanos, q float64) engine.Event {
	return engine.Event{TS: ts, Kind: engine.KindOI, Qty: q, Value: math.NaN()}
}

func fundingEv(ts engine.Nanos, rate, mark float64) engine.Event {
	return engine.Event{TS: ts, Kind: engine.KindFunding, Value: rate, Aux: 8, Price: mark}
}

// feed passes evs to b and returns copies of the liquidations.
func feed(t testing.TB, b *Book, evs ...engine.Event) []Liquidation {
	t.Helper()
	var out []Liquidation
	for i := range evs {
		out = append(out, b.OnEvent(&evs[i])...)
		if err := b.check(); err != nil {
			t.Fatalf("after event %d (%v at %s): %v", i, evs[i].Kind, evs[i].TS, err)
		}
	}
	return out
}

func mustNew(t testing.TB, cfg Config) *Book {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func near(t testing.TB, name string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", name, got, want, tol)
	}
}

// walk generates a random market: a price random walk with trades every
// ms-ish step, OI every 5 minutes (a noisy mean-reverting series that
// trends with the price) and funding every 8 hours.
type walkOpts struct {
	seed     uint64
	trades   int
	start    float64
	vol      float64 // per-trade log-return sd
	stepNs   engine.Nanos
	oi       float64 // typical OI (base)
	fundRate float64 // typical |funding rate|
}

func walkEvents(o walkOpts) []engine.Event {
	r := rand.New(rand.NewPCG(o.seed, 99))
	if o.stepNs == 0 {
		o.stepNs = 100 * engine.Millisecond
	}
	evs := make([]engine.Event, 0, o.trades+o.trades/1000+16)
	lp := math.Log(o.start)
	oi := o.oi
	ts := t0
	nextOI, nextFund := t0, t0+8*engine.Hour
	lastOI := lp
	for range o.trades {
		if ts >= nextOI {
			// OI follows the price a little, plus noise, mean-reverting.
			oi += o.oi * (0.5*(lp-lastOI) + 0.004*r.NormFloat64() + 0.02*(1-oi/o.oi))
			oi = math.Max(oi, 0.1*o.oi)
			lastOI = lp
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindOI, Qty: math.Round(oi*1000) / 1000, Value: math.NaN()})
			nextOI += 5 * engine.Minute
		}
		if ts >= nextFund {
			rate := o.fundRate * (0.5 + r.NormFloat64())
			evs = append(evs, engine.Event{TS: ts, Kind: engine.KindFunding, Value: rate, Aux: 8, Price: math.Exp(lp)})
			nextFund += 8 * engine.Hour
		}
		lp += o.vol * r.NormFloat64()
		side := int8(1)
		if r.IntN(2) == 0 {
			side = -1
		}
		p := math.Round(math.Exp(lp)*10) / 10
		evs = append(evs, engine.Event{TS: ts, Kind: engine.KindTrade, Price: p, Qty: 0.001 + r.ExpFloat64()*0.1, Side: side})
		ts += o.stepNs
	}
	return evs
}
