package llama

import (
	"context"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// IgnoreLabel marks a label that the loss does not score, as in Hugging Face
// (the -100 of transformers).
const IgnoreLabel = -100

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

// Inputs is a Batch as the tensors LogitsGraph and LossGraph take: tokens
// [rows, seq] int32, mask [rows, seq] float32, targets [rows, seq] int32
// and weights [rows, seq] float32.
type Inputs struct {
	Tokens, Mask, Targets, Weights *tensors.Tensor
	Rows, Seq                      int
}

// Inputs validates b and converts it: the label at position t+1 becomes the
// target of position t, with weight 1 unless it is IgnoreLabel; the last
// position, ignored labels, padding and the first token of another segment
// than t's get weight 0. The mask tensor holds the segment numbers.
func (b Batch) Inputs(vocab int) (Inputs, error) {
	rows := len(b.Tokens)
	if rows == 0 || len(b.Tokens[0]) == 0 {
		return Inputs{}, fmt.Errorf("llama: empty batch")
	}
	seq := len(b.Tokens[0])
	if b.Mask != nil && len(b.Mask) != rows || b.Labels != nil && len(b.Labels) != rows {
		return Inputs{}, fmt.Errorf("llama: batch has %d rows of tokens, %d of mask and %d of labels", rows, len(b.Mask), len(b.Labels))
	}
	tokens := make([]int32, rows*seq)
	mask := make([]float32, rows*seq)
	targets := make([]int32, rows*seq)
	weights := make([]float32, rows*seq)
	for r, row := range b.Tokens {
		if len(row) != seq || b.Mask != nil && len(b.Mask[r]) != seq || b.Labels != nil && len(b.Labels[r]) != seq {
			return Inputs{}, fmt.Errorf("llama: batch row %d: tokens, mask and labels must all have length %d", r, seq)
		}
		if b.Mask != nil {
			if err := checkSegments(r, b.Mask[r]); err != nil {
				return Inputs{}, err
			}
		}
		for t, id := range row {
			if id < 0 || id >= vocab {
				return Inputs{}, fmt.Errorf("llama: batch row %d, position %d: token %d is outside the vocabulary of %d", r, t, id, vocab)
			}
			tokens[r*seq+t] = int32(id)
			mask[r*seq+t] = 1
			if b.Mask != nil {
				mask[r*seq+t] = float32(b.Mask[r][t])
			}
			if b.Labels == nil || t+1 == seq {
				continue
			}
			if b.Mask != nil && (b.Mask[r][t+1] == 0 || b.Mask[r][t] != 0 && b.Mask[r][t] != b.Mask[r][t+1]) {
				continue // Padding, or the next example's first token.
			}
			label := b.Labels[r][t+1]
			switch {
			case label == IgnoreLabel:
			case label < 0 || label >= vocab:
				return Inputs{}, fmt.Errorf("llama: batch row %d, position %d: label %d is neither a token nor IgnoreLabel", r, t+1, label)
			default:
				targets[r*seq+t] = int32(label)
				weights[r*seq+t] = 1
			}
		}
	}
	return Inputs{
		Tokens:  tensors.FromFlatDataAndDimensions(tokens, rows, seq),
		Mask:    tensors.FromFlatDataAndDimensions(mask, rows, seq),
		Targets: tensors.FromFlatDataAndDimensions(targets, rows, seq),
		Weights: tensors.FromFlatDataAndDimensions(weights, rows, seq),
		Rows:    rows, Seq: seq,
	}, nil
}

// maxSegment is the largest segment number a mask may hold: the float32
// mask tensor holds every integer up to it exactly.
const maxSegment = 1 << 24

// checkSegments validates row r of a mask (see Batch.Mask): no negative
// value, each segment one contiguous run, and, in a row of several
// segments, padding only after the last one.
func checkSegments(r int, mask []int) error {
	seen := map[int]bool{}
	current, firstPad, lastReal := 0, -1, -1
	for t, k := range mask {
		switch {
		case k < 0 || k > maxSegment:
			return fmt.Errorf("llama: batch row %d, position %d: mask value %d is neither padding (0) nor a segment number (1 to %d)", r, t, k, maxSegment)
		case k == 0:
			if firstPad < 0 {
				firstPad = t
			}
			continue
		case k != current && seen[k]:
			return fmt.Errorf("llama: batch row %d, position %d: segment %d resumes after segment %d began; each packed example must be one contiguous run", r, t, k, current)
		}
		seen[k], current, lastReal = true, k, t
	}
	if len(seen) > 1 && firstPad >= 0 && firstPad < lastReal {
		return fmt.Errorf("llama: batch row %d, position %d: padding before the row's last segment; in a row of several examples, padding goes after the last one", r, firstPad)
	}
	return nil
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
	defer recoverTo(&err, "forward")
	if err := ctx.Err(); err != nil {
		return Output{}, err
	}
	in, err := b.Inputs(m.Config.VocabSize)
	if err != nil {
		return Output{}, err
	}
	exec, err := execFor(m, "forward", func(ctx *model.Scope, tokens, mask, targets, weights *graph.Node) (*graph.Node, *graph.Node) {
		logits := m.LogitsGraph(ctx, tokens, mask)
		return logits, CrossEntropy(logits, targets, weights)
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
	defer recoverTo(&err, "gradients")
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if b.Labels == nil {
		return 0, nil, fmt.Errorf("llama: Gradients needs a batch with labels")
	}
	in, err := b.Inputs(m.Config.VocabSize)
	if err != nil {
		return 0, nil, err
	}
	// The graph function runs once per shape, from whichever call first
	// meets it: it leaves the names of the gradients it makes on the model.
	exec, err := execFor(m, "gradients", func(ctx *model.Scope, inputs []*graph.Node) []*graph.Node {
		loss := m.LossGraph(ctx, inputs[0], inputs[1], inputs[2], inputs[3])
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
