package lora

import (
	"errors"
	"fmt"
	"time"
)

// An Observer watches a training run. Train calls Observe with each event
// of the run, in order, on the goroutine that trains; the notebook's
// observer (the plan, the progress bar, the loss plot) always comes first,
// then those of Config.Observers in their order. A cell defines one as a
// type with an Observe method, or wraps a function in ObserverFunc:
//
//	csv, _ := os.Create("loss.csv")
//	write := lora.ObserverFunc(func(e lora.Event) error {
//		if e.Kind == lora.StepEvent {
//			fmt.Fprintf(csv, "%d,%g,%g\n", e.Step, e.Loss, e.LR)
//		}
//		return nil
//	})
//	run, err := lora.Train(ctx, model, src, lora.Config{Name: "devil", Observers: []lora.Observer{write}})
//
// An Observer that returns Stop, or an error that wraps it, ends the run
// after the step, as the interrupt button does: the adapter and a
// checkpoint are saved, the run's Status is "stopped: " and the error, and
// Train returns a nil error. Any other error (or a panic) ends the run as a
// failed step does: what was trained is saved, the Status is "failed: "
// and the error, and Train returns it. Every observer sees an event
// before the run acts on an error; at the EndEvent the run is over, and an
// error there is returned by Train without changing the Status.
type Observer interface {
	Observe(Event) error
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(Event) error

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) error { return f(e) }

// Stop is what an Observer returns to end the run early, as a stop the
// user asked for rather than a failure. Wrap it to say why:
//
//	return fmt.Errorf("eval loss rose to %.3f: %w", e.EvalLoss, lora.Stop)
var Stop = errors.New("an observer asked to stop")

// An EventKind says what happened in a run.
type EventKind string

// The events of a run: a BeginEvent, then for each optimizer step a
// StepEvent, an EvalEvent when the eval data was scored after it and a
// CheckpointEvent when a checkpoint was saved after it, NoteEvents when
// the run has something to say, and one EndEvent.
const (
	// BeginEvent comes before the first step: Step is the step the run
	// starts from (a resumed run's checkpoint), Text the plan as the
	// notebook prints it.
	BeginEvent EventKind = "begin"
	// StepEvent comes after each optimizer step: Step, Epoch, Loss, LR,
	// GradNorm, Tokens, TokensPerSecond and Elapsed are the step's, as in
	// its log entry.
	StepEvent EventKind = "step"
	// EvalEvent comes after a step whose model was scored on the eval data
	// (every EvalEvery steps, each epoch's end without it, the last step):
	// EvalLoss is the loss.
	EvalEvent EventKind = "eval"
	// CheckpointEvent comes after the run saved the adapter, its log and
	// the checkpoint folder Path of step Step, or failed to (Err, and no
	// Path).
	CheckpointEvent EventKind = "checkpoint"
	// NoteEvent says something of the run in Text, such as an old
	// checkpoint SaveTotalLimit could not remove.
	NoteEvent EventKind = "note"
	// EndEvent comes once, when the run ends: Run.Status says how, Err is
	// the error Train returns (nil unless it failed).
	EndEvent EventKind = "end"
)

// An Event is what happened in a run, told to its observers. The fields a
// kind of event does not set are zero.
type Event struct {
	Kind EventKind
	// Step is the number of optimizer steps taken, of TotalSteps.
	Step, TotalSteps int
	// Epoch is Step in epochs (2.5: half-way through the third).
	Epoch float64
	// Loss, LR, GradNorm, Tokens, TokensPerSecond: the step's (StepEvent).
	Loss            float64
	LR              float64
	GradNorm        float64
	Tokens          int
	TokensPerSecond float64
	// Elapsed is the run's training time so far, earlier parts of a resumed
	// run included.
	Elapsed time.Duration
	// EvalLoss is the loss on the eval data (EvalEvent).
	EvalLoss float64
	// Path is the checkpoint folder (CheckpointEvent).
	Path string
	// Text is the plan (BeginEvent) or the note (NoteEvent).
	Text string
	// Err is why saving failed (CheckpointEvent) or the run failed
	// (EndEvent).
	Err error
	// Run is the run so far: its Config, Log, Status. Read it; do not
	// change it.
	Run *Run
}

// String describes the event in a line, as "step 3/12 (epoch 0.50): loss
// 6.9012, lr 1.00e-03, grad norm 0.53, 412 tokens".
func (e Event) String() string {
	switch e.Kind {
	case BeginEvent:
		return fmt.Sprintf("begin at step %d/%d", e.Step, e.TotalSteps)
	case StepEvent:
		return fmt.Sprintf("step %d/%d (epoch %.2f): loss %.4f, lr %.2e, grad norm %.3g, %d tokens", e.Step, e.TotalSteps, e.Epoch, e.Loss, e.LR, e.GradNorm, e.Tokens)
	case EvalEvent:
		return fmt.Sprintf("eval at step %d/%d: loss %.4f", e.Step, e.TotalSteps, e.EvalLoss)
	case CheckpointEvent:
		if e.Err != nil {
			return fmt.Sprintf("saving at step %d/%d failed: %v", e.Step, e.TotalSteps, e.Err)
		}
		return fmt.Sprintf("checkpoint at step %d/%d: %s", e.Step, e.TotalSteps, e.Path)
	case NoteEvent:
		return "note: " + e.Text
	case EndEvent:
		status := ""
		if e.Run != nil {
			status = e.Run.Status + " "
		}
		return fmt.Sprintf("end: %safter %d of %d steps", status, e.Step, e.TotalSteps)
	}
	return fmt.Sprintf("%s at step %d/%d", e.Kind, e.Step, e.TotalSteps)
}

// observe calls o with e and turns a panic into an error.
func observe(o Observer, e Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("observer %T panicked at the %s event: %v", o, e.Kind, r)
		}
	}()
	return o.Observe(e)
}
