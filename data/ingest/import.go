package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// DefaultMaxBufferedRows is the number of parsed rows an import holds in
// memory before it merges them into the dataset.
const DefaultMaxBufferedRows = 2_000_000

// Options configure an import.
type Options struct {
	Root     string // dataset root directory
	Exchange string
	Symbol   string
	// Interval, for bars, overrides the mapping's interval and the one in
	// the file name (0: mapping, else file name, else close_time, else the
	// spacing of the rows). Import only; ImportSources takes it per Source.
	Interval time.Duration
	// SkipBad skips bad records (counted in Stats.Bad) instead of failing.
	SkipBad bool
	// RowGroupRows is passed to dataset.WriteFile (0 = default).
	RowGroupRows int
	// MaxBufferedRows bounds memory: when this many rows are buffered they
	// are merged into the dataset (0 = DefaultMaxBufferedRows).
	MaxBufferedRows int
	// From and To, when non-zero, keep only rows with From <= ts < To
	// (the others are counted in Stats.Outside).
	From, To engine.Nanos
	// DryRun parses, checks and merges as usual, reading existing day
	// files, but writes nothing; Stats tell what an import would do.
	DryRun bool
	// Log receives warnings (conflicts, skipped rows); nil discards them.
	Log *slog.Logger
}

// Stats counts what an import did. Rows are dataset rows: a source record
// may give several (a liquidation record with long and short amounts gives
// two, a series record one per series).
type Stats struct {
	Kind       engine.Kind
	Files      int
	Read       int // source records read (header and skipped lines excluded)
	Bad        int // records skipped as bad (Options.SkipBad)
	Empty      int // rows left out for an empty value (mapping skip_empty)
	Outside    int // rows outside Options.From/To
	Rows       int // dataset rows parsed from the records and kept
	Duplicates int // rows equal to a row already in the dataset or earlier in the input
	Conflicts  int // rows that replaced a different row with the same key (the newer one wins)
	Added      int // net rows added to the dataset
	Days       int // day files written (with DryRun: that would be written)
	Unchanged  int // day merges that changed nothing (no write)
	First      engine.Nanos
	Last       engine.Nanos // first and last parsed timestamp (0 if no rows)
}

// Add accumulates o into s (for totals over several imports of one kind).
func (s *Stats) Add(o Stats) {
	if s.Kind == 0 {
		s.Kind = o.Kind
	}
	s.Files += o.Files
	s.Read += o.Read
	s.Bad += o.Bad
	s.Empty += o.Empty
	s.Outside += o.Outside
	s.Rows += o.Rows
	s.Duplicates += o.Duplicates
	s.Conflicts += o.Conflicts
	s.Added += o.Added
	s.Days += o.Days
	s.Unchanged += o.Unchanged
	if o.Rows > 0 {
		if s.First == 0 || o.First < s.First {
			s.First = o.First
		}
		if o.Last > s.Last {
			s.Last = o.Last
		}
	}
}

func (s *Stats) see(ts engine.Nanos) {
	if s.First == 0 || ts < s.First {
		s.First = ts
	}
	if ts > s.Last {
		s.Last = ts
	}
}

// CheckName reports whether s is usable as an exchange or symbol partition
// value.
func CheckName(what, s string) error {
	if s == "" || s == "." || s == ".." || strings.ContainsAny(s, `/\=`) || strings.TrimSpace(s) != s {
		return fmt.Errorf("%s %q: want a non-empty name without / \\ = or surrounding spaces: %w", what, s, ErrBadInput)
	}
	return nil
}

// Source is one input file and the mapping that reads it.
type Source struct {
	Path    string
	Mapping *Mapping
	// Interval, for bars, overrides the mapping's interval and the file
	// name's (0: none).
	Interval time.Duration
}

// Import reads files with mapping m and merges their rows into the
// dataset at opts.Root/exchange=opts.Exchange/symbol=opts.Symbol. For each
// UTC day touched it reads the existing day file, merges, de-duplicates
// (the newer row wins a conflict), sorts and rewrites the day atomically;
// a day whose content would not change is not rewritten, so importing the
// same files again changes nothing. Files are read in order; later files
// win conflicts with earlier ones.
//
// Bad records are errors (*InputError naming file, line and column,
// matching ErrBadInput) unless opts.SkipBad is set. On error, days merged
// before the error stay written.
func Import(ctx context.Context, m *Mapping, files []string, opts Options) (Stats, error) {
	srcs := make([]Source, len(files))
	for i, f := range files {
		srcs[i] = Source{Path: f, Mapping: m, Interval: opts.Interval}
	}
	return ImportSources(ctx, srcs, opts)
}

// ImportSources is Import for files read with different mappings of the
// same kind (opts.Interval is ignored: each Source has its own). All rows
// are merged in memory before the dataset is touched (up to
// opts.MaxBufferedRows), so sources that disagree resolve the same way on
// every run, and a re-run rewrites nothing.
func ImportSources(ctx context.Context, srcs []Source, opts Options) (Stats, error) {
	if len(srcs) == 0 {
		return Stats{}, fmt.Errorf("no input files: %w", ErrBadInput)
	}
	var kind engine.Kind
	for _, s := range srcs {
		m := s.Mapping
		if m.plan == nil {
			if err := m.Validate(); err != nil {
				return Stats{}, fmt.Errorf("%w: %w", ErrBadInput, err)
			}
		}
		if kind == 0 {
			kind = m.plan.kind
		}
		if m.plan.kind != kind {
			return Stats{}, fmt.Errorf("mapping %s gives %s, mapping %s gives %s: one import writes one kind: %w", srcs[0].Mapping.Name, kind, m.Name, m.plan.kind, ErrBadInput)
		}
		if s.Interval < 0 || (s.Interval > 0 && kind != engine.KindBar) {
			return Stats{}, fmt.Errorf("interval %s: only for bars, and > 0: %w", s.Interval, ErrBadInput)
		}
	}
	if opts.Root == "" {
		return Stats{}, fmt.Errorf("no dataset root: %w", ErrBadInput)
	}
	if err := errors.Join(CheckName("exchange", opts.Exchange), CheckName("symbol", opts.Symbol)); err != nil {
		return Stats{}, err
	}
	if opts.MaxBufferedRows <= 0 {
		opts.MaxBufferedRows = DefaultMaxBufferedRows
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	im := &importer{
		ctx: ctx, o: opts, kind: kind,
		buckets: make(map[engine.Nanos][]row),
		days:    make(map[engine.Nanos]bool),
		chk:     newChecker(kind),
	}
	im.st.Kind = kind
	for i, s := range srcs {
		im.files = append(im.files, s.Path)
		if err := im.file(int32(i+1), s); err != nil {
			return im.stats(), err
		}
		im.st.Files++
	}
	if err := im.flush(); err != nil {
		return im.stats(), err
	}
	return im.stats(), nil
}

type importer struct {
	ctx      context.Context
	o        Options
	kind     engine.Kind
	files    []string
	buckets  map[engine.Nanos][]row
	buffered int
	days     map[engine.Nanos]bool
	chk      *checker
	st       Stats
	logged   int

	// bars
	interval     time.Duration // of the whole import, once known
	intervalFrom string
	bs           *barState // the file being read
}

func (im *importer) stats() Stats {
	s := im.st
	s.Days = len(im.days)
	return s
}

// barState tracks the interval of the bars file being read.
type barState struct {
	b       *binding
	iv      time.Duration
	how     string
	pending []row // rows not yet checked for alignment (interval unknown)
}

var intervalInName = regexp.MustCompile(`(?:^|[-_.])([1-9][0-9]*[smhdw])(?:[-_.]|$)`)

// IntervalFromName finds a Binance-style interval token ("1m", "4h", "1d",
// "1w") in a file name such as BTCUSDT-1m-2024-01-01.zip; 0 if none.
func IntervalFromName(path string) time.Duration {
	m := intervalInName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return 0
	}
	tok := m[1]
	if strings.HasSuffix(tok, "w") {
		d, err := dataset.ParseInterval(strings.TrimSuffix(tok, "w") + "d")
		if err != nil {
			return 0
		}
		return 7 * d
	}
	d, err := dataset.ParseInterval(tok)
	if err != nil {
		return 0
	}
	return d
}

func (im *importer) file(src int32, s Source) error {
	path := s.Path
	rr, b, closer, err := im.open(path, s.Mapping)
	if err != nil {
		return err
	}
	defer closer.Close()
	if im.kind == engine.KindBar {
		im.bs = &barState{b: b}
		switch {
		case s.Interval > 0:
			im.bs.iv, im.bs.how = s.Interval, "the given interval"
		case b.p.interval > 0:
			im.bs.iv, im.bs.how = b.p.interval, "the mapping"
		default:
			if d := IntervalFromName(path); d > 0 {
				im.bs.iv, im.bs.how = d, "the file name"
			}
		}
		if im.bs.iv > 0 {
			if err := im.setInterval(im.bs.iv, path, im.bs.how); err != nil {
				return err
			}
		}
	}
	var scratch []row
	for n := 0; ; n++ {
		if n&0xffff == 0 {
			if err := im.ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil && rec == nil {
			return &InputError{File: path, Msg: err.Error()}
		}
		im.st.Read++
		if err != nil {
			err = &InputError{File: path, Line: rec.line, Msg: err.Error()}
		} else {
			scratch, err = im.rows(b, rec, src, scratch[:0])
		}
		if err == errEmpty {
			continue
		}
		if err != nil {
			if !im.o.SkipBad {
				return err
			}
			im.st.Bad++
			if im.st.Bad <= 5 {
				im.o.Log.Warn("skipping bad record", "err", err)
			}
			continue
		}
		for i := range scratch {
			r := &scratch[i]
			if (im.o.From != 0 && r.ts < im.o.From) || (im.o.To != 0 && r.ts >= im.o.To) {
				im.st.Outside++
				continue
			}
			im.st.Rows++
			im.st.see(r.ts)
			day := r.ts.DayStart()
			im.buckets[day] = append(im.buckets[day], *r)
			im.buffered++
		}
		if im.buffered >= im.o.MaxBufferedRows {
			if err := im.flush(); err != nil {
				return err
			}
		}
	}
	if im.bs != nil {
		if err := im.settleBars(); err != nil {
			return err
		}
	}
	return nil
}

// rows parses and checks one record.
func (im *importer) rows(b *binding, rec *record, src int32, dst []row) ([]row, error) {
	dst, err := b.parse(rec, src, dst, &im.st.Empty)
	if err != nil && err != errEmpty {
		return dst[:0], err
	}
	for i := range dst {
		if err := im.chk.check(&dst[i]); err != nil {
			return dst[:0], b.rowErr(&dst[i], err)
		}
		if im.bs != nil {
			if err := im.checkBar(&dst[i]); err != nil {
				return dst[:0], err
			}
		}
	}
	return dst, err
}

// open opens a file and handles skipped lines and the header.
func (im *importer) open(path string, m *Mapping) (recordReader, *binding, io.Closer, error) {
	rc, err := openInput(path)
	if err != nil {
		return nil, nil, nil, &InputError{File: path, Msg: err.Error()}
	}
	fail := func(err error) (recordReader, *binding, io.Closer, error) {
		rc.Close()
		if _, ok := err.(*InputError); !ok {
			err = &InputError{File: path, Msg: err.Error()}
		}
		return nil, nil, nil, err
	}
	p := m.plan
	if p.format == "json" {
		jr, err := newJSONReader(rc, m.JSONPath)
		if err != nil {
			return fail(err)
		}
		b, _ := p.bind(path, nil, 0)
		return jr, b, rc, nil
	}
	cr := newCSVReader(rc, p.delim)
	for i := 0; i < m.SkipLines && cr.sc.Scan(); i++ {
		cr.line++
	}
	if p.format == "jsonl" {
		b, _ := p.bind(path, nil, 0)
		return &jsonlReader{csv: cr}, b, rc, nil
	}
	var header []string
	headerLine := 0
	if p.header != "false" {
		rec, err := cr.next()
		switch {
		case err == io.EOF:
			// An empty file: nothing to bind against, nothing to read.
			b, _ := p.bind(path, nil, 0)
			return cr, b, rc, nil
		case err != nil && rec == nil:
			return fail(err)
		case err != nil:
			return fail(&InputError{File: path, Line: rec.line, Msg: "header: " + err.Error()})
		}
		isHeader := true
		if p.header == "auto" {
			pos := p.tsCol.Index
			if !p.tsCol.ByIndex {
				pos = p.names[p.tsCol.Name]
			}
			if pos < len(rec.fields) {
				if _, err := ParseTimestamp(rec.fields[pos], p.tf); err == nil {
					isHeader = false
				}
			}
		}
		if isHeader {
			header = append([]string(nil), rec.fields...)
			headerLine = rec.line
		} else {
			cr.pushBack()
		}
	}
	if p.names != nil {
		header = nil
	}
	b, err := p.bind(path, header, headerLine)
	if err != nil {
		return fail(err)
	}
	return cr, b, rc, nil
}

// setInterval fixes the bar interval of the import.
func (im *importer) setInterval(iv time.Duration, path, how string) error {
	if im.interval == 0 {
		im.interval, im.intervalFrom = iv, fmt.Sprintf("%s (from %s)", path, how)
		return nil
	}
	if iv != im.interval {
		return &InputError{File: path, Msg: fmt.Sprintf("bars of interval %s (from %s), but %s has %s bars; import each interval separately, into its own symbol (e.g. BTCUSDT-%s)",
			dataset.IntervalString(iv), how, im.intervalFrom, dataset.IntervalString(im.interval), dataset.IntervalString(iv))}
	}
	return nil
}

// checkBar checks a bar's close time and alignment against the interval,
// or holds it until the interval is known.
func (im *importer) checkBar(r *row) error {
	bs := im.bs
	if r.aux > 0 {
		civ := (time.Duration(r.aux) + time.Second - 1) / time.Second * time.Second
		t := &bs.b.p.t[tCloseTime]
		if bs.iv == 0 {
			bs.iv, bs.how = civ, "close_time"
			if err := im.setInterval(civ, bs.b.file, bs.how); err != nil {
				return err
			}
			if err := im.checkPending(); err != nil {
				return err
			}
		} else if civ != bs.iv {
			return &InputError{File: bs.b.file, Line: int(r.line), Column: bs.b.label(t.col, bs.b.pos[tCloseTime]),
				Msg: fmt.Sprintf("close time is %s after the open, want the bar interval %s (from %s), less at most 1s", time.Duration(r.aux), bs.iv, bs.how)}
		}
	}
	if bs.iv == 0 {
		bs.pending = append(bs.pending, *r)
		return nil
	}
	return im.aligned(r)
}

func (im *importer) aligned(r *row) error {
	iv := engine.Nanos(im.bs.iv)
	b := im.bs.b
	if b.p.allowUnaligned || iv > engine.Day || engine.Day%iv != 0 {
		return nil
	}
	if m := r.ts % iv; m != 0 {
		return &InputError{File: b.file, Line: int(r.line), Column: b.label(b.p.tsCol, b.tsPos),
			Msg: fmt.Sprintf("bar open time %s is not a multiple of the interval %s in UTC (off by %s): wrong timezone or interval? (allow_unaligned: true accepts it)",
				r.ts, dataset.IntervalString(im.bs.iv), time.Duration(m))}
	}
	return nil
}

func (im *importer) checkPending() error {
	for i := range im.bs.pending {
		if err := im.aligned(&im.bs.pending[i]); err != nil {
			return err
		}
	}
	im.bs.pending = nil
	return nil
}

// settleBars infers the interval of the current file from the spacing of
// its rows if nothing else gave it.
func (im *importer) settleBars() error {
	bs := im.bs
	if bs == nil || bs.iv > 0 || len(bs.pending) == 0 {
		return nil
	}
	ts := make([]engine.Nanos, len(bs.pending))
	for i := range bs.pending {
		ts[i] = bs.pending[i].ts
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	count := map[engine.Nanos]int{}
	var best engine.Nanos
	for i := 1; i < len(ts); i++ {
		if d := ts[i] - ts[i-1]; d > 0 {
			count[d]++
			if c := count[d]; c > count[best] || (c == count[best] && d < best) {
				best = d
			}
		}
	}
	if best == 0 {
		return &InputError{File: bs.b.file, Msg: "cannot infer the bar interval from fewer than two distinct bar times: set it with --interval or interval: in the mapping"}
	}
	bs.iv, bs.how = time.Duration(best), "the spacing of the rows"
	if err := im.setInterval(bs.iv, bs.b.file, bs.how); err != nil {
		return err
	}
	return im.checkPending()
}

// flush merges every buffered day into the dataset.
func (im *importer) flush() error {
	if err := im.settleBars(); err != nil {
		return err
	}
	days := make([]engine.Nanos, 0, len(im.buckets))
	for d := range im.buckets {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	for _, d := range days {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		if err := im.flushDay(d, im.buckets[d]); err != nil {
			return err
		}
		delete(im.buckets, d)
	}
	im.buffered = 0
	return nil
}

func (im *importer) where(r *row, dayFile string) string {
	if r.src == 0 {
		return fmt.Sprintf("%s row %d", dayFile, r.line)
	}
	return fmt.Sprintf("%s:%d", im.files[r.src-1], r.line)
}

// flushDay merges rows into one day file.
func (im *importer) flushDay(day engine.Nanos, rows []row) error {
	k := im.kind
	path := filepath.Join(dataset.DayDir(im.o.Root, im.o.Exchange, im.o.Symbol, k, day.Time()), dataset.PartFile)
	var existing []row
	t, err := dataset.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if t.Kind() != k {
			return fmt.Errorf("%s holds %s, not %s: %w", path, t.Kind(), k, dataset.ErrSchemaMismatch)
		}
		if b, ok := t.(*dataset.Bars); ok && b.Len() > 0 && b.Interval != im.interval {
			return &InputError{File: im.files[rows[0].src-1], Msg: fmt.Sprintf("importing %s bars, but %s holds %s bars; bars of different intervals need different symbols (e.g. --symbol %s-%s)",
				dataset.IntervalString(im.interval), path, dataset.IntervalString(b.Interval), im.o.Symbol, dataset.IntervalString(im.interval))}
		}
		if tr, ok := t.(*dataset.Trades); ok && tr.Len() > 0 && (tr.ID != nil) != rows[0].hasID {
			return &InputError{File: im.files[rows[0].src-1], Msg: fmt.Sprintf("%s has trade ids: %v, this import: %v; trades with and without ids cannot be merged", path, tr.ID != nil, rows[0].hasID)}
		}
		existing = fromTable(t)
	}
	res := merge(k, existing, rows)
	im.st.Duplicates += res.duplicates
	im.st.Conflicts += len(res.conflicts)
	for _, c := range res.conflicts {
		if im.logged++; im.logged <= 5 {
			im.o.Log.Warn("conflicting values for one row: the newer wins", "kind", k, "ts", c.won.ts,
				"lost", im.where(&c.lost, path), "won", im.where(&c.won, path))
		}
	}
	if sameRows(res.rows, existing) {
		im.st.Unchanged++
		return nil
	}
	out := toTable(k, res.rows, im.interval)
	if err := out.Validate(); err != nil {
		var re *dataset.RowError
		if errors.As(err, &re) && re.Row < len(res.rows) {
			r := &res.rows[re.Row]
			if r.src > 0 {
				return &InputError{File: im.files[r.src-1], Line: int(r.line), Column: re.Column, Msg: "after merging into " + path + ": " + re.Msg}
			}
		}
		return fmt.Errorf("merging into %s: %w", path, err)
	}
	if !im.o.DryRun {
		if err := dataset.WriteFile(path, out, im.o.RowGroupRows); err != nil {
			return err
		}
	}
	im.st.Added += len(res.rows) - len(existing)
	im.days[day] = true
	return nil
}
