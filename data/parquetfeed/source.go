package parquetfeed

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// Column sets per kind. The first column is always ts.
var kindColumns = map[engine.Kind][]colSpec{
	engine.KindTrade: {{"ts", parquet.Types.Int64, false}, {"price", parquet.Types.Double, false}, {"qty", parquet.Types.Double, false},
		{"side", parquet.Types.Int32, false}, {"trade_id", parquet.Types.Int64, true}},
	engine.KindBar: {{"ts", parquet.Types.Int64, false}, {"interval", parquet.Types.ByteArray, false}, {"open", parquet.Types.Double, false},
		{"high", parquet.Types.Double, false}, {"low", parquet.Types.Double, false}, {"close", parquet.Types.Double, false},
		{"volume", parquet.Types.Double, false}, {"taker_buy_volume", parquet.Types.Double, true}},
	engine.KindFunding: {{"ts", parquet.Types.Int64, false}, {"rate", parquet.Types.Double, false},
		{"interval_hours", parquet.Types.Double, false}, {"mark_price", parquet.Types.Double, true}},
	engine.KindOI: {{"ts", parquet.Types.Int64, false}, {"oi", parquet.Types.Double, true}, {"oi_value", parquet.Types.Double, true}},
	engine.KindLiquidation: {{"ts", parquet.Types.Int64, false}, {"side", parquet.Types.ByteArray, false},
		{"price", parquet.Types.Double, true}, {"notional", parquet.Types.Double, false}},
	engine.KindSeries: {{"ts", parquet.Types.Int64, false}, {"name", parquet.Types.ByteArray, false}, {"value", parquet.Types.Double, false}},
}

// Column positions within kindColumns, named for readability.
const (
	cTS = 0
	// trades
	cPrice, cQty, cSide, cID = 1, 2, 3, 4
	// bars
	cInterval, cOpen, cHigh, cLow, cClose, cVolume, cTakerBuy = 1, 2, 3, 4, 5, 6, 7
	// funding
	cRate, cIntervalHours, cMark = 1, 2, 3
	// oi
	cOI, cOIValue = 1, 2
	// liquidations
	cLiqSide, cLiqPrice, cNotional = 1, 2, 3
	// series
	cName, cValue = 1, 2
)

// Stats counts what a source read.
type Stats struct {
	Files            int   // files opened
	RowGroups        int   // row groups decoded
	RowGroupsSkipped int   // row groups skipped by ts statistics
	Rows             int64 // rows decoded
	Events           int64 // events yielded
}

// kindSource streams one kind of one symbol over a time range.
type kindSource struct {
	ctx      context.Context
	kind     engine.Kind
	from, to engine.Nanos
	days     []dataset.Day
	files    []string
	fileIdx  int
	batch    int

	f       *file.Reader
	path    string
	rg      int   // next row group to open
	rgLeft  int64 // rows left in the current row group
	rowBase int64 // file row index of buf[0]
	cols    []*column
	n, pos  int // rows in the decoded batch, next row to yield

	ev      engine.Event
	lastTS  engine.Nanos
	lastID  int64
	hasID   bool // the file has a trade_id column
	haveID  bool // lastID holds a previous trade's id
	err     error
	done    bool
	stats   Stats
	series  *seriesNames
	lastBarEnd engine.Nanos
	barPath *barPath
}

// seriesNames interns series names into stable indices, in order of first
// appearance.
type seriesNames struct {
	names []string
	index map[string]uint16
}

func (s *seriesNames) id(name string) uint16 {
	if i, ok := s.index[name]; ok {
		return i
	}
	i := uint16(len(s.names))
	s.names = append(s.names, name)
	s.index[name] = i
	return i
}

func newKindSource(ctx context.Context, k engine.Kind, days []dataset.Day, from, to engine.Nanos, batch int, series *seriesNames) *kindSource {
	s := &kindSource{ctx: ctx, kind: k, from: from, to: to, days: days, batch: batch, lastTS: math.MinInt64, series: series}
	for _, d := range days {
		s.files = append(s.files, d.Files...)
	}
	for _, spec := range kindColumns[k] {
		s.cols = append(s.cols, newColumn(spec, batch))
	}
	s.ev.Kind = k
	if k == engine.KindBar {
		s.barPath = &barPath{}
	}
	return s
}

func (s *kindSource) fail(err error) bool {
	if s.err == nil {
		s.err = err
	}
	s.done = true
	return false
}

func (s *kindSource) rowErr(i int, col, msg string) bool {
	return s.fail(fmt.Errorf("%s: row %d, column %s: %s", s.path, s.rowBase+int64(i), col, msg))
}

// closeFile releases the current file.
func (s *kindSource) closeFile() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// nextFile opens the next file; false when there are none left.
func (s *kindSource) nextFile() bool {
	if err := s.closeFile(); err != nil {
		return s.fail(fmt.Errorf("close %s: %w", s.path, err))
	}
	if s.fileIdx >= len(s.files) {
		s.done = true
		return false
	}
	s.path = s.files[s.fileIdx]
	s.fileIdx++
	f, err := file.OpenParquetFile(s.path, false)
	if err != nil {
		return s.fail(fmt.Errorf("open %s: %w (corrupt or not a Parquet file?)", s.path, err))
	}
	s.f = f
	s.rg = 0
	s.rowBase = 0
	s.stats.Files++
	sc := f.MetaData().Schema
	for _, c := range s.cols {
		if err := c.bind(s.path, sc); err != nil {
			return s.fail(err)
		}
	}
	s.hasID = s.kind == engine.KindTrade && s.cols[cID].idx >= 0
	return true
}

// nextRowGroup opens the next row group overlapping [from, to), opening
// files as needed.
func (s *kindSource) nextRowGroup() bool {
	for {
		if s.f == nil || s.rg >= s.f.NumRowGroups() {
			if !s.nextFile() {
				return false
			}
			continue
		}
		i := s.rg
		s.rg++
		md := s.f.MetaData().RowGroup(i)
		rows := md.NumRows()
		if min, max, ok := tsStats(md, s.cols[cTS]); ok {
			if max < s.from || min >= s.to {
				s.rowBase += rows
				s.stats.RowGroupsSkipped++
				continue
			}
		}
		rg := s.f.RowGroup(i)
		for _, c := range s.cols {
			if err := c.open(rg); err != nil {
				return s.fail(fmt.Errorf("%s: row group %d: %w", s.path, i, err))
			}
		}
		s.rgLeft = rows
		s.stats.RowGroups++
		return true
	}
}

// tsStats returns a row group's ts range in Nanos when the file has
// statistics for it.
func tsStats(md *metadata.RowGroupMetaData, ts *column) (lo, hi engine.Nanos, ok bool) {
	cc, err := md.ColumnChunk(ts.idx)
	if err != nil {
		return 0, 0, false
	}
	if set, err := cc.StatsSet(); err != nil || !set {
		return 0, 0, false
	}
	st, err := cc.Statistics()
	if err != nil {
		return 0, 0, false
	}
	is, ok := st.(*metadata.Int64Statistics)
	if !ok || !is.HasMinMax() {
		return 0, 0, false
	}
	return engine.Nanos(is.Min() * ts.tsScale), engine.Nanos(is.Max() * ts.tsScale), true
}

// fill decodes the next batch; false at the end of the data.
func (s *kindSource) fill() bool {
	if err := s.ctx.Err(); err != nil {
		return s.fail(fmt.Errorf("replay %s: %w", s.kind, err))
	}
	for s.rgLeft == 0 {
		s.rowBase += int64(s.n)
		s.n = 0
		if !s.nextRowGroup() {
			return false
		}
	}
	s.rowBase += int64(s.n)
	n := int(min(int64(s.batch), s.rgLeft))
	for _, c := range s.cols {
		if err := c.read(n); err != nil {
			return s.fail(fmt.Errorf("%s: rows %d..%d: %w", s.path, s.rowBase, s.rowBase+int64(n), err))
		}
	}
	// Convert ts to Nanos in place.
	ts := s.cols[cTS]
	if sc := ts.tsScale; sc != 1 {
		v := ts.i64[:n]
		for i := range v {
			v[i] *= sc
		}
	}
	s.rgLeft -= int64(n)
	s.n, s.pos = n, 0
	s.stats.Rows += int64(n)
	return true
}

// Next advances to the next event in [from, to).
func (s *kindSource) Next() bool {
	if s.done {
		return false
	}
	if s.barPath != nil && s.barPath.next(&s.ev) {
		s.stats.Events++
		return true
	}
	for {
		if s.pos >= s.n && !s.fill() {
			return false
		}
		i := s.pos
		s.pos++
		ts := engine.Nanos(s.cols[cTS].i64[i])
		if ts < s.lastTS {
			return s.rowErr(i, "ts", fmt.Sprintf("%s is before the previous row's %s; rows must be in time order", ts, s.lastTS))
		}
		s.lastTS = ts
		if ts < s.from {
			continue
		}
		if ts >= s.to {
			s.done = true
			return false
		}
		if !s.decode(i, ts) {
			if s.done {
				return false
			}
			continue
		}
		s.stats.Events++
		return true
	}
}

// decode fills s.ev from row i; false if the row yields no event (or
// failed: then s.done is set).
func (s *kindSource) decode(i int, ts engine.Nanos) bool {
	ev := &s.ev
	ev.TS = ts
	c := s.cols
	switch s.kind {
	case engine.KindTrade:
		p, q, side := c[cPrice].f64[i], c[cQty].f64[i], c[cSide].i32[i]
		if !(p > 0) || math.IsInf(p, 0) {
			return s.rowErr(i, "price", fmt.Sprintf("got %v, want a finite number > 0", p))
		}
		if !(q > 0) || math.IsInf(q, 0) {
			return s.rowErr(i, "qty", fmt.Sprintf("got %v, want a finite number > 0", q))
		}
		if side != 1 && side != -1 {
			return s.rowErr(i, "side", fmt.Sprintf("got %d, want +1 (taker buy) or -1 (taker sell)", side))
		}
		ev.Price, ev.Qty, ev.Side = p, q, int8(side)
		if s.hasID {
			id := c[cID].i64[i]
			if s.haveID && id <= s.lastID {
				return s.rowErr(i, "trade_id", fmt.Sprintf("id %d after %d: duplicate or out-of-order trade id", id, s.lastID))
			}
			s.lastID, s.haveID = id, true
			ev.ID = id
		}
		return true
	case engine.KindBar:
		return s.decodeBar(i, ts)
	case engine.KindFunding:
		r, h, m := c[cRate].f64[i], c[cIntervalHours].f64[i], c[cMark].f64[i]
		if math.IsNaN(r) || math.IsInf(r, 0) || math.Abs(r) > 0.5 {
			return s.rowErr(i, "rate", fmt.Sprintf("got %v, want a finite fraction per interval (0.0001 = 0.01%%)", r))
		}
		if !(h > 0) || math.IsInf(h, 0) {
			return s.rowErr(i, "interval_hours", fmt.Sprintf("got %v, want a number > 0", h))
		}
		if !math.IsNaN(m) && (!(m > 0) || math.IsInf(m, 0)) {
			return s.rowErr(i, "mark_price", fmt.Sprintf("got %v, want a finite number > 0 or null", m))
		}
		ev.Value, ev.Aux, ev.Price = r, h, m
		return true
	case engine.KindOI:
		oi, v := c[cOI].f64[i], c[cOIValue].f64[i]
		if oi < 0 || math.IsInf(oi, 0) {
			return s.rowErr(i, "oi", fmt.Sprintf("got %v, want a finite number >= 0 or null", oi))
		}
		if v < 0 || math.IsInf(v, 0) {
			return s.rowErr(i, "oi_value", fmt.Sprintf("got %v, want a finite number >= 0 or null", v))
		}
		if math.IsNaN(oi) && math.IsNaN(v) {
			return s.rowErr(i, "oi", "both oi and oi_value are null; want at least one")
		}
		ev.Qty, ev.Value = oi, v
		return true
	case engine.KindLiquidation:
		side, ok := dataset.ParseSide(c[cLiqSide].strs[i])
		if !ok {
			return s.rowErr(i, "side", fmt.Sprintf("got %q, want long or short", c[cLiqSide].strs[i]))
		}
		p, n := c[cLiqPrice].f64[i], c[cNotional].f64[i]
		if !math.IsNaN(p) && (!(p > 0) || math.IsInf(p, 0)) {
			return s.rowErr(i, "price", fmt.Sprintf("got %v, want a finite number > 0 or null", p))
		}
		if !(n >= 0) || math.IsInf(n, 0) {
			return s.rowErr(i, "notional", fmt.Sprintf("got %v, want a finite number >= 0", n))
		}
		ev.Side, ev.Price, ev.Value = side, p, n
		return true
	case engine.KindSeries:
		name, v := c[cName].strs[i], c[cValue].f64[i]
		if name == "" {
			return s.rowErr(i, "name", "empty series name")
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return s.rowErr(i, "value", fmt.Sprintf("got %v, want a finite number", v))
		}
		ev.Series, ev.Value = s.series.id(name), v
		return true
	}
	return s.fail(errors.New("unknown kind"))
}

// Event returns the current event.
func (s *kindSource) Event() *engine.Event { return &s.ev }

// Err returns the error that stopped the source, if any.
func (s *kindSource) Err() error { return s.err }

// Close releases the open file.
func (s *kindSource) Close() error {
	s.done = true
	return s.closeFile()
}
