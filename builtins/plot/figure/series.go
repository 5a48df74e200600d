package figure

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Errors for series that cannot be drawn; the errors that Line, Points and
// Histogram return wrap them with the series' name and the numbers involved.
var (
	ErrNoData   = errors.New("no data")
	ErrLength   = errors.New("x and y lengths differ")
	ErrInfinite = errors.New("infinite value")
)

// maxAutoBins bounds the number of bins Histogram picks by itself.
const maxAutoBins = 50

// Line adds a line through the points (xs[i], ys[i]) to the last panel, with
// name in the legend (none when name is empty). With nil xs the points sit at
// x = 0, 1, 2, …. Points where x or y is NaN are left out; an infinite value,
// lengths that differ, or no point left is an error. The first line of a
// panel is solid and the next ones dashed, each in its own pattern, so that
// lines that coincide stay visible.
func (f *Figure) Line(name string, xs, ys []float64) error {
	xy, err := points(name, xs, ys)
	if err != nil {
		return err
	}
	pn := f.lastPanel()
	l := &plotter.Line{XYs: xy, LineStyle: lineStyle(f.nextColour(), pn.lines)}
	pn.lines++
	f.add(name, l, shape{line: xy})
	return nil
}

// Points adds the points (xs[i], ys[i]) to the last panel as round markers,
// taking xs and ys as Line does.
func (f *Figure) Points(name string, xs, ys []float64) error {
	xy, err := points(name, xs, ys)
	if err != nil {
		return err
	}
	s := &plotter.Scatter{XYs: xy, GlyphStyle: draw.GlyphStyle{
		Color:  f.nextColour(),
		Radius: vg.Points(3.5),
		Shape:  draw.CircleGlyph{},
	}}
	f.add(name, s, shape{points: xy})
	return nil
}

// Histogram adds to the last panel the counts of values in bins equal-width
// bins; with bins ≤ 0 it picks about the square root of the number of values,
// at most 50. Integer data get integer-wide bins centred on whole numbers. NaN
// values are left out; an infinite value, or no value left, is an error.
func (f *Figure) Histogram(name string, values []float64, bins int) error {
	vs := make([]float64, 0, len(values))
	for i, v := range values {
		if math.IsInf(v, 0) {
			return fmt.Errorf("histogram %q: value %d is %v: %w", name, i, v, ErrInfinite)
		}
		if !math.IsNaN(v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		if len(values) == 0 {
			return fmt.Errorf("histogram %q: %w: the value list is empty", name, ErrNoData)
		}
		return fmt.Errorf("histogram %q: %w: all %d values are NaN", name, ErrNoData, len(values))
	}
	bs, width := binValues(vs, bins)
	h := &plotter.Histogram{
		Bins:      bs,
		Width:     width,
		FillColor: f.nextColour(),
		LineStyle: draw.LineStyle{Color: paper, Width: vg.Points(0.5)},
	}
	f.add(name, h, shape{bars: bs})
	return nil
}

// binValues counts vs, which are finite and not empty, in bins.
func binValues(vs []float64, bins int) ([]plotter.HistogramBin, float64) {
	lo, hi := vs[0], vs[0]
	integers := true
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		integers = integers && v == math.Trunc(v)
	}
	if bins <= 0 {
		bins = min(maxAutoBins, max(1, int(math.Ceil(math.Sqrt(float64(len(vs)))))))
	}
	start, width := lo, (hi-lo)/float64(bins)
	switch {
	case integers:
		width = math.Max(1, math.Ceil((hi-lo+1)/float64(bins)))
		start = lo - 0.5
		bins = int(math.Ceil((hi - lo + 1) / width))
	case hi == lo:
		start, width, bins = lo-0.5, 1, 1
	}
	out := make([]plotter.HistogramBin, bins)
	for i := range out {
		out[i].Min = start + float64(i)*width
		out[i].Max = start + float64(i+1)*width
	}
	for _, v := range vs {
		i := min(bins-1, max(0, int((v-start)/width)))
		out[i].Weight++
	}
	return out, width
}

// points checks a series and copies its finite points.
func points(name string, xs, ys []float64) (plotter.XYs, error) {
	if xs != nil && len(xs) != len(ys) {
		return nil, fmt.Errorf("series %q: %w: %d x values, %d y values", name, ErrLength, len(xs), len(ys))
	}
	if len(ys) == 0 {
		return nil, fmt.Errorf("series %q: %w: the y values are empty", name, ErrNoData)
	}
	xy := make(plotter.XYs, 0, len(ys))
	for i, y := range ys {
		x := float64(i)
		if xs != nil {
			x = xs[i]
		}
		if math.IsInf(x, 0) || math.IsInf(y, 0) {
			return nil, fmt.Errorf("series %q: point %d is (%v, %v): %w", name, i, x, y, ErrInfinite)
		}
		if !math.IsNaN(x) && !math.IsNaN(y) {
			xy = append(xy, plotter.XY{X: x, Y: y})
		}
	}
	if len(xy) == 0 {
		return nil, fmt.Errorf("series %q: %w: all %d points are NaN", name, ErrNoData, len(ys))
	}
	return xy, nil
}

func (f *Figure) nextColour() color.Color {
	f.series++
	return colour(f.series - 1)
}

// add puts a series on the last panel and in its legend.
func (f *Figure) add(name string, p interface {
	plot.Plotter
	plot.Thumbnailer
}, s shape) {
	pn := f.lastPanel()
	pn.plot.Add(p)
	pn.legend.add(name, p, s)
}

// marker is the dashed vertical line that Mark draws.
type marker struct{ x float64 }

func markStyle() draw.LineStyle {
	return draw.LineStyle{Color: markInk, Width: vg.Points(1.25), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
}

func (m *marker) Plot(c draw.Canvas, p *plot.Plot) {
	x := c.X(p.X.Norm(m.x))
	c.StrokeLine2(markStyle(), x, c.Min.Y, x, c.Max.Y)
}

// DataRange widens the x axis to the marker and leaves the y axis alone.
func (m *marker) DataRange() (xmin, xmax, ymin, ymax float64) {
	return m.x, m.x, math.Inf(1), math.Inf(-1)
}

func (m *marker) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(markStyle(), c.Min.X, y, c.Max.X, y)
}
