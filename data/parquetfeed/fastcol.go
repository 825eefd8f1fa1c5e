package parquetfeed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unsafe"

	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/metadata"
)

// The fast path decodes the column chunks Cascade writes — INT64, INT32
// and DOUBLE columns, REQUIRED or (DOUBLE only) OPTIONAL, PLAIN or
// dictionary-encoded, uncompressed or zstd — from the pages read by chunk
// straight into the column's batch buffers. Every other chunk (another
// codec or encoding, byte arrays, nesting, encryption, odd page layouts)
// goes through Arrow's column-chunk reader as before; a chunk's path is
// chosen once, from its metadata and page headers, before any row of it is
// decoded. Both paths yield bit-identical values (fast_test.go).

// forceArrow disables the fast path (tests compare the two paths).
var forceArrow = false

// littleEndian: PLAIN values are copied as bytes, which needs a
// little-endian host; elsewhere every chunk takes Arrow's path.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// fastState is a column's fast-path decoding state for its current chunk.
type fastState struct {
	on       bool // the current chunk decodes here
	ch       chunk
	pageLeft int  // levels (rows) left in the current page
	dictPage bool // the current page holds dictionary indices
	plain    []byte
	idx      rleDecoder
	defs     rleDecoder
	hasDict  bool
	dictOK   bool     // every dictionary entry passes the column's rule
	dictN    int      // dictionary entries
	dictW    []uint64 // dictionary values (8-byte aligned storage)
}

// fileSrc is what a column needs from the open file for the fast path.
type fileSrc struct {
	r    io.ReaderAt
	size int64
	ok   bool // the file's writer and host allow the fast path
}

// openFast tries to set the column up to decode chunk c.idx of row group
// md on the fast path; false means use Arrow's reader.
func (c *column) openFast(md *metadata.RowGroupMetaData, src *fileSrc) (bool, error) {
	c.fast.on = false
	if forceArrow || !src.ok || c.maxRep != 0 {
		return false, nil
	}
	switch c.spec.typ {
	case parquet.Types.Int64, parquet.Types.Int32:
		if c.maxDef != 0 {
			return false, nil
		}
	case parquet.Types.Double:
		if c.maxDef > 1 {
			return false, nil
		}
	default:
		return false, nil
	}
	cc, err := md.ColumnChunk(c.idx)
	if err != nil || cc.CryptoMetadata() != nil {
		return false, nil
	}
	codec := cc.Compression()
	if codec != compress.Codecs.Uncompressed && codec != compress.Codecs.Zstd {
		return false, nil
	}
	start := cc.DataPageOffset()
	if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && start > cc.DictionaryPageOffset() {
		start = cc.DictionaryPageOffset()
	}
	n := cc.TotalCompressedSize()
	if start < 0 || n <= 0 || n > src.size || start > src.size-n || n > math.MaxInt32 {
		return false, nil // Arrow reports it
	}
	f := &c.fast
	f.ch.codec = codec
	ok, err := f.ch.load(src.r, start, n, cc.NumValues(), c.pageSupported)
	if err != nil || !ok {
		return false, err
	}
	f.on, f.pageLeft, f.dictPage, f.hasDict, f.dictOK, f.dictN = true, 0, false, false, false, 0
	return true, nil
}

// pageSupported says whether the fast path decodes page number i of the
// chunk with header h: a PLAIN dictionary page first, if any, then data
// pages (v1 or v2) of PLAIN values or dictionary indices, with RLE
// definition levels when the column is OPTIONAL.
func (c *column) pageSupported(h *pageHeader, i int) bool {
	dataEnc := func() bool {
		switch h.encoding {
		case encPlain:
			return true
		case encPlainDict, encRLEDictionary:
			p := c.fast.ch.pages
			return len(p) > 0 && p[0].hdr.typ == pageDictionary
		}
		return false
	}
	switch h.typ {
	case pageDictionary:
		return i == 0 && (h.encoding == encPlain || h.encoding == encPlainDict)
	case pageData:
		return dataEnc() && (c.maxDef == 0 || h.defEncoding == encRLE)
	case pageDataV2:
		return dataEnc() && h.repLen == 0 && (c.maxDef > 0 || h.defLen == 0)
	}
	return false
}

// valueSize is the byte size of one value of the column's physical type.
func (c *column) valueSize() int {
	if c.spec.typ == parquet.Types.Int32 {
		return 4
	}
	return 8
}

// nextPage moves to the chunk's next data page, loading the dictionary
// page first if there is one.
func (c *column) nextPage() error {
	f := &c.fast
	for {
		h, data, err := f.ch.page()
		if err == io.EOF {
			return errors.New("column chunk has fewer values than its row group (truncated column chunk?)")
		}
		if err != nil {
			return err
		}
		size := c.valueSize()
		if h.typ == pageDictionary {
			n := int(h.numValues)
			if len(data)/size < n {
				return fmt.Errorf("dictionary page of %d bytes holds fewer than %d values", len(data), n)
			}
			if cap(f.dictW)*8 < n*size {
				f.dictW = make([]uint64, (n*size+7)/8)
			}
			f.dictW = f.dictW[:(n*size+7)/8]
			copy(wordBytes(f.dictW), data[:n*size])
			f.hasDict, f.dictN = true, n
			f.dictOK = c.dictPasses()
			continue
		}
		body := data
		if c.maxDef > 0 {
			var lv []byte
			if h.typ == pageDataV2 {
				if int(h.defLen) > len(body) {
					return errors.New("definition levels longer than the data page")
				}
				lv, body = body[:h.defLen], body[h.defLen:]
			} else {
				if len(body) < 4 {
					return errors.New("data page too short for its definition levels")
				}
				l := int32(binary.LittleEndian.Uint32(body))
				if l < 0 || int(l) > len(body)-4 {
					return errors.New("invalid definition levels length (corrupt data page?)")
				}
				lv, body = body[4:4+l], body[4+l:]
			}
			if err := f.defs.reset(lv, 1); err != nil {
				return err
			}
		}
		f.dictPage = h.encoding != encPlain
		if f.dictPage {
			bw := 0
			if len(body) > 0 {
				bw, body = int(body[0]), body[1:]
			}
			if err := f.idx.reset(body, bw); err != nil {
				return err
			}
		} else {
			f.plain = body
		}
		f.pageLeft = int(h.numValues)
		if f.pageLeft > 0 {
			return nil
		}
	}
}

// wordBytes views w as bytes.
func wordBytes(w []uint64) []byte {
	if len(w) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&w[0])), len(w)*8)
}

// dictOf views the dictionary as []T.
func dictOf[T int32 | int64 | float64](f *fastState) []T {
	if f.dictN == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&f.dictW[0])), f.dictN)
}

// decodeValues decodes len(out) values of the current page (no levels).
func decodeValues[T int32 | int64 | float64](f *fastState, out []T) error {
	if len(out) == 0 {
		return nil
	}
	if f.dictPage {
		return rleGather(&f.idx, out, dictOf[T](f))
	}
	nb := len(out) * int(unsafe.Sizeof(out[0]))
	if len(f.plain) < nb {
		return errors.New("data page holds fewer values than its header says")
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), nb), f.plain)
	f.plain = f.plain[nb:]
	return nil
}

// Validation rules a column's values may be known to pass (column.rule).
const (
	ruleNone     = iota
	rulePositive // finite and > 0 (DOUBLE)
	ruleSide     // +1 or -1 (INT32)
)

// dictPasses says whether every dictionary entry passes c.rule.
func (c *column) dictPasses() bool {
	switch c.rule {
	case rulePositive:
		if c.spec.typ != parquet.Types.Double {
			return false
		}
		for _, x := range dictOf[float64](&c.fast) {
			if badPositive(x) {
				return false
			}
		}
		return true
	case ruleSide:
		if c.spec.typ != parquet.Types.Int32 {
			return false
		}
		for _, x := range dictOf[int32](&c.fast) {
			if x != 1 && x != -1 {
				return false
			}
		}
		return true
	}
	return false
}

// readRequired decodes the next len(out) rows of a REQUIRED column.
func readRequired[T int32 | int64 | float64](c *column, out []T) error {
	f := &c.fast
	c.clean = c.rule != ruleNone
	for len(out) > 0 {
		if f.pageLeft == 0 {
			if err := c.nextPage(); err != nil {
				return err
			}
		}
		c.clean = c.clean && f.dictPage && f.dictOK
		k := min(len(out), f.pageLeft)
		if err := decodeValues(f, out[:k]); err != nil {
			return err
		}
		f.pageLeft -= k
		out = out[k:]
	}
	return nil
}

// readOptionalF64 decodes the next n rows of an OPTIONAL DOUBLE column,
// NaN for nulls, as read does with Arrow's reader.
func (c *column) readOptionalF64(n int) error {
	f := &c.fast
	for off := 0; off < n; {
		if f.pageLeft == 0 {
			if err := c.nextPage(); err != nil {
				return err
			}
		}
		k := min(n-off, f.pageLeft)
		lv := c.def[off : off+k]
		present, err := f.defs.levels(lv, c.maxDef)
		if err != nil {
			return fmt.Errorf("definition levels: %w", err)
		}
		out := c.f64[off : off+k]
		if present == k {
			err = decodeValues(f, out)
		} else if err = decodeValues(f, c.packed[:present]); err == nil {
			j := 0
			for i, l := range lv {
				if l == c.maxDef {
					out[i] = c.packed[j]
					j++
				} else {
					out[i] = math.NaN()
				}
			}
		}
		if err != nil {
			return err
		}
		f.pageLeft -= k
		off += k
	}
	return nil
}

// readFast decodes the next n rows on the fast path.
func (c *column) readFast(n int) error {
	var err error
	switch c.spec.typ {
	case parquet.Types.Int64:
		err = readRequired(c, c.i64[:n])
	case parquet.Types.Int32:
		err = readRequired(c, c.i32[:n])
	case parquet.Types.Double:
		if c.maxDef > 0 {
			err = c.readOptionalF64(n)
		} else {
			err = readRequired(c, c.f64[:n])
		}
	}
	if err != nil {
		return fmt.Errorf("column %q: %w", c.spec.name, err)
	}
	return nil
}
