package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/results/duckdbsink"
)

// RecordOptions says where and how runs are recorded.
type RecordOptions struct {
	DB          string
	LockTimeout time.Duration
	Logger      *slog.Logger
	// BeforeCompute and BeforeCommit are test hooks (see cascade's
	// CASCADE_TEST_HOLD_* variables); nil in normal use.
	BeforeCompute func()
	BeforeCommit  func()
}

// RunResult is the outcome of one recorded run.
type RunResult struct {
	Run    results.Run
	Output *Output // nil unless completed
}

func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// NewRun returns the runs-table row for a job about to start.
func NewRun(j *Job) (*results.Run, error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	s := j.Scenario
	return &results.Run{ID: id, Scenario: s.Name, ScenarioHash: s.Hash, ScenarioJSON: s.JSON(),
		DataFingerprint: j.Key.DataFingerprint, CodeVersion: j.Key.CodeVersion, Seed: s.Seed,
		DataFrom: j.From.Time(), DataTo: j.To.Time(), Started: time.Now().UTC()}, nil
}

// outcome fills a run's end state from a compute error.
func outcome(run *results.Run, out *Output, err error) {
	run.Finished = time.Now().UTC()
	if out != nil {
		run.Events, run.Digest, run.DataQuality = out.Events, out.Digest, out.DataQuality
	}
	switch {
	case err == nil:
		run.Status = results.StatusCompleted
	case errors.Is(err, context.Canceled):
		run.Status, run.Error = results.StatusCancelled, err.Error()
	default:
		run.Status, run.Error = results.StatusFailed, err.Error()
	}
}

// RunOne records the job's start, computes it and commits its results (or
// its failure). The results file is held only while recording.
func RunOne(ctx context.Context, j *Job, copt ComputeOptions, ropt RecordOptions) (*RunResult, error) {
	run, err := NewRun(j)
	if err != nil {
		return nil, err
	}
	if err := withStore(ctx, ropt, nil, func(s *duckdbsink.Store) error { return s.BeginRun(ctx, run) }); err != nil {
		return nil, err
	}
	if ropt.BeforeCompute != nil {
		ropt.BeforeCompute()
	}
	out, cerr := Compute(ctx, j, copt)
	outcome(run, out, cerr)
	res := &RunResult{Run: *run}
	// Record the end even if ctx was cancelled.
	bg, cancel := context.WithTimeout(context.Background(), ropt.LockTimeout+time.Minute)
	defer cancel()
	rerr := withStore(bg, ropt, ropt.BeforeCommit, func(s *duckdbsink.Store) error {
		if cerr != nil {
			return s.EndRun(bg, run)
		}
		if err := s.CommitRun(bg, run, out.Tables); err != nil {
			run.Status, run.Error = results.StatusFailed, err.Error()
			return errors.Join(err, s.EndRun(bg, run))
		}
		return nil
	})
	res.Run = *run
	if run.Status == results.StatusCompleted {
		res.Output = out
	}
	return res, errors.Join(cerr, rerr)
}

// withStore opens the results file, runs f and closes it.
func withStore(ctx context.Context, o RecordOptions, beforeCommit func(), f func(*duckdbsink.Store) error) error {
	s, err := duckdbsink.Open(ctx, o.DB, duckdbsink.Options{LockTimeout: o.LockTimeout, Logger: o.Logger, BeforeCommit: beforeCommit})
	if err != nil {
		return err
	}
	err = f(s)
	return errors.Join(err, s.Close())
}
