package figure

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Font sizes in points.
const (
	titleSize  = 13
	labelSize  = 11
	tickSize   = 10
	legendSize = 10
)

// palette holds the series colours in the order series take them: Tableau's
// ten, with the pale ones last.
var palette = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, // blue
	{0xf2, 0x8e, 0x2b, 0xff}, // orange
	{0x59, 0xa1, 0x4f, 0xff}, // green
	{0xe1, 0x57, 0x59, 0xff}, // red
	{0xb0, 0x7a, 0xa1, 0xff}, // purple
	{0x9c, 0x75, 0x5f, 0xff}, // brown
	{0x76, 0xb7, 0xb2, 0xff}, // teal
	{0xff, 0x9d, 0xa7, 0xff}, // pink
	{0xba, 0xb0, 0xac, 0xff}, // grey
	{0xed, 0xc9, 0x48, 0xff}, // yellow
}

var (
	paper    = color.White
	ink      = color.RGBA{0x26, 0x26, 0x26, 0xff}
	gridInk  = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
	frameInk = color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
	markInk  = color.RGBA{0x55, 0x55, 0x55, 0xff}
)

func colour(i int) color.Color { return palette[i%len(palette)] }

func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

func textStyle(size vg.Length, bold bool, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{
		Color:   ink,
		Font:    font.From(sans(size, bold), size),
		XAlign:  xa,
		YAlign:  ya,
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot returns an empty panel in golora's style: sans-serif text, light
// grid, thin dark axes and ticks that read well at a glance.
func newPlot() *plot.Plot {
	p := plot.New()
	p.Title.TextStyle = textStyle(titleSize, true, draw.XCenter, draw.YTop)
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = textStyle(labelSize, false, draw.XCenter, draw.YBottom)
		a.Label.Padding = vg.Points(4)
		a.Color = ink
		a.Width = vg.Points(0.75)
		a.Padding = vg.Points(0)
		a.Tick.Color = ink
		a.Tick.Width = vg.Points(0.75)
		a.Tick.Length = vg.Points(4)
		a.Tick.Marker = ticker{}
	}
	p.X.Tick.Label = textStyle(tickSize, false, draw.XCenter, draw.YTop)
	p.Y.Tick.Label = textStyle(tickSize, false, draw.XRight, draw.YCenter)
	p.Legend.TextStyle = textStyle(legendSize, false, draw.XLeft, draw.YCenter)
	grid := &grid{}
	p.Add(grid)
	return p
}

// dashes holds the dash patterns of a panel's lines in turn, in points: solid
// first.
var dashes = [][]vg.Length{
	nil,
	{7, 3},
	{2, 2.5},
	{9, 3, 2, 3},
	{4, 4},
	{12, 4},
	{5, 2, 1.5, 2},
}

// lineStyle is the style of a panel's i-th line.
func lineStyle(c color.Color, i int) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(1.75), Dashes: dashes[i%len(dashes)]}
}

// grid draws light lines at the major ticks of both axes, under the data.
type grid struct{}

func (grid) Plot(c draw.Canvas, p *plot.Plot) {
	sty := draw.LineStyle{Color: gridInk, Width: vg.Points(0.75)}
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if t.IsMinor() || t.Value < p.X.Min || t.Value > p.X.Max {
			continue
		}
		x := c.X(p.X.Norm(t.Value))
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if t.IsMinor() || t.Value < p.Y.Min || t.Value > p.Y.Max {
			continue
		}
		y := c.Y(p.Y.Norm(t.Value))
		c.StrokeLine2(sty, c.Min.X, y, c.Max.X, y)
	}
}

// ticker places about six major ticks at round numbers (1, 2, 2.5 or 5 times
// a power of ten) and labels them compactly: 0.0003 reads "3e-4".
type ticker struct{}

func (ticker) Ticks(lo, hi float64) []plot.Tick {
	const want = 6
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: tickLabel(lo, 1, lo)}}
	}
	step := niceStep((hi - lo) / (want - 1))
	largest := math.Max(math.Abs(lo), math.Abs(hi))
	var ticks []plot.Tick
	first := math.Ceil(lo/step-1e-9) * step
	for i := 0; ; i++ {
		v := first + float64(i)*step
		if v > hi+step*1e-9 {
			break
		}
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v, step, largest)})
	}
	return ticks
}

// niceStep returns the spacing nearest to raw, on a log scale, among 1, 2,
// 2.5 and 5 times a power of 10.
func niceStep(raw float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	best := mag
	for _, m := range []float64{2, 2.5, 5, 10} {
		if math.Abs(math.Log(m*mag/raw)) < math.Abs(math.Log(best/raw)) {
			best = m * mag
		}
	}
	return best
}

// tickLabel formats v with as many digits as the tick spacing needs, in
// exponent form ("2.5e-4") when the axis's largest value is below 0.001 or
// at least a million, so that all labels of an axis share one form.
func tickLabel(v, step, largest float64) string {
	if v == 0 {
		return "0"
	}
	if largest >= 1e-3 && largest < 1e6 {
		decimals := max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
		if scaled := step * math.Pow(10, float64(decimals)); math.Abs(scaled-math.Round(scaled)) > 1e-9 {
			decimals++ // steps of 2.5
		}
		return strconv.FormatFloat(v, 'f', decimals, 64)
	}
	digits := max(0, int(math.Ceil(math.Floor(math.Log10(largest))-math.Log10(step)-1e-9)))
	mant, exp, _ := strings.Cut(strconv.FormatFloat(v, 'e', digits, 64), "e")
	n, _ := strconv.Atoi(exp)
	return mant + "e" + strconv.Itoa(n)
}

// unlabelled is a ticker whose ticks carry no labels, for the x axes of the
// upper panels of a figure, which share the bottom panel's labels.
type unlabelled struct{ plot.Ticker }

func (u unlabelled) Ticks(lo, hi float64) []plot.Tick {
	ticks := u.Ticker.Ticks(lo, hi)
	for i := range ticks {
		ticks[i].Label = ""
	}
	return ticks
}

// margins widens [lo, hi] by 4% each way so that data do not touch the
// frame, except that a bound at 0 stays: counts and rates start at 0.
func margins(lo, hi float64) (float64, float64) {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi {
		return lo, hi
	}
	d := (hi - lo) * 0.04
	if d == 0 {
		d = math.Max(math.Abs(lo)*0.1, 1)
	}
	if lo != 0 {
		lo -= d
	}
	if hi != 0 {
		hi += d
	}
	return lo, hi
}
