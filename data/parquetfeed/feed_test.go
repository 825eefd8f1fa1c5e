package parquetfeed_test

import (
	"context"
	"errors"
	"fmt"
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

var day0 = engine.FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))

// trades builds n trades spaced step apart from start.
func trades(start, step engine.Nanos, n int, firstID int64) *dataset.Trades {
	t := &dataset.Trades{}
	for i := 0; i < n; i++ {
		t.TS = append(t.TS, start+engine.Nanos(i)*step)
		t.Price = append(t.Price, 100+float64(i%7))
		t.Qty = append(t.Qty, 0.5+float64(i%3))
		t.Side = append(t.Side, int8(1-2*(i%2)))
		t.ID = append(t.ID, firstID+int64(i))
	}
	return t
}

func writeDS(t *testing.T, root string, tables ...dataset.Table) {
	t.Helper()
	w := dataset.Writer{Root: root, Exchange: "x", Symbol: "S", RowGroupRows: 1000}
	for _, tb := range tables {
		if _, err := w.Write(tb); err != nil {
			t.Fatal(err)
		}
	}
}

func open(t *testing.T, root string, from, to engine.Nanos, batch int, kinds ...engine.Kind) *parquetfeed.Feed {
	t.Helper()
	f, err := parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "x", Symbol: "S", From: from, To: to, Kinds: kinds, BatchRows: batch})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func drain(t *testing.T, f *parquetfeed.Feed) []engine.Event {
	t.Helper()
	var out []engine.Event
	for f.Next() {
		out = append(out, *f.Event())
	}
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReplayMergesKindsAcrossDays(t *testing.T) {
	root := t.TempDir()
	tr := trades(day0, 10*engine.Second, 3*8640, 1) // three days, 10 s apart
	fu := &dataset.Funding{}
	oi := &dataset.OI{}
	for h := 0; h < 72; h += 8 {
		ts := day0 + engine.Nanos(h)*engine.Hour
		fu.TS, fu.Rate, fu.IntervalHours, fu.MarkPrice = append(fu.TS, ts), append(fu.Rate, 0.0001), append(fu.IntervalHours, 8), append(fu.MarkPrice, math.NaN())
	}
	for m := 0; m < 72*12; m++ {
		ts := day0 + engine.Nanos(m)*5*engine.Minute
		oi.TS, oi.OI, oi.Value = append(oi.TS, ts), append(oi.OI, 1000+float64(m)), append(oi.Value, math.NaN())
	}
	writeDS(t, root, tr, fu, oi)

	for _, batch := range []int{1, 7, 4096} {
		t.Run(fmt.Sprint("batch", batch), func(t *testing.T) {
			f := open(t, root, day0, day0+3*engine.Day, batch, engine.KindTrade, engine.KindFunding, engine.KindOI)
			evs := drain(t, f)
			if want := len(tr.TS) + len(fu.TS) + len(oi.TS); len(evs) != want {
				t.Fatalf("got %d events, want %d", len(evs), want)
			}
			var nt int
			for i, e := range evs {
				if i > 0 {
					p := evs[i-1]
					if e.TS < p.TS || (e.TS == p.TS && e.Kind < p.Kind) {
						t.Fatalf("event %d (%s %s) out of order after %s %s", i, e.TS, e.Kind, p.TS, p.Kind)
					}
				}
				if e.Kind == engine.KindTrade {
					if e.TS != tr.TS[nt] || e.Price != tr.Price[nt] || e.Qty != tr.Qty[nt] || e.Side != tr.Side[nt] || e.ID != tr.ID[nt] {
						t.Fatalf("trade %d = %+v, want ts %s price %v", nt, e, tr.TS[nt], tr.Price[nt])
					}
					nt++
				}
				if e.Kind == engine.KindFunding && (e.Value != 0.0001 || e.Aux != 8 || !math.IsNaN(e.Price)) {
					t.Fatalf("funding event %+v", e)
				}
			}
			// At 08:00 funding, OI and a trade coincide: funding first, then OI, then the trade.
			at := day0 + 8*engine.Hour
			var order []engine.Kind
			for _, e := range evs {
				if e.TS == at {
					order = append(order, e.Kind)
				}
			}
			if fmt.Sprint(order) != fmt.Sprint([]engine.Kind{engine.KindFunding, engine.KindOI, engine.KindTrade}) {
				t.Errorf("order at 08:00 = %v", order)
			}
			if len(f.Gaps()) != 0 {
				t.Errorf("gaps = %v, want none", f.Gaps())
			}
		})
	}
}

func TestReplayRangeSkipsDaysAndRowGroups(t *testing.T) {
	root := t.TempDir()
	writeDS(t, root, trades(day0, engine.Second, 3*86400, 1))
	from, to := day0+engine.Day+6*engine.Hour, day0+engine.Day+7*engine.Hour
	f := open(t, root, from, to, 0, engine.KindTrade)
	evs := drain(t, f)
	if len(evs) != 3600 || evs[0].TS != from || evs[len(evs)-1].TS != to-engine.Second {
		t.Fatalf("got %d events from %s to %s", len(evs), evs[0].TS, evs[len(evs)-1].TS)
	}
	st := f.Stats()[engine.KindTrade]
	if st.Files != 1 {
		t.Errorf("opened %d files, want 1 (days outside the range must not be opened)", st.Files)
	}
	if st.RowGroups > 5 || st.RowGroupsSkipped != 21 {
		t.Errorf("decoded %d row groups, skipped %d; want most skipped by statistics", st.RowGroups, st.RowGroupsSkipped)
	}
}

func TestGapsReported(t *testing.T) {
	root := t.TempDir()
	writeDS(t, root, trades(day0, engine.Minute, 1440, 1), trades(day0+3*engine.Day, engine.Minute, 1440, 10000))
	f := open(t, root, day0, day0+4*engine.Day, 0, engine.KindTrade)
	drain(t, f)
	g := f.Gaps()
	if len(g) != 1 || g[0].First.Format("2006-01-02") != "2024-01-02" || g[0].Last.Format("2006-01-02") != "2024-01-03" {
		t.Fatalf("gaps = %+v, want 2024-01-02..2024-01-03", g)
	}
}

func TestBarPath(t *testing.T) {
	root := t.TempDir()
	b := &dataset.Bars{Interval: time.Hour,
		TS:   []engine.Nanos{day0, day0 + engine.Hour},
		Open: []float64{100, 104}, High: []float64{110, 105}, Low: []float64{95, 90}, Close: []float64{104, 91},
		Volume: []float64{8, 4}, TakerBuy: []float64{5, math.NaN()}}
	writeDS(t, root, b)
	evs := drain(t, open(t, root, day0, day0+engine.Day, 0, engine.KindBar))
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%s@%d:%g/%g/%d", e.Kind, (e.TS-day0)/engine.Minute, e.Price, e.Qty, e.Side))
	}
	want := []string{
		// bar 1: open 100, low 95 is nearer than high 110, then high, close
		"trades@0:100/2/0", "trades@20:95/2/-1", "trades@40:110/2/1", "trades@59:104/2/-1", "bars@60:104/8/0",
		// bar 2: open 104, high 105 nearer, then low 90, close 91
		"trades@60:104/1/0", "trades@80:105/1/1", "trades@100:90/1/-1", "trades@119:91/1/1", "bars@120:91/4/0",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if evs[4].Value != 5 || !math.IsNaN(evs[9].Value) || evs[4].Aux != 3600 || evs[4].High != 110 || evs[4].Low != 95 {
		t.Errorf("bar events %+v %+v", evs[4], evs[9])
	}
	if evs[0].Flags&engine.FlagBarPath == 0 || evs[3].Flags&engine.FlagBarClose == 0 {
		t.Errorf("path flags missing")
	}
	// Bar 1's recorded taker-buy volume (5 of 8) splits each path point's
	// volume; bar 2 has none, so its points keep the tick direction.
	for k, e := range evs[:4] {
		if e.Flags&engine.FlagBuyQty == 0 || e.Value != 1.25 {
			t.Errorf("bar 1 point %d: flags %b, value %g; want FlagBuyQty, 1.25", k, e.Flags, e.Value)
		}
	}
	for k, e := range evs[5:9] {
		if e.Flags&engine.FlagBuyQty != 0 || e.Value != 0 {
			t.Errorf("bar 2 point %d: flags %b, value %g; want no FlagBuyQty, 0", k, e.Flags, e.Value)
		}
	}
	// A range ending where the last bar closes: its bar event (stamped at
	// the close) is outside [from, to) and left out; its path is inside.
	cut := drain(t, open(t, root, day0, day0+2*engine.Hour, 0, engine.KindBar))
	if len(cut) != 9 || cut[8].Kind != engine.KindTrade || cut[8].TS >= day0+2*engine.Hour {
		t.Errorf("range ending at the last close: %d events, last %+v; want 9, the last a path point inside", len(cut), cut[len(cut)-1])
	}
	gb := engine.NewGridBuilder(engine.Hour, nil)
	for k := range evs {
		gb.Add(&evs[k])
	}
	g := gb.Grid()
	if g.Len() < 2 || g.BuyVolume[0] != 5 || g.Volume[0] != 8 || g.BuyVolume[1] != 2 || g.Volume[1] != 4 {
		t.Errorf("grid buy/volume %v/%v, want [5 2]/[8 4] (bar 2 by tick: 105 and 91 up)", g.BuyVolume, g.Volume)
	}
}

func TestLiquidationsAndSeries(t *testing.T) {
	root := t.TempDir()
	writeDS(t, root,
		&dataset.Liquidations{TS: []engine.Nanos{day0, day0 + 1}, Side: []int8{1, -1}, Price: []float64{math.NaN(), 101}, Notional: []float64{5e5, 7e5}},
		&dataset.Series{TS: []engine.Nanos{day0, day0 + engine.Hour}, Name: []string{"fear_greed", "other"}, Value: []float64{20, 3}})
	f := open(t, root, day0, day0+engine.Day, 0, engine.KindLiquidation, engine.KindSeries)
	evs := drain(t, f)
	if len(evs) != 4 {
		t.Fatalf("got %d events", len(evs))
	}
	// ts day0: series (priority 3) before liquidation (4).
	if evs[0].Kind != engine.KindSeries || f.SeriesNames()[evs[0].Series] != "fear_greed" || evs[0].Value != 20 {
		t.Errorf("first event %+v", evs[0])
	}
	if evs[1].Side != 1 || !math.IsNaN(evs[1].Price) || evs[1].Value != 5e5 || evs[2].Side != -1 || evs[2].Price != 101 {
		t.Errorf("liquidations %+v %+v", evs[1], evs[2])
	}
	if f.SeriesNames()[evs[3].Series] != "other" {
		t.Errorf("series names %v", f.SeriesNames())
	}
}

// writeRaw writes a table without validation, to plant bad rows.
func writeRaw(t *testing.T, root string, tb dataset.Table) string {
	t.Helper()
	p := filepath.Join(dataset.DayDir(root, "x", "S", tb.Kind(), day0.Time()), dataset.PartFile)
	if err := dataset.WriteFile(p, tb, 4); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBadInput(t *testing.T) {
	bad := func(mut func(*dataset.Trades)) dataset.Table {
		tr := trades(day0, engine.Second, 10, 1)
		mut(tr)
		return tr
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) string // returns the file path
		want  string
	}{
		{"ts out of order", func(t *testing.T, r string) string {
			return writeRaw(t, r, bad(func(tr *dataset.Trades) { tr.TS[6] = tr.TS[2] }))
		}, "row 6, column ts: 2024-01-01T00:00:02Z is before the previous row's 2024-01-01T00:00:05Z"},
		{"duplicate trade id", func(t *testing.T, r string) string {
			return writeRaw(t, r, bad(func(tr *dataset.Trades) { tr.ID[5] = tr.ID[4] }))
		}, "row 5, column trade_id: id 5 after 5: duplicate or out-of-order trade id"},
		{"NaN price", func(t *testing.T, r string) string {
			return writeRaw(t, r, bad(func(tr *dataset.Trades) { tr.Price[3] = math.NaN() }))
		}, "row 3, column price: got NaN, want a finite number > 0"},
		{"Inf price", func(t *testing.T, r string) string {
			return writeRaw(t, r, bad(func(tr *dataset.Trades) { tr.Price[3] = math.Inf(1) }))
		}, "row 3, column price: got +Inf"},
		{"negative price", func(t *testing.T, r string) string {
			return writeRaw(t, r, bad(func(tr *dataset.Trades) { tr.Price[9] = -1 }))
		}, "row 9, column price: got -1, want a finite number > 0"},
		{"zero qty", func(t *testing.T, r string) string {
			return writeRaw(t, r, bad(func(tr *dataset.Trades) { tr.Qty[0] = 0 }))
		}, "row 0, column qty: got 0, want a finite number > 0"},
		{"bad side", func(t *testing.T, r string) string {
			return writeRaw(t, r, bad(func(tr *dataset.Trades) { tr.Side[2] = 0 }))
		}, "row 2, column side: got 0, want +1 (taker buy) or -1 (taker sell)"},
		{"missing column", func(t *testing.T, r string) string {
			return writeRaw(t, r, &dataset.Funding{TS: []engine.Nanos{day0}, Rate: []float64{0.0001}, IntervalHours: []float64{8}})
		}, ""}, // funding file read as trades: see below
		{"truncated file", func(t *testing.T, r string) string {
			p := writeRaw(t, r, trades(day0, engine.Second, 100, 1))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
			return p
		}, "corrupt or not a Parquet file"},
		{"not parquet", func(t *testing.T, r string) string {
			p := writeRaw(t, r, trades(day0, engine.Second, 100, 1))
			os.WriteFile(p, []byte("ts,price\n1,2\n"), 0o644)
			return p
		}, "corrupt or not a Parquet file"},
		{"corrupt page", func(t *testing.T, r string) string {
			p := writeRaw(t, r, trades(day0, engine.Second, 100, 1))
			b, _ := os.ReadFile(p)
			for i := 8; i < len(b)/2; i++ {
				b[i] ^= 0x5a
			}
			os.WriteFile(p, b, 0o644)
			return p
		}, "S/kind=trades/date=2024-01-01/part-0.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			path := tt.setup(t, root)
			kind := engine.KindTrade
			want := tt.want
			if tt.name == "missing column" {
				// Move the funding file to the trades partition.
				dst := filepath.Join(dataset.DayDir(root, "x", "S", engine.KindTrade, day0.Time()), dataset.PartFile)
				os.MkdirAll(filepath.Dir(dst), 0o755)
				if err := os.Rename(path, dst); err != nil {
					t.Fatal(err)
				}
				path, want = dst, `missing column "price" (want DOUBLE)`
			}
			f, err := parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "x", Symbol: "S",
				From: day0, To: day0 + engine.Day, Kinds: []engine.Kind{kind}})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for f.Next() {
			}
			err = f.Err()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q\nwant it to name %s and say %q", err, path, want)
			}
		})
	}
}

func TestNoData(t *testing.T) {
	root := t.TempDir()
	writeDS(t, root, trades(day0, engine.Second, 10, 1))
	_, err := parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "x", Symbol: "S",
		From: day0 + 5*engine.Day, To: day0 + 6*engine.Day, Kinds: []engine.Kind{engine.KindTrade}})
	if !errors.Is(err, parquetfeed.ErrNoData) || !strings.Contains(err.Error(), "kind trades") {
		t.Fatalf("err = %v, want ErrNoData naming the kind", err)
	}
	_, err = parquetfeed.Open(context.Background(), parquetfeed.Options{Root: root, Exchange: "x", Symbol: "S",
		From: day0, To: day0 + engine.Day, Kinds: []engine.Kind{engine.KindTrade, engine.KindOI}})
	if !errors.Is(err, parquetfeed.ErrNoData) || !strings.Contains(err.Error(), "kind oi") {
		t.Fatalf("err = %v, want ErrNoData naming oi", err)
	}
}

func TestCancel(t *testing.T) {
	root := t.TempDir()
	writeDS(t, root, trades(day0, engine.Second, 50000, 1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := parquetfeed.Open(ctx, parquetfeed.Options{Root: root, Exchange: "x", Symbol: "S", From: day0, To: day0 + engine.Day, Kinds: []engine.Kind{engine.KindTrade}})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for f.Next() {
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(f.Err(), context.Canceled) || n >= 50000 {
		t.Fatalf("err = %v after %d events, want context.Canceled early", f.Err(), n)
	}
}
