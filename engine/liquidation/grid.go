package liquidation

import (
	"math"
	"math/bits"
)

// binner maps prices to geometric bins: bin k covers [edge(k), edge(k+1))
// with edge(k) = e^(k·w), w = ln(1+PriceBin). Bin indices are absolute
// (int32), so a bin means the same price range for the whole run. It
// caches the edges of the bins it has seen, so a lookup costs one
// logarithm.
type binner struct {
	w, inv float64
	tw     span
	tab    []float64 // tab[i] = edge(tw.off+i)
}

func newBinner(frac float64) binner {
	w := math.Log1p(frac)
	return binner{w: w, inv: 1 / w}
}

func (b *binner) edge(k int32) float64 {
	if i := b.tw.idx(k); i >= 0 {
		return b.tab[i]
	}
	return math.Exp(float64(k) * b.w)
}

// center is the geometric centre of bin k.
func (b *binner) center(k int32) float64 { return math.Exp((float64(k) + 0.5) * b.w) }

// bin returns the bin of a finite positive price. The index from the
// logarithm is corrected against edge so that bin and edge always agree.
func (b *binner) bin(p float64) int32 {
	k := int32(math.Floor(math.Log(p) * b.inv))
	if b.tw.idx(k-1) < 0 || b.tw.idx(k+2) < 0 {
		b.grow(k)
	}
	for p < b.edge(k) {
		k--
	}
	for p >= b.edge(k+1) {
		k++
	}
	return k
}

// binNear is bin(p) for a price p > 0 whose bin is within a few bins of
// bin k (noHint: unknown): it steps over the edge table instead of taking
// the logarithm.
func (b *binner) binNear(p float64, k int32) int32 {
	i := b.tw.idx(k)
	if k == noHint || i < 0 {
		return b.bin(p)
	}
	for range 4 {
		switch {
		case p < b.tab[i]:
			i--
		case i+1 < len(b.tab) && p >= b.tab[i+1]:
			i++
		case i+1 < len(b.tab):
			return b.tw.off + int32(i)
		default:
			return b.bin(p)
		}
		if i < 0 {
			return b.bin(p)
		}
	}
	return b.bin(p)
}

// grow extends the edge table to cover bins k-1 … k+2.
func (b *binner) grow(k int32) {
	nw := b.tw.grown(k - 1).grown(k + 2)
	if nw.n > 1<<22 { // a pathological range: compute edges on the fly
		return
	}
	tab := make([]float64, nw.n)
	for i := range tab {
		if j := b.tw.idx(nw.off + int32(i)); j >= 0 {
			tab[i] = b.tab[j]
		} else {
			tab[i] = math.Exp(float64(nw.off+int32(i)) * b.w)
		}
	}
	b.tw, b.tab = nw, tab
}

// bitset is a set of small non-negative integers.
type bitset []uint64

func (s bitset) set(i int)      { s[i>>6] |= 1 << uint(i&63) }
func (s bitset) clear(i int)    { s[i>>6] &^= 1 << uint(i&63) }
func (s bitset) has(i int) bool { return s[i>>6]&(1<<uint(i&63)) != 0 }

// prev returns the highest member <= i, or -1.
func (s bitset) prev(i int) int {
	if i < 0 {
		return -1
	}
	if n := len(s) * 64; i >= n {
		i = n - 1
	}
	w := i >> 6
	m := s[w] & (^uint64(0) >> uint(63-i&63))
	for {
		if m != 0 {
			return w<<6 + 63 - bits.LeadingZeros64(m)
		}
		if w--; w < 0 {
			return -1
		}
		m = s[w]
	}
}

// next returns the lowest member >= i, or -1.
func (s bitset) next(i int) int {
	if i < 0 {
		i = 0
	}
	if i >= len(s)*64 {
		return -1
	}
	w := i >> 6
	m := s[w] & (^uint64(0) << uint(i&63))
	for {
		if m != 0 {
			return w<<6 + bits.TrailingZeros64(m)
		}
		if w++; w >= len(s) {
			return -1
		}
		m = s[w]
	}
}

// span is a dense window of absolute bins [off, off+n); off and n are
// multiples of 64 so that bitsets over it shift by whole words.
type span struct {
	off int32
	n   int32
}

// idx returns the window index of absolute bin k, or -1 if k is outside.
func (w span) idx(k int32) int {
	i := int(k) - int(w.off)
	if i < 0 || i >= int(w.n) {
		return -1
	}
	return i
}

// grown returns a window that contains w and bin k, with headroom of half
// the new size on the side it grows (at least 256 bins); w itself if it
// already contains k.
func (w span) grown(k int32) span {
	if w.idx(k) >= 0 {
		return w
	}
	lo, hi := int64(w.off), int64(w.off)+int64(w.n)
	if w.n == 0 {
		lo, hi = int64(k), int64(k)+1
	}
	room := max(256, (hi-lo)/2)
	if int64(k) < lo {
		lo = int64(k) - room
	}
	if int64(k) >= hi {
		hi = int64(k) + 1 + room
	}
	lo = floorDiv(lo, 64) * 64
	hi = -floorDiv(-hi, 64) * 64
	lo = max(lo, math.MinInt32/2)
	hi = min(hi, math.MaxInt32/2)
	return span{off: int32(lo), n: int32(hi - lo)}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// regrow copies s (stride values per bin, over window from) into a new
// slice over window to.
func regrow[T any](s []T, from, to span, stride int) []T {
	ns := make([]T, int(to.n)*stride)
	if from.n > 0 {
		copy(ns[(int(from.off)-int(to.off))*stride:], s)
	}
	return ns
}

// regrowBits is regrow for a bitset (one bit per bin).
func regrowBits(s bitset, from, to span) bitset {
	ns := make(bitset, to.n/64)
	if from.n > 0 {
		copy(ns[(int(from.off)-int(to.off))/64:], s)
	}
	return ns
}
