package llamagraph

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Model is the graph-level API of a llama.Model, which llama.GraphOf
// returns: what a trainer needs to build and run graphs with the model.
type Model interface {
	// Store returns the GoMLX variable store that holds the model's
	// weights. Graph code (an Adapter, an optimizer) adds its own variables
	// to it, under a scope of its own (Store().Scope("/lora")), and executes
	// with it (model.NewExec(Backend(), Store(), …)). Creating a variable
	// that exists returns the existing one, so that building a graph again
	// (a re-run cell) works.
	Store() *model.Store

	// Backend returns the GoMLX backend the model computes on.
	Backend() compute.Backend

	// Weight returns the variable that holds the named weight (a Hugging
	// Face tensor name such as "model.layers.0.self_attn.q_proj.weight"),
	// or nil.
	Weight(name string) *model.Variable

	// LogitsGraph builds the forward pass of LlamaForCausalLM: tokens
	// [batch, seq] (int32), mask [batch, seq] (float32, as llama.Batch.Mask:
	// 1 for real tokens and 0 for padding, or each token's segment number in
	// packed rows; nil when every token is real) → logits [batch, seq,
	// vocab] (float32). Positions count from 0 in every row, and again at
	// every segment of a packed row, so padding goes on the right; a token
	// attends only to its own segment. The model's adapter, if any, is
	// applied to every linear module.
	LogitsGraph(scope *model.Scope, tokens, mask *Node) *Node

	// LossGraph builds the mean cross entropy of the model's next-token
	// predictions over the tokens [batch, seq]: targets [batch, seq]
	// (int32) is the token each position must predict (the next token),
	// weights [batch, seq] (float32) how much that prediction counts: 0 for
	// a prompt token that training must not score, for padding, and for the
	// last position. It is the cross entropy of LogitsGraph, computed
	// without materialising the gradient of the logits.
	LossGraph(scope *model.Scope, tokens, mask, targets, weights *Node) *Node

	// LossSumGraph is LossGraph as its two parts: the weighted sum of the
	// negative log-likelihoods and the sum of the weights. Gradient
	// accumulation adds the sums of several micro-batches and divides
	// once, so that every scored token of an optimizer step weighs the
	// same.
	LossSumGraph(scope *model.Scope, tokens, mask, targets, weights *Node) (sum, count *Node)
}
