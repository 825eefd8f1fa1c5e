package engine

import (
	"errors"
	"fmt"
)

// ErrOutOfOrder reports an event whose timestamp is earlier than the one
// before it in the same source.
var ErrOutOfOrder = errors.New("events out of time order")

// Merged is a Source that merges several time-ordered sources into one
// time-ordered stream. Equal timestamps are ordered by Kind priority, then by
// source index, then by each source's own order, so the output is
// deterministic for the same inputs.
//
// The merge is allocation-free per event. While one source keeps producing
// the smallest key it is read directly without touching the heap, so the
// common case (a trades source interleaved with sparse funding and OI) costs
// one comparison per event.
type Merged struct {
	srcs []Source
	keys []mergeKey // current key of each source
	heap []int      // indices into srcs whose current event is pending, a min-heap by key
	cur  int        // index of the source whose event is current, or -1
	ev   *Event
	last []Nanos
	err  error
	init bool
}

// Merge returns a Source yielding the events of srcs in deterministic time
// order. Merge takes ownership of srcs: closing the Merged closes them all.
func Merge(srcs ...Source) *Merged {
	m := &Merged{srcs: srcs, cur: -1, last: make([]Nanos, len(srcs)), keys: make([]mergeKey, len(srcs))}
	for i := range m.last {
		m.last[i] = -1 << 63
	}
	return m
}

// mergeKey caches the ordering fields of a source's current event, so
// comparisons need no interface calls.
type mergeKey struct {
	ts   Nanos
	kind Kind
	ev   *Event
}

// less compares the current events of sources a and b.
func (m *Merged) less(a, b int) bool {
	ka, kb := &m.keys[a], &m.keys[b]
	if ka.ts != kb.ts {
		return ka.ts < kb.ts
	}
	if ka.kind != kb.kind {
		return ka.kind < kb.kind
	}
	return a < b
}

func (m *Merged) push(i int) {
	h := append(m.heap, i)
	j := len(h) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !m.less(h[j], h[p]) {
			break
		}
		h[j], h[p] = h[p], h[j]
		j = p
	}
	m.heap = h
}

func (m *Merged) pop() int {
	h := m.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	j := 0
	for {
		l := 2*j + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && m.less(h[r], h[l]) {
			c = r
		}
		if !m.less(h[c], h[j]) {
			break
		}
		h[j], h[c] = h[c], h[j]
		j = c
	}
	m.heap = h
	return top
}

// advance moves source i to its next event and reports whether it has one.
func (m *Merged) advance(i int) bool {
	s := m.srcs[i]
	if !s.Next() {
		if err := s.Err(); err != nil && m.err == nil {
			m.err = fmt.Errorf("source %d: %w", i, err)
		}
		return false
	}
	ev := s.Event()
	ts := ev.TS
	m.keys[i] = mergeKey{ts, ev.Kind, ev}
	if ts < m.last[i] {
		if m.err == nil {
			m.err = fmt.Errorf("source %d: %w: %s after %s", i, ErrOutOfOrder, ts, m.last[i])
		}
		return false
	}
	m.last[i] = ts
	return true
}

// Next advances to the next event in merged order.
func (m *Merged) Next() bool {
	if m.err != nil {
		return false
	}
	if !m.init {
		m.init = true
		for i := range m.srcs {
			if m.advance(i) {
				m.push(i)
			}
			if m.err != nil {
				return false
			}
		}
	} else if c := m.cur; c >= 0 {
		m.cur = -1
		if m.advance(c) {
			// Fast path: the same source still holds the smallest key.
			if len(m.heap) == 0 || m.less(c, m.heap[0]) {
				m.cur = c
				m.ev = m.keys[c].ev
				return true
			}
			m.push(c)
		}
		if m.err != nil {
			return false
		}
	}
	if len(m.heap) == 0 {
		return false
	}
	m.cur = m.pop()
	m.ev = m.keys[m.cur].ev
	return true
}

// Event returns the current event; valid until the next call to Next.
func (m *Merged) Event() *Event { return m.ev }

// Err returns the first error met by any source.
func (m *Merged) Err() error { return m.err }

// Close closes every source and joins their errors.
func (m *Merged) Close() error {
	var errs []error
	for i, s := range m.srcs {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close source %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}
