package duckdbsink

import (
	"context"
	"fmt"
	"strings"
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
// their paths, in one transaction.
func (s *Store) RememberFileHashes(ctx context.Context, hs []FileHash) (err error) {
	if len(hs) == 0 {
		return nil
	}
	last := map[string]int{} // one row per path: the last given
	for i, h := range hs {
		last[h.Path] = i
	}
	uniq := make([]FileHash, 0, len(last))
	for i, h := range hs {
		if last[h.Path] == i {
			uniq = append(uniq, h)
		}
	}
	hs = uniq
	defer func() {
		if err != nil {
			err = fmt.Errorf("remember %d file hashes in %s: %w", len(hs), s.path, err)
		}
	}()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const chunk = 500
	for lo := 0; lo < len(hs); lo += chunk {
		part := hs[lo:min(lo+chunk, len(hs))]
		args := make([]any, 0, 6*len(part))
		for _, h := range part {
			args = append(args, h.Path, h.Size, h.MTime, h.CTime, int64(h.Inode), int64(h.Hash))
		}
		q := `INSERT OR REPLACE INTO file_hashes VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(part)), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
