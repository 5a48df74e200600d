// Package llama runs LLaMA-architecture causal language models on GoMLX and
// computes what Hugging Face transformers' LlamaForCausalLM computes: RMSNorm,
// rotary positions (with rope_theta and Llama 3 scaling), grouped-query
// attention, SiLU-gated MLPs, a tied or untied LM head, and the mean
// cross entropy over the tokens a mask selects.
//
// Load reads a Hugging Face model folder (config.json, model.safetensors or
// a sharded index; F32, F16 or BF16 weights) into variables of a GoMLX
// model.Store: the matrices in float32, or in bfloat16 or float16 with
// Options.DType (the default: float32 on a CPU, the file's dtype on a GPU),
// the norms in float32. The activations are float32; the products run in the
// weights' dtype (or in the one SetComputeDType sets) with float32
// accumulation. It runs on GoMLX's pure-Go backend (compute/gobackend) by
// default or on XLA when GOMLX_BACKEND names it and its PJRT plugin is
// installed (see Backend, which also names the Go backend's matrix kernels:
// MatrixKernels).
//
// # The cell API and the graph API
//
// What cells see (through the symbol table in builtins/symbols) is the cell
// API: loading, the summary, Forward, Gradients, Generate, Chat, Perplexity,
// saving, and the dtypes by name (WeightDType, SetComputeDType). Cells can
// neither build graphs nor name a GoMLX dtype, so the graph-level API that
// package lora and the benchmark build on is in internal/llamagraph, which
// no symbol table lists: the Adapter interface, Product, the tensors of a
// batch (llamagraph.Inputs), and a model's store, backend, weights'
// variables and graph-building methods (llamagraph.Model), which GraphOf
// returns. GraphOf is the one exported name of this package that the
// symbol table leaves out (yaegi calls any exported method of a value it
// holds, so those methods are not methods of Model).
//
// # For adapters and trainers
//
// The weights are frozen: LoRA (package lora) attaches an adapter
// (llamagraph.Adapter), which the forward pass calls for every linear
// module (Linears lists them with their shapes); WithAdapter returns a
// model that applies one, and WithGradientCheckpointing one that recomputes
// each layer in the backward pass. GraphOf(m).LogitsGraph and LossGraph
// build the forward pass and the masked loss inside a graph, from the
// tensors llamagraph.NewInputs makes of a batch; the adapter's trainable
// variables, kept in the model's store, are then the only ones that
// model.Scope.BuildTrainableVariablesGradientsGraph and GoMLX's optimizers
// differentiate. A training step is
//
//	g := llama.GraphOf(m.WithAdapter(myLoRA))
//	step, err := model.NewExec(g.Backend(), g.Store(),
//		func(scope *model.Scope, tokens, mask, targets, weights *graph.Node) *graph.Node {
//			scope.Store().SetTraining(tokens.Graph(), true)
//			loss := g.LossGraph(scope, tokens, mask, targets, weights)
//			optimizer.Adam().Done().UpdateGraph(scope, tokens.Graph(), loss)
//			return loss
//		})
//
// SetTrainable(true) makes every weight trainable, for full fine-tuning or
// pretraining (NewRandom makes a model to pretrain). Gradients runs one
// forward and backward pass and returns the gradients.
//
// # Packed rows
//
// A row of a Batch may hold several examples, one after the other, to
// waste no positions on padding: Batch.Mask then numbers each token's
// example (segment) from 1, 0 marking padding, which goes after the last
// example (1 1 1 2 2 3 3 3 0 0 is three examples and two pads). A token
// attends only to the tokens of its own example up to itself, the rotary
// positions restart at 0 at each example's first token, and an example's
// last token is not scored on the next one's first: each example's logits,
// loss and gradients are those it has alone in a row. The batch's
// conversion to tensors (llamagraph.NewInputs) checks that every example is
// one contiguous run and that no value is negative, and carries the numbers
// in the float32 mask tensor; the forward pass and the loss derive from it,
// inside the graph, a [batch, seq, seq] matrix of the pairs of tokens in the
// same example, which gives both the attention mask and the positions (a
// query's position is the number of earlier tokens of its example), on any
// backend. A mask of ones and zeros gives the same logits, to the bit, as
// before segments existed (a row of one example keeps the positions
// 0…seq−1 whatever its padding), and generation, which runs one sequence,
// does not use a mask. One difference
// for masks of ones and zeros: a label on a padding position is no longer a
// target. The fused attention of XLA's CUDA plugin (see below) masks by
// sequence length only and does not know segments: a model whose products
// run in half precision there attends across the examples of a packed row,
// so pack only where it does not (GOMLX_FUSION=false turns it off).
//
// # GoMLX v0.28.2 on the CPU
//
// Checked on GoMLX v0.28.2 with compute v0.1.2 and go-xla v0.4.1, on the
// Go backend built with and without GOEXPERIMENT=simd and on XLA's CPU
// plugin (the GoMLX v0.26 facts they replace are in the design notes):
//
//   - The Go backend now has Pad and Reverse, and the gradients of Slice,
//     SliceAxis and Split work; it still lacks DynamicSlice and
//     DynamicUpdateSlice ("not implemented in the go backend"), and the
//     gradient of CumSum fails in its Pad (an index out of range that kills
//     the process under the default executor). The KV cache is still
//     written with a one-hot Where (generate.go) and headLoss still stops
//     the gradient after its slices (loss.go); rotate-half is still a
//     product with a constant signed permutation (rope.go), which needs no
//     Slice at all.
//   - Rsqrt still has no gradient on any backend: RMSNorm divides by Sqrt.
//   - The stock gradient of DotGeneral is now made of DotGenerals (nothing
//     larger than the operands and the output), but it panics with a wrong
//     shape when the contracting axes are not in increasing order on both
//     sides. llamagraph.Product keeps its own gradient
//     (internal/llamagraph/product.go) for that, and because ProductsOf
//     reads the products' axes from it for the benchmark's raw-product
//     timing. Dot is now a builder, not a node: its separate gradient is
//     gone.
//   - The Go backend's default executor still deadlocks on two cores (ops
//     run in parallel take every worker slot, then wait for slots for their
//     own inner work): golora runs it with parallelism=-1 (backend.go).
//   - Binary ops still do not broadcast across ranks: [D] is reshaped to
//     [1,1,1,D] first.
//   - A model.Store returns the existing variable when one is created again
//     (the v0.26 context had to be unchecked for that); Scope.In panics on a
//     second visit of the same name from the same scope, so golora's graph
//     code uses Scope.At and Store.Scope.
//   - Node.Checkpoint and StopCheckpoint (gradient checkpointing) give the
//     same gradients on the Go backend and on XLA.
//   - Matrix products (float32, 2 cores, AVX2): 28–33 GFLOP/s with
//     GOEXPERIMENT=simd, 6–6.5 with the portable kernels (MatrixKernels
//     says which). The half-precision kernels are wrong with the
//     experiment (off by 10.9 on [128×128]·[128×128]ᵀ, where rounding
//     explains 0.05; the layout every linear module uses) and 30–100 times
//     slower than float32 in either build: productIn computes half
//     products on the Go backend in float32 from the rounded operands.
//   - Fused scaled dot-product attention is cuDNN's flash attention on XLA's
//     CUDA plugin only (bfloat16 or float16, causal, padding as sequence
//     lengths, grouped-query heads; forward and gradient). A model whose
//     products run in half precision attends through it there (the
//     [batch, heads, seq, seq] scores never exist); everywhere else
//     InternalFusedOpCaller falls back to golora's own attention. XLA's CPU
//     plugin refuses the op, and compute v0.1.2 builds its Go kernel but
//     does not advertise it (its products are slower than the SIMD ones).
//     GOMLX_FUSION=false turns it off.
//   - Two products of the same shapes on the same operands in one graph are
//     one node (both backends merge identical nodes), so the bench times each
//     distinct product of a step alone and counts it as often as the step
//     makes it.
//
// # GOEXPERIMENT=simd
//
// The Go backend's AVX2 and AVX-512 matrix kernels are written with Go
// 1.26's simd/archsimd, which exists only under GOEXPERIMENT=simd; the
// Makefile and CI set it. A build without it (arm64, or a Go release that
// drops or renames the experiment) compiles GoMLX's portable kernels and
// golora's kernels_portable.go, works the same and is 4–5 times slower on
// matrix products, and MatrixKernels (and so Backend and the model summary)
// says "portable (built without GOEXPERIMENT=simd)". If a later Go makes
// simd/archsimd standard, kernels_simd.go's build constraint
// (goexperiment.simd) must follow compute's.
package llama
