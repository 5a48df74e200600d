package llama

import (
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/llamagraph"
)

// Linear identifies one linear module of the model, a weight W [Out, In]
// that maps x [batch, seq, In] to y = x·Wᵀ [batch, seq, Out]: its Layer, its
// Module (the Hugging Face and PEFT target_modules name, one of
// LinearModules) and its widths In and Out. Its Name method returns the
// module's Hugging Face path, such as "model.layers.3.self_attn.q_proj";
// its weight is Name()+".weight", and a PEFT adapter's tensors are
// "base_model.model."+Name()+".lora_A.weight". (The type is defined in
// internal/llamagraph, beside the adapters that receive it.)
type Linear = llamagraph.Linear

// LinearModules are the names of the linear modules of each layer, in the
// order the layer applies them.
var LinearModules = []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

// linearsOfLayer returns the linear modules of one layer, in the order of
// LinearModules, with their widths.
func (c Config) linearsOfLayer(layer int) []Linear {
	d, q, kv, ff := c.HiddenSize, c.NumHeads*c.HeadDim, c.NumKVHeads*c.HeadDim, c.IntermediateSize
	lin := func(module string, in, out int) Linear {
		return Linear{Layer: layer, Module: module, In: in, Out: out}
	}
	return []Linear{
		lin("q_proj", d, q), lin("k_proj", d, kv), lin("v_proj", d, kv), lin("o_proj", q, d),
		lin("gate_proj", d, ff), lin("up_proj", d, ff), lin("down_proj", ff, d),
	}
}

// Linears returns every linear module of a model of this configuration,
// layer by layer, with its shape.
func (c Config) Linears() []Linear {
	var out []Linear
	for layer := range c.NumLayers {
		out = append(out, c.linearsOfLayer(layer)...)
	}
	return out
}

// Linears returns every linear module of the model, layer by layer, with
// its shape: what an adapter can attach to.
func (m *Model) Linears() []Linear { return m.Config.Linears() }

// WithAdapter returns a model that shares m's weights and applies a (nil
// for none; a *lora.Adapter, or any llamagraph.Adapter) in every forward
// pass: in Generate, Chat, Perplexity, Forward and Gradients. Its compiled
// graphs are its own.
func (m *Model) WithAdapter(a llamagraph.Adapter) *Model {
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
