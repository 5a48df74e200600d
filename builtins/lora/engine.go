package lora

import (
	"context"
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/internal/cmem"
	"github.com/golora/golora/internal/llamagraph"
)

// The optimizer's constants, those of PyTorch's Adam and AdamW.
const (
	beta1   = 0.9
	beta2   = 0.999
	adamEps = 1e-8
	// clipEps is what torch.nn.utils.clip_grad_norm_ adds to the norm.
	clipEps = 1e-6
)

// engine trains a set of variables of a model's context by the loss of the
// model (adapted or not). Everything happens in compiled graphs, on the
// backend's device:
//
//   - accumulate runs a micro-batch forward and backward and adds the
//     gradient of its loss sum to accumulators;
//   - apply divides the accumulated gradient by the step's count of scored
//     tokens — so every scored token of the step weighs the same, however the
//     micro-batches split them — clips it to the global norm, and updates the
//     variables with the optimizer, PyTorch's AdamW, Adam or SGD step for step.
type engine struct {
	model  *llama.Model
	params []*model.Variable
	names  []string // each param's name in checkpoints
	acc    []*model.Variable
	m, v   []*model.Variable // first and second moments (Adam)
	rng    *model.Variable   // dropout state, or nil

	compiled cmem.Compilations // runs the execs; see package cmem

	optimizer   string
	weightDecay float64
	maxNorm     float64
	step        int // optimizer steps taken

	accumulate, apply, eval, single *model.Exec
}

func newEngine(lm *llama.Model, scope string, params []*model.Variable, names []string, rng *model.Variable, cfg Config) (*engine, error) {
	e := &engine{model: lm, params: params, names: names, rng: rng, optimizer: cfg.Optimizer, weightDecay: cfg.WeightDecay, maxNorm: cfg.MaxGradNorm}
	scp := llama.GraphOf(lm).Store().Scope("/" + scope + "/optimizer")
	for i, p := range params {
		zeros := func() *tensors.Tensor { return tensors.FromShape(p.Shape()) }
		pctx := scp.At("%d", i)
		e.acc = append(e.acc, pctx.VariableWithValue("grad", zeros()).SetTrainable(false))
		e.m = append(e.m, pctx.VariableWithValue("exp_avg", zeros()).SetTrainable(false))
		e.v = append(e.v, pctx.VariableWithValue("exp_avg_sq", zeros()).SetTrainable(false))
	}
	var err error
	backend := llama.GraphOf(lm).Backend()
	if e.accumulate, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.accumulateGraph); err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	if e.apply, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.applyGraph); err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	if e.eval, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.evalGraph); err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	if e.single, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.stepGraph); err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	return e, nil
}

// lossGraph builds a training micro-batch's loss sum and count, and the
// gradient of the sum with respect to each parameter.
func (e *engine) lossGraph(ctx *model.Scope, tokens, mask, targets, weights *graph.Node) (sum, count *graph.Node, grads []*graph.Node) {
	g := tokens.Graph()
	ctx.Store().SetTraining(g, true)
	sum, count = llama.GraphOf(e.model).LossSumGraph(ctx, tokens, mask, targets, weights)
	wrt := make([]*graph.Node, len(e.params))
	for i, p := range e.params {
		wrt[i] = p.NodeValue(g)
	}
	return sum, count, graph.Gradient(sum, wrt...)
}

func (e *engine) accumulateGraph(ctx *model.Scope, tokens, mask, targets, weights *graph.Node) (sum, count *graph.Node) {
	sum, count, grads := e.lossGraph(ctx, tokens, mask, targets, weights)
	g := tokens.Graph()
	for i, grad := range grads {
		e.acc[i].SetNodeValue(graph.Add(e.acc[i].NodeValue(g), grad))
	}
	return sum, count
}

func (e *engine) evalGraph(ctx *model.Scope, tokens, mask, targets, weights *graph.Node) (sum, count *graph.Node) {
	ctx.Store().SetTraining(tokens.Graph(), false)
	return llama.GraphOf(e.model).LossSumGraph(ctx, tokens, mask, targets, weights)
}

// applyGraph takes float32 scalars: the learning rate, 1/count, Adam's step
// size lr/(1−β₁ᵗ) and √(1−β₂ᵗ). It returns the gradient's global norm before
// clipping.
func (e *engine) applyGraph(ctx *model.Scope, lr, invCount, stepSize, bc2Sqrt *graph.Node) *graph.Node {
	g := lr.Graph()
	grads := make([]*graph.Node, len(e.params))
	for i := range e.params {
		grads[i] = graph.Mul(e.acc[i].NodeValue(g), invCount)
		e.acc[i].SetNodeValue(graph.ZerosLike(grads[i]))
	}
	return e.update(grads, lr, stepSize, bc2Sqrt)
}

// stepGraph is accumulateGraph and applyGraph in one graph, for a step of a
// single micro-batch: one execution instead of two, and no accumulators to
// read and clear. It returns the loss sum, the count and the norm.
func (e *engine) stepGraph(ctx *model.Scope, inputs []*graph.Node) []*graph.Node {
	tokens, mask, targets, weights := inputs[0], inputs[1], inputs[2], inputs[3]
	lr, stepSize, bc2Sqrt := inputs[4], inputs[5], inputs[6]
	sum, count, grads := e.lossGraph(ctx, tokens, mask, targets, weights)
	inv := graph.Inverse(graph.Max(count, graph.ScalarOne(tokens.Graph(), dtypes.Float32)))
	for i := range grads {
		grads[i] = graph.Mul(grads[i], inv)
	}
	return []*graph.Node{sum, count, e.update(grads, lr, stepSize, bc2Sqrt)}
}

// update clips grads to the global norm as torch's clip_grad_norm_ does and
// applies the optimizer to the parameters; it returns the norm before
// clipping.
func (e *engine) update(grads []*graph.Node, lr, stepSize, bc2Sqrt *graph.Node) *graph.Node {
	g := lr.Graph()
	var sumSq *graph.Node
	for i := range grads {
		// The norm of the per-tensor norms.
		n := graph.Sqrt(graph.ReduceAllSum(graph.Square(grads[i])))
		if sumSq == nil {
			sumSq = graph.Square(n)
		} else {
			sumSq = graph.Add(sumSq, graph.Square(n))
		}
	}
	norm := graph.Sqrt(sumSq)
	if e.maxNorm > 0 {
		coef := graph.Div(graph.Scalar(g, dtypes.Float32, e.maxNorm), graph.AddScalar(norm, clipEps))
		coef = graph.Min(coef, graph.ScalarOne(g, dtypes.Float32))
		for i := range grads {
			grads[i] = graph.Mul(grads[i], coef)
		}
	}
	for i, p := range e.params {
		w := p.NodeValue(g)
		grad := grads[i]
		switch e.optimizer {
		case "sgd":
			if e.weightDecay > 0 {
				grad = graph.Add(grad, graph.MulScalar(w, e.weightDecay))
			}
			p.SetNodeValue(graph.Sub(w, graph.Mul(lr, grad)))
			continue
		case "adam":
			if e.weightDecay > 0 {
				grad = graph.Add(grad, graph.MulScalar(w, e.weightDecay))
			}
		case "adamw":
			if e.weightDecay > 0 {
				w = graph.Mul(w, graph.OneMinus(graph.MulScalar(lr, e.weightDecay)))
			}
		}
		m := graph.Add(graph.MulScalar(e.m[i].NodeValue(g), beta1), graph.MulScalar(grad, 1-beta1))
		v := graph.Add(graph.MulScalar(e.v[i].NodeValue(g), beta2), graph.MulScalar(graph.Square(grad), 1-beta2))
		e.m[i].SetNodeValue(m)
		e.v[i].SetNodeValue(v)
		denom := graph.AddScalar(graph.Div(graph.Sqrt(v), bc2Sqrt), adamEps)
		p.SetNodeValue(graph.Sub(w, graph.Mul(stepSize, graph.Div(m, denom))))
	}
	return norm
}

// numParameters returns the number of values trained.
func (e *engine) numParameters() int64 {
	var n int64
	for _, p := range e.params {
		n += int64(p.Shape().Size())
	}
	return n
}

// microStep runs one micro-batch forward and backward and returns its loss
// sum and its count of scored tokens.
func (e *engine) microStep(in llamagraph.Inputs) (sum, count float64, err error) {
	defer recoverTo(&err, "training step")
	res, err := e.compiled.Exec(e.accumulate, in.Tokens, in.Mask, in.Targets, in.Weights)
	if err != nil {
		return 0, 0, fmt.Errorf("lora: training step: %w", err)
	}
	return float64(tensors.ToScalar[float32](res[0])), float64(tensors.ToScalar[float32](res[1])), nil
}

// optimizerStep updates the variables with the accumulated gradient of
// count scored tokens at learning rate lr, and returns the gradient's norm.
func (e *engine) optimizerStep(lr, count float64) (norm float64, err error) {
	defer recoverTo(&err, "optimizer step")
	stepSize, bc2Sqrt := e.adamScalars(lr)
	inv := 0.0
	if count > 0 {
		inv = 1 / count
	}
	res, err := e.compiled.Exec(e.apply, float32(lr), float32(inv), float32(stepSize), float32(bc2Sqrt))
	if err != nil {
		return 0, fmt.Errorf("lora: optimizer step: %w", err)
	}
	e.step++
	return float64(tensors.ToScalar[float32](res[0])), nil
}

// singleStep is a whole optimizer step of one micro-batch: forward,
// backward and update in one execution. It returns the loss sum, the count
// of scored tokens and the gradient's norm.
func (e *engine) singleStep(in llamagraph.Inputs, lr float64) (sum, count, norm float64, err error) {
	defer recoverTo(&err, "training step")
	stepSize, bc2Sqrt := e.adamScalars(lr)
	res, err := e.compiled.Exec(e.single, in.Tokens, in.Mask, in.Targets, in.Weights, float32(lr), float32(stepSize), float32(bc2Sqrt))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("lora: training step: %w", err)
	}
	e.step++
	return float64(tensors.ToScalar[float32](res[0])), float64(tensors.ToScalar[float32](res[1])), float64(tensors.ToScalar[float32](res[2])), nil
}

// adamScalars returns Adam's step size lr/(1−β₁ᵗ) and √(1−β₂ᵗ) for the
// next step.
func (e *engine) adamScalars(lr float64) (stepSize, bc2Sqrt float64) {
	t := float64(e.step + 1)
	return lr / (1 - math.Pow(beta1, t)), math.Sqrt(1 - math.Pow(beta2, t))
}

// evalLoss returns the token-weighted mean loss of batches, without
// dropout; it checks ctx between batches.
func (e *engine) evalLoss(ctx context.Context, batches []llamagraph.Inputs) (loss float64, err error) {
	defer recoverTo(&err, "evaluation")
	var sum, count float64
	for _, b := range batches {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		res, err := e.compiled.Exec(e.eval, b.Tokens, b.Mask, b.Targets, b.Weights)
		if err != nil {
			return 0, fmt.Errorf("lora: evaluation: %w", err)
		}
		sum += float64(tensors.ToScalar[float32](res[0]))
		count += float64(tensors.ToScalar[float32](res[1]))
	}
	if count == 0 {
		return math.NaN(), nil
	}
	return sum / count, nil
}

// recoverTo turns a panic of graph code into an error in *err.
func recoverTo(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("lora: %s: %v", what, r)
	}
}
