package parquetfeed

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// The RLE decoder is checked three ways: against a plain reference
// decoder written from the spec (same results, errors included), against
// Arrow's decoder through a Parquet file whose data page is replaced by
// the encoded indices (whatever the reference accepts Arrow must decode to
// the same values), and by round trips of valid encodings.

const (
	harnessRows = 6000
	harnessDict = 1000
)

// encodeHybrid encodes vals with bit width bw as a random mix of repeated
// and bit-packed runs.
func encodeHybrid(rng *rand.Rand, vals []uint32, bw int) []byte {
	var out []byte
	for i := 0; i < len(vals); {
		j := i + 1
		for j < len(vals) && vals[j] == vals[i] {
			j++
		}
		if j-i >= 2 && rng.Intn(3) > 0 {
			out = binary.AppendUvarint(out, uint64(j-i)<<1)
			for b := 0; b < (bw+7)/8; b++ {
				out = append(out, byte(vals[i]>>(8*b)))
			}
			i = j
			continue
		}
		groups := 1 + rng.Intn(4)
		out = binary.AppendUvarint(out, uint64(groups)<<1|1)
		var acc uint64
		var nacc int
		for k := 0; k < groups*8; k++ {
			var v uint32
			if i+k < len(vals) {
				v = vals[i+k]
			}
			acc |= uint64(v) << nacc
			for nacc += bw; nacc >= 8; nacc -= 8 {
				out = append(out, byte(acc))
				acc >>= 8
			}
		}
		i = min(len(vals), i+groups*8)
	}
	return out
}

// refDecode decodes n dictionary indices (bit width byte, then runs) the
// plain way, failing where the fast decoder must fail.
func refDecode(payload []byte, n, dictN int) ([]uint32, error) {
	if n == 0 {
		return nil, nil
	}
	if len(payload) == 0 {
		return nil, errRLE
	}
	bw := int(payload[0])
	if bw > 32 {
		return nil, errBitWidth
	}
	data := payload[1:]
	var out []uint32
	pos := 0
	for len(out) < n {
		ind, k := binary.Uvarint(data[min(pos, len(data)):])
		if k <= 0 {
			return nil, errRLE
		}
		pos += k
		count := uint32(ind >> 1)
		if ind&1 == 0 {
			nb := (bw + 7) / 8
			if count == 0 || count > math.MaxInt32 || len(data)-pos < nb {
				return nil, errRLE
			}
			var v uint64
			for b := 0; b < nb; b++ {
				v |= uint64(data[pos+b]) << (8 * b)
			}
			pos += nb
			for c := uint32(0); c < count && len(out) < n; c++ {
				if v >= uint64(dictN) {
					return nil, errDictIndex
				}
				out = append(out, uint32(v))
			}
			continue
		}
		if count == 0 || count > math.MaxInt32/8 {
			return nil, errRLE
		}
		start := pos * 8
		for c := 0; c < int(count)*8 && len(out) < n; c++ {
			var v uint64
			for b := 0; b < bw; b++ {
				bit := start + c*bw + b
				if bit/8 >= len(data) {
					return nil, errRLE
				}
				v |= uint64(data[bit/8]>>(bit%8)&1) << b
			}
			if v >= uint64(dictN) {
				return nil, errDictIndex
			}
			out = append(out, uint32(v))
		}
		pos += int(count) * bw
	}
	return out, nil
}

func TestRLEMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for iter := 0; iter < 3000; iter++ {
		bw := rng.Intn(33)
		n := 1 + rng.Intn(300)
		dictN := 1 << min(bw, 12)
		vals := make([]uint32, n)
		for i := range vals {
			vals[i] = uint32(rng.Intn(dictN))
			if i > 0 && rng.Intn(3) == 0 {
				vals[i] = vals[i-1]
			}
		}
		payload := append([]byte{byte(bw)}, encodeHybrid(rng, vals, bw)...)
		batch := 1 + rng.Intn(40)
		got, err := fastDecode(payload, n, dictN, batch)
		if err != nil {
			t.Fatalf("bw %d n %d: %v", bw, n, err)
		}
		for i := range vals {
			if got[i] != int32(vals[i]) {
				t.Fatalf("bw %d n %d: value %d = %d, want %d", bw, n, i, got[i], vals[i])
			}
		}
		// Damaged copies: the same values or the same failure as the reference.
		for k := 0; k < 3; k++ {
			bad := append([]byte(nil), payload...)
			switch rng.Intn(3) {
			case 0:
				bad = bad[:rng.Intn(len(bad)+1)]
			case 1:
				bad[rng.Intn(len(bad))] ^= byte(1 + rng.Intn(255))
			default:
				bad = append(bad, byte(rng.Intn(256)))
			}
			ref, refErr := refDecode(bad, n, dictN)
			got, err := fastDecode(bad, n, dictN, batch)
			if (err == nil) != (refErr == nil) {
				t.Fatalf("payload %x: fast err %v, reference err %v", bad, err, refErr)
			}
			for i := range ref {
				if got[i] != int32(ref[i]) {
					t.Fatalf("payload %x: value %d = %d, reference %d", bad, i, got[i], ref[i])
				}
			}
		}
	}
}

// fastDecode runs the fast decoder over payload (with slack, as pages
// have) in reads of batch values.
func fastDecode(payload []byte, n, dictN, batch int) ([]int32, error) {
	dict := make([]int32, dictN)
	for i := range dict {
		dict[i] = int32(i)
	}
	var d rleDecoder
	bw, body := 0, payload
	if len(body) > 0 {
		bw, body = int(body[0]), body[1:]
	}
	if err := d.reset(body, bw); err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for off := 0; off < n; off += batch {
		if err := rleGather(&d, out[off:min(n, off+batch)], dict); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// compactPageHeader encodes a V1 RLE_DICTIONARY data page header, or a
// PLAIN dictionary page header.
func compactPageHeader(typ, numValues, size int) []byte {
	zz := func(b []byte, v int) []byte { return binary.AppendUvarint(b, uint64(uint32(int32(v)<<1^int32(v)>>31))) }
	b := []byte{0x15}
	b = zz(b, typ)
	b = append(b, 0x15)
	b = zz(b, size)
	b = append(b, 0x15)
	b = zz(b, size)
	if typ == pageDictionary {
		b = append(b, 0x4c, 0x15) // field 7, struct; num_values
		b = zz(b, numValues)
		b = append(b, 0x15)
		b = zz(b, encPlain)
		return append(b, 0, 0)
	}
	b = append(b, 0x2c, 0x15) // field 5, struct; num_values
	b = zz(b, numValues)
	for _, e := range []int{encRLEDictionary, encRLE, encRLE} {
		b = append(b, 0x15)
		b = zz(b, e)
	}
	return append(b, 0, 0)
}

// harnessFile is a one-column Parquet file: harnessRows rows of a
// REQUIRED INT32 column "v", uncompressed, written PLAIN in one page so
// that its chunk has room for a dictionary page of harnessDict entries
// (entry i holds i) and a data page of encoded indices. start and end
// delimit the column chunk.
var harnessFile = func() func(t testing.TB) (b []byte, start, end int) {
	var b []byte
	var start, end int
	return func(t testing.TB) ([]byte, int, int) {
		if b != nil {
			return b, start, end
		}
		sc := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int32}}, nil)
		bld := array.NewInt32Builder(memory.DefaultAllocator)
		for i := 0; i < harnessRows; i++ {
			bld.Append(int32(i))
		}
		rec := array.NewRecord(sc, []arrow.Array{bld.NewArray()}, harnessRows)
		var buf bytes.Buffer
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDictionaryDefault(false),
			parquet.WithStats(false), parquet.WithDataPageSize(1<<30), parquet.WithBatchSize(1<<20))
		fw, err := pqarrow.NewFileWriter(sc, &buf, props, pqarrow.DefaultWriterProps())
		if err != nil {
			t.Fatal(err)
		}
		if err := fw.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		b = buf.Bytes()
		f, err := file.NewParquetReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		cc, err := f.MetaData().RowGroup(0).ColumnChunk(0)
		if err != nil {
			t.Fatal(err)
		}
		start = int(cc.DataPageOffset())
		end = start + int(cc.TotalCompressedSize())
		return b, start, end
	}
}()

var errArrowPanic = errors.New("panic")

// withTimeout runs fn and fails the test if it runs for over 5 s.
func withTimeout(t *testing.T, payload []byte, fn func()) {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("decoding %x hangs", payload)
	}
}

// decodeHarness reads column v of file b in reads of batch rows, on the
// fast path or with Arrow's reader; a panic counts as an error.
func decodeHarness(b []byte, batch int, arrowPath bool) (vals []int32, err error) {
	defer setForceArrow(arrowPath)()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errArrowPanic, r)
		}
	}()
	r := bytes.NewReader(b)
	f, err := file.NewParquetReader(r)
	if err != nil {
		return nil, err
	}
	c := newColumn(colSpec{"v", parquet.Types.Int32, false}, harnessRows)
	if err := c.bind("harness", f.MetaData().Schema); err != nil {
		return nil, err
	}
	if err := c.open(f, 0, &fileSrc{r: r, size: int64(len(b)), ok: true}); err != nil {
		return nil, err
	}
	if c.fast.on == arrowPath {
		return nil, errors.New("wrong path")
	}
	out := make([]int32, 0, harnessRows)
	for len(out) < harnessRows {
		k := min(batch, harnessRows-len(out))
		if err := c.read(k); err != nil {
			return nil, err
		}
		out = append(out, c.i32[:k]...)
	}
	return out, nil
}

// checkRLE replaces the harness file's data page by payload and checks
// the fast path against the reference and Arrow.
func checkRLE(t *testing.T, payload []byte, batch int) {
	b, start, end := harnessFile(t)
	dict := make([]byte, 4*harnessDict)
	for i := 0; i < harnessDict; i++ {
		binary.LittleEndian.PutUint32(dict[4*i:], uint32(i))
	}
	chunk := append(compactPageHeader(pageDictionary, harnessDict, len(dict)), dict...)
	chunk = append(append(chunk, compactPageHeader(pageData, harnessRows, len(payload))...), payload...)
	if len(chunk) > end-start {
		t.Skip("payload too long")
	}
	nb := append([]byte(nil), b...)
	copy(nb[start:], chunk)
	clear(nb[start+len(chunk) : end])
	ref, refErr := refDecode(payload, harnessRows, harnessDict)
	var fast []int32
	var fastErr error
	withTimeout(t, payload, func() { fast, fastErr = decodeHarness(nb, batch, false) })
	if (refErr == nil) != (fastErr == nil) {
		t.Fatalf("reference err %v, fast path err %v", refErr, fastErr)
	}
	if refErr != nil {
		return
	}
	var slow []int32
	var slowErr error
	withTimeout(t, payload, func() { slow, slowErr = decodeHarness(nb, batch, true) })
	if errors.Is(slowErr, errArrowPanic) {
		// Arrow v17 panics on some valid streams (bit-packed runs of bit
		// width 0, for one); the fast path decodes them.
		return
	}
	if slowErr != nil {
		t.Fatalf("Arrow fails (%v) on data the fast path decodes", slowErr)
	}
	for i := range ref {
		if fast[i] != int32(ref[i]) || slow[i] != fast[i] {
			t.Fatalf("value %d: fast %d, Arrow %d, reference %d", i, fast[i], slow[i], ref[i])
		}
	}
}

func TestRLEHarnessValid(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for iter := 0; iter < 50; iter++ {
		bw := bits.Len(harnessDict-1) + rng.Intn(3)
		vals := make([]uint32, harnessRows)
		for i := range vals {
			vals[i] = uint32(rng.Intn(harnessDict))
			if i > 0 && rng.Intn(2) == 0 {
				vals[i] = vals[i-1]
			}
		}
		t.Run(fmt.Sprint(iter), func(t *testing.T) {
			checkRLE(t, append([]byte{byte(bw)}, encodeHybrid(rng, vals, bw)...), 1+rng.Intn(700))
		})
	}
}

func FuzzRLE(f *testing.F) {
	rng := rand.New(rand.NewSource(13))
	for _, bw := range []int{0, 1, 10, 11, 17, 32} {
		vals := make([]uint32, harnessRows)
		for i := range vals {
			if bw > 0 {
				vals[i] = uint32(rng.Intn(harnessDict)) & (1<<bw - 1)
			}
		}
		f.Add(append([]byte{byte(bw)}, encodeHybrid(rng, vals, bw)...), uint16(1+rng.Intn(500)))
	}
	f.Add([]byte{10, 3, 0xff, 0xff}, uint16(7))
	f.Add([]byte{40, 0x80, 0x01, 1, 2, 3, 4, 5}, uint16(4000))
	f.Fuzz(func(t *testing.T, payload []byte, batch uint16) {
		checkRLE(t, payload, 1+int(batch)%harnessRows)
	})
}

func FuzzPageHeader(f *testing.F) {
	f.Add(compactPageHeader(pageData, 10, 100))
	f.Add(compactPageHeader(pageDictionary, 10, 40))
	f.Add([]byte{0x15, 0x04, 0x15, 0x02, 0x15, 0x02, 0x1c, 0x15, 0x02, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		var h pageHeader
		if parsePageHeader(b, &h) == nil && (h.headerLen > len(b) || h.numValues < 0 || h.compressedSize < 0) {
			t.Fatalf("accepted %x as %+v", b, h)
		}
	})
}
