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
	"github.com/golora/golora/internal/busy"
	"github.com/golora/golora/internal/cmem"
	"github.com/golora/golora/internal/llamagraph"
)

// clipEps is what torch.nn.utils.clip_grad_norm_ adds to the norm.
const clipEps = 1e-6

// engine trains a set of variables of a model's context by the loss of the
// model (adapted or not). Everything happens in compiled graphs, on the
// backend's device:
//
//   - accumulate runs a micro-batch forward and backward and adds the
//     gradient of its loss sum to accumulators;
//   - apply divides the accumulated gradient by the step's count of scored
//     tokens — so every scored token of the step weighs the same, however the
//     micro-batches split them — clips it to the global norm, and updates the
//     variables with the optimizer (one of the table optimizers).
type engine struct {
	model  *llama.Model
	params []*model.Variable
	names  []string // each param's name in checkpoints
	acc    []*model.Variable
	opt    optimizer
	slots  [][]slot            // each param's optimizer state
	state  [][]*model.Variable // the slots' variables
	rng    *model.Variable     // dropout state, or nil

	compiled cmem.Compilations // runs the execs; see package cmem

	maxNorm float64
	step    int // optimizer steps taken

	accumulate, apply, eval, single *model.Exec
}

func newEngine(lm *llama.Model, scope string, params []*model.Variable, names []string, rng *model.Variable, cfg Config) (*engine, error) {
	kind := lookupOptimizer(cfg.Optimizer)
	if kind == nil {
		return nil, fmt.Errorf("lora: Optimizer %q: want one of %s", cfg.Optimizer, optimizerList())
	}
	e := &engine{model: lm, params: params, names: names, rng: rng, opt: kind.new(cfg), maxNorm: cfg.MaxGradNorm}
	scp := llama.GraphOf(lm).Store().Scope("/" + scope + "/optimizer")
	for i, p := range params {
		pctx := scp.At("%d", i)
		e.acc = append(e.acc, pctx.VariableWithValue("grad", tensors.FromShape(p.Shape())).SetTrainable(false))
		slots := e.opt.slots(p.Shape())
		vars := make([]*model.Variable, len(slots))
		for j, s := range slots {
			vars[j] = pctx.VariableWithValue(s.name, tensors.FromShape(s.shape)).SetTrainable(false)
		}
		e.slots = append(e.slots, slots)
		e.state = append(e.state, vars)
	}
	var err error
	backend := llama.GraphOf(lm).Backend()
	if e.accumulate, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.accumulateGraph); err != nil {
		return nil, fmt.Errorf("lora: compiling the training step: %w", err)
	}
	if e.apply, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.applyGraph); err != nil {
		return nil, fmt.Errorf("lora: compiling the optimizer step: %w", err)
	}
	if e.eval, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.evalGraph); err != nil {
		return nil, fmt.Errorf("lora: compiling the evaluation: %w", err)
	}
	if e.single, err = model.NewExec(backend, llama.GraphOf(lm).Store(), e.stepGraph); err != nil {
		return nil, fmt.Errorf("lora: compiling the training step: %w", err)
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

// applyGraph takes float32 scalars: 1/count, then the optimizer's scalars.
// It returns the gradient's global norm before clipping.
func (e *engine) applyGraph(ctx *model.Scope, inputs []*graph.Node) []*graph.Node {
	invCount := inputs[0]
	grads := make([]*graph.Node, len(e.params))
	for i := range e.params {
		grads[i] = graph.Mul(e.acc[i].NodeValue(invCount.Graph()), invCount)
		e.acc[i].SetNodeValue(graph.ZerosLike(grads[i]))
	}
	return []*graph.Node{e.update(grads, inputs[1:])}
}

// stepGraph is accumulateGraph and applyGraph in one graph, for a step of a
// single micro-batch: one execution instead of two, and no accumulators to
// read and clear. Its inputs are the micro-batch's four tensors and the
// optimizer's scalars; it returns the loss sum, the count and the norm.
func (e *engine) stepGraph(ctx *model.Scope, inputs []*graph.Node) []*graph.Node {
	tokens, mask, targets, weights := inputs[0], inputs[1], inputs[2], inputs[3]
	sum, count, grads := e.lossGraph(ctx, tokens, mask, targets, weights)
	inv := graph.Inverse(graph.Max(count, graph.ScalarOne(tokens.Graph(), dtypes.Float32)))
	for i := range grads {
		grads[i] = graph.Mul(grads[i], inv)
	}
	return []*graph.Node{sum, count, e.update(grads, inputs[4:])}
}

// update clips grads to the global norm as torch's clip_grad_norm_ does and
// applies the optimizer, given its scalars sc, to the parameters; it
// returns the norm before clipping.
func (e *engine) update(grads []*graph.Node, sc []*graph.Node) *graph.Node {
	g := sc[0].Graph()
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
		state := make([]*graph.Node, len(e.state[i]))
		for j, v := range e.state[i] {
			state[j] = v.NodeValue(g)
		}
		w, next := e.opt.update(p.NodeValue(g), grads[i], state, sc)
		for j, v := range e.state[i] {
			v.SetNodeValue(next[j])
		}
		p.SetNodeValue(w)
	}
	return norm
}

// scalars returns the optimizer's scalars for the next step as the
// arguments of an exec.
func (e *engine) scalars(lr float64) []any {
	var out []any
	for _, s := range e.opt.scalars(lr, e.step+1) {
		out = append(out, float32(s))
	}
	return out
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
	inv := 0.0
	if count > 0 {
		inv = 1 / count
	}
	res, err := e.compiled.Exec(e.apply, append([]any{float32(inv)}, e.scalars(lr)...)...)
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
	res, err := e.compiled.Exec(e.single, append([]any{in.Tokens, in.Mask, in.Targets, in.Weights}, e.scalars(lr)...)...)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("lora: training step: %w", err)
	}
	e.step++
	return float64(tensors.ToScalar[float32](res[0])), float64(tensors.ToScalar[float32](res[1])), float64(tensors.ToScalar[float32](res[2])), nil
}

// evalLoss returns the token-weighted mean loss of batches, without
// dropout; it checks ctx between batches.
func (e *engine) evalLoss(ctx context.Context, batches []llamagraph.Inputs) (loss float64, err error) {
	defer busy.Enter(ctx)()
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
