// Package llama runs LLaMA-architecture causal language models on GoMLX and
// computes what Hugging Face transformers' LlamaForCausalLM computes: RMSNorm,
// rotary positions (with rope_theta and Llama 3 scaling), grouped-query
// attention, SiLU-gated MLPs, a tied or untied LM head, and the mean
// cross entropy over the tokens a mask selects.
//
// Load reads a Hugging Face model folder (config.json, model.safetensors or
// a sharded index; F32, F16 or BF16 weights) into float32 variables of a
// GoMLX context. The model computes in float32, on simplego (pure Go) by
// default or on XLA when GOMLX_BACKEND names it and its PJRT plugin is
// installed (see Backend).
//
// # For adapters and trainers
//
// The weights are frozen: LoRA (package lora) attaches an Adapter, which
// the forward pass calls for every linear module (Linears lists them with
// their shapes); WithAdapter returns a model that applies one. LogitsGraph
// and LossGraph build the forward pass and the masked loss inside a graph;
// the adapter's trainable variables, kept in the model's Context, are then
// the only ones context.Context.BuildTrainableVariablesGradientsGraph and
// GoMLX's optimizers differentiate. SetTrainable(true) makes every weight
// trainable, for full fine-tuning or pretraining. Gradients runs one forward
// and backward pass and returns the gradients.
//
// # GoMLX on the CPU
//
// simplego lacks Pad, Reverse, DynamicSlice and DynamicUpdateSlice, and the
// gradients of Slice, Split and Concatenate are built from Pad, so the
// model's graphs use none of them where a gradient flows: rotate-half is a
// product with a constant signed permutation (rope.go), RMSNorm divides by
// Sqrt (Rsqrt has no gradient), the KV cache is written with a one-hot Where
// (generate.go). Every matrix product goes through Product, whose gradient
// is made of products instead of GoMLX's broadcast-and-reduce (product.go).
// simplego runs with ops_sequential, because its default executor deadlocks
// on two cores (backend.go). Graphs only read variables, never create them,
// so a notebook cell that builds them again (a re-run) does not trip the
// context's "variable already exists" check.
package llama
