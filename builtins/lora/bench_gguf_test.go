package lora

import (
	"context"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/internal/testfiles"
)

// BenchmarkGGUFStep times LoRA training steps on SmolLM2-135M-Instruct's
// Q4_1 GGUF (make testdata) with its base kept as the file stores it (Q4_1
// dequantized in the graph, the Q8_0 embedding through GoMLX's GGML
// layer), converted at load to Q8_0 (every product through the GGML
// layer), and dequantized at load to float32: the step's median time, as
// tokens per second, and the base's memory. make bench runs it on the Go
// backend and on XLA's CPU plugin.
func BenchmarkGGUFStep(b *testing.B) {
	path := testfiles.SmolLM2(b)
	const seq, micro, warmup, steps = 128, 2, 1, 3
	for _, q := range []struct{ name, quantize string }{{"kept", ""}, {"q8_0", "q8_0"}, {"float32", "none"}} {
		b.Run(q.name, func(b *testing.B) {
			m, err := llama.Load(context.Background(), path, llama.Options{Quantize: q.quantize})
			if err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			examples := make([]Example, (warmup+steps)*micro)
			for i := range examples {
				ids := make([]int, seq)
				for j := range ids {
					ids[j] = r.IntN(m.Config.VocabSize)
				}
				examples[i] = Example{IDs: ids}
			}
			var med float64
			for b.Loop() {
				run, err := Train(context.Background(), m, FromExamples(examples), Config{
					Name: "bench", Rank: 8, Alpha: 16, NoDropout: true, Targets: []string{"q", "v"}, Epochs: 1,
					MicroBatch: micro, Batch: micro, CutoffLen: seq, NoWarmup: true, OutputDir: b.TempDir(), PlotEvery: 1 << 30,
				})
				if err != nil {
					b.Fatal(err)
				}
				var times []float64
				for _, e := range run.Log.Entries[warmup:] {
					times = append(times, float64(e.Tokens)/e.TokensPerSecond)
				}
				sort.Float64s(times)
				med = times[len(times)/2]
			}
			b.ReportMetric(float64(seq*micro)/med, "tokens/s")
			b.ReportMetric(med, "s/step")
			b.ReportMetric(float64(m.MemoryBytes())/(1<<20), "base-MiB")
		})
	}
}
