package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/zeebo/xxh3"
	"golang.org/x/term"

	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/pipeline"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/scenarios"
	"github.com/cascade-research/cascade/strategies"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// codeVersion identifies the code that produced a result: the build
// version plus a hash of the executable, so any code change shows.
func codeVersion() string {
	exe, err := os.Executable()
	if err != nil {
		return version
	}
	f, err := os.Open(exe)
	if err != nil {
		return version
	}
	defer f.Close()
	h := xxh3.New() // fast: the binary is ~100 MB and this runs on every start
	if _, err := io.Copy(h, f); err != nil {
		return version
	}
	return fmt.Sprintf("%s+%016x", version, h.Sum64())
}

// testHold returns a function that pauses for the duration in
// CASCADE_TEST_HOLD_<STAGE> (e.g. CASCADE_TEST_HOLD_COMMIT=30s), or nil. The
// end-to-end tests use it to SIGKILL a run at a chosen stage.
// The hold ends early when ctx is cancelled.
func testHold(ctx context.Context, stage string) func() {
	d, err := time.ParseDuration(os.Getenv("CASCADE_TEST_HOLD_" + strings.ToUpper(stage)))
	if err != nil || d <= 0 {
		return nil
	}
	return func() {
		fmt.Fprintf(os.Stderr, "cascade: test hold at %s for %s\n", stage, d)
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

// runSummary is what `cascade run --json` prints.
type runSummary struct {
	RunID        string               `json:"run_id"`
	Scenario     string               `json:"scenario"`
	ScenarioHash string               `json:"scenario_hash"`
	Status       results.Status       `json:"status"`
	Error        string               `json:"error,omitempty"`
	DB           string               `json:"db"`
	Events       int64                `json:"events"`
	Seconds      float64              `json:"seconds"`
	Digest       string               `json:"digest,omitempty"`
	Rows         map[string]int       `json:"rows"`
	Overrides    []scenarios.Override `json:"overrides,omitempty"`
}

func (a *app) runCmd() *cobra.Command {
	var db string
	var sets []string
	var asJSON bool
	var lockTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "run SCENARIO.yaml",
		Short: "Run a scenario and store its results in DuckDB",
		Long: `Run a scenario: replay its data through the engine, evaluate it and commit
the results to the DuckDB file named by results.db (or --db). The run's rows
become visible atomically when it completes; a failed or cancelled run
(Ctrl-C) is recorded in the runs table without result rows.

Exit codes: 0 success, 1 the run failed, 2 bad usage or a bad scenario.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := scenarios.Load(args[0], scenarios.Options{Set: sets, Strategies: strategies.Specs()})
			if err != nil {
				if errors.Is(err, scenarios.ErrBadScenario) {
					return usageError{err}
				}
				return err
			}
			if db == "" {
				db = s.Results.DB
			}
			sum, err := a.runScenario(cmd.Context(), s, db, lockTimeout)
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if jerr := enc.Encode(sum); jerr != nil {
					return jerr
				}
			} else if sum != nil && sum.RunID != "" {
				fmt.Fprintf(a.stdout, "run %s of %s: %s in %.1fs, %d events\n", sum.RunID, sum.Scenario, sum.Status, sum.Seconds, sum.Events)
				for _, t := range sortedKeys(sum.Rows) {
					fmt.Fprintf(a.stdout, "  %-16s %d rows\n", t, sum.Rows[t])
				}
				if sum.Digest != "" {
					fmt.Fprintf(a.stdout, "  digest %s\n  results in %s (try: cascade sql --db %s \"select * from runs\")\n", sum.Digest, sum.DB, sum.DB)
				}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&db, "db", "", "results DuckDB file (default: the scenario's results.db)")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a scenario key: --set stats.alpha=0.01 (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a machine-readable summary on stdout")
	cmd.Flags().DurationVar(&lockTimeout, "lock-timeout", 30*time.Second, "how long to wait while another process holds the results file")
	return cmd
}

// runScenario runs s and records it in db. It returns a summary even when
// the run fails after it was recorded.
func (a *app) runScenario(ctx context.Context, s *scenarios.Scenario, db string, lockTimeout time.Duration) (*runSummary, error) {
	job, err := pipeline.Prepare(s, codeVersion(), nil)
	if err != nil {
		return nil, err
	}
	a.log.Info("data fingerprint", "files", job.Files, "fingerprint", job.Key.DataFingerprint)
	bar := a.progress(job.From, job.To)
	copt := pipeline.ComputeOptions{Logger: a.log}
	if bar != nil {
		copt.Progress = func(ts engine.Nanos, n int64) {
			bar.Describe(fmt.Sprintf("%s  %d events", ts.Time().Format("2006-01-02"), n))
			bar.Set64(int64(ts-job.From) / int64(engine.Minute))
		}
	}
	ropt := pipeline.RecordOptions{DB: db, LockTimeout: lockTimeout, Logger: a.log,
		BeforeCompute: testHold(ctx, "compute"), BeforeCommit: testHold(ctx, "commit")}
	res, err := pipeline.RunOne(ctx, job, copt, ropt)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(a.stderr)
	}
	if res == nil {
		return nil, err
	}
	r := res.Run
	sum := &runSummary{RunID: r.ID, Scenario: r.Scenario, ScenarioHash: r.ScenarioHash, Status: r.Status, Error: r.Error, DB: db,
		Events: r.Events, Seconds: r.Finished.Sub(r.Started).Seconds(), Rows: map[string]int{}, Overrides: s.Overrides}
	if res.Output != nil {
		sum.Digest = r.Digest
		for _, t := range res.Output.Tables {
			n, _ := t.Rows()
			sum.Rows[t.Name] = n
		}
	}
	return sum, err
}

// progress returns a progress bar over the time range on stderr, or nil
// when stderr is not a terminal.
func (a *app) progress(from, to engine.Nanos) *progressbar.ProgressBar {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(int64(to-from)/int64(engine.Minute),
		progressbar.OptionSetWriter(a.stderr), progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetDescription("replay"), progressbar.OptionFullWidth())
}
