package dataset

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// spyHashes is a Hashes that counts what Fingerprint asks and remembers.
type spyHashes struct {
	mu         sync.Mutex
	m          map[FileID]uint64
	hits, puts int
}

func (s *spyHashes) Hash(id FileID) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.m[id]
	if ok {
		s.hits++
	}
	return h, ok
}

func (s *spyHashes) Remember(id FileID, h uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[id] = h
	s.puts++
}

// TestFingerprintHashes: with Hashes, Fingerprint gives the same
// fingerprint, reads a file only when its FileID is unknown, and remembers
// a file only once its last change has settled. Any write to a known
// file, even one that keeps its size and sets its modification time back,
// or replacing it, makes Fingerprint read it again.
func TestFingerprintHashes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Fingerprint uses Hashes on Linux only")
	}
	root := t.TempDir()
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	from, to := engine.FromTime(day), engine.FromTime(day.AddDate(0, 0, 2))
	old := time.Now().Add(-time.Hour)
	var paths []string
	for d := 0; d < 2; d++ {
		dir := filepath.Join(KindDir(root, "x", "BTCUSDT", engine.KindTrade), "date="+day.AddDate(0, 0, d).Format(DateLayout))
		p := filepath.Join(dir, "part-0.parquet")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte{byte('a' + d), 1, 2, 3}, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	fp := func(h Hashes) string {
		t.Helper()
		f, n, err := Fingerprint(root, "x", "BTCUSDT", []engine.Kind{engine.KindTrade}, from, to, h)
		if err != nil || n != 2 {
			t.Fatalf("fingerprint: %d files, %v", n, err)
		}
		return f
	}
	want := fp(nil)
	spy := &spyHashes{m: map[FileID]uint64{}}
	if got := fp(spy); got != want || spy.puts != 0 {
		t.Fatalf("fresh files: fingerprint %s (want %s), %d remembered; want none (changed just now)", got, want, spy.puts)
	}
	var buf []byte
	settled := func() { // what a batch an hour later remembers
		t.Helper()
		for _, p := range paths {
			if _, _, err := contentHash(p, spy, &buf, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
	}
	settled()
	if spy.puts != 2 {
		t.Fatalf("settled files: %d remembered, want 2", spy.puts)
	}
	spy.hits = 0
	if got := fp(spy); got != want || spy.hits != 2 {
		t.Fatalf("known files: fingerprint %s (want %s), %d from the cache; want 2", got, want, spy.hits)
	}
	// The cache is trusted: a wrong hash for an unchanged file shows.
	for id := range spy.m {
		if id.Path == mustAbs(t, paths[0]) {
			spy.m[id]++
		}
	}
	if fp(spy) == want {
		t.Fatal("a known file was read again")
	}
	for id := range spy.m {
		if id.Path == mustAbs(t, paths[0]) {
			spy.m[id]--
		}
	}
	for _, tc := range []struct {
		name string
		edit func(p string) error
	}{
		{"same size, new content", func(p string) error { return os.WriteFile(p, []byte{'z', 1, 2, 3}, 0o644) }},
		{"same size, modification time set back", func(p string) error {
			time.Sleep(20 * time.Millisecond) // past the file system's clock step
			if err := os.WriteFile(p, []byte{'y', 1, 2, 3}, 0o644); err != nil {
				return err
			}
			return os.Chtimes(p, old, old)
		}},
		{"replaced by rename, same size and times", func(p string) error {
			tmp := p + ".tmp"
			if err := os.WriteFile(tmp, []byte{'w', 1, 2, 3}, 0o644); err != nil {
				return err
			}
			if err := os.Chtimes(tmp, old, old); err != nil {
				return err
			}
			return os.Rename(tmp, p)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			settled()
			if err := tc.edit(paths[0]); err != nil {
				t.Fatal(err)
			}
			wantNow := fp(nil)
			spy.hits = 0
			if got := fp(spy); got != wantNow || got == want || spy.hits != 1 {
				t.Errorf("after the edit: fingerprint %s (uncached %s, before %s), %d from the cache; want the uncached one, new, and 1 (the other file)",
					got, wantNow, want, spy.hits)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
