package lora

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/llama"
)

// TestGradientCheckpointingSameRun trains 5 steps with and without gradient
// checkpointing, with dropout, gradient accumulation and full training: the
// losses and the trained weights agree within 1e-6, and the model says it
// checkpoints.
func TestGradientCheckpointingSameRun(t *testing.T) {
	for _, full := range []bool{false, true} {
		cfg := baseConfig("")
		cfg.Epochs, cfg.MicroBatch, cfg.Batch, cfg.Dropout = 1, 2, 4, 0.1
		src := FromTexts(texts[:20])
		runs := make([]*Run, 2)
		weights := make([]map[string][]float32, 2)
		for i, ck := range []bool{false, true} {
			cfg.OutputDir = t.TempDir()
			cfg.GradientCheckpointing = ck
			m := tinyModelOf(t, 3, 512)
			train := Train
			if full {
				train = TrainFull
			}
			run, err := train(context.Background(), m, src, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if run.Steps != 5 {
				t.Fatalf("%d steps", run.Steps)
			}
			runs[i] = run
			if full {
				weights[i] = map[string][]float32{}
				for _, name := range m.WeightNames() {
					if weights[i][name], err = m.WeightValues(name); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				if weights[i], err = run.Adapter.weights(); err != nil {
					t.Fatal(err)
				}
			}
		}
		for s := range runs[0].Log.Entries {
			a, b := runs[0].Log.Entries[s].Loss, runs[1].Log.Entries[s].Loss
			if math.Abs(a-b) > 1e-6 {
				t.Errorf("full=%v step %d: loss %v with checkpointing, %v without", full, s+1, b, a)
			}
		}
		for name, w := range weights[0] {
			worst := 0.0
			for j, v := range w {
				worst = math.Max(worst, math.Abs(float64(v-weights[1][name][j])))
			}
			if worst > 1e-6 {
				t.Errorf("full=%v %s: weights differ by %g with checkpointing", full, name, worst)
			}
		}
	}
	if m := tinyModel(t).WithGradientCheckpointing(true); !m.GradientCheckpointing() || !strings.Contains(m.String(), "gradient checkpointing") {
		t.Errorf("the model does not say it checkpoints:\n%s", m)
	}
}

// TestMemoryEstimate checks that checkpointing lowers the estimate of a deep
// model at a long cutoff, and that a run too large for the machine is told
// each way to fit, with the estimate each gives.
func TestMemoryEstimate(t *testing.T) {
	c := llama.Config{HiddenSize: 576, IntermediateSize: 1536, NumLayers: 30, NumHeads: 9, NumKVHeads: 3, HeadDim: 64, VocabSize: 49152, TieWordEmbeddings: true}
	cfg, err := Config{Name: "m", MicroBatch: 4, CutoffLen: 1024}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	plain := estimateMemory(c, cfg, &adapterTraining{})
	ck := cfg
	ck.GradientCheckpointing = true
	with := estimateMemory(c, ck, &adapterTraining{})
	if with >= plain/3 {
		t.Errorf("estimate %s with checkpointing, %s without: want less than a third", formatBytes(with), formatBytes(plain))
	}
	msg := tooBig(c, cfg, &adapterTraining{}, plain, plain/4).Error()
	for _, want := range []string{formatBytes(plain), "GradientCheckpointing (about " + formatBytes(with) + ")", "MicroBatch from 4 to 2", "CutoffLen from 1024 to 512"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if msg := tooBig(c, ck, &adapterTraining{}, with, with/4).Error(); strings.Contains(msg, "GradientCheckpointing") {
		t.Errorf("checkpointing already on, yet suggested: %s", msg)
	}
}

// TestTrainOnBFloat16Model trains a LoRA on a model whose weights are kept
// in bfloat16: the adapter stays float32 and learns, Merge keeps the
// model's dtype, and full training is refused with the fix.
func TestTrainOnBFloat16Model(t *testing.T) {
	m32 := tinyModel(t)
	dir := filepath.Join(t.TempDir(), "bf16")
	if err := m32.Save(dir, "bfloat16"); err != nil {
		t.Fatal(err)
	}
	m, err := llama.Load(context.Background(), dir, llama.Options{DType: "bfloat16"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(t.TempDir())
	run, err := Train(context.Background(), m, FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, last := run.Log.Entries[0].Loss, run.Log.Last().Loss
	if !(last < first) || math.IsNaN(last) {
		t.Errorf("loss %v → %v", first, last)
	}
	merged, err := Merge(context.Background(), m, run.Adapter)
	if err != nil {
		t.Fatal(err)
	}
	if merged.WeightDType() != m.WeightDType() {
		t.Errorf("merged weights in %s", merged.WeightDType())
	}
	cfg.Name = "full"
	if _, err := TrainFull(context.Background(), m, FromTexts(texts), cfg); err == nil || !strings.Contains(err.Error(), `llama.Options{DType: "float32"}`) {
		t.Errorf("full training of bfloat16 weights: %v", err)
	}
}
