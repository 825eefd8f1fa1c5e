package ingest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

// ErrBadInput marks errors caused by the input files, mappings or options
// rather than by the program or the system; check it with errors.Is.
var ErrBadInput = errors.New("bad input")

// InputError is a bad value in a source file. Line is 1-based and counts
// every line of the (decompressed) file, header and skipped lines included;
// for JSON it is the line where the record starts. Line 0 means the error
// concerns the whole file.
type InputError struct {
	File   string
	Line   int
	Column string // the source column as the file names it ("#3" by position); may be empty
	Msg    string // what was wrong and what was expected
}

func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Column != "" {
		b.WriteString(": column ")
		b.WriteString(e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes errors.Is(err, ErrBadInput) true.
func (e *InputError) Is(target error) bool { return target == ErrBadInput }

// errEmpty reports a required value that is empty when the mapping skips
// empty values; the record (or that row of it) is skipped.
var errEmpty = errors.New("empty value")

// binding is a plan resolved against one file's header.
type binding struct {
	p      *plan
	file   string
	json   bool
	tsPos  int
	pos    [nTargets]int
	spos   []int
	labels []string // csv: label of each position, when known
}

// bind resolves the plan's columns for one file. header holds the header
// fields (nil if the file has none or columns resolve by column_names).
func (p *plan) bind(file string, header []string, headerLine int) (*binding, error) {
	b := &binding{p: p, file: file, json: p.format != "csv", spos: make([]int, 0, len(p.series))}
	if b.json {
		b.spos = b.spos[:len(p.series)] // unused: JSON looks keys up by name
		return b, nil
	}
	names := p.names
	switch {
	case names != nil:
		b.labels = make([]string, len(names))
		for n, i := range names {
			b.labels[i] = strconv.Quote(n)
		}
	case header != nil:
		names = make(map[string]int, len(header))
		b.labels = make([]string, len(header))
		for i, h := range header {
			if _, dup := names[h]; !dup {
				names[h] = i
			}
			b.labels[i] = strconv.Quote(h)
		}
	}
	resolve := func(c Column) (int, error) {
		if c.ByIndex {
			return c.Index, nil
		}
		if i, ok := names[c.Name]; ok {
			return i, nil
		}
		have := make([]string, 0, len(names))
		for _, l := range b.labels {
			have = append(have, l)
		}
		what := "header"
		if p.names != nil {
			what = "column_names"
		}
		return 0, &InputError{File: file, Line: headerLine, Column: c.String(), Msg: fmt.Sprintf("missing: the %s has no such column (have %s)", what, strings.Join(have, ", "))}
	}
	var err error
	if b.tsPos, err = resolve(p.tsCol); err != nil {
		return nil, err
	}
	for id, t := range p.t {
		if t.set && !t.isConst {
			if b.pos[id], err = resolve(t.col); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range p.series {
		i, err := resolve(s.col)
		if err != nil {
			return nil, err
		}
		b.spos = append(b.spos, i)
	}
	return b, nil
}

// label names a source column in messages.
func (b *binding) label(c Column, pos int) string {
	if b.json {
		return strconv.Quote(c.Name)
	}
	if pos < len(b.labels) && b.labels[pos] != "" {
		return b.labels[pos]
	}
	return "#" + strconv.Itoa(pos)
}

func (b *binding) errAt(rec *record, c Column, pos int, format string, a ...any) error {
	return &InputError{File: b.file, Line: rec.line, Column: b.label(c, pos), Msg: fmt.Sprintf(format, a...)}
}

// get returns the text of a source column; ok is false if the record
// lacks it (too few fields, absent or null JSON key).
func (b *binding) get(rec *record, c Column, pos int) (string, bool) {
	if b.json {
		return jsonField(rec.obj, c.Name)
	}
	if pos >= len(rec.fields) {
		return "", false
	}
	return rec.fields[pos], true
}

func (b *binding) missing(rec *record, c Column, pos int) error {
	if b.json {
		return b.errAt(rec, c, pos, "missing or null")
	}
	return b.errAt(rec, c, pos, "missing: the line has %d fields, want at least %d", len(rec.fields), pos+1)
}

func isNull(s string) bool {
	switch s {
	case "", "null", "NULL", "None", "none", "NaN", "nan", "NA", "N/A":
		return true
	}
	return false
}

// float reads a numeric target, applying its scale. Unset targets are NaN.
func (b *binding) float(rec *record, id int) (float64, error) {
	t := &b.p.t[id]
	if !t.set {
		return math.NaN(), nil
	}
	if t.isConst {
		return t.konst, nil
	}
	s, ok := b.get(rec, t.col, b.pos[id])
	if !ok || isNull(s) {
		if nullable[id] {
			return math.NaN(), nil
		}
		if !ok {
			return 0, b.missing(rec, t.col, b.pos[id])
		}
		if b.p.skipEmpty {
			return 0, errEmpty
		}
		return 0, b.errAt(rec, t.col, b.pos[id], "empty (%q), want a number for %s (skip_empty: true skips such values)", s, targetNames[id])
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, b.errAt(rec, t.col, b.pos[id], "%q is not a number (want %s)", s, targetNames[id])
	}
	return v * t.scale, nil
}

func (b *binding) time(rec *record, c Column, pos int, shift engine.Nanos) (engine.Nanos, error) {
	s, ok := b.get(rec, c, pos)
	if !ok {
		return 0, b.missing(rec, c, pos)
	}
	n, err := ParseTimestamp(s, b.p.tf)
	if err != nil {
		return 0, b.errAt(rec, c, pos, "%v", err)
	}
	return n + shift, nil
}

// parseSide reads a trade side (+1 taker buy, -1 taker sell) or a
// liquidated side (+1 long, -1 short).
func (b *binding) side(rec *record, liq bool) (int8, error) {
	if t := &b.p.t[tBuyerMaker]; t.set {
		s, ok := b.get(rec, t.col, b.pos[tBuyerMaker])
		if !ok {
			return 0, b.missing(rec, t.col, b.pos[tBuyerMaker])
		}
		v, err := strconv.ParseBool(s)
		if err != nil {
			return 0, b.errAt(rec, t.col, b.pos[tBuyerMaker], "%q, want true or false (is the buyer the maker)", s)
		}
		if v {
			return -1, nil
		}
		return 1, nil
	}
	t := &b.p.t[tSide]
	if t.isConst {
		return int8(t.konst), nil
	}
	s, ok := b.get(rec, t.col, b.pos[tSide])
	if !ok {
		return 0, b.missing(rec, t.col, b.pos[tSide])
	}
	switch s {
	case "1", "+1":
		return 1, nil
	case "-1":
		return -1, nil
	}
	if liq {
		if v, ok := dataset.ParseSide(s); ok {
			return v, nil
		}
		return 0, b.errAt(rec, t.col, b.pos[tSide], "%q, want long, short, sell (a long was liquidated), buy, 1 or -1", s)
	}
	switch strings.ToLower(s) {
	case "buy", "b", "bid":
		return 1, nil
	case "sell", "s", "ask":
		return -1, nil
	}
	return 0, b.errAt(rec, t.col, b.pos[tSide], "%q, want buy, sell, 1 or -1 (the taker's side)", s)
}

// parse converts one record to rows, appended to dst.
//
// With skip_empty, rows whose required values are empty are left out and
// counted in *empty; a record left with no rows returns errEmpty.
func (b *binding) parse(rec *record, src int32, dst []row, empty *int) ([]row, error) {
	p := b.p
	ts, err := b.time(rec, p.tsCol, b.tsPos, p.shift)
	if err != nil {
		return dst, err
	}
	r := nanRow()
	r.ts, r.src, r.line = ts, src, int32(rec.line)
	var errs [6]error
	switch p.kind {
	case engine.KindTrade:
		r.v[0], errs[0] = b.float(rec, tPrice)
		r.v[1], errs[1] = b.float(rec, tQty)
		r.side, errs[2] = b.side(rec, false)
		if t := &p.t[tTradeID]; t.set {
			s, ok := b.get(rec, t.col, b.pos[tTradeID])
			if !ok {
				errs[3] = b.missing(rec, t.col, b.pos[tTradeID])
			} else if r.id, err = strconv.ParseInt(s, 10, 64); err != nil {
				errs[3] = b.errAt(rec, t.col, b.pos[tTradeID], "%q, want an integer trade id", s)
			}
			r.hasID = true
		}
	case engine.KindBar:
		for j, id := range []int{tOpen, tHigh, tLow, tClose, tVolume, tTakerBuy} {
			r.v[j], errs[j] = b.float(rec, id)
		}
		if t := &p.t[tCloseTime]; t.set && errs[0] == nil {
			ct, err := b.time(rec, t.col, b.pos[tCloseTime], p.shift)
			switch {
			case err != nil:
				errs[0] = err
			case ct <= ts:
				errs[0] = b.errAt(rec, t.col, b.pos[tCloseTime], "close time %s is not after the open time %s", ct, ts)
			default:
				r.aux = int64(ct - ts)
			}
		}
	case engine.KindFunding:
		r.v[0], errs[0] = b.float(rec, tRate)
		r.v[1], errs[1] = b.float(rec, tIntervalHours)
		r.v[2], errs[2] = b.float(rec, tMark)
	case engine.KindOI:
		r.v[0], errs[0] = b.float(rec, tOI)
		r.v[1], errs[1] = b.float(rec, tOIValue)
	case engine.KindLiquidation:
		r.v[0], errs[0] = b.float(rec, tPrice)
		if p.twoSided {
			if errs[0] != nil {
				return dst, errs[0]
			}
			n := len(dst)
			for _, side := range []int8{1, -1} {
				sr := r
				sr.side = side
				id := tLongNotional
				if side < 0 {
					id = tShortNotional
				}
				v, err := b.float(rec, id)
				switch {
				case err == errEmpty:
					*empty++
				case err != nil:
					return dst[:n], err
				default:
					sr.v[1] = v
					dst = append(dst, sr)
				}
			}
			if len(dst) == n {
				return dst, errEmpty
			}
			return dst, nil
		}
		r.side, errs[1] = b.side(rec, true)
		r.v[1], errs[2] = b.float(rec, tNotional)
	case engine.KindSeries:
		n0 := len(dst)
		for j, s := range p.series {
			sr := r
			sr.name = s.name
			txt, ok := b.get(rec, s.col, b.spos[j])
			if ok && isNull(txt) && p.skipEmpty {
				*empty++
				continue
			}
			if !ok {
				return dst, b.missing(rec, s.col, b.spos[j])
			}
			v, err := strconv.ParseFloat(txt, 64)
			if err != nil {
				return dst, b.errAt(rec, s.col, b.spos[j], "%q is not a number (want the value of series %s)", txt, s.name)
			}
			sr.v[0] = v * s.scale
			dst = append(dst, sr)
		}
		if len(dst) == n0 {
			return dst, errEmpty
		}
		return dst, nil
	}
	if err := firstErr(errs[:]); err != nil {
		if err == errEmpty {
			*empty++
		}
		return dst, err
	}
	return append(dst, r), nil
}

// firstErr returns the first error, preferring real errors to errEmpty.
func firstErr(errs []error) error {
	var empty error
	for _, e := range errs {
		if e == errEmpty {
			empty = e
		} else if e != nil {
			return e
		}
	}
	return empty
}

// checker validates single rows with the dataset's own Validate, reusing
// one-row tables.
type checker struct {
	kind engine.Kind
	tr   dataset.Trades
	ba   dataset.Bars
	fu   dataset.Funding
	oi   dataset.OI
	li   dataset.Liquidations
	se   dataset.Series
	id   []int64
}

func newChecker(k engine.Kind) *checker {
	f := func() []float64 { return make([]float64, 1) }
	ts := func() []engine.Nanos { return make([]engine.Nanos, 1) }
	return &checker{
		kind: k,
		tr:   dataset.Trades{TS: ts(), Price: f(), Qty: f(), Side: make([]int8, 1)},
		ba:   dataset.Bars{Interval: 1, TS: ts(), Open: f(), High: f(), Low: f(), Close: f(), Volume: f(), TakerBuy: f()},
		fu:   dataset.Funding{TS: ts(), Rate: f(), IntervalHours: f(), MarkPrice: f()},
		oi:   dataset.OI{TS: ts(), OI: f(), Value: f()},
		li:   dataset.Liquidations{TS: ts(), Side: make([]int8, 1), Price: f(), Notional: f()},
		se:   dataset.Series{TS: ts(), Name: make([]string, 1), Value: f()},
		id:   make([]int64, 1),
	}
}

// check returns the dataset's verdict on one row.
func (c *checker) check(r *row) error {
	switch c.kind {
	case engine.KindTrade:
		c.tr.TS[0], c.tr.Price[0], c.tr.Qty[0], c.tr.Side[0] = r.ts, r.v[0], r.v[1], r.side
		c.tr.ID = nil
		if r.hasID {
			c.id[0] = r.id
			c.tr.ID = c.id
		}
		return c.tr.Validate()
	case engine.KindBar:
		c.ba.TS[0], c.ba.Open[0], c.ba.High[0], c.ba.Low[0], c.ba.Close[0], c.ba.Volume[0], c.ba.TakerBuy[0] = r.ts, r.v[0], r.v[1], r.v[2], r.v[3], r.v[4], r.v[5]
		return c.ba.Validate()
	case engine.KindFunding:
		c.fu.TS[0], c.fu.Rate[0], c.fu.IntervalHours[0], c.fu.MarkPrice[0] = r.ts, r.v[0], r.v[1], r.v[2]
		return c.fu.Validate()
	case engine.KindOI:
		c.oi.TS[0], c.oi.OI[0], c.oi.Value[0] = r.ts, r.v[0], r.v[1]
		return c.oi.Validate()
	case engine.KindLiquidation:
		c.li.TS[0], c.li.Side[0], c.li.Price[0], c.li.Notional[0] = r.ts, r.side, r.v[0], r.v[1]
		return c.li.Validate()
	case engine.KindSeries:
		c.se.TS[0], c.se.Name[0], c.se.Value[0] = r.ts, r.name, r.v[0]
		return c.se.Validate()
	}
	return nil
}

// rowErr turns a dataset validation error about row r into an InputError
// that names the source column.
func (b *binding) rowErr(r *row, err error) error {
	var re *dataset.RowError
	if !errors.As(err, &re) {
		return &InputError{File: b.file, Line: int(r.line), Msg: err.Error()}
	}
	col := re.Column
	for _, id := range rowColumns[re.Column] {
		t := &b.p.t[id]
		if !t.set {
			continue
		}
		if t.isConst {
			col = fmt.Sprintf("%s (constant %v)", targetNames[id], t.konst)
		} else {
			col = b.label(t.col, b.pos[id])
		}
		break
	}
	if b.p.kind == engine.KindSeries && re.Column == "value" {
		for j, s := range b.p.series {
			if s.name == r.name {
				col = b.label(s.col, b.spos[j])
			}
		}
	}
	if b.p.kind == engine.KindLiquidation && b.p.twoSided && re.Column == "notional" {
		id := tLongNotional
		if r.side < 0 {
			id = tShortNotional
		}
		col = b.label(b.p.t[id].col, b.pos[id])
	}
	return &InputError{File: b.file, Line: int(r.line), Column: col, Msg: re.Msg}
}
