package ingest

import (
	"encoding/csv"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cascade-research/cascade/engine"
)

func utc(y int, mo time.Month, d, h, mi, s, ns int) engine.Nanos {
	return engine.FromTime(time.Date(y, mo, d, h, mi, s, ns, time.UTC))
}

func TestParseTimestamp(t *testing.T) {
	plus3, _ := ParseTZ("+03:00")
	tests := []struct {
		in, format string
		loc        *time.Location
		want       engine.Nanos
		err        string
	}{
		{"1577836800000", "unix_ms", nil, utc(2020, 1, 1, 0, 0, 0, 0), ""},
		{"1577836800", "unix_s", nil, utc(2020, 1, 1, 0, 0, 0, 0), ""},
		{"1687996800.5", "unix_s", nil, utc(2023, 6, 29, 0, 0, 0, 5e8), ""},
		{"1767225600039409", "unix_us", nil, utc(2026, 1, 1, 0, 0, 0, 39409000), ""},
		{"1767225600039409123", "unix_ns", nil, utc(2026, 1, 1, 0, 0, 0, 39409000), ""}, // truncated to µs
		{"1577836800000", "auto", nil, utc(2020, 1, 1, 0, 0, 0, 0), ""},
		{"1767225600039409", "auto", nil, utc(2026, 1, 1, 0, 0, 0, 39409000), ""},
		{"1577836800", "auto", nil, utc(2020, 1, 1, 0, 0, 0, 0), ""},
		{" 1577836800000 ", "auto", nil, utc(2020, 1, 1, 0, 0, 0, 0), ""},
		{"2020-01-01 03:00:00.000", "2006-01-02 15:04:05", plus3, utc(2020, 1, 1, 0, 0, 0, 0), ""},
		{"2020-01-01 03:00:00", "2006-01-02 15:04:05", plus3, utc(2020, 1, 1, 0, 0, 0, 0), ""},
		{"2019.3.30", "2006.1.2", nil, utc(2019, 3, 30, 0, 0, 0, 0), ""},
		{"5/31/2026", "1/2/2006", nil, utc(2026, 5, 31, 0, 0, 0, 0), ""},
		{"2025-11-23T06:00:00.000Z", "auto", plus3, utc(2025, 11, 23, 6, 0, 0, 0), ""}, // zone in the text wins
		{"2024-10-01 00:00:00", "auto", nil, utc(2024, 10, 1, 0, 0, 0, 0), ""},
		{"2017-08-17", "auto", nil, utc(2017, 8, 17, 0, 0, 0, 0), ""},
		{"", "auto", nil, 0, "empty timestamp"},
		{"abc", "unix_ms", nil, 0, "want an integer or decimal epoch"},
		{"1.78019E+12", "unix_ms", nil, 0, "want an integer or decimal epoch"},
		{"1.78019E+12", "auto", nil, 0, "neither an epoch number"},
		{"1577836800", "unix_ms", nil, 0, "out of range"}, // seconds read as ms: 1970
		{"99999999999999999999", "unix_ms", nil, 0, "want an integer or decimal epoch"},
		{"9999999999999", "unix_s", nil, 0, "out of range"},
		{"-1577836800000", "unix_ms", nil, 0, "out of range"},
		{"1999-12-31", "2006-01-02", nil, 0, "out of range"},
		{"2020-13-01", "2006-01-02", nil, 0, "does not match layout"},
	}
	for _, tc := range tests {
		got, err := ParseTimestamp(tc.in, TimeFormat{Format: tc.format, Loc: tc.loc})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseTimestamp(%q, %s) = %v, %v; want error containing %q", tc.in, tc.format, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseTimestamp(%q, %s) = %s, %v; want %s", tc.in, tc.format, got, err, tc.want)
		}
	}
}

func TestParseTZ(t *testing.T) {
	for in, off := range map[string]int{"": 0, "UTC": 0, "Z": 0, "+03:00": 3 * 3600, "-0530": -(5*3600 + 30*60), "+3": 3 * 3600, "+05:45": 5*3600 + 45*60} {
		loc, err := ParseTZ(in)
		if err != nil {
			t.Errorf("ParseTZ(%q): %v", in, err)
			continue
		}
		if _, got := time.Date(2020, 1, 1, 0, 0, 0, 0, loc).Zone(); got != off {
			t.Errorf("ParseTZ(%q) offset %d, want %d", in, got, off)
		}
	}
	for _, in := range []string{"Europe/Moscow", "+25:00", "3", "+ab"} {
		if _, err := ParseTZ(in); err == nil {
			t.Errorf("ParseTZ(%q): no error", in)
		}
	}
}

func TestCheckFormat(t *testing.T) {
	for _, ok := range []string{"unix_ms", "auto", "2006-01-02 15:04:05", "2006.1.2", "1/2/2006", time.RFC3339} {
		if err := CheckFormat(ok); err != nil {
			t.Errorf("CheckFormat(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ms", "YYYY-MM-DD", "unix"} {
		if err := CheckFormat(bad); err == nil {
			t.Errorf("CheckFormat(%q): no error", bad)
		}
	}
}

// FuzzParseTimestamp checks that parsing never panics, that accepted times
// are in range and whole microseconds, and that epoch values round-trip.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"1577836800000", "1767225600039409", "1577836800", "1687996800.5", "2020-01-01 03:00:00.000",
		"2019.3.30", "5/31/2026", "2025-11-23T06:00:00.000Z", "", "-1", "1.78019E+12", "+1577836800000", "00000000001577836800000", "1e3", "２０２０"} {
		for _, format := range []string{"auto", "unix_s", "unix_ms", "unix_us", "unix_ns", "2006-01-02 15:04:05", "2006.1.2"} {
			f.Add(s, format)
		}
	}
	f.Fuzz(func(t *testing.T, s, format string) {
		if CheckFormat(format) != nil {
			return
		}
		loc, _ := ParseTZ("+03:00")
		n, err := ParseTimestamp(s, TimeFormat{Format: format, Loc: loc})
		if err != nil {
			return
		}
		if n < MinTime || n >= MaxTime || n%engine.Microsecond != 0 {
			t.Fatalf("ParseTimestamp(%q, %q) = %d: out of range or not whole µs", s, format, n)
		}
		if format == "unix_ms" {
			back, err := ParseTimestamp(strconv.FormatInt(int64(n/engine.Millisecond), 10), TimeFormat{Format: "unix_ms"})
			if err != nil || back != n-n%engine.Millisecond {
				t.Fatalf("round trip of %q: %d, %v", s, back, err)
			}
		}
	})
}

func TestSplitCSVLine(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{"a,b,c", []string{"a", "b", "c"}, nil},
		{"", []string{""}, nil},
		{",", []string{"", ""}, nil},
		{`"a,b",c`, []string{"a,b", "c"}, nil},
		{`"say ""hi""",x`, []string{`say "hi"`, "x"}, nil},
		{`"",""`, []string{"", ""}, nil},
		{`a,"b`, nil, errQuote},
		{`"a"b,c`, nil, errQuote},
		{`a"b,c`, nil, errBareQuote},
		{"1.5e3,-2", []string{"1.5e3", "-2"}, nil},
	}
	for _, tc := range tests {
		got, err := SplitCSVLine(tc.in, ',', nil)
		if err != tc.err || (err == nil && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("SplitCSVLine(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if got, _ := SplitCSVLine("a;b", ';', nil); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("semicolon: %q", got)
	}
}

// FuzzSplitCSVLine compares SplitCSVLine with encoding/csv on single lines.
func FuzzSplitCSVLine(f *testing.F) {
	for _, s := range []string{"a,b,c", `"a,b",c`, `"x""y"`, `a"b`, `"a"b`, ",,", `""`, "1577836800000,42000.5,0.01,True", " a , b ", `"a`, "\ufeffa,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := SplitCSVLine(line, ',', nil)
		if strings.ContainsAny(line, "\r\n") || strings.TrimSpace(line) == "" {
			return // one line, not blank: what the reader hands over
		}
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		want, werr := r.Read()
		if (err == nil) != (werr == nil) {
			t.Fatalf("SplitCSVLine(%q) = %q, %v; encoding/csv = %q, %v", line, got, err, want, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("SplitCSVLine(%q) = %q; encoding/csv = %q", line, got, want)
		}
	})
}
