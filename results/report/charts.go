package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one chart of a report. Draw it with SVG or PNG.
type Chart struct {
	// Name identifies the chart: the data-chart attribute in the HTML and
	// the file name (Name.svg, Name.png) on export. Lowercase, [a-z0-9_-].
	Name  string
	Title string
	// Caption explains the chart in the HTML.
	Caption string
	// NoData is set when the chart is a placeholder: the message it shows.
	NoData string
	// Attrs are extra data-* attributes of the chart's HTML element (e.g.
	// how many heatmap cells it draws).
	Attrs  map[string]string
	W, H   vg.Length
	render func(draw.Canvas) error
}

// Colours. Longs (liquidated by a fall, below the price) are blue, shorts
// (liquidated by a rise, above the price) orange: distinguishable with the
// common colour-vision deficiencies.
var (
	longFull   = color.NRGBA{8, 81, 156, 255}
	shortFull  = color.NRGBA{217, 72, 1, 255}
	longMark   = color.NRGBA{8, 48, 107, 255}
	shortMark  = color.NRGBA{166, 54, 3, 255}
	buyColor   = color.NRGBA{26, 152, 80, 255}
	sellColor  = color.NRGBA{215, 48, 39, 255}
	pathColor  = color.NRGBA{106, 61, 154, 255}
	bandColor  = color.NRGBA{106, 61, 154, 60}
	greyColor  = color.NRGBA{120, 120, 120, 255}
	priceColor = color.NRGBA{20, 20, 20, 255}
	sans       = font.Font{Typeface: "Liberation", Variant: "Sans"}
)

// SVG renders the chart as a standalone SVG document.
func (c Chart) SVG() ([]byte, error) {
	cv := vgsvg.NewWith(vgsvg.UseWH(c.W, c.H))
	if err := c.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart %s: %w", c.Name, err)
	}
	// vgsvg labels its embedded PNGs image/jpg and lets SVG keep their aspect
	// ratio; stretch them over their rectangle, as vgimg does, with sharp cells.
	out := bytes.ReplaceAll(b.Bytes(), []byte(`xlink:href="data:image/jpg;base64,`), []byte(`preserveAspectRatio="none" style="image-rendering:pixelated" xlink:href="data:image/png;base64,`))
	return out, nil
}

// PNG renders the chart as a PNG image (96 dpi, so 1 pt = 4/3 px).
func (c Chart) PNG() ([]byte, error) {
	cv := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(c.W, c.H), vgimg.UseDPI(96))}
	if err := c.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart %s: %w", c.Name, err)
	}
	return b.Bytes(), nil
}

// draw renders onto dc; gonum/plot panics on some degenerate input, which
// becomes an error naming the chart.
func (c Chart) draw(dc draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("chart %s: %v", c.Name, r)
		}
	}()
	if c.NoData != "" || c.render == nil {
		placeholder(c.Title, c.NoData).Draw(dc)
		return nil
	}
	if err := c.render(dc); err != nil {
		return fmt.Errorf("chart %s: %w", c.Name, err)
	}
	return nil
}

// single wraps one plot as a render function.
func single(p *plot.Plot) func(draw.Canvas) error {
	return func(dc draw.Canvas) error { p.Draw(dc); return nil }
}

// stacked draws two plots above each other with aligned data areas.
func stacked(top, bottom *plot.Plot) func(draw.Canvas) error {
	return func(dc draw.Canvas) error {
		cs := plot.Align([][]*plot.Plot{{top}, {bottom}}, draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(6)}, dc)
		top.Draw(cs[0][0])
		bottom.Draw(cs[1][0])
		return nil
	}
}

var nameRE = regexp.MustCompile(`[^a-z0-9_-]+`)

// chartName lowercases and replaces anything outside [a-z0-9_-] by "-".
func chartName(parts ...string) string {
	return strings.Trim(nameRE.ReplaceAllString(strings.ToLower(strings.Join(parts, "-")), "-"), "-")
}

// newPlot returns a plot with the report's fonts.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 11)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 9)
		a.Tick.Label.Font = font.From(sans, 8)
	}
	p.Legend.TextStyle.Font = font.From(sans, 8)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), vg.Points(-4)
	p.Legend.Padding = vg.Points(1.5)
	return p
}

// placeholder is a framed empty plot with a message.
func placeholder(title, msg string) *plot.Plot {
	p := newPlot(title)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.ConstantTicks{}, plot.ConstantTicks{}
	p.Add(frame{}, plotter.NewGrid())
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0.5, Y: 0.5}}, Labels: []string{msg}})
	if err == nil {
		l.TextStyle[0].Font = font.From(sans, 12)
		l.TextStyle[0].Color = greyColor
		l.TextStyle[0].XAlign, l.TextStyle[0].YAlign = draw.XCenter, draw.YCenter
		p.Add(l)
	}
	return p
}

// frame draws a border around the data area.
type frame struct{}

func (frame) Plot(c draw.Canvas, _ *plot.Plot) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Min.Y}}
	c.StrokeLines(draw.LineStyle{Color: greyColor, Width: vg.Points(0.5)}, pts)
}

// rule is a vertical (or horizontal) line across the data area at At.
type rule struct {
	At         float64
	Horizontal bool
	Style      draw.LineStyle
}

func (r rule) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if r.Horizontal {
		y := trY(r.At)
		c.StrokeLines(r.Style, c.ClipLinesY([]vg.Point{{X: c.Min.X, Y: y}, {X: c.Max.X, Y: y}})...)
		return
	}
	x := trX(r.At)
	c.StrokeLines(r.Style, c.ClipLinesX([]vg.Point{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}})...)
}

func (r rule) DataRange() (xmin, xmax, ymin, ymax float64) {
	if r.Horizontal {
		return math.Inf(1), math.Inf(-1), r.At, r.At
	}
	return r.At, r.At, math.Inf(1), math.Inf(-1)
}

// swatch is a legend thumbnail: a filled box.
type swatch struct{ color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.Color, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// triangle is a filled triangle glyph pointing up, or down when Down,
// with a thin dark outline when Outline (one more SVG path per mark).
type triangle struct{ Down, Outline bool }

func (t triangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	s := vg.Length(1)
	if t.Down {
		s = -1
	}
	pts := []vg.Point{{X: pt.X, Y: pt.Y + s*r}, {X: pt.X - r*0.9, Y: pt.Y - s*r*0.6}, {X: pt.X + r*0.9, Y: pt.Y - s*r*0.6}, {X: pt.X, Y: pt.Y + s*r}}
	c.FillPolygon(sty.Color, pts)
	if t.Outline {
		c.StrokeLines(draw.LineStyle{Color: color.NRGBA{0, 0, 0, 200}, Width: vg.Points(0.4)}, pts)
	}
}

// unix is a time as a plot coordinate (Unix seconds).
func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// timeAxis labels x as UTC times on calendar boundaries.
func timeAxis(p *plot.Plot, from, to time.Time) {
	p.X.Tick.Marker = calendarTicks{}
	if !from.IsZero() && to.After(from) {
		p.X.Min, p.X.Max = unix(from), unix(to)
	}
	p.X.Label.Text = "UTC"
}

// calendarTicks puts labelled ticks on UTC calendar boundaries (hours,
// days, weeks, months, quarters or years, whichever gives 4 to 10 labels)
// and unlabelled ticks between them.
type calendarTicks struct{}

type calStep struct {
	d      time.Duration // nominal length, to pick the step
	months int           // calendar months (0: use d)
	layout string
}

var calendarSteps = []calStep{
	{time.Hour, 0, "01-02 15:04"}, {3 * time.Hour, 0, "01-02 15:04"}, {6 * time.Hour, 0, "01-02 15:04"}, {12 * time.Hour, 0, "01-02 15:04"},
	{24 * time.Hour, 0, "2006-01-02"}, {2 * 24 * time.Hour, 0, "2006-01-02"}, {7 * 24 * time.Hour, 0, "2006-01-02"},
	{14 * 24 * time.Hour, 0, "2006-01-02"}, {30 * 24 * time.Hour, 1, "2006-01"}, {91 * 24 * time.Hour, 3, "2006-01"},
	{182 * 24 * time.Hour, 6, "2006-01"}, {365 * 24 * time.Hour, 12, "2006"}, {5 * 365 * 24 * time.Hour, 60, "2006"},
}

func (calendarTicks) Ticks(lo, hi float64) []plot.Tick {
	from, to := time.Unix(0, int64(lo*1e9)).UTC(), time.Unix(0, int64(hi*1e9)).UTC()
	span := to.Sub(from)
	k := len(calendarSteps) - 1
	for i, s := range calendarSteps {
		if span/s.d <= 8 {
			k = i
			break
		}
	}
	major := calendarSteps[k]
	var ticks []plot.Tick
	add := func(t time.Time, label string) {
		if !t.Before(from) && !t.After(to) {
			ticks = append(ticks, plot.Tick{Value: unix(t), Label: label})
		}
	}
	minor := calendarSteps[max(k-1, 0)]
	for _, s := range []struct {
		step   calStep
		labels bool
	}{{major, true}, {minor, false}} {
		if !s.labels && minor == major {
			break
		}
		for t := calendarFloor(from, s.step.d, s.step.months); !t.After(to); t = calendarNext(t, s.step.d, s.step.months) {
			if s.labels {
				add(t, t.Format(s.step.layout))
			} else if !isOn(t, major.d, major.months) {
				add(t, "")
			}
		}
	}
	return ticks
}

// calendarFloor returns the step boundary at or before t.
func calendarFloor(t time.Time, d time.Duration, months int) time.Time {
	if months > 0 {
		m := (int(t.Month()) - 1) / min(months, 12) * min(months, 12)
		y := t.Year()
		if months > 12 {
			y -= y % (months / 12)
		}
		return time.Date(y, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
	}
	if d >= 7*24*time.Hour { // weeks start on Monday
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	}
	return t.Truncate(d)
}

func calendarNext(t time.Time, d time.Duration, months int) time.Time {
	if months > 0 {
		return t.AddDate(0, months, 0)
	}
	return t.Add(d)
}

func isOn(t time.Time, d time.Duration, months int) bool {
	return calendarFloor(t, d, months).Equal(t)
}

// labelTicks relabels the default ticks with f.
type labelTicks func(float64) string

func (f labelTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = f(ts[i].Value)
		}
	}
	return ts
}

// Money formats a quote amount compactly ($1.2B, $35.0M, $120K).
func Money(x float64) string {
	switch a := math.Abs(x); {
	case math.IsNaN(x):
		return "–"
	case a >= 1e9:
		return fmt.Sprintf("$%.2fB", x/1e9)
	case a >= 1e6:
		return fmt.Sprintf("$%.1fM", x/1e6)
	case a >= 1e3:
		return fmt.Sprintf("$%.0fK", x/1e3)
	}
	return fmt.Sprintf("$%.0f", x)
}

func pctLabel(x float64) string {
	switch a := math.Abs(x); {
	case a == 0:
		return "0%"
	case a < 0.001:
		return fmt.Sprintf("%.3f%%", x*100)
	case a < 0.01:
		return fmt.Sprintf("%.2f%%", x*100)
	case a < 0.1:
		return fmt.Sprintf("%.1f%%", x*100)
	}
	return fmt.Sprintf("%.0f%%", x*100)
}

// xys converts points, dropping non-finite values (plotter rejects them).
func xys(pts []Point) plotter.XYs {
	out := make(plotter.XYs, 0, len(pts))
	for _, p := range pts {
		if v := float64(p.V); !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, plotter.XY{X: unix(p.T), Y: v})
		}
	}
	return out
}

func line(pts plotter.XYs, c color.Color, width float64, dashes ...vg.Length) (*plotter.Line, error) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(width), Dashes: dashes}
	return l, nil
}

func scatter(pts plotter.XYs, c color.Color, g draw.GlyphDrawer, radius float64) (*plotter.Scatter, error) {
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(radius), Shape: g}
	return s, nil
}

// legend adds entries to a plot's legend and, added to the plot after
// the data, paints a translucent white box under them so they stay
// readable over the heatmap.
type legend struct {
	p     *plot.Plot
	names []string
}

func newLegend(p *plot.Plot) *legend { return &legend{p: p} }

func (l *legend) add(name string, th ...plot.Thumbnailer) {
	l.p.Legend.Add(name, th...)
	l.names = append(l.names, name)
}

func (l *legend) Plot(c draw.Canvas, p *plot.Plot) {
	if len(l.names) == 0 {
		return
	}
	lg := &p.Legend
	sty := lg.TextStyle
	var w, eh vg.Length
	for _, n := range l.names {
		r := sty.Rectangle(n)
		w, eh = max(w, r.Max.X), max(eh, r.Max.Y)
	}
	w += lg.ThumbnailWidth + sty.Rectangle(" ").Max.X
	n := vg.Length(len(l.names))
	h := n*eh + (n-1)*lg.Padding + sty.FontExtents().Descent
	pad := vg.Points(3)
	x0, top := c.Min.X+lg.XOffs-pad, c.Max.Y+lg.YOffs+pad
	c.FillPolygon(color.NRGBA{255, 255, 255, 215}, []vg.Point{{X: x0, Y: top - h - 2*pad}, {X: x0 + w + 2*pad, Y: top - h - 2*pad},
		{X: x0 + w + 2*pad, Y: top}, {X: x0, Y: top}})
}
