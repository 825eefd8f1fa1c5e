package parquetfeed

import (
	"errors"
	"fmt"
	"math"

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

var maxKey = key{ts: math.MaxInt64, kind: math.MaxUint8, idx: math.MaxInt}

// mergeState is embedded in Feed.
type mergeState struct {
	heap    []key // pending sources (not cur), a min-heap
	cur     *kindSource
	curIdx  int
	limit   key // smallest pending key: cur may run while below it
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
	if f.err != nil {
		return false
	}
	if c := f.cur; c != nil {
		// Fast path: the next row of the current batch still sorts first.
		if c.pos < c.n && c.barPath == nil {
			k := key{engine.Nanos(c.cols[cTS].i64[c.pos]), c.kind, f.curIdx}
			if k.less(f.limit) {
				i := c.pos
				c.pos++
				c.emit(i)
				c.stats.Events++
				return true
			}
		}
		f.cur = nil
		f.advance(f.curIdx)
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
	f.limit = maxKey
	if len(f.heap) > 0 {
		f.limit = f.heap[0]
	}
	return true
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
