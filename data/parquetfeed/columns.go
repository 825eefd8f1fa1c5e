package parquetfeed

import (
	"fmt"
	"math"

	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/schema"

	"github.com/cascade-research/cascade/engine"
)

// colSpec names a column a kind reads and its expected physical type.
type colSpec struct {
	name     string
	typ      parquet.Type
	optional bool // the column may be absent from the file
}

// column decodes one Parquet column of the current row group in batches.
type column struct {
	spec     colSpec
	idx      int // column index in the file, -1 if absent
	nullable bool
	maxDef   int16
	maxRep   int16
	reader   file.ColumnChunkReader // Arrow's reader, when not on the fast path
	fast     fastState
	// rule is the validation the kind applies to every value (ruleNone if
	// none or not per value); clean is set by read when every value of
	// the batch came from a dictionary whose entries all pass the rule, so
	// validation can skip the column.
	rule  uint8
	clean bool
	// chunks opened on the fast path and with Arrow's reader (for tests)
	nFast, nArrow int
	i64           []int64
	i32           []int32
	f64           []float64
	ba            []parquet.ByteArray
	def           []int16
	packed        []float64 // nullable float: packed non-null values before spreading
	strs          []string  // byte-array values as strings (cached)
	lastStr       string
	tsScale       int64 // ts column: nanoseconds per stored unit
}

func newColumn(spec colSpec, batch int) *column {
	c := &column{spec: spec, idx: -1}
	switch spec.typ {
	case parquet.Types.Int64:
		c.i64 = make([]int64, batch)
	case parquet.Types.Int32:
		c.i32 = make([]int32, batch)
	case parquet.Types.Double:
		c.f64 = make([]float64, batch)
		c.packed = make([]float64, batch)
	case parquet.Types.ByteArray:
		c.ba = make([]parquet.ByteArray, batch)
		c.strs = make([]string, batch)
	}
	c.def = make([]int16, batch)
	return c
}

// bind locates the column in a file's schema and checks its type.
func (c *column) bind(path string, sc *schema.Schema) error {
	c.idx = sc.ColumnIndexByName(c.spec.name)
	if c.idx < 0 {
		if c.spec.optional {
			return nil
		}
		return fmt.Errorf("%s: missing column %q (want %s)", path, c.spec.name, c.spec.typ)
	}
	col := sc.Column(c.idx)
	if col.PhysicalType() != c.spec.typ {
		return fmt.Errorf("%s: column %q has type %s, want %s", path, c.spec.name, col.PhysicalType(), c.spec.typ)
	}
	c.maxDef = col.MaxDefinitionLevel()
	c.maxRep = col.MaxRepetitionLevel()
	c.nullable = c.maxDef > 0
	if c.spec.name == "ts" {
		lt, ok := col.LogicalType().(*schema.TimestampLogicalType)
		if !ok {
			return fmt.Errorf("%s: column ts has logical type %s, want a TIMESTAMP (UTC)", path, col.LogicalType())
		}
		switch lt.TimeUnit() {
		case schema.TimeUnitMillis:
			c.tsScale = int64(engine.Millisecond)
		case schema.TimeUnitMicros:
			c.tsScale = int64(engine.Microsecond)
		case schema.TimeUnitNanos:
			c.tsScale = 1
		default:
			return fmt.Errorf("%s: column ts has an unknown time unit", path)
		}
	}
	return nil
}

// open starts reading the column in row group i of f: on the fast path
// when the chunk allows it, else with Arrow's column-chunk reader.
func (c *column) open(f *file.Reader, i int, src *fileSrc) error {
	c.reader = nil
	c.fast.on = false
	if c.idx < 0 {
		return nil
	}
	ok, err := c.openFast(f.MetaData().RowGroup(i), src)
	if err != nil {
		return fmt.Errorf("column %q: %w", c.spec.name, err)
	}
	if ok {
		c.nFast++
		return nil
	}
	c.nArrow++
	r, err := f.RowGroup(i).Column(c.idx)
	if err != nil {
		return err
	}
	c.reader = r
	return nil
}

// read decodes the next n rows into the column's buffers. Nulls become NaN
// for float columns; for other nullable columns the def levels say which
// rows are null.
func (c *column) read(n int) error {
	c.clean = false
	if c.fast.on {
		return c.readFast(n)
	}
	if c.reader == nil {
		if c.f64 != nil {
			for i := 0; i < n; i++ {
				c.f64[i] = math.NaN()
			}
		}
		return nil
	}
	var def []int16
	if c.nullable {
		def = c.def[:n]
	}
	var total int64
	var vals int
	var err error
	switch r := c.reader.(type) {
	case *file.Int64ColumnChunkReader:
		total, vals, err = r.ReadBatch(int64(n), c.i64[:n], def, nil)
	case *file.Int32ColumnChunkReader:
		total, vals, err = r.ReadBatch(int64(n), c.i32[:n], def, nil)
	case *file.Float64ColumnChunkReader:
		if c.nullable {
			total, vals, err = r.ReadBatch(int64(n), c.packed[:n], def, nil)
			if err == nil {
				c.spread(n, vals)
			}
		} else {
			total, vals, err = r.ReadBatch(int64(n), c.f64[:n], nil, nil)
		}
	case *file.ByteArrayColumnChunkReader:
		total, vals, err = r.ReadBatch(int64(n), c.ba[:n], def, nil)
		if err == nil {
			c.toStrings(n, vals, def)
		}
	default:
		return fmt.Errorf("column %q: unsupported reader %T", c.spec.name, c.reader)
	}
	if err != nil {
		return fmt.Errorf("column %q: %w", c.spec.name, err)
	}
	if int(total) != n {
		return fmt.Errorf("column %q: read %d rows, want %d (truncated column chunk?)", c.spec.name, total, n)
	}
	if !c.nullable && vals != n {
		return fmt.Errorf("column %q: read %d values, want %d", c.spec.name, vals, n)
	}
	return nil
}

// spread places packed non-null values at their rows, NaN elsewhere.
func (c *column) spread(n, vals int) {
	if vals == n {
		copy(c.f64[:n], c.packed[:n])
		return
	}
	j := 0
	for i := 0; i < n; i++ {
		if c.def[i] == c.maxDef && j < vals {
			c.f64[i] = c.packed[j]
			j++
		} else {
			c.f64[i] = math.NaN()
		}
	}
}

// toStrings converts byte-array values to strings, reusing the previous
// string when bytes repeat (the common case: dictionary-encoded names).
func (c *column) toStrings(n, vals int, def []int16) {
	j := 0
	for i := 0; i < n; i++ {
		if def != nil && def[i] < c.maxDef {
			c.strs[i] = ""
			continue
		}
		if j >= vals {
			c.strs[i] = ""
			continue
		}
		b := c.ba[j]
		j++
		if string(b) != c.lastStr { // no allocation for the comparison
			c.lastStr = string(b)
		}
		c.strs[i] = c.lastStr
	}
}
