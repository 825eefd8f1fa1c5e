package dataset

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/cascade-research/cascade/engine"
)

var nan = math.NaN()

func ts0(i int) engine.Nanos {
	return engine.FromTime(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) + engine.Nanos(i)*engine.Minute + engine.Microsecond*engine.Nanos(i)
}

func tss(n int) []engine.Nanos {
	out := make([]engine.Nanos, n)
	for i := range out {
		out[i] = ts0(i)
	}
	return out
}

// sameFloats compares float slices treating NaN as equal to NaN.
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

func TestReadFileRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   Table
		want Table // nil = same as in
	}{
		{"trades", &Trades{TS: tss(5), Price: []float64{1, 2, 3, 4, 5}, Qty: []float64{.1, .2, .3, .4, .5}, Side: []int8{1, -1, 1, -1, 1}}, nil},
		{"trades with ids", &Trades{TS: tss(3), Price: []float64{1, 2, 3}, Qty: []float64{1, 1, 1}, Side: []int8{1, 1, -1}, ID: []int64{7, 8, 100}}, nil},
		{"bars", &Bars{Interval: time.Hour, TS: tss(3), Open: []float64{1, 2, 3}, High: []float64{2, 3, 4}, Low: []float64{.5, 1, 2}, Close: []float64{1.5, 2.5, 3.5}, Volume: []float64{0, 1, 2}}, nil},
		{"bars with taker buy", &Bars{Interval: 24 * time.Hour, TS: tss(2), Open: []float64{1, 2}, High: []float64{2, 3}, Low: []float64{.5, 1}, Close: []float64{1.5, 2.5}, Volume: []float64{3, 4}, TakerBuy: []float64{1, nan}}, nil},
		{"funding no mark", &Funding{TS: tss(2), Rate: []float64{0.0001, -0.0003}, IntervalHours: []float64{8, 8}},
			&Funding{TS: tss(2), Rate: []float64{0.0001, -0.0003}, IntervalHours: []float64{8, 8}, MarkPrice: []float64{nan, nan}}},
		{"funding mark", &Funding{TS: tss(2), Rate: []float64{0.0001, 0}, IntervalHours: []float64{1, 1}, MarkPrice: []float64{nan, 65000.5}}, nil},
		{"oi", &OI{TS: tss(3), OI: []float64{1, nan, 3}, Value: []float64{nan, 2e9, 3e9}}, nil},
		{"liquidations", &Liquidations{TS: tss(3), Side: []int8{1, -1, 1}, Price: []float64{nan, 60000, nan}, Notional: []float64{0, 1e6, 2.5}}, nil},
		{"series", &Series{TS: tss(3), Name: []string{"fear_greed", "fear_greed", "cmc"}, Value: []float64{10, 20, -1.5}}, nil},
		{"empty series", &Series{}, &Series{TS: []engine.Nanos{}, Name: []string{}, Value: []float64{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "part-0.parquet")
			if err := WriteFile(path, tc.in, 2); err != nil { // 2 rows per row group: several chunks
				t.Fatal(err)
			}
			got, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == nil {
				want = tc.in
			}
			if got.Kind() != want.Kind() {
				t.Fatalf("kind %s, want %s", got.Kind(), want.Kind())
			}
			if !sameTable(got, want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// sameTable compares two tables field by field with NaN == NaN.
func sameTable(a, b Table) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := 0; i < va.NumField(); i++ {
		fa, fb := va.Field(i).Interface(), vb.Field(i).Interface()
		if x, ok := fa.([]float64); ok {
			y := fb.([]float64)
			if (x == nil) != (y == nil) || !sameFloats(x, y) {
				return false
			}
			continue
		}
		if va.Field(i).Kind() == reflect.Slice && va.Field(i).Len() == 0 && vb.Field(i).Len() == 0 {
			continue
		}
		if !reflect.DeepEqual(fa, fb) {
			return false
		}
	}
	return true
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	notParquet := filepath.Join(dir, "junk.parquet")
	if err := os.WriteFile(notParquet, []byte("hello, not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(notParquet); err == nil || !strings.Contains(err.Error(), notParquet) {
		t.Errorf("junk file: err %v, want one naming the file", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.parquet")); err == nil {
		t.Error("missing file: no error")
	}

	mem := memory.NewGoAllocator()
	write := func(name string, sc *arrow.Schema, cols ...arrow.Array) string {
		t.Helper()
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		rec := array.NewRecord(sc, cols, int64(cols[0].Len()))
		defer rec.Release()
		w, err := pqarrow.NewFileWriter(sc, f, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tsCol := func(n int) arrow.Array {
		b := array.NewTimestampBuilder(mem, TSType)
		for i := 0; i < n; i++ {
			b.Append(arrow.Timestamp(1_700_000_000_000_000 + int64(i)))
		}
		return b.NewArray()
	}
	strCol := func(v ...string) arrow.Array {
		b := array.NewStringBuilder(mem)
		b.AppendValues(v, nil)
		return b.NewArray()
	}
	f64Col := func(v ...float64) arrow.Array {
		b := array.NewFloat64Builder(mem)
		b.AppendValues(v, nil)
		return b.NewArray()
	}
	cases := []struct {
		name, file, want string
		sc               *arrow.Schema
		cols             []arrow.Array
	}{
		{"unknown kind", "a.parquet", "match no dataset kind",
			arrow.NewSchema([]arrow.Field{{Name: "ts", Type: TSType}, {Name: "foo", Type: f64}}, nil),
			[]arrow.Array{tsCol(1), f64Col(1)}},
		{"bad liquidation side", "b.parquet", "column side",
			arrow.NewSchema([]arrow.Field{{Name: "ts", Type: TSType}, {Name: "side", Type: str}, {Name: "price", Type: f64, Nullable: true}, {Name: "notional", Type: f64}}, nil),
			[]arrow.Array{tsCol(1), strCol("sideways"), f64Col(1), f64Col(1)}},
		{"mixed intervals", "c.parquet", "column interval",
			arrow.NewSchema([]arrow.Field{{Name: "ts", Type: TSType}, {Name: "interval", Type: str}, {Name: "open", Type: f64}, {Name: "high", Type: f64}, {Name: "low", Type: f64}, {Name: "close", Type: f64}, {Name: "volume", Type: f64}}, nil),
			[]arrow.Array{tsCol(2), strCol("1m", "1h"), f64Col(1, 1), f64Col(1, 1), f64Col(1, 1), f64Col(1, 1), f64Col(1, 1)}},
		{"wrong type", "d.parquet", "column rate",
			arrow.NewSchema([]arrow.Field{{Name: "ts", Type: TSType}, {Name: "rate", Type: str}, {Name: "interval_hours", Type: f64}}, nil),
			[]arrow.Array{tsCol(1), strCol("x"), f64Col(8)}},
		{"missing column", "e.parquet", "column interval_hours: missing",
			arrow.NewSchema([]arrow.Field{{Name: "ts", Type: TSType}, {Name: "rate", Type: f64}}, nil),
			[]arrow.Array{tsCol(1), f64Col(0.1)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := write(tc.file, tc.sc, tc.cols...)
			_, err := ReadFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %q, want it to name %s and contain %q", err, path, tc.want)
			}
			if !errors.Is(err, ErrSchemaMismatch) {
				t.Errorf("err %v is not ErrSchemaMismatch", err)
			}
		})
	}
}

// TestReadFileMillis checks that a ts column stored in another unit is
// converted to nanoseconds.
func TestReadFileMillis(t *testing.T) {
	mem := memory.NewGoAllocator()
	msType := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	sc := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: msType}, {Name: "name", Type: str}, {Name: "value", Type: f64}}, nil)
	tb := array.NewTimestampBuilder(mem, msType)
	tb.Append(1_700_000_000_123)
	nb := array.NewStringBuilder(mem)
	nb.Append("x")
	vb := array.NewFloat64Builder(mem)
	vb.Append(2)
	rec := array.NewRecord(sc, []arrow.Array{tb.NewArray(), nb.NewArray(), vb.NewArray()}, 1)
	path := filepath.Join(t.TempDir(), "ms.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.(*Series); s.TS[0] != 1_700_000_000_123*engine.Millisecond {
		t.Errorf("ts %d, want %d", s.TS[0], 1_700_000_000_123*engine.Millisecond)
	}
}
