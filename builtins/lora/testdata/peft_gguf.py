"""peft_gguf.py ADAPTER GGUF_NAME IDS_JSON OUT: PEFT's logits with an adapter
that golora trained on a GGUF model, for TestPEFTLoadsGGUFAdapter.

It loads the adapter folder as a PEFT user would, with only the GGUF file's
name to go on: AutoPeftModelForCausalLM.from_pretrained(ADAPTER,
gguf_file=GGUF_NAME) reads adapter_config.json's base_model_name_or_path,
loads the base with AutoModelForCausalLM.from_pretrained(that,
gguf_file=GGUF_NAME) (transformers dequantizes every tensor in float32) and
applies the adapter with PeftModel.from_pretrained. It writes:

  OUT  float32 little-endian, [len(ids), vocab]: the logits of the ids in
       IDS_JSON["ids"] at every position
"""
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # Everything is local: never ask the Hub.

import torch
from peft import AutoPeftModelForCausalLM, PeftModel

adapter, gguf_name, ids_path, out = sys.argv[1:5]
with open(ids_path) as f:
    ids = json.load(f)["ids"]
model = AutoPeftModelForCausalLM.from_pretrained(adapter, gguf_file=gguf_name, dtype=torch.float32)
assert isinstance(model, PeftModel), type(model)
model.eval()
with torch.no_grad():
    logits = model(input_ids=torch.tensor([ids])).logits[0]
logits.numpy().astype("<f4").tofile(out)
