package bench

import (
	"context"
	"testing"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/lora"
	"github.com/golora/golora/internal/cellout"
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

// TestDistinctProducts checks that the step's products are timed once per
// distinct shape and counted as often as the step makes them: every layer's
// products appear once per layer.
func TestDistinctProducts(t *testing.T) {
	c := tinyConfig(t)
	count := func(layers int) (distinct, total int) {
		c.Layers = layers
		m, err := llama.NewRandom(modelConfig(c), 1)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int, c.Seq)
		for i := range ids {
			ids[i] = i % c.Vocab
		}
		restore := cellout.SetSink(discard{})
		run, err := lora.Train(context.Background(), m, lora.FromExamples([]lora.Example{{IDs: ids}}), lora.Config{
			Name: c.Name, Rank: rank, Alpha: 16, Targets: []string{"q", "v"}, Epochs: 1, MicroBatch: 1, Batch: 1,
			CutoffLen: c.Seq, NoWarmup: true, OutputDir: t.TempDir(), PlotEvery: 1 << 30,
		})
		restore()
		if err != nil {
			t.Fatal(err)
		}
		products, err := stepProducts(m, run.Adapter, c)
		if err != nil {
			t.Fatal(err)
		}
		d, counts := distinctProducts(products)
		for _, n := range counts {
			total += n
		}
		if total != len(products) {
			t.Errorf("%d layers: counts add to %d, want %d products", layers, total, len(products))
		}
		return len(d), total
	}
	d2, n2 := count(2)
	d4, n4 := count(4)
	if d4 != d2 {
		t.Errorf("4 layers have %d distinct products, 2 layers %d: want the same shapes", d4, d2)
	}
	if n4 <= n2 || d2 >= n2 {
		t.Errorf("2 layers: %d products, %d distinct; 4 layers: %d products: want more products than shapes, and more with more layers", n2, d2, n4)
	}
}
