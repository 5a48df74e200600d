package figure

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/display"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var update = flag.Bool("update", false, "rewrite testdata/*_golden.png from the current drawing")

// ramp returns 0, 1, …, n-1 and f of each.
func ramp(n int, f func(float64) float64) (xs, ys []float64) {
	for i := range n {
		xs = append(xs, float64(i))
		ys = append(ys, f(float64(i)))
	}
	return xs, ys
}

func decode(t *testing.T, b display.Bundle) image.Image {
	t.Helper()
	data, ok := b.Binary(display.MIMEPNG)
	if !ok {
		t.Fatalf("bundle has no PNG: %v", b.Data)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	return img
}

func isPaper(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	return r>>8 > 0xf0 && g>>8 > 0xf0 && b>>8 > 0xf0
}

// inked returns the share of pixels in the central part of img (where the
// data area lies) that are not background.
func inked(img image.Image) float64 {
	r := img.Bounds()
	x0, x1 := r.Dx()/4, r.Dx()*3/4
	y0, y1 := r.Dy()/4, r.Dy()*3/4
	n := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if !isPaper(img.At(x, y)) {
				n++
			}
		}
	}
	return float64(n) / float64((x1-x0)*(y1-y0))
}

func TestRenderIsSharpPNG(t *testing.T) {
	f := New("Loss")
	xs, ys := ramp(50, func(x float64) float64 { return math.Exp(-x / 10) })
	if err := f.Line("train", xs, ys); err != nil {
		t.Fatal(err)
	}
	f.Resize(400, 300)
	b := f.Render()
	img := decode(t, b)
	if got := img.Bounds().Size(); got != (image.Point{800, 600}) {
		t.Errorf("PNG is %v, want 800x600 (twice the display size)", got)
	}
	meta, _ := b.Metadata[display.MIMEPNG].(map[string]any)
	if meta["width"] != 400 || meta["height"] != 300 {
		t.Errorf("PNG metadata %v, want width 400 height 300", meta)
	}
	if got := b.Text(); got != `plot "Loss": train` {
		t.Errorf("text form %q", got)
	}
	if ink := inked(img); ink < 0.005 {
		t.Errorf("the data area is blank (%.4f of its pixels inked)", ink)
	}
	empty := decode(t, New("Loss").Resize(400, 300).Render())
	if inked(empty) >= inked(img) {
		t.Errorf("a figure with data has no more ink than an empty one")
	}
}

func TestSVGHasText(t *testing.T) {
	f := New("Schedules & rates")
	xs, ys := ramp(10, func(x float64) float64 { return x * x })
	if err := f.Line("squares", xs, ys); err != nil {
		t.Fatal(err)
	}
	if err := f.Points("dots", xs, ys); err != nil {
		t.Fatal(err)
	}
	f.Labels("step", "learning rate")
	f.Mark(4, "cutoff")
	b := f.SVG()
	svg, _ := b.Data[display.MIMESVG].(string)
	for _, want := range []string{"<svg", "Schedules &amp; rates", ">step<", ">learning rate<", ">squares<", ">dots<", ">cutoff<", "Arial"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if got := f.Legend(); strings.Join(got, ",") != "squares,dots,cutoff" {
		t.Errorf("legend %v", got)
	}
}

func TestPanelsShareX(t *testing.T) {
	f := New("two")
	if err := f.Line("a", []float64{0, 10}, []float64{1, 2}); err != nil {
		t.Fatal(err)
	}
	f.Panel("b", 0.5)
	if err := f.Line("", []float64{5, 20}, []float64{3, 4}); err != nil {
		t.Fatal(err)
	}
	f.Labels("step", "b")
	svg, err := f.SVGText()
	if err != nil {
		t.Fatal(err)
	}
	// The x tick labels appear once, under the bottom panel.
	if n := strings.Count(svg, ">20<"); n != 1 {
		t.Errorf("tick label 20 appears %d times, want once", n)
	}
	// Drawing leaves the panels' ranges as they were.
	if p := f.panels[0].plot; p.X.Min != 0 || p.X.Max != 10 {
		t.Errorf("drawing changed the first panel's x range to [%v, %v]", p.X.Min, p.X.Max)
	}
	again, err := f.SVGText()
	if err != nil || again != svg {
		t.Errorf("a second drawing differs from the first (err %v)", err)
	}
}

func TestSeriesErrors(t *testing.T) {
	nan := math.NaN()
	f := New("bad")
	for _, tc := range []struct {
		err  error
		want error
		text string
	}{
		{f.Line("a", nil, nil), ErrNoData, `series "a": no data: the y values are empty`},
		{f.Line("b", []float64{1, 2}, []float64{1}), ErrLength, "2 x values, 1 y values"},
		{f.Points("c", nil, []float64{nan, nan}), ErrNoData, "all 2 points are NaN"},
		{f.Line("d", nil, []float64{1, math.Inf(1)}), ErrInfinite, "point 1 is (1, +Inf)"},
		{f.Histogram("e", nil, 10), ErrNoData, "the value list is empty"},
		{f.Histogram("f", []float64{nan}, 10), ErrNoData, "all 1 values are NaN"},
		{f.Histogram("g", []float64{1, math.Inf(-1)}, 10), ErrInfinite, "value 1 is -Inf"},
	} {
		if !errors.Is(tc.err, tc.want) || !strings.Contains(tc.err.Error(), tc.text) {
			t.Errorf("error %v, want %v containing %q", tc.err, tc.want, tc.text)
		}
	}
	if got := f.Legend(); len(got) != 0 {
		t.Errorf("failed series reached the legend: %v", got)
	}
	if err := f.Line("gaps", nil, []float64{1, nan, 3}); err != nil {
		t.Errorf("NaN points must be skipped, got %v", err)
	}
}

func TestBins(t *testing.T) {
	bins, width := binValues([]float64{1, 2, 2, 3, 3, 3}, 0)
	if width != 1 || len(bins) != 3 || bins[0].Min != 0.5 || bins[2].Weight != 3 {
		t.Errorf("integer data: width %v bins %+v, want three unit bins centred on 1, 2, 3", width, bins)
	}
	bins, _ = binValues([]float64{0, 0.25, 0.5, 1}, 2)
	if len(bins) != 2 || bins[0].Weight != 2 || bins[1].Weight != 2 {
		t.Errorf("real data in 2 bins: %+v", bins)
	}
	bins, _ = binValues([]float64{0.5, 0.5}, 4)
	if len(bins) != 1 || bins[0].Weight != 2 {
		t.Errorf("equal values: %+v, want one bin of 2", bins)
	}
}

func TestLegendAvoidsData(t *testing.T) {
	// A line near the top and the right edges leaves the lower left free.
	f := New("")
	if err := f.Line("edge", []float64{0, 9.5, 9.5}, []float64{9.5, 9.5, 0}); err != nil {
		t.Fatal(err)
	}
	if err := f.Points("", []float64{10}, []float64{10}); err != nil {
		t.Fatal(err)
	}
	p := f.panels[0].plot
	c := draw.New(vgimg.New(400, 300))
	d := p.DataCanvas(c)
	box, ink := f.panels[0].legend.place(d, p, 60, 30)
	if ink != 0 {
		t.Errorf("the free corner holds %v ink", ink)
	}
	mid := d.Center()
	if box.Max.X > mid.X || box.Max.Y > mid.Y {
		t.Errorf("legend at %v, want the lower-left corner of %v", box, d.Rectangle)
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 300, "0 50 100 150 200 250 300"},
		{0, 3e-4, "0 5.0e-5 1.0e-4 1.5e-4 2.0e-4 2.5e-4 3.0e-4"},
		{0.5, 3.2, "0.5 1.0 1.5 2.0 2.5 3.0"},
		{0, 1, "0 0.2 0.4 0.6 0.8 1.0"},
		{0, 12.5, "0 2.5 5.0 7.5 10.0 12.5"},
	} {
		var got []string
		for _, tk := range (ticker{}).Ticks(tc.lo, tc.hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("ticks on [%v, %v] = %q, want %q", tc.lo, tc.hi, strings.Join(got, " "), tc.want)
		}
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	f := New("saved")
	if err := f.Line("x", nil, []float64{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.png", "b.SVG"} {
		path := filepath.Join(dir, name)
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		isPNG := bytes.HasPrefix(data, []byte("\x89PNG"))
		if isPNG != strings.HasSuffix(name, ".png") || !isPNG && !bytes.Contains(data, []byte("<svg")) {
			t.Errorf("%s holds the wrong format: %.20q", name, data)
		}
	}
	if err := f.Save(filepath.Join(dir, "c.pdf")); err == nil || !strings.Contains(err.Error(), "use .png or .svg") {
		t.Errorf("saving as .pdf: %v", err)
	}
	if err := f.Save(filepath.Join(dir, "missing", "d.png")); err == nil {
		t.Error("saving into a missing folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %d files, want the 2 saved ones and no temporary file", len(entries))
	}
}

// TestGolden compares one drawing with testdata/histogram_golden.png pixel
// by pixel, allowing for small anti-aliasing differences.
func TestGolden(t *testing.T) {
	f := New("Token lengths")
	var vs []float64
	for i := range 500 {
		vs = append(vs, float64(20+(i*37)%97+(i*i)%31))
	}
	if err := f.Histogram("rows", vs, 20); err != nil {
		t.Fatal(err)
	}
	f.Mark(140, "cutoff 140").Labels("tokens", "rows").Resize(360, 220)
	data, err := f.PNG()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "histogram_golden.png")
	if *update {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	a, _ := png.Decode(bytes.NewReader(data))
	b, err := png.Decode(bytes.NewReader(want))
	if err != nil || a.Bounds() != b.Bounds() {
		t.Fatalf("golden image unreadable or of another size (%v): run go test -update and look at it", err)
	}
	differ := 0
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if absDiff(r1, r2)+absDiff(g1, g2)+absDiff(b1, b2) > 3*0x2000 {
				differ++
			}
		}
	}
	if share := float64(differ) / float64(a.Bounds().Dx()*a.Bounds().Dy()); share > 0.002 {
		t.Errorf("%.2f%% of the pixels differ from %s", 100*share, golden)
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func TestZeroFigure(t *testing.T) {
	var f Figure
	if err := f.Line("a", nil, []float64{1, 2}); err != nil {
		t.Fatal(err)
	}
	f.Mark(1, "m")
	img := decode(t, f.Render())
	if got := img.Bounds().Size(); got != (image.Point{2 * DefaultWidth, 2 * DefaultHeight}) {
		t.Errorf("zero figure drew %v", got)
	}
}
