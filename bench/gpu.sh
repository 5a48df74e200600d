#!/usr/bin/env bash
# gpu.sh: the one short GPU check of golora's LoRA step against transformers +
# PEFT, on a machine with an NVIDIA GPU, PyTorch + PEFT, and JAX's CUDA PJRT
# plugin (jax-cuda13-pjrt, whose xla_cuda_plugin.so is a PJRT plugin that
# go-xla v0.4.1 opens by its path).
#
# Run from the repository root with a golora binary and the llama package's
# test binary built beforehand (the machine needs no Go):
#   make build && GOEXPERIMENT=simd go test -c -o llama.test ./builtins/llama
#   bench/gpu.sh
#
# It first runs TestFlashAttentionMatchesScaled on CUDA: golora's attention
# through cuDNN's flash attention (bfloat16 weights) against its own
# decomposed attention, forward and gradient. Then it prints, for gpu-1b
# (bench/configs.json: a Llama-3.2-1B-like shape, bfloat16 weights, seq
# 1024, micro-batch 8) with and without gradient checkpointing, and once
# with GoMLX's fused ops off (GOMLX_FUSION=false: no flash attention):
# golora's tokens/s, its MFU against the card's dense bf16 peak and its peak
# GPU memory (nvidia-smi, sampled every 100 ms; XLA does not preallocate:
# preallocate=false), then transformers + PEFT's figures measured in the
# same run (torch.cuda.max_memory_allocated).
set -euo pipefail
plugin=$(python3 -c 'import jax_plugins.xla_cuda13 as p, os; print(os.path.join(os.path.dirname(p.__file__), "xla_cuda_plugin.so"))' 2>/dev/null ||
	find / -name xla_cuda_plugin.so -path '*cuda*' 2>/dev/null | head -1)
[ -n "$plugin" ] || { echo "gpu.sh: no xla_cuda_plugin.so found (pip install jax-cuda13-pjrt)" >&2; exit 1; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
case "$name" in
*H100* | *H200*) peak=989e12 ;; # dense bf16 tensor-core FLOP/s, SXM
*) peak=0 ;;
esac
export GOMLX_BACKEND="xla:$plugin,preallocate=false"
out=${OUT:-/tmp}

# peakmem CMD…: runs CMD while sampling the GPU's used memory; prints the
# most seen, in MiB.
peakmem() {
	local log
	log=$(mktemp)
	nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 >"$log" &
	local sampler=$!
	"$@"
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	echo "peak GPU memory: $(sort -n "$log" | tail -1) MiB"
	rm -f "$log"
}

if [ -x llama.test ]; then
	echo "== flash attention against golora's own attention"
	(cd builtins/llama && ../../llama.test -test.run 'TestFlashAttentionMatchesScaled' -test.v) | tee -a "$out/gpu-bench.txt"
fi
for c in gpu-1b gpu-1b-ck; do
	echo "== golora $c"
	peakmem ./golora bench --python "" --warmup 3 --steps 10 "$c" | tee -a "$out/gpu-bench.txt"
done
echo "== golora gpu-1b without fused ops (no flash attention)"
GOMLX_FUSION=false peakmem ./golora bench --python "" --warmup 3 --steps 10 gpu-1b | tee -a "$out/gpu-bench.txt"
for c in gpu-1b gpu-1b-ck; do
	echo "== transformers + PEFT $c"
	python3 bench/torch_lora.py "$c" --device cuda --peft --warmup 3 --steps 10 | tee -a "$out/gpu-bench.txt"
done
echo "MFU = the GFLOP/s column / $(python3 -c "print($peak/1e9)") GFLOP/s (the card's dense bf16 peak)"
