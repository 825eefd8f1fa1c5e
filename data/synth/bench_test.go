package synth

import (
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// BenchmarkGenerateDay measures generating one UTC day of BTCUSDT at scale
// 0.05 (about 50 000 trades) in memory, without Parquet encoding.
func BenchmarkGenerateDay(b *testing.B) {
	cfg := Config{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 7, Scale: 0.05}
	g := newGen(cfg, "BTCUSDT")
	day := engine.FromTime(cfg.Start)
	var d dayTables
	trades := 0
	for b.Loop() {
		g.genDay(day, &d)
		day += engine.Day
		trades += d.trades.Len()
	}
	b.ReportMetric(float64(trades)/b.Elapsed().Seconds(), "trades/s")
}

// BenchmarkGenerateDayWrite adds the Parquet encoding of the day's tables.
func BenchmarkGenerateDayWrite(b *testing.B) {
	cfg := Config{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 7, Scale: 0.05}
	g := newGen(cfg, "BTCUSDT")
	w := dataset.Writer{Root: b.TempDir(), Exchange: "synth", Symbol: "BTCUSDT"}
	day := engine.FromTime(cfg.Start)
	var d dayTables
	for b.Loop() {
		g.genDay(day, &d)
		day += engine.Day
		if err := writeDay(&w, &d); err != nil {
			b.Fatal(err)
		}
	}
}
