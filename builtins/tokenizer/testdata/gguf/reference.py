"""reference.py CACHE writes ../ref/gguf-NAME.json.gz: what llama.cpp (through
llama-cpp-python 0.3.36, which builds llama.cpp from its source) makes of the
texts of ../corpus.jsonl and corpus.jsonl with each GGUF vocabulary:

    NAME              CACHE/tokenizer/gguf/NAME.gguf, made by vocab.py
    smollm2           CACHE/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

Each file holds, per text, the ids of llama_tokenize(text, add_special=false,
parse_special=true); the tokens that add_special=true puts around them (checked
to be the same for every text); the sha256 (first 16 hex digits) of
llama_detokenize(ids, remove_special=false, unparse_special=false), bytes as
llama.cpp returns them; the same for random id sequences; the special ids; and
a sha256 of the vocabulary. Only numbers and hashes: the vocabularies are
third-party, and so are their decodes. Gzipped (without a timestamp, so the
same ids give the same file): 160 KB instead of 850 KB.

The Go tests read these files, so they need no llama.cpp:

    python reference.py ../../../../testdata-cache
"""

import ctypes
import gzip
import hashlib
import io
import json
import os
import random
import sys

import llama_cpp

HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = ["corpus.jsonl", "gguf/corpus.jsonl"]  # relative to testdata
# llama.cpp's log goes nowhere (kept here: ctypes must not free the callback).
QUIET = llama_cpp.llama_log_callback(lambda level, text, data: None)
VOCABS = ["llama", "llama-chat", "gpt2", "gpt2-added", "gpt2-llama-bpe", "gpt2-default", "gpt2-qwen2"]


def sha(b):
    return hashlib.sha256(b).hexdigest()[:16]


def texts():
    out = []
    for name in CORPORA:
        with open(os.path.join(HERE, "..", name), encoding="utf-8") as f:
            out += [json.loads(line) for line in f]
    return out


class Vocab:
    """A GGUF file's vocabulary loaded by llama.cpp without its weights."""

    def __init__(self, path):
        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        self.model = llama_cpp.llama_model_load_from_file(path.encode(), params)
        if not self.model:
            raise SystemExit("llama.cpp cannot load " + path)
        self.vocab = llama_cpp.llama_model_get_vocab(self.model)
        self.n = llama_cpp.llama_vocab_n_tokens(self.vocab)

    def tokenize(self, text, add_special):
        b = text.encode("utf-8")
        cap = len(b) + 8
        buf = (llama_cpp.llama_token * cap)()
        n = llama_cpp.llama_tokenize(self.vocab, b, len(b), buf, cap, add_special, True)
        if n < 0:
            raise SystemExit("llama_tokenize(%r) needs %d tokens" % (text, -n))
        return list(buf[:n])

    def detokenize(self, ids):
        arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
        cap = 64 + 64 * len(ids)
        buf = ctypes.create_string_buffer(cap)
        n = llama_cpp.llama_detokenize(self.vocab, arr, len(ids), buf, cap, False, False)
        if n < 0:
            raise SystemExit("llama_detokenize needs %d bytes" % -n)
        return buf.raw[:n]

    def text(self, i):
        return llama_cpp.llama_vocab_get_text(self.vocab, i).decode("utf-8")

    def attr(self, i):
        return llama_cpp.llama_vocab_get_attr(self.vocab, i)

    def special(self, fn):
        i = fn(self.vocab)
        return None if i < 0 else i


def reference(path, corpus):
    v = Vocab(path)
    ids = [v.tokenize(t, False) for t in corpus]
    # What add_special puts around a text, checked to be the same for all.
    plain, full = v.tokenize("Hello", False), v.tokenize("Hello", True)
    k = next(k for k in range(len(full) - len(plain) + 1) if full[k:k + len(plain)] == plain)
    prefix, suffix = full[:k], full[k + len(plain):]
    for t, x in zip(corpus, ids):
        if v.tokenize(t, True) != prefix + x + suffix:
            raise SystemExit("%s: add_special adds more than %r + ... + %r to %r" % (path, prefix, suffix, t))
    # Random id sequences, with special, user-defined and byte tokens often.
    favoured = [i for i in range(v.n) if v.attr(i) & ~llama_cpp.LLAMA_TOKEN_ATTR_NORMAL]
    rng = random.Random(7)
    rnd = []
    for _ in range(400):
        rnd.append([rng.choice(favoured) if favoured and rng.random() < 0.4 else rng.randrange(v.n)
                    for _ in range(rng.randint(1, 24))])
    return {
        "source": "llama.cpp (llama-cpp-python %s)" % llama_cpp.__version__,
        "corpus": CORPORA,
        "vocab_size": v.n,
        "bos": v.special(llama_cpp.llama_vocab_bos),
        "eos": v.special(llama_cpp.llama_vocab_eos),
        "pad": v.special(llama_cpp.llama_vocab_pad),
        "vocab_sha256": sha("\n".join(v.text(i) for i in range(v.n)).encode("utf-8")),
        "encode_true_adds_special": True,
        "special_prefix": prefix,
        "special_suffix": suffix,
        "ids": ids,
        "decoded_sha256": [sha(v.detokenize(x)) for x in ids],
        "random_ids": rnd,
        "random_decoded_sha256": [sha(v.detokenize(x)) for x in rnd],
    }


def write(name, obj):
    path = os.path.join(HERE, "..", "ref", "gguf-" + name + ".json.gz")
    with gzip.GzipFile(path, "wb", mtime=0) as z, io.TextIOWrapper(z, encoding="utf-8") as f:
        f.write("{\n")
        items = list(obj.items())
        for i, (k, val) in enumerate(items):
            end = ",\n" if i < len(items) - 1 else "\n"
            if isinstance(val, list) and val and isinstance(val[0], list):
                f.write(json.dumps(k) + ": [\n")
                f.write(",\n".join(json.dumps(x, separators=(",", ":")) for x in val))
                f.write("\n]" + end)
            else:
                f.write(json.dumps(k) + ": " + json.dumps(val) + end)
        f.write("}\n")
    print("wrote", path)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: reference.py CACHE")
    cache = sys.argv[1]
    llama_cpp.llama_backend_init()
    llama_cpp.llama_log_set(QUIET, ctypes.c_void_p(0))
    corpus = texts()
    paths = {name: os.path.join(cache, "tokenizer", "gguf", name + ".gguf") for name in VOCABS}
    paths["smollm2"] = os.path.join(cache, "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    only = set(os.environ.get("GGUF_REF_ONLY", "").split(",")) - {""}
    for name, path in paths.items():
        if not only or name in only:
            write(name, reference(path, corpus))


if __name__ == "__main__":
    main()
