package llama

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/builtins/safetensors"
	"github.com/golora/golora/builtins/tokenizer"
	"github.com/golora/golora/internal/busy"
	"github.com/golora/golora/internal/cmem"
	"github.com/golora/golora/internal/llamagraph"
	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Model is a LLaMA-architecture causal language model whose weights live in
// a GoMLX context as float32 variables, frozen (not trainable) unless
// SetTrainable says otherwise.
type Model struct {
	Config Config
	Dir    string

	backend compute.Backend
	choice  backendChoice
	store   *model.Store
	weights map[string]*model.Variable // By Hugging Face tensor name.
	blocks  map[string]gguf.Type       // The weights kept in a GGUF block type (quant.go).
	adapter llamagraph.Adapter
	tok     *tokenizer.Tokenizer
	tokErr  error // Why tok is nil.
	// name is the model's own name (a GGUF file's general.name), and
	// chatTemplate its chat template (tokenizer.chat_template), if it has them.
	name, chatTemplate string

	mu          sync.Mutex
	weightDType dtypes.DType // The matrices' dtype; see Options.DType.
	// quantizeTo is the block type Options.Quantize converts every matrix
	// to at load (0: none); dequantizeAll, that it asked for float weights.
	quantizeTo    gguf.Type
	dequantizeAll bool
	checkpoint    bool                   // Recompute each layer in the backward pass.
	compute       dtypes.DType           // The frozen products' dtype; see SetComputeDType.
	execs         map[string]*model.Exec // Compiled entry points, built on first use.
	gradientNames []string               // The variables Gradients differentiates, in its graphs' order.
	compiled      cmem.Compilations      // Runs the execs; see package cmem.
}

// The Hugging Face names of the model's tensors.
const (
	embedName = "model.embed_tokens.weight"
	normName  = "model.norm.weight"
	headName  = "lm_head.weight"
)

// layerTensor returns the name of a layer's tensor, such as
// "model.layers.3.input_layernorm.weight".
func layerTensor(layer int, module string) string {
	return fmt.Sprintf("model.layers.%d.%s.weight", layer, module)
}

// Load reads a Hugging Face model folder: config.json (and
// generation_config.json), and model.safetensors or the shards that
// model.safetensors.index.json lists, in F32, F16 or BF16. The matrices are
// kept in the dtype opts says (see Options.DType: by default float32 on a
// CPU, the file's dtype on a GPU), the norms in float32; each weight is
// converted one tensor at a time, straight into the backend's buffers when
// it is float32, so loading never holds two copies of the model. The folder's
// tokenizer (tokenizer.json or tokenizer.model), if it has one that loads,
// serves Generate and Perplexity; without one, the model still runs on token
// ids.
//
// dir may also be a GGUF file (llama.cpp's format; or a folder holding one
// and no config.json) of architecture llama: the hyper-parameters come from
// its metadata, the tokenizer from its tokenizer.ggml.* keys, and every
// tensor (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)
// is dequantized as the gguf Python package does, llama.cpp's row order of
// q_proj and k_proj undone.
//
// ctx is checked before each tensor: cancelling it stops the load.
func Load(ctx context.Context, dir string, opts ...Options) (m *Model, err error) {
	defer busy.Enter(ctx)()
	defer recoverTo(&err, "load "+dir)
	if file, ok, err := ggufPath(dir); err != nil {
		return nil, err
	} else if ok {
		return loadGGUF(ctx, file, opts)
	}
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("llama %s: %w", dir, err)
	}
	defer set.Close()
	if m, err = newModel(cfg, dir, opts); err != nil {
		return nil, err
	}
	for _, w := range cfg.tensorShapes() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("llama: load %s: %w", dir, err)
		}
		if err := m.loadTensor(set, w.name, w.shape); err != nil {
			return nil, err
		}
	}
	m.tok, m.tokErr = loadTokenizer(dir, cfg.VocabSize)
	m.chatTemplate = hfChatTemplate(dir)
	return m, nil
}

// newModel returns a model without weights on a new backend, its matrices'
// dtype chosen by opts (at most one).
func newModel(cfg Config, dir string, opts []Options) (*Model, error) {
	var o Options
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		return nil, fmt.Errorf("llama: %d Options given: want at most one", len(opts))
	}
	backend, choice, err := newBackend()
	if err != nil {
		return nil, err
	}
	wdt, err := o.weightDType(choice, cfg.DType)
	if err != nil {
		return nil, err
	}
	to, dense, err := o.quantizeOption()
	if err != nil {
		return nil, err
	}
	// Unchecked: a graph built again (a notebook cell run twice, a second
	// WithAdapter) finds the variables an adapter or an optimizer created the
	// first time, instead of panicking with "variable already exists".
	return &Model{Config: cfg, Dir: dir, backend: backend, choice: choice, store: model.NewStore(),
		weights: map[string]*model.Variable{}, blocks: map[string]gguf.Type{}, execs: map[string]*model.Exec{},
		weightDType: wdt, compute: wdt, quantizeTo: to, dequantizeAll: dense, tokErr: errors.New("none loaded")}, nil
}

// namedShape is the name and expected shape of one weight.
type namedShape struct {
	name  string
	shape []int
}

// tensorShapes lists the weights of a model with config c, in the order of
// the layers.
func (c Config) tensorShapes() []namedShape {
	d := c.HiddenSize
	out := []namedShape{{embedName, []int{c.VocabSize, d}}}
	for layer := range c.NumLayers {
		out = append(out, namedShape{layerTensor(layer, "input_layernorm"), []int{d}})
		for _, l := range c.linearsOfLayer(layer) {
			out = append(out, namedShape{l.Name() + ".weight", []int{l.Out, l.In}})
		}
		out = append(out, namedShape{layerTensor(layer, "post_attention_layernorm"), []int{d}})
	}
	out = append(out, namedShape{normName, []int{d}})
	if !c.TieWordEmbeddings {
		out = append(out, namedShape{headName, []int{c.VocabSize, d}})
	}
	return out
}

// loadTensor converts the named tensor of set to float32, or to the model's
// weight dtype if it is a matrix, and stores it as a frozen weight.
func (m *Model) loadTensor(set *safetensors.Set, name string, shape []int) error {
	info, ok := set.Tensor(name)
	if !ok {
		return fmt.Errorf("llama %s: the weights have no tensor %q, which a %d-layer LLaMA needs", m.Dir, name, m.Config.NumLayers)
	}
	where := fmt.Sprintf("llama %s: tensor %q", filepath.Join(m.Dir, filepath.Base(set.File(name).Path())), name)
	if !slices.Equal(info.Shape, shape) {
		return fmt.Errorf("%s has shape %v, but config.json implies %v", where, info.Shape, shape)
	}
	if !info.DType.IsFloat() {
		return fmt.Errorf("%s has dtype %s; weights must be F32, F16 or BF16", where, info.DType)
	}
	if to := m.keepType(gguf.TypeF32, shape); to != 0 {
		values := make([]float32, shape[0]*shape[1])
		if err := set.ReadFloat32(name, values); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		data, err := gguf.Quantize(to, values)
		if err == nil {
			err = m.addBlockWeight(name, to, shape[0], shape[1], data)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		return nil
	}
	value, err := newWeight(m.backend, m.dtypeOf(shape), shape, func(flat []float32) error {
		return set.ReadFloat32(name, flat)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	m.addWeight(name, value)
	return nil
}

// addWeight stores value as the frozen variable of the named weight, at the
// context scope its name spells ("/model/layers/0/self_attn/q_proj",
// variable "weight").
func (m *Model) addWeight(name string, value *tensors.Tensor) {
	scope, varName := splitTensorName(name)
	v := m.store.Scope(scope).VariableWithValue(varName, value)
	v.SetTrainable(false)
	m.weights[name] = v
}

// splitTensorName turns "model.layers.0.mlp.up_proj.weight" into the
// context scope "/model/layers/0/mlp/up_proj" and the variable name "weight".
func splitTensorName(name string) (scope, variable string) {
	i := strings.LastIndex(name, ".")
	return "/" + strings.ReplaceAll(name[:i], ".", "/"), name[i+1:]
}

// newTensor makes a float32 tensor of the given shape filled by fill. On a
// backend that shares buffers with the host (simplego, XLA on CPU) fill
// writes straight into the buffer the backend computes with.
func newTensor(b compute.Backend, shape shapes.Shape, fill func([]float32) error) (*tensors.Tensor, error) {
	if b.HasSharedBuffers() {
		buf, flat, err := b.NewSharedBuffer(0, shape)
		if err != nil {
			return nil, err
		}
		if err := fill(flat.([]float32)); err != nil {
			return nil, err
		}
		return tensors.FromBuffer(buf)
	}
	// Otherwise fill a host tensor, move it to the device and free the host
	// copy, so that at most one tensor is held twice at a time.
	t := tensors.FromShape(shape)
	var err error
	tensors.MustMutableFlatData(t, func(flat []float32) { err = fill(flat) })
	if err != nil {
		return nil, err
	}
	if err := t.MaterializeOnDevice(b, false, 0); err != nil {
		return nil, err
	}
	t.FinalizeLocal()
	return t, nil
}

// Name returns the name the model gives itself (a GGUF file's
// general.name, such as "SmolLM2 135M Instruct"), or the base name of its
// folder or file.
func (m *Model) Name() string {
	if m.name != "" {
		return m.name
	}
	return filepath.Base(m.Dir)
}

// GGUFFile returns the GGUF file the model was loaded from (Dir, or the one
// GGUF file in folder Dir), or "" for a Hugging Face folder or a model made
// in memory.
func (m *Model) GGUFFile() string {
	if file, ok, err := ggufPath(m.Dir); err == nil && ok {
		return file
	}
	return ""
}

// ChatTemplate returns the model's chat template, the Jinja text of a GGUF
// file's tokenizer.chat_template or of a Hugging Face folder's
// chat_template.jinja or tokenizer_config.json chat_template (or the one
// SetChatTemplate set), or "" when it has none.
func (m *Model) ChatTemplate() string { return m.chatTemplate }

// WeightNames returns the names of the model's weights, in layer order.
func (m *Model) WeightNames() []string {
	var names []string
	for _, w := range m.Config.tensorShapes() {
		names = append(names, w.name)
	}
	return names
}

// SetTrainable makes every weight trainable (full fine-tuning, pretraining)
// or frozen (the default, for LoRA: only an adapter's variables train).
// Quantized weights (QuantizedWeights) stay frozen.
func (m *Model) SetTrainable(trainable bool) {
	for name, v := range m.weights {
		if _, ok := m.blocks[name]; !ok {
			v.SetTrainable(trainable)
		}
	}
}

// NumParameters returns the number of weights.
func (m *Model) NumParameters() int64 { return m.Config.NumParameters() }

// MemoryBytes returns the memory the weights take, in the dtypes (or the
// GGUF block types, see Options.Quantize) the model keeps them in.
func (m *Model) MemoryBytes() int64 {
	var n int64
	for _, w := range m.Config.tensorShapes() {
		if v := m.weights[w.name]; v != nil {
			n += int64(v.Shape().Memory())
			continue
		}
		size := int64(m.dtypeOf(w.shape).Size())
		for _, d := range w.shape {
			size *= int64(d)
		}
		n += size
	}
	return n
}

// InitStdDev is the standard deviation of NewRandom's weights, transformers'
// default initializer_range.
const InitStdDev = 0.02

// NewRandom returns a model with configuration cfg and random weights drawn
// as transformers initialises LlamaForCausalLM (normal with standard
// deviation InitStdDev, norms at 1), from seed: a starting point for
// pretraining, and the models of benchmarks. Its weights are frozen until
// SetTrainable(true).
func NewRandom(cfg Config, seed uint64, opts ...Options) (m *Model, err error) {
	defer recoverTo(&err, "new model")
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("llama: %w", err)
	}
	if m, err = newModel(cfg, "", opts); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, w := range cfg.tensorShapes() {
		norm := !isMatrix(w.shape)
		value, err := newWeight(m.backend, m.dtypeOf(w.shape), w.shape, func(flat []float32) error {
			for i := range flat {
				if norm {
					flat[i] = 1
				} else {
					flat[i] = float32(rng.NormFloat64() * InitStdDev)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		m.addWeight(w.name, value)
	}
	return m, nil
}

// String summarises the model on a few lines.
func (m *Model) String() string {
	var b strings.Builder
	for _, row := range m.summary() {
		fmt.Fprintf(&b, "%-13s %s\n", row[0]+":", row[1])
	}
	return strings.TrimRight(b.String(), "\n")
}

// Render shows the model's summary as a table.
func (m *Model) Render() display.Bundle {
	caption := "LLaMA model"
	if m.Dir != "" {
		caption += " " + m.Dir
	}
	return display.TableCaption(caption, nil, m.summary())
}

// summary lists what a person wants to know about the model.
func (m *Model) summary() [][]string {
	c := m.Config
	rope := fmt.Sprintf("θ=%g", c.RopeTheta)
	if s := c.RopeScaling; s != nil {
		rope += fmt.Sprintf(", llama3 scaling ×%g from %d positions", s.Factor, s.OriginalMaxPositionEmbeddings)
	}
	head := "untied"
	if c.TieWordEmbeddings {
		head = "tied to the embeddings"
	}
	tok := fmt.Sprintf("none (%v)", m.tokErr)
	if m.tok != nil {
		tok = fmt.Sprintf("%d tokens, BOS %d, EOS %d", m.tok.VocabSize(), m.tok.BOS(), m.tok.EOS())
	}
	rows := [][]string{
		{"layers", fmt.Sprint(c.NumLayers)},
		{"dimensions", fmt.Sprintf("hidden %d, MLP %d, vocabulary %d, context %d", c.HiddenSize, c.IntermediateSize, c.VocabSize, c.MaxPositionEmbeddings)},
		{"attention", fmt.Sprintf("%d heads of %d, %d key/value heads", c.NumHeads, c.HeadDim, c.NumKVHeads)},
		{"rope", rope},
		{"lm head", head},
		{"parameters", fmt.Sprintf("%s (%d)", humanCount(m.NumParameters()), m.NumParameters())},
		{"memory", fmt.Sprintf("%.1f MiB in %s (stored as %s)", float64(m.MemoryBytes())/(1<<20), m.keptIn(), c.DType)},
		{"backend", m.choice.String()},
		{"tokenizer", tok},
	}
	if m.checkpoint {
		rows = append(rows, []string{"training", "gradient checkpointing: each layer recomputed in the backward pass"})
	}
	if m.compute != dtypes.Float32 {
		rows = append(rows, []string{"products", "in " + m.ComputeDType()})
	}
	if m.adapter != nil {
		rows = append(rows, []string{"adapter", fmt.Sprintf("%T", m.adapter)})
	}
	return rows
}

// keptIn says what the model keeps its matrices in: the float dtype, or
// the GGUF block types by count ("Q4_1 ×210, Q8_0 ×1") and the float dtype
// of the rest.
func (m *Model) keptIn() string {
	dt := m.WeightDType()
	if len(m.blocks) == 0 {
		return dt
	}
	count := map[gguf.Type]int{}
	var types []gguf.Type
	for _, t := range m.blocks {
		if count[t] == 0 {
			types = append(types, t)
		}
		count[t]++
	}
	slices.SortFunc(types, func(a, b gguf.Type) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return int(a) - int(b)
	})
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s ×%d", t, count[t])
	}
	return strings.Join(parts, ", ") + ", the rest in " + dt
}

// humanCount writes n with a K, M or B suffix.
func humanCount(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}
