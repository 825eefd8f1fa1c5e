package bench

import (
	"context"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/replay"
	"github.com/cascade-research/cascade/pipeline"
	"github.com/cascade-research/cascade/scenarios"
)

// BenchmarkReplayWithSimulator replays the benchmark year twice per
// iteration: the reader alone (trades, funding and OI merged and drained)
// and the full run loop with the liquidation simulator, the sampling grid
// and the daily statistics. It reports the ratio of the two times
// (target <= 1.3).
func BenchmarkReplayWithSimulator(b *testing.B) {
	root := benchData(b)
	cfg, err := pipeline.SimulatorConfig(scenarios.DefaultSimulator())
	if err != nil {
		b.Fatal(err)
	}
	open := func() *parquetfeed.Feed {
		f, err := parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "synth", Symbol: "BTCUSDT",
			From: engine.FromTime(benchStart), To: engine.FromTime(benchEnd),
			Kinds: []engine.Kind{engine.KindTrade, engine.KindFunding, engine.KindOI}})
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	var tRead, tSim time.Duration
	var liqs int
	for b.Loop() {
		f := open()
		t0 := time.Now()
		if _, err := engine.Drain(context.Background(), f); err != nil {
			b.Fatal(err)
		}
		tRead += time.Since(t0)
		f.Close()
		f = open()
		t0 = time.Now()
		rep, err := replay.Run(context.Background(), f, replay.Config{Simulator: &cfg})
		if err != nil {
			b.Fatal(err)
		}
		tSim += time.Since(t0)
		liqs = len(rep.Liquidations)
		f.Close()
	}
	b.ReportMetric(tSim.Seconds()/tRead.Seconds(), "ratio-vs-reader")
	b.ReportMetric(float64(liqs), "liquidations")
}
