package duckdbsink_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cascade-research/cascade/results/duckdbsink"
)

// TestFileHashes: stored file hashes come back as given, full 64-bit
// values included; storing again replaces a path's row, and of several
// rows for one path in one call the last counts; across DuckDB's 2048-row
// chunks.
func TestFileHashes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.duckdb")
	s, err := duckdbsink.Open(ctx, path, duckdbsink.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var hs []duckdbsink.FileHash
	for i := range 4500 {
		hs = append(hs, duckdbsink.FileHash{Path: fmt.Sprintf("/d/date=%04d/part-0.parquet", i), Size: int64(i), MTime: int64(i) << 40, CTime: -int64(i), Inode: math.MaxUint64 - uint64(i), Hash: uint64(i) * 0x9e3779b97f4a7c15})
	}
	dup := hs[7]
	dup.Size, dup.Hash = 99, 1
	if err := s.RememberFileHashes(ctx, append(slices.Clone(hs), dup)); err != nil {
		t.Fatal(err)
	}
	again := hs[3]
	again.MTime, again.Hash = 5, math.MaxUint64
	if err := s.RememberFileHashes(ctx, []duckdbsink.FileHash{again}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = duckdbsink.Open(ctx, path, duckdbsink.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.FileHashes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs[7], hs[3] = dup, again
	slices.SortFunc(got, func(a, b duckdbsink.FileHash) int { return cmpStr(a.Path, b.Path) })
	if !slices.Equal(got, hs) {
		t.Fatalf("got %d rows, want %d; first difference at %d", len(got), len(hs), firstDiff(got, hs))
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func firstDiff(a, b []duckdbsink.FileHash) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
