package ingest

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// TestGenericMappings runs small fixtures in the layouts of the real files
// through the shipped mappings and through inline ones.
func TestGenericMappings(t *testing.T) {
	d := func(y int, m time.Month, day, h, mi int) engine.Nanos { return utc(y, m, day, h, mi, 0, 0) }
	tests := []struct {
		name    string
		mapping string // shipped name or YAML
		file    string
		content string
		kind    engine.Kind
		want    []row
		empty   int
	}{
		{"supervik UTC+3", "supervik-funding-utc3", "f.csv",
			"Symbol,Date,Funding Rate\nBTC-USDT,2020-01-01 03:00:00.000,-0.00012359\nBTC-USDT,2020-01-01 11:00:00.000,-0.00012383\n",
			engine.KindFunding, []row{funding(d(2020, 1, 1, 0, 0), -0.00012359, 8), funding(d(2020, 1, 1, 8, 0), -0.00012383, 8)}, 0},
		{"gate UTC", "supervik-funding-utc-8h", "f.csv",
			"Symbol,Date,Funding Rate\nBTC-USDT,2020-01-01 00:00:00,0.0001\n",
			engine.KindFunding, []row{funding(d(2020, 1, 1, 0, 0), 0.0001, 8)}, 0},
		{"freqtrade funding", "freqtrade-funding", "f.csv",
			"date,open,high,low,close,volume\n2025-03-06 16:00:00,6.818e-05,0,0,0,0\n2025-03-07 00:00:00,-6.12e-06,0,0,0,0\n",
			engine.KindFunding, []row{funding(d(2025, 3, 6, 16, 0), 6.818e-05, 8), funding(d(2025, 3, 7, 0, 0), -6.12e-06, 8)}, 0},
		{"ohlcv freqtrade 1m", "ohlcv-csv", "BTC_USDT_USDT-1m-futures.csv.gz",
			"date,open,high,low,close,volume\n2025-05-04 15:33:00,95505.4,95505.5,95502.7,95502.7,16.536\n2025-05-04 15:34:00,95502.8,95502.8,95478,95478.1,28.313\n",
			engine.KindBar, []row{bar(d(2025, 5, 4, 15, 33), 95505.4, 95505.5, 95502.7, 95502.7, 16.536, nan), bar(d(2025, 5, 4, 15, 34), 95502.8, 95502.8, 95478, 95478.1, 28.313, nan)}, 0},
		{"ohlcv date only, interval from spacing", "ohlcv-csv", "daily.csv",
			"timestamp,open,high,low,close,volume\n2020-03-12,7934.58,7966.17,4410.0,4800.0,261505.608653\n2020-03-13,4800,5955,3782.13,5578.6,402201.673764\n",
			engine.KindBar, []row{bar(d(2020, 3, 12, 0, 0), 7934.58, 7966.17, 4410, 4800, 261505.608653, nan), bar(d(2020, 3, 13, 0, 0), 4800, 5955, 3782.13, 5578.6, 402201.673764, nan)}, 0},
		{"cryptodatadownload banner, newest first", "cryptodatadownload-daily", "cdd.csv",
			"https://www.CryptoDataDownload.com,,,,,,,,,\nUnix,Date,Symbol,Open,High,Low,Close,Volume BTC,Volume USDT,tradecount\n" +
				"1.58406E+12,3/13/2020,BTCUSDT,4800,5955,3782.13,5578.6,402201.6738,1,1\n1.58397E+12,3/12/2020,BTCUSDT,7934.58,7966.17,4410,4800,261505.6087,1,1\n",
			engine.KindBar, []row{bar(d(2020, 3, 12, 0, 0), 7934.58, 7966.17, 4410, 4800, 261505.6087, nan), bar(d(2020, 3, 13, 0, 0), 4800, 5955, 3782.13, 5578.6, 402201.6738, nan)}, 0},
		{"aggregate OI with BOM, shifted a day", "aggregate-oi-daily", "oi.csv",
			"\ufeffDate,Data\n2019.3.30,605258083\n2019.3.31,618514013\n",
			engine.KindOI, []row{mk(d(2019, 3, 31, 0, 0), nan, 605258083), mk(d(2019, 4, 1, 0, 0), nan, 618514013)}, 0},
		{"aggregate funding percent, empty skipped", "aggregate-funding-daily", "ff.csv",
			"\ufeffDate,Data\n2020.10.28,0.001097415\n2020.10.29,\n2020.10.30,0.5\n",
			engine.KindSeries, []row{series(d(2020, 10, 29, 0, 0), "funding_fee_daily", 0.00001097415), series(d(2020, 10, 31, 0, 0), "funding_fee_daily", 0.005)}, 1},
		{"fear and greed", "alternative-me-fear-greed", "fng.csv",
			"Date,fng_value,fng_class\n2018-02-01,30,Fear\n2018-02-02,15,Extreme Fear\n",
			engine.KindSeries, []row{series(d(2018, 2, 1, 0, 0), "fear_greed", 30), series(d(2018, 2, 2, 0, 0), "fear_greed", 15)}, 0},
		{"cmc json with string numbers", "cmc-fear-greed-json", "cmc.json.gz",
			`{"data": {"dialConfig": [{"a": [1, {"b": 2}]}], "dataList": [` + "\n" +
				`{"score": 59, "name": "Neutral", "timestamp": "1687996800", "btcPrice": "30086.19"},` + "\n" +
				`{"score": 41, "name": "Neutral", "timestamp": "1758816490"}]}, "status": {}}`,
			engine.KindSeries, []row{series(utc(2023, 6, 29, 0, 0, 0, 0), "cmc_fear_greed", 59), series(utc(2025, 9, 25, 16, 8, 10, 0), "cmc_fear_greed", 41)}, 0},
		{"deribit json", "deribit-funding-json", "deribit.json",
			`{"source": "x", "stats": {"n": 1}, "data": [{"timestamp": 1746061200000, "index_price": 94405.59, "interest_8h": 8.8e-07, "interest_1h": 0.0},` +
				`{"timestamp": 1746064800000, "interest_1h": -1.5e-05}]}`,
			engine.KindFunding, []row{funding(d(2025, 5, 1, 1, 0), 0, 1), funding(d(2025, 5, 1, 2, 0), -1.5e-05, 1)}, 0},
		{"coinglass liquidations: two rows, bucket end", "coinglass-liquidations-1h", "liq.csv",
			"timestamp,datetime_utc,longUsd,shortUsd,totalUsd\n1763877600000,2025-11-23T06:00:00.000Z,0,0,0\n1763881200000,2025-11-23T07:00:00.000Z,2137137.59233,249169.79087,2386307.3832\n",
			engine.KindLiquidation, []row{liq(d(2025, 11, 23, 7, 0), 1, 0), liq(d(2025, 11, 23, 7, 0), -1, 0),
				liq(d(2025, 11, 23, 8, 0), 1, 2137137.59233), liq(d(2025, 11, 23, 8, 0), -1, 249169.79087)}, 0},
		{"coinglass regime series", "coinglass-regime-series", "regime.csv",
			"timestamp,datetime_utc,funding_close,oi_weight_close,cvd_close\n1780807200000,x,-0.00002828,-0.00002829,-46536.9\n",
			engine.KindSeries, []row{series(d(2026, 6, 7, 4, 45), "coinglass_cvd", -46536.9), series(d(2026, 6, 7, 4, 45), "coinglass_funding_rate", -0.00002828),
				series(d(2026, 6, 7, 4, 45), "coinglass_oi_weighted_funding_rate", -0.00002829)}, 0},
		{"jsonl, side text, no trade ids, constant", `
kind: trades
format: jsonl
timestamp: {column: t, format: unix_ms}
columns: {price: p, qty: {column: q, scale: 0.001}, side: s}
`, "trades.jsonl",
			`{"t": 1704067200000, "p": 100, "q": 1500, "s": "buy"}` + "\n\n" + `{"t": "1704067201000", "p": "101.5", "q": 2000, "s": "SELL"}` + "\n",
			engine.KindTrade, []row{withSide(mk(t0, 100, 1.5), 1), withSide(mk(t0+engine.Second, 101.5, 2), -1)}, 0},
		{"positions, semicolon, no header, side constant, price", `
kind: liquidations
header: false
delimiter: ";"
timestamp: {column: 0, format: "2006-01-02T15:04", tz: "-05:00"}
columns: {price: 1, notional: 2}
constants: {side: -1}
`, "l.csv", "2023-12-31T19:00;42000;1000\n2024-01-01T00:00;;5\n",
			engine.KindLiquidation, []row{{ts: t0, v: [6]float64{42000, 1000, nan, nan, nan, nan}, side: -1}, {ts: t0 + 5*engine.Hour, v: [6]float64{nan, 5, nan, nan, nan, nan}, side: -1}}, 0},
		{"column_names for a headerless file, quoted fields", `
kind: oi
header: auto
column_names: [when, oi_base, oi_usd]
timestamp: {column: when, format: auto}
columns: {oi: oi_base, oi_value: oi_usd}
`, "oi.csv", "\"2024-01-01 00:00:00\",\"1,5\",null\n2024-01-01 00:05:00,2,\n",
			engine.KindOI, nil, 0}, // "1,5" is not a number: expect the error below
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root := dir + "/ds"
			path := writeInput(t, dir, tc.file, tc.content)
			m := mustMapping(t, tc.mapping)
			st, err := Import(t.Context(), m, []string{path}, opts(root))
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), path+`:1: column "oi_base": "1,5" is not a number`) {
					t.Fatalf("err %v, want the bad number at line 1", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Empty != tc.empty {
				t.Errorf("empty %d, want %d", st.Empty, tc.empty)
			}
			got, _ := readAll(t, root, tc.kind)
			checkRows(t, got, tc.want)
		})
	}
}

// TestGzipByMagic: compression is detected from the bytes, not the name.
func TestGzipByMagic(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("\ufeffDate,fng_value,fng_class\n2018-02-01,30,Fear\n"))
	zw.Close()
	path := filepath.Join(dir, "plain-name.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	st := run(t, mustMapping(t, "alternative-me-fear-greed"), opts(dir+"/ds"), path)
	if st.Rows != 1 {
		t.Fatalf("rows %d, want 1", st.Rows)
	}
}

func TestBadMappings(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"kind: funding\ncolums: {rate: r}\ntimestamp: {column: t, format: auto}", "field colums not found"},
		{"kind: fundings\ntimestamp: {column: t, format: auto}", "unknown kind"},
		{"kind: funding\ntimestamp: {column: t, format: auto}\ncolumns: {rate: r}", `needs column or constant "interval_hours"`},
		{"kind: funding\ntimestamp: {column: t, format: auto}\ncolumns: {rate: r, interval_hours: h}\nconstants: {interval_hours: 8}", "both a column and a constant"},
		{"kind: funding\ntimestamp: {column: t, format: auto}\ncolumns: {rate: r, price: p}\nconstants: {interval_hours: 8}", `"price" is not a funding column`},
		{"kind: funding\ntimestamp: {column: t, format: ms}\ncolumns: {rate: r}\nconstants: {interval_hours: 8}", "timestamp format"},
		{"kind: funding\ntimestamp: {column: t, format: auto, tz: Europe/Moscow}\ncolumns: {rate: r}\nconstants: {interval_hours: 8}", "UTC offset"},
		{"kind: funding\ntimestamp: {column: t, format: auto, shift: soon}\ncolumns: {rate: r}\nconstants: {interval_hours: 8}", "shift"},
		{"kind: funding\ncolumns: {rate: r}\nconstants: {interval_hours: 8}", "timestamp: missing column"},
		{"kind: funding\nheader: false\ntimestamp: {column: t, format: auto}\ncolumns: {rate: r}\nconstants: {interval_hours: 8}", "without a header"},
		{"kind: funding\nheader: auto\ntimestamp: {column: 0, format: auto}\ncolumns: {rate: r}\nconstants: {interval_hours: 8}", "header: auto needs positions"},
		{"kind: funding\nformat: json\ntimestamp: {column: 0, format: auto}\ncolumns: {rate: r}\nconstants: {interval_hours: 8}", "need key names"},
		{"kind: funding\nformat: xml\ntimestamp: {column: t, format: auto}", "want csv, jsonl or json"},
		{"kind: series\ntimestamp: {column: t, format: auto}", "needs a series list"},
		{"kind: series\ntimestamp: {column: t, format: auto}\nseries: [{name: x}]", "each entry needs name and column"},
		{"kind: trades\ntimestamp: {column: t, format: auto}\ncolumns: {price: p, qty: q}", "exactly one of side and buyer_maker"},
		{"kind: liquidations\ntimestamp: {column: t, format: auto}\ncolumns: {long_notional: l, short_notional: s, side: x}", "not both"},
		{"kind: bars\ninterval: fortnight\ntimestamp: {column: t, format: auto}\ncolumns: {open: o, high: h, low: l, close: c, volume: v}", "bad bar interval"},
		{"kind: oi\ninterval: 1h\ntimestamp: {column: t, format: auto}\ncolumns: {oi: o}", "only for kind bars"},
		{"kind: oi\ntimestamp: {column: t, format: auto}\ncolumns: {oi: {scale: 2}}", "missing column"},
		{"kind: oi\ntimestamp: {column: t, format: auto}\ncolumns: {oi: {column: x, factor: 2}}", `unknown key "factor"`},
	}
	for _, tc := range tests {
		_, err := ParseMapping([]byte(tc.yaml), "bad.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseMapping(%q) = %v, want error containing %q", tc.yaml, err, tc.want)
		}
	}
	if _, err := LoadMapping("no-such-mapping"); err == nil || !strings.Contains(err.Error(), "binance-aggtrades") {
		t.Errorf("LoadMapping(unknown) = %v, want an error listing the shipped mappings", err)
	}
	if _, err := LoadMapping("dir/missing.yaml"); err == nil {
		t.Error("LoadMapping(missing file): no error")
	}
}

// TestShippedMappings loads every shipped mapping and the real-data
// manifest (which must name only shipped mappings).
func TestShippedMappings(t *testing.T) {
	names := ShippedMappings()
	if len(names) < 20 {
		t.Fatalf("only %d shipped mappings", len(names))
	}
	for _, n := range names {
		m, err := LoadMapping(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if len(m.Description) < 40 {
			t.Errorf("%s: description %q too short to document the source", n, m.Description)
		}
	}
	es, err := RealManifest()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, e := range es {
		used[e.Mapping] = true
		if m, _ := LoadMapping(e.Mapping); m.Kind == "bars" && e.Interval == "" && m.Interval == "" {
			t.Errorf("manifest %s: bars without an interval", e.Glob)
		}
	}
	for _, n := range names {
		if !used[n] && !strings.HasPrefix(n, "binance-") {
			t.Errorf("shipped mapping %s is not used by the real-data manifest", n)
		}
	}
	if _, err := ParseManifest([]byte("- {glob: x, mapping: nope, exchange: e, symbol: s}")); err == nil {
		t.Error("manifest with an unknown mapping: no error")
	}
	if _, err := ParseManifest([]byte("- {glob: x, mapping: ohlcv-csv, exchange: e/x, symbol: s}")); err == nil {
		t.Error("manifest with a bad exchange: no error")
	}
}

// TestIntervalRule: the manifest keeps each symbol to one bar interval.
func TestIntervalRule(t *testing.T) {
	es, err := RealManifest()
	if err != nil {
		t.Fatal(err)
	}
	iv := map[string]time.Duration{}
	for _, e := range es {
		m, _ := LoadMapping(e.Mapping)
		if m.Kind != "bars" {
			continue
		}
		s := e.Interval
		if s == "" {
			s = m.Interval
		}
		d, err := dataset.ParseInterval(s)
		if err != nil {
			t.Fatal(err)
		}
		key := e.Exchange + "/" + e.Symbol
		if old, ok := iv[key]; ok && old != d {
			t.Errorf("%s gets %s and %s bars", key, old, d)
		}
		iv[key] = d
	}
}

func withSide(r row, s int8) row { r.side = s; return r }
