package lora

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/formats"
	"github.com/golora/golora/builtins/llama"
)

// TestQLoRA trains the same LoRA on golora-tiny (a float32 Hugging Face
// folder) kept in float32 and quantized at load (llama.Options.Quantize):
// the runs' losses stay within the tolerance each block type's rounding
// allows. Q8_0 rounds every weight to 8 bits per block of 32 and the loss
// curve follows float32's within 0.5% (measured: 0.03%); the 4-bit types
// within 2% (measured: 0.4% for Q4_1, 0.9% for Q4_0). The bases' memory
// ratios are not the types' (8.5 and 4.5–5 bits of 32) because golora-tiny's
// down_proj rows have 688 values, not a whole number of blocks, and stay in
// float32, as do the norms: measured 0.41 of float32's for Q8_0, 0.31–0.32
// for the 4-bit types.
func TestQLoRA(t *testing.T) {
	if testing.Short() {
		t.Skip("trains golora-tiny four times")
	}
	ds, err := data.Load("../../datasets/dictionary-train.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	f, err := formats.Load("../../formats/alpaca-format.json")
	if err != nil {
		t.Fatal(err)
	}
	train := ds.Head(64)
	losses := func(quantize string) ([]float64, int64) {
		t.Helper()
		m, err := llama.Load(context.Background(), "../../models/golora-tiny", llama.Options{Quantize: quantize})
		if err != nil {
			t.Fatal(err)
		}
		run, err := Train(context.Background(), m, FromFormat(train, f), Config{
			Name: "qlora", Rank: 8, Alpha: 16, NoDropout: true, Targets: []string{"q", "k", "v", "o"}, Epochs: 1,
			MicroBatch: 8, Batch: 8, CutoffLen: 96, LearningRate: 2e-3, NoWarmup: true, Seed: 3,
			TrainOnlyAfter: "### Response:", OutputDir: t.TempDir(), PlotEvery: 1 << 30,
		})
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, e := range run.Log.Entries {
			out = append(out, e.Loss)
		}
		return out, m.MemoryBytes()
	}
	full, fullBytes := losses("")
	if len(full) < 8 || full[len(full)-1] > full[0]-0.05 {
		t.Fatalf("the float32 run did not learn: losses %v", full)
	}
	for _, c := range []struct {
		quantize string
		tol      float64 // relative, on every step's loss
		ratio    float64 // the most memory the base may take, of float32's
	}{{"q8_0", 0.005, 0.45}, {"q4_1", 0.02, 0.35}, {"q4_0", 0.02, 0.35}} {
		got, bytes := losses(c.quantize)
		var worst float64
		for i := range full {
			worst = math.Max(worst, math.Abs(got[i]-full[i])/full[i])
		}
		t.Logf("%s: base %.1f MiB (float32 %.1f MiB), losses %.4f → %.4f (float32 %.4f → %.4f), largest relative difference %.2g",
			c.quantize, float64(bytes)/(1<<20), float64(fullBytes)/(1<<20), got[0], got[len(got)-1], full[0], full[len(full)-1], worst)
		if worst > c.tol {
			t.Errorf("Quantize %q: the losses differ from float32's by up to %.3g relative (want ≤ %g)", c.quantize, worst, c.tol)
		}
		if r := float64(bytes) / float64(fullBytes); r > c.ratio {
			t.Errorf("Quantize %q: the base takes %.2f of float32's memory, want ≤ %g", c.quantize, r, c.ratio)
		}
	}
}

// TestTrainFullRefusesQuantized checks that full training on a quantized
// base is refused before any step, with the option that loads it in float32.
func TestTrainFullRefusesQuantized(t *testing.T) {
	m, err := llama.Load(context.Background(), "../../models/golora-tiny", llama.Options{Quantize: "q8_0"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = TrainFull(context.Background(), m, FromTexts(texts), Config{Name: "full", Epochs: 1, OutputDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), `Quantize: "none"`) {
		t.Errorf("TrainFull on a Q8_0 base: %v", err)
	}
}
