// Package memfeed is an in-memory engine.Source over a slice of events, for
// tests, benchmarks and small generated inputs. Its events must already be
// in time order; the merge checks that.
package memfeed

import "github.com/cascade-research/cascade/engine"

// Feed yields the events of a slice in order.
type Feed struct {
	events []engine.Event
	pos    int
	closed bool
}

// New returns a Feed over events; the slice is not copied.
func New(events []engine.Event) *Feed { return &Feed{events: events} }

// Next advances to the next event.
func (f *Feed) Next() bool {
	if f.closed || f.pos >= len(f.events) {
		return false
	}
	f.pos++
	return true
}

// Event returns the current event.
func (f *Feed) Event() *engine.Event { return &f.events[f.pos-1] }

// Err always returns nil.
func (f *Feed) Err() error { return nil }

// Close stops the feed.
func (f *Feed) Close() error { f.closed = true; return nil }

// Reset rewinds the feed to its first event, for benchmarks.
func (f *Feed) Reset() { f.pos, f.closed = 0, false }
