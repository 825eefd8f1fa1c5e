package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// aggLines builds n Binance aggTrades lines without header, starting at
// 2024-01-01 23:00 UTC so they span two days.
func aggLines(first, n int) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		ts := 1704150000000 + int64(i)*997*60 // ~1 min apart
		fmt.Fprintf(&b, "%d,%.2f,%.3f,%d,%d,%d,%v,true\n", 1000+i, 42000+float64(i%50)/4, 0.001*float64(1+i%7), i, i, ts, i%3 == 0)
	}
	return b.String()
}

func TestIdempotent(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "ds")
	a := writeInput(t, dir, "a.csv", aggLines(0, 120))
	b := writeInput(t, dir, "b.zip", aggLines(60, 120)) // overlaps a by 60 trades
	m := mustMapping(t, "binance-aggtrades")

	st1 := run(t, m, opts(root), a, b)
	if st1.Rows != 240 || st1.Duplicates != 60 || st1.Added != 180 || st1.Conflicts != 0 || st1.Days != 2 {
		t.Fatalf("first import: %+v", st1)
	}
	before := hashTree(t, root)
	if len(before) != 2 {
		t.Fatalf("%d files, want 2 days", len(before))
	}
	stat := func() map[string]time.Time {
		out := map[string]time.Time{}
		for p := range before {
			fi, err := os.Stat(filepath.Join(root, p))
			if err != nil {
				t.Fatal(err)
			}
			out[p] = fi.ModTime()
		}
		return out
	}
	mtimes := stat()
	for _, files := range [][]string{{a, b}, {b}, {a}, {b, a}} {
		st := run(t, m, opts(root), files...)
		if st.Added != 0 || st.Days != 0 || st.Conflicts != 0 || st.Duplicates != st.Rows {
			t.Errorf("re-import %v: %+v, want everything duplicate and nothing written", files, st)
		}
	}
	if after := hashTree(t, root); !maps.Equal(before, after) {
		t.Error("re-import changed the dataset bytes")
	}
	if !maps.Equal(mtimes, stat()) {
		t.Error("re-import rewrote day files")
	}
	rows, _ := readAll(t, root, engine.KindTrade)
	if len(rows) != 180 || rows[0].id != 1000 || rows[179].id != 1179 {
		t.Fatalf("got %d rows, ids %d..%d", len(rows), rows[0].id, rows[len(rows)-1].id)
	}

	// The same rows in a different buffer size give the same bytes.
	root2 := filepath.Join(dir, "ds2")
	o := opts(root2)
	o.MaxBufferedRows = 7
	run(t, m, o, a, b)
	if !maps.Equal(before, hashTree(t, root2)) {
		t.Error("MaxBufferedRows changed the result")
	}
}

func TestConflictNewerWins(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "ds")
	m := mustMapping(t, "supervik-funding-utc-8h")
	old := writeInput(t, dir, "old.csv", "Symbol,Date,Funding Rate\nX,2020-01-01 00:00:00,0.0001\nX,2020-01-01 08:00:00,0.0002\n")
	upd := writeInput(t, dir, "new.csv", "Symbol,Date,Funding Rate\nX,2020-01-01 08:00:00,0.0003\nX,2020-01-01 16:00:00,0.0004\n")
	run(t, m, opts(root), old)
	st := run(t, m, opts(root), upd)
	if st.Conflicts != 1 || st.Added != 1 || st.Duplicates != 0 || st.Days != 1 {
		t.Fatalf("stats %+v", st)
	}
	got, _ := readAll(t, root, engine.KindFunding)
	d := utc(2020, 1, 1, 0, 0, 0, 0)
	checkRows(t, got, []row{funding(d, 0.0001, 8), funding(d+8*engine.Hour, 0.0003, 8), funding(d+16*engine.Hour, 0.0004, 8)})

	// Two sources that disagree, imported together: the later wins, and a
	// second run reports the conflict again but rewrites nothing.
	root2 := filepath.Join(dir, "ds2")
	srcs := []Source{{Path: old, Mapping: m}, {Path: upd, Mapping: m}}
	for i := 0; i < 2; i++ {
		st, err := ImportSources(context.Background(), srcs, opts(root2))
		if err != nil {
			t.Fatal(err)
		}
		if st.Conflicts != 1 || (i == 0) != (st.Days == 1) {
			t.Errorf("run %d: %+v", i, st)
		}
	}
}

// TestBadInput checks that errors name the file, the 1-based line
// (header included) and the column, and say what was expected.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name, mapping, content string
		line                   int
		column, want           string
	}{
		{"bad number", "supervik-funding-utc3", "Symbol,Date,Funding Rate\nX,2020-01-01 03:00:00,0.0001\nX,2020-01-01 11:00:00,0.0001x\n",
			3, `"Funding Rate"`, `"0.0001x" is not a number (want rate)`},
		{"missing column", "binance-aggtrades", "1,42000,0.1,1,1,1704067200000,true\n2,42000,0.1,1,1\n",
			2, `"transact_time"`, "missing: the line has 5 fields, want at least 6"},
		{"header lacks column", "supervik-funding-utc3", "Symbol,Datum,Funding Rate\nX,2020-01-01 03:00:00,0.0001\n",
			1, `"Date"`, "missing: the header has no such column"},
		{"timestamp out of range", "binance-fundingrate", "calc_time,funding_interval_hours,last_funding_rate\n4102444800000,8,0.0001\n",
			2, `"calc_time"`, "out of range"},
		{"bad timestamp", "supervik-funding-utc3", "Symbol,Date,Funding Rate\nX,2020/01/01 03:00,0.0001\n",
			2, `"Date"`, `does not match layout "2006-01-02 15:04:05"`},
		{"bad bool", "binance-aggtrades", "1,42000,0.1,1,1,1704067200000,maybe\n",
			1, `"is_buyer_maker"`, `"maybe", want true or false`},
		{"negative price (dataset rule)", "binance-aggtrades", "1,-42000,0.1,1,1,1704067200000,true\n",
			1, `"price"`, "want a finite number > 0"},
		{"high below low", "ohlcv-csv", "date,open,high,low,close,volume\n2024-01-01 00:00:00,10,9,11,10,1\n",
			2, `"high"`, "do not enclose"},
		{"rate too large", "freqtrade-funding", "date,open,high,low,close,volume\n2024-01-01 00:00:00,0.9,0,0,0,0\n",
			2, `"open"`, "|rate| <= 0.5"},
		{"unaligned bar", "ohlcv-csv", "date,open,high,low,close,volume\n2024-01-01 03:00:00,1,1,1,1,1\n2024-01-01 07:00:00,1,1,1,1,1\n2024-01-01 11:00:00,1,1,1,1,1\n",
			2, "\"date\"", "not a multiple of the interval 4h in UTC (off by 3h0m0s): wrong timezone"},
		{"bad quote", "ohlcv-csv", "date,open,high,low,close,volume\n2024-01-01 00:00:00,1,\"1,1,1,1\n",
			2, "", `extraneous or missing " in quoted field`},
		{"empty funding rate", "freqtrade-funding", "date,open,high,low,close,volume\n2024-01-01 00:00:00,,0,0,0,0\n",
			2, `"open"`, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeInput(t, dir, "in.csv", tc.content)
			_, err := Import(context.Background(), mustMapping(t, tc.mapping), []string{path}, opts(filepath.Join(dir, "ds")))
			if err == nil {
				t.Fatal("no error")
			}
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrBadInput) {
				t.Fatalf("err %T %v, want *InputError", err, err)
			}
			if ie.File != path || ie.Line != tc.line || ie.Column != tc.column || !strings.Contains(ie.Msg, tc.want) {
				t.Errorf("got %q\nwant %s:%d column %s containing %q", err, path, tc.line, tc.column, tc.want)
			}
			prefix := fmt.Sprintf("%s:%d: ", path, tc.line)
			if tc.column != "" {
				prefix += "column " + tc.column + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("message %q does not start with %q", err, prefix)
			}
		})
	}
}

func TestSkipBad(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "ds")
	path := writeInput(t, dir, "in.csv", "1,42000,0.1,1,1,1704067200000,true\n2,oops,0.1,1,1,1704067201000,true\n3,42000,0.1,1,1,1704067202000,false\n4,42000\n")
	o := opts(root)
	o.SkipBad = true
	st := run(t, mustMapping(t, "binance-aggtrades"), o, path)
	if st.Read != 4 || st.Bad != 2 || st.Rows != 2 || st.Added != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestMixingRefused(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "ds")
	ohlcv := mustMapping(t, "ohlcv-csv")
	m1 := writeInput(t, dir, "x-1m-.csv", "date,open,high,low,close,volume\n2024-01-01 00:00:00,1,1,1,1,1\n")
	h1 := writeInput(t, dir, "x-1h-.csv", "date,open,high,low,close,volume\n2024-01-01 00:00:00,1,1,1,1,1\n")
	run(t, ohlcv, opts(root), m1)
	_, err := Import(context.Background(), ohlcv, []string{h1}, opts(root))
	if err == nil || !strings.Contains(err.Error(), "holds 1m bars") || !strings.Contains(err.Error(), "--symbol SYM-1h") {
		t.Errorf("1h into 1m symbol: %v", err)
	}
	_, err = Import(context.Background(), ohlcv, []string{m1, h1}, opts(filepath.Join(dir, "other")))
	if err == nil || !strings.Contains(err.Error(), "bars of interval 1h") {
		t.Errorf("1m and 1h in one import: %v", err)
	}
	// Single bar and nothing else to go by.
	one := writeInput(t, dir, "one.csv", "date,open,high,low,close,volume\n2024-01-01 00:00:00,1,1,1,1,1\n")
	if _, err = Import(context.Background(), ohlcv, []string{one}, opts(filepath.Join(dir, "x"))); err == nil || !strings.Contains(err.Error(), "cannot infer the bar interval") {
		t.Errorf("one bar: %v", err)
	}

	// Trades with ids into a day without.
	noID := mustMapping(t, "kind: trades\ntimestamp: {column: 5, format: auto}\nheader: false\ncolumns: {price: 1, qty: 2, buyer_maker: 6}")
	tr := writeInput(t, dir, "t.csv", "1,42000,0.1,1,1,1704067200000,true\n")
	run(t, noID, opts(root), tr)
	if _, err = Import(context.Background(), mustMapping(t, "binance-aggtrades"), []string{tr}, opts(root)); err == nil || !strings.Contains(err.Error(), "with and without ids") {
		t.Errorf("ids into id-less day: %v", err)
	}
	// Options.
	if _, err = Import(context.Background(), ohlcv, []string{one}, Options{Root: root, Exchange: "a/b", Symbol: "s"}); !errors.Is(err, ErrBadInput) {
		t.Errorf("bad exchange: %v", err)
	}
	if _, err = ImportSources(context.Background(), []Source{{Path: one, Mapping: ohlcv}, {Path: tr, Mapping: noID}}, opts(root)); err == nil || !strings.Contains(err.Error(), "one import writes one kind") {
		t.Errorf("two kinds: %v", err)
	}
}

func TestWindowAndDryRun(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "ds")
	path := writeInput(t, dir, "in.csv", aggLines(0, 120))
	m := mustMapping(t, "binance-aggtrades")
	o := opts(root)
	o.DryRun = true
	st := run(t, m, o, path)
	if st.Added != 120 || st.Days != 2 {
		t.Errorf("dry run stats %+v", st)
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("dry run wrote %s", root)
	}
	o.DryRun = false
	o.From = utc(2024, 1, 2, 0, 0, 0, 0)
	st = run(t, m, o, path)
	rows, _ := readAll(t, root, engine.KindTrade)
	if st.Outside == 0 || st.Rows != len(rows) || st.Rows+st.Outside != 120 || rows[0].ts < o.From {
		t.Errorf("window stats %+v, %d rows from %s", st, len(rows), rows[0].ts)
	}
}

// TestDayFileMerge: rows already in a day file written by someone else
// (dataset.Writer) are kept and merged.
func TestDayFileMerge(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "ds")
	w := dataset.Writer{Root: root, Exchange: "ex", Symbol: "SYM"}
	if _, err := w.Write(&dataset.Series{TS: []engine.Nanos{t0}, Name: []string{"other"}, Value: []float64{1}}); err != nil {
		t.Fatal(err)
	}
	path := writeInput(t, dir, "fng.csv", "Date,fng_value,fng_class\n2024-01-01,30,Fear\n")
	st := run(t, mustMapping(t, "alternative-me-fear-greed"), opts(root), path)
	if st.Added != 1 {
		t.Errorf("stats %+v", st)
	}
	got, _ := readAll(t, root, engine.KindSeries)
	checkRows(t, got, []row{series(t0, "fear_greed", 30), series(t0, "other", 1)})
}

// FuzzParseRecord feeds arbitrary lines through the Binance aggTrades and
// klines mappings: no panics, and every row accepted passes the dataset's
// own row checks.
func FuzzParseRecord(f *testing.F) {
	f.Add("100,42000.5,0.01,1,1,1704067200000,true,true")
	f.Add("1704067200000,42000,42100,41900,42050,12.5,1704067259999,525000,100,6.25,262500,0")
	f.Add("agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker")
	f.Add(`"1",NaN,Inf,,,"1704067200000",t`)
	f.Add("1,1e308,1e308,1,1,99999999999999999,F")
	plans := []*plan{mustPlan(f, "binance-aggtrades"), mustPlan(f, "binance-klines"), mustPlan(f, "coinglass-liquidations-1h")}
	f.Fuzz(func(t *testing.T, line string) {
		fields, err := SplitCSVLine(line, ',', nil)
		if err != nil {
			return
		}
		for _, p := range plans {
			b, err := p.bind("fuzz.csv", nil, 0)
			if err != nil {
				b, err = p.bind("fuzz.csv", []string{"timestamp", "datetime_utc", "longUsd", "shortUsd"}, 1)
				if err != nil {
					t.Fatal(err)
				}
			}
			var empty int
			rows, err := b.parse(&record{line: 1, fields: fields}, 1, nil, &empty)
			if err != nil {
				continue
			}
			chk := newChecker(p.kind)
			for i := range rows {
				if rows[i].ts < MinTime || rows[i].ts >= MaxTime {
					t.Fatalf("ts %d out of range", rows[i].ts)
				}
				_ = chk.check(&rows[i]) // may reject; must not panic
			}
		}
	})
}

func mustPlan(f *testing.F, name string) *plan {
	m, err := LoadMapping(name)
	if err != nil {
		f.Fatal(err)
	}
	return m.plan
}
