// Package llama runs LLaMA-architecture causal language models on GoMLX and
// computes what Hugging Face transformers' LlamaForCausalLM computes: RMSNorm,
// rotary positions (with rope_theta and Llama 3 scaling), grouped-query
// attention, SiLU-gated MLPs, a tied or untied LM head, and the mean
// cross entropy over the tokens a mask selects.
//
// Load reads a Hugging Face model folder (config.json, model.safetensors or
// a sharded index; F32, F16 or BF16 weights) into float32 variables of a
// GoMLX context. The model computes in float32 (its products in bfloat16
// after SetComputeDType, for a GPU), on simplego (pure Go) by
// default or on XLA when GOMLX_BACKEND names it and its PJRT plugin is
// installed (see Backend).
//
// # For adapters and trainers
//
// The weights are frozen: LoRA (package lora) attaches an Adapter, which
// the forward pass calls for every linear module (Linears lists them with
// their shapes); WithAdapter returns a model that applies one. LogitsGraph
// and LossGraph build the forward pass and the masked loss inside a graph,
// from the tensors Batch.Inputs makes; the adapter's trainable variables,
// kept in the model's Context, are then the only ones that
// context.Context.BuildTrainableVariablesGradientsGraph and GoMLX's
// optimizers differentiate. A training step is
//
//	adapted := m.WithAdapter(myLoRA)
//	step, err := context.NewExec(m.Backend(), m.Context(),
//		func(ctx *context.Context, tokens, mask, targets, weights *graph.Node) *graph.Node {
//			ctx.SetTraining(tokens.Graph(), true)
//			loss := adapted.LossGraph(ctx, tokens, mask, targets, weights)
//			optimizers.Adam().Done().UpdateGraph(ctx, tokens.Graph(), loss)
//			return loss
//		})
//
// SetTrainable(true) makes every weight trainable, for full fine-tuning or
// pretraining (NewRandom makes a model to pretrain). Gradients runs one
// forward and backward pass and returns the gradients.
//
// # GoMLX on the CPU
//
// simplego lacks Pad, Reverse, DynamicSlice and DynamicUpdateSlice, and the
// gradients of Slice, Split and Concatenate are built from Pad, so the
// model's graphs use none of them where a gradient flows: rotate-half is a
// product with a constant signed permutation (rope.go), RMSNorm divides by
// Sqrt (Rsqrt has no gradient), the KV cache is written with a one-hot Where
// (generate.go). Every matrix product goes through Product, whose gradient
// is made of products instead of GoMLX's broadcast-and-reduce (product.go);
// the LM head and the cross entropy give their gradients as one unit, so
// that the logits' gradient is never materialised (loss.go).
// simplego runs with unbounded workers, because its default pool deadlocks
// on two cores (backend.go). A GoMLX context panics with "variable already
// exists" when a graph that creates variables (an adapter's, an
// optimizer's) is built again, as a re-run notebook cell does; the model's
// context is unchecked, so that the second build finds the variables the
// first one made (model.go).
package llama
