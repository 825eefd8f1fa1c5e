package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/results"
	"github.com/cascade-research/cascade/results/duckdbsink"
	"github.com/cascade-research/cascade/scenarios"
)

// BatchOptions configures a batch.
type BatchOptions struct {
	Record RecordOptions // DB, lock timeout, logger
	// Jobs is the number of CPUs the batch keeps busy computing (default
	// 1): that many workers, each computing one scenario at a time; a
	// worker's replay reads ahead on a second goroutine only while a job
	// is idle (e.g. the last scenarios of the batch). The writer (one
	// goroutine, DuckDB on one thread) commits finished scenarios
	// meanwhile.
	Jobs        int
	Force       bool // rerun even when a completed run has the same key
	Shard       int  // this process's shard, 0-based
	Shards      int  // number of shards (default 1)
	CodeVersion string
	Load        scenarios.Options // --set overrides, strategy catalogue
	BatchRows   int               // reader batch size (results do not depend on it)
	// Linger is how long the writer keeps the results file open after a
	// write, waiting for the next one, before releasing it to other
	// processes (default 2 s). Reopening costs a checkpoint and reading
	// the schema again. A process that waits for the file and knocks
	// (duckdbsink.Open does) gets it after the write in progress.
	Linger time.Duration
	// MaxHold is how long the writer holds the results file at most
	// while writes keep coming (default 20 s). Then it closes the file
	// and leaves it closed for ReaderGap, so a client that waits for the
	// file without knocking but retries gets it too.
	MaxHold time.Duration

	hashes dataset.Hashes // the batch's data file hashes, set by Batch
}

// fileHashes is a batch's dataset.Hashes: the hashes the results file
// remembers, and those of the files the batch read (fresh), which the
// writer stores at the end of the batch.
type fileHashes struct {
	mu    sync.Mutex
	known map[dataset.FileID]uint64
	fresh []duckdbsink.FileHash
}

// Hash returns the hash known for id.
func (h *fileHashes) Hash(id dataset.FileID) (uint64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sum, ok := h.known[id]
	return sum, ok
}

// Remember records the hash of the file id for the rest of the batch and
// for the results file.
func (h *fileHashes) Remember(id dataset.FileID, sum uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.known[id]; ok {
		return
	}
	h.known[id] = sum
	h.fresh = append(h.fresh, duckdbsink.FileHash{Path: id.Path, Size: id.Size, MTime: id.MTime, CTime: id.CTime, Inode: id.Inode, Hash: sum})
}

// Item is the outcome of one scenario in a batch.
type Item struct {
	File      string         `json:"file"`
	Scenario  string         `json:"scenario,omitempty"`
	RunID     string         `json:"run_id,omitempty"`
	Status    results.Status `json:"status"` // completed, failed, cancelled, or skipped
	SkippedBy string         `json:"skipped_by,omitempty"`
	Error     string         `json:"error,omitempty"`
	Seconds   float64        `json:"seconds"`
	Events    int64          `json:"events,omitempty"`
	Digest    string         `json:"digest,omitempty"`
	finish    func()         // completes the item once its commit is recorded
}

// StatusSkipped marks a batch item whose key already has a completed run.
const StatusSkipped results.Status = "skipped"

// BatchResult summarises a batch.
type BatchResult struct {
	Items   []Item  `json:"items"`
	Ran     int     `json:"ran"`
	Skipped int     `json:"skipped"`
	Failed  int     `json:"failed"`
	Seconds float64 `json:"seconds"`
	Shard   string  `json:"shard"`
}

// ScenarioFiles expands directories (recursively, skipping testdata) and
// files into a sorted, de-duplicated list of scenario YAML files.
func ScenarioFiles(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("scenarios %s: %w", a, err)
		}
		if !st.IsDir() {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scenarios %s: %w", a, err)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ShardOf returns the files of shard i of n: the k-th file (in sorted
// order) belongs to shard k mod n, so n processes cover the set exactly once.
func ShardOf(files []string, i, n int) []string {
	if n <= 1 {
		return files
	}
	var out []string
	for k, f := range files {
		if k%n == i {
			out = append(out, f)
		}
	}
	return out
}

// request is work for the single writer goroutine.
type request struct {
	f     func(*duckdbsink.Store) error
	done  chan error
	after func() // if set, called once the request is handled
}

// finish reports the request's outcome.
func (q request) finish(err error) {
	q.done <- err
	if q.after != nil {
		q.after()
	}
}

// writerQueue hands work to the batch's writer goroutine.
type writerQueue struct {
	reqs    chan<- request
	pending chan struct{} // one token per finished scenario waiting for the writer
}

// async queues f and returns the channel its outcome arrives on.
func (w *writerQueue) async(f func(*duckdbsink.Store) error) <-chan error {
	ch := make(chan error, 1)
	w.reqs <- request{f: f, done: ch}
	return ch
}

// write runs f on the writer and waits for it.
func (w *writerQueue) write(f func(*duckdbsink.Store) error) error { return <-w.async(f) }

// commit is async for a finished scenario's rows: it waits while as many
// of them as pending holds are already waiting for the writer.
func (w *writerQueue) commit(f func(*duckdbsink.Store) error) <-chan error {
	w.pending <- struct{}{}
	ch := make(chan error, 1)
	w.reqs <- request{f: f, done: ch, after: func() { <-w.pending }}
	return ch
}

// Batch runs every scenario file of this shard. Loading, fingerprinting
// and computing run on Jobs workers; one writer goroutine owns the results
// file and holds it only while it has requests (and Linger after), giving
// it up to a process that waits for it (fileWriter). A scenario that fails
// is recorded as failed; the others go on. The returned error is non-nil only
// for problems with the batch itself (e.g. the results file); failed items
// are counted in the result.
func Batch(ctx context.Context, files []string, opt BatchOptions) (*BatchResult, error) {
	start := time.Now()
	if opt.Jobs <= 0 {
		opt.Jobs = 1
	}
	if opt.Shards <= 0 {
		opt.Shards = 1
	}
	if opt.Linger <= 0 {
		opt.Linger = 2 * time.Second
	}
	if opt.MaxHold <= 0 {
		opt.MaxHold = 20 * time.Second
	}
	log := opt.Record.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		opt.Record.Logger = log
	}
	files = ShardOf(files, opt.Shard, opt.Shards)
	res := &BatchResult{Items: make([]Item, len(files)), Shard: fmt.Sprintf("%d/%d", opt.Shard, opt.Shards)}

	open := func(ctx context.Context) (*duckdbsink.Store, error) {
		st, err := duckdbsink.Open(ctx, opt.Record.DB, duckdbsink.Options{LockTimeout: opt.Record.LockTimeout, Logger: log, BeforeCommit: opt.Record.BeforeCommit,
			// One writer goroutine: DuckDB's thread pool would only
			// add CPU (measured once with batch --cpuprofile on the
			// six benchmark scenarios: 5.9 vs 5.1 core-s).
			Threads: 1})
		if err == nil {
			log.Debug("results file opened", "db", opt.Record.DB)
		}
		return st, err
	}
	// Completed keys and the data files' hashes, read once.
	done := map[Key]string{}
	hashes := &fileHashes{known: map[dataset.FileID]uint64{}}
	if err := withStore(ctx, opt.Record, nil, func(s *duckdbsink.Store) error {
		runs, err := s.CompletedRuns(ctx)
		for _, r := range runs {
			done[Key{r.ScenarioHash, r.DataFingerprint, r.CodeVersion}] = r.ID
		}
		if err != nil {
			return err
		}
		hs, err := s.FileHashes(ctx)
		for _, h := range hs {
			hashes.known[dataset.FileID{Path: h.Path, Size: h.Size, MTime: h.MTime, CTime: h.CTime, Inode: h.Inode}] = h.Hash
		}
		return err
	}); err != nil {
		return nil, err
	}
	opt.hashes = hashes

	// Workers do not wait for the writer: they queue a run's begin and
	// commit and go on computing. At most Jobs finished scenarios wait for
	// the writer (their rows are in memory); a worker with one more waits.
	reqs := make(chan request, 2*opt.Jobs)
	wq := &writerQueue{reqs: reqs, pending: make(chan struct{}, opt.Jobs)}
	var wg sync.WaitGroup
	writerDone := make(chan struct{})
	fw := &fileWriter{db: opt.Record.DB, open: open, linger: opt.Linger, maxHold: opt.MaxHold, timeout: opt.Record.LockTimeout, log: log}
	go func() {
		defer close(writerDone)
		fw.serve(reqs)
	}()

	items := make([]*Item, len(files))
	work := make(chan int)
	cpus := &cpuPool{}
	cpus.free.Store(int64(opt.Jobs))
	for range opt.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				items[i] = runItem(ctx, files[i], opt, cpus, done, wq)
				cpus.Release() // taken for it by the loop below
			}
		}()
	}
	// Longest first: a long scenario started last would leave the other
	// workers idle at the end. The order of work never changes results.
	// Each item's CPU is taken before it is handed out, so a replay can
	// borrow a CPU only when no scenario is left to start.
	for _, i := range byCost(files, opt.Load) {
		cpus.free.Add(-1)
		work <- i
	}
	close(work)
	wg.Wait()
	if fresh := hashes.fresh; len(fresh) > 0 {
		// A cache: a batch that cannot store it only reads the files again.
		if err := wq.write(func(st *duckdbsink.Store) error { return st.RememberFileHashes(context.Background(), fresh) }); err != nil {
			log.Warn("data file hashes not stored; the next batch reads the files again", "err", err)
		}
	}
	close(reqs)
	<-writerDone
	for i, it := range items {
		if it.finish != nil {
			it.finish()
		}
		res.Items[i] = *it
	}

	for _, it := range res.Items {
		switch it.Status {
		case results.StatusCompleted:
			res.Ran++
		case StatusSkipped:
			res.Skipped++
		default:
			res.Failed++
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// runItem loads, prepares, computes and records one scenario file.
func runItem(ctx context.Context, file string, opt BatchOptions, cpus *cpuPool, done map[Key]string, w *writerQueue) *Item {
	t0 := time.Now()
	it := &Item{File: file}
	fail := func(run *results.Run, err error) *Item {
		it.Status, it.Error, it.Seconds = results.StatusFailed, err.Error(), time.Since(t0).Seconds()
		if errors.Is(err, context.Canceled) {
			it.Status = results.StatusCancelled
		}
		if run == nil {
			// Not even loadable: record the failure under the file name.
			run = &results.Run{Scenario: file, ScenarioHash: "", ScenarioJSON: "{}", CodeVersion: opt.CodeVersion, Started: t0.UTC()}
			if id, uerr := newID(); uerr == nil {
				run.ID = id
			}
		}
		it.RunID = run.ID
		begun := run.Status == results.StatusRunning
		if werr := w.write(func(s *duckdbsink.Store) error {
			if !begun {
				if err := s.BeginRun(context.Background(), run); err != nil {
					return err
				}
			}
			run.Status, run.Error, run.Finished = it.Status, it.Error, time.Now().UTC()
			return s.EndRun(context.Background(), run)
		}); werr != nil {
			it.Error += "; and recording the failure: " + werr.Error()
		}
		return it
	}
	s, err := scenarios.Load(file, opt.Load)
	if err != nil {
		return fail(nil, err)
	}
	it.Scenario = s.Name
	j, err := Prepare(s, opt.CodeVersion, opt.hashes)
	if err != nil {
		return fail(nil, err)
	}
	if id, ok := done[j.Key]; ok && !opt.Force {
		it.Status, it.SkippedBy, it.Seconds = StatusSkipped, id, time.Since(t0).Seconds()
		return it
	}
	run, err := NewRun(j)
	if err != nil {
		return fail(nil, err)
	}
	it.RunID = run.ID
	// Record the run as running without waiting for the writer (it may be
	// committing another scenario); the commit below checks the outcome.
	// BeginRun gets a copy: it sets the status while this goroutine goes on
	// with the run.
	start := *run
	begun := w.async(func(st *duckdbsink.Store) error { return st.BeginRun(context.Background(), &start) })
	// beginErr is begun's outcome once beginRead (read here before the
	// commit is queued, or by the commit on the writer's goroutine).
	var beginErr error
	beginRead := false
	if opt.Record.BeforeCompute != nil { // tests kill the process here, with the run begun
		beginErr, beginRead = <-begun, true
		if beginErr != nil {
			it.Status, it.Error = results.StatusFailed, beginErr.Error()
			return it
		}
		opt.Record.BeforeCompute()
	}
	tc := time.Now()
	out, cerr := Compute(ctx, j, ComputeOptions{Logger: opt.Record.Logger, BatchRows: opt.BatchRows, CPUs: cpus})
	opt.Record.Logger.Debug("computed", "scenario", s.Name, "seconds", time.Since(tc).Seconds())
	outcome(run, out, cerr)
	// Hand the commit to the writer and go on computing the next
	// scenario: the item is finished when the writer has recorded it.
	var finished time.Time // set by the writer when the run is recorded
	recorded := w.commit(func(st *duckdbsink.Store) error {
		tw := time.Now()
		defer func() {
			finished = time.Now()
			opt.Record.Logger.Debug("recorded", "scenario", s.Name, "seconds", finished.Sub(tw).Seconds())
		}()
		if !beginRead { // the writer handled the begin before this (one queue, in order)
			beginErr = <-begun
		}
		if beginErr != nil {
			return beginErr
		}
		if cerr != nil {
			return st.EndRun(context.Background(), run)
		}
		if err := st.CommitRun(context.Background(), run, out.Tables); err != nil {
			run.Status, run.Error = results.StatusFailed, err.Error()
			return errors.Join(err, st.EndRun(context.Background(), run))
		}
		return nil
	})
	it.finish = func() {
		werr := <-recorded
		it.Status, it.Error, it.Events, it.Digest = run.Status, run.Error, run.Events, run.Digest
		if werr != nil && it.Error == "" {
			it.Status, it.Error = results.StatusFailed, werr.Error()
		}
		if it.Status != results.StatusCompleted {
			it.Digest = ""
		}
		if finished.IsZero() { // the writer could not open the results file
			finished = time.Now()
		}
		it.Seconds = finished.Sub(t0).Seconds()
	}
	return it
}

// cpuPool counts the batch's idle CPUs (of Jobs): a worker takes one
// while computing and lends the others to its replay's read-ahead.
type cpuPool struct{ free atomic.Int64 }

// TryAcquire takes an idle CPU if there is one.
func (p *cpuPool) TryAcquire() bool {
	for {
		n := p.free.Load()
		if n <= 0 {
			return false
		}
		if p.free.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// Release returns a CPU.
func (p *cpuPool) Release() { p.free.Add(1) }

// byCost returns the indices of files ordered by an estimate of their
// compute cost, largest first (files that do not load come first, they
// fail fast), ties in file order. The estimate is days replayed × (10 +
// strategy variants + 0.1 × hypothesis variants × horizons): a strategy
// variant runs an account on every event, a hypothesis variant is
// evaluated on the sampling grid. Fitted to the example scenarios' compute
// times on three synthetic years (one `cascade batch --jobs 2 --log-level
// debug` run): replay and simulator about 4 s, a strategy variant about
// 0.35 s, a hypothesis variant × horizon 0.02-0.05 s. Before, both kinds
// of variant weighed 1 and the strategies scenario, the longest, started
// seventh of nine, leaving one worker idle at the end.
func byCost(files []string, lo scenarios.Options) []int {
	cost := make([]float64, len(files))
	for i, f := range files {
		s, err := scenarios.Load(f, lo)
		if err != nil {
			cost[i] = math.Inf(1)
			continue
		}
		units := 10.0
		for _, h := range s.Hypotheses {
			units += 0.1 * float64(h.Variants()*len(h.Horizons))
		}
		for _, st := range s.Strategies {
			units += float64(st.Variants())
		}
		days := s.Data.End.Sub(s.Data.Start).Hours()/24 + 1
		cost[i] = days * units
	}
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return cost[idx[a]] > cost[idx[b]] })
	return idx
}
