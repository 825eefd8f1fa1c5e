package ingest

import (
	"context"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
)

// sharedReal locates the shared real-data folder: $CASCADE_SHARED, else
// ../../../shared/data/real from this package directory.
func sharedReal(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CASCADE_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data", "real")
	}
	if st, err := os.Stat(filepath.Join(dir, "SOURCES.md")); err != nil || st.IsDir() {
		t.Skipf("no shared real data at %s (set CASCADE_SHARED)", dir)
	}
	return dir
}

// TestRealData ingests the shared real files with the shipped mappings and
// checks the results against the facts in SOURCES.md. To stay fast it
// parses everything once in a dry run, then writes only a few days of
// interest, twice (the second run must change nothing), and replays them
// through parquetfeed.
func TestRealData(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("slow: parses ~500k real rows (skipped with -short and -race; TestImportManifest covers the concurrency)")
	}
	shared := sharedReal(t)
	ctx := context.Background()

	// 1. Every file parses and validates; row counts and spans as documented.
	rep, err := ImportReal(ctx, shared, 2, Options{Root: t.TempDir(), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Missing) > 0 || len(rep.Unmapped) > 0 {
		t.Errorf("missing globs %v, unmapped files %v", rep.Missing, rep.Unmapped)
	}
	byTarget := map[string]Stats{}
	for _, r := range rep.Results {
		byTarget[r.Exchange+"/"+r.Symbol+"/"+r.Stats.Kind.String()] = r.Stats
		if r.Stats.Bad != 0 {
			t.Errorf("%s/%s: %d bad rows", r.Exchange, r.Symbol, r.Stats.Bad)
		}
	}
	d := func(y int, m time.Month, day, h int) engine.Nanos { return utc(y, m, day, h, 0, 0, 0) }
	for _, c := range []struct {
		target      string
		rows        int // parsed rows (before de-duplication)
		first, last engine.Nanos
	}{
		// Funding: the supervik files are UTC+3 and must come out 3h earlier.
		{"binance/BTCUSDT/funding", 4383 + 266 + 1247, d(2020, 1, 1, 0), d(2026, 2, 19, 8)},
		{"bybit/BTCUSDT/funding", 3285, d(2021, 1, 1, 0), d(2023, 12, 31, 16)},
		{"kucoin/XBTUSDTM/funding", 3285, d(2021, 1, 1, 4), d(2023, 12, 31, 20)},
		{"htx/BTC-USDT/funding", 3284, d(2021, 1, 1, 0), d(2023, 12, 31, 16)},
		{"mexc/BTC_USDT/funding", 3285, d(2021, 1, 1, 0), d(2023, 12, 31, 16)},
		{"gate/BTC_USDT/funding", 4290, d(2020, 1, 1, 0), d(2023, 12, 31, 16)},
		{"dydx/BTC-USD/funding", 17520, d(2022, 1, 1, 0), d(2023, 12, 31, 23)},
		{"deribit/BTC-PERPETUAL/funding", 8533, d(2025, 5, 1, 1), d(2026, 4, 22, 0)},
		{"binance/BTCUSDT/bars", 33364 + 9978, d(2019, 9, 8, 17), d(2026, 2, 19, 17)},
		{"binance/BTCUSDT-1m/bars", 2 * 43199, utc(2025, 5, 4, 15, 33, 0, 0), utc(2025, 6, 24, 10, 31, 0, 0)},
		{"binance/BTCUSDT-5m/bars", 119724, d(2024, 12, 31, 0), utc(2026, 2, 19, 16, 55, 0, 0)},
		{"binance/BTCUSDT-4h/bars", 8347, d(2019, 9, 8, 16), d(2023, 6, 30, 16)},
		{"binance/BTCUSDT-1d/bars", 1392 + 414, d(2019, 9, 8, 0), d(2026, 2, 17, 0)},
		{"binance/BTCUSDT-mark/bars", 9981, d(2024, 12, 31, 0), d(2026, 2, 19, 20)},
		{"binance-spot/BTCUSDT/trades", 5000, utc(2026, 1, 1, 0, 0, 0, 39409000), utc(2026, 1, 1, 0, 12, 19, 347397000)},
		{"binance-spot/BTCUSDT/bars", 26279 + 12556, d(2022, 7, 16, 7), d(2026, 2, 19, 3)},
		{"binance-spot/BTCUSDT-4h/bars", 18371, d(2017, 8, 17, 4), d(2026, 1, 6, 12)},
		{"binance-spot/BTCUSDT-1d/bars", 3065 + 3194 + 488, d(2017, 8, 17, 0), d(2026, 5, 31, 0)},
		{"aggregate-unknown/BTC/oi", 2063, d(2019, 3, 31, 0), d(2024, 11, 21, 0)},             // stamped at the end of each day
		{"aggregate-unknown/BTC/series", 3112 - 2, d(2016, 5, 16, 0), d(2024, 11, 21, 0)},     // two empty days
		{"alternative.me/BTC/series", 2942, d(2018, 2, 1, 0), d(2026, 2, 24, 0)},              //
		{"coinmarketcap/BTC/series", 7532, d(2023, 6, 29, 0), utc(2025, 9, 25, 16, 8, 10, 0)}, //
		{"coinglass/BTC/liquidations", 2 * 4320, d(2025, 11, 23, 7), d(2026, 5, 22, 6)},       // bucket ends
		{"coinglass/BTC-30m/liquidations", 2 * 4320, utc(2026, 2, 27, 5, 0, 0, 0), utc(2026, 5, 28, 4, 30, 0, 0)},
		{"coinglass/BTCUSDT-binance/bars", 4406, utc(2026, 6, 7, 4, 40, 0, 0), utc(2026, 6, 22, 11, 45, 0, 0)},
		{"coinglass/BTCUSDT-binance/oi", 4406, utc(2026, 6, 7, 4, 45, 0, 0), utc(2026, 6, 22, 11, 50, 0, 0)},
		{"coinglass/BTCUSDT-binance/liquidations", 2 * 4406, utc(2026, 6, 7, 4, 45, 0, 0), utc(2026, 6, 22, 11, 50, 0, 0)},
		{"coinglass/BTCUSDT-binance/series", 3 * 4406, utc(2026, 6, 7, 4, 45, 0, 0), utc(2026, 6, 22, 11, 50, 0, 0)},
	} {
		st, ok := byTarget[c.target]
		if !ok {
			t.Errorf("%s: not imported", c.target)
			continue
		}
		if st.Rows != c.rows || st.First != c.first || st.Last != c.last {
			t.Errorf("%s: %d rows %s .. %s; want %d rows %s .. %s", c.target, st.Rows, st.First, st.Last, c.rows, c.first, c.last)
		}
	}
	// The CryptoDataDownload volumes were rounded by Excel: the exact
	// values replace them, which shows as conflicts; nothing else should
	// conflict except the incomplete last candles.
	if c := byTarget["binance-spot/BTCUSDT-1d/bars"].Conflicts; c < 1000 || c > 2000 {
		t.Errorf("spot 1d conflicts %d, want ~1500 (CDD volume rounding)", c)
	}
	if c := byTarget["binance-spot/BTCUSDT/bars"].Conflicts; c != 1 {
		t.Errorf("spot 1h conflicts %d, want 1 (the incomplete 2025-07-15 06:00 candle)", c)
	}

	// 2. Write a few days, twice.
	root := t.TempDir()
	windows := [][2]engine.Nanos{
		{d(2020, 1, 1, 0), d(2020, 1, 2, 0)},
		{d(2020, 3, 12, 0), d(2020, 3, 13, 0)},
		{d(2021, 5, 19, 0), d(2021, 5, 20, 0)},
		{d(2024, 8, 5, 0), d(2024, 8, 6, 0)},
		{d(2025, 10, 10, 0), d(2025, 10, 11, 0)},
		{d(2026, 1, 1, 0), d(2026, 1, 2, 0)},
		{d(2026, 6, 7, 0), d(2026, 6, 8, 0)},
	}
	var first map[string]string
	for pass := 0; pass < 2; pass++ {
		for _, w := range windows {
			rep, err := ImportReal(ctx, shared, 2, Options{Root: root, From: w[0], To: w[1]})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rep.Results {
				if pass == 1 && (r.Stats.Days != 0 || r.Stats.Added != 0) {
					t.Errorf("second pass %s/%s %s: %+v", r.Exchange, r.Symbol, r.Stats.Kind, r.Stats)
				}
			}
		}
		if pass == 0 {
			first = hashTree(t, root)
		} else if !maps.Equal(first, hashTree(t, root)) {
			t.Error("second pass changed the dataset")
		}
	}

	// 3. Spot checks from SOURCES.md.
	day := func(ex, sym string, k engine.Kind, ts engine.Nanos) dataset.Table {
		t.Helper()
		tb, err := dataset.ReadFile(filepath.Join(dataset.DayDir(root, ex, sym, k, ts.Time()), dataset.PartFile))
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	at := func(tb dataset.Table, ts engine.Nanos) int {
		for i := 0; i < tb.Len(); i++ {
			if tb.TSAt(i) == ts {
				return i
			}
		}
		t.Fatalf("no row at %s", ts)
		return -1
	}
	near := func(what string, got, want float64) {
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	f := day("binance", "BTCUSDT", engine.KindFunding, d(2020, 1, 1, 0)).(*dataset.Funding)
	near("binance funding 2020-01-01 00:00 UTC", f.Rate[at(f, d(2020, 1, 1, 0))], -0.00012359)
	if f.Len() != 3 || f.IntervalHours[0] != 8 {
		t.Errorf("binance funding 2020-01-01: %d rows, interval %v", f.Len(), f.IntervalHours[0])
	}
	spot1d := day("binance-spot", "BTCUSDT-1d", engine.KindBar, d(2020, 3, 12, 0)).(*dataset.Bars)
	near("spot 1d close 2020-03-12", spot1d.Close[0], 4800)
	near("spot 1d volume 2020-03-12 (exact, not CDD's rounding)", spot1d.Volume[0], 261505.608653)
	perp1d := day("binance", "BTCUSDT-1d", engine.KindBar, d(2020, 3, 12, 0)).(*dataset.Bars)
	near("perp 1d close 2020-03-12", perp1d.Close[0], 4764.65)
	spot1dMay := day("binance-spot", "BTCUSDT-1d", engine.KindBar, d(2021, 5, 19, 0)).(*dataset.Bars)
	near("spot 1d close 2021-05-19", spot1dMay.Close[0], 36690.09)
	perp1h := day("binance", "BTCUSDT", engine.KindBar, d(2021, 5, 19, 0)).(*dataset.Bars)
	near("perp 1h low 2021-05-19 13:00", perp1h.Low[at(perp1h, d(2021, 5, 19, 13))], 28688)
	if perp1h.Interval != time.Hour || perp1h.TakerBuy == nil {
		t.Errorf("perp 1h: interval %s, taker-buy %v", perp1h.Interval, perp1h.TakerBuy != nil)
	}
	spot1h := day("binance-spot", "BTCUSDT", engine.KindBar, d(2024, 8, 5, 0)).(*dataset.Bars)
	near("spot 1h low 2024-08-05 06:00", spot1h.Low[at(spot1h, d(2024, 8, 5, 6))], 49000)
	spot1hOct := day("binance-spot", "BTCUSDT", engine.KindBar, d(2025, 10, 10, 0)).(*dataset.Bars)
	near("spot 1h low 2025-10-10 21:00", spot1hOct.Low[at(spot1hOct, d(2025, 10, 10, 21))], 102000)
	tr := day("binance-spot", "BTCUSDT", engine.KindTrade, d(2026, 1, 1, 0)).(*dataset.Trades)
	if tr.Len() != 5000 || tr.TS[0] != utc(2026, 1, 1, 0, 0, 0, 39409000) || tr.Price[0] != 87648.21 || tr.Side[0] != -1 || tr.ID[0] != 3800397495 {
		t.Errorf("spot aggTrades: %d rows, first %s %v side %d id %d", tr.Len(), tr.TS[0], tr.Price[0], tr.Side[0], tr.ID[0])
	}
	liq := day("coinglass", "BTCUSDT-binance", engine.KindLiquidation, d(2026, 6, 7, 0)).(*dataset.Liquidations)
	if liq.Len() == 0 || liq.TS[0] != utc(2026, 6, 7, 4, 45, 0, 0) || liq.Side[0] != 1 || liq.Side[1] != -1 {
		t.Errorf("regime liquidations: %d rows, first %s side %d", liq.Len(), liq.TS[0], liq.Side[0])
	}

	// 4. Replay a day through parquetfeed.
	feed, err := parquetfeed.Open(ctx, parquetfeed.Options{Root: root, Exchange: "binance", Symbol: "BTCUSDT",
		From: d(2020, 3, 12, 0), To: d(2020, 3, 13, 0), Kinds: []engine.Kind{engine.KindFunding, engine.KindBar}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[engine.Kind]int{}
	var prev engine.Nanos
	for feed.Next() {
		ev := feed.Event()
		if ev.TS < prev {
			t.Fatalf("replay out of order: %s after %s", ev.TS, prev)
		}
		prev = ev.TS
		counts[ev.Kind]++
	}
	if err := feed.Err(); err != nil {
		t.Fatal(err)
	}
	feed.Close()
	// 24 hourly bars open that day; the last closes at 2020-03-13 00:00,
	// outside the range, so 23 or 24 bar events depending on the feed's
	// convention.
	if counts[engine.KindFunding] != 3 || counts[engine.KindBar] < 23 {
		t.Errorf("replay counts %v, want 3 funding and ~24 bars", counts)
	}
}

// TestImportManifest runs a small manifest over a synthetic folder: groups
// run concurrently, entries of one target merge in order, missing globs and
// unmapped files are reported, and a re-run writes nothing.
func TestImportManifest(t *testing.T) {
	shared := t.TempDir()
	for path, content := range map[string]string{
		"a/BTC/funding/old.csv":  "Symbol,Date,Funding Rate\nX,2020-01-01 00:00:00,0.0001\nX,2020-01-01 08:00:00,0.0002\n",
		"a/BTC/funding/new.csv":  "date,open,high,low,close,volume\n2020-01-01 08:00:00,0.0003,0,0,0,0\n",
		"b/ETH/fng/fng.csv":      "Date,fng_value,fng_class\n2020-01-01,30,Fear\n2020-01-02,31,Fear\n",
		"b/ETH/klines/k-1h-.csv": "date,open,high,low,close,volume\n2020-01-01 00:00:00,1,2,1,2,5\n2020-01-01 01:00:00,2,2,1,1,5\n",
		"c/stray.csv":            "date,open\nnot-a-date,1\n",
		"SOURCES.md":             "docs",
	} {
		p := filepath.Join(shared, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	es, err := ParseManifest([]byte(`
- {glob: "a/BTC/funding/old.csv", mapping: supervik-funding-utc-8h, exchange: a, symbol: BTC}
- {glob: "a/BTC/funding/new.csv", mapping: freqtrade-funding, exchange: a, symbol: BTC}
- {glob: "b/ETH/fng/*.csv", mapping: alternative-me-fear-greed, exchange: b, symbol: ETH}
- {glob: "b/ETH/klines/*.csv", mapping: ohlcv-csv, exchange: b, symbol: ETH}
- {glob: "z/*.csv", mapping: ohlcv-csv, exchange: z, symbol: Z, interval: 1d}
`))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for run := 0; run < 2; run++ {
		rep, err := ImportManifest(context.Background(), shared, es, 2, Options{Root: root})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 3 || len(rep.Missing) != 1 || len(rep.Unmapped) != 1 || rep.Unmapped[0] != "c/stray.csv" {
			t.Fatalf("report %+v", rep)
		}
		fund := rep.Results[0]
		if fund.Exchange != "a" || len(fund.Files) != 2 || fund.Stats.Conflicts != 1 || fund.Stats.Rows != 3 {
			t.Errorf("run %d funding group: %+v", run, fund)
		}
		for _, r := range rep.Results {
			if written := r.Stats.Days > 0; written != (run == 0) {
				t.Errorf("run %d %s/%s: %d days written", run, r.Exchange, r.Symbol, r.Stats.Days)
			}
		}
	}
	f, err := dataset.ReadFile(filepath.Join(dataset.DayDir(root, "a", "BTC", engine.KindFunding, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)), dataset.PartFile))
	if err != nil {
		t.Fatal(err)
	}
	if fr := f.(*dataset.Funding); fr.Len() != 2 || fr.Rate[1] != 0.0003 {
		t.Errorf("funding %+v: the later entry should win", fr)
	}
	// A failing group reports its own error, not the cancellation of others.
	bad := append(es[:4:4], ManifestEntry{Glob: "c/stray.csv", Mapping: "ohlcv-csv", Exchange: "c", Symbol: "S", Interval: "1d"})
	_, err = ImportManifest(context.Background(), shared, bad, 2, Options{Root: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "stray.csv") {
		t.Errorf("bad group: %v", err)
	}
}
