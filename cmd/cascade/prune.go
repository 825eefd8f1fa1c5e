package main

import (
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/results/duckdbsink"
)

func (a *app) pruneCmd() *cobra.Command {
	var db string
	var keep int
	var dryRun bool
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "prune [--db PATH] [--keep N] [--dry-run]",
		Short: "Delete old runs and their rows from a results database",
		Long: `Keep, per scenario, the --keep newest completed runs, every running run and
the failed or cancelled runs newer than the newest completed one; delete the
other runs and all their result rows in one transaction. A nightly batch adds a
full set of runs whenever the code or the data changes, so run this after it
(make nightly does, with --keep 3). DuckDB reuses the freed space for later
runs; the file does not shrink. --dry-run prints what would go.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keep < 1 {
				return usagef("--keep %d: want >= 1", keep)
			}
			if _, err := os.Stat(db); err != nil { // do not create a file at a mistyped path
				return fmt.Errorf("prune: %w", err)
			}
			// A dry run changes nothing, not even the schema version.
			store, err := duckdbsink.Open(cmd.Context(), db, duckdbsink.Options{LockTimeout: lockTimeout, Logger: a.log, ReadOnly: dryRun})
			if err != nil {
				return err
			}
			defer store.Close()
			res, err := store.Prune(cmd.Context(), keep, dryRun)
			if err != nil {
				return err
			}
			verb := "pruned"
			if dryRun {
				verb = "would prune"
			}
			var rows int64
			tables := make([]string, 0, len(res.Rows))
			for t, n := range res.Rows {
				if t != "table_sets" { // links to shared rows, not result rows
					rows += n
				}
				if n > 0 {
					tables = append(tables, t)
				}
			}
			sort.Strings(tables)
			for _, r := range res.Runs {
				fmt.Fprintf(a.stderr, "  %-10s %-28s %s\n", r.Status, r.Scenario, r.ID)
			}
			for _, t := range tables {
				fmt.Fprintf(a.stderr, "  %-22s %10d rows\n", t, res.Rows[t])
			}
			fmt.Fprintf(a.stdout, "%s %d runs (%d result rows) from %s, keeping %d per scenario\n", verb, len(res.Runs), rows, db, keep)
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "results/cascade.duckdb", "results DuckDB file")
	cmd.Flags().IntVar(&keep, "keep", 3, "completed runs to keep per scenario (newest first)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only print what would be deleted")
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 5*time.Minute, "how long to wait while another process holds the results file")
	return cmd
}
