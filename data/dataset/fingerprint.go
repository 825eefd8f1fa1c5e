package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zeebo/xxh3"

	"github.com/cascade-research/cascade/engine"
)

// Fingerprint returns a hex SHA-256 over the day files of the given kinds
// in [from, to): each file's path relative to root, its size and an xxh3
// hash of its full content. Rewriting a file with the same bytes keeps the
// fingerprint; any change of content, or a day added or removed in the
// range, changes it. It also returns the number of files.
func Fingerprint(root, exchange, symbol string, kinds []engine.Kind, from, to engine.Nanos) (string, int, error) {
	h := sha256.New()
	files := 0
	buf := make([]byte, 1<<20)
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
				f, err := os.Open(p)
				if err != nil {
					return "", 0, fmt.Errorf("fingerprint %s: %w", p, err)
				}
				x := xxh3.New()
				size, err := io.CopyBuffer(x, f, buf)
				f.Close()
				if err != nil {
					return "", 0, fmt.Errorf("fingerprint %s: %w", p, err)
				}
				fmt.Fprintf(h, "%s\x00%d\x00%016x\n", filepath.ToSlash(rel), size, x.Sum64())
				files++
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), files, nil
}
