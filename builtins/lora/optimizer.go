package lora

import (
	"math"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
)

// The optimizers' constants: PyTorch's for Adam and AdamW, transformers'
// for Adafactor.
const (
	beta1   = 0.9
	beta2   = 0.999
	adamEps = 1e-8

	adafactorEps1      = 1e-30 // added to the squared gradient
	adafactorDecay     = -0.8  // β₂ of step t is 1 − t^decay
	adafactorClip      = 1.0   // the update's RMS is clipped to it
	adafactorMinFactor = 2     // a value of at least this many axes has factored moments
)

// An optimizer turns the clipped gradient of each trained value into the
// value's update, inside the graph of a step. It keeps its state (moments)
// in slots, variables beside each trained value that checkpoints save.
type optimizer interface {
	// slots returns the state kept for a trained value of shape s.
	slots(s shapes.Shape) []slot
	// scalars returns the step's scalars, computed on the host in float64
	// from the learning rate lr and the step number t (from 1); the graph
	// receives them as float32, in this order.
	scalars(lr float64, t int) []float64
	// update returns the new value of w from its clipped gradient grad and
	// its slots' values state, and the slots' new values; sc are the nodes
	// of the step's scalars.
	update(w, grad *graph.Node, state, sc []*graph.Node) (*graph.Node, []*graph.Node)
}

// A slot is one state variable an optimizer keeps per trained value; its
// name is the suffix of the tensor in a checkpoint's optimizer.safetensors
// (as in PyTorch's state dict).
type slot struct {
	name  string
	shape shapes.Shape
}

// optimizerKind is one entry of the table of optimizers.
type optimizerKind struct {
	name string
	doc  string
	new  func(cfg Config) optimizer
}

// optimizers is the table of the optimizers Config.Optimizer names, in the
// order Optimizers lists them. Each follows its reference's formulas
// operation for operation.
var optimizers = []optimizerKind{
	{"adamw", "Adam with decoupled weight decay, as torch.optim.AdamW (β 0.9, 0.999, ε 1e-8)",
		func(cfg Config) optimizer { return adam{weightDecay: cfg.WeightDecay, decoupled: true} }},
	{"adam", "Adam, weight decay added to the gradient, as torch.optim.Adam (β 0.9, 0.999, ε 1e-8)",
		func(cfg Config) optimizer { return adam{weightDecay: cfg.WeightDecay} }},
	{"sgd", "plain gradient descent, weight decay added to the gradient, as torch.optim.SGD without momentum",
		func(cfg Config) optimizer { return sgd{weightDecay: cfg.WeightDecay} }},
	{"adafactor", "Adafactor (Shazeer & Stern 2018) as transformers' Trainer runs it for optim=\"adafactor\": factored second moments, no first moment, the learning rate of the schedule",
		func(cfg Config) optimizer { return adafactor{weightDecay: cfg.WeightDecay} }},
}

// Optimizers returns the names Config.Optimizer takes.
func Optimizers() []string {
	names := make([]string, len(optimizers))
	for i, k := range optimizers {
		names[i] = k.name
	}
	return names
}

// lookupOptimizer returns the table's entry called name, or nil.
func lookupOptimizer(name string) *optimizerKind {
	for i := range optimizers {
		if optimizers[i].name == name {
			return &optimizers[i]
		}
	}
	return nil
}

// optimizerList is the table's names for errors: "adamw, adam, sgd, adafactor".
func optimizerList() string { return strings.Join(Optimizers(), ", ") }

// adam is torch.optim.Adam, or AdamW when decoupled.
type adam struct {
	weightDecay float64
	decoupled   bool
}

func (adam) slots(s shapes.Shape) []slot {
	return []slot{{"exp_avg", s}, {"exp_avg_sq", s}}
}

// scalars returns lr, the step size lr/(1−β₁ᵗ) and √(1−β₂ᵗ).
func (adam) scalars(lr float64, t int) []float64 {
	return []float64{lr, lr / (1 - math.Pow(beta1, float64(t))), math.Sqrt(1 - math.Pow(beta2, float64(t)))}
}

func (o adam) update(w, grad *graph.Node, state, sc []*graph.Node) (*graph.Node, []*graph.Node) {
	lr, stepSize, bc2Sqrt := sc[0], sc[1], sc[2]
	if o.weightDecay > 0 {
		if o.decoupled {
			w = graph.Mul(w, graph.OneMinus(graph.MulScalar(lr, o.weightDecay)))
		} else {
			grad = graph.Add(grad, graph.MulScalar(w, o.weightDecay))
		}
	}
	m := graph.Add(graph.MulScalar(state[0], beta1), graph.MulScalar(grad, 1-beta1))
	v := graph.Add(graph.MulScalar(state[1], beta2), graph.MulScalar(graph.Square(grad), 1-beta2))
	denom := graph.AddScalar(graph.Div(graph.Sqrt(v), bc2Sqrt), adamEps)
	return graph.Sub(w, graph.Mul(stepSize, graph.Div(m, denom))), []*graph.Node{m, v}
}

// sgd is torch.optim.SGD without momentum.
type sgd struct{ weightDecay float64 }

func (sgd) slots(shapes.Shape) []slot { return nil }

func (sgd) scalars(lr float64, _ int) []float64 { return []float64{lr} }

func (o sgd) update(w, grad *graph.Node, _, sc []*graph.Node) (*graph.Node, []*graph.Node) {
	if o.weightDecay > 0 {
		grad = graph.Add(grad, graph.MulScalar(w, o.weightDecay))
	}
	return graph.Sub(w, graph.Mul(sc[0], grad)), nil
}

// adafactor is transformers.optimization.Adafactor with the options
// transformers' Trainer gives it for optim="adafactor": relative_step and
// scale_parameter off (the learning rate is the schedule's, not scaled by
// the value's RMS, so eps₂ = 1e-3 has no part), beta1 None (no first
// moment), decay_rate −0.8, clip_threshold 1, eps₁ 1e-30. A value of two
// axes or more keeps the running means of its squared gradient's rows and
// columns (factored second moments); a vector keeps them whole.
type adafactor struct{ weightDecay float64 }

func (adafactor) slots(s shapes.Shape) []slot {
	dims := s.Dimensions
	if len(dims) < adafactorMinFactor {
		return []slot{{"exp_avg_sq", s}}
	}
	row := shapes.Make(s.DType, dims[:len(dims)-1]...)
	col := shapes.Make(s.DType, append(append([]int{}, dims[:len(dims)-2]...), dims[len(dims)-1])...)
	return []slot{{"exp_avg_sq_row", row}, {"exp_avg_sq_col", col}}
}

// scalars returns lr, β₂ of step t, 1 − t^−0.8, and 1 − β₂.
func (adafactor) scalars(lr float64, t int) []float64 {
	b2 := 1 - math.Pow(float64(t), adafactorDecay)
	return []float64{lr, b2, 1 - b2}
}

func (o adafactor) update(w, grad *graph.Node, state, sc []*graph.Node) (*graph.Node, []*graph.Node) {
	lr, b2, oneMinusB2 := sc[0], sc[1], sc[2]
	sq := graph.AddScalar(graph.Square(grad), adafactorEps1)
	var u *graph.Node
	var next []*graph.Node
	if rank := grad.Rank(); rank >= adafactorMinFactor {
		row := graph.Add(graph.Mul(state[0], b2), graph.Mul(graph.ReduceMean(sq, rank-1), oneMinusB2))
		col := graph.Add(graph.Mul(state[1], b2), graph.Mul(graph.ReduceMean(sq, rank-2), oneMinusB2))
		// transformers' _approx_sq_grad: rsqrt(row/mean(row)) ⊗ rsqrt(col).
		r := graph.Rsqrt(graph.Div(row, graph.ExpandAxes(graph.ReduceMean(row, -1), -1)))
		c := graph.Rsqrt(col)
		u = graph.Mul(graph.Mul(graph.ExpandAxes(r, -1), graph.ExpandAxes(c, -2)), grad)
		next = []*graph.Node{row, col}
	} else {
		v := graph.Add(graph.Mul(state[0], b2), graph.Mul(sq, oneMinusB2))
		u = graph.Mul(graph.Rsqrt(v), grad)
		next = []*graph.Node{v}
	}
	// Clip the update's RMS to adafactorClip, then scale by lr.
	g := grad.Graph()
	rms := graph.Div(graph.Sqrt(graph.ReduceAllSum(graph.Square(u))), graph.Scalar(g, dtypes.Float32, math.Sqrt(float64(grad.Shape().Size()))))
	u = graph.Div(u, graph.Max(graph.DivScalar(rms, adafactorClip), graph.ScalarOne(g, dtypes.Float32)))
	u = graph.Mul(u, lr)
	if o.weightDecay != 0 {
		w = graph.Add(w, graph.Mul(w, graph.MulScalar(lr, -o.weightDecay)))
	}
	return graph.Sub(w, u), next
}
