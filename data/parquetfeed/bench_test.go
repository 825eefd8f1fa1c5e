package parquetfeed

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// benchRoot returns the dataset that bench/BenchmarkReplayVsDuckDB caches
// (or $CASCADE_BENCH_DATA); the benchmarks skip when it is absent.
func benchRoot(b *testing.B) string {
	dir := os.Getenv("CASCADE_BENCH_DATA")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "cascade-bench-2023-0.05-7")
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		b.Skipf("no benchmark dataset in %s (run the bench package's BenchmarkReplayVsDuckDB once)", dir)
	}
	return dir
}

func replayYear(b *testing.B, root string, kinds ...engine.Kind) engine.Tally {
	f, err := Open(context.Background(), Options{Root: root, Exchange: "synth", Symbol: "BTCUSDT",
		From: engine.FromTime(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)), To: engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		Kinds: kinds})
	if err != nil {
		b.Fatal(err)
	}
	t, err := engine.Drain(context.Background(), f)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkReplayYear replays the benchmark year like
// bench/BenchmarkReplayVsDuckDB does (one core, GC at 400%), without
// DuckDB, so that profiles show the replay alone. Sub-benchmarks compare
// the fast page decoder with Arrow's column-chunk readers.
func BenchmarkReplayYear(b *testing.B) {
	root := benchRoot(b)
	for _, mode := range []struct {
		name string
		slow bool
	}{{"fast", false}, {"arrow", true}} {
		b.Run(mode.name, func(b *testing.B) {
			defer setForceArrow(mode.slow)()
			replayYear(b, root, engine.KindTrade, engine.KindFunding, engine.KindOI) // warm the page cache
			prev := runtime.GOMAXPROCS(1)
			gc := debug.SetGCPercent(400)
			defer func() { runtime.GOMAXPROCS(prev); debug.SetGCPercent(gc) }()
			b.ReportAllocs()
			b.ResetTimer()
			var events int64
			for i := 0; i < b.N; i++ {
				events += replayYear(b, root, engine.KindTrade, engine.KindFunding, engine.KindOI).Events
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds()/1e6, "Mevents/s")
		})
	}
}

// BenchmarkReplayYearSmallKinds replays only the year's funding and OI
// (730 small files): the per-file overhead.
func BenchmarkReplayYearSmallKinds(b *testing.B) {
	root := benchRoot(b)
	replayYear(b, root, engine.KindFunding, engine.KindOI)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		replayYear(b, root, engine.KindFunding, engine.KindOI)
	}
}
