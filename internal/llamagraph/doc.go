// Package llamagraph is the graph-level side of package llama: what code
// that builds GoMLX graphs with a model needs (package lora's adapters and
// trainer, the benchmark), and cells, which can neither build graphs nor
// name a dtype, do not see: no yaegi symbol table (builtins/symbols) lists
// it, and a model's graph-level API is reached through llama.GraphOf, which
// llama's table leaves out.
//
//   - Product is the matrix product whose gradient is made of products
//     (product.go); ProductsOf lists those of a graph, for the benchmark.
//   - An Adapter changes what the model's linear modules (Linear) compute;
//     llama.Model.WithAdapter applies one. LoRA is one (lora.Adapter).
//   - Model is a model's graph-level API, as llama.GraphOf returns it: its
//     variable store and backend, its weights' variables, and the forward
//     pass and the loss built inside a graph.
//   - Inputs are a batch as the tensors those graphs take (NewInputs makes
//     them from the rows of a llama.Batch).
//
// A training step with it:
//
//	g := llama.GraphOf(m.WithAdapter(myLoRA))
//	step, err := model.NewExec(g.Backend(), g.Store(),
//		func(scope *model.Scope, tokens, mask, targets, weights *graph.Node) *graph.Node {
//			scope.Store().SetTraining(tokens.Graph(), true)
//			loss := g.LossGraph(scope, tokens, mask, targets, weights)
//			optimizer.Adam().Done().UpdateGraph(scope, tokens.Graph(), loss)
//			return loss
//		})
package llamagraph
