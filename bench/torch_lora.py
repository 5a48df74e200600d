"""Reference LoRA training step in plain PyTorch, for golora's benchmark.

A LLaMA-architecture model written here (RMSNorm, rotary positions, grouped-query
attention, SiLU MLP, untied LM head) with LoRA (r 8, alpha 16) on q_proj and
v_proj, trained with AdamW on random tokens, in float32 (or bfloat16 where a
config says so): the shapes and the initialisation of golora's benchmark
(bench/configs.json). It prints one JSON object per config with tokens/s, the
median and spread of the step time, and the process's peak RSS.

    python bench/torch_lora.py CONFIG_NAME [--steps N] [--warmup N] [--device cpu|cuda] [--peft]

With --peft the model is transformers' LlamaForCausalLM of the same shapes with
PEFT's LoRA (same rank, alpha and modules) instead of the model written here:
what a PyTorch user would run, and what golora is compared with on a GPU.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.utils.checkpoint
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class LoRALinear(nn.Module):
    def __init__(self, d_in, d_out, r=0, alpha=16):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d_out, d_in).normal_(0, 0.02), requires_grad=False)
        self.r = r
        if r:
            self.A = nn.Parameter(torch.empty(r, d_in).uniform_(-1 / math.sqrt(d_in), 1 / math.sqrt(d_in)))
            self.B = nn.Parameter(torch.zeros(d_out, r))
            self.scaling = alpha / r

    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.r:
            y = y + F.linear(F.linear(x, self.A), self.B) * self.scaling
        return y


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, h, kv, hd, ff = c["dim"], c["heads"], c["kv_heads"], c["dim"] // c["heads"], c["hidden"]
        self.h, self.kv, self.hd = h, kv, hd
        self.q = LoRALinear(d, h * hd, r=8)
        self.k = LoRALinear(d, kv * hd)
        self.v = LoRALinear(d, kv * hd, r=8)
        self.o = LoRALinear(h * hd, d)
        self.gate = LoRALinear(d, ff)
        self.up = LoRALinear(d, ff)
        self.down = LoRALinear(ff, d)
        self.n1 = nn.Parameter(torch.ones(d), requires_grad=False)
        self.n2 = nn.Parameter(torch.ones(d), requires_grad=False)

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        h = rms(x, self.n1)
        q = self.q(h).view(b, s, self.h, self.hd).transpose(1, 2)
        k = self.k(h).view(b, s, self.kv, self.hd).transpose(1, 2)
        v = self.v(h).view(b, s, self.kv, self.hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if self.kv != self.h:
            k = k.repeat_interleave(self.h // self.kv, dim=1)
            v = v.repeat_interleave(self.h // self.kv, dim=1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(a.transpose(1, 2).reshape(b, s, -1))
        h = rms(x, self.n2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


def rms(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Parameter(torch.empty(c["vocab"], c["dim"]).normal_(0, 0.02), requires_grad=False)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm = nn.Parameter(torch.ones(c["dim"]), requires_grad=False)
        self.head = self.embed if c.get("tie") else nn.Parameter(torch.empty(c["vocab"], c["dim"]).normal_(0, 0.02), requires_grad=False)
        self.checkpointing = c.get("gradient_checkpointing", False)
        hd = c["dim"] // c["heads"]
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        t = torch.arange(c["seq"]).float()
        freqs = torch.outer(t, inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)

    def forward(self, ids):
        x = F.embedding(ids, self.embed)
        for blk in self.blocks:
            if self.checkpointing:
                x = torch.utils.checkpoint.checkpoint(blk, x, self.cos, self.sin, use_reentrant=False)
            else:
                x = blk(x, self.cos, self.sin)
        return F.linear(rms(x, self.norm), self.head)


def peft_model(c, device, dtype):
    """transformers' LLaMA of the config's shapes, random weights, with PEFT's LoRA."""
    import peft
    import transformers
    cfg = transformers.LlamaConfig(
        hidden_size=c["dim"], intermediate_size=c["hidden"], num_hidden_layers=c["layers"],
        num_attention_heads=c["heads"], num_key_value_heads=c["kv_heads"], vocab_size=c["vocab"],
        max_position_embeddings=max(c["seq"], 512), rms_norm_eps=1e-5, rope_theta=10000.0,
        tie_word_embeddings=c.get("tie", False))
    with torch.device(device):  # Initialise where it runs: a 1B model takes long on a CPU.
        model = transformers.LlamaForCausalLM(cfg).to(dtype)
    lora = peft.LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"])
    model = peft.get_peft_model(model, lora)
    if c.get("gradient_checkpointing"):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    name = f"peft {peft.__version__}, transformers {transformers.__version__}, pytorch {torch.__version__}"
    return model, name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--configs", default=os.path.join(HERE, "configs.json"))
    ap.add_argument("--peft", action="store_true", help="transformers + PEFT instead of the model written here")
    args = ap.parse_args()
    configs = {c["name"]: c for c in json.load(open(args.configs))["configs"]}
    c = configs[args.config]
    dtype = torch.bfloat16 if c.get("dtype") == "bfloat16" else torch.float32
    torch.manual_seed(0)
    if args.peft:
        model, name = peft_model(c, args.device, dtype)
        forward = lambda ids: model(input_ids=ids).logits
    else:
        model, name = Model(c).to(args.device, dtype), f"pytorch {torch.__version__}"
        forward = model
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=3e-4)
    b, s = c["micro_batch"], c["seq"]
    ids = torch.randint(0, c["vocab"], (b, s), device=args.device)
    times = []
    for i in range(args.warmup + args.steps):
        if args.device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        logits = forward(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, c["vocab"]).float(), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad()
        if args.device == "cuda":
            torch.cuda.synchronize()
        if i >= args.warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out = {"config": c["name"], "backend": f"{name} {args.device}, {torch.get_num_threads()} threads",
           "tokens_per_s": b * s / med, "step_s": med, "step_min_s": min(times), "step_max_s": max(times),
           "peak_rss_bytes": peak, "loss": loss.item()}
    if args.device == "cuda":
        out["peak_gpu_bytes"] = torch.cuda.max_memory_allocated()
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
