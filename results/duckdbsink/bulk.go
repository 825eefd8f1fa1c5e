package duckdbsink

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/cascade-research/cascade/results"
)

// defaultBulkRows is the table size from which appendTable loads rows
// through a temporary Parquet file instead of the row Appender: DuckDB
// then reads whole columns where the Appender takes one boxed value at a
// time. BenchmarkCommit1M measures a million estimated liquidations: the
// commit takes 0.76-0.94 of the Appender's time. Small tables stay on the
// Appender, where a file is only overhead; the threshold is not tuned.
const defaultBulkRows = 8192

// bulkLoad inserts t's n rows (with key in the column keyCol) into the
// table name: it writes them to a temporary uncompressed Parquet file (NaN
// floats as nulls) and runs INSERT ... SELECT from it on conn, naming the
// columns, so database columns t lacks are NULL as with the Appender.
//
// It returns errNoFile when it cannot write the temporary file (e.g. a
// read-only or full $TMPDIR); nothing has reached the database then, and
// the caller uses the Appender.
//
// Text for JSON columns (isJSON, by column name) goes through json(), which
// stores it minified as the Appender does.
func bulkLoad(ctx context.Context, conn *sql.Conn, name, keyCol string, key any, t results.Table, n int, isJSON map[string]bool) error {
	f, err := os.CreateTemp("", fmt.Sprintf("%s%d-*.parquet", bulkPrefix, os.Getpid()))
	if err != nil {
		return fmt.Errorf("%w: %w", errNoFile, err)
	}
	path := f.Name()
	defer os.Remove(path)
	buf := bufio.NewWriterSize(f, 1<<20)
	werr := writeParquet(struct{ io.Writer }{buf}, t, n) // hide Close: the Parquet writer closes what it can
	if werr == nil {
		werr = buf.Flush()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("%w: write %s for %s: %w", errNoFile, path, t.Name, werr)
	}
	names := make([]string, len(t.Cols))
	exprs := make([]string, len(t.Cols))
	for j, c := range t.Cols {
		names[j] = quoteIdent(c.Name)
		exprs[j] = names[j]
		if isJSON[c.Name] {
			exprs[j] = "json(" + names[j] + ")"
		}
	}
	q := fmt.Sprintf(`INSERT INTO %s (%s, %s) SELECT ?, %s FROM read_parquet('%s')`,
		quoteIdent(name), quoteIdent(keyCol), strings.Join(names, ", "), strings.Join(exprs, ", "), strings.ReplaceAll(path, "'", "''"))
	if _, err := conn.ExecContext(ctx, q, key); err != nil {
		return fmt.Errorf("bulk load %s: %w", t.Name, err)
	}
	return nil
}

// bulkPrefix starts the names of bulkLoad's temporary files, followed by
// the writing process's PID.
const bulkPrefix = "cascade-bulk-"

// removeStaleBulkFiles deletes the temporary files of bulkLoad that
// processes no longer running left in $TMPDIR (a process killed during a
// commit cannot remove its file) and returns how many it deleted.
func removeStaleBulkFiles() int {
	paths, _ := filepath.Glob(filepath.Join(os.TempDir(), bulkPrefix+"*.parquet"))
	n := 0
	for _, p := range paths {
		pid, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(p), bulkPrefix), "-")
		id, err := strconv.Atoi(pid)
		if !ok || err != nil || alive(id) {
			continue
		}
		if os.Remove(p) == nil {
			n++
		}
	}
	return n
}

// errNoFile reports that bulkLoad could not write its temporary file.
var errNoFile = errors.New("no temporary Parquet file for the bulk load")

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// writeParquet writes t's n rows to f as one Parquet row group per 1M
// rows, uncompressed (the file lives for one INSERT).
func writeParquet(f io.Writer, t results.Table, n int) error {
	fields := make([]arrow.Field, len(t.Cols))
	for j, c := range t.Cols {
		var dt arrow.DataType
		switch c.Type {
		case results.Float:
			dt = arrow.PrimitiveTypes.Float64
		case results.Int:
			dt = arrow.PrimitiveTypes.Int64
		case results.String:
			dt = arrow.BinaryTypes.String
		case results.Time:
			dt = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		case results.Date:
			dt = arrow.FixedWidthTypes.Date32
		case results.Bool:
			dt = arrow.FixedWidthTypes.Boolean
		default:
			return fmt.Errorf("column %s: unknown type %d", c.Name, c.Type)
		}
		fields[j] = arrow.Field{Name: c.Name, Type: dt, Nullable: c.Type == results.Float}
	}
	schema := arrow.NewSchema(fields, nil)
	mem := memory.DefaultAllocator
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Uncompressed),
		parquet.WithDictionaryDefault(false), parquet.WithStats(false), parquet.WithMaxRowGroupLength(1<<20))
	fw, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		return err
	}
	const chunk = 1 << 16
	arrs := make([]arrow.Array, len(t.Cols))
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		for j, c := range t.Cols {
			arrs[j] = buildArray(mem, c, lo, hi)
		}
		rec := array.NewRecord(schema, arrs, int64(hi-lo))
		err := fw.Write(rec)
		rec.Release()
		for _, a := range arrs {
			a.Release()
		}
		if err != nil {
			fw.Close()
			return err
		}
	}
	return fw.Close()
}

// buildArray returns rows lo..hi of c as an Arrow array.
func buildArray(mem memory.Allocator, c results.Column, lo, hi int) arrow.Array {
	switch c.Type {
	case results.Float:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		vals := c.F64[lo:hi]
		valid := make([]bool, len(vals))
		nulls := false
		for i, v := range vals {
			valid[i] = !math.IsNaN(v)
			nulls = nulls || !valid[i]
		}
		if !nulls {
			valid = nil
		}
		b.AppendValues(vals, valid)
		return b.NewArray()
	case results.Int:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(c.I64[lo:hi], nil)
		return b.NewArray()
	case results.String:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.AppendValues(c.Str[lo:hi], nil)
		return b.NewArray()
	case results.Time:
		b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
		defer b.Release()
		b.Reserve(hi - lo)
		for _, ts := range c.TS[lo:hi] {
			b.UnsafeAppend(arrow.Timestamp(ts.UnixMicro()))
		}
		return b.NewArray()
	case results.Date:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		b.Reserve(hi - lo)
		for _, ts := range c.TS[lo:hi] {
			b.UnsafeAppend(arrow.Date32FromTime(ts.UTC()))
		}
		return b.NewArray()
	default: // results.Bool
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.AppendValues(c.Bools[lo:hi], nil)
		return b.NewArray()
	}
}
