package hypo

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// onlineBenchGrid is three years of 5-minute rows (315,360), as
// benchGrid, with a liquidation-map sample every 5 minutes.
var onlineBenchGrid = sync.OnceValues(func() (*engine.Grid, MapSeries) {
	g := synth{seed: 1, n: 3 * 365 * 288, step: 5 * time.Minute, omega: 2.25e-8, alpha: 0.05, beta: 0.94}.grid()
	r := rand.New(rand.NewPCG(1, 3))
	ms := MapSeries{Above: 0.12, Below: 0.10}
	for i := range g.Len() {
		ms.Times = append(ms.Times, g.Time(i)+engine.Nanos(r.IntN(int(g.Step))))
		ms.Shorts = append(ms.Shorts, 1000*math.Exp(r.NormFloat64()))
		ms.Longs = append(ms.Longs, 1000*math.Exp(r.NormFloat64()))
	}
	return g, ms
})

// BenchmarkOnline times, per signal, the online form over every row (At
// for each row in turn, building included) against the batch Fire with a
// fresh Env (its shared columns included), both per grid row.
func BenchmarkOnline(b *testing.B) {
	h := time.Hour
	sent := cat("sentiment_extreme", m{"below": 25.0, "above": 75.0})
	flush := cat("deleveraging_flush", nil)
	spring := cat("wyckoff_spring", nil)
	asym := cat("liq_asymmetry", nil)
	for _, c := range []struct {
		name string
		sig  sigPair
	}{
		{"funding_overheat", cat("funding_overheat", m{"level": 0.0005, "zscore": 2.0, "window": 30 * 24 * h})},
		{"oi_divergence", cat("oi_divergence", nil)},
		{"wyckoff_spring", spring},
		{"wyckoff_spring_5m", cat("wyckoff_spring", m{"bar": 5 * time.Minute, "lookback": int64(144), "sweep_max": 0.01, "reclaim_bars": int64(6)})},
		{"deleveraging_flush", flush},
		{"circuit_breaker", cat("deleveraging_flush", m{"mode": "circuit_breaker", "window": 24 * h})},
		{"sentiment_proxy", sent},
		{"liq_asymmetry", asym},
		{"all_within", allOf(asym, within(sent, 72*h), within(spring, 48*h))},
		{"any_within", anyOf(flush, within(spring, 24*h))},
	} {
		b.Run(c.name, func(b *testing.B) {
			g, ms := onlineBenchGrid()
			var on, batch time.Duration
			var nOn, nBatch int
			for b.Loop() {
				s := time.Now()
				o, err := c.sig.online(g, OnlineOptions{MapSamples: []*MapSeries{&ms}, Liquidations: LiqEstimated})
				if err != nil {
					b.Fatal(err)
				}
				dst := make([]float64, len(o.Features()))
				nOn = 0
				for i := range g.Len() {
					if o.At(i, dst) {
						nOn++
					}
				}
				mid := time.Now()
				f, err := must(c.sig.batch()).Fire(NewEnv(g, Options{MapSamples: []MapSeries{ms}}))
				if err != nil {
					b.Fatal(err)
				}
				batch += time.Since(mid)
				on += mid.Sub(s)
				nBatch = len(steps(f.On))
			}
			if nOn != nBatch {
				b.Fatalf("online holds at %d rows, batch at %d", nOn, nBatch)
			}
			rows := float64(g.Len()) * float64(b.N)
			b.ReportMetric(float64(on.Nanoseconds())/rows, "online-ns/row")
			b.ReportMetric(float64(batch.Nanoseconds())/rows, "batch-ns/row")
			b.ReportMetric(float64(on)/float64(b.N)/float64(time.Millisecond), "online-ms/grid")
			b.ReportMetric(float64(batch)/float64(b.N)/float64(time.Millisecond), "batch-ms/grid")
			b.ReportMetric(float64(nOn), "fires")
		})
	}
}
