package lora

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is an Observer, defined as a type, that keeps every event.
type recorder struct{ events []Event }

func (r *recorder) Observe(e Event) error {
	r.events = append(r.events, e)
	return nil
}

// kinds returns the events' kinds and steps, as "step 3".
func kinds(events []Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, fmt.Sprintf("%s %d", e.Kind, e.Step))
	}
	return out
}

// TestObserversSeeEveryEvent trains 12 steps, evaluating every 4 and
// saving every 5, with two observers: a type with an Observe method and
// an ObserverFunc. Both see the same events, in the run's order: begin,
// a step event per step carrying its log entry, an eval event after steps
// 4, 8 and 12, a checkpoint event after steps 5, 10 and 12, one end.
func TestObserversSeeEveryEvent(t *testing.T) {
	cfg := baseConfig(t.TempDir())
	cfg.SaveEvery, cfg.EvalEvery = 5, 4
	rec := &recorder{}
	var funcs []Event
	cfg.Observers = []Observer{rec, ObserverFunc(func(e Event) error { funcs = append(funcs, e); return nil })}
	run, err := Train(context.Background(), tinyModel(t), FromTexts(texts).WithEval(FromTexts(texts[:4])), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	want = append(want, "begin 0")
	for s := 1; s <= 12; s++ {
		want = append(want, fmt.Sprintf("step %d", s))
		if s%4 == 0 {
			want = append(want, fmt.Sprintf("eval %d", s))
		}
		if s%5 == 0 || s == 12 {
			want = append(want, fmt.Sprintf("checkpoint %d", s))
		}
	}
	want = append(want, "end 12")
	if got := strings.Join(kinds(rec.events), ", "); got != strings.Join(want, ", ") {
		t.Fatalf("events\n got %s\nwant %s", got, strings.Join(want, ", "))
	}
	if got := strings.Join(kinds(funcs), ", "); got != strings.Join(want, ", ") {
		t.Errorf("the ObserverFunc saw other events: %s", got)
	}
	steps, evals := 0, 0
	for _, e := range rec.events {
		if e.TotalSteps != 12 || e.Run != run {
			t.Errorf("%s: TotalSteps %d, Run %p (want %p)", e, e.TotalSteps, e.Run, run)
		}
		switch e.Kind {
		case BeginEvent:
			if !strings.Contains(e.Text, `LoRA "t": rank 4`) || !strings.Contains(e.Text, "12 steps") {
				t.Errorf("begin's plan: %q", e.Text)
			}
		case StepEvent:
			l := run.Log.Entries[e.Step-1]
			if e.Loss != l.Loss || e.LR != l.LR || e.GradNorm != l.GradNorm || e.Tokens != l.Tokens || e.Epoch != l.Epoch || e.Tokens == 0 {
				t.Errorf("%s: the log has %+v", e, l)
			}
			steps++
		case EvalEvent:
			if l := run.Log.Entries[e.Step-1]; l.EvalLoss == nil || *l.EvalLoss != e.EvalLoss {
				t.Errorf("%s: the log has %v", e, l.EvalLoss)
			}
			evals++
		case CheckpointEvent:
			if e.Err != nil || filepath.Base(e.Path) != fmt.Sprintf("checkpoint-%d", e.Step) {
				t.Errorf("%s: path %q, err %v", e, e.Path, e.Err)
			}
			if _, err := os.Stat(filepath.Join(e.Path, stateFile)); err != nil {
				t.Errorf("%s: %v", e, err)
			}
		case EndEvent:
			if e.Err != nil || e.Run.Status != "done" {
				t.Errorf("end: err %v, status %q", e.Err, e.Run.Status)
			}
		}
	}
	if steps != 12 || evals != 3 {
		t.Errorf("%d step events and %d eval events, want 12 and 3", steps, evals)
	}
}

// TestObserverStops has an observer return Stop after step 6 of a run
// with Adafactor: the run ends there as asked, saved, and a resume from its
// checkpoint ends with the adapter of an uninterrupted run, bit for bit
// (the factored moments are in the checkpoint).
func TestObserverStops(t *testing.T) {
	cfg := baseConfig("")
	cfg.Epochs, cfg.Batch, cfg.MicroBatch, cfg.Optimizer = 1, 2, 1, "adafactor"
	src := FromTexts(texts[:20])

	cfg.OutputDir = t.TempDir()
	whole, err := Train(context.Background(), tinyModel(t), src, cfg)
	if err != nil || whole.Steps != 10 {
		t.Fatalf("uninterrupted run: %v, %+v", err, whole)
	}
	if first, last := whole.Log.Entries[0].Loss, whole.Log.Last().Loss; !(last < first) {
		t.Errorf("adafactor: loss %v → %v", first, last)
	}

	cfg.OutputDir = t.TempDir()
	var ended []Event
	stop := ObserverFunc(func(e Event) error {
		if e.Kind == EndEvent {
			ended = append(ended, e)
		}
		if e.Kind == StepEvent && e.Step == 6 {
			return fmt.Errorf("enough at step %d: %w", e.Step, Stop)
		}
		return nil
	})
	cfg.Observers = []Observer{stop}
	partial, err := Train(context.Background(), tinyModel(t), src, cfg)
	if err != nil {
		t.Fatalf("a run an observer stopped: %v", err)
	}
	if partial.Steps != 6 || partial.Status != "stopped: enough at step 6: an observer asked to stop" || !strings.HasSuffix(partial.Checkpoint, "checkpoint-6") {
		t.Fatalf("stopped run: status %q, %d steps, checkpoint %q", partial.Status, partial.Steps, partial.Checkpoint)
	}
	if len(ended) != 1 || ended[0].Step != 6 || ended[0].Err != nil {
		t.Errorf("end events: %v", ended)
	}
	if !strings.Contains(partial.String(), "stopped: enough at step 6") {
		t.Errorf("summary: %s", partial)
	}
	cfg.Resume, cfg.Observers = true, nil
	resumed, err := Train(context.Background(), tinyModel(t), src, cfg)
	if err != nil || resumed.Steps != 10 {
		t.Fatalf("resumed: %v, %+v", err, resumed)
	}
	a, _ := os.ReadFile(filepath.Join(whole.Dir, weightsFile))
	b, _ := os.ReadFile(filepath.Join(resumed.Dir, weightsFile))
	if len(a) == 0 || string(a) != string(b) {
		t.Error("stopped at 6 and resumed, the adapter is not bitwise the uninterrupted run's")
	}
}

// TestObserverFails has an observer fail, then one panic: each ends the
// run as a failed step does, saved, with the error returned.
func TestObserverFails(t *testing.T) {
	quota := errors.New("quota exceeded")
	for _, o := range []Observer{
		ObserverFunc(func(e Event) error {
			if e.Kind == StepEvent && e.Step == 2 {
				return quota
			}
			return nil
		}),
		ObserverFunc(func(e Event) error {
			if e.Kind == StepEvent && e.Step == 2 {
				panic("boom")
			}
			return nil
		}),
	} {
		cfg := shortConfig(t.TempDir())
		cfg.Observers = []Observer{o}
		run, err := Train(context.Background(), tinyModel(t), FromTexts(texts), cfg)
		if err == nil || run == nil || run.Steps != 2 || !strings.HasPrefix(run.Status, "failed: lora: observer: ") {
			t.Fatalf("a failing observer: %v, %+v", err, run)
		}
		if !errors.Is(err, quota) && !strings.Contains(err.Error(), "panicked at the step event: boom") {
			t.Errorf("error %v", err)
		}
		if _, err := Load(tinyModel(t), run.Dir); err != nil {
			t.Errorf("the adapter of the failed run: %v", err)
		}
	}
}

// TestTrainFullResumes trains every weight, stopped by an observer after
// step 3, then resumes: the model saved equals an uninterrupted run's, bit
// for bit.
func TestTrainFullResumes(t *testing.T) {
	cfg := baseConfig("")
	cfg.Epochs, cfg.Batch, cfg.MicroBatch, cfg.NoDropout = 1, 4, 2, true
	src := FromTexts(texts[:20])
	cfg.OutputDir = t.TempDir()
	whole, err := TrainFull(context.Background(), tinyModel(t), src, cfg)
	if err != nil || whole.Steps != 5 || whole.Adapter != nil {
		t.Fatalf("full run: %v, %+v", err, whole)
	}
	cfg.OutputDir = t.TempDir()
	cfg.Observers = []Observer{ObserverFunc(func(e Event) error {
		if e.Kind == StepEvent && e.Step == 3 {
			return Stop
		}
		return nil
	})}
	partial, err := TrainFull(context.Background(), tinyModel(t), src, cfg)
	if err != nil || partial.Steps != 3 {
		t.Fatalf("stopped full run: %v, %+v", err, partial)
	}
	cfg.Resume, cfg.Observers = true, nil
	if _, err := Train(context.Background(), tinyModel(t), src, cfg); err == nil || !strings.Contains(err.Error(), "checkpoint of full training") {
		t.Errorf("resuming full training as an adapter: %v", err)
	}
	resumed, err := TrainFull(context.Background(), tinyModel(t), src, cfg)
	if err != nil || resumed.Steps != 5 {
		t.Fatalf("resumed full run: %v, %+v", err, resumed)
	}
	a, _ := os.ReadFile(filepath.Join(whole.Dir, "model.safetensors"))
	b, _ := os.ReadFile(filepath.Join(resumed.Dir, "model.safetensors"))
	if len(a) == 0 || string(a) != string(b) {
		t.Error("the resumed full run's model is not bitwise the uninterrupted one's")
	}
}
