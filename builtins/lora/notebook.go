package lora

import (
	"fmt"
	"io"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/plot"
)

// notebook is the observer every run has first: it prints the plan and
// the notes, shows a progress bar with the last step's loss, learning rate
// and speed, and a loss plot redrawn in place every plotEvery steps and at
// the end.
type notebook struct {
	out        io.Writer
	plotEvery  int
	bar        *display.Bar
	plot       display.ID
	saveFailed bool // the bar says that a save failed
}

func (n *notebook) Observe(e Event) error {
	switch e.Kind {
	case BeginEvent:
		fmt.Fprint(n.out, e.Text)
		n.bar = display.Progress(e.TotalSteps, "train "+e.Run.Config.Name)
		n.bar.Set(e.Step)
		n.plot = display.NewID()
	case StepEvent:
		info := fmt.Sprintf("loss %.4f  lr %.2e  %.0f tok/s", e.Loss, e.LR, e.TokensPerSecond)
		if ev := e.Run.Log.Last().EvalLoss; ev != nil {
			info += fmt.Sprintf("  eval %.4f", *ev)
		}
		n.bar.Set(e.Step)
		n.bar.SetInfo(info)
		if e.Step%n.plotEvery == 0 {
			n.showPlot(e.Run)
		}
	case CheckpointEvent:
		if e.Err != nil {
			n.bar.SetInfo(fmt.Sprintf("saving at step %d failed: %v", e.Step, e.Err))
			n.saveFailed = true
		}
	case NoteEvent:
		fmt.Fprintln(n.out, "note:", e.Text)
	case EndEvent:
		if e.Run.Interrupted() && !n.saveFailed {
			n.bar.SetInfo(fmt.Sprintf("interrupted at step %d: saved; set Resume to continue", e.Step))
		}
		n.bar.Done()
		if e.Run.Log.Len() > 0 {
			n.showPlot(e.Run)
		}
	}
	return nil
}

func (n *notebook) showPlot(r *Run) {
	if fig, err := plot.Loss(r.Log); err == nil {
		display.Update(n.plot, fig)
	}
}
