package report

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Charts returns the report's charts in page order: price with heatmap,
// liquidation map, one per hypothesis, two per charted strategy variant.
// A chart without data is a placeholder saying so (NoData).
func Charts(m *Model) []Chart {
	out := []Chart{priceHeatChart(m)}
	if m.Map != nil {
		out = append(out, MapChart(m.Map))
	} else {
		out = append(out, Chart{Name: "liqmap", Title: "Liquidation map", W: 960, H: 420,
			NoData: "no data: liq_heatmap has no rows for this run"})
	}
	for i := range m.Hypotheses {
		out = append(out, hypoChart(&m.Hypotheses[i]))
	}
	for i := range m.Strategies {
		if sv := &m.Strategies[i]; sv.Charted {
			out = append(out, equityChart(sv), tradesChart(m, sv))
		}
	}
	return out
}

// HypoChartName is the chart name of a hypothesis path.
func HypoChartName(spec int64, hypothesis string) string {
	return chartName("hypothesis", strconv.FormatInt(spec, 10), hypothesis)
}

// StrategyChartName is the chart name of a strategy variant's chart kind
// ("equity" or "trades").
func StrategyChartName(strategy string, variant int64, kind string) string {
	return chartName("strategy", strategy, "v"+strconv.FormatInt(variant, 10), kind)
}

func priceHeatChart(m *Model) Chart {
	c := Chart{Name: "price-heatmap", Title: "Price and estimated liquidation heatmap", W: 960, H: 440,
		Attrs: map[string]string{"price-points": strconv.Itoa(len(m.Price)), "heat-cells": "0", "cascades": strconv.Itoa(len(m.Cascades))}}
	h := m.Heat
	if h != nil {
		c.Attrs["heat-cells"] = strconv.Itoa(h.Cells)
	}
	if len(m.Price) == 0 && (h == nil || h.Cells == 0) {
		c.NoData = "no data: market_bars and liq_heatmap have no rows for this run"
		return c
	}
	p := newPlot(c.Title)
	lg := newLegend(p)
	from, to := m.From, m.To
	if h != nil && h.Cells > 0 {
		if from.IsZero() || h.From.Before(from) {
			from = h.From
		}
		if h.To.After(to) {
			to = h.To
		}
		p.Add(heatLayer{img: heatImage(h), x0: unix(h.From), x1: unix(h.To), y0: float64(h.PriceLo), y1: float64(h.PriceHi)})
		lg.add("longs at risk (below price)", swatch{longFull})
		lg.add("shorts at risk (above price)", swatch{shortFull})
	}
	timeAxis(p, from, to)
	p.Y.Label.Text = "price"
	if pts := xys(m.Price); len(pts) > 0 {
		l, err := line(pts, priceColor, 0.8)
		if err == nil {
			p.Add(l)
			lg.add("close", l)
		}
	}
	var longs, shorts plotter.XYs
	for _, k := range m.Cascades {
		if math.IsNaN(float64(k.Price)) {
			continue
		}
		if k.Side == "short" {
			shorts = append(shorts, plotter.XY{X: unix(k.T), Y: float64(k.Price)})
		} else {
			longs = append(longs, plotter.XY{X: unix(k.T), Y: float64(k.Price)})
		}
	}
	if len(longs) > 0 {
		if s, err := scatter(longs, longMark, triangle{Down: true, Outline: true}, 4); err == nil {
			p.Add(s)
			lg.add("long cascade (start)", s)
		}
	}
	if len(shorts) > 0 {
		if s, err := scatter(shorts, shortMark, triangle{Outline: true}, 4); err == nil {
			p.Add(s)
			lg.add("short cascade (start)", s)
		}
	}
	p.Add(lg)
	c.render = single(p)
	return c
}

// heatLayer draws the heatmap image over its data rectangle. SVG keeps
// one pixel per cell (the page renders it pixelated); raster backends get
// it upscaled by whole pixels first, since they would otherwise smooth it.
type heatLayer struct {
	img            *image.NRGBA
	x0, x1, y0, y1 float64
}

func (l heatLayer) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	rect := vg.Rectangle{Min: vg.Point{X: trX(l.x0), Y: trY(l.y0)}, Max: vg.Point{X: trX(l.x1), Y: trY(l.y1)}}
	img := l.img
	if _, vector := c.Canvas.(*vgsvg.Canvas); !vector {
		b := img.Bounds()
		kx := max(1, int(math.Ceil(float64(rect.Size().X.Dots(96))/float64(b.Dx()))))
		ky := max(1, int(math.Ceil(float64(rect.Size().Y.Dots(96))/float64(b.Dy()))))
		img = upscale(img, kx, ky)
	}
	c.DrawImage(rect, img)
}

func (l heatLayer) DataRange() (xmin, xmax, ymin, ymax float64) { return l.x0, l.x1, l.y0, l.y1 }

// upscale repeats each pixel kx × ky times.
func upscale(src *image.NRGBA, kx, ky int) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, b.Dx()*kx, b.Dy()*ky))
	for y := range dst.Bounds().Dy() {
		for x := range dst.Bounds().Dx() {
			dst.SetNRGBA(x, y, src.NRGBAAt(b.Min.X+x/kx, b.Min.Y+y/ky))
		}
	}
	return dst
}

// heatImage paints the grid: each side's intensity is √(notional/Scale)
// (capped at 1) of its full colour over white; empty cells are
// transparent. Row 0 (lowest price) is the image's bottom row.
func heatImage(h *HeatGrid) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, h.Cols, h.Rows))
	scale := float64(h.Scale)
	if !(scale > 0) {
		scale = 1
	}
	mix := func(il, is float64, white, l, s uint8) uint8 {
		v := float64(white) - il*float64(white-l) - is*float64(white-s)
		return uint8(math.Round(math.Min(255, math.Max(0, v))))
	}
	for r := range h.Rows {
		for c := range h.Cols {
			lv, sv := float64(h.Long[r][c]), float64(h.Short[r][c])
			if !(lv > 0) && !(sv > 0) {
				continue
			}
			il, is := math.Sqrt(math.Min(1, math.Max(0, lv)/scale)), math.Sqrt(math.Min(1, math.Max(0, sv)/scale))
			img.SetNRGBA(c, h.Rows-1-r, color.NRGBA{mix(il, is, 255, longFull.R, shortFull.R), mix(il, is, 255, longFull.G, shortFull.G),
				mix(il, is, 255, longFull.B, shortFull.B), 255})
		}
	}
	return img
}

// MapChart draws a liquidation map: notional per band (longs below the
// price, shorts above) and, below it, the cumulative notional from the
// price outwards, with the asymmetry range marked.
func MapChart(lm *LiqMap) Chart {
	title := fmt.Sprintf("Liquidation map at %s, price %.2f", lm.At.UTC().Format("2006-01-02 15:04 UTC"), float64(lm.Price))
	c := Chart{Name: "liqmap", Title: title, W: 960, H: 420,
		Attrs: map[string]string{"levels": strconv.Itoa(len(lm.Longs) + len(lm.Shorts))}}
	if len(lm.Longs)+len(lm.Shorts) == 0 {
		c.NoData = "no liquidation levels at this moment"
		return c
	}
	price, above, below := float64(lm.Price), float64(lm.Above), float64(lm.Below)
	top := newPlot(fmt.Sprintf("%s — shorts within +%s %s / longs within −%s %s = asymmetry %s", title,
		pctLabel(above), Money(float64(lm.ShortsWithin)), pctLabel(below), Money(float64(lm.LongsWithin)), ratio(float64(lm.Asymmetry))))
	top.Y.Label.Text = "notional per band"
	top.Y.Tick.Marker = labelTicks(Money)
	top.Y.Min = 0
	top.Add(bars{lm.Longs, longFull}, bars{lm.Shorts, shortFull})
	top.Legend.Add("longs (liquidated below)", swatch{longFull})
	top.Legend.Add("shorts (liquidated above)", swatch{shortFull})
	top.Legend.Top, top.Legend.Left = true, false
	if _, _, _, ymax := (bars{append(append([]MapLevel{}, lm.Longs...), lm.Shorts...), nil}).DataRange(); ymax > 0 {
		top.Y.Max = ymax * 1.08
	}
	bottom := newPlot("")
	bottom.Y.Label.Text = "cumulative from price"
	bottom.Y.Tick.Marker = labelTicks(Money)
	bottom.X.Label.Text = "price level"
	bottom.Y.Min = 0
	cum := func(levels []MapLevel, outer func(MapLevel) float64) plotter.XYs {
		pts := plotter.XYs{{X: price, Y: 0}}
		for _, l := range levels {
			if v := outer(l); !math.IsNaN(v) {
				pts = append(pts, plotter.XY{X: v, Y: float64(l.Cumulative)})
			}
		}
		return pts
	}
	if l, err := line(cum(lm.Longs, func(l MapLevel) float64 { return float64(l.Lo) }), longFull, 1.4); err == nil {
		bottom.Add(l)
	}
	if l, err := line(cum(lm.Shorts, func(l MapLevel) float64 { return float64(l.Hi) }), shortFull, 1.4); err == nil {
		bottom.Add(l)
	}
	// Same x range on both panels.
	lo, hi := price, price
	for _, l := range append(append([]MapLevel{}, lm.Longs...), lm.Shorts...) {
		lo, hi = math.Min(lo, float64(l.Lo)), math.Max(hi, float64(l.Hi))
	}
	lo, hi = math.Min(lo, price*(1-below)), math.Max(hi, price*(1+above))
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = lo, hi
		p.Add(rule{At: price, Style: draw.LineStyle{Color: priceColor, Width: vg.Points(1)}},
			rule{At: price * (1 - below), Style: draw.LineStyle{Color: greyColor, Width: vg.Points(0.7), Dashes: []vg.Length{vg.Points(3), vg.Points(3)}}},
			rule{At: price * (1 + above), Style: draw.LineStyle{Color: greyColor, Width: vg.Points(0.7), Dashes: []vg.Length{vg.Points(3), vg.Points(3)}}})
	}
	c.render = stacked(top, bottom)
	return c
}

func ratio(x float64) string {
	if math.IsInf(x, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.2f", x)
}

// bars fills one rectangle per map band, from 0 to its notional.
type bars struct {
	levels []MapLevel
	color  color.Color
}

func (b bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, l := range b.levels {
		x0, x1, y0, y1 := trX(float64(l.Lo)), trX(float64(l.Hi)), trY(0), trY(float64(l.Notional))
		if x1-x0 < vg.Points(0.6) { // keep hairline bands visible
			x1 = x0 + vg.Points(0.6)
		}
		c.FillPolygon(b.color, c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}))
	}
}

func (b bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for _, l := range b.levels {
		xmin, xmax, ymax = math.Min(xmin, float64(l.Lo)), math.Max(xmax, float64(l.Hi)), math.Max(ymax, float64(l.Notional))
	}
	return
}

func hypoChart(h *HypoPath) Chart {
	dir := map[int64]string{1: "predicts up", -1: "predicts down"}[h.Side]
	if dir == "" {
		dir = "either direction"
	}
	title := fmt.Sprintf("%s — best variant %d (%s), q %s, %d events, %s", h.Hypothesis, h.Variant, h.Params, fmtQ(float64(h.BestQ)), h.Events, dir)
	c := Chart{Name: HypoChartName(h.Spec, h.Hypothesis), Title: title, W: 720, H: 330,
		Attrs: map[string]string{"events": strconv.Itoa(h.Events)}}
	unitS, unit := 3600.0, "hours"
	if len(h.Offsets) > 0 && h.Offsets[len(h.Offsets)-1] > 10*86400 {
		unitS, unit = 86400, "days"
	}
	var mean, base, lo, hi plotter.XYs
	for i, off := range h.Offsets {
		x := float64(off) / unitS
		if v := float64(h.Mean[i]); !math.IsNaN(v) {
			mean = append(mean, plotter.XY{X: x, Y: v})
		}
		if v := float64(h.Base[i]); !math.IsNaN(v) {
			base = append(base, plotter.XY{X: x, Y: v})
		}
		if l, u := float64(h.Lo[i]), float64(h.Hi[i]); !math.IsNaN(l) && !math.IsNaN(u) {
			lo, hi = append(lo, plotter.XY{X: x, Y: l}), append(hi, plotter.XY{X: x, Y: u})
		}
	}
	if len(mean) == 0 {
		c.NoData = "no events with price data for the best variant"
		if h.Note != "" {
			c.NoData = h.Note
		}
		return c
	}
	p := newPlot(title)
	lg := newLegend(p)
	p.X.Label.Text = unit + " from the event"
	p.Y.Label.Text = "cumulative return"
	p.Y.Tick.Marker = labelTicks(pctLabel)
	if len(lo) > 1 {
		poly := append(plotter.XYs{}, lo...)
		for i := len(hi) - 1; i >= 0; i-- {
			poly = append(poly, hi[i])
		}
		if pg, err := plotter.NewPolygon(poly); err == nil {
			pg.Color, pg.LineStyle.Width = bandColor, 0
			p.Add(pg)
			lg.add("95% band (mean ± 1.96 s.e.)", swatch{bandColor})
		}
	}
	p.Add(rule{At: 0, Horizontal: true, Style: draw.LineStyle{Color: greyColor, Width: vg.Points(0.5)}},
		rule{At: 0, Style: draw.LineStyle{Color: greyColor, Width: vg.Points(0.5)}})
	if len(base) > 0 {
		if l, err := line(base, greyColor, 1.2, vg.Points(4), vg.Points(3)); err == nil {
			p.Add(l)
			lg.add("baseline (every bar)", l)
		}
	}
	if l, err := line(mean, pathColor, 1.6); err == nil {
		p.Add(l)
		lg.add("mean at events", l)
	}
	p.Add(lg)
	c.render = single(p)
	return c
}

func fmtQ(q float64) string {
	if math.IsNaN(q) {
		return "n/a"
	}
	return fmt.Sprintf("%.3g", q)
}

func equityChart(sv *StrategyView) Chart {
	title := fmt.Sprintf("%s variant %d (%s): equity and drawdown", sv.Strategy, sv.Variant, sv.Params)
	c := Chart{Name: StrategyChartName(sv.Strategy, sv.Variant, "equity"), Title: title, W: 960, H: 400,
		Attrs: map[string]string{"points": strconv.Itoa(len(sv.Equity))}}
	eq, dd := xys(sv.Equity), xys(sv.Drawdown)
	if len(eq) == 0 {
		c.NoData = "no equity curve for this variant"
		return c
	}
	from, to := sv.Equity[0].T, sv.Equity[len(sv.Equity)-1].T
	top := newPlot(title)
	timeAxis(top, from, to)
	top.X.Label.Text = ""
	top.Y.Label.Text = "equity"
	top.Y.Tick.Marker = labelTicks(Money)
	if l, err := line(eq, pathColor, 1.2); err == nil {
		top.Add(l)
	}
	bottom := newPlot("")
	timeAxis(bottom, from, to)
	bottom.Y.Label.Text = "drawdown"
	bottom.Y.Tick.Marker = labelTicks(pctLabel)
	bottom.Y.Max = 0
	if len(dd) > 0 {
		area := append(plotter.XYs{{X: dd[0].X, Y: 0}}, dd...)
		area = append(area, plotter.XY{X: dd[len(dd)-1].X, Y: 0})
		if pg, err := plotter.NewPolygon(area); err == nil {
			pg.Color, pg.LineStyle = color.NRGBA{215, 48, 39, 110}, draw.LineStyle{Color: sellColor, Width: vg.Points(0.6)}
			bottom.Add(pg)
		}
	}
	c.render = stacked(top, bottom)
	return c
}

func tradesChart(m *Model, sv *StrategyView) Chart {
	title := fmt.Sprintf("%s variant %d: fills on the price", sv.Strategy, sv.Variant)
	if len(sv.Fills) < sv.FillsTotal {
		title += fmt.Sprintf(" (%d of %d shown, evenly spaced)", len(sv.Fills), sv.FillsTotal)
	}
	c := Chart{Name: StrategyChartName(sv.Strategy, sv.Variant, "trades"), Title: title, W: 960, H: 360,
		Attrs: map[string]string{"fills": strconv.Itoa(len(sv.Fills))}}
	price := xys(m.Price)
	if len(price) == 0 && len(sv.Fills) == 0 {
		c.NoData = "no price and no fills for this variant"
		return c
	}
	p := newPlot(title)
	lg := newLegend(p)
	timeAxis(p, m.From, m.To)
	p.Y.Label.Text = "price"
	if len(price) > 0 {
		if l, err := line(price, greyColor, 0.8); err == nil {
			p.Add(l)
			lg.add("close", l)
		}
	}
	var buys, sells, liqs plotter.XYs
	for _, f := range sv.Fills {
		if math.IsNaN(float64(f.Price)) {
			continue
		}
		pt := plotter.XY{X: unix(f.T), Y: float64(f.Price)}
		switch {
		case f.Liquidation:
			liqs = append(liqs, pt)
		case f.Buy:
			buys = append(buys, pt)
		default:
			sells = append(sells, pt)
		}
	}
	for _, s := range []struct {
		pts   plotter.XYs
		color color.Color
		glyph draw.GlyphDrawer
		label string
	}{{buys, buyColor, triangle{}, "buy"}, {sells, sellColor, triangle{Down: true}, "sell"}, {liqs, priceColor, draw.CrossGlyph{}, "own liquidation"}} {
		if len(s.pts) == 0 {
			continue
		}
		if sc, err := scatter(s.pts, s.color, s.glyph, 3.5); err == nil {
			p.Add(sc)
			lg.add(s.label, sc)
		}
	}
	p.Add(lg)
	c.render = single(p)
	return c
}
