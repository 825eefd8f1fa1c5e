package liquidation

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txt with the current output")

// TestGolden replays the cases in testdata/*.txt and compares the output
// with the expected text after each case's "----" line. Run with -update
// to rewrite the expected output.
//
// A case is a block of lines:
//
//	run <name> [key=value ...]       config: leverage=2,10 aggr=1,1 pass=1,1
//	                                 outflow=… funding=true|false bin=0.001
//	                                 account=20000 gap=5m wavegap=30s
//	                                 hold=96h bucket=1m ftilt=3000 share=0.35
//	trade <offset> <price> <qty> <buy|sell|none>
//	path <offset> <price>            an intra-bar path point
//	oi <offset> <qty>                OI in base units
//	oiq <offset> <quote>             OI in quote only
//	funding <offset> <rate> [mark]
//	bar <offset> <o> <h> <l> <c> <volume> [taker-buy]
//	walk seed=<n> trades=<n> start=<p> vol=<σ per trade> step=<dur> oi=<q> fund=<rate>
//	map <above> <below> <step>       the map at the last price
//	shock <move>                     Shock at the last price with the book's impact
//	----
//	expected output
//
// Offsets are Go durations from 2024-01-01T00:00Z. Lines starting with
// '#' are comments. Output: one line per liquidation, then map and shock
// lines where asked, then the episodes and the final stats.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { runGoldenFile(t, f) })
	}
}

type goldenCase struct {
	input    []string // the lines up to and including "----"
	expected []string
}

func parseGolden(t *testing.T, path string) []goldenCase {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	var cur goldenCase
	inOut := false
	flush := func() {
		if len(cur.input) > 0 {
			cases = append(cases, cur)
		}
		cur, inOut = goldenCase{}, false
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case inOut && strings.TrimSpace(line) == "":
			flush()
		case inOut:
			cur.expected = append(cur.expected, line)
		case strings.TrimSpace(line) == "----":
			cur.input = append(cur.input, line)
			inOut = true
		case strings.TrimSpace(line) == "" && len(cur.input) == 0:
		default:
			cur.input = append(cur.input, line)
		}
	}
	flush()
	return cases
}

func runGoldenFile(t *testing.T, path string) {
	cases := parseGolden(t, path)
	var out strings.Builder
	for i, c := range cases {
		got := runGoldenCase(t, c.input)
		if !*update {
			if strings.Join(got, "\n") != strings.Join(c.expected, "\n") {
				t.Errorf("%s case %d (%s): output differs\n--- got\n%s\n--- want\n%s", path, i, strings.TrimSpace(c.input[0]),
					strings.Join(got, "\n"), strings.Join(c.expected, "\n"))
			}
			continue
		}
		for _, l := range c.input {
			out.WriteString(l + "\n")
		}
		for _, l := range got {
			out.WriteString(l + "\n")
		}
		out.WriteString("\n")
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.TrimRight(out.String(), "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func g(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }

func offset(ts engine.Nanos) string { return time.Duration(ts - t0).String() }

func runGoldenCase(t *testing.T, input []string) []string {
	t.Helper()
	cfg := DefaultConfig()
	var b *Book
	var out []string
	var eps []Episode
	var x *Episodes
	fail := func(line string, format string, a ...any) {
		t.Helper()
		t.Fatalf("%q: %s", line, fmt.Sprintf(format, a...))
	}
	num := func(line, s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			fail(line, "%v", err)
		}
		return v
	}
	dur := func(line, s string) engine.Nanos {
		d, err := time.ParseDuration(s)
		if err != nil {
			fail(line, "%v", err)
		}
		return at(d)
	}
	floats := func(line, s string) []float64 {
		var fs []float64
		for _, f := range strings.Split(s, ",") {
			fs = append(fs, num(line, f))
		}
		return fs
	}
	emit := func(liqs []Liquidation) {
		for _, l := range liqs {
			out = append(out, fmt.Sprintf("liq %s %s %gx entry=%s lp=%s px=%s qty=%s notional=%s",
				offset(l.TS), l.Side, l.Leverage, g(l.EntryPrice), g(l.LiqPrice), g(l.Price), g(l.Qty), g(l.Notional)))
			x.Add(l)
		}
	}
	ev := func(e engine.Event) { emit(b.OnEvent(&e)) }
	for _, line := range input {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || f[0] == "----" {
			continue
		}
		if f[0] != "run" && b == nil {
			fail(line, "before run")
		}
		switch f[0] {
		case "run":
			for _, kv := range f[2:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "leverage":
					cfg.Leverage = floats(line, v)
				case "aggr":
					cfg.AggressorWeights = floats(line, v)
				case "pass":
					cfg.PassiveWeights = floats(line, v)
				case "outflow":
					cfg.Outflow = OutflowRule(v)
				case "funding":
					cfg.Funding = v == "true"
				case "bin":
					cfg.PriceBin = num(line, v)
				case "account":
					cfg.AccountNotional = num(line, v)
				case "gap":
					d, _ := time.ParseDuration(v)
					cfg.CascadeGap = d
				case "wavegap":
					d, _ := time.ParseDuration(v)
					cfg.WaveGap = d
				case "hold":
					d, _ := time.ParseDuration(v)
					cfg.HoldHalfLife = d
				case "bucket":
					d, _ := time.ParseDuration(v)
					cfg.EpisodeBucket = d
				case "ftilt":
					cfg.FundingTilt = num(line, v)
				case "share":
					cfg.LeveragedShare = num(line, v)
				default:
					fail(line, "unknown key %q", k)
				}
			}
			var err error
			if b, err = New(cfg); err != nil {
				fail(line, "%v", err)
			}
			x = NewEpisodes(cfg, func(e Episode) { eps = append(eps, e) })
		case "trade":
			side := map[string]int8{"buy": 1, "sell": -1, "none": 0}[f[4]]
			ev(trade(dur(line, f[1]), num(line, f[2]), num(line, f[3]), side))
		case "path":
			ev(engine.Event{TS: dur(line, f[1]), Kind: engine.KindTrade, Price: num(line, f[2]), Flags: engine.FlagBarPath})
		case "oi":
			ev(oiEv(dur(line, f[1]), num(line, f[2])))
		case "oiq":
			ev(engine.Event{TS: dur(line, f[1]), Kind: engine.KindOI, Qty: math.NaN(), Value: num(line, f[2])})
		case "funding":
			mark := math.NaN()
			if len(f) > 3 {
				mark = num(line, f[3])
			}
			ev(fundingEv(dur(line, f[1]), num(line, f[2]), mark))
		case "bar":
			tb := math.NaN()
			if len(f) > 7 {
				tb = num(line, f[7])
			}
			ev(engine.Event{TS: dur(line, f[1]), Kind: engine.KindBar, Open: num(line, f[2]), High: num(line, f[3]),
				Low: num(line, f[4]), Price: num(line, f[5]), Qty: num(line, f[6]), Value: tb, Aux: 60})
		case "walk":
			o := walkOpts{}
			for _, kv := range f[1:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "seed":
					o.seed = uint64(num(line, v))
				case "trades":
					o.trades = int(num(line, v))
				case "start":
					o.start = num(line, v)
				case "vol":
					o.vol = num(line, v)
				case "step":
					d, _ := time.ParseDuration(v)
					o.stepNs = engine.Nanos(d)
				case "oi":
					o.oi = num(line, v)
				case "fund":
					o.fundRate = num(line, v)
				default:
					fail(line, "unknown key %q", k)
				}
			}
			for _, e := range walkEvents(o) {
				ev(e)
			}
		case "map":
			m := b.Map(b.Price(), num(line, f[1]), num(line, f[2]), num(line, f[3]))
			out = append(out, fmt.Sprintf("map at %s: shorts within %s, longs within %s, asymmetry %s",
				g(m.Price), g(m.ShortsWithin), g(m.LongsWithin), g(m.Asymmetry)))
			for _, l := range m.Shorts {
				out = append(out, fmt.Sprintf("  above %s %s cum %s", g(l.Price), g(l.Notional), g(l.Cumulative)))
			}
			for _, l := range m.Longs {
				out = append(out, fmt.Sprintf("  below %s %s cum %s", g(l.Price), g(l.Notional), g(l.Cumulative)))
			}
		case "shock":
			r := b.Shock(num(line, f[1]))
			out = append(out, fmt.Sprintf("shock %s: %s -> %s -> %s, %d waves, long %s short %s truncated %v",
				f[1], g(r.Start), g(r.Shocked), g(r.Final), r.Waves, g(r.LongNotional), g(r.ShortNotional), r.Truncated))
		default:
			fail(line, "unknown command")
		}
		if err := b.check(); err != nil {
			fail(line, "invariant: %v", err)
		}
	}
	if b == nil {
		return out
	}
	x.Flush()
	for _, e := range eps {
		out = append(out, fmt.Sprintf("episode %s %s..%s count=%d waves=%d notional=%s price %s -> %s (%s%%)",
			e.Side, offset(e.Start), offset(e.End), e.Count, e.Waves, g(e.Notional), g(e.PriceStart), g(e.PriceEnd), g(e.Move*100)))
	}
	st := b.Stats()
	out = append(out, fmt.Sprintf("stats cohorts=%d long=%s short=%s untracked=%s oi=%s price=%s liquidations=%d",
		st.Cohorts, g(st.LongQty), g(st.ShortQty), g(st.UntrackedQty), g(st.OI), g(st.Price), st.Liquidations))
	return out
}
