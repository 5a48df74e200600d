"""Makes the tiny random LLaMA models of package llama's tests with
transformers itself, and their reference outputs.

Run from anywhere with /work/refvenv/bin/python (torch, transformers,
safetensors). For each model it writes:

  models/NAME/        config.json, generation_config.json, model.safetensors
                      as LlamaForCausalLM.save_pretrained writes them (one
                      config rewritten in the older hub style: rope_theta and
                      rope_scaling instead of rope_parameters)
  expected/NAME.json  inputs and reference outputs: masked loss, greedy
                      generations, perplexities (Hugging Face's strided
                      method)
  expected/NAME.safetensors  logits for the inputs (float32) and, for the
                      gqa model, the gradient of the masked loss with respect
                      to every weight

The llama3 model also gets a tokenizer.json (a byte-level BPE that the
tokenizers library trains here on the Zen of Python, <pad> <s> </s> first),
and expected/llama3.json text-level references: greedy generations from
prompt strings, decoded, and the perplexity of a text.

Reference outputs come from the folder as committed, reloaded with
from_pretrained in float32, so they say what the files mean.
"""
import codecs
import contextlib
import io
import json
import math
import os

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM

here = os.path.dirname(os.path.abspath(__file__))
torch.use_deterministic_algorithms(True)

MODELS = {
    # Grouped-query attention (4 query heads share 2 key/value heads),
    # untied head, float32, config as transformers 5 writes it.
    "gqa": dict(config=dict(hidden_size=64, intermediate_size=172, num_hidden_layers=2,
                            num_attention_heads=4, num_key_value_heads=2, vocab_size=256,
                            rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=256,
                            tie_word_embeddings=False),
                dtype=torch.float32, style="v5", grads=True),
    # Tied embeddings, float16 weights, older hub-style config.
    "tied": dict(config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=4, vocab_size=384,
                             rms_norm_eps=1e-5, rope_theta=50000.0, max_position_embeddings=256,
                             tie_word_embeddings=True),
                 dtype=torch.float16, style="hub", grads=False),
    # Llama 3 rope scaling, one key/value head, head_dim that is not
    # hidden/heads, bfloat16 weights, hub-style config like Llama 3.2's.
    "llama3": dict(config=dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=1, head_dim=24,
                               vocab_size=512, rms_norm_eps=1e-5, rope_theta=500000.0,
                               rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                             "high_freq_factor": 4.0, "original_max_position_embeddings": 32},
                               max_position_embeddings=512, tie_word_embeddings=False),
                   dtype=torch.bfloat16, style="hub", grads=False, tokenizer=True),
}

with contextlib.redirect_stdout(io.StringIO()):  # Importing this prints the Zen.
    import this
ZEN = codecs.decode(this.s, "rot13")

PAD, BOS, EOS = 0, 1, 2


def hub_style(path):
    """Rewrites a transformers-5 config.json with rope_theta/rope_scaling."""
    with open(path) as f:
        cfg = json.load(f)
    rope = cfg.pop("rope_parameters")
    cfg["rope_theta"] = rope.pop("rope_theta")
    cfg["rope_scaling"] = None if rope.get("rope_type", "default") == "default" else rope
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)


def inputs(vocab, gen):
    """A batch of two rows of 12 tokens, the second right-padded after 9, and
    loss labels that mask a prompt and the padding (-100)."""
    ids = torch.randint(3, vocab, (2, 12), generator=gen)
    mask = torch.ones(2, 12, dtype=torch.long)
    ids[1, 9:] = PAD
    mask[1, 9:] = 0
    labels = ids.clone()
    labels[0, :4] = -100  # A prompt that training must not score.
    labels[1, :2] = -100
    labels[1, 9:] = -100  # Padding.
    return ids, mask, labels


def train_tokenizer(folder, vocab_size):
    """A byte-level BPE (GPT-2 style) with <pad>, <s>, </s> as ids 0, 1, 2."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([ZEN] * 4, trainer)
    tok.save(os.path.join(folder, "tokenizer.json"))
    return tok


def text_references(model, tok):
    """Greedy generations from prompt strings and a text's perplexity, with
    the BOS token first as LLaMA tokenizers add it."""
    def encode(text):
        return [BOS] + tok.encode(text, add_special_tokens=False).ids

    generations = []
    for prompt in ("Beautiful is", "Errors should never", "x"):
        ids = torch.tensor([encode(prompt)])
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=30, do_sample=False,
                                 pad_token_id=PAD)
        new = out[0, ids.size(1):].tolist()
        generations.append(dict(prompt=prompt, prompt_ids=ids[0].tolist(), max_new_tokens=30, output_ids=new,
                                text=tok.decode(new, skip_special_tokens=True)))
    ids = torch.tensor([encode(ZEN)])
    return dict(generations=generations, perplexity_text=ZEN, perplexity_ids=ids[0].tolist(),
                perplexity=[perplexity(model, ids, m, s) for m, s in ((64, 32), (128, 128))])


def perplexity(model, ids, max_length, stride):
    """Hugging Face's perplexity guide: windows of max_length tokens moved by
    stride; only tokens not scored by an earlier window count."""
    seq_len = ids.size(1)
    nll_sum, n_tokens, windows, prev_end = 0.0, 0, 0, 0
    for begin in range(0, seq_len, stride):
        end = min(begin + max_length, seq_len)
        trg_len = end - prev_end
        window = ids[:, begin:end]
        target = window.clone()
        target[:, :-trg_len] = -100
        with torch.no_grad():
            loss = model(window, labels=target).loss
        n = int((target[:, 1:] != -100).sum())
        nll_sum += loss.double().item() * n
        n_tokens += n
        windows += 1
        prev_end = end
        if end == seq_len:
            break
    return dict(max_length=max_length, stride=stride, nll_sum=nll_sum, tokens=n_tokens,
                windows=windows, ppl=math.exp(nll_sum / n_tokens))


def build(name, spec, seed):
    torch.manual_seed(seed)
    cfg = LlamaConfig(bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD, initializer_range=0.1,
                      **spec["config"])
    model = LlamaForCausalLM(cfg).to(spec["dtype"])
    folder = os.path.join(here, "models", name)
    model.save_pretrained(folder)
    tok = train_tokenizer(folder, cfg.vocab_size) if spec.get("tokenizer") else None
    if spec["style"] == "hub":
        hub_style(os.path.join(folder, "config.json"))

    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32)
    model.eval()
    vocab = cfg.vocab_size
    gen = torch.Generator().manual_seed(seed)
    ids, mask, labels = inputs(vocab, gen)

    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    tensors = {"logits": out.logits.detach().contiguous()}
    if spec["grads"]:
        out.loss.backward()
        for pname, p in model.named_parameters():
            tensors["grad." + pname] = p.grad.detach().contiguous()
    save_file(tensors, os.path.join(here, "expected", name + ".safetensors"))

    generations = []
    for prompt_len in (1, 5, 17):
        prompt = torch.cat([torch.tensor([[BOS]]), torch.randint(3, vocab, (1, prompt_len - 1), generator=gen)], 1)
        with torch.no_grad():
            full = model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=24,
                                  do_sample=False, pad_token_id=PAD)
            # How far each greedy choice is from the runner-up, so that a
            # near-tie (which float rounding could flip) would be seen here.
            logits = model(full).logits[0, prompt_len - 1:-1]
        top2 = logits.topk(2, dim=-1).values
        generations.append(dict(prompt=prompt[0].tolist(), max_new_tokens=24,
                                output=full[0, prompt_len:].tolist(),
                                min_margin=float((top2[:, 0] - top2[:, 1]).min())))

    text = torch.randint(3, vocab, (1, 100), generator=gen)
    ppls = [perplexity(model, text, m, s) for m, s in ((32, 16), (32, 32), (64, 24), (200, 50))]

    refs = dict(
        input_ids=ids.tolist(), attention_mask=mask.tolist(), labels=labels.tolist(),
        loss=out.loss.item(), num_parameters=sum(p.numel() for p in model.parameters()),
        generations=generations, perplexity_ids=text[0].tolist(), perplexity=ppls,
    )
    if tok is not None:
        refs["text"] = text_references(model, tok)
    with open(os.path.join(here, "expected", name + ".json"), "w") as f:
        json.dump(refs, f, indent=1)
    print(name, "loss", out.loss.item(), "min margins", [g["min_margin"] for g in generations])


os.makedirs(os.path.join(here, "expected"), exist_ok=True)
for seed, (name, spec) in enumerate(MODELS.items()):
    build(name, spec, seed + 1)
