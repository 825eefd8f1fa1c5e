package parquetfeed

import (
	"errors"
	"fmt"

	"github.com/cascade-research/cascade/engine"
)

// This file is the Feed's own k-way merge over its kind sources. It orders
// events exactly like engine.Merge — by time, then kind, then source index
// — but calls the concrete sources directly and, while the current source
// keeps the smallest key, yields rows straight from its decoded batch
// without touching the heap: the replay hot path.

// key is the ordering key of a source's current event.
type key struct {
	ts   engine.Nanos
	kind engine.Kind
	idx  int
}

func (a key) less(b key) bool {
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.idx < b.idx
}

// mergeState is embedded in Feed.
type mergeState struct {
	heap    []key // pending sources (not cur), a min-heap
	cur     *kindSource
	curIdx  int
	end     int // rows of cur's batch before end sort before every pending source
	ev      *engine.Event
	err     error
	started bool
}

func (m *mergeState) push(k key) {
	h := append(m.heap, k)
	j := len(h) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !h[j].less(h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
	m.heap = h
}

func (m *mergeState) pop() key {
	h := m.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for j := 0; ; {
		l := 2*j + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && h[r].less(h[l]) {
			c = r
		}
		if !h[c].less(h[j]) {
			break
		}
		h[j], h[c] = h[c], h[j]
		j = c
	}
	m.heap = h
	return top
}

// advance moves source i to its next event and pushes it back on the heap.
func (f *Feed) advance(i int) {
	s := f.sources[i]
	if !s.Next() {
		if err := s.Err(); err != nil && f.err == nil {
			f.err = err
		}
		return
	}
	f.push(key{s.ev.TS, s.ev.Kind, i})
}

// Next advances to the next event in merged order.
func (f *Feed) Next() bool {
	if c := f.cur; c != nil {
		// Fast path: the next row of the current batch still sorts first.
		if i := c.pos; i < f.end {
			c.pos = i + 1
			if c.kind == engine.KindTrade {
				c.emitTrade(i)
			} else {
				c.emit(i)
			}
			c.stats.Events++
			return true
		}
		f.cur = nil
		f.advance(f.curIdx)
	} else if f.err != nil {
		return false
	} else if !f.started {
		f.started = true
		for i := range f.sources {
			f.advance(i)
		}
	}
	if f.err != nil || len(f.heap) == 0 {
		return false
	}
	k := f.pop()
	f.cur, f.curIdx = f.sources[k.idx], k.idx
	f.ev = &f.cur.ev
	f.end = f.runEnd()
	return true
}

// runEnd returns the end of the rows of the current source's batch, from
// its next row on, that sort before the smallest pending key: the rows the
// fast path may yield without looking at the heap. Bar sources yield
// through kindSource.Next (their path events are not batch rows).
func (f *Feed) runEnd() int {
	c := f.cur
	if c.barPath != nil {
		return 0
	}
	if len(f.heap) == 0 {
		return c.n
	}
	lim := f.heap[0]
	ts := c.cols[cTS].i64[c.pos:c.n]
	// Rows are sorted by ts: find the first that does not sort first.
	// Ties go to cur when its (kind, index) is smaller.
	tieOK := c.kind < lim.kind || (c.kind == lim.kind && f.curIdx < lim.idx)
	first := func(t int64) bool { return engine.Nanos(t) < lim.ts || (tieOK && engine.Nanos(t) == lim.ts) }
	if len(ts) == 0 || first(ts[len(ts)-1]) {
		return c.n // the common case: the whole batch
	}
	lo, hi := 0, len(ts)-1 // first(ts[hi]) is false
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if first(ts[m]) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return c.pos + lo
}

// Event returns the current event; valid until the next call to Next.
func (f *Feed) Event() *engine.Event { return f.ev }

// Err returns the first error met by any source.
func (f *Feed) Err() error { return f.err }

// Close closes every source's open file and joins their errors.
func (f *Feed) Close() error {
	var errs []error
	for _, s := range f.sources {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", s.kind, err))
		}
	}
	return errors.Join(errs...)
}
