package stats

import (
	"math"
	"slices"
	"sort"
)

// QuantileEdges returns the k−1 inner edges that cut the finite values of
// x into k bins of (nearly) equal counts: with s the m finite values in
// ascending order, edge j (1 <= j < k) is s[floor(j·m/k)]. NaN and ±Inf
// values are ignored and x is not modified. It returns nil when k < 2 or
// x has no finite value. Bin assigns a value to its bin.
func QuantileEdges(x []float64, k int) []float64 {
	if k < 2 {
		return nil
	}
	s := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			s = append(s, v)
		}
	}
	m := len(s)
	if m == 0 {
		return nil
	}
	slices.Sort(s)
	out := make([]float64, k-1)
	for j := 1; j < k; j++ {
		out[j-1] = s[j*m/k]
	}
	return out
}

// Bin returns the bin of v for inner edges (ascending, see
// QuantileEdges): the number of edges <= v, in 0..len(edges). Values equal
// to an edge go to the upper bin, so equal values always share a bin. A
// NaN v returns −1.
func Bin(edges []float64, v float64) int {
	if math.IsNaN(v) {
		return -1
	}
	return sort.Search(len(edges), func(i int) bool { return edges[i] > v })
}
