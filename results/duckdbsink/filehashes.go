package duckdbsink

import (
	"context"
	"fmt"

	"github.com/cascade-research/cascade/results"
)

// FileHash is the content hash of a data file as of the file's state
// (size, modification and change times in ns, inode) when it was read.
type FileHash struct {
	Path         string
	Size         int64
	MTime, CTime int64
	Inode        uint64
	Hash         uint64
}

// FileHashes returns the data file hashes the file remembers.
func (s *Store) FileHashes(ctx context.Context) ([]FileHash, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT path, size, mtime_ns, ctime_ns, inode, hash FROM file_hashes`)
	if err != nil {
		return nil, fmt.Errorf("file hashes in %s: %w", s.path, err)
	}
	defer rows.Close()
	var out []FileHash
	for rows.Next() {
		var h FileHash
		var inode, hash int64 // stored bit for bit (database/sql has no uint64 with the high bit)
		if err := rows.Scan(&h.Path, &h.Size, &h.MTime, &h.CTime, &inode, &hash); err != nil {
			return nil, fmt.Errorf("file hashes in %s: %w", s.path, err)
		}
		h.Inode, h.Hash = uint64(inode), uint64(hash)
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("file hashes in %s: %w", s.path, err)
	}
	return out, nil
}

// RememberFileHashes stores hs, replacing what the file remembers for
// their paths (of several for one path, the last), with one statement
// that reads them through rowsFunc.
func (s *Store) RememberFileHashes(ctx context.Context, hs []FileHash) error {
	if len(hs) == 0 {
		return nil
	}
	last := map[string]int{} // one row per path: the last given
	for i, h := range hs {
		last[h.Path] = i
	}
	t := results.Table{Name: "file_hashes", Cols: []results.Column{
		{Name: "path", Type: results.String}, {Name: "size", Type: results.Int}, {Name: "mtime_ns", Type: results.Int},
		{Name: "ctime_ns", Type: results.Int}, {Name: "inode", Type: results.Int}, {Name: "hash", Type: results.Int}}}
	c := t.Cols
	for i, h := range hs {
		if last[h.Path] != i {
			continue
		}
		c[0].Str = append(c[0].Str, h.Path)
		c[1].I64 = append(c[1].I64, h.Size)
		c[2].I64 = append(c[2].I64, h.MTime)
		c[3].I64 = append(c[3].I64, h.CTime)
		c[4].I64 = append(c[4].I64, int64(h.Inode)) // bit for bit
		c[5].I64 = append(c[5].I64, int64(h.Hash))
	}
	id, done := s.scans.add(t, len(c[0].Str))
	defer done()
	// Every column once, in t's order (rowSource.FillChunk).
	q := fmt.Sprintf(`INSERT OR REPLACE INTO file_hashes (path, size, mtime_ns, ctime_ns, inode, hash)
		SELECT path, size, mtime_ns, ctime_ns, inode, hash FROM %s(%d)`, rowsFunc, id)
	if _, err := s.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("remember %d file hashes in %s: %w", len(hs), s.path, err)
	}
	return nil
}
