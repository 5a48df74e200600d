// Package bench measures golora's LoRA training step against a plain
// PyTorch implementation of the same model (torch_lora.py), on the
// configurations that golora's benchmarks and the references share
// (configs.json): tokens per second, the step time's median and spread,
// peak memory, and the matrix-product GFLOP/s the step achieves, with the
// GFLOP/s the backend reaches on those products alone. `golora bench` prints
// the table; `make bench` runs it.
package bench
