package sched

import (
	"fmt"
	"slices"
	"strings"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/plot/figure"
)

// curvePoints is how many steps Render samples at most.
const curvePoints = 1000

// Curve samples the schedule from step 0 to Total at most n steps (every
// step when there are fewer), always including the last warmup step and the
// first step after it, where the curve bends sharply. It returns the steps
// and the learning rates there, ready to plot.
func (s *Schedule) Curve(n int) (steps, lrs []float64) {
	n = max(n, 2)
	var at []int
	if s.total+1 <= n {
		for i := 0; i <= s.total; i++ {
			at = append(at, i)
		}
	} else {
		for i := range n {
			at = append(at, int(float64(i)*float64(s.total)/float64(n-1)+0.5))
		}
		if s.warmup > 0 && s.warmup <= s.total {
			at = append(at, s.warmup-1, s.warmup)
		}
		slices.Sort(at)
		at = slices.Compact(at)
	}
	for _, step := range at {
		steps = append(steps, float64(step))
		lrs = append(lrs, s.At(step))
	}
	return steps, lrs
}

// Render draws the schedule's curve over its total steps, with the end of
// warmup marked; its text form is the description and a few values.
func (s *Schedule) Render() display.Bundle {
	f := figure.New(s.kind.name + " schedule")
	steps, lrs := s.Curve(curvePoints)
	if err := f.Line("", steps, lrs); err != nil {
		return display.Text(fmt.Sprintf("%v\n(cannot draw: %v)", s, err))
	}
	f.Labels("step", "learning rate")
	if s.warmup > 0 && s.warmup <= s.total {
		f.Mark(float64(s.warmup), "end of warmup")
	}
	b := f.Render()
	b.Data[display.MIMEText] = s.summary()
	return b
}

// summary is String with the rates at the start, the end of warmup, the
// quarters and the end of the run.
func (s *Schedule) summary() string {
	at := []int{0, s.warmup, s.total / 4, s.total / 2, 3 * s.total / 4, s.total}
	slices.Sort(at)
	var parts []string
	for _, step := range slices.Compact(at) {
		if step <= s.total {
			parts = append(parts, fmt.Sprintf("%d: %.4g", step, s.At(step)))
		}
	}
	return s.String() + "\nlr at step " + strings.Join(parts, ", ")
}
