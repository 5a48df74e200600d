"""Learning rates from Hugging Face transformers' get_scheduler, driven by a real
torch optimizer, for sched's tests.

Run from the repository root:

    /work/refvenv/bin/python builtins/sched/testdata/reference.py > builtins/sched/testdata/reference.json

For each case it builds an SGD optimizer with the case's learning rate, asks
transformers.get_scheduler for the named schedule and records the optimizer's
learning rate before each optimizer step, exactly as a training loop reads it.

transformers' polynomial schedule divides by total - warmup, so it raises
ZeroDivisionError at step == total when warmup == total. Such points are
recorded as null with "spec" holding the value golora's DESIGN.md formula gives
there (p = (s - W) / max(1, T - W), so the factor is 1).
"""

import json
import sys

import torch
import transformers
from transformers import get_scheduler

LR = 3e-4

# (warmup, total): no warmup, ordinary, warmup == total, warmup > total,
# total 1 with and without warmup, a longer run.
SHAPES = [(0, 10), (3, 10), (10, 10), (15, 10), (0, 1), (1, 1), (5, 1), (20, 200)]

# name -> list of (options for golora, scheduler_specific_kwargs for transformers)
VARIANTS = {
    "linear": [({}, {})],
    "cosine": [({}, {}), ({"cycles": 2.0}, {"num_cycles": 2.0})],
    "cosine_with_restarts": [({}, {}), ({"cycles": 3.0}, {"num_cycles": 3})],
    "polynomial": [
        ({}, {}),
        ({"power": 2.0, "lr_end": 1e-5}, {"power": 2.0, "lr_end": 1e-5}),
        ({"power": 0.5}, {"power": 0.5}),
    ],
    "constant": [({}, {})],
    "constant_with_warmup": [({}, {})],
    "inverse_sqrt": [({}, {}), ({"timescale": 7}, {"timescale": 7})],
}


def spec_polynomial(step, lr, warmup, total, lr_end, power):
    """DESIGN.md's polynomial factor times lr, where transformers divides by zero."""
    p = (step - warmup) / max(1, total - warmup)
    return lr * ((1 - lr_end / lr) * (1 - p) ** power + lr_end / lr)


def run(name, lr, warmup, total, kwargs, options):
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    scheduler = get_scheduler(
        name,
        optimizer,
        num_warmup_steps=warmup,
        num_training_steps=total,
        scheduler_specific_kwargs=dict(kwargs),
    )
    lrs, spec = [], {}
    broken = False
    for step in range(total + max(5, total // 10) + 1):
        if broken:
            lrs.append(None)
            spec[str(step)] = spec_polynomial(
                step, lr, warmup, total, options.get("lr_end", 1e-7), options.get("power", 1.0)
            )
        else:
            lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        try:
            scheduler.step()
            broken = False
        except ZeroDivisionError:
            if name != "polynomial" or warmup != total:
                raise
            broken = True
        if scheduler.last_epoch != step + 1:
            raise SystemExit(f"{name}: scheduler at epoch {scheduler.last_epoch}, want {step + 1}")
    case = {"name": name, "lr": lr, "warmup": warmup, "total": total, "options": options, "lrs": lrs}
    if spec:
        case["spec"] = spec
    return case


def main():
    cases = []
    for name, variants in VARIANTS.items():
        for options, kwargs in variants:
            for warmup, total in SHAPES:
                cases.append(run(name, LR, warmup, total, kwargs, options))
    # A second learning rate, so that the scaling by lr is checked too.
    cases.append(run("polynomial", 0.01, 4, 40, {"power": 3.0, "lr_end": 1e-3}, {"power": 3.0, "lr_end": 1e-3}))
    cases.append(run("cosine", 1.0, 4, 40, {}, {}))
    json.dump(
        {"transformers": transformers.__version__, "torch": torch.__version__, "cases": cases},
        sys.stdout,
        indent=1,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
