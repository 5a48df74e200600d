package figure

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legend lists a panel's named series in a box that it places where its
// series cover the least of it.
type legend struct {
	entries []entry
	shapes  []shape // every series of the panel, named or not
}

type entry struct {
	name  string
	thumb plot.Thumbnailer
}

// shape is what a series covers, in data coordinates, for choosing where
// the legend goes.
type shape struct {
	line   plotter.XYs
	points plotter.XYs
	bars   []plotter.HistogramBin
	vline  []float64
}

func (l *legend) add(name string, t plot.Thumbnailer, s shape) {
	if name != "" {
		l.entries = append(l.entries, entry{name, t})
	}
	l.shapes = append(l.shapes, s)
}

// Legend box geometry, in points.
const (
	legendPad    = 6
	legendInset  = 6
	legendThumb  = 20
	legendGap    = 6
	legendRowGap = 1.5 // row height in multiples of the font height
)

func legendStyle() text.Style {
	return textStyle(legendSize, false, draw.XLeft, draw.YCenter)
}

// size returns the width and height of the legend box.
func (l *legend) size() (w, h vg.Length) {
	sty := legendStyle()
	var textW vg.Length
	for _, e := range l.entries {
		textW = max(textW, sty.Width(e.name))
	}
	row := vg.Length(legendRowGap) * sty.Height("Mg")
	return 2*legendPad + legendThumb + legendGap + textW, 2*legendPad + row*vg.Length(len(l.entries))
}

// draw draws the legend in box on c.
func (l *legend) draw(c draw.Canvas, box vg.Rectangle) {
	sty := legendStyle()
	row := vg.Length(legendRowGap) * sty.Height("Mg")
	corners := []vg.Point{box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}}
	c.FillPolygon(color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xe6}, corners)
	c.StrokeLines(draw.LineStyle{Color: frameInk, Width: vg.Points(0.75)}, append(corners, corners[0]))
	thumbH := sty.Height("Mg") * 0.8
	for i, e := range l.entries {
		y := box.Max.Y - legendPad - row*vg.Length(i) - row/2
		x := box.Min.X + legendPad
		tc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y - thumbH/2},
			Max: vg.Point{X: x + legendThumb, Y: y + thumbH/2},
		}}
		e.thumb.Thumbnail(&tc)
		c.FillText(sty, vg.Point{X: x + legendThumb + legendGap, Y: y}, e.name)
	}
}

// place returns the box of size w×h at the place along the edges of the data
// area c where the panel's series cover the least of it, and how much ink
// falls in it. It prefers the corners (top right first), then the middles of
// the edges.
func (l *legend) place(c draw.Canvas, p *plot.Plot, w, h vg.Length) (vg.Rectangle, float64) {
	in := vg.Length(legendInset)
	left, right := c.Min.X+in, c.Max.X-in-w
	bottom, top := c.Min.Y+in, c.Max.Y-in-h
	centre, middle := (c.Min.X+c.Max.X-w)/2, (c.Min.Y+c.Max.Y-h)/2
	var best vg.Rectangle
	bestScore := math.Inf(1)
	for _, at := range []vg.Point{
		{X: right, Y: top}, {X: left, Y: top}, {X: right, Y: bottom}, {X: left, Y: bottom},
		{X: centre, Y: top}, {X: centre, Y: bottom}, {X: right, Y: middle}, {X: left, Y: middle},
	} {
		r := vg.Rectangle{Min: at, Max: vg.Point{X: at.X + w, Y: at.Y + h}}
		if s := l.cover(c, p, r); s < bestScore {
			best, bestScore = r, s
		}
	}
	return best, bestScore
}

// cover measures how much ink of the series falls inside r, in square
// points: lines as strokes 2 points wide, markers as 40 square points each,
// bars by their area.
func (l *legend) cover(c draw.Canvas, p *plot.Plot, r vg.Rectangle) float64 {
	const stroke, dot = 2, 40
	trX, trY := p.Transforms(&c)
	pt := func(x, y float64) vg.Point { return vg.Point{X: trX(x), Y: trY(y)} }
	ink := 0.0
	for _, s := range l.shapes {
		for i := 1; i < len(s.line); i++ {
			ink += stroke * clippedLength(pt(s.line[i-1].X, s.line[i-1].Y), pt(s.line[i].X, s.line[i].Y), r)
		}
		for _, q := range s.points {
			if a := pt(q.X, q.Y); r.Min.X <= a.X && a.X <= r.Max.X && r.Min.Y <= a.Y && a.Y <= r.Max.Y {
				ink += dot
			}
		}
		for _, b := range s.bars {
			ox := math.Min(float64(trX(b.Max)), float64(r.Max.X)) - math.Max(float64(trX(b.Min)), float64(r.Min.X))
			oy := math.Min(float64(trY(b.Weight)), float64(r.Max.Y)) - math.Max(float64(c.Min.Y), float64(r.Min.Y))
			if ox > 0 && oy > 0 {
				ink += ox * oy
			}
		}
		for _, x := range s.vline {
			ink += stroke * clippedLength(pt(x, p.Y.Min), pt(x, p.Y.Max), r)
		}
	}
	return ink
}

// clippedLength returns the length of the part of segment ab inside r
// (Liang–Barsky clipping).
func clippedLength(a, b vg.Point, r vg.Rectangle) float64 {
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{
		{-dx, float64(a.X - r.Min.X)},
		{dx, float64(r.Max.X - a.X)},
		{-dy, float64(a.Y - r.Min.Y)},
		{dy, float64(r.Max.Y - a.Y)},
	} {
		pd, q := e[0], e[1]
		switch {
		case pd == 0:
			if q < 0 {
				return 0
			}
		case pd < 0:
			t0 = math.Max(t0, q/pd)
		default:
			t1 = math.Min(t1, q/pd)
		}
	}
	if t1 <= t0 {
		return 0
	}
	return (t1 - t0) * math.Hypot(dx, dy)
}
