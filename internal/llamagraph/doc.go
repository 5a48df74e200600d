// Package llamagraph is the graph-level side of package llama: what code
// that builds GoMLX graphs with a model needs (package lora's adapters and
// trainer, the benchmark), and cells, which can neither build graphs nor
// name a dtype, do not see: no yaegi symbol table (builtins/symbols) lists
// it.
//
// Product is the matrix product whose gradient is made of products
// (product.go); ProductsOf lists those of a graph, for the benchmark.
package llamagraph
