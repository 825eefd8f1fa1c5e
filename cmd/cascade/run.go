package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/data/parquetfeed"
	"github.com/cascade-research/cascade/engine"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/results/duckdbsink"
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
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return version
	}
	return version + "+" + hex.EncodeToString(h.Sum(nil))[:12]
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
	for _, h := range s.Hypotheses {
		return nil, fmt.Errorf("hypothesis %s is defined and validated but not implemented in this version; remove it from %s to run the rest", h.Name, s.Source)
	}
	for _, st := range s.Strategies {
		return nil, fmt.Errorf("strategy %s is not implemented in this version", st.Name)
	}
	kinds := make([]engine.Kind, 0, len(s.Data.Kinds))
	for _, k := range s.Data.Kinds {
		kind, _ := engine.ParseKind(k) // validated on load
		kinds = append(kinds, kind)
	}
	from, to := engine.FromTime(s.Data.Start), engine.FromTime(s.Data.End)+engine.Day
	fp, nfiles, err := dataset.Fingerprint(s.Data.Root, s.Data.Exchange, s.Data.Symbol, kinds, from, to)
	if err != nil {
		return nil, err
	}
	a.log.Info("data fingerprint", "files", nfiles, "fingerprint", fp)
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	run := &results.Run{ID: id.String(), Scenario: s.Name, ScenarioHash: s.Hash, ScenarioJSON: s.JSON(), DataFingerprint: fp,
		CodeVersion: codeVersion(), Seed: s.Seed, DataFrom: s.Data.Start, DataTo: s.Data.End.Add(24 * time.Hour), Started: time.Now().UTC()}
	sum := &runSummary{RunID: run.ID, Scenario: s.Name, ScenarioHash: s.Hash, DB: db, Rows: map[string]int{}, Overrides: s.Overrides}
	store, err := duckdbsink.Open(ctx, db, duckdbsink.Options{LockTimeout: lockTimeout, Logger: a.log})
	if err != nil {
		return nil, err
	}
	err = store.BeginRun(ctx, run)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}

	if hold := testHold(ctx, "compute"); hold != nil {
		hold()
	}
	tables, events, runErr := a.compute(ctx, s, kinds, from, to)
	run.Events = events
	run.Finished = time.Now().UTC()
	sum.Events, sum.Seconds = events, run.Finished.Sub(run.Started).Seconds()
	if runErr == nil {
		run.Digest, runErr = results.Digest(tables)
	}
	// Record the outcome, even if the run was cancelled: use a fresh
	// context for the bookkeeping.
	bg, cancel := context.WithTimeout(context.Background(), lockTimeout+30*time.Second)
	defer cancel()
	store, err = duckdbsink.Open(bg, db, duckdbsink.Options{LockTimeout: lockTimeout, Logger: a.log, BeforeCommit: testHold(ctx, "commit")})
	if err != nil {
		return sum, errors.Join(runErr, err)
	}
	defer store.Close()
	if runErr != nil {
		run.Status, run.Error = results.StatusFailed, runErr.Error()
		if errors.Is(runErr, context.Canceled) {
			run.Status = results.StatusCancelled
		}
		sum.Status, sum.Error = run.Status, run.Error
		return sum, errors.Join(runErr, store.EndRun(bg, run))
	}
	if err := store.CommitRun(bg, run, tables); err != nil {
		run.Status, run.Error = results.StatusFailed, err.Error()
		sum.Status, sum.Error = run.Status, run.Error
		return sum, errors.Join(err, store.EndRun(bg, run))
	}
	sum.Status, sum.Digest = run.Status, run.Digest
	for _, t := range tables {
		n, _ := t.Rows()
		sum.Rows[t.Name] = n
	}
	return sum, nil
}

// compute replays the scenario's data through the engine and builds the
// result tables.
func (a *app) compute(ctx context.Context, s *scenarios.Scenario, kinds []engine.Kind, from, to engine.Nanos) ([]results.Table, int64, error) {
	feed, err := parquetfeed.Open(ctx, parquetfeed.Options{Root: s.Data.Root, Exchange: s.Data.Exchange, Symbol: s.Data.Symbol,
		From: from, To: to, Kinds: kinds, Logger: a.log})
	if err != nil {
		return nil, 0, err
	}
	defer feed.Close()
	bar := a.progress(from, to)
	cfg := engine.RunConfig{}
	if bar != nil {
		cfg.Progress = func(ts engine.Nanos, n int64) {
			bar.Describe(fmt.Sprintf("%s  %d events", ts.Time().Format("2006-01-02"), n))
			bar.Set64(int64(ts-from) / int64(engine.Minute))
		}
	}
	rep, err := engine.Run(ctx, feed, cfg)
	if bar != nil {
		bar.Finish()
		fmt.Fprintln(a.stderr)
	}
	if err != nil {
		return nil, 0, err
	}
	for _, g := range feed.Gaps() {
		a.log.Warn("missing days", "kind", g.Kind, "first", g.First.Format("2006-01-02"), "last", g.Last.Format("2006-01-02"))
	}
	return []results.Table{results.MarketDaily(rep.Daily)}, rep.Tally.Events, nil
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
