package stats

import (
	"math"
	"reflect"
	"testing"
)

func TestQuantileEdgesAndBin(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		name  string
		x     []float64
		k     int
		edges []float64
		bins  []int // Bin of each x
	}{
		{"quintiles of 10", []float64{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, 5, []float64{2, 4, 6, 8}, []int{4, 4, 3, 3, 2, 2, 1, 1, 0, 0}},
		{"terciles of 7", []float64{0, 1, 2, 3, 4, 5, 6}, 3, []float64{2, 4}, []int{0, 0, 1, 1, 2, 2, 2}},
		{"NaN and Inf ignored", []float64{nan, 3, 1, inf, 2, 0}, 2, []float64{2}, []int{-1, 1, 0, 1, 1, 0}},
		{"ties share a bin", []float64{1, 1, 1, 1, 2}, 2, []float64{1}, []int{1, 1, 1, 1, 1}},
		{"one bin", []float64{1, 2}, 1, nil, []int{0, 0}},
		{"no finite value", []float64{nan}, 3, nil, []int{-1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.x...)
			e := QuantileEdges(tc.x, tc.k)
			if !reflect.DeepEqual(e, tc.edges) {
				t.Fatalf("edges %v, want %v", e, tc.edges)
			}
			for i, v := range tc.x {
				if b := Bin(e, v); b != tc.bins[i] {
					t.Errorf("Bin(%v) = %d, want %d", v, b, tc.bins[i])
				}
			}
			for i := range in {
				if !(in[i] == tc.x[i] || math.IsNaN(in[i]) && math.IsNaN(tc.x[i])) {
					t.Fatal("x modified")
				}
			}
		})
	}
	// Equal counts: 1000 distinct values in 5 bins of 200.
	x := make([]float64, 1000)
	for i := range x {
		x[i] = float64((i * 7919) % 1000)
	}
	e := QuantileEdges(x, 5)
	cnt := make([]int, 5)
	for _, v := range x {
		cnt[Bin(e, v)]++
	}
	if !reflect.DeepEqual(cnt, []int{200, 200, 200, 200, 200}) {
		t.Errorf("bin counts %v", cnt)
	}
}
