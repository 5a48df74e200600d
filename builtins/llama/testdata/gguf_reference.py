"""gguf_reference.py GGUF IDS_JSON OUT_PREFIX: transformers' reference outputs
for a GGUF model, for builtins/llama's TestGGUFMatchesTransformers.

transformers loads the GGUF file (AutoModelForCausalLM.from_pretrained with
gguf_file=, which dequantizes every tensor with the gguf package and undoes
llama.cpp's q/k row order) in float32 and writes:

  OUT_PREFIX.logits  float32 little-endian, [len(ids), vocab]: the logits of
                     the ids in IDS_JSON["ids"] at every position
  OUT_PREFIX.json    {"generated": the 40 tokens greedy decoding adds to
                     IDS_JSON["prompt"], "vocab": the vocabulary size}
"""
import json
import os
import sys

import numpy as np
import torch
from transformers import AutoModelForCausalLM

path, ids_path, out = sys.argv[1:4]
with open(ids_path) as f:
    req = json.load(f)
torch.manual_seed(0)
model = AutoModelForCausalLM.from_pretrained(
    os.path.dirname(path), gguf_file=os.path.basename(path), torch_dtype=torch.float32)
model.eval()
with torch.no_grad():
    logits = model(torch.tensor([req["ids"]])).logits[0]
    logits.numpy().astype("<f4").tofile(out + ".logits")
    prompt = torch.tensor([req["prompt"]])
    gen = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=40,
                         do_sample=False, eos_token_id=None, pad_token_id=0)
with open(out + ".json", "w") as f:
    json.dump({"generated": gen[0, len(req["prompt"]):].tolist(), "vocab": logits.shape[1]}, f)
