package lora

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/sched"
	"github.com/golora/golora/internal/busy"
	"github.com/golora/golora/internal/llamagraph"
)

// Train trains a LoRA adapter of model on src and returns the run: the
// adapter, its log, where it was saved. It writes into OutputDir/Name the
// adapter (PEFT's two files), training_parameters.json,
// training_prompt.json, training_log.json, and a checkpoint-N folder every
// SaveEvery steps and at the end, each file written atomically.
//
// Before the first step it formats and tokenizes every example, estimates
// the memory the run needs and stops if it cannot fit. The run tells its
// events (the plan, each step, evaluation, checkpoint, its end) to the
// notebook's observer, which prints the plan and updates a progress bar
// and a loss plot in place, and then to cfg.Observers, which may record
// them or stop the run (see Observer).
//
// Cancelling ctx — the notebook's interrupt button — stops the run at the
// next step boundary: the adapter and a checkpoint are saved and the run so
// far is returned, with a nil error; Resume continues it exactly.
func Train(ctx context.Context, model *llama.Model, src *Source, cfg Config) (*Run, error) {
	return train(ctx, model, src, cfg, &adapterTraining{})
}

// runStartedFormat is RFC 3339 with a fixed width, so that the start times
// of runs sort as strings.
const runStartedFormat = "2006-01-02T15:04:05.000000000Z07:00"

// plan is the shape of a run.
type plan struct {
	examples, evalExamples []Example
	stepsPerEpoch          int
	total                  int
	warmup                 int
	accumulation           int
	schedule               *sched.Schedule
	notes                  []string
}

func makePlan(ctx context.Context, model *llama.Model, src *Source, cfg Config) (*plan, error) {
	if src == nil {
		return nil, errors.New("lora: no training data: pass lora.FromFormat(ds, f), lora.FromRawText(chunks) or lora.FromTexts(texts)")
	}
	p := &plan{accumulation: cfg.Batch / cfg.MicroBatch}
	m, err := src.make(ctx, model, cfg)
	if err != nil {
		return nil, whyNoTokenizer(err, model)
	}
	p.notes = append(p.notes, m.notes...)
	if p.examples, err = fitCutoff(m, cfg, &p.notes); err != nil {
		return nil, err
	}
	if len(p.examples) == 0 {
		return nil, errors.New("lora: the training data has no examples with a token to train on")
	}
	if err := checkVocab(p.examples, model.Config.VocabSize); err != nil {
		return nil, err
	}
	if cfg.Packing {
		if err := model.CheckPacking(); err != nil {
			return nil, fmt.Errorf("lora: Packing: %w", err)
		}
		n := len(p.examples)
		p.examples = pack(p.examples, cfg.CutoffLen)
		p.notes = append(p.notes, fmt.Sprintf("Packing: %d examples in %d rows of up to %d tokens", n, len(p.examples), cfg.CutoffLen))
	}
	if src.eval != nil {
		m, err := src.eval.make(ctx, model, cfg)
		if err != nil {
			return nil, fmt.Errorf("lora: eval data: %w", whyNoTokenizer(err, model))
		}
		p.evalExamples, _ = dropUnscored(m.examples)
		if err := checkVocab(p.evalExamples, model.Config.VocabSize); err != nil {
			return nil, fmt.Errorf("lora: eval data: %w", err)
		}
	}
	p.stepsPerEpoch = (len(p.examples) + cfg.Batch - 1) / cfg.Batch
	p.total = p.stepsPerEpoch * cfg.Epochs
	p.warmup = cfg.Warmup
	if p.warmup >= p.total && p.warmup > 0 {
		p.warmup = max(p.total/10, 0)
		p.notes = append(p.notes, fmt.Sprintf("warmup %d is longer than the run's %d steps: capped to 10%% of them, %d", cfg.Warmup, p.total, p.warmup))
	}
	if p.schedule, err = sched.New(cfg.Scheduler, cfg.LearningRate, p.warmup, p.total); err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	return p, nil
}

// whyNoTokenizer adds to errNoTokenizer why the model has none, such as the
// file that did not parse, and the way out.
func whyNoTokenizer(err error, model *llama.Model) error {
	if !errors.Is(err, errNoTokenizer) {
		return err
	}
	why := "it was made without one"
	if e := model.TokenizerError(); e != nil {
		why = e.Error()
	}
	return fmt.Errorf("%w (%s): fix the model folder's tokenizer.json or tokenizer.model, or load one with tokenizer.Load and call model.SetTokenizer", err, why)
}

// fitCutoff applies cfg.Overflow to the examples a Source made: with
// "drop" those longer than CutoffLen are left out, named in a note. An
// example with no trained token left is an error that names the examples
// (the first five) and the ways out.
func fitCutoff(m made, cfg Config, notes *[]string) ([]Example, error) {
	examples := m.examples
	var dropped, cut, unscored []string
	kept := make([]Example, 0, len(examples))
	for i, e := range examples {
		switch {
		case cfg.Overflow == "drop" && e.Truncated > 0:
			dropped = append(dropped, m.name(i))
		case !scored(e):
			unscored = append(unscored, m.name(i))
		default:
			if e.Truncated > 0 {
				cut = append(cut, m.name(i))
			}
			kept = append(kept, e)
		}
	}
	if len(cut) > 0 {
		*notes = append(*notes, fmt.Sprintf("Overflow \"truncate\" (the default): %d of %d examples are longer than CutoffLen %d and cut at it: %s (Overflow: \"drop\" leaves them out)", len(cut), len(examples), cfg.CutoffLen, listSome(cut, 5)))
	}
	if len(dropped) > 0 {
		*notes = append(*notes, fmt.Sprintf("Overflow \"drop\": %d of %d examples are longer than CutoffLen %d and left out: %s", len(dropped), len(examples), cfg.CutoffLen, listSome(dropped, 5)))
	}
	if len(unscored) > 0 {
		why := "within CutoffLen %d: raise CutoffLen, set Overflow: \"drop\" to leave such rows out, or check what the mask trains (TrainOnlyAfter, the chat template; lora.Preview shows it)"
		if cfg.Overflow == "drop" {
			why = "although they fit in CutoffLen %d: check what the mask trains (TrainOnlyAfter, the chat template; lora.Preview shows it)"
		}
		return nil, fmt.Errorf("lora: %d of %d examples have no trained token "+why+": %s", len(unscored), len(examples), cfg.CutoffLen, listSome(unscored, 5))
	}
	return kept, nil
}

// scored reports whether e has a token the loss trains on.
func scored(e Example) bool { return slices.Contains(e.Mask, true) }

// listSome joins the first n names, and says how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// dropUnscored leaves out the examples with no token to train on.
func dropUnscored(examples []Example) ([]Example, int) {
	out := examples[:0:0]
	for _, e := range examples {
		for _, m := range e.Mask {
			if m {
				out = append(out, e)
				break
			}
		}
	}
	return out, len(examples) - len(out)
}

func checkVocab(examples []Example, vocab int) error {
	for i, e := range examples {
		for _, id := range e.IDs {
			if id < 0 || id >= vocab {
				return fmt.Errorf("lora: example %d has token %d, outside the model's vocabulary of %d: is the tokenizer the model's?", i, id, vocab)
			}
		}
	}
	return nil
}

// trainer is one run in progress.
type trainer struct {
	cfg       Config
	what      trainable
	model     *llama.Model // as trained: with the adapter, or the base for full training
	base      *llama.Model
	eng       *engine
	plan      *plan
	run       *Run
	observers []Observer // the notebook's first
	asked     error      // the first error an observer returned: Stop, or a failure
	began     time.Time  // when this part of the run began
	started   string     // when the run began (RFC 3339), kept by a resume
	saved     int        // the step of the checkpoint this run wrote or resumed from last; -1 for none
}

func train(ctx context.Context, model *llama.Model, src *Source, cfg Config, what trainable) (run *Run, err error) {
	defer busy.Enter(ctx)()
	defer recoverTo(&err, "training")
	if model == nil {
		return nil, errors.New("lora: no model: load one with llama.Load")
	}
	defaultCutoff := cfg.CutoffLen == 0
	if cfg, err = cfg.withDefaults(); err != nil {
		return nil, err
	}
	note, err := cfg.checkModel(model, defaultCutoff)
	if err != nil {
		return nil, err
	}
	p, err := makePlan(ctx, model, src, cfg)
	if err != nil {
		return nil, err
	}
	if note != "" {
		p.notes = append(p.notes, note)
	}
	t := &trainer{cfg: cfg, what: what, base: model, plan: p,
		observers: append([]Observer{&notebook{out: os.Stdout, plotEvery: cfg.PlotEvery}}, cfg.Observers...),
		started:   time.Now().UTC().Format(runStartedFormat), saved: -1}
	t.run = &Run{Config: cfg, Dir: cfg.dir(), TotalSteps: p.total, Log: &Log{}}
	est := estimateMemory(model.Config, cfg, what)
	t.run.MemoryEstimate = est
	if avail, ok := availableMemory(); ok && est > avail {
		return nil, tooBig(model.Config, cfg, what, est, avail)
	}
	start := 0
	if err := t.setUp(); err != nil {
		return nil, err
	}
	if cfg.Resume {
		if start, err = t.resume(); err != nil {
			return nil, err
		}
	}
	if cfg.Overwrite && !cfg.Resume {
		if err := t.clearCheckpoints(); err != nil {
			return nil, err
		}
	}
	t.run.Notes = p.notes
	if err := os.MkdirAll(t.run.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	if err := writeJSON(filepath.Join(t.run.Dir, parametersFile), cfg); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(t.run.Dir, promptFile), src.about(cfg)); err != nil {
		return nil, err
	}
	return t.loop(ctx, start)
}

// setUp makes what is trained and the engine.
func (t *trainer) setUp() error {
	lm, note, err := t.what.setUp(t.base, t.cfg)
	if err != nil {
		return err
	}
	if note != "" {
		t.plan.notes = append(t.plan.notes, note)
	}
	t.model = lm
	t.run.Adapter = t.what.adapter()
	scope, params, names, rng := t.what.variables()
	t.eng, err = newEngine(lm, scope, params, names, rng, t.cfg)
	return err
}

// planText is the plan the BeginEvent carries, as the notebook prints it.
func (t *trainer) planText(start int) string {
	cfg, p := t.cfg, t.plan
	var b strings.Builder
	fmt.Fprintln(&b, t.what.describe(cfg, t.eng.numParameters()))
	fmt.Fprintf(&b, "%d examples, %d epochs of %d steps = %d steps of %d examples (%d micro-batches of %d); %s, lr %g, warmup %d, %s\n",
		len(p.examples), cfg.Epochs, p.stepsPerEpoch, p.total, cfg.Batch, p.accumulation, cfg.MicroBatch, cfg.Scheduler, cfg.LearningRate, p.warmup, cfg.Optimizer)
	ck := ""
	if cfg.GradientCheckpointing {
		ck = ", gradient checkpointing"
	}
	fmt.Fprintf(&b, "memory: about %s for micro-batches of %d × %d tokens%s; backend %s\n", formatBytes(t.run.MemoryEstimate), cfg.MicroBatch, cfg.CutoffLen, ck, llama.Backend())
	for _, n := range p.notes {
		fmt.Fprintln(&b, "note:", n)
	}
	if start > 0 {
		fmt.Fprintf(&b, "resuming at step %d of %d from %s\n", start, p.total, t.run.Checkpoint)
	}
	return b.String()
}

// emit tells e to every observer; the first error one returns is kept in
// t.asked, for the loop to act on at the end of the step.
func (t *trainer) emit(e Event) {
	e.TotalSteps, e.Run = t.plan.total, t.run
	if e.Elapsed == 0 {
		e.Elapsed = t.elapsed()
	}
	for _, o := range t.observers {
		if err := observe(o, e); err != nil && t.asked == nil {
			t.asked = err
		}
	}
}

// elapsed is the run's training time so far, earlier parts included.
func (t *trainer) elapsed() time.Duration {
	return time.Since(t.began) + time.Duration(t.run.elapsedBefore*float64(time.Second))
}

// loop runs the steps from start to the end of the plan.
func (t *trainer) loop(ctx context.Context, start int) (*Run, error) {
	cfg, p := t.cfg, t.plan
	t.began = time.Now()
	evalBatches, err := t.batches(p.evalExamples)
	if err != nil {
		return nil, err
	}
	t.run.Status = "done"
	t.emit(Event{Kind: BeginEvent, Step: start, Epoch: float64(start) / float64(p.stepsPerEpoch), Text: t.planText(start)})
	for step := start; step < p.total && t.asked == nil; step++ {
		if ctx.Err() != nil {
			t.run.Status = "interrupted"
			break
		}
		epoch, pos := step/p.stepsPerEpoch, step%p.stepsPerEpoch
		e, err := t.step(epoch, pos, step)
		if err != nil {
			return t.fail(step, err)
		}
		e.Elapsed = time.Since(t.began).Seconds() + t.run.elapsedBefore
		done := step + 1
		if len(evalBatches) > 0 && (cfg.EvalEvery > 0 && done%cfg.EvalEvery == 0 || cfg.EvalEvery == 0 && done%p.stepsPerEpoch == 0 || done == p.total) {
			loss, err := t.eng.evalLoss(ctx, evalBatches)
			if err == nil && !math.IsNaN(loss) {
				e.EvalLoss = &loss
			}
		}
		t.run.Log.Entries = append(t.run.Log.Entries, e)
		t.run.Steps = done
		t.emit(Event{Kind: StepEvent, Step: done, Epoch: e.Epoch, Loss: e.Loss, LR: e.LR, GradNorm: e.GradNorm,
			Tokens: e.Tokens, TokensPerSecond: e.TokensPerSecond, Elapsed: time.Duration(e.Elapsed * float64(time.Second))})
		if e.EvalLoss != nil {
			t.emit(Event{Kind: EvalEvent, Step: done, Epoch: e.Epoch, EvalLoss: *e.EvalLoss})
		}
		if cfg.SaveEvery > 0 && done%cfg.SaveEvery == 0 && done < p.total {
			if err := t.saveAll(done); err != nil {
				return t.fail(done, err)
			}
		}
		if cfg.StopAtLoss > 0 && e.Loss < cfg.StopAtLoss {
			t.run.Status = fmt.Sprintf("stopped: loss %.4f below StopAtLoss %g", e.Loss, cfg.StopAtLoss)
			break
		}
	}
	if asked := t.asked; asked != nil {
		if !errors.Is(asked, Stop) {
			return t.fail(t.run.Steps, fmt.Errorf("lora: observer: %w", asked))
		}
		if t.run.Status == "done" {
			t.run.Status = "stopped: " + asked.Error()
		}
	}
	t.asked = nil
	t.run.Elapsed = t.elapsed()
	err = t.finish(t.run.Steps)
	if err != nil {
		t.run.Status = "failed: " + err.Error()
	}
	return t.end(err)
}

// fail ends a run that err stopped after step steps: it saves what it can
// and returns the run, its Status "failed" with the error, and err.
func (t *trainer) fail(step int, err error) (*Run, error) {
	t.asked = nil
	t.run.Elapsed = t.elapsed()
	t.run.Status = "failed: " + err.Error()
	t.finish(step)
	return t.end(err)
}

// end tells the observers that the run ended with err, and returns the run
// and err, or the error an observer returned while the run ended (at its
// last checkpoint or its end).
func (t *trainer) end(err error) (*Run, error) {
	t.emit(Event{Kind: EndEvent, Step: t.run.Steps, Epoch: float64(t.run.Steps) / float64(t.plan.stepsPerEpoch), Elapsed: t.run.Elapsed, Err: err})
	if err == nil && t.asked != nil && !errors.Is(t.asked, Stop) {
		err = fmt.Errorf("lora: observer at the end of the run: %w", t.asked)
	}
	return t.run, err
}

// finish saves the adapter, a checkpoint of the last step and the log.
func (t *trainer) finish(step int) error {
	if step == 0 {
		err := t.save(t.run.Dir)
		if err != nil {
			t.emit(Event{Kind: CheckpointEvent, Step: step, Err: err})
		}
		return err
	}
	return t.saveAll(step)
}

// saveAll saves the adapter and the log in the run's folder and a
// checkpoint of step, and tells the observers.
func (t *trainer) saveAll(step int) error {
	before := t.saved
	err := t.save(t.run.Dir)
	if err == nil {
		err = t.checkpoint(step)
	}
	switch {
	case err != nil:
		t.emit(Event{Kind: CheckpointEvent, Step: step, Epoch: float64(step) / float64(t.plan.stepsPerEpoch), Err: err})
	case t.saved != before:
		t.emit(Event{Kind: CheckpointEvent, Step: step, Epoch: float64(step) / float64(t.plan.stepsPerEpoch), Path: t.run.Checkpoint})
	}
	return err
}

// step runs optimizer step number step, the pos-th of its epoch.
func (t *trainer) step(epoch, pos, step int) (Entry, error) {
	cfg, p := t.cfg, t.plan
	began := time.Now()
	perm := order(len(p.examples), cfg.Seed, epoch)
	first := pos * cfg.Batch
	last := min(first+cfg.Batch, len(perm))
	var sum, count, norm float64
	tokens := 0
	lr := p.schedule.At(step)
	micro := func(mb int) (llamagraph.Inputs, error) {
		var exs []Example
		for _, i := range perm[mb:min(mb+cfg.MicroBatch, last)] {
			exs = append(exs, p.examples[i])
		}
		in, n, err := batch(exs, cfg.MicroBatch, cfg.CutoffLen, padID(t.base), t.base.Config.VocabSize)
		tokens += n
		return in, err
	}
	if last-first <= cfg.MicroBatch {
		// One micro-batch: forward, backward and update in one execution.
		in, err := micro(first)
		if err != nil {
			return Entry{}, err
		}
		if sum, count, norm, err = t.eng.singleStep(in, lr); err != nil {
			return Entry{}, err
		}
	} else {
		for mb := first; mb < last; mb += cfg.MicroBatch {
			in, err := micro(mb)
			if err != nil {
				return Entry{}, err
			}
			s, c, err := t.eng.microStep(in)
			if err != nil {
				return Entry{}, err
			}
			sum += s
			count += c
		}
		var err error
		if norm, err = t.eng.optimizerStep(lr, count); err != nil {
			return Entry{}, err
		}
	}
	loss := math.NaN()
	if count > 0 {
		loss = sum / count
	}
	secs := time.Since(began).Seconds()
	return Entry{
		Step: step + 1, Epoch: float64(step+1) / float64(p.stepsPerEpoch), Loss: loss, LR: lr, GradNorm: norm,
		Tokens: tokens, TokensPerSecond: float64(tokens) / secs,
	}, nil
}

// batches turns examples into micro-batches in their order.
func (t *trainer) batches(examples []Example) ([]llamagraph.Inputs, error) {
	var out []llamagraph.Inputs
	for i := 0; i < len(examples); i += t.cfg.MicroBatch {
		in, _, err := batch(examples[i:min(i+t.cfg.MicroBatch, len(examples))], t.cfg.MicroBatch, t.cfg.CutoffLen, padID(t.base), t.base.Config.VocabSize)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// padID is the token that pads micro-batches: the tokenizer's PAD, else its
// EOS, else 0. Padding is masked out of attention and loss, so any valid id
// does.
func padID(m *llama.Model) int {
	if t := m.Tokenizer(); t != nil {
		if p := t.PAD(); p >= 0 {
			return p
		}
		if e := t.EOS(); e >= 0 {
			return e
		}
	}
	return 0
}
