package pipeline

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/data/synth"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/engine/liquidation"
	"github.com/cascade-research/cascade/engine/perp"
	"github.com/cascade-research/cascade/engine/replay"
	"github.com/cascade-research/cascade/scenarios"
)

func envF(name string, def float64) float64 {
	if s := os.Getenv(name); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err == nil {
			return v
		}
	}
	return def
}

func TestDiag(t *testing.T) {
	if os.Getenv("CASCADE_DIAG") != "1" {
		t.Skip()
	}
	root := os.Getenv("DIAG_ROOT")
	if root == "" {
		root = "../datasets/synth-demo"
	}
	cfg, _ := SimulatorConfig(scenarios.DefaultSimulator())
	cfg.LeveragedShare = envF("LS", 0.35)
	cfg.CascadeGap = time.Duration(envF("GAP", 300)) * time.Second
	cfg.WaveGap = time.Duration(envF("WGAP", 30)) * time.Second
	if os.Getenv("MIX") == "gen" {
		cfg.AggressorWeights = []float64{10, 12, 20, 25, 13, 8, 6, 3, 2, 1}
		cfg.PassiveWeights = []float64{10, 12, 20, 25, 13, 8, 6, 3, 2, 1}
	}
	cfg.HoldHalfLife = time.Duration(envF("HOLD", 0) * float64(time.Hour))
	cfg.EpisodeBucket = time.Duration(envF("BUCKET", 0)) * time.Second
	from := engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	to := engine.FromTime(time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC))
	truth, _ := synth.ReadTruth(synth.TruthPath(root, "synth", "BTCUSDT"))
	feed, err := parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "synth", Symbol: "BTCUSDT", From: from, To: to,
		Kinds: []engine.Kind{engine.KindTrade, engine.KindFunding, engine.KindOI}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := replay.Run(context.Background(), feed, replay.Config{GridStep: 60e9, Simulator: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Grid
	type row struct {
		ts   engine.Nanos
		line string
	}
	var rows []row
	for _, tr := range truth {
		if tr.Kind != synth.TruthLongCascade && tr.Kind != synth.TruthShortCascade {
			continue
		}
		rows = append(rows, row{tr.Start, fmt.Sprintf("TRUTH %s %+d %s..%s notional=%.3g waves=%d %s", tr.Start.Time().Format("01-02 15:04"), tr.Side, tr.Start.Time().Format("15:04"), tr.End.Time().Format("15:04"), tr.NotionalLiquidated, tr.Waves, tr.Detail)})
	}
	for _, e := range rep.Episodes {
		i := g.Index(e.Start)
		oiv := g.OIValue[i]
		if math.IsNaN(oiv) {
			oiv = g.OI[i] * g.Close[i]
		}
		pass := DefaultCascadeRule.IsCascade(e, oiv)
		if !pass && e.Notional < 0.003*oiv {
			continue
		}
		side := "+1"
		if e.Side == perp.Short {
			side = "-1"
		}
		mark := "  est"
		if pass {
			mark = "* EST"
		}
		rows = append(rows, row{e.Start, fmt.Sprintf("%s %s %s %s..%s notional=%.3g share=%.4f waves=%d count=%d move=%.3f%%", mark, e.Start.Time().Format("01-02 15:04"), side, e.Start.Time().Format("15:04:05"), e.End.Time().Format("15:04:05"), e.Notional, e.Notional/oiv, e.Waves, e.Count, e.Move*100)})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].ts < rows[j].ts })
	var sb strings.Builder
	for _, r := range rows {
		sb.WriteString(r.line + "\n")
	}
	os.WriteFile(os.Getenv("DIAG_OUT"), []byte(sb.String()), 0o644)
	v, err := ValidateSynthetic(context.Background(), root, "synth", "BTCUSDT", from, to, cfg, DefaultCascadeRule)
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Book.Stats()
	t.Logf("%s\nfinal long %.0f short %.0f untracked %.0f oi %.0f", v, st.LongQty, st.ShortQty, st.UntrackedQty, st.OI)
	_ = liquidation.Config{}
}

func TestDump(t *testing.T) {
	if os.Getenv("CASCADE_DIAG") != "2" {
		t.Skip()
	}
	root := os.Getenv("DIAG_ROOT")
	cfg, _ := SimulatorConfig(scenarios.DefaultSimulator())
	cfg.LeveragedShare = envF("LS", 0.35)
	if os.Getenv("MIX") == "gen" {
		cfg.AggressorWeights = []float64{10, 12, 20, 25, 13, 8, 6, 3, 2, 1}
		cfg.PassiveWeights = []float64{10, 12, 20, 25, 13, 8, 6, 3, 2, 1}
	}
	cfg.HoldHalfLife = time.Duration(envF("HOLD", 0) * float64(time.Hour))
	from := engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	to := engine.FromTime(time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC))
	feed, err := parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "synth", Symbol: "BTCUSDT", From: from, To: to,
		Kinds: []engine.Kind{engine.KindTrade, engine.KindFunding, engine.KindOI}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := liquidation.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(os.Getenv("DIAG_OUT"))
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	for feed.Next() {
		e := feed.Event()
		for _, l := range b.OnEvent(e) {
			fmt.Fprintf(w, "L,%d,%d,%g,%g,%g,%g\n", l.TS/engine.Minute, l.Side, l.Qty, l.Notional, l.Leverage, l.Price)
		}
		if e.Kind == engine.KindOI {
			st := b.Stats()
			fmt.Fprintf(w, "P,%d,%g,%g,%g,%g,%g\n", e.TS/engine.Minute, e.Qty, st.LongQty, st.ShortQty, st.UntrackedQty, st.OI)
		}
	}
}
