package llama

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Linear identifies one linear module of the model, a weight W [Out, In]
// that maps x [batch, seq, In] to y = x·Wᵀ [batch, seq, Out].
type Linear struct {
	Layer int
	// Module is the module's Hugging Face (and PEFT target_modules) name:
	// q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj or down_proj.
	Module  string
	In, Out int
}

// LinearModules are the names of the linear modules of each layer, in the
// order the layer applies them.
var LinearModules = []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

// Name returns the module's Hugging Face path, such as
// "model.layers.3.self_attn.q_proj"; its weight is Name()+".weight", and a
// PEFT adapter's tensors are "base_model.model."+Name()+".lora_A.weight".
func (l Linear) Name() string {
	block := "self_attn"
	switch l.Module {
	case "gate_proj", "up_proj", "down_proj":
		block = "mlp"
	}
	return fmt.Sprintf("model.layers.%d.%s.%s", l.Layer, block, l.Module)
}

// linearsOfLayer returns the linear modules of one layer.
func (c Config) linearsOfLayer(layer int) []Linear {
	d, q, kv, ff := c.HiddenSize, c.NumHeads*c.HeadDim, c.NumKVHeads*c.HeadDim, c.IntermediateSize
	return []Linear{
		{layer, "q_proj", d, q}, {layer, "k_proj", d, kv}, {layer, "v_proj", d, kv}, {layer, "o_proj", q, d},
		{layer, "gate_proj", d, ff}, {layer, "up_proj", d, ff}, {layer, "down_proj", ff, d},
	}
}

// Linears returns every linear module of the model, layer by layer, with
// its shape: what an adapter can attach to.
func (m *Model) Linears() []Linear {
	var out []Linear
	for layer := range m.Config.NumLayers {
		out = append(out, m.Config.linearsOfLayer(layer)...)
	}
	return out
}

// An Adapter changes what linear modules compute; LoRA is one. The forward
// pass calls Adapt for every linear module l with the module's input x
// [batch, seq, l.In] and its frozen output y = x·Wᵀ [batch, seq, l.Out], and
// uses what Adapt returns (same shape as y) instead of y. An adapter that
// leaves a module alone returns y.
//
// ctx is the model's context (Model.Context): an adapter keeps its variables
// there under a scope of its own, makes them trainable, and reads
// ctx.IsTraining(g) to apply dropout only in training. Matrix products should
// use llamagraph.Product, whose gradient is made of products.
//
// Adapt runs while a graph is built (once per compiled shape), not per step.
type Adapter interface {
	Adapt(ctx *model.Scope, l Linear, x, y *Node) *Node
}

// AdapterFunc lets an ordinary function be an Adapter.
type AdapterFunc func(ctx *model.Scope, l Linear, x, y *Node) *Node

// Adapt calls f.
func (f AdapterFunc) Adapt(ctx *model.Scope, l Linear, x, y *Node) *Node { return f(ctx, l, x, y) }

// WithAdapter returns a model that shares m's weights and context and
// applies a (nil for none) in every forward pass: in Generate, Perplexity,
// Forward and Gradients. Its compiled graphs are its own.
func (m *Model) WithAdapter(a Adapter) *Model {
	c := m.view()
	c.adapter = a
	return c
}

// view returns a model that shares everything of m's but its compiled graphs.
func (m *Model) view() *Model {
	return &Model{Config: m.Config, Dir: m.Dir, backend: m.backend, choice: m.choice, store: m.store,
		weights: m.weights, blocks: m.blocks, adapter: m.adapter, tok: m.tok, tokErr: m.tokErr, name: m.name, chatTemplate: m.chatTemplate, compute: m.compute,
		weightDType: m.weightDType, checkpoint: m.checkpoint, execs: map[string]*model.Exec{}}
}

// WithGradientCheckpointing returns a model that shares m's weights, context
// and adapter and, when on, recomputes each decoder layer's activations in
// the backward pass instead of keeping them from the forward pass: the
// gradients are the same, the memory of a training step holds one layer's
// activations instead of every layer's, and the step does about one more
// forward pass of work. It uses GoMLX's Node.Checkpoint at the input of
// every layer (and StopCheckpoint after the last), so a layer is recomputed
// from its input when the gradient reaches it.
func (m *Model) WithGradientCheckpointing(on bool) *Model {
	c := m.view()
	c.checkpoint = on
	return c
}

// GradientCheckpointing reports whether m recomputes its layers' activations
// in the backward pass (see WithGradientCheckpointing).
func (m *Model) GradientCheckpointing() bool { return m.checkpoint }

// Adapter returns the adapter the model applies, or nil.
func (m *Model) Adapter() Adapter { return m.adapter }
