package liquidation

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cascade-research/cascade/engine"
)

// bigBook builds a book of about 50 000 cohorts: one interval's trades at
// 2 600 prices 0.01% apart around 50 000, one OI increase, then the
// cohorts within ±0.3% of the middle are liquidated so that trades there
// cross nothing.
func bigBook(tb testing.TB) (*Book, float64) {
	cfg := DefaultConfig()
	cfg.PriceBin = 0.0001
	b := mustNew(tb, cfg)
	const mid, n = 50_000.0, 3500
	ts := t0
	b.OnOI(ts, 0, math.NaN())
	for i := range n {
		p := mid * math.Exp(0.0001*float64(i-n/2)+0.00005)
		e := trade(ts+engine.Nanos(i)*engine.Millisecond, p, 1, int8(1-2*(i%2)))
		b.OnEvent(&e)
	}
	e := trade(ts+engine.Second*10, mid, 1, 1)
	b.OnEvent(&e)
	b.OnOI(ts+5*engine.Minute, 1e6, math.NaN())
	for _, p := range []float64{mid * 0.997, mid * 1.003, mid} {
		e := trade(ts+6*engine.Minute, p, 1, 1)
		b.OnEvent(&e)
	}
	if err := b.check(); err != nil {
		tb.Fatal(err)
	}
	return b, mid
}

// BenchmarkOnTrade feeds trades that cross nothing to a book of ~50 000
// cohorts. step is the per-trade log-return sd of the walk: "tick" moves
// about one BTC tick-size multiple (2e-5, a bin change every few dozen
// trades), "jumpy" changes bins on about every other trade (the worst
// case of the histogram cache).
func BenchmarkOnTrade(b *testing.B) {
	bk, mid := bigBook(b)
	n := bk.Stats().Cohorts
	if n < 45_000 {
		b.Fatalf("only %d cohorts", n)
	}
	for _, bc := range []struct {
		name string
		step float64
	}{{"tick", 2e-5}, {"jumpy", 1e-4}} {
		b.Run(bc.name, func(b *testing.B) {
			// A random walk within ±0.25% of the middle, reflected: it
			// crosses no liquidation price.
			r := rand.New(rand.NewPCG(1, 1))
			evs := make([]engine.Event, 1<<16)
			x := 0.0
			for i := range evs {
				x += bc.step * r.NormFloat64()
				if math.Abs(x) > 0.0025 {
					x = math.Copysign(0.005, x) - x
				}
				evs[i] = trade(t0+7*engine.Minute+engine.Nanos(i)*engine.Millisecond, math.Round(mid*(1+x)*10)/10, 0.01+r.ExpFloat64()*0.1, int8(1-2*r.IntN(2)))
			}
			b.ReportAllocs()
			i, liq := 0, 0
			for b.Loop() {
				liq += len(bk.OnEvent(&evs[i&(len(evs)-1)]))
				i++
			}
			if liq != 0 {
				b.Fatalf("%d liquidations", liq)
			}
			b.ReportMetric(float64(n), "cohorts")
		})
	}
}

// replayEvents is a day of a realistic market: 100 ms trades on a random
// walk with 3% daily volatility, OI every 5 minutes, funding every 8 hours.
func replayEvents() []engine.Event {
	return walkEvents(walkOpts{seed: 1, trades: 864_000, start: 50_000, vol: 0.03 / math.Sqrt(864_000),
		stepNs: 100 * engine.Millisecond, oi: 70_000, fundRate: 0.0001})
}

// BenchmarkReplayBaseline is the cost of walking the events without the
// book (the in-memory floor under any reader).
func BenchmarkReplayBaseline(b *testing.B) {
	evs := replayEvents()
	s := 0.0
	for b.Loop() {
		for i := range evs {
			e := &evs[i]
			if e.Kind == engine.KindTrade {
				s += e.Price
			}
		}
	}
	if s == 0 {
		b.Fatal("no trades")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
}

// BenchmarkReplayWithBook replays the day through a fresh book per
// iteration and reports ns/event.
func BenchmarkReplayWithBook(b *testing.B) {
	evs := replayEvents()
	cfg := DefaultConfig()
	b.ReportAllocs()
	liq := 0
	for b.Loop() {
		bk, _ := New(cfg)
		for i := range evs {
			liq += len(bk.OnEvent(&evs[i]))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
	b.ReportMetric(float64(liq)/float64(b.N), "liquidations")
}
