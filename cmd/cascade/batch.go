package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cascade-research/cascade/pipeline"
	"github.com/cascade-research/cascade/results/duckdbsink"
	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

// parseShard parses "i/n" (0-based i).
func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usagef("--shard %q: want i/n with 0 <= i < n, e.g. 0/3", s)
	}
	return i, n, nil
}

func (a *app) batchCmd() *cobra.Command {
	var db, shard, cpuProfile string
	var jobs, batchRows int
	var force, asJSON bool
	var sets []string
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "batch [DIR|FILES...]",
		Short: "Run a set of scenarios: incremental, parallel, resumable, shardable",
		Long: `Run every scenario given (default: the scenarios/ directory, recursively,
skipping testdata) into one results file.

A scenario whose key (normalised scenario hash, fingerprint of the data files
in its range, code version) already has a completed run is skipped unless
--force. Scenarios run in parallel on --jobs workers; one writer owns the
results file and holds it only while recording. A failing scenario is
recorded as failed and the others go on; the exit code is 1 if any failed.
After a crash or SIGKILL, rerunning finishes only what is missing.

--shard i/n runs the i-th of n deterministic parts of the set (0-based), so n
processes (a Kubernetes Indexed Job, a Slurm array) cover it exactly once;
give each its own --db and combine them with cascade merge.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"scenarios"}
			}
			si, sn, err := parseShard(shard)
			if err != nil {
				return err
			}
			if jobs < 1 {
				return usagef("--jobs %d: want >= 1", jobs)
			}
			files, err := pipeline.ScenarioFiles(args)
			if err != nil {
				return usageError{err}
			}
			opt := pipeline.BatchOptions{
				Record: pipeline.RecordOptions{DB: db, LockTimeout: lockTimeout, Logger: a.log,
					BeforeCompute: testHold(cmd.Context(), "compute"), BeforeCommit: testHold(cmd.Context(), "commit")},
				Jobs: jobs, Force: force, Shard: si, Shards: sn, CodeVersion: codeVersion(), BatchRows: batchRows,
				Load: scenarios.Options{Set: sets, Strategies: strategies.Specs()},
			}
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			res, err := pipeline.Batch(cmd.Context(), files, opt)
			if err != nil {
				return err
			}
			for _, it := range res.Items {
				attrs := []any{"file", it.File, "scenario", it.Scenario, "status", it.Status, "seconds", fmt.Sprintf("%.2f", it.Seconds)}
				a.log.Info("scenario", append(attrs, "run_id", it.RunID, "error", it.Error)...)
			}
			fmt.Fprintf(a.stderr, "batch %s: %d ran, %d skipped, %d failed in %.1fs (%s)\n", res.Shard, res.Ran, res.Skipped, res.Failed, res.Seconds, db)
			for _, it := range res.Items {
				line := fmt.Sprintf("  %-10s %-28s %6.2fs  %s", it.Status, it.Scenario, it.Seconds, it.File)
				if it.Error != "" {
					line += "\n      " + strings.ReplaceAll(it.Error, "\n", "\n      ")
				}
				fmt.Fprintln(a.stderr, line)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(res); err != nil {
					return err
				}
			}
			if res.Failed > 0 {
				return fmt.Errorf("%d of %d scenarios failed", res.Failed, len(res.Items))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "results/cascade.duckdb", "results DuckDB file (all scenarios of the batch)")
	cmd.Flags().IntVar(&jobs, "jobs", 1, "scenarios computed in parallel")
	cmd.Flags().BoolVar(&force, "force", false, "rerun scenarios that already have a completed run with the same key")
	cmd.Flags().StringVar(&shard, "shard", "0/1", "run shard i of n (0-based), e.g. 2/8")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON on stdout")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a key in every scenario: --set data.root=/data (repeatable)")
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 5*time.Minute, "how long to wait while another process holds the results file")
	cmd.Flags().IntVar(&batchRows, "batch-rows", 0, "reader batch size (results do not depend on it)")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole batch to this file (go tool pprof)")
	return cmd
}

func (a *app) mergeCmd() *cobra.Command {
	var db string
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "merge --db PATH SHARD.duckdb...",
		Short: "Combine shard result files into one results database",
		Long: `Copy every finished run (and all its rows) from each shard results file into
--db. Runs already present are skipped, so merging twice changes nothing.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := duckdbsink.Open(cmd.Context(), db, duckdbsink.Options{LockTimeout: lockTimeout, Logger: a.log})
			if err != nil {
				return err
			}
			defer store.Close()
			total := 0
			for _, p := range args {
				n, err := store.Merge(cmd.Context(), p)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "merged %d runs from %s\n", n, p)
				total += n
			}
			fmt.Fprintf(a.stdout, "merged %d runs from %d files into %s\n", total, len(args), db)
			return nil
		},
	}
	cmd.Flags().StringVar(&db, "db", "results/cascade.duckdb", "results DuckDB file to merge into")
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 5*time.Minute, "how long to wait while another process holds the results file")
	return cmd
}
