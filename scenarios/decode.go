package scenarios

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/cascade-research/cascade/engine"
)

// KeyError is a problem with one key of a scenario file.
type KeyError struct {
	File string
	Key  string // dotted path, e.g. hypotheses[0].params.ratio
	Msg  string // what was wrong and what was expected
}

func (e *KeyError) Error() string { return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Msg) }

// decoder walks the raw map of a scenario with path-aware errors.
type decoder struct {
	file string
	errs []error
}

func (d *decoder) fail(key, format string, a ...any) {
	d.errs = append(d.errs, &KeyError{File: d.file, Key: key, Msg: fmt.Sprintf(format, a...)})
}

// failed reports whether an error was already recorded for key.
func (d *decoder) failed(key string) bool {
	for _, e := range d.errs {
		var ke *KeyError
		if errors.As(e, &ke) && ke.Key == key {
			return true
		}
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// section returns m[key] as a map (nil if absent) and checks its keys.
func (d *decoder) section(m map[string]any, path, key string, known ...string) map[string]any {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	sub, ok := v.(map[string]any)
	if !ok {
		d.fail(join(path, key), "got %v, want a mapping with keys %s", describe(v), strings.Join(known, ", "))
		return nil
	}
	d.known(sub, join(path, key), known...)
	return sub
}

// known reports keys of m that are not in known.
func (d *decoder) known(m map[string]any, path string, known ...string) {
	var bad []string
	for k := range m {
		found := false
		for _, n := range known {
			if k == n {
				found = true
				break
			}
		}
		if !found {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	for _, k := range bad {
		d.fail(join(path, k), "unknown key (known keys here: %s)", strings.Join(known, ", "))
	}
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%v", v)
}

func (d *decoder) str(m map[string]any, path, key string, dst *string) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	s, ok := v.(string)
	if !ok {
		d.fail(join(path, key), "got %s, want a string", describe(v))
		return
	}
	*dst = s
}

func (d *decoder) boolean(m map[string]any, path, key string, dst *bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	b, ok := v.(bool)
	if !ok {
		d.fail(join(path, key), "got %s, want true or false", describe(v))
		return
	}
	*dst = b
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

func (d *decoder) float(m map[string]any, path, key string, dst *float64, lo, hi float64) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	f, ok := asFloat(v)
	if !ok || math.IsNaN(f) {
		d.fail(join(path, key), "got %s, want a number in [%g, %g]", describe(v), lo, hi)
		return
	}
	if f < lo || f > hi {
		d.fail(join(path, key), "got %g, want a number in [%g, %g]", f, lo, hi)
		return
	}
	*dst = f
}

func (d *decoder) integer(m map[string]any, path, key string, dst *int, lo, hi int) {
	var f float64 = math.NaN()
	d.float(m, path, key, &f, float64(lo), float64(hi))
	if math.IsNaN(f) {
		return
	}
	if f != math.Trunc(f) {
		d.fail(join(path, key), "got %g, want a whole number", f)
		return
	}
	*dst = int(f)
}

func (d *decoder) duration(m map[string]any, path, key string, dst *time.Duration, lo, hi time.Duration) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	s, ok := v.(string)
	if !ok {
		d.fail(join(path, key), "got %s, want a duration like 90m, 24h or 7d", describe(v))
		return
	}
	dur, err := engine.ParseDuration(s)
	if err != nil {
		d.fail(join(path, key), "%v", err)
		return
	}
	if dur < lo || dur > hi {
		d.fail(join(path, key), "got %s, want a duration in [%s, %s]", s, lo, hi)
		return
	}
	*dst = dur
}

func (d *decoder) date(m map[string]any, path, key string, dst *time.Time) {
	v, ok := m[key]
	if !ok || v == nil {
		return
	}
	switch x := v.(type) {
	case time.Time:
		*dst = x.UTC()
	case string:
		t, err := time.Parse("2006-01-02", x)
		if err != nil {
			d.fail(join(path, key), "bad date %q: want YYYY-MM-DD (a UTC day)", x)
			return
		}
		*dst = t
	default:
		d.fail(join(path, key), "got %s, want a date YYYY-MM-DD", describe(v))
	}
}

func (d *decoder) list(m map[string]any, path, key string) ([]any, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false
	}
	l, ok := v.([]any)
	if !ok {
		d.fail(join(path, key), "got %s, want a list", describe(v))
		return nil, false
	}
	return l, true
}

// mappings calls f for each element of the list m[key], which must be a
// mapping (want says which keys), with its path (key[i]).
func (d *decoder) mappings(m map[string]any, path, key, want string, f func(path string, m map[string]any)) {
	l, ok := d.list(m, path, key)
	if !ok {
		return
	}
	for i, e := range l {
		p := fmt.Sprintf("%s[%d]", join(path, key), i)
		em, ok := e.(map[string]any)
		if !ok {
			d.fail(p, "got %s, want a mapping with %s", describe(e), want)
			continue
		}
		f(p, em)
	}
}

func (d *decoder) floats(m map[string]any, path, key string, dst *[]float64, lo, hi float64) {
	l, ok := d.list(m, path, key)
	if !ok {
		return
	}
	out := make([]float64, 0, len(l))
	for i, v := range l {
		f, ok := asFloat(v)
		if !ok || f < lo || f > hi {
			d.fail(fmt.Sprintf("%s[%d]", join(path, key), i), "got %s, want a number in [%g, %g]", describe(v), lo, hi)
			return
		}
		out = append(out, f)
	}
	*dst = out
}

func (d *decoder) strings(m map[string]any, path, key string, dst *[]string) {
	l, ok := d.list(m, path, key)
	if !ok {
		return
	}
	out := make([]string, 0, len(l))
	for i, v := range l {
		s, ok := v.(string)
		if !ok {
			d.fail(fmt.Sprintf("%s[%d]", join(path, key), i), "got %s, want a string", describe(v))
			return
		}
		out = append(out, s)
	}
	*dst = out
}

func (d *decoder) durations(m map[string]any, path, key string, dst *[]time.Duration) {
	l, ok := d.list(m, path, key)
	if !ok {
		return
	}
	out := make([]time.Duration, 0, len(l))
	for i, v := range l {
		s, ok := v.(string)
		var dur time.Duration
		var err error
		if ok {
			dur, err = engine.ParseDuration(s)
		}
		if !ok || err != nil || dur <= 0 {
			d.fail(fmt.Sprintf("%s[%d]", join(path, key), i), "got %s, want a positive duration like 1h, 24h or 7d", describe(v))
			return
		}
		out = append(out, dur)
	}
	*dst = out
}

// params decodes a params mapping against specs: every key must be a known
// parameter; a value may be a scalar or a list (a grid). Missing
// parameters get their default. The result is sorted by name.
func (d *decoder) params(m map[string]any, path string, spec engine.Spec) []Param {
	raw := map[string]any{}
	if v, ok := m["params"]; ok && v != nil {
		r, ok := v.(map[string]any)
		if !ok {
			d.fail(join(path, "params"), "got %s, want a mapping of parameter names to values or lists of values", describe(v))
		} else {
			raw = r
		}
	}
	var names []string
	for _, p := range spec.Params {
		names = append(names, p.Name)
	}
	d.known(raw, join(path, "params"), names...)
	var out []Param
	for _, ps := range spec.Params {
		key := join(join(path, "params"), ps.Name)
		v, ok := raw[ps.Name]
		var vals []any
		if !ok || v == nil {
			vals = []any{ps.Default}
		} else if l, isList := v.([]any); isList {
			if len(l) == 0 {
				d.fail(key, "empty list: want at least one value")
				continue
			}
			vals = l
		} else {
			vals = []any{v}
		}
		var norm []any
		for i, x := range vals {
			n, err := ps.Check(x)
			if err != nil {
				k := key
				if len(vals) > 1 {
					k = fmt.Sprintf("%s[%d]", key, i)
				}
				d.fail(k, "%v (%s)", err, ps.Doc)
				continue
			}
			norm = append(norm, n)
		}
		out = append(out, Param{Name: ps.Name, Values: norm})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
