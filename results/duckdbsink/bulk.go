package duckdbsink

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/marcboeker/go-duckdb/v2"

	"github.com/cascade-research/cascade/results"
)

// defaultBulkRows is the table size from which appendTable loads rows
// through bulkLoad instead of the row Appender: DuckDB then reads the
// columns a chunk at a time where the Appender takes one boxed value at a
// time. BenchmarkCommit1M measures a million estimated liquidations
// (bulk-vs-appender). Small tables stay on the Appender, which plans no
// query; the threshold is not tuned.
const defaultBulkRows = 8192

// rowsFunc is the table function through which bulkLoad hands a table's
// rows to DuckDB: cascade_rows(id) returns the columns of the table the
// Store's scans hold under id.
const rowsFunc = "cascade_rows"

// scans holds the tables bulkLoad is loading, by id, for rowsFunc. Each
// Store has its own and registers rowsFunc with a closure over it.
type scans struct {
	mu   sync.Mutex
	next int64
	tabs map[int64]scanTable
}

type scanTable struct {
	t results.Table
	n int
}

// add makes t's first n rows readable as cascade_rows(id) until done is
// called.
func (s *scans) add(t results.Table, n int) (id int64, done func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tabs == nil {
		s.tabs = map[int64]scanTable{}
	}
	s.next++
	id = s.next
	s.tabs[id] = scanTable{t, n}
	return id, func() {
		s.mu.Lock()
		delete(s.tabs, id)
		s.mu.Unlock()
	}
}

// get returns the table held under id.
func (s *scans) get(id int64) (scanTable, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.tabs[id]
	return st, ok
}

// registerRowsFunc registers rowsFunc in the Store's database (DuckDB
// keeps table functions in its system catalogue, so every connection of
// the Store sees it).
func (s *Store) registerRowsFunc(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open results %s: %w", s.path, err)
	}
	defer conn.Close()
	bigint, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	if err != nil {
		return err
	}
	err = duckdb.RegisterTableUDF(conn, rowsFunc, duckdb.ChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{bigint}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ChunkTableSource, error) {
			id, _ := args[0].(int64)
			st, ok := s.scans.get(id)
			if !ok {
				return nil, fmt.Errorf("%s(%d): no table is being loaded under that id", rowsFunc, id)
			}
			return newRowSource(st.t, st.n)
		},
	})
	if err != nil {
		return fmt.Errorf("open results %s: register %s: %w", s.path, rowsFunc, err)
	}
	return nil
}

// rowSource streams a results.Table's rows to DuckDB a chunk at a time,
// typed as the Appender would store them (floats as DOUBLE with NaN as
// NULL, times as TIMESTAMPTZ, dates as DATE).
type rowSource struct {
	t     results.Table
	n     int
	pos   int
	infos []duckdb.ColumnInfo
}

func newRowSource(t results.Table, n int) (*rowSource, error) {
	infos := make([]duckdb.ColumnInfo, len(t.Cols))
	for j, c := range t.Cols {
		var typ duckdb.Type
		switch c.Type {
		case results.Float:
			typ = duckdb.TYPE_DOUBLE
		case results.Int:
			typ = duckdb.TYPE_BIGINT
		case results.String:
			typ = duckdb.TYPE_VARCHAR
		case results.Time:
			typ = duckdb.TYPE_TIMESTAMP_TZ
		case results.Date:
			typ = duckdb.TYPE_DATE
		case results.Bool:
			typ = duckdb.TYPE_BOOLEAN
		default:
			return nil, fmt.Errorf("table %s column %s: unknown type %d", t.Name, c.Name, c.Type)
		}
		ti, err := duckdb.NewTypeInfo(typ)
		if err != nil {
			return nil, err
		}
		infos[j] = duckdb.ColumnInfo{Name: c.Name, T: ti}
	}
	return &rowSource{t: t, n: n, infos: infos}, nil
}

// ColumnInfos returns the table's columns.
func (r *rowSource) ColumnInfos() []duckdb.ColumnInfo { return r.infos }

// Cardinality returns the number of rows.
func (r *rowSource) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(r.n), Exact: true}
}

// Init starts at the first row (the rows are already in memory).
func (r *rowSource) Init() { r.pos = 0 }

// FillChunk fills ch with the next rows, none at the end. ch holds the
// columns the query asks for, in its order (go-duckdb pushes projections
// down and gives no mapping back), so every query over rowsFunc must
// select all of the table's columns, each once, in the table's order.
func (r *rowSource) FillChunk(ch duckdb.DataChunk) error {
	lo := r.pos
	hi := min(r.n, lo+duckdb.GetDataChunkCapacity())
	for j, c := range r.t.Cols {
		if i, err := fillColumn(ch, j, c, lo, hi); err != nil {
			return fmt.Errorf("table %s row %d column %s: %w", r.t.Name, lo+i, c.Name, err)
		}
	}
	r.pos = hi
	return ch.SetSize(hi - lo)
}

// fillColumn sets rows lo..hi of c as column j of ch; on error it returns
// the row (from lo) that failed.
func fillColumn(ch duckdb.DataChunk, j int, c results.Column, lo, hi int) (int, error) {
	switch c.Type {
	case results.Float:
		for i, v := range c.F64[lo:hi] {
			var err error
			if math.IsNaN(v) {
				err = ch.SetValue(j, i, nil)
			} else {
				err = duckdb.SetChunkValue(ch, j, i, v)
			}
			if err != nil {
				return i, err
			}
		}
	case results.Int:
		return fill(ch, j, c.I64[lo:hi])
	case results.String:
		return fill(ch, j, c.Str[lo:hi])
	case results.Time, results.Date:
		return fill(ch, j, c.TS[lo:hi])
	case results.Bool:
		return fill(ch, j, c.Bools[lo:hi])
	}
	return 0, nil
}

func fill[T any](ch duckdb.DataChunk, j int, vals []T) (int, error) {
	for i, v := range vals {
		if err := duckdb.SetChunkValue(ch, j, i, v); err != nil {
			return i, err
		}
	}
	return 0, nil
}

// bulkLoad inserts t's n rows (with key in the column keyCol) into the
// table name with INSERT ... SELECT from rowsFunc, naming the columns, so
// database columns t lacks are NULL as with the Appender. Text for JSON
// columns (isJSON, by column name) goes through json(), which stores it
// minified as the Appender does.
func (s *Store) bulkLoad(ctx context.Context, conn *sql.Conn, name, keyCol string, key any, t results.Table, n int, isJSON map[string]bool) error {
	id, done := s.scans.add(t, n)
	defer done()
	names := make([]string, len(t.Cols))
	exprs := make([]string, len(t.Cols))
	for j, c := range t.Cols {
		names[j] = quoteIdent(c.Name)
		exprs[j] = names[j]
		if isJSON[c.Name] {
			exprs[j] = "json(" + names[j] + ")"
		}
	}
	// Every column once, in t's order (rowSource.FillChunk).
	q := fmt.Sprintf(`INSERT INTO %s (%s, %s) SELECT ?, %s FROM %s(%d)`,
		quoteIdent(name), quoteIdent(keyCol), strings.Join(names, ", "), strings.Join(exprs, ", "), rowsFunc, id)
	if _, err := conn.ExecContext(ctx, q, key); err != nil {
		return fmt.Errorf("bulk load %s into %s (%s %v): %w", t.Name, name, keyCol, key, err)
	}
	return nil
}

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// bulkPrefix starts the names of the temporary Parquet files through
// which binaries before the rowsFunc loader bulk-loaded tables, followed
// by the writing process's PID.
const bulkPrefix = "cascade-bulk-"

// removeStaleBulkFiles deletes the temporary files that earlier binaries'
// bulk loads left in $TMPDIR (a process killed during a commit could not
// remove its file) when their processes no longer run, and returns how
// many it deleted.
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
