package synth

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

var jan1 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func days(n int) time.Time { return jan1.AddDate(0, 0, n) }

// readTree returns every file under root by relative path.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Start: jan1, End: days(2), Seed: 7, Scale: 0.002, Symbols: []string{"BTCUSDT", "ETHUSDT"}}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Generate(context.Background(), dir, cfg, nil); err != nil {
			t.Fatal(err)
		}
	}
	fa, fb := readTree(t, a), readTree(t, b)
	// 2 symbols × 4 kinds × 2 days + 2 truth tables.
	if len(fa) != 18 || len(fb) != len(fa) {
		t.Fatalf("wrote %d and %d files, want 18", len(fa), len(fb))
	}
	for p, x := range fa {
		if !bytes.Equal(x, fb[p]) {
			t.Errorf("%s differs between two runs with the same seed", p)
		}
	}
	// A symbol's data does not depend on the other symbols generated.
	cfg.Symbols = []string{"BTCUSDT"}
	if _, err := Generate(context.Background(), c, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for p, x := range readTree(t, c) {
		if !bytes.Equal(x, fa[p]) {
			t.Errorf("%s differs when BTCUSDT is generated alone", p)
		}
	}
	// A shorter run writes the same day files.
	cfg.End = days(1)
	e := t.TempDir()
	if _, err := Generate(context.Background(), e, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for p, x := range readTree(t, e) {
		if !strings.Contains(p, "truth.parquet") && !bytes.Equal(x, fa[p]) {
			t.Errorf("%s differs when the run ends a day earlier", p)
		}
	}
	// Another seed gives another market.
	cfg.Seed = 8
	d := t.TempDir()
	if _, err := Generate(context.Background(), d, cfg, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("exchange=synth", "symbol=BTCUSDT", "kind=trades", "date=2024-01-01", "part-0.parquet")
	if bytes.Equal(readTree(t, d)[p], fa[p]) {
		t.Errorf("seeds 7 and 8 gave the same %s", p)
	}
}

// genMemory generates n days of sym in memory and returns them.
func genMemory(t testing.TB, cfg Config, sym string, n int) ([]*dayTables, *gen) {
	t.Helper()
	g := newGen(cfg, sym)
	var out []*dayTables
	for i := range n {
		d := new(dayTables)
		g.genDay(engine.FromTime(cfg.Start.AddDate(0, 0, i)), d)
		out = append(out, d)
	}
	return out, g
}

func kurtosisAndACF(r []float64) (kurt, acf1 float64) {
	n := float64(len(r))
	var m, v, k float64
	for _, x := range r {
		m += x
	}
	m /= n
	for _, x := range r {
		v += (x - m) * (x - m)
		k += math.Pow(x-m, 4)
	}
	kurt = k / n / (v / n * v / n)
	var am, c0, c1 float64
	for _, x := range r {
		am += math.Abs(x)
	}
	am /= n
	for i, x := range r {
		c0 += (math.Abs(x) - am) * (math.Abs(x) - am)
		if i > 0 {
			c1 += (math.Abs(x) - am) * (math.Abs(r[i-1]) - am)
		}
	}
	return kurt, c1 / c0
}

func corr(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

func TestStylisedFacts(t *testing.T) {
	for _, null := range []bool{false, true} {
		t.Run(map[bool]string{false: "planted", true: "null"}[null], func(t *testing.T) {
			const n, scale = 8, 0.005
			cfg := Config{Start: jan1, Seed: 7, Scale: scale, Null: null}
			out, g := genMemory(t, cfg, "BTCUSDT", n)
			var rets, flow []float64
			var lastID int64
			var lastTS engine.Nanos
			prev, trades := 0.0, 0
			for _, d := range out {
				for _, tb := range d.tables() {
					if err := tb.Validate(); err != nil {
						t.Fatalf("%s %s: %v", d.day, tb.Kind(), err)
					}
				}
				tr := &d.trades
				trades += tr.Len()
				for i := range tr.TS {
					if tr.TS[i] < lastTS || tr.ID[i] <= lastID {
						t.Fatalf("trade %d of %s: ts %s id %d after ts %s id %d", i, d.day, tr.TS[i], tr.ID[i], lastTS, lastID)
					}
					lastTS, lastID = tr.TS[i], tr.ID[i]
					if x := tr.Price[i] * 10; math.Abs(x-math.Round(x)) > 1e-6 {
						t.Fatalf("trade %d of %s: price %v is not on the 0.1 tick", i, d.day, tr.Price[i])
					}
					if tr.TS[i] < d.day || tr.TS[i] >= d.day+engine.Day {
						t.Fatalf("trade %d at %s outside day %s", i, tr.TS[i], d.day)
					}
				}
				b := &d.bars
				if b.Len() != minutesPerDay {
					t.Fatalf("%d bars on %s, want 1440", b.Len(), d.day)
				}
				k := 0
				for i := range b.TS {
					if b.TS[i] != d.day+engine.Nanos(i)*engine.Minute {
						t.Fatalf("bar %d at %s", i, b.TS[i])
					}
					vol := 0.0
					for ; k < tr.Len() && tr.TS[k] < b.TS[i]+engine.Minute; k++ {
						vol += tr.Qty[k]
					}
					if math.Abs(vol-b.Volume[i]) > 1e-6*vol {
						t.Fatalf("bar %d volume %v, trades sum %v", i, b.Volume[i], vol)
					}
					if b.TakerBuy[i] > b.Volume[i] {
						t.Fatalf("bar %d taker buy %v > volume %v", i, b.TakerBuy[i], b.Volume[i])
					}
					if prev > 0 {
						rets = append(rets, math.Log(b.Close[i]/prev))
						flow = append(flow, 2*b.TakerBuy[i]/b.Volume[i]-1)
					}
					prev = b.Close[i]
				}
				f := &d.funding
				if f.Len() != 3 {
					t.Fatalf("%d funding rows on %s, want 3", f.Len(), d.day)
				}
				for i := range f.TS {
					if f.TS[i] != d.day+engine.Nanos(8*i)*engine.Hour || f.IntervalHours[i] != 8 || !(f.MarkPrice[i] > 0) {
						t.Errorf("funding %d: ts %s interval %v mark %v", i, f.TS[i], f.IntervalHours[i], f.MarkPrice[i])
					}
					if math.Abs(f.Rate[i]) > 0.003 {
						t.Errorf("funding %d on %s: rate %v outside ±0.3%%", i, d.day, f.Rate[i])
					}
				}
				o := &d.oi
				if o.Len() != minutesPerDay/5 {
					t.Fatalf("%d oi rows on %s, want 288", o.Len(), d.day)
				}
				for i := range o.TS {
					if o.TS[i] != d.day+engine.Nanos(5*i)*engine.Minute || !(o.OI[i] > 0) || !(o.Value[i] > 0) {
						t.Fatalf("oi %d: ts %s oi %v value %v", i, o.TS[i], o.OI[i], o.Value[i])
					}
				}
			}
			perDay := float64(trades) / n
			if want := 1e6 * scale; perDay < want/2 || perDay > want*2 {
				t.Errorf("%.0f trades a day at scale %v, want about %.0f", perDay, scale, want)
			}
			kurt, acf := kurtosisAndACF(rets)
			if kurt <= 3 {
				t.Errorf("kurtosis of 1-minute returns %.2f, want > 3 (heavy tails)", kurt)
			}
			if acf <= 0.05 {
				t.Errorf("lag-1 autocorrelation of |returns| %.3f, want > 0.05 (volatility clustering)", acf)
			}
			if c := corr(rets, flow); c <= 0.2 {
				t.Errorf("correlation of 1-minute return and taker flow %.3f, want > 0.2", c)
			}
			if len(g.finish()) != 0 && null {
				t.Errorf("null market has truth rows")
			}
			t.Logf("%.0f trades/day, kurtosis %.1f, acf|r| %.3f", perDay, kurt, acf)
		})
	}
}

// market is the bars, funding and OI of a generated run.
type market struct {
	bars    dataset.Bars
	funding dataset.Funding
	oi      dataset.OI
}

func collect(out []*dayTables) market {
	var m market
	for _, d := range out {
		m.bars.TS, m.bars.Low = append(m.bars.TS, d.bars.TS...), append(m.bars.Low, d.bars.Low...)
		m.funding.TS, m.funding.Rate = append(m.funding.TS, d.funding.TS...), append(m.funding.Rate, d.funding.Rate...)
		m.oi.TS, m.oi.OI = append(m.oi.TS, d.oi.TS...), append(m.oi.OI, d.oi.OI...)
	}
	return m
}

func detail(t *testing.T, r TruthRow, key string) string {
	t.Helper()
	for _, kv := range strings.Fields(r.Detail) {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	t.Fatalf("%s at %s: no %s in detail %q", r.Kind, r.Start, key, r.Detail)
	return ""
}

func detailFloat(t *testing.T, r TruthRow, key string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(detail(t, r, key), 64)
	if err != nil {
		t.Fatalf("%s at %s: %s: %v", r.Kind, r.Start, key, err)
	}
	return x
}

// minLow returns the lowest bar low in [from, to).
func (m *market) minLow(from, to engine.Nanos) float64 {
	lo := math.Inf(1)
	for i, ts := range m.bars.TS {
		if ts >= from && ts < to {
			lo = math.Min(lo, m.bars.Low[i])
		}
	}
	return lo
}

// oiAround returns the last OI observation at or before from and the first
// at or after to.
func (m *market) oiAround(from, to engine.Nanos) (before, after float64) {
	before, after = math.NaN(), math.NaN()
	for i, ts := range m.oi.TS {
		if ts <= from {
			before = m.oi.OI[i]
		}
		if ts >= to && math.IsNaN(after) {
			after = m.oi.OI[i]
		}
	}
	return before, after
}

func (m *market) fundingRange(from, to engine.Nanos) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i, ts := range m.funding.TS {
		if ts >= from && ts <= to {
			lo, hi = math.Min(lo, m.funding.Rate[i]), math.Max(hi, m.funding.Rate[i])
		}
	}
	return lo, hi
}

// TestTruth checks that every kind of event is labelled in 45 days and
// that each label is consistent with the generated bars, funding and OI.
func TestTruth(t *testing.T) {
	cfg := Config{Start: jan1, End: days(45), Seed: 7, Scale: 0.001}
	out, g := genMemory(t, cfg, DefaultSymbol, 45)
	rows := g.finish()
	m := collect(out)

	// The table round-trips through Parquet.
	path := filepath.Join(t.TempDir(), "truth.parquet")
	if err := WriteTruth(path, rows); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTruth(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(rows) {
		t.Fatalf("read back %d rows, wrote %d", len(back), len(rows))
	}
	for i := range rows {
		if back[i] != rows[i] {
			t.Fatalf("row %d read back as %+v, wrote %+v", i, back[i], rows[i])
		}
	}
	count := map[string]int{}
	for i, r := range rows {
		count[r.Kind]++
		if i > 0 && r.Start < rows[i-1].Start {
			t.Errorf("row %d starts before row %d", i, i-1)
		}
		if !(r.Start < r.End) || r.Start < engine.FromTime(cfg.Start) || r.End > engine.FromTime(cfg.End) {
			t.Errorf("%s: [%s, %s) is empty or outside the data", r.Kind, r.Start, r.End)
		}
		if !(r.PriceStart > 0 && r.PriceEnd > 0) || r.NotionalLiquidated < 0 || r.Waves < 0 || (r.Side != 1 && r.Side != -1) {
			t.Errorf("%s at %s: bad values %+v", r.Kind, r.Start, r)
		}
		switch r.Kind {
		case TruthLongCascade, TruthShortCascade:
			s := 1.0
			if r.Kind == TruthShortCascade {
				s = -1
			}
			if r.Side != int8(s) || r.Waves < cascadeMinWave || r.NotionalLiquidated <= 0 {
				t.Errorf("%s at %s: side %d waves %d notional %v", r.Kind, r.Start, r.Side, r.Waves, r.NotionalLiquidated)
			}
			if s*(r.PriceEnd-r.PriceStart) >= 0 {
				t.Errorf("%s at %s: price %v → %v, want a move against side %+d", r.Kind, r.Start, r.PriceStart, r.PriceEnd, r.Side)
			}
			if before, after := m.oiAround(r.Start, r.End); !(after < before) {
				t.Errorf("%s at %s: OI %v before and %v after, want a drop", r.Kind, r.Start, before, after)
			}
		case TruthSpring:
			sl := detailFloat(t, r, "swing_low")
			if r.Start >= engine.FromTime(cfg.Start)+12*engine.Hour {
				if got := m.minLow(r.Start-12*engine.Hour, r.Start); got != sl {
					t.Errorf("spring at %s: swing_low %v, lowest bar low in the 12 h before %v", r.Start, sl, got)
				}
			}
			if lo := m.minLow(r.Start, r.End); !(lo < sl) {
				t.Errorf("spring at %s: lowest low %v does not sweep swing low %v", r.Start, lo, sl)
			}
			if !(r.PriceEnd > sl) || r.End-r.Start > 30*engine.Minute {
				t.Errorf("spring at %s: ends at %v after %s, want a reclaim above %v within a few bars", r.Start, r.PriceEnd, r.End-r.Start, sl)
			}
		case TruthFundingOverheat:
			if _, hi := m.fundingRange(r.Start, r.End); r.Side != 1 || hi < hotFunding {
				t.Errorf("funding_overheat at %s: side %d, max funding %v, want >= %v", r.Start, r.Side, hi, hotFunding)
			}
			if sp := detailFloat(t, r, "squeeze_price"); !(r.PriceEnd < sp) || r.NotionalLiquidated <= 0 {
				t.Errorf("funding_overheat at %s: squeeze %v → %v with %v liquidated, want a long squeeze", r.Start, sp, r.PriceEnd, r.NotionalLiquidated)
			}
		case TruthReliefRally:
			if lo, _ := m.fundingRange(r.Start, r.End); r.Side != -1 || !(lo < 0) {
				t.Errorf("relief_rally at %s: side %d, min funding %v, want < 0", r.Start, r.Side, lo)
			}
			if sp := detailFloat(t, r, "squeeze_price"); !(r.PriceEnd > sp) || r.NotionalLiquidated <= 0 {
				t.Errorf("relief_rally at %s: squeeze %v → %v with %v liquidated, want a short squeeze", r.Start, sp, r.PriceEnd, r.NotionalLiquidated)
			}
		case TruthNearCascade:
			s := float64(r.Side)
			if sh := detailFloat(t, r, "oi_share"); r.Waves < cascadeMinWave || !(sh >= nearMinOI && sh < cascadeMinOI) || s*(r.PriceEnd-r.PriceStart) >= 0 {
				t.Errorf("near_cascade at %s: waves %d, oi_share %v, price %v → %v for side %+d", r.Start, r.Waves, sh, r.PriceStart, r.PriceEnd, r.Side)
			}
		default:
			t.Errorf("unknown truth kind %q", r.Kind)
		}
	}
	for _, k := range []string{TruthLongCascade, TruthShortCascade, TruthSpring, TruthFundingOverheat, TruthReliefRally} {
		if count[k] == 0 {
			t.Errorf("no %s in 45 days (seed 7); got %v", k, count)
		}
	}
	t.Logf("truth rows: %v", count)
}

func TestNullHasNoTruth(t *testing.T) {
	root := t.TempDir()
	cfg := Config{Start: jan1, End: days(3), Seed: 7, Scale: 0.0005, Null: true}
	sum, err := Generate(context.Background(), root, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReadTruth(sum.Symbols[0].TruthPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 {
		t.Errorf("null market has %d truth rows, want 0: %+v", len(rows), rows[0])
	}
}

func TestProfiles(t *testing.T) {
	cfg := Config{Start: jan1, Seed: 7, Scale: 0.001}
	for _, tc := range []struct {
		sym        string
		lo, hi     float64
		tick, step float64
	}{
		{"BTCUSDT", 30_000, 60_000, 0.1, 0.001},
		{"ETHUSDT", 2_000, 4_000, 0.01, 0.001},
		{"SOLUSDT", 10, 50_000, 0, 0},
	} {
		out, _ := genMemory(t, cfg, tc.sym, 1)
		p := out[0].bars.Open[0]
		if p < tc.lo || p > tc.hi {
			t.Errorf("%s opens at %v, want %v..%v", tc.sym, p, tc.lo, tc.hi)
		}
		prof := profileFor(tc.sym)
		if tc.tick != 0 && (prof.tick != tc.tick || prof.qtyStep != tc.step) {
			t.Errorf("%s tick %v step %v, want %v %v", tc.sym, prof.tick, prof.qtyStep, tc.tick, tc.step)
		}
		if err := out[0].trades.Validate(); err != nil {
			t.Errorf("%s: %v", tc.sym, err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Start: jan1, End: days(1), Scale: 1, Exchange: "synth", Symbols: []string{"BTCUSDT"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	var d Config
	d.Defaults()
	if d.Exchange != DefaultExchange || len(d.Symbols) != 1 || d.Symbols[0] != DefaultSymbol || d.Scale != 1 {
		t.Errorf("Defaults() = %+v", d)
	}
	bad := map[string]func(c *Config){
		"start not midnight": func(c *Config) { c.Start = c.Start.Add(time.Hour) },
		"zero start":         func(c *Config) { c.Start = time.Time{} },
		"end before start":   func(c *Config) { c.End = c.Start },
		"scale 0":            func(c *Config) { c.Scale = 0 },
		"scale NaN":          func(c *Config) { c.Scale = math.NaN() },
		"scale too big":      func(c *Config) { c.Scale = 11 },
		"exchange":           func(c *Config) { c.Exchange = "a/b" },
		"no symbols":         func(c *Config) { c.Symbols = nil },
		"lower-case symbol":  func(c *Config) { c.Symbols = []string{"btcusdt"} },
		"duplicate symbol":   func(c *Config) { c.Symbols = []string{"BTCUSDT", "BTCUSDT"} },
		"row groups":         func(c *Config) { c.RowGroupRows = -1 },
		"non-UTC midnight":   func(c *Config) { c.Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600)) },
	}
	for name, f := range bad {
		c := good
		f(&c)
		if err := c.Validate(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: Validate() = %v, want ErrBadConfig", name, err)
		}
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Generate(ctx, t.TempDir(), Config{Start: jan1, End: days(3), Scale: 0.001}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate with a cancelled context = %v, want context.Canceled", err)
	}
}
