"""encode.py TOKENIZER_JSON TEXTS_JSONL: encodes each text with Hugging Face
tokenizers and prints one JSON object: ids without and with special tokens,
and the decode of the ids. The Go tests run it through $GOLORA_PYTHON to
check that a tokenizer.json written by TrainBPE reads back the same.
"""

import json
import sys

from tokenizers import Tokenizer


def main():
    tok = Tokenizer.from_file(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]
    out = {
        "ids": [tok.encode(t, add_special_tokens=False).ids for t in texts],
        "ids_with_special": [tok.encode(t).ids for t in texts],
    }
    out["decoded"] = [tok.decode(x, skip_special_tokens=True) for x in out["ids"]]
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
