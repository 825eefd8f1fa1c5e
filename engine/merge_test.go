package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cascade-research/cascade/data/memfeed"
	"github.com/cascade-research/cascade/engine"
)

func ev(ts engine.Nanos, k engine.Kind, id int64) engine.Event {
	return engine.Event{TS: ts, Kind: k, ID: id}
}

func collect(t *testing.T, m *engine.Merged) string {
	t.Helper()
	var b strings.Builder
	for m.Next() {
		e := m.Event()
		fmt.Fprintf(&b, "%d:%s:%d ", e.TS, e.Kind, e.ID)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(b.String())
}

func TestMergeOrder(t *testing.T) {
	tests := []struct {
		name string
		srcs [][]engine.Event
		want string
	}{
		{"empty", nil, ""},
		{"one empty source", [][]engine.Event{{}}, ""},
		{"single", [][]engine.Event{{ev(1, engine.KindTrade, 1), ev(2, engine.KindTrade, 2)}}, "1:trades:1 2:trades:2"},
		{"interleave", [][]engine.Event{
			{ev(1, engine.KindTrade, 1), ev(3, engine.KindTrade, 3), ev(5, engine.KindTrade, 5)},
			{ev(2, engine.KindOI, 2), ev(4, engine.KindOI, 4)},
		}, "1:trades:1 2:oi:2 3:trades:3 4:oi:4 5:trades:5"},
		{"equal ts ordered by kind then source", [][]engine.Event{
			{ev(5, engine.KindTrade, 1), ev(5, engine.KindTrade, 2)},
			{ev(5, engine.KindOI, 3)},
			{ev(5, engine.KindFunding, 4)},
			{ev(5, engine.KindTrade, 5)},
		}, "5:funding:4 5:oi:3 5:trades:1 5:trades:2 5:trades:5"},
		{"equal ts same kind: source index", [][]engine.Event{
			{ev(1, engine.KindSeries, 1)},
			{ev(1, engine.KindSeries, 2)},
		}, "1:series:1 1:series:2"},
		{"long run from one source", [][]engine.Event{
			{ev(1, engine.KindTrade, 1), ev(2, engine.KindTrade, 2), ev(3, engine.KindTrade, 3), ev(10, engine.KindTrade, 4)},
			{ev(9, engine.KindFunding, 5)},
		}, "1:trades:1 2:trades:2 3:trades:3 9:funding:5 10:trades:4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srcs []engine.Source
			for _, s := range tt.srcs {
				srcs = append(srcs, memfeed.New(s))
			}
			m := engine.Merge(srcs...)
			if got := collect(t, m); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMergeOutOfOrder(t *testing.T) {
	m := engine.Merge(memfeed.New([]engine.Event{ev(5, engine.KindTrade, 1), ev(4, engine.KindTrade, 2)}))
	for m.Next() {
	}
	if !errors.Is(m.Err(), engine.ErrOutOfOrder) {
		t.Fatalf("err = %v, want ErrOutOfOrder", m.Err())
	}
}

func TestDrainCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	evs := make([]engine.Event, 10)
	_, err := engine.Drain(ctx, engine.Merge(memfeed.New(evs)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestNanosDayStart(t *testing.T) {
	for _, tc := range []struct{ in, want engine.Nanos }{
		{0, 0}, {engine.Day - 1, 0}, {engine.Day, engine.Day}, {-1, -engine.Day}, {-engine.Day, -engine.Day},
	} {
		if got := tc.in.DayStart(); got != tc.want {
			t.Errorf("DayStart(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func BenchmarkMerge(b *testing.B) {
	const n = 1 << 16
	trades := make([]engine.Event, n)
	for i := range trades {
		trades[i] = engine.Event{TS: engine.Nanos(i) * engine.Millisecond, Kind: engine.KindTrade, Price: 100, Qty: 1}
	}
	oi := make([]engine.Event, n/300)
	for i := range oi {
		oi[i] = engine.Event{TS: engine.Nanos(i*300) * engine.Millisecond, Kind: engine.KindOI}
	}
	ft, fo := memfeed.New(trades), memfeed.New(oi)
	b.ReportAllocs()
	for b.Loop() {
		ft.Reset()
		fo.Reset()
		m := engine.Merge(ft, fo)
		var s float64
		for m.Next() {
			s += m.Event().Price
		}
		_ = s
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+len(oi)), "ns/event")
}
