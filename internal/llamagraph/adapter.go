package llamagraph

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Linear identifies one linear module of the model, a weight W [Out, In]
// that maps x [batch, seq, In] to y = x·Wᵀ [batch, seq, Out]. Package llama
// names it llama.Linear.
type Linear struct {
	Layer int
	// Module is the module's Hugging Face (and PEFT target_modules) name:
	// q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj or down_proj.
	Module  string
	In, Out int
}

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

// An Adapter changes what linear modules compute; LoRA is one. The forward
// pass calls Adapt for every linear module l with the module's input x
// [batch, seq, l.In] and its frozen output y = x·Wᵀ [batch, seq, l.Out], and
// uses what Adapt returns (same shape as y) instead of y. An adapter that
// leaves a module alone returns y.
//
// scope is a scope of the model's variable store (Model.Store): an adapter
// keeps its variables there under a scope of its own, makes them trainable,
// and reads scope.IsTraining(g) to apply dropout only in training. Matrix
// products should use Product, whose gradient is made of products.
//
// Adapt runs while a graph is built (once per compiled shape), not per step.
type Adapter interface {
	Adapt(scope *model.Scope, l Linear, x, y *Node) *Node
}

// AdapterFunc lets an ordinary function be an Adapter.
type AdapterFunc func(scope *model.Scope, l Linear, x, y *Node) *Node

// Adapt calls f.
func (f AdapterFunc) Adapt(scope *model.Scope, l Linear, x, y *Node) *Node { return f(scope, l, x, y) }
