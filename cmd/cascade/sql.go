package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/results/duckdbsink"
)

func (a *app) sqlCmd() *cobra.Command {
	var db, format, file string
	var write bool
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "sql \"QUERY\" | sql --file FILE.sql",
		Short: "Query a results database (read-only by default)",
		Long: `Run SQL against a results DuckDB file and print the rows.

The database is opened read-only unless --write is given. If a run is
committing at that moment the query waits (up to --lock-timeout) and then
says which process holds the file.

--file runs every statement of a SQL file (each ending with ";" at the end
of a line) and prints each result after the comment lines that precede
it, with the "-- " removed: with --format markdown, a file of commented
queries becomes a document (make real-history writes
results/real-history.md this way from docs/real-history.sql).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "table", "csv", "json", "markdown":
			default:
				return usagef("--format %q: want table, csv, json or markdown", format)
			}
			if (file == "") == (len(args) == 0) {
				return usagef("give a query or --file, not both")
			}
			store, err := duckdbsink.Open(cmd.Context(), db, duckdbsink.Options{ReadOnly: !write, LockTimeout: lockTimeout, Logger: a.log})
			if err != nil {
				return err
			}
			defer store.Close()
			if file != "" {
				return queryFile(cmd.Context(), store.DB(), file, format, a.stdout)
			}
			return query(cmd.Context(), store.DB(), args[0], format, a.stdout)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "run every statement of this SQL file, printing its comments as text")
	cmd.Flags().StringVar(&db, "db", "results/cascade.duckdb", "results DuckDB file")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv, json or markdown")
	cmd.Flags().BoolVar(&write, "write", false, "open the database for writing")
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 5*time.Second, "how long to wait while another process holds the file")
	return cmd
}

func (a *app) runsCmd() *cobra.Command {
	var db, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List the runs in a results database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := duckdbsink.Open(cmd.Context(), db, duckdbsink.Options{ReadOnly: true, LockTimeout: 5 * time.Second, Logger: a.log})
			if err != nil {
				return err
			}
			defer store.Close()
			q := fmt.Sprintf(`SELECT run_id, scenario, status, started_at, round(epoch(finished_at) - epoch(started_at), 2) AS seconds,
				events, left(scenario_hash, 12) AS scenario_hash, left(digest, 12) AS digest, error
				FROM runs ORDER BY started_at DESC, run_id DESC LIMIT %d`, limit)
			return query(cmd.Context(), store.DB(), q, format, a.stdout)
		},
	}
	cmd.Flags().StringVar(&db, "db", "results/cascade.duckdb", "results DuckDB file")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	cmd.Flags().IntVar(&limit, "limit", 50, "show at most this many runs, newest first")
	return cmd
}

// query runs q and writes its rows in the given format.
func query(ctx context.Context, db *sql.DB, q, format string, w io.Writer) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return usagef("query: %v", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out [][]any
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make([]any, len(vals))
		copy(row, vals)
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	switch format {
	case "json":
		recs := make([]map[string]any, 0, len(out))
		for _, r := range out {
			m := make(map[string]any, len(cols))
			for i, c := range cols {
				m[c] = jsonValue(r[i])
			}
			recs = append(recs, m)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(cols)
		for _, r := range out {
			rec := make([]string, len(r))
			for i, v := range r {
				rec[i] = text(v)
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	if format == "markdown" {
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
		for _, r := range out {
			rec := make([]string, len(r))
			for i, v := range r {
				rec[i] = strings.NewReplacer("|", "\\|", "\r\n", "<br>", "\n", "<br>").Replace(text(v))
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(rec, " | "))
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range out {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = text(v)
		}
		fmt.Fprintln(tw, strings.Join(rec, "\t"))
	}
	fmt.Fprintf(tw, "(%d rows)\n", len(out))
	return tw.Flush()
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.UTC().Format("2006-01-02")
		}
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case float64:
		return fmt.Sprintf("%.10g", x)
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// queryFile runs the statements of a SQL file in order, printing the
// comment lines before each statement (without "-- ") and its result.
func queryFile(ctx context.Context, db *sql.DB, path, format string, w io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return usagef("--file: %v", err)
	}
	var prose, stmt []string
	n := 0
	for i, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case len(stmt) == 0 && (t == "--" || strings.HasPrefix(t, "-- ")):
			prose = append(prose, strings.TrimPrefix(strings.TrimPrefix(t, "--"), " "))
		case len(stmt) == 0 && t == "":
			if len(prose) > 0 {
				prose = append(prose, "")
			}
		default:
			stmt = append(stmt, line)
			if code, _, _ := strings.Cut(t, "--"); strings.HasSuffix(strings.TrimSpace(code), ";") {
				n++
				fmt.Fprintln(w, strings.TrimRight(strings.Join(prose, "\n"), "\n"))
				fmt.Fprintln(w)
				if err := query(ctx, db, strings.Join(stmt, "\n"), format, w); err != nil {
					return fmt.Errorf("%s: statement %d (ending at line %d): %w", path, n, i+1, err)
				}
				fmt.Fprintln(w)
				prose, stmt = nil, nil
			}
		}
	}
	if len(stmt) > 0 {
		return usagef("%s: the last statement does not end with \";\"", path)
	}
	if len(prose) > 0 {
		fmt.Fprintln(w, strings.TrimRight(strings.Join(prose, "\n"), "\n"))
	}
	return nil
}
