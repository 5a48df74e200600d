"""llamacpp_logits.py REQUEST_JSON: llama.cpp's logits for GGUF models, with
or without a LoRA adapter, for the tests of builtins/llama and builtins/lora (package
internal/testfiles runs it).

REQUEST_JSON holds {"ids": [...], "runs": [{"model": GGUF, "lora": GGUF or
null, "out": PATH}, ...]}. For each run llama-cpp-python 0.3.36 loads the
model on the CPU (and the adapter, at scale 1, with lora_path), evaluates
the ids in one batch and writes to PATH the logits at every position,
float32 little-endian, [len(ids), vocab].

The KV cache is float32 and flash attention off, so that attention is
computed in float32 as golora computes it; the CPU's extra buffer types
(AMX, repacked weights) are off: their kernels are not those of the plain
CPU backend, and the AMX one crashes on some CPUs.
"""
import gc
import json
import sys

import llama_cpp
import numpy as np

with open(sys.argv[1]) as f:
    req = json.load(f)
ids = req["ids"]
for run in req["runs"]:
    llm = llama_cpp.Llama(
        model_path=run["model"], lora_path=run.get("lora"), n_ctx=len(ids), n_batch=len(ids),
        n_ubatch=len(ids), logits_all=True, type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32,
        flash_attn=False, use_extra_bufts=False, n_threads=2, n_threads_batch=2, verbose=False)
    llm.eval(ids)
    np.asarray(llm.scores[:len(ids)], dtype="<f4").tofile(run["out"])
    del llm
    gc.collect()
