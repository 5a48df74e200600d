"""Reference LoRA training with PyTorch, transformers and PEFT.

For each case below, on the tiny transformers model of builtins/llama/testdata
(models/gqa), this script:
  - makes a PEFT LoRA adapter with PEFT's own initialisation (seeded) and saves
    it (peft/<case>/init): golora loads it, so both start from the same weights;
  - trains it for 5 optimizer steps on fixed examples (examples.json), 2
    micro-batches per step, the loss of a step being the mean over all its
    scored tokens, with the case's optimizer, weight decay, clipping and
    scheduler;
  - records each step's loss, learning rate and gradient norm, saves the
    trained adapter (peft/<case>/final) and the logits it gives on a probe
    batch (peft/<case>/expected.json).

Run from this folder with a Python that has torch, transformers, peft and
safetensors (the project's .venv after `make venv`):

    python peft_reference.py
"""
import json
import math
import os

import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaForCausalLM, get_scheduler

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "..", "llama", "testdata", "models", "gqa")
STEPS = 5
MICRO = 2
ACCUM = 2

CASES = [
    dict(name="adamw-qv", r=4, alpha=8, targets=["q_proj", "v_proj"], rslora=False, optimizer="adamw",
         lr=1e-2, weight_decay=0.01, max_norm=1.0, scheduler="linear", warmup=2),
    dict(name="adam-all-rslora", r=2, alpha=4, targets=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
         rslora=True, optimizer="adam", lr=5e-3, weight_decay=0.001, max_norm=0.05, scheduler="cosine", warmup=1),
    dict(name="sgd-o-up", r=3, alpha=3, targets=["o_proj", "up_proj"], rslora=False, optimizer="sgd",
         lr=0.5, weight_decay=0.0, max_norm=0.0, scheduler="constant", warmup=0),
]


def make_examples():
    rng = np.random.default_rng(1)
    examples = []
    for _ in range(8):
        n = int(rng.integers(5, 21))
        ids = [1] + [int(x) for x in rng.integers(3, 256, n - 1)]
        prompt = int(rng.integers(1, n // 2 + 1))
        scored = [i >= prompt and i > 0 for i in range(n)]
        examples.append({"ids": ids, "scored": scored})
    return examples


def micro_batches(examples, step):
    """The micro-batches of a step: examples taken in order, 4 a step."""
    start = (step * MICRO * ACCUM) % len(examples)
    chosen = [examples[(start + i) % len(examples)] for i in range(MICRO * ACCUM)]
    return [chosen[i:i + MICRO] for i in range(0, len(chosen), MICRO)]


def tensors(batch):
    n = max(len(e["ids"]) for e in batch)
    ids = torch.zeros((len(batch), n), dtype=torch.long)
    mask = torch.zeros((len(batch), n), dtype=torch.long)
    labels = torch.full((len(batch), n), -100, dtype=torch.long)
    for r, e in enumerate(batch):
        for t, tok in enumerate(e["ids"]):
            ids[r, t] = tok
            mask[r, t] = 1
            if e["scored"][t]:
                labels[r, t] = tok
    return ids, mask, labels


def loss_sum(model, batch):
    ids, mask, labels = tensors(batch)
    logits = model(input_ids=ids, attention_mask=mask).logits
    target = labels[:, 1:]
    lsum = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100, reduction="sum")
    return lsum, int((target != -100).sum())


def run(case, examples):
    out = os.path.join(HERE, "peft", case["name"])
    torch.manual_seed(1234)
    base = LlamaForCausalLM.from_pretrained(MODEL, dtype=torch.float32)
    cfg = LoraConfig(r=case["r"], lora_alpha=case["alpha"], lora_dropout=0.0, target_modules=case["targets"],
                     use_rslora=case["rslora"], bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(base, cfg)
    model.save_pretrained(os.path.join(out, "init"))
    params = [p for p in model.parameters() if p.requires_grad]
    if case["optimizer"] == "adamw":
        opt = torch.optim.AdamW(params, lr=case["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=case["weight_decay"])
    elif case["optimizer"] == "adam":
        opt = torch.optim.Adam(params, lr=case["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=case["weight_decay"])
    else:
        opt = torch.optim.SGD(params, lr=case["lr"], weight_decay=case["weight_decay"])
    sched = get_scheduler(case["scheduler"], opt, num_warmup_steps=case["warmup"], num_training_steps=STEPS)
    steps = []
    model.train()
    for step in range(STEPS):
        opt.zero_grad()
        mbs = micro_batches(examples, step)
        total = sum(loss_sum(model, mb)[1] for mb in mbs)  # counting needs no gradient, but is cheap
        opt.zero_grad()
        lsum_all = 0.0
        for mb in mbs:
            lsum, _ = loss_sum(model, mb)
            (lsum / total).backward()
            lsum_all += float(lsum)
        if case["max_norm"] > 0:
            norm = float(torch.nn.utils.clip_grad_norm_(params, case["max_norm"]))
        else:
            norm = float(torch.norm(torch.stack([torch.norm(p.grad) for p in params])))
        lr = sched.get_last_lr()[0]
        opt.step()
        sched.step()
        steps.append({"loss": lsum_all / total, "lr": lr, "grad_norm": norm, "tokens": total})
    model.save_pretrained(os.path.join(out, "final"))
    model.eval()
    probe = micro_batches(examples, 0)[0]
    ids, mask, _ = tensors(probe)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump({"case": case, "steps": steps, "probe": {"ids": ids.tolist(), "mask": mask.tolist(),
                   "logits": [round(x, 6) for x in logits.flatten().tolist()]}}, f)
    print(case["name"], [round(s["loss"], 5) for s in steps])


def main():
    examples = make_examples()
    with open(os.path.join(HERE, "examples.json"), "w") as f:
        json.dump({"examples": examples, "micro_batch": MICRO, "accumulation": ACCUM, "steps": STEPS}, f)
    for case in CASES:
        run(case, examples)


if __name__ == "__main__":
    main()
