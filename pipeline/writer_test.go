package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/marcboeker/go-duckdb/v2"

	"github.com/cascade-research/cascade/results/duckdbsink"
)

// TestWriterLetsReadersIn: while writes keep coming (every 20 ms, so the
// writer never idles for its linger), another process that waits for the
// results file gets it: at once when it knocks (as duckdbsink.Open does),
// and after at most maxHold when it only retries. With a maxHold longer
// than it waits, a reader that does not knock gets nothing.
func TestWriterLetsReadersIn(t *testing.T) {
	for _, tc := range []struct {
		name    string
		maxHold time.Duration
		knock   bool
		wait    time.Duration // how long the reader waits for the file
		want    string        // the reader's output
	}{
		{"knocking reader", time.Hour, true, 5 * time.Second, "runs 0"},
		{"retrying reader, held at most maxHold", 300 * time.Millisecond, false, 5 * time.Second, "runs 0"},
		{"retrying reader, held longer than it waits", time.Hour, false, 2 * time.Second, "lock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "r.duckdb")
			st, err := duckdbsink.Open(context.Background(), db, duckdbsink.Options{})
			if err != nil {
				t.Fatal(err)
			}
			st.Close()
			open := func(ctx context.Context) (*duckdbsink.Store, error) {
				return duckdbsink.Open(ctx, db, duckdbsink.Options{LockTimeout: 10 * time.Second, Threads: 1})
			}
			w := &fileWriter{db: db, open: open, linger: time.Hour, maxHold: tc.maxHold, timeout: 10 * time.Second, log: slog.New(slog.DiscardHandler)}
			reqs := make(chan request)
			served := make(chan struct{})
			go func() { w.serve(reqs); close(served) }()
			write := func() {
				done := make(chan error, 1)
				reqs <- request{f: func(st *duckdbsink.Store) error { _, err := st.DB().Exec("SELECT 1"); return err }, done: done}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			}
			write() // the writer holds the file from here
			readerDone := make(chan []byte)
			go func() {
				cmd := exec.Command(os.Args[0], "-test.run=^TestReaderProcess$")
				cmd.Env = append(os.Environ(), "CASCADE_TEST_READ="+db, "CASCADE_TEST_WAIT="+tc.wait.String(), fmt.Sprintf("CASCADE_TEST_KNOCK=%v", tc.knock))
				out, _ := cmd.CombinedOutput()
				readerDone <- out
			}()
			var out []byte
			writes := 0
		loop:
			for {
				select {
				case out = <-readerDone:
					break loop
				case <-time.After(20 * time.Millisecond):
					write()
					writes++
				}
			}
			close(reqs)
			<-served
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("reader said %q after %d writes; want %q", out, writes, tc.want)
			}
			if left, _ := filepath.Glob(db + ".wait.*"); len(left) > 0 {
				t.Errorf("knock files left behind: %v", left)
			}
		})
	}
}

// TestReaderProcess is the reader of TestWriterLetsReadersIn, run as its
// own process (DuckDB's file lock is per process): with knocking, through
// duckdbsink.Open; without, opening the file read-only every 500 ms as a
// client that retries would.
func TestReaderProcess(t *testing.T) {
	db := os.Getenv("CASCADE_TEST_READ")
	if db == "" {
		t.Skip("run by TestWriterLetsReadersIn")
	}
	wait, err := time.ParseDuration(os.Getenv("CASCADE_TEST_WAIT"))
	if err != nil {
		t.Fatal(err)
	}
	var conn *sql.DB
	if os.Getenv("CASCADE_TEST_KNOCK") == "true" {
		st, err := duckdbsink.Open(context.Background(), db, duckdbsink.Options{ReadOnly: true, LockTimeout: wait})
		if err != nil {
			fmt.Println(err)
			return
		}
		defer st.Close()
		conn = st.DB()
	} else {
		for deadline := time.Now().Add(wait); ; time.Sleep(500 * time.Millisecond) {
			c, err := duckdb.NewConnector(db+"?access_mode=read_only", nil)
			if err == nil {
				defer c.Close()
				conn = sql.OpenDB(c)
				defer conn.Close()
				break
			}
			if time.Now().After(deadline) {
				fmt.Println(err)
				return
			}
		}
	}
	var runs int
	err = conn.QueryRow("SELECT count(*) FROM runs").Scan(&runs)
	fmt.Println("runs", runs, err)
}

// releases is a log handler that records why the writer released the
// file.
type releases struct {
	mu  sync.Mutex
	why []string
}

func (r *releases) Enabled(context.Context, slog.Level) bool { return true }
func (r *releases) Handle(_ context.Context, rec slog.Record) error {
	if rec.Message == "results file released" {
		rec.Attrs(func(a slog.Attr) bool {
			if a.Key == "why" {
				r.mu.Lock()
				r.why = append(r.why, a.Value.String())
				r.mu.Unlock()
			}
			return true
		})
	}
	return nil
}
func (r *releases) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *releases) WithGroup(string) slog.Handler      { return r }

func (r *releases) count(why string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, w := range r.why {
		if w == why {
			n++
		}
	}
	return n
}

// TestWriterGaps: after a knock the writer reopens the file only once the
// knock is gone, or after ReaderGap; and its stretch of holding goes on
// across reopenings without such a gap, so that writes coming just over
// linger apart still end it after maxHold.
func TestWriterGaps(t *testing.T) {
	setup := func(t *testing.T, linger, maxHold time.Duration) (db string, write func() time.Duration, rel *releases, stop func()) {
		db = filepath.Join(t.TempDir(), "r.duckdb")
		rel = &releases{}
		open := func(ctx context.Context) (*duckdbsink.Store, error) {
			return duckdbsink.Open(ctx, db, duckdbsink.Options{LockTimeout: 10 * time.Second, Threads: 1})
		}
		w := &fileWriter{db: db, open: open, linger: linger, maxHold: maxHold, timeout: 10 * time.Second, log: slog.New(rel)}
		reqs := make(chan request)
		served := make(chan struct{})
		go func() { w.serve(reqs); close(served) }()
		write = func() time.Duration {
			t0 := time.Now()
			done := make(chan error, 1)
			reqs <- request{f: func(st *duckdbsink.Store) error { _, err := st.DB().Exec("SELECT 1"); return err }, done: done}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			return time.Since(t0)
		}
		return db, write, rel, func() { close(reqs); <-served }
	}
	t.Run("knock", func(t *testing.T) {
		for _, tc := range []struct {
			name         string
			removeAfter  time.Duration // 0: the knock stays
			atLeast, max time.Duration // the next write's wait
		}{
			{"the knock stays", 0, ReaderGap - 200*time.Millisecond, ReaderGap + 2*time.Second},
			{"the reader is in after 400 ms", 400 * time.Millisecond, 300 * time.Millisecond, ReaderGap - 200*time.Millisecond},
		} {
			t.Run(tc.name, func(t *testing.T) {
				db, write, rel, stop := setup(t, time.Hour, time.Hour)
				defer stop()
				write()
				knock := db + ".wait.999999999" // another process's
				if err := os.WriteFile(knock, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				for deadline := time.Now().Add(5 * time.Second); rel.count("a reader knocks") == 0; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("the writer kept the file despite the knock")
					}
				}
				if tc.removeAfter > 0 {
					time.AfterFunc(tc.removeAfter, func() { os.Remove(knock) })
				}
				if took := write(); took < tc.atLeast || took > tc.max {
					t.Errorf("the write after the knock took %v, want %v to %v", took, tc.atLeast, tc.max)
				}
				os.Remove(knock)
			})
		}
	})
	t.Run("hold across reopenings", func(t *testing.T) {
		_, write, rel, stop := setup(t, 30*time.Millisecond, 300*time.Millisecond)
		for t0 := time.Now(); time.Since(t0) < 1500*time.Millisecond && rel.count("held the longest stretch") == 0; {
			write()
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		if rel.count("idle") == 0 || rel.count("held the longest stretch") == 0 {
			t.Errorf("releases %v; want idle ones, then one for holding the longest stretch", rel.why)
		}
	})
}
