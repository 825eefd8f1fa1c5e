package macross_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/strategy"
	"github.com/cascade-research/cascade/strategies/macross"
)

// TestCrossovers checks the strategy against crossovers computed
// independently from the hourly closes: one fill after every change of
// sign of fast − slow (after the warm-up), on the crossover's side, at the
// first trade after the bar's close.
func TestCrossovers(t *testing.T) {
	var evs []engine.Event
	b := engine.NewGridBuilder(5*engine.Minute, nil)
	for m := range 20 * 24 * 60 { // 20 days, a trade a minute, a 3-day cycle plus drift
		x := float64(m) / (3 * 24 * 60)
		e := engine.Event{TS: engine.Nanos(m) * engine.Minute, Kind: engine.KindTrade, Price: 100 * (1 + 0.05*math.Sin(2*math.Pi*x) + 0.01*x), Qty: 1}
		evs = append(evs, e)
		b.Add(&e)
	}
	g := b.Grid()
	const fast, slow = 6, 24
	for _, short := range []bool{true, false} {
		s, err := macross.New(map[string]any{"bar": time.Hour, "fast": int64(fast), "slow": int64(slow), "short": short, "size": 1.0})
		if err != nil {
			t.Fatal(err)
		}
		acct := strategy.DefaultAccountConfig()
		acct.Capital, acct.Leverage = 100_000, 3
		rs, err := strategy.Run(context.Background(), memfeed.New(evs), []strategy.Variant{{Name: "ma", Strategy: s, Account: acct}},
			strategy.Config{Grid: g, EquityEvery: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		// Independent crossovers on the hourly closes (the close of the
		// last 5-minute row of each hour).
		var closes []float64
		type flip struct {
			at  engine.Nanos
			dir int
		}
		var want []flip
		prev := 0
		for i := 0; i < g.Len(); i++ {
			end := g.Time(i + 1)
			if end%engine.Hour != 0 {
				continue
			}
			closes = append(closes, g.Close[i])
			n := len(closes)
			if n < slow {
				continue
			}
			mean := func(k int) float64 {
				sum := 0.0
				for _, c := range closes[n-k:] {
					sum += c
				}
				return sum / float64(k)
			}
			dir := 0
			switch f, sl := mean(fast), mean(slow); {
			case f > sl:
				dir = 1
			case f < sl && short:
				dir = -1
			}
			if dir != prev {
				want = append(want, flip{end, dir})
				prev = dir
			}
		}
		fills := rs[0].Fills
		if len(want) < 6 || len(fills) != len(want) {
			t.Fatalf("short=%v: %d fills, %d crossovers", short, len(fills), len(want))
		}
		pos := 0.0
		for k, f := range fills {
			pos += f.Side.Sign() * f.Qty
			if f.TS != want[k].at { // trades are on the minute: the first one at or after the close
				t.Errorf("short=%v fill %d at %s, crossover at %s", short, k, f.TS, want[k].at)
			}
			if got := int(math.Copysign(1, pos)); math.Abs(pos) < 1e-9 && want[k].dir != 0 || math.Abs(pos) > 1e-9 && got != want[k].dir {
				t.Errorf("short=%v fill %d: position %g after crossover to %d", short, k, pos, want[k].dir)
			}
		}
	}
}
