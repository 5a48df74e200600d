"""Tokenizes conversations with transformers' apply_chat_template and its
assistant mask, the reference for lora.FromChat's masks (chat_test.go).

usage: assistant_mask.py tokenizer.json cases.json out.json

cases.json: {"template": Jinja text with {% generation %} blocks,
             "conversations": [[{"role": ..., "content": ...}, ...], ...]}
out.json:   [{"ids": [...], "mask": [0 or 1, ...]}, ...], one per
            conversation: input_ids and assistant_masks of
            apply_chat_template(tokenize=True, return_dict=True,
            return_assistant_tokens_mask=True).
"""
import json
import sys

from transformers import PreTrainedTokenizerFast


def main():
    tokenizer_file, cases_file, out_file = sys.argv[1:4]
    tok = PreTrainedTokenizerFast(tokenizer_file=tokenizer_file)
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    out = []
    for conv in cases["conversations"]:
        enc = tok.apply_chat_template(
            conv,
            chat_template=cases["template"],
            tokenize=True,
            return_dict=True,
            return_assistant_tokens_mask=True,
        )
        out.append({"ids": list(enc["input_ids"]), "mask": list(enc["assistant_masks"])})
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
