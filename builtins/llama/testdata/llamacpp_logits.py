"""llamacpp_logits.py GGUF IDS_JSON OUT: llama.cpp's logits for a GGUF model,
for builtins/llama's TestGGUFMatchesLlamaCpp.

llama-cpp-python loads the GGUF file on the CPU, with a float32 KV cache and
without flash attention (so that the attention is computed in float32 as
transformers and golora compute it), and without the CPU's extra buffer types
(AMX and repacked weights: their kernels are not those of the plain CPU
backend, and the AMX one crashes on some CPUs). It evaluates the ids in
IDS_JSON["ids"] in one batch and writes:

  OUT  float32 little-endian, [len(ids), vocab]: the logits at every position
"""
import json
import sys

import llama_cpp
import numpy as np

path, ids_path, out = sys.argv[1:4]
with open(ids_path) as f:
    ids = json.load(f)["ids"]
llm = llama_cpp.Llama(
    model_path=path, n_ctx=len(ids), n_batch=len(ids), n_ubatch=len(ids), logits_all=True,
    type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32, flash_attn=False,
    use_extra_bufts=False, n_threads=2, n_threads_batch=2, verbose=False)
llm.eval(ids)
np.asarray(llm.scores[:len(ids)], dtype="<f4").tofile(out)
