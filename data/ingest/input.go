package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// openInput opens path for reading, undoing gzip (detected by magic bytes)
// or zip (a .zip holding one data file, detected by magic bytes) and
// stripping a UTF-8 byte-order mark.
func openInput(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	var r io.Reader = f
	closers := []io.Closer{f}
	if n == 4 && bytes.Equal(magic[:], []byte("PK\x03\x04")) {
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		zr, err := zip.NewReader(f, st.Size())
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("zip: %w", err)
		}
		var members []*zip.File
		for _, zf := range zr.File {
			if !zf.FileInfo().IsDir() && !strings.HasPrefix(zf.Name, "__MACOSX/") {
				members = append(members, zf)
			}
		}
		if len(members) != 1 {
			f.Close()
			names := make([]string, len(members))
			for i, m := range members {
				names[i] = m.Name
			}
			return nil, fmt.Errorf("zip holds %d files %v, want exactly one", len(members), names)
		}
		rc, err := members[0].Open()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("zip member %s: %w", members[0].Name, err)
		}
		r = rc
		closers = append(closers, rc)
	}
	br := bufio.NewReaderSize(r, 1<<16)
	if b, _ := br.Peek(2); len(b) == 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeAll(closers)
			return nil, fmt.Errorf("gzip: %w", err)
		}
		closers = append(closers, zr)
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	return &readCloser{Reader: br, closers: closers}, nil
}

type readCloser struct {
	io.Reader
	closers []io.Closer
}

func (r *readCloser) Close() error { return closeAll(r.closers) }

func closeAll(cs []io.Closer) error {
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		errs = append(errs, cs[i].Close())
	}
	return errors.Join(errs...)
}

// record is one source record: CSV fields or a JSON object.
type record struct {
	line   int            // 1-based line where the record starts
	fields []string       // csv
	obj    map[string]any // json, jsonl
}

// recordReader yields records; next returns io.EOF at the end.
type recordReader interface {
	next() (*record, error)
}

// csvReader reads CSV lines; blank lines are skipped.
type csvReader struct {
	sc     *bufio.Scanner
	delim  byte
	line   int
	rec    record
	pushed bool // next returns rec again
}

// pushBack makes the next call to next return the current record again.
func (c *csvReader) pushBack() { c.pushed = true }

func newCSVReader(r io.Reader, delim byte) *csvReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 16<<20)
	return &csvReader{sc: sc, delim: delim}
}

// rawLine returns the next non-blank line and its number.
func (c *csvReader) rawLine() (string, int, error) {
	for c.sc.Scan() {
		c.line++
		s := c.sc.Text()
		if strings.TrimSpace(s) == "" {
			continue
		}
		return s, c.line, nil
	}
	if err := c.sc.Err(); err != nil {
		return "", c.line, err
	}
	return "", c.line, io.EOF
}

func (c *csvReader) next() (*record, error) {
	if c.pushed {
		c.pushed = false
		return &c.rec, nil
	}
	s, line, err := c.rawLine()
	if err != nil {
		return nil, err
	}
	c.rec.line = line
	c.rec.fields, err = SplitCSVLine(s, c.delim, c.rec.fields)
	if err != nil {
		return &c.rec, err
	}
	for i, f := range c.rec.fields {
		c.rec.fields[i] = strings.TrimSpace(f)
	}
	return &c.rec, nil
}

// jsonlReader reads one JSON object per line.
type jsonlReader struct{ csv *csvReader }

func (j *jsonlReader) next() (*record, error) {
	s, line, err := j.csv.rawLine()
	if err != nil {
		return nil, err
	}
	rec := &record{line: line}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&rec.obj); err != nil {
		return rec, fmt.Errorf("not a JSON object: %v", err)
	}
	if rec.obj == nil {
		return rec, fmt.Errorf("not a JSON object")
	}
	return rec, nil
}

// jsonReader walks an array of objects inside a JSON document.
type jsonReader struct {
	data []byte
	dec  *json.Decoder
	off  int // bytes already scanned for newlines
	line int
	idx  int
}

func newJSONReader(r io.Reader, path string) (*jsonReader, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	j := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), line: 1}
	j.dec.UseNumber()
	var segs []string
	if path != "" {
		segs = strings.Split(path, ".")
	}
	for depth, seg := range segs {
		if err := j.expect('{', strings.Join(segs[:depth], ".")); err != nil {
			return nil, err
		}
		found := false
		for j.dec.More() {
			tok, err := j.dec.Token()
			if err != nil {
				return nil, fmt.Errorf("json: %w", err)
			}
			if tok == seg {
				found = true
				break
			}
			var skip json.RawMessage
			if err := j.dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("json: %w", err)
			}
		}
		if !found {
			return nil, fmt.Errorf("json: no key %q at %s", seg, orTop(strings.Join(segs[:depth], ".")))
		}
	}
	if err := j.expect('[', path); err != nil {
		return nil, err
	}
	return j, nil
}

func orTop(p string) string {
	if p == "" {
		return "the top level"
	}
	return p
}

func (j *jsonReader) expect(d json.Delim, at string) error {
	tok, err := j.dec.Token()
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if tok != d {
		want := "an object"
		if d == '[' {
			want = "an array"
		}
		return fmt.Errorf("json: %s is %v, want %s (check json_path)", orTop(at), tok, want)
	}
	return nil
}

func (j *jsonReader) next() (*record, error) {
	if !j.dec.More() {
		return nil, io.EOF
	}
	// Find where the element starts, to report its line.
	start := int(j.dec.InputOffset())
	for start < len(j.data) && strings.IndexByte(" \t\r\n,", j.data[start]) >= 0 {
		start++
	}
	if start > j.off {
		j.line += bytes.Count(j.data[j.off:start], []byte{'\n'})
		j.off = start
	}
	j.idx++
	rec := &record{line: j.line}
	var v any
	if err := j.dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("json: element %d: %w", j.idx, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return rec, fmt.Errorf("element %d is %T, want an object", j.idx, v)
	}
	rec.obj = obj
	return rec, nil
}

// jsonField returns a JSON value as text: numbers and strings as written,
// booleans as true/false; null or absent is not found. A dotted key that
// is not present as such is looked up in nested objects.
func jsonField(obj map[string]any, key string) (string, bool) {
	v, ok := obj[key]
	if !ok && strings.Contains(key, ".") {
		cur := any(obj)
		for _, seg := range strings.Split(key, ".") {
			m, isObj := cur.(map[string]any)
			if !isObj {
				return "", false
			}
			if cur, ok = m[seg]; !ok {
				return "", false
			}
		}
		v = cur
	}
	switch x := v.(type) {
	case nil:
		return "", false
	case json.Number:
		return x.String(), true
	case string:
		return strings.TrimSpace(x), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	default:
		b, _ := json.Marshal(x)
		return string(b), true
	}
}
