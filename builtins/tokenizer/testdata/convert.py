"""convert.py DIR: builds the Hugging Face tokenizer.json test files from the
third-party files that fetch.sh put in DIR (see fetch.sh for the list).

Run by fetch.sh; needs tokenizers, transformers, sentencepiece and protobuf.
"""

import json
import os
import shutil
import sys
import tempfile

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import LlamaTokenizerFast


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)


def llama(dir):
    """The LLaMA .model through transformers' converter, and two older forms
    of the same tokenizer.json that hub files still use."""
    with tempfile.TemporaryDirectory() as tmp:
        tok = LlamaTokenizerFast.from_pretrained(os.path.join(dir, "llama"))
        tok.save_pretrained(tmp)
        out = os.path.join(dir, "llama-hf")
        os.makedirs(out, exist_ok=True)
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(tmp, name), os.path.join(out, name))

    with open(os.path.join(dir, "llama-hf", "tokenizer.json"), encoding="utf-8") as f:
        base = json.load(f)

    # LLaMA 2's hub tokenizer.json: Prepend + Replace normalizer, no
    # pre-tokenizer, <s> added by the post-processor, unk_token set.
    legacy = json.loads(json.dumps(base))
    legacy["normalizer"] = {
        "type": "Sequence",
        "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
        ],
    }
    legacy["pre_tokenizer"] = None
    legacy["model"]["unk_token"] = "<unk>"
    legacy["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [
            {"SpecialToken": {"id": "<s>", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
        ],
        "pair": [
            {"SpecialToken": {"id": "<s>", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
            {"SpecialToken": {"id": "<s>", "type_id": 1}},
            {"Sequence": {"id": "B", "type_id": 1}},
        ],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
    }
    write_json(os.path.join(dir, "llama-hf-legacy", "tokenizer.json"), legacy)

    # tokenizers 0.13's form: Metaspace pre-tokenizer that splits on "▁"
    # and always prepends, with the Metaspace decoder.
    split = json.loads(json.dumps(base))
    split["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}
    split["decoder"] = {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}
    split["model"]["unk_token"] = "<unk>"
    write_json(os.path.join(dir, "llama-hf-split", "tokenizer.json"), split)


def gpt2(dir):
    """GPT-2 from encoder.json and vocab.bpe, as Hugging Face's gpt2 tokenizer.json."""
    src = os.path.join(dir, "gpt2")
    bpe = models.BPE.from_file(os.path.join(src, "encoder.json"), os.path.join(src, "vocab.bpe"))
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
    tok.save(os.path.join(src, "tokenizer.json"))

    tok.add_special_tokens([
        AddedToken("<|im_start|>", special=True, normalized=False),
        AddedToken("<|im_end|>", special=True, normalized=False, rstrip=True),
        AddedToken("[MASK]", special=True, normalized=False, lstrip=True),
    ])
    tok.add_tokens([
        AddedToken("hello world", normalized=True),
        AddedToken("ing", single_word=True, normalized=False),
        AddedToken("the", single_word=True, normalized=True),
        AddedToken("\u00e9t\u00e9", normalized=False),
        AddedToken("<tool>", lstrip=True, rstrip=True, normalized=False),
    ])
    out = os.path.join(dir, "gpt2-added")
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))


def sequences(dir):
    """Sequence pre-tokenizers with Digits, as SmolLM2's tokenizer.json has
    (Sequence[Digits(individual_digits=true), ByteLevel]), made from the GPT-2
    and LLaMA files."""
    with open(os.path.join(dir, "gpt2", "tokenizer.json"), encoding="utf-8") as f:
        gpt2 = json.load(f)
    with open(os.path.join(dir, "llama-hf", "tokenizer.json"), encoding="utf-8") as f:
        llama = json.load(f)

    def with_pre(base, name, pres):
        tok = json.loads(json.dumps(base))
        tok["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": pres}
        write_json(os.path.join(dir, name, "tokenizer.json"), tok)

    def byte_level(prefix):
        return {"type": "ByteLevel", "add_prefix_space": prefix, "trim_offsets": True, "use_regex": True}

    with_pre(gpt2, "gpt2-digits", [{"type": "Digits", "individual_digits": True}, byte_level(False)])
    with_pre(gpt2, "gpt2-digit-runs", [{"type": "Digits", "individual_digits": False}, byte_level(True)])
    with_pre(llama, "llama-hf-digits", [
        {"type": "Digits", "individual_digits": True},
        {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False},
    ])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: convert.py DIR")
    dir = sys.argv[1]
    llama(dir)
    gpt2(dir)
    sequences(dir)


if __name__ == "__main__":
    main()
