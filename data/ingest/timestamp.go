package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// Timestamps outside [MinTime, MaxTime) are rejected. The bounds catch
// epoch numbers read in the wrong unit (seconds taken as milliseconds land
// in 1970) as well as garbage.
var (
	MinTime = engine.FromTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	MaxTime = engine.FromTime(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
)

// Epoch units a TimeFormat may name.
const (
	unixS  = "unix_s"
	unixMS = "unix_ms"
	unixUS = "unix_us"
	unixNS = "unix_ns"
	auto   = "auto"
)

// autoLayouts are the text layouts "auto" tries, in order.
var autoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// TimeFormat says how to read a timestamp field.
type TimeFormat struct {
	// Format is unix_s, unix_ms, unix_us, unix_ns, auto, or a Go time
	// layout such as "2006-01-02 15:04:05" or "2006.1.2".
	Format string
	// Loc is the zone of naive (zone-less) text times; nil means UTC.
	// Epoch numbers and texts that carry a zone ignore it.
	Loc *time.Location
}

// ParseTZ parses a timezone given as a UTC offset ("+03:00", "-0500",
// "+3"), or "UTC", "Z" or "" for UTC.
func ParseTZ(s string) (*time.Location, error) {
	switch s {
	case "", "UTC", "utc", "Z", "z":
		return time.UTC, nil
	}
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return nil, fmt.Errorf("timezone %q: want a UTC offset such as +03:00 or -05:00, or UTC", s)
	}
	body := s[1:]
	var h, m int
	var err error
	switch {
	case strings.Contains(body, ":"):
		hh, mm, _ := strings.Cut(body, ":")
		h, err = strconv.Atoi(hh)
		if err == nil {
			m, err = strconv.Atoi(mm)
		}
	case len(body) == 4:
		h, err = strconv.Atoi(body[:2])
		if err == nil {
			m, err = strconv.Atoi(body[2:])
		}
	default:
		h, err = strconv.Atoi(body)
	}
	if err != nil || h < 0 || h > 14 || m < 0 || m > 59 {
		return nil, fmt.Errorf("timezone %q: want a UTC offset such as +03:00 or -05:00, or UTC", s)
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return time.FixedZone(s, off), nil
}

// CheckFormat reports whether f names a known epoch unit or a layout that
// can format and re-parse a time.
func CheckFormat(f string) error {
	switch f {
	case unixS, unixMS, unixUS, unixNS, auto:
		return nil
	case "":
		return fmt.Errorf("empty timestamp format: want unix_s, unix_ms, unix_us, unix_ns, auto or a Go layout like 2006-01-02 15:04:05")
	}
	ref := time.Date(2021, 11, 12, 13, 14, 15, 0, time.UTC)
	if _, err := time.Parse(f, ref.Format(f)); err != nil || !strings.ContainsAny(f, "0126") {
		return fmt.Errorf("timestamp format %q: not an epoch unit (unix_s, unix_ms, unix_us, unix_ns, auto) nor a Go layout like 2006-01-02 15:04:05", f)
	}
	return nil
}

// ParseTimestamp converts one timestamp field to Nanos, truncated to
// microseconds (the dataset's resolution). Epoch values may be integers or
// decimals ("1700000000.5"); "auto" picks the unit of an epoch number by
// its magnitude per value (< 1e11 seconds, < 1e14 milliseconds, < 1e17
// microseconds, else nanoseconds) and otherwise tries RFC 3339 and the
// "2006-01-02[ 15:04[:05]]" layouts. The result must lie in [MinTime,
// MaxTime).
func ParseTimestamp(s string, f TimeFormat) (engine.Nanos, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty timestamp")
	}
	var n engine.Nanos
	var err error
	switch f.Format {
	case unixS:
		n, err = parseEpoch(s, 1e9)
	case unixMS:
		n, err = parseEpoch(s, 1e6)
	case unixUS:
		n, err = parseEpoch(s, 1e3)
	case unixNS:
		n, err = parseEpoch(s, 1)
	case auto:
		n, err = parseAuto(s, f.Loc)
	default:
		n, err = parseLayout(s, f.Format, f.Loc)
	}
	if err != nil {
		return 0, err
	}
	if n < MinTime || n >= MaxTime {
		return 0, fmt.Errorf("timestamp %q (%s) is out of range: want a time in [2000-01-01, 2100-01-01) UTC; wrong unit?", s, n)
	}
	return n - n%engine.Microsecond, nil
}

func parseLayout(s, layout string, loc *time.Location) (engine.Nanos, error) {
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q does not match layout %q", s, layout)
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return 0, fmt.Errorf("timestamp %q is out of range: want a time in [2000-01-01, 2100-01-01) UTC", s)
	}
	return engine.FromTime(t), nil
}

func parseAuto(s string, loc *time.Location) (engine.Nanos, error) {
	if c := s[0]; c == '-' || c == '+' || (c >= '0' && c <= '9') {
		if intPart, _, _ := strings.Cut(strings.TrimLeft(s, "+-"), "."); len(intPart) >= 9 && !strings.ContainsAny(s, ":T ") && !strings.Contains(s[1:], "-") {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, fmt.Errorf("timestamp %q is not a number", s)
			}
			var per engine.Nanos
			switch a := abs(v); {
			case a < 1e11:
				per = 1e9
			case a < 1e14:
				per = 1e6
			case a < 1e17:
				per = 1e3
			default:
				per = 1
			}
			return parseEpoch(s, per)
		}
	}
	for _, l := range autoLayouts {
		if n, err := parseLayout(s, l, loc); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("timestamp %q is neither an epoch number nor an RFC 3339 / YYYY-MM-DD[ HH:MM[:SS]] time", s)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// parseEpoch parses an integer or decimal epoch value in units of per
// nanoseconds, exactly (no float rounding).
func parseEpoch(s string, per engine.Nanos) (engine.Nanos, error) {
	neg := false
	body := s
	if body != "" && (body[0] == '-' || body[0] == '+') {
		neg = body[0] == '-'
		body = body[1:]
	}
	ip, fp, hasDot := strings.Cut(body, ".")
	if ip == "" || !digits(ip) || (hasDot && !digits(fp)) || len(ip) > 19 {
		return 0, fmt.Errorf("timestamp %q: want an integer or decimal epoch number", s)
	}
	i, err := strconv.ParseInt(ip, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("timestamp %q: want an integer or decimal epoch number", s)
	}
	const limit = int64(1) << 62
	if i > limit/int64(per) {
		return 0, fmt.Errorf("timestamp %q is out of range: want a time in [2000-01-01, 2100-01-01) UTC; wrong unit?", s)
	}
	n := i * int64(per)
	// Fractional part, to nanosecond precision.
	scale := int64(per)
	for k := 0; k < len(fp) && scale > 1; k++ {
		scale /= 10
		n += int64(fp[k]-'0') * scale
	}
	if neg {
		n = -n
	}
	return engine.Nanos(n), nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
