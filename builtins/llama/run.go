package llama

import (
	"context"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/busy"
	"github.com/golora/golora/internal/llamagraph"
)

// IgnoreLabel marks a label that the loss does not score, as in Hugging Face
// (the -100 of transformers).
const IgnoreLabel = llamagraph.IgnoreLabel

// Batch is a batch of token sequences of equal length, in the form
// Hugging Face models take them.
type Batch struct {
	// Tokens holds the rows of token ids, all of the same length; padding
	// (any valid id) goes on the right.
	Tokens [][]int
	// Mask is the attention mask: 1 for real tokens, 0 for padding. Nil
	// means every token is real. A row may also pack several examples: a
	// value k ≥ 1 is then the number of the example (segment) the token
	// belongs to, each segment one contiguous run (1 1 1 2 2 3 3 0 0 holds
	// three examples and two pads), and padding only after the last
	// segment. A token attends only to the tokens of its own segment up to
	// itself, positions restart at 0 at each segment's first token, and an
	// example's last token is not scored on the next example's first.
	Mask [][]int
	// Labels gives, for each position, the token the model should have
	// predicted there from the positions before it (usually the token
	// itself), or IgnoreLabel for a position the loss must not score: a
	// prompt, padding. Nil means no loss.
	Labels [][]int
}

// inputs validates b and converts it to the tensors the model's graphs take
// (see llamagraph.NewInputs).
func (b Batch) inputs(vocab int) (llamagraph.Inputs, error) {
	return llamagraph.NewInputs(b.Tokens, b.Mask, b.Labels, vocab)
}

// Output is the result of Forward.
type Output struct {
	// Logits holds [Rows][Seq][Vocab] logits, row-major.
	Logits           []float32
	Rows, Seq, Vocab int
	// Loss is the mean cross entropy over the labelled positions (NaN when
	// the batch has no labels).
	Loss float64
}

// At returns the logits of row r at position t.
func (o Output) At(r, t int) []float32 {
	i := (r*o.Seq + t) * o.Vocab
	return o.Logits[i : i+o.Vocab]
}

// Forward runs the model on a batch and returns its logits and, when the
// batch has labels, its loss.
func (m *Model) Forward(ctx context.Context, b Batch) (out Output, err error) {
	defer busy.Enter(ctx)()
	defer recoverTo(&err, "forward")
	if err := ctx.Err(); err != nil {
		return Output{}, err
	}
	in, err := b.inputs(m.Config.VocabSize)
	if err != nil {
		return Output{}, err
	}
	exec, err := execFor(m, "forward", func(ctx *model.Scope, tokens, mask, targets, weights *graph.Node) (*graph.Node, *graph.Node) {
		logits := m.logitsGraph(ctx, tokens, mask)
		return logits, crossEntropy(logits, targets, weights)
	})
	if err != nil {
		return Output{}, err
	}
	res, err := m.compiled.Exec(exec, in.Tokens, in.Mask, in.Targets, in.Weights)
	if err != nil {
		return Output{}, fmt.Errorf("llama: forward: %w", err)
	}
	out = Output{Logits: tensors.MustCopyFlatData[float32](res[0]), Rows: in.Rows, Seq: in.Seq, Vocab: m.Config.VocabSize, Loss: math.NaN()}
	if b.Labels != nil {
		out.Loss = float64(tensors.ToScalar[float32](res[1]))
	}
	return out, nil
}

// Gradients runs the forward and backward pass of the loss on a labelled
// batch and returns the loss and its gradient with respect to every
// trainable variable of the model's context: an adapter's variables, or
// every weight after SetTrainable(true). Gradients are keyed by weight name
// for the model's weights and by scope/name for other variables.
func (m *Model) Gradients(ctx context.Context, b Batch) (loss float64, grads map[string][]float32, err error) {
	defer busy.Enter(ctx)()
	defer recoverTo(&err, "gradients")
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if b.Labels == nil {
		return 0, nil, fmt.Errorf("llama: Gradients needs a batch with labels")
	}
	in, err := b.inputs(m.Config.VocabSize)
	if err != nil {
		return 0, nil, err
	}
	// The graph function runs once per shape, from whichever call first
	// meets it: it leaves the names of the gradients it makes on the model.
	exec, err := execFor(m, "gradients", func(ctx *model.Scope, inputs []*graph.Node) []*graph.Node {
		loss := m.lossGraph(ctx, inputs[0], inputs[1], inputs[2], inputs[3])
		g := loss.Graph()
		var wrt []*graph.Node
		var names []string
		for v := range ctx.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) {
				wrt = append(wrt, v.NodeValue(g))
				names = append(names, m.variableName(v))
			}
		}
		m.mu.Lock()
		m.gradientNames = names
		m.mu.Unlock()
		return append([]*graph.Node{loss}, graph.Gradient(loss, wrt...)...)
	})
	if err != nil {
		return 0, nil, err
	}
	res, err := m.compiled.Exec(exec, in.Tokens, in.Mask, in.Targets, in.Weights)
	if err != nil {
		return 0, nil, fmt.Errorf("llama: gradients: %w", err)
	}
	m.mu.Lock()
	names := m.gradientNames
	m.mu.Unlock()
	grads = map[string][]float32{}
	for i, name := range names {
		grads[name] = tensors.MustCopyFlatData[float32](res[i+1])
	}
	return float64(tensors.ToScalar[float32](res[0])), grads, nil
}

// variableName returns the Hugging Face name of a model weight, or the
// scope/name of any other variable.
func (m *Model) variableName(v *model.Variable) string {
	for name, w := range m.weights {
		if w == v {
			return name
		}
	}
	return v.Path()
}

// exec returns the compiled entry point called name, creating it with fn on
// first use. An Exec compiles one graph per distinct input shape and keeps
// them, so the same shapes never compile twice.
func execFor[F model.ExecGraphFn](m *Model, name string, fn F) (*model.Exec, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.execs[name]; e != nil {
		return e, nil
	}
	e, err := model.NewExec(m.backend, m.store, fn)
	if err != nil {
		return nil, fmt.Errorf("llama: compiling %s: %w", name, err)
	}
	m.execs[name] = e
	return e, nil
}

// recoverTo turns a panic of graph code into an error in *err.
func recoverTo(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("llama: %s: %v", what, r)
	}
}
