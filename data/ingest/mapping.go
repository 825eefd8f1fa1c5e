package ingest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cascade-research/cascade/data/dataset"
	"github.com/cascade-research/cascade/engine"
)

//go:embed mappings/*.yaml
var shippedFS embed.FS

// Mapping describes how to read one CSV, JSON-lines or JSON file layout
// into rows of one dataset kind. The package documentation describes the
// YAML form; LoadMapping and ParseMapping read it.
type Mapping struct {
	Name        string `yaml:"-"`
	Description string `yaml:"description"`
	// Kind is the dataset kind produced: trades, bars, funding, oi,
	// liquidations or series.
	Kind string `yaml:"kind"`
	// Format is csv (default), jsonl (one object per line) or json (an
	// array of objects at JSONPath).
	Format string `yaml:"format"`
	// JSONPath is the dotted path of the array in a json file ("data",
	// "data.dataList"); empty means the top level is the array.
	JSONPath string `yaml:"json_path"`
	// Header is "true" (default: the first line after SkipLines names the
	// columns), "false" (no header) or "auto" (the first line is a header
	// if its timestamp field does not parse).
	Header string `yaml:"header"`
	// ColumnNames names the columns of a CSV by position. When set,
	// columns resolve against these names, and a header line, if any, is
	// skipped and ignored.
	ColumnNames []string `yaml:"column_names"`
	// SkipLines is the number of lines (e.g. banners) dropped before the
	// header or the first row.
	SkipLines int `yaml:"skip_lines"`
	// Delimiter is the CSV field separator (default ",").
	Delimiter string `yaml:"delimiter"`
	// Timestamp says where the row time is and how to read it.
	Timestamp TimeSpec `yaml:"timestamp"`
	// Columns maps target columns of the kind to source columns.
	Columns map[string]Value `yaml:"columns"`
	// Constants sets numeric target columns that the file lacks, e.g.
	// interval_hours: 8.
	Constants map[string]float64 `yaml:"constants"`
	// Series lists the series a series mapping produces from each record.
	Series []SeriesSpec `yaml:"series"`
	// Interval is the bar interval ("1m", "1h", "1d"); empty or "auto"
	// takes it from the file name, the close_time column or the spacing of
	// the rows.
	Interval string `yaml:"interval"`
	// AllowUnaligned accepts bars whose open time is not a multiple of the
	// interval (by default a 1h bar must open on the hour, UTC).
	AllowUnaligned bool `yaml:"allow_unaligned"`
	// SkipEmpty skips values that are empty or null ("", null, NaN, NA)
	// where a number is required, counting them in Stats.Empty, instead of
	// failing. A record then gives only the rows whose values are present.
	SkipEmpty bool `yaml:"skip_empty"`

	plan *plan
}

// TimeSpec locates and parses the row timestamp.
type TimeSpec struct {
	Column Column `yaml:"column"`
	// Format: unix_s, unix_ms, unix_us, unix_ns, auto or a Go layout.
	Format string `yaml:"format"`
	// TZ is the UTC offset of naive text times ("+03:00"); default UTC.
	TZ string `yaml:"tz"`
	// Shift is added to every parsed time, e.g. "1h" to stamp an hourly
	// bucket at its end; "-3h" is allowed.
	Shift string `yaml:"shift"`
}

// Column names a source column by header name (or JSON key) or by
// 0-based position. In YAML a string is a name and an integer a position.
type Column struct {
	Name    string
	Index   int
	ByIndex bool // use Index rather than Name
}

// ColName and ColIndex build a Column.
func ColName(name string) Column { return Column{Name: name} }

// ColIndex builds a Column for the 0-based position i.
func ColIndex(i int) Column { return Column{Index: i, ByIndex: true} }

// IsZero reports whether the column is unset.
func (c Column) IsZero() bool { return c.Name == "" && !c.ByIndex }

func (c Column) String() string {
	if c.ByIndex {
		return "#" + strconv.Itoa(c.Index)
	}
	return strconv.Quote(c.Name)
}

// UnmarshalYAML reads a name (string) or a position (integer).
func (c *Column) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: column: want a name or a 0-based position", n.Line)
	}
	if n.Tag == "!!int" {
		i, err := strconv.Atoi(n.Value)
		if err != nil || i < 0 {
			return fmt.Errorf("line %d: column position %q: want an integer >= 0", n.Line, n.Value)
		}
		*c = ColIndex(i)
		return nil
	}
	if n.Value == "" {
		return fmt.Errorf("line %d: empty column name", n.Line)
	}
	*c = ColName(n.Value)
	return nil
}

// Value maps a target column to a source column, with a scale factor
// (value = source × scale; default 1, e.g. 0.01 for percent → fraction).
type Value struct {
	Column Column
	Scale  float64
}

// UnmarshalYAML reads either a bare column (name or position) or
// {column: ..., scale: ...}.
func (v *Value) UnmarshalYAML(n *yaml.Node) error {
	v.Scale = 1
	if n.Kind == yaml.ScalarNode {
		return v.Column.UnmarshalYAML(n)
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a column or {column: ..., scale: ...}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "column":
			if err := v.Column.UnmarshalYAML(val); err != nil {
				return err
			}
		case "scale":
			if err := val.Decode(&v.Scale); err != nil {
				return fmt.Errorf("line %d: scale: %w", val.Line, err)
			}
		default:
			return fmt.Errorf("line %d: unknown key %q (want column, scale)", k.Line, k.Value)
		}
	}
	if v.Column.IsZero() {
		return fmt.Errorf("line %d: missing column", n.Line)
	}
	return nil
}

// SeriesSpec produces the series Name from one source column.
type SeriesSpec struct {
	Name   string  `yaml:"name"`
	Column Column  `yaml:"column"`
	Scale  float64 `yaml:"scale"`
}

// Target column ids.
const (
	tPrice = iota
	tQty
	tSide
	tBuyerMaker
	tTradeID
	tOpen
	tHigh
	tLow
	tClose
	tVolume
	tTakerBuy
	tCloseTime
	tRate
	tIntervalHours
	tMark
	tOI
	tOIValue
	tNotional
	tLongNotional
	tShortNotional
	nTargets
)

var targetNames = [nTargets]string{"price", "qty", "side", "buyer_maker", "trade_id", "open", "high", "low", "close", "volume",
	"taker_buy_volume", "close_time", "rate", "interval_hours", "mark_price", "oi", "oi_value", "notional", "long_notional", "short_notional"}

// kindTargets lists the targets each kind accepts.
var kindTargets = map[engine.Kind][]int{
	engine.KindTrade:       {tPrice, tQty, tSide, tBuyerMaker, tTradeID},
	engine.KindBar:         {tOpen, tHigh, tLow, tClose, tVolume, tTakerBuy, tCloseTime},
	engine.KindFunding:     {tRate, tIntervalHours, tMark},
	engine.KindOI:          {tOI, tOIValue},
	engine.KindLiquidation: {tSide, tPrice, tNotional, tLongNotional, tShortNotional},
	engine.KindSeries:      {},
}

// nullable targets read an empty or "null" field as NaN (unknown).
var nullable = [nTargets]bool{tTakerBuy: true, tMark: true, tOI: true, tOIValue: true, tPrice: true}

type target struct {
	col     Column
	scale   float64
	konst   float64
	isConst bool
	set     bool
}

type seriesTarget struct {
	name  string
	col   Column
	scale float64
}

// plan is a validated mapping.
type plan struct {
	kind           engine.Kind
	format         string
	header         string
	delim          byte
	tsCol          Column
	tf             TimeFormat
	shift          engine.Nanos
	interval       time.Duration // bars; 0 = auto
	t              [nTargets]target
	series         []seriesTarget
	twoSided       bool // liquidations from long_notional + short_notional
	names          map[string]int
	skipEmpty      bool
	allowUnaligned bool
}

// Validate checks the mapping; LoadMapping and ParseMapping call it.
func (m *Mapping) Validate() error {
	p, err := m.compile()
	if err != nil {
		if m.Name != "" {
			return fmt.Errorf("mapping %s: %w", m.Name, err)
		}
		return fmt.Errorf("mapping: %w", err)
	}
	m.plan = p
	return nil
}

func (m *Mapping) compile() (*plan, error) {
	p := &plan{format: m.Format, header: m.Header, delim: ',', skipEmpty: m.SkipEmpty, allowUnaligned: m.AllowUnaligned}
	k, err := engine.ParseKind(m.Kind)
	if err != nil {
		return nil, fmt.Errorf("kind: %w", err)
	}
	p.kind = k
	switch p.format {
	case "":
		p.format = "csv"
	case "csv", "jsonl", "json":
	default:
		return nil, fmt.Errorf("format %q: want csv, jsonl or json", m.Format)
	}
	if p.format != "json" && m.JSONPath != "" {
		return nil, fmt.Errorf("json_path is only for format json")
	}
	switch p.header {
	case "":
		p.header = "true"
	case "true", "false", "auto":
	default:
		return nil, fmt.Errorf("header %q: want true, false or auto", m.Header)
	}
	if m.SkipLines < 0 {
		return nil, fmt.Errorf("skip_lines %d: want >= 0", m.SkipLines)
	}
	if m.Delimiter != "" {
		if len(m.Delimiter) != 1 || m.Delimiter == `"` || m.Delimiter == "\n" || m.Delimiter == "\r" {
			return nil, fmt.Errorf("delimiter %q: want one byte such as , ; or a tab", m.Delimiter)
		}
		p.delim = m.Delimiter[0]
	}
	if len(m.ColumnNames) > 0 {
		p.names = make(map[string]int, len(m.ColumnNames))
		for i, n := range m.ColumnNames {
			p.names[n] = i
		}
	}
	// Timestamp.
	if m.Timestamp.Column.IsZero() {
		return nil, fmt.Errorf("timestamp: missing column (want timestamp: {column: ..., format: ...})")
	}
	p.tsCol = m.Timestamp.Column
	if err := CheckFormat(m.Timestamp.Format); err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	loc, err := ParseTZ(m.Timestamp.TZ)
	if err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	p.tf = TimeFormat{Format: m.Timestamp.Format, Loc: loc}
	if s := m.Timestamp.Shift; s != "" {
		neg := strings.HasPrefix(s, "-")
		d, err := dataset.ParseInterval(strings.TrimPrefix(s, "-"))
		if err != nil {
			return nil, fmt.Errorf("timestamp: shift %q: want a duration such as 1h, 30m or -3h", s)
		}
		p.shift = engine.Nanos(d)
		if neg {
			p.shift = -p.shift
		}
	}
	// Targets.
	allowed := kindTargets[k]
	byName := func(name string) (int, bool) {
		for _, id := range allowed {
			if targetNames[id] == name {
				return id, true
			}
		}
		return 0, false
	}
	want := func() string {
		var s []string
		for _, id := range allowed {
			s = append(s, targetNames[id])
		}
		return strings.Join(s, ", ")
	}
	for _, name := range sortedKeys(m.Columns) {
		id, ok := byName(name)
		if !ok {
			return nil, fmt.Errorf("columns: %q is not a %s column (want %s)", name, k, want())
		}
		v := m.Columns[name]
		if v.Scale == 0 {
			v.Scale = 1
		}
		p.t[id] = target{col: v.Column, scale: v.Scale, set: true}
	}
	for _, name := range sortedKeys(m.Constants) {
		id, ok := byName(name)
		if !ok {
			return nil, fmt.Errorf("constants: %q is not a %s column (want %s)", name, k, want())
		}
		if p.t[id].set {
			return nil, fmt.Errorf("%q is both a column and a constant", name)
		}
		if id == tTradeID || id == tCloseTime || id == tBuyerMaker {
			return nil, fmt.Errorf("constants: %q cannot be a constant", name)
		}
		p.t[id] = target{konst: m.Constants[name], isConst: true, set: true}
	}
	need := func(ids ...int) error {
		for _, id := range ids {
			if !p.t[id].set {
				return fmt.Errorf("%s mapping needs column or constant %q", k, targetNames[id])
			}
		}
		return nil
	}
	if k != engine.KindSeries && len(m.Series) > 0 {
		return nil, fmt.Errorf("series: only for kind series")
	}
	if k != engine.KindBar && m.Interval != "" {
		return nil, fmt.Errorf("interval: only for kind bars")
	}
	if k != engine.KindBar && m.AllowUnaligned {
		return nil, fmt.Errorf("allow_unaligned: only for kind bars")
	}
	switch k {
	case engine.KindTrade:
		err = need(tPrice, tQty)
		if err == nil && p.t[tSide].set == p.t[tBuyerMaker].set {
			err = fmt.Errorf("trades mapping needs exactly one of side and buyer_maker")
		}
	case engine.KindBar:
		err = need(tOpen, tHigh, tLow, tClose, tVolume)
		if err == nil && m.Interval != "" && m.Interval != "auto" {
			p.interval, err = dataset.ParseInterval(m.Interval)
		}
	case engine.KindFunding:
		err = need(tRate, tIntervalHours)
	case engine.KindOI:
		if !p.t[tOI].set && !p.t[tOIValue].set {
			err = fmt.Errorf("oi mapping needs oi, oi_value or both")
		}
	case engine.KindLiquidation:
		two := p.t[tLongNotional].set || p.t[tShortNotional].set
		switch {
		case two && (p.t[tSide].set || p.t[tNotional].set):
			err = fmt.Errorf("liquidations mapping: use either side + notional or long_notional + short_notional, not both")
		case two:
			err = need(tLongNotional, tShortNotional)
			p.twoSided = true
		default:
			err = need(tSide, tNotional)
		}
	case engine.KindSeries:
		if len(m.Series) == 0 {
			err = fmt.Errorf("series mapping needs a series list ({name, column, scale})")
		}
		for _, s := range m.Series {
			if s.Name == "" || s.Column.IsZero() {
				err = fmt.Errorf("series: each entry needs name and column")
				break
			}
			if s.Scale == 0 {
				s.Scale = 1
			}
			p.series = append(p.series, seriesTarget{name: s.Name, col: s.Column, scale: s.Scale})
		}
	}
	if err != nil {
		return nil, err
	}
	if p.format != "csv" {
		for _, c := range p.columns() {
			if c.ByIndex {
				return nil, fmt.Errorf("column %s: %s records need key names, not positions", c, p.format)
			}
		}
	}
	if p.format == "csv" && p.header == "false" && p.names == nil {
		for _, c := range p.columns() {
			if !c.ByIndex {
				return nil, fmt.Errorf("column %s: without a header (header: false) name columns by position or set column_names", c)
			}
		}
	}
	if p.header == "auto" && p.format == "csv" && p.names == nil {
		for _, c := range p.columns() {
			if !c.ByIndex {
				return nil, fmt.Errorf("column %s: header: auto needs positions or column_names, since a file may lack the header", c)
			}
		}
	}
	return p, nil
}

// columns lists every source column the plan reads.
func (p *plan) columns() []Column {
	cs := []Column{p.tsCol}
	for _, t := range p.t {
		if t.set && !t.isConst {
			cs = append(cs, t.col)
		}
	}
	for _, s := range p.series {
		cs = append(cs, s.col)
	}
	return cs
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// ParseMapping reads a mapping from YAML. Unknown keys are errors.
func ParseMapping(data []byte, name string) (*Mapping, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	m := &Mapping{}
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("mapping %s: %w", name, err)
	}
	m.Name = name
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// ShippedMappings returns the names of the mappings built into the binary.
func ShippedMappings() []string {
	ents, _ := fs.ReadDir(shippedFS, "mappings")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return out
}

// ShippedMapping returns the YAML text of a shipped mapping.
func ShippedMapping(name string) ([]byte, error) {
	b, err := shippedFS.ReadFile(path.Join("mappings", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("no shipped mapping %q (have %s)", name, strings.Join(ShippedMappings(), ", "))
	}
	return b, nil
}

// ErrNoMapping reports a mapping that is neither a file nor shipped.
var ErrNoMapping = errors.New("no such mapping")

// LoadMapping reads a mapping from a YAML file, or, if no such file exists
// and nameOrPath has no directory part, the shipped mapping of that name.
func LoadMapping(nameOrPath string) (*Mapping, error) {
	data, err := os.ReadFile(nameOrPath)
	if err == nil {
		return ParseMapping(data, nameOrPath)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("mapping %s: %w", nameOrPath, err)
	}
	if strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml") {
		return nil, fmt.Errorf("mapping %s: %w: file not found", nameOrPath, ErrNoMapping)
	}
	data, err = ShippedMapping(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w: not a file, and %v", nameOrPath, ErrNoMapping, err)
	}
	return ParseMapping(data, nameOrPath)
}
