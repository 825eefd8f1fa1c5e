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
