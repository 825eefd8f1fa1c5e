package strategy

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// goldenRun is the golden fixture: 600 one-minute bars (bar paths,
// funding every 8 hours) traded by three seeded random traders.
func goldenRun(t *testing.T) []Result {
	t.Helper()
	evs := barStream(11, 600, engine.Minute, 0.003, 0.003)
	g := gridOf(evs)
	on := make([]bool, g.Len())
	for i := range on {
		on[i] = i%20 == 3
	}
	vs := goldenVariants([]SignalInput{{Name: "every20", On: on}})
	rs, err := Run(context.Background(), memfeed.New(evs), vs, Config{Grid: g, EquityEvery: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// goldenVariants are the fixture's three seeded random traders, sharing
// the signals sig.
func goldenVariants(sig []SignalInput) []Variant {
	mk := func(name string, seed uint64, mode MarginMode, lev float64) Variant {
		ac := DefaultAccountConfig()
		ac.Margin, ac.Leverage = mode, lev
		ac.Impact = constImpact(0.0002)
		return Variant{Name: name, Params: fmt.Sprintf("seed=%d", seed), Strategy: newRandomTrader(seed, 0.05, nil, name), Account: ac, Signals: sig}
	}
	return []Variant{mk("iso10x", 1, Isolated, 10), mk("cross3x", 2, Cross, 3), mk("iso50x", 3, Isolated, 50)}
}

// formatResults renders fills, order outcomes and summaries as text.
func formatResults(rs []Result) string {
	var b strings.Builder
	ts := func(n engine.Nanos) string { return time.Duration(n - t0).String() }
	for _, r := range rs {
		fmt.Fprintf(&b, "variant %s %s\n", r.Name, r.Params)
		for _, f := range r.Fills {
			liq := ""
			if f.Liquidation {
				liq = " LIQUIDATION"
			}
			fmt.Fprintf(&b, "fill %s #%d %s %.8g@%.8g fee %.6g %s pnl %.6g slip %.6g %s%s\n",
				ts(f.TS), f.OrderID, f.Side, f.Qty, f.Price, f.Fee, f.Liquidity, f.RealizedPnL, f.Slippage, f.Tag, liq)
		}
		st := map[string]int{}
		for _, o := range r.Orders {
			st[o.Status]++
		}
		fmt.Fprintf(&b, "orders filled %d cancelled %d rejected %d open %d\n", st[StatusFilled], st[StatusCancelled], st[StatusRejected], st[StatusOpen])
		s := r.Summary
		fmt.Fprintf(&b, "summary equity %.6f -> %.6f fees %.6f funding %.6f liqfees %.6f insurance %.6f liquidations %d trades %d (+%d -%d) fills %d turnover %.2f exposure %.6f\n\n",
			s.StartEquity, s.EndEquity, s.Fees, s.Funding, s.LiquidationFees, s.InsuranceFund, s.Liquidations, s.Trades,
			s.WinningTrades, s.LosingTrades, s.Fills, s.TurnoverNotional, s.ExposureTime)
	}
	return b.String()
}

// TestGoldenFills compares the fixture's fills with testdata/fills.golden
// (go test -run TestGoldenFills -update rewrites it).
func TestGoldenFills(t *testing.T) {
	got := formatResults(goldenRun(t))
	path := filepath.Join("testdata", "fills.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("first difference at line %d:\n got: %s\nwant: %s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("output has %d lines, golden %d", len(gl), len(wl))
	}
}

// TestDeterminism: the same inputs give identical results, every field.
func TestDeterminism(t *testing.T) {
	a, b := goldenRun(t), goldenRun(t)
	if fa, fb := fmt.Sprintf("%+v", a), fmt.Sprintf("%+v", b); fa != fb {
		t.Fatal("two runs differ")
	}
	// A variant's result does not depend on the other variants.
	evs := barStream(11, 600, engine.Minute, 0.003, 0.003)
	g := gridOf(evs)
	on := make([]bool, g.Len())
	for i := range on {
		on[i] = i%20 == 3
	}
	ac := DefaultAccountConfig()
	ac.Margin, ac.Leverage, ac.Impact = Cross, 3, constImpact(0.0002)
	solo, err := Run(context.Background(), memfeed.New(evs), []Variant{{Name: "cross3x", Params: "seed=2",
		Strategy: newRandomTrader(2, 0.05, nil, "cross3x"), Account: ac, Signals: []SignalInput{{Name: "every20", On: on}}}},
		Config{Grid: g, EquityEvery: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", solo[0]) != fmt.Sprintf("%+v", a[1]) {
		t.Error("a variant run alone differs from the same variant run with others")
	}
}

// TestLiveGridSamePass runs the golden fixture the way a single replay
// does — each event added to a grid being built, signals answered online
// row by row — and requires exactly the results of the two-pass run over
// the finished grid.
func TestLiveGridSamePass(t *testing.T) {
	want := formatResults(goldenRun(t))
	evs := barStream(11, 600, engine.Minute, 0.003, 0.003)
	b := engine.NewGridBuilder(5*engine.Minute, nil)
	g := b.Live()
	asked, feeding := -1, true
	sig := []SignalInput{{Name: "every20", At: func(i int, _ []float64) bool {
		if i != asked && i != asked+1 { // each of the three variants asks the shared signal
			t.Fatalf("At(%d) after At(%d): rows must come in order", i, asked)
		}
		asked = i
		if feeding && i >= g.Len()-1 { // the last row is still being filled
			t.Fatalf("At(%d) while row %d is still open (grid has %d rows)", i, i, g.Len())
		}
		return i%20 == 3
	}}}
	r, err := NewRunner(goldenVariants(sig), Config{Grid: g, Live: true, EquityEvery: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		b.Add(&evs[i])
		if err := r.Event(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	feeding = false
	rs, err := r.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if got := formatResults(rs); got != want {
		t.Fatalf("single pass differs from two passes:\n%s", firstDiff(got, want))
	}
	if asked != g.Len()-1 {
		t.Fatalf("signal asked up to row %d of %d", asked, g.Len())
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d vs %d", len(al), len(bl))
}
