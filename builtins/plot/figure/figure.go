package figure

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Default display size of a figure, in CSS pixels.
const (
	DefaultWidth  = 720
	DefaultHeight = 432
)

// Bounds of a figure's display size, in CSS pixels.
const (
	minSize = 120
	maxSize = 4000
)

// A Figure is a chart of one or more panels stacked vertically that share
// the x axis. Series go to the last panel; Panel starts a new one below. Make
// one with New (a zero Figure works too, untitled and of the default size).
type Figure struct {
	title  string
	xLabel string
	panels []*panel
	width  int // display size in CSS pixels
	height int
	series int // series added so far, which picks the next colour
}

// panel is one plot of a figure and the share of the height it takes.
type panel struct {
	plot   *plot.Plot
	weight float64
	legend *legend
	lines  int // line series so far, which picks the next dash pattern
}

// New returns a figure with one empty panel, titled title (which may be
// empty).
func New(title string) *Figure {
	f := &Figure{title: title, width: DefaultWidth, height: DefaultHeight}
	f.Panel("", 1)
	return f
}

// Title returns the figure's title.
func (f *Figure) Title() string { return f.title }

// Panel adds a panel below the others, with yLabel on its vertical axis and
// a height in proportion to weight (the first panel's weight is 1; a weight
// that is not positive counts as 1). Series added afterwards go to it.
func (f *Figure) Panel(yLabel string, weight float64) *Figure {
	if !(weight > 0) || math.IsInf(weight, 0) {
		weight = 1
	}
	p := newPlot()
	p.Y.Label.Text = yLabel
	f.panels = append(f.panels, &panel{plot: p, weight: weight, legend: &legend{}})
	return f
}

// Labels sets the label of the x axis (shared by all panels, shown under
// the bottom one) and of the last panel's y axis.
func (f *Figure) Labels(x, y string) *Figure {
	f.xLabel = x
	f.last().Y.Label.Text = y
	return f
}

// Resize sets the display size in CSS pixels; the PNG has twice as many
// pixels each way. Sizes are kept between 120 and 4000.
func (f *Figure) Resize(width, height int) *Figure {
	f.width = min(max(width, minSize), maxSize)
	f.height = min(max(height, minSize), maxSize)
	return f
}

// Size returns the display size in CSS pixels.
func (f *Figure) Size() (width, height int) {
	if f.width == 0 || f.height == 0 {
		return DefaultWidth, DefaultHeight
	}
	return f.width, f.height
}

// Mark draws a dashed vertical line at x across every panel so far, named
// label in the first panel's legend: a cutoff on a histogram, an epoch
// boundary on a loss curve. A NaN or infinite x is ignored.
func (f *Figure) Mark(x float64, label string) *Figure {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return f
	}
	f.last() // a zero Figure gets its panel
	for i, pn := range f.panels {
		m := &marker{x: x}
		pn.plot.Add(m)
		name := ""
		if i == 0 {
			name = label
		}
		pn.legend.add(name, m, shape{vline: []float64{x}})
	}
	return f
}

// Legend returns the names in the figure's legends, panel by panel.
func (f *Figure) Legend() []string {
	var names []string
	for _, pn := range f.panels {
		for _, e := range pn.legend.entries {
			names = append(names, e.name)
		}
	}
	return names
}

// String describes the figure in one line: its title and legend.
func (f *Figure) String() string {
	var b strings.Builder
	b.WriteString("plot")
	if f.title != "" {
		fmt.Fprintf(&b, " %q", f.title)
	}
	if names := f.Legend(); len(names) > 0 {
		b.WriteString(": " + strings.Join(names, ", "))
	}
	return b.String()
}

// last returns the panel that series go to.
func (f *Figure) last() *plot.Plot { return f.lastPanel().plot }

func (f *Figure) lastPanel() *panel {
	if len(f.panels) == 0 {
		f.Panel("", 1)
	}
	return f.panels[len(f.panels)-1]
}

// draw lays the panels out on c, top to bottom, with their data areas aligned
// left and right and one x range for all. A legend goes in the emptiest
// corner of its panel, or to the right of all panels when every corner would
// hide data. draw leaves the panels as it found them, so that a figure can
// be drawn again after more series are added.
func (f *Figure) draw(c draw.Canvas) {
	f.last()
	type axes struct{ x, y plot.Axis }
	saved := make([]axes, len(f.panels))
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i, pn := range f.panels {
		saved[i] = axes{pn.plot.X, pn.plot.Y}
		xmin = math.Min(xmin, pn.plot.X.Min)
		xmax = math.Max(xmax, pn.plot.X.Max)
	}
	defer func() {
		for i, pn := range f.panels {
			pn.plot.X, pn.plot.Y = saved[i].x, saved[i].y
		}
	}()
	xmin, xmax = margins(xmin, xmax)
	for i, pn := range f.panels {
		p := pn.plot
		p.X.Min, p.X.Max = xmin, xmax
		p.Y.Min, p.Y.Max = margins(p.Y.Min, p.Y.Max)
		p.Title.Text, p.X.Label.Text = "", ""
		if i == 0 {
			p.Title.Text = f.title
		}
		if i == len(f.panels)-1 {
			p.X.Label.Text = f.xLabel
		} else {
			p.X.Tick.Marker = unlabelled{p.X.Tick.Marker}
		}
	}

	c.SetColor(paper)
	c.Fill(c.Rectangle.Path())
	pad := vg.Points(10)
	c = draw.Crop(c, pad, -pad, pad, -pad)

	canvases := f.layout(c, 0)
	boxes := make([]vg.Rectangle, len(f.panels))
	outside := make([]bool, len(f.panels))
	var reserve vg.Length
	for i, pn := range f.panels {
		if len(pn.legend.entries) == 0 {
			continue
		}
		w, h := pn.legend.size()
		box, ink := pn.legend.place(pn.plot.DataCanvas(canvases[i]), pn.plot, w, h)
		boxes[i] = box
		if ink > crowded*float64(w*h) {
			outside[i] = true
			reserve = max(reserve, w+legendInset)
		}
	}
	if reserve > 0 {
		canvases = f.layout(c, reserve)
		for i, pn := range f.panels {
			if len(pn.legend.entries) == 0 {
				continue
			}
			w, h := pn.legend.size()
			d := pn.plot.DataCanvas(canvases[i])
			if outside[i] {
				at := vg.Point{X: canvases[i].Max.X + legendInset, Y: d.Max.Y - h}
				boxes[i] = vg.Rectangle{Min: at, Max: vg.Point{X: at.X + w, Y: at.Y + h}}
			} else {
				boxes[i], _ = pn.legend.place(d, pn.plot, w, h)
			}
		}
	}
	for i, pn := range f.panels {
		pn.plot.Draw(canvases[i])
		if len(pn.legend.entries) > 0 {
			pn.legend.draw(c, boxes[i])
		}
	}
}

// crowded is the share of a legend's area that data may cover before the
// legend moves out of the panel.
const crowded = 0.01

// layout divides c among the panels by weight, less reserve on the right,
// and narrows each so that all data areas have the same left and right
// edges.
func (f *Figure) layout(c draw.Canvas, reserve vg.Length) []draw.Canvas {
	c.Max.X -= reserve
	gap := vg.Points(8)
	total := 0.0
	for _, pn := range f.panels {
		total += pn.weight
	}
	height := c.Max.Y - c.Min.Y - gap*vg.Length(len(f.panels)-1)
	canvases := make([]draw.Canvas, len(f.panels))
	top := c.Max.Y
	for i, pn := range f.panels {
		h := vg.Length(float64(height) * pn.weight / total)
		canvases[i] = c
		canvases[i].Max.Y, canvases[i].Min.Y = top, top-h
		top -= h + gap
	}
	var left, right vg.Length
	for i, pn := range f.panels {
		d := pn.plot.DataCanvas(canvases[i])
		left = max(left, d.Min.X-canvases[i].Min.X)
		right = max(right, canvases[i].Max.X-d.Max.X)
	}
	for i, pn := range f.panels {
		d := pn.plot.DataCanvas(canvases[i])
		canvases[i].Min.X += left - (d.Min.X - canvases[i].Min.X)
		canvases[i].Max.X -= right - (canvases[i].Max.X - d.Max.X)
	}
	return canvases
}
