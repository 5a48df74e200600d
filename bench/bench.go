package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/lora"
)

// Config is one configuration of configs.json.
type Config struct {
	Name       string `json:"name"`
	Dim        int    `json:"dim"`
	Layers     int    `json:"layers"`
	Heads      int    `json:"heads"`
	KVHeads    int    `json:"kv_heads"`
	Hidden     int    `json:"hidden"`
	Vocab      int    `json:"vocab"`
	Seq        int    `json:"seq"`
	MicroBatch int    `json:"micro_batch"`
	DType      string `json:"dtype"`
}

// ReadConfigs reads configs.json.
func ReadConfigs(path string) ([]Config, error) {
	var f struct {
		Configs []Config `json:"configs"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("bench: %s: %w", path, err)
	}
	return f.Configs, nil
}

// Result is one implementation's figures on one configuration.
type Result struct {
	Config     string  `json:"config"`
	Backend    string  `json:"backend"`
	TokensPerS float64 `json:"tokens_per_s"`
	StepS      float64 `json:"step_s"`
	StepMinS   float64 `json:"step_min_s"`
	StepMaxS   float64 `json:"step_max_s"`
	PeakRSS    int64   `json:"peak_rss_bytes"`
	// GFLOPs is the step's matrix-product FLOPs per second; RawGFLOPs what
	// the backend reaches on those products alone (golora only).
	GFLOPs    float64 `json:"gflops,omitempty"`
	RawGFLOPs float64 `json:"raw_gflops,omitempty"`
}

// LoRA is the adapter every configuration trains: rank 8, alpha 16, on
// q_proj and v_proj, AdamW, as in torch_lora.py.
const rank = 8

func modelConfig(c Config) llama.Config {
	return llama.Config{
		HiddenSize: c.Dim, IntermediateSize: c.Hidden, NumLayers: c.Layers, NumHeads: c.Heads, NumKVHeads: c.KVHeads,
		HeadDim: c.Dim / c.Heads, VocabSize: c.Vocab, RMSNormEps: 1e-5, RopeTheta: 10000,
		MaxPositionEmbeddings: max(c.Seq, 512), BOS: -1,
	}
}

// StepFLOPs returns the matrix-product FLOPs of one training step, forward
// and backward: every frozen linear module and the LM head forward and back
// to their input (their weights get no gradient), attention's two products
// forward and their four gradients, and the adapters' products and
// gradients.
func StepFLOPs(c Config) float64 {
	t := float64(c.MicroBatch * c.Seq)
	d, hd := float64(c.Dim), float64(c.Dim/c.Heads)
	q, kv, ff := d, float64(c.KVHeads)*hd, float64(c.Hidden)
	linears := d*q + 2*d*kv + q*d + 3*d*ff
	head := d * float64(c.Vocab)
	attn := 2 * float64(c.MicroBatch*c.Heads) * float64(c.Seq*c.Seq) * hd // QKᵀ and AV, one product each
	adapters := float64(rank) * (d + q + d + kv)                          // q and v: in·r + r·out
	perLayer := 2*t*linears*2 + attn*3 + 2*t*adapters*3
	return float64(c.Layers)*perLayer + 2*t*head*2
}

// Measure trains the configuration's LoRA for warmup+steps steps on random
// tokens and times the last steps.
func Measure(ctx context.Context, c Config, warmup, steps int) (Result, error) {
	restore := display.SetSink(discard{})
	defer restore()
	m, err := llama.NewRandom(modelConfig(c), 1)
	if err != nil {
		return Result{}, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	n := (warmup + steps) * c.MicroBatch
	examples := make([]lora.Example, n)
	for i := range examples {
		ids := make([]int, c.Seq)
		for j := range ids {
			ids[j] = r.IntN(c.Vocab)
		}
		examples[i] = lora.Example{IDs: ids}
	}
	dir, err := os.MkdirTemp("", "golora-bench-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	run, err := lora.Train(ctx, m, lora.FromExamples(examples), lora.Config{
		Name: c.Name, Rank: rank, Alpha: 16, NoDropout: true, Targets: []string{"q", "v"}, Epochs: 1,
		MicroBatch: c.MicroBatch, Batch: c.MicroBatch, CutoffLen: c.Seq, NoWarmup: true, OutputDir: dir, PlotEvery: 1 << 30,
	})
	if err != nil {
		return Result{}, err
	}
	var times []float64
	for _, e := range run.Log.Entries[warmup:] {
		times = append(times, float64(e.Tokens)/e.TokensPerSecond)
	}
	sort.Float64s(times)
	med := times[len(times)/2]
	res := Result{Config: c.Name, Backend: "golora " + llama.Backend(), StepS: med, StepMinS: times[0], StepMaxS: times[len(times)-1],
		TokensPerS: float64(c.MicroBatch*c.Seq) / med, GFLOPs: StepFLOPs(c) / med / 1e9}
	res.RawGFLOPs, err = rawGFLOPs(m, c)
	return res, err
}

// rawGFLOPs times the step's largest products alone on the model's backend:
// every linear module and the LM head, forward and back to the input.
func rawGFLOPs(m *llama.Model, c Config) (float64, error) {
	t := c.MicroBatch * c.Seq
	mc := modelConfig(c)
	q, kv := mc.NumHeads*mc.HeadDim, mc.NumKVHeads*mc.HeadDim
	dims := [][2]int{{c.Dim, q}, {c.Dim, kv}, {c.Dim, kv}, {q, c.Dim}, {c.Dim, c.Hidden}, {c.Dim, c.Hidden}, {c.Hidden, c.Dim}}
	var flops float64
	// The operands depend on an input, so that no compiler folds them away.
	exec, err := graph.NewExec(m.Backend(), func(seed *graph.Node) *graph.Node {
		g := seed.Graph()
		operand := func(dims ...int) *graph.Node {
			return graph.Add(graph.MulScalar(graph.IotaFull(g, shapes.Make(dtypes.Float32, dims...)), 1e-7), seed)
		}
		var total *graph.Node
		add := func(in, out int, repeat int) {
			for range repeat {
				x := operand(t, in)
				w := operand(out, in)
				y := llama.Product(x, []int{1}, nil, w, []int{1}, nil)  // forward [t, out]
				dx := llama.Product(y, []int{1}, nil, w, []int{0}, nil) // back to the input [t, in]
				s := graph.ReduceAllSum(dx)
				if total == nil {
					total = s
				} else {
					total = graph.Add(total, s)
				}
				flops += 2 * 2 * float64(t*in*out)
			}
		}
		for _, d := range dims {
			add(d[0], d[1], c.Layers)
		}
		add(c.Dim, c.Vocab, 1)
		return total
	})
	if err != nil {
		return 0, err
	}
	defer exec.Finalize()
	seed := tensors.FromScalar(float32(0.5))
	run := func() error {
		out, err := exec.Exec(seed)
		if err == nil {
			for _, o := range out {
				o.FinalizeAll()
			}
		}
		return err
	}
	if err := run(); err != nil {
		return 0, err
	}
	var best time.Duration
	for i := range 3 {
		start := time.Now()
		if err := run(); err != nil {
			return 0, err
		}
		if d := time.Since(start); i == 0 || d < best {
			best = d
		}
	}
	return flops / best.Seconds() / 1e9, nil
}

type discard struct{}

func (discard) Display(display.Bundle, display.ID) {}
func (discard) Update(display.Bundle, display.ID)  {}
func (discard) ClearOutput(bool)                   {}
