package bench

import (
	"context"
	"testing"
)

func tinyConfig(t *testing.T) Config {
	configs, err := ReadConfigs("configs.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range configs {
		if c.Name == "tiny" {
			return c
		}
	}
	t.Fatal("configs.json has no tiny configuration")
	return Config{}
}

// TestMeasure trains the tiny configuration and checks that the figures
// hang together, and that the products counted in the step's graph lie
// between what the step must compute and everything StepFLOPs counts (plus
// the rotary embedding's products): no gradient of a frozen weight, and
// none of the first layer's backward pass that leads only to the
// embeddings.
func TestMeasure(t *testing.T) {
	c := tinyConfig(t)
	r, err := Measure(context.Background(), c, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.StepMinS > r.StepS || r.StepS > r.StepMaxS || r.StepMinS <= 0 {
		t.Errorf("step times min %v, median %v, max %v", r.StepMinS, r.StepS, r.StepMaxS)
	}
	if tps := float64(c.MicroBatch*c.Seq) / r.StepS; r.TokensPerS != tps {
		t.Errorf("%v tokens/s, want %v", r.TokensPerS, tps)
	}
	if r.PeakRSS <= 0 || r.RawS <= 0 || r.RawGFLOPs <= 0 {
		t.Fatalf("peak RSS %d, products alone %v s at %v GFLOP/s", r.PeakRSS, r.RawS, r.RawGFLOPs)
	}
	counted := r.RawGFLOPs * 1e9 * r.RawS
	tokens := float64(c.MicroBatch * c.Seq)
	hd := c.Dim / c.Heads
	rope := 2 * tokens * float64((c.Heads+c.KVHeads)*hd*hd) // queries' and keys' rotation, one layer
	head := 2 * tokens * float64(c.Dim*c.Vocab)
	upper := StepFLOPs(c) + 2*rope*float64(c.Layers)
	// At least: the forward pass (a third of the layers' products in
	// StepFLOPs, the head's half) and the head's gradient to its input.
	lower := (StepFLOPs(c)-2*head)/3 + rope*float64(c.Layers) + 2*head
	if counted <= lower || counted >= upper {
		t.Errorf("the step's graph has %.0f FLOPs of products, want between %.0f and %.0f", counted, lower, upper)
	}
}
