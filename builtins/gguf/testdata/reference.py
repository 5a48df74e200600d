"""What the gguf Python package (the reference, gguf==0.19.0) reads in a GGUF
file, for package gguf's tests:

    python reference.py FILE [--data] [--dequant DIR NAME...]

prints JSON: the alignment, every metadata key/value in file order (type
names and values; an array as {"elem": TYPE, "values": [...]}, nested arrays
kept nested; infinities and NaN as the strings "inf", "-inf", "nan") and
every tensor (name, type, dims in GGUF order, offset in the data section).
With --data, also each tensor's bytes and gguf.quants.dequantize of them
(float32), base64. With --dequant, it writes DIR/NAME.f32 for each tensor
NAME: gguf.quants.dequantize of it, raw little-endian float32 in the file's
order (for tensors too large for JSON).

make_golden.py uses dump() on the files it writes; the Go tests run it on the
files golora writes and on the SmolLM2 model.
"""
import base64
import json
import math
import os
import sys

import numpy as np
from gguf import GGUFReader, GGUFValueType
from gguf.quants import dequantize


def read_value(parts, i, vtype):
    """Decodes the value of type vtype whose parts start at parts[i];
    returns it and the index of the next part."""
    if vtype == GGUFValueType.STRING:
        return bytes(parts[i + 1]).decode("utf-8"), i + 2
    if vtype == GGUFValueType.ARRAY:
        etype = GGUFValueType(int(parts[i][0]))
        n = int(parts[i + 1][0])
        i += 2
        values = []
        for _ in range(n):
            v, i = read_value(parts, i, etype)
            values.append(v)
        return {"elem": etype.name.lower(), "values": values}, i
    v = parts[i].tolist()[0]
    if isinstance(v, float) and not math.isfinite(v):
        v = repr(v)  # JSON has no infinities nor NaN: "inf", "-inf", "nan".
    return v, i + 1


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def dump(path, data=False, dequant_dir=None, dequant_names=()):
    r = GGUFReader(path)
    metadata = []
    for key, field in r.fields.items():
        if key.startswith("GGUF."):
            continue
        vtype = GGUFValueType(int(field.parts[2][0]))
        value, end = read_value(field.parts, 3, vtype)
        assert end == len(field.parts), key
        metadata.append({"key": key, "type": vtype.name.lower(), "value": value})
    tensors = []
    for t in r.tensors:
        entry = {
            "name": t.name,
            "type": t.tensor_type.name,
            "dims": [int(d) for d in t.shape],
            "offset": int(t.data_offset) - int(r.data_offset),
        }
        if data:
            entry["data"] = b64(t.data)
            entry["float32"] = b64(dequantize(t.data, t.tensor_type).astype(np.float32))
        if t.name in dequant_names:
            values = dequantize(t.data, t.tensor_type).astype("<f4")
            values.tofile(os.path.join(dequant_dir, t.name + ".f32"))
        tensors.append(entry)
    return {"alignment": int(r.alignment), "data_offset": int(r.data_offset),
            "metadata": metadata, "tensors": tensors}


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    path, rest = argv[0], argv[1:]
    data = "--data" in rest
    dequant_dir, names = None, ()
    if "--dequant" in rest:
        i = rest.index("--dequant")
        dequant_dir, names = rest[i + 1], set(rest[i + 2:])
    json.dump(dump(path, data, dequant_dir, names), sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
