package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"syscall"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/lora"
	"github.com/golora/golora/internal/cellout"
	"github.com/golora/golora/internal/llamagraph"
	"github.com/golora/golora/output"
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
	// Tie ties the LM head to the embeddings; Checkpointing trains with
	// gradient checkpointing (golora's GradientCheckpointing, torch's
	// torch.utils.checkpoint around each layer).
	Tie           bool `json:"tie"`
	Checkpointing bool `json:"gradient_checkpointing"`
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
	// GFLOPs is StepFLOPs per second of step.
	GFLOPs float64 `json:"gflops,omitempty"`
	// RawS is the time the step's matrix products take alone, on golora's
	// backend; RawGFLOPs the FLOPs per second they reach then (golora only).
	RawS      float64 `json:"raw_s,omitempty"`
	RawGFLOPs float64 `json:"raw_gflops,omitempty"`
}

// LoRA is the adapter every configuration trains: rank 8, alpha 16, on
// q_proj and v_proj, AdamW, as in torch_lora.py.
const rank = 8

func modelConfig(c Config) llama.Config {
	return llama.Config{
		HiddenSize: c.Dim, IntermediateSize: c.Hidden, NumLayers: c.Layers, NumHeads: c.Heads, NumKVHeads: c.KVHeads,
		HeadDim: c.Dim / c.Heads, VocabSize: c.Vocab, RMSNormEps: 1e-5, RopeTheta: 10000,
		MaxPositionEmbeddings: max(c.Seq, 512), BOS: -1, TieWordEmbeddings: c.Tie,
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
	restore := cellout.SetSink(discard{})
	defer restore()
	// A bfloat16 configuration keeps its weights in bfloat16, as PyTorch
	// runs a model loaded in bfloat16: the products in bfloat16, the
	// adapter and the optimizer in float32.
	m, err := llama.NewRandom(modelConfig(c), 1, llama.Options{DType: c.DType})
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
		GradientCheckpointing: c.Checkpointing,
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
	var flops float64
	// The peak memory is training's: timing the products afterwards holds
	// their operands and outputs. (Linux counts it in KiB.)
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) == nil {
		res.PeakRSS = u.Maxrss * 1024
	}
	res.RawS, flops, err = rawProducts(m, run.Adapter, c)
	if err != nil {
		// The step's figures stand without the products' own.
		fmt.Fprintf(os.Stderr, "golora bench %s: timing the step's products alone: %v\n", c.Name, err)
		return res, nil
	}
	res.RawGFLOPs = flops / res.RawS / 1e9
	return res, nil
}

// rawProducts times, alone on the model's backend, every matrix product of
// the step's forward and backward pass with the shapes and axes the step
// gives it (the frozen linear modules and the LM head, attention's, the
// rotary embedding's and the adapter's), on operands that are inputs of the
// graph, so that nothing but the product runs. It returns the sum of the
// products' times and their FLOPs, counted in the graph.
//
// A product the step makes several times (one per layer, one per chunk of
// the loss) is timed once and counted as many times. Timing them together
// in one graph would not be honest: both backends merge identical nodes of a
// graph, so products of the same shapes on the same operands would run once.
func rawProducts(m *llama.Model, a *lora.Adapter, c Config) (seconds, flops float64, err error) {
	products, err := stepProducts(m, a, c)
	if err != nil {
		return 0, 0, err
	}
	distinct, counts := distinctProducts(products)
	for _, p := range products {
		flops += p.FLOPs()
	}
	r := rand.New(rand.NewPCG(3, 4))
	operand := func(s shapes.Shape) *tensors.Tensor {
		data := make([]float32, s.Size())
		for i := range data {
			data[i] = r.Float32() - 0.5
		}
		return typedTensor(data, s)
	}
	for i, p := range distinct {
		d, err := timeProduct(m, p, operand(p.LHS), operand(p.RHS))
		if err != nil {
			return 0, 0, err
		}
		seconds += d.Seconds() * float64(counts[i])
		if os.Getenv("GOLORA_BENCH_PRODUCTS") != "" {
			fmt.Fprintf(os.Stderr, "%8.1f ms ×%-3d %6.1f GFLOP/s  %v\n", d.Seconds()*1e3, counts[i], p.FLOPs()/d.Seconds()/1e9, p)
		}
	}
	return seconds, flops, nil
}

// distinctProducts returns the distinct products of a list (the same
// operand shapes and axes), in the order they first appear, and how many
// times each appears.
func distinctProducts(products []llamagraph.ProductShape) (distinct []llamagraph.ProductShape, counts []int) {
	index := map[string]int{}
	for _, p := range products {
		k := fmt.Sprintf("%v", p)
		i, ok := index[k]
		if !ok {
			i = len(distinct)
			index[k] = i
			distinct, counts = append(distinct, p), append(counts, 0)
		}
		counts[i]++
	}
	return distinct, counts
}

// timeProduct runs the product on operands lhs and rhs, once to compile and
// warm up and then three times, and returns the best time.
func timeProduct(m *llama.Model, p llamagraph.ProductShape, lhs, rhs *tensors.Tensor) (time.Duration, error) {
	defer lhs.FinalizeAll()
	defer rhs.FinalizeAll()
	exec, err := graph.NewExec(llama.GraphOf(m).Backend(), func(l, r *graph.Node) *graph.Node { return p.Build(l, r) })
	if err != nil {
		return 0, err
	}
	defer exec.Finalize()
	run := func() error {
		out, err := exec.Exec(lhs, rhs)
		for _, o := range out {
			o.FinalizeAll()
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
	return best, nil
}

// typedTensor returns a tensor of shape s (float32 or bfloat16, the dtypes
// a configuration can ask for) holding data.
func typedTensor(data []float32, s shapes.Shape) *tensors.Tensor {
	switch s.DType {
	case dtypes.BFloat16:
		v := make([]bfloat16.BFloat16, len(data))
		for i, x := range data {
			v[i] = bfloat16.FromFloat32(x)
		}
		return tensors.FromFlatDataAndDimensions(v, s.Dimensions...)
	}
	return tensors.FromFlatDataAndDimensions(data, s.Dimensions...)
}

// stepProducts returns the products of a training step's forward and
// backward pass: the loss of a micro-batch of the model with the adapter,
// and its gradient with respect to the adapter's variables. The graph is
// built, not compiled.
func stepProducts(m *llama.Model, a *lora.Adapter, c Config) (products []llamagraph.ProductShape, err error) {
	g := graph.NewGraph(llama.GraphOf(m).Backend(), "step products")
	defer g.Finalize()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bench: building the step: %v", r)
		}
	}()
	ctx := llama.GraphOf(m).Store().RootScope()
	ids := shapes.Make(dtypes.Int32, c.MicroBatch, c.Seq)
	tokens, targets := graph.Parameter(g, "tokens", ids), graph.Parameter(g, "targets", ids)
	weights := graph.OnesLike(graph.ConvertDType(targets, dtypes.Float32))
	loss, _ := llama.GraphOf(m.WithAdapter(a)).LossSumGraph(ctx, tokens, nil, targets, weights)
	var wrt []*graph.Node
	for v := range ctx.IterVariables() {
		if v.Trainable && v.InUseByGraph(g) {
			wrt = append(wrt, v.NodeValue(g))
		}
	}
	products = llamagraph.ProductsOf(append(graph.Gradient(loss, wrt...), loss)...)
	if len(products) == 0 {
		return nil, fmt.Errorf("bench: the step has no products")
	}
	return products, nil
}

type discard struct{}

func (discard) Display(output.Bundle, output.ID) {}
func (discard) Update(output.Bundle, output.ID)  {}
func (discard) ClearOutput(bool)                 {}
