"""Writes the golden files of package gguf's tests with the gguf Python
package (gguf==0.19.0), the reference. Run from the repository root:

    .venv/bin/python builtins/gguf/testdata/make_golden.py

- quants.json: for each type golora dequantizes, a few random blocks (random
  bytes, with every f16 scale made finite: most in ±[1e-4, 1], one block
  with extreme ones: 65504, a subnormal, ±0) and gguf.quants.dequantize of
  them, float32; and, for each type golora quantizes, float32 values and
  gguf.quants.quantize of them (NumPy's astype for F16).
- python.gguf: what gguf.GGUFWriter writes for metadata of every value type
  (nested arrays included, alignment 64) and tensors of several types and
  shapes; python.json gives what went in (metadata with types, each
  tensor's dims in GGUF order, bytes, source float32 values where the
  tensor was quantized from them, and its reference dequantization) and is
  checked against what reference.py reads back.

Binary fields are base64.
"""
import base64
import importlib.metadata
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q, GGUFValueType as V
from gguf.quants import dequantize, quantize

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.dont_write_bytecode = True
import reference  # noqa: E402

COMMAND = ".venv/bin/python builtins/gguf/testdata/make_golden.py"
rng = np.random.default_rng(20240601)

# Byte ranges of the f16 scales in each type's block.
SCALES = {
    Q.Q8_0: [0], Q.Q4_0: [0], Q.Q5_0: [0],
    Q.Q4_1: [0, 2], Q.Q5_1: [0, 2], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2],
    Q.Q6_K: [208],
}
EXTREME = np.array([65504.0, -65504.0, 2.0**-24, -(2.0**-24), 0.0, -0.0, 6.1e-5, 1.0], dtype=np.float16)


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def sane_halves(n):
    mag = 10.0 ** rng.uniform(-4, 0, n)
    sign = rng.choice([-1.0, 1.0], n)
    return (mag * sign).astype(np.float16)


def random_blocks(qtype, n_blocks):
    """Random bytes for n_blocks blocks of qtype, scales finite; the last
    block gets the extreme scales."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for k, at in enumerate(SCALES[qtype]):
        halves = sane_halves(n_blocks)
        halves[-1] = EXTREME[(3 * k + 1) % len(EXTREME)] if k else EXTREME[0]
        if n_blocks > 2:
            halves[-2] = EXTREME[2 + k]
        blocks[:, at:at + 2] = halves.view(np.uint8).reshape(n_blocks, 2)
    return blocks


def dequant_cases():
    cases = []
    special = np.array([0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, 1e-45, 3.4e38, 1 / 3], dtype=np.float32)
    f32 = np.concatenate([special, rng.standard_normal(22).astype(np.float32) * 10])
    cases.append((Q.F32, f32.view(np.uint8)))
    # Every pattern a half can take, in a sample: random bits.
    cases.append((Q.F16, rng.integers(0, 1 << 16, size=64, dtype=np.uint16).view(np.uint8)))
    cases.append((Q.BF16, rng.integers(0, 1 << 16, size=64, dtype=np.uint16).view(np.uint8)))
    for qtype, n in [(Q.Q8_0, 6), (Q.Q4_0, 6), (Q.Q4_1, 6), (Q.Q5_0, 6), (Q.Q5_1, 6),
                     (Q.Q4_K, 3), (Q.Q5_K, 3), (Q.Q6_K, 3)]:
        cases.append((qtype, random_blocks(qtype, n).reshape(-1)))
    out = []
    for qtype, raw in cases:
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        n = raw.size // type_size * block_size
        values = dequantize(raw.reshape(1, -1), qtype).astype(np.float32).reshape(-1)
        assert values.size == n
        out.append({"type": qtype.name, "n": n, "data": b64(raw), "float32": b64(values)})
    return out


def reciprocal_block():
    """A block whose Q8_0 codes depend on computing x·(1/d), as ggml does,
    rather than x/d or x·(127/max|x|): found by search. Each value lies one
    float32 ulp from a rounding boundary of x·(1/d)."""
    for _ in range(1000):
        amax = np.float32(rng.uniform(0.5, 4))
        d = amax / np.float32(127)
        k = rng.integers(-126, 126, 31).astype(np.float32)
        near = (k + np.float32(0.5)) * d
        toward = (np.inf * rng.choice([-1.0, 1.0], 31)).astype(np.float32)
        x = np.nextafter(near, toward)
        block = np.concatenate([[amax], x]).astype(np.float32)
        ggml = np_roundf(block * (np.float32(1) / d))
        if (ggml != np_roundf(block / d)).any() and (ggml != np_roundf(block * (np.float32(127) / amax))).any():
            return block
    raise RuntimeError("no block found")


def np_roundf(x):
    """C's roundf: halves away from zero."""
    return np.sign(x) * np.floor(np.abs(x) + np.float32(0.5))


def quantize_cases():
    # max|x| = 127 makes d = 1: x·(1/d) = x, so halves are ties, which ggml
    # rounds away from zero.
    ties = np.concatenate([[127.0], np.arange(31, dtype=np.float32) - 15.5]).astype(np.float32)
    q8 = np.concatenate([
        rng.standard_normal(64).astype(np.float32),
        rng.standard_normal(32).astype(np.float32) * 1e-3,
        np.zeros(32, dtype=np.float32),
        ties,
        reciprocal_block(),
        np.float32(-7.0) * np.ones(32, dtype=np.float32),
        rng.uniform(-60000, 60000, 32).astype(np.float32),
    ])
    halves = np.concatenate([
        np.array([0.0, -0.0, 1.0, 65504.0, 65519.0, 65520.0, 1e5, -1e5, 2.0**-24, 2.0**-25,
                  3 * 2.0**-26, 2.0**-26, 1e-10, np.inf, -np.inf, 1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11],
                 dtype=np.float32),
        rng.standard_normal(47).astype(np.float32) * 100,
    ])
    cases = [(Q.Q8_0, q8), (Q.F16, halves), (Q.BF16, halves), (Q.F32, halves)]
    cases += [(qtype, small_quant_values(qtype)) for qtype in (Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1)]
    out = []
    for qtype, values in cases:
        with np.errstate(over="ignore"):  # Halves beyond 65504 become infinities.
            data = quantize(values.reshape(1, -1), qtype).reshape(-1).view(np.uint8)
        out.append({"type": qtype.name, "float32": b64(values), "data": b64(data)})
    return out


# The 4- and 5-bit cases draw from a generator of their own, so that adding
# them left every other golden value as it was.
rng_small = np.random.default_rng(20260101)


def small_quant_values(qtype):
    """Blocks of 32 for Q4_0, Q4_1, Q5_0 or Q5_1: random ones at several
    scales, all zeros (led by +0 and, but for Q4_1 and Q5_1, by -0 and
    mixed with -0), constant,
    a negative or a positive extreme, values of ±60000, and a block whose
    values lie one float32 ulp either side of the rounding boundaries of
    x·(1/d), where computing x/d instead would round otherwise."""
    r = rng_small
    levels = {Q.Q4_0: 16, Q.Q4_1: 16, Q.Q5_0: 32, Q.Q5_1: 32}[qtype]
    zeros = np.zeros(32, dtype=np.float32)
    neg_first = zeros.copy()
    neg_first[0] = -0.0
    mixed = np.where(r.integers(0, 2, 32) == 1, np.float32(-0.0), np.float32(0.0)).astype(np.float32)
    mixed[:2] = [0.0, -0.0]
    one_big = r.standard_normal(32).astype(np.float32)
    one_big[7] = -9.0
    pos_big = r.standard_normal(32).astype(np.float32)
    pos_big[30] = 9.0
    # NumPy's vectorised min and max of +0 and -0 keep one or the other
    # depending on where they sit, so Q4_1 and Q5_1 get no block that mixes
    # them (golora keeps the first, as ggml does).
    signed = [neg_first, mixed] if qtype in (Q.Q4_0, Q.Q5_0) else []
    blocks = [
        r.standard_normal(64).astype(np.float32),
        r.standard_normal(32).astype(np.float32) * 1e-3,
        r.standard_normal(32).astype(np.float32) * 1e-6,
        zeros, *signed,
        np.full(32, 2.5, dtype=np.float32),
        one_big, pos_big,
        r.uniform(-60000, 60000, 32).astype(np.float32),
        boundary_block(qtype, levels),
    ]
    return np.concatenate(blocks).astype(np.float32)


def boundary_block(qtype, levels):
    """A block whose codes depend on ggml's x·(1/d) (found by search)."""
    r = rng_small
    symmetric = qtype in (Q.Q4_0, Q.Q5_0)
    half = levels // 2
    for _ in range(1000):
        if symmetric:
            m = np.float32(-r.uniform(0.5, 4))  # Its value of largest magnitude, negative: d > 0.
            d = m / np.float32(-half)
            k = r.integers(-half, half - 1, 31).astype(np.float32)
            near = (k + np.float32(0.5)) * d
        else:
            lo, hi = np.float32(-r.uniform(0.5, 4)), np.float32(r.uniform(0.5, 4))
            d = (hi - lo) / np.float32(levels - 1)
            k = r.integers(0, levels - 2, 30).astype(np.float32)
            near = lo + (k + np.float32(0.5)) * d
        x = np.nextafter(near, (np.inf * r.choice([-1.0, 1.0], near.size)).astype(np.float32))
        if symmetric:
            block = np.concatenate([[m], x]).astype(np.float32)
            off = np.float32(half) + np.float32(0.5)
            base = block
        else:
            block = np.concatenate([[lo, hi], x]).astype(np.float32)
            off = np.float32(0.5)
            base = block - lo
        ggml = np.trunc(base * (np.float32(1) / d) + off)
        if (ggml != np.trunc(base / d + off)).any():
            return block
    raise RuntimeError("no block found")


def metadata():
    """(key, type, value, sub_type) in the order they are added."""
    f32 = float(np.float32(0.1))
    return [
        ("t.uint8", V.UINT8, 200, None),
        ("t.int8", V.INT8, -100, None),
        ("t.uint16", V.UINT16, 60000, None),
        ("t.int16", V.INT16, -30000, None),
        ("t.uint32", V.UINT32, 4000000000, None),
        ("t.int32", V.INT32, -2000000000, None),
        ("t.float32", V.FLOAT32, f32, None),
        ("t.bool.true", V.BOOL, True, None),
        ("t.bool.false", V.BOOL, False, None),
        ("t.string", V.STRING, "héllo, ✓ \"quoted\"\n", None),
        ("t.string.empty", V.STRING, "", None),
        ("t.uint64", V.UINT64, 2**64 - 1, None),
        ("t.int64", V.INT64, -(2**63), None),
        ("t.float64", V.FLOAT64, 1 / 3, None),
        ("t.array.uint8", V.ARRAY, [0, 1, 255], V.UINT8),
        ("t.array.int8", V.ARRAY, [-128, 0, 127], V.INT8),
        ("t.array.uint16", V.ARRAY, [0, 65535], V.UINT16),
        ("t.array.int16", V.ARRAY, [-32768, 32767], V.INT16),
        ("t.array.uint32", V.ARRAY, [0, 2**32 - 1, 7], V.UINT32),
        ("t.array.int32", V.ARRAY, [-1, 2, -(2**31)], V.INT32),
        ("t.array.float32", V.ARRAY, [f32, -2.5, float(np.float32(1e-30))], V.FLOAT32),
        ("t.array.bool", V.ARRAY, [True, False, True], V.BOOL),
        ("t.array.string", V.ARRAY, ["a", "", "Ġ t", "<|im_end|>"], V.STRING),
        ("t.array.uint64", V.ARRAY, [2**64 - 1, 0], V.UINT64),
        ("t.array.int64", V.ARRAY, [-(2**63), 2**63 - 1], V.INT64),
        ("t.array.float64", V.ARRAY, [1 / 3, -1e300], V.FLOAT64),
        ("t.array.nested", V.ARRAY, [[1, 2, 3], ["x", "y"], [0.5]], V.ARRAY),
        ("t.array.deep", V.ARRAY, [[[1], [2, 3]], [[True]]], V.ARRAY),
    ]


def json_value(vtype, value, sub_type=None):
    """The value as reference.dump writes it."""
    if vtype != V.ARRAY:
        return value
    if sub_type is None:
        sub_type = {str: V.STRING, list: V.ARRAY, float: V.FLOAT32, bool: V.BOOL, int: V.INT32}[type(value[0])]
    return {"elem": sub_type.name.lower(), "values": [json_value(sub_type, v) for v in value]}


def write_gguf():
    path = os.path.join(here, "python.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_custom_alignment(64)
    expected = [
        {"key": "general.architecture", "type": "string", "value": "llama"},
        {"key": "general.alignment", "type": "uint32", "value": 64},
    ]
    for key, vtype, value, sub_type in metadata():
        w.add_key_value(key, value, vtype, sub_type=sub_type)
        expected.append({"key": key, "type": vtype.name.lower(), "value": json_value(vtype, value, sub_type)})

    tensors = []

    def add(name, qtype, data, source=None):
        w.add_tensor(name, data, raw_dtype=qtype if data.dtype == np.uint8 else None)
        tensors.append((name, qtype, data, source))

    f32 = rng.standard_normal((2, 3)).astype(np.float32)
    add("f32", Q.F32, f32, f32)
    add("scalar", Q.F32, np.array(7.5, dtype=np.float32), np.array(7.5, dtype=np.float32))
    cube = rng.standard_normal((2, 3, 4)).astype(np.float32)
    add("f32.3d", Q.F32, cube, cube)
    f16 = rng.standard_normal(5).astype(np.float32)
    add("f16", Q.F16, f16.astype(np.float16), f16)
    bf16 = rng.standard_normal((2, 4)).astype(np.float32)
    add("bf16", Q.BF16, quantize(bf16, Q.BF16), bf16)
    q8 = rng.standard_normal((3, 64)).astype(np.float32)
    add("q8_0", Q.Q8_0, quantize(q8, Q.Q8_0), q8)
    add("q4_1", Q.Q4_1, random_blocks(Q.Q4_1, 2).reshape(2, -1))
    add("q5_0.4d", Q.Q5_0, random_blocks(Q.Q5_0, 2).reshape(1, 2, 1, -1))
    add("q4_k", Q.Q4_K, random_blocks(Q.Q4_K, 1).reshape(1, -1))
    add("q6_k", Q.Q6_K, random_blocks(Q.Q6_K, 2).reshape(2, -1))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    back = reference.dump(path, data=True)
    assert back["metadata"] == expected, "GGUFReader disagrees with what GGUFWriter was given"
    out = []
    for (name, qtype, data, source), t in zip(tensors, back["tensors"]):
        assert t["name"] == name and t["type"] == qtype.name
        assert t["data"] == b64(data)
        if source is not None:
            t["source"] = b64(np.asarray(source, dtype=np.float32))
        out.append(t)
    with open(os.path.join(here, "python.json"), "w") as f:
        json.dump({"command": COMMAND, "alignment": 64, "metadata": expected, "tensors": out}, f, indent=1)
        f.write("\n")


def llama_permute(weights, n_head, n_head_kv):
    """convert_hf_to_gguf.py's LlamaModel.permute."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def permute_cases():
    r = np.random.default_rng(20260102)
    out = []
    for heads, kv, head_dim, cols in [(4, 4, 8, 3), (9, 3, 64, 5), (2, 1, 2, 1)]:
        for n in (heads, kv):
            w = r.standard_normal((n * head_dim, cols)).astype(np.float32)
            out.append({"heads": n, "cols": cols, "hf": b64(w), "gguf": b64(llama_permute(w, heads, n))})
    return out


def main():
    with open(os.path.join(here, "quants.json"), "w") as f:
        json.dump({"command": COMMAND, "gguf": importlib.metadata.version("gguf"),
                   "dequantize": dequant_cases(), "quantize": quantize_cases()}, f, indent=1)
        f.write("\n")
    write_gguf()
    with open(os.path.join(here, "permute.json"), "w") as f:
        json.dump({"command": COMMAND, "permute": permute_cases()}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
