package strategy

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/perp"
)

// noopEvents is about a million events: 5-second trades with funding, OI
// and series.
var noopEvents = sync.OnceValue(func() []engine.Event {
	return walkStream(1, 1_000_000, 5*engine.Second, 0.0005, 0.0001)
})

// drain pulls every event of src and touches it, as any consumer must.
func drain(src engine.Source) (n int64, sink engine.Nanos) {
	for src.Next() {
		e := src.Event()
		sink += e.TS + engine.Nanos(e.Kind)
		n++
	}
	return n, sink
}

// BenchmarkNoopStrategy times, in the same loop, the stream drained bare
// and Run with one no-op variant (no KindFilter kinds, never trades), and
// reports both per event and their difference, ns/event-overhead
// (target <= 15).
func BenchmarkNoopStrategy(b *testing.B) {
	evs := noopEvents()
	f := memfeed.New(evs)
	vs := []Variant{{Name: "noop", Strategy: noop{}, Account: DefaultAccountConfig()}}
	var tDrain, tRun time.Duration
	var sink engine.Nanos
	b.ReportAllocs()
	for b.Loop() {
		f.Reset()
		t := time.Now()
		_, s := drain(f)
		tDrain += time.Since(t)
		sink += s
		f.Reset()
		t = time.Now()
		if _, err := Run(context.Background(), f, vs, Config{}); err != nil {
			b.Fatal(err)
		}
		tRun += time.Since(t)
	}
	if sink == 0 {
		b.Fatal("nothing drained")
	}
	n := float64(b.N) * float64(len(evs))
	b.ReportMetric(float64(tDrain.Nanoseconds())/n, "drain-ns/event")
	b.ReportMetric(float64(tRun.Nanoseconds())/n, "run-ns/event")
	b.ReportMetric(float64((tRun-tDrain).Nanoseconds())/n, "ns/event-overhead")
}

// maCross is a moving-average crossover on 1-minute closes from KindBar
// events: long when the fast mean is above the slow one, short when below,
// always in the market with about 90% of equity (1x).
type maCross struct {
	fast, slow int
	closes     []float64 // ring of the last slow closes
	n          int
	sumF, sumS float64
}

func newMACross(fast, slow int) *maCross {
	return &maCross{fast: fast, slow: slow, closes: make([]float64, slow)}
}

func (m *maCross) Kinds() []engine.Kind { return []engine.Kind{engine.KindBar} }

func (m *maCross) OnSignal(*Context, Signal) error { return nil }

func (m *maCross) OnEvent(c *Context, e *engine.Event) error {
	x := e.Price
	i := m.n % m.slow
	m.sumS += x - m.closes[i]
	if m.n >= m.fast {
		m.sumF -= m.closes[(m.n-m.fast)%m.slow]
	}
	m.sumF += x
	m.closes[i] = x
	m.n++
	if m.n < m.slow || c.NumOpenOrders() > 0 {
		return nil
	}
	want := perp.Long
	if m.sumF/float64(m.fast) < m.sumS/float64(m.slow) {
		want = perp.Short
	}
	a := c.Account()
	if a.Side() == want {
		return nil
	}
	q := 0.9*a.Equity()/x + absf(a.Position())
	_, err := c.Submit(Order{Type: Market, Side: want, Qty: q, Tag: "cross"})
	return err
}

func absf(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// maEvents is four years of synthetic 1-minute bars as bar-path events
// (4 trades + 1 bar each) with 8-hourly funding: about 10.5M events.
var maEvents = sync.OnceValue(func() []engine.Event {
	return barStream(5, 4*365*24*60, engine.Minute, 0.0008, 0.0003)
})

// BenchmarkMACrossover4y1m runs a 50/200 moving-average crossover over
// four years of 1-minute bars held in memory and reports s/run (target
// < 1).
func BenchmarkMACrossover4y1m(b *testing.B) {
	evs := maEvents()
	f := memfeed.New(evs)
	var res Result
	for b.Loop() {
		f.Reset()
		vs := []Variant{{Name: "ma50/200", Strategy: newMACross(50, 200), Account: DefaultAccountConfig()}}
		rs, err := Run(context.Background(), f, vs, Config{})
		if err != nil {
			b.Fatal(err)
		}
		res = rs[0]
	}
	if res.Summary.Trades == 0 {
		b.Fatal("no trades")
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(evs)), "ns/event")
	b.ReportMetric(float64(len(evs)), "events")
	b.ReportMetric(float64(res.Summary.Trades), "round-trips")
}

// TestNoAllocationPerEvent: a run's allocations do not grow with the
// number of events for idle variants, nor for a variant holding a
// position that trades rarely.
func TestNoAllocationPerEvent(t *testing.T) {
	allocs := func(n int, hold bool) float64 {
		evs := walkStream(9, n, engine.Second, 0.0001, 0.0001)
		f := memfeed.New(evs)
		return testing.AllocsPerRun(3, func() {
			f.Reset()
			vs := []Variant{{Name: "noop", Strategy: noop{}, Account: DefaultAccountConfig()},
				{Name: "filtered", Strategy: filtered{&script{}, []engine.Kind{engine.KindSeries}}, Account: DefaultAccountConfig()}}
			if hold {
				vs = append(vs, Variant{Name: "hold", Strategy: &plan{at: map[int][]Order{0: {buy(0.01)}}}, Account: DefaultAccountConfig()})
			}
			if _, err := Run(context.Background(), f, vs, Config{EquityEvery: 1000 * time.Hour}); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, hold := range []bool{false, true} {
		small, large := allocs(2_000, hold), allocs(200_000, hold)
		if large > small {
			t.Errorf("hold=%v: %v allocations for 2 000 events, %v for 200 000", hold, small, large)
		}
	}
}
