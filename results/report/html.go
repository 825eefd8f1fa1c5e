package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var pageTemplate string

// minElements is how many drawn SVG elements the page's self-check wants
// in every chart (a placeholder draws a frame, axes, a title and its
// message, so it passes; an empty or broken SVG does not).
const minElements = 5

// Page is what WriteHTML needs besides the model.
type Page struct {
	// Generator names the program that wrote the page (shown in the
	// footer), e.g. "cascade v1.2".
	Generator string
}

type chartView struct {
	Chart
	SVG template.HTML
	// Data holds the chart's data-* attributes, names sanitised and values
	// escaped (html/template refuses dynamic attribute names).
	Data template.HTMLAttr
}

type strategyGroup struct {
	Strategy string
	Views    []StrategyView
}

// WriteHTML writes the report page: one self-contained HTML document with
// every chart inlined as SVG and no external resources. A small inline
// script checks on load that every chart rendered (non-empty bounding box,
// at least a few drawn elements) and writes the verdict into
// <body data-charts="name:ok,..."> and a visible status line.
func WriteHTML(w io.Writer, m *Model, charts []Chart, pg Page) error {
	views := make(map[string]chartView, len(charts))
	var order []chartView
	for _, c := range charts {
		svg, err := c.SVG()
		if err != nil {
			return err
		}
		s := string(svg)
		if i := strings.Index(s, "<svg"); i >= 0 {
			s = s[i:]
		}
		v := chartView{Chart: c, SVG: template.HTML(s)}
		keys := make([]string, 0, len(c.Attrs))
		for k := range c.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var attrs strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&attrs, ` data-%s="%s"`, chartName(k), html.EscapeString(c.Attrs[k]))
		}
		v.Data = template.HTMLAttr(attrs.String())
		views[c.Name] = v
		order = append(order, v)
	}
	var groups []strategyGroup
	for _, g := range groupBy(m.Strategies, func(v StrategyView) string { return v.Strategy }) {
		groups = append(groups, strategyGroup{g[0].Strategy, g})
	}
	survivors := 0
	for _, r := range m.HypoTable {
		if r.Surviving {
			survivors++
		}
	}
	data := map[string]any{
		"M": m, "Page": pg, "Charts": order, "Survivors": survivors, "Groups": groups, "MinElements": minElements,
		"HeatNote": heatNote(m),
	}
	t, err := template.New("report").Funcs(template.FuncMap{
		"chart": func(name string) (chartView, error) {
			v, ok := views[name]
			if !ok {
				return v, fmt.Errorf("no chart %q", name)
			}
			return v, nil
		},
		"hypoChart":     HypoChartName,
		"strategyChart": StrategyChartName,
		"charted":       func(name string) bool { _, ok := views[name]; return ok },
		"money":         func(x Float) string { return Money(float64(x)) },
		"pct":           fmtPct,
		"num":           fmtNum,
		"q":             func(x Float) string { return fmtQ(float64(x)) },
		"ratio":         func(x Float) string { return ratio(float64(x)) },
		"time":          fmtTime,
		"price":         func(x Float) string { return fmt.Sprintf("%.2f", float64(x)) },
		"side":          sideWord,
	}).Parse(pageTemplate)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return fmt.Errorf("report page: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

func heatNote(m *Model) string {
	h := m.Heat
	if h == nil || h.Cells == 0 {
		return "No liquidation heatmap rows for this run (liq_heatmap is empty or absent), so only the price and the cascades are drawn."
	}
	return fmt.Sprintf("%d snapshots (%d stored bands) re-binned onto %d time columns × %d price rows of %.2f each; a cell is the mean over the snapshots in its column of the notional whose liquidation price lies in its price range. Colour intensity is √(notional / %s), full colour at %s or more (the 99th percentile of non-empty cells).",
		h.Samples, h.Bands, h.Cols, h.Rows, float64(h.PriceHi-h.PriceLo)/float64(h.Rows), Money(float64(h.Scale)), Money(float64(h.Scale)))
}

func fmtPct(x Float) string {
	v := float64(x)
	if math.IsNaN(v) {
		return "–"
	}
	if math.IsInf(v, 0) {
		return ratio(v)
	}
	return fmt.Sprintf("%.2f%%", v*100)
}

func fmtNum(x Float) string {
	v := float64(x)
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 0):
		return ratio(v)
	case math.Abs(v) >= 1e4:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func sideWord(s int64) string {
	switch s {
	case 1:
		return "up"
	case -1:
		return "down"
	}
	return "either"
}
