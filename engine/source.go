package engine

// Source is a pull iterator over events in non-decreasing time order. It is
// shaped like database/sql.Rows: call Next until it returns false, read the
// current event with Event, then check Err once. Close releases resources
// and may be called at any time.
//
// Event returns a pointer into the source's own storage; it is valid only
// until the next call to Next.
type Source interface {
	Next() bool
	Event() *Event
	Err() error
	Close() error
}
