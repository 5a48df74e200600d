"""peft_logits.py MODEL ADAPTER BATCH_JSON: loads the adapter folder with
PeftModel.from_pretrained on the transformers model, runs the batch
({"ids": [[...]], "mask": [[...]]}) and prints the logits as JSON.

golora's tests run it (through $GOLORA_PYTHON) on adapters golora saved, to
prove that PEFT reads them and computes what golora computes."""
import json
import sys

import torch
from peft import PeftModel
from transformers import LlamaForCausalLM


def main():
    model_dir, adapter_dir, batch_file = sys.argv[1:4]
    base = LlamaForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter_dir)
    model.eval()
    batch = json.load(open(batch_file))
    with torch.no_grad():
        logits = model(input_ids=torch.tensor(batch["ids"]), attention_mask=torch.tensor(batch["mask"])).logits
    json.dump({"logits": logits.flatten().tolist()}, sys.stdout)


if __name__ == "__main__":
    main()
