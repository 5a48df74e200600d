"""adafactor_reference.py: runs transformers' Adafactor as the Trainer does
for optim="adafactor" (scale_parameter=False, relative_step=False) on the
values and gradients read as JSON from stdin, and prints the values after
each step as JSON.

Input: {"weight_decay": wd, "lr": [lr of step 1, ...],
        "params": [{"shape": [...], "value": [...], "grads": [[step 1], ...]}]}
Output: {"steps": [[values of param 0, of param 1, ...] after step 1, ...]}

golora's TestAdafactorMatchesTransformers runs it through $GOLORA_PYTHON."""
import json
import sys

import torch
from transformers.optimization import Adafactor


def main():
    spec = json.load(sys.stdin)
    params = [torch.tensor(p["value"], dtype=torch.float32).reshape(p["shape"]).requires_grad_() for p in spec["params"]]
    opt = Adafactor(params, lr=spec["lr"][0], scale_parameter=False, relative_step=False, warmup_init=False,
                    weight_decay=spec["weight_decay"])
    steps = []
    for s, lr in enumerate(spec["lr"]):
        for group in opt.param_groups:
            group["lr"] = lr
        for p, ps in zip(params, spec["params"]):
            p.grad = torch.tensor(ps["grads"][s], dtype=torch.float32).reshape(ps["shape"])
        opt.step()
        steps.append([p.detach().flatten().tolist() for p in params])
    json.dump({"steps": steps}, sys.stdout)


if __name__ == "__main__":
    main()
