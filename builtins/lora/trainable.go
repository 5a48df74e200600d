package lora

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/safetensors"
)

// trainable is what a run trains: an adapter over a frozen model
// (adapterTraining, for Train) or every weight of the model (fullTraining,
// for TrainFull). The loop, the engine and the checkpoints are the same;
// what differs is here.
type trainable interface {
	// stateBytes returns the memory the trained values hold with their
	// gradients, accumulators and optimizer moments, for the estimate.
	stateBytes(c llama.Config, cfg Config) int64
	// setUp makes the values to train and returns the model as trained
	// (the base with the adapter, or the base itself), and a note for the
	// plan ("" for none).
	setUp(base *llama.Model, cfg Config) (*llama.Model, string, error)
	// variables returns the trained values, their names in checkpoints,
	// the store scope of the optimizer's state, and the dropout state (nil
	// for none); setUp must have run.
	variables() (scope string, params []*model.Variable, names []string, rng *model.Variable)
	// describe is the plan's first line: what is trained, n values.
	describe(cfg Config, n int64) string
	// save writes what the run has made into dir: the adapter, or the model.
	save(dir string) error
	// checkpointTensors returns what a checkpoint's optimizer.safetensors
	// holds besides the optimizer's state.
	checkpointTensors() ([]safetensors.Tensor, error)
	// stamp records in a checkpoint's state what resume checks.
	stamp(st *trainerState, cfg Config)
	// check refuses, naming the difference, the checkpoint dir of state st
	// if it is not of what cfg trains.
	check(st trainerState, dir string, cfg Config) error
	// restore sets the trained values from the checkpoint dir, whose
	// optimizer.safetensors is f.
	restore(dir string, f *safetensors.File) error
	// adapter returns the adapter trained, or nil.
	adapter() *Adapter
}

// adapterTraining trains a LoRA adapter; the base model stays frozen.
type adapterTraining struct {
	a      *Adapter
	names  []string
	params []*model.Variable
}

func (*adapterTraining) stateBytes(c llama.Config, cfg Config) int64 {
	per := int64(0)
	for _, l := range c.Linears() {
		if slices.Contains(cfg.Targets, l.Module) {
			per += int64(cfg.Rank) * int64(l.In+l.Out)
		}
	}
	return 5 * per * 4 // float32 values, gradients, accumulators, two moments
}

// setUp makes the adapter: fresh, or with the weights of the adapter
// already in the output folder (the webui's way of continuing) when
// neither Overwrite nor Resume is set.
func (t *adapterTraining) setUp(base *llama.Model, cfg Config) (*llama.Model, string, error) {
	a, err := newAdapter(base, cfg.Name, cfg.Rank, cfg.Alpha, cfg.Dropout, cfg.RSLoRA, cfg.Targets, cfg.Seed)
	if err != nil {
		return nil, "", err
	}
	note := ""
	dir := cfg.dir()
	if _, err := os.Stat(filepath.Join(dir, weightsFile)); err == nil && !cfg.Overwrite && !cfg.Resume {
		old, err := Load(base, dir)
		if err != nil {
			return nil, "", fmt.Errorf("lora: %s holds an adapter that cannot be continued (%v): set Overwrite to start afresh, or choose another Name", dir, err)
		}
		if old.Rank != cfg.Rank || !slices.Equal(old.Targets, cfg.Targets) {
			return nil, "", fmt.Errorf("lora: %s holds an adapter of rank %d on %v, and this run asks for rank %d on %v: set Overwrite to start afresh, or choose another Name", dir, old.Rank, old.Targets, cfg.Rank, cfg.Targets)
		}
		w, err := old.weights()
		if err != nil {
			return nil, "", err
		}
		if err := a.setWeights(w); err != nil {
			return nil, "", err
		}
		note = fmt.Sprintf("continuing from the adapter in %s (set Overwrite to start afresh)", dir)
	}
	t.a = a
	t.params = a.variables()
	t.names = make([]string, 0, 2*len(a.order))
	for _, n := range a.order {
		t.names = append(t.names, peftName(n, "A"), peftName(n, "B"))
	}
	return base.WithAdapter(a).WithGradientCheckpointing(cfg.GradientCheckpointing), note, nil
}

func (t *adapterTraining) variables() (string, []*model.Variable, []string, *model.Variable) {
	return t.a.scope, t.params, t.names, t.a.rng
}

func (*adapterTraining) describe(cfg Config, n int64) string {
	return fmt.Sprintf("LoRA %q: rank %d, alpha %g, dropout %g on %v; %d trainable parameters", cfg.Name, cfg.Rank, cfg.Alpha, cfg.Dropout, cfg.Targets, n)
}

func (t *adapterTraining) save(dir string) error { return t.a.Save(dir) }

// checkpointTensors returns the adapter's values by their PEFT names, for
// an exact resume (adapter_model.safetensors may be converted).
func (t *adapterTraining) checkpointTensors() ([]safetensors.Tensor, error) {
	var list []safetensors.Tensor
	for i, name := range t.names {
		st, err := variableTensor(name, t.params[i])
		if err != nil {
			return nil, err
		}
		list = append(list, st)
	}
	return list, nil
}

func (*adapterTraining) stamp(st *trainerState, cfg Config) {
	st.Rank, st.Targets = cfg.Rank, cfg.Targets
}

func (*adapterTraining) check(st trainerState, dir string, cfg Config) error {
	switch {
	case st.Full:
		return fmt.Errorf("lora: resume: %s is a checkpoint of full training, and this run trains an adapter (TrainFull resumes it)", dir)
	case st.Rank != cfg.Rank:
		return fmt.Errorf("lora: resume: the checkpoint %s has rank %d and the Config asks for rank %d: rank cannot change on resume (train a new adapter under another Name instead)", dir, st.Rank, cfg.Rank)
	case !slices.Equal(st.Targets, cfg.Targets):
		return fmt.Errorf("lora: resume: the checkpoint %s adapts %v and the Config asks for %v: target modules cannot change on resume", dir, st.Targets, cfg.Targets)
	}
	return nil
}

func (t *adapterTraining) restore(dir string, f *safetensors.File) error {
	for i, name := range t.names {
		if err := setFromFile(t.params[i], f, name); err != nil {
			return fmt.Errorf("lora: resume: %s: %w", dir, err)
		}
	}
	return nil
}

func (t *adapterTraining) adapter() *Adapter { return t.a }

// setFromFile sets the float32 variable v to the tensor name of f.
func setFromFile(v *model.Variable, f *safetensors.File, name string) error {
	vals, err := f.Float32s(name)
	if err != nil {
		return err
	}
	if len(vals) != v.Shape().Size() {
		return fmt.Errorf("%s has %d values, want %d", name, len(vals), v.Shape().Size())
	}
	if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)); err != nil {
		return fmt.Errorf("setting %s: %w", name, err)
	}
	return nil
}
