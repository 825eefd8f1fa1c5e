package parquetfeed

import (
	"context"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// setForceArrow sets forceArrow and returns a func restoring it.
func setForceArrow(b bool) func() {
	old := forceArrow
	forceArrow = b
	return func() { forceArrow = old }
}

var fday0 = engine.FromTime(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))

// writeTableWith writes tb into root (exchange x, symbol S) one file per
// UTC day, with props and a row group per rg rows.
func writeTableWith(t testing.TB, root string, tb dataset.Table, props *parquet.WriterProperties, rg int) {
	t.Helper()
	for i, n := 0, tb.Len(); i < n; {
		day := tb.TSAt(i).DayStart()
		j := i + 1
		for j < n && tb.TSAt(j) < day+engine.Day {
			j++
		}
		part := tb.Slice(i, j)
		p := filepath.Join(dataset.DayDir(root, "x", "S", tb.Kind(), day.Time()), dataset.PartFile)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		rec := dataset.Record(memory.NewGoAllocator(), part)
		fw, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			t.Fatal(err)
		}
		for off := int64(0); off < rec.NumRows(); off += int64(rg) {
			s := rec.NewSlice(off, min(off+int64(rg), rec.NumRows()))
			if err := fw.Write(s); err != nil {
				t.Fatal(err)
			}
			s.Release()
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		i = j
	}
}

// mixedTables returns two days of every kind, with nulls, ties, repeated
// and (day 2) unique prices, and a day of all-null oi.
func mixedTables(rng *rand.Rand) []dataset.Table {
	tr := &dataset.Trades{}
	ts, id, px := fday0, int64(1000), 100.0
	for ts < fday0+2*engine.Day-engine.Minute {
		if rng.Intn(4) > 0 {
			ts += engine.Nanos(rng.Intn(6000)) * engine.Millisecond
		}
		id += 1 + int64(rng.Intn(3))
		if ts < fday0+engine.Day {
			px = 100 + float64(rng.Intn(40))*0.5 // few distinct prices
		} else {
			px = 1000 + rng.Float64() // unique: the dictionary overflows
		}
		tr.TS, tr.Price, tr.ID = append(tr.TS, ts), append(tr.Price, px), append(tr.ID, id)
		tr.Qty, tr.Side = append(tr.Qty, float64(1+rng.Intn(50))*0.001), append(tr.Side, int8(1-2*rng.Intn(2)))
	}
	fu := &dataset.Funding{}
	oi := &dataset.OI{}
	b := &dataset.Bars{Interval: time.Hour}
	li := &dataset.Liquidations{}
	se := &dataset.Series{}
	for h := 0; h < 48; h++ {
		t := fday0 + engine.Nanos(h)*engine.Hour
		if h%8 == 0 {
			mark := 100 + float64(h)
			if h%16 == 0 {
				mark = math.NaN()
			}
			fu.TS, fu.Rate, fu.IntervalHours, fu.MarkPrice = append(fu.TS, t), append(fu.Rate, 0.0001*float64(h%3)), append(fu.IntervalHours, 8), append(fu.MarkPrice, mark)
		}
		o := 100 + float64(h%5)
		tb := float64(h)
		if h%3 == 0 {
			tb = math.NaN()
		}
		b.TS, b.Open, b.High, b.Low, b.Close, b.Volume, b.TakerBuy = append(b.TS, t), append(b.Open, o), append(b.High, o+2), append(b.Low, o-1), append(b.Close, o+1), append(b.Volume, 10+float64(h)), append(b.TakerBuy, tb)
		se.TS, se.Name, se.Value = append(se.TS, t), append(se.Name, []string{"a", "bb"}[h%2]), append(se.Value, float64(h))
		lp := 99.5
		if h%4 == 0 {
			lp = math.NaN()
		}
		li.TS, li.Side, li.Price, li.Notional = append(li.TS, t+engine.Second), append(li.Side, int8(1-2*(h%2))), append(li.Price, lp), append(li.Notional, 1e4)
	}
	for m := 0; m < 2*288; m++ {
		v, q := 1e6+float64(m%7), 10+float64(m%11)
		switch {
		case m >= 288:
			v = math.NaN() // day 2: oi_value all null
		case m%5 == 0:
			q = math.NaN()
		case m%5 == 1:
			v = math.NaN()
		}
		oi.TS, oi.OI, oi.Value = append(oi.TS, fday0+engine.Nanos(m)*5*engine.Minute), append(oi.OI, q), append(oi.Value, v)
	}
	return []dataset.Table{tr, fu, oi, b, li, se}
}

var allKinds = []engine.Kind{engine.KindTrade, engine.KindBar, engine.KindFunding, engine.KindOI, engine.KindLiquidation, engine.KindSeries}

// replayAll replays root through one path and returns the events and the
// number of column chunks each path decoded.
func replayAll(t *testing.T, root string, from, to engine.Nanos, batch int, arrow bool) (evs []engine.Event, nFast, nArrow int) {
	t.Helper()
	defer setForceArrow(arrow)()
	f, err := Open(context.Background(), Options{Root: root, Exchange: "x", Symbol: "S", From: from, To: to, Kinds: allKinds, BatchRows: batch})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for f.Next() {
		evs = append(evs, *f.Event())
	}
	if err := f.Err(); err != nil {
		t.Fatalf("arrow=%v: %v", arrow, err)
	}
	for _, s := range f.sources {
		for _, c := range s.cols {
			nFast, nArrow = nFast+c.nFast, nArrow+c.nArrow
		}
	}
	return evs, nFast, nArrow
}

// sameEvent compares every field, floats bit for bit (NaN payloads too).
func sameEvent(a, b *engine.Event) bool {
	fa := []float64{a.Price, a.Qty, a.Value, a.Aux, a.Open, a.High, a.Low}
	fb := []float64{b.Price, b.Qty, b.Value, b.Aux, b.Open, b.High, b.Low}
	for i := range fa {
		if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) {
			return false
		}
	}
	return a.TS == b.TS && a.ID == b.ID && a.Kind == b.Kind && a.Side == b.Side && a.Flags == b.Flags && a.Series == b.Series
}

func TestFastPathMatchesArrow(t *testing.T) {
	tables := mixedTables(rand.New(rand.NewSource(1)))
	base := func(extra ...parquet.WriterProperty) *parquet.WriterProperties {
		o := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(true), parquet.WithStats(true)}
		return parquet.NewWriterProperties(append(o, extra...)...)
	}
	configs := []struct {
		name     string
		props    *parquet.WriterProperties
		rg       int
		wantFast bool
	}{
		{"dataset-rg1000", dataset.WriterProperties(1000), 1000, true},
		{"dataset-rg97", dataset.WriterProperties(97), 97, true},
		{"dataset-one-rg", dataset.WriterProperties(0), 1 << 20, true},
		{"v2-small-pages-dict-overflow", base(parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDataPageSize(512),
			parquet.WithBatchSize(64), parquet.WithDictionaryPageSizeLimit(2048)), 5000, true},
		{"v1-uncompressed-small-pages", base(parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDataPageSize(300),
			parquet.WithBatchSize(50), parquet.WithDictionaryPageSizeLimit(1024)), 3000, true},
		{"v2-uncompressed-plain", base(parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Uncompressed),
			parquet.WithDictionaryDefault(false)), 10000, true},
		{"plain-zstd", base(parquet.WithDictionaryDefault(false)), 4000, true},
		{"delta-ts", base(parquet.WithDictionaryFor("ts", false), parquet.WithEncodingFor("ts", parquet.Encodings.DeltaBinaryPacked)), 2000, true},
		{"snappy", base(parquet.WithCompression(compress.Codecs.Snappy)), 2000, false},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			root := t.TempDir()
			for _, tb := range tables {
				writeTableWith(t, root, tb, cfg.props, cfg.rg)
			}
			ranges := [][2]engine.Nanos{{fday0, fday0 + 2*engine.Day}, {fday0 + 7*engine.Hour + 3*engine.Second, fday0 + 30*engine.Hour}}
			for _, rng := range ranges {
				for _, batch := range []int{1, 7, 333, 4096} {
					slow, _, nArrow := replayAll(t, root, rng[0], rng[1], batch, true)
					fast, nFast, _ := replayAll(t, root, rng[0], rng[1], batch, false)
					if nArrow == 0 {
						t.Fatal("arrow path decoded no chunk")
					}
					if (nFast > 0) != cfg.wantFast {
						t.Fatalf("fast path decoded %d chunks, want some: %v", nFast, cfg.wantFast)
					}
					if len(fast) != len(slow) {
						t.Fatalf("batch %d: %d events on the fast path, %d with Arrow", batch, len(fast), len(slow))
					}
					for i := range fast {
						if !sameEvent(&fast[i], &slow[i]) {
							t.Fatalf("batch %d: event %d differs:\nfast  %+v\narrow %+v", batch, i, fast[i], slow[i])
						}
					}
				}
			}
		})
	}
}

// The validation errors are the same on both paths, including for a bad
// value inside a dictionary-encoded column.
func TestFastPathErrorsMatchArrow(t *testing.T) {
	muts := map[string]func(*dataset.Trades){
		"price":    func(tr *dataset.Trades) { tr.Price[2345] = math.Inf(1) },
		"qty":      func(tr *dataset.Trades) { tr.Qty[77] = 0 },
		"side":     func(tr *dataset.Trades) { tr.Side[4000] = 3 },
		"trade_id": func(tr *dataset.Trades) { tr.ID[5000] = tr.ID[4999] },
		"ts":       func(tr *dataset.Trades) { tr.TS[4500] = tr.TS[10] },
	}
	for name, mut := range muts {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			tr := mixedTables(rand.New(rand.NewSource(2)))[0].(*dataset.Trades)
			mut(tr)
			writeTableWith(t, root, tr, dataset.WriterProperties(3000), 3000)
			var errs []string
			for _, arrow := range []bool{true, false} {
				func() {
					defer setForceArrow(arrow)()
					f, err := Open(context.Background(), Options{Root: root, Exchange: "x", Symbol: "S", From: fday0, To: fday0 + 2*engine.Day, Kinds: []engine.Kind{engine.KindTrade}, BatchRows: 1000})
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					for f.Next() {
					}
					if f.Err() == nil {
						t.Fatalf("arrow=%v: no error", arrow)
					}
					errs = append(errs, f.Err().Error())
				}()
			}
			if errs[0] != errs[1] || !strings.Contains(errs[0], "column "+name) {
				t.Fatalf("errors differ or miss the column:\narrow %s\nfast  %s", errs[0], errs[1])
			}
		})
	}
}

// A corrupt zstd page is an error naming the file, not a panic.
func TestFastPathCorruptPage(t *testing.T) {
	root := t.TempDir()
	tr := mixedTables(rand.New(rand.NewSource(3)))[0].(*dataset.Trades)
	writeTableWith(t, root, tr.Slice(0, 20000), dataset.WriterProperties(0), 1<<20)
	p := filepath.Join(dataset.DayDir(root, "x", "S", engine.KindTrade, fday0.Time()), dataset.PartFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := 2000; i < 2100; i++ { // inside the ts page's compressed data
		b[i] ^= 0xa5
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(context.Background(), Options{Root: root, Exchange: "x", Symbol: "S", From: fday0, To: fday0 + engine.Day, Kinds: []engine.Kind{engine.KindTrade}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for f.Next() {
	}
	if f.Err() == nil || !strings.Contains(f.Err().Error(), p) || !strings.Contains(f.Err().Error(), `column "ts"`) {
		t.Fatalf("err = %v, want a zstd error naming %s and column ts", f.Err(), p)
	}
}

// The merged order is (ts, kind, source index), whatever the batch size:
// the Feed's output equals a stable sort of each kind's own replay.
func TestMergeOrderMatchesSort(t *testing.T) {
	root := t.TempDir()
	tables := mixedTables(rand.New(rand.NewSource(4)))
	tr := tables[0].(*dataset.Trades)
	for i := range tr.TS { // put many trades exactly on other kinds' times
		if i%5 == 0 {
			tr.TS[i] = tr.TS[i] / engine.Minute * engine.Minute
		}
	}
	for i := 1; i < len(tr.TS); i++ {
		tr.TS[i] = max(tr.TS[i], tr.TS[i-1])
	}
	for _, tb := range tables {
		writeTableWith(t, root, tb, dataset.WriterProperties(2000), 2000)
	}
	kinds := []engine.Kind{engine.KindOI, engine.KindTrade, engine.KindSeries, engine.KindBar, engine.KindFunding, engine.KindLiquidation}
	type tagged struct {
		ev  engine.Event
		src int
	}
	var want []tagged
	for i, k := range kinds {
		f, err := Open(context.Background(), Options{Root: root, Exchange: "x", Symbol: "S", From: fday0, To: fday0 + 2*engine.Day, Kinds: []engine.Kind{k}})
		if err != nil {
			t.Fatal(err)
		}
		for f.Next() {
			want = append(want, tagged{*f.Event(), i})
		}
		if err := f.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	sort.SliceStable(want, func(a, b int) bool {
		x, y := &want[a], &want[b]
		if x.ev.TS != y.ev.TS {
			return x.ev.TS < y.ev.TS
		}
		if x.ev.Kind != y.ev.Kind {
			return x.ev.Kind < y.ev.Kind
		}
		return x.src < y.src
	})
	for _, batch := range []int{1, 3, 64, 4096} {
		f, err := Open(context.Background(), Options{Root: root, Exchange: "x", Symbol: "S", From: fday0, To: fday0 + 2*engine.Day, Kinds: kinds, BatchRows: batch})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for ; f.Next(); n++ {
			if n >= len(want) || !sameEvent(f.Event(), &want[n].ev) {
				t.Fatalf("batch %d: event %d = %+v, want %+v", batch, n, *f.Event(), want[min(n, len(want)-1)].ev)
			}
		}
		if err := f.Err(); err != nil || n != len(want) {
			t.Fatalf("batch %d: %d events (err %v), want %d", batch, n, err, len(want))
		}
		f.Close()
	}
}
