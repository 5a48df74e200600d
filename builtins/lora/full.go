package lora

import (
	"context"
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/safetensors"
)

// TrainFull trains every weight of model on src — full fine-tuning, or
// pretraining a model made with llama.NewRandom — with the same loop,
// optimizer, schedule, logging, observers, checkpoints and resume as Train.
// The adapter fields of cfg (Rank, Alpha, Dropout, Targets) do not apply.
// The model is saved as a Hugging Face model folder in OutputDir/Name
// (config.json, model.safetensors, tokenizer.json).
func TrainFull(ctx context.Context, model *llama.Model, src *Source, cfg Config) (*Run, error) {
	return train(ctx, model, src, cfg, &fullTraining{})
}

// fullTraining trains the weights of the model itself, which must be
// float32 and not quantized.
type fullTraining struct {
	m      *llama.Model
	names  []string
	params []*model.Variable
	scope  string
}

func (*fullTraining) stateBytes(c llama.Config, _ Config) int64 {
	return 4 * c.NumParameters() * 4 // float32 gradients, accumulators, two moments
}

func (t *fullTraining) setUp(base *llama.Model, cfg Config) (*llama.Model, string, error) {
	if dt := base.WeightDType(); dt != "float32" {
		return nil, "", fmt.Errorf("lora: full training needs float32 weights, and the model keeps its weights in %s: load it with llama.Options{DType: \"float32\"}", dt)
	}
	if n := base.QuantizedWeights(); n > 0 {
		return nil, "", fmt.Errorf("lora: full training needs float32 weights, and the model keeps %d matrices quantized (%s): load it with llama.Options{Quantize: \"none\"}, or train a LoRA on the quantized base", n, base.Dir)
	}
	base.SetTrainable(true)
	t.m = base
	t.names = base.WeightNames()
	t.params = make([]*model.Variable, len(t.names))
	for i, n := range t.names {
		t.params[i] = llama.GraphOf(base).Weight(n)
	}
	t.scope = fmt.Sprintf("full-%d", adapterCount.Add(1))
	return base.WithGradientCheckpointing(cfg.GradientCheckpointing), "", nil
}

func (t *fullTraining) variables() (string, []*model.Variable, []string, *model.Variable) {
	return t.scope, t.params, t.names, nil
}

func (*fullTraining) describe(cfg Config, n int64) string {
	return fmt.Sprintf("full training of %q: %d parameters", cfg.Name, n)
}

func (t *fullTraining) save(dir string) error { return t.m.Save(dir, "float32") }

// checkpointTensors adds nothing: the checkpoint's model.safetensors holds
// the weights in float32.
func (*fullTraining) checkpointTensors() ([]safetensors.Tensor, error) { return nil, nil }

func (*fullTraining) stamp(st *trainerState, _ Config) { st.Full = true }

func (*fullTraining) check(st trainerState, dir string, _ Config) error {
	if !st.Full {
		return fmt.Errorf("lora: resume: %s is a checkpoint of an adapter, and this run trains the whole model (Train resumes it)", dir)
	}
	return nil
}

// restore reads the weights from the checkpoint's model files.
func (t *fullTraining) restore(dir string, _ *safetensors.File) error {
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("lora: resume: %w", err)
	}
	defer set.Close()
	for i, name := range t.names {
		p := t.params[i]
		vals := make([]float32, p.Shape().Size())
		if err := set.ReadFloat32(name, vals); err != nil {
			return fmt.Errorf("lora: resume: %s: %w", dir, err)
		}
		if err := p.SetValue(tensors.FromFlatDataAndDimensions(vals, p.Shape().Dimensions...)); err != nil {
			return fmt.Errorf("lora: resume: %s: setting %s: %w", dir, name, err)
		}
	}
	return nil
}

func (*fullTraining) adapter() *Adapter { return nil }
