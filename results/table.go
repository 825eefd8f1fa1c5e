package results

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"time"
)

// ColType is the type of a result column.
type ColType uint8

// Column types, mapped to DuckDB types by the store.
const (
	Float  ColType = iota + 1 // DOUBLE
	Int                       // BIGINT
	String                    // VARCHAR
	Time                      // TIMESTAMPTZ (UTC)
	Bool                      // BOOLEAN
	Date                      // DATE (a UTC day)
)

// Column is one typed column; exactly the slice matching Type is used.
// NaN floats are stored as NULL.
type Column struct {
	Name  string
	Type  ColType
	F64   []float64
	I64   []int64
	Str   []string
	TS    []time.Time
	Bools []bool
}

// Len returns the number of values in the column.
func (c *Column) Len() int {
	switch c.Type {
	case Float:
		return len(c.F64)
	case Int:
		return len(c.I64)
	case String:
		return len(c.Str)
	case Time, Date:
		return len(c.TS)
	case Bool:
		return len(c.Bools)
	}
	return 0
}

// Value returns row i as a database value (nil for a NaN float).
func (c *Column) Value(i int) any {
	switch c.Type {
	case Float:
		if math.IsNaN(c.F64[i]) {
			return nil
		}
		return c.F64[i]
	case Int:
		return c.I64[i]
	case String:
		return c.Str[i]
	case Time, Date:
		return c.TS[i]
	case Bool:
		return c.Bools[i]
	}
	return nil
}

// Table is a named batch of result rows. The store adds the run_id column.
type Table struct {
	Name string
	Cols []Column
}

// Rows returns the number of rows, checking that all columns agree.
func (t *Table) Rows() (int, error) {
	if len(t.Cols) == 0 {
		return 0, nil
	}
	n := t.Cols[0].Len()
	for _, c := range t.Cols[1:] {
		if c.Len() != n {
			return 0, fmt.Errorf("table %s: column %s has %d rows, column %s has %d", t.Name, c.Name, c.Len(), t.Cols[0].Name, n)
		}
	}
	return n, nil
}

// Digest returns a hex SHA-256 over the tables' names, column names and
// types, and every value in row order (floats by their bits, so equal
// digests mean bit-identical results).
func Digest(tables []Table) (string, error) {
	h := sha256.New()
	// The bytes go through a buffer: one hash Write per 8-byte value costs
	// more than the hashing. The stream, and so the digest, is the same.
	buf := make([]byte, 0, 64<<10)
	flush := func() {
		h.Write(buf)
		buf = buf[:0]
	}
	put := func(x uint64) {
		if len(buf)+8 > cap(buf) {
			flush()
		}
		buf = binary.LittleEndian.AppendUint64(buf, x)
	}
	str := func(s string) {
		put(uint64(len(s)))
		if len(buf)+len(s) > cap(buf) {
			flush()
		}
		if len(s) > cap(buf) {
			h.Write([]byte(s))
			return
		}
		buf = append(buf, s...)
	}
	for _, t := range tables {
		n, err := t.Rows()
		if err != nil {
			return "", err
		}
		str(t.Name)
		put(uint64(n))
		for _, c := range t.Cols {
			str(c.Name)
			put(uint64(c.Type))
			switch c.Type {
			case Float:
				for _, v := range c.F64 {
					if math.IsNaN(v) {
						v = math.NaN() // one NaN pattern
					}
					put(math.Float64bits(v))
				}
			case Int:
				for _, v := range c.I64 {
					put(uint64(v))
				}
			case String:
				for _, v := range c.Str {
					str(v)
				}
			case Time, Date:
				for _, v := range c.TS {
					put(uint64(v.UnixNano()))
				}
			case Bool:
				for _, v := range c.Bools {
					if v {
						put(1)
					} else {
						put(0)
					}
				}
			}
		}
	}
	flush()
	return hex.EncodeToString(h.Sum(nil)), nil
}
