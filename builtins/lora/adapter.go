package lora

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/internal/llamagraph"
)

// An Adapter is a LoRA adapter of a model: for each targeted linear module
// with weight W [out, in], two matrices A [r, in] and B [out, r], so that the
// module computes y = x·Wᵀ + s·(dropout(x)·Aᵀ)·Bᵀ with s = alpha/r (or
// alpha/√r with rsLoRA). Its matrices are variables of the model's GoMLX
// context, under a scope of their own. A fresh adapter has A drawn
// uniformly from ±1/√in (PEFT's kaiming-uniform with a = √5) and B zero, so
// that it starts as the identity change.
//
// An Adapter is what llama.Model.WithAdapter applies; Train makes one, Load
// reads one from a folder (golora's or PEFT's), Merge folds one into a
// model's weights.
type Adapter struct {
	Name    string
	Rank    int
	Alpha   float64
	Dropout float64
	RSLoRA  bool
	// Targets are the Hugging Face names of the modules adapted (q_proj, …).
	Targets []string
	// Base is the model folder (or GGUF file) the adapter was trained on.
	Base string
	// BaseName is that model's name (a GGUF file's general.name), "" when
	// unknown (an adapter loaded from a folder).
	BaseName string
	// BaseFile is the GGUF file the adapter was trained on, "" for a
	// Hugging Face folder.
	BaseFile string

	modules map[string]*module // by llama.Linear.Name()
	order   []string           // module names in the model's order
	rng     *model.Variable    // the dropout generator's state
	scope   string
	heads   [2]int // the model's query and KV heads, for SaveGGUF's row order
}

type module struct {
	linear llama.Linear
	a, b   *model.Variable
}

// adapterCount makes each adapter's variable scope unique in a context.
var adapterCount atomic.Int64

// newAdapter creates the adapter's variables in m's context, initialised
// from seed.
func newAdapter(m *llama.Model, name string, rank int, alpha, dropout float64, rslora bool, targets []string, seed int64) (*Adapter, error) {
	if rank <= 0 {
		return nil, fmt.Errorf("lora: rank %d: want a positive rank", rank)
	}
	a := &Adapter{
		Name: name, Rank: rank, Alpha: alpha, Dropout: dropout, RSLoRA: rslora, Targets: targets, Base: m.Dir,
		BaseName: m.Name(), BaseFile: m.GGUFFile(),
		modules: map[string]*module{},
		scope:   fmt.Sprintf("lora-%d", adapterCount.Add(1)),
		heads:   [2]int{m.Config.NumHeads, m.Config.NumKVHeads},
	}
	ctx := llama.GraphOf(m).Store().Scope("/" + a.scope)
	want := map[string]bool{}
	for _, t := range targets {
		want[t] = true
	}
	for i, l := range m.Linears() {
		if !want[l.Module] {
			continue
		}
		if rank > min(l.In, l.Out) {
			return nil, fmt.Errorf("lora: rank %d is larger than module %s (%d×%d): choose a rank of at most %d", rank, l.Name(), l.Out, l.In, min(l.In, l.Out))
		}
		// PEFT draws A from U(−1/√in, 1/√in); golora seeds each module's
		// stream from the run's seed and the module's index.
		r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
		bound := 1 / math.Sqrt(float64(l.In))
		av := make([]float32, rank*l.In)
		for j := range av {
			av[j] = float32((2*r.Float64() - 1) * bound)
		}
		mctx := ctx.At("%s", l.Name())
		mod := &module{
			linear: l,
			a:      mctx.VariableWithValue("lora_A", tensors.FromFlatDataAndDimensions(av, rank, l.In)),
			b:      mctx.VariableWithValue("lora_B", tensors.FromFlatDataAndDimensions(make([]float32, l.Out*rank), l.Out, rank)),
		}
		a.modules[l.Name()] = mod
		a.order = append(a.order, l.Name())
	}
	if len(a.modules) == 0 {
		return nil, fmt.Errorf("lora: the model has none of the target modules %s", strings.Join(targets, ", "))
	}
	state, err := graph.RNGStateFromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("lora: dropout generator of seed %d: %w", seed, err)
	}
	a.rng = ctx.VariableWithValue("dropout_rng", state).SetTrainable(false)
	return a, nil
}

// scaling returns the factor of the adapter's output.
func (a *Adapter) scaling() float64 {
	if a.RSLoRA {
		return a.Alpha / math.Sqrt(float64(a.Rank))
	}
	return a.Alpha / float64(a.Rank)
}

// Adapt implements llamagraph.Adapter, for llama.Model.WithAdapter.
func (a *Adapter) Adapt(scope *model.Scope, l llama.Linear, x, y *graph.Node) *graph.Node {
	mod := a.modules[l.Name()]
	if mod == nil {
		return y
	}
	g := x.Graph()
	if a.Dropout > 0 && scope.IsTraining(g) {
		state, u := graph.RandomUniform(a.rng.NodeValue(g), x.Shape())
		a.rng.SetNodeValue(state)
		keep := graph.GreaterOrEqual(u, graph.Scalar(g, x.DType(), a.Dropout))
		x = graph.Where(keep, graph.DivScalar(x, 1-a.Dropout), graph.ZerosLike(x))
	}
	ax := llamagraph.Product(x, []int{-1}, nil, mod.a.NodeValue(g), []int{1}, nil)
	bax := llamagraph.Product(ax, []int{-1}, nil, mod.b.NodeValue(g), []int{1}, nil)
	return graph.Add(y, graph.MulScalar(bax, a.scaling()))
}

// variables returns the adapter's trainable variables, A then B of each
// module, in the model's order.
func (a *Adapter) variables() []*model.Variable {
	var vs []*model.Variable
	for _, name := range a.order {
		vs = append(vs, a.modules[name].a, a.modules[name].b)
	}
	return vs
}

// NumParameters returns the number of trainable parameters of the adapter.
func (a *Adapter) NumParameters() int64 {
	var n int64
	for _, v := range a.variables() {
		n += int64(v.Shape().Size())
	}
	return n
}

// peftName returns the PEFT tensor name of a module's matrix ("A" or "B").
func peftName(module, which string) string {
	return "base_model.model." + module + ".lora_" + which + ".weight"
}

// weights returns the adapter's matrices by PEFT tensor name.
func (a *Adapter) weights() (map[string][]float32, error) {
	out := map[string][]float32{}
	for _, name := range a.order {
		m := a.modules[name]
		for which, v := range map[string]*model.Variable{"A": m.a, "B": m.b} {
			t, err := v.Value()
			if err != nil {
				return nil, fmt.Errorf("lora: reading %s: %w", peftName(name, which), err)
			}
			out[peftName(name, which)] = tensors.MustCopyFlatData[float32](t)
		}
	}
	return out, nil
}

// setWeights sets the adapter's matrices from values keyed by PEFT tensor
// name; every matrix must be there with its shape's size.
func (a *Adapter) setWeights(values map[string][]float32) error {
	for _, name := range a.order {
		m := a.modules[name]
		for which, v := range map[string]*model.Variable{"A": m.a, "B": m.b} {
			key := peftName(name, which)
			data, ok := values[key]
			if !ok {
				return fmt.Errorf("lora: adapter has no tensor %s", key)
			}
			if len(data) != v.Shape().Size() {
				return fmt.Errorf("lora: tensor %s has %d values, want %s", key, len(data), v.Shape())
			}
			if err := v.SetValue(tensors.FromFlatDataAndDimensions(slices.Clone(data), v.Shape().Dimensions...)); err != nil {
				return fmt.Errorf("lora: setting %s: %w", key, err)
			}
		}
	}
	return nil
}

// String describes the adapter in one line.
func (a *Adapter) String() string {
	mods := map[string]bool{}
	for _, name := range a.order {
		mods[shortModule(a.modules[name].linear.Module)] = true
	}
	list := slices.Sorted(maps.Keys(mods))
	return fmt.Sprintf("LoRA %q: rank %d, alpha %g (scaling %.4g), dropout %g, on %s of %d layers, %d parameters",
		a.Name, a.Rank, a.Alpha, a.scaling(), a.Dropout, strings.Join(list, ","), a.layers(), a.NumParameters())
}

func (a *Adapter) layers() int {
	seen := map[int]bool{}
	for _, m := range a.modules {
		seen[m.linear.Layer] = true
	}
	return len(seen)
}

var _ llamagraph.Adapter = (*Adapter)(nil)
