// Package bench measures golora's LoRA training step against a plain
// PyTorch implementation of the same model (torch_lora.py), or against
// transformers + PEFT (torch_lora.py --peft), on the configurations that
// golora's benchmarks and the references share (configs.json): tokens per
// second, the step time's median and spread, training's peak memory, and the
// matrix-product GFLOP/s the step achieves. It also times every product of
// golora's step alone, with the shapes and axes the step gives it, on the
// same backend: the share of the step those products would take at that
// speed says how far the rest of the step is from free. Each distinct
// product is timed alone and counted as often as the step makes it (a
// backend runs identical products of one graph once);
// GOLORA_BENCH_PRODUCTS=1 prints them, one line each, to standard error.
// The products are read from the step's graph, built with llama.GraphOf
// and llamagraph.ProductsOf (internal/llamagraph). `golora bench` prints
// the table; `make bench` runs it; gpu.sh is the GPU check.
package bench
