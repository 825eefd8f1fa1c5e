package duckdbsink

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	duckdb "github.com/marcboeker/go-duckdb/v2"

	"github.com/cascade-research/cascade/results"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrLocked reports that another process holds the database file.
var ErrLocked = errors.New("database is locked by another process")

// Options tunes Open.
type Options struct {
	// ReadOnly opens the database for queries only (no migrations).
	ReadOnly bool
	// LockTimeout is how long Open retries while another process holds
	// the file (default 30 s; 0 keeps the default, negative means no retry).
	LockTimeout time.Duration
	Logger      *slog.Logger
	// BeforeCommit, if set, is called inside CommitRun after every row has
	// been appended and before COMMIT (tests use it to kill the process at
	// the worst moment).
	BeforeCommit func()
	// Threads caps DuckDB's worker threads (0: DuckDB's default, one per
	// CPU).
	Threads int
	// BulkRows is the table size from which CommitRun loads a table's
	// rows with one INSERT from a table function over the rows in memory
	// rather than through the row Appender (0: 8192; negative: never).
	// The stored rows are the same.
	BulkRows int

	// schema, if > 0, stops the migrations at that version (tests build
	// files of older versions with it).
	schema int
}

// Store is an open results database.
type Store struct {
	path string
	db   *sql.DB
	conn *duckdb.Connector
	log  *slog.Logger
	ro   bool
	opt  Options

	scans scans // tables being bulk-loaded, for rowsFunc
	// The schema as CommitRun saw it first: the tables stored once per
	// content, and each table's columns. Only Open's migrations change
	// the schema, so both are read once per Store.
	schemaMu   sync.Mutex
	sharedRead bool
	shared     []string
	columns    map[string][]column
}

var lockPID = regexp.MustCompile(`\(PID (\d+)\)`)

// isLock reports whether err is DuckDB's file-lock conflict.
func isLock(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Could not set lock on file")
}

// lockError turns DuckDB's lock conflict into a plain explanation.
func lockError(path string, err error, waited time.Duration) error {
	who := "another process"
	if m := lockPID.FindStringSubmatch(err.Error()); m != nil {
		who = "process " + m[1]
		if pid, _ := strconv.Atoi(m[1]); pid > 0 {
			if b, rerr := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); rerr == nil {
				who += " (" + strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " ")) + ")"
			}
		}
	}
	return fmt.Errorf("%w: %s is held by %s; waited %s. Cascade holds a results file only while writing runs, and a batch gives it up after its current write to a cascade command that waits (and can leave a knock file beside it), so retry shortly (or raise --lock-timeout)",
		ErrLocked, path, who, waited.Round(time.Millisecond))
}

// Open opens (creating if needed, unless read-only) the database at path
// and brings its schema up to date.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := opt.LockTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if opt.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open results %s: %w", path, err)
		}
	} else if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open results %s: %w", path, err)
		}
	}
	var params []string
	if opt.ReadOnly {
		params = append(params, "access_mode=read_only")
	}
	if opt.Threads > 0 {
		params = append(params, fmt.Sprintf("threads=%d", opt.Threads))
	}
	dsn := path
	if len(params) > 0 {
		dsn += "?" + strings.Join(params, "&")
	}
	start := time.Now()
	delay := 20 * time.Millisecond
	knocked := false
	defer func() {
		if knocked {
			os.Remove(knockPath(path))
		}
	}()
	for {
		c, err := duckdb.NewConnector(dsn, nil)
		if err == nil {
			s := &Store{path: path, conn: c, db: sql.OpenDB(c), log: log, ro: opt.ReadOnly, opt: opt}
			s.db.SetMaxOpenConns(1)
			if !opt.ReadOnly {
				if err := s.migrate(ctx); err != nil {
					s.Close()
					return nil, err
				}
				if err := s.reapDead(ctx); err != nil {
					s.Close()
					return nil, err
				}
				if err := s.registerRowsFunc(ctx); err != nil {
					s.Close()
					return nil, err
				}
				if n := removeStaleBulkFiles(); n > 0 {
					log.Info("removed temporary bulk-load files of processes that ended", "files", n, "dir", os.TempDir())
				}
			}
			return s, nil
		}
		if !isLock(err) {
			return nil, fmt.Errorf("open results %s: %w", path, err)
		}
		waited := time.Since(start)
		if timeout < 0 || waited >= timeout {
			return nil, lockError(path, err, waited)
		}
		log.Info("results file locked; waiting", "path", path, "waited", waited)
		if knock(path) {
			knocked = true
		} else if !knocked {
			log.Debug("cannot leave a knock file; a batch holding the file lets others in only every 20 s", "path", knockPath(path))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("open results %s: %w", path, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, MaxLockRetry)
	}
}

// MaxLockRetry is the longest interval at which Open retries while
// another process holds the file.
const MaxLockRetry = time.Second

// While Open waits for a results file another process holds, it touches
// a knock file of its own (path + ".wait." + its PID) at every try and
// removes it once it has the file or gives up; a writer that holds the
// file for a while (cascade batch) checks Knocked and lets the waiting
// process in.

// knockFresh is how long a knock counts: a waiting Open touches it at least
// every MaxLockRetry; an older one was left by a process that ended.
const knockFresh = 3 * MaxLockRetry

// knockBase returns the start of the knock files' names of the results
// file at path (symbolic links resolved, so every name of the file knocks
// on the same door).
func knockBase(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return path + ".wait."
}

// knockPath returns this process's knock file for the results file at
// path.
func knockPath(path string) string { return knockBase(path) + strconv.Itoa(os.Getpid()) }

// knock touches this process's knock file for path and reports whether it
// could (a read-only directory cannot take one).
func knock(path string) bool {
	k := knockPath(path)
	now := time.Now()
	if err := os.Chtimes(k, now, now); err == nil {
		return true
	}
	return os.WriteFile(k, nil, 0o644) == nil
}

// Knocked reports whether another process is waiting to open the results
// file at path: a knock file was touched within knockFresh (a time ahead
// of this clock by more than a second, from a clock stepped back or
// another host's, does not count).
func Knocked(path string) bool {
	base := knockBase(path)
	own := base + strconv.Itoa(os.Getpid())
	ks, _ := filepath.Glob(base + "*")
	for _, k := range ks {
		if k == own {
			continue
		}
		if fi, err := os.Stat(k); err == nil {
			if age := time.Since(fi.ModTime()); age > -time.Second && age < knockFresh {
				return true
			}
		}
	}
	return false
}

// DB returns the underlying database handle (one connection).
func (s *Store) DB() *sql.DB { return s.db }

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// Close releases the database file.
func (s *Store) Close() error {
	return errors.Join(s.db.Close(), s.conn.Close())
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int {
	ms, _ := migrations()
	return len(ms)
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	ents, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(ents)
	var out []migration
	for i, e := range ents {
		b, err := migrationFS.ReadFile(e)
		if err != nil {
			return nil, err
		}
		base := filepath.Base(e)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		out = append(out, migration{v, base, string(b)})
	}
	return out, nil
}

// migrate applies pending migrations, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	var cur int
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&cur); err != nil {
		return fmt.Errorf("migrate %s: %w", s.path, err)
	}
	if cur > len(ms) {
		return fmt.Errorf("results %s has schema version %d, newer than this cascade's %d: upgrade cascade", s.path, cur, len(ms))
	}
	if s.opt.schema > 0 && s.opt.schema < len(ms) {
		ms = ms[:max(s.opt.schema, cur)]
	}
	for _, m := range ms[cur:] {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s to %s: %w", s.path, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, ?, ?)", m.version, m.name, time.Now().UTC()); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", s.path, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", s.path, err)
		}
		s.log.Info("applied migration", "db", s.path, "migration", m.name)
	}
	return nil
}

// reapDead marks running runs of this host whose process no longer exists
// as failed: they were killed before they could record their end.
func (s *Store) reapDead(ctx context.Context) error {
	host, _ := os.Hostname()
	rows, err := s.db.QueryContext(ctx, "SELECT run_id, pid FROM runs WHERE status = 'running' AND host = ?", host)
	if err != nil {
		return fmt.Errorf("check running runs: %w", err)
	}
	var dead []string
	for rows.Next() {
		var id string
		var pid int
		if err := rows.Scan(&id, &pid); err != nil {
			rows.Close()
			return err
		}
		if !alive(pid) {
			dead = append(dead, fmt.Sprintf("%s\x00%d", id, pid))
		}
	}
	rows.Close()
	for _, d := range dead {
		id, pid, _ := strings.Cut(d, "\x00")
		_, err := s.db.ExecContext(ctx, `UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE run_id = ? AND status = 'running'`,
			time.Now().UTC(), "process "+pid+" ended without finishing the run (killed or crashed); no result rows were committed", id)
		if err != nil {
			return fmt.Errorf("mark dead run %s: %w", id, err)
		}
	}
	return nil
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// BeginRun inserts the run's row with status running.
func (s *Store) BeginRun(ctx context.Context, r *results.Run) error {
	host, _ := os.Hostname()
	r.Status, r.PID, r.Host = results.StatusRunning, os.Getpid(), host
	_, err := s.db.ExecContext(ctx, `INSERT INTO runs (run_id, scenario, scenario_hash, scenario_json, data_fingerprint, code_version, seed,
		data_from, data_to, started_at, status, pid, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Scenario, r.ScenarioHash, r.ScenarioJSON, nullStr(r.DataFingerprint), r.CodeVersion, r.Seed,
		nullTime(r.DataFrom), nullTime(r.DataTo), r.Started.UTC(), string(r.Status), r.PID, r.Host)
	if err != nil {
		return fmt.Errorf("record run start in %s: %w", s.path, err)
	}
	return nil
}

// EndRun records a run that ended without results (failed or cancelled).
func (s *Store) EndRun(ctx context.Context, r *results.Run) error {
	_, err := s.db.ExecContext(ctx, `UPDATE runs SET status = ?, finished_at = ?, error = ?, events = ? WHERE run_id = ?`,
		string(r.Status), r.Finished.UTC(), nullStr(r.Error), r.Events, r.ID)
	if err != nil {
		return fmt.Errorf("record run end in %s: %w", s.path, err)
	}
	return nil
}

// CommitRun appends the run's tables and marks it completed, all in one
// transaction: either every row becomes visible with the completed status,
// or nothing does.
func (s *Store) CommitRun(ctx context.Context, r *results.Run, tables []results.Table) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("commit run %s: %w", r.ID, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("commit run %s: %w", r.ID, err)
	}
	defer func() {
		if err != nil {
			if _, rerr := conn.ExecContext(context.Background(), "ROLLBACK"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
			}
		}
	}()
	shared, err := s.sharedTables(ctx, conn)
	if err != nil {
		return fmt.Errorf("commit run %s: %w", r.ID, err)
	}
	for _, t := range tables {
		if err := s.storeTable(ctx, conn, r.ID, t, slices.Contains(shared, t.Name)); err != nil {
			return fmt.Errorf("commit run %s: %w", r.ID, err)
		}
	}
	res, err := conn.ExecContext(ctx, `UPDATE runs SET status = 'completed', finished_at = ?, digest = ?, events = ?, data_quality = ?, error = NULL
		WHERE run_id = ? AND status = 'running'`, r.Finished.UTC(), r.Digest, r.Events, nullStr(r.DataQuality), r.ID)
	if err != nil {
		return fmt.Errorf("commit run %s: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("commit run %s: no running row for it in %s", r.ID, s.path)
	}
	if s.opt.BeforeCommit != nil {
		s.opt.BeforeCommit()
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit run %s: %w", r.ID, err)
	}
	r.Status = results.StatusCompleted
	return nil
}

// storeTable stores t's rows for the run on the transaction's connection.
// A table the schema shares between runs (shared: a view t.Name over the
// table t.Name+"_rows", see sharedTables and migration 8) is stored once
// per distinct content: its rows go to t.Name+"_rows" under a set_id
// (setID), unless a set with that id is already there, and table_sets
// links the run to the set. An empty shared table links nothing: the view
// shows no rows for the run either way. Other tables get their rows with
// run_id.
func (s *Store) storeTable(ctx context.Context, conn *sql.Conn, runID string, t results.Table, shared bool) error {
	n, err := t.Rows()
	if err != nil {
		return err
	}
	if !shared {
		cols, err := s.tableColumns(ctx, conn, t.Name)
		if err != nil {
			return err
		}
		return s.appendTable(ctx, conn, t.Name, cols, "run_id", runID, t, n)
	}
	if n == 0 {
		return nil
	}
	cols, err := s.tableColumns(ctx, conn, t.Name+sharedSuffix)
	if err != nil {
		return err
	}
	id, err := setID(t, cols)
	if err != nil {
		return err
	}
	var have bool
	if err := conn.QueryRowContext(ctx, `SELECT count(*) > 0 FROM table_sets WHERE table_name = ? AND set_id = ?`, t.Name, id).Scan(&have); err != nil {
		return fmt.Errorf("table %s: %w", t.Name, err)
	}
	if !have {
		if err := s.appendTable(ctx, conn, t.Name+sharedSuffix, cols, "set_id", id, t, n); err != nil {
			return err
		}
	} else {
		s.log.Debug("rows already stored", "table", t.Name, "rows", n, "set", id)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO table_sets (run_id, table_name, set_id) VALUES (?, ?, ?)`, runID, t.Name, id); err != nil {
		return fmt.Errorf("table %s: link run to its rows: %w", t.Name, err)
	}
	return nil
}

// sharedSuffix names the table holding a shared table's rows (migration 8).
const sharedSuffix = "_rows"

// setFormat names how CommitRun turns a table's values into stored rows
// (NaN as NULL, JSON text minified, ...). It is part of every set_id, so a
// change to that conversion must change it: runs of a newer binary then
// store their rows anew instead of linking rows converted the old way.
const setFormat = "cascade-rows-1"

// setID returns the set_id of t's rows stored in a table with columns
// cols: the first 64 bits of the SHA-256 of setFormat, the columns with
// their types, and results.Digest of t (its name, columns and every
// value). Two different contents share an id with probability about
// n²/2⁶⁵ for n sets of a table in one file.
func setID(t results.Table, cols []column) (int64, error) {
	d, err := results.Digest([]results.Table{t})
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", setFormat)
	for _, c := range cols {
		fmt.Fprintf(h, "%s %s\x00", c.name, c.typ)
	}
	h.Write([]byte(d))
	return int64(binary.BigEndian.Uint64(h.Sum(nil))), nil
}

// legacySet is the SQL for the set_id of the rows a run stored before
// schema 8 (the run's id in run_id): migration 8 and Merge of older shards
// number them alike.
const legacySet = "(hash(run_id) & 9223372036854775807)::BIGINT"

// column is a database table's column.
type column struct {
	name, typ string
}

// sharedTables returns sharedTables of the Store's database, read on the
// first call.
func (s *Store) sharedTables(ctx context.Context, conn *sql.Conn) ([]string, error) {
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if !s.sharedRead {
		shared, err := sharedTables(ctx, conn, "")
		if err != nil {
			return nil, err
		}
		s.shared, s.sharedRead = shared, true
	}
	return s.shared, nil
}

// tableColumns returns tableColumns(name), read on the first call for
// name.
func (s *Store) tableColumns(ctx context.Context, conn *sql.Conn, name string) ([]column, error) {
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if cols, ok := s.columns[name]; ok {
		return cols, nil
	}
	cols, err := tableColumns(ctx, conn, name)
	if err != nil {
		return nil, err
	}
	if s.columns == nil {
		s.columns = map[string][]column{}
	}
	s.columns[name] = cols
	return cols, nil
}

// tableColumns returns the columns of the main table name in column order
// (none if there is no such table).
func tableColumns(ctx context.Context, conn *sql.Conn, name string) ([]column, error) {
	rows, err := conn.QueryContext(ctx, `SELECT c.column_name, c.data_type FROM duckdb_columns() c
		JOIN duckdb_tables() t ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
		WHERE c.table_name = ? AND c.schema_name = 'main' AND c.database_name = current_database() ORDER BY c.column_index`, name)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", name, err)
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("columns of %s: %w", name, err)
	}
	return cols, nil
}

// appendTable appends t's n rows to the database table name (columns
// cols), with key (the column keyCol, first in the table) in front,
// through the Appender on the transaction's connection or, for large
// tables, bulkLoad. Columns are matched by name to the table's columns in
// the database; database columns t lacks are NULL, a column of t the
// database lacks is an error.
func (s *Store) appendTable(ctx context.Context, conn *sql.Conn, name string, cols []column, keyCol string, key any, t results.Table, n int) error {
	dbCols := make([]string, len(cols))
	isJSON := make([]bool, len(cols))
	for k, c := range cols {
		dbCols[k], isJSON[k] = c.name, c.typ == "JSON"
	}
	if len(dbCols) == 0 || dbCols[0] != keyCol {
		return fmt.Errorf("table %s: not in the results schema (columns %v)", t.Name, dbCols)
	}
	pos := make([]int, len(dbCols)) // index into t.Cols, or -1
	used := 0
	for k, c := range dbCols {
		pos[k] = -1
		for j := range t.Cols {
			if t.Cols[j].Name == c {
				pos[k] = j
				used++
			}
		}
	}
	if used != len(t.Cols) {
		for j := range t.Cols {
			if !slices.Contains(dbCols, t.Cols[j].Name) {
				return fmt.Errorf("table %s has no column %s", t.Name, t.Cols[j].Name)
			}
		}
	}
	if bulk := s.opt.BulkRows; n > 0 && (bulk == 0 && n >= defaultBulkRows || bulk > 0 && n >= bulk) {
		jsonCols := map[string]bool{}
		for k, c := range dbCols {
			jsonCols[c] = isJSON[k]
		}
		return s.bulkLoad(ctx, conn, name, keyCol, key, t, n, jsonCols)
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", name)
		if err != nil {
			return fmt.Errorf("appender for %s: %w", name, err)
		}
		row := make([]driver.Value, len(dbCols))
		row[0] = key
		for i := 0; i < n; i++ {
			for k := 1; k < len(dbCols); k++ {
				if j := pos[k]; j >= 0 && isJSON[k] && t.Cols[j].Type == results.String {
					// The JSON text itself: a plain string would be
					// stored as a JSON string holding the text.
					row[k] = json.RawMessage(t.Cols[j].Str[i])
				} else if j >= 0 {
					row[k] = t.Cols[j].Value(i)
				} else {
					row[k] = nil
				}
			}
			if err := app.AppendRow(row...); err != nil {
				app.Close()
				return fmt.Errorf("append %s row %d: %w", t.Name, i, err)
			}
			if i&0xffff == 0 && ctx.Err() != nil {
				app.Close()
				return ctx.Err()
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("flush %s: %w", t.Name, err)
		}
		return nil
	})
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// CompletedRuns returns the key fields (ID, scenario, scenario hash, data
// fingerprint, code version, digest) of every completed run.
func (s *Store) CompletedRuns(ctx context.Context) ([]results.Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, scenario, scenario_hash, coalesce(data_fingerprint, ''), code_version, coalesce(digest, '')
		FROM runs WHERE status = 'completed' ORDER BY started_at, run_id`)
	if err != nil {
		return nil, fmt.Errorf("list completed runs in %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []results.Run
	for rows.Next() {
		var r results.Run
		if err := rows.Scan(&r.ID, &r.Scenario, &r.ScenarioHash, &r.DataFingerprint, &r.CodeVersion, &r.Digest); err != nil {
			return nil, err
		}
		r.Status = results.StatusCompleted
		out = append(out, r)
	}
	return out, rows.Err()
}

// minMergeVersion is the oldest shard schema Merge takes: versions 6 and 7
// have the same columns.
const minMergeVersion = 6

// unwrapJSON returns migration 7's statements (hypothesis_events JSON
// columns holding JSON strings of an object's text become the objects),
// restricted by the extra WHERE condition cond.
func unwrapJSON(cond string) string {
	return `UPDATE hypothesis_events SET features = CAST(features->>'$' AS JSON) WHERE json_type(features) = 'VARCHAR'` + cond + `;
UPDATE hypothesis_events SET returns = CAST(returns->>'$' AS JSON) WHERE json_type(returns) = 'VARCHAR'` + cond + `;`
}

// Merge copies into this store every finished run of the shard database
// at path (runs already present, by run_id, and runs this store pruned
// are skipped), with all their result rows, in one transaction; shared
// rows (migration 8) this store already holds are linked, not copied. The
// shard's schema version must be between minMergeVersion and this
// binary's. It returns the number of runs added.
func (s *Store) Merge(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	quoted := "'" + strings.ReplaceAll(path, "'", "''") + "'"
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoted+" AS shard (READ_ONLY)"); err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	defer conn.ExecContext(context.Background(), "DETACH shard")
	var theirs int
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM shard.schema_migrations").Scan(&theirs); err != nil {
		return 0, fmt.Errorf("merge %s: not a Cascade results file? %w", path, err)
	}
	if theirs < minMergeVersion || theirs > SchemaVersion() {
		return 0, fmt.Errorf("merge %s: schema version %d, want %d..%d (upgrade an older shard by opening it for writing with this cascade: cascade sql --write --db %s 'select 1'; merge a newer one with the cascade that wrote it)",
			path, theirs, minMergeVersion, SchemaVersion(), path)
	}
	tables, err := runTables(ctx, conn, "shard")
	if err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	shared, err := sharedTables(ctx, conn, "")
	if err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	theirShared, err := sharedTables(ctx, conn, "shard")
	if err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		if !ok {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE merge_ids AS SELECT run_id FROM shard.runs
		WHERE status <> 'running' AND run_id NOT IN (SELECT run_id FROM runs) AND run_id NOT IN (SELECT run_id FROM pruned_runs)`); err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	// Shared rows (migration 8) first: table_sets, copied with the other
	// run tables below, still says which sets this file already has.
	for _, t := range shared {
		var qs []string
		switch {
		case slices.Contains(theirShared, t):
			qs = []string{fmt.Sprintf(`INSERT INTO %[1]q BY NAME SELECT * FROM shard.%[1]q
				WHERE set_id IN (SELECT set_id FROM shard.table_sets WHERE table_name = '%[2]s' AND run_id IN (SELECT run_id FROM merge_ids))
				AND set_id NOT IN (SELECT set_id FROM table_sets WHERE table_name = '%[2]s')`, t+sharedSuffix, t)}
		case slices.Contains(tables, t):
			// A shard older than version 8 keeps the rows by run_id: each
			// run's rows become a set named by the run, as migration 8
			// does.
			tables = slices.DeleteFunc(tables, func(x string) bool { return x == t })
			qs = []string{
				fmt.Sprintf(`INSERT INTO %q BY NAME SELECT * EXCLUDE (run_id), %s AS set_id FROM shard.%q WHERE run_id IN (SELECT run_id FROM merge_ids)`, t+sharedSuffix, legacySet, t),
				fmt.Sprintf(`INSERT INTO table_sets SELECT DISTINCT run_id, '%[1]s', %[2]s FROM shard.%[1]q WHERE run_id IN (SELECT run_id FROM merge_ids)`, t, legacySet),
			}
		}
		for _, q := range qs {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return 0, fmt.Errorf("merge %s table %s: %w", path, t, err)
			}
		}
	}
	for _, t := range tables {
		q := fmt.Sprintf(`INSERT INTO %q BY NAME SELECT * FROM shard.%q WHERE run_id IN (SELECT run_id FROM merge_ids)`, t, t)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("merge %s table %s: %w", path, t, err)
		}
	}
	// Schema 7 only unwrapped JSON text stored as JSON strings: repeat it
	// for the runs copied from an older shard (a no-op for newer ones).
	if _, err := conn.ExecContext(ctx, unwrapJSON(" AND run_id IN (SELECT run_id FROM merge_ids)")); err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	res, err := conn.ExecContext(ctx, `INSERT INTO runs BY NAME SELECT * FROM shard.runs WHERE run_id IN (SELECT run_id FROM merge_ids)`)
	if err != nil {
		return 0, fmt.Errorf("merge %s runs: %w", path, err)
	}
	n, _ := res.RowsAffected()
	if _, err := conn.ExecContext(ctx, "DROP TABLE merge_ids"); err != nil {
		return 0, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, fmt.Errorf("merge %s: %w", path, err)
	}
	ok = true
	return int(n), nil
}
