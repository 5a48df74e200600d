package plot

import (
	"fmt"
	"math"
	"slices"

	"github.com/golora/golora/builtins/plot/figure"
	"github.com/golora/golora/builtins/sched"
)

// A Figure is a chart of one or more panels that share the x axis. It renders
// in a notebook as a PNG; see package figure for its methods (Labels, Mark,
// Resize, SVG, Save, and Line, Points and Histogram to add series).
type Figure = figure.Figure

// A Series is one named line of a chart. X may be nil: the points then sit at
// x = 0, 1, 2, ….
type Series struct {
	Name string
	X, Y []float64
}

// Line returns a chart of one line through the points (xs[i], ys[i]); with
// nil xs, at x = 0, 1, 2, …. NaN points are left out.
func Line(title string, xs, ys []float64) (*Figure, error) {
	return Lines(title, Series{X: xs, Y: ys})
}

// Lines returns a chart of several lines, each named in the legend.
func Lines(title string, series ...Series) (*Figure, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("plot: Lines %q: %w: no series given", title, figure.ErrNoData)
	}
	f := figure.New(title)
	for _, s := range series {
		if err := f.Line(s.Name, s.X, s.Y); err != nil {
			return nil, fmt.Errorf("plot: Lines %q: %w", title, err)
		}
	}
	return f, nil
}

// Histogram returns a chart of how values are spread over bins bins (bins ≤ 0
// picks a number that suits the data). Integer values such as token counts get
// bins centred on whole numbers. Mark adds a vertical line, such as the cutoff:
//
//	fig, err := plot.Histogram("Token lengths", lengths, 0)
//	fig.Mark(256, "cutoff 256")
func Histogram(title string, values []float64, bins int) (*Figure, error) {
	f := figure.New(title)
	if err := f.Histogram("", values, bins); err != nil {
		return nil, fmt.Errorf("plot: Histogram %q: %w", title, err)
	}
	f.Labels("", "count")
	return f, nil
}

// Schedulers overlays the learning-rate curves of the named schedules (all of
// sched.Names() when none is named) for a run of total optimizer steps with
// warmup steps, each with its default options and as a fraction of the peak
// learning rate.
func Schedulers(warmup, total int, names ...string) (*Figure, error) {
	if len(names) == 0 {
		names = sched.Names()
	}
	f := figure.New(fmt.Sprintf("Learning-rate schedules (warmup %d, total %d)", warmup, total))
	for _, name := range names {
		s, err := sched.New(name, 1, warmup, total)
		if err != nil {
			return nil, fmt.Errorf("plot: Schedulers: %w", err)
		}
		steps, lrs := s.Curve(schedulePoints)
		if err := f.Line(s.Name(), steps, lrs); err != nil {
			return nil, fmt.Errorf("plot: Schedulers: %w", err)
		}
	}
	f.Labels("step", "learning rate / peak")
	return f, nil
}

// schedulePoints is how many steps of each schedule Schedulers samples at
// most.
const schedulePoints = 1000

// A TrainingLog is the record of a training run that Loss draws: one entry
// per logged optimizer step, in order. The LoRA trainer's log implements it.
type TrainingLog interface {
	// Len returns the number of entries.
	Len() int
	// Entry returns entry i, 0 ≤ i < Len().
	Entry(i int) LogEntry
}

// A LogEntry is one optimizer step of a TrainingLog. A value that was not
// measured at that step is NaN: EvalLoss on steps without an evaluation, Loss
// on an entry that records only an evaluation.
type LogEntry struct {
	Step     int
	Loss     float64
	EvalLoss float64
	LR       float64
}

// Loss draws a training run: the training loss at every step and the
// evaluation losses as points in the upper panel, the learning rate in a
// lower one (left out when the log has none). Steps whose loss is infinite
// (a run that diverged) are left out of the line.
func Loss(log TrainingLog) (*Figure, error) {
	if log == nil || log.Len() == 0 {
		return nil, fmt.Errorf("plot: Loss: %w: the training log is empty", figure.ErrNoData)
	}
	var steps, loss, lr, evalSteps, evalLoss []float64
	for i := range log.Len() {
		e := log.Entry(i)
		s := float64(e.Step)
		l := e.Loss
		if math.IsInf(l, 0) {
			l = math.NaN()
		}
		steps, loss, lr = append(steps, s), append(loss, l), append(lr, e.LR)
		if !math.IsNaN(e.EvalLoss) {
			evalSteps, evalLoss = append(evalSteps, s), append(evalLoss, e.EvalLoss)
		}
	}
	f := figure.New("Training loss")
	trainErr := f.Line("train loss", steps, loss)
	if len(evalLoss) > 0 {
		if err := f.Points("eval loss", evalSteps, evalLoss); err != nil {
			return nil, fmt.Errorf("plot: Loss: %w", err)
		}
	}
	if trainErr != nil && len(evalLoss) == 0 {
		return nil, fmt.Errorf("plot: Loss: %w", trainErr)
	}
	f.Labels("step", "loss")
	if finite(lr) {
		f.Panel("", lrPanelWeight)
		if err := f.Line("", steps, lr); err != nil {
			return nil, fmt.Errorf("plot: Loss: %w", err)
		}
		f.Labels("step", "learning rate")
		f.Resize(figure.DefaultWidth, lossHeight)
	}
	return f, nil
}

// Layout of Loss with a learning-rate panel: taller than the default, the
// rate taking a third of the height.
const (
	lrPanelWeight = 0.5
	lossHeight    = 520
)

func finite(xs []float64) bool {
	return slices.ContainsFunc(xs, func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) })
}
