package dataset

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/cascade-research/cascade/engine"
)

// DefaultRowGroupRows is the default number of rows per Parquet row group:
// small enough to skip by statistics at sub-day granularity and to stream
// in bounded memory, large enough for good compression.
const DefaultRowGroupRows = 256 * 1024

// PartFile is the name of the file Writer writes in each day partition.
const PartFile = "part-0.parquet"

// Writer writes tables into a dataset, one file per kind and UTC day.
type Writer struct {
	Root     string
	Exchange string
	Symbol   string
	// RowGroupRows is the maximum rows per row group (DefaultRowGroupRows if 0).
	RowGroupRows int
}

// Write validates t, splits it by UTC day and writes each day's rows to
// <day dir>/part-0.parquet, replacing any previous file atomically (the new
// file is written under a temporary name and renamed into place, so readers
// never see a half-written file). It returns the paths written.
func (w *Writer) Write(t Table) ([]string, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("write %s for %s/%s: %w", t.Kind(), w.Exchange, w.Symbol, err)
	}
	var paths []string
	n := t.Len()
	for i := 0; i < n; {
		day := t.TSAt(i).DayStart()
		j := i + 1
		for j < n && t.TSAt(j) < day+engine.Day {
			j++
		}
		path := filepath.Join(DayDir(w.Root, w.Exchange, w.Symbol, t.Kind(), day.Time()), PartFile)
		if err := WriteFile(path, t.Slice(i, j), w.RowGroupRows); err != nil {
			return paths, err
		}
		paths = append(paths, path)
		i = j
	}
	return paths, nil
}

// WriterProperties returns the Parquet properties Cascade writes with: zstd,
// dictionary encoding except on ts and trade_id (which are near-unique),
// statistics on (min/max of ts let readers skip row groups).
func WriterProperties(rowGroupRows int) *parquet.WriterProperties {
	if rowGroupRows <= 0 {
		rowGroupRows = DefaultRowGroupRows
	}
	return parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithMaxRowGroupLength(int64(rowGroupRows)),
		parquet.WithDictionaryDefault(true),
		parquet.WithDictionaryFor("ts", false),
		parquet.WithDictionaryFor("trade_id", false),
		parquet.WithStats(true),
		parquet.WithCreatedBy("cascade"),
	)
}

// WriteFile writes t to path atomically (temporary file in the same
// directory, fsync, rename), creating directories as needed.
func WriteFile(path string, t Table, rowGroupRows int) (err error) {
	if rowGroupRows <= 0 {
		rowGroupRows = DefaultRowGroupRows
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.parquet")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	mem := memory.NewGoAllocator()
	rec := Record(mem, t)
	defer rec.Release()
	fw, err := pqarrow.NewFileWriter(rec.Schema(), f, WriterProperties(rowGroupRows), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	n := rec.NumRows()
	for off := int64(0); off < n || (n == 0 && off == 0); off += int64(rowGroupRows) {
		end := min(off+int64(rowGroupRows), n)
		part := rec.NewSlice(off, end)
		werr := fw.Write(part)
		part.Release()
		if werr != nil {
			fw.Close()
			return fmt.Errorf("write %s: %w", path, werr)
		}
		if n == 0 {
			break
		}
	}
	if err := fw.Close(); err != nil { // closes f too
		return fmt.Errorf("write %s: %w", path, err)
	}
	// fw.Close closed f; reopen to fsync so a crash cannot leave a renamed
	// but empty file.
	if g, err := os.Open(tmp); err == nil {
		serr := g.Sync()
		g.Close()
		if serr != nil {
			return fmt.Errorf("write %s: sync: %w", path, serr)
		}
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
