"""Writes the reference files of package safetensors' tests with Python's
safetensors and torch (run with /work/refvenv/bin/python from this folder).

- dtypes.safetensors: one tensor per dtype, special values included;
  dtypes.json gives each tensor's values as float32 bits (torch's own
  conversion to float32) and, for integers, the int64 values.
- written.safetensors: what safetensors.torch.save_file writes for the
  tensors that written.json describes (float32 bits and the dtype to store),
  so that Go's Write can be compared with it byte for byte (one metadata
  key: Python orders several keys by a per-process hash).
- sharded/: two shards and model.safetensors.index.json, as transformers
  writes a sharded checkpoint.
"""
import json
import os

import torch
from safetensors.torch import save_file

torch.manual_seed(0)
here = os.path.dirname(os.path.abspath(__file__))

special = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 1e-7, 6e-8, 3e38,
                        float("inf"), float("-inf"), float("nan"), 1 / 3])
floats = torch.cat([special, torch.randn(20) * 10])
tensors = {
    "f32": floats.reshape(4, 8).clone(),
    "f64": floats.double().reshape(2, 16).clone(),
    "f16": floats.half().reshape(32).clone(),
    "bf16": floats.bfloat16().reshape(2, 2, 8).clone(),
    "i64": torch.tensor([0, 1, -1, 2**40, -(2**40), 123456789], dtype=torch.int64),
    "i32": torch.tensor([[0, 1], [-1, 2**31 - 1], [-(2**31), 7]], dtype=torch.int32),
    "empty": torch.zeros(0, 3),
    "scalar": torch.tensor(7.5),
}
save_file(tensors, os.path.join(here, "dtypes.safetensors"), metadata={"format": "pt", "note": "golora"})


def bits(t):
    return t.float().reshape(-1).view(torch.int32).tolist()


expected = {}
for name, t in tensors.items():
    e = {"shape": list(t.shape), "float32_bits": [b & 0xFFFFFFFF for b in bits(t)]}
    if not t.is_floating_point():
        e["int64"] = t.reshape(-1).tolist()
    expected[name] = e
with open(os.path.join(here, "dtypes.json"), "w") as f:
    json.dump({"metadata": {"format": "pt", "note": "golora"}, "tensors": expected}, f, indent=1)

# Values that exercise rounding: ties, subnormals, overflow to infinity. No
# NaN: its bits after conversion differ between torch's code paths.
source = torch.cat([special[~special.isnan()], torch.randn(40) * 3, torch.tensor(
    [1 + 2**-11, 1 + 3 * 2**-11, 2**-24, 2**-25, 3 * 2**-26, 65520.0, 1 + 2**-8, 1 + 3 * 2**-8, 1e-40])])
written = {
    "weight.f32": (source[:30].reshape(5, 6), torch.float32),
    "weight.f16": (source[10:].reshape(-1), torch.float16),
    "weight.bf16": (source[5:41].reshape(6, 6), torch.bfloat16),
    "a.first": (source[:3], torch.float32),
}
save_file({k: v.to(dt).clone() for k, (v, dt) in written.items()}, os.path.join(here, "written.safetensors"),
          metadata={"format": "pt"})
with open(os.path.join(here, "written.json"), "w") as f:
    json.dump({
        "metadata": {"format": "pt"},
        "tensors": [{"name": k, "dtype": {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[dt],
                     "shape": list(v.shape), "float32_bits": [b & 0xFFFFFFFF for b in bits(v)]}
                    for k, (v, dt) in written.items()],
    }, f, indent=1)

shard_dir = os.path.join(here, "sharded")
os.makedirs(shard_dir, exist_ok=True)
shards = {
    "model-00001-of-00002.safetensors": {"embed.weight": torch.randn(4, 3), "norm.weight": torch.ones(3)},
    "model-00002-of-00002.safetensors": {"head.weight": torch.randn(2, 3).half()},
}
weight_map = {}
for file, ts in shards.items():
    save_file(ts, os.path.join(shard_dir, file), metadata={"format": "pt"})
    weight_map.update({name: file for name in ts})
with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
    json.dump({"metadata": {"total_size": 48}, "weight_map": weight_map}, f, indent=2)
with open(os.path.join(shard_dir, "expected.json"), "w") as f:
    json.dump({name: [b & 0xFFFFFFFF for b in bits(t)] for ts in shards.values() for name, t in ts.items()}, f)
