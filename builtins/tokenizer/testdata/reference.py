"""reference.py CACHE_DIR writes ref/*.json: the token ids (and decodes) that the
reference implementations, the Python packages sentencepiece and tokenizers,
give for every text of corpus.jsonl, with each test tokenizer:

    llama.json              CACHE_DIR/llama/tokenizer.model        (sentencepiece)
    sp-*.json               sp/*.model, made by sptrain.py         (sentencepiece)
    llama-hf*.json          CACHE_DIR/llama-hf*/tokenizer.json     (tokenizers)
    gpt2*.json              CACHE_DIR/gpt2*/tokenizer.json         (tokenizers)
    *digit*.json.gz         CACHE_DIR/*digit*/tokenizer.json: Sequence pre-tokenizers
                            with Digits, on corpus.jsonl and gguf/corpus.jsonl
                            (gzipped, without a timestamp)
    trained.json            trained/tokenizer.json, made by TrainBPE (tokenizers)

CACHE_DIR is what fetch.sh filled (testdata-cache/tokenizer at the repository
root). Each file holds, per corpus text, the ids encoded without special tokens
and the decode of those ids; decodes of random id sequences (with special and
byte tokens); decodes as (shortened) sha256 of the text; the vocabulary as a
sha256 of its pieces; the tokens the post-processor adds;
and the special ids. Only ids and hashes, so no third-party vocabulary is
committed (the files of our own models keep their decoded texts).

    python reference.py ../../../testdata-cache/tokenizer [NAME...]

With names, it writes only those (llama, sp-small, gpt2-digits, ...).
"""

import gzip
import hashlib
import io
import json
import os
import random
import sys

import sentencepiece as spm
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def sha(s):
    """The first 16 hex digits of the text's sha256: enough to tell texts apart."""
    return hashlib.sha256(s.encode("utf-8")).hexdigest()[:16]


def corpus(*names):
    texts = []
    for name in names or ("corpus.jsonl",):
        with open(os.path.join(HERE, name), encoding="utf-8") as f:
            texts += [json.loads(line) for line in f]
    return texts


def random_ids(rng, size, favoured):
    seqs = []
    for _ in range(400):
        n = rng.randint(1, 24)
        seq = []
        for _ in range(n):
            if rng.random() < 0.4:
                seq.append(rng.choice(favoured))
            else:
                seq.append(rng.randrange(size))
        seqs.append(seq)
    return seqs


def write(name, obj, gz=False):
    """ref/NAME.json, or ref/NAME.json.gz (gzipped without a timestamp)."""
    os.makedirs(os.path.join(HERE, "ref"), exist_ok=True)
    path = os.path.join(HERE, "ref", name + (".json.gz" if gz else ".json"))
    opener = (lambda: io.TextIOWrapper(gzip.GzipFile(path, "wb", mtime=0), encoding="utf-8")) if gz else \
        (lambda: open(path, "w", encoding="utf-8"))
    with opener() as f:
        f.write("{\n")
        items = list(obj.items())
        for i, (k, v) in enumerate(items):
            end = ",\n" if i < len(items) - 1 else "\n"
            if isinstance(v, list):
                f.write(json.dumps(k) + ": [\n")
                for j, x in enumerate(v):
                    f.write(json.dumps(x, ensure_ascii=False) + (",\n" if j < len(v) - 1 else "\n"))
                f.write("]" + end)
            else:
                f.write(json.dumps(k) + ": " + json.dumps(v, ensure_ascii=False) + end)
        f.write("}\n")
    print("wrote", path)


def sentencepiece_ref(path, texts, keep_text=False):
    sp = spm.SentencePieceProcessor(model_file=path)
    size = sp.get_piece_size()
    ids = [sp.encode(t) for t in texts]
    favoured = [i for i in range(size) if sp.is_byte(i) or sp.is_control(i) or sp.is_unknown(i)]
    favoured += [sp.piece_to_id("\u2581"), sp.piece_to_id("\u2581\u2581")]
    rnd = random_ids(random.Random(7), size, favoured)
    out = {
        "source": "sentencepiece " + spm.__version__,
        "vocab_size": size,
        "bos": sp.bos_id(),
        "eos": sp.eos_id(),
        "pad": sp.pad_id(),
        "unk": sp.unk_id(),
        "vocab_sha256": sha("\n".join(sp.id_to_piece(i) for i in range(size))),
        "ids": ids,
    }
    add_decodes(out, [sp.decode(x) for x in ids], rnd, [sp.decode(x) for x in rnd], keep_text)
    return out


def add_decodes(out, decoded, rnd, rnd_decoded, keep_text):
    if keep_text:
        out["decoded"] = decoded
    out["decoded_sha256"] = [sha(d) for d in decoded]
    out["random_ids"] = rnd
    if keep_text:
        out["random_decoded"] = rnd_decoded
    out["random_decoded_sha256"] = [sha(d) for d in rnd_decoded]


def special_frame(tok, text):
    plain = tok.encode(text, add_special_tokens=False).ids
    full = tok.encode(text, add_special_tokens=True).ids
    for i in range(len(full) - len(plain) + 1):
        if full[i : i + len(plain)] == plain:
            return full[:i], full[i + len(plain) :]
    raise SystemExit("post-processor changes the tokens of %r" % text)


def tokenizers_ref(path, texts, keep_text=False, corpus_files=None):
    import tokenizers

    tok = Tokenizer.from_file(path)
    size = tok.get_vocab_size(with_added_tokens=True)
    ids = [tok.encode(t, add_special_tokens=False).ids for t in texts]
    # What the post-processor adds around a text, checked to be the same for all.
    prefix, suffix = special_frame(tok, "Hello")
    for t, x in zip(texts, ids):
        if tok.encode(t, add_special_tokens=True).ids != prefix + x + suffix:
            raise SystemExit("%s: post-processor adds more than %r + ... + %r to %r" % (path, prefix, suffix, t))
    added = [int(i) for i in tok.get_added_tokens_decoder()]
    byte_ids = [tok.token_to_id("<0x%02X>" % b) for b in range(256)]
    favoured = added + [i for i in byte_ids if i is not None]
    rnd = random_ids(random.Random(7), size, favoured)
    out = {
        "source": "tokenizers " + tokenizers.__version__,
        "vocab_size": size,
        "vocab_sha256": sha("\n".join(str(tok.id_to_token(i)) for i in range(size))),
        "ids": ids,
        "special_prefix": prefix,
        "special_suffix": suffix,
    }
    if corpus_files:
        out["corpus"] = corpus_files
    decoded = [tok.decode(x, skip_special_tokens=True) for x in ids]
    rnd_decoded = [tok.decode(x, skip_special_tokens=True) for x in rnd]
    add_decodes(out, decoded, rnd, rnd_decoded, keep_text)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: reference.py CACHE_DIR [NAME...]")
    cache = sys.argv[1]
    only = set(sys.argv[2:])

    def want(name):
        return not only or name in only

    texts = corpus()
    if want("llama"):
        write("llama", sentencepiece_ref(os.path.join(cache, "llama", "tokenizer.model"), texts))
    for name in ("small", "bytes"):
        path = os.path.join(HERE, "sp", name + ".model")
        if want("sp-" + name):
            write("sp-" + name, sentencepiece_ref(path, texts, keep_text=True))
    for name in ("llama-hf", "llama-hf-legacy", "llama-hf-split", "gpt2", "gpt2-added"):
        if want(name):
            write(name, tokenizers_ref(os.path.join(cache, name, "tokenizer.json"), texts))
    # Sequence pre-tokenizers with Digits, also on the digit-heavy GGUF corpus.
    both = ["corpus.jsonl", "gguf/corpus.jsonl"]
    for name in ("gpt2-digits", "gpt2-digit-runs", "llama-hf-digits"):
        if want(name):
            write(name, tokenizers_ref(os.path.join(cache, name, "tokenizer.json"), corpus(*both), corpus_files=both), gz=True)
    trained = os.path.join(HERE, "trained", "tokenizer.json")
    if os.path.exists(trained) and want("trained"):
        write("trained", tokenizers_ref(trained, texts, keep_text=True))


if __name__ == "__main__":
    main()
