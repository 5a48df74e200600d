"""bench.py CACHE_DIR measures the encode throughput of the reference
tokenizers on the text that bench_test.go's benchText builds (the Go
specification, corpus.jsonl, the Go sources of net/http; cut at the last
newline before 2 MiB), to compare with `go test -bench Encode`.

    python bench.py ../../../testdata-cache/tokenizer
"""

import glob
import json
import os
import subprocess
import sys
import time

import sentencepiece as spm
import tokenizers
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 2 << 20


def bench_text():
    root = subprocess.check_output(["go", "env", "GOROOT"], text=True).strip()
    parts = [open(os.path.join(root, "doc", "go_spec.html"), "rb").read()]
    with open(os.path.join(HERE, "corpus.jsonl"), encoding="utf-8") as f:
        parts.append("\n".join(json.loads(line) for line in f).encode("utf-8"))
    for path in sorted(glob.glob(os.path.join(root, "src", "net", "http", "*.go"))):
        parts.append(open(path, "rb").read())
    data = b"".join(parts)
    if len(data) > SIZE:
        data = data[: data.rindex(b"\n", 0, SIZE) + 1]
    return data.decode("utf-8")


def best(f, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    cache = sys.argv[1]
    text = bench_text()
    mb = len(text.encode("utf-8")) / 1e6
    lines = text.split("\n")
    sp = spm.SentencePieceProcessor(model_file=os.path.join(cache, "llama", "tokenizer.model"))
    report(f"sentencepiece {spm.__version__} llama .model", mb,
           lambda: sp.encode(text, add_bos=True), lambda: [sp.encode(line) for line in lines])
    for name in ("llama-hf", "gpt2"):
        tok = Tokenizer.from_file(os.path.join(cache, name, "tokenizer.json"))
        report(f"tokenizers {tokenizers.__version__} {name}", mb,
               lambda: tok.encode(text), lambda: [tok.encode(line) for line in lines])


def report(name, mb, whole, by_line):
    """Prints MB/s for the text as one string (as the Go benchmark encodes
    it) and line by line in a loop."""
    t, u = best(whole), best(by_line)
    print(f"{name}: {mb / t:.2f} MB/s whole text, {mb / u:.2f} MB/s line by line ({mb:.2f} MB)")


if __name__ == "__main__":
    main()
