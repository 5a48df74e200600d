package lora

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/plot"
	"github.com/golora/golora/internal/htmltable"
)

// Run is a training run: what Train returns, also when it was interrupted.
type Run struct {
	// Config is the run's configuration, every default filled in.
	Config Config
	// Adapter is the trained adapter (nil for full training): apply it with
	// model.WithAdapter(run.Adapter).
	Adapter *Adapter
	// Log has one entry per optimizer step taken.
	Log *Log
	// Dir is the folder the run saved into.
	Dir string
	// Steps is the number of optimizer steps taken, of TotalSteps.
	Steps, TotalSteps int
	// Status says how the run ended: "done", "interrupted", "failed: " and
	// the error (a step, a save or an observer failed), or "stopped: " and
	// why (StopAtLoss, or an observer that returned Stop).
	Status string
	// Checkpoint is the folder of the last checkpoint saved.
	Checkpoint string
	// Elapsed is the run's training time, earlier parts of a resumed run
	// included.
	Elapsed time.Duration
	// MemoryEstimate is the memory the run was expected to need, in bytes.
	MemoryEstimate int64
	// Notes are what the run's plan noted: examples cut or dropped at
	// CutoffLen (named), packing, a capped warmup.
	Notes []string

	elapsedBefore float64 // seconds, from a checkpoint
}

// Interrupted reports whether the run was stopped before its end by ctx.
func (r *Run) Interrupted() bool { return r.Status == "interrupted" }

// String summarises the run.
func (r *Run) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "LoRA run %q: %s after %d of %d steps in %s\n", r.Config.Name, r.Status, r.Steps, r.TotalSteps, r.Elapsed.Round(time.Second))
	for _, row := range r.rows() {
		fmt.Fprintf(&b, "  %-12s %s\n", row[0], row[1])
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r *Run) rows() [][]string {
	var rows [][]string
	if n := r.Log.Len(); n > 0 {
		first, last := r.Log.Entries[0], r.Log.Last()
		rows = append(rows, []string{"loss", fmt.Sprintf("%.4f → %.4f", first.Loss, last.Loss)})
		for i := n - 1; i >= 0; i-- {
			if e := r.Log.Entries[i].EvalLoss; e != nil {
				rows = append(rows, []string{"eval loss", fmt.Sprintf("%.4f (step %d)", *e, r.Log.Entries[i].Step)})
				break
			}
		}
	}
	if r.Adapter != nil {
		rows = append(rows, []string{"adapter", r.Adapter.String()})
	}
	rows = append(rows, []string{"saved in", r.Dir})
	if r.Checkpoint != "" {
		rows = append(rows, []string{"checkpoint", r.Checkpoint})
	}
	for _, n := range r.Notes {
		rows = append(rows, []string{"note", n})
	}
	if r.Interrupted() {
		rows = append(rows, []string{"resume", "train again with Resume: true"})
	}
	return rows
}

// Render shows the run as a summary table and its loss plot.
func (r *Run) Render() display.Bundle {
	var h strings.Builder
	fmt.Fprintf(&h, "<div><b>LoRA run %s</b>: %s after %d of %d steps in %s",
		html.EscapeString(r.Config.Name), html.EscapeString(r.Status), r.Steps, r.TotalSteps, r.Elapsed.Round(time.Second))
	var t htmltable.Table
	for _, row := range r.rows() {
		name, value := htmltable.Text(row[0]), htmltable.Text(row[1])
		name.Head, name.Style, value.Style = true, "text-align:left", "text-align:left"
		t.Rows = append(t.Rows, []htmltable.Cell{name, value})
	}
	h.WriteString(t.HTML())
	if r.Log.Len() > 0 {
		if fig, err := plot.Loss(r.Log); err == nil {
			pb := fig.Render()
			if png, ok := pb.Data[display.MIMEPNG].(string); ok {
				w, _ := fig.Size()
				fmt.Fprintf(&h, `<img src="data:image/png;base64,%s" style="max-width:%dpx">`, png, int(w))
			}
		}
	}
	h.WriteString("</div>")
	return display.NewBundle(display.MIMEHTML, h.String(), r.String())
}
