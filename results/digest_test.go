package results_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/results"
)

// referenceDigest is Digest written the plain way, one hash Write per
// value: the definition the buffered Digest must keep.
func referenceDigest(tables []results.Table) string {
	h := sha256.New()
	put := func(x uint64) {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	str := func(s string) {
		put(uint64(len(s)))
		h.Write([]byte(s))
	}
	for _, t := range tables {
		n, _ := t.Rows()
		str(t.Name)
		put(uint64(n))
		for _, c := range t.Cols {
			str(c.Name)
			put(uint64(c.Type))
			switch c.Type {
			case results.Float:
				for _, v := range c.F64 {
					if math.IsNaN(v) {
						v = math.NaN()
					}
					put(math.Float64bits(v))
				}
			case results.Int:
				for _, v := range c.I64 {
					put(uint64(v))
				}
			case results.String:
				for _, v := range c.Str {
					str(v)
				}
			case results.Time, results.Date:
				for _, v := range c.TS {
					put(uint64(v.UnixNano()))
				}
			case results.Bool:
				for _, v := range c.Bools {
					if v {
						put(1)
					} else {
						put(0)
					}
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestDigestStream: Digest hashes the same byte stream as the plain
// definition, across buffer boundaries and for strings longer than the
// buffer, and changes when one value does.
func TestDigestStream(t *testing.T) {
	table := func(n int, long string) results.Table {
		t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		f, i, s, ts, bs := make([]float64, n), make([]int64, n), make([]string, n), make([]time.Time, n), make([]bool, n)
		for k := 0; k < n; k++ {
			f[k], i[k], s[k], ts[k], bs[k] = float64(k)/3, int64(k*k), strings.Repeat("x", k%50), t0.Add(time.Duration(k)*time.Second), k%3 == 0
		}
		f[n/2] = math.Float64frombits(0x7ff8000000000001) // another NaN pattern
		s[n-1] = long
		return results.Table{Name: "t", Cols: []results.Column{
			{Name: "f", Type: results.Float, F64: f}, {Name: "i", Type: results.Int, I64: i}, {Name: "s", Type: results.String, Str: s},
			{Name: "ts", Type: results.Time, TS: ts}, {Name: "d", Type: results.Date, TS: ts}, {Name: "b", Type: results.Bool, Bools: bs},
		}}
	}
	for _, tc := range []struct {
		name string
		n    int
		long string
	}{
		{"one row", 1, ""},
		{"many rows", 20000, "end"},
		{"string longer than the buffer", 300, strings.Repeat("y", 200<<10)},
	} {
		tables := []results.Table{table(tc.n, tc.long), table(3, "")}
		got, err := results.Digest(tables)
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceDigest(tables); got != want {
			t.Errorf("%s: digest %s, want %s", tc.name, got, want)
		}
		tables[0].Cols[1].I64[tc.n-1]++
		if again, _ := results.Digest(tables); again == got {
			t.Errorf("%s: digest unchanged after a value changed", tc.name)
		}
	}
}
