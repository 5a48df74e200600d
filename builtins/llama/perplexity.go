package llama

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/golora/golora/builtins/display"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/busy"
)

// PerplexityMethod names how Perplexity scores a text.
const PerplexityMethod = "strided sliding windows (Hugging Face perplexity guide): " +
	"windows of max_length tokens moved by stride, only tokens no earlier window scored are scored, " +
	"PPL = exp(token-weighted mean negative log-likelihood)"

// PerplexityResult is what Perplexity measured.
type PerplexityResult struct {
	PPL float64 // exp(NLL).
	// NLL is the mean negative log-likelihood per scored token, in nats.
	NLL               float64
	Tokens            int // Tokens of the text.
	Scored            int // Tokens scored (all but the first).
	Windows           int
	MaxLength, Stride int
	Method            string
}

// String summarises the result on one line.
func (r PerplexityResult) String() string {
	return fmt.Sprintf("perplexity %.4f (mean NLL %.4f nats) over %d scored tokens of %d, %d windows of max_length %d, stride %d",
		r.PPL, r.NLL, r.Scored, r.Tokens, r.Windows, r.MaxLength, r.Stride)
}

// Render shows the result as a small table.
func (r PerplexityResult) Render() display.Bundle {
	return display.TableCaption(r.String(), []string{"perplexity", "mean NLL", "tokens scored", "windows", "max_length", "stride", "method"},
		[][]string{{fmt.Sprintf("%.4f", r.PPL), fmt.Sprintf("%.4f", r.NLL), fmt.Sprint(r.Scored), fmt.Sprint(r.Windows),
			fmt.Sprint(r.MaxLength), fmt.Sprint(r.Stride), r.Method}})
}

// PerplexityIDs measures the model's perplexity on a token sequence with
// PerplexityMethod: window i covers tokens [i·stride, i·stride+maxLength),
// and scores only the tokens after the previous window's end, each with at
// least maxLength−stride tokens of context once the windows slide. A window's
// first token has no context and is never scored, so with stride ==
// maxLength (disjoint windows) one token per window goes unscored; with a
// smaller stride every token but the text's first is scored exactly once. stride must be
// in [1, maxLength]; maxLength at most the model's context length (0: the
// whole context length; stride 0: maxLength/2). The windows run 8 at a time
// as the rows of one batch; ctx is checked before every batch.
func (m *Model) PerplexityIDs(ctx context.Context, ids []int, maxLength, stride int) (res PerplexityResult, err error) {
	defer busy.Enter(ctx)()
	defer recoverTo(&err, "perplexity")
	if maxLength == 0 {
		maxLength = m.Config.MaxPositionEmbeddings
	}
	if stride == 0 {
		stride = max(1, maxLength/2)
	}
	switch {
	case len(ids) < 2:
		return res, fmt.Errorf("llama: perplexity needs at least 2 tokens, got %d", len(ids))
	case maxLength < 2 || maxLength > m.Config.MaxPositionEmbeddings:
		return res, fmt.Errorf("llama: perplexity max_length %d must be in [2, %d] (the model's context length)", maxLength, m.Config.MaxPositionEmbeddings)
	case stride < 1 || stride > maxLength:
		return res, fmt.Errorf("llama: perplexity stride %d must be in [1, max_length=%d]; a larger stride would skip tokens", stride, maxLength)
	}
	exec, err := execFor(m, "nll", func(ctx *model.Scope, tokens, mask, targets, weights *graph.Node) (*graph.Node, *graph.Node) {
		return crossEntropySum(m.logitsGraph(ctx, tokens, mask), targets, weights)
	})
	if err != nil {
		return res, err
	}
	length := min(maxLength, len(ids)) // Every window is padded to this length: one graph.
	res = PerplexityResult{Tokens: len(ids), MaxLength: maxLength, Stride: stride, Method: PerplexityMethod}
	// The windows, as the strided method cuts them.
	var windows []Batch
	prevEnd := 0
	for begin := 0; begin < len(ids); begin += stride {
		end := min(begin+maxLength, len(ids))
		windows = append(windows, windowBatch(ids[begin:end], end-prevEnd, length))
		prevEnd = end
		if end == len(ids) {
			break
		}
	}
	// They run perplexityRows at a time, as the rows of one batch: fewer
	// executions and larger products (on the Go backend the small products
	// of single rows ran at a fraction of its speed). A short last batch is
	// filled with unscored copies of its first row, so that one graph serves.
	total := 0.0
	for first := 0; first < len(windows); first += perplexityRows {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		var b Batch
		for i := first; i < first+perplexityRows; i++ {
			w := windows[min(i, len(windows)-1)]
			if i >= len(windows) {
				w = unscored(windows[first])
			}
			b.Tokens, b.Mask, b.Labels = append(b.Tokens, w.Tokens[0]), append(b.Mask, w.Mask[0]), append(b.Labels, w.Labels[0])
		}
		in, err := b.inputs(m.Config.VocabSize)
		if err != nil {
			return res, err
		}
		out, err := m.compiled.Exec(exec, in.Tokens, in.Mask, in.Targets, in.Weights)
		if err != nil {
			return res, fmt.Errorf("llama: perplexity: windows %d–%d: %w", first, min(first+perplexityRows, len(windows))-1, err)
		}
		total += float64(tensors.ToScalar[float32](out[0]))
		res.Scored += int(tensors.ToScalar[float32](out[1]))
	}
	res.Windows = len(windows)
	res.NLL = total / float64(res.Scored)
	res.PPL = math.Exp(res.NLL)
	return res, nil
}

// perplexityRows is how many windows PerplexityIDs runs in one batch.
const perplexityRows = 8

// unscored returns window with none of its tokens scored.
func unscored(w Batch) Batch {
	labels := slices.Repeat([]int{IgnoreLabel}, len(w.Labels[0]))
	return Batch{Tokens: w.Tokens, Mask: w.Mask, Labels: [][]int{labels}}
}

// windowBatch returns one window of tokens padded to length, whose last
// newTokens tokens are labelled (the first of the window cannot be
// predicted, so it is never scored).
func windowBatch(window []int, newTokens, length int) Batch {
	tokens := make([]int, length)
	mask := make([]int, length)
	labels := slices.Repeat([]int{IgnoreLabel}, length)
	copy(tokens, window)
	for i := range window {
		mask[i] = 1
		if i >= len(window)-newTokens {
			labels[i] = window[i]
		}
	}
	return Batch{Tokens: [][]int{tokens}, Mask: [][]int{mask}, Labels: [][]int{labels}}
}
