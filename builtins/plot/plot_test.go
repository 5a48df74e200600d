package plot

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/plot/figure"
	"github.com/golora/golora/builtins/sched"
)

// keep writes the figure's PNG to $GOLORA_PLOT_DIR, for a person to look
// at, when that variable is set.
func keep(t *testing.T, name string, f *Figure) {
	dir := os.Getenv("GOLORA_PLOT_DIR")
	if dir == "" {
		return
	}
	if err := f.Save(dir + "/" + name + ".png"); err != nil {
		t.Error(err)
	}
}

func svgOf(t *testing.T, f *Figure) string {
	t.Helper()
	svg, err := f.SVGText()
	if err != nil {
		t.Fatal(err)
	}
	return svg
}

func pngSize(t *testing.T, f *Figure) (int, int) {
	t.Helper()
	data, ok := f.Render().Binary(display.MIMEPNG)
	if !ok {
		t.Fatal("no PNG")
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func TestLines(t *testing.T) {
	f, err := Line("One line", nil, []float64{3, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Legend()) != 0 {
		t.Errorf("an unnamed line has a legend: %v", f.Legend())
	}
	f, err = Lines("Two lines",
		Series{Name: "up", X: []float64{0, 1, 2}, Y: []float64{0, 1, 2}},
		Series{Name: "down", Y: []float64{2, 1, 0}})
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "lines", f)
	if strings.Join(f.Legend(), ",") != "up,down" {
		t.Errorf("legend %v", f.Legend())
	}
	svg := svgOf(t, f)
	for _, want := range []string{">Two lines<", ">up<", ">down<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if w, h := pngSize(t, f); w != 2*figure.DefaultWidth || h != 2*figure.DefaultHeight {
		t.Errorf("PNG %dx%d", w, h)
	}
}

func TestLineErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want error
		text string
	}{
		{func() error { _, err := Line("L", []float64{1}, []float64{1, 2}); return err }(), figure.ErrLength, `plot: Lines "L": series "": x and y lengths differ: 1 x values, 2 y values`},
		{func() error { _, err := Lines("M"); return err }(), figure.ErrNoData, "no series given"},
		{func() error { _, err := Line("N", nil, []float64{math.NaN()}); return err }(), figure.ErrNoData, "all 1 points are NaN"},
		{func() error { _, err := Histogram("H", nil, 5); return err }(), figure.ErrNoData, `plot: Histogram "H"`},
	} {
		if !errors.Is(tc.err, tc.want) || !strings.Contains(tc.err.Error(), tc.text) {
			t.Errorf("error %v, want %v containing %q", tc.err, tc.want, tc.text)
		}
	}
}

func TestHistogramWithCutoff(t *testing.T) {
	// Token counts of a made-up dataset: log-normal around 120 tokens.
	rng := rand.New(rand.NewPCG(1, 2))
	var lengths []float64
	for range 3000 {
		lengths = append(lengths, math.Round(math.Exp(4.8+0.45*rng.NormFloat64())))
	}
	f, err := Histogram("Token lengths", lengths, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Mark(256, "cutoff 256").Labels("tokens", "rows")
	keep(t, "histogram", f)
	svg := svgOf(t, f)
	for _, want := range []string{">Token lengths<", ">tokens<", ">rows<", ">cutoff 256<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestSchedulers(t *testing.T) {
	f, err := Schedulers(100, 1000)
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "schedulers", f)
	if got, want := strings.Join(f.Legend(), ","), strings.Join(sched.Names(), ","); got != want {
		t.Errorf("legend %s, want every schedule: %s", got, want)
	}
	f, err = Schedulers(10, 100, "linear", "cosine")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.Legend(), ",") != "linear,cosine" {
		t.Errorf("legend %v", f.Legend())
	}
	if _, err := Schedulers(10, 100, "linear", "cosin"); err == nil || !strings.Contains(err.Error(), `unknown schedule "cosin"`) {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := Schedulers(10, 0); err == nil || !strings.Contains(err.Error(), "total 0") {
		t.Errorf("total 0: %v", err)
	}
}

// log is a TrainingLog in memory.
type log []LogEntry

func (l log) Len() int             { return len(l) }
func (l log) Entry(i int) LogEntry { return l[i] }

func runLog(steps int) log {
	s, _ := sched.New("linear", 3e-4, steps/10, steps)
	var l log
	for i := range steps {
		e := LogEntry{Step: i + 1, Loss: 2.4*math.Exp(-float64(i)/60) + 0.8 + 0.15*math.Sin(float64(i)*1.7), EvalLoss: math.NaN(), LR: s.At(i)}
		if (i+1)%40 == 0 {
			e.EvalLoss = 2.4*math.Exp(-float64(i)/60) + 0.95
		}
		l = append(l, e)
	}
	return l
}

func TestLoss(t *testing.T) {
	f, err := Loss(runLog(300))
	if err != nil {
		t.Fatal(err)
	}
	keep(t, "loss", f)
	if strings.Join(f.Legend(), ",") != "train loss,eval loss" {
		t.Errorf("legend %v", f.Legend())
	}
	svg := svgOf(t, f)
	for _, want := range []string{">Training loss<", ">loss<", ">learning rate<", ">step<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if w, h := pngSize(t, f); w != 2*figure.DefaultWidth || h != 2*lossHeight {
		t.Errorf("PNG %dx%d, want the taller two-panel size", w, h)
	}
}

func TestLossWithoutRateOrTrainingLoss(t *testing.T) {
	l := runLog(50)
	for i := range l {
		l[i].LR = math.NaN()
	}
	f, err := Loss(l)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(svgOf(t, f), ">learning rate<") {
		t.Error("a log without rates has a learning-rate panel")
	}
	for i := range l {
		l[i].Loss = math.Inf(1) // diverged: left out, the eval points remain
	}
	if f, err = Loss(l); err != nil || strings.Join(f.Legend(), ",") != "eval loss" {
		t.Errorf("eval-only log: %v, legend %v", err, f)
	}
	for i := range l {
		l[i].EvalLoss = math.NaN()
	}
	if _, err := Loss(l); !errors.Is(err, figure.ErrNoData) {
		t.Errorf("log without any loss: %v", err)
	}
	if _, err := Loss(log{}); !errors.Is(err, figure.ErrNoData) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty log: %v", err)
	}
}
