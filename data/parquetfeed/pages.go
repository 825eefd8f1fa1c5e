package parquetfeed

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// This file reads a column chunk's pages without Arrow: the chunk's bytes
// are read with one ReadAt into a buffer the column reuses, the page
// headers (Thrift compact protocol) are parsed here, and zstd pages are
// decompressed with a decoder the source owns into another reused buffer.
// Arrow's page reader instead allocates and copies the chunk twice and
// allocates (and zeroes) a new buffer per page.

// Parquet page types and encodings (parquet.thrift).
const (
	pageData       = 0
	pageDictionary = 2
	pageDataV2     = 3

	encPlain          = 0
	encPlainDict      = 2
	encRLE            = 3
	encRLEDictionary  = 8
	maxPageHeaderSize = 16 << 20 // Arrow's default limit
)

// pageSlack is the number of readable bytes every page buffer keeps past
// its end, so that the bit unpacker can load 8 bytes at any bit position
// inside the page.
const pageSlack = 8

// pageHeader holds the fields of a Parquet PageHeader the fast path uses.
type pageHeader struct {
	typ              int32
	uncompressedSize int32
	compressedSize   int32
	numValues        int32 // data, dictionary and v2 pages
	encoding         int32
	defEncoding      int32 // v1
	defLen, repLen   int32 // v2: byte lengths of the (uncompressed) levels
	v2Compressed     bool  // v2
	headerLen        int   // bytes of the header itself
}

var errThrift = errors.New("bad page header")

// thrift is a minimal Thrift compact-protocol reader over a byte slice.
type thrift struct {
	b   []byte
	pos int
	err bool
}

func (t *thrift) byte() byte {
	if t.pos >= len(t.b) {
		t.err = true
		return 0
	}
	c := t.b[t.pos]
	t.pos++
	return c
}

func (t *thrift) uvarint() uint64 {
	var x uint64
	for s := uint(0); s < 64; s += 7 {
		c := t.byte()
		if t.err {
			return 0
		}
		x |= uint64(c&0x7f) << s
		if c < 0x80 {
			return x
		}
	}
	t.err = true
	return 0
}

func (t *thrift) i32() int32 {
	u := t.uvarint()
	if u > 0xffffffff {
		t.err = true
	}
	return int32(uint32(u)>>1) ^ -int32(u&1)
}

// Compact protocol field types.
const (
	ctTrue, ctFalse, ctByte, ctI16, ctI32, ctI64, ctDouble, ctBinary, ctList, ctSet, ctMap, ctStruct = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
)

// field reads a field header; ok is false at the struct's stop byte.
func (t *thrift) field(last *int16) (id int16, typ byte, ok bool) {
	c := t.byte()
	if t.err || c == 0 {
		return 0, 0, false
	}
	typ = c & 0x0f
	if d := c >> 4; d != 0 {
		id = *last + int16(d)
	} else {
		id = int16(t.i32())
	}
	*last = id
	return id, typ, !t.err
}

// skip skips a value of compact type typ.
func (t *thrift) skip(typ byte, depth int) {
	if depth > 32 {
		t.err = true
		return
	}
	switch typ {
	case ctTrue, ctFalse:
	case ctByte:
		t.byte()
	case ctI16, ctI32, ctI64:
		t.uvarint()
	case ctDouble:
		t.pos += 8
	case ctBinary:
		n := t.uvarint()
		if n > uint64(len(t.b)-t.pos) {
			t.err = true
			return
		}
		t.pos += int(n)
	case ctList, ctSet:
		c := t.byte()
		n, et := uint64(c>>4), c&0x0f
		if n == 15 {
			n = t.uvarint()
		}
		for i := uint64(0); i < n && !t.err; i++ {
			t.skipElem(et, depth)
		}
	case ctMap:
		n := t.uvarint()
		if n == 0 {
			return
		}
		c := t.byte()
		for i := uint64(0); i < n && !t.err; i++ {
			t.skipElem(c>>4, depth)
			t.skipElem(c&0x0f, depth)
		}
	case ctStruct:
		var last int16
		for !t.err {
			_, ft, ok := t.field(&last)
			if !ok {
				return
			}
			t.skip(ft, depth+1)
		}
	default:
		t.err = true
	}
	if t.pos > len(t.b) {
		t.err = true
	}
}

// skipElem skips a container element: booleans take a byte there.
func (t *thrift) skipElem(typ byte, depth int) {
	if typ == ctTrue || typ == ctFalse {
		t.byte()
		return
	}
	t.skip(typ, depth+1)
}

// parsePageHeader parses the PageHeader at the start of b.
func parsePageHeader(b []byte, h *pageHeader) error {
	*h = pageHeader{typ: -1, uncompressedSize: -1, compressedSize: -1, numValues: -1, encoding: -1, defEncoding: -1, v2Compressed: true}
	t := thrift{b: b}
	var last int16
	var sub bool
	for {
		id, typ, ok := t.field(&last)
		if !ok {
			break
		}
		switch {
		case id == 1 && typ == ctI32:
			h.typ = t.i32()
		case id == 2 && typ == ctI32:
			h.uncompressedSize = t.i32()
		case id == 3 && typ == ctI32:
			h.compressedSize = t.i32()
		case (id == 5 || id == 7 || id == 8) && typ == ctStruct:
			// data_page_header, dictionary_page_header, data_page_header_v2
			if sub {
				return errThrift // more than one page kind
			}
			sub = true
			t.subHeader(id, h)
		default:
			t.skip(typ, 0)
		}
		if t.err {
			return errThrift
		}
	}
	if t.err || !sub || h.typ < 0 || h.uncompressedSize < 0 || h.compressedSize < 0 || h.numValues < 0 || h.encoding < 0 {
		return errThrift
	}
	h.headerLen = t.pos
	return nil
}

// subHeader parses a DataPageHeader (id 5), DictionaryPageHeader (7) or
// DataPageHeaderV2 (8).
func (t *thrift) subHeader(which int16, h *pageHeader) {
	var last int16
	h.defLen, h.repLen = -1, -1
	for !t.err {
		id, typ, ok := t.field(&last)
		if !ok {
			break
		}
		switch {
		case id == 1 && typ == ctI32:
			h.numValues = t.i32()
		case which == 5 && id == 2 && typ == ctI32, which == 7 && id == 2 && typ == ctI32, which == 8 && id == 4 && typ == ctI32:
			h.encoding = t.i32()
		case which == 5 && id == 3 && typ == ctI32:
			h.defEncoding = t.i32()
		case which == 8 && id == 5 && typ == ctI32:
			h.defLen = t.i32()
		case which == 8 && id == 6 && typ == ctI32:
			h.repLen = t.i32()
		case which == 8 && id == 7 && (typ == ctTrue || typ == ctFalse):
			h.v2Compressed = typ == ctTrue
		default:
			t.skip(typ, 1)
		}
	}
	switch which {
	case 5:
		if h.typ != pageData {
			t.err = true
		}
	case 7:
		if h.typ != pageDictionary {
			t.err = true
		}
	case 8:
		if h.typ != pageDataV2 || h.defLen < 0 || h.repLen < 0 {
			t.err = true
		}
	}
}

// pageRef locates one page of the current chunk.
type pageRef struct {
	hdr  pageHeader
	body int // offset of the page body in chunk.raw
}

// chunk is one column chunk's bytes and its parsed page list.
type chunk struct {
	raw   []byte // the chunk's bytes (cap >= len+pageSlack)
	pages []pageRef
	next  int // next page to decode
	codec compress.Compression
	buf   []byte         // decompressed page (reused)
	zstd  **zstd.Decoder // the source's decoder, created on first use
}

// load reads n bytes at off and lists the pages holding the chunk's first
// numValues values. ok is false when the chunk uses anything the fast path
// does not decode (then the caller uses Arrow's reader instead, which
// also reports any corruption the way it always has).
func (c *chunk) load(r io.ReaderAt, off, n, numValues int64, ok func(*pageHeader, int) bool) (bool, error) {
	if cap(c.raw) < int(n)+pageSlack {
		c.raw = make([]byte, n, n+n/4+pageSlack)
	}
	c.raw = c.raw[:n]
	if m, err := r.ReadAt(c.raw, off); m != int(n) {
		return false, fmt.Errorf("read %d bytes at offset %d: got %d: %w", n, off, m, err)
	}
	c.pages, c.next = c.pages[:0], 0
	var seen int64
	for pos := 0; seen < numValues; {
		if pos >= len(c.raw) {
			return false, nil
		}
		var p pageRef
		end := min(len(c.raw), pos+maxPageHeaderSize)
		if parsePageHeader(c.raw[pos:end], &p.hdr) != nil {
			return false, nil
		}
		p.body = pos + p.hdr.headerLen
		if int64(p.hdr.compressedSize) > int64(len(c.raw)-p.body) || !ok(&p.hdr, len(c.pages)) {
			return false, nil
		}
		pos = p.body + int(p.hdr.compressedSize)
		if p.hdr.typ != pageDictionary {
			seen += int64(p.hdr.numValues)
		}
		c.pages = append(c.pages, p)
	}
	return true, nil
}

// page returns the next page's header and uncompressed bytes (with at
// least pageSlack readable bytes past the end), or io.EOF.
func (c *chunk) page() (*pageHeader, []byte, error) {
	if c.next >= len(c.pages) {
		return nil, nil, io.EOF
	}
	p := &c.pages[c.next]
	c.next++
	h := &p.hdr
	src := c.raw[p.body : p.body+int(h.compressedSize)]
	if c.codec == compress.Codecs.Uncompressed || (h.typ == pageDataV2 && !h.v2Compressed) {
		if h.compressedSize != h.uncompressedSize {
			return nil, nil, fmt.Errorf("page of %d bytes says %d uncompressed", h.compressedSize, h.uncompressedSize)
		}
		if cap(src)-len(src) >= pageSlack {
			return h, src, nil
		}
		buf := c.buffer(len(src)) // the chunk's last page and no slack after it
		copy(buf, src)
		return h, buf, nil
	}
	levels := 0
	if h.typ == pageDataV2 {
		levels = int(h.defLen) + int(h.repLen)
		if levels > len(src) || levels > int(h.uncompressedSize) {
			return nil, nil, fmt.Errorf("page levels of %d bytes exceed the page", levels)
		}
	}
	size := int(h.uncompressedSize)
	dst := c.buffer(size)
	copy(dst, src[:levels])
	if *c.zstd == nil {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true))
		if err != nil {
			return nil, nil, err
		}
		*c.zstd = d
	}
	// The cap limit makes an oversized frame an error instead of a
	// reallocation; the slack stays spare.
	out, err := (*c.zstd).DecodeAll(src[levels:], dst[:levels:size])
	if err != nil {
		return nil, nil, fmt.Errorf("zstd: %w", err)
	}
	if len(out) != size {
		return nil, nil, fmt.Errorf("page decompressed to %d bytes, header says %d", len(out), size)
	}
	if size > 0 && &out[0] != &dst[0] {
		copy(dst, out) // not expected with the cap limit; be safe
	}
	return h, dst, nil
}

// buffer returns c.buf resized to n bytes with pageSlack spare capacity.
func (c *chunk) buffer(n int) []byte {
	if cap(c.buf) < n+pageSlack {
		c.buf = make([]byte, n, n+n/4+pageSlack)
	}
	c.buf = c.buf[:n]
	return c.buf
}
