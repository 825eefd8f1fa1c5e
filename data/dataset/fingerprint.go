package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/zeebo/xxh3"

	"github.com/cascade-research/cascade/engine"
)

// Fingerprint returns a hex SHA-256 over the day files of the given kinds
// in [from, to): each file's path relative to root, its size and an xxh3
// hash of its full content. Rewriting a file with the same bytes keeps the
// fingerprint; any change of content, or a day added or removed in the
// range, changes it. It also returns the number of files.
//
// With hashes (nil: none) a file whose FileID hashes knows is not read
// again, and the hashes of the files read are given to hashes.
func Fingerprint(root, exchange, symbol string, kinds []engine.Kind, from, to engine.Nanos, hashes Hashes) (string, int, error) {
	h := sha256.New()
	files := 0
	var buf []byte
	for _, k := range kinds {
		days, err := ListDays(root, exchange, symbol, k, from, to)
		if err != nil {
			return "", 0, err
		}
		for _, d := range days {
			for _, p := range d.Files {
				rel, err := filepath.Rel(root, p)
				if err != nil {
					rel = p
				}
				size, sum, err := contentHash(p, hashes, &buf, time.Now())
				if err != nil {
					return "", 0, fmt.Errorf("fingerprint %s: %w", p, err)
				}
				fmt.Fprintf(h, "%s\x00%d\x00%016x\n", filepath.ToSlash(rel), size, sum)
				files++
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), files, nil
}

// Hashes remembers the content hashes of files by their FileID, so that
// Fingerprint reads a file again only when it may have changed. It must be
// safe for concurrent use.
type Hashes interface {
	// Hash returns the hash remembered for id, if any.
	Hash(id FileID) (uint64, bool)
	// Remember records the hash of the content of the file id.
	Remember(id FileID, hash uint64)
}

// FileID is a file's state as the file system reports it: any write to
// the file changes its size, its modification time or its change time,
// which tools cannot set back; replacing it changes its inode. It is read
// on Linux; elsewhere Fingerprint does not use Hashes.
type FileID struct {
	Path  string // absolute
	Size  int64
	MTime int64 // modification time, ns since the epoch
	CTime int64 // status change time, ns
	Inode uint64
}

// settle is how old a file's last change must be for its hash to be
// remembered: a write in the same clock tick as the hashing could
// otherwise leave the FileID unchanged (file systems keep times at a
// coarser step than their nanosecond fields suggest).
const settle = 2 * time.Second

// contentHash returns the size and xxh3 hash of the file at path, from
// hashes when it knows the file's FileID; buf is reused between calls.
// A file read is remembered if it stayed as it was while read and its
// last change is more than settle before now.
func contentHash(path string, hashes Hashes, buf *[]byte, now time.Time) (int64, uint64, error) {
	var id FileID
	if hashes != nil {
		st, err := os.Stat(path)
		if err != nil {
			return 0, 0, err
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return 0, 0, err
		}
		var known bool
		if id, known = fileID(abs, st); !known {
			hashes = nil // the platform cannot tell a changed file
		} else if sum, ok := hashes.Hash(id); ok {
			return st.Size(), sum, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	if *buf == nil {
		*buf = make([]byte, 1<<20)
	}
	x := xxh3.New()
	size, err := io.CopyBuffer(x, f, *buf)
	if err != nil {
		return 0, 0, err
	}
	sum := x.Sum64()
	if hashes != nil {
		if after, err := f.Stat(); err == nil && sameFile(id, after) && size == id.Size &&
			now.Sub(time.Unix(0, max(id.MTime, id.CTime))) > settle {
			hashes.Remember(id, sum)
		}
	}
	return size, sum, nil
}

// sameFile reports whether fi is the state id describes.
func sameFile(id FileID, fi os.FileInfo) bool {
	now, ok := fileID(id.Path, fi)
	return ok && now == id
}
