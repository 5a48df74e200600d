#!/usr/bin/env bash
# gpu.sh: the one short GPU check of golora's LoRA step against PyTorch, on a
# machine with an NVIDIA GPU, PyTorch, and JAX's CUDA PJRT plugin
# (jax-cuda13-pjrt, whose xla_cuda_plugin.so is a PJRT plugin).
#
# Run from the repository root with a golora binary built beforehand:
#   bench/gpu.sh
#
# It prints golora's and PyTorch's figures on the gpu-1b configuration
# (bench/configs.json) and the model FLOP utilisation against the card's peak.
set -euo pipefail
plugin=$(python3 -c 'import jax_plugins.xla_cuda13 as p, os; print(os.path.join(os.path.dirname(p.__file__), "xla_cuda_plugin.so"))' 2>/dev/null ||
	find / -name xla_cuda_plugin.so -path '*cuda*' 2>/dev/null | head -1)
[ -n "$plugin" ] || { echo "gpu.sh: no xla_cuda_plugin.so found (pip install jax-cuda13-pjrt)" >&2; exit 1; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
case "$name" in
*H100*) peak=989e12 ;;  # dense bf16 tensor-core FLOP/s, SXM
*H200*) peak=989e12 ;;
*) peak=0 ;;
esac
# gpu-1b says bfloat16: golora runs the model's products in bfloat16
# (Model.SetComputeDType), transformers + PEFT run the model in bfloat16.
GOMLX_BACKEND="xla:$plugin" ./golora bench --python python3 --torch-device cuda --peft --warmup 3 --steps 10 gpu-1b | tee /tmp/gpu-bench.txt
echo "MFU = the GFLOP/s column / $(python3 -c "print($peak/1e9)") GFLOP/s (the card's dense bf16 peak)"
