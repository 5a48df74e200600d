"""sptrain.py trains two small SentencePiece BPE models on corpus.jsonl, to
test the options that LLaMA's model leaves off:

    sp/small.model   no byte fallback (unknown characters become <unk>),
                     remove_extra_whitespaces, user-defined and control symbols
    sp/bytes.model   byte fallback, no dummy prefix, whitespace kept,
                     a user-defined symbol

Both use the identity normalizer, the only one this package supports.

    python sptrain.py
"""

import json
import os

import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "corpus.jsonl"), encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    text = "\n".join(line for t in lines for line in t.split("\n") if line.strip())
    os.makedirs(os.path.join(HERE, "sp"), exist_ok=True)
    common = dict(
        model_type="bpe",
        normalization_rule_name="identity",
        character_coverage=0.98,
        num_threads=1,
        hard_vocab_limit=False,
        allow_whitespace_only_pieces=True,
    )
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text.split("\n")),
        model_prefix=os.path.join(HERE, "sp", "small"),
        vocab_size=1500,
        user_defined_symbols=["<tool>", "@@", "ing"],
        control_symbols=["<ctl>", "<sep>"],
        pad_id=3,
        **common,
    )
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text.split("\n")),
        model_prefix=os.path.join(HERE, "sp", "bytes"),
        vocab_size=2000,
        byte_fallback=True,
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        user_defined_symbols=["<tool>"],
        unk_surface="[?]",
        **common,
    )
    for name in ("small", "bytes"):
        os.remove(os.path.join(HERE, "sp", name + ".vocab"))


if __name__ == "__main__":
    main()
