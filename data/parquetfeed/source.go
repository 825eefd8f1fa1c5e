package parquetfeed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"
	"github.com/klauspost/compress/zstd"

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
	src     fileSrc
	zstd    *zstd.Decoder // the fast path's, shared by the columns
	path    string
	rg      int   // next row group to open
	rgLeft  int64 // rows left in the current row group
	rowBase int64 // file row index of buf[0]
	cols    []*column
	rows    int // rows decoded in the current batch
	pos, n  int // next row to yield and end of the rows to yield

	ev engine.Event
	// trade columns of the current batch, for emitTrade
	tsv, idv  []int64
	pxv, qtyv []float64
	sidev     []int32
	lastTS    engine.Nanos
	lastID    int64
	hasID     bool // the file has a trade_id column
	haveID    bool // lastID holds a previous trade's id
	err       error
	done      bool
	stats     Stats
	series    *SeriesNames
	barPath   *barPath
}

// SeriesNames interns series names into stable indices (Event.Series), in
// order of first appearance. Feeds that are merged share one (see
// Options.Series) so that indices mean the same series in every feed.
// Not safe for concurrent use.
type SeriesNames struct {
	names []string
	index map[string]uint16
}

// NewSeriesNames returns an empty registry.
func NewSeriesNames() *SeriesNames { return &SeriesNames{index: map[string]uint16{}} }

// Name returns the name of series index i.
func (s *SeriesNames) Name(i uint16) string { return s.names[i] }

func (s *SeriesNames) id(name string) uint16 {
	if i, ok := s.index[name]; ok {
		return i
	}
	i := uint16(len(s.names))
	s.names = append(s.names, name)
	s.index[name] = i
	return i
}

func newKindSource(ctx context.Context, k engine.Kind, days []dataset.Day, from, to engine.Nanos, batch int, series *SeriesNames) *kindSource {
	s := &kindSource{ctx: ctx, kind: k, from: from, to: to, days: days, batch: batch, lastTS: math.MinInt64, series: series}
	for _, d := range days {
		s.files = append(s.files, d.Files...)
	}
	for _, spec := range kindColumns[k] {
		c := newColumn(spec, batch)
		c.fast.ch.zstd = &s.zstd
		s.cols = append(s.cols, c)
	}
	if k == engine.KindTrade {
		s.cols[cPrice].rule, s.cols[cQty].rule, s.cols[cSide].rule = rulePositive, rulePositive, ruleSide
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
	osf, err := os.Open(s.path)
	if err != nil {
		return s.fail(fmt.Errorf("open %s: %w (corrupt or not a Parquet file?)", s.path, err))
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return s.fail(fmt.Errorf("open %s: %w", s.path, err))
	}
	f, err := file.NewParquetReader(osf)
	if err != nil {
		osf.Close()
		return s.fail(fmt.Errorf("open %s: %w (corrupt or not a Parquet file?)", s.path, err))
	}
	s.f = f
	s.src = fileSrc{r: osf, size: st.Size(), ok: littleEndian && !f.MetaData().WriterVersion().LessThan(metadata.Parquet816FixedVersion)}
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
	if !s.hasID {
		s.ev.ID = 0 // a file without trade ids: no stale id from the previous file
	}
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
		for _, c := range s.cols {
			if err := c.open(s.f, i, &s.src); err != nil {
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

// fill decodes and validates the next batch and clips it to [from, to);
// false at the end of the data (or on error: then s.err is set).
func (s *kindSource) fill() bool {
	if err := s.ctx.Err(); err != nil {
		return s.fail(fmt.Errorf("replay %s: %w", s.kind, err))
	}
	for {
		s.rowBase += int64(s.rows)
		s.rows = 0
		for s.rgLeft == 0 {
			if !s.nextRowGroup() {
				return false
			}
		}
		n := int(min(int64(s.batch), s.rgLeft))
		for _, c := range s.cols {
			if err := c.read(n); err != nil {
				return s.fail(fmt.Errorf("%s: rows %d..%d: %w", s.path, s.rowBase, s.rowBase+int64(n), err))
			}
		}
		s.rgLeft -= int64(n)
		s.rows = n
		s.stats.Rows += int64(n)
		ts := s.cols[cTS].i64[:n]
		if sc := s.cols[cTS].tsScale; sc != 1 {
			for i := range ts {
				ts[i] *= sc
			}
		}
		// Time order, within the batch and against the previous batch.
		last := int64(s.lastTS)
		for i, t := range ts {
			if t < last {
				return s.rowErr(i, "ts", fmt.Sprintf("%s is before the previous row's %s; rows must be in time order", engine.Nanos(t), engine.Nanos(last)))
			}
			last = t
		}
		s.lastTS = engine.Nanos(last)
		// Clip to the range: rows are sorted, so search the ends.
		lo, hi := 0, n
		for lo < n && engine.Nanos(ts[lo]) < s.from {
			lo++
		}
		for hi > lo && engine.Nanos(ts[hi-1]) >= s.to {
			hi--
		}
		if hi < n {
			s.done = true // everything after is at or past the end
		}
		if lo < hi {
			if err := s.validate(lo, hi); err != nil {
				return s.fail(err)
			}
		}
		s.pos, s.n = lo, hi
		if s.kind == engine.KindTrade {
			c := s.cols
			s.tsv, s.pxv, s.qtyv, s.sidev = ts, c[cPrice].f64[:n], c[cQty].f64[:n], c[cSide].i32[:n]
			if s.hasID {
				s.idv = c[cID].i64[:n]
			}
		}
		if lo < hi || s.done {
			return lo < hi
		}
	}
}

// Next advances to the next event in [from, to).
func (s *kindSource) Next() bool {
	if s.barPath != nil && s.barPath.next(&s.ev) {
		s.stats.Events++
		return true
	}
	if s.pos >= s.n {
		if s.done || !s.fill() {
			return false
		}
	}
	i := s.pos
	s.pos++
	s.emit(i)
	s.stats.Events++
	return true
}

// emitTrade fills s.ev from validated trade row i of the current batch.
func (s *kindSource) emitTrade(i int) {
	ev := &s.ev
	ev.TS, ev.Price, ev.Qty, ev.Side = engine.Nanos(s.tsv[i]), s.pxv[i], s.qtyv[i], int8(s.sidev[i])
	if s.hasID {
		ev.ID = s.idv[i]
	}
}

// emit fills s.ev from validated row i of the current batch.
func (s *kindSource) emit(i int) {
	ev := &s.ev
	c := s.cols
	ev.TS = engine.Nanos(c[cTS].i64[i])
	switch s.kind {
	case engine.KindTrade:
		s.emitTrade(i)
	case engine.KindBar:
		s.emitBar(i)
	case engine.KindFunding:
		ev.Value, ev.Aux, ev.Price = c[cRate].f64[i], c[cIntervalHours].f64[i], c[cMark].f64[i]
	case engine.KindOI:
		ev.Qty, ev.Value = c[cOI].f64[i], c[cOIValue].f64[i]
	case engine.KindLiquidation:
		side, _ := dataset.ParseSide(c[cLiqSide].strs[i])
		ev.Side, ev.Price, ev.Value = side, c[cLiqPrice].f64[i], c[cNotional].f64[i]
	case engine.KindSeries:
		ev.Series, ev.Value = s.series.id(c[cName].strs[i]), c[cValue].f64[i]
	}
}

func badPositive(x float64) bool { return !(x > 0) || math.IsInf(x, 1) }

func badOptPositive(x float64) bool { return !math.IsNaN(x) && badPositive(x) }

func badNonNeg(x float64) bool { return !(x >= 0) || math.IsInf(x, 1) }

func badOptNonNeg(x float64) bool { return !math.IsNaN(x) && badNonNeg(x) }

// validate checks rows [lo, hi) of the current batch and returns an error
// naming the file, row and column of the first bad value.
func (s *kindSource) validate(lo, hi int) error {
	c := s.cols
	bad := func(i int, col, msg string) error {
		return fmt.Errorf("%s: row %d, column %s: %s", s.path, s.rowBase+int64(i), col, msg)
	}
	switch s.kind {
	case engine.KindTrade:
		// Columns whose batch came from an all-valid dictionary need no
		// check; the others are checked row by row, in the same order.
		price, qty, side := c[cPrice].f64, c[cQty].f64, c[cSide].i32
		cp, cq, cs := !c[cPrice].clean, !c[cQty].clean, !c[cSide].clean
		for i := lo; (cp || cq || cs) && i < hi; i++ {
			if cp && badPositive(price[i]) {
				return bad(i, "price", fmt.Sprintf("got %v, want a finite number > 0", price[i]))
			}
			if cq && badPositive(qty[i]) {
				return bad(i, "qty", fmt.Sprintf("got %v, want a finite number > 0", qty[i]))
			}
			if cs && side[i] != 1 && side[i] != -1 {
				return bad(i, "side", fmt.Sprintf("got %d, want +1 (taker buy) or -1 (taker sell)", side[i]))
			}
		}
		if s.hasID {
			ids := c[cID].i64[lo:hi]
			last, have := s.lastID, s.haveID
			for i, id := range ids {
				if have && id <= last {
					return bad(lo+i, "trade_id", fmt.Sprintf("id %d after %d: duplicate or out-of-order trade id", id, last))
				}
				last, have = id, true
			}
			s.lastID, s.haveID = last, have
		}
	case engine.KindBar:
		return s.validateBars(lo, hi, bad)
	case engine.KindFunding:
		for i := lo; i < hi; i++ {
			r, h, m := c[cRate].f64[i], c[cIntervalHours].f64[i], c[cMark].f64[i]
			if math.IsNaN(r) || math.IsInf(r, 0) || math.Abs(r) > 0.5 {
				return bad(i, "rate", fmt.Sprintf("got %v, want a finite fraction per interval (0.0001 = 0.01%%)", r))
			}
			if badPositive(h) {
				return bad(i, "interval_hours", fmt.Sprintf("got %v, want a number > 0", h))
			}
			if badOptPositive(m) {
				return bad(i, "mark_price", fmt.Sprintf("got %v, want a finite number > 0 or null", m))
			}
		}
	case engine.KindOI:
		for i := lo; i < hi; i++ {
			oi, v := c[cOI].f64[i], c[cOIValue].f64[i]
			if badOptNonNeg(oi) {
				return bad(i, "oi", fmt.Sprintf("got %v, want a finite number >= 0 or null", oi))
			}
			if badOptNonNeg(v) {
				return bad(i, "oi_value", fmt.Sprintf("got %v, want a finite number >= 0 or null", v))
			}
			if math.IsNaN(oi) && math.IsNaN(v) {
				return bad(i, "oi", "both oi and oi_value are null; want at least one")
			}
		}
	case engine.KindLiquidation:
		for i := lo; i < hi; i++ {
			if _, ok := dataset.ParseSide(c[cLiqSide].strs[i]); !ok {
				return bad(i, "side", fmt.Sprintf("got %q, want long or short", c[cLiqSide].strs[i]))
			}
			if p := c[cLiqPrice].f64[i]; badOptPositive(p) {
				return bad(i, "price", fmt.Sprintf("got %v, want a finite number > 0 or null", p))
			}
			if n := c[cNotional].f64[i]; badNonNeg(n) {
				return bad(i, "notional", fmt.Sprintf("got %v, want a finite number >= 0", n))
			}
		}
	case engine.KindSeries:
		for i := lo; i < hi; i++ {
			if c[cName].strs[i] == "" {
				return bad(i, "name", "empty series name")
			}
			if v := c[cValue].f64[i]; math.IsNaN(v) || math.IsInf(v, 0) {
				return bad(i, "value", fmt.Sprintf("got %v, want a finite number", v))
			}
		}
	default:
		return errors.New("unknown kind")
	}
	return nil
}

// Event returns the current event.
func (s *kindSource) Event() *engine.Event { return &s.ev }

// Err returns the error that stopped the source, if any.
func (s *kindSource) Err() error { return s.err }

// Close releases the open file and the zstd decoder.
func (s *kindSource) Close() error {
	s.done = true
	if s.zstd != nil {
		s.zstd.Close()
		s.zstd = nil
	}
	return s.closeFile()
}
