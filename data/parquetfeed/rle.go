package parquetfeed

import (
	"encoding/binary"
	"errors"
	"math"
)

// rleDecoder decodes Parquet's RLE/bit-packed hybrid encoding for bit
// widths 0-32: dictionary indices and definition levels.
//
// It accepts what Arrow's decoder accepts for well-formed data and yields
// the same values (rle_test.go checks it against Arrow and a reference
// decoder). On malformed data it is stricter: a bit-packed run cut short
// by the end of the data, or a bit width over 32, is an error where Arrow
// may return zero-padded or truncated values. (Arrow v17 panics on
// bit-packed runs of bit width 0; they decode here to zeros.)
type rleDecoder struct {
	data    []byte // the encoded runs, resliced to include pageSlack bytes
	pos     int    // byte offset of the next run header
	end     int    // len of the encoded data
	bw      uint   // bit width
	mask    uint64 // low bw bits
	rleLeft int    // values left in the current repeated run
	rleVal  uint64 // its value
	litLeft int    // values left in the current bit-packed run
	bit     uint   // bit offset in data of the next bit-packed value
	scratch []byte // padded copy of data when it lacks slack
}

var (
	errRLE       = errors.New("corrupt RLE/bit-packed data (truncated or invalid run)")
	errDictIndex = errors.New("dictionary index out of range")
	errBitWidth  = errors.New("bit width over 32")
)

// reset starts decoding data with bit width bw.
func (d *rleDecoder) reset(data []byte, bw int) error {
	if bw < 0 || bw > 32 {
		return errBitWidth
	}
	n := len(data)
	if cap(data)-n < pageSlack {
		d.scratch = append(append(d.scratch[:0], data...), make([]byte, pageSlack)...)
		data = d.scratch
	}
	d.data, d.pos, d.end = data[:n+pageSlack], 0, n
	d.bw, d.mask = uint(bw), uint64(1)<<bw-1
	d.rleLeft, d.litLeft, d.bit = 0, 0, 0
	return nil
}

// nextRun reads the next run header; an error means the data ended or the
// header is invalid (Arrow stops on the same headers).
func (d *rleDecoder) nextRun() error {
	if d.pos >= d.end {
		return errRLE
	}
	ind, n := binary.Uvarint(d.data[d.pos:d.end])
	if n <= 0 {
		return errRLE
	}
	d.pos += n
	count := uint32(ind >> 1)
	if ind&1 != 0 { // bit-packed: count groups of 8 values
		if count == 0 || count > math.MaxInt32/8 {
			return errRLE
		}
		vals := int(count) * 8
		nbytes := int64(count) * int64(d.bw)
		d.bit = uint(d.pos) * 8
		if avail := int64(d.end - d.pos); nbytes > avail {
			// Only the values whose bits are all present; a later read
			// past them fails at the next header.
			vals = int(avail * 8 / int64(d.bw))
			nbytes = avail
		}
		d.pos += int(nbytes)
		d.litLeft = vals
		return nil
	}
	if count == 0 || count > math.MaxInt32 {
		return errRLE
	}
	nb := int(d.bw+7) / 8
	if d.end-d.pos < nb {
		return errRLE
	}
	var v uint64
	for i := nb - 1; i >= 0; i-- {
		v = v<<8 | uint64(d.data[d.pos+i])
	}
	d.pos += nb
	d.rleLeft, d.rleVal = int(count), v // not masked, like Arrow
	return nil
}

// rleGather decodes len(out) indices and stores dict[index] in out.
func rleGather[T int32 | int64 | float64](d *rleDecoder, out []T, dict []T) error {
	for len(out) > 0 {
		switch {
		case d.rleLeft > 0:
			if d.rleVal >= uint64(len(dict)) {
				return errDictIndex
			}
			k := min(len(out), d.rleLeft)
			x := dict[d.rleVal]
			o := out[:k]
			for i := range o {
				o[i] = x
			}
			d.rleLeft -= k
			out = out[k:]
		case d.litLeft > 0:
			k := min(len(out), d.litLeft)
			if !unpackGather(d, out[:k], dict) {
				return errDictIndex
			}
			d.litLeft -= k
			out = out[k:]
		default:
			if err := d.nextRun(); err != nil {
				return err
			}
		}
	}
	return nil
}

// unpackGather unpacks len(out) bit-packed indices (present in d.data, as
// nextRun checked) and looks them up; false on an index out of range.
func unpackGather[T int32 | int64 | float64](d *rleDecoder, out []T, dict []T) bool {
	data, bit, bw, mask := d.data, d.bit, d.bw, d.mask
	n := uint64(len(dict))
	i := 0
	if bit&7 == 0 && bw > 0 && bw <= 16 {
		// Whole groups of 8 values (bw bytes, byte-aligned) from two
		// 64-bit loads: values 0-3 lie in the first, 4-7 in the second.
		o1 := (4 * bw) >> 3
		s := 4*bw - 8*o1 // bit offset of value 4 in the second load
		for ; i+8 <= len(out); i += 8 {
			p := bit >> 3
			w0 := binary.LittleEndian.Uint64(data[p:])
			w1 := binary.LittleEndian.Uint64(data[p+o1:]) >> s
			v0, v1, v2, v3 := w0&mask, (w0>>bw)&mask, (w0>>(2*bw))&mask, (w0>>(3*bw))&mask
			v4, v5, v6, v7 := w1&mask, (w1>>bw)&mask, (w1>>(2*bw))&mask, (w1>>(3*bw))&mask
			if max(v0, v1, v2, v3, v4, v5, v6, v7) >= n {
				return false
			}
			o := out[i : i+8 : i+8]
			o[0], o[1], o[2], o[3] = dict[v0], dict[v1], dict[v2], dict[v3]
			o[4], o[5], o[6], o[7] = dict[v4], dict[v5], dict[v6], dict[v7]
			bit += 8 * bw
		}
	}
	for ; i < len(out); i++ {
		v := (binary.LittleEndian.Uint64(data[bit>>3:]) >> (bit & 7)) & mask
		bit += bw
		if v >= n {
			return false
		}
		out[i] = dict[v]
	}
	d.bit = bit
	return true
}

// levels decodes len(out) definition levels and returns how many equal
// max (the rows holding a value).
func (d *rleDecoder) levels(out []int16, max int16) (int, error) {
	present := 0
	for len(out) > 0 {
		switch {
		case d.rleLeft > 0:
			k := min(len(out), d.rleLeft)
			x := int16(d.rleVal)
			for i := range out[:k] {
				out[i] = x
			}
			if x == max {
				present += k
			}
			d.rleLeft -= k
			out = out[k:]
		case d.litLeft > 0:
			k := min(len(out), d.litLeft)
			data, bit, bw, mask := d.data, d.bit, d.bw, d.mask
			for i := range out[:k] {
				x := int16((binary.LittleEndian.Uint64(data[bit>>3:]) >> (bit & 7)) & mask)
				bit += bw
				out[i] = x
				if x == max {
					present++
				}
			}
			d.bit = bit
			d.litLeft -= k
			out = out[k:]
		default:
			if err := d.nextRun(); err != nil {
				return 0, err
			}
		}
	}
	return present, nil
}
