package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/cascade-research/cascade/results/duckdbsink"
)

// ReaderGap is how long the batch writer leaves the results file closed
// when it gives it up for a reader: until the knocking reader is in, or
// for a reader that does not knock this long, more than the interval at
// which a waiting duckdbsink.Open retries (duckdbsink.MaxLockRetry).
const ReaderGap = duckdbsink.MaxLockRetry + 500*time.Millisecond

// knockPoll is how often the writer, holding the file between writes,
// looks whether a reader knocks (duckdbsink.Knocked).
const knockPoll = 200 * time.Millisecond

// fileWriter is a batch's single writer: it owns the results file and
// serves requests in order. It opens the file for a request and keeps it
// while requests come at most linger apart, so that it does not pay a
// checkpoint and a schema read for every commit. It gives the file up when
// another process waits for it: at once (after the write in progress) when
// that process knocks, as duckdbsink.Open does, and otherwise after
// maxHold, the longest it holds the file at a stretch; then it leaves the
// file closed for ReaderGap or until the knocking process is in.
type fileWriter struct {
	db      string
	open    func(context.Context) (*duckdbsink.Store, error)
	linger  time.Duration
	maxHold time.Duration
	timeout time.Duration // how long an open waits for the lock
	log     *slog.Logger
}

// serve handles reqs until the channel is closed, then closes the file.
func (w *fileWriter) serve(reqs <-chan request) {
	var (
		st          *duckdbsink.Store
		held        time.Time // when the current stretch of holding began
		lastWrite   time.Time
		closedAt    time.Time
		closedUntil time.Time // no reopening before (for a knock: while it lasts)
		forKnock    bool      // the gap is for a knocking reader
	)
	release := func(why string, gap, knock bool) {
		if st == nil {
			return
		}
		t0 := time.Now()
		st.Close()
		st = nil
		closedAt = time.Now()
		if gap {
			closedUntil, forKnock = closedAt.Add(ReaderGap), knock
		}
		w.log.Debug("results file released", "db", w.db, "why", why, "close_seconds", closedAt.Sub(t0).Seconds())
	}
	defer release("done", false, false)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var q request
		var ok bool
		if st == nil {
			q, ok = <-reqs
		} else {
			now := time.Now()
			switch {
			case duckdbsink.Knocked(w.db):
				release("a reader knocks", true, true)
				continue
			case now.Sub(held) >= w.maxHold:
				release("held the longest stretch", true, false)
				continue
			case now.Sub(lastWrite) >= w.linger:
				release("idle", false, false)
				continue
			}
			timer.Reset(min(w.linger-now.Sub(lastWrite), w.maxHold-now.Sub(held), knockPoll))
			select {
			case q, ok = <-reqs:
				timer.Stop()
			case <-timer.C:
				continue
			}
		}
		if !ok {
			return
		}
		if st == nil {
			w.waitGap(closedUntil, forKnock)
			bg, cancel := context.WithTimeout(context.Background(), w.timeout+time.Minute)
			var err error
			reopen := time.Now()
			st, err = w.open(bg)
			cancel()
			if err != nil {
				st = nil
				q.finish(err)
				continue
			}
			// A stretch of holding ends only with a gap a reader could use.
			if held.IsZero() || reopen.Sub(closedAt) >= ReaderGap {
				held = reopen
			}
		}
		q.finish(q.f(st))
		lastWrite = time.Now()
	}
}

// waitGap waits until until; for a knocking reader only while its knock
// lasts (it removes it once it has the file, or gives up).
func (w *fileWriter) waitGap(until time.Time, knock bool) {
	for time.Now().Before(until) && (!knock || duckdbsink.Knocked(w.db)) {
		time.Sleep(min(time.Until(until), 20*time.Millisecond))
	}
}
