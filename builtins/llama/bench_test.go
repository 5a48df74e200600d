package llama

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// benchConfig is one row of testdata/bench_configs.json, a copy of the
// configurations golora's benchmarks share (/work/shared/bench/configs.json).
type benchConfig struct {
	Name                           string
	Dim, Layers, Heads, KVHeads    int
	Hidden, Vocab, Seq, MicroBatch int
}

func (c *benchConfig) UnmarshalJSON(data []byte) error {
	var raw struct {
		Name                                   string
		Dim, Layers, Heads, Hidden, Vocab, Seq int
		KVHeads                                int    `json:"kv_heads"`
		MicroBatch                             int    `json:"micro_batch"`
		DType                                  string `json:"dtype"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = benchConfig{raw.Name, raw.Dim, raw.Layers, raw.Heads, raw.KVHeads, raw.Hidden, raw.Vocab, raw.Seq, raw.MicroBatch}
	return nil
}

// benchModels are the configurations benchmarked on the CPU (gpu-1b is for
// a lent GPU only).
var benchModels = []string{"tiny", "small", "stories15M"}

func loadBenchConfig(b testing.TB, name string) (Config, benchConfig) {
	raw, err := os.ReadFile("testdata/bench_configs.json")
	if err != nil {
		b.Fatal(err)
	}
	var file struct{ Configs []benchConfig }
	if err := json.Unmarshal(raw, &file); err != nil {
		b.Fatal(err)
	}
	for _, c := range file.Configs {
		if c.Name == name {
			return Config{HiddenSize: c.Dim, IntermediateSize: c.Hidden, NumLayers: c.Layers, NumHeads: c.Heads,
				NumKVHeads: c.KVHeads, HeadDim: c.Dim / c.Heads, VocabSize: c.Vocab, RMSNormEps: 1e-5,
				RopeTheta: 10000, MaxPositionEmbeddings: 2048, BOS: 1, EOS: []int{2}, DType: "float32"}, c
		}
	}
	b.Fatalf("no config %q", name)
	panic("unreachable")
}

// benchBatch is micro_batch random rows of seq tokens, every target scored.
func benchBatch(c benchConfig) Batch {
	rng := rand.New(rand.NewPCG(1, 1))
	var batch Batch
	for range c.MicroBatch {
		row := make([]int, c.Seq)
		for i := range row {
			row[i] = rng.IntN(c.Vocab)
		}
		batch.Tokens = append(batch.Tokens, row)
		batch.Labels = append(batch.Labels, row)
	}
	return batch
}

// peakRSSMiB returns the process's peak resident memory (VmHWM) in MiB.
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if kb, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			var n float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), &n)
			return n / 1024
		}
	}
	return 0
}

// BenchmarkForward measures the forward pass (logits and loss) of a batch.
func BenchmarkForward(b *testing.B) {
	for _, name := range benchModels {
		b.Run(name, func(b *testing.B) {
			cfg, bc := loadBenchConfig(b, name)
			m, err := NewRandom(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			batch := benchBatch(bc)
			if _, err := m.Forward(context.Background(), batch); err != nil { // Compiles.
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := m.Forward(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bc.MicroBatch*bc.Seq*b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(peakRSSMiB(), "peak-MiB")
		})
	}
}

// BenchmarkLoRAStep measures a forward and backward pass with a rank-8 LoRA
// on q_proj and v_proj: the gradients of the adapter only, base frozen.
func BenchmarkLoRAStep(b *testing.B) {
	benchmarkStep(b, false)
}

// BenchmarkFullStep measures a forward and backward pass with every weight
// trainable.
func BenchmarkFullStep(b *testing.B) {
	benchmarkStep(b, true)
}

func benchmarkStep(b *testing.B, full bool) {
	for _, name := range benchModels {
		b.Run(name, func(b *testing.B) {
			cfg, bc := loadBenchConfig(b, name)
			base, err := NewRandom(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			m := base.WithAdapter(loraOnQV(8))
			if full {
				m = base
				m.SetTrainable(true)
			}
			batch := benchBatch(bc)
			step := func() {
				if _, _, err := m.Gradients(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			step() // Compiles, and creates the adapter's (trainable) variables.
			b.ResetTimer()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(bc.MicroBatch*bc.Seq*b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(peakRSSMiB(), "peak-MiB")
		})
	}
}

// BenchmarkGenerate measures greedy generation: 64 new tokens after a
// 16-token prompt, one cached decoding step per token.
func BenchmarkGenerate(b *testing.B) {
	const prompt, newTokens = 16, 64
	for _, name := range benchModels {
		b.Run(name, func(b *testing.B) {
			cfg, bc := loadBenchConfig(b, name)
			cfg.EOS = nil // Random weights: never stop early.
			m, err := NewRandom(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			ids := benchBatch(bc).Tokens[0][:prompt]
			opts := GenOptions{MaxNewTokens: newTokens}
			if _, err := m.GenerateIDs(context.Background(), ids, opts, nil); err != nil { // Compiles.
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := m.GenerateIDs(context.Background(), ids, opts, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(newTokens*b.N)/b.Elapsed().Seconds(), "new-tokens/s")
			b.ReportMetric(peakRSSMiB(), "peak-MiB")
		})
	}
}
